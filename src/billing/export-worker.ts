/**
 * A worker thread of a SQLite export (`export.ts`): reads export units through a read-only
 * connection of its own to the database file and writes them as bytes, so reading and rendering
 * run beside the main thread (and beside the other worker) instead of in it.
 */
import { serveTasks, taskData } from '../kernel/workers.ts';
import { openStore } from '../store/store.ts';
import { type ExportFormat, type ExportUnit, readUnit, renderUnit } from './export-rows.ts';

/** What a worker is started with. */
export interface ExportWorkerData {
  readonly file: string;
  readonly cacheMiB: number;
}

/** One task: a unit to read and write, in the export's format, as its viewer reads it. */
export interface ExportTask {
  readonly format: ExportFormat;
  readonly viewer: string | null;
  readonly unit: ExportUnit;
}

const { file, cacheMiB } = taskData<ExportWorkerData>();
const store = openStore(file, { readOnly: true, sqliteCacheMiB: cacheMiB });
const encoder = new TextEncoder();

serveTasks<ExportTask, Uint8Array>(
  async ({ format, viewer, unit }) =>
    encoder.encode(renderUnit(format, unit, await readUnit(store, unit), viewer)),
  (bytes) => [bytes.buffer as ArrayBuffer],
);
