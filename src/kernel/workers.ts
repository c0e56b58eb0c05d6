/**
 * A small pool of worker threads running one kind of task: `runTask` in the main thread, `serveTasks`
 * in the worker's module. Tasks go to the worker with the fewest in flight; each result comes back
 * to the promise of its task, so a caller keeping its promises in order reads results in order
 * whatever order the workers finish in. Results that are byte arrays are moved, not copied.
 *
 * A task that throws rejects its promise with the worker's message; a worker that dies rejects every
 * task it held, and the pool refuses new tasks from then on. `close` rejects the tasks in flight and
 * asks each worker to stop: it runs its `onClose` (a database connection closed cleanly, not cut)
 * and exits; one that has not exited within a grace period is terminated. A worker keeps the process
 * alive only while it holds tasks: an idle pool left open never does, and a process awaiting a task
 * does not exit under it.
 */
import { parentPort, type Transferable, Worker, workerData } from 'node:worker_threads';

const BOOT = new URL('./worker-boot.js', import.meta.url);

interface Reply<R> {
  readonly id: number;
  readonly result?: R;
  readonly error?: string;
}

interface Pending<R> {
  resolve(result: R): void;
  reject(error: Error): void;
}

interface Member<R> {
  readonly worker: Worker;
  readonly pending: Map<number, Pending<R>>;
}

export interface WorkerPool<T, R> {
  /** Workers in the pool. */
  readonly size: number;
  /** Runs `task` on the least busy worker. */
  runTask(task: T): Promise<R>;
  /**
   * Stops every worker; tasks still in flight are rejected. Each worker runs its `onClose` and exits;
   * one still running after `graceMs` (default 5,000) is terminated.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts `size` workers (at least one) on `module` (a TypeScript module calling `serveTasks`), each
 * given `data` (read there with `taskData()`).
 */
export function startWorkerPool<T, R>(module: URL, data: unknown, size: number): WorkerPool<T, R> {
  let nextId = 0;
  let failure: Error | undefined;
  const members: Member<R>[] = [];
  const fail = (member: Member<R>, error: Error) => {
    failure ??= error;
    for (const p of member.pending.values()) p.reject(error);
    member.pending.clear();
    member.worker.unref();
  };
  for (let i = 0; i < Math.max(1, Math.floor(size)); i++) {
    const worker = new Worker(BOOT, { workerData: { module: module.href, data } });
    worker.unref();
    const member: Member<R> = { worker, pending: new Map() };
    worker.on('message', (reply: Reply<R>) => {
      const p = member.pending.get(reply.id);
      if (!p) return;
      member.pending.delete(reply.id);
      if (member.pending.size === 0) worker.unref();
      if (reply.error !== undefined) p.reject(new Error(reply.error));
      else p.resolve(reply.result as R);
    });
    worker.on('error', (error) => fail(member, error));
    worker.on('exit', (code) => fail(member, new Error(`worker thread stopped (exit code ${code})`)));
    members.push(member);
  }
  return {
    size: members.length,
    runTask(task) {
      if (failure) return Promise.reject(failure);
      let member = members[0] as Member<R>;
      for (const m of members) if (m.pending.size < member.pending.size) member = m;
      const id = nextId++;
      return new Promise<R>((resolve, reject) => {
        if (member.pending.size === 0) member.worker.ref();
        member.pending.set(id, { resolve, reject });
        member.worker.postMessage({ id, task });
      });
    },
    async close(graceMs = CLOSE_GRACE_MS) {
      const closed = new Error('worker pool closed');
      for (const m of members) fail(m, closed);
      await Promise.all(members.map((m) => stop(m.worker, graceMs)));
    },
  };
}

/** How long a closing worker may take to run its `onClose` and exit before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

/** Asks a worker to close and waits for it to exit, terminating it after `graceMs`. */
async function stop(worker: Worker, graceMs: number): Promise<void> {
  if (worker.threadId === -1) return; // exited already
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref();
  worker.postMessage({ close: true });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  try {
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  } finally {
    clearTimeout(timer);
    worker.unref();
  }
}

/** In a worker: the `data` the pool was started with. */
export function taskData<D>(): D {
  return (workerData as { data: D }).data;
}

export interface ServeOptions<R> {
  /** The byte arrays of a result, moved to the main thread rather than copied. */
  readonly transfer?: (result: R) => readonly Transferable[];
  /** Runs when the pool closes, before the worker exits (close what the worker opened). */
  readonly onClose?: () => Promise<void> | void;
}

/**
 * In a worker: answers each task with `handle`'s result, or with the message of what it threw;
 * when the pool closes, runs `onClose` and lets the worker exit.
 */
export function serveTasks<T, R>(handle: (task: T) => Promise<R> | R, options: ServeOptions<R> = {}): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs in a worker thread');
  const transfer = options.transfer ?? (() => []);
  port.on('message', async (message: { id: number; task: T } | { close: true }) => {
    if ('close' in message) {
      try {
        await options.onClose?.();
      } finally {
        // Nothing left to keep the thread's event loop alive: it exits.
        port.close();
      }
      return;
    }
    const { id, task } = message;
    try {
      const result = await handle(task);
      port.postMessage({ id, result }, transfer(result) as Transferable[]);
    } catch (error) {
      port.postMessage({
        id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  });
}
