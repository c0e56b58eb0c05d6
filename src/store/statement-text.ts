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
