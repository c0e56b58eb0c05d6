/**
 * `npm run bench [-- --quick | --size small|medium|large] [--db sqlite,postgres] [--seconds N]
 * [--connections N] [--workloads a,b]`: OpenCSP's main jobs measured against what the same machine
 * can do at all, in one run, on SQLite (a file, WAL, synchronous=FULL: the store's settings) and
 * PostgreSQL (when reachable; its own fsync settings, reported).
 *
 * Per database: a seeded bulk world (`src/world/bulk.ts`, timed, with peak memory and size on disk),
 * then the ceilings (a raw single-row insert transaction, a raw point read, a bare Fastify route)
 * and the workloads (explain over the database and pure, order, mixed, explain and order over
 * HTTP from a second process), then billing (`bench/billing.ts`: a batched multi-row insert ceiling,
 * the month close, the period export), which moves the world's clock and so runs last. Each figure is printed absolute and as a ratio to its ceiling, with
 * the issue's targets; everything goes to stdout and bench/results/<date>-<host>[-<size>].json.
 * Figures are reported, never asserted.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, hostname, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { OpenCsp } from '../src/app/opencsp.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { defaultProgram } from '../src/program/load.ts';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { type BulkSpec, type BulkWorld, generateBulkWorld, REGION_COUNTRIES } from '../src/world/bulk.ts';
import {
  batchedInsertCeiling,
  type CloseFigures,
  closeWorkload,
  type ExportFigures,
  exportWorkload,
  type LogCounters,
  monthStart,
  ROWS_PER_TX,
} from './billing.ts';
import { type Figure, type MeasureOptions, random } from './measure.ts';
import {
  explainPure,
  explainQuery,
  MIX,
  mixed,
  orders,
  rawInsertCeiling,
  rawReadCeiling,
  Tuples,
} from './workloads.ts';

// ---------------------------------------------------------------------------------------------
// Options.

const SIZES: Record<string, Omit<BulkSpec, 'onProgress'>> = {
  small: {
    countries: REGION_COUNTRIES.slice(0, 3),
    providers: 3,
    resellersPerProvider: 5,
    directBill: 3,
    customers: 600,
    linesPerOrder: 5,
    ledger: 'all',
  },
  medium: {
    countries: REGION_COUNTRIES,
    providers: 30,
    resellersPerProvider: 100,
    directBill: 150,
    customers: 100_000,
    linesPerOrder: 5,
    ledger: 'partners',
  },
  large: {
    countries: REGION_COUNTRIES,
    providers: 200,
    resellersPerProvider: 100,
    directBill: 1_000,
    customers: 1_000_000,
    linesPerOrder: 5,
    ledger: 'partners',
  },
};

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const size = option('size') ?? (quick ? 'small' : 'medium');
const chosen = SIZES[size];
if (!chosen) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
const spec = chosen;
const databases = (option('db') ?? 'sqlite,postgres').split(',');
const only = option('workloads')?.split(',');
const seconds = Number(option('seconds') ?? (quick ? 1.5 : 10));
const connections = Number(option('connections') ?? 8);
/**
 * Worker threads of an export (`ExportOptions.workers`), one export per count given (`0,2`: in the
 * main thread, then in two workers), on each database; the export's default when absent.
 */
const exportWorkers: readonly (number | undefined)[] = option('export-workers')?.split(',').map(Number) ?? [
  undefined,
];
if (exportWorkers.some((n) => n !== undefined && !(Number.isSafeInteger(n) && n >= 0)))
  throw new Error('--export-workers takes whole numbers, 0 or more, separated by commas');
/** `--rate-ahead off`: the close's rating batch by batch in the main thread (`processAllDue`'s `ahead`). */
const rateAhead = (option('rate-ahead') ?? 'on') !== 'off';
const PG_URL = process.env.OPENCSP_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const timing = { durationMs: seconds * 1000, warmupMs: Math.min(1000, seconds * 200) };
/**
 * The world is generated on the first instant of the current month (UTC): its one-month terms all
 * renew on the first of the next, where the `close` workload moves the clock.
 */
