/**
 * The billing invariants of the property suites (`billing.property.test.ts`: few sequences with
 * every refusal snapshotted; `billing-sequences.property.test.ts`: ten thousand sequences per
 * database in shared worlds), checked from plain table reads of billing_lines, invoices and
 * subscriptions:
 * - every line below its chain's top traces (source_line_id) to one line of the tier above with
 *   the same event, ReferenceId, charge type, dates and quantity (only prices differ), whose amount
 *   is the line's source_amount; per event, one line per billing relationship of the chain;
 * - sell ≥ cost per unit, unless the seller's rule allows selling below cost;
 * - every issued document's subtotal and total are the sum of its lines, line_count their count,
 *   one currency; a credit note references an invoice of its own period and carries refunds of
 *   that invoice's lines; every line of a closed period is on an issued document, no draft is left;
 * - document numbers are gapless per seller and year (1..n);
 * - per partner, sales − purchases = the MarginAmount (amount − source_amount) of its sales, over
 *   all lines and over issued documents (credits, a seller's own decision on one relationship,
 *   are outside the chain: each is checked alone — no source, negative, with a reason);
 * - active and suspended subscriptions have a charge line for every cycle of their term up to now
 *   (suspension does not stop billing); a cancellation (a full refund, the program's default)
 *   nets the subscription's term to zero at every tier, quantity changes included.
 */
import fc from 'fast-check';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import {
  cycle,
  cycleAt,
  cycleCharge,
  cycleMonths,
  dateOf,
  dayNumber,
  remainingSlices,
} from '../../src/billing/charges.ts';
import { closeBillingPeriod } from '../../src/billing/close.ts';
import { formatMicros } from '../../src/billing/money.ts';
import { addPriceListEntry, addRepricingRule } from '../../src/billing/service.ts';
import type { TermDuration } from '../../src/catalog/model.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import type { ChainParty } from '../../src/orders/model.ts';
import { placeOrder } from '../../src/orders/service.ts';
import {
  cancelSubscription,
  changeQuantity,
  reactivateSubscription,
  setAutoRenew,
  suspendSubscription,
} from '../../src/subscriptions/service.ts';
import { must } from '../../src/world/builder.ts';
import { buildCommerceWorld, type CommerceWorld, SEATS } from '../support/commerce.ts';
import type { TestDatabase } from '../support/databases.ts';

const DAY_MS = 86_400_000;

/** The plans the test catalog offers for SEATS in FR, with their EUR list prices in cents. */
export const PLANS = [
  { termDuration: 'P1M', billingCycle: 'monthly', listCents: 650 },
  { termDuration: 'P1Y', billingCycle: 'monthly', listCents: 560 },
  { termDuration: 'P1Y', billingCycle: 'annual', listCents: 6720 },
] as const;

export type Seller = 'provider' | 'reseller' | 'reseller2' | 'direct';

export interface Pricing {
  /** Price-list entries: a seller's price for a plan, the list price adjusted by `bps`. */
  readonly entries: readonly { seller: Seller; plan: number; bps: number }[];
  /** The resellers' rule for everyone from February: cost + bps (below cost only if allowed). */
  readonly resellerRule: { bps: number; allowBelowCost: boolean } | null;
  /** The provider's rule for Reseller FR 2 from March: ERP + bps. */
  readonly providerRule: { bps: number } | null;
}

export type Step =
  | { kind: 'order'; direct: boolean; secondReseller: boolean; plan: number; quantity: number }
  | { kind: 'quantity'; pick: number; delta: number; actor: number }
  | { kind: 'cancel' | 'suspend' | 'reactivate'; pick: number; actor: number }
  | { kind: 'auto-renew'; pick: number; on: boolean; actor: number }
  | { kind: 'advance'; days: number }
  | { kind: 'close' };

export const pick = fc.nat({ max: 40 });
/** Values 0–8 name the seller's admin; 9 the reseller's (refused: only the seller manages). */
export const actor = fc.nat({ max: 9 });

