/**
 * Query plans for the plan tests: SQLite's `EXPLAIN QUERY PLAN` and PostgreSQL's `EXPLAIN` of a
 * compiled query, one step per line (match a step with a `/^…/m` pattern).
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';

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

/**
 * PostgreSQL's plan of `compiled` with sequential and bitmap scans and hash aggregation priced out:
 * tiny test tables are planned differently from large ones, so a plan test asks for the plan the
 * planner can reach (the benchmark covers the real size).
 */
export async function postgresPlan<DB>(db: Kysely<DB>, compiled: CompiledQuery): Promise<string> {
  return db.connection().execute(async (conn) => {
    await sql`SET enable_seqscan = off`.execute(conn);
    await sql`SET enable_bitmapscan = off`.execute(conn);
    await sql`SET enable_hashagg = off`.execute(conn);
    try {
      return await postgresExplain(conn, compiled);
    } finally {
      await sql`RESET ALL`.execute(conn);
    }
  });
}
