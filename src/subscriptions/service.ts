/**
 * Subscription operations, each a state transition with its rules and a ledger event: change the
 * quantity (add seats any time; remove them only inside the cancellation window), suspend and
 * reactivate (a suspended subscription is still billed), cancel (inside the window), turn
 * auto-renew on or off, change the partner of record (the provider only; the new reseller passes
 * the same checks as at purchase), name the designated support contact. Renewal, expiry and
 * disabling at term end are processed by the clock (`clock.ts`).
 *
 * Visibility (multi-partner, multi-channel): a customer sees all its subscriptions from all its
 * partners; a partner sees those it sold, is partner of record or support contact of, and those of
 * customers that granted it an active admin relationship; the operator sees everything. Anyone
 * else is told the subscription does not exist.
 */

import { effectiveAdminState } from '../admin-access/model.ts';
import { toAdminRelationship } from '../admin-access/store.ts';
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { applyNewChain, chargeCancellation, chargeQuantityChange, priceNewChain } from '../billing/rating.ts';
import { getSku } from '../catalog/store.ts';
import {
  hasCustomerRelationship,
  loadCustomerFacts,
  loadPartnerFacts,
  partnershipState,
} from '../decisions/facts.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { ChainParty } from '../orders/model.ts';
import { quantityViolation } from '../orders/rules.ts';
import { ORDERING_ROLES } from '../orders/service.ts';
import { getLocation, getTenantLocation } from '../parties/service.ts';
import { actsFor, decideSetPartnerOfRecord } from '../rules/decisions.ts';
import {
  canTransition,
  insideCancellationWindow,
  SUBSCRIPTION_STATUSES,
  SUBSCRIPTION_TRANSITIONS,
  type Subscription,
  type SubscriptionStatus,
  type SubscriptionTransition,
} from './model.ts';
import * as store from './store.ts';

// ---------------------------------------------------------------------------------------------
// Shared steps.

const subscriptionNotFound = (id: string) =>
  violation('SUBSCRIPTION_NOT_FOUND', `No subscription ${id}.`, { field: 'subscriptionId' });

/** Customers that granted this partner tenant an admin relationship that is active now. */
export async function managedCustomers(ctx: QueryContext, partnerTenantId: string): Promise<string[]> {
  const rows = await ctx.tx
    .selectFrom('admin_relationships')
    .selectAll()
    .where('partner_tenant_id', '=', partnerTenantId)
    .where('state', '=', 'active')
    .execute();
  const ids = rows
    .map(toAdminRelationship)
    .filter((r) => ['active', 'expiring'].includes(effectiveAdminState(r, ctx.now)))
    .map((r) => r.customerTenantId);
  return [...new Set(ids)];
}

/** May the principal see this subscription? */
export async function canSeeSubscription(ctx: QueryContext, s: Subscription): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  if (ctx.principal.kind !== 'user') return false;
  const t = ctx.principal.tenantId;
  if ([s.customerTenantId, s.sellerTenantId, s.partnerTenantId, s.supportContactTenantId].includes(t))
    return true;
  return (await managedCustomers(ctx, t)).includes(s.customerTenantId);
}

/**
 * The subscription, if the principal manages it: the operator, or an agent (global admin, admin
 * agent, sales agent) of the partner that ordered it. Others who may see it get NOT_AUTHORIZED;
 * the rest SUBSCRIPTION_NOT_FOUND.
 */
async function managed(ctx: QueryContext, id: string, action: string): Promise<Outcome<Subscription>> {
  const s = await store.getSubscription(ctx.tx, id);
  if (!s || !(await canSeeSubscription(ctx, s))) return refuse(subscriptionNotFound(id));
  if (isOperator(ctx.principal) || actsFor(ctx.principal, s.sellerTenantId, ORDERING_ROLES)) return accept(s);
  return refuse(
    violation('NOT_AUTHORIZED', `Only the partner that sold the subscription ${action}.`, {
      remedies: [
        s.partnerTenantId === (ctx.principal.kind === 'user' ? ctx.principal.tenantId : undefined)
          ? 'Ask your indirect provider to do it.'
          : `Ask a global admin, admin agent or sales agent of tenant ${s.sellerTenantId}.`,
      ],
    }),
  );
}

