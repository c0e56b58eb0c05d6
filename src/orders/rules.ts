/**
 * Pure checks of an order line against the catalog: the item exists and this party may sell it,
 * it is available in the customer's market, in the market's currency, with this term and billing
 * cycle, in a quantity the SKU allows. The channel rules (who may sell to whom) are
 * `decideOrderLine` in `rules/decisions.ts`; the service runs both on every line.
 */
import type { Availability, BillingCycle, PricePoint, Product, Sku, TermDuration } from '../catalog/model.ts';
import { type Violation, violation } from '../kernel/outcome.ts';
import type { Market } from '../program/regions.ts';
import type { ChainParty, SalesChain } from './model.ts';

export interface RequestedLine {
  readonly catalogItemId: string;
  readonly quantity: number;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
}

export interface CatalogFacts {
  readonly product: Product;
  readonly sku: Sku;
  /** The SKU's availability in the customer's market, if any. */
  readonly availability: Availability | undefined;
}

const describeTerm = (p: Pick<PricePoint, 'termDuration' | 'billingCycle'>) =>
  `${p.termDuration ?? 'no term'} billed ${p.billingCycle}`;

/**
 * The price point of a line, or every violation of the line against the catalog. `sellers` are the
 * partners on the line's chain whose own value-added services it may carry.
 */
export function checkCatalogLine(
  line: RequestedLine,
  found: CatalogFacts | undefined,
  market: Market,
  sellers: readonly string[],
  field: string,
): { price: PricePoint | undefined; violations: Violation[] } {
  const notFound = violation('OFFER_NOT_FOUND', `No catalog item ${line.catalogItemId} you may sell.`, {
    field: `${field}.catalogItemId`,
    remedies: ['List the offers of the customer’s market (GET /v1/catalog/offers?country=…) and pick one.'],
  });
  if (!found) return { price: undefined, violations: [notFound] };
  const { product, sku, availability } = found;
  if (product.ownerTenantId !== null && !sellers.includes(product.ownerTenantId))
    return { price: undefined, violations: [notFound] };
  if (!availability) {
    return {
      price: undefined,
      violations: [
        violation(
          'OFFER_NOT_AVAILABLE_IN_MARKET',
          `${product.title} (${sku.title}) is not available in ${market.name} (${market.country}), the customer's market.`,
          {
            field: `${field}.catalogItemId`,
            remedies: [`Choose an offer available in ${market.country}.`],
          },
        ),
      ],
    };
  }
  const out: Violation[] = [];
  if (availability.currency !== market.currency) {
    out.push(
      violation(
        'CURRENCY_MISMATCH',
        `${product.title} is priced in ${availability.currency} in ${market.country}; the market transacts in ${market.currency}.`,
        { field: `${field}.catalogItemId`, remedies: ['Ask the program operator to correct the catalog.'] },
      ),
    );
  }
  const price = availability.prices.find(
    (p) => p.termDuration === line.termDuration && p.billingCycle === line.billingCycle,
  );
  if (!price) {
    out.push(
      violation(
        'TERM_NOT_OFFERED',
        `${sku.title} is not sold with ${describeTerm(line)} in ${market.country}.`,
        {
          field: `${field}.termDuration`,
          remedies: [`Choose one of: ${availability.prices.map(describeTerm).join('; ')}.`],
        },
      ),
    );
  }
  if (line.quantity < sku.minQuantity || line.quantity > sku.maxQuantity) {
    out.push(quantityViolation(sku, line.quantity, `${field}.quantity`));
  }
  return { price, violations: out };
}

export function quantityViolation(sku: Sku, quantity: number, field: string): Violation {
  return violation(
    'QUANTITY_OUT_OF_RANGE',
    `${sku.title} is sold in quantities from ${sku.minQuantity} to ${sku.maxQuantity}; ${quantity} was asked.`,
    { field, remedies: [`Choose a quantity from ${sku.minQuantity} to ${sku.maxQuantity}.`] },
  );
}

/** The order's currency must be the market's (when the caller states one). */
export function currencyViolation(stated: string | undefined, market: Market): Violation | undefined {
  if (stated === undefined || stated === market.currency) return undefined;
  return violation(
    'CURRENCY_MISMATCH',
    `Customers in ${market.name} (${market.country}) transact in ${market.currency}, not ${stated}.`,
    { field: 'currency', remedies: [`Order in ${market.currency}, or omit the currency.`] },
  );
}

/**
 * The chain of a line: vendor → seller (→ partner of record) → customer; a value-added service
 * starts at the partner that owns it.
 */
export function salesChain(
  vendor: ChainParty,
  seller: ChainParty,
  partnerOfRecord: ChainParty | undefined,
  customer: ChainParty,
  serviceOwnerTenantId: string | null,
): SalesChain {
  const full = [vendor, seller, ...(partnerOfRecord ? [partnerOfRecord] : []), customer];
  if (serviceOwnerTenantId === null) return full;
  const from = full.findIndex((p) => p.tenantId === serviceOwnerTenantId);
  return from < 0 ? full : full.slice(from);
}

/**
 * Identical violations of several lines (the same seller, customer or reseller fact) are reported
 * once, naming the first line; different ones are all kept.
 */
export function mergeLineViolations(violations: readonly Violation[]): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const v of violations) {
    const key = `${v.code}\n${v.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}
