/**
 * Properties of the pure billing functions over 10,000 random event sequences (no database).
 *
 * Each sequence is a subscription on a random chain (indirect: 3 billing relationships, direct: 2,
 * a partner's value-added service: 1–2), with random per-tier unit prices in micro-units, a random
 * currency (JPY and KRW have no minor unit), a random term start (days 29–31 and leap years
 * included), a term and a billing plan, and a random list of events: clock moves (cycle charges
 * and renewals fall due), quantity changes on day k of a cycle, a cancellation on day k. Every
 * event is cascaded with `cascade` and checked:
 *
 * - per event, one line per tier with the same charge type, quantity and dates; each line's
 *   `sourceLineId` is the line of the tier above;
 * - a cycle's daily slices sum to its charge, and each slice — and each run of slices: what was
 *   used, what is refunded — is within one minor unit of its exact share;
 * - for every quantity segment, used + refunded = charged (the refund is minus the remaining slices),
 *   and over a whole cycle each tier's net equals the slices it was used for;
 * - a cancellation on day 0 nets zero at every tier (a `new` cancelled on its first day: all lines);
 * - the full refund of a cancellation (the program's default policy) is, per tier, minus what the
 *   term's lines net to, cascaded like any event, so the term nets zero at every tier;
 * - cycles are contiguous, anchored on the purchase day (29–31 clamp to the month's end), and
 *   `cycleAt` finds the cycle of any instant inside it.
 *
 * Pricing: `priceChain` over random price lists, rules and defaults never sells below cost unless
 * the rule allows it, and `floorAtCost` raises such a price exactly to the cost;
 * `applyAdjustment` rounds half-up on the magnitude.
 *
 * The last tests plant bugs (a refund computed as round(charge × remaining/days); leftover units
 * all given to the first slices) and show the same properties catch them: the properties can fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TERM_MONTHS, type TermDuration } from '../catalog/model.ts';
import type { ChainParty, SalesChain } from '../orders/model.ts';
import {
  amountAt,
  type ChargeCycle,
  type ChargeSpec,
  type ChargeType,
  cascade,
  cycle,
  cycleAt,
  cycleCharge,
  cycleMonths,
  dayNumber,
  dayOfCycle,
  fullRefundAmounts,
  nextCycleStart,
} from './charges.ts';
import { CURRENCY_EXPONENTS, divideRounded, MICROS, splitLargestRemainder } from './money.ts';
import {
  adjustmentFor,
  applyAdjustment,
  type DefaultRepricing,
  type PriceKey,
  type PriceListEntry,
  priceChain,
  type RepricingRule,
  type SellerPricing,
  type TierPrice,
} from './pricing.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

class Breach extends Error {}
function check(ok: boolean, what: () => string): asserts ok {
  if (!ok) throw new Breach(what());
}

const abs = (v: bigint) => (v < 0n ? -v : v);
const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);
const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const daysInMonth = (at: Date) =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 0)).getUTCDate();

// --- How charges are computed: the real functions, or a planted bug -------------------------------

/** The two things a variant may change: the daily split and a line's amount. */
interface Impl {
  readonly name: string;
  split(amount: bigint, parts: number): bigint[];
  amount(spec: ChargeSpec, unitPriceMicros: bigint, currency: string): bigint;
}

const REAL: Impl = { name: 'OpenCSP', split: splitLargestRemainder, amount: amountAt };

// --- Scenarios --------------------------------------------------------------------------------

type Event =
  | { readonly kind: 'advance'; readonly days: number; readonly hours: number }
  | { readonly kind: 'quantity'; readonly quantity: number }
  | { readonly kind: 'cancel' };

interface Scenario {
  readonly chain: string;
  readonly prices: readonly TierPrice[];
  readonly currency: string;
  readonly termStart: Date;
  readonly term: TermDuration;
  readonly billing: 'monthly' | 'annual';
  readonly quantity: number;
  readonly events: readonly Event[];
}

const CHAINS = [
  { chain: 'indirect', tiers: [1, 2, 3] },
  { chain: 'direct', tiers: [1, 2] },
  { chain: 'service (reseller)', tiers: [3] },
  { chain: 'service (direct-bill)', tiers: [2] },
  { chain: 'service (provider)', tiers: [2, 3] },
] as const;

const currencyArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('JPY', 'KRW') },
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(CURRENCY_EXPONENTS)) },
);

