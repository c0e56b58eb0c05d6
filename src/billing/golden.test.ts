/**
 * Golden tests: Partner Center's documented proration examples, reproduced with OpenCSP's own
 * functions (`cycle`, `dayOfCycle`, `cascade`, `cycleCharge`, `remainingSlices`). Where OpenCSP's
 * figure differs from Partner Center's, the test asserts OpenCSP's figure, and the helpers below
 * reproduce Partner Center's figure from the formula its page states, so both numbers are pinned.
 * The differences and their reasons are in docs/billing-rounding.md.
 *
 * Sources (read 2026):
 *   [PC-1] Partner Center billing scenarios for one-time and select recurring purchases
 *          https://docs.microsoft.com/en-us/partner-center/common-billing-scenarios-onetime-recurring
 *   [PC-2] New commerce invoice reconciliation file, column Subtotal
 *          https://learn.microsoft.com/en-gb/partner-center/modern-invoice-reconciliation-file
 *   [AX-1] Prorated charges for license-based subscriptions (AppXite, a CSP distributor, quoting
 *          Microsoft's reconciliation lines)
 *          https://support.appxite.com/hc/en-us/articles/4402361801746-Prorated-charges-for-license-based-subscriptions
 *   [AX-2] Correction for license quantity change (AppXite, quoting a Microsoft reconciliation line)
 *          https://support.appxite.com/hc/en-us/articles/360010684760-Correction-for-license-quantity-change
 *
 * | Example                         | Partner Center      | OpenCSP                 | Why they differ                                  |
 * |---------------------------------|---------------------|-------------------------|--------------------------------------------------|
 * | PC-1 §1 add 1 seat on day 0/30  | −4.00, +8.00        | −4.00, +8.00            | (equal)                                          |
 * | PC-1 §2 add 1 seat on day 1/30  | −3.87, +7.74        | −3.87, +7.73            | PC rounds the per-seat share (3.8667→3.87), then |
 * |                                 |                     |                         | × 2; we round the line once (7.7333→7.73)        |
 * | PC-2 formula on PC-1 §2         | −3.86, +7.72        | −3.87, +7.73            | the recon file's Subtotal rounds the effective   |
 * |                                 |                     |                         | unit price *down* to the cent, then × quantity   |
 * | AX-1 500 seats × 51.93, 27/31   | used 22,614.68;     | used 22,614.68;         | (equal: PC rounds this line once, like us; its   |
 * |   days, then 5 seats × 4 days   | 5 × 4 days = 33.50  | 5 × 4 days = 33.50      | UnitPrice column shows 45.22 truncated)          |
 * | AX-2 +1 seat × 4.00, 17/30 days | +2.26 (one line)    | −2.27, +4.53: net +2.26 | PC truncates the daily rate (0.1333→0.133); we   |
 * |                                 |                     |                         | refund 1 seat and charge 2, each rounded once    |
 */
import { describe, expect, it } from 'vitest';
import { type ChargeSpec, type ChargeType, cascade, cycle, cycleCharge, dayOfCycle } from './charges.ts';
import { divideRounded, formatAmount, parseDecimal, splitLargestRemainder } from './money.ts';
import type { TierPrice } from './pricing.ts';

/** One billing relationship (Microsoft → the partner), at a unit price given as a decimal string. */
const tier = (unitPrice: string): TierPrice[] => [
  {
    tier: 1,
    sellerTenantId: 'MICROSOFT',
    buyerTenantId: 'PARTNER',
    unitPriceMicros: parseDecimal(unitPrice, 6) ?? -1n,
    costMicros: null,
    erpMicros: null,
    source: 'catalog',
    sourceId: null,
  },
];

/** Monthly cycle `index` of a term started at `termStart` (UTC), anchored on its day. */
const monthly = (termStart: string, index = 0) => {
  const start = new Date(termStart);
  return cycle(start, start.getUTCDate(), 1, index);
};

/** The lines of one event, as Partner Center prints them: [type, start, end, quantity, amount]. */
function lines(spec: ChargeSpec, unitPrice: string, currency = 'USD') {
  let n = 0;
  return cascade(spec, tier(unitPrice), currency, () => `L${n++}`).map((l) => [
    l.chargeType,
    l.chargeStart,
    l.chargeEnd,
    l.quantity,
    formatAmount(l.amount, currency),
  ]);
}

