/**
 * Processing everything that fell due, batch by batch, on two cores: while the main thread writes
 * one due batch, a worker thread reads and rates the next ones (`due-worker.ts`; up to
 * `AHEAD_DEPTH` rated and waiting). Rating a batch is half
 * of its time and needs only reads; writing it is the other half and needs the one write connection.
 * One after the other on one thread (as `processDue` does), each core waits for the other.
 *
 * Each batch's subscriptions, lines, billing states and ledger events are still written together in
 * one command and one transaction (`writeDueAhead`) — with the batches after it up to the group
 * (`ProcessAllOptions.group`; the month close writes several: each scattered page a batch changes,
 * a seller's draft or a draft's last lines, is logged once a group instead of once a batch). What
 * changes is that its reads happened before, on a
 * snapshot of their own: the worker starts the next batch's lists after the positions where the
 * batch being written ends (the batches are disjoint), and reads each row's version (migration
 * 0016); the write updates only rows still at those versions, and a batch another command changed
 * in between is refused whole (`DUE_BATCH_CHANGED`). Then rating ahead stops and the rest goes batch
 * by batch in the main thread, each read and written in one transaction, as without a worker. The
 * lines go on their draft documents at the write, so a batch finds the drafts of the ones before.
 * Prices (price lists, repricing rules, the catalog) are those of the batch's snapshot, as if the
 * batch had run whole when it read them: nothing that changes a price reads what the batch writes.
 *
 * A store that no other connection can reach (SQLite in memory) has no worker; nor does a clock move
 * whose due fits in one batch (the first batch always runs in the main thread).
 */
