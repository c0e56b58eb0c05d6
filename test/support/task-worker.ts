/**
 * A worker module for the worker pool's tests (`test/workers.test.ts`): echoes text back as bytes,
 * after a wait if asked; throws or exits when told to.
 */
import { serveTasks, taskData } from '../../src/kernel/workers.ts';

export type TestTask =
  | { readonly echo: string; readonly waitMs?: number }
  | { readonly fail: string }
  | { readonly exit: number };

const { prefix } = taskData<{ prefix: string }>();
const encoder = new TextEncoder();

serveTasks<TestTask, Uint8Array>(
  async (task) => {
    if ('fail' in task) throw new Error(task.fail);
    if ('exit' in task) process.exit(task.exit);
    if (task.waitMs) await new Promise((r) => setTimeout(r, task.waitMs));
    return encoder.encode(`${prefix}${task.echo}`);
  },
  (bytes) => [bytes.buffer as ArrayBuffer],
);
