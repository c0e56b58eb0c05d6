/**
 * Queries over customer invitations and reseller relationships. Every function takes the
 * transaction it runs in.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ListPosition } from '../kernel/pagination.ts';
import type { CustomerInvitationsTable, CustomerRelationshipsTable, Database } from '../store/schema.ts';
import { countActiveWith } from '../subscriptions/store.ts';
import type {
  CustomerInvitation,
  CustomerRelationship,
  CustomerRelationshipState,
  InvitationStatus,
  RelationshipSource,
} from './model.ts';

type Tx = Kysely<Database>;

export function toRelationship(r: Selectable<CustomerRelationshipsTable>): CustomerRelationship {
  return {
    id: r.id,
    partnerTenantId: r.partner_tenant_id,
    customerTenantId: r.customer_tenant_id,
    associatedPartnerTenantId: r.associated_partner_tenant_id,
    state: r.state as CustomerRelationshipState,
    delegatedAdmin: Number(r.delegated_admin) === 1,
    source: r.source as RelationshipSource,
    invitationId: r.invitation_id,
    createdAt: r.created_at,
    removedAt: r.removed_at,
  };
}

export function toInvitation(r: Selectable<CustomerInvitationsTable>): CustomerInvitation {
  return {
    id: r.id,
    partnerTenantId: r.partner_tenant_id,
    providerTenantId: r.provider_tenant_id,
    customerTenantId: r.customer_tenant_id,
    requestDelegatedAdmin: Number(r.request_delegated_admin) === 1,
    token: r.token,
    status: r.status as InvitationStatus,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** The active relationship of a partner with a customer, if any. */
export async function findActiveRelationship(
  tx: Tx,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<CustomerRelationship | undefined> {
  const r = await tx
    .selectFrom('customer_relationships')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return r && toRelationship(r);
}

/** Active relationships of a customer (all its partners). */
export async function listCustomerRelationships(
  tx: Tx,
  customerTenantId: string,
): Promise<CustomerRelationship[]> {
  const rows = await tx
    .selectFrom('customer_relationships')
    .selectAll()
    .where('customer_tenant_id', '=', customerTenantId)
    .where('state', '=', 'active')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRelationship);
}

/**
 * Is this customer served by one of the provider's resellers? True when the provider's own
 * relationship names an associated reseller, or when a reseller in an active partnership with the
 * provider has an active relationship with the customer.
 */
