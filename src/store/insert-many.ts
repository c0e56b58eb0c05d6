/**
 * Many rows inserted with multi-row statements whose text is built once per (table, columns, row
 * count) and bound with the rows' values as they are: `INSERT OR FAIL INTO t (a, b, …) VALUES
 * (?, ?, …), …` on SQLite (`failClause`), `INSERT INTO t … VALUES ($1, $2, …), …` on PostgreSQL.
 *
 * The query builder's `insertInto(t).values(objects)` walks every value of every row object twice
 * (parsing, then compiling), and a month close inserts millions of lines 500 at a time: a fifth of
 * the rating's JavaScript time went to building statements whose text never changes.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import {
  cachedText,
  failClause,
  type ParameterStyle,
  parameter,
  parameterStyle,
  quoted,
} from './statement-text.ts';

/** Rows per statement, at most: 30 columns bind 15,000 values, below either database's limit. */
export const INSERT_ROWS_PER_STATEMENT = 500;

/** The statement text inserting `count` rows of `columns` into `table`. */
export function insertManyText(
  style: ParameterStyle,
  table: keyof Database & string,
  columns: readonly string[],
  count: number,
): string {
  return cachedText(`insert\n${style}\n${table}\n${columns.join(',')}\n${count}`, () => {
    const rows: string[] = [];
    let n = 0;
    for (let r = 0; r < count; r++) rows.push(`(${columns.map(() => parameter(style, ++n)).join(', ')})`);
    return `INSERT${failClause(style)} INTO ${quoted(table)} (${columns.map(quoted).join(', ')}) VALUES ${rows.join(', ')}`;
  });
}

/**
 * Inserts `rows` (each the values of `columns`, in order) into `table` in the transaction, at most
 * `INSERT_ROWS_PER_STATEMENT` rows a statement. No statement for no rows.
 */
export async function insertMany(
  tx: Kysely<Database>,
  table: keyof Database & string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const style = parameterStyle(tx);
  for (let i = 0; i < rows.length; i += INSERT_ROWS_PER_STATEMENT) {
    const count = Math.min(INSERT_ROWS_PER_STATEMENT, rows.length - i);
    const width = columns.length;
    const values: unknown[] = new Array(count * width);
    for (let r = 0; r < count; r++) {
      const row = rows[i + r] as readonly unknown[];
      if (row.length !== width)
        throw new Error(`insertMany: a row of ${row.length} values for ${width} columns of ${table}`);
      for (let c = 0; c < width; c++) values[r * width + c] = row[c];
    }
    await tx.executeQuery(CompiledQuery.raw(insertManyText(style, table, columns, count), values));
  }
}
