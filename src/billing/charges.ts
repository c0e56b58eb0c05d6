/**
 * Charges, as plain functions over data: charge cycles, daily proration, and the cascade of one
 * subscription event into one line per billing relationship of its sales chain.
 *
 * - Billing periods are calendar months (UTC). A license subscription is charged in advance, per
 *   charge cycle (a month, or a year for annual billing), anchored on its term start day (days
 *   29–31 clamp to the end of shorter months).
 * - A cycle's charge (unit price × quantity, rounded once) is split into daily slices by largest
 *   remainder, the leftover units spread evenly. A change on day k of a cycle (day 0 = the cycle's first day) refunds the remaining
 *   slices of the old quantity and charges the remaining slices of the new one, so what is used
 *   plus what is refunded always equals what was charged.
 * - Every tier's line of one event shares the event id, `ReferenceId`, charge type, dates and
 *   quantity; only unit prices and amounts differ. A line references the tier above's line
 *   (`SourceLineId`).
 */
import { TERM_MONTHS, type TermDuration } from '../catalog/model.ts';
import { addMonths, toInstant } from '../kernel/time.ts';
import { extend, slicesUpTo } from './money.ts';
import type { TierPrice } from './pricing.ts';

export const CHARGE_TYPES = [
  'new',
  'renew',
  'cycleCharge',
  'addQuantity',
  'removeQuantity',
  'cancelImmediate',
  'customerCredit',
] as const;
export type ChargeType = (typeof CHARGE_TYPES)[number];

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant, as a day number (days since 1970-01-01). */
export function dayNumber(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}

/** `YYYY-MM-DD` of an instant (UTC). */
export function dateOf(at: Date): string {
  return toInstant(at).slice(0, 10);
}

/** The billing period (`YYYY-MM`, UTC) an instant falls in. */
export function periodOf(at: Date): string {
  return toInstant(at).slice(0, 7);
}

/** First instant of a period and of the period after it. */
export function periodBounds(period: string): { start: Date; end: Date } {
  const start = new Date(`${period}-01T00:00:00.000Z`);
  return { start, end: addMonths(start, 1, 1) };
}

/** Months per charge cycle: a month, or a year for annual billing (never longer than the term). */
export function cycleMonths(term: TermDuration, billingCycle: string): number {
  return billingCycle === 'annual' ? Math.min(12, TERM_MONTHS[term]) : 1;
}

export interface ChargeCycle {
  /** 0 for the cycle that starts the term. */
  readonly index: number;
  readonly start: Date;
  /** First instant after the cycle. */
  readonly end: Date;
  /** Whole UTC days the cycle covers (its daily slices). */
  readonly days: number;
}

/**
 * The cycle of a term containing `at` (clamped to the term's cycles). The term starts at
 * `termStart`; cycles are anchored on `anchorDay` (the purchase day).
 */
export function cycleAt(
  termStart: Date,
  anchorDay: number,
  term: TermDuration,
  billingCycle: string,
  at: Date,
): ChargeCycle {
  const months = cycleMonths(term, billingCycle);
  const count = TERM_MONTHS[term] / months;
  let index = 0;
  while (index + 1 < count && addMonths(termStart, (index + 1) * months, anchorDay) <= at) index++;
  return cycle(termStart, anchorDay, months, index);
}

/** Cycle `index` of a term. */
export function cycle(termStart: Date, anchorDay: number, months: number, index: number): ChargeCycle {
  const start = index === 0 ? termStart : addMonths(termStart, index * months, anchorDay);
  const end = addMonths(termStart, (index + 1) * months, anchorDay);
  return { index, start, end, days: Math.max(1, dayNumber(end) - dayNumber(start)) };
}

/** The start of the cycle after `c` if it is still inside the term, else null (the term end comes first). */
export function nextCycleStart(
  termStart: Date,
  anchorDay: number,
  term: TermDuration,
  billingCycle: string,
  c: ChargeCycle,
): Date | null {
  const months = cycleMonths(term, billingCycle);
  return c.index + 1 < TERM_MONTHS[term] / months
    ? addMonths(termStart, (c.index + 1) * months, anchorDay)
    : null;
}

/** Day k of a cycle on which `at` falls (0 = first day), clamped to the cycle. */
export function dayOfCycle(c: ChargeCycle, at: Date): number {
  return Math.min(c.days, Math.max(0, dayNumber(at) - dayNumber(c.start)));
}

/** The full cycle charge of `quantity` units at a unit price, in minor units (rounded once). */
export function cycleCharge(unitPriceMicros: bigint, quantity: number, currency: string): bigint {
  return extend(unitPriceMicros, BigInt(quantity), currency);
}

/** The slices of a cycle charge from day `fromDay` to the cycle's end, summed (see `splitLargestRemainder`). */
export function remainingSlices(charge: bigint, days: number, fromDay: number): bigint {
  return charge - slicesUpTo(charge, days, fromDay);
}

/** What one event charges (positive) or refunds (negative), before it is priced at each tier. */
export interface ChargeSpec {
  readonly chargeType: ChargeType;
  /** The quantity the line is for (the old quantity on a refund, the new one on a charge). */
  readonly quantity: number;
  /** +1: charge the remaining slices; −1: refund them. */
  readonly sign: 1 | -1;
  readonly cycle: ChargeCycle;
  /** Day of the cycle the line starts on (0 for a full cycle). */
  readonly fromDay: number;
}

/** A line's amount at one tier's unit price. */
export function amountAt(spec: ChargeSpec, unitPriceMicros: bigint, currency: string): bigint {
  const charge = cycleCharge(unitPriceMicros, spec.quantity, currency);
  const part = remainingSlices(charge, spec.cycle.days, spec.fromDay);
  return spec.sign === 1 ? part : -part;
}

