/**
 * Authorization matrix of the write routes (OWASP API #1, broken object-level authorization): every
 * POST and DELETE route × every kind of principal of another organization (the global admins of an
 * indirect provider, an indirect reseller, a direct-bill partner and a customer, and non-admin
 * agents of the partners) × an object of the owner's organization → 404 with a `*_NOT_FOUND` code,
 * never 2xx, never a 403/409/422 that confirms the object exists, never 500, and not one row
 * written. Without an API key every write route but the sign-ups answers 401.
 *
 * Every answer must also be the very answer to the same request naming objects that do not exist
 * (each id replaced by a fresh one): that is what "reveals nothing" means. A refusal decided from
 * the caller alone, before anything is looked up (`OPERATOR_ONLY`, `CALLER_CHECKED`), may be a
 * 403/422 for that reason; it is still checked against the request for objects that do not exist.
 *
 * The routes come from the OpenAPI document: a new write route fails the test until `REQUESTS`
 * has a request for it (or `EXEMPT` a reason it needs none). Each request is one its owner may
 * make (checked with a dry run), so the outsiders' refusals come from authorization, not from a
 * bad body or an object in the wrong state. `KNOWN_LEAKS` is exactly the set of routes that break
 * the rule today: fixing one means removing its entry.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  approveAdminRelationship,
  createAdminRelationship,
  requestAdminApproval,
} from '../../src/admin-access/service.ts';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { closeBillingPeriod } from '../../src/billing/close.ts';
import { addPriceListEntry, listInvoices } from '../../src/billing/service.ts';
import { inviteCustomer } from '../../src/customers/service.ts';
import { recordDirectBillRequirement, restrictEnrollment } from '../../src/enrollments/service.ts';
import { type Principal, SYSTEM, type UserRole } from '../../src/kernel/principal.ts';
import { placeOrder, requestOrder } from '../../src/orders/service.ts';
import { addLocation, addToAffiliateGroup, addUser, createPartnerTenant } from '../../src/parties/service.ts';
import { invitePartnership, openSupportRequest, suspendPartnership } from '../../src/partnerships/service.ts';
import { suspendSubscription } from '../../src/subscriptions/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  connectCustomer,
  connectReseller,
  must,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { SEATS, seedTestCatalog } from '../support/commerce.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

/** Who in the owner's world may make a request (checked with a dry run). */
type Actor =
  | 'operator'
  | 'provider'
  | 'reseller'
  | 'reseller2'
  | 'customer'
  | 'unsigned customer'
  | 'invited reseller'
  | 'qualified partner';

/** The owner's objects: the default path parameters, and the ids the requests name. */
interface Owner {
  readonly params: Readonly<Record<string, string>>;
  readonly providerOrganizationId: string;
  readonly providerTenantId: string;
  readonly resellerTenantId: string;
  readonly resellerAdminUserId: string;
  readonly resellerPartnerId: number;
  readonly reseller2TenantId: string;
  readonly reseller2PartnerId: number;
  readonly prospectPartnerId: number;
  readonly customerTenantId: string;
  readonly quietCustomerTenantId: string;
  readonly unsignedCustomerTenantId: string;
  readonly onboardedTenantId: string;
  readonly onboardedOrganizationId: string;
  readonly qualifiedTenantId: string;
  readonly secondTenantId: string;
  readonly secondPartnerId: number;
  readonly activeEnrollmentId: string;
  readonly restrictedEnrollmentId: string;
  readonly directBillEnrollmentId: string;
  readonly suspendedPartnershipId: string;
  readonly partnershipInvitationToken: string;
  readonly customerInvitationToken: string;
  readonly createdAdminRelationshipId: string;
  readonly pendingAdminRelationshipId: string;
  readonly suspendedSubscriptionId: string;
  readonly priceListEntryId: string;
  /** The provider's invoice to the reseller for January (issued). */
  readonly invoiceId: string;
}

/**
 * A request of the matrix: its path parameters (default: `owner.params` by name), its JSON body,
 * and who of the owner's world may make it (default: the program operator).
 */
interface Request {
  readonly as?: Actor;
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

const seats = (quantity: number, partnerIdOnRecord?: number) => ({
  catalogItemId: SEATS,
  quantity,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  ...(partnerIdOnRecord !== undefined && { partnerIdOnRecord }),
});
const newTenant = (name: string) => ({
  country: 'FR',
  tenant: { domain: `${name}.onmicrosoft.example` },
  globalAdmin: { email: `admin@${name}.example`, displayName: 'Admin' },
});
const sku = (markets: string[]) => ({
  code: 'STD',
  title: 'Per user',
  billing: 'license',
  minQuantity: 1,
  maxQuantity: 10,
  markets,
  prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 100 } }],
});

