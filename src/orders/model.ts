/**
 * Orders: what a direct-bill partner or an indirect provider buys for a customer, line by line,
 * each line with the sales chain it travels (who sells to whom — billing later walks it).
 *
 * Status: `pending` (an indirect reseller's order request awaiting its provider), `completed`
 * (subscriptions created, one per line, in the same transaction), `failed` (a pending request
 * that no longer passed the rules when the provider approved it; the reasons are kept),
 * `cancelled` (a pending request rejected by the provider or withdrawn by the reseller).
 */
import type { BillingCycle, BillingModel, PublisherKind, TermDuration } from '../catalog/model.ts';
import type { Violation } from '../kernel/outcome.ts';
import type { Instant } from '../kernel/time.ts';

export const ORDER_STATUSES = ['pending', 'completed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Where a party stands in a sales chain. */
export type ChainRole = 'vendor' | 'indirect-provider' | 'indirect-reseller' | 'direct-bill' | 'customer';

export interface ChainParty {
  readonly tenantId: string;
  readonly role: ChainRole;
  readonly partnerId: number | null;
  readonly name: string;
}

/**
 * The parties a line travels, from the top seller down to the customer: vendor → provider →
 * reseller → customer, or vendor → direct-bill partner → customer. A partner's own value-added
 * service starts at that partner (it never reaches the vendor).
 */
export type SalesChain = readonly ChainParty[];

export interface OrderLine {
  readonly lineNumber: number;
  /** The SKU id (`<productId>:<skuCode>`). */
  readonly catalogItemId: string;
  readonly productId: string;
  readonly offerTitle: string;
  readonly publisher: PublisherKind;
  readonly billing: BillingModel;
  readonly quantity: number;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
  /** List price per unit per charge cycle at order time, in the currency's minor unit. */
  readonly unitPriceMinor: number;
  readonly currency: string;
  /** The indirect reseller's Partner ID (never the provider's). */
  readonly partnerIdOnRecord: number | null;
  readonly partnerOfRecordTenantId: string | null;
  readonly autoRenew: boolean;
  readonly salesChain: SalesChain;
  /** The subscription the line created, once the order completed. */
  readonly subscriptionId: string | null;
}

export interface Order {
  readonly id: string;
  readonly customerTenantId: string;
  /** The party transacting upstream: a direct-bill partner or an indirect provider. */
  readonly sellerTenantId: string;
  /** The indirect reseller that submitted the order request, if one did. */
  readonly requestedByTenantId: string | null;
  readonly status: OrderStatus;
  readonly currency: string;
  /** Sum of quantity × unit price of the first charge cycle, in minor units. */
  readonly totalMinor: number;
  readonly placedBy: { readonly userId: string | null; readonly tenantId: string | null };
  /** Why a pending request failed on approval. */
  readonly failure: readonly Violation[] | null;
  readonly lines: readonly OrderLine[];
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}
