import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toInstant } from './time.ts';

describe('toInstant', () => {
  it('is toISOString, for instants seen before and new ones, past the few thousand it remembers', () => {
    const ms = fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(ms, fc.constantFrom(0, 1_800_000_000_000)), { maxLength: 50 }),
        (values) => {
          for (const v of values) expect(toInstant(new Date(v))).toBe(new Date(v).toISOString());
        },
      ),
      { numRuns: 300 },
    );
    // More distinct instants than it keeps, then the first ones again.
    for (let i = 0; i < 10_000; i++)
      expect(toInstant(new Date(i * 1000))).toBe(new Date(i * 1000).toISOString());
    expect(toInstant(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });

  it('refuses an invalid date every time, as toISOString does', () => {
    expect(() => toInstant(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => toInstant(new Date(Number.NaN))).toThrow(RangeError);
  });
});
