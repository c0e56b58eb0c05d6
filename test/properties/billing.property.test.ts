/**
 * Property: random sequences of billing-relevant commands over a real world, on SQLite and
 * PostgreSQL, keep the books straight. Each run seeds random prices (price-list entries for the
 * provider, the resellers and the direct-bill partner, repricing rules from February — one may
 * sell below cost on purpose), then runs random commands: indirect and direct orders (random
 * quantity, P1M monthly, P1Y monthly or P1Y annual), quantity changes (adds any time, removals
 * inside the window — and outside it, refused), cancellations, suspensions and reactivations,
 * auto-renew toggles, clock moves of 1–40 days (`advanceWorldClock`: cycle charges and renewals
 * fall due) and month closes (`closeBillingPeriod` for every month that ended). Clock moves are whole
 * days, so the world's time of day stays the purchase time (10:00).
 *
 * At every close and at the end, from plain table reads of billing_lines, invoices and
 * subscriptions:
 * - every line below its chain's top traces (source_line_id) to one line of the tier above with
 *   the same event, ReferenceId, charge type, dates and quantity (only prices differ), whose amount
 *   is the line's source_amount; per event, one line per billing relationship of the chain;
 * - sell ≥ cost per unit, unless the seller's rule allows selling below cost;
 * - every issued document's subtotal and total are the sum of its lines, line_count their count,
 *   one currency; a credit note references an invoice of its own period and carries refunds of
 *   that invoice's lines; every line of a closed period is on an issued document, no draft is left;
 * - document numbers are gapless per seller and year (1..n);
 * - per partner, sales − purchases = the MarginAmount (amount − source_amount) of its sales, over
 *   all lines and over issued documents;
 * - active and suspended subscriptions have a charge line for every cycle of their term up to now
 *   (suspension does not stop billing); a cancellation (a full refund, the program's default)
 *   nets the subscription's term to zero at every tier, quantity changes included.
 * Every refused command leaves the database exactly as it was (snapshot before and after).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { Outcome } from '../../src/kernel/outcome.ts';
import { advanceWorldClock } from '../../src/subscriptions/clock.ts';
import { must } from '../../src/world/builder.ts';
import { describeEachDatabase, type TestDatabase } from '../support/databases.ts';
import { snapshot } from '../support/snapshot.ts';
import {
  billingBreaches,
  closeEndedMonths,
  newTally,
  pricingArb,
  runCommand,
  startRun,
  stepArb,
} from './billing-invariants.ts';

describeEachDatabase('billing invariants under random command sequences', (db: TestDatabase) => {
  it("the checks are not vacuous: rows changed behind the services' back are each caught", async () => {
    const run = await startRun(db, {
      entries: [
        { seller: 'provider', plan: 1, bps: 700 },
        { seller: 'reseller', plan: 1, bps: 3000 },
      ],
      resellerRule: null,
      providerRule: null,
    });
    const { csp, w } = run;
    for (const step of [
      { kind: 'order', direct: false, secondReseller: false, plan: 1, quantity: 10 },
      { kind: 'order', direct: true, secondReseller: false, plan: 1, quantity: 3 },
    ] as const)
      must((await runCommand(run, step)) as Outcome<unknown>);
    must(await advanceWorldClock(csp, { principal: run.operator }, { days: 20 }));
    expect(await closeEndedMonths(run)).toEqual(['2026-01']);
    const tally = newTally();
    expect(await billingBreaches(run, tally)).toEqual([]);
    const d = csp.store.db;
    const lines = await d.selectFrom('billing_lines').selectAll().orderBy('line_no').orderBy('id').execute();
    const tier = (t: number) =>
      lines.find((l) => Number(l.tier) === t && l.seller_tenant_id !== w.direct.tenantId);
    const [l1, l2, l3] = [tier(1), tier(2), tier(3)];
    if (!l1 || !l2 || !l3) throw new Error('expected three tiers');
    const invoice = await d
      .selectFrom('invoices')
      .selectAll()
      .where('id', '=', l3.invoice_id)
      .executeTakeFirstOrThrow();
    /** Applies a change, expects the breaches it causes, and undoes it. */
    const caught = async (
      change: () => Promise<unknown>,
      undo: () => Promise<unknown>,
      expected: RegExp[],
    ) => {
      await change();
      const found = await billingBreaches(run, tally);
      for (const re of expected)
        expect(found, String(re)).toEqual(expect.arrayContaining([expect.stringMatching(re)]));
      await undo();
      expect(await billingBreaches(run, tally)).toEqual([]);
    };
    const setLine = (id: string, values: Record<string, unknown>) =>
      d.updateTable('billing_lines').set(values).where('id', '=', id).execute();
    // A downstream line with another quantity than the line above.
    await caught(
      () => setLine(l3.id, { quantity: 11 }),
      () => setLine(l3.id, { quantity: l3.quantity }),
      [/quantity 11, its source 10/],
    );
    // A source amount that is not the line above's: the margin report no longer adds up.
    await caught(
      () => setLine(l3.id, { source_amount_minor: '1' }),
      () => setLine(l3.id, { source_amount_minor: l3.source_amount_minor }),
      [/source_amount 1, the line above/, /sales .* − purchases .* ≠ margin/],
    );
    // A reseller selling below what it pays.
    await caught(
      () => setLine(l3.id, { unit_price_micros: '1' }),
      () => setLine(l3.id, { unit_price_micros: l3.unit_price_micros }),
      [/sells at 1 µ below its cost/],
    );
    // A line whose source is gone, and an event missing a tier.
    await caught(
      () => setLine(l2.id, { event_id: 'elsewhere', source_line_id: null }),
      () => setLine(l2.id, { event_id: l2.event_id, source_line_id: l1.id }),
      [/event_id .* its source line/, /tiers 1,3, the chain has 1,2,3/, /\(tier 2, new\) traces to no line/],
    );
    // An invoice total that is not the sum of its lines.
    await caught(
      () => d.updateTable('invoices').set({ total_minor: '1' }).where('id', '=', invoice.id).execute(),
      () =>
        d
          .updateTable('invoices')
          .set({ total_minor: invoice.total_minor })
          .where('id', '=', invoice.id)
          .execute(),
      [/total 1, lines sum to/],
    );
    // A line of the closed month on no document.
    await caught(
      () => setLine(l1.id, { invoice_id: null }),
      () => setLine(l1.id, { invoice_id: l1.invoice_id }),
      [/of closed 2026-01 is on no issued document/, /line_count 1, 0 lines/],
    );
    // A gap in the numbers.
    await caught(
      () =>
        d
          .updateTable('invoices')
          .set({ number: (invoice.number ?? '').replace(/\d{6}$/, '000007') })
          .where('id', '=', invoice.id)
          .execute(),
      () => d.updateTable('invoices').set({ number: invoice.number }).where('id', '=', invoice.id).execute(),
      [/are not 1\.\.1: 7/],
    );
    // A suspended subscription whose cycle was not charged.
    const sub = l1.subscription_id;
    await caught(() =>
      d
        .updateTable('subscriptions')
        .set({ status: 'suspended', term_start_at: '2025-11-15T10:00:00.000Z' })
        .where('id', '=', sub)
        .execute(), async () => {
      const s = await d
        .selectFrom('subscriptions')
        .select('start_at')
        .where('id', '=', sub)
        .executeTakeFirstOrThrow();
      await d
        .updateTable('subscriptions')
        .set({ status: 'active', term_start_at: s.start_at })
        .where('id', '=', sub)
        .execute();
    }, [/\(suspended\): cycle 0 from 2025-11-15 was never charged/]);
    // A refund one cent off the remaining slices of what was charged.
    must((await runCommand(run, { kind: 'quantity', pick: 0, delta: 2, actor: 0 })) as Outcome<unknown>);
    const refund = await d
      .selectFrom('billing_lines')
      .selectAll()
      .where('refunds_line_id', 'is not', null)
      .orderBy('tier')
      .executeTakeFirstOrThrow();
    await caught(
      () => setLine(refund.id, { amount_minor: String(BigInt(refund.amount_minor) - 1n) }),
      () => setLine(refund.id, { amount_minor: refund.amount_minor }),
      [/refund .* \(addQuantity, tier 1, day 20 of 31\) is -\d+, the remaining slices -\d+/],
    );
    // A cancellation that refunds one cent less than the term was charged (its seats change included).
    for (const step of [
      { kind: 'order', direct: false, secondReseller: false, plan: 1, quantity: 4 },
      { kind: 'advance', days: 2 },
      { kind: 'quantity', pick: 2, delta: 3, actor: 0 },
      { kind: 'advance', days: 2 },
      { kind: 'cancel', pick: 2, actor: 0 },
    ] as const)
      if (step.kind === 'advance')
        must(await advanceWorldClock(csp, { principal: run.operator }, { days: step.days }));
      else must((await runCommand(run, step)) as Outcome<unknown>);
    const cancel = await d
      .selectFrom('billing_lines')
      .selectAll()
      .where('charge_type', '=', 'cancelImmediate')
      .orderBy('tier')
      .executeTakeFirstOrThrow();
    await caught(
      () => setLine(cancel.id, { amount_minor: String(BigInt(cancel.amount_minor) + 1n) }),
      () => setLine(cancel.id, { amount_minor: cancel.amount_minor }),
      [/cancelled, its term from 2026-02-04 nets 1 at tier 1/],
    );
  });

  // OPENCSP_BILLING_PROPERTY_RUNS=N runs N sequences per database (a long run; CI keeps the default).
  const runs = Number(process.env.OPENCSP_BILLING_PROPERTY_RUNS) || (db.name === 'sqlite' ? 80 : 25);
  it(
    `hold over ${runs} random sequences of up to 40 commands; refusals write nothing`,
    async () => {
      const started = Date.now();
      const tally = newTally();
      const outcomes = new Map<string, number>();
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      let commands = 0;
      let closes = 0;
      await fc.assert(
        fc.asyncProperty(
          pricingArb,
          fc.array(stepArb, { minLength: 15, maxLength: 40, size: 'max' }),
          async (pricing, steps) => {
            const run = await startRun(db, pricing);
            const { csp } = run;
            for (const s of [...steps, { kind: 'advance', days: 35 } as const, { kind: 'close' } as const]) {
              if (s.kind === 'advance') {
                must(await advanceWorldClock(csp, { principal: run.operator }, { days: s.days }), 'advance');
                commands++;
                continue;
              }
              if (s.kind === 'close') {
                const closed = await closeEndedMonths(run);
                commands++;
                closes += closed.length;
                if (closed.length > 0)
                  expect(await billingBreaches(run, tally), `after closing ${closed.join(', ')}`).toEqual([]);
                continue;
              }
              const before = await snapshot(csp.store);
              const outcome = await runCommand(run, s);
              if (!outcome) continue;
              commands++;
              if (outcome.ok) {
                count(`ok:${s.kind}`);
                continue;
              }
              for (const v of outcome.violations) count(`${s.kind}:${v.code}`);
              expect(
                await snapshot(csp.store),
                `${s.kind} refused with ${outcome.violations.map((v) => v.code).join(',')} but wrote`,
              ).toEqual(before);
            }
            expect(await billingBreaches(run, tally), 'at the end').toEqual([]);
          },
        ),
        { numRuns: runs, seed: 20260706, endOnFailure: true },
      );
      const ms = Date.now() - started;
      if (process.env.OPENCSP_PROPERTY_TALLY)
        console.log(
          db.name,
          { runs, commands, closes, ms, ...tally },
          Object.fromEntries([...outcomes].sort()),
        );
      // The generators reach the guarded paths, or the properties prove little.
      expect(tally.documents).toBeGreaterThan(runs);
      expect(tally.creditNotes).toBeGreaterThan(0);
      expect(tally.suspendedCycleCharges).toBeGreaterThan(0);
      expect(tally.cancels).toBeGreaterThan(0);
      expect(tally.cancelsAfterChanges).toBeGreaterThan(0);
      for (const key of [
        'ok:order',
        'ok:quantity',
        'ok:cancel',
        'ok:suspend',
        'ok:reactivate',
        'quantity:CANCELLATION_WINDOW_CLOSED',
      ])
        expect(outcomes.get(key), key).toBeGreaterThan(0);
      expect([...outcomes.keys()].some((k) => k.startsWith('order:PRICE_'))).toBe(true);
    },
    Math.max(300_000, runs * 2_000),
  );
});
