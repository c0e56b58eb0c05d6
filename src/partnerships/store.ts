/**
 * Queries of the partnerships area: partnerships, their invitations and the support requests that
 * end them. Every function takes the caller's transaction.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ListPosition } from '../kernel/pagination.ts';
import type { Database, PartnershipsTable, SupportRequestsTable } from '../store/schema.ts';
import {
  OPEN_PARTNERSHIP_STATES,
  type Partnership,
  type PartnershipStatus,
  type SupportRequest,
  type SupportRequestStatus,
} from './model.ts';

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

/** The partnership an invitation token belongs to, if any. */
export async function getPartnershipByToken(tx: Tx, token: string): Promise<Partnership | undefined> {
  const r = await tx
    .selectFrom('partnerships')
    .selectAll()
    .where('invitation_token', '=', token)
    .executeTakeFirst();
  return r && toPartnership(r);
}

/** One row of a partnership list: the partnership and the other party (tenant, legal name, Partner ID). */
export interface PartnershipListRow {
  readonly partnership: Partnership;
  readonly otherTenantId: string;
  readonly otherCountry: string;
  readonly otherLegalName: string;
  readonly otherPartnerId: number | null;
}

export interface PartnershipListQuery {
  readonly tenantId: string;
  /** `provider`: the tenant's resellers; `reseller`: the tenant's providers. */
  readonly side: 'provider' | 'reseller';
  /** Filter by effective state at `now` (an invitation past its expiry is `expired`). */
  readonly state: PartnershipStatus | undefined;
  readonly now: string;
  /** Resume after this sort key (`invited_at`, `id`). */
  readonly after: ListPosition | undefined;
  readonly limit: number;
}

/**
 * A page of the tenant's partnerships, ordered by invitation time then id, with the other party.
 * The effective-state filter is evaluated in SQL against `now`, the same rule as
 * `effectivePartnershipState`.
 */
export async function listPartnershipPage(tx: Tx, q: PartnershipListQuery): Promise<PartnershipListRow[]> {
  const own = q.side === 'provider' ? 'p.provider_tenant_id' : 'p.reseller_tenant_id';
  const other = q.side === 'provider' ? 'p.reseller_tenant_id' : 'p.provider_tenant_id';
  let query = tx
    .selectFrom('partnerships as p')
    .innerJoin('tenants as t', 't.id', other)
    .innerJoin('organizations as o', 'o.id', 't.organization_id')
    .leftJoin('partner_locations as l', 'l.tenant_id', 't.id')
    .selectAll('p')
    .select([
      't.id as other_tenant_id',
      't.country as other_country',
      'o.legal_name as other_legal_name',
      'l.partner_id as other_partner_id',
    ])
    .where(own, '=', q.tenantId);
  const { state, now, after } = q;
  if (state === 'expired') {
    query = query.where((eb) =>
      eb.or([
        eb('p.state', '=', 'expired'),
        eb.and([eb('p.state', '=', 'invited'), eb('p.expires_at', '<=', now)]),
      ]),
    );
  } else if (state === 'invited') {
    query = query.where('p.state', '=', 'invited').where('p.expires_at', '>', now);
  } else if (state !== undefined) {
    query = query.where('p.state', '=', state);
  }
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('p.invited_at', '>', after.key),
        eb.and([eb('p.invited_at', '=', after.key), eb('p.id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('p.invited_at').orderBy('p.id').limit(q.limit).execute();
  return rows.map((r) => ({
    partnership: toPartnership(r),
    otherTenantId: r.other_tenant_id,
    otherCountry: r.other_country,
    otherLegalName: r.other_legal_name,
    otherPartnerId: r.other_partner_id === null ? null : Number(r.other_partner_id),
  }));
}

/** A support request as stored, with the user who opened it. */
export interface NewSupportRequest extends SupportRequest {
  readonly openedByUserId: string | null;
}

function toSupportRequest(r: Selectable<SupportRequestsTable>): SupportRequest {
  return {
    id: r.id,
    category: r.category as SupportRequest['category'],
    partnershipId: r.partnership_id,
    openedByTenantId: r.opened_by_tenant_id,
    description: r.description,
    status: r.status as SupportRequestStatus,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
  };
}

/** One support request by id, if any. */
export async function getSupportRequest(tx: Tx, id: string): Promise<SupportRequest | undefined> {
  const r = await tx.selectFrom('support_requests').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSupportRequest(r);
}

/** Stores a new (open) support request. */
export async function insertSupportRequest(tx: Tx, s: NewSupportRequest): Promise<void> {
  await tx
    .insertInto('support_requests')
    .values({
      id: s.id,
      category: s.category,
      partnership_id: s.partnershipId,
      opened_by_tenant_id: s.openedByTenantId,
      opened_by_user_id: s.openedByUserId,
      description: s.description,
      status: s.status,
      opened_at: s.openedAt,
      resolved_at: s.resolvedAt,
      resolved_by: null,
      resolution: s.resolution,
    })
    .execute();
}

/** Records the operator's decision on an open support request. */
export async function decideSupportRequest(
  tx: Tx,
  id: string,
  d: { status: SupportRequestStatus; at: string; by: string | null; resolution: string },
): Promise<void> {
  await tx
    .updateTable('support_requests')
    .set({ status: d.status, resolved_at: d.at, resolved_by: d.by, resolution: d.resolution })
    .where('id', '=', id)
    .execute();
}