/** A quantity change on `at`: the refund of the old quantity and the charge of the new one. */
function quantityChange(
  c: ReturnType<typeof monthly>,
  at: string,
  from: number,
  to: number,
  unitPrice: string,
  currency = 'USD',
) {
  const fromDay = dayOfCycle(c, new Date(at));
  const chargeType: ChargeType = to > from ? 'addQuantity' : 'removeQuantity';
  return [
    ...lines({ chargeType, quantity: from, sign: -1, cycle: c, fromDay }, unitPrice, currency),
    ...lines({ chargeType, quantity: to, sign: 1, cycle: c, fromDay }, unitPrice, currency),
  ];
}

// Partner Center's documented formulas, in integer cents (to reproduce its printed figures; no floats).

/** [PC-1]: (monthly price / days) × days × licenses, the per-license share rounded half-up to the cent first. */
const pcPerLicense = (unitCents: bigint, days: bigint, remaining: bigint, quantity: bigint) =>
  divideRounded(unitCents * remaining, days) * quantity;
/** [PC-2] license-based Subtotal: ROUNDDOWN(EffectiveUnitPrice, 2) × BillableQuantity. */
const pcRoundDownUnit = (unitCents: bigint, days: bigint, remaining: bigint, quantity: bigint) =>
  ((unitCents * remaining) / days) * quantity;
/** [AX-1]: the line rounded once (unit price × quantity × days / days in the cycle). */
const pcLine = (unitCents: bigint, days: bigint, remaining: bigint, quantity: bigint) =>
  divideRounded(unitCents * quantity * remaining, days);
/** [AX-2]: a daily rate truncated to three decimals (0.133), × days, rounded to the cent. */
const pcDailyRate = (unitCents: bigint, days: bigint, remaining: bigint) =>
  divideRounded(((unitCents * 10n) / days) * remaining, 10n);

