/**
 * Delegated admin (multi-channel, seed scenario 3): "The customer can engage multiple partners to
 * manage their subscription(s)" — including subscriptions bought elsewhere, which the customer
 * registers as external subscriptions. A partner creates an admin relationship (GDAP-like), asks
 * for approval, and only the customer's global admin approves it. Expiry is derived from `now`.
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { loadCustomerFacts, loadPartnerFacts } from '../decisions/facts.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { hasRole, isOperator } from '../kernel/principal.ts';
import { addDays, toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { getTenant, principalOrganizationId } from '../parties/service.ts';
import { decideApproveAdminRelationship } from '../rules/decisions.ts';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_ROLES,
  type AdminRelationship,
  type AdminRelationshipState,
  AUTO_EXTEND,
  EXTERNAL_SOURCES,
  type ExternalSubscription,
  effectiveAdminState,
  effectiveEnd,
  MAX_DURATION_DAYS,
  MIN_DURATION_DAYS,
} from './model.ts';
import { accessViolation, derivePartnerAccess, type PartnerAccess, transitionViolation } from './rules.ts';
import * as store from './store.ts';

export { accessViolation, resaleViolation } from './rules.ts';

/** An admin relationship as callers see it: with its effective state and end at `now`. */
export interface AdminRelationshipView extends AdminRelationship {
  readonly effectiveState: AdminRelationshipState;
  readonly effectiveEndsAt: string | null;
}

function view(r: AdminRelationship, now: Date): AdminRelationshipView {
  return {
    ...r,
    effectiveState: effectiveAdminState(r, now),
    effectiveEndsAt: effectiveEnd(r, now)?.toISOString() ?? null,
  };
}

const notFound = (id: string) =>
  violation('ADMIN_RELATIONSHIP_NOT_FOUND', `No admin relationship ${id}.`, { field: 'adminRelationshipId' });
const tenantNotFound = (field: string, id: string) =>
  violation('TENANT_NOT_FOUND', `No tenant ${id}.`, { field });

function actsFor(
  ctx: QueryContext,
  tenantId: string,
  roles: readonly ('global-admin' | 'admin-agent')[],
): boolean {
  const p = ctx.principal;
  return p.kind === 'user' && p.tenantId === tenantId && roles.some((r) => hasRole(p, r));
}

/** Loads an admin relationship visible to the principal (either side or the operator). */
async function visible(ctx: QueryContext, id: string): Promise<AdminRelationship | undefined> {
  const r = await store.getAdminRelationship(ctx.tx, id);
  if (!r) return undefined;
  if (isOperator(ctx.principal)) return r;
  const mine = await principalOrganizationId(ctx);
  const sides = [await getTenant(ctx.tx, r.partnerTenantId), await getTenant(ctx.tx, r.customerTenantId)];
  return sides.some((t) => t?.organizationId === mine) ? r : undefined;
}

/** Moves a relationship to `to` when its effective state allows; records the event. */
async function move(
  ctx: CommandContext,
  r: AdminRelationship,
  to: 'approvalPending' | 'active' | 'terminated',
  event: string,
  extra: Parameters<typeof store.updateAdminRelationship>[2],
): Promise<Outcome<AdminRelationshipView>> {
  const bad = transitionViolation(effectiveAdminState(r, ctx.now), to);
  if (bad) return refuse(bad);
  await store.updateAdminRelationship(ctx.tx, r.id, extra);
  await ctx.record({
    type: event,
    entityType: 'admin-relationship',
    entityId: r.id,
    payload: { from: r.state, to },
  });
  const updated = (await store.getAdminRelationship(ctx.tx, r.id)) as AdminRelationship;
  return accept(view(updated, ctx.now));
}

function parseId(input: unknown) {
  const f = new Fields(input);
  const adminRelationshipId = f.guid('adminRelationshipId');
  return f.finish(() => ({ adminRelationshipId }));
}

