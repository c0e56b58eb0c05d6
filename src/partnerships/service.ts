/**
 * Provider–reseller partnerships: an indirect provider invites an indirect reseller, the reseller's
 * global admin accepts ("authorize indirect provider") or declines, the provider (or the program
 * operator) suspends and reactivates, and the partnership ends through a support request (the
 * seed) or, under the `self-service` policy, by the provider ("remove partnership"). Ending keeps
 * the customers and their delegated admin; it only stops new business between the two.
 *
 * Queries as Partner Center names them: the indirect resellers of a provider
 * (`IsIndirectCloudSolutionProviderOf`) and the indirect providers of a reseller (`IsIndirectResellerOf`).
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { hasCustomerRelationship, loadPartnerFacts, partnershipState } from '../decisions/facts.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type ListPosition, type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { getLocation, getTenant, principalOrganizationId, tenantNotFound } from '../parties/service.ts';
import type { RegionId } from '../program/regions.ts';
import {
  type Decision,
  decideAcceptPartnership,
  decideEndPartnership,
  decideInvitePartnership,
} from '../rules/decisions.ts';
import type { PartnerFacts } from '../rules/facts.ts';
import {
  effectivePartnershipState,
  PARTNERSHIP_STATES,
  type Partnership,
  type PartnershipStatus,
  type SupportRequest,
} from './model.ts';
import {
  authorizationFirst,
  decideChangePartnershipState,
  decideDeclinePartnership,
  decideOpenSupportRequest,
  decideResolveSupportRequest,
  invitationExpiresAt,
  withViolations,
} from './rules.ts';
import * as store from './store.ts';

// ---------------------------------------------------------------------------------------------
// Shared steps.

const MAX_TEXT = 2000;

function partnershipNotFound(id: string): Violation {
  return violation('PARTNERSHIP_NOT_FOUND', `No partnership ${id}.`, { field: 'partnershipId' });
}

function invitationNotFound(): Violation {
  return violation('INVITATION_NOT_FOUND', 'No partnership invitation matches this token.', {
    field: 'token',
    remedies: ['Use the link of the invitation email as sent, or ask the provider for a new invitation.'],
  });
}

function refused(d: Decision): Outcome<never> | undefined {
  return d.allowed ? undefined : refuse(...d.violations);
}

function actingUserId(ctx: QueryContext): string | null {
  return ctx.principal.kind === 'user' ? ctx.principal.userId : null;
}

/** The operator, or a user of one of these organizations. */
async function seesAny(ctx: QueryContext, ...organizationIds: (string | undefined)[]): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  const mine = await principalOrganizationId(ctx);
  return mine !== undefined && organizationIds.includes(mine);
}

async function organizationOf(ctx: QueryContext, tenantId: string): Promise<string | undefined> {
  return (await getTenant(ctx.tx, tenantId))?.organizationId;
}

/** The partnership, when it exists and the principal is one of its parties or the operator. */
async function visiblePartnership(ctx: QueryContext, id: string): Promise<Partnership | undefined> {
  const p = await store.getPartnership(ctx.tx, id);
  if (!p) return undefined;
  const visible = await seesAny(
    ctx,
    await organizationOf(ctx, p.providerTenantId),
    await organizationOf(ctx, p.resellerTenantId),
  );
  return visible ? p : undefined;
}

/** Facts of a tenant a partnership row references (it exists: the row has a foreign key to it). */
async function partyFacts(ctx: QueryContext, tenantId: string): Promise<PartnerFacts> {
  const facts = await loadPartnerFacts(ctx, tenantId);
  if (!facts) throw new Error(`partnership references missing tenant ${tenantId}`);
  return facts;
}

async function setState(
  ctx: CommandContext,
  p: Partnership,
  state: PartnershipStatus,
  extra: { acceptedBy?: string | null; endReason?: string | null } = {},
): Promise<Partnership> {
  const at = toInstant(ctx.now);
  await store.updatePartnershipState(ctx.tx, p.id, state, at, extra);
  return {
    ...p,
    state,
    updatedAt: at,
    ...(state === 'active' && extra.acceptedBy !== undefined && { acceptedAt: at }),
    ...(state === 'ended' && { endedAt: at, endReason: extra.endReason ?? null }),
  };
}

