/**
 * Rating: every subscription event writes its billing lines in the event's own transaction — one
 * line per billing relationship of the sales chain (the cascade), each priced at its tier's locked
 * unit price.
 *
 * - A completed order line prices every tier (`priceLine`: no price → `PRICE_NOT_FOUND`, refused
 *   with the order) and charges the first cycle (`new`).
 * - Each later cycle inside the term is a `cycleCharge`; a renewal reprices the chain (rule changes
 *   apply at renewal) and charges `renew`. Suspended subscriptions are still charged.
 * - A quantity change refunds the rest of the cycle at the old quantity and charges it at the new
 *   one (`addQuantity` / `removeQuantity`, one `ReferenceId`); a cancellation inside the window
 *   refunds in full (`cancelImmediate`: every charge of the term so far, so the term nets to zero
 *   at every tier), or under the program's `prorated` policy the rest of the cycle only.
 * - A new partner of record reprices the term from the next cycle on; the current cycle stays
 *   billed down the chain it was charged on.
 */
import type { CommandContext, QueryContext } from '../app/context.ts';
import type { PricePoint } from '../catalog/model.ts';
import { availabilitiesOf } from '../catalog/store.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { toInstant } from '../kernel/time.ts';
import type { SalesChain } from '../orders/model.ts';
import type { Subscription } from '../subscriptions/model.ts';
import {
  type ChargeCycle,
  type ChargeSpec,
  type ChargeType,
  cascade,
  cycle,
  cycleAt,
  cycleMonths,
  dateOf,
  dayOfCycle,
  fullRefundAmounts,
  fullRefundParts,
  nextCycleStart,
} from './charges.ts';
import { documentsCreditedIn, documentsOf, writeLines } from './drafts.ts';
import { type BillingLine, type CycleState, type SubscriptionBilling, samePricesOrNew } from './model.ts';
import { minorToMicros } from './money.ts';
import { type PriceKey, priceChain, type SellerPricing, type TierPrice } from './pricing.ts';
import * as store from './store.ts';

/** Seller pricing loaded once per command (several lines, several tiers), keyed by `store.sellerPricingKey`. */
export type PricingCache = Map<string, SellerPricing>;

async function sellersOf(
  ctx: QueryContext,
  chain: SalesChain,
  key: PriceKey,
  cache: PricingCache,
): Promise<Map<string, SellerPricing>> {
  const out = new Map<string, SellerPricing>();
  for (const party of chain.slice(0, -1)) {
    const k = store.sellerPricingKey(party.tenantId, key.skuId, key.country);
    let p = cache.get(k);
    if (!p) {
      p = await store.sellerPricing(ctx.tx, party.tenantId, key);
      cache.set(k, p);
    }
    out.set(party.tenantId, p);
  }
  return out;
}

/**
 * Where rating reads and writes a subscription's billing. `directIo` goes straight to the store;
 * `processDue` hands in a batch that read its subscriptions' states and prices up front and writes
 * what its events changed in a few multi-row statements (`billing/due-batch.ts`).
 */
export interface RatingIo {
  getBilling(subscriptionId: string): Promise<SubscriptionBilling | undefined>;
  /** `insert`: the subscription has no billing state yet. */
  putBilling(b: SubscriptionBilling, insert: boolean): Promise<void>;
  insertLines(lines: readonly BillingLine[]): Promise<void>;
  /** Seller pricing already read (filled on a miss). */
  readonly pricing: PricingCache;
  /** The catalog's price points per (SKU, market) already read, keyed `${skuId}\n${country}`; undefined: not sold there. */
  readonly catalogPrices: Map<string, readonly PricePoint[] | undefined>;
}

/** Rating straight against the command's transaction. */
export function directIo(ctx: CommandContext): RatingIo {
  return {
    getBilling: (id) => store.getSubscriptionBilling(ctx.tx, id),
    putBilling: (b, insert) => store.putSubscriptionBilling(ctx.tx, b, toInstant(ctx.now), insert),
    insertLines: async (lines) => store.insertLines(ctx.tx, lines, await documentsOf(ctx, lines)),
    pricing: new Map(),
    catalogPrices: new Map(),
  };
}

