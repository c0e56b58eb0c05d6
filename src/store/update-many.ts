/**
 * Many rows updated in one statement: `UPDATE t SET a = v.column2, … FROM (VALUES (…), …) AS v
 * WHERE t.key = v.column1` (`t.k1 = v.column1 AND t.k2 = v.column2` for a key of two columns, the
 * values after them) — portable SQL (SQLite ≥ 3.33, PostgreSQL, CockroachDB), the VALUES
 * columns named `column1…` by both; `UPDATE OR FAIL` on SQLite (`failClause`).
 *
 * The first row's values are cast to their columns' types: PostgreSQL resolves each VALUES column's
 * type from them (the later rows' parameters follow), and SQLite still plans "for each row of v,
 * find t by key". Casting every row would make SQLite materialize v and scan all of t instead.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';
import {
  cachedText,
  failClause,
  type ParameterStyle,
  parameter,
  parameterStyle,
  quoted,
} from './statement-text.ts';

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

/**
 * What an update does with the table's row version (`version`, migration 0016): nothing, add one,
 * or add one only where the row is still at the version each row of values ends with.
 */
export type VersionMode = 'none' | 'bump' | 'expect';

const VERSION: ValueColumn = { name: 'version', type: 'integer' };

function updateText(
  style: ParameterStyle,
  table: string,
  keys: readonly ValueColumn[],
  columns: readonly ValueColumn[],
  count: number,
  version: VersionMode,
): string {
  const all = version === 'expect' ? [...keys, ...columns, VERSION] : [...keys, ...columns];
  const shape = all.map((c) => `${c.name}:${c.type}`).join(',');
  return cachedText(`update\n${style}\n${table}\n${keys.length}\n${shape}\n${count}\n${version}`, () => {
    const set = columns.map((c, i) => `${quoted(c.name)} = v.column${keys.length + i + 1}`);
    if (version !== 'none') set.push(`${quoted(VERSION.name)} = ${quoted(VERSION.name)} + 1`);
    const rows: string[] = [];
    let n = 0;
    for (let r = 0; r < count; r++)
      rows.push(
        `(${all.map((c) => (r === 0 ? `CAST(${parameter(style, ++n)} AS ${c.type})` : parameter(style, ++n))).join(', ')})`,
      );
    const match = keys.map((k, i) => `${quoted(table)}.${quoted(k.name)} = v.column${i + 1}`);
    if (version === 'expect') match.push(`${quoted(table)}.${quoted(VERSION.name)} = v.column${all.length}`);
    return `UPDATE${failClause(style)} ${quoted(table)} SET ${set.join(', ')} FROM (VALUES ${rows.join(', ')}) AS v WHERE ${match.join(' AND ')}`;
  });
}

/**
 * The statements that update `rows` of `table`: each row is `[key, ...values]` (`[...keys,
 * ...values]` for a key of several columns), values in `columns` order, then with `version:
 * 'expect'` the version the row must still be at. Rows with the same key must not repeat in one
 * call. No statement for no rows, nor for no columns unless the version moves.
 */
export function updateManyStatements(
  table: keyof Database & string,
  key: ValueColumn | readonly ValueColumn[],
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
  version: VersionMode = 'none',
): UpdateStatement[] {
  if (columns.length === 0 && version === 'none') return [];
  const keys = 'name' in key ? [key] : key;
  const width = keys.length + columns.length + (version === 'expect' ? 1 : 0);
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / width));
  const statements: UpdateStatement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    statements.push({
      compile(db) {
        const values: unknown[] = [];
        for (const r of part) for (let k = 0; k < width; k++) values.push(r[k]);
        return CompiledQuery.raw(
          updateText(parameterStyle(db), table, keys, columns, part.length, version),
          values,
        );
      },
    });
  }
  return statements;
}

/**
 * An update planned apart from running it (plain data: it can be planned in one thread and run in
 * another): `updateMany`'s arguments.
 */
export interface RowUpdates {
  readonly table: keyof Database & string;
  readonly key: ValueColumn;
  readonly columns: readonly ValueColumn[];
  readonly rows: readonly (readonly unknown[])[];
  readonly version: VersionMode;
}

/** The tables with a row version (migration 0016), and their keys. */
const VERSIONED = { subscriptions: 'id', subscription_billing: 'subscription_id' } as const;

/** The row version of each of these rows of a versioned table that exists, by key. */
export async function versionsOf(
  tx: Kysely<Database>,
  table: keyof typeof VERSIONED,
  keys: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const key = sql.ref(VERSIONED[table]);
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const { rows } = await sql<{
      k: string;
      version: number | string;
    }>`SELECT ${key} AS k, version FROM ${sql.table(table)} WHERE ${key} IN (${sql.join(part)})`.execute(tx);
    for (const r of rows) out.set(r.k, Number(r.version));
  }
  return out;
}

/** Runs a planned update in the transaction; returns the rows it updated. */
export function runUpdates(tx: Kysely<Database>, u: RowUpdates): Promise<number> {
  return updateMany(tx, u.table, u.key, u.columns, u.rows, u.version);
}

/** Runs `updateManyStatements` in the transaction; returns the rows it updated. */
export async function updateMany(
  tx: Kysely<Database>,
  table: keyof Database & string,
  key: ValueColumn | readonly ValueColumn[],
  columns: readonly ValueColumn[],
  rows: readonly (readonly unknown[])[],
  version: VersionMode = 'none',
): Promise<number> {
  let updated = 0;
  for (const statement of updateManyStatements(table, key, columns, rows, version))
    updated += Number((await tx.executeQuery(statement.compile(tx))).numAffectedRows ?? 0);
  return updated;
}
