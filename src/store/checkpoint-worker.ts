/**
 * The worker thread of background checkpoints (`checkpointer.ts`): a connection of its own to the
 * SQLite file, which copies the pages the write-ahead log holds into the database file when asked
 * (`PRAGMA wal_checkpoint(PASSIVE)`: it never waits for the writer or a reader, and copies what no
 * reader still needs from the log). It never writes rows; it is closed when the pool closes.
 */
import Sqlite from 'better-sqlite3';
import { serveTasks, taskData } from '../kernel/workers.ts';

/** What the worker is started with. */
export interface CheckpointWorkerData {
  /** The SQLite database file. */
  readonly file: string;
}

/** One checkpoint: the log's pages when it ran, and how many of them are in the database file. */
export interface CheckpointResult {
  /** Another checkpoint was running (the writer's own): nothing done. */
  readonly busy: boolean;
  readonly logPages: number;
  readonly checkpointedPages: number;
}

const { file } = taskData<CheckpointWorkerData>();
const database = new Sqlite(file, { fileMustExist: true });
// FULL, as the store's: the database file is synced before the log may be reused.
database.pragma('synchronous = FULL');
const checkpoint = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');

serveTasks<null, CheckpointResult>(
  () => {
    const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
    return { busy: r.busy !== 0, logPages: r.log, checkpointedPages: r.checkpointed };
  },
  {
    onClose: () => {
      database.close();
    },
  },
);
