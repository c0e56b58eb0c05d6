/**
 * Property: ten thousand random event sequences per database (SQLite and PostgreSQL) keep the books
 * straight, checked at every month close with the invariants of `billing-invariants.ts`.
 *
 * A sequence is one subscription's life: an order (indirect through Reseller FR or Reseller FR 2,
 * or direct-bill; P1M monthly, P1Y monthly or P1Y annual; 1–20 seats) on a random day, then up to
 * six events a few days apart — mostly inside the 168-hour window, some long after — among quantity
 * changes (removals outside the window are refused), cancellations, suspensions, reactivations,
 * auto-renew toggles and credits (by the seller, or by the reseller to its customer), a tenth of them
 * by an actor that may not act (refused). The clock moves a day at a time, so cycle charges and
 * renewals fall due in between, and every month that ends is closed and checked.
 *
 * A fresh world per sequence would cost ~0.3 s each; instead each run ("shard") is one world with
 * its own random prices (price lists, repricing rules, a rule that may sell below cost) and its
 * own horizon (45–420 days, so P1Y terms renew in some), carrying `SHARD` independent sequences:
 * each acts only on its own subscription, so they are independent, and the checks see them all.
 * The suite with a fresh world per sequence and a snapshot around every refusal is
 * `billing.property.test.ts`.
 *
 * OPENCSP_BILLING_SEQUENCES=N runs N sequences per database (default 10,000; a multiple of 500).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { issueCredit } from '../../src/billing/service.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import type { Order } from '../../src/orders/model.ts';
import { advanceWorldClock } from '../../src/subscriptions/clock.ts';
import { must } from '../../src/world/builder.ts';
import { describeEachDatabase, type TestDatabase } from '../support/databases.ts';
import {
  actOn,
  billingBreaches,
  closeEndedMonths,
  newTally,
  type Pricing,
  pricingArb,
  runCommand,
  type SubscriptionStep,
  startRun,
} from './billing-invariants.ts';

/** Sequences per world. */
const SHARD = 500;

type Action = SubscriptionStep | { kind: 'credit'; cents: number; byReseller: boolean; actor: number };

interface Sequence {
  /** Day of the order, counted from the world's start. */
  readonly start: number;
  readonly order: { direct: boolean; secondReseller: boolean; plan: number; quantity: number };
  /** Each event `after` days after the one before (the first after the order). */
  readonly events: readonly { after: number; action: Action }[];
}

interface Shard {
  readonly pricing: Pricing;
  readonly horizon: number;
  readonly sequences: readonly Sequence[];
}

const actor = fc.nat({ max: 9 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('quantity' as const),
      pick: fc.constant(0),
      delta: fc.integer({ min: -6, max: 8 }).filter((d) => d !== 0),
      actor,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.constant(0), actor }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('suspend' as const, 'reactivate' as const),
      pick: fc.constant(0),
      actor,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('auto-renew' as const),
      pick: fc.constant(0),
      on: fc.boolean(),
      actor,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      cents: fc.integer({ min: 1, max: 5_000 }),
      byReseller: fc.boolean(),
      actor,
    }),
  },
);

const sequenceArb = (horizon: number): fc.Arbitrary<Sequence> =>
  fc.record({
    start: fc.nat({ max: horizon - 1 }),
    order: fc.record({
      direct: fc.nat({ max: 2 }).map((n) => n === 0),
      secondReseller: fc.nat({ max: 3 }).map((n) => n === 0),
      plan: fc.nat({ max: 2 }),
      quantity: fc.integer({ min: 1, max: 20 }),
    }),
    events: fc.array(
      fc.record({
        // Mostly inside the window (0–3 days apart), sometimes long after.
        after: fc.oneof(
          { weight: 4, arbitrary: fc.nat({ max: 3 }) },
          { weight: 1, arbitrary: fc.nat({ max: 60 }) },
        ),
        action: actionArb,
      }),
      { maxLength: 6 },
    ),
  });

const shardArb = (size: number): fc.Arbitrary<Shard> =>
  fc.integer({ min: 45, max: 420 }).chain((horizon) =>
    fc.record({
      pricing: pricingArb,
      horizon: fc.constant(horizon),
      sequences: fc.array(sequenceArb(horizon), { minLength: size, maxLength: size }),
    }),
  );

interface Scheduled {
  readonly day: number;
  readonly sequence: number;
  /** -1: the order; else the event's index. */
  readonly event: number;
}

/** Every order and event of a shard on its day, in a stable order (day, sequence, event). */
function schedule(shard: Shard): Scheduled[] {
  const out: Scheduled[] = [];
  for (const [i, s] of shard.sequences.entries()) {
    out.push({ day: s.start, sequence: i, event: -1 });
    let day = s.start;
    for (const [j, e] of s.events.entries()) {
      day += e.after;
      out.push({ day, sequence: i, event: j });
    }
  }
  return out.sort((a, b) => a.day - b.day || a.sequence - b.sequence || a.event - b.event);
}