export const pricingArb: fc.Arbitrary<Pricing> = fc.record({
  entries: fc.uniqueArray(
    fc.record({
      seller: fc.constantFrom<Seller>('provider', 'reseller', 'reseller2', 'direct'),
      plan: fc.nat({ max: 2 }),
      bps: fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: -600, max: 600 })),
    }),
    { maxLength: 8, selector: (e) => `${e.seller}/${e.plan}` },
  ),
  resellerRule: fc.option(
    fc.oneof(
      fc.record({ bps: fc.integer({ min: 0, max: 3000 }), allowBelowCost: fc.constant(false) }),
      fc.record({ bps: fc.integer({ min: -2000, max: 500 }), allowBelowCost: fc.constant(true) }),
    ),
  ),
  providerRule: fc.option(fc.record({ bps: fc.integer({ min: -500, max: 3000 }) })),
});

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('order' as const),
      direct: fc.nat({ max: 2 }).map((n) => n === 0),
      secondReseller: fc.nat({ max: 3 }).map((n) => n === 0),
      plan: fc.nat({ max: 2 }),
      quantity: fc.integer({ min: 1, max: 20 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('quantity' as const),
      pick,
      delta: fc.integer({ min: -6, max: 8 }).filter((d) => d !== 0),
      actor,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('cancel' as const, 'suspend' as const, 'reactivate' as const),
      pick,
      actor,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('auto-renew' as const), pick, on: fc.boolean(), actor }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 40 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const) }) },
);