/** Any minute of 2023–2031 (two leap years), with the days 28–31 drawn often. */
const termStartArb = fc
  .record({
    year: fc.integer({ min: 2023, max: 2031 }),
    month: fc.integer({ min: 0, max: 11 }),
    day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(28, 29, 30, 31)),
    minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
  })
  .map(({ year, month, day, minute }) => {
    const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return new Date(Date.UTC(year, month, Math.min(day, last)) + minute * 60_000);
  });

/** Unit prices in micro-units: tiny ones (sub-cent, ties), list-like ones, and large ones. */
const microsArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 200n }),
  fc.bigInt({ min: 0n, max: 50_000_000n }),
  fc.bigInt({ min: 0n, max: 2_000_000_000n }),
  fc.constantFrom(4_000_000n, 5_600_000n, 10_080_000n, 51_930_000n),
);

const quantityArb = fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5000 }));

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      days: fc.noBias(fc.integer({ min: 0, max: 40 })),
      hours: fc.noBias(fc.integer({ min: 0, max: 23 })),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('quantity' as const), quantity: quantityArb }) },
  {
    weight: 1, // ends the sequence
    arbitrary: fc.record({ kind: fc.constant('cancel' as const) }),
  },
);

const PLANS = [
  ['P1M', 'monthly'],
  ['P1M', 'annual'],
  ['P1Y', 'monthly'],
  ['P1Y', 'annual'],
  ['P3Y', 'monthly'],
  ['P3Y', 'annual'],
] as const;

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    chain: fc.constantFrom(...CHAINS),
    raw: fc.array(microsArb, { minLength: 3, maxLength: 3 }),
    increasing: fc.boolean(),
    currency: currencyArb,
    termStart: termStartArb,
    plan: fc.constantFrom(...PLANS),
    quantity: quantityArb,
    // A cancellation first (day 0) about one sequence in six.
    cancelFirst: fc.nat({ max: 5 }).map((n) => n === 0),
    events: fc.array(eventArb, { minLength: 4, maxLength: 24, size: 'max' }),
  })
  .map((r) => {
    let running = 0n;
    const prices = r.chain.tiers.map((tier, i): TierPrice => {
      const raw = r.raw[i] ?? 0n;
      running = r.increasing ? running + raw : raw;
      return {
        tier,
        sellerTenantId: `S${tier}`,
        buyerTenantId: `S${tier + 1}`,
        unitPriceMicros: running,
        costMicros: null,
        erpMicros: null,
        source: 'price-list',
        sourceId: null,
      };
    });
    return {
      chain: r.chain.chain,
      prices,
      currency: r.currency,
      termStart: r.termStart,
      term: r.plan[0],
      billing: r.plan[1],
      quantity: r.quantity,
      events: r.cancelFirst ? [{ kind: 'cancel' as const }, ...r.events] : r.events,
    };
  });

// --- Checks -----------------------------------------------------------------------------------

/** One tier's full cycle charge, rounded half-up once from the exact unit price × quantity. */
function checkCycleCharge(unit: bigint, quantity: number, currency: string): bigint {
  const charge = cycleCharge(unit, quantity, currency);
  const perMinor = MICROS / 10n ** BigInt(CURRENCY_EXPONENTS[currency] ?? 2);
  const exact = unit * BigInt(quantity);
  const error = charge * perMinor - exact;
  check(
    -perMinor < error * 2n && error * 2n <= perMinor,
    () => `cycle charge ${charge} of ${quantity} × ${unit} µ ${currency} is not the half-up rounding`,
  );
  return charge;
}

/** A run of `length` slices summing to `run` is within one minor unit of its exact share of `charge`. */
function checkRun(run: bigint, charge: bigint, days: number, length: number, what: string): void {
  const n = BigInt(days);
  check(
    abs(run * n - charge * BigInt(length)) < n,
    () => `${what}: ${run} is not within one minor unit of ${length}/${days} of ${charge}`,
  );
}

/** The daily slices of a charge: they sum to it and each is within one minor unit of charge/days. */
function checkedSlices(impl: Impl, charge: bigint, days: number): bigint[] {
  const slices = impl.split(charge, days);
  check(slices.length === days, () => `${slices.length} slices for ${days} days`);
  check(sum(slices) === charge, () => `slices of ${charge} over ${days} days sum to ${sum(slices)}`);
  const n = BigInt(days);
  for (const [i, s] of slices.entries())
    check(abs(s * n - charge) < n, () => `slice ${i} (${s}) of ${charge}/${days} is off by a unit or more`);
  return slices;
}