const worldAt = monthStart(new Date());
const worldPeriod = worldAt.toISOString().slice(0, 7);
/** Subscriptions of the large world (the issue's close target: ~15M lines over three tiers). */
const LARGE_SUBSCRIPTIONS = 5_000_000;
/** In-process concurrency: SQLite has one connection (writes serialize anyway); PostgreSQL a pool of 10. */
const CONCURRENCY: Record<string, number> = { sqlite: 1, postgres: 8 };
/** `--workloads explain` selects `explain-query` and `explain-pure`. */
const wanted = (w: string) => !only || only.some((o) => w === o || w.startsWith(`${o}-`));
/**
 * Experiment, not the product: after a first pass, add the two indexes whose absence makes explain
 * and order scan whole tables (see the README's Performance section) and run the workloads again
 * over the same world. Harmless once a migration adds them (IF NOT EXISTS).
 */
const SHIPPED = 'as shipped';
const PROPOSED = '+ proposed indexes';
const PROPOSED_INDEXES = argv.includes('--proposed-indexes')
  ? [
      'CREATE INDEX IF NOT EXISTS agreement_acceptances_supersedes ON agreement_acceptances (supersedes_id)',
      'CREATE INDEX IF NOT EXISTS tenants_type ON tenants (type, created_at)',
    ]
  : [];
/**
 * Experiment, not the product: `--ordered-ids restart` gives the runtime's ordered ids a logical
 * clock from 0 like the world generator's, so the close's new lines, drafts and events get keys in
 * the middle of the world's indexes (how the benchmark ran before; default `after-world`).
 */
const ORDERED_IDS = option('ordered-ids') ?? 'after-world';
if (ORDERED_IDS !== 'after-world' && ORDERED_IDS !== 'restart')
  throw new Error(`--ordered-ids must be after-world or restart (got '${ORDERED_IDS}')`);
/**
 * Experiment, not the product: indexes of `billing_lines` dropped after the world is generated and
 * before the billing workloads (`--without-indexes billing_lines_subscription,…`), to see what each
 * costs the close's rating and the ceiling (whose twin table copies the indexes left). Queries that
 * need a dropped index get slower; the figures of those are not the product's.
 */
const WITHOUT_INDEXES: readonly string[] = option('without-indexes')?.split(',').filter(Boolean) ?? [];
const LINE_INDEXES = ['billing_lines_open', 'billing_lines_invoice', 'billing_lines_subscription'];
for (const name of WITHOUT_INDEXES)
  if (!LINE_INDEXES.includes(name))
    throw new Error(
      `--without-indexes takes indexes of billing_lines: ${LINE_INDEXES.join(', ')} (got '${name}')`,
    );

// ---------------------------------------------------------------------------------------------
// Databases.

interface Opened {
  readonly store: Store;
  size(): Promise<number>;
  settings(): Promise<Record<string, string>>;
  /** PostgreSQL: the server's log counters (none for SQLite: its log is the store's own file). */
  logCounters?(): Promise<LogCounters>;
  drop(): Promise<void>;
}

