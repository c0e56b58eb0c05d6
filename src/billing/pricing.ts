/**
 * Prices down the chain, as plain functions over data.
 *
 * Every seller has a **price list**: entries keyed (product, SKU, term, billing cycle, market,
 * currency) → unit price per charge cycle in micro-units, an optional ERP (suggested retail), and
 * effective dates `[from, to)`. The vendor's list is what its buyers pay; where the vendor has no
 * entry, the catalog's list price of the market is its price and ERP.
 *
 * A seller's **repricing rules** price what its list does not: for one buyer, a buyer group or
 * everyone, from a basis (`cost`: what the seller pays for the same item on this chain, or `erp`)
 * adjusted by basis points, with SKU-group overrides (first match wins), from an effective invoice
 * month. The most specific target wins (buyer, then group, then everyone); within a target, the
 * latest effective month. An explicit price-list entry beats any rule. A price below cost is
 * refused unless the rule allows it (`allowBelowCost`). No price at all is `PRICE_NOT_FOUND`.
 */
import type { TermDuration } from '../catalog/model.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import type { SalesChain } from '../orders/model.ts';
import { divideRounded, minorToMicros } from './money.ts';

/** What a price is for. `termDuration` is null for usage-based SKUs. */
export interface PriceKey {
  readonly productId: string;
  readonly skuId: string;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: string;
  readonly country: string;
  readonly currency: string;
}

export interface PriceListEntry extends PriceKey {
  readonly id: string;
  readonly sellerTenantId: string;
  readonly unitPriceMicros: bigint;
  readonly erpMicros: bigint | null;
  /** First day the entry applies (`YYYY-MM-DD`, UTC). */
  readonly effectiveFrom: string;
  /** First day it no longer applies; null = open-ended. */
  readonly effectiveTo: string | null;
}

export const PRICE_BASES = ['cost', 'erp'] as const;
export type PriceBasis = (typeof PRICE_BASES)[number];

/** A rule's adjustment for a group of SKUs (by product or SKU id). */
export interface RepricingOverride {
  readonly productIds: readonly string[];
  readonly skuIds: readonly string[];
  readonly basis: PriceBasis;
  readonly adjustmentBps: number;
}

export interface RepricingRule {
  readonly id: string;
  readonly sellerTenantId: string;
  /** Exactly one target: a buyer, a buyer group, or (both null) everyone. */
  readonly buyerTenantId: string | null;
  readonly buyerGroup: string | null;
  readonly basis: PriceBasis;
  readonly adjustmentBps: number;
  readonly overrides: readonly RepricingOverride[];
  /** First invoice month the rule applies to (`YYYY-MM`). */
  readonly effectiveMonth: string;
  readonly allowBelowCost: boolean;
  readonly createdAt: string;
}

/** How one tier's unit price was found. */
export type PriceSource = 'price-list' | 'catalog' | 'rule' | 'program-default';

/** One billing relationship of a chain, priced: locked on the subscription for the term. */
export interface TierPrice {
  /** 1 = the vendor's sales, 2 = a provider's or direct-bill partner's, 3 = a reseller's. */
  readonly tier: number;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly unitPriceMicros: bigint;
  /** What the seller pays per unit for the same item (the tier above); null at the top of the chain. */
  readonly costMicros: bigint | null;
  /** The nearest ERP known down to this tier. */
  readonly erpMicros: bigint | null;
  readonly source: PriceSource;
  /** The price-list entry or rule that set the price. */
  readonly sourceId: string | null;
}

