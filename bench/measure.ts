/**
 * Measurement: closed-loop workers for a fixed time, latency percentiles, a seeded random source.
 */

/** One measured workload. */
export interface Figure {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50us: number;
  readonly p99us: number;
  /** Operations in flight at once (workers, or HTTP connections). */
  readonly concurrency: number;
  /** Operations that failed or were refused when they should not have been. */
  readonly errors: number;
}

/** Growable list of latencies in microseconds. */
export class Latencies {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(us: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = us;
  }

  /** The p-th quantile (0 ≤ p ≤ 1), rounded to 0.1 µs. */
  quantiles(...ps: number[]): number[] {
    const sorted = this.values.slice(0, this.length).sort();
    return ps.map((p) => {
      const v = sorted[Math.min(this.length - 1, Math.floor(p * this.length))] ?? 0;
      return Math.round(v * 10) / 10;
    });
  }
}

export function figure(lat: Latencies, seconds: number, concurrency: number, errors: number): Figure {
  const [p50us = 0, p99us = 0] = lat.quantiles(0.5, 0.99);
  return {
    ops: lat.length,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(lat.length / seconds),
    p50us,
    p99us,
    concurrency,
    errors,
  };
}

export interface MeasureOptions {
  readonly durationMs: number;
  /** Run (unrecorded) this long first. */
  readonly warmupMs: number;
  readonly concurrency: number;
}

/**
 * `concurrency` workers call `op` back to back for the duration; each call's latency is recorded.
 * `op` returns false (or throws) for an operation that went wrong.
 */
export async function measure(options: MeasureOptions, op: (i: number) => Promise<boolean>): Promise<Figure> {
  let i = 0;
  let errors = 0;
  const lat = new Latencies();
  const run = async (until: number, record: boolean) => {
    const worker = async () => {
      while (performance.now() < until) {
        const t = performance.now();
        let ok = true;
        try {
          ok = await op(i++);
        } catch (error) {
          ok = false;
          if (errors === 0) console.error(`bench: first error: ${(error as Error).message}`);
        }
        if (!record) continue;
        lat.push((performance.now() - t) * 1000);
        if (ok === false) errors++;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  };
  await run(performance.now() + options.warmupMs, false);
  const start = performance.now();
  await run(start + options.durationMs, true);
  return figure(lat, (performance.now() - start) / 1000, options.concurrency, errors);
}

/**
 * A synchronous operation, timed call by call (the timer's own ~0.1 µs is included, so the
 * figures are conservative).
 */
export function measureSync(
  options: Omit<MeasureOptions, 'concurrency'>,
  op: (i: number) => boolean,
): Figure {
  let i = 0;
  const warm = performance.now() + options.warmupMs;
  while (performance.now() < warm) op(i++);
  const lat = new Latencies();
  let errors = 0;
  const start = performance.now();
  const until = start + options.durationMs;
  let t = start;
  while (t < until) {
    const ok = op(i++);
    const end = performance.now();
    lat.push((end - t) * 1000);
    if (!ok) errors++;
    t = end;
  }
  return figure(lat, (t - start) / 1000, 1, errors);
}

/** mulberry32: a small seeded generator, so the same run picks the same tuples. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export const pick = (rnd: () => number, n: number): number => Math.floor(rnd() * n);
