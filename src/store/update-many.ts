/**
 * Many rows updated in one statement: `UPDATE t SET a = v.column2, … FROM (VALUES (…), …) AS v
 * WHERE t.key = v.column1` — portable SQL (SQLite ≥ 3.33, PostgreSQL, CockroachDB), the VALUES
 * columns named `column1…` by both.
 *
 * The first row's values are cast to their columns' types: PostgreSQL resolves each VALUES column's
 * type from them (the later rows' parameters follow), and SQLite still plans "for each row of v,
 * find t by key". Casting every row would make SQLite materialize v and scan all of t instead.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { cachedText, type ParameterStyle, parameter, parameterStyle, quoted } from './statement-text.ts';

export interface ValueColumn<C extends string = string> {
  readonly name: C;
  readonly type: 'text' | 'integer' | 'bigint';
}

/** Bound values per statement: below SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_VALUES = 30_000;

/** One statement of an update: its text is built once per shape (`statement-text.ts`). */
export interface UpdateStatement {
  compile(db: Kysely<Database>): CompiledQuery;
}

function updateText(
  style: ParameterStyle,
  table: string,
  key: ValueColumn,
  columns: readonly ValueColumn[],
  count: number,
): string {
  const all = [key, ...columns];
  const shape = all.map((c) => `${c.name}:${c.type}`).join(',');
  return cachedText(`update\n${style}\n${table}\n${shape}\n${count}`, () => {
    const set = columns.map((c, i) => `${quoted(c.name)} = v.column${i + 2}`).join(', ');
    const rows: string[] = [];
    let n = 0;
    for (let r = 0; r < count; r++)
      rows.push(
        `(${all.map((c) => (r === 0 ? `CAST(${parameter(style, ++n)} AS ${c.type})` : parameter(style, ++n))).join(', ')})`,
      );
    return `UPDATE ${quoted(table)} SET ${set} FROM (VALUES ${rows.join(', ')}) AS v WHERE ${quoted(table)}.${quoted(key.name)} = v.column1`;
  });
}

/**
 * The statements that update `rows` of `table`: each row is `[key, ...values]`, values in `columns`
 * order. Rows with the same key must not repeat in one call. No statement for no rows.
 */
export function updateManyStatements(
  table: keyof Database & string,
  key: ValueColumn,
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
): UpdateStatement[] {
  if (columns.length === 0) return [];
  const width = columns.length + 1;
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / width));
  const statements: UpdateStatement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    statements.push({
      compile(db) {
        const values: unknown[] = [];
        for (const r of part) for (let k = 0; k < width; k++) values.push(r[k]);
        return CompiledQuery.raw(updateText(parameterStyle(db), table, key, columns, part.length), values);
      },
    });
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
  for (const statement of updateManyStatements(table, key, columns, rows))
    await tx.executeQuery(statement.compile(tx));
}