/**
 * A valid request per write route, naming the owner's objects, each in a state where its owner
 * could act (where one object cannot serve every route, the route names its own).
 */
const REQUESTS: Readonly<Record<string, (o: Owner) => Request>> = {
  // Parties, users, API keys.
  'POST /v1/organizations/{organizationId}/locations': () => ({ as: 'reseller', body: { country: 'ES' } }),
  'POST /v1/organizations/{organizationId}/customer-tenants': () => ({
    as: 'reseller',
    body: newTenant('owner-own-use'),
  }),
  'POST /v1/organizations/{organizationId}/partner-tenants': () => ({
    as: 'reseller',
    body: newTenant('owner-third-csp'),
  }),
  'POST /v1/organizations/{organizationId}/affiliation': (o) => ({
    body: { affiliateOf: o.providerOrganizationId },
  }),
  'DELETE /v1/organizations/{organizationId}/affiliation': (o) => ({
    params: { organizationId: o.onboardedOrganizationId },
  }),
  'POST /v1/tenants/{tenantId}/partner-id': (o) => ({
    params: { tenantId: o.secondTenantId },
    body: { partnerId: o.secondPartnerId },
  }),
  'POST /v1/tenants/{tenantId}/users': () => ({
    as: 'reseller',
    body: { email: 'intruder@owner-reseller.example', displayName: 'Intruder', roles: ['global-admin'] },
  }),
  'POST /v1/api-keys': (o) => ({ as: 'reseller', body: { userId: o.resellerAdminUserId, name: 'stolen' } }),
  'DELETE /v1/api-keys/{apiKeyId}': () => ({ as: 'reseller' }),
  // Enrollments and agreements.
  'POST /v1/enrollments': (o) => ({ body: { tenantId: o.onboardedTenantId, role: 'indirect-reseller' } }),
  'POST /v1/enrollments/{enrollmentId}/verify': () => ({}),
  'POST /v1/enrollments/{enrollmentId}/reinstate': (o) => ({
    params: { enrollmentId: o.restrictedEnrollmentId },
  }),
  'POST /v1/enrollments/{enrollmentId}/reject': () => ({ body: { reason: 'Incomplete' } }),
  'POST /v1/enrollments/{enrollmentId}/decline': () => ({ body: { reason: 'Incomplete' } }),
  'POST /v1/enrollments/{enrollmentId}/restrict': (o) => ({
    params: { enrollmentId: o.activeEnrollmentId },
    body: { reason: 'Fraud' },
  }),
  'POST /v1/enrollments/{enrollmentId}/requirements': (o) => ({
    params: { enrollmentId: o.directBillEnrollmentId },
    body: { item: 'authority-to-sign', evidence: 'Signed by the CEO' },
  }),
  'POST /v1/enrollments/{enrollmentId}/requirements/{item}/verification': (o) => ({
    params: { enrollmentId: o.directBillEnrollmentId, item: 'credit-check' },
    body: { outcome: 'verified' },
  }),
  'POST /v1/tenants/{tenantId}/partner-agreement': (o) => ({
    as: 'qualified partner',
    params: { tenantId: o.qualifiedTenantId },
  }),
  'POST /v1/tenants/{tenantId}/customer-agreement': (o) => ({
    as: 'unsigned customer',
    params: { tenantId: o.unsignedCustomerTenantId },
    body: { signer: { name: 'Customer Admin', email: 'admin@owner-unsigned-customer.example' } },
  }),
  'POST /v1/explain/order-line': (o) => ({
    body: {
      sellerTenantId: o.providerTenantId,
      customerTenantId: o.customerTenantId,
      partnerIdOnRecord: o.resellerPartnerId,
    },
  }),
  'POST /v1/explain/partner-actions': (o) => ({
    body: { partnerTenantId: o.resellerTenantId, customerTenantId: o.customerTenantId },
  }),
  // Partnerships.
  'POST /v1/partnerships': (o) => ({
    as: 'provider',
    body: { providerTenantId: o.providerTenantId, resellerPartnerId: o.prospectPartnerId },
  }),
  'POST /v1/partnership-invitations/accept': (o) => ({
    as: 'invited reseller',
    body: { token: o.partnershipInvitationToken },
  }),
  'POST /v1/partnership-invitations/decline': (o) => ({
    as: 'invited reseller',
    body: { token: o.partnershipInvitationToken },
  }),
  'POST /v1/partnerships/{partnershipId}/suspend': () => ({ as: 'provider' }),
  'POST /v1/partnerships/{partnershipId}/reactivate': (o) => ({
    as: 'provider',
    params: { partnershipId: o.suspendedPartnershipId },
  }),
  'POST /v1/partnerships/{partnershipId}/end': () => ({ as: 'provider', body: { reason: 'No longer' } }),
  'POST /v1/support-requests': (o) => ({
    as: 'reseller',
    body: { partnershipId: o.params.partnershipId, description: 'Please end it' },
  }),
  'POST /v1/support-requests/{supportRequestId}/resolution': () => ({
    body: { outcome: 'resolved', resolution: 'Ended' },
  }),
  // Customers.
  'POST /v1/customer-invitations': (o) => ({
    as: 'reseller2',
    body: {
      partnerTenantId: o.reseller2TenantId,
      customerTenantId: o.quietCustomerTenantId,
      requestDelegatedAdmin: true,
    },
  }),
  'POST /v1/customer-invitations/accept': (o) => ({
    as: 'unsigned customer',
    body: {
      token: o.customerInvitationToken,
      customerTenantId: o.unsignedCustomerTenantId,
      customerAgreement: { signerName: 'Customer Admin', signerEmail: 'admin@unsigned.example' },
    },
  }),
  'POST /v1/customer-invitations/decline': (o) => ({
    as: 'unsigned customer',
    body: { token: o.customerInvitationToken, customerTenantId: o.unsignedCustomerTenantId },
  }),
  'POST /v1/customers': (o) => ({
    as: 'reseller',
    body: {
      partnerTenantId: o.resellerTenantId,
      legalName: 'Planted Customer',
      country: 'FR',
      address: { line1: '1 Rue de la Paix', city: 'Paris', country: 'FR' },
      tenant: { domain: 'planted.onmicrosoft.example' },
      globalAdmin: { email: 'admin@planted.example', displayName: 'Admin' },
      customerAgreement: { signerName: 'Admin', signerEmail: 'admin@planted.example' },
    },
  }),
  'DELETE /v1/customer-relationships/{relationshipId}': () => ({ as: 'reseller' }),
  // Admin access.
  'POST /v1/admin-relationships': (o) => ({
    as: 'reseller',
    body: {
      partnerTenantId: o.resellerTenantId,
      customerTenantId: o.customerTenantId,
      displayName: 'Backdoor',
      roles: ['helpdesk-administrator'],
      durationDays: 30,
    },
  }),
  'POST /v1/admin-relationships/{adminRelationshipId}/approval-request': (o) => ({
    as: 'reseller',
    params: { adminRelationshipId: o.createdAdminRelationshipId },
  }),
  'POST /v1/admin-relationships/{adminRelationshipId}/approval': (o) => ({
    as: 'customer',
    params: { adminRelationshipId: o.pendingAdminRelationshipId },
  }),
  'POST /v1/admin-relationships/{adminRelationshipId}/termination': () => ({ as: 'reseller' }),
  'POST /v1/external-subscriptions': (o) => ({
    as: 'customer',
    body: { customerTenantId: o.customerTenantId, source: 'direct', offerName: 'Planted', quantity: 1 },
  }),
  // Commerce.
  'POST /v1/catalog/import': () => ({
    body: {
      catalog: {
        catalog: 'Planted catalog',
        products: [
          {
            id: 'PLANTED001',
            title: 'Planted',
            publisher: 'first-party',
            publisherName: 'Nobody',
            skus: [sku(['FR'])],
          },
        ],
      },
    },
  }),
  'POST /v1/tenants/{tenantId}/services': () => ({
    as: 'reseller',
    body: { id: 'PLANTED-MSP', title: 'Planted service', skus: [sku(['FR'])] },
  }),
  'POST /v1/orders': (o) => ({
    as: 'provider',
    body: {
      sellerTenantId: o.providerTenantId,
      customerTenantId: o.customerTenantId,
      lines: [seats(3, o.resellerPartnerId)],
    },
  }),
  'POST /v1/order-requests': (o) => ({
    as: 'reseller',
    body: { providerTenantId: o.providerTenantId, customerTenantId: o.customerTenantId, lines: [seats(3)] },
  }),
  'POST /v1/orders/{orderId}/approve': () => ({ as: 'provider' }),
  'POST /v1/orders/{orderId}/cancel': () => ({ as: 'provider', body: { reason: 'Not wanted' } }),
  'POST /v1/subscriptions/{subscriptionId}/quantity': () => ({ as: 'provider', body: { quantity: 7 } }),
  'POST /v1/subscriptions/{subscriptionId}/suspend': () => ({ as: 'provider' }),
  'POST /v1/subscriptions/{subscriptionId}/reactivate': (o) => ({
    as: 'provider',
    params: { subscriptionId: o.suspendedSubscriptionId },
  }),
  'POST /v1/subscriptions/{subscriptionId}/cancel': () => ({ as: 'provider' }),
  'POST /v1/subscriptions/{subscriptionId}/auto-renew': () => ({
    as: 'provider',
    body: { autoRenew: false },
  }),
  'POST /v1/subscriptions/{subscriptionId}/partner-of-record': (o) => ({
    as: 'provider',
    body: { partnerId: o.reseller2PartnerId },
  }),
  'POST /v1/subscriptions/{subscriptionId}/support-contact': (o) => ({
    as: 'provider',
    body: { resellerTenantId: o.reseller2TenantId },
  }),
  'POST /v1/clock/advance': () => ({ body: { days: 400 } }),
  'POST /v1/clock/process-due': () => ({ body: { batch: 10 } }),
  // Billing.
  'POST /v1/tenants/{tenantId}/price-list': () => ({
    as: 'reseller',
    body: {
      skuId: SEATS,
      termDuration: 'P1M',
      billingCycle: 'monthly',
      country: 'FR',
      currency: 'EUR',
      unitPrice: '7.00',
    },
  }),
  'POST /v1/price-list/{entryId}/end': (o) => ({
    as: 'reseller',
    params: { entryId: o.priceListEntryId },
    body: { effectiveTo: '2026-06-01' },
  }),
  'POST /v1/tenants/{tenantId}/buyer-groups/{group}/members': (o) => ({
    as: 'reseller',
    params: { group: 'gold' },
    body: { buyerTenantId: o.customerTenantId },
  }),
  'POST /v1/tenants/{tenantId}/repricing-rules': (o) => ({
    as: 'reseller',
    body: {
      buyerTenantId: o.customerTenantId,
      basis: 'cost',
      adjustmentBps: 1000,
      effectiveMonth: '2026-03',
    },
  }),
  'POST /v1/subscriptions/{subscriptionId}/credits': (o) => ({
    as: 'provider',
    body: { sellerTenantId: o.providerTenantId, amount: '5.00', reason: 'Goodwill' },
  }),
  'POST /v1/invoices/{invoiceId}/void': (o) => ({
    as: 'provider',
    params: { invoiceId: o.invoiceId },
    body: { reason: 'Wrong buyer' },
  }),
  'POST /v1/billing/close': () => ({ body: { period: '2025-12' } }),
};