/**
 * A partner's global admin or admin agent creates an admin relationship with a customer: roles,
 * a duration of 1 day to 2 years, auto-extend `none` or `P180D` (not with global-administrator).
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
    if (!actsFor(ctx, input.partnerTenantId, ['global-admin', 'admin-agent'])) {
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          'Only a global admin or admin agent of the partner creates admin relationships.',
          {
            remedies: [`Ask an admin of tenant ${input.partnerTenantId}.`],
          },
        ),
      );
    }
    const partner = await getTenant(ctx.tx, input.partnerTenantId);
    const customer = await getTenant(ctx.tx, input.customerTenantId);
    const problems: Violation[] = [];
    if (!partner) problems.push(tenantNotFound('partnerTenantId', input.partnerTenantId));
    else if (partner.type !== 'partner') {
      problems.push(
        violation('NOT_A_PARTNER_TENANT', `Tenant ${partner.id} is not a CSP tenant.`, {
          field: 'partnerTenantId',
          scenario: '3',
        }),
      );
    }
    if (!customer) problems.push(tenantNotFound('customerTenantId', input.customerTenantId));
    else if (customer.type !== 'customer') {
      problems.push(
        violation(
          'NOT_A_CUSTOMER_TENANT',
          `Tenant ${customer.id} is a ${customer.type} tenant, not a customer.`,
          {
            field: 'customerTenantId',
            scenario: '4',
          },
        ),
      );
    }
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
      activatedAt: null,
      endsAt: null,
      terminatedAt: null,
    };
    await store.insertAdminRelationship(ctx.tx, r);
    await ctx.record({
      type: 'admin-relationship.created',
      entityType: 'admin-relationship',
      entityId: r.id,
      payload: { ...r },
    });
    return accept(view(r, ctx.now));
  },
});

/** The partner sends the relationship to the customer for approval (created → approvalPending). */
export const requestAdminApproval = defineCommand({
  name: 'admin-access.request-approval',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    if (!r) return refuse(notFound(input.adminRelationshipId));
    if (!actsFor(ctx, r.partnerTenantId, ['global-admin', 'admin-agent'])) {
      return refuse(
        violation('NOT_AUTHORIZED', 'Only an admin of the partner asks for approval.', { remedies: [] }),
      );
    }
    return move(ctx, r, 'approvalPending', 'admin-relationship.approval-requested', {
      state: 'approvalPending',
      requested_at: toInstant(ctx.now),
      updated_at: toInstant(ctx.now),
    });
  },
});

/** Only the customer's global admin approves; the relationship is active for its duration from now. */
export const approveAdminRelationship = defineCommand({
  name: 'admin-access.approve',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
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
    const at = toInstant(ctx.now);
    return move(ctx, r, 'active', 'admin-relationship.approved', {
      state: 'active',
      activated_at: at,
      approved_by: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
      ends_at: toInstant(addDays(ctx.now, r.durationDays)),
      updated_at: at,
    });
  },
});

/** Either side (or the operator) terminates the relationship before it expires. */
export const terminateAdminRelationship = defineCommand({
  name: 'admin-access.terminate',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    if (!r) return refuse(notFound(input.adminRelationshipId));
    const byPartner = actsFor(ctx, r.partnerTenantId, ['global-admin', 'admin-agent']);
    const byCustomer = actsFor(ctx, r.customerTenantId, ['global-admin']);
    if (!byPartner && !byCustomer && !isOperator(ctx.principal)) {
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          "Only an admin of the partner or the customer's global admin terminates it.",
          { remedies: [] },
        ),
      );
    }
    const at = toInstant(ctx.now);
    return move(ctx, r, 'terminated', 'admin-relationship.terminated', {
      state: 'terminated',
      terminated_at: at,
      terminated_by_tenant_id: byPartner ? r.partnerTenantId : byCustomer ? r.customerTenantId : null,
      updated_at: at,
    });
  },
});

