/**
 * Rating ahead (`src/subscriptions/rate-ahead.ts`): every due batch after the first is read and
 * rated in a worker thread while the one before is written, and written only if its rows are still
 * at the versions it read (migration 0016). The result is the one batch by batch gives; a batch
 * another command changed in between is refused whole (`DUE_BATCH_CHANGED`) and rated anew.
 *
 * On a SQLite database file and on a PostgreSQL database of the test's own (a worker cannot reach
 * SQLite in memory).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenCsp } from '../src/app/opencsp.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { addDays } from '../src/kernel/time.ts';
import { placeOrder } from '../src/orders/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import { migrate } from '../src/store/migrations/index.ts';
import { aheadContext, type RatedDue, rateDue } from '../src/subscriptions/due.ts';
import {
  type AheadBatches,
  type DueProgress,
  processAllDue,
  writeDueAhead,
} from '../src/subscriptions/rate-ahead.ts';
import { changeQuantity } from '../src/subscriptions/service.ts';
import { must } from '../src/world/builder.ts';
import { buildCommerceWorld, type CommerceWorld, orderDirectSeats, SEATS } from './support/commerce.ts';
import { BACKENDS, T0 } from './support/databases.ts';

const LATER = addDays(T0, 32);

/** Another command sets a subscription's seats to 5 (after a batch holding it was rated). */
async function changeSeats(csp: OpenCsp, w: CommerceWorld, subscriptionId: string | undefined) {
  must(
    await csp.execute(
      changeQuantity,
      { principal: w.direct.globalAdmin, now: addDays(T0, 3) },
      { subscriptionId, quantity: 5 },
    ),
  );
}

/** Batches rated beforehand, written in one transaction (none taken from a worker). */
const batches = (...rated: RatedDue[]): AheadBatches => ({
  taken: rated,
  max: rated.length,
  take: async () => undefined,
});

