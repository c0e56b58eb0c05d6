/**
 * Orders: the party that transacts upstream places an order for a customer — a direct-bill partner
 * for its own customers, an indirect provider for a customer of one of its resellers, naming that
 * reseller as partner of record (`partnerIdOnRecord`). An indirect reseller never buys from the
 * vendor (scenario 1): it submits an order request that its provider approves (or rejects), or its
 * provider orders directly.
 *
 * Every line passes the channel rules (`decideOrderLine`: supported chain, enrollments, MPA for the
 * customer's region, the reseller's MPA and active partnership, customer relationship, customer
 * agreement, region, self/affiliate, customer-type tenant) and the catalog checks (available in the
 * customer's market, in its currency, with the term, billing cycle and quantity asked). A refused
 * order returns every violation of every line and writes nothing. A completed order creates its
 * subscriptions, one per line, in the same transaction.
 */

import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import type { TierPrice } from '../billing/pricing.ts';
import { type PricingCache, priceLine } from '../billing/rating.ts';
import { BILLING_CYCLES, type BillingCycle, TERM_DURATIONS, type TermDuration } from '../catalog/model.ts';
import { findSkuInMarket } from '../catalog/store.ts';
import { loadCustomerFacts, loadPartnerFacts } from '../decisions/facts.ts';
import { orderLineDecision } from '../decisions/service.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { isOperator, type UserRole } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { getLocation, getTenant, principalOrganizationId, tenantNotFound } from '../parties/service.ts';
import { actsFor, sellingRole } from '../rules/decisions.ts';
import type { CustomerFacts, PartnerFacts } from '../rules/facts.ts';
import type { Subscription } from '../subscriptions/model.ts';
import { type LineBilling, provisionSubscriptions } from '../subscriptions/provision.ts';
import { type ChainParty, ORDER_STATUSES, type Order, type OrderLine, type OrderStatus } from './model.ts';
import { checkCatalogLine, currencyViolation, mergeLineViolations, salesChain } from './rules.ts';
import * as store from './store.ts';

/** Roles that may place, request, approve or cancel orders. */
export const ORDERING_ROLES: readonly UserRole[] = ['global-admin', 'admin-agent', 'sales-agent'];
const MAX_LINES = 100;

// ---------------------------------------------------------------------------------------------
// Input.

export interface LineInput {
  readonly catalogItemId: string;
  readonly quantity: number;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
  readonly partnerIdOnRecord: number | undefined;
  readonly autoRenew: boolean;
}

function parseLines(f: Fields): LineInput[] {
  return f.objects(
    'lines',
    (l) => {
      const catalogItemId = l.text('catalogItemId', { max: 200 });
      const quantity = l.integer('quantity', { min: 1, max: 1_000_000 });
      const termDuration = l.oneOf('termDuration', TERM_DURATIONS, { optional: true });
      const billingCycle = l.oneOf('billingCycle', BILLING_CYCLES);
      const partnerIdOnRecord = l.integer('partnerIdOnRecord', { min: 1, optional: true });
      const autoRenew = l.boolean('autoRenew', { optional: true }) ?? true;
      return {
        catalogItemId,
        quantity,
        termDuration: termDuration ?? null,
        billingCycle,
        partnerIdOnRecord,
        autoRenew,
      };
    },
    { min: 1, max: MAX_LINES },
  );
}

function parseCurrency(f: Fields): string | undefined {
  const currency = f.text('currency', { max: 3, optional: true });
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
    f.fail('INVALID_FIELD', 'currency', 'must be an ISO 4217 code such as EUR');
  return currency;
}

// ---------------------------------------------------------------------------------------------
// Shared steps.

const orderNotFound = (id: string) => violation('ORDER_NOT_FOUND', `No order ${id}.`, { field: 'orderId' });

/**
 * May the principal transact for `tenantId`? The operator may; a user of that tenant with an
 * ordering role may; a member of its organization without the role gets NOT_AUTHORIZED; anyone
 * else TENANT_NOT_FOUND (another tenant's existence does not leak).
 */