/** Write routes out of the matrix: they name no existing object, so there is nothing to hide. */
const EXEMPT: Readonly<Record<string, string>> = {
  'POST /v1/partners': 'anonymous self-service sign-up: creates a new organization, names no existing one',
  'POST /v1/customer-registrations': 'anonymous self-service sign-up of a new customer organization',
};

/** The requests their owner may not make either, and why (the dry run expects this refusal). */
const OWNER_REFUSED: Readonly<Record<string, string>> = {
  // The seed policy ends partnerships through a support request only.
  'POST /v1/partnerships/{partnershipId}/end': 'TERMINATION_REQUIRES_SUPPORT',
};

/** The program operator's routes: NOT_AUTHORIZED to anyone else, before anything is looked up. */
const OPERATOR_ONLY: ReadonlySet<string> = new Set([
  'POST /v1/organizations/{organizationId}/affiliation',
  'DELETE /v1/organizations/{organizationId}/affiliation',
  'POST /v1/enrollments/{enrollmentId}/verify',
  'POST /v1/enrollments/{enrollmentId}/reinstate',
  'POST /v1/enrollments/{enrollmentId}/reject',
  'POST /v1/enrollments/{enrollmentId}/decline',
  'POST /v1/enrollments/{enrollmentId}/restrict',
  'POST /v1/enrollments/{enrollmentId}/requirements/{item}/verification',
  'POST /v1/catalog/import',
  'POST /v1/clock/advance',
  'POST /v1/clock/process-due',
  'POST /v1/billing/close',
]);