/** Per event: one line per tier, the same type, quantity and dates, linked top down. */
function checkCascadeShape(
  spec: ChargeSpec,
  prices: readonly TierPrice[],
  lines: ReturnType<typeof cascade>,
): void {
  check(lines.length === prices.length, () => `${lines.length} lines for ${prices.length} tiers`);
  const start = dayNumber(spec.cycle.start) + spec.fromDay;
  const last = Math.max(start, dayNumber(spec.cycle.end) - 1);
  for (const [i, l] of lines.entries()) {
    const p = prices[i] as TierPrice;
    check(
      l.tier === p.tier && l.sellerTenantId === p.sellerTenantId && l.buyerTenantId === p.buyerTenantId,
      () => `line ${i} is not tier ${p.tier}'s relationship`,
    );
    check(l.unitPriceMicros === p.unitPriceMicros, () => `line ${i} is not at its tier's unit price`);
    check(
      l.chargeType === spec.chargeType && l.quantity === spec.quantity,
      () => `line ${i}: ${l.chargeType}×${l.quantity}, event ${spec.chargeType}×${spec.quantity}`,
    );
    check(
      l.chargeStart === dateOfDay(start) && l.chargeEnd === dateOfDay(last),
      () =>
        `line ${i} covers ${l.chargeStart}..${l.chargeEnd}, the event ${dateOfDay(start)}..${dateOfDay(last)}`,
    );
    check(
      l.sourceLineId === (i === 0 ? null : (lines[i - 1]?.id ?? 'missing')),
      () => `line ${i} (tier ${l.tier}) does not reference the line of the tier above`,
    );
  }
  check(new Set(lines.map((l) => l.id)).size === lines.length, () => 'line ids repeat');
}

/** A cycle: whole UTC days, anchored on the purchase day, found by `cycleAt` from inside. */
function checkCycle(s: Scenario, termStart: Date, anchor: number, c: ChargeCycle): void {
  check(
    c.days === dayNumber(c.end) - dayNumber(c.start),
    () => `cycle ${c.index} has ${c.days} days for ${c.start.toISOString()}..${c.end.toISOString()}`,
  );
  const months = cycleMonths(s.term, s.billing);
  const [min, max] = months === 1 ? [28, 31] : months === 12 ? [365, 366] : [28, 366];
  check(c.days >= min && c.days <= max, () => `cycle of ${months} month(s) with ${c.days} days`);
  for (const at of [c.start, c.end])
    check(
      at.getUTCDate() === Math.min(anchor, daysInMonth(at)) &&
        at.getTime() % DAY_MS === s.termStart.getTime() % DAY_MS,
      () => `cycle boundary ${at.toISOString()} is not on day ${anchor} (clamped) at the purchase time`,
    );
  for (const at of [c.start, new Date(c.end.getTime() - 1)]) {
    const found = cycleAt(termStart, anchor, s.term, s.billing, at);
    check(
      found.index === c.index && found.start.getTime() === c.start.getTime() && found.days === c.days,
      () => `cycleAt(${at.toISOString()}) is cycle ${found.index}, not ${c.index}`,
    );
  }
  const perTerm = TERM_MONTHS[s.term] / months;
  const next = nextCycleStart(termStart, anchor, s.term, s.billing, c);
  check(
    c.index + 1 < perTerm ? next?.getTime() === c.end.getTime() : next === null,
    () => `the cycle after ${c.index} of ${perTerm} starts ${next?.toISOString()}`,
  );
}

/** What a sequence exercised (to show the generators reach every path). */
interface Tally {
  sequences: number;
  events: number;
  quantityChanges: number;
  cancellations: number;
  day0Cancels: number;
  newCancelledOnDay0: number;
  cycleCharges: number;
  renewals: number;
  zeroExponent: number;
  chains: Map<string, number>;
}

const newTally = (): Tally => ({
  sequences: 0,
  events: 0,
  quantityChanges: 0,
  cancellations: 0,
  day0Cancels: 0,
  newCancelledOnDay0: 0,
  cycleCharges: 0,
  renewals: 0,
  zeroExponent: 0,
  chains: new Map(),
});

/**
 * Runs one sequence and checks every invariant, throwing a `Breach` on the first that fails.
 * `impl` computes the split and the amounts (the real functions, or a planted bug); with the real
 * one, `cascade`'s own amounts must equal it.
 */
