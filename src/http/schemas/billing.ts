/**
 * Response schemas of billing: price-list entries, buyer groups, repricing rules, billing lines,
 * invoices and credit notes, and the report of a period close. Money is a decimal string at the
 * currency's exponent (`"56.00"`, `"-50.58"`); unit prices are decimal strings with up to six
 * decimals (`"5.600000"`). Never floats.
 */
import { Type } from '@sinclair/typebox';
import { CHARGE_TYPES } from '../../billing/charges.ts';
import { INVOICE_KINDS, INVOICE_STATUSES } from '../../billing/model.ts';
import { PRICE_BASES } from '../../billing/pricing.ts';
import { oneOf } from '../route.ts';
import { Closed, Id, Instant, Named, Nullable, Page } from './common.ts';

const Amount = (description: string) =>
  Type.String({ description: `${description}: a decimal string at the currency's exponent, e.g. "56.00".` });
const UnitPrice = (description: string) =>
  Type.String({ description: `${description}: a decimal string with up to six decimals, e.g. "5.600000".` });
const Day = (description: string) => Type.String({ description: `${description} (YYYY-MM-DD, UTC).` });
const Month = (description: string) => Type.String({ description: `${description} (YYYY-MM, UTC).` });
const Currency = Type.String({ description: 'ISO 4217.' });
const Basis = oneOf(PRICE_BASES, 'cost: what the seller pays for the item; erp: the suggested retail price.');

export const PriceListEntry = Named(
  'PriceListEntry',
  {
    id: Id,
    sellerTenantId: Id,
    productId: Type.String(),
    skuId: Type.String({ description: 'The SKU id, <productId>:<skuCode>.' }),
    termDuration: Nullable(Type.String({ description: 'The license term; null for a usage SKU.' })),
    billingCycle: Type.String({ description: 'monthly or annual.' }),
    country: Type.String({ description: 'The market (ISO 3166-1 alpha-2).' }),
    currency: Currency,
    unitPrice: UnitPrice('What the seller charges per unit per charge cycle'),
    erp: Nullable(UnitPrice('The suggested retail price per unit per charge cycle')),
    effectiveFrom: Day('The first day the entry applies'),
    effectiveTo: Nullable(Day('The first day it no longer applies; null while open-ended')),
  },
  "One entry of a seller's price list: the price of one item (SKU, term, cycle, market) over a span of days.",
);

export const PriceListPage = Page(PriceListEntry);

export const BuyerGroup = Named(
  'BuyerGroup',
  {
    sellerTenantId: Id,
    group: Type.String(),
    members: Type.Array(Type.String(), { description: 'The buyer tenants in the group, sorted.' }),
  },
  "One of a seller's buyer groups, as it is after the change.",
);

export const RepricingOverride = Named(
  'RepricingOverride',
  {
    productIds: Type.Array(Type.String()),
    skuIds: Type.Array(Type.String()),
    basis: Basis,
    adjustmentBps: Type.Integer({ description: 'Basis points on the basis (1000 = +10%).' }),
  },
  "A rule's adjustment for a group of SKUs (by product or SKU id); the first match wins.",
);

export const RepricingRule = Named(
  'RepricingRule',
  {
    id: Id,
    sellerTenantId: Id,
    buyerTenantId: Nullable(
      Type.String({ description: 'The one buyer it prices for, if that is its target.' }),
    ),
    buyerGroup: Nullable(
      Type.String({ description: 'The buyer group it prices for, if that is its target.' }),
    ),
    basis: Basis,
    adjustmentBps: Type.Integer({ description: 'Basis points on the basis (1000 = +10%, -500 = -5%).' }),
    overrides: Type.Array(RepricingOverride),
    effectiveMonth: Month('The first invoice month the rule applies to'),
    allowBelowCost: Type.Boolean(),
    createdAt: Instant,
  },
  "A seller's repricing rule for a buyer, a buyer group or (both null) every buyer.",
);

export const RepricingRuleList = Closed({ items: Type.Array(RepricingRule) });