describe('golden: Partner Center proration examples', () => {
  // [PC-1] $4 per license per month; the charge cycle has 30 days (June 11 – July 10 here: the page
  // prints June 10 – July 9 next to a June 11 purchase; only the day count matters).
  const june = monthly('2019-06-11T15:00:00.000Z');

  it('[PC-1 §1] a license added on the day of purchase: −4.00 and +8.00, as documented', () => {
    expect(june.days).toBe(30);
    expect(lines({ chargeType: 'new', quantity: 1, sign: 1, cycle: june, fromDay: 0 }, '4')).toEqual([
      ['new', '2019-06-11', '2019-07-10', 1, '4.00'],
    ]);
    expect(quantityChange(june, '2019-06-11T18:00:00.000Z', 1, 2, '4')).toEqual([
      ['addQuantity', '2019-06-11', '2019-07-10', 1, '-4.00'],
      ['addQuantity', '2019-06-11', '2019-07-10', 2, '8.00'],
    ]);
    expect([pcPerLicense(400n, 30n, 30n, 1n), pcPerLicense(400n, 30n, 30n, 2n)]).toEqual([400n, 800n]);
  });

  it('[PC-1 §2] a license added the next day: PC −3.87 / +7.74, OpenCSP −3.87 / +7.73 (one rounding per line)', () => {
    expect(quantityChange(june, '2019-06-12T09:00:00.000Z', 1, 2, '4')).toEqual([
      ['addQuantity', '2019-06-12', '2019-07-10', 1, '-3.87'],
      ['addQuantity', '2019-06-12', '2019-07-10', 2, '7.73'], // 8.00 × 29/30 = 7.7333…
    ]);
    // Partner Center's figures from its own formula: the per-license share 3.8667 → 3.87, × 2.
    expect([pcPerLicense(400n, 30n, 29n, 1n), pcPerLicense(400n, 30n, 29n, 2n)]).toEqual([387n, 774n]);
    // The reconciliation file's Subtotal formula [PC-2] (effective unit price rounded down) gives yet another figure.
    expect([pcRoundDownUnit(400n, 30n, 29n, 1n), pcRoundDownUnit(400n, 30n, 29n, 2n)]).toEqual([386n, 772n]);
    // Ours: used + refunded = charged, to the cent — day 0's slice of one license is 0.13.
    expect(splitLargestRemainder(400n, 30)[0]).toBe(13n);
    expect(400n - 387n).toBe(13n);
  });

  it('[AX-1] 500 seats at 51.93 reduced to 5 on day 27 of 31: used 22,614.68 and 5 seats × 4 days 33.50, as Microsoft', () => {
    // Term started 16.09.2020 (P1Y, billed monthly); the 7th cycle runs 16.03.2021 – 15.04.2021.
    const march = monthly('2020-09-16T00:00:00.000Z', 6);
    expect([march.start.toISOString().slice(0, 10), march.days]).toEqual(['2021-03-16', 31]);
    const change = quantityChange(march, '2021-04-12T08:00:00.000Z', 500, 5, '51.93', 'EUR');
    expect(change).toEqual([
      ['removeQuantity', '2021-04-12', '2021-04-15', 500, '-3350.32'],
      ['removeQuantity', '2021-04-12', '2021-04-15', 5, '33.50'],
    ]);
    // Microsoft prints the used part: 500 seats × 27 days. Ours is the cycle charge plus the refund.
    const charged = cycleCharge(51_930_000n, 500, 'EUR');
    expect(formatAmount(charged - 335_032n, 'EUR')).toBe('22614.68');
    expect([pcLine(5193n, 31n, 27n, 500n), pcLine(5193n, 31n, 4n, 5n)]).toEqual([2_261_468n, 3_350n]);
    // The next cycle's fee for 5 seats: 259.65, as documented.
    expect(formatAmount(cycleCharge(51_930_000n, 5, 'EUR'), 'EUR')).toBe('259.65');
  });

  it('[AX-2] one seat added with 17 of 30 days left at 4.00: Microsoft +2.26 in one line, OpenCSP −2.27 / +4.53 (net +2.26)', () => {
    // Cycle 07.06.2018 – 06.07.2018 (30 days); the seat is added with 17 days left (the article's
    // own dates, 18/06 – 04/07, do not end on the cycle's last day: its arithmetic is reproduced).
    const c = monthly('2018-06-07T00:00:00.000Z');
    expect(c.days).toBe(30);
    expect(quantityChange(c, '2018-06-20T12:00:00.000Z', 1, 2, '4', 'EUR')).toEqual([
      ['addQuantity', '2018-06-20', '2018-07-06', 1, '-2.27'], // 4.00 × 17/30 = 2.2667
      ['addQuantity', '2018-06-20', '2018-07-06', 2, '4.53'], // 8.00 × 17/30 = 4.5333
    ]);
    // Microsoft: 4/30 = 0.1333 truncated to 0.133, × 17 = 2.261 → 2.26.
    expect(pcDailyRate(400n, 30n, 17n)).toBe(226n);
  });

  it('constructed from the documented formula (no Partner Center figure): JPY, a 366-day annual cycle', () => {
    // "The billable days in an annual charge cycle are 365 or 366 (for a leap year)." ¥12,345 a
    // seat a year, 3 seats, bought 2028-01-15, cancelled on day 3 (inside 168 hours).
    const start = new Date('2028-01-15T10:00:00.000Z');
    const year = cycle(start, 15, 12, 0);
    expect(year.days).toBe(366);
    const spec = (sign: 1 | -1, fromDay: number, chargeType: ChargeType): ChargeSpec => ({
      chargeType,
      quantity: 3,
      sign,
      cycle: year,
      fromDay,
    });
    expect(lines(spec(1, 0, 'new'), '12345', 'JPY')).toEqual([
      ['new', '2028-01-15', '2029-01-14', 3, '37035'],
    ]);
    // The program policy `prorated` (the default `full` refunds all ¥37,035, see rating.ts):
    const k = dayOfCycle(year, new Date('2028-01-18T09:00:00.000Z'));
    expect(lines(spec(-1, k, 'cancelImmediate'), '12345', 'JPY')).toEqual([
      ['cancelImmediate', '2028-01-18', '2029-01-14', 3, '-36731'], // exact 36,731.44; used ¥304 (303.56)
    ]);
  });
});
