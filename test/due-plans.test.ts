/**
 * What falls due is found in index order, without sorting every due row for each batch (the large
 * world's month close renews 5M subscriptions in 10,000 batches: a sort per batch made it
 * quadratic). Checked on SQLite's query plans (PostgreSQL plans tiny test tables differently from
 * large ones; the benchmark covers it at scale).
 */
import type { Compilable } from 'kysely';
import { expect, it } from 'vitest';
import { chargesDueQuery } from '../src/billing/store.ts';
import { dueQuery } from '../src/subscriptions/store.ts';
import { describeEachDatabase } from './support/databases.ts';
import { sqlitePlan } from './support/plans.ts';

describeEachDatabase('due queries', (db) => {
  if (db.name !== 'sqlite') {
    it.skip('query plans are checked on SQLite', () => undefined);
    return;
  }
  const plan = async (query: Compilable) => sqlitePlan((await db.fresh()).store.db, query.compile());

  it('term ends: the running subscriptions in (term end, id) order straight from the partial index', async () => {
    const csp = await db.fresh();
    const details = await plan(dueQuery(csp.store.db, '2027-01-01T00:00:00.000Z', 500));
    expect(details).toMatch(/^SEARCH subscriptions USING INDEX subscriptions_due \(term_end_at<\?\)/m);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });

  it('cycle charges: in (next charge, subscription) order straight from the index', async () => {
    const csp = await db.fresh();
    const details = await plan(chargesDueQuery(csp.store.db, '2027-01-01T00:00:00.000Z', 500));
    expect(details).toMatch(/subscription_billing_next_charge/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });
});
