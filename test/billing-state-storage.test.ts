/**
 * How a subscription's billing state is stored, on both databases: a cycle charged on the term's
 * own chain and prices is written without them (`"ofTerm": true`) and read back as the term's; a
 * cycle left on another chain (a new partner of record moves the term, the current cycle stays
 * billed down the old chain) keeps its own, whichever way the state is saved; the long form (every
 * cycle written before the short one existed) reads the same.
 */
import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import type { SubscriptionBilling, TermPrices } from '../src/billing/model.ts';
import { tierPricesToPlain } from '../src/billing/pricing.ts';
import {
  getSubscriptionBilling,
  putSubscriptionBilling,
  saveSubscriptionBillings,
} from '../src/billing/store.ts';
import { buildCommerceWorld, orderDirectSeats } from './support/commerce.ts';
import { describeEachDatabase } from './support/databases.ts';

describeEachDatabase('billing state storage', (db) => {
  let csp: OpenCsp;
  let id: string;
  beforeEach(async () => {
    csp = await db.fresh();
    id = await orderDirectSeats(csp, await buildCommerceWorld(csp));
  });

  const read = async () =>
    (await csp.store.read((tx) => getSubscriptionBilling(tx, id))) as SubscriptionBilling;
  const stored = async () =>
    (
      await csp.store.db
        .selectFrom('subscription_billing')
        .select('cycle_state')
        .where('subscription_id', '=', id)
        .executeTakeFirstOrThrow()
    ).cycle_state as string;
  const save = (b: SubscriptionBilling, how: 'put' | 'batch', before?: SubscriptionBilling) =>
    csp.store.write(async (tx) => {
      if (how === 'put') await putSubscriptionBilling(tx, b, '2026-01-02T00:00:00.000Z', false);
      else
        await saveSubscriptionBillings(
          tx,
          [b],
          '2026-01-02T00:00:00.000Z',
          before && new Map([[id, before]]),
        );
      return { commit: true, value: undefined };
    });

  it("stores a cycle on the term's own chain and prices without them, and reads it back whole", async () => {
    const b = await read();
    const text = JSON.parse(await stored());
    expect(text.ofTerm).toBe(true);
    expect(text).not.toHaveProperty('chain');
    expect(text).not.toHaveProperty('prices');
    expect(b.cycle?.chain).toEqual(b.termPrices.chain);
    expect(b.cycle?.prices).toEqual(b.termPrices.prices);
    expect(b.cycle?.chargeLineIds).toHaveLength(2);
  });

  for (const how of ['put', 'batch'] as const)
    it(`keeps a cycle's own chain and prices when the term moves to another (${how})`, async () => {
      const b = await read();
      const moved: TermPrices = {
        chain: b.termPrices.chain.map((p) => ({ ...p, name: `${p.name} (new)` })),
        prices: b.termPrices.prices.map((p) => ({ ...p, unitPriceMicros: p.unitPriceMicros + 1n })),
      };
      // The same cycle object, read as "of the term": it must not follow the term it is saved with.
      await save({ ...b, termPrices: moved }, how, b);
      const text = JSON.parse(await stored());
      expect(text.ofTerm).toBeUndefined();
      const after = await read();
      expect(after.termPrices).toEqual(moved);
      expect(after.cycle?.chain).toEqual(b.termPrices.chain);
      expect(after.cycle?.prices).toEqual(b.termPrices.prices);
      // Saved again unchanged, then with the cycle moved onto the new term: the short form again.
      await save(after, how, after);
      expect((await read()).cycle?.chain).toEqual(b.termPrices.chain);
      const cycle = after.cycle;
      if (!cycle) throw new Error('no cycle');
      await save(
        { ...after, cycle: { ...cycle, chain: after.termPrices.chain, prices: after.termPrices.prices } },
        how,
        after,
      );
      expect(JSON.parse(await stored()).ofTerm).toBe(true);
      expect((await read()).cycle?.prices).toEqual(moved.prices);
    });

  it('reads the long form (the chain and prices written out) the same', async () => {
    const b = await read();
    const cycle = b.cycle;
    if (!cycle) throw new Error('no cycle');
    const long = JSON.stringify({ ...cycle, prices: tierPricesToPlain(cycle.prices) });
    await csp.store.db
      .updateTable('subscription_billing')
      .set({ cycle_state: long })
      .where('subscription_id', '=', id)
      .execute();
    expect(await read()).toEqual(b);
  });

  it('refuses to read a cycle with neither "ofTerm" nor its own chain and prices', async () => {
    await csp.store.db
      .updateTable('subscription_billing')
      .set({ cycle_state: JSON.stringify({ index: 0, quantity: 3, chargeLineIds: [] }) })
      .where('subscription_id', '=', id)
      .execute();
    await expect(read()).rejects.toThrow(/neither "ofTerm" nor its own chain and prices/);
  });
});