function runSequence(s: Scenario, impl: Impl, tally?: Tally): void {
  const anchor = s.termStart.getUTCDate();
  const months = cycleMonths(s.term, s.billing);
  const perTerm = TERM_MONTHS[s.term] / months;
  const tiers = s.prices.length;
  let termStart = s.termStart;
  let firstTerm = true;
  let c = cycle(termStart, anchor, months, 0);
  let now = s.termStart;
  let quantity = s.quantity;
  let ids = 0;
  const newId = () => `L${ids++}`;
  const total = new Array<bigint>(tiers).fill(0n);
  /** The term's lines so far, and their per-tier net (what a full refund must reverse). */
  let termLines: { tier: number; sellerTenantId: string; chargeType: ChargeType; amount: bigint }[] = [];
  let termNet = new Array<bigint>(tiers).fill(0n);

  /** The cycle's per-tier net so far, the used slices of its closed segments, and the open segment. */
  let net = new Array<bigint>(tiers).fill(0n);
  let used = new Array<bigint>(tiers).fill(0n);
  let segment = { quantity, fromDay: 0, amounts: [] as bigint[], slices: [] as bigint[][] };

  const emit = (spec: ChargeSpec): { amounts: bigint[]; slices: bigint[][] } => {
    const lines = cascade(spec, s.prices, s.currency, newId);
    checkCascadeShape(spec, s.prices, lines);
    const slices = s.prices.map((p) =>
      checkedSlices(impl, checkCycleCharge(p.unitPriceMicros, spec.quantity, s.currency), spec.cycle.days),
    );
    const amounts = s.prices.map((p) => impl.amount(spec, p.unitPriceMicros, s.currency));
    if (impl === REAL)
      for (const [i, l] of lines.entries())
        check(l.amount === amounts[i], () => `cascade amount ${l.amount} ≠ amountAt ${amounts[i]}`);
    for (let i = 0; i < tiers; i++) {
      net[i] = (net[i] as bigint) + (amounts[i] as bigint);
      total[i] = (total[i] as bigint) + (amounts[i] as bigint);
      termNet[i] = (termNet[i] as bigint) + (amounts[i] as bigint);
    }
    for (const [i, l] of lines.entries()) termLines.push({ ...l, amount: amounts[i] as bigint });
    return { amounts, slices };
  };

  /** Closes the open segment on day `k` with a refund of the remaining slices (quantity change, cancellation). */
  const refundSegment = (chargeType: ChargeType, k: number) => {
    const refund = emit({ chargeType, quantity: segment.quantity, sign: -1, cycle: c, fromDay: k });
    for (let i = 0; i < tiers; i++) {
      const slices = segment.slices[i] as bigint[];
      const charge = sum(slices);
      const usedRun = sum(slices.slice(segment.fromDay, k));
      const refundedRun = sum(slices.slice(k));
      checkRun(usedRun, charge, c.days, k - segment.fromDay, `tier ${i} used days ${segment.fromDay}..${k}`);
      checkRun(refundedRun, charge, c.days, c.days - k, `tier ${i} refunded days ${k}..${c.days}`);
      const charged = segment.amounts[i] as bigint;
      const refunded = refund.amounts[i] as bigint;
      check(
        usedRun - refunded === charged,
        () =>
          `tier ${i}: used ${usedRun} + refunded ${-refunded} ≠ charged ${charged} (segment of ${segment.quantity} from day ${segment.fromDay}, ${chargeType} on day ${k} of ${c.days}, charge ${charge})`,
      );
      check(
        refunded === -refundedRun,
        () => `tier ${i}: refund ${refunded} is not minus the remaining slices ${refundedRun}`,
      );
      used[i] = (used[i] as bigint) + usedRun;
    }
  };

  /** Opens a segment: `amounts` charged from day `fromDay` must be the slices from that day on. */
  const openSegment = (q: number, fromDay: number, charged: { amounts: bigint[]; slices: bigint[][] }) => {
    for (let i = 0; i < tiers; i++)
      check(
        charged.amounts[i] === sum((charged.slices[i] as bigint[]).slice(fromDay)),
        () =>
          `tier ${i}: charged ${charged.amounts[i]} from day ${fromDay} is not its remaining slices, so used + refunded ≠ charged`,
      );
    segment = { quantity: q, fromDay, ...charged };
  };

  /** End of the cycle: each tier's net is what it used, slice by slice. */
  const closeCycle = (endDay: number) => {
    for (let i = 0; i < tiers; i++) {
      const last = sum((segment.slices[i] as bigint[]).slice(segment.fromDay, endDay));
      check(
        net[i] === (used[i] as bigint) + last,
        () => `tier ${i}: cycle ${c.index} nets ${net[i]}, its used slices ${(used[i] as bigint) + last}`,
      );
    }
  };

  const chargeCycle = (chargeType: ChargeType) => {
    checkCycle(s, termStart, anchor, c);
    if (chargeType !== 'cycleCharge') {
      termLines = [];
      termNet = new Array<bigint>(tiers).fill(0n);
    }
    net = new Array<bigint>(tiers).fill(0n);
    used = new Array<bigint>(tiers).fill(0n);
    openSegment(quantity, 0, emit({ chargeType, quantity, sign: 1, cycle: c, fromDay: 0 }));
  };

  if (tally) {
    tally.sequences++;
    tally.chains.set(s.chain, (tally.chains.get(s.chain) ?? 0) + 1);
    if (CURRENCY_EXPONENTS[s.currency] === 0) tally.zeroExponent++;
  }
  chargeCycle('new');
  for (const e of s.events) {
    if (tally) tally.events++;
    if (e.kind === 'advance') {
      now = new Date(now.getTime() + e.days * DAY_MS + e.hours * HOUR_MS);
      while (now >= c.end) {
        closeCycle(c.days);
        const end = c.end;
        if (c.index + 1 < perTerm) {
          c = cycle(termStart, anchor, months, c.index + 1);
          check(
            c.start.getTime() === end.getTime(),
            () => `cycle ${c.index} does not start where the last ended`,
          );
          chargeCycle('cycleCharge');
          if (tally) tally.cycleCharges++;
        } else {
          check(
            dayNumber(end) - dayNumber(termStart) ===
              Array.from({ length: perTerm }, (_, i) => cycle(termStart, anchor, months, i).days).reduce(
                (a, b) => a + b,
                0,
              ),
            () => 'the cycles of a term do not add up to the term',
          );
          termStart = end;
          firstTerm = false;
          c = cycle(termStart, anchor, months, 0);
          chargeCycle('renew');
          if (tally) tally.renewals++;
        }
      }
      continue;
    }
    const k = dayOfCycle(c, now);
    check(k >= 0 && k <= c.days, () => `day ${k} of a ${c.days}-day cycle`);
    if (e.kind === 'quantity') {
      if (e.quantity === quantity) continue;
      const chargeType: ChargeType = e.quantity > quantity ? 'addQuantity' : 'removeQuantity';
      refundSegment(chargeType, k);
      quantity = e.quantity;
      openSegment(quantity, k, emit({ chargeType, quantity, sign: 1, cycle: c, fromDay: k }));
      if (tally) tally.quantityChanges++;
      continue;
    }
    // Cancellation on day k. Policy `full` (the default): minus the term's net at every tier,
    // cascaded like any event, so the term nets zero.
    const spec: ChargeSpec = { chargeType: 'cancelImmediate', quantity, sign: -1, cycle: c, fromDay: k };
    const full = fullRefundAmounts(s.prices, termLines);
    const refundLines = cascade(spec, s.prices, s.currency, newId, { amounts: full });
    checkCascadeShape(spec, s.prices, refundLines);
    for (let i = 0; i < tiers; i++)
      check(
        (termNet[i] as bigint) + (refundLines[i]?.amount ?? 0n) === 0n,
        () => `tier ${i}: the term nets ${termNet[i]}, the full refund is ${refundLines[i]?.amount}`,
      );
    // Policy `prorated`: the rest of the cycle is refunded and nothing follows.
    refundSegment('cancelImmediate', k);
    for (let i = 0; i < tiers; i++)
      check(net[i] === used[i], () => `tier ${i}: the cancelled cycle nets ${net[i]}, used ${used[i]}`);
    if (tally) tally.cancellations++;
    if (k === 0) {
      if (tally) tally.day0Cancels++;
      for (let i = 0; i < tiers; i++)
        check(net[i] === 0n, () => `tier ${i}: cancelled on day 0, the cycle nets ${net[i]}`);
      if (firstTerm && c.index === 0) {
        if (tally) tally.newCancelledOnDay0++;
        for (let i = 0; i < tiers; i++)
          check(total[i] === 0n, () => `tier ${i}: a new cancelled on day 0 nets ${total[i]}`);
      }
    }
    return;
  }
}