/**
 * Routes whose body names the tenant the caller acts for: a caller who is not an agent of that
 * tenant is refused from its own principal, before the tenant is looked up.
 */
const CALLER_CHECKED: Readonly<Record<string, string>> = {
  'POST /v1/admin-relationships': 'only a global admin or admin agent of partnerTenantId creates one',
  'POST /v1/customer-invitations': 'only a global admin or admin agent of partnerTenantId invites',
  'POST /v1/customer-invitations/accept': 'only a global admin of customerTenantId accepts',
  'POST /v1/customer-invitations/decline': 'only a global admin of customerTenantId declines',
  'POST /v1/customers': 'only a global admin or admin agent of partnerTenantId creates a customer',
  'POST /v1/external-subscriptions': 'only a global admin of customerTenantId registers one',
  'POST /v1/order-requests': "only an agent of an indirect reseller's CSP tenant (the caller's own) requests",
};

/**
 * The routes that break the rule today: `route` → `<status> <codes> as <principals>`. The test
 * asserts this is exactly the current set, so fixing a leak (or finding a new one) updates it.
 */
const KNOWN_LEAKS: Readonly<Record<string, string>> = {};

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Answer {
  readonly status: number;
  /** Status and every violation's `code:field`: what a caller can tell two answers apart by. */
  readonly signature: string;
  readonly notFound: boolean;
}

