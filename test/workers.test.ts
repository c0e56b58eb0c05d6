/**
 * The worker pool (`src/kernel/workers.ts`): results reach their own task's promise whatever order
 * the workers finish in, a task's error rejects that task alone, a worker that dies fails what it
 * held and the pool from then on, `close` rejects what is in flight and lets each worker close what
 * it opened (terminating one that does not finish in time), and a process awaiting a task does not
 * exit under it (an idle pool never holds the process).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerPool, type WorkerPool } from '../src/kernel/workers.ts';
import type { TestTask, TestWorkerData } from './support/task-worker.ts';

const MODULE = new URL('./support/task-worker.ts', import.meta.url);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('worker pool', () => {
  let pool: WorkerPool<TestTask, Uint8Array> | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('hands each result to its own task, moved as bytes, whatever order the workers finish in', async () => {
    pool = startWorkerPool<TestTask, Uint8Array>(MODULE, { prefix: 'w:' }, 2);
    expect(pool.size).toBe(2);
    // Earlier tasks wait longer: they finish after later ones.
    const tasks = Array.from({ length: 12 }, (_, i) =>
      pool?.runTask({ echo: `t${i}`, waitMs: (12 - i) * 5 }),
    );
    const results = await Promise.all(tasks);
    expect(results.map((r) => (r instanceof Uint8Array ? decode(r) : r))).toEqual(
      Array.from({ length: 12 }, (_, i) => `w:t${i}`),
    );
  });

  it("rejects a task that throws with the worker's message, and goes on with the next", async () => {
    pool = startWorkerPool<TestTask, Uint8Array>(MODULE, { prefix: '' }, 1);
    await expect(pool.runTask({ fail: 'no such unit' })).rejects.toThrow('no such unit');
    expect(decode(await pool.runTask({ echo: 'after' }))).toBe('after');
  });

  it('fails the tasks of a worker that dies, and every task after', async () => {
    pool = startWorkerPool<TestTask, Uint8Array>(MODULE, { prefix: '' }, 1);
    // Each expectation is attached before the task can fail (a rejection nobody awaits yet is unhandled).
    const held = expect(pool.runTask({ echo: 'slow', waitMs: 500 })).rejects.toThrow('exit code 3');
    await expect(pool.runTask({ exit: 3 })).rejects.toThrow('exit code 3');
    await held;
    await expect(pool.runTask({ echo: 'later' })).rejects.toThrow('exit code 3');
  });

  it('rejects the tasks in flight when closed', async () => {
    pool = startWorkerPool<TestTask, Uint8Array>(MODULE, { prefix: '' }, 2);
    const held = expect(pool.runTask({ echo: 'slow', waitMs: 2_000 })).rejects.toThrow('worker pool closed');
    await pool.close();
    await held;
    await expect(pool.runTask({ echo: 'after' })).rejects.toThrow('closed');
  });

  it("runs each worker's onClose before it exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencsp-pool-'));
    try {
      const files = [join(dir, 'a'), join(dir, 'b')];
      const pools = files.map((closedFile) =>
        startWorkerPool<TestTask, Uint8Array>(MODULE, { prefix: '', closedFile } satisfies TestWorkerData, 1),
      );
      for (const p of pools) expect(decode(await p.runTask({ echo: 'x' }))).toBe('x');
      await Promise.all(pools.map((p) => p.close()));
      expect(files.map((f) => existsSync(f))).toEqual([true, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('terminates a worker that does not finish closing within the grace period', async () => {
    pool = startWorkerPool<TestTask, Uint8Array>(
      MODULE,
      { prefix: '', hangOnClose: true } satisfies TestWorkerData,
      1,
    );
    expect(decode(await pool.runTask({ echo: 'x' }))).toBe('x');
    const started = Date.now();
    await pool.close(200);
    // Bounded by the grace period, not by the worker's endless wait (vitest's 5 s timeout otherwise).
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('keeps the process alive while a task is out, and not once the pool is idle', async () => {
    // A script whose only pending work, once its worker is up, is a task in that worker: it prints
    // the result, then exits although the pool is left open.
    const script = `
      import { startWorkerPool } from ${JSON.stringify(new URL('../src/kernel/workers.ts', import.meta.url).href)};
      const pool = startWorkerPool(new URL(${JSON.stringify(MODULE.href)}), { prefix: 'done:' }, 1);
      const text = (b) => new TextDecoder().decode(b);
      console.log(text(await pool.runTask({ echo: 'first' })));
      pool.runTask({ echo: 'late', waitMs: 300 }).then((b) => console.log(text(b)));
    `;
    const dir = mkdtempSync(join(tmpdir(), 'opencsp-pool-'));
    try {
      const file = join(dir, 'script.mjs');
      writeFileSync(file, script);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
        timeout: 20_000,
      });
      expect(stdout.trim().split('\n')).toEqual(['done:first', 'done:late']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