/** One tier's line of an event, before it is stored. */
export interface CascadeLine {
  readonly id: string;
  readonly tier: number;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly chargeType: ChargeType;
  readonly quantity: number;
  readonly unitPriceMicros: bigint;
  readonly amount: bigint;
  /** First and last day charged (`YYYY-MM-DD`, inclusive). */
  readonly chargeStart: string;
  readonly chargeEnd: string;
  /** The line of the tier above (null at the top of the chain). */
  readonly sourceLineId: string | null;
  /** The charge line this refund reverses (refunds only). */
  readonly refundsLineId: string | null;
}

/**
 * The cascade: one line per tier for one charge spec, linked top down. `refunds` names, per tier,
 * the charge line a refund reverses; `amounts`, per tier, replaces the prorated amount (a full
 * refund nets what the tier was charged, see `fullRefundAmounts`).
 */
export function cascade(
  spec: ChargeSpec,
  prices: readonly TierPrice[],
  currency: string,
  newId: () => string,
  options: { refunds?: readonly (string | null)[]; amounts?: readonly bigint[] } = {},
): CascadeLine[] {
  const { refunds, amounts } = options;
  if (amounts && amounts.length !== prices.length)
    throw new Error(`cascade: ${amounts.length} amounts for ${prices.length} tiers`);
  const first = new Date(spec.cycle.start.getTime() + spec.fromDay * DAY_MS);
  const last = new Date(spec.cycle.end.getTime() - DAY_MS);
  const lines: CascadeLine[] = [];
  let source: string | null = null;
  for (const [i, p] of prices.entries()) {
    const id = newId();
    lines.push({
      id,
      tier: p.tier,
      sellerTenantId: p.sellerTenantId,
      buyerTenantId: p.buyerTenantId,
      chargeType: spec.chargeType,
      quantity: spec.quantity,
      unitPriceMicros: p.unitPriceMicros,
      amount: amounts?.[i] ?? amountAt(spec, p.unitPriceMicros, currency),
      chargeStart: dateOf(first),
      chargeEnd: dateOf(last < first ? first : last),
      sourceLineId: source,
      refundsLineId: refunds?.[i] ?? null,
    });
    source = id;
  }
  return lines;
}

/** A line already written for a subscription, as far as a full refund needs it. */
export interface ChargedLine {
  readonly tier: number;
  readonly sellerTenantId: string;
  readonly chargeType: ChargeType;
  readonly amount: bigint;
}

/**
 * A full refund (`cancelImmediate` under the program's `full` cancellation policy): per tier of
 * `prices`, minus what that tier's lines of the term so far net to — the cycle charges, and the
 * refunds and charges of every quantity change — so the term nets to zero at every tier whatever
 * happened inside the window. Credits are the seller's own decision and stay.
 */
export function fullRefundAmounts(prices: readonly TierPrice[], lines: readonly ChargedLine[]): bigint[] {
  return prices.map((p) => {
    let net = 0n;
    for (const l of lines)
      if (
        l.tier === p.tier &&
        l.sellerTenantId === p.sellerTenantId &&
        l.chargeType !== 'customerCredit' &&
        l.chargeType !== 'cancelImmediate'
      )
        net += l.amount;
    return -net;
  });
}

/** A term's line as a full refund splits it: where it is billed and what it reverses. */
export interface TermLine extends ChargedLine {
  readonly id: string;
  readonly eventId: string;
  readonly refundsLineId: string | null;
  /** The document it is on, when a refund now goes on a credit note for it (null: otherwise). */
  readonly invoiceId: string | null;
}

/** One part of a full refund: the lines it nets to zero, and per tier of the prices the line it reverses. */
export interface RefundPart {
  readonly lines: readonly TermLine[];
  readonly refunds: readonly (string | null)[];
}

/**
 * A full refund split by where the charges it reverses were billed, so a refund of a charge already
 * on a document goes on a credit note for it. Each charge event whose lines are on a document (by
 * the time of a cancellation: a closed month's invoice) gets its own part — its charges and the
 * refunds of them, reversing those charges tier by tier; every other line of the term goes in one
 * part reversing `current` (the cycle's current charges). With nothing on a document that is one
 * part, as before a month was closed; each part is netted by `fullRefundAmounts` and written as its
 * own event (one line per tier), all under the cancellation's `ReferenceId`.
 */
export function fullRefundParts(
  prices: readonly TierPrice[],
  current: readonly (string | null)[],
  lines: readonly TermLine[],
): RefundPart[] {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const billed = new Map<string, TermLine[]>();
  const rest: TermLine[] = [];
  for (const l of lines) {
    const charge = l.refundsLineId === null ? l : byId.get(l.refundsLineId);
    const onDocument =
      charge !== undefined &&
      charge.refundsLineId === null &&
      charge.invoiceId !== null &&
      charge.chargeType !== 'customerCredit' &&
      charge.chargeType !== 'cancelImmediate';
    if (!onDocument) {
      rest.push(l);
      continue;
    }
    const part = billed.get(charge.eventId);
    if (part) part.push(l);
    else billed.set(charge.eventId, [l]);
  }
  const parts: RefundPart[] = [...billed.entries()].map(([eventId, ls]) => ({
    lines: ls,
    refunds: prices.map(
      (p) =>
        ls.find((l) => l.eventId === eventId && l.tier === p.tier && l.sellerTenantId === p.sellerTenantId)
          ?.id ?? null,
    ),
  }));
  if (rest.length > 0 || parts.length === 0) parts.push({ lines: rest, refunds: current });
  return parts;
}
