/**
 * Provisioning: a completed order creates one subscription per line, in the order's transaction.
 */
import type { CommandContext } from '../app/context.ts';
import type { TierPrice } from '../billing/pricing.ts';
import { startBilling } from '../billing/rating.ts';
import { toInstant } from '../kernel/time.ts';
import type { Order } from '../orders/model.ts';
import { orderLineId, setLineSubscription } from '../orders/store.ts';
import { cancellationWindowEnd, type Subscription, termEnd } from './model.ts';
import { insertSubscription } from './store.ts';

/** What billing needs of a completed order: the customer's market and each line's tier prices. */
export interface LineBilling {
  readonly country: string;
  /** Per line, in line order. */
  readonly tierPrices: readonly (readonly TierPrice[])[];
}

/**
 * Creates the subscriptions of a completed order (one per line) and returns them, in line order.
 * Each starts billing at once: its tier prices are locked for the term and the first cycle charged.
 */
export async function provisionSubscriptions(
  ctx: CommandContext,
  order: Order,
  billing: LineBilling,
): Promise<Subscription[]> {
  const now = toInstant(ctx.now);
  const out: Subscription[] = [];
  for (const line of order.lines) {
    const licensed = line.billing === 'license' && line.termDuration !== null;
    const subscription: Subscription = {
      id: ctx.ids.orderedGuid(),
      customerTenantId: order.customerTenantId,
      sellerTenantId: order.sellerTenantId,
      orderId: order.id,
      orderLineId: orderLineId(order.id, line.lineNumber),
      catalogItemId: line.catalogItemId,
      productId: line.productId,
      offerTitle: line.offerTitle,
      publisher: line.publisher,
      billing: line.billing,
      quantity: line.quantity,
      termDuration: line.termDuration,
      billingCycle: line.billingCycle,
      unitPriceMinor: line.unitPriceMinor,
      currency: line.currency,
      status: 'active',
      autoRenew: licensed && line.autoRenew,
      startAt: now,
      termStartAt: now,
      termEndAt:
        licensed && line.termDuration ? toInstant(termEnd(ctx.now, line.termDuration, ctx.now)) : null,
      cancellationWindowEndsAt: licensed
        ? toInstant(cancellationWindowEnd(ctx.now, ctx.program.policies.cancellationWindowHours))
        : null,
      partnerId: line.partnerIdOnRecord,
      partnerTenantId: line.partnerOfRecordTenantId,
      supportContactTenantId: null,
      salesChain: line.salesChain,
      suspendedAt: null,
      endedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await insertSubscription(ctx.tx, subscription);
    await setLineSubscription(ctx.tx, order.id, line.lineNumber, subscription.id);
    await ctx.record({
      type: 'subscription.created',
      entityType: 'subscription',
      entityId: subscription.id,
      payload: { ...subscription },
    });
    await startBilling(ctx, subscription, billing.tierPrices[out.length] ?? [], billing.country);
    out.push(subscription);
  }
  return out;
}
