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

export interface Database {
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
