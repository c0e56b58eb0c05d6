/**
 * `npm run bench [-- --quick]`: measures the foundation's main jobs on SQLite (a WAL file, durable
 * commits) and PostgreSQL (when reachable), next to a raw-insert ceiling measured in the same run.
 * Figures are reported, never asserted. Results go to stdout and bench/results/<date>-<host>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { OpenCsp } from '../src/app/opencsp.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { ANONYMOUS, SYSTEM } from '../src/kernel/principal.ts';
import { onboardPartner } from '../src/parties/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import { getStanding } from '../src/standing/service.ts';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { buildWorld, must } from '../src/world/builder.ts';

const quick = process.argv.includes('--quick');
const PG_URL = process.env.OPENCSP_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const durationMs = quick ? 1500 : 10_000;

interface Figure {
  readonly ops: number;
  readonly perSecond: number;
  readonly p50us: number;
  readonly p99us: number;
}

async function measure(fn: (i: number) => Promise<unknown>): Promise<Figure> {
  const lat: number[] = [];
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < durationMs) {
    const t = performance.now();
    await fn(i++);
    lat.push((performance.now() - t) * 1000);
  }
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0);
  return { ops: lat.length, perSecond: Math.round(lat.length / elapsed), p50us: q(0.5), p99us: q(0.99) };
}

async function benchDatabase(name: string, store: Store) {
  await migrate(store);
  const csp = new OpenCsp(store, defaultProgram(), seededIds(7), () => new Date());
  const t0 = performance.now();
  const world = await buildWorld(csp, {
    countries: quick ? ['FR', 'US'] : ['FR', 'DE', 'US', 'JP', 'BR', 'AU'],
    resellersPerProvider: quick ? 5 : 40,
    directBillPerCountry: quick ? 1 : 5,
    customersPerCountry: quick ? 5 : 40,
  });
  const worldSeconds = (performance.now() - t0) / 1000;
  const partners = [...world.providers, ...world.resellers, ...world.directBill];

  await sql`CREATE TABLE bench_ceiling (id TEXT PRIMARY KEY, v TEXT NOT NULL)`.execute(store.db);
  const ceiling = await measure((i) =>
    store.write(async (tx) => {
      await sql`INSERT INTO bench_ceiling (id, v) VALUES (${`k${i}`}, ${'x'})`.execute(tx);
      return { commit: true, value: undefined };
    }),
  );
  const standing = await measure((i) =>
    csp.query(getStanding, { principal: SYSTEM }, { tenantId: partners[i % partners.length]?.tenantId }),
  );
  const onboard = await measure(async (i) =>
    must(
      await csp.execute(
        onboardPartner,
        { principal: ANONYMOUS },
        {
          legalName: `Bench Partner ${i}`,
          country: 'FR',
          address: { line1: '1 rue', city: 'Paris', country: 'FR' },
          tenant: { domain: `bench-${name}-${i}.onmicrosoft.example` },
          globalAdmin: { email: `admin@bench-${i}.example`, displayName: 'Admin' },
        },
      ),
    ),
  );
  await csp.close();
  return {
    database: name,
    world: {
      partners: partners.length,
      customers: world.customers.length,
      seconds: Number(worldSeconds.toFixed(2)),
    },
    rawInsertCeiling: ceiling,
    standingQuery: standing,
    onboardCommand: {
      ...onboard,
      ratioToCeiling: Number((onboard.perSecond / ceiling.perSecond).toFixed(2)),
    },
  };
}

async function postgresStore(): Promise<{ store: Store; drop: () => Promise<void> } | undefined> {
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    console.warn(`PostgreSQL at ${PG_URL} unreachable: skipped`);
    return undefined;
  }
  const db = `opencsp_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(PG_URL);
  url.pathname = `/${db}`;
  return {
    store: openStore(url.toString()),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.end();
    },
  };
}

const results = [];
const dir = mkdtempSync(join(tmpdir(), 'opencsp-bench-'));
try {
  console.error(`bench: sqlite (${quick ? 'quick' : 'full'})…`);
  results.push(await benchDatabase('sqlite', openStore(join(dir, 'bench.db'))));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const pgs = await postgresStore();
if (pgs) {
  try {
    console.error('bench: postgres…');
    results.push(await benchDatabase('postgres', pgs.store));
  } finally {
    await pgs.drop();
  }
}

const machine = {
  host: hostname(),
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
console.log(
  `\nOpenCSP bench (${quick ? 'quick' : 'full'}) on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`,
);
console.log('database  workload            ops/s     p50 µs   p99 µs   ratio to raw insert');
for (const r of results) {
  const line = (w: string, f: Figure, ratio = '') =>
    console.log(
      `${r.database.padEnd(9)} ${w.padEnd(18)} ${String(f.perSecond).padStart(7)} ${String(f.p50us).padStart(9)} ${String(f.p99us).padStart(8)}   ${ratio}`,
    );
  line('raw insert (tx)', r.rawInsertCeiling, '1.00 (ceiling)');
  line('onboard partner', r.onboardCommand, r.onboardCommand.ratioToCeiling.toFixed(2));
  line('standing query', r.standingQuery);
  console.log(
    `${r.database.padEnd(9)} world: ${r.world.partners} partners, ${r.world.customers} customers in ${r.world.seconds}s`,
  );
}
mkdirSync(join('bench', 'results'), { recursive: true });
const file = join(
  'bench',
  'results',
  `${new Date().toISOString().slice(0, 10)}-${machine.host}${quick ? '-quick' : ''}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), quick, machine, results }, null, 2)}\n`,
);
console.log(`\nwritten: ${file}`);