async function requireOrderingAgent(
  ctx: QueryContext,
  tenantId: string,
  field: string,
): Promise<Violation | undefined> {
  if (isOperator(ctx.principal) || actsFor(ctx.principal, tenantId, ORDERING_ROLES)) return undefined;
  const tenant = await getTenant(ctx.tx, tenantId);
  if (tenant && (await principalOrganizationId(ctx)) === tenant.organizationId)
    return violation('NOT_AUTHORIZED', 'Only a global admin, admin agent or sales agent places orders.', {
      remedies: [`Ask an agent of tenant ${tenantId} with one of these roles.`],
    });
  return tenantNotFound(tenantId, field);
}

/**
 * Is the customer known to the seller's side? Its own organization or an affiliate (so scenarios
 * 4 and 5 are explained), or any relationship, past or present, of the seller or of one of its
 * resellers with the customer. Otherwise the customer does not exist for this seller.
 */
async function customerKnownTo(
  ctx: QueryContext,
  seller: PartnerFacts,
  customer: CustomerFacts,
): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  if (seller.organizationId === customer.organizationId) return true;
  if (seller.affiliateGroupId !== null && seller.affiliateGroupId === customer.affiliateGroupId) return true;
  const direct = await ctx.tx
    .selectFrom('customer_relationships')
    .select('id')
    .where('partner_tenant_id', '=', seller.tenantId)
    .where('customer_tenant_id', '=', customer.tenantId)
    .executeTakeFirst();
  if (direct) return true;
  const invited = await ctx.tx
    .selectFrom('customer_invitations')
    .select('id')
    .where('partner_tenant_id', '=', seller.tenantId)
    .where('customer_tenant_id', '=', customer.tenantId)
    .executeTakeFirst();
  if (invited) return true;
  const viaReseller = await ctx.tx
    .selectFrom('customer_relationships as cr')
    .innerJoin('partnerships as p', 'p.reseller_tenant_id', 'cr.partner_tenant_id')
    .select('cr.id')
    .where('p.provider_tenant_id', '=', seller.tenantId)
    .where('cr.customer_tenant_id', '=', customer.tenantId)
    .executeTakeFirst();
  return viaReseller !== undefined;
}

function chainParty(p: PartnerFacts | CustomerFacts, role: ChainParty['role']): ChainParty {
  return {
    tenantId: p.tenantId,
    role,
    partnerId: 'partnerId' in p ? p.partnerId : null,
    name: p.legalName,
  };
}

/** An order that passed: its lines with their chains, and every tier's price per line (locked on the subscriptions). */
interface Evaluated {
  readonly lines: OrderLine[];
  readonly currency: string;
  readonly totalMinor: number;
  readonly billing: LineBilling;
}

