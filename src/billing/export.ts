/**
 * Reconciliation exports: the lines of one invoice, or of every document closed in a period, as
 * CSV or NDJSON, with Partner Center's reconciliation column names where they exist.
 *
 * Locale-free and deterministic, so exporting twice gives the same bytes: dates `YYYY-MM-DD` (UTC),
 * amounts as decimal strings at the currency's exponent, unit prices with six decimals, a fixed
 * column order and a fixed row order — documents by (seller, kind, number), lines by (occurred,
 * id). CSV is RFC 4180 quoting (a field holding a comma, a quote, CR or LF is quoted, quotes
 * doubled) with **LF** line ends; NDJSON is one JSON object per line keyed by the column names
 * (amounts as strings, `Quantity`, `ChainTier` and Partner IDs as numbers, `null` for empty).
 *
 * Rows are read in bounded units (`export-rows.ts`: at most about 1000 lines a query by default;
 * small documents share one query, a big one is read a page at a time), so a month of millions of
 * lines streams in bounded memory. Documents are planned here, in order; then read and written
 * either in this thread (a big document page after page, each after the last key of the one
 * before) or, for a big export of a SQLite file or a PostgreSQL database, by worker threads each
 * reading through a connection of its own (`export-worker.ts`; a big document first cut into ranges
 * at keys read from its index, so its pages need not wait for each other), several units in flight
 * and their bytes handed on in plan order: reading, decoding and rendering then run on every core,
 * and one worker's wait on the disk or the server no longer stalls the rest. In this thread, on
 * PostgreSQL, the next page is read while this one is written (its server reads in a process of
 * its own).
 */