/** Everything the resolution needs about the sellers of one chain, loaded by the caller. */
export interface SellerPricing {
  readonly entries: readonly PriceListEntry[];
  readonly rules: readonly RepricingRule[];
  /** Buyer groups the seller put buyers in: group name → member tenant ids. */
  readonly groups: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A program-wide fallback rule for sellers without their own (policy); null = none. */
export interface DefaultRepricing {
  readonly basis: PriceBasis;
  readonly adjustmentBps: number;
}

const BPS = 10_000n;

/** The tier number of a chain's top seller: the vendor 1, a provider or direct-bill partner 2, a reseller 3. */
export function topTier(chain: SalesChain): number {
  const role = chain[0]?.role;
  if (role === 'vendor') return 1;
  if (role === 'indirect-reseller') return 3;
  return 2;
}

/** The billing relationships of a chain, top down: (seller, buyer) pairs with their tier numbers. */
export function billingRelationships(
  chain: SalesChain,
): { tier: number; sellerTenantId: string; buyerTenantId: string }[] {
  const top = topTier(chain);
  const out: { tier: number; sellerTenantId: string; buyerTenantId: string }[] = [];
  for (let i = 0; i + 1 < chain.length; i++) {
    const seller = chain[i];
    const buyer = chain[i + 1];
    if (seller && buyer)
      out.push({ tier: top + i, sellerTenantId: seller.tenantId, buyerTenantId: buyer.tenantId });
  }
  return out;
}

/** Do two `[from, to)` date ranges (to null = open) overlap? */
export function rangesOverlap(
  a: Pick<PriceListEntry, 'effectiveFrom' | 'effectiveTo'>,
  b: Pick<PriceListEntry, 'effectiveFrom' | 'effectiveTo'>,
): boolean {
  const aEndsAfterBStarts = a.effectiveTo === null || a.effectiveTo > b.effectiveFrom;
  const bEndsAfterAStarts = b.effectiveTo === null || b.effectiveTo > a.effectiveFrom;
  return aEndsAfterBStarts && bEndsAfterAStarts;
}

export function sameKey(a: PriceKey, b: PriceKey): boolean {
  return (
    a.productId === b.productId &&
    a.skuId === b.skuId &&
    a.termDuration === b.termDuration &&
    a.billingCycle === b.billingCycle &&
    a.country === b.country &&
    a.currency === b.currency
  );
}

/** The entry of a seller's list for `key` on `date` (`YYYY-MM-DD`), if any. */
export function entryOn(
  entries: readonly PriceListEntry[],
  key: PriceKey,
  date: string,
): PriceListEntry | undefined {
  return entries.find(
    (e) => sameKey(e, key) && e.effectiveFrom <= date && (e.effectiveTo === null || date < e.effectiveTo),
  );
}

/** The rule that prices `buyer` in `month` (`YYYY-MM`): buyer, then group, then everyone; latest month first. */
export function ruleFor(
  pricing: SellerPricing,
  buyerTenantId: string,
  month: string,
): RepricingRule | undefined {
  const live = pricing.rules.filter((r) => r.effectiveMonth <= month);
  const latest = (rs: RepricingRule[]) =>
    rs.sort(
      (a, b) =>
        b.effectiveMonth.localeCompare(a.effectiveMonth) ||
        b.createdAt.localeCompare(a.createdAt) ||
        b.id.localeCompare(a.id),
    )[0];
  const forBuyer = latest(live.filter((r) => r.buyerTenantId === buyerTenantId));
  if (forBuyer) return forBuyer;
  const forGroup = latest(
    live.filter((r) => r.buyerGroup !== null && pricing.groups.get(r.buyerGroup)?.has(buyerTenantId)),
  );
  if (forGroup) return forGroup;
  return latest(live.filter((r) => r.buyerTenantId === null && r.buyerGroup === null));
}

/** The basis and adjustment a rule applies to a SKU: the first matching override, else the rule's own. */
export function adjustmentFor(
  rule: Pick<RepricingRule, 'basis' | 'adjustmentBps' | 'overrides'>,
  key: Pick<PriceKey, 'productId' | 'skuId'>,
): { basis: PriceBasis; adjustmentBps: number } {
  const o = rule.overrides.find((x) => x.skuIds.includes(key.skuId) || x.productIds.includes(key.productId));
  return o
    ? { basis: o.basis, adjustmentBps: o.adjustmentBps }
    : { basis: rule.basis, adjustmentBps: rule.adjustmentBps };
}

/** `basis × (1 + bps/10 000)`, rounded once (half-up on the magnitude) to the micro-unit. */
export function applyAdjustment(basisMicros: bigint, adjustmentBps: number): bigint {
  return divideRounded(basisMicros * (BPS + BigInt(adjustmentBps)), BPS);
}

export interface ChainPricingInput {
  readonly chain: SalesChain;
  readonly key: PriceKey;
  /** The day prices are taken on (`YYYY-MM-DD`); rules by its month. */
  readonly date: string;
  /** The catalog list price of the market, in minor units (the top seller's price when it has no entry). */
  readonly catalogPriceMinor: number;
  /** Each seller's price list, rules and groups, by tenant id. */
  readonly sellers: ReadonlyMap<string, SellerPricing>;
  readonly programDefault: DefaultRepricing | null;
  /** Field name for violations (`lines[0]`). */
  readonly field?: string;
  /** At renewal: a price below cost (not allowed) is raised to the cost instead of refused. */
  readonly floorAtCost?: boolean;
}

/**
 * Prices every billing relationship of a chain on a date, top down: each tier's cost is the price
 * of the tier above. Refuses with `PRICE_NOT_FOUND` (no entry, no rule, no default) or
 * `PRICE_BELOW_COST` for each tier that fails, naming it.
 */
export function priceChain(input: ChainPricingInput): Outcome<TierPrice[]> {
  const { chain, key, date } = input;
  const month = date.slice(0, 7);
  const out: TierPrice[] = [];
  const violations: Violation[] = [];
  let cost = null as bigint | null;
  let erp = null as bigint | null;
  const where = `${key.skuId} (${key.termDuration ?? 'usage'}, ${key.billingCycle}) in ${key.country}/${key.currency}`;
  for (const rel of billingRelationships(chain)) {
    const pricing = input.sellers.get(rel.sellerTenantId) ?? { entries: [], rules: [], groups: new Map() };
    const seller = chain.find((p) => p.tenantId === rel.sellerTenantId);
    const buyer = chain.find((p) => p.tenantId === rel.buyerTenantId);
    const sellerName = seller?.name ?? rel.sellerTenantId;
    const entry = entryOn(pricing.entries, key, date);
    const list = minorToMicros(BigInt(input.catalogPriceMinor), key.currency);
    let price:
      | {
          unit: bigint;
          erp: bigint | null;
          source: PriceSource;
          sourceId: string | null;
          belowCostAllowed: boolean;
        }
      | undefined;
    if (entry) {
      const inherited: bigint | null = entry.erpMicros ?? erp ?? (cost === null ? list : null);
      price = {
        unit: entry.unitPriceMicros,
        erp: inherited,
        source: 'price-list',
        sourceId: entry.id,
        belowCostAllowed: false,
      };
    } else if (cost === null) {
      // The top of the chain (the vendor, or the owner of a value-added service): the catalog's list price.
      price = { unit: list, erp: list, source: 'catalog', sourceId: null, belowCostAllowed: false };
    } else {
      const rule = ruleFor(pricing, rel.buyerTenantId, month);
      const adj = rule ? adjustmentFor(rule, key) : input.programDefault;
      if (adj) {
        const basis: bigint | null = adj.basis === 'cost' ? cost : erp;
        if (basis !== null)
          price = {
            unit: applyAdjustment(basis, adj.adjustmentBps),
            erp,
            source: rule ? 'rule' : 'program-default',
            sourceId: rule?.id ?? null,
            belowCostAllowed: rule?.allowBelowCost ?? false,
          };
      }
    }
    if (!price) {
      violations.push(
        violation(
          'PRICE_NOT_FOUND',
          `${sellerName} has no price for ${buyer?.name ?? rel.buyerTenantId} on ${where} on ${date}.`,
          {
            ...(input.field ? { field: input.field } : {}),
            remedies: [
              `${sellerName} adds a price list entry for this item (POST /v1/tenants/{id}/price-list).`,
              `${sellerName} adds a repricing rule for this buyer, a group it is in, or everyone (POST /v1/tenants/{id}/repricing-rules).`,
            ],
          },
        ),
      );
      break;
    }
    if (cost !== null && price.unit < cost && !price.belowCostAllowed && input.floorAtCost) {
      price = { ...price, unit: cost };
    } else if (cost !== null && price.unit < cost && !price.belowCostAllowed) {
      violations.push(
        violation('PRICE_BELOW_COST', `${sellerName} would sell ${where} below its cost on ${date}.`, {
          ...(input.field ? { field: input.field } : {}),
          remedies: [
            'Raise the price list entry or the rule adjustment to at least the cost.',
            'Set allowBelowCost on the repricing rule if selling at a loss is intended.',
          ],
        }),
      );
    }
    out.push({
      tier: rel.tier,
      sellerTenantId: rel.sellerTenantId,
      buyerTenantId: rel.buyerTenantId,
      unitPriceMicros: price.unit,
      costMicros: cost,
      erpMicros: price.erp,
      source: price.source,
      sourceId: price.sourceId,
    });
    cost = price.unit;
    erp = price.erp;
  }
  return violations.length > 0 ? refuse(...violations) : accept(out);
}

/** Tier prices as plain JSON values (bigints as decimal strings). */
export function tierPricesToPlain(prices: readonly TierPrice[]): Record<string, unknown>[] {
  return prices.map((p) => ({
    ...p,
    unitPriceMicros: p.unitPriceMicros.toString(),
    costMicros: p.costMicros?.toString() ?? null,
    erpMicros: p.erpMicros?.toString() ?? null,
  }));
}

/** Tier prices from their plain JSON values. */
export function tierPricesFromPlain(raw: readonly Record<string, unknown>[]): TierPrice[] {
  return raw.map((p) => ({
    ...(p as unknown as TierPrice),
    unitPriceMicros: BigInt(p.unitPriceMicros as string),
    costMicros: p.costMicros === null ? null : BigInt(p.costMicros as string),
    erpMicros: p.erpMicros === null ? null : BigInt(p.erpMicros as string),
  }));
}

/** JSON form of tier prices (bigints as decimal strings). */
export function tierPricesToJson(prices: readonly TierPrice[]): string {
  return JSON.stringify(tierPricesToPlain(prices));
}

export function tierPricesFromJson(text: string | null): TierPrice[] {
  if (!text) return [];
  return tierPricesFromPlain(JSON.parse(text) as Record<string, unknown>[]);
}
