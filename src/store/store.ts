/**
 * The storage adapter: one Kysely `Database` over SQLite (embedded default: one file, WAL) or
 * PostgreSQL (production, scale-out). Dialect differences live here and in `migrations/`, nowhere else.
 *
 * Every command runs in one write transaction that reads the facts its decision depends on and
 * writes the state change with its ledger events. SQLite takes the write lock up front
 * (`BEGIN IMMEDIATE`), so no other writer can slip between check and write; PostgreSQL runs
 * `SERIALIZABLE` and the whole transaction is retried on a serialization failure.
 */
import Sqlite from 'better-sqlite3';
import { type CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { classifyDbError } from './errors.ts';
import { exactInt8, exactSqlite } from './exact-integers.ts';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

/** The sequences the schema defines. */
export const SEQUENCES = ['partner_id'] as const;
export type SequenceName = (typeof SEQUENCES)[number];

async function counterNext(tx: Kysely<Database>, name: SequenceName): Promise<number> {
  const row = await tx.selectFrom('counters').select('value').where('name', '=', name).executeTakeFirst();
  const next = (row ? Number(row.value) : 0) + 1;
  if (row) await tx.updateTable('counters').set({ value: next }).where('name', '=', name).execute();
  else await tx.insertInto('counters').values({ name, value: next }).execute();
  return next;
}

async function postgresNext(tx: Kysely<Database>, name: SequenceName): Promise<number> {
  const r = await sql<{ v: number }>`SELECT nextval(${`${name}_seq`}::regclass) AS v`.execute(tx);
  return Number(r.rows[0]?.v);
}

/** What a transaction body returns: its value, and whether to commit (a refusal or a dry run rolls back). */
export interface TxResult<T> {
  readonly commit: boolean;
  readonly value: T;
}

export interface Store {
  readonly dialect: DialectName;
  /** The database outside any transaction (migrations, tests). Commands use `write`/`read`. */
  readonly db: Kysely<Database>;
  /**
   * Runs `body` in one write transaction; commits only when it says so. Retries the whole body
   * (up to `maxAttempts`) when the database reports a retryable conflict.
   */
  write<T>(body: (tx: Kysely<Database>, attempt: number) => Promise<TxResult<T>>): Promise<T>;
  /**
   * The next value of a named sequence (1, 2, 3…), inside `tx`. SQLite: a counter row bumped under
   * the write lock. PostgreSQL: a real sequence (`<name>_seq`, created by the migrations), so
   * concurrent commands never conflict on it; values of rolled-back commands are skipped, as with
   * any sequence.
   */
  nextValue(tx: Kysely<Database>, name: SequenceName): Promise<number>;
  /** Runs `body` in a read-only transaction: a consistent snapshot, nothing written. */
  read<T>(body: (tx: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs one read query (a consistent snapshot of its own) and returns its rows as arrays of column
   * values in select order, integers exact as everywhere. For bulk reads (exports): building an
   * object of thirty properties per row cost more than the database's own work.
   */
  readArrays(query: CompiledQuery): Promise<unknown[][]>;
  /** Where the data lives, without credentials. */
  readonly location: string;
  /**
   * Refreshes the planner's statistics of tables a bulk job just rewrote (a month close, a bulk
   * load), outside any transaction. PostgreSQL: `ANALYZE` — without it, autoanalyze may not have
   * run yet and the next reads plan as if the tables were empty (an export page became a scan of
   * the whole table). SQLite: nothing; its plans here come from the indexes alone, and `ANALYZE` of
   * a table of millions of lines would cost minutes.
   */
  refreshStatistics(tables: readonly (keyof Database & string)[]): Promise<void>;
  /**
   * Records in PostgreSQL's visibility map the pages of `tables` every transaction sees, outside any
   * transaction (`VACUUM (ANALYZE)`; it reads only pages written since the last vacuum), so an
   * index-only scan answers from the index alone. Until then every entry costs a read of its row
   * in the table: the large world's month close summed each draft's lines from
   * `billing_lines_invoice` with a heap fetch per line (`Heap Fetches: 328150` for 200 drafts), its
   * issue ~43 min instead of minutes, because nothing vacuums a table that is only ever inserted into
   * before autovacuum's threshold, millions of rows later. SQLite: nothing (no visibility map).
   */
  vacuum(tables: readonly (keyof Database & string)[]): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Attempts for a conflicting write transaction before giving up (default 12). */
  readonly maxAttempts?: number;
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
  /**
   * SQLite page cache in MiB (default 128). The driver's default (16 MB) makes a month close of a
   * big world re-read the index pages it just wrote; the close's memory target leaves room.
   */
  readonly sqliteCacheMiB?: number;
  /**
   * SQLite: write-ahead-log pages before a commit copies them into the database file (default
   * 16,384, 64 MiB; SQLite's own default is 1,000). A due batch of the month close writes ~10 MB:
   * at 1,000 pages nearly every commit checkpointed, writing the same hot index pages to the file
   * again each time — 57 of 127 s of the medium close's rating were `COMMIT`, 25 s at 16,384.
   * Durability is the same (`synchronous = FULL`); the log file grows to about this size.
   */
  readonly sqliteCheckpointPages?: number;
  /**
   * SQLite: open an existing database file for reading only (a second connection beside the one
   * that writes, as a worker thread's export does; WAL lets it read while the other writes). Its
   * writes fail. PostgreSQL: every transaction of the store's connections is read-only
   * (`default_transaction_read_only`), so its writes fail too.
   */
  readonly readOnly?: boolean;
}

/**
 * Opens a store from a URL: `postgres://…` / `postgresql://…` for PostgreSQL; `sqlite:PATH`,
 * a plain file path, or `:memory:` for SQLite.
 */
export function openStore(url: string, options: StoreOptions = {}): Store {
  let store: Store;
  if (/^postgres(ql)?:\/\//.test(url)) store = openPostgres(url, options);
  else store = openSqlite(url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url, options);
  if (store.location !== ':memory:') openedFrom.set(store, url);
  return store;
}

/** The URL each store was opened from, credentials included (`Store.location` leaves them out). */
const openedFrom = new WeakMap<Store, string>();

/**
 * The URL that opens `store`'s database again, from another thread or process (a worker thread's
 * connection of its own): credentials included, so never for display. Undefined for an in-memory
 * database, which no other connection can reach.
 */
export function reopenUrl(store: Store): string | undefined {
  return openedFrom.get(store);
}

function openSqlite(file: string, options: StoreOptions): Store {
  const readOnly = options.readOnly === true;
  if (readOnly && (file === ':memory:' || file === ''))
    throw new Error('a read-only SQLite store needs a database file');
  const database = new Sqlite(file, readOnly ? { readonly: true, fileMustExist: true } : {});
  // The journal mode is kept in the file: a read-only connection reads it from there.
  if (file !== ':memory:' && file !== '' && !readOnly) database.pragma('journal_mode = WAL');
  // FULL: a committed transaction survives power loss, not just a process crash.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const checkpointPages = options.sqliteCheckpointPages ?? 16_384;
  if (!Number.isSafeInteger(checkpointPages) || checkpointPages < 1)
    throw new Error(`sqliteCheckpointPages must be a whole number, 1 or more (got ${checkpointPages})`);
  database.pragma(`wal_autocheckpoint = ${checkpointPages}`);
  const cacheMiB = options.sqliteCacheMiB ?? 128;
  if (!Number.isSafeInteger(cacheMiB) || cacheMiB < 1)
    throw new Error(`sqliteCacheMiB must be a whole number of MiB, 1 or more (got ${cacheMiB})`);
  // Negative: a size in KiB rather than in pages.
  database.pragma(`cache_size = -${cacheMiB * 1024}`);
  const exact = exactSqlite(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: exact }) });
  return makeStore(
    'sqlite',
    db,
    file === '' ? ':memory:' : file,
    'BEGIN IMMEDIATE',
    'BEGIN',
    counterNext,
    // Holding the connection (the driver's mutex), so no transaction of another command is open on it.
    (query) => db.connection().execute(async () => exact.selectArrays(query.sql, query.parameters)),
    options,
  );
}

function openPostgres(url: string, options: StoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // Awaited before the pool hands a new connection out (no query queued behind another).
    async onConnect(client) {
      // A read-only store: every transaction on the connection is read-only; a connection that
      // cannot be made so is not used.
      if (options.readOnly) await client.query('SET default_transaction_read_only = on');
      // No JIT compilation: our statements are short, but the planner overestimates some of them (a
      // row-value range over an index, as the month close reads) past `jit_above_cost`, and
      // compiling took 380 ms of a 590 ms close step that ran in 180 ms without it. Ignored where
      // the server has no such setting (CockroachDB).
      await client.query('SET jit = off').catch(() => undefined);
    },
    // int8 as a number (counts, sequences), or a bigint past 2^53 (an amount): exact either way.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20
          ? exactInt8
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that breaks (server restart, an administrator terminating it, a database
  // dropped at test teardown) is discarded by the pool; the next query opens a new one. Without a
  // listener the pool's 'error' event would crash the process. Errors of running queries still
  // reach those queries.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return makeStore(
    'postgres',
    db,
    safe.toString(),
    'BEGIN ISOLATION LEVEL SERIALIZABLE',
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    postgresNext,
    async (query) =>
      (
        await pool.query<unknown[]>({
          text: query.sql,
          values: query.parameters as unknown[],
          rowMode: 'array',
        })
      ).rows,
    options,
    // Kysely ends the pool only if a query of its own opened it; `readArrays` alone (an export
    // worker's connection) uses the pool directly, and its connection kept the thread alive.
    async () => {
      if (!pool.ended) await pool.end();
    },
  );
}

function makeStore(
  dialect: DialectName,
  db: Kysely<Database>,
  location: string,
  beginWrite: string,
  beginRead: string,
  nextValue: Store['nextValue'],
  readArrays: Store['readArrays'],
  options: StoreOptions,
  /** After Kysely's `destroy`: what else the store holds open. */
  closeDriver: () => Promise<void> = async () => undefined,
): Store {
  const maxAttempts = options.maxAttempts ?? 12;
  const inTransaction = async <T>(
    begin: string,
    body: (tx: Kysely<Database>) => Promise<TxResult<T>>,
  ): Promise<T> =>
    // `connection()` pins one connection (SQLite: holds the driver's mutex) for the whole body.
    db.connection().execute(async (conn) => {
      await sql.raw(begin).execute(conn);
      let result: TxResult<T>;
      try {
        result = await body(conn);
      } catch (error) {
        await sql
          .raw('ROLLBACK')
          .execute(conn)
          .catch(() => undefined);
        throw error;
      }
      await sql.raw(result.commit ? 'COMMIT' : 'ROLLBACK').execute(conn);
      return result.value;
    });

  return {
    dialect,
    db,
    location,
    nextValue,
    readArrays,
    async write(body) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await inTransaction(beginWrite, (tx) => body(tx, attempt));
        } catch (error) {
          if (attempt >= maxAttempts || !classifyDbError(error).retryable) throw error;
          // Jittered backoff so colliding transactions do not collide again in lockstep.
          await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 7)));
        }
      }
    },
    read: (body) => inTransaction(beginRead, async (tx) => ({ commit: false, value: await body(tx) })),
    async refreshStatistics(tables) {
      if (dialect !== 'postgres' || tables.length === 0) return;
      await sql`ANALYZE ${sql.join(tables.map((t) => sql.id(t)))}`.execute(db);
    },
    async vacuum(tables) {
      if (dialect !== 'postgres' || tables.length === 0) return;
      await sql`VACUUM (ANALYZE) ${sql.join(tables.map((t) => sql.id(t)))}`.execute(db);
    },
    async close() {
      await db.destroy();
      await closeDriver();
    },
  };
}
