/**
 * Delegated admin (multi-channel, seed scenario 3): "What if a partner is contacted by a customer
 * who wants to hire them to manage and support their subscription(s)? The customer can engage
 * multiple partners to manage their subscription(s)." — including subscriptions bought elsewhere,
 * which the customer registers as external subscriptions.
 *
 * A partner creates an admin relationship (GDAP-like: roles, 1 day to 2 years, auto-extend), asks
 * for approval, and only the customer's global admin approves it; either side terminates it.
 * Expiry is derived from `ctx.now` (`effectiveAdminState`), never written by a background job.
 * What a partner may do on a customer is derived from its relationships (`partnerAccess`).
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { hasCustomerRelationship, loadCustomerFacts, loadPartnerFacts } from '../decisions/facts.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { hasRole, isOperator, type UserRole } from '../kernel/principal.ts';
import { addDays, type Instant, toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { getTenant, principalOrganizationId } from '../parties/service.ts';
import { decideApproveAdminRelationship } from '../rules/decisions.ts';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_ROLES,
  type AdminRelationship,
  type AdminRelationshipState,
  type AdminRole,
  AUTO_EXTEND,
  EXTERNAL_SOURCES,
  type ExternalSubscription,
  effectiveAdminState,
  effectiveEnd,
  MAX_DURATION_DAYS,
  MIN_DURATION_DAYS,
  type StoredAdminRelationshipState,
  storedStateOf,
} from './model.ts';
import {
  accessViolation,
  derivePartnerAccess,
  type PartnerAccess,
  partiesViolations,
  transitionViolation,
} from './rules.ts';
import * as store from './store.ts';

export type { PartnerAccess } from './rules.ts';
export { resaleViolation } from './rules.ts';

/** An admin relationship as callers see it: `state` is the EFFECTIVE state at `now`. */
export interface AdminRelationshipView extends Omit<AdminRelationship, 'state'> {
  /** The effective state at the time of the request (expiring/expired derived from the clock). */
  readonly state: AdminRelationshipState;
  /** The state as stored (`active` for an expiring or expired relationship). */
  readonly storedState: StoredAdminRelationshipState;
  /** The effective end: the end moved by auto-extension, or the termination time; null before approval. */
  readonly effectiveEnd: Instant | null;
}

/** The view of a relationship at `now`. */
export function adminRelationshipView(r: AdminRelationship, now: Date): AdminRelationshipView {
  const { state, ...rest } = r;
  return {
    ...rest,
    state: effectiveAdminState(r, now),
    storedState: state,
    effectiveEnd: state === 'terminated' ? r.terminatedAt : (effectiveEnd(r, now)?.toISOString() ?? null),
  };
}

const PARTNER_ADMINS: readonly UserRole[] = ['global-admin', 'admin-agent'];

const notFound = (id: string) =>
  violation('ADMIN_RELATIONSHIP_NOT_FOUND', `No admin relationship ${id}.`, { field: 'adminRelationshipId' });

/** Is the principal a user of `tenantId` holding one of `roles`? */
function actsFor(ctx: QueryContext, tenantId: string, roles: readonly UserRole[]): boolean {
  const p = ctx.principal;
  return p.kind === 'user' && p.tenantId === tenantId && roles.some((r) => hasRole(p, r));
}

/** Does the principal belong to the organization owning `tenantId` (or is it the operator)? */
async function ownsOrOperates(ctx: QueryContext, tenantId: string): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  const mine = await principalOrganizationId(ctx);
  if (mine === undefined) return false;
  return (await getTenant(ctx.tx, tenantId))?.organizationId === mine;
}

/** Loads an admin relationship visible to the principal: either side's organization or the operator. */
async function visible(ctx: QueryContext, id: string): Promise<AdminRelationship | undefined> {
  const r = await store.getAdminRelationship(ctx.tx, id);
  if (!r) return undefined;
  if ((await ownsOrOperates(ctx, r.partnerTenantId)) || (await ownsOrOperates(ctx, r.customerTenantId)))
    return r;
  return undefined;
}

/**
 * Moves a relationship to `to` when its EFFECTIVE state allows (INVALID_TRANSITION otherwise),
 * writes the change and records the event.
 */
