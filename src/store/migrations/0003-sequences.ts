/**
 * Sequences. PostgreSQL gets a real sequence per name, so concurrent allocations never conflict
 * under SERIALIZABLE; SQLite keeps a counter row (its writers are serialized anyway).
 */
import { type Kysely, sql } from 'kysely';
import { SEQUENCES } from '../store.ts';
import type { Migration } from './index.ts';

export const sequences: Migration = {
  id: '0003-sequences',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect !== 'postgres') return;
    for (const name of SEQUENCES) {
      // Continue from a counter row an earlier version may have left.
      const row = await sql<{
        value: number;
      }>`SELECT value FROM counters WHERE name = ${name.replace('_', '-')}`.execute(db);
      const start = Number(row.rows[0]?.value ?? 0) + 1;
      await sql.raw(`CREATE SEQUENCE ${name}_seq START ${start}`).execute(db);
    }
  },
};