export async function isResellersCustomerOf(
  tx: Tx,
  providerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  const viaAssociation = await tx
    .selectFrom('customer_relationships')
    .select('id')
    .where('partner_tenant_id', '=', providerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .where('state', '=', 'active')
    .where('associated_partner_tenant_id', 'is not', null)
    .executeTakeFirst();
  if (viaAssociation) return true;
  const viaReseller = await tx
    .selectFrom('customer_relationships as cr')
    .innerJoin('partnerships as p', 'p.reseller_tenant_id', 'cr.partner_tenant_id')
    .select('cr.id')
    .where('cr.customer_tenant_id', '=', customerTenantId)
    .where('cr.state', '=', 'active')
    .where('p.provider_tenant_id', '=', providerTenantId)
    .where('p.state', '=', 'active')
    .executeTakeFirst();
  return viaReseller !== undefined;
}

export async function insertRelationship(tx: Tx, r: CustomerRelationship): Promise<void> {
  await tx
    .insertInto('customer_relationships')
    .values({
      id: r.id,
      partner_tenant_id: r.partnerTenantId,
      customer_tenant_id: r.customerTenantId,
      associated_partner_tenant_id: r.associatedPartnerTenantId,
      state: r.state,
      delegated_admin: r.delegatedAdmin ? 1 : 0,
      source: r.source,
      invitation_id: r.invitationId,
      created_at: r.createdAt,
      removed_at: r.removedAt,
      removed_by: null,
    })
    .execute();
}

/** The relationship with this id, in any state. */
export async function getRelationship(tx: Tx, id: string): Promise<CustomerRelationship | undefined> {
  const r = await tx.selectFrom('customer_relationships').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRelationship(r);
}

/** Marks a relationship removed (it is kept, never deleted: the ledger and history refer to it). */
export async function markRelationshipRemoved(
  tx: Tx,
  id: string,
  at: string,
  by: string | null,
): Promise<void> {
  await tx
    .updateTable('customer_relationships')
    .set({ state: 'removed', removed_at: at, removed_by: by })
    .where('id', '=', id)
    .execute();
}

export async function insertInvitation(
  tx: Tx,
  i: CustomerInvitation,
  createdBy: string | null,
): Promise<void> {
  await tx
    .insertInto('customer_invitations')
    .values({
      id: i.id,
      partner_tenant_id: i.partnerTenantId,
      provider_tenant_id: i.providerTenantId,
      customer_tenant_id: i.customerTenantId,
      request_delegated_admin: i.requestDelegatedAdmin ? 1 : 0,
      token: i.token,
      status: i.status,
      created_at: i.createdAt,
      created_by: createdBy,
      expires_at: i.expiresAt,
      decided_at: null,
      decided_by: null,
    })
    .execute();
}

/** The invitation carrying this token (the secret of the invitation link), if any. */
export async function findInvitationByToken(tx: Tx, token: string): Promise<CustomerInvitation | undefined> {
  const r = await tx
    .selectFrom('customer_invitations')
    .selectAll()
    .where('token', '=', token)
    .executeTakeFirst();
  return r && toInvitation(r);
}

/**
 * Records the customer's decision on an invitation. An open invitation is bound to the customer
 * tenant that decided it, so its ledger and history show whom it reached.
 */
export async function recordInvitationDecision(
  tx: Tx,
  id: string,
  status: InvitationStatus,
  customerTenantId: string,
  at: string,
  by: string | null,
): Promise<void> {
  await tx
    .updateTable('customer_invitations')
    .set({ status, customer_tenant_id: customerTenantId, decided_at: at, decided_by: by })
    .where('id', '=', id)
    .execute();
}

/**
 * How many subscriptions of this customer with this partner (sold by it, or naming it partner of
 * record) are neither suspended nor ended.
 */
export async function countActiveSubscriptionsWith(
  tx: Tx,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<number> {
  return countActiveWith(tx, partnerTenantId, customerTenantId);
}

/** One customer of a partner, as `listCustomers` shows it. */
export interface CustomerRow {
  readonly relationshipId: string;
  readonly customerTenantId: string;
  readonly companyName: string;
  readonly country: string;
  readonly associatedPartnerTenantId: string | null;
  /** The associated reseller's location Partner ID. */
  readonly associatedPartnerId: number | null;
  readonly delegatedAdmin: boolean;
  readonly state: CustomerRelationshipState;
  readonly source: RelationshipSource;
  readonly createdAt: string;
}

/** The relationships of a partner tenant with its customers, oldest first, from `after` on. */
export async function listPartnerCustomers(
  tx: Tx,
  partnerTenantId: string,
  filter: {
    readonly resellerTenantId: string | undefined;
    readonly state: CustomerRelationshipState | undefined;
    readonly after: ListPosition | undefined;
    readonly limit: number;
  },
): Promise<CustomerRow[]> {
  let q = tx
    .selectFrom('customer_relationships as cr')
    .innerJoin('tenants as t', 't.id', 'cr.customer_tenant_id')
    .innerJoin('organizations as o', 'o.id', 't.organization_id')
    .leftJoin('partner_locations as pl', 'pl.tenant_id', 'cr.associated_partner_tenant_id')
    .select([
      'cr.id as id',
      'cr.customer_tenant_id as customer_tenant_id',
      'o.legal_name as legal_name',
      't.country as country',
      'cr.associated_partner_tenant_id as associated_partner_tenant_id',
      'pl.partner_id as partner_id',
      'cr.delegated_admin as delegated_admin',
      'cr.state as state',
      'cr.source as source',
      'cr.created_at as created_at',
    ])
    .where('cr.partner_tenant_id', '=', partnerTenantId);
  if (filter.resellerTenantId !== undefined)
    q = q.where('cr.associated_partner_tenant_id', '=', filter.resellerTenantId);
  if (filter.state !== undefined) q = q.where('cr.state', '=', filter.state);
  const after = filter.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('cr.created_at', '>', after.key),
        eb.and([eb('cr.created_at', '=', after.key), eb('cr.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('cr.created_at').orderBy('cr.id').limit(filter.limit).execute();
  return rows.map((r) => ({
    relationshipId: r.id,
    customerTenantId: r.customer_tenant_id,
    companyName: r.legal_name,
    country: r.country,
    associatedPartnerTenantId: r.associated_partner_tenant_id,
    associatedPartnerId: r.partner_id === null ? null : Number(r.partner_id),
    delegatedAdmin: Number(r.delegated_admin) === 1,
    state: r.state as CustomerRelationshipState,
    source: r.source as RelationshipSource,
    createdAt: r.created_at,
  }));
}

/** The relationships of a customer tenant with its partners, oldest first, from `after` on. */
export async function listRelationshipsOfCustomer(
  tx: Tx,
  customerTenantId: string,
  filter: {
    readonly state: CustomerRelationshipState | undefined;
    readonly after: ListPosition | undefined;
    readonly limit: number;
  },
): Promise<CustomerRelationship[]> {
  let q = tx
    .selectFrom('customer_relationships')
    .selectAll()
    .where('customer_tenant_id', '=', customerTenantId);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  const after = filter.after;
  if (after !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.key),
        eb.and([eb('created_at', '=', after.key), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('created_at').orderBy('id').limit(filter.limit).execute();
  return rows.map(toRelationship);
}
