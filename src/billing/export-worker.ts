/**
 * A worker thread of an export (`export.ts`): reads export units through a read-only connection of
 * its own (a SQLite file, or one connection to the PostgreSQL server) and writes them as bytes, so
 * reading, decoding rows and rendering run beside the main thread (and beside the other workers)
 * instead of in it. The connection is closed when the pool closes.
 */
import { serveTasks, taskData } from '../kernel/workers.ts';
import { openStore } from '../store/store.ts';
import { type ExportFormat, type ExportUnit, readUnit, renderUnit } from './export-rows.ts';

/** What a worker is started with. */
export interface ExportWorkerData {
  /** The store's `reopenUrl` (credentials included: it stays inside the process). */
  readonly url: string;
  /** SQLite page cache (MiB). */
  readonly cacheMiB: number;
}

/** One task: a unit to read and write, in the export's format, as its viewer reads it. */
export interface ExportTask {
  readonly format: ExportFormat;
  readonly viewer: string | null;
  readonly unit: ExportUnit;
}

const { url, cacheMiB } = taskData<ExportWorkerData>();
const store = openStore(url, { readOnly: true, sqliteCacheMiB: cacheMiB, poolSize: 1 });
const encoder = new TextEncoder();

serveTasks<ExportTask, Uint8Array>(
  async ({ format, viewer, unit }) =>
    encoder.encode(renderUnit(format, unit, await readUnit(store, unit), viewer)),
  { transfer: (bytes) => [bytes.buffer as ArrayBuffer], onClose: () => store.close() },
);