/** The customer's global admin registers a subscription it bought elsewhere, so partners can manage it. */
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
    const tenant = await getTenant(ctx.tx, input.customerTenantId);
    if (!tenant || !actsFor(ctx, tenant.id, ['global-admin'])) {
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
    if (tenant.type !== 'customer') {
      return refuse(
        violation('NOT_A_CUSTOMER_TENANT', `Tenant ${tenant.id} is not a customer tenant.`, {
          field: 'customerTenantId',
        }),
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

/** What a partner may do on a customer, derived from its relationships at `now`. */
export async function partnerAccess(
  ctx: QueryContext,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<PartnerAccess> {
  const relationships = await store.listPairAdminRelationships(ctx.tx, partnerTenantId, customerTenantId);
  return derivePartnerAccess({
    resellerRelationship: await store.hasActiveResellerRelationship(
      ctx.tx,
      partnerTenantId,
      customerTenantId,
    ),
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
 * External subscriptions of a customer: the customer itself, the operator, and partners holding an
 * active (or expiring) admin relationship with it. Others: ADMIN_ROLE_REQUIRED.
 */
export const listExternalSubscriptions = defineQuery({
  name: 'admin-access.list-external-subscriptions',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId');
    const partnerTenantId = f.guid('partnerTenantId', { optional: true });
    return f.finish(() => ({ customerTenantId, partnerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<ExternalSubscription[]>> {
    const customer = await getTenant(ctx.tx, input.customerTenantId);
    if (!customer) return refuse(tenantNotFound('customerTenantId', input.customerTenantId));
    const own = ctx.principal.kind === 'user' && ctx.principal.tenantId === customer.id;
    if (!own && !isOperator(ctx.principal)) {
      // A partner asks on behalf of its own CSP tenant.
      const partnerTenantId =
        input.partnerTenantId ?? (ctx.principal.kind === 'user' ? ctx.principal.tenantId : '');
      if (ctx.principal.kind !== 'user' || ctx.principal.tenantId !== partnerTenantId) {
        return refuse(tenantNotFound('customerTenantId', input.customerTenantId));
      }
      const denied = accessViolation(
        await partnerAccess(ctx, partnerTenantId, customer.id),
        undefined,
        customer.id,
        {
          adminOnly: true,
        },
      );
      if (denied) return refuse(denied);
    }
    return accept(await store.listExternalSubscriptions(ctx.tx, customer.id));
  },
});

/** One admin relationship, with its effective state. */
export const getAdminRelationship = defineQuery({
  name: 'admin-access.get',
  parse: parseId,
  async run(ctx, input): Promise<Outcome<AdminRelationshipView>> {
    const r = await visible(ctx, input.adminRelationshipId);
    return r ? accept(view(r, ctx.now)) : refuse(notFound(input.adminRelationshipId));
  },
});

/** Admin relationships of a partner or of a customer tenant, paginated, optionally by effective state. */
export const listAdminRelationships = defineQuery({
  name: 'admin-access.list',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId', { optional: true });
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    if ((partnerTenantId === undefined) === (customerTenantId === undefined)) {
      f.fail('REQUIRED_FIELD', 'partnerTenantId', 'or customerTenantId is required (one of them)');
    }
    const state = f.oneOf('state', ADMIN_RELATIONSHIP_STATES, { optional: true });
    const page = parsePage(f);
    return f.finish(() => ({ partnerTenantId, customerTenantId, state, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<AdminRelationshipView>>> {
    const side = input.partnerTenantId ? 'partner' : 'customer';
    const tenantId = (input.partnerTenantId ?? input.customerTenantId) as string;
    const tenant = await getTenant(ctx.tx, tenantId);
    if (
      !tenant ||
      !(isOperator(ctx.principal) || (await principalOrganizationId(ctx)) === tenant.organizationId)
    ) {
      return refuse(tenantNotFound(side === 'partner' ? 'partnerTenantId' : 'customerTenantId', tenantId));
    }
    // The effective state is derived from now, so the state filter runs after loading; keep
    // reading batches until the page is full or the list ends.
    const out: AdminRelationship[] = [];
    let after = input.after ? { createdAt: input.after.key, id: input.after.id } : undefined;
    for (;;) {
      const batch = await store.listAdminRelationships(ctx.tx, side, tenantId, after, input.limit + 1);
      for (const r of batch) if (!input.state || effectiveAdminState(r, ctx.now) === input.state) out.push(r);
      const last = batch.at(-1);
      if (out.length > input.limit || batch.length <= input.limit || !last) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
    return accept(
      toPage(
        out,
        input.limit,
        (r) => ({ key: r.createdAt, id: r.id }),
        (r) => view(r, ctx.now),
      ),
    );
  },
});