async function recordPartnership(
  ctx: CommandContext,
  type: string,
  id: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await ctx.record({ type, entityType: 'partnership', entityId: id, payload });
}

// ---------------------------------------------------------------------------------------------
// Commands.

/** The parsed input of `invitePartnership`: exactly one of the two reseller references is set. */
export interface InvitePartnershipInput {
  readonly providerTenantId: string;
  readonly resellerPartnerId: number | undefined;
  readonly resellerTenantId: string | undefined;
}

/**
 * An indirect provider invites an indirect reseller, named by its location Partner ID (as the
 * reseller onboarded with) or its CSP tenant. Creates the invitation with its token — the provider
 * sends it to the reseller — valid `policies.partnershipInvitationDays` days. Same region only
 * (scenario 8); not a tenant that is already the provider's end customer (scenario 6).
 */
export const invitePartnership = defineCommand({
  name: 'partnerships.invite',
  parse(input): Outcome<InvitePartnershipInput> {
    const f = new Fields(input);
    const providerTenantId = f.guid('providerTenantId');
    const resellerPartnerId = f.integer('resellerPartnerId', { min: 1, optional: true });
    const resellerTenantId = f.guid('resellerTenantId', { optional: true });
    if (resellerPartnerId === undefined && resellerTenantId === undefined)
      f.fail('REQUIRED_FIELD', 'resellerPartnerId', 'or resellerTenantId is required');
    if (resellerPartnerId !== undefined && resellerTenantId !== undefined)
      f.fail(
        'INVALID_FIELD',
        'resellerTenantId',
        'must not be given with resellerPartnerId: name the reseller once',
      );
    return f.finish(() => ({ providerTenantId, resellerPartnerId, resellerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<Partnership>> {
    const providerTenant = await getTenant(ctx.tx, input.providerTenantId);
    if (!providerTenant || !(await seesAny(ctx, providerTenant.organizationId)))
      return refuse(tenantNotFound(input.providerTenantId, 'providerTenantId'));
    let resellerTenantId = input.resellerTenantId;
    if (input.resellerPartnerId !== undefined) {
      const location = await getLocation(ctx.tx, input.resellerPartnerId);
      if (!location?.tenantId)
        return refuse(
          violation(
            'PARTNER_ID_NOT_FOUND',
            `No CSP tenant is tied to location Partner ID ${input.resellerPartnerId}.`,
            {
              field: 'resellerPartnerId',
              remedies: [
                "Use the location Partner ID the reseller's CSP tenant is associated with (not its global account ID).",
              ],
            },
          ),
        );
      resellerTenantId = location.tenantId;
    }
    const provider = await partyFacts(ctx, providerTenant.id);
    const reseller = resellerTenantId ? await loadPartnerFacts(ctx, resellerTenantId) : undefined;
    if (!reseller) return refuse(tenantNotFound(resellerTenantId ?? '', 'resellerTenantId'));

    const existing = await partnershipState(ctx, provider.tenantId, reseller.tenantId);
    const decision = authorizationFirst(
      withViolations(
        decideInvitePartnership(
          ctx.program,
          {
            actor: ctx.principal,
            provider,
            reseller,
            existing,
            resellerIsCustomerOfProvider: await hasCustomerRelationship(
              ctx,
              provider.tenantId,
              reseller.tenantId,
            ),
          },
          ctx.now,
        ),
      ),
    );
    const no = refused(decision);
    if (no) return no;

    // An earlier invitation of the pair lapsed: record it as expired before the new one.
    if (existing === 'expired') {
      const lapsed = await store.findOpenPartnership(ctx.tx, provider.tenantId, reseller.tenantId);
      if (lapsed) {
        await setState(ctx, lapsed, 'expired');
        await recordPartnership(ctx, 'partnership.expired', lapsed.id, { expiresAt: lapsed.expiresAt });
      }
    }
    const at = toInstant(ctx.now);
    const partnership: Partnership = {
      id: ctx.ids.guid(),
      providerTenantId: provider.tenantId,
      resellerTenantId: reseller.tenantId,
      state: 'invited',
      invitationToken: ctx.ids.guid(),
      invitedAt: at,
      expiresAt: toInstant(invitationExpiresAt(ctx.program, ctx.now)),
      acceptedAt: null,
      endedAt: null,
      endReason: null,
      updatedAt: at,
    };
    await store.insertPartnership(ctx.tx, partnership, actingUserId(ctx));
    // The token is a bearer secret: it goes to the reseller, not into the append-only ledger.
    await recordPartnership(ctx, 'partnership.invited', partnership.id, {
      providerTenantId: provider.tenantId,
      resellerTenantId: reseller.tenantId,
      resellerPartnerId: reseller.partnerId,
      invitedBy: actingUserId(ctx),
      expiresAt: partnership.expiresAt,
    });
    return accept(partnership);
  },
});

function parseToken(input: unknown): Outcome<{ token: string }> {
  const f = new Fields(input);
  const token = f.text('token', { max: 200 });
  return f.finish(() => ({ token }));
}

/**
 * The invitation this token opens, for the organizations of the partnership (or the operator). For
 * anyone else a live token is as unknown as a wrong one: holding it reveals nothing.
 */
async function presentedInvitation(ctx: QueryContext, token: string): Promise<Partnership | undefined> {
  const p = await store.getPartnershipByToken(ctx.tx, token);
  if (!p || isOperator(ctx.principal)) return p;
  const mine = await principalOrganizationId(ctx);
  const parties: (string | undefined)[] = [
    (await getTenant(ctx.tx, p.resellerTenantId))?.organizationId,
    (await getTenant(ctx.tx, p.providerTenantId))?.organizationId,
  ];
  return mine !== undefined && parties.includes(mine) ? p : undefined;
}

/**
 * The reseller's global admin accepts the invitation ("authorize indirect provider"): both parties
 * enrolled and active, the reseller's partner agreement signed, the same region (scenario 8), no
 * relationship-type conflict (scenario 6). An invitation past its expiry is refused, not rewritten.
 */
export const acceptPartnership = defineCommand({
  name: 'partnerships.accept',
  parse: parseToken,
  async run(ctx, input): Promise<Outcome<Partnership>> {
    const p = await presentedInvitation(ctx, input.token);
    if (!p) return refuse(invitationNotFound());
    const provider = await partyFacts(ctx, p.providerTenantId);
    const reseller = await partyFacts(ctx, p.resellerTenantId);
    const decision = authorizationFirst(
      decideAcceptPartnership(
        ctx.program,
        {
          actor: ctx.principal,
          provider,
          reseller,
          state: effectivePartnershipState(p, ctx.now),
          resellerIsCustomerOfProvider: await hasCustomerRelationship(
            ctx,
            provider.tenantId,
            reseller.tenantId,
          ),
        },
        ctx.now,
      ),
    );
    const no = refused(decision);
    if (no) return no;
    const acceptedBy = actingUserId(ctx);
    const accepted = await setState(ctx, p, 'active', { acceptedBy });
    await recordPartnership(ctx, 'partnership.accepted', p.id, {
      providerTenantId: p.providerTenantId,
      resellerTenantId: p.resellerTenantId,
      acceptedBy,
    });
    return accept(accepted);
  },
});

/** The reseller's global admin declines a live invitation. */
export const declinePartnership = defineCommand({
  name: 'partnerships.decline',
  parse: parseToken,
  async run(ctx, input): Promise<Outcome<Partnership>> {
    const p = await presentedInvitation(ctx, input.token);
    if (!p) return refuse(invitationNotFound());
    const no = refused(
      authorizationFirst(
        decideDeclinePartnership({
          actor: ctx.principal,
          resellerTenantId: p.resellerTenantId,
          state: effectivePartnershipState(p, ctx.now),
        }),
      ),
    );
    if (no) return no;
    const declined = await setState(ctx, p, 'declined');
    await recordPartnership(ctx, 'partnership.declined', p.id, { declinedBy: actingUserId(ctx) });
    return accept(declined);
  },
});

function parsePartnershipId(input: unknown): Outcome<{ partnershipId: string }> {
  const f = new Fields(input);
  const partnershipId = f.guid('partnershipId');
  return f.finish(() => ({ partnershipId }));
}

function stateChange(name: string, to: 'suspended' | 'active', event: string) {
  return defineCommand({
    name,
    parse: parsePartnershipId,
    async run(ctx, input): Promise<Outcome<Partnership>> {
      const p = await visiblePartnership(ctx, input.partnershipId);
      if (!p) return refuse(partnershipNotFound(input.partnershipId));
      const from = effectivePartnershipState(p, ctx.now);
      const no = refused(
        authorizationFirst(
          decideChangePartnershipState({
            actor: ctx.principal,
            providerTenantId: p.providerTenantId,
            from,
            to,
          }),
        ),
      );
      if (no) return no;
      const changed = await setState(ctx, p, to);
      await recordPartnership(ctx, event, p.id, { from, to });
      return accept(changed);
    },
  });
}

/** The provider's admin (or the program operator) suspends an active partnership: no new business until reactivated. */
export const suspendPartnership = stateChange('partnerships.suspend', 'suspended', 'partnership.suspended');

/** The provider's admin (or the program operator) reactivates a suspended partnership. */
export const reactivatePartnership = stateChange(
  'partnerships.reactivate',
  'active',
  'partnership.reactivated',
);

/**
 * Either party asks the program operator, through a support request, to end their partnership —
 * the seed's way: "To end the relationship between an indirect provider and an indirect reseller,
 * contact Microsoft Support" (scenario 6, option 2).
 */
export const openSupportRequest = defineCommand({
  name: 'partnerships.open-support-request',
  parse(input) {
    const f = new Fields(input);
    const partnershipId = f.guid('partnershipId');
    const description = f.text('description', { max: MAX_TEXT });
    return f.finish(() => ({ partnershipId, description }));
  },
  async run(ctx, input): Promise<Outcome<SupportRequest>> {
    const p = await visiblePartnership(ctx, input.partnershipId);
    if (!p) return refuse(partnershipNotFound(input.partnershipId));
    const no = refused(
      authorizationFirst(
        decideOpenSupportRequest({
          actor: ctx.principal,
          providerTenantId: p.providerTenantId,
          resellerTenantId: p.resellerTenantId,
          state: effectivePartnershipState(p, ctx.now),
        }),
      ),
    );
    if (no) return no;
    // The decision admits only users of one of the two tenants.
    if (ctx.principal.kind !== 'user') throw new Error('support request opened by a non-user');
    const request: SupportRequest = {
      id: ctx.ids.guid(),
      category: 'end-partnership',
      partnershipId: p.id,
      openedByTenantId: ctx.principal.tenantId,
      description: input.description,
      status: 'open',
      openedAt: toInstant(ctx.now),
      resolvedAt: null,
      resolution: null,
    };
    await store.insertSupportRequest(ctx.tx, { ...request, openedByUserId: ctx.principal.userId });
    await ctx.record({
      type: 'support-request.opened',
      entityType: 'support-request',
      entityId: request.id,
      payload: {
        category: request.category,
        partnershipId: p.id,
        openedByTenantId: request.openedByTenantId,
        description: request.description,
      },
    });
    return accept(request);
  },
});

/** What resolving a support request returns: the request as decided and its partnership. */
export interface ResolveSupportRequestResult {
  readonly supportRequest: SupportRequest;
  /** The partnership as it is after the resolution (ended when the request was resolved). */
  readonly partnership: Partnership | null;
}

function supportRequestNotFound(id: string): Violation {
  return violation('SUPPORT_REQUEST_NOT_FOUND', `No support request ${id}.`, { field: 'supportRequestId' });
}

/**
 * The program operator decides a support request: `resolved` ends the partnership (customers and
 * delegated admin stay), `rejected` leaves it as it is.
 */
export const resolveSupportRequest = defineCommand({
  name: 'partnerships.resolve-support-request',
  parse(input) {
    const f = new Fields(input);
    const supportRequestId = f.guid('supportRequestId');
    const outcome = f.oneOf('outcome', ['resolved', 'rejected'] as const);
    const resolution = f.text('resolution', { max: MAX_TEXT });
    return f.finish(() => ({ supportRequestId, outcome, resolution }));
  },
  async run(ctx, input): Promise<Outcome<ResolveSupportRequestResult>> {
    const request = await store.getSupportRequest(ctx.tx, input.supportRequestId);
    if (!request) return refuse(supportRequestNotFound(input.supportRequestId));
    const p = request.partnershipId ? await store.getPartnership(ctx.tx, request.partnershipId) : undefined;
    const parties = p
      ? [await organizationOf(ctx, p.providerTenantId), await organizationOf(ctx, p.resellerTenantId)]
      : [];
    if (!(await seesAny(ctx, await organizationOf(ctx, request.openedByTenantId), ...parties)))
      return refuse(supportRequestNotFound(input.supportRequestId));

    const noResolve = refused(
      decideResolveSupportRequest({ actor: ctx.principal, status: request.status, outcome: input.outcome }),
    );
    if (noResolve) return noResolve;
    let ending: { p: Partnership; from: PartnershipStatus } | undefined;
    if (input.outcome === 'resolved' && p) {
      const from = effectivePartnershipState(p, ctx.now);
      const noEnd = refused(
        decideEndPartnership(ctx.program, {
          actor: ctx.principal,
          provider: await partyFacts(ctx, p.providerTenantId),
          state: from,
          viaSupportRequest: true,
        }),
      );
      if (noEnd) return noEnd;
      ending = { p, from };
    }

    const at = toInstant(ctx.now);
    await store.decideSupportRequest(ctx.tx, request.id, {
      status: input.outcome,
      at,
      by: actingUserId(ctx),
      resolution: input.resolution,
    });
    await ctx.record({
      type: `support-request.${input.outcome}`,
      entityType: 'support-request',
      entityId: request.id,
      payload: { outcome: input.outcome, resolution: input.resolution, partnershipId: request.partnershipId },
    });
    let partnership = p ?? null;
    if (ending) {
      partnership = await setState(ctx, ending.p, 'ended', { endReason: input.resolution });
      await recordPartnership(ctx, 'partnership.ended', ending.p.id, {
        from: ending.from,
        reason: input.resolution,
        viaSupportRequest: true,
        supportRequestId: request.id,
      });
    }
    return accept({
      supportRequest: { ...request, status: input.outcome, resolvedAt: at, resolution: input.resolution },
      partnership,
    });
  },
});

/**
 * Ends a partnership directly ("remove partnership"). Under the program policy `support` (the
 * seed) this is refused with `TERMINATION_REQUIRES_SUPPORT`; under `self-service` the provider's
 * admin removes it. Customers and their delegated admin are left untouched.
 */
export const endPartnership = defineCommand({
  name: 'partnerships.end',
  parse(input) {
    const f = new Fields(input);
    const partnershipId = f.guid('partnershipId');
    const reason = f.text('reason', { max: MAX_TEXT, optional: true });
    return f.finish(() => ({ partnershipId, reason }));
  },
  async run(ctx, input): Promise<Outcome<Partnership>> {
    const p = await visiblePartnership(ctx, input.partnershipId);
    if (!p) return refuse(partnershipNotFound(input.partnershipId));
    const from = effectivePartnershipState(p, ctx.now);
    const no = refused(
      authorizationFirst(
        decideEndPartnership(ctx.program, {
          actor: ctx.principal,
          provider: await partyFacts(ctx, p.providerTenantId),
          state: from,
          viaSupportRequest: false,
        }),
      ),
    );
    if (no) return no;
    const ended = await setState(ctx, p, 'ended', { endReason: input.reason ?? null });
    await recordPartnership(ctx, 'partnership.ended', p.id, {
      from,
      reason: input.reason ?? null,
      viaSupportRequest: false,
    });
    return accept(ended);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

/** Partner Center's names for the two sides of a partnership, as seen by the tenant listing them. */
export type PartnerRelationshipType = 'IsIndirectCloudSolutionProviderOf' | 'IsIndirectResellerOf';

/** Where a party is located. */
export interface PartyLocation {
  readonly country: string;
  readonly region: RegionId | null;
}

/** One partnership in a tenant's list: the other party and the partnership's state at `now`. */
export interface PartnerRelationshipItem {
  readonly partnershipId: string;
  readonly relationshipType: PartnerRelationshipType;
  /** The other party's CSP tenant. */
  readonly tenantId: string;
  /** The other party's location Partner ID. */
  readonly partnerId: number | null;
  /** The other party's legal name. */
  readonly name: string;
  readonly location: PartyLocation;
  /** The effective state at `now` (an invitation past its expiry is `expired`). */
  readonly state: PartnershipStatus;
}

/** A page of a tenant's partnerships. */
export type PartnerRelationshipPage = Page<PartnerRelationshipItem>;

interface ListInput {
  readonly tenantId: string;
  readonly state: PartnershipStatus | undefined;
  readonly limit: number;
  readonly after: ListPosition | undefined;
}

function parseList(input: unknown): Outcome<ListInput> {
  const f = new Fields(input);
  const tenantId = f.guid('tenantId');
  const state = f.oneOf('state', PARTNERSHIP_STATES, { optional: true });
  const { limit, after } = parsePage(f);
  return f.finish(() => ({ tenantId, state, limit, after }));
}

function partnershipList(
  name: string,
  side: 'provider' | 'reseller',
  relationshipType: PartnerRelationshipType,
) {
  return defineQuery({
    name,
    parse: parseList,
    async run(ctx, input): Promise<Outcome<PartnerRelationshipPage>> {
      const tenant = await getTenant(ctx.tx, input.tenantId);
      if (!tenant || !(await seesAny(ctx, tenant.organizationId)))
        return refuse(tenantNotFound(input.tenantId));
      const rows = await store.listPartnershipPage(ctx.tx, {
        tenantId: tenant.id,
        side,
        state: input.state,
        now: toInstant(ctx.now),
        after: input.after,
        limit: input.limit + 1,
      });
      return accept(
        toPage(
          rows,
          input.limit,
          (r) => ({ key: r.partnership.invitedAt, id: r.partnership.id }),
          (r): PartnerRelationshipItem => ({
            partnershipId: r.partnership.id,
            relationshipType,
            tenantId: r.otherTenantId,
            partnerId: r.otherPartnerId,
            name: r.otherLegalName,
            location: {
              country: r.otherCountry,
              region: ctx.program.catalogue.regionOf(r.otherCountry) ?? null,
            },
            state: effectivePartnershipState(r.partnership, ctx.now),
          }),
        ),
      );
    },
  });
}

/**
 * The indirect resellers of a provider's CSP tenant (Partner Center: relationship type
 * `IsIndirectCloudSolutionProviderOf`), paginated, optionally by state. Users of the tenant's
 * organization and the operator.
 */
export const listIndirectResellers = partnershipList(
  'partnerships.list-indirect-resellers',
  'provider',
  'IsIndirectCloudSolutionProviderOf',
);

/**
 * The indirect providers of a reseller's CSP tenant (Partner Center: relationship type
 * `IsIndirectResellerOf`), paginated, optionally by state. Users of the tenant's organization and
 * the operator.
 */
export const listIndirectProviders = partnershipList(
  'partnerships.list-indirect-providers',
  'reseller',
  'IsIndirectResellerOf',
);

/** A party of a partnership, as a partnership view shows it. */
export interface PartnershipParty {
  readonly tenantId: string;
  readonly partnerId: number | null;
  readonly name: string;
  readonly location: PartyLocation;
}

/** A partnership with both parties and its effective state. */
export interface PartnershipView extends Omit<Partnership, 'invitationToken'> {
  /** Shown to the provider's users and the operator while the invitation is pending (to resend it). */
  readonly invitationToken?: string;
  readonly provider: PartnershipParty;
  readonly reseller: PartnershipParty;
}

function party(f: PartnerFacts): PartnershipParty {
  return {
    tenantId: f.tenantId,
    partnerId: f.partnerId,
    name: f.legalName,
    location: { country: f.country, region: f.region ?? null },
  };
}

/** One partnership: visible to users of either party's organization and to the operator. */
export const getPartnership = defineQuery({
  name: 'partnerships.get',
  parse: parsePartnershipId,
  async run(ctx, input): Promise<Outcome<PartnershipView>> {
    const p = await visiblePartnership(ctx, input.partnershipId);
    if (!p) return refuse(partnershipNotFound(input.partnershipId));
    const provider = await partyFacts(ctx, p.providerTenantId);
    const reseller = await partyFacts(ctx, p.resellerTenantId);
    const state = effectivePartnershipState(p, ctx.now);
    const { invitationToken, ...rest } = p;
    const showToken = state === 'invited' && (await seesAny(ctx, provider.organizationId));
    return accept({
      ...rest,
      state,
      ...(showToken && { invitationToken }),
      provider: party(provider),
      reseller: party(reseller),
    });
  },
});