async function move(
  ctx: CommandContext,
  r: AdminRelationship,
  to: 'approvalPending' | 'active' | 'terminated',
  event: string,
  change: Omit<store.AdminRelationshipChange, 'state' | 'updated_at'>,
): Promise<Outcome<AdminRelationshipView>> {
  const from = effectiveAdminState(r, ctx.now);
  const bad = transitionViolation(from, to);
  if (bad) return refuse(bad);
  await store.updateAdminRelationship(ctx.tx, r.id, {
    ...change,
    state: to,
    updated_at: toInstant(ctx.now),
  });
  await ctx.record({
    type: event,
    entityType: 'admin-relationship',
    entityId: r.id,
    payload: {
      partnerTenantId: r.partnerTenantId,
      customerTenantId: r.customerTenantId,
      from,
      to,
      ...change,
    },
  });
  const updated = await store.getAdminRelationship(ctx.tx, r.id);
  if (!updated) throw new Error(`admin relationship ${r.id} vanished inside its transaction`);
  return accept(adminRelationshipView(updated, ctx.now));
}

function parseId(input: unknown) {
  const f = new Fields(input);
  const adminRelationshipId = f.guid('adminRelationshipId');
  return f.finish(() => ({ adminRelationshipId }));
}

// -------------------------------------------------------------------------------------------------
// Commands.

/**
 * A partner's global admin or admin agent creates an admin relationship with a customer: roles
 * (from ADMIN_ROLES), a duration of 1 to 730 days, auto-extend `none` (default) or `P180D` — not
 * with global-administrator. The partner side must be a CSP tenant, the other a customer-type
 * tenant. State `created`: it grants nothing until the customer's global admin approves it.
 */
export const createAdminRelationship = defineCommand({
  name: 'admin-access.create',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const customerTenantId = f.guid('customerTenantId');
    const displayName = f.text('displayName', { max: 50 });
    const roles = f.list('roles', ADMIN_ROLES, { min: 1 });
    const durationDays = f.integer('durationDays', { min: MIN_DURATION_DAYS, max: MAX_DURATION_DAYS });
    const autoExtend = f.oneOf('autoExtend', AUTO_EXTEND, { optional: true }) ?? 'none';
    if (autoExtend === 'P180D' && roles.includes('global-administrator')) {
      f.fail('INVALID_FIELD', 'autoExtend', 'cannot be P180D when the roles include global-administrator');
    }
    return f.finish(() => ({
      partnerTenantId,
      customerTenantId,
      displayName,
      roles,
      durationDays,
      autoExtend,
    }));
  },
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    if (!actsFor(ctx, input.partnerTenantId, PARTNER_ADMINS)) {
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          'Only a global admin or admin agent of the partner creates admin relationships.',
          { remedies: [`Ask a global admin or admin agent of tenant ${input.partnerTenantId}.`] },
        ),
      );
    }
    const problems = partiesViolations(
      await getTenant(ctx.tx, input.partnerTenantId),
      await getTenant(ctx.tx, input.customerTenantId),
      input,
    );
    if (problems.length > 0) return refuse(...problems);
    const at = toInstant(ctx.now);
    const r: AdminRelationship = {
      id: ctx.ids.guid(),
      partnerTenantId: input.partnerTenantId,
      customerTenantId: input.customerTenantId,
      displayName: input.displayName,
      roles: input.roles,
      durationDays: input.durationDays,
      autoExtend: input.autoExtend,
      state: 'created',
      createdAt: at,
      requestedAt: null,
      activatedAt: null,
      approvedBy: null,
      endsAt: null,
      terminatedAt: null,
      terminatedByTenantId: null,
    };
    await store.insertAdminRelationship(ctx.tx, r);
    await ctx.record({
      type: 'admin-relationship.created',
      entityType: 'admin-relationship',
      entityId: r.id,
      payload: { ...r },
    });
    return accept(adminRelationshipView(r, ctx.now));
  },
});

/** The partner's admin sends the relationship to the customer for approval (created → approvalPending). */
export const requestAdminApproval = defineCommand({
  name: 'admin-access.request-approval',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    if (!r) return refuse(notFound(input.adminRelationshipId));
    if (!actsFor(ctx, r.partnerTenantId, PARTNER_ADMINS)) {
      return refuse(
        violation('NOT_AUTHORIZED', 'Only a global admin or admin agent of the partner requests approval.', {
          remedies: [`Ask a global admin or admin agent of tenant ${r.partnerTenantId}.`],
        }),
      );
    }
    return move(ctx, r, 'approvalPending', 'admin-relationship.approval-requested', {
      requested_at: toInstant(ctx.now),
    });
  },
});