import { availableParallelism } from 'node:os';
import { type Kysely, sql } from 'kysely';
import type { RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { readAhead } from '../kernel/read-ahead.ts';
import { startWorkerPool, type WorkerPool } from '../kernel/workers.ts';
import { actsFor } from '../rules/decisions.ts';
import { CLOSED_CONDITION } from '../store/migrations/0017-drafts-fewer-indexes.ts';
import type { Database } from '../store/schema.ts';
import { reopenUrl, type Store } from '../store/store.ts';
import {
  type DocRef,
  type ExportFormat,
  type ExportUnit,
  header,
  type LineKey,
  lineKey,
  lineKeysQuery,
  readUnit,
  renderUnit,
} from './export-rows.ts';
import type { ExportTask, ExportWorkerData } from './export-worker.ts';
import { BILLING_ROLES, getInvoice, viewerOf } from './service.ts';

export { EXPORT_COLUMNS, type ExportFormat, exportValues, jsonRecord } from './export-rows.ts';

/** Rows per database query, unless told otherwise. */
const PAGE = 1000;

/** Below this many lines an export stays in this thread: starting workers costs a few tenths of a second. */
const WORKERS_FROM_ROWS = 20_000;

/** Worker threads of a big export, unless told otherwise: one per core, four at most. */
const DEFAULT_WORKERS = Math.min(4, availableParallelism());

/**
 * Each export worker's SQLite page cache (MiB), beside the store's own. Small: a worker reads each
 * line once, and in a database bigger than memory every MiB cached here is one the operating
 * system's page cache holds twice (the medium world confined to 2.5 GiB, two workers: 62,186 CSV
 * rows/s with 64 MiB each, 66,732 with 8).
 */
const WORKER_CACHE_MIB = 16;

export interface ExportOptions {
  /** Rows (and documents) per database query; default 1000. */
  readonly pageSize?: number;
  /**
   * Worker threads reading and writing a big export, each with a connection of its own (default: one
   * per core, at most 4; 0: none). Ignored for a SQLite database in memory.
   */
  readonly workers?: number;
  /** The least lines (expected, from the documents' line counts) an export takes workers for; default 20,000. */
  readonly workersFromRows?: number;
}

/**
 * An export's bytes, in order: text (written in this thread) or bytes (from a worker). `workers`:
 * the worker threads it runs on (0: this thread).
 */
export type ExportStream = AsyncIterable<string | Uint8Array> & { readonly workers: number };

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function pageSizeOf(options: ExportOptions): number {
  const n = options.pageSize ?? PAGE;
  return Number.isSafeInteger(n) && n >= 1 ? n : PAGE;
}

function badFormat(format: string): Outcome<never> | undefined {
  if (format === 'csv' || format === 'ndjson') return undefined;
  return refuse(violation('INVALID_FIELD', 'format must be csv or ndjson.', { field: 'format' }));
}

interface Doc extends DocRef {
  readonly lineCount: number;
}

/**
 * What the export plans, in order: several small documents for one query (up to a page of lines
 * together), or one big document, which each way of running cuts into pages its own way.
 */
type Planned = { readonly docs: readonly DocRef[] } | { readonly big: DocRef; readonly lineCount: number };

/** A page of documents planned: small ones together (up to a page of lines), a big one alone. */
function* planDocuments(docs: readonly Doc[], pageSize: number): Generator<Planned> {
  let group: DocRef[] = [];
  let groupLines = 0;
  for (const d of docs) {
    const ref = { id: d.id, number: d.number };
    if (d.lineCount > pageSize) {
      if (group.length > 0) yield { docs: group };
      group = [];
      groupLines = 0;
      yield { big: ref, lineCount: d.lineCount };
      continue;
    }
    if (group.length > 0 && groupLines + d.lineCount > pageSize) {
      yield { docs: group };
      group = [];
      groupLines = 0;
    }
    group.push(ref);
    groupLines += d.lineCount;
  }
  if (group.length > 0) yield { docs: group };
}

/**
 * A big document's lines page by page, each page after the last line of the one before (keyset
 * pagination: each read waits for the one before, as reads in one thread do anyway).
 */
async function* documentPages(store: Store, doc: DocRef, pageSize: number) {
  let after: LineKey | undefined;
  for (;;) {
    const unit: ExportUnit = after ? { doc, after, limit: pageSize } : { doc, limit: pageSize };
    const lines = await readUnit(store, unit);
    if (lines.length > 0) yield { unit, lines };
    const last = lines.at(-1);
    if (!last || lines.length < pageSize) return;
    after = lineKey(last);
  }
}

/**
 * A big document's lines as independent units of at most `pageSize` lines, for workers: ranges cut
 * at every `pageSize`-th line key, read from the document's index (`billing_lines_invoice`; no line
 * row is read to plan). The last range is open-ended, so a line count out of date loses no line.
 */
async function* documentRanges(store: Store, doc: DocRef, lineCount: number, pageSize: number) {
  let after: LineKey | undefined;
  for (let k = 1; k < Math.ceil(lineCount / pageSize); k++) {
    const [key] = await store.readArrays(
      lineKeysQuery(store.db, doc.id, after)
        .limit(1)
        .offset(pageSize - 1)
        .compile(),
    );
    if (!key) break;
    const through: LineKey = { occurredAt: key[0] as string, id: key[1] as string };
    yield after ? { doc, after, through } : { doc, through };
    after = through;
  }
  yield after ? { doc, after } : { doc };
}

/** How many workers an export of about `expectedRows` lines runs on (0: this thread). */
function workersFor(store: Store, options: ExportOptions, expectedRows: number): number {
  if (reopenUrl(store) === undefined) return 0;
  const asked = options.workers ?? DEFAULT_WORKERS;
  if (!Number.isSafeInteger(asked) || asked < 1) return 0;
  return expectedRows >= (options.workersFromRows ?? WORKERS_FROM_ROWS) ? asked : 0;
}

/** Planned units read and written in this thread; on PostgreSQL the next is read while this one is written. */
async function* inThread(
  store: Store,
  format: ExportFormat,
  planned: AsyncIterable<Planned>,
  viewer: string | null,
  pageSize: number,
): AsyncGenerator<string> {
  async function* read() {
    for await (const p of planned)
      if ('docs' in p) yield { unit: p, lines: await readUnit(store, p) };
      else yield* documentPages(store, p.big, pageSize);
  }
  // SQLite reads in this thread: nothing to overlap, and reading ahead there cost a third of the rate.
  for await (const { unit, lines } of store.dialect === 'postgres' ? readAhead(read()) : read()) {
    const chunk = renderUnit(format, unit, lines, viewer);
    if (chunk) yield chunk;
  }
}

/**
 * Planned units read and written by `workers` worker threads, each with a connection of its own to
 * the store's database (a big document cut into ranges first), two in flight per worker, their
 * bytes handed on in plan order. The workers start with the first chunk asked for and stop when the
 * export ends, fails or is abandoned.
 */
async function* inWorkers(
  store: Store,
  workers: number,
  format: ExportFormat,
  planned: AsyncIterable<Planned>,
  viewer: string | null,
  pageSize: number,
): AsyncGenerator<Uint8Array> {
  async function* units(): AsyncGenerator<ExportUnit> {
    for await (const p of planned)
      if ('docs' in p) yield p;
      else yield* documentRanges(store, p.big, p.lineCount, pageSize);
  }
  const url = reopenUrl(store);
  // `workersFor` gives an in-memory database no workers; nothing else has no URL.
  if (url === undefined)
    throw new Error('an export in worker threads needs a database another connection can open');
  const data: ExportWorkerData = { url, cacheMiB: WORKER_CACHE_MIB };
  const pool: WorkerPool<ExportTask, Uint8Array> = startWorkerPool(
    new URL('./export-worker.ts', import.meta.url),
    data,
    workers,
  );
  const inFlight: Promise<Uint8Array>[] = [];
  try {
    for await (const unit of units()) {
      const task = pool.runTask({ format, viewer, unit });
      // Awaited in its turn; until then its failure must not count as unhandled.
      task.catch(() => undefined);
      inFlight.push(task);
      if (inFlight.length >= 2 * pool.size) {
        const bytes = await (inFlight.shift() as Promise<Uint8Array>);
        if (bytes.length > 0) yield bytes;
      }
    }
    while (inFlight.length > 0) {
      const bytes = await (inFlight.shift() as Promise<Uint8Array>);
      if (bytes.length > 0) yield bytes;
    }
  } finally {
    await pool.close();
  }
}

/** The export of what was planned: the header, then the records, in this thread or in `workers`. */
function exportStream(
  store: Store,
  format: ExportFormat,
  planned: AsyncIterable<Planned>,
  viewer: string | null,
  pageSize: number,
  workers: number,
): ExportStream {
  async function* all() {
    const head = header(format);
    if (head) yield head;
    yield* workers > 0
      ? inWorkers(store, workers, format, planned, viewer, pageSize)
      : inThread(store, format, planned, viewer, pageSize);
  }
  return Object.assign(all(), { workers });
}

/**
 * Exports the lines of one invoice or credit note the principal may read (its seller, its buyer,
 * the operator); `INVOICE_NOT_FOUND` otherwise.
 */
export async function exportInvoice(
  csp: OpenCsp,
  request: RequestInfo,
  invoiceId: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Outcome<ExportStream>> {
  const refused = badFormat(format);
  if (refused) return refused;
  const pageSize = pageSizeOf(options);
  const found = await csp.query(getInvoice, request, { invoiceId });
  if (!found.ok) return found;
  const { id, number, lineCount } = found.value;
  async function* planned() {
    yield { big: { id, number }, lineCount };
  }
  const workers = workersFor(csp.store, options, lineCount);
  return accept(exportStream(csp.store, format, planned(), viewerOf(request), pageSize, workers));
}

export interface DocKey {
  readonly seller: string;
  readonly kind: string;
  readonly number: string;
}

/** The tenant whose documents the principal reads; null = all (operator); undefined = none. */
function exportScope(request: RequestInfo): string | null | undefined {
  const p = request.principal;
  if (isOperator(p)) return null;
  if (p.kind !== 'user') return undefined;
  return actsFor(p, p.tenantId, BILLING_ROLES) || actsFor(p, p.tenantId, ['global-admin'])
    ? p.tenantId
    : undefined;
}

/**
 * The documents closed in `period` (issued or void) after `after`, by (seller, kind, number): the
 * partial index `invoices_closed` (migrations 0011, 0017: its condition written as it is there) in
 * order, from the page's start.
 */
export function documentPageQuery(
  db: Kysely<Database>,
  period: string,
  tenant: string | null,
  after: DocKey | undefined,
  page: number,
) {
  let q = db
    .selectFrom('invoices')
    .select(['id', 'kind', 'number', 'seller_tenant_id', 'line_count'])
    .where('closed_in_period', '=', period)
    .where(sql.raw<boolean>(CLOSED_CONDITION));
  if (tenant !== null)
    q = q.where((eb) => eb.or([eb('seller_tenant_id', '=', tenant), eb('buyer_tenant_id', '=', tenant)]));
  if (after)
    q = q.where((eb) =>
      eb(
        eb.refTuple('seller_tenant_id', 'kind', 'number'),
        '>',
        eb.tuple(after.seller, after.kind, after.number),
      ),
    );
  return q.orderBy('seller_tenant_id').orderBy('kind').orderBy('number').limit(page);
}

/** One page of the documents closed in `period` (issued or void) after `after`. */
async function documentPage(
  csp: OpenCsp,
  period: string,
  tenant: string | null,
  after: DocKey | undefined,
  page: number,
): Promise<(Doc & DocKey)[]> {
  const rows = await csp.store.read((tx) => documentPageQuery(tx, period, tenant, after, page).execute());
  return rows.map((r) => ({
    id: r.id,
    seller: r.seller_tenant_id,
    kind: r.kind,
    // Issued and voided documents always carry their number.
    number: r.number ?? '',
    lineCount: Number(r.line_count),
  }));
}

/**
 * Exports every line of the documents closed in `period` (issued or void) that the principal's
 * tenant issued or received (the operator: all). `INVALID_FIELD` for a period that is not `YYYY-MM`.
 */
export async function exportPeriod(
  csp: OpenCsp,
  request: RequestInfo,
  period: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Outcome<ExportStream>> {
  if (typeof period !== 'string' || !PERIOD.test(period))
    return refuse(violation('INVALID_FIELD', 'period must be a month YYYY-MM.', { field: 'period' }));
  const refused = badFormat(format);
  if (refused) return refused;
  const pageSize = pageSizeOf(options);
  const scope = exportScope(request);
  // The first page of documents tells whether the export is big: more pages to come, or many lines.
  const first = scope === undefined ? [] : await documentPage(csp, period, scope, undefined, pageSize);
  const expectedRows =
    first.length === pageSize ? Number.POSITIVE_INFINITY : first.reduce((n, d) => n + d.lineCount, 0);
  async function* planned() {
    if (scope === undefined) return;
    let docs = first;
    for (;;) {
      yield* planDocuments(docs, pageSize);
      const last = docs.at(-1);
      if (!last || docs.length < pageSize) return;
      docs = await documentPage(
        csp,
        period,
        scope,
        { seller: last.seller, kind: last.kind, number: last.number },
        pageSize,
      );
    }
  }
  const workers = workersFor(csp.store, options, expectedRows);
  return accept(
    exportStream(csp.store, format, planned(), scope === undefined ? '' : scope, pageSize, workers),
  );
}
