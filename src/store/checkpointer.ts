/**
 * Checkpoints in a thread of their own, for a long run of write transactions on a SQLite file (a
 * month close's due batches). In WAL mode every committed page is written twice: into the log at
 * commit, then into the database file by a checkpoint, which SQLite runs in the committing thread
 * once the log passes `wal_autocheckpoint` pages. On the large benchmark world those checkpoints
 * were a fifth of the writing thread — reading the log's pages and writing each into a 31 GB file,
 * with the other core partly idle.
 *
 * While the checkpointer runs, `nudge()` after a commit asks its worker (`checkpoint-worker.ts`) for
 * a passive checkpoint, unless one is still running; the writer's own threshold is raised
 * fourfold, so it checkpoints only what the worker has not copied yet, then resets the log as
 * before. `close()` waits for the checkpoint in flight and puts the threshold back. PostgreSQL and
 * an in-memory SQLite database have none: `startCheckpointer` returns undefined.
 */
import { sql } from 'kysely';
import { startWorkerPool } from '../kernel/workers.ts';
import type { CheckpointResult, CheckpointWorkerData } from './checkpoint-worker.ts';
import { reopenUrl, type Store } from './store.ts';

/** How many times the writer's checkpoint threshold is raised while the worker copies the log. */
const WRITER_THRESHOLD_FACTOR = 4;

export interface Checkpointer {
  /** After a commit: a checkpoint in the worker, unless one is running. */
  nudge(): void;
  /** Checkpoints asked of the worker, run by it, and found busy (the writer's own was running). */
  readonly stats: { readonly asked: number; readonly ran: number; readonly busy: number };
  /** Waits for the checkpoint in flight, stops the worker, puts the writer's threshold back. */
  close(): Promise<void>;
}

const autocheckpoint = async (store: Store, pages?: number): Promise<number> => {
  const text = pages === undefined ? 'PRAGMA wal_autocheckpoint' : `PRAGMA wal_autocheckpoint = ${pages}`;
  const { rows } = await sql.raw<{ wal_autocheckpoint: number }>(text).execute(store.db);
  return Number(rows[0]?.wal_autocheckpoint);
};

/**
 * Starts checkpointing `store`'s log in a worker thread, if it is a SQLite file; call between
 * transactions (it sets the writer's threshold on the store's connection).
 */
export async function startCheckpointer(store: Store): Promise<Checkpointer | undefined> {
  const url = reopenUrl(store);
  if (store.dialect !== 'sqlite' || url === undefined) return undefined;
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  const threshold = await autocheckpoint(store);
  await autocheckpoint(store, threshold * WRITER_THRESHOLD_FACTOR);
  const data: CheckpointWorkerData = { file };
  const pool = startWorkerPool<null, CheckpointResult>(
    new URL('./checkpoint-worker.ts', import.meta.url),
    data,
    1,
  );
  const stats = { asked: 0, ran: 0, busy: 0 };
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  return {
    stats,
    nudge() {
      if (inFlight || failure !== undefined) return;
      stats.asked++;
      inFlight = pool.runTask(null).then(
        (r) => {
          if (r.busy) stats.busy++;
          else stats.ran++;
          inFlight = undefined;
        },
        (error: unknown) => {
          // The writer checkpoints on its own anyway: a failed worker only ends the help.
          failure = error;
          inFlight = undefined;
        },
      );
    },
    async close() {
      await inFlight;
      await pool.close();
      await autocheckpoint(store, threshold);
    },
  };
}
