import { describe, expect, it } from 'vitest';
import { isGuid, orderedGuids, randomIds, seededIds } from './ids.ts';

const take = (seed: number, n: number) => {
  const ids = seededIds(seed);
  return Array.from({ length: n }, () => ids.guid());
};

describe('isGuid', () => {
  it.each([
    '00000000-0000-0000-0000-000000000000',
    'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
    '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
  ])('accepts %s', (value) => {
    expect(isGuid(value)).toBe(true);
  });

  it.each([
    '',
    'not-a-guid',
    '3f2504e04f8911d39a0c0305e82c3301',
    '{3f2504e0-4f89-11d3-9a0c-0305e82c3301}',
    '3f2504e0-4f89-11d3-9a0c-0305e82c330',
    '3f2504e0-4f89-11d3-9a0c-0305e82c33011',
    '3f2504e0-4f89-11d3-9a0c-0305e82c330g',
    ' 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    '3f2504e0-4f89-11d3-9a0c-0305e82c3301\n',
    '3f2504e0_4f89_11d3_9a0c_0305e82c3301',
  ])('refuses %j', (value) => {
    expect(isGuid(value)).toBe(false);
  });
});

describe('seededIds', () => {
  it('the same seed gives the same sequence', () => {
    expect(take(42, 50)).toEqual(take(42, 50));
    expect(take(7, 5)).toEqual(take(7, 5));
  });

  it('different seeds give different sequences', () => {
    const seeds = [1, 2, 3, 42, 43, 1234567, 0xffffffff];
    const firsts = seeds.map((s) => take(s, 3).join());
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  // An early version mapped seed 0 to seed 1 (`seed >>> 0 || 1`: xorshift32 cannot start at 0).
  it('seed 0 and seed 1 give different sequences', () => {
    expect(take(0, 3)).not.toEqual(take(1, 3));
  });

  it('every value is a version-4, RFC 4122 variant GUID, and none repeats', () => {
    for (const seed of [1, 42, 99]) {
      const ids = take(seed, 2000);
      for (const id of ids) {
        expect(isGuid(id), id).toBe(true);
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('a stream separates sources that share a seed; the same seed and stream repeat', () => {
    const of = (seed: number, stream: number) => {
      const ids = seededIds(seed, stream);
      return Array.from({ length: 1000 }, () => ids.guid());
    };
    expect(of(7, 0)).toEqual(take(7, 1000));
    expect(of(7, 1)).toEqual(of(7, 1));
    const seen = new Set([...of(7, 0), ...of(7, 1), ...of(7, 2), ...of(8, 0), ...of(8, 1)]);
    expect(seen.size).toBe(5000);
  });

  it('ordered ids on a given clock sort after those of a logical clock; its plain ids are unchanged', () => {
    // The benchmark's runtime (seed 7, stream 0) writes into a world generated on a logical clock
    // (its own stream): on a logical clock too, its first ordered ids sorted among the world's.
    const world = seededIds(1, 0x301d);
    const made = Array.from({ length: 10_000 }, () => world.orderedGuid());
    const logical = seededIds(7).orderedGuid();
    expect(made.some((id) => id > logical)).toBe(true);
    const clock = seededIds(7, 0, Date.now);
    const first = clock.orderedGuid();
    for (const id of made) expect(first > id, id).toBe(true);
    expect(clock.orderedGuid() > first).toBe(true);
    const plain = seededIds(7, 0, Date.now);
    expect(Array.from({ length: 5 }, () => plain.guid())).toEqual(take(7, 5));
  });

  it('no seed continues the sequence of another', () => {
    // Under xorshift32 (the generator before sfc32) every seed was a point of one cycle: seed
    // 0x8de14843 started at seed 1's state after four values, so its ids were seed 1's from the second.
    const first = new Set(take(1, 100_000));
    for (const seed of [0x8de14843, 2, 0xffffffff])
      for (const id of take(seed, 100_000)) expect(first.has(id)).toBe(false);
  });

  it('randomIds gives GUIDs too', () => {
    const a = randomIds.guid();
    expect(isGuid(a)).toBe(true);
    expect(randomIds.guid()).not.toBe(a);
  });
});

describe('ordered GUIDs', () => {
  const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const sorted = (ids: readonly string[]) => [...ids].sort();

  it('randomIds: version-7 GUIDs, each sorting after the one before, the time in the first 48 bits', () => {
    const before = Date.now();
    const ids = Array.from({ length: 10_000 }, () => randomIds.orderedGuid());
    for (const id of ids) expect(id).toMatch(V7);
    expect(sorted(ids)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const ms = Number.parseInt((ids[0] ?? '').replaceAll('-', '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });

  it('more than 4,096 in one tick borrow the next tick, and a clock that goes back does not break the order', () => {
    let now = 1_000;
    const next = orderedGuids(() => now, seededIds(3).guid);
    const ids = Array.from({ length: 5_000 }, () => next());
    expect(ids[4_095]?.slice(0, 18)).toBe('00000000-03e8-7fff');
    expect(ids[4_096]?.slice(0, 18)).toBe('00000000-03e9-7000');
    now = 500; // the clock stepped back
    ids.push(next(), next());
    now = 2_000;
    ids.push(next());
    expect(sorted(ids)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)?.slice(0, 18)).toBe('00000000-07d0-7000');
  });

  it('seededIds: the same seed gives the same ordered sequence, in order', () => {
    const run = (seed: number) => {
      const ids = seededIds(seed);
      return Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? ids.guid() : ids.orderedGuid()));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const ordered = run(5).filter((_, i) => i % 3 !== 0);
    for (const id of ordered) expect(id).toMatch(V7);
    expect(sorted(ordered)).toEqual(ordered);
  });
});
