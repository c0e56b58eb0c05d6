/**
 * The one catalogue of refusal codes. Every refusal OpenCSP returns carries one of these codes;
 * each entry states the HTTP status the API answers with, a title, and the source sentence
 * (seed document or linked page) the rule enforces. `docs/error-codes.md` is generated from it
 * (`npm run docs:codes`) and a test keeps the two in agreement.
 *
 * Codes are stable: once published, a code keeps its meaning. New codes may be added at any time,
 * so clients must treat unknown codes as a generic refusal of the given HTTP status.
 */

export interface CodeInfo {
  /** HTTP status the API answers with when this is the (first) violation. */
  readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500;
  readonly title: string;
  /** What the rule enforces, citing the seed or the linked page it comes from. */
  readonly source: string;
}

const seed = 'csp-partner-relationships.en.md';
const enrolling = 'related/enrolling-in-the-csp-program.en.md';
const mpa = 'related/microsoft-partner-agreement.en.md';
const reseller = 'related/indirect-reseller-tasks-in-partner-center.en.md';
const provider = 'related/indirect-provider-tasks-in-partner-center.en.md';
const customerRel = 'related/request-a-relationship-with-a-customer.en.md';

export const CODES = {
  // --- Bad input (400) ---------------------------------------------------------------------
  REQUIRED_FIELD: { status: 400, title: 'A required field is missing', source: 'input validation' },
  INVALID_FIELD: {
    status: 400,
    title: 'A field has the wrong type, length or format',
    source: 'input validation',
  },
  INVALID_GUID: {
    status: 400,
    title: 'An id is not a GUID',
    source: 'tenants and entities are identified by GUIDs',
  },
  INVALID_EMAIL: { status: 400, title: 'An email address is not valid', source: 'input validation' },
  INVALID_DATE: {
    status: 400,
    title: 'A date is not a valid YYYY-MM-DD calendar date',
    source: 'input validation',
  },
  UNKNOWN_COUNTRY: {
    status: 400,
    title: 'The country is not a market of any region of the program',
    source: 'csp-regions.json: the CSP regions and their markets (ISO 3166-1 alpha-2)',
  },
  UNKNOWN_REGION: { status: 400, title: 'The region is not one of the program', source: 'csp-regions.json' },
  UNKNOWN_ROLE: { status: 400, title: 'Not a role OpenCSP knows', source: 'input validation' },

  // --- Not found (404) ------------------------------------------------------------------------
  ORGANIZATION_NOT_FOUND: { status: 404, title: 'No such organization', source: 'lookup' },
  TENANT_NOT_FOUND: { status: 404, title: 'No such tenant', source: 'lookup' },
  USER_NOT_FOUND: { status: 404, title: 'No such user', source: 'lookup' },
  PARTNER_ID_NOT_FOUND: {
    status: 404,
    title: 'No partner location account has this Partner ID',
    source: 'lookup',
  },
  ENROLLMENT_NOT_FOUND: { status: 404, title: 'No such enrollment', source: 'lookup' },
  ENTITY_NOT_FOUND: { status: 404, title: 'No such entity', source: 'lookup' },
  AFFILIATE_GROUP_NOT_FOUND: { status: 404, title: 'No such affiliate group', source: 'lookup' },

  // --- Conflicts (409) ------------------------------------------------------------------------
  PROGRAM_ALREADY_BOOTSTRAPPED: {
    status: 409,
    title: 'The program already has its vendor organization',
    source: 'a program has one vendor',
  },
  TENANT_ALREADY_EXISTS: {
    status: 409,
    title: 'A tenant with this id or domain exists',
    source: 'tenants are unique',
  },
  EMAIL_ALREADY_IN_USE: {
    status: 409,
    title: 'The tenant already has a user with this email',
    source: 'users',
  },
  LOCATION_ALREADY_EXISTS: {
    status: 409,
    title: 'The organization already has a location account in this country',
    source: `${enrolling}: one partner location account (Partner ID) per organization per country`,
  },
  PARTNER_ID_ALREADY_ASSOCIATED: {
    status: 409,
    title: 'This Partner ID is already associated with a CSP tenant',
    source: `${reseller}: a CSP account is tied 1:1 to a location MPN ID`,
  },
  TENANT_ALREADY_ASSOCIATED: {
    status: 409,
    title: 'This CSP tenant is already associated with a Partner ID',
    source: `${reseller}: a CSP account is tied 1:1 to a location MPN ID`,
  },
  ENROLLMENT_ALREADY_EXISTS: {
    status: 409,
    title: 'The tenant already has an open enrollment in this role',
    source: 'one live enrollment per tenant and role',
  },
  ENROLLMENT_ROLE_CONFLICT: {
    status: 409,
    title: 'A CSP tenant holds one program role: indirect provider, indirect reseller or direct-bill partner',
    source: `${seed}: the three transactional relationships are distinct; an indirect reseller "doesn't have a direct billing relationship"`,
  },
  INVALID_TRANSITION: {
    status: 409,
    title: 'The entity is not in a state that allows this change',
    source: 'lifecycles are transition tables',
  },
  AGREEMENT_ALREADY_ACCEPTED: {
    status: 409,
    title: 'This version of the agreement is already accepted for this scope',
    source: `${mpa}: the MPA is signed once per region`,
  },
  ALREADY_IN_AFFILIATE_GROUP: {
    status: 409,
    title: 'The organization is already in an affiliate group',
    source: 'an organization is under the common control of one group',
  },
  NOT_IN_AFFILIATE_GROUP: {
    status: 409,
    title: 'The organization is in no affiliate group',
    source: 'affiliates',
  },

  // --- Program rules (422) --------------------------------------------------------------------
  REGISTRATION_ID_REQUIRED: {
    status: 422,
    title: 'A business registration ID is required in this country',
    source: `${enrolling}: "you need to provide registration ID numbers for your business" in the listed countries`,
  },
  PARTNER_ID_COUNTRY_MISMATCH: {
    status: 422,
    title: 'The Partner ID belongs to a location in another country than the CSP tenant',
    source: `${reseller}: "Your CSP account and the associated MPN ID must be located in the same country"`,
  },
  PARTNER_ID_NOT_ASSOCIATED: {
    status: 422,
    title: 'The CSP tenant is not associated with a location Partner ID',
    source: `${reseller}: "you won't be able to sign Microsoft Partner Agreement(MPA) or transact in CSP, until you complete associating your MPN ID with your CSP account"`,
  },
  PARTNER_ID_WRONG_ORGANIZATION: {
    status: 422,
    title: 'The Partner ID belongs to another organization',
    source: 'a location account belongs to one organization',
  },
  NOT_A_PARTNER_TENANT: {
    status: 422,
    title: 'The tenant is not a CSP (partner) tenant',
    source: `${seed}, scenario 4: the CSP tenant is the one used to transact`,
  },
  NOT_A_CUSTOMER_TENANT: {
    status: 422,
    title: 'The tenant is not a customer-type tenant',
    source: `${seed}, scenario 4: a tenant "designated as a Customer type"`,
  },
  ROLE_NOT_VALID_FOR_TENANT: {
    status: 422,
    title: 'This role does not exist in this kind of tenant',
    source: 'partner tenants have partner roles; customer tenants global admins; the vendor operators',
  },
  PARTNER_NOT_ONBOARDED: {
    status: 422,
    title: 'The partner has not onboarded a CSP tenant',
    source: `${seed}: resellers must "Onboard into Partner Center"`,
  },
  PARTNER_NOT_ENROLLED: {
    status: 422,
    title: 'The partner is not enrolled in the needed program role',
    source: `${seed}: resellers must "Enroll as an indirect reseller"`,
  },
  ENROLLMENT_NOT_VERIFIED: {
    status: 422,
    title: 'The enrollment awaits verification by the program',
    source: `${enrolling}: "It can take us several days to review and verify the information you've provided"`,
  },
  ENROLLMENT_NOT_ACTIVE: {
    status: 422,
    title: 'The enrollment is not active',
    source: `${mpa}: status Qualified becomes Active once the MPA is accepted; Rejected or Declined failed verification`,
  },
  DIRECT_BILL_RESTRICTED: {
    status: 422,
    title: 'The direct-bill partner is restricted: no new purchases, customers or invitations',
    source: 'GLOSSARY: falling short of the direct-bill requirements → restricted',
  },
  DIRECT_BILL_REQUIREMENTS_UNMET: {
    status: 422,
    title: 'Required direct-bill requirements are not verified',
    source: `${enrolling}: minimum requirements for direct bill partners`,
  },
  NOT_DIRECT_BILL_ENROLLMENT: {
    status: 422,
    title: 'Only a direct-bill enrollment has this requirement or state',
    source: `${enrolling}: the requirements apply to direct bill partners`,
  },
  REQUIREMENT_OUT_OF_ORDER: {
    status: 422,
    title:
      'A requirement may only be recorded after the one it depends on is verified (the support plan after the credit check)',
    source: `${enrolling}: "You must pass a credit check before purchasing a support plan"`,
  },
  REVENUE_BELOW_THRESHOLD: {
    status: 422,
    title: 'Trailing 12-month revenue as an indirect reseller is below the program threshold',
    source: `${enrolling}: "at least USD300K in Cloud Solution Provider program annual revenue during the preceding 12 months as an indirect reseller"`,
  },
  MPA_SIGNER_NOT_GLOBAL_ADMIN: {
    status: 403,
    title: 'Only a global admin of the CSP tenant signs the partner agreement',
    source: `${mpa}: "Only Global Admins on the CSP tenant can view and sign MPA"`,
  },
  MCA_SIGNER_NOT_AUTHORIZED: {
    status: 403,
    title:
      "Only the customer's global admin (or the program operator recording an attestation) accepts the customer agreement",
    source: 'GLOSSARY: the MCA is accepted for a customer tenant',
  },
  AGREEMENT_NOT_YET_EFFECTIVE: {
    status: 422,
    title: 'The agreement version is not effective yet',
    source: `${seed}: "Starting February 1, 2020, the Microsoft Partner Agreement must be signed"`,
  },
  ACCEPTANCE_DATE_IN_FUTURE: {
    status: 422,
    title: 'An acceptance cannot be dated in the future',
    source: 'agreements are accepted, then recorded',
  },
  MPA_NOT_SIGNED: {
    status: 422,
    title: 'The partner agreement is not signed for the region of the transaction',
    source: `${mpa}: "The MPA must be signed once in every CSP region where your company does CSP business"`,
  },
  MPA_VERSION_OUTDATED: {
    status: 422,
    title: 'The partner agreement was signed in an earlier version; the current version must be signed',
    source: 'agreements are superseded, never edited',
  },
  REGION_MISMATCH: {
    status: 422,
    title: 'The parties are located in different regions',
    source: `${seed}, scenarios 7 and 8: "can only sell to customers from the same region", "can only establish a relationship with a partner from the same region"`,
  },
  NOT_AUTHORIZED: {
    status: 403,
    title: 'The principal lacks the role or relationship this action needs',
    source: 'roles and relationships',
  },

  // --- Relationships and the rules engine (issue 3) --------------------------------------------
  PARTNERSHIP_NOT_FOUND: {
    status: 404,
    title: 'No such partnership or partnership invitation',
    source: 'lookup',
  },
  INVITATION_NOT_FOUND: { status: 404, title: 'No invitation matches this token', source: 'lookup' },
  CUSTOMER_RELATIONSHIP_NOT_FOUND: { status: 404, title: 'No such customer relationship', source: 'lookup' },
  ADMIN_RELATIONSHIP_NOT_FOUND: { status: 404, title: 'No such admin relationship', source: 'lookup' },
  SUPPORT_REQUEST_NOT_FOUND: { status: 404, title: 'No such support request', source: 'lookup' },
  INVITATION_EXPIRED: {
    status: 409,
    title: 'The invitation has expired',
    source: 'invitations carry an expiry (partnerships: the program policy, 90 days by default)',
  },
  PARTNERSHIP_ALREADY_EXISTS: {
    status: 409,
    title: 'The provider and the reseller already have an open partnership or invitation',
    source: 'one partnership per provider and reseller',
  },
  CUSTOMER_RELATIONSHIP_ALREADY_EXISTS: {
    status: 409,
    title: 'The partner already has an active relationship with this customer',
    source: 'one reseller relationship per partner and customer',
  },
  UNSUPPORTED_CHAIN: {
    status: 422,
    title: 'This sales chain is not one the program supports',
    source: `${seed}, scenario 1: "Microsoft sells to the direct-bill partner. The direct-bill partner then sells to the end customer" / "Microsoft sells to the indirect provider. The indirect provider then sells to the indirect reseller. The indirect reseller then sells to the end customer"`,
  },
  PARTNER_ID_ON_RECORD_REQUIRED: {
    status: 422,
    title: "An order for a reseller's customer must name the reseller as partner of record",
    source:
      'OpenCSP policy `requirePartnerIdOnRecord` (Partner Center accepts the order and the reseller earns nothing)',
  },
  RESELLER_MPA_NOT_SIGNED: {
    status: 422,
    title: "The indirect reseller has not signed the partner agreement for the transaction's region",
    source: `${seed}: "An indirect reseller needs to sign the MPA before … an indirect provider can associate the indirect reseller's MPN ID to a new CSP subscription / … can transact new business with that reseller"`,
  },
  NO_ACTIVE_PARTNERSHIP: {
    status: 422,
    title: 'The provider and the reseller have no active partnership',
    source: `${provider}: "Before you can interact and transact with resellers, you must establish partnerships with them"`,
  },
  NO_CUSTOMER_RELATIONSHIP: {
    status: 422,
    title: 'The partner has no active reseller relationship with this customer',
    source: `${customerRel}: "After the customer accepts your invitation, they'll appear on your Customers page"`,
  },
  CUSTOMER_AGREEMENT_NOT_ACCEPTED: {
    status: 422,
    title: 'The customer has not accepted the customer agreement',
    source: `${customerRel}: the customer "must … sign the Microsoft Customer Agreement"`,
  },
  PARTNER_TENANT_NOT_CUSTOMER_TYPE: {
    status: 422,
    title: "A partner's CSP tenant cannot be a customer: use a customer-type tenant",
    source: `${seed}, scenario 4: "services bought by the partner need to be provisioned to a tenant designated as a Customer type … cannot be provisioned to the existing partner's CSP tenant"`,
  },
  SELF_DEALING: {
    status: 422,
    title: 'A partner cannot sell to itself',
    source: `${seed}, scenario 5: "partners in the CSP program are not allowed to sell … to themselves (as end-customers)"`,
  },
  AFFILIATE_DEALING: {
    status: 422,
    title: 'A partner cannot sell to an affiliate organization',
    source: `${seed}, scenario 5: "… or to their affiliate organizations (as end-customers)"`,
  },
  RELATIONSHIP_TYPE_CONFLICT: {
    status: 422,
    title: "An indirect reseller of a provider cannot also become that provider's end customer",
    source: `${seed}, scenario 6: "Doing so prevents the partner from establishing any new relationship type as an end-customer with the same indirect provider"`,
  },
  TERMINATION_REQUIRES_SUPPORT: {
    status: 422,
    title: 'Under this program a partnership is ended through a support request',
    source: `${seed}, scenario 6, option 2: "To end the relationship between an indirect provider and an indirect reseller, contact Microsoft Support"`,
  },
  SUBSCRIPTIONS_STILL_ACTIVE: {
    status: 422,
    title: "The customer's subscriptions with this partner must be suspended or ended first",
    source: 'removing a reseller relationship (Partner Center: remove a relationship)',
  },
  ADMIN_ROLE_REQUIRED: {
    status: 403,
    title: 'No active admin relationship grants the role this action needs',
    source: `related/multichannel.en.md: "you must request permissions from the customer to manage their subscriptions"`,
  },
  EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE: {
    status: 422,
    title: 'A subscription bought elsewhere can be managed under an admin relationship, never resold',
    source: 'related/multichannel.en.md: managing subscriptions "purchased elsewhere"',
  },

  // --- Commerce: catalog, orders, subscriptions (issue 4) ---------------------------------------
  OFFER_NOT_FOUND: {
    status: 404,
    title: 'No such catalog item (product SKU) that this party may sell',
    source: 'catalog lookup; a value-added service is visible to its owner only',
  },
  ORDER_NOT_FOUND: { status: 404, title: 'No such order', source: 'lookup' },
  SUBSCRIPTION_NOT_FOUND: { status: 404, title: 'No such subscription', source: 'lookup' },
  PRODUCT_ID_TAKEN: {
    status: 409,
    title: 'The product id belongs to another publisher (the vendor catalog or another partner)',
    source: "catalog: a partner's value-added services never reach the vendor",
  },
  OFFER_NOT_AVAILABLE_IN_MARKET: {
    status: 422,
    title: "The offer is not available in the customer's market",
    source: 'csp-regions.json: each market (country) has its catalog and currency',
  },
  CURRENCY_MISMATCH: {
    status: 422,
    title: "The order's currency is not the currency of the customer's market",
    source: 'csp-regions.json: "the currency a market transacts in"',
  },
  TERM_NOT_OFFERED: {
    status: 422,
    title: 'The SKU is not sold with this term and billing cycle in this market',
    source: 'catalog: license-based SKUs have terms P1M / P1Y / P3Y and monthly or annual billing',
  },
  QUANTITY_OUT_OF_RANGE: {
    status: 422,
    title: "The quantity is outside the SKU's minimum and maximum",
    source: 'catalog: minimum and maximum quantity per SKU',
  },
  CANCELLATION_WINDOW_CLOSED: {
    status: 422,
    title:
      'Seats can be removed or the subscription cancelled only inside the cancellation window after purchase or renewal',
    source:
      'Partner Center: cancellation and seat reduction within 7 days (168 hours) of purchase or renewal',
  },
  SUPPORT_CONTACT_NOT_ELIGIBLE: {
    status: 422,
    title:
      'The designated support contact must be an indirect reseller in an active partnership with the provider',
    source:
      'GLOSSARY: "Designated support contact: a reseller a provider names to support a given subscription"',
  },
  ORDER_NOT_PENDING: {
    status: 409,
    title: 'Only a pending order request can be approved, rejected or withdrawn',
    source: 'order requests: a reseller asks its provider to order',
  },

  // --- Billing (issue 7) --------------------------------------------------------------------------
  PRICE_NOT_FOUND: {
    status: 422,
    title: 'A tier of the sales chain has no price for this SKU, term, billing cycle and market',
    source:
      'billing: every tier needs a price (price list entry or repricing rule) at order time, never discovered at billing time',
  },
  PRICE_BELOW_COST: {
    status: 422,
    title: "A tier's price is below what its seller pays for the same item, and the rule does not allow it",
    source: 'billing: repricing rules have allowBelowCost false by default',
  },
  PRICE_LIST_OVERLAP: {
    status: 409,
    title: "The entry's effective dates overlap another entry of the seller's price list for the same item",
    source: 'billing: price lists per seller, keyed (product, SKU, term, billing cycle, market, currency)',
  },
  DUE_BATCH_CHANGED: {
    status: 409,
    title:
      'A subscription of a due batch rated ahead, outside the transaction that writes it, changed before the batch was written',
    source:
      'billing: the month close rates the next batch while one is written; a batch is written only if its rows are as it read them',
  },
  PRICE_LIST_ENTRY_NOT_FOUND: { status: 404, title: 'No such price list entry', source: 'lookup' },
  REPRICING_RULE_NOT_FOUND: { status: 404, title: 'No such repricing rule', source: 'lookup' },
  EFFECTIVE_MONTH_NOT_FUTURE: {
    status: 422,
    title: 'A repricing rule takes effect from a future invoice month only; closed months are immutable',
    source: 'billing: repricing rules have an effective invoice month (future months only)',
  },
  BUYER_NOT_A_CUSTOMER_OF_SELLER: {
    status: 422,
    title: 'The buyer is not one the seller bills (its reseller or its customer)',
    source: 'seed: the provider bills its resellers; resellers and direct-bill partners bill their customers',
  },
  PERIOD_NOT_ENDED: {
    status: 409,
    title: 'A billing period (calendar month, UTC) can be closed only after it ended',
    source: 'billing: billing periods are calendar months (UTC)',
  },
  INVOICE_NOT_FOUND: { status: 404, title: 'No such invoice', source: 'lookup' },
  INVOICE_NOT_ISSUED: {
    status: 409,
    title: 'Only an issued invoice can be voided',
    source: 'billing: invoices go draft → issued → void',
  },
  BILLING_RELATIONSHIP_NOT_FOUND: {
    status: 404,
    title: 'The seller does not bill this buyer for this subscription',
    source: 'billing: each subscription event produces one line per billing relationship on its chain',
  },

  // --- Transport (the HTTP API) ----------------------------------------------------------------
  NOT_AUTHENTICATED: {
    status: 401,
    title: 'A valid API key is required (Authorization: Bearer …)',
    source: 'API keys bound to a user of a tenant',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    title: 'This Idempotency-Key was used with a different request',
    source: 'Idempotency-Key: the same key with the same body returns the original result',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests for this API key; see Retry-After',
    source: 'rate limiting per API key',
  },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route', source: 'the HTTP API' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 400,
    title: 'The body must be JSON (application/json)',
    source: 'the HTTP API',
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Something went wrong on our side; nothing was written',
    source: 'unexpected failures are logged with the request id and leak nothing',
  },
} as const satisfies Record<string, CodeInfo>;

/** A stable refusal code. */
export type Code = keyof typeof CODES;

/** All codes, in catalogue order. */
export const ALL_CODES = Object.keys(CODES) as Code[];

export function codeInfo(code: Code): CodeInfo {
  return CODES[code];
}