describe.each(BACKENDS)('rating ahead ($name)', (backend) => {
  if (backend.skip) {
    it.skip(`skipped: ${backend.skip}`, () => undefined);
    return;
  }
  const opened: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of opened.splice(0)) await close();
  });

  /** A commerce world with `count` direct-bill subscriptions, ordered at T0 (one-month terms). */
  async function world(count: number): Promise<{ csp: OpenCsp; w: CommerceWorld; ids: string[] }> {
    const { store, remove } = await backend.open();
    opened.push(async () => {
      await store.close();
      await remove();
    });
    await migrate(store);
    const csp = new OpenCsp(store, defaultProgram(), seededIds(42), () => T0);
    const w = await buildCommerceWorld(csp);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await orderDirectSeats(csp, w, { autoRenew: true }));
    return { csp, w, ids };
  }

  /** What a close writes, without the ids rating draws (random in the worker). */
  async function written(csp: OpenCsp) {
    const db = csp.store.db;
    const lines = await db
      .selectFrom('billing_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select([
        'l.subscription_id',
        'l.charge_type',
        'l.tier',
        'l.seller_tenant_id',
        'l.buyer_tenant_id',
        'l.quantity',
        'l.unit_price_micros',
        'l.amount_minor',
        'l.charge_start',
        'l.charge_end',
        'l.period',
        'i.seller_tenant_id as invoice_seller',
        'i.buyer_tenant_id as invoice_buyer',
        'i.period as invoice_period',
        'i.status as invoice_status',
      ])
      .orderBy('l.subscription_id')
      .orderBy('l.charge_start')
      .orderBy('l.tier')
      .execute();
    const subscriptions = await db.selectFrom('subscriptions').selectAll().orderBy('id').execute();
    const states = await db
      .selectFrom('subscription_billing as b')
      .innerJoin('subscription_term_prices as t', 't.subscription_id', 'b.subscription_id')
      .select(['b.subscription_id', 't.term_prices', 'b.next_charge_at', 'b.updated_at', 'b.version'])
      .orderBy('b.subscription_id')
      .execute();
    const events = await db
      .selectFrom('ledger_events')
      .select(['command', 'type', 'entity_id', 'payload'])
      .where('type', 'like', 'subscription.%')
      .orderBy('seq')
      .execute();
    const drafts = await db
      .selectFrom('invoices')
      .select(['seller_tenant_id', 'buyer_tenant_id', 'period', 'status'])
      .orderBy('seller_tenant_id')
      .orderBy('buyer_tenant_id')
      .orderBy('period')
      .execute();
    // Each subscription's events in the order written; subscriptions in id order (batches may
    // take them in another order once rating ahead stops).
    events.sort((x, y) => (x.entity_id < y.entity_id ? -1 : x.entity_id > y.entity_id ? 1 : 0));
    return { lines, subscriptions, states, events, drafts };
  }

  it('writes what batch by batch writes, every batch after the first rated in the worker', async () => {
    const ahead = await world(11);
    const serial = await world(11);
    const progress: DueProgress[] = [];
    const run = (csp: OpenCsp, w: CommerceWorld, on: boolean) =>
      processAllDue(csp, { principal: w.operator.principal, now: LATER }, { batch: 2, ahead: on }, (p) =>
        progress.push(p),
      );
    expect(must(await run(ahead.csp, ahead.w, true))).toEqual({ renewed: 11, expired: 0, disabled: 0 });
    const aheadProgress = progress.splice(0);
    expect(must(await run(serial.csp, serial.w, false))).toEqual({ renewed: 11, expired: 0, disabled: 0 });
    // The first batch in the main thread, five in the worker (the last of them short: no more), then
    // the main thread's check that nothing is left.
    expect(aheadProgress.map((p) => p.ahead)).toEqual([false, true, true, true, true, true, false]);
    expect(progress.every((p) => !p.ahead)).toBe(true);
    const a = await written(ahead.csp);
    expect(a.lines.filter((l) => l.charge_type === 'renew')).toHaveLength(22); // 11 × two tiers
    expect(a.events.filter((e) => e.type === 'subscription.renewed')).toHaveLength(11);
    expect(a).toEqual(await written(serial.csp));
  });

  it('several batches a transaction (group): the same writes and progress, fewer transactions', async () => {
    const ahead = await world(11);
    const serial = await world(11);
    const transactions = vi.spyOn(ahead.csp.store, 'write');
    const progress: DueProgress[] = [];
    expect(
      must(
        await processAllDue(
          ahead.csp,
          { principal: ahead.w.operator.principal, now: LATER },
          { batch: 2, group: 3 },
          (p) => progress.push(p),
        ),
      ),
    ).toEqual({ renewed: 11, expired: 0, disabled: 0 });
    // Progress batch by batch as before; the five worker batches written in two transactions, not
    // five (the first batch and the last check in the main thread, one each).
    expect(progress.map((p) => p.ahead)).toEqual([false, true, true, true, true, true, false]);
    expect(progress.map((p) => p.renewed)).toEqual([2, 4, 6, 8, 10, 11, 11]);
    expect(transactions).toHaveBeenCalledTimes(4);
    must(
      await processAllDue(
        serial.csp,
        { principal: serial.w.operator.principal, now: LATER },
        { batch: 2, ahead: false },
      ),
    );
    expect(await written(ahead.csp)).toEqual(await written(serial.csp));
  });

  it('a group with a changed batch is refused whole: the batches before it are not written either', async () => {
    const { csp, w, ids } = await world(4);
    const operator = { principal: w.operator.principal, now: LATER };
    const [first, second] = await csp.store.read(async (tx) => {
      const one = await rateDue(aheadContext(tx, LATER, csp.program), { batch: 2 }, { versions: true });
      const two = await rateDue(
        aheadContext(tx, LATER, csp.program),
        { batch: 2, after: one.next },
        { versions: true },
      );
      return [one, two];
    });
    // All due at one instant: batches in id order, so the second holds the third and fourth ids.
    const inSecond = [...ids].sort().slice(2);
    await changeSeats(csp, w, inSecond[0]);
    const before = await written(csp);
    expect(await csp.execute(writeDueAhead, operator, batches(first, second))).toMatchObject({
      ok: false,
      violations: [{ code: 'DUE_BATCH_CHANGED' }],
    });
    expect(await written(csp)).toEqual(before);
    // The first alone is still at the versions it read.
    expect(must(await csp.execute(writeDueAhead, operator, batches(first)))).toHaveLength(1);
  });

  it('a far clock jump: terms and cycle charges due in both lists, expiries, batches of one — the same writes', async () => {
    const worlds = [await world(0), await world(0)];
    for (const { csp, w } of worlds) {
      const order = async (termDuration: string, autoRenew: boolean) =>
        must(
          await csp.execute(
            placeOrder,
            { principal: w.direct.globalAdmin, now: T0 },
            {
              sellerTenantId: w.direct.tenantId,
              customerTenantId: w.directCustomer.tenantId,
              lines: [
                { catalogItemId: SEATS, quantity: 2, termDuration, billingCycle: 'monthly', autoRenew },
              ],
            },
          ),
        );
      for (const [term, renew] of [
        ['P1Y', true],
        ['P1M', true],
        ['P1Y', false],
        ['P1M', false],
        ['P1Y', true],
        ['P1M', true],
      ] as const)
        await order(term, renew);
    }
    const progress: DueProgress[] = [];
    const [ahead, serial] = worlds as [(typeof worlds)[0], (typeof worlds)[0]];
    const jump = addDays(T0, 400);
    const totals = must(
      await processAllDue(
        ahead.csp,
        { principal: ahead.w.operator.principal, now: jump },
        { batch: 1 },
        (p) => progress.push(p),
      ),
    );
    expect(progress.some((p) => p.ahead)).toBe(true);
    expect(
      must(
        await processAllDue(
          serial.csp,
          { principal: serial.w.operator.principal, now: jump },
          {
            batch: 1,
            ahead: false,
          },
        ),
      ),
    ).toEqual(totals);
    expect(totals).toEqual({ renewed: 4, expired: 2, disabled: 0 });
    const a = await written(ahead.csp);
    expect(a.lines.filter((l) => l.charge_type === 'cycleCharge').length).toBeGreaterThan(0);
    expect(a).toEqual(await written(serial.csp));
  });

  it('refuses a batch whose subscription changed after it was rated: nothing written, then rated anew', async () => {
    const { csp, w, ids } = await world(3);
    const operator = { principal: w.operator.principal, now: LATER };
    const rated = await csp.store.read((tx) =>
      rateDue(aheadContext(tx, LATER, csp.program), { batch: 10 }, { versions: true }),
    );
    expect(rated.report.renewed).toBe(3);
    await changeSeats(csp, w, ids[1]);
    const before = await written(csp);
    const refused = await csp.execute(writeDueAhead, operator, batches(rated));
    expect(refused).toMatchObject({ ok: false, violations: [{ code: 'DUE_BATCH_CHANGED' }] });
    expect(await written(csp)).toEqual(before);
    expect(must(await processAllDue(csp, operator, { batch: 10 }))).toEqual({
      renewed: 3,
      expired: 0,
      disabled: 0,
    });
    const renewals = (await written(csp)).lines.filter((l) => l.charge_type === 'renew');
    expect(renewals.map((l) => [l.subscription_id, Number(l.quantity)])).toEqual(
      [...ids].sort().flatMap((id) => [
        [id, id === ids[1] ? 5 : 3],
        [id, id === ids[1] ? 5 : 3],
      ]),
    );
  });

  it.each(['subscriptions', 'subscription_billing'] as const)(
    'checks the version of every %s row it writes: written once, refused the second time',
    async (table) => {
      const { csp, w } = await world(2);
      const operator = { principal: w.operator.principal, now: LATER };
      const rate = () =>
        csp.store.read((tx) =>
          rateDue(aheadContext(tx, LATER, csp.program), { batch: 10 }, { versions: true }),
        );
      const rated = await rate();
      const again = await rate();
      must(await csp.execute(writeDueAhead, operator, batches(rated)));
      const once = await written(csp);
      expect(once.lines.filter((l) => l.charge_type === 'renew')).toHaveLength(4);
      // The same batch rated again before the first was written: its rows moved on.
      expect(await csp.execute(writeDueAhead, operator, batches(again))).toMatchObject({
        ok: false,
        violations: [{ code: 'DUE_BATCH_CHANGED' }],
      });
      expect(await written(csp)).toEqual(once);

      // One table's rows alone moved on: still refused.
      const fresh = await world(2);
      const next = await fresh.csp.store.read((tx) =>
        rateDue(aheadContext(tx, LATER, fresh.csp.program), { batch: 10 }, { versions: true }),
      );
      await sql`update ${sql.table(table)} set version = version + 1`.execute(fresh.csp.store.db);
      expect(
        await fresh.csp.execute(
          writeDueAhead,
          { principal: fresh.w.operator.principal, now: LATER },
          batches(next),
        ),
      ).toMatchObject({ ok: false, violations: [{ code: 'DUE_BATCH_CHANGED' }] });
    },
  );
});
