/**
 * Runs one suite on every supported database: SQLite in memory (always) and PostgreSQL when a
 * server answers (`OPENCSP_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
 * Each test file gets its own PostgreSQL database, dropped afterwards; each test starts empty.
 * With `OPENCSP_REQUIRE_POSTGRES=1` (CI) a missing server fails the run instead of skipping.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { OpenCsp } from '../../src/app/opencsp.ts';
import { seededIds } from '../../src/kernel/ids.ts';
import { defaultProgram } from '../../src/program/load.ts';
import type { Program } from '../../src/program/program.ts';
import { migrate } from '../../src/store/migrations/index.ts';
import { TABLES } from '../../src/store/schema.ts';
import { openStore, SEQUENCES, type Store } from '../../src/store/store.ts';

export const PG_URL = process.env.OPENCSP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REQUIRE_PG = process.env.OPENCSP_REQUIRE_POSTGRES === '1';

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL} is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL suites are skipped (no server answers), or undefined: they run. */
export const pgUnavailable = await probePostgres();
if (pgUnavailable && REQUIRE_PG) throw new Error(`OPENCSP_REQUIRE_POSTGRES=1 but ${pgUnavailable}`);
if (pgUnavailable)
  console.warn(`[opencsp tests] PostgreSQL suite skipped: ${pgUnavailable}. CI always runs it.`);

/** The fixed test clock: tests move it explicitly. */
export const T0 = new Date('2026-01-15T10:00:00.000Z');

export interface FreshOptions {
  readonly now?: Date;
  readonly program?: Program;
  readonly seed?: number;
}

export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** An empty, migrated database wrapped in a runtime with a fixed clock and seeded ids. */
  fresh(options?: FreshOptions): Promise<OpenCsp>;
  /** A second runtime over the same store (concurrency tests). */
  store(): Store;
}

function runtime(store: Store, options: FreshOptions): OpenCsp {
  const now = options.now ?? T0;
  return new OpenCsp(store, options.program ?? defaultProgram(), seededIds(options.seed ?? 42), () => now);
}

function sqliteDatabase(): TestDatabase {
  let current: Store | undefined;
  return {
    name: 'sqlite',
    async fresh(options = {}) {
      await current?.close();
      current = openStore(':memory:');
      await migrate(current);
      return runtime(current, options);
    },
    store: () => current as Store,
  };
}

async function adminStatement(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** An empty PostgreSQL database of the test's own: its URL, and how to drop it (connections closed first). */
export async function scratchPostgres(): Promise<{ readonly url: string; drop(): Promise<void> }> {
  const dbName = `opencsp_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminStatement(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;
  return {
    url: url.toString(),
    drop: () => adminStatement(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`),
  };
}

function postgresDatabase(): TestDatabase & { setUp(): Promise<void>; tearDown(): Promise<void> } {
  let current: Store | undefined;
  let scratch: Awaited<ReturnType<typeof scratchPostgres>> | undefined;
  return {
    name: 'postgres',
    async setUp() {
      scratch = await scratchPostgres();
      current = openStore(scratch.url);
      await migrate(current);
    },
    async tearDown() {
      await current?.close();
      await scratch?.drop();
    },
    async fresh(options = {}) {
      const store = current as Store;
      await sql.raw(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`).execute(store.db);
      for (const name of SEQUENCES) await sql.raw(`ALTER SEQUENCE ${name}_seq RESTART`).execute(store.db);
      return runtime(store, options);
    },
    store: () => current as Store,
  };
}

/**
 * Declares `suite` once per database. Inside, call `db.fresh()` (typically in `beforeEach`).
 *
 * @example
 * describeEachDatabase('enrollments', (db) => { it('…', async () => { const csp = await db.fresh(); … }); });
 */
export function describeEachDatabase(name: string, suite: (db: TestDatabase) => void): void {
  describe(`${name} [sqlite]`, () => {
    const db = sqliteDatabase();
    afterAll(async () => db.store()?.close());
    suite(db);
  });
  describe.skipIf(pgUnavailable !== undefined)(`${name} [postgres]`, () => {
    const db = postgresDatabase();
    beforeAll(() => db.setUp(), 30_000);
    afterAll(() => db.tearDown(), 30_000);
    suite(db);
  });
}

/**
 * A database another connection can reach (a worker thread's, `reopenUrl`): its store, and how to
 * remove it afterwards. The suites of `describeEachDatabase` run SQLite in memory, where none can.
 */
export interface Backend {
  readonly name: string;
  readonly skip?: string | undefined;
  open(): Promise<{ store: Store; remove(): Promise<void> }>;
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'SQLite file',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'opencsp-file-'));
      return {
        store: openStore(join(dir, 'world.db')),
        remove: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: pgUnavailable,
    async open() {
      const scratch = await scratchPostgres();
      return { store: openStore(scratch.url), remove: () => scratch.drop() };
    },
  },
];
