/**
 * A read-only SQLite store (`StoreOptions.readOnly`, the connection of an export worker): it reads
 * what the writing store committed, including while that store has a write transaction open
 * (WAL), refuses to write, and needs a database file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../src/store/migrations/index.ts';
import { openStore, type Store } from '../src/store/store.ts';

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
