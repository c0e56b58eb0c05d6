/**
 * The catalog: products and their SKUs, available per market (country) at a list price in the
 * market's currency. An offer is first-party (the vendor's), third-party (a publisher's, listed on
 * the vendor's marketplace) or a partner's own value-added service, which never reaches the vendor.
 *
 * Prices are integers in the currency's minor unit, per charge cycle (a monthly-billed annual
 * seat costs `unitPriceMinor` each month). No floats anywhere.
 */
import type { CountryCode, CurrencyCode } from '../program/regions.ts';

export const PUBLISHER_KINDS = ['first-party', 'third-party', 'partner-service'] as const;
export type PublisherKind = (typeof PUBLISHER_KINDS)[number];

/** `license`: per seat, with a term; `usage`: metered, no term, billed monthly in arrears. */
export const BILLING_MODELS = ['license', 'usage'] as const;
export type BillingModel = (typeof BILLING_MODELS)[number];

/** ISO-8601 durations of a license term. */
export const TERM_DURATIONS = ['P1M', 'P1Y', 'P3Y'] as const;
export type TermDuration = (typeof TERM_DURATIONS)[number];

export const BILLING_CYCLES = ['monthly', 'annual'] as const;
export type BillingCycle = (typeof BILLING_CYCLES)[number];

/** The months a term lasts. */
export const TERM_MONTHS: Readonly<Record<TermDuration, number>> = { P1M: 1, P1Y: 12, P3Y: 36 };

export interface Product {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly publisherKind: PublisherKind;
  readonly publisherName: string;
  /** The partner tenant owning a value-added service; null for the vendor's marketplace. */
  readonly ownerTenantId: string | null;
}

export interface Sku {
  /** `<productId>:<skuCode>`: the `catalogItemId` order lines name. */
  readonly id: string;
  readonly productId: string;
  readonly title: string;
  readonly billing: BillingModel;
  readonly minQuantity: number;
  readonly maxQuantity: number;
}

/** One purchasable combination: a term (none for usage) and a billing cycle, at a list price. */
export interface PricePoint {
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
  /** List price per unit per charge cycle, in the currency's minor unit. */
  readonly unitPriceMinor: number;
}

export interface Availability {
  readonly id: string;
  readonly skuId: string;
  readonly productId: string;
  readonly country: CountryCode;
  readonly currency: CurrencyCode;
  readonly prices: readonly PricePoint[];
}

/** A SKU as sold in one market: what a catalog listing shows and an order line is checked against. */
export interface Offer {
  readonly product: Product;
  readonly sku: Sku;
  readonly availability: Availability;
}