function transitionViolation(s: Subscription, t: SubscriptionTransition): Violation | undefined {
  if (canTransition(s.status, t)) return undefined;
  const from = SUBSCRIPTION_TRANSITIONS[t].from.join(' or ');
  return violation('INVALID_TRANSITION', `The subscription is ${s.status}; only one ${from} can ${t}.`, {
    field: 'subscriptionId',
  });
}

function windowViolation(s: Subscription, what: string): Violation {
  return violation(
    'CANCELLATION_WINDOW_CLOSED',
    `${what} only until ${s.cancellationWindowEndsAt ?? 'the end of the cancellation window'} (the cancellation window after purchase or renewal).`,
    {
      field: 'subscriptionId',
      remedies: [
        'Turn auto-renew off so the subscription ends at term end.',
        'Remove the seats at the next renewal, inside its cancellation window.',
      ],
    },
  );
}

async function save(
  ctx: CommandContext,
  before: Subscription,
  change: Partial<Subscription>,
  type: string,
  payload: Record<string, unknown>,
): Promise<Subscription> {
  const after: Subscription = { ...before, ...change, updatedAt: toInstant(ctx.now) };
  await store.saveSubscription(ctx.tx, after);
  await ctx.record({ type, entityType: 'subscription', entityId: after.id, payload });
  return after;
}

function idOnly(input: unknown) {
  const f = new Fields(input);
  const subscriptionId = f.guid('subscriptionId');
  return f.finish(() => ({ subscriptionId }));
}

// ---------------------------------------------------------------------------------------------
// Commands.

/** Change the number of seats: more at any time while active; fewer only inside the cancellation window. */
export const changeQuantity = defineCommand({
  name: 'subscriptions.change-quantity',
  parse(input) {
    const f = new Fields(input);
    const subscriptionId = f.guid('subscriptionId');
    const quantity = f.integer('quantity', { min: 1, max: 1_000_000 });
    return f.finish(() => ({ subscriptionId, quantity }));
  },
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'changes its quantity');
    if (!found.ok) return found;
    const s = found.value;
    const sku = await getSku(ctx.tx, s.catalogItemId);
    const problems = [
      s.status === 'active'
        ? undefined
        : violation(
            'INVALID_TRANSITION',
            `The subscription is ${s.status}; only an active one changes quantity.`,
            {
              field: 'subscriptionId',
            },
          ),
      sku && (input.quantity < sku.minQuantity || input.quantity > sku.maxQuantity)
        ? quantityViolation(sku, input.quantity, 'quantity')
        : undefined,
      input.quantity < s.quantity && !insideCancellationWindow(s, ctx.now)
        ? windowViolation(s, 'Seats can be removed')
        : undefined,
    ].filter((v): v is Violation => v !== undefined);
    if (problems.length > 0) return refuse(...problems);
    if (input.quantity === s.quantity) return accept(s);
    await chargeQuantityChange(ctx, s, input.quantity);
    return accept(
      await save(ctx, s, { quantity: input.quantity }, 'subscription.quantity-changed', {
        from: s.quantity,
        to: input.quantity,
      }),
    );
  },
});

/** Suspend an active subscription (it is still billed; still suspended at term end, it is disabled). */
export const suspendSubscription = defineCommand({
  name: 'subscriptions.suspend',
  parse: idOnly,
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'suspends it');
    if (!found.ok) return found;
    const s = found.value;
    const wrong = transitionViolation(s, 'suspend');
    if (wrong) return refuse(wrong);
    const at = toInstant(ctx.now);
    return accept(
      await save(ctx, s, { status: 'suspended', suspendedAt: at }, 'subscription.suspended', {
        from: s.status,
      }),
    );
  },
});

/** Reactivate a suspended subscription (before its term ends: then it is disabled). */
export const reactivateSubscription = defineCommand({
  name: 'subscriptions.reactivate',
  parse: idOnly,
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'reactivates it');
    if (!found.ok) return found;
    const s = found.value;
    const wrong = transitionViolation(s, 'reactivate');
    if (wrong) return refuse(wrong);
    if (s.termEndAt !== null && ctx.now.getTime() >= new Date(s.termEndAt).getTime())
      return refuse(
        violation(
          'INVALID_TRANSITION',
          `The term ended ${s.termEndAt}; the subscription is being disabled.`,
          {
            field: 'subscriptionId',
            remedies: ['Place a new order.'],
          },
        ),
      );
    return accept(
      await save(ctx, s, { status: 'active', suspendedAt: null }, 'subscription.reactivated', {
        from: s.status,
      }),
    );
  },
});

