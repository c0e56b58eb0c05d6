/**
 * Billing workloads over a bulk world (issue 7, section 5): the month close and the period export,
 * and the ceiling they are compared with, a batched multi-row insert of billing-line rows.
 *
 * - **Batched insert (ceiling)**: rows shaped like `billing_lines` (same columns, primary key and
 *   secondary indexes, in a twin table) inserted with multi-row statements, `ROWS_PER_TX` rows per
 *   durable transaction, one transaction at a time — what the database can write at all into a
 *   table indexed like the one the close updates. Measured again with the primary key only, for
 *   what the three secondary indexes cost.
 * - **close**: the world was generated on the first instant of a month; the clock moves to the
 *   first instant of the next one, where every one-month term renews (`processAllDue` batches rate the
 *   `renew` lines, onto the next month's drafts), then `closeBillingPeriod` issues the month's
 *   drafts and records it.
 * - **export**: `exportPeriod` of the closed month, every row written to a discarding stream.
 */
import { randomUUID } from 'node:crypto';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { OpenCsp } from '../src/app/opencsp.ts';
import {
  CLOSE_RATING_BATCH,
  CLOSE_RATING_GROUP,
  type CloseProgress,
  closeBillingPeriod,
} from '../src/billing/close.ts';
import { type ExportFormat, type ExportOptions, exportPeriod } from '../src/billing/export.ts';
import type { Database } from '../src/store/schema.ts';
import { processAllDue } from '../src/subscriptions/rate-ahead.ts';
import type { BulkWorld } from '../src/world/bulk.ts';
import { type Figure, figure, Latencies, type MeasureOptions } from './measure.ts';

// ---------------------------------------------------------------------------------------------
// Memory.

/** Samples the process's resident memory every 100 ms; `stop` returns the peak seen, in MiB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The ceiling: batched multi-row inserts of billing-line rows.

/** `billing_lines`' columns; `#`: an integer column (PostgreSQL's `unnest` needs the array's type). */
const LINE_COLUMNS = (
  'id event_id reference_id charge_type #tier seller_tenant_id buyer_tenant_id subscription_id order_id ' +
  'customer_tenant_id customer_country product_id sku_id #seller_partner_id #buyer_partner_id ' +
  '#reseller_partner_id charge_start charge_end #quantity #unit_price_micros #amount_minor ' +
  '#source_amount_minor currency source_line_id refunds_line_id reason period invoice_id occurred_at #line_no'
)
  .split(' ')
  .map((c) => (c.startsWith('#') ? { name: c.slice(1), type: 'int8' } : { name: c, type: 'text' }));

const TWIN = 'bench_billing_lines';
/** Rows per durable transaction (the bulk generator's order of magnitude). */
export const ROWS_PER_TX = 5_000;
/** Rows per statement: SQLite binds at most 32,766 values (30 columns × 500 = 15,000). */
const ROWS_PER_STATEMENT = { sqlite: 500, postgres: 5_000 } as const;

