/**
 * Time moves subscriptions: at term end an active subscription renews (auto-renew on) or expires,
 * a suspended one is disabled. Nothing runs on its own: `processDue` handles what fell due by
 * `now`, in batches, and a sandbox world moves its clock with `advanceClock` (the offset is kept in
 * the database so a restarted server keeps the world's time), then processes what fell due.
 */
import { defineCommand } from '../app/command.ts';
import type { CommandContext, RequestInfo } from '../app/context.ts';
import { CLOCK_OFFSET_SETTING, type OpenCsp } from '../app/opencsp.ts';
import { DueBatch, type RatedBilling, writeRated } from '../billing/due-batch.ts';
import { chargeNextCycle, chargeRenewal, stopBilling } from '../billing/rating.ts';
import * as billingStore from '../billing/store.ts';
import type { TermDuration } from '../catalog/model.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { LedgerEventDraft } from '../ledger/model.ts';
import { atTermEnd, cancellationWindowEnd, type Subscription, termEnd } from './model.ts';
import * as store from './store.ts';

const DAY_MS = 86_400_000;

export interface DueReport {
  readonly renewed: number;
  readonly expired: number;
  readonly disabled: number;
  /** More fell due than one batch holds: run again. */
  readonly more: boolean;
}

/** The subscription's next term, starting at the end of the current one. */
function renewed(ctx: CommandContext, current: Subscription): Subscription {
  const start = new Date(current.termEndAt as string);
  return {
    ...current,
    termStartAt: toInstant(start),
    termEndAt: toInstant(termEnd(start, current.termDuration as TermDuration, new Date(current.startAt))),
    cancellationWindowEndsAt: toInstant(
      cancellationWindowEnd(start, ctx.program.policies.cancellationWindowHours),
    ),
    updatedAt: toInstant(ctx.now),
  };
}

/**
 * Brings one subscription up to `now`, event by event in time order: each cycle charge inside the
 * term (billed even while suspended), then at term end a renewal (repriced, charged), an expiry or
 * a disable. A long clock jump renews every term that fell due, each its own event. The
 * subscription's new value goes into `saved` (written with the batch), its billing through `batch`.
 */
async function bringUpToDate(
  ctx: CommandContext,
  s: Subscription,
  report: { renewed: number; expired: number; disabled: number },
  batch: DueBatch,
  saved: Map<string, Subscription>,
): Promise<void> {
  let current = s;
  let renewedOnce = false;
  for (;;) {
    const billing = await batch.getBilling(current.id);
    const charge = billing?.nextChargeAt ?? null;
    const end = current.termEndAt;
    if (billing && charge !== null && charge <= toInstant(ctx.now) && (end === null || charge < end)) {
      await chargeNextCycle(ctx, current, billing, batch);
      continue;
    }
    if (end === null || new Date(end) > ctx.now) break;
    const step = atTermEnd(current);
    if (step === 'renew' && current.termDuration !== null) {
      const next = renewed(ctx, current);
      saved.set(next.id, next);
      await ctx.record({
        type: 'subscription.renewed',
        entityType: 'subscription',
        entityId: s.id,
        payload: { termStartAt: next.termStartAt, termEndAt: next.termEndAt, quantity: next.quantity },
      });
      if (billing) await chargeRenewal(ctx, next, billing, batch);
      current = next;
      renewedOnce = true;
      continue;
    }
    if (step === 'expire' || step === 'disable') {
      const status = step === 'expire' ? 'expired' : 'disabled';
      saved.set(current.id, {
        ...current,
        status,
        endedAt: current.termEndAt,
        autoRenew: false,
        updatedAt: toInstant(ctx.now),
      });
      await stopBilling(ctx, current.id, batch);
      await ctx.record({
        type: `subscription.${status}`,
        entityType: 'subscription',
        entityId: s.id,
        payload: { from: current.status, at: current.termEndAt },
      });
      if (step === 'expire') report.expired++;
      else report.disabled++;
    }
    break;
  }
  if (renewedOnce) report.renewed++;
}

/** Where a due batch's two lists start: after these positions, or from the earliest. */
export interface DueCursor {
  readonly ending?: store.DuePosition | undefined;
  readonly charging?: store.DuePosition | undefined;
}

/**
 * One due batch rated and not yet written: plain data (it crosses from a worker thread when rated
 * ahead, `rate-ahead.ts`), written by `writeDue`.
 */
