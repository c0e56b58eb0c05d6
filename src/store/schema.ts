/**
 * The Kysely row types: one `Database` interface for every dialect. Times are ISO-8601 UTC text,
 * JSON is text, booleans are 0/1 integers: the same representation on SQLite, PostgreSQL,
 * CockroachDB and Citus, so no business code needs to know which one it talks to.
 */
import type { Generated } from 'kysely';

export interface SchemaMigrationsTable {
  id: string;
  applied_at: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface OrganizationsTable {
  id: string;
  legal_name: string;
  country: string;
  /** JSON: `{ line1, line2?, city, state?, postalCode?, country }`. */
  address: string;
  registration_id: string | null;
  affiliate_group_id: string | null;
  /** The partner global account (headquarters) Partner ID, once the organization onboards as a partner. */
  global_partner_id: number | null;
  /** 1 for the program's vendor. */
  is_vendor: number;
  created_at: string;
}

export interface AffiliateGroupsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface TenantsTable {
  id: string;
  organization_id: string;
  /** `partner` (the CSP tenant), `customer` (own use / end customer), `vendor`. */
  type: string;
  domain: string;
  display_name: string;
  country: string;
  created_at: string;
}

export interface PartnerLocationsTable {
  partner_id: number;
  organization_id: string;
  country: string;
  registration_id: string | null;
  /** The CSP tenant tied 1:1 to this location, once associated. */
  tenant_id: string | null;
  created_at: string;
  associated_at: string | null;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  email: string;
  display_name: string;
  created_at: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
}

export interface EnrollmentsTable {
  id: string;
  tenant_id: string;
  role: string;
  status: string;
  submitted_at: string;
  submitted_by: string | null;
  updated_at: string;
  /** Why the last operator decision was taken (rejection, restriction…). */
  reason: string | null;
}

export interface DirectBillRequirementsTable {
  enrollment_id: string;
  item: string;
  /** `claimed`, `verified`, `failed`. */
  status: string;
  evidence: string | null;
  amount_minor: number | null;
  currency: string | null;
  recorded_at: string;
  recorded_by: string | null;
  verified_at: string | null;
  verified_by: string | null;
}

export interface AgreementAcceptancesTable {
  id: string;
  /** `partner` (MPA) or `customer` (MCA). */
  agreement: string;
  version: string;
  organization_id: string;
  /** The signing CSP tenant (partner agreement) or the customer tenant (customer agreement). */
  tenant_id: string;
  /** The region a partner agreement covers; null for the customer agreement. */
  region: string | null;
  signer_user_id: string | null;
  signer_name: string;
  signer_email: string;
  /** When the signer accepted (`YYYY-MM-DD` or an instant). */
  accepted_at: string;
  recorded_at: string;
  recorded_by: string | null;
  /** The earlier acceptance this one supersedes; acceptances are never edited. */
  supersedes_id: string | null;
}

export interface LedgerEventsTable {
  /** Monotonic position: the order events were committed in one database. */
  seq: Generated<number>;
  id: string;
  occurred_at: string;
  command: string;
  type: string;
  entity_type: string;
  entity_id: string;
  principal_kind: string;
  principal_user_id: string | null;
  principal_tenant_id: string | null;
  request_id: string;
  /** JSON. */
  payload: string;
}

export interface Database extends RelationshipTables, CommerceTables, BillingTables {
  schema_migrations: SchemaMigrationsTable;
  counters: CountersTable;
  organizations: OrganizationsTable;
  affiliate_groups: AffiliateGroupsTable;
  tenants: TenantsTable;
  partner_locations: PartnerLocationsTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  enrollments: EnrollmentsTable;
  direct_bill_requirements: DirectBillRequirementsTable;
  agreement_acceptances: AgreementAcceptancesTable;
  ledger_events: LedgerEventsTable;
}

/** Every table, in an order that respects references (for truncation in tests). */
export const TABLES: readonly (keyof Database)[] = [
  'billing_periods',
  'invoice_number_sequences',
  'invoices',
  'billing_lines',
  'subscription_billing',
  'subscription_term_prices',
  'repricing_rules',
  'buyer_group_members',
  'price_list_entries',
  'settings',
  'subscriptions',
  'order_lines',
  'orders',
  'availabilities',
  'skus',
  'products',
  'idempotency_keys',
  'api_keys',
  'external_subscriptions',
  'admin_relationships',
  'customer_relationships',
  'customer_invitations',
  'support_requests',
  'partnerships',
  'ledger_events',
  'agreement_acceptances',
  'direct_bill_requirements',
  'enrollments',
  'user_roles',
  'users',
  'partner_locations',
  'tenants',
  'organizations',
  'affiliate_groups',
  'counters',
];

// --- Relationships (migration 0002) -------------------------------------------------------------

export interface PartnershipsTable {
  id: string;
  provider_tenant_id: string;
  reseller_tenant_id: string;
  /** `invited`, `declined`, `expired`, `active`, `suspended`, `ended`. */
  state: string;
  /** Secret carried by the invitation link; the reseller's global admin presents it to accept. */
  invitation_token: string;
  invited_at: string;
  invited_by: string | null;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  ended_at: string | null;
  end_reason: string | null;
  updated_at: string;
}

export interface SupportRequestsTable {
  id: string;
  /** `end-partnership`. */
  category: string;
  partnership_id: string | null;
  opened_by_tenant_id: string;
  opened_by_user_id: string | null;
  description: string;
  /** `open`, `resolved`, `rejected`. */
  status: string;
  opened_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

export interface CustomerInvitationsTable {
  id: string;
  partner_tenant_id: string;
  /** When an indirect reseller asks the customer to authorize its provider too. */
  provider_tenant_id: string | null;
  /** The invited customer tenant, when known; otherwise any customer holding the token. */
  customer_tenant_id: string | null;
  request_delegated_admin: number;
  token: string;
  /** `pending`, `accepted`, `declined`, `expired`. */
  status: string;
  created_at: string;
  created_by: string | null;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

export interface CustomerRelationshipsTable {
  id: string;
  partner_tenant_id: string;
  customer_tenant_id: string;
  /** For a provider's relationship: the reseller it serves this customer through (`associatedPartnerId`). */
  associated_partner_tenant_id: string | null;
  /** `active`, `removed`. */
  state: string;
  delegated_admin: number;
  /** `invitation`, `created-by-partner`, `created-by-provider`. */
  source: string;
  invitation_id: string | null;
  created_at: string;
  removed_at: string | null;
  removed_by: string | null;
}

export interface AdminRelationshipsTable {
  id: string;
  partner_tenant_id: string;
  customer_tenant_id: string;
  display_name: string;
  /** JSON list of admin roles. */
  roles: string;
  duration_days: number;
  /** `none` or `P180D`. */
  auto_extend: string;
  /** Stored: `created`, `approvalPending`, `active`, `terminated`; `expiring`/`expired` are derived from `now`. */
  state: string;
  created_at: string;
  requested_at: string | null;
  activated_at: string | null;
  approved_by: string | null;
  ends_at: string | null;
  terminated_at: string | null;
  terminated_by_tenant_id: string | null;
  updated_at: string;
}

export interface ExternalSubscriptionsTable {
  id: string;
  customer_tenant_id: string;
  /** `direct`, `other-program`, `other-partner`. */
  source: string;
  offer_name: string;
  quantity: number;
  external_reference: string | null;
  registered_at: string;
  registered_by: string | null;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  tenant_id: string;
  name: string;
  /** SHA-256 (hex) of the whole token; the token itself is shown once and never stored. */
  hash: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

/** Outcomes of commands sent with an `Idempotency-Key`, kept at least 24 hours. */
export interface IdempotencyKeysTable {
  /** Who sent it (a user id, or `anonymous`), so keys of different callers never collide. */
  scope: string;
  key: string;
  command: string;
  /** SHA-256 of the command name and its input. */
  request_hash: string;
  /** JSON of the accepted outcome's value. */
  response: string;
  created_at: string;
}

/** Catalog: a product of the vendor, of a third-party publisher, or a partner's value-added service. */
export interface ProductsTable {
  id: string;
  title: string;
  description: string;
  /** `first-party`, `third-party`, `partner-service`. */
  publisher_kind: string;
  publisher_name: string;
  /** The partner tenant that owns a value-added service; null for vendor-marketplace offers. */
  owner_tenant_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface SkusTable {
  /** `<productId>:<skuCode>`: the catalog item id an order line names. */
  id: string;
  product_id: string;
  title: string;
  /** `license` (per seat, with a term) or `usage`. */
  billing: string;
  min_quantity: number;
  max_quantity: number;
}

export interface AvailabilitiesTable {
  /** `<skuId>:<country>`. */
  id: string;
  sku_id: string;
  product_id: string;
  country: string;
  /** The market's currency (region table). */
  currency: string;
  /** JSON: `[{ termDuration, billingCycle, unitPriceMinor }]`, list price per charge cycle in minor units. */
  prices: string;
}

export interface OrdersTable {
  id: string;
  customer_tenant_id: string;
  /** The party that transacts upstream: a direct-bill partner or an indirect provider. */
  seller_tenant_id: string;
  /** The indirect reseller that submitted it as an order request, if it did. */
  requested_by_tenant_id: string | null;
  /** `pending`, `completed`, `failed`, `cancelled`. */
  status: string;
  currency: string;
  /** bigint: PostgreSQL returns it as a string. */
  total_minor: number | string;
  placed_by_user_id: string | null;
  placed_by_tenant_id: string | null;
  /** JSON violations when the order failed. */
  failure: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderLinesTable {
  id: string;
  order_id: string;
  line_number: number;
  sku_id: string;
  product_id: string;
  offer_title: string;
  publisher_kind: string;
  billing: string;
  quantity: number;
  term_duration: string | null;
  billing_cycle: string;
  unit_price_minor: number | string;
  currency: string;
  partner_id_on_record: number | null;
  partner_tenant_id: string | null;
  /** The subscription renews at term end (0/1), as asked on the line. */
  auto_renew: number;
  /** JSON: the parties from the top seller down to the customer (who sells to whom). */
  sales_chain: string;
  subscription_id: string | null;
}

export interface SubscriptionsTable {
  id: string;
  customer_tenant_id: string;
  seller_tenant_id: string;
  order_id: string;
  order_line_id: string;
  sku_id: string;
  product_id: string;
  offer_title: string;
  publisher_kind: string;
  billing: string;
  quantity: number;
  term_duration: string | null;
  billing_cycle: string;
  unit_price_minor: number | string;
  currency: string;
  /** `active`, `suspended`, `disabled`, `expired`, `cancelled`. */
  status: string;
  auto_renew: number;
  start_at: string;
  term_start_at: string;
  term_end_at: string | null;
  cancellation_window_ends_at: string | null;
  /** The partner of record (`partnerId`): an indirect reseller's location Partner ID. */
  partner_id: number | null;
  partner_tenant_id: string | null;
  support_contact_tenant_id: string | null;
  sales_chain: string;
  suspended_at: string | null;
  ended_at: string | null;
  created_at: string;
  updated_at: string;
  /** One more at every write of the row (migration 0016): optimistic checks of rows read earlier. */
  version: Generated<number>;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

export interface CommerceTables {
  products: ProductsTable;
  skus: SkusTable;
  availabilities: AvailabilitiesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  subscriptions: SubscriptionsTable;
  settings: SettingsTable;
}

export interface RelationshipTables {
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  partnerships: PartnershipsTable;
  support_requests: SupportRequestsTable;
  customer_invitations: CustomerInvitationsTable;
  customer_relationships: CustomerRelationshipsTable;
  admin_relationships: AdminRelationshipsTable;
  external_subscriptions: ExternalSubscriptionsTable;
}

export interface PriceListEntriesTable {
  id: string;
  seller_tenant_id: string;
  product_id: string;
  sku_id: string;
  /** `P1M`, `P1Y`, `P3Y`, or `none` for usage-based SKUs. */
  term_duration: string;
  billing_cycle: string;
  country: string;
  currency: string;
  unit_price_micros: number | string | bigint;
  erp_micros: number | string | bigint | null;
  /** `YYYY-MM-DD`, first day it applies. */
  effective_from: string;
  /** `YYYY-MM-DD`, first day it no longer applies; null = open-ended. */
  effective_to: string | null;
  created_at: string;
}

export interface BuyerGroupMembersTable {
  seller_tenant_id: string;
  group_name: string;
  buyer_tenant_id: string;
  created_at: string;
}

export interface RepricingRulesTable {
  id: string;
  seller_tenant_id: string;
  buyer_tenant_id: string | null;
  buyer_group: string | null;
  /** `cost` or `erp`. */
  basis: string;
  adjustment_bps: number;
  /** JSON: SKU-group overrides, first match wins. */
  overrides: string;
  /** `YYYY-MM`. */
  effective_month: string;
  allow_below_cost: number;
  created_at: string;
}

/** A subscription's term prices, apart from its billing state (migration 0018). */
export interface SubscriptionTermPricesTable {
  subscription_id: string;
  /** JSON: the tier prices locked for the current term (and the chain they were priced on). */
  term_prices: string;
}

export interface SubscriptionBillingTable {
  subscription_id: string;
  customer_country: string;
  /** JSON: the current charge cycle (chain, prices, quantity, the charge line per tier). */
  cycle_state: string | null;
  /** Start of the next charge cycle inside the term; null when the next event is the term end. */
  next_charge_at: string | null;
  updated_at: string;
  /** One more at every write of the row (migration 0016). */
  version: Generated<number>;
}

export interface BillingLinesTable {
  id: string;
  event_id: string;
  reference_id: string;
  charge_type: string;
  tier: number;
  seller_tenant_id: string;
  buyer_tenant_id: string;
  subscription_id: string;
  order_id: string;
  customer_tenant_id: string;
  customer_country: string;
  product_id: string;
  sku_id: string;
  seller_partner_id: number | null;
  buyer_partner_id: number | null;
  /** The partner closest to the customer (the reseller on an indirect chain, the direct-bill partner). */
  reseller_partner_id: number | null;
  charge_start: string;
  charge_end: string;
  quantity: number;
  unit_price_micros: number | string | bigint;
  amount_minor: number | string | bigint;
  /** The amount of the tier above's line (what the seller pays for the same event). */
  source_amount_minor: number | string | bigint | null;
  currency: string;
  source_line_id: string | null;
  refunds_line_id: string | null;
  reason: string | null;
  /** `YYYY-MM`: the billing period whose close puts the line on a document. */
  period: string;
  invoice_id: string | null;
  occurred_at: string;
  /** Position of the line among the lines written by the same command (stable export order). */
  line_no: number;
}

export interface InvoicesTable {
  id: string;
  /** `invoice` or `credit-note`. */
  kind: string;
  number: string | null;
  seller_tenant_id: string;
  buyer_tenant_id: string;
  currency: string;
  /** The period billed (for a credit note: the original invoice's period). */
  period: string;
  /** The period whose close issued the document. */
  closed_in_period: string;
  original_invoice_id: string | null;
  /** `draft`, `issued`, `void`. */
  status: string;
  tax_policy: string;
  line_count: number;
  subtotal_minor: number | string | bigint;
  tax_total_minor: number | string | bigint;
  total_minor: number | string | bigint;
  issued_at: string | null;
  voided_at: string | null;
  void_reason: string | null;
  created_at: string;
}

export interface InvoiceNumberSequencesTable {
  seller_tenant_id: string;
  year: number;
  last_number: number;
}

export interface BillingPeriodsTable {
  period: string;
  /** `closed`. */
  status: string;
  invoice_count: number;
  line_count: number;
  closed_at: string | null;
}

export interface BillingTables {
  price_list_entries: PriceListEntriesTable;
  buyer_group_members: BuyerGroupMembersTable;
  repricing_rules: RepricingRulesTable;
  subscription_billing: SubscriptionBillingTable;
  subscription_term_prices: SubscriptionTermPricesTable;
  billing_lines: BillingLinesTable;
  invoices: InvoicesTable;
  invoice_number_sequences: InvoiceNumberSequencesTable;
  billing_periods: BillingPeriodsTable;
}
