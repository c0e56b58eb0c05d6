import { describe, expect, it } from 'vitest';
import type { SalesChain } from '../orders/model.ts';
import { samePricesOrNew, type TermPrices } from './model.ts';
import type { TierPrice } from './pricing.ts';

const chain = (): SalesChain => [
  { tenantId: 'V', role: 'vendor', partnerId: null, name: 'Vendor' },
  { tenantId: 'D', role: 'direct-bill', partnerId: 1, name: 'Direct' },
  { tenantId: 'C', role: 'customer', partnerId: null, name: 'Customer' },
];
const prices = (resale = 6_000_000n): TierPrice[] => [
  {
    tier: 1,
    sellerTenantId: 'V',
    buyerTenantId: 'D',
    unitPriceMicros: 5_000_000n,
    costMicros: null,
    erpMicros: 6_000_000n,
    source: 'catalog',
    sourceId: null,
  },
  {
    tier: 2,
    sellerTenantId: 'D',
    buyerTenantId: 'C',
    unitPriceMicros: resale,
    costMicros: 5_000_000n,
    erpMicros: 6_000_000n,
    source: 'rule',
    sourceId: 'rule-1',
  },
];

describe('term prices at renewal', () => {
  const term: TermPrices = { chain: chain(), prices: prices() };

  it('equal chain and prices (other objects, as a repricing makes them): the term itself', () => {
    expect(samePricesOrNew(term, chain(), prices())).toBe(term);
  });

  it('a price that moved, a party renamed or a tier fewer: new term prices, as given', () => {
    const moved = prices(6_500_000n);
    const repriced = samePricesOrNew(term, term.chain, moved);
    expect(repriced).not.toBe(term);
    expect(repriced).toEqual({ chain: term.chain, prices: moved });
    const renamed = chain().map((p) => (p.tenantId === 'D' ? { ...p, name: 'Direct Ltd' } : p));
    expect(samePricesOrNew(term, renamed, prices())).toEqual({ chain: renamed, prices: prices() });
    expect(samePricesOrNew(term, chain(), prices().slice(0, 1))).not.toBe(term);
  });
});
