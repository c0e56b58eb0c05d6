/**
 * Integers read exactly from both databases: a number when it is a safe integer (|v| ≤ 2^53 − 1,
 * every count, sequence and flag we keep), a `bigint` beyond (an amount in minor units or a unit
 * price in micro-units can be larger). Code that reads money goes through `big()` and takes either.
 *
 * - PostgreSQL returns `int8` as text: `exactInt8` parses it.
 * - better-sqlite3 returns JS numbers (rounded past 2^53) unless a statement asks for bigints:
 *   `exactSqlite` makes every statement read bigints and turns the safe ones back into numbers
 *   (and keeps prepared statements for reuse).
 */
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = -MAX;

/** A bigint as a number when that is exact. */
export function exactInteger(v: bigint): number | bigint {
  return v <= MAX && v >= MIN ? Number(v) : v;
}

/** PostgreSQL `int8` text → number, or bigint past 2^53. */
export function exactInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function exactRow(row: unknown): unknown {
  if (row && typeof row === 'object') {
    const r = row as Record<string, unknown>;
    for (const k in r) {
      const v = r[k];
      if (typeof v === 'bigint') r[k] = exactInteger(v);
    }
  }
  return row;
}

function exactArray(row: unknown[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'bigint') row[i] = exactInteger(v);
  }
  return row;
}

/**
 * Marks a statement whose rows are read as arrays of column values in select order
 * (`array-rows.ts`): better-sqlite3 builds a row object property by property, which cost twice the
 * time and twice the memory of the array for a subscription's thirty columns.
 */
export const ARRAY_ROWS_MARK = '/* array rows */ ';

function exactStatement(stmt: Statement, arrays: boolean): SqliteStatement {
  if (stmt.reader) stmt.safeIntegers(true);
  if (arrays && stmt.reader) stmt.raw(true);
  const exact = arrays ? exactArray : exactRow;
  return {
    reader: stmt.reader,
    all: (parameters) => {
      const rows = stmt.all(parameters as unknown[]);
      for (const row of rows) exact(row as unknown[]);
      return rows;
    },
    run: (parameters) => stmt.run(parameters as unknown[]),
    *iterate(parameters) {
      for (const row of stmt.iterate(parameters as unknown[])) yield exact(row as unknown[]);
    },
  };
}

/**
 * Prepared statements kept per SQL text (least recently used dropped first). Kysely prepares every
 * query it runs; a month close runs the same few multi-row statements thousands of times, and
 * compiling them again each time was 8% of its time. One connection runs one statement at a time,
 * so sharing a prepared statement is safe.
 */
export const STATEMENT_CACHE_SIZE = 200;

/** A least-recently-used cache of what `make` builds per key, at most `STATEMENT_CACHE_SIZE`. */
function lru<T>(make: (key: string) => T): { get(key: string): T; clear(): void } {
  const cache = new Map<string, T>();
  return {
    get(key) {
      const cached = cache.get(key);
      if (cached !== undefined) {
        cache.delete(key);
        cache.set(key, cached);
        return cached;
      }
      const made = make(key);
      cache.set(key, made);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return made;
    },
    clear: () => cache.clear(),
  };
}

/** The database as Kysely's SQLite dialect sees it, reading integers exactly; plus array reads. */
export interface ExactSqlite extends KyselySqliteDatabase {
  /**
   * Runs one read statement and returns its rows as arrays of column values in select order,
   * integers exact. The caller holds the connection (Kysely's `connection()`), so no other
   * statement runs in between.
   */
  selectArrays(sql: string, parameters: readonly unknown[]): unknown[][];
}

/** The database as Kysely's SQLite dialect sees it, reading integers exactly. */
export function exactSqlite(database: SqliteDatabase): ExactSqlite {
  const statements = lru((sql) => exactStatement(database.prepare(sql), sql.startsWith(ARRAY_ROWS_MARK)));
  const arrayStatements = lru((sql) => database.prepare(sql).raw(true).safeIntegers(true));
  return {
    close: () => {
      statements.clear();
      arrayStatements.clear();
      database.close();
    },
    prepare: (sql) => statements.get(sql),
    selectArrays(sql, parameters) {
      const rows = arrayStatements.get(sql).all(parameters as unknown[]) as unknown[][];
      for (const row of rows) exactArray(row);
      return rows;
    },
  };
}