/** The order, decided: every line's violations, or the lines priced with their chains. */
async function evaluate(
  ctx: QueryContext,
  seller: PartnerFacts,
  customer: CustomerFacts,
  currency: string | undefined,
  lines: readonly LineInput[],
): Promise<Outcome<Evaluated>> {
  const market = customer.region ? ctx.program.catalogue.market(customer.country) : undefined;
  if (!market)
    return refuse(
      violation('UNKNOWN_COUNTRY', `${customer.country} is not a market of the program.`, {
        field: 'customerTenantId',
      }),
    );
  const vendorTenant = await store.vendorTenant(ctx.tx);
  const vendor: ChainParty = {
    tenantId: vendorTenant?.id ?? '',
    role: 'vendor',
    partnerId: null,
    name: ctx.program.vendor.legalName,
  };
  const sellerRole = sellingRole(seller) === 'indirect-provider' ? 'indirect-provider' : 'direct-bill';
  const violations: Violation[] = [];
  const stated = currencyViolation(currency, market);
  if (stated) violations.push(stated);
  const resellers = new Map<number, PartnerFacts | undefined>();
  const decisions = new Map<string, Violation[]>();
  const priced: OrderLine[] = [];
  const tierPrices: TierPrice[][] = [];
  const pricingCache: PricingCache = new Map();
  for (const [i, line] of lines.entries()) {
    const field = `lines[${i}]`;
    let por: PartnerFacts | undefined;
    if (line.partnerIdOnRecord !== undefined) {
      if (!resellers.has(line.partnerIdOnRecord)) {
        const location = await getLocation(ctx.tx, line.partnerIdOnRecord);
        resellers.set(
          line.partnerIdOnRecord,
          location?.tenantId ? await loadPartnerFacts(ctx, location.tenantId) : undefined,
        );
      }
      por = resellers.get(line.partnerIdOnRecord);
      if (!por) {
        violations.push(
          violation('PARTNER_ID_NOT_FOUND', `No CSP tenant has Partner ID ${line.partnerIdOnRecord}.`, {
            field: `${field}.partnerIdOnRecord`,
            remedies: ["Use the indirect reseller's location Partner ID (GET /v1/partner-ids/{id})."],
          }),
        );
        continue;
      }
    }
    const key = por?.tenantId ?? '-';
    if (!decisions.has(key)) {
      const d = await orderLineDecision(ctx, seller, customer, por);
      decisions.set(key, [...d.violations]);
    }
    for (const v of decisions.get(key) ?? []) violations.push(v.field ? v : { ...v, field });
    const found = await findSkuInMarket(ctx.tx, line.catalogItemId, customer.country);
    const sellers = [seller.tenantId, ...(por ? [por.tenantId] : [])];
    const checked = checkCatalogLine(line, found, market, sellers, field);
    violations.push(...checked.violations);
    if (!found || !checked.price) continue;
    const chain = salesChain(
      vendor,
      chainParty(seller, sellerRole),
      por && chainParty(por, 'indirect-reseller'),
      chainParty(customer, 'customer'),
      found.product.ownerTenantId,
    );
    const tiers = await priceLine(
      ctx,
      chain,
      {
        productId: found.product.id,
        skuId: found.sku.id,
        termDuration: line.termDuration,
        billingCycle: line.billingCycle,
        country: customer.country,
        currency: market.currency,
      },
      checked.price.unitPriceMinor,
      ctx.now,
      { field, cache: pricingCache },
    );
    if (!tiers.ok) {
      violations.push(...tiers.violations);
      continue;
    }
    tierPrices.push(tiers.value);
    priced.push({
      lineNumber: i + 1,
      catalogItemId: found.sku.id,
      productId: found.product.id,
      offerTitle: `${found.product.title} — ${found.sku.title}`,
      publisher: found.product.publisherKind,
      billing: found.sku.billing,
      quantity: line.quantity,
      termDuration: line.termDuration,
      billingCycle: line.billingCycle,
      unitPriceMinor: checked.price.unitPriceMinor,
      currency: market.currency,
      partnerIdOnRecord: por?.partnerId ?? null,
      partnerOfRecordTenantId: por?.tenantId ?? null,
      autoRenew: found.sku.billing === 'license' && line.autoRenew,
      salesChain: chain,
      subscriptionId: null,
    });
  }
  if (violations.length > 0) return refuse(...mergeLineViolations(violations));
  const totalMinor = priced.reduce((sum, l) => sum + l.unitPriceMinor * l.quantity, 0);
  return accept({
    lines: priced,
    currency: market.currency,
    totalMinor,
    billing: { country: customer.country, tierPrices },
  });
}

function placedBy(ctx: QueryContext): Order['placedBy'] {
  return ctx.principal.kind === 'user'
    ? { userId: ctx.principal.userId, tenantId: ctx.principal.tenantId }
    : { userId: null, tenantId: null };
}

/** Records a new order, `pending`, with its priced lines (a placed order completes in the same transaction). */
async function insertPendingOrder(
  ctx: CommandContext,
  sellerTenantId: string,
  customerTenantId: string,
  requestedByTenantId: string | null,
  priced: Evaluated,
): Promise<Order> {
  const at = toInstant(ctx.now);
  const order: Order = {
    id: ctx.ids.guid(),
    customerTenantId,
    sellerTenantId,
    requestedByTenantId,
    status: 'pending',
    currency: priced.currency,
    totalMinor: priced.totalMinor,
    placedBy: placedBy(ctx),
    failure: null,
    lines: priced.lines,
    createdAt: at,
    updatedAt: at,
  };
  await store.insertOrder(ctx.tx, order);
  return order;
}

