/**
 * Queries of the delegated admin area: admin relationships, external subscriptions, and the
 * relationship facts a partner's access is derived from. Every function runs in the caller's
 * transaction.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ListPosition } from '../kernel/pagination.ts';
import type { AdminRelationshipsTable, Database, ExternalSubscriptionsTable } from '../store/schema.ts';
import type {
  AdminRelationship,
  AdminRole,
  AutoExtend,
  ExternalSource,
  ExternalSubscription,
  StoredAdminRelationshipState,
} from './model.ts';

type Tx = Kysely<Database>;

/** A row as the domain sees it (roles decoded from JSON, integers normalised across drivers). */
export function toAdminRelationship(r: Selectable<AdminRelationshipsTable>): AdminRelationship {
  return {
    id: r.id,
    partnerTenantId: r.partner_tenant_id,
    customerTenantId: r.customer_tenant_id,
    displayName: r.display_name,
    roles: JSON.parse(r.roles) as AdminRole[],
    durationDays: Number(r.duration_days),
    autoExtend: r.auto_extend as AutoExtend,
    state: r.state as StoredAdminRelationshipState,
    createdAt: r.created_at,
    requestedAt: r.requested_at,
    activatedAt: r.activated_at,
    approvedBy: r.approved_by,
    endsAt: r.ends_at,
    terminatedAt: r.terminated_at,
    terminatedByTenantId: r.terminated_by_tenant_id,
  };
}

function toExternal(r: Selectable<ExternalSubscriptionsTable>): ExternalSubscription {
  return {
    id: r.id,
    customerTenantId: r.customer_tenant_id,
    source: r.source as ExternalSource,
    offerName: r.offer_name,
    quantity: Number(r.quantity),
    externalReference: r.external_reference,
    registeredAt: r.registered_at,
  };
}

export async function getAdminRelationship(tx: Tx, id: string): Promise<AdminRelationship | undefined> {
  const r = await tx.selectFrom('admin_relationships').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toAdminRelationship(r);
}

export async function insertAdminRelationship(tx: Tx, r: AdminRelationship): Promise<void> {
  await tx
    .insertInto('admin_relationships')
    .values({
      id: r.id,
      partner_tenant_id: r.partnerTenantId,
      customer_tenant_id: r.customerTenantId,
      display_name: r.displayName,
      roles: JSON.stringify(r.roles),
      duration_days: r.durationDays,
      auto_extend: r.autoExtend,
      state: r.state,
      created_at: r.createdAt,
      requested_at: r.requestedAt,
      activated_at: r.activatedAt,
      approved_by: r.approvedBy,
      ends_at: r.endsAt,
      terminated_at: r.terminatedAt,
      terminated_by_tenant_id: r.terminatedByTenantId,
      updated_at: r.createdAt,
    })
    .execute();
}

/** The columns a lifecycle command changes. */
export type AdminRelationshipChange = Partial<
  Pick<
    Selectable<AdminRelationshipsTable>,
    | 'state'
    | 'requested_at'
    | 'activated_at'
    | 'approved_by'
    | 'ends_at'
    | 'terminated_at'
    | 'terminated_by_tenant_id'
  >
> & { readonly updated_at: string };

export async function updateAdminRelationship(
  tx: Tx,
  id: string,
  set: AdminRelationshipChange,
): Promise<void> {
  await tx.updateTable('admin_relationships').set(set).where('id', '=', id).execute();
}

/**
 * Admin relationships of a partner or of a customer tenant, ordered by `(created_at, id)`, after
 * the cursor, optionally narrowed to one stored state.
 */
export async function listAdminRelationships(
  tx: Tx,
  side: 'partner' | 'customer',
  tenantId: string,
  options: { after: ListPosition | undefined; limit: number; storedState?: StoredAdminRelationshipState },
): Promise<AdminRelationship[]> {
  let q = tx
    .selectFrom('admin_relationships')
    .selectAll()
    .where(side === 'partner' ? 'partner_tenant_id' : 'customer_tenant_id', '=', tenantId);
  if (options.storedState) q = q.where('state', '=', options.storedState);
  const after = options.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '>', after.key),
        eb.and([eb('created_at', '=', after.key), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('created_at').orderBy('id').limit(options.limit).execute();
  return rows.map(toAdminRelationship);
}

/** The partner's admin relationships with one customer that may still grant roles (stored `active`). */
export async function listPairActiveAdminRelationships(
  tx: Tx,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<AdminRelationship[]> {
  const rows = await tx
    .selectFrom('admin_relationships')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .where('state', '=', 'active')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toAdminRelationship);
}

/** Is the partner the provider (active partnership) of a reseller with an active relationship with the customer? */
export async function isProviderOfRelatedReseller(
  tx: Tx,
  providerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  const r = await tx
    .selectFrom('partnerships as p')
    .innerJoin('customer_relationships as cr', 'cr.partner_tenant_id', 'p.reseller_tenant_id')
    .select('p.id')
    .where('p.provider_tenant_id', '=', providerTenantId)
    .where('p.state', '=', 'active')
    .where('cr.customer_tenant_id', '=', customerTenantId)
    .where('cr.state', '=', 'active')
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertExternalSubscription(
  tx: Tx,
  s: ExternalSubscription,
  registeredBy: string | null,
): Promise<void> {
  await tx
    .insertInto('external_subscriptions')
    .values({
      id: s.id,
      customer_tenant_id: s.customerTenantId,
      source: s.source,
      offer_name: s.offerName,
      quantity: s.quantity,
      external_reference: s.externalReference,
      registered_at: s.registeredAt,
      registered_by: registeredBy,
    })
    .execute();
}

/** A customer's external subscriptions ordered by `(registered_at, id)`, after the cursor. */
export async function listExternalSubscriptions(
  tx: Tx,
  customerTenantId: string,
  options: { after: ListPosition | undefined; limit: number },
): Promise<ExternalSubscription[]> {
  let q = tx
    .selectFrom('external_subscriptions')
    .selectAll()
    .where('customer_tenant_id', '=', customerTenantId);
  const after = options.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('registered_at', '>', after.key),
        eb.and([eb('registered_at', '=', after.key), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await q.orderBy('registered_at').orderBy('id').limit(options.limit).execute();
  return rows.map(toExternal);
}

/** Has the partner ever had an admin relationship (in any state) with the customer? */
export async function hasAnyAdminRelationship(
  tx: Tx,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  const r = await tx
    .selectFrom('admin_relationships')
    .select('id')
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('customer_tenant_id', '=', customerTenantId)
    .executeTakeFirst();
  return r !== undefined;
}
