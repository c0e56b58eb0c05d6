/** A scratch table for the statement helpers' tests (`insert-many`, `update-many`). */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';

/**
 * Creates `name (id text PRIMARY KEY, n integer, big bigint, t text)`, empty. PostgreSQL keeps the
 * test file's database between tests: any table of that name is dropped first.
 */
export async function createProbeTable(db: Kysely<Database>, name: string): Promise<void> {
  await db.executeQuery(CompiledQuery.raw(`DROP TABLE IF EXISTS ${name}`));
  await db.executeQuery(
    CompiledQuery.raw(`CREATE TABLE ${name} (id text PRIMARY KEY, n integer, big bigint, t text)`),
  );
}