async function complete(ctx: CommandContext, order: Order, billing: LineBilling): Promise<Order> {
  const subscriptions: Subscription[] = await provisionSubscriptions(ctx, order, billing);
  const at = toInstant(ctx.now);
  await store.updateOrderStatus(ctx.tx, order.id, 'completed', at);
  return {
    ...order,
    status: 'completed',
    updatedAt: at,
    lines: order.lines.map((l, i) => ({ ...l, subscriptionId: subscriptions[i]?.id ?? null })),
  };
}

function orderPayload(o: Order): Record<string, unknown> {
  return { ...o };
}

async function loadParties(
  ctx: QueryContext,
  sellerTenantId: string,
  customerTenantId: string,
  sellerField: string,
): Promise<Outcome<{ seller: PartnerFacts; customer: CustomerFacts }>> {
  const seller = await loadPartnerFacts(ctx, sellerTenantId);
  if (!seller) return refuse(tenantNotFound(sellerTenantId, sellerField));
  const customer = await loadCustomerFacts(ctx, customerTenantId);
  if (!customer || !(await customerKnownTo(ctx, seller, customer)))
    return refuse(tenantNotFound(customerTenantId, 'customerTenantId'));
  return accept({ seller, customer });
}

// ---------------------------------------------------------------------------------------------
// Commands.

/**
 * A direct-bill partner or an indirect provider places an order for a customer. Completed at once:
 * one subscription per line, in the same transaction. Send an `Idempotency-Key` to retry safely.
 */
export const placeOrder = defineCommand({
  name: 'orders.place',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const customerTenantId = f.guid('customerTenantId');
    const currency = parseCurrency(f);
    const lines = parseLines(f);
    return f.finish(() => ({ sellerTenantId, customerTenantId, currency, lines }));
  },
  async run(ctx, input): Promise<Outcome<Order>> {
    const denied = await requireOrderingAgent(ctx, input.sellerTenantId, 'sellerTenantId');
    if (denied) return refuse(denied);
    const parties = await loadParties(ctx, input.sellerTenantId, input.customerTenantId, 'sellerTenantId');
    if (!parties.ok) return parties;
    const { seller, customer } = parties.value;
    const decided = await evaluate(ctx, seller, customer, input.currency, input.lines);
    if (!decided.ok) return decided;
    const order = await insertPendingOrder(ctx, seller.tenantId, customer.tenantId, null, decided.value);
    const completed = await complete(ctx, order, decided.value.billing);
    await ctx.record({
      type: 'order.placed',
      entityType: 'order',
      entityId: order.id,
      payload: orderPayload(completed),
    });
    return accept(completed);
  },
});

/**
 * An indirect reseller asks its provider to order for one of its customers, as partner of record
 * (its own Partner ID on every line). Decided now with the provider as seller; pending until the
 * provider approves it.
 */
