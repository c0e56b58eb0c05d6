/**
 * Many rows updated in one statement: `UPDATE t SET a = v.column2, … FROM (VALUES (…), …) AS v
 * WHERE t.key = v.column1` — portable SQL (SQLite ≥ 3.33, PostgreSQL, CockroachDB), the VALUES
 * columns named `column1…` by both.
 *
 * The first row's values are cast to their columns' types: PostgreSQL resolves each VALUES column's
 * type from them (the later rows' parameters follow), and SQLite still plans "for each row of v,
 * find t by key". Casting every row would make SQLite materialize v and scan all of t instead.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from './schema.ts';

export interface ValueColumn<C extends string = string> {
  readonly name: C;
  readonly type: 'text' | 'integer' | 'bigint';
}

/** Bound values per statement: below SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_VALUES = 30_000;

/**
 * The statements that update `rows` of `table`: each row is `[key, ...values]`, values in `columns`
 * order. Rows with the same key must not repeat in one call. No statement for no rows.
 */
export function updateManyStatements(
  table: keyof Database & string,
  key: ValueColumn,
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
): RawBuilder<unknown>[] {
  if (columns.length === 0) return [];
  const all = [key, ...columns];
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / all.length));
  const set = sql.join(columns.map((c, i) => sql`${sql.ref(c.name)} = v.${sql.raw(`column${i + 2}`)}`));
  const statements: RawBuilder<unknown>[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const values = rows
      .slice(i, i + perStatement)
      .map((r, n) =>
        n === 0
          ? sql`(${sql.join(all.map((c, k) => sql`CAST(${r[k]} AS ${sql.raw(c.type)})`))})`
          : sql`(${sql.join(all.map((_, k) => r[k]))})`,
      );
    statements.push(
      sql`UPDATE ${sql.table(table)} SET ${set} FROM (VALUES ${sql.join(values)}) AS v WHERE ${sql.ref(`${table}.${key.name}`)} = v.column1`,
    );
  }
  return statements;
}

/** Runs `updateManyStatements` in the transaction. */
export async function updateMany(
  tx: Kysely<Database>,
  table: keyof Database & string,
  key: ValueColumn,
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  for (const statement of updateManyStatements(table, key, columns, rows)) await statement.execute(tx);
}