describeEachDatabase('billing invariants over ten thousand random event sequences', (db: TestDatabase) => {
  const total = Number(process.env.OPENCSP_BILLING_SEQUENCES) || 10_000;
  const shards = Math.max(1, Math.ceil(total / SHARD));
  it(
    `hold at every close over ${shards * SHARD} sequences (${shards} worlds of ${SHARD})`,
    async () => {
      const started = Date.now();
      const tally = newTally();
      const outcomes = new Map<string, number>();
      const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      let sequences = 0;
      let commands = 0;
      let closes = 0;
      let renewals = 0;
      await fc.assert(
        fc.asyncProperty(shardArb(SHARD), async (shard) => {
          const run = await startRun(db, shard.pricing);
          const { csp, w } = run;
          const subscriptionOf: (string | undefined)[] = [];
          const steps = schedule(shard);
          let day = 0;
          const closeAndCheck = async () => {
            const closed = await closeEndedMonths(run);
            closes += closed.length;
            if (closed.length > 0)
              expect(await billingBreaches(run, tally), `after closing ${closed.join(', ')}`).toEqual([]);
          };
          for (const step of [...steps, { day: shard.horizon + 35, sequence: -1, event: -1 }]) {
            while (day < step.day) {
              must(await advanceWorldClock(csp, { principal: run.operator }, { days: 1 }), 'advance');
              day++;
              await closeAndCheck();
            }
            if (step.sequence < 0) break;
            const s = shard.sequences[step.sequence] as Sequence;
            let outcome: Outcome<unknown> | undefined;
            let kind: string;
            if (step.event < 0) {
              kind = 'order';
              outcome = await runCommand(run, { kind: 'order', ...s.order });
              if (outcome?.ok)
                subscriptionOf[step.sequence] =
                  (outcome.value as Order).lines[0]?.subscriptionId ?? undefined;
            } else {
              const id = subscriptionOf[step.sequence];
              if (!id) continue; // the order was refused: the sequence has nothing to act on
              const action = (s.events[step.event] as Sequence['events'][number]).action;
              kind = action.kind;
              const sub = await csp.store.db
                .selectFrom('subscriptions')
                .select(['id', 'seller_tenant_id', 'quantity'])
                .where('id', '=', id)
                .executeTakeFirstOrThrow();
              if (action.kind === 'credit') {
                const seller = action.byReseller
                  ? s.order.direct
                    ? w.direct
                    : s.order.secondReseller
                      ? w.reseller2
                      : w.reseller
                  : sub.seller_tenant_id === w.direct.tenantId
                    ? w.direct
                    : w.provider;
                outcome = await csp.execute(
                  issueCredit,
                  { principal: action.actor <= 8 ? seller.globalAdmin : w.directCustomer.globalAdmin },
                  {
                    sellerTenantId: seller.tenantId,
                    subscriptionId: id,
                    amount: (action.cents / 100).toFixed(2),
                    reason: 'service credit',
                  },
                );
              } else outcome = await actOn(run, sub, action);
            }
            if (!outcome) continue;
            commands++;
            if (outcome.ok) count(`ok:${kind}`);
            else for (const v of outcome.violations) count(`${kind}:${v.code}`);
          }
          expect(await billingBreaches(run, tally), 'at the end').toEqual([]);
          sequences += shard.sequences.length;
          renewals += Number(
            (
              await csp.store.db
                .selectFrom('billing_lines')
                .select((eb) => eb.fn.countAll<number | string>().as('n'))
                .where('charge_type', '=', 'renew')
                .executeTakeFirstOrThrow()
            ).n,
          );
        }),
        // No shrinking: a failing shard is reported with its seed and path, and re-run from them.
        { numRuns: shards, seed: 20261205, endOnFailure: true },
      );
      const ms = Date.now() - started;
      if (process.env.OPENCSP_PROPERTY_TALLY)
        console.log(
          db.name,
          { sequences, commands, closes, renewals, ms, ...tally },
          Object.fromEntries([...outcomes].sort()),
        );
      expect(sequences).toBeGreaterThanOrEqual(Math.min(total, 10_000));
      // The generators reach the guarded paths, or the properties prove little.
      expect(tally.creditNotes).toBeGreaterThan(0);
      expect(tally.credits).toBeGreaterThan(0);
      expect(tally.suspendedCycleCharges).toBeGreaterThan(0);
      expect(tally.cancelsAfterChanges).toBeGreaterThan(0);
      expect(renewals).toBeGreaterThan(0);
      for (const key of [
        'ok:order',
        'ok:quantity',
        'ok:cancel',
        'ok:suspend',
        'ok:reactivate',
        'ok:auto-renew',
        'ok:credit',
        'quantity:CANCELLATION_WINDOW_CLOSED',
        'cancel:CANCELLATION_WINDOW_CLOSED',
      ])
        expect(outcomes.get(key), key).toBeGreaterThan(0);
      // Orders refused for their prices need some worlds' random prices to fall short.
      if (shards >= 10) expect([...outcomes.keys()].some((k) => k.startsWith('order:PRICE_'))).toBe(true);
    },
    // Bounded: a shard is a few seconds on SQLite and a few more on PostgreSQL (see the README).
    shards * 120_000,
  );
});