const sequenceProperty = (impl: Impl, tally?: Tally) =>
  fc.property(scenarioArb, (s) => {
    runSequence(s, impl, tally);
  });

// --- Pricing ------------------------------------------------------------------------------------

const party = (tenantId: string, role: ChainParty['role']): ChainParty => ({
  tenantId,
  role,
  partnerId: role === 'vendor' || role === 'customer' ? null : tenantId.charCodeAt(0),
  name: tenantId,
});

const PRICING_CHAINS: readonly SalesChain[] = [
  [
    party('V', 'vendor'),
    party('P', 'indirect-provider'),
    party('R', 'indirect-reseller'),
    party('C', 'customer'),
  ],
  [party('V', 'vendor'), party('D', 'direct-bill'), party('C', 'customer')],
  [party('P', 'indirect-provider'), party('R', 'indirect-reseller'), party('C', 'customer')],
  [party('R', 'indirect-reseller'), party('C', 'customer')],
];

const PRICE_DATE = '2026-03-10';

const pricingArb = fc
  .record({
    chain: fc.constantFrom(...PRICING_CHAINS),
    currency: currencyArb,
    catalogPriceMinor: fc.integer({ min: 0, max: 200_000 }),
    entries: fc.array(
      fc.record({
        seller: fc.constantFrom('V', 'P', 'R', 'D'),
        otherSku: fc.nat({ max: 4 }).map((n) => n === 0),
        unit: microsArb,
        erp: fc.option(microsArb),
        from: fc.constantFrom('2026-01-01', '2026-03-10', '2026-04-01'),
        to: fc.constantFrom(null, '2026-03-01', '2026-03-11'),
      }),
      { maxLength: 4 },
    ),
    rules: fc.array(
      fc.record({
        seller: fc.constantFrom('V', 'P', 'R', 'D'),
        target: fc.constantFrom('buyer', 'group', 'everyone', 'someone-else'),
        basis: fc.constantFrom('cost' as const, 'erp' as const),
        adjustmentBps: fc.integer({ min: -4000, max: 6000 }),
        override: fc.option(
          fc.record({
            basis: fc.constantFrom('cost' as const, 'erp' as const),
            bps: fc.integer({ min: -4000, max: 6000 }),
          }),
        ),
        month: fc.constantFrom('2026-01', '2026-03', '2026-04'),
        allowBelowCost: fc.boolean(),
      }),
      { maxLength: 5 },
    ),
    inGroup: fc.boolean(),
    programDefault: fc.option(
      fc.record({
        basis: fc.constantFrom('cost' as const, 'erp' as const),
        adjustmentBps: fc.integer({ min: -2000, max: 4000 }),
      }),
    ),
  })
  .map((r) => {
    const key: PriceKey = {
      productId: 'PROD',
      skuId: 'PROD:0001',
      termDuration: 'P1Y',
      billingCycle: 'monthly',
      country: 'FR',
      currency: r.currency,
    };
    const buyerOf = (seller: string) => {
      const i = r.chain.findIndex((p) => p.tenantId === seller);
      return i < 0 ? 'X' : (r.chain[i + 1]?.tenantId ?? 'X');
    };
    const sellers = new Map<string, SellerPricing>();
    for (const seller of ['V', 'P', 'R', 'D']) {
      const entries: PriceListEntry[] = r.entries
        .filter((e) => e.seller === seller)
        .map((e, i) => ({
          ...key,
          skuId: e.otherSku ? 'PROD:0002' : key.skuId,
          id: `${seller}-entry-${i}`,
          sellerTenantId: seller,
          unitPriceMicros: e.unit,
          erpMicros: e.erp,
          effectiveFrom: e.from,
          effectiveTo: e.to !== null && e.to <= e.from ? null : e.to,
        }));
      const rules: RepricingRule[] = r.rules
        .filter((x) => x.seller === seller)
        .map((x, i) => ({
          id: `${seller}-rule-${i}`,
          sellerTenantId: seller,
          buyerTenantId: x.target === 'buyer' ? buyerOf(seller) : x.target === 'someone-else' ? 'X' : null,
          buyerGroup: x.target === 'group' ? 'G' : null,
          basis: x.basis,
          adjustmentBps: x.adjustmentBps,
          overrides: x.override
            ? [
                {
                  productIds: [],
                  skuIds: [key.skuId],
                  basis: x.override.basis,
                  adjustmentBps: x.override.bps,
                },
              ]
            : [],
          effectiveMonth: x.month,
          allowBelowCost: x.allowBelowCost,
          createdAt: `2026-01-0${i + 1}T00:00:00.000Z`,
        }));
      const groups = new Map<string, Set<string>>(r.inGroup ? [['G', new Set([buyerOf(seller)])]] : []);
      sellers.set(seller, { entries, rules, groups });
    }
    return {
      chain: r.chain,
      key,
      catalogPriceMinor: r.catalogPriceMinor,
      sellers,
      programDefault: r.programDefault as DefaultRepricing | null,
    };
  });