export const requestOrder = defineCommand({
  name: 'orders.request',
  parse(input) {
    const f = new Fields(input);
    const providerTenantId = f.guid('providerTenantId');
    const customerTenantId = f.guid('customerTenantId');
    const currency = parseCurrency(f);
    const lines = parseLines(f);
    return f.finish(() => ({ providerTenantId, customerTenantId, currency, lines }));
  },
  async run(ctx, input): Promise<Outcome<Order>> {
    const principal = ctx.principal;
    if (principal.kind !== 'user' || !actsFor(principal, principal.tenantId, ORDERING_ROLES))
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          "Only an agent of the indirect reseller's CSP tenant requests an order.",
          {
            remedies: ['Sign in as a global admin, admin agent or sales agent of the reseller.'],
          },
        ),
      );
    const reseller = await loadPartnerFacts(ctx, principal.tenantId);
    if (!reseller || reseller.partnerId === null)
      return refuse(
        violation('NOT_A_PARTNER_TENANT', 'Only a CSP tenant with a Partner ID requests orders.', {
          remedies: ['Associate the tenant with a location Partner ID and enroll as an indirect reseller.'],
        }),
      );
    const mine = input.lines.findIndex(
      (l) => l.partnerIdOnRecord !== undefined && l.partnerIdOnRecord !== reseller.partnerId,
    );
    if (mine >= 0)
      return refuse(
        violation('INVALID_FIELD', `lines[${mine}].partnerIdOnRecord must be your own Partner ID.`, {
          field: `lines[${mine}].partnerIdOnRecord`,
        }),
      );
    const relationship = await ctx.tx
      .selectFrom('customer_relationships')
      .select('id')
      .where('partner_tenant_id', '=', reseller.tenantId)
      .where('customer_tenant_id', '=', input.customerTenantId)
      .executeTakeFirst();
    const customer = await loadCustomerFacts(ctx, input.customerTenantId);
    if (!customer || (!relationship && customer.organizationId !== reseller.organizationId))
      return refuse(tenantNotFound(input.customerTenantId, 'customerTenantId'));
    const provider = await loadPartnerFacts(ctx, input.providerTenantId);
    if (!provider) return refuse(tenantNotFound(input.providerTenantId, 'providerTenantId'));
    const lines = input.lines.map((l) => ({ ...l, partnerIdOnRecord: reseller.partnerId ?? undefined }));
    const decided = await evaluate(ctx, provider, customer, input.currency, lines);
    if (!decided.ok) return decided;
    const order = await insertPendingOrder(
      ctx,
      provider.tenantId,
      customer.tenantId,
      reseller.tenantId,
      decided.value,
    );
    await ctx.record({
      type: 'order.requested',
      entityType: 'order',
      entityId: order.id,
      payload: orderPayload(order),
    });
    return accept(order);
  },
});

/** The pending order request, if the principal may see it. */
async function pendingOrder(ctx: QueryContext, orderId: string): Promise<Outcome<Order>> {
  const order = await store.getOrder(ctx.tx, orderId);
  if (!order || !(await canSeeOrder(ctx, order))) return refuse(orderNotFound(orderId));
  if (order.status !== 'pending')
    return refuse(
      violation('ORDER_NOT_PENDING', `Order ${orderId} is ${order.status}, not pending.`, {
        field: 'orderId',
      }),
    );
  return accept(order);
}

/**
 * The provider approves a reseller's order request. The rules are decided again, now: if the
 * request still passes, the order completes and its subscriptions are created; if it no longer
 * does (say the reseller's partnership was suspended since), the order is marked `failed` with
 * every reason, for both parties to see.
 */
export const approveOrder = defineCommand({
  name: 'orders.approve',
  parse(input) {
    const f = new Fields(input);
    const orderId = f.guid('orderId');
    return f.finish(() => ({ orderId }));
  },
  async run(ctx, input): Promise<Outcome<Order>> {
    const found = await pendingOrder(ctx, input.orderId);
    if (!found.ok) return found;
    const order = found.value;
    if (!isOperator(ctx.principal) && !actsFor(ctx.principal, order.sellerTenantId, ORDERING_ROLES))
      return refuse(
        violation('NOT_AUTHORIZED', 'Only an agent of the indirect provider approves an order request.', {
          remedies: [`Ask a global admin, admin agent or sales agent of tenant ${order.sellerTenantId}.`],
        }),
      );
    const seller = await loadPartnerFacts(ctx, order.sellerTenantId);
    const customer = await loadCustomerFacts(ctx, order.customerTenantId);
    const again =
      seller && customer
        ? await evaluate(
            ctx,
            seller,
            customer,
            order.currency,
            order.lines.map((l) => ({
              catalogItemId: l.catalogItemId,
              quantity: l.quantity,
              termDuration: l.termDuration,
              billingCycle: l.billingCycle,
              partnerIdOnRecord: l.partnerIdOnRecord ?? undefined,
              autoRenew: l.autoRenew,
            })),
          )
        : refuse(orderNotFound(order.id));
    const at = toInstant(ctx.now);
    if (!again.ok) {
      await store.updateOrderStatus(ctx.tx, order.id, 'failed', at, again.violations);
      const failed: Order = { ...order, status: 'failed', failure: again.violations, updatedAt: at };
      await ctx.record({
        type: 'order.failed',
        entityType: 'order',
        entityId: order.id,
        payload: { status: 'failed', violations: again.violations },
      });
      return accept(failed);
    }
    const completed = await complete(ctx, order, again.value.billing);
    await ctx.record({
      type: 'order.approved',
      entityType: 'order',
      entityId: order.id,
      payload: orderPayload(completed),
    });
    return accept(completed);
  },
});