export interface RatedDue {
  readonly report: DueReport;
  /** The positions after this batch's last rows: where the batch after it starts, rated ahead. */
  readonly next: DueCursor;
  /** The subscriptions' new values, and the same subscriptions as read (same order). */
  readonly subscriptions: readonly Subscription[];
  readonly read: readonly Subscription[];
  readonly billing: RatedBilling;
  /** The ledger events, in the order rating recorded them. */
  readonly events: readonly LedgerEventDraft[];
  /**
   * The row versions read (subscriptions, billing states), when the batch was rated outside the
   * transaction that writes it: each row is written only if still at its version.
   */
  readonly versions?: {
    readonly subscriptions: ReadonlyMap<string, number>;
    readonly billing: ReadonlyMap<string, number>;
  };
}

/**
 * Reads a due batch in `ctx.tx` — the subscriptions with a term end or a cycle charge due by `now`,
 * at most `batch` of each, after `after` — and rates it in memory, writing nothing: its
 * subscriptions, billing states and prices read in a few queries, its events collected rather than
 * recorded. With `versions`, their row versions are read too (rating ahead).
 */
export async function rateDue(
  ctx: CommandContext,
  input: { readonly batch: number; readonly after?: DueCursor | undefined },
  options: { readonly versions?: boolean } = {},
): Promise<RatedDue> {
  const now = toInstant(ctx.now);
  const ending = await store.listDue(ctx.tx, now, input.batch, input.after?.ending);
  const charging = await billingStore.listChargesDue(ctx.tx, now, input.batch, input.after?.charging);
  const ids = [...new Set([...ending.map((s) => s.id), ...charging.map((c) => c.id)])];
  const found = new Map(ending.map((s) => [s.id, s]));
  for (const s of await store.getSubscriptions(
    ctx.tx,
    charging.map((c) => c.id).filter((id) => !found.has(id)),
  ))
    found.set(s.id, s);
  const due = ids
    .map((id) => found.get(id))
    .filter((s): s is Subscription => s !== undefined && (s.status === 'active' || s.status === 'suspended'));
  const events: LedgerEventDraft[] = [];
  const rating: CommandContext = {
    ...ctx,
    record: async (event) => {
      events.push(event);
    },
  };
  const batch = await DueBatch.load(rating, due);
  const saved = new Map<string, Subscription>();
  const report = { renewed: 0, expired: 0, disabled: 0 };
  for (const s of due) await bringUpToDate(rating, s, report, batch, saved);
  const billing = batch.take();
  const last = ending.at(-1);
  const subscriptions = [...saved.values()];
  return {
    report: { ...report, more: ending.length === input.batch || charging.length === input.batch },
    next: {
      ending: last ? [last.termEndAt as string, last.id] : input.after?.ending,
      charging: charging.at(-1)?.at ?? input.after?.charging,
    },
    subscriptions,
    read: subscriptions.map((s) => found.get(s.id) as Subscription),
    billing,
    events,
    ...(options.versions
      ? {
          versions: {
            subscriptions: await store.subscriptionVersions(
              ctx.tx,
              subscriptions.map((s) => s.id),
            ),
            billing: await billingStore.billingVersions(
              ctx.tx,
              billing.states.map((b) => b.subscriptionId),
            ),
          },
        }
      : {}),
  };
}

/**
 * Writes a rated due batch in the command's transaction — subscriptions, lines on their drafts,
 * billing states, in multi-row statements — and records its events. A batch rated ahead is refused
 * (`DUE_BATCH_CHANGED`, nothing written) if a row it changes is no longer at the version it read.
 */
export async function writeDue(ctx: CommandContext, rated: RatedDue): Promise<Outcome<DueReport>> {
  const changed = () =>
    refuse(
      violation(
        'DUE_BATCH_CHANGED',
        'A subscription of the due batch changed after the batch was rated; nothing was written.',
        { remedies: ['Process what fell due again: the batch is read and rated anew.'] },
      ),
    );
  const versions = rated.versions;
  const saved = await store.saveSubscriptions(
    ctx.tx,
    rated.subscriptions,
    new Map(rated.read.map((s) => [s.id, s])),
    versions?.subscriptions,
  );
  if (versions && saved !== rated.subscriptions.length) return changed();
  const states = await writeRated(ctx, rated.billing, versions?.billing);
  if (versions && states !== rated.billing.states.length) return changed();
  for (const event of rated.events) await ctx.record(event);
  return accept(rated.report);
}

