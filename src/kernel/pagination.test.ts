import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparePositions, type ListPosition, mergeOrdered, toPage } from './pagination.ts';

const at = (key: string, id: string): ListPosition => ({ key, id });
const self = (p: ListPosition) => p;

describe('mergeOrdered', () => {
  it('keeps the first limit + 1 positions of the union, in order, each once', () => {
    const a = [at('2026-01', 'a'), at('2026-01', 'c'), at('2026-02', 'b')];
    const b = [at('2026-01', 'b'), at('2026-01', 'c'), at('2026-03', 'a')];
    expect(mergeOrdered([a, b], 3, self)).toEqual([
      at('2026-01', 'a'),
      at('2026-01', 'b'),
      at('2026-01', 'c'),
      at('2026-02', 'b'),
    ]);
    expect(mergeOrdered([a, []], 10, self)).toEqual(a);
  });

  it('pages through two lists as one ordered list would (any lists, any page size)', () => {
    const position = fc.record({
      key: fc.constantFrom('2025-12', '2026-01', '2026-02'),
      id: fc.string({ minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(position), fc.array(position), fc.integer({ min: 1, max: 7 }), (xs, ys, limit) => {
        const unique = (ps: ListPosition[]) =>
          [...new Map(ps.map((p) => [`${p.key}\n${p.id}`, p])).values()].sort(comparePositions);
        const [left, right] = [unique(xs), unique(ys)];
        const expected = unique([...left, ...right]);
        // Each list read as a database would: in order, after the cursor, limit + 1 rows.
        const read = (list: ListPosition[], after?: ListPosition) =>
          list.filter((p) => !after || comparePositions(p, after) > 0).slice(0, limit + 1);
        const seen: ListPosition[] = [];
        let after: ListPosition | undefined;
        for (;;) {
          const rows = mergeOrdered([read(left, after), read(right, after)], limit, self);
          const page = toPage(rows, limit, self, self);
          seen.push(...page.items);
          if (page.next === null) break;
          after = page.items.at(-1);
        }
        expect(seen).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
