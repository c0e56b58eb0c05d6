import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultProgram } from '../program/load.ts';
import {
  CURRENCY_EXPONENTS,
  divideRounded,
  extend,
  formatMoney,
  formatScaled,
  minorToMicros,
  refundFrom,
  splitLargestRemainder,
} from './money.ts';

describe('money', () => {
  it('knows the exponent of every currency a market of the program transacts in', () => {
    const currencies = new Set(
      defaultProgram().catalogue.regions.flatMap((r) => r.markets.map((m) => m.currency)),
    );
    for (const c of currencies) expect(CURRENCY_EXPONENTS[c], c).toBeTypeOf('number');
    expect(CURRENCY_EXPONENTS.JPY).toBe(0);
    expect(CURRENCY_EXPONENTS.KRW).toBe(0);
  });

  it('formats integers scaled by a power of ten the same from a bigint or a number', () => {
    for (const [value, decimals, text] of [
      [1234, 2, '12.34'],
      [-5, 2, '-0.05'],
      [0, 2, '0.00'],
      [-7, 0, '-7'],
      [12_340_000, 6, '12.340000'],
      [Number.MAX_SAFE_INTEGER, 2, '90071992547409.91'],
    ] as const) {
      expect(formatScaled(value, decimals)).toBe(text);
      expect(formatScaled(BigInt(value), decimals)).toBe(text);
    }
    expect(formatScaled(-9_007_199_254_740_993n, 2)).toBe('-90071992547409.93');
  });

  it('rounds half-up on the magnitude, then the sign', () => {
    expect(divideRounded(5n, 2n)).toBe(3n);
    expect(divideRounded(-5n, 2n)).toBe(-3n);
    expect(divideRounded(4n, 3n)).toBe(1n);
    expect(divideRounded(-4n, 3n)).toBe(-1n);
    expect(divideRounded(0n, 7n)).toBe(0n);
    fc.assert(
      fc.property(
        fc.bigInt(),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (a, d) => divideRounded(-a, d) === -divideRounded(a, d),
      ),
    );
  });

  it('extends a micro-unit price by a quantity into minor units, rounded once', () => {
    // 12.345678 EUR × 3 = 37.037034 → 37.04 EUR
    expect(extend(12_345_678n, 3n, 'EUR')).toBe(3704n);
    // 1234.5 JPY × 1 → 1235 JPY (half-up); refund the same magnitude
    expect(extend(1_234_500_000n, 1n, 'JPY')).toBe(1235n);
    expect(extend(-1_234_500_000n, 1n, 'JPY')).toBe(-1235n);
    expect(minorToMicros(1250n, 'EUR')).toBe(12_500_000n);
  });

  it('splits by largest remainder: slices sum to the charge and differ by at most one unit', () => {
    expect(splitLargestRemainder(1000n, 3)).toEqual([333n, 334n, 333n]);
    expect(splitLargestRemainder(-1000n, 3)).toEqual([-333n, -334n, -333n]);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 1, max: 366 }),
        (amount, days) => {
          const slices = splitLargestRemainder(amount, days);
          const sum = slices.reduce((a, b) => a + b, 0n);
          const max = slices.reduce((a, b) => (b > a ? b : a));
          const min = slices.reduce((a, b) => (b < a ? b : a));
          return sum === amount && max - min <= 1n && slices.length === days;
        },
      ),
    );
  });

  it('any run of consecutive slices is within one minor unit of its exact share (leftovers spread evenly)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.integer({ min: 1, max: 366 }),
        fc.nat(366),
        fc.nat(366),
        (amount, days, a, b) => {
          const from = Math.min(a, b) % (days + 1);
          const to = Math.max(from, Math.max(a, b) % (days + 1));
          const run = splitLargestRemainder(amount, days)
            .slice(from, to)
            .reduce((x, y) => x + y, 0n);
          const exactTimesDays = amount * BigInt(to - from); // run × days vs exact share × days
          const diff = run * BigInt(days) - exactTimesDays;
          return (diff < 0n ? -diff : diff) < BigInt(days);
        },
      ),
    );
    // Handing every leftover unit to the first days would break it: 30 units over 31 days, the
    // last 20 days would get 0 instead of ≈ 19.35.
    expect(
      splitLargestRemainder(30n, 31)
        .slice(11)
        .reduce((x, y) => x + y, 0n),
    ).toBe(19n);
  });

  it('a refund from day k is minus the remaining slices: used + refunded = charge, to the cent', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 28, max: 31 }),
        fc.nat(31),
        (charge, days, k) => {
          const used = Math.min(k, days);
          const slices = splitLargestRemainder(charge, days);
          const usedAmount = slices.slice(0, used).reduce((a, b) => a + b, 0n);
          return usedAmount - refundFrom(charge, days, used) === charge;
        },
      ),
    );
    expect(refundFrom(3100n, 31, 0)).toBe(-3100n);
    expect(refundFrom(3100n, 31, 31)).toBe(0n);
  });

  it('formats minor units for people', () => {
    expect(formatMoney(1234n, 'EUR')).toBe('12.34 EUR');
    expect(formatMoney(-5n, 'EUR')).toBe('-0.05 EUR');
    expect(formatMoney(-5n, 'JPY')).toBe('-5 JPY');
  });
});
