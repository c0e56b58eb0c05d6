/**
 * A big export runs in worker threads (`src/billing/export-worker.ts`), each reading through a
 * read-only connection of its own: the same bytes as the export written in the main thread, for
 * every format, page size and reader; small exports, in-memory databases and `workers: 0` stay in
 * the main thread; an export abandoned halfway stops its workers.
 *
 * On a SQLite database file and on a PostgreSQL database of the suite's own (the suites of
 * `describeEachDatabase` run SQLite in memory, where no worker can reach the database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestInfo } from '../src/app/context.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { closeBillingPeriod } from '../src/billing/close.ts';
import { type ExportOptions, type ExportStream, exportInvoice, exportPeriod } from '../src/billing/export.ts';
import { type InvoiceView, listInvoices } from '../src/billing/service.ts';
import { seededIds } from '../src/kernel/ids.ts';
import type { Outcome } from '../src/kernel/outcome.ts';
import { defaultProgram } from '../src/program/load.ts';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { must, userPrincipal } from '../src/world/builder.ts';
import { type BulkWorld, generateBulkWorld } from '../src/world/bulk.ts';
import { BACKENDS } from './support/databases.ts';

/** Every worker path forced on, whatever the export's size. */
const FORCED: ExportOptions = { workers: 2, workersFromRows: 0 };

async function bytes(out: Outcome<ExportStream>): Promise<{ text: string; workers: number }> {
  const stream = must(out);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return { text: Buffer.concat(parts).toString('utf8'), workers: stream.workers };
}

describe.each(BACKENDS)('exports in worker threads ($name)', (backend) => {
  if (backend.skip) {
    it.skip(`skipped: ${backend.skip}`, () => undefined);
    return;
  }
  let remove: (() => Promise<void>) | undefined;
  let store: Store;
  let csp: OpenCsp;
  let world: BulkWorld;
  let operator: RequestInfo;
  let invoices: InvoiceView[];

  beforeAll(async () => {
    const opened = await backend.open();
    store = opened.store;
    remove = opened.remove;
    await migrate(store);
    csp = new OpenCsp(store, defaultProgram(), seededIds(42), () => new Date('2026-01-01T00:00:00.000Z'));
    world = await generateBulkWorld(csp, {
      countries: ['FR', 'US'],
      providers: 2,
      resellersPerProvider: 3,
      directBill: 2,
      customers: 120,
      linesPerOrder: 3,
      ledger: 'partners',
      seed: 7,
    });
    operator = { principal: world.operator.principal, now: new Date('2026-02-16T00:00:00.000Z') };
    must(await closeBillingPeriod(csp, operator, { period: '2026-01' }));
    invoices = must(await csp.query(listInvoices, operator, { period: '2026-01', limit: 500 }))
      .items as InvoiceView[];
  });

  afterAll(async () => {
    await store?.close();
    await remove?.();
  });

  it('writes the bytes of the main thread, at any page size, in both formats', async () => {
    const lines = invoices.reduce((n, i) => n + i.lineCount, 0);
    // Documents of every size: some bigger than the small pages below, cut into ranges of lines.
    expect(lines).toBeGreaterThan(500);
    expect(Math.max(...invoices.map((i) => i.lineCount))).toBeGreaterThan(50);
    for (const format of ['csv', 'ndjson'] as const)
      for (const pageSize of [1000, 50, 7]) {
        const main = await bytes(
          await exportPeriod(csp, operator, '2026-01', format, { pageSize, workers: 0 }),
        );
        const workers = await bytes(
          await exportPeriod(csp, operator, '2026-01', format, { pageSize, ...FORCED }),
        );
        expect(main.workers).toBe(0);
        expect(workers.workers).toBe(2);
        expect(workers.text.split('\n')).toHaveLength(lines + (format === 'csv' ? 2 : 1));
        expect(workers.text).toBe(main.text);
      }
  });

  it("writes a partner's own view the same way: its documents, its margins only", async () => {
    const provider = world.providers[0];
    if (!provider) throw new Error('no provider');
    const request = {
      principal: userPrincipal(provider.adminUserId as never, provider.tenantId as never, ['global-admin']),
    };
    const main = await bytes(
      await exportPeriod(csp, request, '2026-01', 'ndjson', { pageSize: 20, workers: 0 }),
    );
    const workers = await bytes(
      await exportPeriod(csp, request, '2026-01', 'ndjson', { pageSize: 20, ...FORCED }),
    );
    expect(workers.workers).toBe(2);
    expect(main.text.length).toBeGreaterThan(0);
    expect(workers.text).toBe(main.text);
  });

  it('exports one big invoice in ranges of its lines, the same bytes', async () => {
    const big = invoices.reduce((a, b) => (b.lineCount > a.lineCount ? b : a));
    const main = await bytes(await exportInvoice(csp, operator, big.id, 'csv', { pageSize: 9, workers: 0 }));
    const workers = await bytes(
      await exportInvoice(csp, operator, big.id, 'csv', { pageSize: 9, ...FORCED }),
    );
    expect(workers.workers).toBe(2);
    expect(workers.text.split('\n')).toHaveLength(big.lineCount + 2);
    expect(workers.text).toBe(main.text);
  });

  it('stays in the main thread below the threshold, with workers: 0, and in memory', async () => {
    const small = must(await exportPeriod(csp, operator, '2026-01', 'csv', { workers: 2 }));
    // The default threshold is 20,000 lines; this world has far fewer (and one page of documents).
    expect(small.workers).toBe(0);
    expect(
      must(await exportPeriod(csp, operator, '2026-01', 'csv', { workers: 0, workersFromRows: 0 })).workers,
    ).toBe(0);
    const memory = openStore(':memory:');
    try {
      await migrate(memory);
      const inMemory = new OpenCsp(memory, defaultProgram(), seededIds(1), () => new Date());
      expect(must(await exportPeriod(inMemory, operator, '2026-01', 'csv', FORCED)).workers).toBe(0);
    } finally {
      await memory.close();
    }
  });

  it('stops its workers when the reader stops early, and the next export runs', async () => {
    const out = must(await exportPeriod(csp, operator, '2026-01', 'ndjson', { pageSize: 5, ...FORCED }));
    const it = out[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    expect((await it.return?.(undefined))?.done).toBe(true);
    const again = await bytes(
      await exportPeriod(csp, operator, '2026-01', 'ndjson', { pageSize: 5, ...FORCED }),
    );
    expect(again.text).toBe((await bytes(await exportPeriod(csp, operator, '2026-01', 'ndjson'))).text);
  });
});
