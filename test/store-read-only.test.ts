/**
 * A read-only store (`StoreOptions.readOnly`, the connection of an export worker). SQLite: it reads
 * what the writing store committed, including while that store has a write transaction open
 * (WAL), refuses to write, and needs a database file. PostgreSQL: it reads, and refuses to write.
 * `reopenUrl` gives what another thread opens the same database with: the file, the server URL with
 * its credentials, nothing for a database in memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, reopenUrl, type Store } from '../src/store/store.ts';
import { pgUnavailable, scratchPostgres } from './support/databases.ts';

describe('read-only SQLite store', () => {
  let dir: string;
  let writer: Store;
  let reader: Store | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opencsp-read-only-'));
    writer = openStore(join(dir, 'db.sqlite'));
    await migrate(writer);
    await sql`create table probe (id integer primary key, v text)`.execute(writer.db);
    await sql`insert into probe (v) values ('committed')`.execute(writer.db);
  });

  afterEach(async () => {
    await reader?.close();
    reader = undefined;
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads what was committed, also while the writer holds a write transaction', async () => {
    reader = openStore(join(dir, 'db.sqlite'), { readOnly: true });
    const read = () => (reader as Store).readArrays(sql`select v from probe order by id`.compile(writer.db));
    expect(await read()).toEqual([['committed']]);
    await writer.write(async (tx) => {
      await sql`insert into probe (v) values ('pending')`.execute(tx);
      // The writer's transaction is open: the reader sees the last commit, not this row.
      expect(await read()).toEqual([['committed']]);
      return { commit: true, value: undefined };
    });
    expect(await read()).toEqual([['committed'], ['pending']]);
  });

  it('refuses to write, and needs a database file that exists', async () => {
    reader = openStore(join(dir, 'db.sqlite'), { readOnly: true });
    await expect(sql`insert into probe (v) values ('no')`.execute(reader.db)).rejects.toThrow(/readonly/);
    expect(() => openStore(':memory:', { readOnly: true })).toThrow('needs a database file');
    expect(() => openStore(join(dir, 'missing.sqlite'), { readOnly: true })).toThrow();
  });
});

describe.skipIf(pgUnavailable !== undefined)('read-only PostgreSQL store', () => {
  it('reads, refuses to write, and reopens from the URL it was opened with', async () => {
    const scratch = await scratchPostgres();
    const url = new URL(scratch.url);
    url.password = 'secret'; // trust authentication ignores it; reopenUrl must keep it
    const writer = openStore(url.toString());
    const reader = openStore(url.toString(), { readOnly: true, poolSize: 1 });
    try {
      await sql`create table probe (id integer primary key, v text)`.execute(writer.db);
      await sql`insert into probe values (1, 'committed')`.execute(writer.db);
      expect(await reader.readArrays(sql`select v from probe`.compile(reader.db))).toEqual([['committed']]);
      await expect(sql`insert into probe values (2, 'no')`.execute(reader.db)).rejects.toThrow(/read-only/);
      expect(reopenUrl(reader)).toBe(url.toString());
      expect(reader.location).not.toContain('secret');
      // A store that only ever read arrays (as an export worker's does) closes its connection too.
      const arraysOnly = openStore(url.toString(), { readOnly: true, poolSize: 1 });
      await arraysOnly.readArrays(sql`select 1`.compile(arraysOnly.db));
      const connections = async () =>
        Number(
          (
            await writer.readArrays(
              sql`select count(*) from pg_stat_activity where datname = current_database()`.compile(
                writer.db,
              ),
            )
          )[0]?.[0],
        );
      const before = await connections();
      await arraysOnly.close();
      for (let i = 0; i < 50 && (await connections()) >= before; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(await connections()).toBe(before - 1);
    } finally {
      await reader.close();
      await writer.close();
      await scratch.drop();
    }
  });
});

describe('reopenUrl', () => {
  it('names the database file of a SQLite store, and nothing for one in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencsp-reopen-'));
    const file = openStore(`sqlite:${join(dir, 'db.sqlite')}`);
    const memory = openStore(':memory:');
    try {
      expect(reopenUrl(file)).toBe(`sqlite:${join(dir, 'db.sqlite')}`);
      expect(reopenUrl(memory)).toBeUndefined();
    } finally {
      await file.close();
      await memory.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