/** Prices every tier of a chain for one item on `at`. */
export async function priceLine(
  ctx: QueryContext,
  chain: SalesChain,
  key: PriceKey,
  catalogPriceMinor: number,
  at: Date,
  options: { field?: string; floorAtCost?: boolean; cache?: PricingCache } = {},
): Promise<Outcome<TierPrice[]>> {
  const sellers = await sellersOf(ctx, chain, key, options.cache ?? new Map());
  return priceChain({
    chain,
    key,
    date: dateOf(at),
    catalogPriceMinor,
    sellers,
    programDefault: ctx.program.policies.defaultRepricing ?? null,
    ...(options.field ? { field: options.field } : {}),
    ...(options.floorAtCost ? { floorAtCost: true } : {}),
  });
}

function keyOf(s: Subscription, country: string): PriceKey {
  return {
    productId: s.productId,
    skuId: s.catalogItemId,
    termDuration: s.termDuration,
    billingCycle: s.billingCycle,
    country,
    currency: s.currency,
  };
}

/** The catalog's current list price for the subscription's item, if it is still sold. */
async function catalogPrice(
  ctx: QueryContext,
  s: Subscription,
  country: string,
  cache: RatingIo['catalogPrices'],
): Promise<number | undefined> {
  const key = `${s.catalogItemId}\n${country}`;
  if (!cache.has(key))
    cache.set(key, (await availabilitiesOf(ctx.tx, [{ skuId: s.catalogItemId, country }])).get(key)?.prices);
  return cache.get(key)?.find((p) => p.termDuration === s.termDuration && p.billingCycle === s.billingCycle)
    ?.unitPriceMinor;
}

/** Prices the subscription's item down `chain` on `at` (repricing at renewal or partner-of-record change). */
export async function repriceSubscription(
  ctx: QueryContext,
  s: Subscription,
  country: string,
  chain: SalesChain,
  at: Date,
  floorAtCost: boolean,
  caches: Pick<RatingIo, 'pricing' | 'catalogPrices'> = { pricing: new Map(), catalogPrices: new Map() },
): Promise<Outcome<TierPrice[]>> {
  const list = await catalogPrice(ctx, s, country, caches.catalogPrices);
  return priceLine(ctx, chain, keyOf(s, country), list ?? s.unitPriceMinor, at, {
    floorAtCost,
    cache: caches.pricing,
  });
}

function licensed(s: Subscription): boolean {
  return s.billing === 'license' && s.termDuration !== null;
}

function anchorDay(s: Subscription): number {
  return new Date(s.startAt).getUTCDate();
}

function toState(c: ChargeCycle): Pick<CycleState, 'index' | 'start' | 'end' | 'days'> {
  return { index: c.index, start: toInstant(c.start), end: toInstant(c.end), days: c.days };
}

function fromState(c: CycleState): ChargeCycle {
  return { index: c.index, start: new Date(c.start), end: new Date(c.end), days: c.days };
}

/** Writes the cascade of one charge spec as billing lines; returns them (top tier first). */
async function writeCascade(
  ctx: CommandContext,
  s: Subscription,
  country: string,
  chain: SalesChain,
  prices: readonly TierPrice[],
  spec: ChargeSpec,
  meta: {
    referenceId: string;
    occurredAt: Date;
    refunds?: readonly (string | null)[];
    amounts?: readonly bigint[];
  },
  io: RatingIo = directIo(ctx),
): Promise<BillingLine[]> {
  const eventId = ctx.ids.guid();
  const byTenant = new Map(chain.map((p) => [p.tenantId, p]));
  const nearest = chain.at(-2)?.partnerId ?? null;
  const raw = cascade(spec, prices, s.currency, () => ctx.ids.orderedGuid(), {
    ...(meta.refunds ? { refunds: meta.refunds } : {}),
    ...(meta.amounts ? { amounts: meta.amounts } : {}),
  });
  const lines: BillingLine[] = raw.map((l, i) => ({
    id: l.id,
    eventId,
    referenceId: meta.referenceId,
    chargeType: l.chargeType,
    tier: l.tier,
    sellerTenantId: l.sellerTenantId,
    buyerTenantId: l.buyerTenantId,
    sellerPartnerId: byTenant.get(l.sellerTenantId)?.partnerId ?? null,
    buyerPartnerId: byTenant.get(l.buyerTenantId)?.partnerId ?? null,
    resellerPartnerId: nearest,
    subscriptionId: s.id,
    orderId: s.orderId,
    customerTenantId: s.customerTenantId,
    customerCountry: country,
    productId: s.productId,
    skuId: s.catalogItemId,
    chargeStart: l.chargeStart,
    chargeEnd: l.chargeEnd,
    quantity: l.quantity,
    unitPriceMicros: l.unitPriceMicros,
    amount: l.amount,
    sourceAmount: i === 0 ? null : (raw[i - 1]?.amount ?? null),
    currency: s.currency,
    sourceLineId: l.sourceLineId,
    refundsLineId: l.refundsLineId,
    reason: null,
    period: l.chargeStart.slice(0, 7),
    invoiceId: null,
    occurredAt: toInstant(meta.occurredAt),
    lineNo: i,
  }));
  await io.insertLines(lines);
  return lines;
}