/**
 * Only the customer's global admin approves (`decideApproveAdminRelationship`): the relationship
 * is active from now for its duration. Anyone else — the partner's admins, another customer's
 * admin — is NOT_AUTHORIZED; an expired or terminated relationship is INVALID_TRANSITION.
 */
export const approveAdminRelationship = defineCommand({
  name: 'admin-access.approve',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    // Outsiders do not learn that it exists; the partner's own admins learn they may not approve.
    const r = await visible(ctx, input.adminRelationshipId);
    if (!r) return refuse(notFound(input.adminRelationshipId));
    const partner = await loadPartnerFacts(ctx, r.partnerTenantId);
    const customer = await loadCustomerFacts(ctx, r.customerTenantId);
    if (!partner || !customer) return refuse(notFound(input.adminRelationshipId));
    const decision = decideApproveAdminRelationship(
      ctx.program,
      { actor: ctx.principal, customer, partner, state: effectiveAdminState(r, ctx.now) },
      ctx.now,
    );
    if (!decision.allowed) return refuse(...decision.violations);
    return move(ctx, r, 'active', 'admin-relationship.approved', {
      activated_at: toInstant(ctx.now),
      approved_by: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
      ends_at: toInstant(addDays(ctx.now, r.durationDays)),
    });
  },
});

/**
 * Either side ends the relationship: a global admin or admin agent of the partner, the customer's
 * global admin, or the operator; from created, approvalPending, active or expiring. Records which
 * tenant terminated it.
 */
export const terminateAdminRelationship = defineCommand({
  name: 'admin-access.terminate',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    if (!r) return refuse(notFound(input.adminRelationshipId));
    const p = ctx.principal;
    const by = actsFor(ctx, r.partnerTenantId, PARTNER_ADMINS)
      ? r.partnerTenantId
      : actsFor(ctx, r.customerTenantId, ['global-admin'])
        ? r.customerTenantId
        : isOperator(p)
          ? p.kind === 'user'
            ? p.tenantId
            : null
          : undefined;
    if (by === undefined) {
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          "Only a global admin or admin agent of the partner, or the customer's global admin, terminates an admin relationship.",
          {
            remedies: [
              `Ask a global admin or admin agent of tenant ${r.partnerTenantId}, or a global admin of tenant ${r.customerTenantId}.`,
            ],
          },
        ),
      );
    }
    return move(ctx, r, 'terminated', 'admin-relationship.terminated', {
      terminated_at: toInstant(ctx.now),
      terminated_by_tenant_id: by,
    });
  },
});

/**
 * The customer's global admin registers a subscription it bought elsewhere (directly from the
 * vendor, another program, another partner) so the partners it hires can manage it.
 */
export const registerExternalSubscription = defineCommand({
  name: 'admin-access.register-external-subscription',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId');
    const source = f.oneOf('source', EXTERNAL_SOURCES);
    const offerName = f.text('offerName', { max: 200 });
    const quantity = f.integer('quantity', { min: 1, max: 10_000_000 });
    const externalReference = f.text('externalReference', { max: 200, optional: true });
    return f.finish(() => ({ customerTenantId, source, offerName, quantity, externalReference }));
  },
  async run(ctx, input): Promise<Outcome<ExternalSubscription>> {
    if (!actsFor(ctx, input.customerTenantId, ['global-admin'])) {
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          "Only the customer's global admin registers its external subscriptions.",
          {
            remedies: [`Ask a global admin of tenant ${input.customerTenantId}.`],
          },
        ),
      );
    }
    const tenant = await getTenant(ctx.tx, input.customerTenantId);
    if (!tenant) {
      return refuse(
        violation('TENANT_NOT_FOUND', `No tenant ${input.customerTenantId}.`, { field: 'customerTenantId' }),
      );
    }
    if (tenant.type !== 'customer') {
      return refuse(
        violation(
          'NOT_A_CUSTOMER_TENANT',
          `Tenant ${tenant.id} is a ${tenant.type} tenant; subscriptions bought elsewhere belong to a customer-type tenant.`,
          {
            field: 'customerTenantId',
            scenario: '4',
            remedies: ['Register it on the customer-type tenant the subscription was provisioned to.'],
          },
        ),
      );
    }
    const s: ExternalSubscription = {
      id: ctx.ids.guid(),
      customerTenantId: tenant.id,
      source: input.source,
      offerName: input.offerName,
      quantity: input.quantity,
      externalReference: input.externalReference ?? null,
      registeredAt: toInstant(ctx.now),
    };
    await store.insertExternalSubscription(
      ctx.tx,
      s,
      ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    );
    await ctx.record({
      type: 'external-subscription.registered',
      entityType: 'external-subscription',
      entityId: s.id,
      payload: { ...s },
    });
    return accept(s);
  },
});

