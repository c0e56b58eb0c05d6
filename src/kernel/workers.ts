/**
 * A small pool of worker threads running one kind of task: `runTask` in the main thread, `serveTasks`
 * in the worker's module. Tasks go to the worker with the fewest in flight; each result comes back
 * to the promise of its task, so a caller keeping its promises in order reads results in order
 * whatever order the workers finish in. Results that are byte arrays are moved, not copied.
 *
 * A task that throws rejects its promise with the worker's message; a worker that dies rejects every
 * task it held, and the pool refuses new tasks from then on. `close` stops the workers (tasks in
 * flight are rejected). A worker keeps the process alive only while it holds tasks: an idle pool
 * left open never does, and a process awaiting a task does not exit under it.
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
  /** Stops every worker; tasks still in flight are rejected. */
  close(): Promise<void>;
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
    async close() {
      const closed = new Error('worker pool closed');
      for (const m of members) fail(m, closed);
      await Promise.all(members.map((m) => m.worker.terminate()));
    },
  };
}

/** In a worker: the `data` the pool was started with. */
export function taskData<D>(): D {
  return (workerData as { data: D }).data;
}

/**
 * In a worker: answers each task with `handle`'s result (its byte arrays moved to the main thread:
 * `transfer` names them), or with the message of what it threw.
 */
export function serveTasks<T, R>(
  handle: (task: T) => Promise<R> | R,
  transfer: (result: R) => readonly Transferable[] = () => [],
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs in a worker thread');
  port.on('message', async ({ id, task }: { id: number; task: T }) => {
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
