/**
 * What fell due: at term end an active subscription renews (auto-renew on) or expires, a suspended
 * one is disabled, and cycle charges inside a term are billed. `rateDue` reads a batch and rates it
 * in memory, `writeDue` writes it; `processDue` is both in one command. Rating ahead
 * (`rate-ahead.ts`) runs `rateDue` in a worker thread while the batch before is written.
 */
import type { Kysely } from 'kysely';
import { defineCommand } from '../app/command.ts';
import type { CommandContext } from '../app/context.ts';
import { DueBatch, type RatedBilling, writeRated } from '../billing/due-batch.ts';
import { chargeNextCycle, chargeRenewal, stopBilling } from '../billing/rating.ts';
import * as billingStore from '../billing/store.ts';
import type { TermDuration } from '../catalog/model.ts';
import { type IdSource, randomIds } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator, SYSTEM } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { LedgerEventDraft } from '../ledger/model.ts';
import type { Program } from '../program/program.ts';
import type { Database } from '../store/schema.ts';
import { type RowUpdates, runUpdates, versionsOf } from '../store/update-many.ts';
import { atTermEnd, cancellationWindowEnd, type Subscription, termEnd } from './model.ts';
import * as store from './store.ts';

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
  /** The subscriptions' update (their changed columns). */
  readonly subscriptions: RowUpdates;
  readonly billing: RatedBilling;
  /** The ledger events, in the order rating recorded them. */
  readonly events: readonly LedgerEventDraft[];
  /**
   * Rated outside the transaction that writes it: each row is written only if still at the
   * version read, and the batch is refused if one is not.
   */
  readonly checked: boolean;
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
  const subscriptions = [...saved.values()];
  const versions = options.versions === true;
  const states = batch.changedStates();
  const last = ending.at(-1);
  return {
    report: { ...report, more: ending.length === input.batch || charging.length === input.batch },
    next: {
      ending: last ? [last.termEndAt as string, last.id] : input.after?.ending,
      charging: charging.at(-1)?.at ?? input.after?.charging,
    },
    subscriptions: store.subscriptionUpdates(
      subscriptions,
      found,
      versions
        ? await versionsOf(
            ctx.tx,
            'subscriptions',
            subscriptions.map((s) => s.id),
          )
        : undefined,
    ),
    billing: batch.take(versions ? await versionsOf(ctx.tx, 'subscription_billing', states) : undefined),
    events,
    checked: versions,
  };
}

/**
 * The context a batch is rated ahead in, outside any command (`due-worker.ts`): a read transaction,
 * no sequence values, and no ledger (`rateDue` collects the events; the write records them).
 */
export function aheadContext(
  tx: Kysely<Database>,
  now: Date,
  program: Program,
  ids: IdSource = randomIds,
): CommandContext {
  return {
    principal: SYSTEM,
    requestId: 'rate-ahead',
    now,
    program,
    tx,
    ids,
    nextValue: () => Promise.reject(new Error('rating ahead draws no sequence value')),
    record: () => Promise.reject(new Error('rating ahead collects its events in rateDue')),
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
  const saved = await runUpdates(ctx.tx, rated.subscriptions);
  if (rated.checked && saved !== rated.subscriptions.rows.length) return changed();
  const states = await writeRated(ctx, rated.billing);
  if (rated.checked && states !== rated.billing.states.rows.length) return changed();
  for (const event of rated.events) await ctx.record(event);
  return accept(rated.report);
}

/**
 * Processes the subscriptions with something due by `now` — a term end or a cycle charge — at most
 * `batch` of each. Operator or system only. Set-based: the batch's subscriptions, billing states and
 * prices are read in a few queries (`rateDue`); its subscriptions, states, lines and ledger events
 * are written in multi-row statements at the end (`writeDue`; one transaction, as always).
 */
/** The refusal of a principal other than the operator (or the system) processing what fell due. */
export function notOperator(): Outcome<never> {
  return refuse(violation('NOT_AUTHORIZED', 'Only the program operator processes what fell due.'));
}

export const processDue = defineCommand({
  name: 'subscriptions.process-due',
  parse(input) {
    const f = new Fields(input);
    const batch = f.integer('batch', { min: 1, max: 10_000, optional: true }) ?? 500;
    return f.finish(() => ({ batch }));
  },
  async run(ctx, input): Promise<Outcome<DueReport>> {
    if (!isOperator(ctx.principal)) return notOperator();
    return writeDue(ctx, await rateDue(ctx, input));
  },
});
