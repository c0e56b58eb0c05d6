/**
 * The worker thread of rating ahead (`rate-ahead.ts`): reads a due batch through a read-only
 * connection of its own (a SQLite file, or one connection to the PostgreSQL server) and rates it in
 * memory (`rateDue`, with the row versions read), so the main thread only writes. The connection is
 * closed when the pool closes.
 */
import { serveTasks, taskData } from '../kernel/workers.ts';
import { defaultProgram } from '../program/load.ts';
import type { Program } from '../program/program.ts';
import { openStore } from '../store/store.ts';
import { aheadContext, type DueCursor, type RatedDue, rateDue } from './due.ts';

/** What the worker is started with. */
export interface DueWorkerData {
  /** The store's `reopenUrl` (credentials included: it stays inside the process). */
  readonly url: string;
  /** SQLite page cache (MiB). */
  readonly cacheMiB: number;
  /**
   * The runtime's program without its region catalogue (functions do not cross threads). Rating
   * reads the program's policies alone; the catalogue is the default program's.
   */
  readonly program: Omit<Program, 'catalogue'>;
}

/** One task: the batch after `after`, rated as of `now`. */
export interface DueTask {
  readonly now: string;
  readonly batch: number;
  readonly after: DueCursor | undefined;
}

const { url, cacheMiB, program } = taskData<DueWorkerData>();
const store = openStore(url, { readOnly: true, sqliteCacheMiB: cacheMiB, poolSize: 1 });
const runtimeProgram: Program = { ...defaultProgram(), ...program };

serveTasks<DueTask, RatedDue>(
  ({ now, batch, after }) =>
    store.read((tx) =>
      rateDue(aheadContext(tx, new Date(now), runtimeProgram), { batch, after }, { versions: true }),
    ),
  { onClose: () => store.close() },
);
