/**
 * PostgreSQL: an idle pooled connection that the server terminates (a restart, an administrator,
 * a database dropped at teardown) must not crash the process; the next query gets a new one.
 */

import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { describeEachDatabase, PG_URL } from './support/databases.ts';

describeEachDatabase('store resilience', (db) => {
  it('survives the server terminating its idle connections', async () => {
    await db.fresh();
    const store = db.store();
    const one = async () =>
      store.read(async (tx) => (await sql<{ n: number }>`select 1 as n`.execute(tx)).rows[0]?.n);
    expect(await one()).toBe(1);
    if (db.name !== 'postgres') return;
    const database = (await sql<{ d: string }>`select current_database() as d`.execute(store.db)).rows[0]?.d;
    const admin = new pg.Client({
      connectionString: PG_URL,
    });
    await admin.connect();
    try {
      const killed = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await one()).toBe(1);
  });

  it('turns JIT compilation off on every PostgreSQL connection it opens', async () => {
    if (db.name !== 'postgres') return;
    await db.fresh();
    const store = db.store();
    const jit = async () => (await sql<{ jit: string }>`show jit`.execute(store.db)).rows[0]?.jit;
    // Several at once, so the pool opens more than one connection.
    const settings = await Promise.all(
      Array.from({ length: 4 }, () =>
        store.read(async (tx) => (await sql<{ jit: string }>`show jit`.execute(tx)).rows[0]?.jit),
      ),
    );
    expect(settings).toEqual(['off', 'off', 'off', 'off']);
    expect(await jit()).toBe('off');
  });
});
