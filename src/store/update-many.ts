/**
 * Many rows updated in one statement: `UPDATE t SET a = v.column2, … FROM (VALUES (…), …) AS v
 * WHERE t.key = v.column1` — portable SQL (SQLite ≥ 3.33, PostgreSQL, CockroachDB), the VALUES
 * columns named `column1…` by both. Every value is cast to its column's type, so PostgreSQL never
 * has to guess a bound parameter's type (and SQLite gives it the column's affinity).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

export interface ValueColumn<C extends string = string> {
  readonly name: C;
  readonly type: 'text' | 'integer' | 'bigint';
}

/** Bound values per statement: below SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_VALUES = 30_000;

/**
 * Updates `rows` of `table`: each row is `[key, ...values]`, values in `columns` order. Rows with
 * the same key must not repeat in one call. Does nothing for no rows.
 */
export async function updateMany(
  tx: Kysely<Database>,
  table: keyof Database & string,
  key: ValueColumn,
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  if (columns.length === 0) return;
  const all = [key, ...columns];
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / all.length));
  const set = sql.join(columns.map((c, i) => sql`${sql.ref(c.name)} = v.${sql.raw(`column${i + 2}`)}`));
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows
      .slice(i, i + perStatement)
      .map((r) => sql`(${sql.join(all.map((c, k) => sql`CAST(${r[k]} AS ${sql.raw(c.type)})`))})`);
    await sql`UPDATE ${sql.table(table)} SET ${set} FROM (VALUES ${sql.join(values)}) AS v WHERE ${sql.ref(`${table}.${key.name}`)} = v.column1`.execute(
      tx,
    );
  }
}