/** Charges a full cycle (`new`, `renew`, `cycleCharge`) and returns the new cycle state. */
async function chargeCycle(
  ctx: CommandContext,
  s: Subscription,
  b: Pick<SubscriptionBilling, 'customerCountry' | 'termPrices'>,
  c: ChargeCycle,
  chargeType: ChargeType,
  io: RatingIo,
): Promise<CycleState> {
  const { chain, prices } = b.termPrices;
  const lines = await writeCascade(
    ctx,
    s,
    b.customerCountry,
    chain,
    prices,
    { chargeType, quantity: s.quantity, sign: 1, cycle: c, fromDay: 0 },
    { referenceId: ctx.ids.guid(), occurredAt: c.start },
    io,
  );
  return { ...toState(c), quantity: s.quantity, chain, prices, chargeLineIds: lines.map((l) => l.id) };
}

function nextCharge(s: Subscription, c: ChargeCycle): string | null {
  if (!s.termDuration) return null;
  const next = nextCycleStart(new Date(s.termStartAt), anchorDay(s), s.termDuration, s.billingCycle, c);
  return next && toInstant(next);
}

/** A new subscription: its tier prices are locked for the term and the first cycle is charged (`new`). */
export async function startBilling(
  ctx: CommandContext,
  s: Subscription,
  prices: readonly TierPrice[],
  country: string,
): Promise<void> {
  const base: SubscriptionBilling = {
    subscriptionId: s.id,
    customerCountry: country,
    termPrices: { chain: s.salesChain, prices },
    cycle: null,
    nextChargeAt: null,
  };
  if (!licensed(s) || !s.termDuration) {
    await store.putSubscriptionBilling(ctx.tx, base, toInstant(ctx.now), true);
    return;
  }
  const c = cycle(new Date(s.termStartAt), anchorDay(s), cycleMonths(s.termDuration, s.billingCycle), 0);
  const state = await chargeCycle(ctx, s, base, c, 'new', directIo(ctx));
  await store.putSubscriptionBilling(
    ctx.tx,
    { ...base, cycle: state, nextChargeAt: nextCharge(s, c) },
    toInstant(ctx.now),
    true,
  );
}

/** The next cycle of the term fell due (`cycleCharge`; still charged while suspended). */
export async function chargeNextCycle(
  ctx: CommandContext,
  s: Subscription,
  b: SubscriptionBilling,
  io: RatingIo = directIo(ctx),
): Promise<void> {
  if (!b.nextChargeAt || !s.termDuration) return;
  const c = cycleAt(
    new Date(s.termStartAt),
    anchorDay(s),
    s.termDuration,
    s.billingCycle,
    new Date(b.nextChargeAt),
  );
  const state = await chargeCycle(ctx, s, b, c, 'cycleCharge', io);
  await io.putBilling({ ...b, cycle: state, nextChargeAt: nextCharge(s, c) }, false);
}

/**
 * The subscription renewed (`s` is the renewed one): the chain is repriced on the new term's first
 * day (a price below cost is raised to cost; with no price at all, the last term's prices stay) and
 * the first cycle is charged (`renew`).
 */
export async function chargeRenewal(
  ctx: CommandContext,
  s: Subscription,
  b: SubscriptionBilling,
  io: RatingIo = directIo(ctx),
): Promise<void> {
  if (!s.termDuration) return;
  const start = new Date(s.termStartAt);
  const repriced = await repriceSubscription(ctx, s, b.customerCountry, s.salesChain, start, true, io);
  const termPrices = repriced.ok ? samePricesOrNew(b.termPrices, s.salesChain, repriced.value) : b.termPrices;
  const c = cycle(start, anchorDay(s), cycleMonths(s.termDuration, s.billingCycle), 0);
  const state = await chargeCycle(ctx, s, { ...b, termPrices }, c, 'renew', io);
  await io.putBilling({ ...b, termPrices, cycle: state, nextChargeAt: nextCharge(s, c) }, false);
}