/**
 * Processes the subscriptions with something due by `now` — a term end or a cycle charge — at most
 * `batch` of each. Operator or system only. Set-based: the batch's subscriptions, billing states and
 * prices are read in a few queries (`rateDue`); its subscriptions, states, lines and ledger events
 * are written in multi-row statements at the end (`writeDue`; one transaction, as always).
 */
export const processDue = defineCommand({
  name: 'subscriptions.process-due',
  parse(input) {
    const f = new Fields(input);
    const batch = f.integer('batch', { min: 1, max: 10_000, optional: true }) ?? 500;
    return f.finish(() => ({ batch }));
  },
  async run(ctx, input): Promise<Outcome<DueReport>> {
    if (!isOperator(ctx.principal))
      return refuse(violation('NOT_AUTHORIZED', 'Only the program operator processes what fell due.'));
    return writeDue(ctx, await rateDue(ctx, input));
  },
});

/** Reads the sandbox clock offset (milliseconds ahead of the real clock). */
export async function readClockOffset(ctx: Pick<CommandContext, 'tx'>): Promise<number> {
  const row = await ctx.tx
    .selectFrom('settings')
    .select('value')
    .where('key', '=', CLOCK_OFFSET_SETTING)
    .executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/**
 * Moves a sandbox world's clock forward by `days` (and/or `hours`). Operator only. Returns the new
 * offset and the new time; the runtime applies the offset and then processes what fell due.
 */
export const advanceClock = defineCommand({
  name: 'clock.advance',
  parse(input) {
    const f = new Fields(input);
    const days = f.integer('days', { min: 0, max: 3650, optional: true }) ?? 0;
    const hours = f.integer('hours', { min: 0, max: 24 * 3650, optional: true }) ?? 0;
    if (days === 0 && hours === 0) f.fail('REQUIRED_FIELD', 'days', 'or hours must move the clock forward');
    return f.finish(() => ({ days, hours }));
  },
  async run(ctx, input): Promise<Outcome<{ offsetMs: number; now: string }>> {
    if (!isOperator(ctx.principal))
      return refuse(violation('NOT_AUTHORIZED', 'Only the program operator moves the clock.'));
    const by = input.days * DAY_MS + input.hours * 3_600_000;
    const offsetMs = (await readClockOffset(ctx)) + by;
    const at = toInstant(ctx.now);
    const exists = await ctx.tx
      .selectFrom('settings')
      .select('key')
      .where('key', '=', CLOCK_OFFSET_SETTING)
      .executeTakeFirst();
    if (exists)
      await ctx.tx
        .updateTable('settings')
        .set({ value: String(offsetMs), updated_at: at })
        .where('key', '=', CLOCK_OFFSET_SETTING)
        .execute();
    else
      await ctx.tx
        .insertInto('settings')
        .values({ key: CLOCK_OFFSET_SETTING, value: String(offsetMs), updated_at: at })
        .execute();
    const now = toInstant(new Date(ctx.now.getTime() + by));
    await ctx.record({
      type: 'clock.advanced',
      entityType: 'program',
      entityId: ctx.program.id,
      payload: { byMs: by, offsetMs, now },
    });
    return accept({ offsetMs, now });
  },
});

/**
 * Moves a sandbox world forward and processes what fell due, batch by batch (`onProgress` after
 * each). The offset is applied to the runtime once the advance committed.
 */
export async function advanceWorldClock(
  csp: OpenCsp,
  request: RequestInfo,
  input: unknown,
  onProgress?: (done: DueReport) => void,
): Promise<Outcome<{ offsetMs: number; now: string; processed: Omit<DueReport, 'more'> }>> {
  const moved = await csp.execute(advanceClock, request, input);
  if (!moved.ok) return moved;
  csp.setClockOffset(moved.value.offsetMs);
  const total = { renewed: 0, expired: 0, disabled: 0 };
  for (;;) {
    const step = await csp.execute(processDue, { ...request, now: new Date(moved.value.now) }, {});
    if (!step.ok) return step;
    total.renewed += step.value.renewed;
    total.expired += step.value.expired;
    total.disabled += step.value.disabled;
    onProgress?.({ ...total, more: step.value.more });
    if (!step.value.more) break;
  }
  return accept({ ...moved.value, processed: total });
}