describeEachDatabase('authorization matrix (write routes × principals of another organization)', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let owner: Owner;
  const actors = {} as Record<Actor, string>;
  const outsiders: Record<string, string> = {};
  /** The write routes of the OpenAPI document (`METHOD /path`) and whether each is anonymous. */
  let writes: { route: string; anonymous: boolean }[] = [];

  const key = async (principal: Principal, name: string) => {
    if (principal.kind !== 'user') throw new Error('API keys are for users');
    return must(await csp.execute(createApiKey, { principal: SYSTEM }, { userId: principal.userId, name }));
  };

  beforeAll(async () => {
    csp = await db.fresh();
    const op = await bootstrap(csp);
    await seedTestCatalog(csp);
    const partner = (legalName: string, spec: Partial<Parameters<typeof addPartner>[2]> = {}) =>
      addPartner(csp, op, { legalName, country: 'FR', role: 'indirect-reseller', ...spec });
    const as = (p: { globalAdmin: Principal }) => ({ principal: p.globalAdmin });

    // The owner's channel, in France: a provider and its resellers (one suspended, one invited, one
    // free to invite), direct-bill partners (one restricted), partners on their way in, customers.
    const provider = await partner('Owner Provider', { role: 'indirect-provider' });
    const reseller = await partner('Owner Reseller');
    const reseller2 = await partner('Owner Reseller Two');
    const reseller3 = await partner('Owner Reseller Three');
    const prospect = await partner('Owner Prospect');
    const directActive = await partner('Owner Direct Active', { role: 'direct-bill' });
    const restricted = await partner('Owner Direct Restricted', { role: 'direct-bill' });
    const invited = await partner('Owner Invited');
    const applicant = await partner('Owner Applicant', { until: 'enrolled' });
    const qualified = await partner('Owner Qualified', { until: 'qualified' });
    const onboarded = await addPartner(csp, op, { legalName: 'Owner Newcomer', country: 'FR' });
    const direct = await partner('Owner Direct', { role: 'direct-bill', until: 'enrolled' });
    const partnershipId = await connectReseller(csp, provider, reseller);
    const partnership2 = await connectReseller(csp, provider, reseller2);
    const suspendedPartnershipId = await connectReseller(csp, provider, reseller3);
    must(await csp.execute(suspendPartnership, as(provider), { partnershipId: suspendedPartnershipId }));
    const invitation = must(
      await csp.execute(invitePartnership, as(provider), {
        providerTenantId: provider.tenantId,
        resellerTenantId: invited.tenantId,
      }),
    );
    const supportRequest = must(
      await csp.execute(openSupportRequest, as(reseller2), {
        partnershipId: partnership2,
        description: 'We would like to part ways',
      }),
    );
    must(
      await csp.execute(
        restrictEnrollment,
        { principal: op.principal },
        { enrollmentId: restricted.enrollmentId, reason: 'Fraud' },
      ),
    );
    must(
      await csp.execute(recordDirectBillRequirement, as(direct), {
        enrollmentId: direct.enrollmentId,
        item: 'credit-check',
        evidence: 'Report',
      }),
    );
    must(
      await csp.execute(
        addToAffiliateGroup,
        { principal: op.principal },
        { organizationId: onboarded.organizationId, affiliateOf: direct.organizationId },
      ),
    );
    // A second CSP tenant of the reseller's organization, in Germany, and its unassociated Partner ID.
    const location = must(
      await csp.execute(addLocation, as(reseller), {
        organizationId: reseller.organizationId,
        country: 'DE',
      }),
    );
    const second = must(
      await csp.execute(createPartnerTenant, as(reseller), {
        organizationId: reseller.organizationId,
        ...newTenant('owner-reseller-de'),
        country: 'DE',
      }),
    );

    const customer = await addCustomer(csp, { legalName: 'Owner Customer', country: 'FR' });
    await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
    await connectCustomer(csp, reseller2, customer);
    // A customer without subscriptions (its relationship may be removed), and one that has not
    // accepted the customer agreement, invited by the reseller.
    const quiet = await addCustomer(csp, { legalName: 'Owner Quiet Customer', country: 'FR' });
    await connectCustomer(csp, reseller, quiet);
    const relationship = await csp.store.db
      .selectFrom('customer_relationships')
      .select('id')
      .where('customer_tenant_id', '=', quiet.tenantId)
      .executeTakeFirstOrThrow();
    const unsigned = await addCustomer(csp, {
      legalName: 'Owner Unsigned Customer',
      country: 'FR',
      acceptAgreement: false,
    });
    const customerInvitation = must(
      await csp.execute(inviteCustomer, as(reseller), {
        partnerTenantId: reseller.tenantId,
        customerTenantId: unsigned.tenantId,
        requestDelegatedAdmin: true,
      }),
    );
    // Admin relationships of the reseller on the customer: created, awaiting approval, active.
    const adminRelationship = async (displayName: string) =>
      must(
        await csp.execute(createAdminRelationship, as(reseller), {
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          displayName,
          roles: ['helpdesk-administrator'],
          durationDays: 30,
        }),
      ).id;
    const createdAdmin = await adminRelationship('Created');
    const pendingAdmin = await adminRelationship('Pending');
    const activeAdmin = await adminRelationship('Active');
    for (const adminRelationshipId of [pendingAdmin, activeAdmin])
      must(await csp.execute(requestAdminApproval, as(reseller), { adminRelationshipId }));
    must(await csp.execute(approveAdminRelationship, as(customer), { adminRelationshipId: activeAdmin }));
    // Commerce: the provider's order for the customer, the reseller partner of record (two
    // subscriptions, the second suspended), and the reseller's order request, pending.
    const order = must(
      await csp.execute(placeOrder, as(provider), {
        sellerTenantId: provider.tenantId,
        customerTenantId: customer.tenantId,
        lines: [seats(5, reseller.partnerId), seats(5, reseller.partnerId)],
      }),
    );
    const [active = '', suspended = ''] = order.lines.map((l) => l.subscriptionId ?? '');
    must(await csp.execute(suspendSubscription, as(provider), { subscriptionId: suspended }));
    const pendingOrder = must(
      await csp.execute(requestOrder, as(reseller), {
        providerTenantId: provider.tenantId,
        customerTenantId: customer.tenantId,
        lines: [seats(2)],
      }),
    );
    // Billing: a price-list entry of the reseller (annual cycle: the orders above are monthly), and
    // January closed on 2026-02-02, so the provider's invoice to the reseller is issued.
    const entry = must(
      await csp.execute(addPriceListEntry, as(reseller), {
        sellerTenantId: reseller.tenantId,
        skuId: SEATS,
        termDuration: 'P1Y',
        billingCycle: 'annual',
        country: 'FR',
        currency: 'EUR',
        unitPrice: '70.00',
      }),
    );
    const closedAt = { principal: op.principal, now: new Date('2026-02-02T00:00:00.000Z') };
    must(await closeBillingPeriod(csp, closedAt, { period: '2026-01' }));
    const invoice = must(await csp.query(listInvoices, closedAt, {})).items.find(
      (i) => i.sellerTenantId === provider.tenantId && i.buyerTenantId === reseller.tenantId,
    );
    const ownerKey = await key(reseller.globalAdmin, 'owner');
    owner = {
      params: {
        organizationId: reseller.organizationId,
        tenantId: reseller.tenantId,
        apiKeyId: ownerKey.id,
        enrollmentId: applicant.enrollmentId ?? '',
        partnershipId,
        supportRequestId: supportRequest.id,
        relationshipId: relationship.id,
        adminRelationshipId: activeAdmin,
        orderId: pendingOrder.id,
        subscriptionId: active,
      },
      providerOrganizationId: provider.organizationId,
      providerTenantId: provider.tenantId,
      resellerTenantId: reseller.tenantId,
      resellerAdminUserId: reseller.globalAdmin.kind === 'user' ? reseller.globalAdmin.userId : '',
      resellerPartnerId: reseller.partnerId,
      reseller2TenantId: reseller2.tenantId,
      reseller2PartnerId: reseller2.partnerId,
      prospectPartnerId: prospect.partnerId,
      customerTenantId: customer.tenantId,
      quietCustomerTenantId: quiet.tenantId,
      unsignedCustomerTenantId: unsigned.tenantId,
      onboardedTenantId: onboarded.tenantId,
      onboardedOrganizationId: onboarded.organizationId,
      qualifiedTenantId: qualified.tenantId,
      secondTenantId: second.tenantId,
      secondPartnerId: location.partnerId,
      activeEnrollmentId: directActive.enrollmentId ?? '',
      restrictedEnrollmentId: restricted.enrollmentId ?? '',
      directBillEnrollmentId: direct.enrollmentId ?? '',
      suspendedPartnershipId,
      partnershipInvitationToken: invitation.invitationToken,
      customerInvitationToken: customerInvitation.token,
      createdAdminRelationshipId: createdAdmin,
      pendingAdminRelationshipId: pendingAdmin,
      suspendedSubscriptionId: suspended,
      priceListEntryId: entry.id,
      invoiceId: invoice?.id ?? '',
    };
    const owners: Record<Actor, Principal> = {
      operator: op.principal,
      provider: provider.globalAdmin,
      reseller: reseller.globalAdmin,
      reseller2: reseller2.globalAdmin,
      customer: customer.globalAdmin,
      'unsigned customer': unsigned.globalAdmin,
      'invited reseller': invited.globalAdmin,
      'qualified partner': qualified.globalAdmin,
    };
    for (const [actor, principal] of Object.entries(owners) as [Actor, Principal][])
      actors[actor] = (await key(principal, actor)).token;

    // The outsiders: the global admin of each kind of organization, and agents of the partners.
    const agent = async (p: Partner, role: UserRole, name: string): Promise<Principal> => {
      const user = must(
        await csp.execute(addUser, as(p), {
          tenantId: p.tenantId,
          email: `${name}@outside.example`,
          displayName: name,
          roles: [role],
        }),
      );
      return userPrincipal(user.id, p.tenantId, [role]);
    };
    const outProvider = await partner('Outside Provider', { role: 'indirect-provider' });
    const outReseller = await partner('Outside Reseller');
    const outDirect = await partner('Outside Direct', { role: 'direct-bill' });
    const outCustomer = await addCustomer(csp, { legalName: 'Outside Customer', country: 'FR' });
    const kinds: [string, Principal][] = [
      ['provider global admin', outProvider.globalAdmin],
      ['provider admin agent', await agent(outProvider, 'admin-agent', 'provider-agent')],
      ['reseller global admin', outReseller.globalAdmin],
      ['reseller sales agent', await agent(outReseller, 'sales-agent', 'reseller-sales')],
      ['direct-bill global admin', outDirect.globalAdmin],
      ['direct-bill helpdesk agent', await agent(outDirect, 'helpdesk-agent', 'direct-helpdesk')],
      ['customer global admin', outCustomer.globalAdmin],
    ];
    for (const [kind, principal] of kinds) outsiders[kind] = (await key(principal, kind)).token;

    app = await testApp({ csp, rateLimit: { max: 100_000, windowMs: 60_000 } });
    await app.ready();
    const doc = app.swagger() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method === 'post' || method === 'delete')
        .map(([method, op]) => ({
          route: `${method.toUpperCase()} ${path}`,
          anonymous: Array.isArray(op.security) && op.security.length === 0,
        })),
    );
  }, 120_000);
  afterAll(async () => app?.close());

  /** A route's request: `inject` options with the path parameters filled in, and its owner. */
  const build = (route: string) => {
    const make = REQUESTS[route];
    if (!make) throw new Error(`no request for ${route}`);
    const request = make(owner);
    const [method, path] = route.split(' ') as ['POST' | 'DELETE', string];
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = request.params?.[name] ?? owner.params[name];
      if (v === undefined) throw new Error(`the matrix has no value for {${name}} in ${route}: add one`);
      return encodeURIComponent(v);
    });
    const inject = {
      method,
      url,
      ...(request.body !== undefined && { payload: request.body as Record<string, unknown> }),
    };
    return { inject, as: request.as ?? 'operator' };
  };

  /** The same request naming objects that do not exist: every id replaced by a fresh one. */
  const ghostOf = <T>(inject: T): T => {
    const fresh = new Map<string, string>();
    const text = JSON.stringify(inject).replace(GUID, (id) => {
      const known = fresh.get(id) ?? crypto.randomUUID();
      fresh.set(id, known);
      return known;
    });
    return JSON.parse(text) as T;
  };

  const send = async (inject: ReturnType<typeof build>['inject'], token: string): Promise<Answer> => {
    const r = await app.inject({ ...inject, headers: { authorization: `Bearer ${token}` } });
    const violations = (r.json() as { violations?: { code: string; field?: string }[] }).violations ?? [];
    return {
      status: r.statusCode,
      signature: `${r.statusCode} ${violations.map((v) => (v.field ? `${v.code}:${v.field}` : v.code)).join(',')}`,
      notFound:
        r.statusCode === 404 &&
        violations.length > 0 &&
        violations.every((v) => v.code.endsWith('_NOT_FOUND') && v.code !== 'ROUTE_NOT_FOUND'),
    };
  };

  it('has a request for every write route of the OpenAPI document, or a reason it needs none', () => {
    const routes = writes.map((w) => w.route);
    expect(routes.length).toBeGreaterThanOrEqual(50);
    expect(routes.filter((r) => !(r in REQUESTS) && !(r in EXEMPT))).toEqual([]);
    // No entry outlives its route, and the anonymous routes are exactly the exempt sign-ups.
    const listed = [
      ...Object.keys(REQUESTS),
      ...Object.keys(EXEMPT),
      ...Object.keys(OWNER_REFUSED),
      ...OPERATOR_ONLY,
      ...Object.keys(CALLER_CHECKED),
      ...Object.keys(KNOWN_LEAKS),
    ];
    expect(listed.filter((r) => !routes.includes(r))).toEqual([]);
    expect(Object.keys(REQUESTS).filter((r) => r in EXEMPT)).toEqual([]);
    expect(writes.filter((w) => w.anonymous).map((w) => w.route)).toEqual(Object.keys(EXEMPT));
  });

  it('makes requests their owner may make (a dry run accepts each), so a refusal is authorization', async () => {
    const before = await snapshot(csp.store);
    const refused: Record<string, string> = {};
    for (const route of Object.keys(REQUESTS)) {
      const { inject, as } = build(route);
      const r = await app.inject({
        ...inject,
        headers: { authorization: `Bearer ${actors[as]}`, 'opencsp-dry-run': 'true' },
      });
      if (r.statusCode >= 300) refused[route] = (r.json() as { code: string }).code;
    }
    expect(refused).toEqual(OWNER_REFUSED);
    expect(await snapshot(csp.store)).toEqual(before);
  }, 60_000);

  it('answers 401 without an API key on every write route but the sign-ups, and writes nothing', async () => {
    const before = await snapshot(csp.store);
    const wrong: string[] = [];
    for (const { route } of writes.filter((w) => !w.anonymous)) {
      const r = await app.inject(build(route).inject);
      const code = (r.json() as { code?: string }).code;
      if (r.statusCode !== 401 || code !== 'NOT_AUTHENTICATED')
        wrong.push(`${route} → ${r.statusCode} ${code}`);
    }
    expect(wrong).toEqual([]);
    expect(await snapshot(csp.store)).toEqual(before);
  }, 60_000);

  it('answers *_NOT_FOUND to every principal of another organization, and writes nothing', async () => {
    const principals = Object.keys(outsiders);
    /** route → answer → the principals that got it, for the cells that break the rule. */
    const broken = new Map<string, Map<string, string[]>>();
    /** The routes where a refusal decided from the caller alone was seen (their tables stay minimal). */
    const callerRefusals = new Set<string>();
    let cells = 0;
    let before = JSON.stringify(await snapshot(csp.store));
    for (const route of writes.map((w) => w.route).filter((r) => r in REQUESTS)) {
      const { inject } = build(route);
      for (const [kind, token] of Object.entries(outsiders)) {
        cells++;
        const answer = await send(inject, token);
        const after = JSON.stringify(await snapshot(csp.store));
        const wrote = after !== before;
        before = after;
        const ghost = await send(ghostOf(inject), token);
        const blind = ghost.signature === answer.signature;
        const callerRefusal =
          (OPERATOR_ONLY.has(route) || route in CALLER_CHECKED) &&
          (answer.status === 403 || answer.status === 422);
        if (callerRefusal && blind) callerRefusals.add(route);
        if (!wrote && blind && (answer.notFound || callerRefusal)) continue;
        const seen = `${answer.signature}${wrote ? ' (wrote)' : ''}${blind ? '' : ` (nothing there: ${ghost.signature})`}`;
        const byAnswer = broken.get(route) ?? new Map<string, string[]>();
        byAnswer.set(seen, [...(byAnswer.get(seen) ?? []), kind]);
        broken.set(route, byAnswer);
      }
    }
    const leaks = Object.fromEntries(
      [...broken].map(([route, byAnswer]) => [
        route,
        [...byAnswer]
          .map(
            ([seen, kinds]) =>
              `${seen} as ${kinds.length === principals.length ? 'every outsider' : kinds.join(', ')}`,
          )
          .join(' | '),
      ]),
    );
    expect(cells).toBe(Object.keys(REQUESTS).length * principals.length);
    expect(leaks).toEqual(KNOWN_LEAKS);
    // Every route classified as refusing from the caller alone does so for some outsider.
    expect([...OPERATOR_ONLY, ...Object.keys(CALLER_CHECKED)].filter((r) => !callerRefusals.has(r))).toEqual(
      [],
    );
  }, 300_000);
});