export const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
export const big = (v: unknown): bigint => BigInt(String(v));
export const addMonth = (period: string): string => {
  const d = new Date(`${period}-01T00:00:00.000Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};

export interface Run {
  readonly csp: OpenCsp;
  readonly w: CommerceWorld;
  readonly operator: Principal;
  /** Sellers whose rule may sell below cost. */
  readonly belowCostAllowed: Set<string>;
  /** Months closed so far. */
  readonly closed: Set<string>;
}

/** A fresh database with the commerce world and `pricing` seeded: a run ready for commands. */
export async function startRun(db: TestDatabase, pricing: Pricing): Promise<Run> {
  const csp = await db.fresh();
  const w = await buildCommerceWorld(csp);
  const run: Run = { csp, w, operator: w.operator.principal, belowCostAllowed: new Set(), closed: new Set() };
  await seedPrices(run, pricing);
  return run;
}

/** Seeds the run's prices through the services (each one must be accepted). */
export async function seedPrices(run: Run, p: Pricing): Promise<void> {
  const { csp, w } = run;
  const party = { provider: w.provider, reseller: w.reseller, reseller2: w.reseller2, direct: w.direct };
  for (const e of p.entries) {
    const plan = PLANS[e.plan] as (typeof PLANS)[number];
    const seller = party[e.seller];
    must(
      await csp.execute(
        addPriceListEntry,
        { principal: seller.globalAdmin },
        {
          sellerTenantId: seller.tenantId,
          skuId: SEATS,
          termDuration: plan.termDuration,
          billingCycle: plan.billingCycle,
          country: 'FR',
          currency: 'EUR',
          unitPrice: formatMicros((BigInt(plan.listCents) * 10_000n * BigInt(10_000 + e.bps)) / 10_000n),
          effectiveFrom: '2026-01-01',
        },
      ),
      'price-list entry',
    );
  }
  if (p.resellerRule) {
    for (const r of [w.reseller, w.reseller2])
      must(
        await csp.execute(
          addRepricingRule,
          { principal: r.globalAdmin },
          {
            sellerTenantId: r.tenantId,
            basis: 'cost',
            adjustmentBps: p.resellerRule.bps,
            effectiveMonth: '2026-02',
            allowBelowCost: p.resellerRule.allowBelowCost,
          },
        ),
        'reseller rule',
      );
    if (p.resellerRule.allowBelowCost)
      for (const r of [w.reseller, w.reseller2]) run.belowCostAllowed.add(r.tenantId);
  }
  if (p.providerRule)
    must(
      await csp.execute(
        addRepricingRule,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          buyerTenantId: w.reseller2.tenantId,
          basis: 'erp',
          adjustmentBps: p.providerRule.bps,
          effectiveMonth: '2026-03',
        },
      ),
      'provider rule',
    );
}

/** Closes every month that ended and is not closed yet, oldest first. */
export async function closeEndedMonths(run: Run): Promise<string[]> {
  const current = run.csp.now().toISOString().slice(0, 7);
  const done: string[] = [];
  for (let m = '2026-01'; m < current; m = addMonth(m)) {
    if (run.closed.has(m)) continue;
    must(await closeBillingPeriod(run.csp, { principal: run.operator }, { period: m }), `close ${m}`);
    run.closed.add(m);
    done.push(m);
  }
  return done;
}

/** Runs one command (not a clock move or a close); undefined when there was nothing to act on. */
export async function runCommand(run: Run, s: Step): Promise<Outcome<unknown> | undefined> {
  const { csp, w } = run;
  if (s.kind === 'order') {
    const plan = PLANS[s.plan] as (typeof PLANS)[number];
    const line = {
      catalogItemId: SEATS,
      quantity: s.quantity,
      termDuration: plan.termDuration,
      billingCycle: plan.billingCycle,
    };
    if (s.direct)
      return csp.execute(
        placeOrder,
        { principal: w.direct.globalAdmin },
        { sellerTenantId: w.direct.tenantId, customerTenantId: w.directCustomer.tenantId, lines: [line] },
      );
    const reseller = s.secondReseller ? w.reseller2 : w.reseller;
    return csp.execute(
      placeOrder,
      { principal: w.provider.globalAdmin },
      {
        sellerTenantId: w.provider.tenantId,
        customerTenantId: w.resellerCustomer.tenantId,
        lines: [{ ...line, partnerIdOnRecord: reseller.partnerId }],
      },
    );
  }
  if (s.kind === 'advance' || s.kind === 'close') return undefined;
  const subs = await csp.store.db
    .selectFrom('subscriptions')
    .select(['id', 'seller_tenant_id', 'quantity'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  if (subs.length === 0) return undefined;
  return actOn(run, at(subs, s.pick), s);
}

/** A step on one subscription: what a subscription-level step does to it. */
export type SubscriptionStep = Extract<Step, { actor: number }>;

/** Runs a subscription-level step on `sub`; actors 0–8 are its seller's admin, 9 the reseller's. */
export async function actOn(
  run: Run,
  sub: { id: string; seller_tenant_id: string; quantity: number | string },
  s: SubscriptionStep,
): Promise<Outcome<unknown>> {
  const { csp, w } = run;
  const seller = sub.seller_tenant_id === w.direct.tenantId ? w.direct : w.provider;
  const principal = s.actor <= 8 ? seller.globalAdmin : w.reseller.globalAdmin;
  const subscriptionId = sub.id;
  switch (s.kind) {
    case 'quantity':
      return csp.execute(
        changeQuantity,
        { principal },
        { subscriptionId, quantity: Math.min(300, Math.max(1, Number(sub.quantity) + s.delta)) },
      );
    case 'cancel':
      return csp.execute(cancelSubscription, { principal }, { subscriptionId });
    case 'suspend':
      return csp.execute(suspendSubscription, { principal }, { subscriptionId });
    case 'reactivate':
      return csp.execute(reactivateSubscription, { principal }, { subscriptionId });
    case 'auto-renew':
      return csp.execute(setAutoRenew, { principal }, { subscriptionId, autoRenew: s.on });
  }
}

/** What the checks saw (to show the generators reach the guarded paths). */
export interface Tally {
  lines: number;
  events: number;
  documents: number;
  creditNotes: number;
  suspendedCycleCharges: number;
  credits: number;
  /** Cancellations seen (top tier), and those after a quantity change of the same term. */
  cancels: number;
  cancelsAfterChanges: number;
  belowCost: number;
  checks: number;
}

/** Appends to a list in a map of lists (linear: no copy per element). */
function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const topTier = (chain: readonly ChainParty[]) =>
  chain[0]?.role === 'vendor' ? 1 : chain[0]?.role === 'indirect-reseller' ? 3 : 2;

/** The invariants, from plain table reads: each breach as a readable line (empty when all hold). */
export async function billingBreaches(run: Run, tally: Tally): Promise<string[]> {
  const db = run.csp.store.db;
  const now = run.csp.now();
  const lines = await db.selectFrom('billing_lines').selectAll().orderBy('id').execute();
  const invoices = await db.selectFrom('invoices').selectAll().orderBy('id').execute();
  const subs = await db.selectFrom('subscriptions').selectAll().execute();
  const sequences = await db.selectFrom('invoice_number_sequences').selectAll().execute();
  const out: string[] = [];
  const lineById = new Map(lines.map((l) => [l.id, l]));
  const subById = new Map(subs.map((s) => [s.id, s]));
  const invoiceById = new Map(invoices.map((i) => [i.id, i]));
  tally.checks++;
  tally.lines += lines.length;

  // 1. The cascade: one line per tier per event, each tracing to the line above.
  const byEvent = new Map<string, typeof lines>();
  for (const l of lines) {
    if (l.charge_type !== 'customerCredit') push(byEvent, l.event_id, l);
    const s = subById.get(l.subscription_id);
    if (!s) {
      out.push(`line ${l.id}: no subscription ${l.subscription_id}`);
      continue;
    }
    const chain = JSON.parse(s.sales_chain) as ChainParty[];
    const top = topTier(chain);
    const tier = Number(l.tier);
    const seller = chain[tier - top];
    const buyer = chain[tier - top + 1];
    if (seller?.tenantId !== l.seller_tenant_id || buyer?.tenantId !== l.buyer_tenant_id)
      out.push(`line ${l.id}: tier ${tier} is not ${seller?.name} → ${buyer?.name} on its chain`);
    if (l.charge_type === 'customerCredit') {
      // A credit is the seller's own decision on one relationship: no source, negative, a reason.
      tally.credits++;
      if (l.source_line_id !== null || big(l.amount_minor) >= 0n || !l.reason)
        out.push(`credit ${l.id}: source ${l.source_line_id}, amount ${l.amount_minor}, reason ${l.reason}`);
      continue;
    }
    if (tier === top) {
      if (l.source_line_id !== null || l.source_amount_minor !== null)
        out.push(`line ${l.id}: the top of the chain has a source`);
      continue;
    }
    const src = l.source_line_id === null ? undefined : lineById.get(l.source_line_id);
    if (!src) {
      out.push(`line ${l.id} (tier ${tier}, ${l.charge_type}) traces to no line (${l.source_line_id})`);
      continue;
    }
    const same = [
      'event_id',
      'reference_id',
      'charge_type',
      'charge_start',
      'charge_end',
      'subscription_id',
      'currency',
    ] as const;
    for (const k of same)
      if (src[k] !== l[k]) out.push(`line ${l.id}: ${k} ${l[k]}, its source line ${src.id} has ${src[k]}`);
    if (Number(src.quantity) !== Number(l.quantity))
      out.push(`line ${l.id}: quantity ${l.quantity}, its source ${src.quantity}`);
    if (Number(src.tier) !== tier - 1) out.push(`line ${l.id}: tier ${tier} traces to tier ${src.tier}`);
    if (src.buyer_tenant_id !== l.seller_tenant_id) out.push(`line ${l.id}: its source bills someone else`);
    if (l.source_amount_minor === null || big(l.source_amount_minor) !== big(src.amount_minor))
      out.push(`line ${l.id}: source_amount ${l.source_amount_minor}, the line above is ${src.amount_minor}`);
    if (big(l.unit_price_micros) < big(src.unit_price_micros)) {
      tally.belowCost++;
      if (!run.belowCostAllowed.has(l.seller_tenant_id))
        out.push(
          `line ${l.id}: ${l.seller_tenant_id} sells at ${l.unit_price_micros} µ below its cost ${src.unit_price_micros} µ`,
        );
    }
  }
  for (const [eventId, ls] of byEvent) {
    tally.events++;
    const s = subById.get(ls[0]?.subscription_id ?? '');
    if (!s) continue;
    const chain = JSON.parse(s.sales_chain) as ChainParty[];
    const top = topTier(chain);
    const tiers = ls.map((l) => Number(l.tier)).sort();
    const expected = Array.from({ length: chain.length - 1 }, (_, i) => top + i);
    if (JSON.stringify(tiers) !== JSON.stringify(expected))
      out.push(`event ${eventId}: tiers ${tiers.join(',')}, the chain has ${expected.join(',')}`);
  }

  // 2. Refunds reverse a charge of the same tier and cycle: a quantity change's refund is exactly
  // minus the remaining slices; a cancellation (the program's `full` policy) nets the term to zero.
  const linesOfSub = new Map<string, typeof lines>();
  for (const l of lines) push(linesOfSub, l.subscription_id, l);
  for (const l of lines) {
    if (l.refunds_line_id === null) continue;
    const charged = lineById.get(l.refunds_line_id);
    const full = l.charge_type === 'cancelImmediate';
    if (
      !charged ||
      charged.tier !== l.tier ||
      charged.subscription_id !== l.subscription_id ||
      charged.charge_end !== l.charge_end ||
      big(charged.amount_minor) < 0n ||
      big(l.amount_minor) > 0n ||
      (!full && -big(l.amount_minor) > big(charged.amount_minor))
    )
      out.push(
        `refund ${l.id} (${l.charge_type} ${l.charge_start}..${l.charge_end}, ${l.amount_minor}) does not reverse part of charge ${l.refunds_line_id} of its tier and cycle (${charged?.charge_start}..${charged?.charge_end}, ${charged?.amount_minor})`,
      );
    const mine = (linesOfSub.get(l.subscription_id) ?? []).filter((x) => x.tier === l.tier);
    if (full) {
      const s = subById.get(l.subscription_id);
      const termStart = s ? dateOf(new Date(s.term_start_at)) : '';
      const term = mine.filter((x) => x.charge_start >= termStart && x.charge_type !== 'customerCredit');
      const net = term.reduce((a, x) => a + big(x.amount_minor), 0n);
      if (Number(l.tier) === 1) {
        tally.cancels++;
        if (term.some((x) => x.refunds_line_id !== null && x.charge_type !== 'cancelImmediate'))
          tally.cancelsAfterChanges++;
      }
      if (net !== 0n)
        out.push(
          `subscription ${l.subscription_id}: cancelled, its term from ${termStart} nets ${net} at tier ${l.tier}`,
        );
      continue;
    }
    const first = mine.find(
      (x) => x.charge_end === l.charge_end && ['new', 'renew', 'cycleCharge'].includes(x.charge_type),
    );
    // Exactly minus the remaining daily slices of the cycle charge at the refunded quantity and
    // locked price: what was charged for those days, so used + refunded = charged to the minor unit.
    if (first) {
      const startDay = dayNumber(new Date(`${first.charge_start}T00:00:00Z`));
      const days = dayNumber(new Date(`${l.charge_end}T00:00:00Z`)) + 1 - startDay;
      const k = dayNumber(new Date(`${l.charge_start}T00:00:00Z`)) - startDay;
      const charge = cycleCharge(big(l.unit_price_micros), Number(l.quantity), l.currency);
      const expected = -remainingSlices(charge, days, k);
      if (big(l.amount_minor) !== expected)
        out.push(
          `refund ${l.id} (${l.charge_type}, tier ${l.tier}, day ${k} of ${days}) is ${l.amount_minor}, the remaining slices ${expected}`,
        );
    }
  }

  // 3. Documents: totals are the sums of their lines; one currency; credit notes; closed periods.
  const linesOf = new Map<string, typeof lines>();
  for (const l of lines) if (l.invoice_id !== null) push(linesOf, l.invoice_id, l);
  const lastClosed = [...run.closed].sort().at(-1) ?? '';
  const numbers = new Map<string, number[]>();
  for (const inv of invoices) {
    const ls = linesOf.get(inv.id) ?? [];
    if (inv.status === 'draft') {
      if (inv.closed_in_period <= lastClosed)
        out.push(`document ${inv.id}: still a draft after ${lastClosed} closed`);
      continue;
    }
    tally.documents++;
    const total = ls.reduce((a, l) => a + big(l.amount_minor), 0n);
    if (Number(inv.line_count) !== ls.length)
      out.push(`document ${inv.number}: line_count ${inv.line_count}, ${ls.length} lines`);
    if (
      big(inv.subtotal_minor) !== total ||
      big(inv.total_minor) !== total ||
      big(inv.tax_total_minor) !== 0n
    )
      out.push(
        `document ${inv.number}: subtotal ${inv.subtotal_minor} / total ${inv.total_minor}, lines sum to ${total}`,
      );
    for (const l of ls)
      if (
        l.currency !== inv.currency ||
        l.seller_tenant_id !== inv.seller_tenant_id ||
        l.buyer_tenant_id !== inv.buyer_tenant_id
      )
        out.push(
          `document ${inv.number}: line ${l.id} is ${l.currency} ${l.seller_tenant_id} → ${l.buyer_tenant_id}`,
        );
    const m = /^(INV|CN)-(.+)-(\d{4})-(\d{6})$/.exec(inv.number ?? '');
    if (!m || (m[1] === 'INV') !== (inv.kind === 'invoice'))
      out.push(`document ${inv.id}: number ${inv.number}`);
    else {
      const key = `${inv.seller_tenant_id}/${m[3]}`;
      push(numbers, key, Number(m[4]));
    }
    if (inv.kind === 'invoice') {
      for (const l of ls)
        if (l.period !== inv.period)
          out.push(`invoice ${inv.number} of ${inv.period} carries a line of ${l.period}`);
      continue;
    }
    tally.creditNotes++;
    const original = inv.original_invoice_id === null ? undefined : invoiceById.get(inv.original_invoice_id);
    if (
      original?.kind !== 'invoice' ||
      original.period !== inv.period ||
      original.seller_tenant_id !== inv.seller_tenant_id ||
      original.buyer_tenant_id !== inv.buyer_tenant_id ||
      original.currency !== inv.currency
    )
      out.push(
        `credit note ${inv.number} (${inv.period}) references ${original?.number} (${original?.period})`,
      );
    for (const l of ls)
      if (
        l.refunds_line_id === null ||
        lineById.get(l.refunds_line_id)?.invoice_id !== inv.original_invoice_id
      )
        out.push(`credit note ${inv.number}: line ${l.id} refunds nothing on ${original?.number}`);
  }
  for (const [key, ns] of numbers) {
    const sorted = [...ns].sort((a, b) => a - b);
    if (sorted.some((n, i) => n !== i + 1))
      out.push(`numbers of ${key} are not 1..${ns.length}: ${sorted.join(',')}`);
    const [seller, year] = key.split('/');
    const seq = sequences.find((q) => q.seller_tenant_id === seller && Number(q.year) === Number(year));
    if (Number(seq?.last_number) !== ns.length)
      out.push(`sequence of ${key} is at ${seq?.last_number}, ${ns.length} issued`);
  }
  for (const l of lines) {
    if (l.period > lastClosed) continue;
    const inv = l.invoice_id === null ? undefined : invoiceById.get(l.invoice_id);
    if (!inv || inv.status === 'draft')
      out.push(`line ${l.id} of closed ${l.period} is on no issued document`);
  }

  // 4. Per partner: sales − purchases = reported margin, over all lines and over issued documents.
  const w = run.w;
  for (const t of [w.provider, w.reseller, w.reseller2, w.direct].map((p) => p.tenantId)) {
    for (const scope of ['lines', 'documents'] as const) {
      const inScope = (l: (typeof lines)[number]) =>
        scope === 'lines' || (l.invoice_id !== null && invoiceById.get(l.invoice_id)?.status === 'issued');
      let sales = 0n;
      let purchases = 0n;
      let margin = 0n;
      for (const l of lines) {
        if (!inScope(l) || l.charge_type === 'customerCredit') continue;
        if (l.seller_tenant_id === t) {
          sales += big(l.amount_minor);
          margin += big(l.amount_minor) - (l.source_amount_minor === null ? 0n : big(l.source_amount_minor));
        }
        if (l.buyer_tenant_id === t) purchases += big(l.amount_minor);
      }
      if (sales - purchases !== margin)
        out.push(`${t} (${scope}): sales ${sales} − purchases ${purchases} ≠ margin ${margin}`);
    }
  }

  // 5. Active and suspended subscriptions are charged every cycle of their term up to now.
  for (const s of subs) {
    if (!['active', 'suspended'].includes(s.status) || s.term_duration === null || s.billing !== 'license')
      continue;
    const term = s.term_duration as TermDuration;
    const anchor = new Date(s.start_at).getUTCDate();
    const termStart = new Date(s.term_start_at);
    const months = cycleMonths(term, s.billing_cycle);
    const current = cycleAt(termStart, anchor, term, s.billing_cycle, now);
    const mine = (linesOfSub.get(s.id) ?? []).filter((l) => Number(l.tier) === 1);
    for (let j = 0; j <= current.index; j++) {
      const c = cycle(termStart, anchor, months, j);
      if (c.start > now) break;
      const charge = mine.find(
        (l) =>
          ['new', 'renew', 'cycleCharge'].includes(l.charge_type) &&
          l.charge_start === dateOf(c.start) &&
          l.charge_end === dateOf(new Date(c.end.getTime() - DAY_MS)),
      );
      if (!charge)
        out.push(`subscription ${s.id} (${s.status}): cycle ${j} from ${dateOf(c.start)} was never charged`);
      else if (s.status === 'suspended' && s.suspended_at !== null && charge.occurred_at > s.suspended_at)
        tally.suspendedCycleCharges++;
    }
  }
  return out;
}

export const newTally = (): Tally => ({
  lines: 0,
  events: 0,
  documents: 0,
  creditNotes: 0,
  suspendedCycleCharges: 0,
  credits: 0,
  cancels: 0,
  cancelsAfterChanges: 0,
  belowCost: 0,
  checks: 0,
});