export const BillingLine = Named(
  'BillingLine',
  {
    id: Id,
    invoiceId: Nullable(Type.String({ description: 'The document carrying the line; null until a close.' })),
    invoiceNumber: Nullable(Type.String()),
    eventId: Type.String({ description: 'One cascade: one line per billing relationship shares it.' }),
    referenceId: Type.String({ description: 'Shared by the refund and the charge of one quantity change.' }),
    chargeType: Type.String({ description: `One of: ${CHARGE_TYPES.join(', ')} (more may come).` }),
    chainTier: Type.Integer({ description: "1 = the vendor's sales, 2 = a provider's, 3 = a reseller's." }),
    sellerTenantId: Id,
    buyerTenantId: Id,
    sellerPartnerId: Nullable(Type.Integer()),
    buyerPartnerId: Nullable(Type.Integer()),
    resellerPartnerId: Nullable(Type.Integer()),
    subscriptionId: Id,
    orderId: Id,
    customerTenantId: Id,
    customerCountry: Type.String(),
    productId: Type.String(),
    skuId: Type.String(),
    chargeStartDate: Day('The first day charged'),
    chargeEndDate: Day('The last day charged'),
    quantity: Type.Integer(),
    unitPrice: UnitPrice('Per unit per charge cycle'),
    subtotal: Amount('Before tax; negative for a refund or a credit'),
    taxTotal: Amount('Tax (tax policy none: zero)'),
    total: Amount('Subtotal plus tax'),
    currency: Currency,
    marginAmount: Nullable(
      Amount(
        "This line's amount less the tier above's for the same event; null unless the reader is the line's seller",
      ),
    ),
    sourceLineId: Nullable(
      Type.String({
        description: "The tier above's line for the same event; null unless the reader is the line's seller.",
      }),
    ),
    refundsLineId: Nullable(Type.String({ description: 'The charge line a refund refunds.' })),
    reason: Nullable(Type.String({ description: 'Why a credit was issued.' })),
    period: Month('The billing period of the charge'),
    occurredAt: Instant,
  },
  'One charge, refund or credit between a seller and its buyer.',
);

export const BillingLinePage = Page(BillingLine);

export const Invoice = Named(
  'Invoice',
  {
    id: Id,
    kind: oneOf(INVOICE_KINDS),
    number: Nullable(
      Type.String({
        description: 'Gapless per seller and year, e.g. INV-1000002-2026-000001; null as a draft.',
      }),
    ),
    status: oneOf(INVOICE_STATUSES),
    sellerTenantId: Id,
    buyerTenantId: Id,
    currency: Currency,
    period: Month('The billing period it bills (a credit note: the original invoice’s)'),
    closedInPeriod: Month('The period whose close issues it'),
    originalInvoiceId: Nullable(Type.String({ description: 'A credit note: the invoice it credits.' })),
    taxPolicy: oneOf(['none'] as const, 'No tax is computed in this version.'),
    taxExclusive: Type.Literal(true),
    lineCount: Type.Integer({
      description: 'A draft: its lines so far (lines go on drafts as they are rated).',
    }),
    subtotal: Amount('The sum of its lines (a draft: so far)'),
    taxTotal: Amount('Tax (tax policy none: zero)'),
    total: Amount('Subtotal plus tax'),
    issuedAt: Nullable(Instant),
    voidedAt: Nullable(Instant),
    voidReason: Nullable(Type.String()),
    createdAt: Instant,
  },
  'An invoice or a credit note: one per (seller, buyer, currency, period); immutable once issued.',
);

export const InvoicePage = Page(Invoice);

export const CloseReport = Named(
  'CloseReport',
  {
    period: Month('The period asked for'),
    alreadyClosed: Type.Boolean({ description: 'It was closed before: nothing was done.' }),
    periodsClosed: Type.Array(Type.String(), {
      description: 'The periods closed by this call, oldest first (earlier months with open lines, then it).',
    }),
    documentsIssued: Type.Integer(),
    linesBilled: Type.Integer({ description: 'The lines on the documents issued.' }),
  },
  'What closing a billing period did.',
);

/** A dry run of a close changes nothing: whether the close may run, and whether the period is closed. */
export const CloseCheck = Named('CloseCheck', {
  period: Month('The period asked for'),
  closed: Type.Boolean({ description: 'Closed already: a close would do nothing.' }),
});
