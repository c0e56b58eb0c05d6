/**
 * Background checkpoints (`src/store/checkpointer.ts`): on a SQLite file, a worker thread copies
 * the write-ahead log into the database file after the commits it is nudged by, while the writer's
 * own threshold is raised fourfold (and put back at close). PostgreSQL and SQLite in memory have
 * none.
 */
import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../src/store/checkpointer.ts';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { BACKENDS } from './support/databases.ts';

const threshold = async (store: Store) =>
  Number(
    (await sql.raw<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint').execute(store.db)).rows[0]
      ?.wal_autocheckpoint,
  );

describe.each(BACKENDS)('background checkpoints ($name)', (backend) => {
  if (backend.skip) {
    it.skip(`skipped: ${backend.skip}`, () => undefined);
    return;
  }
  const opened: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
  });

  it('copies the log into the database file after each nudged commit; the writer threshold is raised, then put back', async () => {
    const { store, remove } = await backend.open();
    opened.push(async () => {
      await store.close();
      await remove();
    });
    await migrate(store);
    const checkpointer = await startCheckpointer(store);
    if (store.dialect !== 'sqlite') {
      expect(checkpointer).toBeUndefined();
      return;
    }
    expect(checkpointer).toBeDefined();
    if (!checkpointer) return;
    expect(await threshold(store)).toBe(16_384 * 4);
    const file = store.location.replace(/^sqlite:/, '');
    const before = statSync(file).size;
    // ~2 MB of rows in ten commits: far below the writer's raised threshold (64K pages), so only
    // the worker's checkpoints bring them into the database file.
    for (let t = 0; t < 10; t++) {
      await store.write(async (tx) => {
        for (let i = 0; i < 200; i++)
          await tx
            .insertInto('counters')
            .values({ name: `checkpoint-${t}-${i}-${'x'.repeat(1_000)}`, value: i })
            .execute();
        return { commit: true, value: undefined };
      });
      checkpointer.nudge();
    }
    await checkpointer.close();
    expect(checkpointer.stats.asked).toBeGreaterThan(0);
    expect(checkpointer.stats.ran).toBeGreaterThan(0);
    expect(statSync(file).size).toBeGreaterThan(before + 1_000_000);
    expect(await threshold(store)).toBe(16_384);
    const count = await store.db
      .selectFrom('counters')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('name', 'like', 'checkpoint-%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2_000);
  });
});

it('SQLite in memory has no background checkpoints', async () => {
  const store = openStore(':memory:');
  try {
    expect(await startCheckpointer(store)).toBeUndefined();
  } finally {
    await store.close();
  }
});