// -------------------------------------------------------------------------------------------------
// Permissions derived from relationships.

/**
 * What a partner may do on a customer at `ctx.now`, derived (`derivePartnerAccess`) from its
 * active reseller relationship, being the provider of the customer's reseller, and the roles of
 * its active or expiring admin relationships. For other areas: check before managing a customer.
 */
export async function partnerAccess(
  ctx: QueryContext,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<PartnerAccess> {
  const relationships = await store.listPairActiveAdminRelationships(
    ctx.tx,
    partnerTenantId,
    customerTenantId,
  );
  return derivePartnerAccess({
    resellerRelationship: await hasCustomerRelationship(ctx, partnerTenantId, customerTenantId),
    providerOfRelatedReseller: await store.isProviderOfRelatedReseller(
      ctx.tx,
      partnerTenantId,
      customerTenantId,
    ),
    adminRelationships: relationships.map((r) => ({
      roles: r.roles,
      state: effectiveAdminState(r, ctx.now),
    })),
  });
}

/**
 * ADMIN_ROLE_REQUIRED unless the partner may manage the customer — with `role`, unless a live
 * admin relationship grants it; with `adminOnly`, unless any live admin relationship exists (what
 * subscriptions bought elsewhere need). For other areas' commands.
 */
export async function requirePartnerAccess(
  ctx: QueryContext,
  partnerTenantId: string,
  customerTenantId: string,
  need: { role?: AdminRole; adminOnly?: boolean } = {},
): Promise<Violation | undefined> {
  return accessViolation(await partnerAccess(ctx, partnerTenantId, customerTenantId), customerTenantId, need);
}

/** A partner's access to a customer, as data (for the partner's, the customer's and the operator's eyes). */
export interface PartnerAccessView {
  readonly partnerTenantId: string;
  readonly customerTenantId: string;
  readonly viaResellerRelationship: boolean;
  readonly viaProviderOfReseller: boolean;
  readonly adminRoles: readonly AdminRole[];
}

/** The access a partner holds on a customer; others than the two sides and the operator: TENANT_NOT_FOUND. */
export const getPartnerAccess = defineQuery({
  name: 'admin-access.partner-access',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const customerTenantId = f.guid('customerTenantId');
    return f.finish(() => ({ partnerTenantId, customerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<PartnerAccessView>> {
    if (
      !(await ownsOrOperates(ctx, input.partnerTenantId)) &&
      !(await ownsOrOperates(ctx, input.customerTenantId))
    ) {
      return refuse(
        violation('TENANT_NOT_FOUND', `No tenant ${input.partnerTenantId}.`, { field: 'partnerTenantId' }),
      );
    }
    const access = await partnerAccess(ctx, input.partnerTenantId, input.customerTenantId);
    return accept({
      partnerTenantId: input.partnerTenantId,
      customerTenantId: input.customerTenantId,
      viaResellerRelationship: access.viaResellerRelationship,
      viaProviderOfReseller: access.viaProviderOfReseller,
      adminRoles: access.adminRoles,
    });
  },
});

// -------------------------------------------------------------------------------------------------
// Queries.

/**
 * A customer's external subscriptions, paginated: for the customer's own organization, the
 * operator, and a partner (the principal's CSP tenant) holding an active or expiring admin
 * relationship with it. Any other partner: ADMIN_ROLE_REQUIRED (also for an unknown customer, so
 * nothing leaks).
 */
export const listExternalSubscriptions = defineQuery({
  name: 'admin-access.list-external-subscriptions',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId');
    const page = parsePage(f);
    return f.finish(() => ({ customerTenantId, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<ExternalSubscription>>> {
    const p = ctx.principal;
    if (p.kind !== 'user' && !isOperator(p)) {
      return refuse(
        violation('NOT_AUTHORIZED', 'Sign in to read external subscriptions.', {
          remedies: ['Sign in as a user of the customer or of a partner it granted admin access to.'],
        }),
      );
    }
    if (await ownsOrOperates(ctx, input.customerTenantId)) {
      const customer = await getTenant(ctx.tx, input.customerTenantId);
      if (!customer) {
        return refuse(
          violation('TENANT_NOT_FOUND', `No tenant ${input.customerTenantId}.`, {
            field: 'customerTenantId',
          }),
        );
      }
    } else if (p.kind === 'user') {
      const access = await partnerAccess(ctx, p.tenantId, input.customerTenantId);
      // A partner with no relationship of any kind (even a pending or ended admin relationship)
      // with the customer does not learn that it exists.
      const known =
        access.viaResellerRelationship ||
        access.viaProviderOfReseller ||
        (await store.hasAnyAdminRelationship(ctx.tx, p.tenantId, input.customerTenantId));
      if (!known) {
        return refuse(
          violation('TENANT_NOT_FOUND', `No tenant ${input.customerTenantId}.`, {
            field: 'customerTenantId',
          }),
        );
      }
      const denied = accessViolation(access, input.customerTenantId, { adminOnly: true });
      if (denied) return refuse(denied);
    }
    const rows = await store.listExternalSubscriptions(ctx.tx, input.customerTenantId, {
      after: input.after,
      limit: input.limit + 1,
    });
    return accept(
      toPage(
        rows,
        input.limit,
        (s) => ({ key: s.registeredAt, id: s.id }),
        (s) => s,
      ),
    );
  },
});

/** One admin relationship with its effective state: for both sides and the operator, else NOT_FOUND. */
export const getAdminRelationship = defineQuery({
  name: 'admin-access.get',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    return r ? accept(adminRelationshipView(r, ctx.now)) : refuse(notFound(input.adminRelationshipId));
  },
});

/**
 * The admin relationships of a partner or of a customer tenant (exactly one of the two), oldest
 * first, paginated `{ items, next }`, optionally only those in an EFFECTIVE state at `now`.
 * For the tenant's organization and the operator; others: TENANT_NOT_FOUND.
 */
export const listAdminRelationships = defineQuery({
  name: 'admin-access.list',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId', { optional: true });
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    if (partnerTenantId !== undefined && customerTenantId !== undefined) {
      f.fail('INVALID_FIELD', 'customerTenantId', 'cannot be given with partnerTenantId: list one side');
    } else if (partnerTenantId === undefined && customerTenantId === undefined) {
      f.fail('REQUIRED_FIELD', 'partnerTenantId', 'or customerTenantId is required');
    }
    const state = f.oneOf('state', ADMIN_RELATIONSHIP_STATES, { optional: true });
    const page = parsePage(f);
    return f.finish(() => ({ partnerTenantId, customerTenantId, state, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<AdminRelationshipView>>> {
    const side = input.partnerTenantId !== undefined ? 'partner' : 'customer';
    const tenantId = input.partnerTenantId ?? input.customerTenantId ?? '';
    const field = side === 'partner' ? 'partnerTenantId' : 'customerTenantId';
    if (!(await ownsOrOperates(ctx, tenantId)) || !(await getTenant(ctx.tx, tenantId))) {
      return refuse(violation('TENANT_NOT_FOUND', `No tenant ${tenantId}.`, { field }));
    }
    // The effective state depends on `now`: the query narrows to the stored state it comes from,
    // then filters; batches are read until the page is full (plus one, to know more follow).
    const wanted = input.state;
    const out: AdminRelationship[] = [];
    let after = input.after;
    for (;;) {
      const batch = await store.listAdminRelationships(ctx.tx, side, tenantId, {
        after,
        limit: input.limit + 1,
        ...(wanted && { storedState: storedStateOf(wanted) }),
      });
      for (const r of batch) if (!wanted || effectiveAdminState(r, ctx.now) === wanted) out.push(r);
      const last = batch.at(-1);
      if (out.length > input.limit || batch.length <= input.limit || !last) break;
      after = { key: last.createdAt, id: last.id };
    }
    return accept(
      toPage(
        out,
        input.limit,
        (r) => ({ key: r.createdAt, id: r.id }),
        (r) => adminRelationshipView(r, ctx.now),
      ),
    );
  },
});
