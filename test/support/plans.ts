/**
 * Query plans for the plan tests: SQLite's `EXPLAIN QUERY PLAN` of a compiled query, its steps one
 * per line (match a step with a `/^…/m` pattern).
 */
import { CompiledQuery, type Kysely } from 'kysely';

export async function sqlitePlan<DB>(db: Kysely<DB>, compiled: CompiledQuery): Promise<string> {
  const r = await db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`EXPLAIN QUERY PLAN ${compiled.sql}`, [...compiled.parameters]),
  );
  return r.rows.map((x) => x.detail).join('\n');
}
