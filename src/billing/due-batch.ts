/**
 * The billing side of one `processDue` batch: the rating of hundreds of subscriptions' cycle
 * charges and renewals inside one command, with its reads done up front and its writes at the end.
 *
 * `load` reads the batch's billing states, the pricing of every seller on their chains and the
 * catalog prices of their items — a handful of queries, whatever the batch's size. Rating then
 * runs the same functions as any single event (`rating.ts`) against this `RatingIo`: states are
 * read and replaced in memory, lines are collected. `take` hands over what changed, and
 * `writeRated` puts the lines on their draft documents (`drafts.ts`, once for the batch), writes
 * them with multi-row inserts and the changed states with one multi-row update per few hundred
 * rows. Nothing else writes these subscriptions' billing inside the command, so the states in
 * memory are the current ones; a batch rated ahead, outside the writing transaction
 * (`subscriptions/rate-ahead.ts`), is written only if its states' row versions are still those read.
 */
import type { CommandContext } from '../app/context.ts';
import type { PricePoint } from '../catalog/model.ts';
import { availabilitiesOf } from '../catalog/store.ts';
import { toInstant } from '../kernel/time.ts';
import type { RowUpdates } from '../store/update-many.ts';
import type { Subscription } from '../subscriptions/model.ts';
import { documentsOf } from './drafts.ts';
import type { BillingLine, SubscriptionBilling } from './model.ts';
import type { PricingCache, RatingIo } from './rating.ts';
import * as store from './store.ts';

export class DueBatch implements RatingIo {
  readonly pricing: PricingCache;
  readonly catalogPrices: Map<string, readonly PricePoint[] | undefined>;
  private readonly states: Map<string, SubscriptionBilling>;
  /** The states as read, so `flush` writes only the columns that changed. */
  private readonly read: ReadonlyMap<string, SubscriptionBilling>;
  private readonly changed = new Set<string>();
  private lines: BillingLine[] = [];

  private constructor(
    private readonly ctx: CommandContext,
    states: Map<string, SubscriptionBilling>,
    pricing: PricingCache,
    catalogPrices: Map<string, readonly PricePoint[] | undefined>,
  ) {
    this.states = states;
    this.read = new Map(states);
    this.pricing = pricing;
    this.catalogPrices = catalogPrices;
  }

  /** Reads what rating these subscriptions needs: billing states, seller pricing, catalog prices. */
  static async load(ctx: CommandContext, subscriptions: readonly Subscription[]): Promise<DueBatch> {
    const states = await store.getSubscriptionBillings(
      ctx.tx,
      subscriptions.map((s) => s.id),
    );
    const sellers: { sellerTenantId: string; skuId: string; country: string }[] = [];
    const items: { skuId: string; country: string }[] = [];
    for (const s of subscriptions) {
      const b = states.get(s.id);
      if (!b) continue;
      items.push({ skuId: s.catalogItemId, country: b.customerCountry });
      for (const party of s.salesChain.slice(0, -1))
        sellers.push({ sellerTenantId: party.tenantId, skuId: s.catalogItemId, country: b.customerCountry });
    }
    const pricing = await store.sellerPricingMany(ctx.tx, sellers);
    const found = await availabilitiesOf(ctx.tx, items);
    const catalogPrices = new Map<string, readonly PricePoint[] | undefined>();
    for (const i of items) {
      const key = `${i.skuId}\n${i.country}`;
      catalogPrices.set(key, found.get(key)?.prices);
    }
    return new DueBatch(ctx, states, pricing, catalogPrices);
  }

  async getBilling(subscriptionId: string): Promise<SubscriptionBilling | undefined> {
    return this.states.get(subscriptionId);
  }

  async putBilling(b: SubscriptionBilling, insert: boolean): Promise<void> {
    // Due subscriptions were billed before: their states exist (a new one is written by its order).
    if (insert || !this.states.has(b.subscriptionId))
      throw new Error(`due batch: subscription ${b.subscriptionId} has no billing state to update`);
    this.states.set(b.subscriptionId, b);
    this.changed.add(b.subscriptionId);
  }

  async insertLines(lines: readonly BillingLine[]): Promise<void> {
    for (const l of lines) this.lines.push(l);
  }

  /**
   * What rating changed, as the rows to write (`writeRated`): with `versions` (the states' row
   * versions as read), a state is to be written only if still at that version. The batch is empty
   * afterwards.
   */
  take(versions?: ReadonlyMap<string, number>): RatedBilling {
    const ids = [...this.changed];
    const rated: RatedBilling = {
      lines: store.lineRows(this.lines),
      ...store.billingUpdates(
        ids.map((id) => this.states.get(id) as SubscriptionBilling),
        toInstant(this.ctx.now),
        this.read,
        versions,
      ),
    };
    this.lines = [];
    this.changed.clear();
    return rated;
  }

  /** The subscriptions whose states rating changed. */
  changedStates(): string[] {
    return [...this.changed];
  }
}

/**
 * The billing a due batch rated, as the rows to write: plain values (they cross from a worker
 * thread when rated ahead, and building them there is work the writing thread does not do).
 */
export interface RatedBilling {
  /** The lines, rows of `store.lineRows` on no document yet. */
  readonly lines: unknown[][];
  /** The changed states' update. */
  readonly states: RowUpdates;
  /** The update of the term prices that changed (migration 0018). */
  readonly terms: RowUpdates;
}

/**
 * Writes a rated batch's billing in the command's transaction: the lines on their draft documents
 * (created here when missing, so a batch rated ahead finds the drafts of the batches before it),
 * then the states and the term prices that changed. Returns the states written (fewer than
 * planned: one was no longer at the version read).
 */
export async function writeRated(ctx: CommandContext, rated: RatedBilling): Promise<number> {
  store.placeRows(rated.lines, await documentsOf(ctx, rated.lines.map(store.placeOfRow)));
  await store.insertLineRows(ctx.tx, rated.lines);
  return store.runBillingUpdates(ctx.tx, rated);
}