type PricingCase = typeof pricingArb extends fc.Arbitrary<infer T> ? T : never;

/** Checks one accepted pricing: costs chain down, sell ≥ cost unless allowed, the floor is exactly the cost. */
function checkPricing(p: PricingCase, prices: readonly TierPrice[], floorAtCost: boolean): void {
  check(
    prices.length === p.chain.length - 1,
    () => `${prices.length} prices for a chain of ${p.chain.length}`,
  );
  const list =
    BigInt(p.catalogPriceMinor) * (MICROS / 10n ** BigInt(CURRENCY_EXPONENTS[p.key.currency] ?? 2));
  for (const [i, t] of prices.entries()) {
    const above = prices[i - 1];
    check(
      t.costMicros === (above?.unitPriceMicros ?? null),
      () => `tier ${t.tier}'s cost is not the price above`,
    );
    const pricing = p.sellers.get(t.sellerTenantId);
    const rule = pricing?.rules.find((r) => r.id === t.sourceId);
    const allowed = t.source === 'rule' && rule?.allowBelowCost === true;
    let candidate: bigint;
    if (t.source === 'price-list') {
      const entry = pricing?.entries.find((e) => e.id === t.sourceId);
      check(entry !== undefined, () => `tier ${t.tier} names a missing entry`);
      candidate = entry.unitPriceMicros;
    } else if (t.source === 'catalog') {
      check(t.costMicros === null, () => `tier ${t.tier} takes the catalog price below the top`);
      candidate = list;
    } else {
      const adj = t.source === 'rule' && rule ? adjustmentFor(rule, p.key) : p.programDefault;
      check(adj !== null && adj !== undefined, () => `tier ${t.tier} priced by a missing rule`);
      const basis = adj.basis === 'cost' ? t.costMicros : (above?.erpMicros ?? null);
      check(basis !== null, () => `tier ${t.tier} priced from a missing basis`);
      candidate = applyAdjustment(basis, adj.adjustmentBps);
    }
    if (t.costMicros === null) {
      check(t.unitPriceMicros === candidate, () => `top tier ${t.tier} is not its source's price`);
      continue;
    }
    const cost = t.costMicros;
    if (!allowed)
      check(
        t.unitPriceMicros >= cost,
        () => `tier ${t.tier} sells at ${t.unitPriceMicros} below its cost ${cost}`,
      );
    check(
      t.unitPriceMicros === candidate ||
        (floorAtCost && !allowed && candidate < cost && t.unitPriceMicros === cost),
      () =>
        `tier ${t.tier}: ${t.unitPriceMicros}, its source says ${candidate} (cost ${cost}, floor ${floorAtCost})`,
    );
  }
}

