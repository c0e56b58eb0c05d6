/**
 * Query plans for the plan tests: SQLite's `EXPLAIN QUERY PLAN` and PostgreSQL's `EXPLAIN` of a
 * compiled query, one step per line (match a step with a `/^…/m` pattern).
 */
import { CompiledQuery, type Kysely } from 'kysely';

export async function sqlitePlan<DB>(db: Kysely<DB>, compiled: CompiledQuery): Promise<string> {
  const r = await db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]),
  );
  return r.rows.map((x) => x.detail).join('\n');
}

/** PostgreSQL's `EXPLAIN` of a compiled query on `db` (a pinned connection keeps its settings), one node per line. */
export async function postgresExplain<DB>(db: Kysely<DB>, compiled: CompiledQuery): Promise<string> {
  const r = await db.executeQuery<{ 'QUERY PLAN': string }>(
    CompiledQuery.raw(`EXPLAIN ${compiled.sql}`, [...compiled.parameters]),
  );
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}
