/**
 * `updateMany`: many rows in one `UPDATE … FROM (VALUES …)`, on both databases — values keep their
 * column types (integers, bigints past 2^53, nulls), untouched rows stay, several statements when
 * the rows exceed one statement's bound values, and SQLite looks rows up by key instead of scanning
 * the table (a whole-table scan per statement made month closes quadratic).
 */
import { type Kysely, sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import type { Database } from '../src/store/schema.ts';
import { updateMany, updateManyStatements, type ValueColumn } from '../src/store/update-many.ts';
import { describeEachDatabase } from './support/databases.ts';
import { sqlitePlan } from './support/plans.ts';
import { createProbeTable } from './support/probe-table.ts';

const TABLE = 'update_many_probe' as keyof Database & string;
const KEY: ValueColumn = { name: 'id', type: 'text' };
const COLUMNS: ValueColumn[] = [
  { name: 'n', type: 'integer' },
  { name: 'big', type: 'bigint' },
  { name: 't', type: 'text' },
];
/** More than one statement holds: 30,000 bound values ÷ 4 columns = 7,500 rows a statement. */
const ROWS = 8_000;

describeEachDatabase('updateMany', (db) => {
  let csp: OpenCsp;
  let raw: Kysely<Database>;
  beforeEach(async () => {
    csp = await db.fresh();
    raw = csp.store.db;
    await createProbeTable(raw, TABLE);
    for (let i = 0; i < ROWS + 10; i += 500)
      await sql`INSERT INTO update_many_probe (id, n, big, t) VALUES ${sql.join(
        Array.from({ length: Math.min(500, ROWS + 10 - i) }, (_, k) => sql`(${`r${i + k}`}, 0, 0, 'old')`),
      )}`.execute(raw);
  });

  it('a key of several columns: a row is updated only where every key column matches', async () => {
    const keys: ValueColumn[] = [KEY, { name: 't', type: 'text' }];
    const n: ValueColumn[] = [{ name: 'n', type: 'integer' }];
    const updated = await csp.store.write(async (tx) => ({
      commit: true,
      value: await updateMany(tx, TABLE, keys, n, [
        ['r1', 'old', 5],
        ['r2', 'other', 6],
        ['r3', 'old', 7],
      ]),
    }));
    expect(updated).toBe(2);
    const read = await sql<{
      id: string;
      n: number | string;
    }>`SELECT id, n FROM update_many_probe WHERE id IN ('r1', 'r2', 'r3') ORDER BY id`.execute(raw);
    expect(read.rows.map((r) => [r.id, Number(r.n)])).toEqual([
      ['r1', 5],
      ['r2', 0],
      ['r3', 7],
    ]);
  });

  it('updates every listed row with its own values and leaves the others', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => [
      `r${i}`,
      i,
      i === 1 ? '9007199254740993' : String(-i),
      i % 3 === 0 ? null : `v${i}`,
    ]);
    expect(updateManyStatements(TABLE, KEY, COLUMNS, rows)).toHaveLength(2);
    await csp.store.write(async (tx) => {
      await updateMany(tx, TABLE, KEY, COLUMNS, rows);
      return { commit: true, value: undefined };
    });
    const read = await sql<{
      id: string;
      n: number | string;
      big: number | string | bigint;
      t: string | null;
    }>`SELECT id, n, CAST(big AS text) AS big, t FROM update_many_probe ORDER BY id`.execute(raw);
    const byId = new Map(read.rows.map((r) => [r.id, r]));
    expect(byId.get('r1')).toMatchObject({ t: 'v1', big: '9007199254740993' });
    expect(Number(byId.get('r1')?.n)).toBe(1);
    for (let i = 0; i < ROWS; i++) {
      const r = byId.get(`r${i}`);
      expect([Number(r?.n), String(r?.big), r?.t]).toEqual([
        i,
        i === 1 ? '9007199254740993' : String(-i),
        i % 3 === 0 ? null : `v${i}`,
      ]);
    }
    for (let i = ROWS; i < ROWS + 10; i++) expect(byId.get(`r${i}`)).toMatchObject({ t: 'old', big: '0' });
  });

  it('writes nothing for no rows', async () => {
    expect(updateManyStatements(TABLE, KEY, COLUMNS, [])).toEqual([]);
    expect(updateManyStatements(TABLE, KEY, [], [['r1']])).toEqual([]);
  });

  it('moves row versions: bump adds one to each row written; expect writes only rows still at the version given', async () => {
    await sql`ALTER TABLE update_many_probe ADD COLUMN version integer NOT NULL DEFAULT 0`.execute(raw);
    const write = (columns: ValueColumn[], rows: unknown[][], version: 'bump' | 'expect') =>
      csp.store.write(async (tx) => ({
        commit: true,
        value: await updateMany(tx, TABLE, KEY, columns, rows, version),
      }));
    const state = async () =>
      (
        await sql<{
          id: string;
          t: string;
          version: number | string;
        }>`SELECT id, t, version FROM update_many_probe WHERE id IN ('r0', 'r1', 'r2') ORDER BY id`.execute(
          raw,
        )
      ).rows.map((r) => [r.id, r.t, Number(r.version)]);
    const T: ValueColumn[] = [{ name: 't', type: 'text' }];
    expect(
      await write(
        T,
        [
          ['r0', 'a'],
          ['r1', 'a'],
        ],
        'bump',
      ),
    ).toBe(2);
    // r0 still at 1: written; r1 expected at 0 but at 1: left; r2 at 0: written.
    expect(
      await write(
        T,
        [
          ['r0', 'b', 1],
          ['r1', 'b', 0],
          ['r2', 'b', 0],
        ],
        'expect',
      ),
    ).toBe(2);
    // No column but the version: it still moves (and counts).
    expect(await write([], [['r1', 1]], 'expect')).toBe(1);
    expect(await state()).toEqual([
      ['r0', 'b', 2],
      ['r1', 'a', 2],
      ['r2', 'b', 1],
    ]);
  });

  it('SQLite updates OR FAIL (no statement journal, `failClause`); PostgreSQL has no such clause', () => {
    const [statement] = updateManyStatements(TABLE, KEY, COLUMNS, [['r1', 1, '1', 'x']]);
    expect(statement?.compile(raw).sql).toMatch(
      db.name === 'sqlite' ? /^UPDATE OR FAIL "update_many_probe" SET / : /^UPDATE "update_many_probe" SET /,
    );
  });

  if (db.name === 'sqlite')
    it('finds each row by its key: SQLite never scans the table', async () => {
      const rows = Array.from({ length: 600 }, (_, i) => [`r${i * 7}`, i, String(i), 'x']);
      const [statement] = updateManyStatements(TABLE, KEY, COLUMNS, rows);
      if (!statement) throw new Error('no statement');
      const compiled = statement.compile(raw);
      const details = await sqlitePlan(raw, compiled);
      expect(details).toMatch(/^SEARCH update_many_probe .*\(id=\?\)/m);
      expect(details).not.toMatch(/^SCAN update_many_probe/m);
    });
});
