/**
 * Response schemas of commerce: catalog items (a SKU as sold in a market), catalog imports and a
 * partner's own services, orders with their lines and sales chains, subscriptions, and the sandbox
 * clock. Money is integer minor units with its currency.
 */
import { Type } from '@sinclair/typebox';
import { BILLING_CYCLES, BILLING_MODELS, PUBLISHER_KINDS, TERM_DURATIONS } from '../../catalog/model.ts';
import { ORDER_STATUSES } from '../../orders/model.ts';
import { SUBSCRIPTION_STATUSES } from '../../subscriptions/model.ts';
import { oneOf } from '../route.ts';
import { Closed, Id, Instant, Named, Nullable, Page, Violation } from './common.ts';

const Publisher = oneOf(PUBLISHER_KINDS);
const Billing = oneOf(BILLING_MODELS);
const Term = Nullable(oneOf(TERM_DURATIONS, 'The license term; null for a usage SKU.'));
const Cycle = oneOf(BILLING_CYCLES);
const Currency = Type.String({ description: 'ISO 4217.' });
const Minor = (description: string) => Type.Integer({ description: `${description}, in minor units.` });
const CatalogItemId = Type.String({ description: 'The SKU id, <productId>:<skuCode>.' });

export const CatalogItem = Named(
  'CatalogItem',
  {
    catalogItemId: CatalogItemId,
    productId: Type.String(),
    productTitle: Type.String(),
    skuTitle: Type.String(),
    publisher: Publisher,
    publisherName: Type.String(),
    billing: Billing,
    minQuantity: Type.Integer(),
    maxQuantity: Type.Integer(),
    country: Type.String(),
    currency: Type.String({ description: 'The market’s currency: every price is in its minor unit.' }),
    prices: Type.Array(
      Closed({
        termDuration: Term,
        billingCycle: Cycle,
        unitPriceMinor: Minor('List price per unit per charge cycle'),
      }),
    ),
  },
  'One SKU as sold in one market.',
);

export const CatalogItemPage = Page(CatalogItem);

export const CatalogImported = Named('CatalogImported', {
  products: Type.Integer(),
  skus: Type.Integer(),
  availabilities: Type.Integer(),
  created: Type.Array(Type.String(), { description: 'The product ids created.' }),
  updated: Type.Array(Type.String(), { description: 'The product ids replaced.' }),
});

export const Product = Named('Product', {
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  publisherKind: Publisher,
  publisherName: Type.String(),
  ownerTenantId: Nullable(
    Type.String({ description: 'The partner tenant owning a value-added service; null for the vendor’s.' }),
  ),
});

export const Sku = Named('Sku', {
  id: CatalogItemId,
  productId: Type.String(),
  title: Type.String(),
  billing: Billing,
  minQuantity: Type.Integer(),
  maxQuantity: Type.Integer(),
});

export const ServiceDefined = Named('ServiceDefined', {
  product: Product,
  skus: Type.Array(Sku),
  availabilities: Type.Integer({ description: 'The (SKU, market) availabilities written.' }),
  result: oneOf(['created', 'updated'] as const),
});

export const ChainParty = Named(
  'ChainParty',
  {
    tenantId: Id,
    role: oneOf(['vendor', 'indirect-provider', 'indirect-reseller', 'direct-bill', 'customer'] as const),
    partnerId: Nullable(Type.Integer()),
    name: Type.String(),
  },
  'A party of a sales chain, from the top seller down to the customer.',
);

const SalesChain = Type.Array(ChainParty, {
  description:
    'Who sells to whom: vendor → provider → reseller → customer, or vendor → direct-bill partner → customer.',
});

export const OrderLine = Named('OrderLine', {
  lineNumber: Type.Integer(),
  catalogItemId: CatalogItemId,
  productId: Type.String(),
  offerTitle: Type.String(),
  publisher: Publisher,
  billing: Billing,
  quantity: Type.Integer(),
  termDuration: Term,
  billingCycle: Cycle,
  unitPriceMinor: Minor('List price per unit per charge cycle at order time'),
  currency: Currency,
  partnerIdOnRecord: Nullable(Type.Integer({ description: 'The indirect reseller’s Partner ID.' })),
  partnerOfRecordTenantId: Nullable(Type.String()),
  autoRenew: Type.Boolean(),
  salesChain: SalesChain,
  subscriptionId: Nullable(
    Type.String({ description: 'The subscription the line created, once completed.' }),
  ),
});

export const Order = Named('Order', {
  id: Id,
  customerTenantId: Id,
  sellerTenantId: Type.String({ description: 'A direct-bill partner or an indirect provider.' }),
  requestedByTenantId: Nullable(
    Type.String({ description: 'The indirect reseller that submitted the order request, if one did.' }),
  ),
  status: oneOf(ORDER_STATUSES),
  currency: Currency,
  totalMinor: Minor('Quantity × unit price of the first charge cycle, summed'),
  placedBy: Closed({ userId: Nullable(Type.String()), tenantId: Nullable(Type.String()) }),
  failure: Nullable(Type.Array(Violation, { description: 'Why a pending request failed on approval.' })),
  lines: Type.Array(OrderLine),
  createdAt: Instant,
  updatedAt: Instant,
});

export const OrderPage = Page(Order);

export const Subscription = Named('Subscription', {
  id: Id,
  customerTenantId: Id,
  sellerTenantId: Type.String({ description: 'The party that ordered it.' }),
  orderId: Id,
  orderLineId: Id,
  catalogItemId: CatalogItemId,
  productId: Type.String(),
  offerTitle: Type.String(),
  publisher: Publisher,
  billing: Billing,
  quantity: Type.Integer(),
  termDuration: Term,
  billingCycle: Cycle,
  unitPriceMinor: Minor('List price per unit per charge cycle'),
  currency: Currency,
  status: oneOf(SUBSCRIPTION_STATUSES),
  autoRenew: Type.Boolean(),
  startAt: Instant,
  termStartAt: Instant,
  termEndAt: Nullable(Instant),
  cancellationWindowEndsAt: Nullable(Instant),
  partnerId: Nullable(
    Type.Integer({ description: 'The partner of record: the indirect reseller’s Partner ID.' }),
  ),
  partnerTenantId: Nullable(Type.String()),
  supportContactTenantId: Nullable(Type.String()),
  salesChain: SalesChain,
  suspendedAt: Nullable(Instant),
  endedAt: Nullable(Instant),
  createdAt: Instant,
  updatedAt: Instant,
});

export const SubscriptionPage = Page(Subscription);

const dueCounts = { renewed: Type.Integer(), expired: Type.Integer(), disabled: Type.Integer() };

export const DueProcessed = Named('DueProcessed', {
  ...dueCounts,
  more: Type.Boolean({ description: 'More fell due than one batch holds: run again.' }),
});

/** A dry run of `POST /v1/clock/advance` moves nothing and processes nothing: the move alone. */
export const ClockMove = Named('ClockMove', {
  offsetMs: Type.Integer({ description: 'The sandbox clock’s offset from the real time.' }),
  now: Instant,
});

export const ClockAdvanced = Named('ClockAdvanced', {
  ...ClockMove.properties,
  processed: Closed(dueCounts),
});
