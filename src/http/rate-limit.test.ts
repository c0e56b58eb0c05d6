import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('createRateLimiter', () => {
  it('allows max requests per window per key, then refuses with Retry-After, and refills over time', () => {
    let t = 0;
    const limit = createRateLimiter({ max: 3, windowMs: 3000, now: () => t });
    expect([limit('a'), limit('a'), limit('a')].every((d) => d.allowed)).toBe(true);
    expect(limit('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limit('b').allowed).toBe(true); // another key has its own bucket
    t = 1000; // one token back (3 per 3 s)
    expect(limit('a').allowed).toBe(true);
    expect(limit('a').allowed).toBe(false);
    t = 100_000; // never more than the bucket holds
    expect([1, 2, 3, 4].map(() => limit('a').allowed)).toEqual([true, true, true, false]);
  });
});