/** Cancel inside the cancellation window (usage-based subscriptions: at any time). */
export const cancelSubscription = defineCommand({
  name: 'subscriptions.cancel',
  parse: idOnly,
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'cancels it');
    if (!found.ok) return found;
    const s = found.value;
    const problems = [
      transitionViolation(s, 'cancel'),
      canTransition(s.status, 'cancel') && !insideCancellationWindow(s, ctx.now)
        ? windowViolation(s, 'The subscription can be cancelled')
        : undefined,
    ].filter((v): v is Violation => v !== undefined);
    if (problems.length > 0) return refuse(...problems);
    const at = toInstant(ctx.now);
    await chargeCancellation(ctx, s);
    return accept(
      await save(ctx, s, { status: 'cancelled', endedAt: at, autoRenew: false }, 'subscription.cancelled', {
        from: s.status,
      }),
    );
  },
});

/** Turn auto-renew on or off (license-based subscriptions that are active or suspended). */
export const setAutoRenew = defineCommand({
  name: 'subscriptions.set-auto-renew',
  parse(input) {
    const f = new Fields(input);
    const subscriptionId = f.guid('subscriptionId');
    const autoRenew = f.boolean('autoRenew');
    return f.finish(() => ({ subscriptionId, autoRenew }));
  },
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'changes auto-renew');
    if (!found.ok) return found;
    const s = found.value;
    if (s.status !== 'active' && s.status !== 'suspended')
      return refuse(
        violation('INVALID_TRANSITION', `The subscription is ${s.status}; it will not renew.`, {
          field: 'subscriptionId',
        }),
      );
    if (s.termEndAt === null && input.autoRenew)
      return refuse(
        violation('INVALID_FIELD', 'A usage-based subscription has no term to renew.', {
          field: 'autoRenew',
        }),
      );
    if (s.autoRenew === input.autoRenew) return accept(s);
    return accept(
      await save(ctx, s, { autoRenew: input.autoRenew }, 'subscription.auto-renew-changed', {
        autoRenew: input.autoRenew,
      }),
    );
  },
});

/**
 * The provider names another indirect reseller as partner of record. The new reseller passes the
 * same checks as at purchase: enrolled, the MPA for the customer's region, an active partnership
 * with the provider, a relationship with the customer, same region, not self or affiliate.
 */
export const changePartnerOfRecord = defineCommand({
  name: 'subscriptions.change-partner-of-record',
  parse(input) {
    const f = new Fields(input);
    const subscriptionId = f.guid('subscriptionId');
    const partnerId = f.integer('partnerId', { min: 1 });
    return f.finish(() => ({ subscriptionId, partnerId }));
  },
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'changes its partner of record');
    if (!found.ok) return found;
    const s = found.value;
    const location = await getLocation(ctx.tx, input.partnerId);
    const reseller = location?.tenantId ? await loadPartnerFacts(ctx, location.tenantId) : undefined;
    if (!reseller)
      return refuse(
        violation('PARTNER_ID_NOT_FOUND', `No CSP tenant has Partner ID ${input.partnerId}.`, {
          field: 'partnerId',
        }),
      );
    const provider = await loadPartnerFacts(ctx, s.sellerTenantId);
    const customer = await loadCustomerFacts(ctx, s.customerTenantId);
    if (!provider || !customer) return refuse(subscriptionNotFound(s.id));
    const decision = decideSetPartnerOfRecord(
      ctx.program,
      {
        actor: ctx.principal,
        provider,
        customer,
        partnerOfRecord: reseller,
        partnership: await partnershipState(ctx, provider.tenantId, reseller.tenantId),
        partnerOfRecordHasCustomerRelationship: await hasCustomerRelationship(
          ctx,
          reseller.tenantId,
          customer.tenantId,
        ),
      },
      ctx.now,
    );
    const problems = [
      ...decision.violations,
      s.status === 'active' || s.status === 'suspended'
        ? undefined
        : violation('INVALID_TRANSITION', `The subscription is ${s.status}.`, { field: 'subscriptionId' }),
    ].filter((v): v is Violation => v !== undefined);
    if (problems.length > 0) return refuse(...problems);
    if (s.partnerTenantId === reseller.tenantId) return accept(s);
    const newParty: ChainParty = {
      tenantId: reseller.tenantId,
      role: 'indirect-reseller',
      partnerId: reseller.partnerId,
      name: reseller.legalName,
    };
    const hasReseller = s.salesChain.some((p) => p.role === 'indirect-reseller');
    const salesChain = hasReseller
      ? s.salesChain.map((p) => (p.role === 'indirect-reseller' ? newParty : p))
      : [...s.salesChain.slice(0, -1), newParty, ...s.salesChain.slice(-1)];
    const repriced = await priceNewChain(ctx, s, salesChain);
    if (!repriced.ok) return repriced;
    if (repriced.value) await applyNewChain(ctx, repriced.value.billing, salesChain, repriced.value.prices);
    return accept(
      await save(
        ctx,
        s,
        { partnerId: reseller.partnerId, partnerTenantId: reseller.tenantId, salesChain },
        'subscription.partner-of-record-changed',
        { from: s.partnerId, to: reseller.partnerId, toTenantId: reseller.tenantId },
      ),
    );
  },
});

