/**
 * Integers are read exactly on both databases: a number up to 2^53 − 1, a bigint beyond — amounts
 * in minor units and unit prices in micro-units may be larger than a JS number holds. And the
 * SQLite store's page-cache setting.
 */

import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { selectArrays } from '../src/store/array-rows.ts';
import { exactInt8, exactInteger, exactSqlite, STATEMENT_CACHE_SIZE } from '../src/store/exact-integers.ts';
import { describeEachDatabase } from './support/databases.ts';

const PAST_2_53 = 9_007_199_254_740_993n; // 2^53 + 1: the nearest JS number is 2^53

it('exactInteger and exactInt8: numbers while safe, bigints past 2^53', () => {
  expect(exactInteger(5n)).toBe(5);
  expect(exactInteger(-9_007_199_254_740_991n)).toBe(-9_007_199_254_740_991);
  expect(exactInteger(PAST_2_53)).toBe(PAST_2_53);
  expect(exactInteger(-PAST_2_53)).toBe(-PAST_2_53);
  expect(exactInt8('42')).toBe(42);
  expect(exactInt8('9223372036854775807')).toBe(9_223_372_036_854_775_807n);
  expect(exactInt8('-9007199254740993')).toBe(-PAST_2_53);
});

describeEachDatabase('integers read exactly', (db) => {
  it('a bigint column past 2^53 reads back exactly, in rows, arrays, sums and (SQLite) streams; small ones stay numbers', async () => {
    const csp = await db.fresh();
    const d = csp.store.db;
    await d
      .insertInto('counters')
      .values([
        { name: 'exact-a', value: PAST_2_53.toString() as never },
        { name: 'exact-b', value: 7 },
      ])
      .execute();
    const rows = await d
      .selectFrom('counters')
      .select(['name', 'value'])
      .where('name', 'like', 'exact-%')
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'exact-a', value: PAST_2_53 },
      { name: 'exact-b', value: 7 },
    ]);
    const total = await sql<{
      n: unknown;
    }>`SELECT sum(value) AS n FROM counters WHERE name LIKE 'exact-%'`.execute(d);
    expect(BigInt(String(total.rows[0]?.n))).toBe(PAST_2_53 + 7n);
    if (db.name === 'sqlite') {
      // Streaming reads (SQLite's iterate; our PostgreSQL dialect has no cursor configured).
      const streamed: unknown[] = [];
      for await (const r of d
        .selectFrom('counters')
        .select('value')
        .where('name', 'like', 'exact-%')
        .orderBy('name')
        .stream())
        streamed.push(r.value);
      expect(streamed).toEqual([PAST_2_53, 7]);
    }
    // Array reads (exports): columns in select order, the same exact integers.
    const arrays = await csp.store.readArrays(
      d
        .selectFrom('counters')
        .select(['value', 'name'])
        .where('name', 'like', 'exact-%')
        .orderBy('name')
        .compile(),
    );
    expect(arrays).toEqual([
      [PAST_2_53, 'exact-a'],
      [7, 'exact-b'],
    ]);
    // Array reads in a transaction (due batches): the same, and they see the transaction's writes.
    const inTx = await csp.store.write(async (tx) => {
      await tx.updateTable('counters').set({ value: 8 }).where('name', '=', 'exact-b').execute();
      const query = tx
        .selectFrom('counters')
        .select(['value', 'name'])
        .where('name', 'like', 'exact-%')
        .orderBy('name')
        .compile();
      return { commit: false, value: await selectArrays(tx, query) };
    });
    expect(inTx).toEqual([
      [PAST_2_53, 'exact-a'],
      [8, 'exact-b'],
    ]);
    // Statements that write still report their changes.
    const del = await d.deleteFrom('counters').where('name', 'like', 'exact-%').executeTakeFirst();
    expect(Number(del.numDeletedRows)).toBe(2);
  });
});

