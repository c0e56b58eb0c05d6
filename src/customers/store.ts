import type { Kysely, Selectable } from 'kysely';
import type { CustomerInvitationsTable, CustomerRelationshipsTable, Database } from '../store/schema.ts';
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