/** The provider names the indirect reseller that supports this subscription (or clears it with `null`). */
export const setSupportContact = defineCommand({
  name: 'subscriptions.set-support-contact',
  parse(input) {
    const f = new Fields(input);
    const subscriptionId = f.guid('subscriptionId');
    const resellerTenantId = f.guid('resellerTenantId', { optional: true });
    return f.finish(() => ({ subscriptionId, resellerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const found = await managed(ctx, input.subscriptionId, 'names its support contact');
    if (!found.ok) return found;
    const s = found.value;
    if (input.resellerTenantId !== undefined) {
      const state = await partnershipState(ctx, s.sellerTenantId, input.resellerTenantId);
      const location = await getTenantLocation(ctx.tx, input.resellerTenantId);
      if (state !== 'active' || !location)
        return refuse(
          violation(
            'SUPPORT_CONTACT_NOT_ELIGIBLE',
            `Tenant ${input.resellerTenantId} is not an indirect reseller in an active partnership with the provider.`,
            {
              field: 'resellerTenantId',
              remedies: ['Name one of your active indirect resellers (GET /v1/tenants/{id}/partnerships).'],
            },
          ),
        );
    }
    const to = input.resellerTenantId ?? null;
    if (s.supportContactTenantId === to) return accept(s);
    return accept(
      await save(ctx, s, { supportContactTenantId: to }, 'subscription.support-contact-set', {
        from: s.supportContactTenantId,
        to,
      }),
    );
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

export const getSubscription = defineQuery({
  name: 'subscriptions.get',
  parse: idOnly,
  async run(ctx, input): Promise<Outcome<Subscription>> {
    const s = await store.getSubscription(ctx.tx, input.subscriptionId);
    if (!s || !(await canSeeSubscription(ctx, s))) return refuse(subscriptionNotFound(input.subscriptionId));
    return accept(s);
  },
});

/**
 * The subscriptions the principal may see, oldest first, filtered by customer, partner of record
 * (`partnerId`), seller and status.
 */
export const listSubscriptions = defineQuery({
  name: 'subscriptions.list',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    const sellerTenantId = f.guid('sellerTenantId', { optional: true });
    const partnerId = f.integer('partnerId', { min: 1, optional: true });
    const status = f.oneOf('status', SUBSCRIPTION_STATUSES, { optional: true }) as
      | SubscriptionStatus
      | undefined;
    const page = parsePage(f);
    return f.finish(() => ({
      customerTenantId,
      sellerTenantId,
      partnerId,
      status: status || undefined,
      ...page,
    }));
  },
  async run(ctx, input): Promise<Outcome<Page<Subscription>>> {
    const p = ctx.principal;
    if (!isOperator(p) && p.kind !== 'user')
      return refuse(violation('NOT_AUTHORIZED', 'Sign in to read subscriptions.'));
    const visibleTo =
      isOperator(p) || p.kind !== 'user'
        ? undefined
        : { tenantId: p.tenantId, managedCustomers: await managedCustomers(ctx, p.tenantId) };
    const rows = await store.listSubscriptions(ctx.tx, {
      visibleTo,
      customerTenantId: input.customerTenantId,
      sellerTenantId: input.sellerTenantId,
      partnerId: input.partnerId,
      status: input.status,
      after: input.after,
      limit: input.limit,
    });
    return accept(
      toPage(
        rows,
        input.limit,
        (s) => ({ key: s.createdAt, id: s.id }),
        (s) => s,
      ),
    );
  },
});
