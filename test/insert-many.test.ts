/**
 * `insertMany`: multi-row inserts from statement texts built once per shape, on both databases —
 * every row lands with its own values (nulls, bigints past 2^53), several statements when the rows
 * exceed one, nothing for no rows, and a row of the wrong width refused before anything is written.
 */
import { type Kysely, sql } from 'kysely';
import { beforeEach, expect, it, vi } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { INSERT_ROWS_PER_STATEMENT, insertMany, insertManyText } from '../src/store/insert-many.ts';
import type { Database } from '../src/store/schema.ts';
import { describeEachDatabase } from './support/databases.ts';
import { createProbeTable } from './support/probe-table.ts';

const TABLE = 'insert_many_probe' as keyof Database & string;
const COLUMNS = ['id', 'n', 'big', 't'];
const ROWS = INSERT_ROWS_PER_STATEMENT * 2 + 7;

describeEachDatabase('insertMany', (db) => {
  let csp: OpenCsp;
  let raw: Kysely<Database>;
  beforeEach(async () => {
    csp = await db.fresh();
    raw = csp.store.db;
    await createProbeTable(raw, TABLE);
  });

  const count = async () =>
    Number(
      (await sql<{ c: number | string }>`SELECT count(*) AS c FROM insert_many_probe`.execute(raw)).rows[0]
        ?.c,
    );

  it('inserts every row with its own values, over several statements', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => [
      `r${i}`,
      i,
      i === 1 ? '9007199254740993' : String(-i),
      i % 3 === 0 ? null : `v,"${i}"`,
    ]);
    const statements: string[] = [];
    await csp.store.write(async (tx) => {
      const spy = vi.spyOn(tx, 'executeQuery');
      await insertMany(tx, TABLE, COLUMNS, rows);
      for (const [q] of spy.mock.calls) if ('sql' in q) statements.push(q.sql);
      spy.mockRestore();
      return { commit: true, value: undefined };
    });
    expect(statements).toHaveLength(3);
    const read = await sql<{
      id: string;
      n: number | string;
      big: string;
      t: string | null;
    }>`SELECT id, n, CAST(big AS text) AS big, t FROM insert_many_probe`.execute(raw);
    expect(read.rows).toHaveLength(ROWS);
    const byId = new Map(read.rows.map((r) => [r.id, r]));
    for (let i = 0; i < ROWS; i++) {
      const r = byId.get(`r${i}`);
      expect([Number(r?.n), String(r?.big), r?.t]).toEqual([
        i,
        i === 1 ? '9007199254740993' : String(-i),
        i % 3 === 0 ? null : `v,"${i}"`,
      ]);
    }
  });

  it('writes nothing for no rows, and refuses a row of the wrong width before writing', async () => {
    await csp.store.write(async (tx) => {
      await insertMany(tx, TABLE, COLUMNS, []);
      return { commit: true, value: undefined };
    });
    expect(await count()).toBe(0);
    await expect(
      csp.store.write(async (tx) => {
        await insertMany(tx, TABLE, COLUMNS, [
          ['a', 1, '1', 'x'],
          ['b', 2, '2'],
        ]);
        return { commit: true, value: undefined };
      }),
    ).rejects.toThrow(/3 values for 4 columns/);
    expect(await count()).toBe(0);
  });

  it('a statement that fails midway (a duplicate key) fails its transaction: none of its rows stay', async () => {
    // On SQLite the statement is OR FAIL, which keeps the rows before the failing one until the
    // transaction rolls back: the write rolls it back whole.
    const rows = Array.from({ length: 20 }, (_, i) => [`r${i === 15 ? 3 : i}`, i, '0', null]);
    await expect(
      csp.store.write(async (tx) => {
        await insertMany(tx, TABLE, COLUMNS, [['before', 0, '0', null]]);
        await insertMany(tx, TABLE, COLUMNS, rows);
        return { commit: true, value: undefined };
      }),
    ).rejects.toThrow(/unique|duplicate/i);
    expect(await count()).toBe(0);
  });
});

it("builds each statement text once per shape, with the dialect's parameters", () => {
  const a = insertManyText('numbered', TABLE, COLUMNS, 2);
  expect(a).toBe(
    'INSERT INTO "insert_many_probe" ("id", "n", "big", "t") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)',
  );
  expect(insertManyText('numbered', TABLE, COLUMNS, 2)).toBe(a);
  // SQLite: OR FAIL, so that it keeps no statement journal (`failClause`).
  expect(insertManyText('question', TABLE, COLUMNS, 1)).toBe(
    'INSERT OR FAIL INTO "insert_many_probe" ("id", "n", "big", "t") VALUES (?, ?, ?, ?)',
  );
});
