/**
 * Time moves subscriptions: at term end an active subscription renews (auto-renew on) or expires,
 * a suspended one is disabled. Nothing runs on its own: `processDue` (`due.ts`) handles what fell
 * due by `now`, in batches, and a sandbox world moves its clock with `advanceClock` (the offset is
 * kept in the database so a restarted server keeps the world's time), then processes what fell due
 * (`processAllDue`, `rate-ahead.ts`).
 */
import { defineCommand } from '../app/command.ts';
import type { CommandContext, RequestInfo } from '../app/context.ts';
import { CLOCK_OFFSET_SETTING, type OpenCsp } from '../app/opencsp.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { DueReport } from './due.ts';
import { type DueTotals, processAllDue } from './rate-ahead.ts';

const DAY_MS = 86_400_000;

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
 * each; `processAllDue`). The offset is applied to the runtime once the advance committed.
 */
export async function advanceWorldClock(
  csp: OpenCsp,
  request: RequestInfo,
  input: unknown,
  onProgress?: (done: DueReport) => void,
): Promise<Outcome<{ offsetMs: number; now: string; processed: DueTotals }>> {
  const moved = await csp.execute(advanceClock, request, input);
  if (!moved.ok) return moved;
  csp.setClockOffset(moved.value.offsetMs);
  const processed = await processAllDue(csp, { ...request, now: new Date(moved.value.now) }, {}, onProgress);
  if (!processed.ok) return processed;
  return accept({ ...moved.value, processed: processed.value });
}