/** A pending order request is rejected by the provider or withdrawn by the reseller that made it. */
export const cancelOrder = defineCommand({
  name: 'orders.cancel',
  parse(input) {
    const f = new Fields(input);
    const orderId = f.guid('orderId');
    const reason = f.text('reason', { max: 500, optional: true });
    return f.finish(() => ({ orderId, reason }));
  },
  async run(ctx, input): Promise<Outcome<Order>> {
    const found = await pendingOrder(ctx, input.orderId);
    if (!found.ok) return found;
    const order = found.value;
    const allowed =
      isOperator(ctx.principal) ||
      actsFor(ctx.principal, order.sellerTenantId, ORDERING_ROLES) ||
      (order.requestedByTenantId !== null &&
        actsFor(ctx.principal, order.requestedByTenantId, ORDERING_ROLES));
    if (!allowed)
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          'Only the provider or the requesting reseller cancels an order request.',
          {
            remedies: ['Ask a global admin, admin agent or sales agent of either.'],
          },
        ),
      );
    const at = toInstant(ctx.now);
    await store.updateOrderStatus(ctx.tx, order.id, 'cancelled', at);
    await ctx.record({
      type: 'order.cancelled',
      entityType: 'order',
      entityId: order.id,
      payload: { status: 'cancelled', reason: input.reason ?? null },
    });
    return accept({ ...order, status: 'cancelled', updatedAt: at });
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

/** The operator, the seller, the customer, the requesting reseller and each line's partner of record. */
export async function canSeeOrder(ctx: QueryContext, order: Order): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  if (ctx.principal.kind !== 'user') return false;
  const t = ctx.principal.tenantId;
  return (
    order.sellerTenantId === t ||
    order.customerTenantId === t ||
    order.requestedByTenantId === t ||
    order.lines.some((l) => l.partnerOfRecordTenantId === t)
  );
}

export const getOrder = defineQuery({
  name: 'orders.get',
  parse(input) {
    const f = new Fields(input);
    const orderId = f.guid('orderId');
    return f.finish(() => ({ orderId }));
  },
  async run(ctx, input): Promise<Outcome<Order>> {
    const order = await store.getOrder(ctx.tx, input.orderId);
    if (!order || !(await canSeeOrder(ctx, order))) return refuse(orderNotFound(input.orderId));
    return accept(order);
  },
});

/**
 * Orders a tenant may see (placed, requested, bought, or partner of record on), oldest first;
 * the operator sees all. Filter by customer and status.
 */
export const listOrders = defineQuery({
  name: 'orders.list',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    const status = f.oneOf('status', ORDER_STATUSES, { optional: true }) as OrderStatus | undefined;
    const page = parsePage(f);
    return f.finish(() => ({ customerTenantId, status: status || undefined, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<Order>>> {
    if (!isOperator(ctx.principal) && ctx.principal.kind !== 'user')
      return refuse(violation('NOT_AUTHORIZED', 'Sign in to read orders.'));
    const rows = await store.listOrders(ctx.tx, {
      visibleTo:
        isOperator(ctx.principal) || ctx.principal.kind !== 'user' ? undefined : ctx.principal.tenantId,
      customerTenantId: input.customerTenantId,
      status: input.status,
      after: input.after,
      limit: input.limit,
    });
    return accept(
      toPage(
        rows,
        input.limit,
        (o) => ({ key: o.createdAt, id: o.id }),
        (o) => o,
      ),
    );
  },
});
