/**
 * Rows read as arrays of column values in select order, inside a transaction: for reads of
 * thousands of rows at a time (a month close's due batches), where building one object per row
 * costs more than the database's own work. The query names each column once (PostgreSQL's rows
 * are objects, turned into arrays by their keys' order, which is the select order).
 *
 * `Store.readArrays` reads arrays too, in a snapshot of its own; this runs in the caller's
 * transaction, so a batch's reads see one snapshot.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { ARRAY_ROWS_MARK } from './exact-integers.ts';
import type { Database } from './schema.ts';
import { parameterStyle } from './statement-text.ts';

/** Runs `query` in the transaction and returns its rows as arrays of values, integers exact. */
export async function selectArrays(tx: Kysely<Database>, query: CompiledQuery): Promise<unknown[][]> {
  const marked = parameterStyle(tx) === 'question';
  const r = await tx.executeQuery(
    marked ? CompiledQuery.raw(ARRAY_ROWS_MARK + query.sql, [...query.parameters]) : query,
  );
  // A SQLite connection opened without `exactSqlite` ignores the mark: its rows are objects.
  return r.rows.map((row) => (Array.isArray(row) ? row : Object.values(row as object)));
}
