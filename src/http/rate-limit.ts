/**
 * Rate limiting per API key (anonymous callers per address): a token bucket in memory, refilled
 * continuously. Over the limit: 429 with `Retry-After` (seconds) as problem+json. One process
 * only; a scale-out deployment puts the buckets in a shared store (later).
 */
import { violation } from '../kernel/outcome.ts';

export interface RateLimitOptions {
  /** Requests allowed per window (the bucket's size). */
  readonly max: number;
  readonly windowMs: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

export interface RateDecision {
  readonly allowed: boolean;
  readonly retryAfterSeconds: number;
}

export function createRateLimiter(options: RateLimitOptions): (key: string) => RateDecision {
  const now = options.now ?? (() => Date.now());
  const rate = options.max / options.windowMs;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key) => {
    const t = now();
    const b = buckets.get(key) ?? { tokens: options.max, at: t };
    b.tokens = Math.min(options.max, b.tokens + (t - b.at) * rate);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000)) };
  };
}

export const rateLimited = (retryAfterSeconds: number) =>
  violation('RATE_LIMITED', `Too many requests; retry after ${retryAfterSeconds} s.`, {
    remedies: [`Wait ${retryAfterSeconds} s (Retry-After), or spread requests over time.`],
  });
