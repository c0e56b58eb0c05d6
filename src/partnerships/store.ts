import type { Kysely, Selectable } from 'kysely';
import type { Database, PartnershipsTable } from '../store/schema.ts';
import { OPEN_PARTNERSHIP_STATES, type Partnership, type PartnershipStatus } from './model.ts';

type Tx = Kysely<Database>;

export function toPartnership(r: Selectable<PartnershipsTable>): Partnership {
  return {
    id: r.id,
    providerTenantId: r.provider_tenant_id,
    resellerTenantId: r.reseller_tenant_id,
    state: r.state as PartnershipStatus,
    invitationToken: r.invitation_token,
    invitedAt: r.invited_at,
    expiresAt: r.expires_at,
    acceptedAt: r.accepted_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    updatedAt: r.updated_at,
  };
}

export async function getPartnership(tx: Tx, id: string): Promise<Partnership | undefined> {
  const r = await tx.selectFrom('partnerships').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toPartnership(r);
}

/** The open (invited, active or suspended) partnership of a provider and a reseller, if any. */
export async function findOpenPartnership(
  tx: Tx,
  providerTenantId: string,
  resellerTenantId: string,
): Promise<Partnership | undefined> {
  const r = await tx
    .selectFrom('partnerships')
    .selectAll()
    .where('provider_tenant_id', '=', providerTenantId)
    .where('reseller_tenant_id', '=', resellerTenantId)
    .where('state', 'in', OPEN_PARTNERSHIP_STATES)
    .orderBy('invited_at', 'desc')
    .executeTakeFirst();
  return r && toPartnership(r);
}

/** Every partnership (any state) where the tenant is the provider or the reseller. */
export async function listPartnershipsOf(
  tx: Tx,
  tenantId: string,
  side: 'provider' | 'reseller',
): Promise<Partnership[]> {
  const rows = await tx
    .selectFrom('partnerships')
    .selectAll()
    .where(side === 'provider' ? 'provider_tenant_id' : 'reseller_tenant_id', '=', tenantId)
    .orderBy('invited_at')
    .orderBy('id')
    .execute();
  return rows.map(toPartnership);
}

export async function insertPartnership(tx: Tx, p: Partnership, invitedBy: string | null): Promise<void> {
  await tx
    .insertInto('partnerships')
    .values({
      id: p.id,
      provider_tenant_id: p.providerTenantId,
      reseller_tenant_id: p.resellerTenantId,
      state: p.state,
      invitation_token: p.invitationToken,
      invited_at: p.invitedAt,
      invited_by: invitedBy,
      expires_at: p.expiresAt,
      accepted_at: p.acceptedAt,
      accepted_by: null,
      ended_at: p.endedAt,
      end_reason: p.endReason,
      updated_at: p.updatedAt,
    })
    .execute();
}

export async function updatePartnershipState(
  tx: Tx,
  id: string,
  state: PartnershipStatus,
  at: string,
  extra: { acceptedBy?: string | null; endReason?: string | null } = {},
): Promise<void> {
  await tx
    .updateTable('partnerships')
    .set({
      state,
      updated_at: at,
      ...(state === 'active' &&
        extra.acceptedBy !== undefined && { accepted_at: at, accepted_by: extra.acceptedBy }),
      ...(state === 'ended' && { ended_at: at, end_reason: extra.endReason ?? null }),
    })
    .where('id', '=', id)
    .execute();
}