// --- Tests --------------------------------------------------------------------------------------

describe('charges: invariants over 10,000 random event sequences', () => {
  it('every event cascades to one line per tier; slices, refunds and cycle nets add up to the minor unit', () => {
    const tally = newTally();
    fc.assert(sequenceProperty(REAL, tally), { numRuns: 10_000, seed: 20260701 });
    if (process.env.OPENCSP_PROPERTY_TALLY)
      console.log({ ...tally, chains: Object.fromEntries(tally.chains) });
    // The generators reach every path, or the properties prove little.
    expect(tally.sequences).toBeGreaterThanOrEqual(10_000);
    expect(tally.chains.size).toBe(CHAINS.length);
    expect(tally.quantityChanges).toBeGreaterThan(10_000);
    expect(tally.cycleCharges).toBeGreaterThan(3_000);
    expect(tally.renewals).toBeGreaterThan(3_000);
    expect(tally.cancellations).toBeGreaterThan(1_000);
    expect(tally.newCancelledOnDay0).toBeGreaterThan(500);
    expect(tally.zeroExponent).toBeGreaterThan(1_000);
  }, 60_000);
});

describe('pricing: sell ≥ cost unless allowed; the one rounding rule', () => {
  it('priceChain over random lists, rules and defaults: costs chain down, never below cost unless the rule allows it', () => {
    let accepted = 0;
    let floored = 0;
    let allowedBelow = 0;
    fc.assert(
      fc.property(pricingArb, (p) => {
        const input = {
          chain: p.chain,
          key: p.key,
          date: PRICE_DATE,
          catalogPriceMinor: p.catalogPriceMinor,
          sellers: p.sellers,
          programDefault: p.programDefault,
        };
        const strict = priceChain(input);
        const floor = priceChain({ ...input, floorAtCost: true });
        if (strict.ok) {
          accepted++;
          checkPricing(p, strict.value, false);
          if (strict.value.some((t) => t.costMicros !== null && t.unitPriceMicros < t.costMicros))
            allowedBelow++;
          check(
            floor.ok &&
              JSON.stringify(floor.value, (_, v) => (typeof v === 'bigint' ? `${v}` : v)) ===
                JSON.stringify(strict.value, (_, v) => (typeof v === 'bigint' ? `${v}` : v)),
            () => 'the floor changed an accepted pricing',
          );
          return;
        }
        const codes = new Set(strict.violations.map((v) => v.code));
        check(
          [...codes].every((c) => c === 'PRICE_NOT_FOUND' || c === 'PRICE_BELOW_COST'),
          () => `refused with ${[...codes].join(',')}`,
        );
        if (floor.ok) {
          floored++;
          check(!codes.has('PRICE_NOT_FOUND'), () => 'the floor found a price that did not exist');
          checkPricing(p, floor.value, true);
        } else {
          check(
            floor.violations.every((v) => v.code === 'PRICE_NOT_FOUND') && codes.has('PRICE_NOT_FOUND'),
            () => 'floorAtCost still refused below cost',
          );
        }
      }),
      { numRuns: 5_000, seed: 20260702 },
    );
    expect(accepted).toBeGreaterThan(500);
    expect(floored).toBeGreaterThan(100);
    expect(allowedBelow).toBeGreaterThan(10);
  });

  it('applyAdjustment and divideRounded round half-up on the magnitude, then apply the sign', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }),
        fc.integer({ min: -10_000, max: 1_000_000 }),
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        (basis, bps, d) => {
          const r = applyAdjustment(basis, bps);
          const exact = basis * BigInt(10_000 + bps);
          const error = r * 10_000n - exact;
          check(abs(error) <= 5_000n, () => `${basis} × (1 + ${bps}/10000) → ${r}`);
          if (abs(error) === 5_000n)
            check(
              abs(r * 10_000n) > abs(exact),
              () => `tie ${basis}, ${bps} not rounded away from zero: ${r}`,
            );
          check(applyAdjustment(-basis, bps) === -r || r === 0n, () => `sign of ${basis}, ${bps}`);
          const q = divideRounded(basis, d);
          const e = q * d - basis;
          check(2n * abs(e) <= d, () => `${basis}/${d} → ${q}`);
          if (2n * abs(e) === d) check(abs(q * d) > abs(basis), () => `tie ${basis}/${d} → ${q}`);
          check(divideRounded(-basis, d) === -q, () => `sign of ${basis}/${d}`);
        },
      ),
      { numRuns: 5_000, seed: 20260703 },
    );
    expect([applyAdjustment(1n, 5_000), applyAdjustment(-1n, 5_000), applyAdjustment(5n, -9_000)]).toEqual([
      2n, // 1.5 → 2
      -2n, // −1.5 → −2
      1n, // 0.5 → 1
    ]);
  });
});