/** The subscription ended (expired, disabled): no more charges. */
export async function stopBilling(
  ctx: CommandContext,
  subscriptionId: string,
  io: RatingIo = directIo(ctx),
): Promise<void> {
  const b = await io.getBilling(subscriptionId);
  if (b?.nextChargeAt) await io.putBilling({ ...b, nextChargeAt: null }, false);
}

/** Quantity changed from `before.quantity` to `quantity` now: refund the rest of the cycle, charge it anew. */
export async function chargeQuantityChange(
  ctx: CommandContext,
  before: Subscription,
  quantity: number,
): Promise<void> {
  const b = await store.getSubscriptionBilling(ctx.tx, before.id);
  if (!b?.cycle || !licensed(before) || quantity === b.cycle.quantity) return;
  const c = fromState(b.cycle);
  const fromDay = dayOfCycle(c, ctx.now);
  if (fromDay >= c.days) {
    // The last hours of the cycle's last day belong to no daily slice: nothing to refund or charge.
    await store.putSubscriptionBilling(
      ctx.tx,
      { ...b, cycle: { ...b.cycle, quantity } },
      toInstant(ctx.now),
      false,
    );
    return;
  }
  const chargeType: ChargeType = quantity > b.cycle.quantity ? 'addQuantity' : 'removeQuantity';
  const referenceId = ctx.ids.guid();
  const { chain, prices } = b.cycle;
  await writeCascade(
    ctx,
    before,
    b.customerCountry,
    chain,
    prices,
    { chargeType, quantity: b.cycle.quantity, sign: -1, cycle: c, fromDay },
    { referenceId, occurredAt: ctx.now, refunds: b.cycle.chargeLineIds },
  );
  const charged = await writeCascade(
    ctx,
    before,
    b.customerCountry,
    chain,
    prices,
    { chargeType, quantity, sign: 1, cycle: c, fromDay },
    { referenceId, occurredAt: ctx.now },
  );
  await store.putSubscriptionBilling(
    ctx.tx,
    { ...b, cycle: { ...b.cycle, quantity, chargeLineIds: charged.map((l) => l.id) } },
    toInstant(ctx.now),
    false,
  );
}

/**
 * Cancelled inside the window (`cancelImmediate`). Under the `full` policy (the default) every
 * line of the term so far is netted to zero at each tier of the cycle's chain — the term's cycle
 * charges and the refunds and charges of its quantity changes — on one line per tier dated, like
 * every refund, from the cancellation day to the cycle's last (so it falls in an open period).
 * When some of those charges are already on a document (bought late in a month that has closed
 * since, seats changed after), each such charge is reversed by a part of its own, one line per
 * tier referencing it, so the close puts it on a credit note for that invoice's period; the rest
 * by one part referencing the cycle's current charges (`fullRefundParts`). Under `prorated`, the
 * rest of the cycle from the cancellation day is refunded (all of it on the cycle's first day).
 */
export async function chargeCancellation(ctx: CommandContext, before: Subscription): Promise<void> {
  const b = await store.getSubscriptionBilling(ctx.tx, before.id);
  if (!b) return;
  if (b.cycle && licensed(before)) {
    const c = fromState(b.cycle);
    const fromDay = dayOfCycle(c, ctx.now);
    const full = (ctx.program.policies.cancellationRefund ?? 'full') === 'full';
    const meta = { referenceId: ctx.ids.guid(), occurredAt: ctx.now, refunds: b.cycle.chargeLineIds };
    const spec = {
      chargeType: 'cancelImmediate' as const,
      quantity: b.cycle.quantity,
      sign: -1 as const,
      cycle: c,
      fromDay,
    };
    if (full) {
      const written = await store.linesOfSubscriptionSince(
        ctx.tx,
        before.id,
        dateOf(new Date(before.termStartAt)),
      );
      // Every line is on a document from the start; "billed" is on one the refund credits.
      const credited = await documentsCreditedIn(
        ctx.tx,
        written.map((l) => l.invoiceId),
        dateOf(ctx.now).slice(0, 7),
      );
      const term = written.map((l) =>
        l.invoiceId !== null && credited.has(l.invoiceId) ? l : { ...l, invoiceId: null },
      );
      for (const part of fullRefundParts(b.cycle.prices, b.cycle.chargeLineIds, term))
        await writeCascade(ctx, before, b.customerCountry, b.cycle.chain, b.cycle.prices, spec, {
          ...meta,
          refunds: part.refunds,
          amounts: fullRefundAmounts(b.cycle.prices, part.lines),
        });
    } else if (fromDay < c.days) {
      await writeCascade(ctx, before, b.customerCountry, b.cycle.chain, b.cycle.prices, spec, meta);
    }
  }
  await store.putSubscriptionBilling(
    ctx.tx,
    { ...b, cycle: null, nextChargeAt: null },
    toInstant(ctx.now),
    false,
  );
}

