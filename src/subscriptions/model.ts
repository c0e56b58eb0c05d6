/**
 * Subscriptions: created by a completed order, one per line, and living their term.
 *
 * ```
 *   active ──suspend──▶ suspended ──reactivate──▶ active
 *   active ──term end, auto-renew──▶ active (renewed)     active ──term end──▶ expired
 *   suspended ──term end──▶ disabled                        active|suspended ──cancel──▶ cancelled
 * ```
 * A suspended subscription is still billed. Seats may be removed, and the subscription cancelled,
 * only inside the cancellation window after purchase or renewal (program policy, 168 hours by
 * default). Usage-based subscriptions have no term: they never renew or expire and may be
 * cancelled at any time.
 */
import type { BillingCycle, BillingModel, PublisherKind, TermDuration } from '../catalog/model.ts';
import { TERM_MONTHS } from '../catalog/model.ts';
import type { Instant } from '../kernel/time.ts';
import { addHours, addMonths } from '../kernel/time.ts';
import type { SalesChain } from '../orders/model.ts';

export const SUBSCRIPTION_STATUSES = ['active', 'suspended', 'disabled', 'expired', 'cancelled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** The operations that move a subscription from one status to another. */
export type SubscriptionTransition = 'suspend' | 'reactivate' | 'cancel' | 'renew' | 'expire' | 'disable';

export const SUBSCRIPTION_TRANSITIONS: Readonly<
  Record<
    SubscriptionTransition,
    { readonly from: readonly SubscriptionStatus[]; readonly to: SubscriptionStatus }
  >
> = {
  suspend: { from: ['active'], to: 'suspended' },
  reactivate: { from: ['suspended'], to: 'active' },
  cancel: { from: ['active', 'suspended'], to: 'cancelled' },
  renew: { from: ['active'], to: 'active' },
  expire: { from: ['active'], to: 'expired' },
  disable: { from: ['suspended'], to: 'disabled' },
};

export interface Subscription {
  readonly id: string;
  readonly customerTenantId: string;
  /** The party that ordered it: a direct-bill partner or an indirect provider. */
  readonly sellerTenantId: string;
  readonly orderId: string;
  readonly orderLineId: string;
  readonly catalogItemId: string;
  readonly productId: string;
  readonly offerTitle: string;
  readonly publisher: PublisherKind;
  readonly billing: BillingModel;
  readonly quantity: number;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
  readonly unitPriceMinor: number;
  readonly currency: string;
  readonly status: SubscriptionStatus;
  readonly autoRenew: boolean;
  /** Purchase. */
  readonly startAt: Instant;
  /** Start of the current term (purchase or last renewal). */
  readonly termStartAt: Instant;
  readonly termEndAt: Instant | null;
  readonly cancellationWindowEndsAt: Instant | null;
  /** The partner of record: the indirect reseller's Partner ID. */
  readonly partnerId: number | null;
  readonly partnerTenantId: string | null;
  /** The reseller the provider named to support this subscription. */
  readonly supportContactTenantId: string | null;
  readonly salesChain: SalesChain;
  readonly suspendedAt: Instant | null;
  readonly endedAt: Instant | null;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

export function canTransition(status: SubscriptionStatus, t: SubscriptionTransition): boolean {
  return SUBSCRIPTION_TRANSITIONS[t].from.includes(status);
}

/** The end of a term that starts at `termStart`, anchored on the purchase day. */
export function termEnd(termStart: Date, term: TermDuration, purchase: Date): Date {
  return addMonths(termStart, TERM_MONTHS[term], purchase.getUTCDate());
}

/** The cancellation window after a purchase or renewal at `at`. */
export function cancellationWindowEnd(at: Date, hours: number): Date {
  return addHours(at, hours);
}

/** Is `now` inside the subscription's cancellation window? Usage-based subscriptions have none (always open). */
export function insideCancellationWindow(
  s: Pick<Subscription, 'billing' | 'cancellationWindowEndsAt'>,
  now: Date,
) {
  if (s.billing === 'usage') return true;
  return (
    s.cancellationWindowEndsAt !== null && now.getTime() <= new Date(s.cancellationWindowEndsAt).getTime()
  );
}

/** What happens to a subscription at the end of its term. */
export function atTermEnd(s: Pick<Subscription, 'status' | 'autoRenew'>): SubscriptionTransition | undefined {
  if (s.status === 'suspended') return 'disable';
  if (s.status === 'active') return s.autoRenew ? 'renew' : 'expire';
  return undefined;
}