/** A twin of `billing_lines`: same columns and primary key, and (unless told not to) secondary indexes; empty. */
async function createTwin(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  secondaryIndexes: boolean,
): Promise<void> {
  const run = (text: string) => db.executeQuery(CompiledQuery.raw(text));
  if (dialect === 'postgres') {
    await run(`DROP TABLE IF EXISTS ${TWIN}`);
    if (secondaryIndexes) await run(`CREATE TABLE ${TWIN} (LIKE billing_lines INCLUDING ALL)`);
    else {
      await run(`CREATE TABLE ${TWIN} (LIKE billing_lines INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await run(`ALTER TABLE ${TWIN} ADD PRIMARY KEY (id)`);
    }
    return;
  }
  await run(`DROP TABLE IF EXISTS ${TWIN}`);
  const defs = await db.executeQuery<{ type: string; name: string; sql: string }>(
    CompiledQuery.raw(
      "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'billing_lines' AND sql IS NOT NULL ORDER BY type DESC",
    ),
  );
  for (const d of defs.rows) {
    if (d.type !== 'table' && !secondaryIndexes) continue;
    const text =
      d.type === 'table'
        ? d.sql.replace(/^CREATE TABLE\s+"?billing_lines"?/i, `CREATE TABLE ${TWIN}`)
        : d.sql
            .replace(
              new RegExp(`^CREATE (UNIQUE )?INDEX\\s+"?${d.name}"?`, 'i'),
              `CREATE $1INDEX bench_${d.name}`,
            )
            .replace(/\bON\s+"?billing_lines"?/i, `ON ${TWIN}`);
    await run(text);
  }
}

/** A plausible line: 36-character ids, the codes and dates a real line carries. */
function lineRow(i: number): unknown[] {
  const tenant = () => randomUUID();
  return [
    randomUUID(),
    randomUUID(),
    randomUUID(),
    'new',
    2,
    tenant(),
    tenant(),
    randomUUID(),
    randomUUID(),
    tenant(),
    'FR',
    'CFQ7TTC0LF8Q',
    'CFQ7TTC0LF8Q:0001',
    1_000_001 + (i % 500),
    1_000_501 + (i % 500),
    1_000_501 + (i % 500),
    '2026-11-01',
    '2026-11-30',
    5,
    '5600000',
    '2800',
    '2800',
    'EUR',
    randomUUID(),
    null,
    null,
    '2026-11',
    null,
    '2026-11-01T00:00:00.000Z',
    1,
  ];
}

/**
 * Batched multi-row inserts into the twin table, `ROWS_PER_TX` rows per durable transaction, one at a
 * time, for the duration. The figure counts rows (`perSecond`: rows/s); latencies are per transaction.
 */
export async function batchedInsertCeiling(
  csp: OpenCsp,
  options: Pick<MeasureOptions, 'durationMs' | 'warmupMs'>,
  secondaryIndexes = true,
): Promise<Figure> {
  const dialect = csp.store.dialect;
  await createTwin(csp.store.db, dialect, secondaryIndexes);
  const perStatement = ROWS_PER_STATEMENT[dialect];
  const names = LINE_COLUMNS.map((c) => c.name).join(', ');
  const text =
    dialect === 'sqlite'
      ? `INSERT INTO ${TWIN} (${names}) VALUES ${Array.from(
          { length: perStatement },
          () => `(${LINE_COLUMNS.map(() => '?').join(', ')})`,
        ).join(', ')}`
      : `INSERT INTO ${TWIN} (${names}) SELECT * FROM unnest(${LINE_COLUMNS.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
  let n = 0;
  const transaction = () =>
    csp.store.write(async (tx) => {
      for (let s = 0; s < ROWS_PER_TX; s += perStatement) {
        const rows = Array.from({ length: perStatement }, () => lineRow(n++));
        const params = dialect === 'sqlite' ? rows.flat() : LINE_COLUMNS.map((_, c) => rows.map((r) => r[c]));
        await tx.executeQuery(CompiledQuery.raw(text, params));
      }
      return { commit: true, value: undefined };
    });
  const warm = performance.now() + options.warmupMs;
  while (performance.now() < warm) await transaction();
  const lat = new Latencies();
  const start = performance.now();
  const until = start + options.durationMs;
  // At least three transactions, whatever the duration.
  while (performance.now() < until || lat.length < 3) {
    const t = performance.now();
    await transaction();
    lat.push((performance.now() - t) * 1000);
  }
  const seconds = (performance.now() - start) / 1000;
  const f = figure(lat, seconds, 1, 0);
  await csp.store.db.executeQuery(CompiledQuery.raw(`DROP TABLE ${TWIN}`));
  return { ...f, ops: f.ops * ROWS_PER_TX, perSecond: Math.round((f.ops * ROWS_PER_TX) / seconds) };
}

// ---------------------------------------------------------------------------------------------
// The month close.

/** The first instant of the month of `at` (UTC). */
export function monthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** PostgreSQL's write-ahead log counters since the server's statistics were reset (`pg_stat_wal`, `pg_stat_bgwriter`). */
export interface LogCounters {
  readonly bytes: number;
  /** Whole pages logged: the first change of each page after a checkpoint (`full_page_writes`). */
  readonly fullPageImages: number;
  readonly checkpoints: number;
}

/** What a phase wrote to PostgreSQL's log: MiB, full-page images and checkpoints, per renewal too. */
export interface LogFigures {
  readonly mib: number;
  readonly fullPageImages: number;
  readonly checkpoints: number;
  readonly kibPerRenewal: number;
  readonly fullPageImagesPerRenewal: number;
}

/** What the log took between two readings of its counters, in all and per renewal. */
function logFigures(before: LogCounters, after: LogCounters, renewals: number): LogFigures {
  const bytes = after.bytes - before.bytes;
  const fullPageImages = after.fullPageImages - before.fullPageImages;
  const per = (n: number, digits: number) =>
    renewals > 0 ? Math.round((n / renewals) * 10 ** digits) / 10 ** digits : 0;
  return {
    mib: Math.round(bytes / 2 ** 20),
    fullPageImages,
    checkpoints: after.checkpoints - before.checkpoints,
    kibPerRenewal: per(bytes / 1024, 1),
    fullPageImagesPerRenewal: per(fullPageImages, 2),
  };
}

export interface CloseFigures {
  readonly period: string;
  /** The instant the clock was moved to: the first of the next month. */
  readonly at: string;
  /** `processAllDue` batches: the renewals (and cycle charges) that fell due, rated and written. */
  readonly rating: Figure & {
    readonly subscriptions: number;
    readonly batches: number;
    /** Batches rated ahead in a worker thread while the one before was written (`--rate-ahead off`: 0). */
    readonly batchesAhead: number;
    /** PostgreSQL: what the rating wrote to the server's log (the whole server's, so a quiet server's). */
    readonly log?: LogFigures;
  };
  /**
   * `closeBillingPeriod`: lines on the documents it issued, per second of the whole close. (Lines
   * are on their drafts from rating on; draft steps only run for lines written on no document.)
   */
  readonly billing: Figure & {
    readonly steps: number;
    readonly draftSeconds: number;
    readonly issueSeconds: number;
  };
  /** Documents issued, per second of the whole close. */
  readonly documents: Figure;
  readonly totalSeconds: number;
  readonly totalMinutes: number;
  readonly peakRssMiB: number;
  readonly linesInPeriod: number;
}

const count = async (csp: OpenCsp, where = sql`1 = 1`) =>
  Number(
    (
      await sql<{ n: number | string }>`select count(*) as n from billing_lines where ${where}`.execute(
        csp.store.db,
      )
    ).rows[0]?.n,
  );

/**
 * Moves the clock to the first instant after `period` (every one-month term of a world generated
 * on the period's first instant renews then), rates what fell due in `processAllDue` batches, then
 * closes the period with `closeBillingPeriod`. Each step's latency is recorded.
 */
export async function closeWorkload(
  csp: OpenCsp,
  world: BulkWorld,
  period: string,
  progress: (phase: string, done: number, total: number) => void,
  logCounters?: () => Promise<LogCounters>,
  ahead = true,
): Promise<CloseFigures> {
  const at = new Date(Date.UTC(Number(period.slice(0, 4)), Number(period.slice(5, 7)), 1));
  const request = { principal: world.operator.principal, now: at };
  const memory = rssSampler();
  const linesInPeriod = await count(csp, sql`period = ${period}`);
  const subscriptions = world.rows.subscriptions ?? 0;

  // Rating: what fell due at the month's end.
  const before = await count(csp);
  const logBefore = await logCounters?.();
  const rateLat = new Latencies();
  let batches = 0;
  let batchesAhead = 0;
  const t0 = performance.now();
  let t = t0;
  const due = await processAllDue(
    csp,
    request,
    { batch: CLOSE_RATING_BATCH, group: CLOSE_RATING_GROUP, ahead },
    (done) => {
      const now = performance.now();
      rateLat.push((now - t) * 1000);
      t = now;
      batches++;
      if (done.ahead) batchesAhead++;
      progress('rating (renewals)', Math.min(done.renewed, subscriptions), subscriptions);
    },
  );
  if (!due.ok) throw new Error(`bench: rating refused: ${due.violations.map((v) => v.code).join(', ')}`);
  const renewed = due.value.renewed;
  const rateSeconds = (performance.now() - t0) / 1000;
  const rated = (await count(csp)) - before;
  const logAfter = await logCounters?.();
  const log = logBefore && logAfter ? logFigures(logBefore, logAfter, renewed) : undefined;

  // Close: issue (and draft, for lines on no document), record.
  const stepLat = new Latencies();
  let draftMs = 0;
  let issueMs = 0;
  let steps = 0;
  let billed = 0;
  let drafted = 0;
  let last = performance.now();
  const t1 = last;
  const onStep = (step: CloseProgress) => {
    const now = performance.now();
    if (step.phase === 'draft') {
      draftMs += now - last;
      drafted += step.lines;
    }
    if (step.phase === 'issue') {
      issueMs += now - last;
      billed += step.lines;
    }
    if (step.phase !== 'rating') {
      steps++;
      stepLat.push((now - last) * 1000);
      const done = step.phase === 'draft' ? drafted : billed;
      progress(`close ${step.phase}`, Math.min(done, linesInPeriod), linesInPeriod);
    }
    last = now;
  };
  const closed = await closeBillingPeriod(csp, request, { period }, onStep);
  if (!closed.ok) throw new Error(`bench: close refused: ${closed.violations.map((v) => v.code).join(', ')}`);
  const closeSeconds = (performance.now() - t1) / 1000;
  const r = closed.value;
  const perSecond = (n: number, s: number) => (s > 0 ? Math.round(n / s) : 0);
  const billing = figure(stepLat, closeSeconds, 1, 0);
  return {
    period,
    at: at.toISOString(),
    rating: {
      ...figure(rateLat, rateSeconds, 1, 0),
      ops: rated,
      perSecond: perSecond(rated, rateSeconds),
      subscriptions: renewed,
      batches,
      batchesAhead,
      ...(log && { log }),
    },
    billing: {
      ...billing,
      ops: r.linesBilled,
      perSecond: perSecond(r.linesBilled, closeSeconds),
      steps,
      draftSeconds: Math.round(draftMs / 100) / 10,
      issueSeconds: Math.round(issueMs / 100) / 10,
    },
    documents: { ...billing, ops: r.documentsIssued, perSecond: perSecond(r.documentsIssued, closeSeconds) },
    totalSeconds: Math.round((rateSeconds + closeSeconds) * 100) / 100,
    totalMinutes: Math.round(((rateSeconds + closeSeconds) / 60) * 100) / 100,
    peakRssMiB: memory.stop(),
    linesInPeriod,
  };
}

// ---------------------------------------------------------------------------------------------
// The period export.

export interface ExportFigures extends Figure {
  readonly format: ExportFormat;
  /** Worker threads the export ran on (0: the main thread). */
  readonly workers: number;
  readonly bytes: number;
  readonly peakRssMiB: number;
}

/**
 * `exportPeriod` of a closed period as the operator asks it (every document), each chunk counted
 * and dropped. The figure counts rows (`perSecond`: rows/s); latencies are per chunk.
 */
export async function exportWorkload(
  csp: OpenCsp,
  world: BulkWorld,
  period: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<ExportFigures> {
  const memory = rssSampler();
  const lat = new Latencies();
  const start = performance.now();
  const out = await exportPeriod(csp, { principal: world.operator.principal }, period, format, options);
  if (!out.ok) throw new Error(`bench: export refused: ${out.violations.map((v) => v.code).join(', ')}`);
  let bytes = 0;
  let newlines = 0;
  let t = performance.now();
  for await (const chunk of out.value) {
    // Text from this thread, bytes from the export's workers: counted, neither encoded nor decoded.
    bytes += Buffer.byteLength(chunk);
    if (typeof chunk === 'string')
      for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) newlines++;
    else for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) newlines++;
    const now = performance.now();
    lat.push((now - t) * 1000);
    t = now;
  }
  const seconds = (performance.now() - start) / 1000;
  // CSV: a header line first. (A quoted field may hold a line feed: only `reason` could, and the
  // generated world has none.)
  const rows = format === 'csv' ? Math.max(0, newlines - 1) : newlines;
  const f = figure(lat, seconds, 1, 0);
  return {
    ...f,
    ops: rows,
    perSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
    format,
    workers: out.value.workers,
    bytes,
    peakRssMiB: memory.stop(),
  };
}