function sqliteDatabase(): Opened {
  const dir = mkdtempSync(join(tmpdir(), 'opencsp-bench-'));
  const file = join(dir, 'bench.db');
  const cache = option('sqlite-cache-mib');
  const store = openStore(file, cache ? { sqliteCacheMiB: Number(cache) } : {});
  const pragma = async (p: string) =>
    String(Object.values((await sql.raw(`PRAGMA ${p}`).execute(store.db)).rows[0] as object)[0]);
  return {
    store,
    async size() {
      await sql.raw('PRAGMA wal_checkpoint(TRUNCATE)').execute(store.db);
      const bytes = (f: string) => {
        try {
          return statSync(f).size;
        } catch {
          return 0;
        }
      };
      return bytes(file) + bytes(`${file}-wal`);
    },
    async settings() {
      return {
        journal_mode: await pragma('journal_mode'),
        synchronous: { 0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' }[await pragma('synchronous')] ?? '?',
        cache_size: await pragma('cache_size'),
        version: String(
          (await sql<{ v: string }>`select sqlite_version() as v`.execute(store.db)).rows[0]?.v,
        ),
      };
    },
    async drop() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDatabase(): Promise<Opened | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    console.error(`bench: PostgreSQL at ${PG_URL} unreachable: skipped`);
    return undefined;
  }
  const name = `opencsp_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const store = openStore(url.toString());
  return {
    store,
    async size() {
      const r = await sql<{ s: number }>`select pg_database_size(current_database()) as s`.execute(store.db);
      return Number(r.rows[0]?.s);
    },
    async settings() {
      const show = async (s: string) =>
        String(Object.values((await sql.raw(`SHOW ${s}`).execute(store.db)).rows[0] as object)[0]);
      return {
        fsync: await show('fsync'),
        synchronous_commit: await show('synchronous_commit'),
        shared_buffers: await show('shared_buffers'),
        max_wal_size: await show('max_wal_size'),
        checkpoint_timeout: await show('checkpoint_timeout'),
        wal_compression: await show('wal_compression'),
        default_isolation_for_commands: 'serializable',
        version: await show('server_version'),
      };
    },
    async logCounters() {
      const r = await sql<{
        bytes: string;
        fpi: string;
        checkpoints: string;
      }>`select w.wal_bytes::text as bytes, w.wal_fpi::text as fpi,
           (b.checkpoints_timed + b.checkpoints_req)::text as checkpoints
         from pg_stat_wal w cross join pg_stat_bgwriter b`.execute(store.db);
      const row = r.rows[0];
      return {
        bytes: Number(row?.bytes),
        fullPageImages: Number(row?.fpi),
        checkpoints: Number(row?.checkpoints),
      };
    },
    async drop() {
      await store.close();
      // The pool's end() resolves before its connections are gone: wait for them, so that no
      // client of ours sees its backend terminated (FORCE remains the fallback).
      for (let i = 0; i < 50; i++) {
        const r = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]);
        if (r.rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One database.

interface Row {
  /** `as shipped`, or `+ proposed indexes` (the experiment). */
  readonly schema: string;
  readonly workload: string;
  readonly figure: Figure;
  /** The ceiling it is compared with, and the ratio. */
  readonly ceiling?: string;
  readonly ratio?: number | undefined;
  readonly note?: string;
}

function progressPrinter(label: string) {
  let last = 0;
  return (phase: string, done: number, total: number) => {
    const now = performance.now();
    if (done < total && now - last < (process.stderr.isTTY ? 250 : 5000)) return;
    last = now;
    const line = `bench: ${label}: ${phase} ${done.toLocaleString('en')}/${total.toLocaleString('en')}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}   ${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

const ratio = (a: Figure, b: Figure | undefined) =>
  b && b.perSecond > 0 ? Math.round((a.perSecond / b.perSecond) * 1000) / 1000 : undefined;

/** The ceilings and the workloads, once, over the world as it is. */
async function pass(
  name: string,
  schema: string,
  csp: OpenCsp,
  world: BulkWorld,
  seed: number,
): Promise<Row[]> {
  const options: MeasureOptions = { ...timing, concurrency: CONCURRENCY[name] ?? 1 };
  // Each pass its own tuples: a second pass must not repeat the first one's new relationships.
  const tuples = new Tuples(world, random(seed));
  const rows: Row[] = [];
  const step = async <F extends Figure>(
    workload: string,
    run: () => Promise<F>,
    compare?: [string, Figure | undefined],
  ): Promise<F> => {
    process.stderr.write(`bench: ${name} (${schema}): ${workload}…\n`);
    const figure = await run();
    rows.push({
      schema,
      workload,
      figure,
      ...(compare && { ceiling: compare[0], ratio: ratio(figure, compare[1]) }),
    });
    return figure;
  };

  // `--workloads` without `ceilings` skips them (for profiling one workload): no ratios then.
  const insert = wanted('ceilings')
    ? await step('raw insert transaction (ceiling)', () => rawInsertCeiling(csp, options, schema))
    : undefined;
  const read = wanted('ceilings')
    ? await step('raw point read (ceiling)', () => rawReadCeiling(csp, world, options))
    : undefined;
  if (wanted('explain-query'))
    await step('explain, query path (facts from the database)', () => explainQuery(csp, tuples, options), [
      'raw point read',
      read,
    ]);
  // The pure decision does not depend on the schema: when a second pass follows, it is measured
  // there, where loading its sample is fast (on the large world as shipped, one tuple takes ~0.3 s).
  if (wanted('explain-pure') && !(schema === SHIPPED && PROPOSED_INDEXES.length > 0)) {
    const sample = quick ? 500 : 5_000;
    const f = await step('explain, pure decision (facts pre-loaded)', () =>
      explainPure(csp, tuples, { sample, maxLoadMs: 30_000 }, timing),
    );
    // Fewer tuples than asked (slow loading) flatter the figure: they stay in the CPU caches.
    if (f.sample < sample) Object.assign(rows[rows.length - 1] as Row, { note: `only ${f.sample} tuples` });
  }
  if (wanted('order'))
    await step('order (rules + order + subscription + ledger)', () => orders(csp, tuples, options), [
      'raw insert',
      insert,
    ]);
  if (wanted('mixed')) {
    // The same mix of raw operations: 80 % point reads, 20 % single-row insert transactions.
    const reads = MIX.explain + MIX.read;
    const mixCeiling =
      read && insert
        ? { ...read, perSecond: Math.round(1 / (reads / read.perSecond + (1 - reads) / insert.perSecond)) }
        : undefined;
    await step(
      'mixed (80% explain/read, 15% order, 5% relationship)',
      () => mixed(csp, tuples, options, seed),
      ['raw mix (80% read, 20% insert)', mixCeiling],
    );
  }
  if (wanted('http')) {
    // The bare route is the http workloads' own ceiling: always measured with them.
    const { httpRequests, runLoad, startApp, startBareRoute } = await import('./http.ts');
    const load = { ...timing, connections };
    const requests = await httpRequests(csp, tuples, quick ? 1_000 : 20_000);
    const app = await startApp(csp);
    const bareApp = await startBareRoute();
    try {
      const bare = await step('http bare Fastify route (ceiling)', () =>
        runLoad(bareApp.port, requests.bare, load),
      );
      await step('http explain', () => runLoad(app.port, requests.explain, load), ['bare route', bare]);
      await step('http order', () => runLoad(app.port, requests.order, load), ['bare route', bare]);
    } finally {
      await app.close();
      await bareApp.close();
    }
  }
  return rows;
}

async function benchDatabase(name: string, db: Opened) {
  const settings = await db.settings();
  await migrate(db.store);
  // The runtime's ordered ids (lines, drafts, events) on the wall clock, as production's: after every
  // id of the world, which the generator drew on a logical clock from 0 (`--ordered-ids restart`:
  // on a logical clock too, so among the world's, as every run before the eleventh session's measured).
  const runtimeIds = ORDERED_IDS === 'restart' ? seededIds(7) : seededIds(7, 0, Date.now);
  const csp = new OpenCsp(db.store, defaultProgram(), runtimeIds, () => new Date());

  // The world, timed, with the process's peak memory.
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 200);
  const t0 = performance.now();
  const world = await generateBulkWorld(csp, { ...spec, now: worldAt, onProgress: progressPrinter(name) });
  const generationSeconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const bytes = await db.size();
  const generation = {
    seconds: Math.round(generationSeconds * 10) / 10,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    databaseMiB: Math.round(bytes / 2 ** 20),
    rows: world.rows,
    totalRows: Object.values(world.rows).reduce((a, b) => a + b, 0),
  };
  console.error(
    `bench: ${name}: world in ${generation.seconds} s, ${generation.totalRows.toLocaleString('en')} rows, ${generation.databaseMiB} MiB, peak RSS ${generation.peakRssMiB} MiB`,
  );

  const rows = await pass(name, SHIPPED, csp, world, 1);
  let schema = SHIPPED;
  if (PROPOSED_INDEXES.length > 0) {
    for (const statement of PROPOSED_INDEXES) await sql.raw(statement).execute(db.store.db);
    rows.push(...(await pass(name, PROPOSED, csp, world, 2)));
    schema = PROPOSED;
  }
  for (const index of WITHOUT_INDEXES) {
    process.stderr.write(`bench: ${name}: experiment: dropping index ${index}\n`);
    await sql.raw(`DROP INDEX ${index}`).execute(db.store.db);
  }
  const billing = await billingWorkloads(name, schema, csp, world, rows, db.logCounters?.bind(db));
  return { database: name, settings, concurrency: CONCURRENCY[name] ?? 1, generation, rows, billing };
}

interface BillingFigures {
  /** Into a twin of `billing_lines` with its indexes: the ceiling the close is judged against. */
  readonly batchedInsert?: Figure & { readonly rowsPerTransaction: number };
  readonly batchedInsertPrimaryKeyOnly?: Figure;
  readonly close?: CloseFigures & {
    /** Lines billed per second of the whole close (rating included) ÷ the batched-insert ceiling. */
    readonly ratio: number | undefined;
    /** The close's minutes scaled linearly to the large world's subscriptions (an extrapolation). */
    readonly extrapolatedLargeMinutes: number;
  };
  /** `exportPeriod` of the closed month, CSV then NDJSON. */
  readonly export?: readonly ExportFigures[];
}

/**
 * The billing workloads, after the others (the close moves the world's clock to the next month):
 * the batched-insert ceiling right before the close, then the close, then the export.
 */
/** An export's threads, as the bench's tables name them. */
function threads(workers: number): string {
  return workers > 0 ? `${workers} worker threads` : 'main thread';
}

async function billingWorkloads(
  name: string,
  schema: string,
  csp: OpenCsp,
  world: BulkWorld,
  rows: Row[],
  logCounters?: () => Promise<LogCounters>,
): Promise<BillingFigures> {
  // The export reads a closed period: `--workloads export` runs the close first.
  if (!wanted('close') && !wanted('export')) return {};
  process.stderr.write(`bench: ${name}: batched insert (ceiling)…\n`);
  const ceiling = await batchedInsertCeiling(csp, timing);
  const bare = await batchedInsertCeiling(csp, timing, false);
  rows.push({
    schema,
    workload: `batched insert, ${ROWS_PER_TX}-row transactions (rows/s, ceiling)`,
    figure: ceiling,
  });
  rows.push({
    schema,
    workload: `batched insert, primary key only (rows/s, for comparison)`,
    figure: bare,
  });
  process.stderr.write(`bench: ${name}: close ${worldPeriod}…\n`);
  const close = await closeWorkload(csp, world, worldPeriod, progressPrinter(name), logCounters, rateAhead);
  const wholeClose = close.totalSeconds > 0 ? close.billing.ops / close.totalSeconds : 0;
  const vs = (perSecond: number) => ratio({ ...ceiling, perSecond }, ceiling);
  rows.push(
    {
      schema,
      workload: `close: rating what fell due (lines rated/s; ${close.rating.subscriptions.toLocaleString('en')} renewals)`,
      figure: close.rating,
      ceiling: 'batched insert',
      ratio: vs(close.rating.perSecond),
    },
    {
      schema,
      workload: 'close: issue + record, drafting lines on no document (lines billed/s)',
      figure: close.billing,
      ceiling: 'batched insert',
      ratio: vs(close.billing.perSecond),
    },
    { schema, workload: 'close: documents issued/s', figure: close.documents },
  );
  const subscriptions = spec.customers * spec.linesPerOrder;
  const exports: ExportFigures[] = [];
  if (wanted('export'))
    for (const workers of exportWorkers)
      for (const format of ['csv', 'ndjson'] as const) {
        process.stderr.write(
          `bench: ${name}: export ${worldPeriod} as ${format}${workers === undefined ? '' : ` (workers: ${workers})`}…\n`,
        );
        const f = await exportWorkload(
          csp,
          world,
          worldPeriod,
          format,
          workers === undefined ? {} : { workers },
        );
        exports.push(f);
        rows.push({
          schema,
          workload: `export ${format} (rows/s; ${(f.bytes / 2 ** 20).toFixed(0)} MiB; ${threads(f.workers)})`,
          figure: f,
          ceiling: 'batched insert',
          ratio: vs(f.perSecond),
        });
      }
  return {
    ...(exports.length > 0 && { export: exports }),
    batchedInsert: { ...ceiling, rowsPerTransaction: ROWS_PER_TX },
    batchedInsertPrimaryKeyOnly: bare,
    close: {
      ...close,
      ratio: vs(wholeClose),
      extrapolatedLargeMinutes:
        subscriptions > 0
          ? Math.round((close.totalSeconds / 60) * (LARGE_SUBSCRIPTIONS / subscriptions) * 10) / 10
          : 0,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Run, report.

/** A Linux file's text, or undefined (another system, no such file). */
function procText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A Linux file's first line, or undefined. */
const sysfs = (path: string): string | undefined => procText(path)?.split('\n')[0]?.trim();

/**
 * The read-ahead (KiB) of the block device holding `dir` (Linux): what the kernel may read around a
 * page read that misses its cache. Once the database outgrows memory, the close's issue and the
 * export read lines at random, and a large read-ahead multiplies what they read (see the README).
 */
function readAheadKiB(dir: string): number | null {
  const dev = statSync(dir).dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  let device: string;
  try {
    device = realpathSync(`/sys/dev/block/${major}:${minor}`);
  } catch {
    return null;
  }
  // A partition has no queue of its own: its disk's.
  const kib =
    sysfs(join(device, 'queue', 'read_ahead_kb')) ?? sysfs(join(device, '..', 'queue', 'read_ahead_kb'));
  return kib === undefined ? null : Number(kib);
}

/** The memory limit (MiB) of this process's control group, when below the machine's memory (Linux). */
function memoryLimitMiB(): number | null {
  const groups = procText('/proc/self/cgroup') ?? '';
  const v1 = /^\d+:memory:(.*)$/m.exec(groups)?.[1];
  const v2 = /^0::(.*)$/m.exec(groups)?.[1];
  const raw =
    (v1 !== undefined ? sysfs(`/sys/fs/cgroup/memory${v1}/memory.limit_in_bytes`) : undefined) ??
    (v2 !== undefined ? sysfs(`/sys/fs/cgroup${v2}/memory.max`) : undefined);
  const bytes = raw === undefined || raw === 'max' ? Number.NaN : Number(raw);
  return Number.isFinite(bytes) && bytes < totalmem() ? Math.round(bytes / 2 ** 20) : null;
}

const machine = {
  host: hostname(),
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  /** Set when the run was confined to less memory than the machine's (a control group). */
  memoryLimitMiB: memoryLimitMiB(),
  /** The read-ahead of the disk under the SQLite files (`tmpdir()`). */
  readAheadKiB: readAheadKiB(tmpdir()),
  node: process.version,
  os: `${process.platform} ${release()}`,
};
const started = new Date();
const results: Awaited<ReturnType<typeof benchDatabase>>[] = [];
for (const name of databases) {
  const db =
    name === 'sqlite' ? sqliteDatabase() : name === 'postgres' ? await postgresDatabase() : undefined;
  if (!db) continue;
  process.stderr.write(`bench: ${name} (${quick ? 'quick, ' : ''}${size} world)…\n`);
  try {
    results.push(await benchDatabase(name, db));
  } finally {
    await db.drop();
  }
}

type Result = Awaited<ReturnType<typeof benchDatabase>>;
const schemas = PROPOSED_INDEXES.length > 0 ? [SHIPPED, PROPOSED] : [SHIPPED];

/** The issue's targets, judged on this run (per schema variant), saying when the run is not the one a target names. */
function targets(r: Result, schema: string) {
  const find = (prefix: string) => r.rows.find((x) => x.schema === schema && x.workload.startsWith(prefix));
  const order = find('order');
  const pure = find('explain, pure');
  const httpExplain = find('http explain');
  const onLarge = size === 'large' ? '' : ` (on the ${size} world; the target is for large)`;
  const met = (ok: boolean | undefined, scope = '') =>
    ok === undefined ? 'not measured' : `${ok ? 'met' : 'missed'}${scope}`;
  return {
    'order ≥ 0.5 × raw insert': met(order?.ratio !== undefined ? order.ratio >= 0.5 : undefined),
    'explain ≥ 200,000/s, p99 ≤ 50 µs (pure decision)': met(
      pure ? pure.figure.perSecond >= 200_000 && pure.figure.p99us <= 50 : undefined,
      onLarge,
    ),
    'http explain ≥ 0.5 × bare route, p99 ≤ 5 ms': met(
      httpExplain?.ratio !== undefined
        ? httpExplain.ratio >= 0.5 && httpExplain.figure.p99us <= 5000
        : undefined,
    ),
    'world generation ≤ 120 s on SQLite, memory < 2 GiB':
      r.database === 'sqlite'
        ? met(r.generation.seconds <= 120 && r.generation.peakRssMiB < 2048, onLarge)
        : 'not applicable (SQLite target)',
    ...billingTargets(r, onLarge),
  };
}

/** Issue 7's close targets: ≤ 10 min on the large world (SQLite), lines/s ≥ 0.3 × the batched insert, ≤ 1.5 GiB; PostgreSQL within 2×. */
function billingTargets(r: Result, onLarge: string): Record<string, string> {
  const close = r.billing.close;
  if (!close) return {};
  const minutes =
    size === 'large'
      ? `${close.totalMinutes} min`
      : `${close.totalMinutes} min here, ~${close.extrapolatedLargeMinutes} min extrapolated linearly to large`;
  const out: Record<string, string> = {
    'close ≤ 10 min on large': `${close.extrapolatedLargeMinutes <= 10 ? 'met' : 'missed'}${onLarge ? ' (extrapolated)' : ''}: ${minutes}`,
    'close lines billed/s ≥ 0.3 × batched insert (whole close, rating included)': `${close.ratio !== undefined && close.ratio >= 0.3 ? 'met' : 'missed'}: ${close.ratio}`,
    'close memory ≤ 1.5 GiB': `${close.peakRssMiB <= 1536 ? 'met' : 'missed'}: peak RSS ${close.peakRssMiB} MiB`,
  };
  const sqlite = results.find((x) => x.database === 'sqlite')?.billing;
  if (r.database === 'postgres' && sqlite?.close)
    out['close on PostgreSQL within 2× of SQLite'] =
      `${close.totalMinutes <= 2 * sqlite.close.totalMinutes ? 'met' : 'missed'}: ${close.totalMinutes} vs ${sqlite.close.totalMinutes} min`;
  for (const e of r.billing.export ?? []) {
    // 15M rows in 3 minutes: 83,334 rows/s.
    const minutes = e.perSecond > 0 ? Math.round((15_000_000 / e.perSecond / 60) * 10) / 10 : Infinity;
    out[`export ${e.format} (${threads(e.workers)}): 15M rows ≤ 3 min`] =
      `${minutes <= 3 ? 'met' : 'missed'}${size === 'large' ? '' : ' (extrapolated from rows/s)'}: ${e.perSecond.toLocaleString('en')} rows/s → ${minutes} min, peak RSS ${e.peakRssMiB} MiB`;
  }
  // Each database's fastest export of a format (with as many workers as were measured), compared.
  const fastest = (exports: readonly ExportFigures[] | undefined, format: string) =>
    exports
      ?.filter((x) => x.format === format)
      .reduce<ExportFigures | undefined>((a, b) => (a && a.perSecond >= b.perSecond ? a : b), undefined);
  for (const format of ['csv', 'ndjson'] as const) {
    const own = fastest(r.billing.export, format);
    const base = fastest(sqlite?.export, format);
    if (r.database === 'postgres' && own && base)
      out[`export ${format} on PostgreSQL within 2× of SQLite (fastest of each)`] =
        `${own.perSecond * 2 >= base.perSecond ? 'met' : 'missed'}: ${own.perSecond.toLocaleString('en')} (${threads(own.workers)}) vs ${base.perSecond.toLocaleString('en')} rows/s (${threads(base.workers)})`;
  }
  return out;
}

const num = (n: number) => n.toLocaleString('en');
const withSchema = schemas.length > 1;
const lines: string[] = [
  `OpenCSP bench — ${quick ? 'quick, ' : ''}${size} world (${num(spec.customers)} customers, ${num(spec.customers * spec.linesPerOrder)} subscriptions) — ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB${machine.memoryLimitMiB === null ? '' : ` (confined to ${num(machine.memoryLimitMiB)} MiB)`}, Node ${machine.node}${machine.readAheadKiB === null ? '' : `, disk read-ahead ${num(machine.readAheadKiB)} KiB`}`,
  '',
  `| database |${withSchema ? ' schema |' : ''} workload | conc | ops/s | p50 µs | p99 µs | ceiling | ratio |`,
  `| -------- |${withSchema ? ' ------ |' : ''} -------- | ---: | ----: | -----: | -----: | ------- | ----: |`,
];
for (const r of results) {
  for (const row of r.rows) {
    const f = row.figure;
    const errors = `${f.errors > 0 ? ` (${num(f.errors)} errors)` : ''}${row.note ? ` (${row.note})` : ''}`;
    const ceiling = row.ceiling ?? (row.workload.includes('ceiling') ? '—' : '');
    lines.push(
      `| ${r.database} |${withSchema ? ` ${row.schema} |` : ''} ${row.workload}${errors} | ${f.concurrency} | ${num(f.perSecond)} | ${num(f.p50us)} | ${num(f.p99us)} | ${ceiling} | ${row.ratio !== undefined ? row.ratio.toFixed(2) : ''} |`,
    );
  }
}
lines.push('');
for (const r of results) {
  const g = r.generation;
  const settings = Object.entries(r.settings).map(([k, v]) => `${k}=${v}`);
  lines.push(
    `${r.database}: world of ${num(g.totalRows)} rows in ${g.seconds} s, ${num(g.databaseMiB)} MiB on disk, peak RSS ${num(g.peakRssMiB)} MiB; ${settings.join(' ')}`,
  );
  const close = r.billing.close;
  if (close)
    lines.push(
      `  close ${close.period} at ${close.at}: ${num(close.rating.subscriptions)} renewals rated into ${num(close.rating.ops)} lines in ${close.rating.seconds} s (${num(close.rating.batchesAhead)} of ${num(close.rating.batches)} batches rated ahead); ${num(close.billing.ops)} lines on ${num(close.documents.ops)} documents in ${close.billing.seconds} s (draft ${close.billing.draftSeconds} s, issue ${close.billing.issueSeconds} s, ${num(close.billing.steps)} steps); total ${close.totalMinutes} min, peak RSS ${num(close.peakRssMiB)} MiB${close.rating.log ? `; the rating logged ${num(close.rating.log.mib)} MiB (${close.rating.log.kibPerRenewal} KiB a renewal), ${num(close.rating.log.fullPageImages)} full-page images (${close.rating.log.fullPageImagesPerRenewal} a renewal), ${close.rating.log.checkpoints} checkpoints` : ''}`,
    );
  for (const schema of schemas)
    for (const [target, verdict] of Object.entries(targets(r, schema)))
      lines.push(`  ${withSchema ? `${schema}: ` : ''}${target}: ${verdict}`);
}
console.log(lines.join('\n'));

mkdirSync(join('bench', 'results'), { recursive: true });
const partial = databases.length === 2 ? '' : `-${databases.join('-')}`;
// Quick runs end in -quick (git-ignored); full runs are kept.
const suffix = `${quick || size === 'large' ? '' : `-${size}`}${partial}${quick ? '-quick' : ''}`;
const base = join('bench', 'results', `${started.toISOString().slice(0, 10)}-${machine.host}${suffix}`);
// A kept run never overwrites an earlier one of the same day: the later gets its start time (UTC).
const file =
  quick || !existsSync(`${base}.json`)
    ? `${base}.json`
    : `${base}-${started.toISOString().slice(11, 16).replace(':', '')}.json`;
writeFileSync(
  file,
  `${JSON.stringify(
    {
      date: started.toISOString(),
      quick,
      size,
      proposedIndexes: PROPOSED_INDEXES,
      withoutIndexes: WITHOUT_INDEXES,
      orderedIds: ORDERED_IDS,
      spec,
      seconds,
      connections,
      machine,
      results: results.map((r) => ({
        ...r,
        targets: Object.fromEntries(schemas.map((schema) => [schema, targets(r, schema)])),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwritten: ${file}`);