it('a SQLite store sets its page cache (default 128 MiB) and refuses a cache size that is not a whole MiB', async () => {
  const { openStore } = await import('../src/store/store.ts');
  const cacheOf = async (store: ReturnType<typeof openStore>) =>
    (await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(store.db)).rows[0]?.cache_size;
  const dflt = openStore(':memory:');
  const small = openStore(':memory:', { sqliteCacheMiB: 8 });
  try {
    expect(await cacheOf(dflt)).toBe(-131_072);
    expect(await cacheOf(small)).toBe(-8_192);
  } finally {
    await dflt.close();
    await small.close();
  }
  expect(() => openStore(':memory:', { sqliteCacheMiB: 0.5 })).toThrow(
    'sqliteCacheMiB must be a whole number',
  );
});

it('a SQLite store checkpoints its write-ahead log every 16,384 pages by default, or as set; refuses a non-positive count', async () => {
  const { openStore } = await import('../src/store/store.ts');
  const pagesOf = async (store: ReturnType<typeof openStore>) =>
    (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(store.db)).rows[0]
      ?.wal_autocheckpoint;
  const dflt = openStore(':memory:');
  const set = openStore(':memory:', { sqliteCheckpointPages: 2_000 });
  try {
    expect(await pagesOf(dflt)).toBe(16_384);
    expect(await pagesOf(set)).toBe(2_000);
  } finally {
    await dflt.close();
    await set.close();
  }
  expect(() => openStore(':memory:', { sqliteCheckpointPages: 0 })).toThrow(
    'sqliteCheckpointPages must be a whole number',
  );
});

it('SQLite statements are prepared once per SQL text and reused; the oldest are dropped past the cache size', () => {
  const database = new Sqlite(':memory:');
  let prepared = 0;
  const prepare = database.prepare.bind(database);
  database.prepare = ((text: string) => {
    prepared++;
    return prepare(text);
  }) as typeof database.prepare;
  const exact = exactSqlite(database);
  const one = (n: number) => exact.prepare(`select ${n} as n`).all([]) as { n: number }[];
  expect(one(1)).toEqual([{ n: 1 }]);
  expect(one(1)).toEqual([{ n: 1 }]);
  expect(prepared).toBe(1);
  // Fill the cache past its size: `select 1` is the oldest and is prepared again; the newest is not.
  for (let i = 2; i <= STATEMENT_CACHE_SIZE + 1; i++) one(i);
  expect(prepared).toBe(STATEMENT_CACHE_SIZE + 1);
  expect(one(STATEMENT_CACHE_SIZE + 1)).toEqual([{ n: STATEMENT_CACHE_SIZE + 1 }]);
  expect(prepared).toBe(STATEMENT_CACHE_SIZE + 1);
  expect(one(1)).toEqual([{ n: 1 }]);
  expect(prepared).toBe(STATEMENT_CACHE_SIZE + 2);
  // A statement read partly (a stream stopped early) can run again.
  exact.prepare('create table t (v integer)').run([]);
  exact.prepare('insert into t values (1), (2), (3)').run([]);
  const read = exact.prepare('select v from t order by v');
  for (const row of read.iterate([])) {
    expect(row).toEqual({ v: 1 });
    break;
  }
  expect(exact.prepare('select v from t order by v').all([])).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
  exact.close();
});

it('SQLite array reads wait for the transaction holding the connection, and read only what it committed', async () => {
  const { openStore } = await import('../src/store/store.ts');
  const { migrate } = await import('../src/store/migrations/index.ts');
  const store = openStore(':memory:');
  try {
    await migrate(store);
    const count = store.db.selectFrom('counters').select('name').where('name', '=', 'held').compile();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let inserted!: () => void;
    const insertedNow = new Promise<void>((r) => {
      inserted = r;
    });
    const writing = store.write(async (tx) => {
      await tx.insertInto('counters').values({ name: 'held', value: 1 }).execute();
      inserted();
      await held;
      return { commit: false, value: undefined };
    });
    await insertedNow;
    // Asked while the write transaction holds the connection: it must not see the uncommitted row.
    const reading = store.readArrays(count);
    release();
    await writing;
    expect(await reading).toEqual([]);
  } finally {
    await store.close();
  }
});