/**
 * Prices the term for a new chain (a new partner of record), from the next cycle on. Refused when
 * a tier of the new chain has no price or sells below cost — before anything is written.
 */
export async function priceNewChain(
  ctx: QueryContext,
  s: Subscription,
  chain: SalesChain,
): Promise<Outcome<{ billing: SubscriptionBilling; prices: TierPrice[] } | undefined>> {
  const b = await store.getSubscriptionBilling(ctx.tx, s.id);
  if (!b) return accept(undefined);
  const repriced = await repriceSubscription(ctx, s, b.customerCountry, chain, ctx.now, false);
  if (!repriced.ok) return repriced;
  return accept({ billing: b, prices: repriced.value });
}

export async function applyNewChain(
  ctx: CommandContext,
  b: SubscriptionBilling,
  chain: SalesChain,
  prices: readonly TierPrice[],
): Promise<void> {
  await store.putSubscriptionBilling(
    ctx.tx,
    { ...b, termPrices: { chain, prices } },
    toInstant(ctx.now),
    false,
  );
}

/**
 * A seller credits its buyer on a subscription (`customerCredit`, with a reason): one negative line
 * on that billing relationship only (a credit is the seller's own decision, not a chain event).
 */
export async function writeCredit(
  ctx: CommandContext,
  s: Subscription,
  input: { sellerTenantId: string; amountMinor: bigint; reason: string },
): Promise<Outcome<BillingLine>> {
  const b = await store.getSubscriptionBilling(ctx.tx, s.id);
  const chain = b?.termPrices.chain ?? s.salesChain;
  const at = chain.findIndex((p) => p.tenantId === input.sellerTenantId);
  const seller = chain[at];
  const buyer = chain[at + 1];
  const tier = b?.termPrices.prices.find((p) => p.sellerTenantId === input.sellerTenantId)?.tier;
  if (!b || at < 0 || !seller || !buyer || tier === undefined)
    return refuse(
      violation(
        'BILLING_RELATIONSHIP_NOT_FOUND',
        `Tenant ${input.sellerTenantId} does not bill anyone for subscription ${s.id}.`,
        {
          field: 'subscriptionId',
        },
      ),
    );
  const today = dateOf(ctx.now);
  const id = ctx.ids.orderedGuid();
  const line: BillingLine = {
    id,
    eventId: id,
    referenceId: id,
    chargeType: 'customerCredit',
    tier,
    sellerTenantId: seller.tenantId,
    buyerTenantId: buyer.tenantId,
    sellerPartnerId: seller.partnerId,
    buyerPartnerId: buyer.partnerId,
    resellerPartnerId: chain.at(-2)?.partnerId ?? null,
    subscriptionId: s.id,
    orderId: s.orderId,
    customerTenantId: s.customerTenantId,
    customerCountry: b.customerCountry,
    productId: s.productId,
    skuId: s.catalogItemId,
    chargeStart: today,
    chargeEnd: today,
    quantity: 1,
    unitPriceMicros: -minorToMicros(input.amountMinor, s.currency),
    amount: -input.amountMinor,
    sourceAmount: null,
    currency: s.currency,
    sourceLineId: null,
    refundsLineId: null,
    reason: input.reason,
    period: today.slice(0, 7),
    invoiceId: null,
    occurredAt: toInstant(ctx.now),
    lineNo: 0,
  };
  const [written] = await writeLines(ctx, [line]);
  return accept(written as BillingLine);
}
