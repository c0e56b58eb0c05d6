/**
 * Statement texts built by hand, for the few multi-row statements a month close runs thousands of
 * times (`insert-many.ts`, `update-many.ts`): the text is built once per shape and kept, and the
 * values are bound as they are, instead of the query builder walking and compiling every value of
 * every row each time.
 */
import { type Kysely, sql } from 'kysely';

/** How a dialect writes its parameters: `?` (SQLite) or `$1, $2, …` (PostgreSQL). */
export type ParameterStyle = 'question' | 'numbered';

const styles = new WeakMap<object, ParameterStyle>();

/** The connection's parameter style, asked of its dialect's query compiler once per adapter. */
export function parameterStyle<DB>(db: Kysely<DB>): ParameterStyle {
  const adapter = db.getExecutor().adapter;
  let style = styles.get(adapter);
  if (style === undefined) {
    style = sql`${0}`.compile(db).sql === '?' ? 'question' : 'numbered';
    styles.set(adapter, style);
  }
  return style;
}

/** The `n`th parameter (from 1) in `style`. */
export function parameter(style: ParameterStyle, n: number): string {
  return style === 'question' ? '?' : `$${n}`;
}

/** An identifier, double-quoted (both dialects). */
export function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const texts = new Map<string, string>();

/** The text kept under `key`, built by `build` the first time (bounded: cleared past 1,000 shapes). */
export function cachedText(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    if (texts.size >= 1_000) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/**
 * The conflict clause of a multi-row `INSERT` or `UPDATE`: ` OR FAIL` on SQLite, nothing on
 * PostgreSQL (which has no such clause, and no such cost).
 *
 * SQLite's default, `ABORT`, undoes a failing statement's earlier rows and keeps the transaction:
 * so, for every statement that may write several rows, it first copies each page the statement
 * changes that the transaction had already changed, into a statement journal — a temporary file
 * past 64 KiB. A due batch changes the same pages statement after statement: those copies were a
 * tenth of the month close's writing thread (`subjournalPageIfRequired`, by `perf`). `FAIL` keeps
 * the earlier rows of the failing statement, so SQLite needs no copy; the rows go anyway, since
 * every statement here runs inside a command's transaction and a failure rolls all of it back
 * (`Store.write`). Not for a caller that catches a statement's failure and goes on writing.
 */
export function failClause(style: ParameterStyle): string {
  return style === 'question' ? ' OR FAIL' : '';
}
