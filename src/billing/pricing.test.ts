import { describe, expect, it } from 'vitest';
import type { SalesChain } from '../orders/model.ts';
import {
  applyAdjustment,
  billingRelationships,
  type PriceKey,
  type PriceListEntry,
  priceChain,
  type RepricingRule,
  rangesOverlap,
  ruleFor,
  type SellerPricing,
} from './pricing.ts';

const chain: SalesChain = [
  { tenantId: 'V', role: 'vendor', partnerId: null, name: 'Vendor' },
  { tenantId: 'P', role: 'indirect-provider', partnerId: 1, name: 'Provider' },
  { tenantId: 'R', role: 'indirect-reseller', partnerId: 2, name: 'Reseller' },
  { tenantId: 'C', role: 'customer', partnerId: null, name: 'Customer' },
];
const key: PriceKey = {
  productId: 'PROD',
  skuId: 'PROD:1',
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  country: 'FR',
  currency: 'EUR',
};
const entry = (seller: string, micros: bigint, extra: Partial<PriceListEntry> = {}): PriceListEntry => ({
  ...key,
  id: `${seller}-${micros}`,
  sellerTenantId: seller,
  unitPriceMicros: micros,
  erpMicros: null,
  effectiveFrom: '2026-01-01',
  effectiveTo: null,
  ...extra,
});
const rule = (extra: Partial<RepricingRule>): RepricingRule => ({
  id: 'r',
  sellerTenantId: 'P',
  buyerTenantId: null,
  buyerGroup: null,
  basis: 'cost',
  adjustmentBps: 1000,
  overrides: [],
  effectiveMonth: '2026-01',
  allowBelowCost: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const sellers = (m: Record<string, Partial<SellerPricing>>) =>
  new Map(
    Object.entries(m).map(([k, v]) => [
      k,
      { entries: [], rules: [], groups: new Map(), ...v } as SellerPricing,
    ]),
  );
const price = (s: Map<string, SellerPricing>, extra: Record<string, unknown> = {}) =>
  priceChain({
    chain,
    key,
    date: '2026-02-10',
    catalogPriceMinor: 1000,
    sellers: s,
    programDefault: null,
    ...extra,
  });

describe('pricing', () => {
  it('tiers: vendor 1, provider 2, reseller 3; a service starts at its owner', () => {
    expect(billingRelationships(chain).map((r) => [r.tier, r.sellerTenantId, r.buyerTenantId])).toEqual([
      [1, 'V', 'P'],
      [2, 'P', 'R'],
      [3, 'R', 'C'],
    ]);
    expect(billingRelationships(chain.slice(2)).map((r) => r.tier)).toEqual([3]);
  });

  it('the vendor prices at the catalog list price; cost of each tier is the price of the tier above', () => {
    const out = price(sellers({ P: { rules: [rule({})] }, R: { entries: [entry('R', 12_000_000n)] } }));
    expect(out.ok && out.value.map((t) => [t.unitPriceMicros, t.costMicros, t.source])).toEqual([
      [10_000_000n, null, 'catalog'],
      [11_000_000n, 10_000_000n, 'rule'],
      [12_000_000n, 11_000_000n, 'price-list'],
    ]);
  });

  it('an explicit entry beats a rule; a vendor entry replaces the catalog price and carries the ERP', () => {
    const out = price(
      sellers({
        V: { entries: [entry('V', 9_000_000n, { erpMicros: 15_000_000n })] },
        P: { entries: [entry('P', 9_500_000n)], rules: [rule({ adjustmentBps: 5000 })] },
        R: { rules: [rule({ sellerTenantId: 'R', basis: 'erp', adjustmentBps: 0 })] },
      }),
    );
    expect(out.ok && out.value.map((t) => t.unitPriceMicros)).toEqual([9_000_000n, 9_500_000n, 15_000_000n]);
  });

  it('entries apply on [from, to); overlapping ranges are detected', () => {
    const ended = entry('P', 20_000_000n, { effectiveTo: '2026-02-10' });
    const out = price(
      sellers({ P: { entries: [ended], rules: [rule({})] }, R: { rules: [rule({ sellerTenantId: 'R' })] } }),
    );
    expect(out.ok && out.value[1]?.source).toBe('rule');
    expect(rangesOverlap(ended, { effectiveFrom: '2026-02-10', effectiveTo: null })).toBe(false);
    expect(rangesOverlap(ended, { effectiveFrom: '2026-02-09', effectiveTo: '2026-02-11' })).toBe(true);
    expect(
      rangesOverlap(
        { effectiveFrom: '2026-01-01', effectiveTo: null },
        { effectiveFrom: '2030-01-01', effectiveTo: null },
      ),
    ).toBe(true);
  });

  it('rule target: buyer, then group, then everyone; the latest effective month; none from a future month', () => {
    const pricing: SellerPricing = {
      entries: [],
      groups: new Map([['gold', new Set(['R'])]]),
      rules: [
        rule({ id: 'everyone', adjustmentBps: 100 }),
        rule({ id: 'gold', buyerGroup: 'gold', adjustmentBps: 200 }),
        rule({ id: 'gold-later', buyerGroup: 'gold', adjustmentBps: 300, effectiveMonth: '2026-02' }),
        rule({ id: 'future', buyerTenantId: 'R', adjustmentBps: 400, effectiveMonth: '2026-03' }),
      ],
    };
    expect(ruleFor(pricing, 'R', '2026-01')?.id).toBe('gold');
    expect(ruleFor(pricing, 'R', '2026-02')?.id).toBe('gold-later');
    expect(ruleFor(pricing, 'R', '2026-03')?.id).toBe('future');
    expect(ruleFor(pricing, 'X', '2026-03')?.id).toBe('everyone');
  });

  it('SKU-group overrides: the first match wins over the rule’s own adjustment', () => {
    const r = rule({
      overrides: [
        { productIds: [], skuIds: ['PROD:1'], basis: 'cost', adjustmentBps: 2500 },
        { productIds: ['PROD'], skuIds: [], basis: 'cost', adjustmentBps: 9000 },
      ],
    });
    const out = price(
      sellers({ P: { rules: [r] }, R: { rules: [rule({ sellerTenantId: 'R', adjustmentBps: 0 })] } }),
    );
    expect(out.ok && out.value[1]?.unitPriceMicros).toBe(12_500_000n);
  });

  it('PRICE_NOT_FOUND names the tier; the program default fills in when a seller has nothing', () => {
    const none = price(sellers({}));
    expect(!none.ok && none.violations.map((v) => v.code)).toEqual(['PRICE_NOT_FOUND']);
    expect(!none.ok && none.violations[0]?.message).toContain('Provider has no price for Reseller');
    const byDefault = price(sellers({}), { programDefault: { basis: 'erp', adjustmentBps: 0 } });
    expect(byDefault.ok && byDefault.value.map((t) => [t.unitPriceMicros, t.source])).toEqual([
      [10_000_000n, 'catalog'],
      [10_000_000n, 'program-default'],
      [10_000_000n, 'program-default'],
    ]);
  });

  it('below cost: refused, unless the rule allows it; at renewal raised to cost', () => {
    const cheap = sellers({
      P: { entries: [entry('P', 9_000_000n)] },
      R: { rules: [rule({ sellerTenantId: 'R' })] },
    });
    const refused = price(cheap);
    expect(!refused.ok && refused.violations.map((v) => v.code)).toEqual(['PRICE_BELOW_COST']);
    const floored = price(cheap, { floorAtCost: true });
    expect(floored.ok && floored.value[1]?.unitPriceMicros).toBe(10_000_000n);
    const allowed = price(
      sellers({
        P: { rules: [rule({ adjustmentBps: -500, allowBelowCost: true })] },
        R: { rules: [rule({ sellerTenantId: 'R' })] },
      }),
    );
    expect(allowed.ok && allowed.value[1]?.unitPriceMicros).toBe(9_500_000n);
  });

  it('adjustments round once, half-up on the magnitude', () => {
    expect(applyAdjustment(5n, 1000)).toBe(6n); // 5.5 → 6
    expect(applyAdjustment(-5n, 1000)).toBe(-6n); // −5.5 → −6
    expect(applyAdjustment(3n, 1000)).toBe(3n); // 3.3 → 3
    expect(applyAdjustment(10_000_000n, -10_000)).toBe(0n);
  });
});
