/**
 * Billing records: the lines every subscription event writes (one per billing relationship of its
 * sales chain), the documents that carry them (invoices and credit notes, `draft → issued → void`),
 * and each subscription's billing state.
 *
 * One document per (seller, buyer, currency, period). Issued documents are immutable; numbers are
 * gapless per seller and year. A refund of a charge that is already on an issued invoice goes on a
 * credit note for the original period, referencing the original invoice. Tax policy is `none` in
 * this version: `TaxTotal` is zero and every document says it is tax-exclusive.
 */
import type { Instant } from '../kernel/time.ts';
import type { SalesChain } from '../orders/model.ts';
import type { ChargeType } from './charges.ts';
import type { TierPrice } from './pricing.ts';

/** What decides the document a line goes on (`drafts.ts`): its parties, currency, period and refund. */
export type LinePlace = Pick<
  BillingLine,
  'id' | 'sellerTenantId' | 'buyerTenantId' | 'currency' | 'period' | 'refundsLineId'
>;

export interface BillingLine {
  readonly id: string;
  /** One cascade: exactly one line per tier shares it. */
  readonly eventId: string;
  /** Shared by the refund and the charge of one quantity change (Partner Center's `ReferenceId`). */
  readonly referenceId: string;
  readonly chargeType: ChargeType;
  readonly tier: number;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly sellerPartnerId: number | null;
  readonly buyerPartnerId: number | null;
  readonly resellerPartnerId: number | null;
  readonly subscriptionId: string;
  readonly orderId: string;
  readonly customerTenantId: string;
  readonly customerCountry: string;
  readonly productId: string;
  readonly skuId: string;
  readonly chargeStart: string;
  readonly chargeEnd: string;
  readonly quantity: number;
  readonly unitPriceMicros: bigint;
  readonly amount: bigint;
  /** The amount of the tier above's line for the same event (null at the top of the chain). */
  readonly sourceAmount: bigint | null;
  readonly currency: string;
  readonly sourceLineId: string | null;
  readonly refundsLineId: string | null;
  readonly reason: string | null;
  readonly period: string;
  readonly invoiceId: string | null;
  readonly occurredAt: Instant;
  readonly lineNo: number;
}

export const INVOICE_KINDS = ['invoice', 'credit-note'] as const;
export type InvoiceKind = (typeof INVOICE_KINDS)[number];
export const INVOICE_STATUSES = ['draft', 'issued', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface Invoice {
  readonly id: string;
  readonly kind: InvoiceKind;
  readonly number: string | null;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly currency: string;
  readonly period: string;
  readonly closedInPeriod: string;
  readonly originalInvoiceId: string | null;
  readonly status: InvoiceStatus;
  readonly taxPolicy: 'none';
  readonly lineCount: number;
  readonly subtotal: bigint;
  readonly taxTotal: bigint;
  readonly total: bigint;
  readonly issuedAt: Instant | null;
  readonly voidedAt: Instant | null;
  readonly voidReason: string | null;
  readonly createdAt: Instant;
}

/** The prices locked for a subscription's term, with the chain they price. */
export interface TermPrices {
  readonly chain: SalesChain;
  readonly prices: readonly TierPrice[];
}

/**
 * `term` itself when `chain` and `prices` equal its own field by field (a renewal at the same
 * prices: the state keeps the object it read, and the term prices are not written again), else new
 * term prices.
 */
export function samePricesOrNew(
  term: TermPrices,
  chain: SalesChain,
  prices: readonly TierPrice[],
): TermPrices {
  const same =
    chain.length === term.chain.length &&
    chain.every((p, i) => {
      const q = term.chain[i];
      return (
        q !== undefined &&
        p.tenantId === q.tenantId &&
        p.role === q.role &&
        p.partnerId === q.partnerId &&
        p.name === q.name
      );
    }) &&
    prices.length === term.prices.length &&
    prices.every((p, i) => {
      const q = term.prices[i];
      return (
        q !== undefined &&
        p.tier === q.tier &&
        p.sellerTenantId === q.sellerTenantId &&
        p.buyerTenantId === q.buyerTenantId &&
        p.unitPriceMicros === q.unitPriceMicros &&
        p.costMicros === q.costMicros &&
        p.erpMicros === q.erpMicros &&
        p.source === q.source &&
        p.sourceId === q.sourceId
      );
    });
  return same ? term : { chain, prices };
}

/** The charge cycle being billed: what a refund or a quantity change on it works from. */
export interface CycleState {
  readonly index: number;
  readonly start: Instant;
  readonly end: Instant;
  readonly days: number;
  readonly quantity: number;
  readonly chain: SalesChain;
  readonly prices: readonly TierPrice[];
  /** Per tier (in `prices` order), the line that charged `quantity` for this cycle. */
  readonly chargeLineIds: readonly string[];
}

export interface SubscriptionBilling {
  readonly subscriptionId: string;
  readonly customerCountry: string;
  readonly termPrices: TermPrices;
  readonly cycle: CycleState | null;
  readonly nextChargeAt: Instant | null;
}

/** Invariant of a document: its totals are the exact sums of its lines (tax policy `none`). */
export function documentTotals(amounts: Iterable<bigint>): {
  subtotal: bigint;
  taxTotal: bigint;
  total: bigint;
} {
  let subtotal = 0n;
  for (const a of amounts) subtotal += a;
  return { subtotal, taxTotal: 0n, total: subtotal };
}

/** A document number: gapless per seller and year (`INV-1000002-2026-000001`, `CN-…` for credit notes). */
export function documentNumber(kind: InvoiceKind, sellerCode: string, year: number, n: number): string {
  return `${kind === 'invoice' ? 'INV' : 'CN'}-${sellerCode}-${year}-${String(n).padStart(6, '0')}`;
}