describe('planted bugs: the same properties catch them', () => {
  /** A refund (and a charge from day k) computed as round(charge × remaining days / days). */
  const ratioRefund: Impl = {
    name: 'round(charge × remaining/days)',
    split: splitLargestRemainder,
    amount(spec, unit, currency) {
      const charge = cycleCharge(unit, spec.quantity, currency);
      const part = divideRounded(charge * BigInt(spec.cycle.days - spec.fromDay), BigInt(spec.cycle.days));
      return spec.sign === 1 ? part : -part;
    },
  };

  /** Leftover units all given to the first slices (and amounts consistent with those slices). */
  const leftoverFirst: Impl = {
    name: 'leftover to the first slices',
    split(amount, parts) {
      const n = BigInt(parts);
      const base = amount / n;
      const left = amount - base * n;
      return Array.from({ length: parts }, (_, i) => base + (BigInt(i) < left ? 1n : 0n));
    },
    amount(spec, unit, currency) {
      const slices = this.split(cycleCharge(unit, spec.quantity, currency), spec.cycle.days);
      const part = sum(slices.slice(spec.fromDay));
      return spec.sign === 1 ? part : -part;
    },
  };

  it('a refund of round(charge × remaining/days) breaks used + refunded = charged', () => {
    const out = fc.check(sequenceProperty(ratioRefund), { numRuns: 10_000, seed: 20260704 });
    if (process.env.OPENCSP_PROPERTY_TALLY) console.log(String(out.errorInstance), out.counterexample);
    expect(out.failed).toBe(true);
    expect(String(out.errorInstance)).toMatch(/used .*\+ refunded .*≠ charged/);
  });

  it('leftover units on the first slices keep the sums but break "each run within one unit"', () => {
    const out = fc.check(sequenceProperty(leftoverFirst), { numRuns: 10_000, seed: 20260705 });
    if (process.env.OPENCSP_PROPERTY_TALLY) console.log(String(out.errorInstance), out.counterexample);
    expect(out.failed).toBe(true);
    expect(String(out.errorInstance)).toMatch(/is not within one minor unit of/);
  });
});
