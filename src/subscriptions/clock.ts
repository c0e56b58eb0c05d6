/**
 * Time moves subscriptions: at term end an active subscription renews (auto-renew on) or expires,
 * a suspended one is disabled. Nothing runs on its own: `processDue` handles what fell due by
 * `now`, in batches, and a sandbox world moves its clock with `advanceClock` (the offset is kept in
 * the database so a restarted server keeps the world's time), then processes what fell due.
 */
import { defineCommand } from '../app/command.ts';
import type { CommandContext, RequestInfo } from '../app/context.ts';
import { CLOCK_OFFSET_SETTING, type OpenCsp } from '../app/opencsp.ts';
import { DueBatch } from '../billing/due-batch.ts';
import { chargeNextCycle, chargeRenewal, stopBilling } from '../billing/rating.ts';
import * as billingStore from '../billing/store.ts';
import type { TermDuration } from '../catalog/model.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
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

/**
 * Processes the subscriptions with something due by `now` — a term end or a cycle charge — at most
 * `batch` of each. Operator or system only. Set-based: the batch's subscriptions, billing states and
 * prices are read in a few queries; its subscriptions, states, lines and ledger events are written
 * in multi-row statements at the end (one transaction, as always).
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
    const now = toInstant(ctx.now);
    const ending = await store.listDue(ctx.tx, now, input.batch);
    const charging = await billingStore.listChargesDue(ctx.tx, now, input.batch);
    const ids = [...new Set([...ending.map((s) => s.id), ...charging])];
    const found = new Map(ending.map((s) => [s.id, s]));
    for (const s of await store.getSubscriptions(
      ctx.tx,
      charging.filter((id) => !found.has(id)),
    ))
      found.set(s.id, s);
    const due = ids
      .map((id) => found.get(id))
      .filter(
        (s): s is Subscription => s !== undefined && (s.status === 'active' || s.status === 'suspended'),
      );
    const batch = await DueBatch.load(ctx, due);
    const saved = new Map<string, Subscription>();
    const report = { renewed: 0, expired: 0, disabled: 0 };
    for (const s of due) await bringUpToDate(ctx, s, report, batch, saved);
    await store.saveSubscriptions(ctx.tx, [...saved.values()], found);
    await batch.flush();
    return accept({
      ...report,
      more: ending.length === input.batch || charging.length === input.batch,
    });
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