import { defineCommand } from '../app/command.ts';
import type { RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { startWorkerPool } from '../kernel/workers.ts';
import { reopenUrl } from '../store/store.ts';
import { type DueCursor, type DueReport, notOperator, processDue, type RatedDue, writeDue } from './due.ts';
import type { DueTask, DueWorkerData } from './due-worker.ts';

/** The worker's SQLite page cache (MiB): the batch's subscriptions and states, read by id. */
const WORKER_CACHE_MIB = 64;

/**
 * Batches the worker may have rated and waiting, at most: with two, it goes on with the next while
 * the writer is held up (a checkpoint, a page read from the disk) instead of idling beside it.
 */
const AHEAD_DEPTH = 2;

/**
 * Due batches rated ahead and written in one transaction: those taken so far, then up to `max` in
 * all as the worker rates them (`take`; the command keeps each in `taken` for a re-run of the
 * transaction).
 */
export interface AheadBatches {
  readonly taken: RatedDue[];
  readonly max: number;
  take(): Promise<RatedDue | undefined>;
}

/**
 * Writes due batches the worker rated, up to `max` in one transaction: `processDue`'s write, under
 * its name (the same command, its reads done ahead), each batch refused if one of its rows changed
 * since it was read — and with it the transaction, so every batch of it. Several batches a
 * transaction: a page that several of them change is logged once, not once a batch. Internal: its
 * input is the worker's results, never a request's; no route exposes it. Each batch's report, in
 * order.
 */
export const writeDueAhead = defineCommand({
  name: processDue.name,
  parse(input) {
    const batches = input as Partial<AheadBatches> | null;
    if (
      typeof batches !== 'object' ||
      batches === null ||
      !Array.isArray(batches.taken) ||
      typeof batches.take !== 'function' ||
      !Number.isSafeInteger(batches.max) ||
      (batches.max as number) < 1
    )
      return refuse(violation('INVALID_FIELD', 'Due batches rated ahead, taken as the worker rates them.'));
    return accept(batches as AheadBatches);
  },
  async run(ctx, batches): Promise<Outcome<DueReport[]>> {
    if (!isOperator(ctx.principal)) return notOperator();
    const reports: DueReport[] = [];
    for (let i = 0; i < batches.max; i++) {
      let rated = batches.taken[i];
      if (rated === undefined) {
        rated = await batches.take();
        if (rated === undefined) break;
        batches.taken.push(rated);
      }
      if (rated.checked !== true)
        return refuse(
          violation('INVALID_FIELD', 'A due batch rated ahead carries the row versions it read.'),
        );
      const written = await writeDue(ctx, rated);
      if (!written.ok) return written;
      reports.push(written.value);
      if (!written.value.more) break;
    }
    return accept(reports);
  },
});

export interface ProcessAllOptions {
  /** Subscriptions per batch (default 500, `processDue`'s). */
  readonly batch?: number;
  /** Rate ahead in a worker thread when the store can be reached from one (default true). */
  readonly ahead?: boolean;
  /** Batches rated ahead written per transaction (default 1). */
  readonly group?: number;
}

/** What a whole processing did. */
export type DueTotals = Omit<DueReport, 'more'>;

/** The totals after a batch written, whether there is more, and whether the batch was rated ahead. */
export type DueProgress = DueReport & { readonly ahead: boolean };

/**
 * Processes everything that fell due by the request's `now` (the runtime's, if it gives none),
 * batch by batch, rating ahead where it can; `onProgress` after each batch written, with the totals
 * so far. Stops at the first refusal (a `DUE_BATCH_CHANGED` only ends rating ahead).
 */
export async function processAllDue(
  csp: OpenCsp,
  request: RequestInfo,
  options: ProcessAllOptions = {},
  onProgress?: (done: DueProgress) => void,
): Promise<Outcome<DueTotals>> {
  const batch = options.batch ?? 500;
  const at = { ...request, now: request.now ?? csp.now() };
  const total = { renewed: 0, expired: 0, disabled: 0 };
  const add = (r: DueReport, ahead: boolean) => {
    total.renewed += r.renewed;
    total.expired += r.expired;
    total.disabled += r.disabled;
    onProgress?.({ ...total, more: r.more, ahead });
  };
  const serial = async (): Promise<Outcome<DueReport>> => {
    const step = await csp.execute(processDue, at, { batch });
    if (step.ok) add(step.value, false);
    return step;
  };
  let step = await serial();
  if (!step.ok) return step;
  if (!step.value.more) return accept(total);
  const url = options.ahead === false ? undefined : reopenUrl(csp.store);
  if (url !== undefined) {
    const ahead = await rateAhead(csp, at, url, batch, options.group ?? 1, add);
    if (!ahead.ok) return ahead;
  }
  // What rating ahead left (a batch changed under it, subscriptions that fell due behind its
  // positions), or everything without a worker: batch by batch in this thread.
  do {
    step = await serial();
    if (!step.ok) return step;
  } while (step.value.more);
  return accept(total);
}

/** The batches from the earliest due, each rated in the worker while the one before is written. */
async function rateAhead(
  csp: OpenCsp,
  at: RequestInfo & { readonly now: Date },
  url: string,
  batch: number,
  group: number,
  add: (r: DueReport, ahead: boolean) => void,
): Promise<Outcome<void>> {
  const { catalogue: _, ...program } = csp.program;
  const data: DueWorkerData = { url, cacheMiB: WORKER_CACHE_MIB, program };
  const pool = startWorkerPool<DueTask, RatedDue>(new URL('./due-worker.ts', import.meta.url), data, 1);
  const now = toInstant(at.now);
  // The worker rates batch after batch, each after the one before's last positions, while at most
  // `AHEAD_DEPTH` wait rated; the writer takes them in order.
  const ready: RatedDue[] = [];
  let after: DueCursor | undefined;
  let more = true;
  let working = false;
  let failure: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const pump = () => {
    if (working || !more || ready.length >= AHEAD_DEPTH) return;
    working = true;
    pool
      .runTask({ now, batch, after })
      .then(
        (rated) => {
          ready.push(rated);
          more = rated.report.more;
          after = rated.next;
        },
        (error: unknown) => {
          failure = { error };
          more = false;
        },
      )
      .finally(() => {
        working = false;
        pump();
        const w = wake;
        wake = undefined;
        w?.();
      });
  };
  const take = async (): Promise<RatedDue | undefined> => {
    for (;;) {
      const rated = ready.shift();
      if (rated) {
        pump();
        return rated;
      }
      if (failure) throw failure.error;
      if (!working && !more) return undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };
  pump();
  try {
    for (;;) {
      const batches: AheadBatches = { taken: [], max: group, take };
      const written = await csp.execute(writeDueAhead, at, batches);
      if (!written.ok) {
        if (written.violations.every((v) => v.code === 'DUE_BATCH_CHANGED')) return accept(undefined);
        return written;
      }
      for (const report of written.value) add(report, true);
      if (written.value.at(-1)?.more !== true) return accept(undefined);
    }
  } finally {
    // Batches rated or being rated when rating ahead stops are dropped with the pool.
    more = false;
    await pool.close();
  }
}
