import { describe, expect, it } from 'vitest';
import type { TermLine } from './charges.ts';
import {
  amountAt,
  type ChargeType,
  cascade,
  cycle,
  cycleAt,
  dateOf,
  dayOfCycle,
  fullRefundAmounts,
  fullRefundParts,
  nextCycleStart,
  periodBounds,
  remainingSlices,
} from './charges.ts';
import type { TierPrice } from './pricing.ts';

const d = (s: string) => new Date(s);

describe('charge cycles', () => {
  it('monthly cycles anchored on the 31st clamp to shorter months and come back', () => {
    const start = d('2026-01-31T09:00:00.000Z');
    const starts = [0, 1, 2, 3].map((i) => dateOf(cycle(start, 31, 1, i).start));
    expect(starts).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
    expect(cycle(start, 31, 1, 1).days).toBe(31); // Feb 28 → Mar 31
    expect(cycle(start, 31, 1, 0).days).toBe(28); // Jan 31 → Feb 28
  });

  it('the cycle containing an instant; the last cycle of a term has no next one', () => {
    const start = d('2026-01-15T10:00:00.000Z');
    const c = cycleAt(start, 15, 'P1Y', 'monthly', d('2026-03-20T00:00:00.000Z'));
    expect([c.index, dateOf(c.start), dateOf(c.end)]).toEqual([2, '2026-03-15', '2026-04-15']);
    const last = cycleAt(start, 15, 'P1Y', 'monthly', d('2027-01-14T00:00:00.000Z'));
    expect(last.index).toBe(11);
    expect(nextCycleStart(start, 15, 'P1Y', 'monthly', last)).toBeNull();
    const annual = cycleAt(start, 15, 'P3Y', 'annual', d('2027-06-01T00:00:00.000Z'));
    expect([annual.index, annual.days]).toEqual([1, 365]);
  });

  it('day k of a cycle is clamped to the cycle; periods are calendar months', () => {
    const c = cycle(d('2026-01-15T10:00:00.000Z'), 15, 1, 0);
    expect(dayOfCycle(c, d('2026-01-15T23:59:00.000Z'))).toBe(0);
    expect(dayOfCycle(c, d('2026-01-18T00:00:00.000Z'))).toBe(3);
    expect(dayOfCycle(c, d('2026-03-01T00:00:00.000Z'))).toBe(31);
    expect(periodBounds('2026-12').end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('proration and the cascade', () => {
  it('the remaining slices of a charge: all on day 0, none after the cycle, each run within a cent of its exact share', () => {
    expect(remainingSlices(5600n, 31, 0)).toBe(5600n);
    expect(remainingSlices(5600n, 31, 31)).toBe(0n);
    expect(remainingSlices(5600n, 31, 3)).toBe(5058n); // exact 5058.06
    expect(remainingSlices(5600n, 31, 3) + (5600n - remainingSlices(5600n, 31, 3))).toBe(5600n);
  });

  it('one line per tier with the same dates, type and quantity; each references the line above', () => {
    const c = cycle(d('2026-01-15T10:00:00.000Z'), 15, 1, 0);
    const tiers: TierPrice[] = [1, 2, 3].map((tier) => ({
      tier,
      sellerTenantId: `S${tier}`,
      buyerTenantId: `S${tier + 1}`,
      unitPriceMicros: BigInt(tier) * 1_000_000n,
      costMicros: null,
      erpMicros: null,
      source: 'price-list',
      sourceId: null,
    }));
    let n = 0;
    const lines = cascade(
      { chargeType: 'removeQuantity', quantity: 4, sign: -1, cycle: c, fromDay: 10 },
      tiers,
      'JPY',
      () => `L${n++}`,
      { refunds: ['a', 'b', 'c'] },
    );
    expect(
      lines.map((l) => [l.id, l.sourceLineId, l.refundsLineId, l.chargeStart, l.chargeEnd, l.amount]),
    ).toEqual([
      ['L0', null, 'a', '2026-01-25', '2026-02-14', -3n],
      ['L1', 'L0', 'b', '2026-01-25', '2026-02-14', -5n],
      ['L2', 'L1', 'c', '2026-01-25', '2026-02-14', -8n],
    ]);
    expect(
      amountAt({ chargeType: 'new', quantity: 4, sign: 1, cycle: c, fromDay: 0 }, 1_000_000n, 'JPY'),
    ).toBe(4n);
  });

  it('a full refund nets each tier of the term to zero: explicit amounts, credits and other relationships left out', () => {
    const c = cycle(new Date('2026-01-15T00:00:00.000Z'), 15, 1, 0);
    const tiers: TierPrice[] = [1, 2].map((tier) => ({
      tier,
      sellerTenantId: `s${tier}`,
      buyerTenantId: `b${tier}`,
      unitPriceMicros: BigInt(tier) * 1_000_000n,
      costMicros: null,
      erpMicros: null,
      source: 'price-list',
      sourceId: null,
    }));
    const line = (tier: number, seller: string, chargeType: ChargeType, amount: bigint) => ({
      tier,
      sellerTenantId: seller,
      chargeType,
      amount,
    });
    const amounts = fullRefundAmounts(tiers, [
      line(1, 's1', 'new', 400n),
      line(2, 's2', 'new', 800n),
      line(1, 's1', 'addQuantity', -300n),
      line(1, 's1', 'addQuantity', 600n),
      line(2, 's2', 'addQuantity', -600n),
      line(2, 's2', 'addQuantity', 1_200n),
      line(2, 's2', 'customerCredit', -50n), // the seller's own decision: stays
      line(2, 'other-seller', 'cycleCharge', 999n), // another relationship at that tier
    ]);
    expect(amounts).toEqual([-700n, -1_400n]);
    let n = 0;
    const lines = cascade(
      { chargeType: 'cancelImmediate', quantity: 8, sign: -1, cycle: c, fromDay: 3 },
      tiers,
      'EUR',
      () => `L${n++}`,
      { refunds: ['a', 'b'], amounts },
    );
    expect(lines.map((l) => [l.sourceLineId, l.refundsLineId, l.chargeStart, l.quantity, l.amount])).toEqual([
      [null, 'a', '2026-01-18', 8, -700n],
      ['L0', 'b', '2026-01-18', 8, -1_400n],
    ]);
    expect(() =>
      cascade(
        { chargeType: 'cancelImmediate', quantity: 8, sign: -1, cycle: c, fromDay: 3 },
        tiers,
        'EUR',
        () => 'x',
        {
          amounts: [1n],
        },
      ),
    ).toThrow('1 amounts for 2 tiers');
  });

  it('a full refund is split by where its charges were billed: a charge on a document and its refunds are a part of their own', () => {
    const tiers: TierPrice[] = [1, 2].map((tier) => ({
      tier,
      sellerTenantId: `s${tier}`,
      buyerTenantId: `b${tier}`,
      unitPriceMicros: 1_000_000n,
      costMicros: null,
      erpMicros: null,
      source: 'price-list',
      sourceId: null,
    }));
    const line = (
      id: string,
      eventId: string,
      tier: number,
      chargeType: ChargeType,
      amount: bigint,
      refundsLineId: string | null,
      invoiceId: string | null,
    ): TermLine => ({
      id,
      eventId,
      tier,
      sellerTenantId: `s${tier}`,
      chargeType,
      amount,
      refundsLineId,
      invoiceId,
    });
    // Bought in a month that has closed (on invoices I1, I2); seats added after, rated but on no document.
    const bought = [
      line('n1', 'e1', 1, 'new', 400n, null, 'I1'),
      line('n2', 'e1', 2, 'new', 800n, null, 'I2'),
    ];
    const changed = [
      line('r1', 'e2', 1, 'addQuantity', -300n, 'n1', null),
      line('r2', 'e2', 2, 'addQuantity', -600n, 'n2', null),
      line('c1', 'e3', 1, 'addQuantity', 600n, null, null),
      line('c2', 'e3', 2, 'addQuantity', 1_200n, null, null),
      line('k2', 'e4', 2, 'customerCredit', -50n, null, 'I2'),
    ];
    const parts = fullRefundParts(tiers, ['c1', 'c2'], [...bought, ...changed]);
    expect(
      parts.map((p) => [p.refunds, p.lines.map((l) => l.id), fullRefundAmounts(tiers, p.lines)]),
    ).toEqual([
      // The billed charge and the refunds of it: a credit note for I1 / I2 when closed.
      [
        ['n1', 'n2'],
        ['n1', 'n2', 'r1', 'r2'],
        [-100n, -200n],
      ],
      // The rest (a credit is the seller's own decision: it stays): reverses the current charges.
      [
        ['c1', 'c2'],
        ['c1', 'c2', 'k2'],
        [-600n, -1_200n],
      ],
    ]);
    // The parts together net the term to zero, as one refund would.
    const all = [...bought, ...changed];
    expect(fullRefundAmounts(tiers, all)).toEqual([-700n, -1_400n]);
    // Nothing on a document: one part, reversing the current charges (as before any close).
    const open = all.map((l) => ({ ...l, invoiceId: null }));
    expect(fullRefundParts(tiers, ['c1', 'c2'], open)).toEqual([{ lines: open, refunds: ['c1', 'c2'] }]);
    // Everything on documents and no later change: one part reversing the billed charge.
    expect(fullRefundParts(tiers, ['n1', 'n2'], bought)).toEqual([{ lines: bought, refunds: ['n1', 'n2'] }]);
  });
});
