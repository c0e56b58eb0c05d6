/**
 * A worker module for the worker pool's tests (`test/workers.test.ts`): echoes text back as bytes,
 * after a wait if asked; throws or exits when told to. When the pool closes it writes `closedFile`
 * (if given), or never finishes closing (`hangOnClose`).
 */
import { writeFileSync } from 'node:fs';
import { serveTasks, taskData } from '../../src/kernel/workers.ts';

export type TestTask =
  | { readonly echo: string; readonly waitMs?: number }
  | { readonly fail: string }
  | { readonly exit: number };

export interface TestWorkerData {
  readonly prefix: string;
  readonly closedFile?: string;
  readonly hangOnClose?: boolean;
}

const { prefix, closedFile, hangOnClose } = taskData<TestWorkerData>();
const encoder = new TextEncoder();

serveTasks<TestTask, Uint8Array>(
  async (task) => {
    if ('fail' in task) throw new Error(task.fail);
    if ('exit' in task) process.exit(task.exit);
    if (task.waitMs) await new Promise((r) => setTimeout(r, task.waitMs));
    return encoder.encode(`${prefix}${task.echo}`);
  },
  {
    transfer: (bytes) => [bytes.buffer as ArrayBuffer],
    onClose: async () => {
      if (hangOnClose) {
        // A timer keeps the thread alive: only termination stops it.
        setInterval(() => undefined, 1_000);
        await new Promise(() => undefined);
      }
      if (closedFile) writeFileSync(closedFile, 'closed');
    },
  },
);
