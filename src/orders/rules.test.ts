import { describe, expect, it } from 'vitest';
import type { Availability, Product, Sku } from '../catalog/model.ts';
import { violation } from '../kernel/outcome.ts';
import type { Market } from '../program/regions.ts';
import type { ChainParty } from './model.ts';
import { checkCatalogLine, currencyViolation, mergeLineViolations, salesChain } from './rules.ts';

const FR: Market = { country: 'FR', name: 'France', currency: 'EUR', region: 'europe' };
const product: Product = {
  id: 'P1',
  title: 'Seats',
  description: '',
  publisherKind: 'first-party',
  publisherName: 'Vendor',
  ownerTenantId: null,
};
const sku: Sku = {
  id: 'P1:0001',
  productId: 'P1',
  title: 'Seat',
  billing: 'license',
  minQuantity: 1,
  maxQuantity: 10,
};
const availability: Availability = {
  id: 'P1:0001:FR',
  skuId: sku.id,
  productId: 'P1',
  country: 'FR',
  currency: 'EUR',
  prices: [{ termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: 500 }],
};
const line = {
  catalogItemId: sku.id,
  quantity: 2,
  termDuration: 'P1Y' as const,
  billingCycle: 'monthly' as const,
};
const codes = (r: { violations: { code: string; field?: string }[] }) =>
  r.violations.map((v) => [v.code, v.field]);

describe('checkCatalogLine', () => {
  it('prices a line sold in the market with its term and quantity', () => {
    const r = checkCatalogLine(line, { product, sku, availability }, FR, ['seller'], 'lines[0]');
    expect(r).toEqual({ price: availability.prices[0], violations: [] });
  });

  it('OFFER_NOT_FOUND: no such item, or another partner’s value-added service', () => {
    expect(codes(checkCatalogLine(line, undefined, FR, ['seller'], 'lines[0]'))).toEqual([
      ['OFFER_NOT_FOUND', 'lines[0].catalogItemId'],
    ]);
    const service = { ...product, publisherKind: 'partner-service' as const, ownerTenantId: 'other' };
    expect(
      codes(checkCatalogLine(line, { product: service, sku, availability }, FR, ['seller'], 'l')),
    ).toEqual([['OFFER_NOT_FOUND', 'l.catalogItemId']]);
    const own = { ...service, ownerTenantId: 'seller' };
    expect(
      checkCatalogLine(line, { product: own, sku, availability }, FR, ['seller'], 'l').violations,
    ).toEqual([]);
  });

  it('OFFER_NOT_AVAILABLE_IN_MARKET when the SKU has no availability in the customer’s country', () => {
    expect(codes(checkCatalogLine(line, { product, sku, availability: undefined }, FR, [], 'l'))).toEqual([
      ['OFFER_NOT_AVAILABLE_IN_MARKET', 'l.catalogItemId'],
    ]);
  });

  it('every other problem at once: currency, term, quantity', () => {
    const r = checkCatalogLine(
      { ...line, quantity: 11, termDuration: 'P3Y' },
      { product, sku, availability: { ...availability, currency: 'USD' } },
      FR,
      [],
      'l',
    );
    expect(codes(r)).toEqual([
      ['CURRENCY_MISMATCH', 'l.catalogItemId'],
      ['TERM_NOT_OFFERED', 'l.termDuration'],
      ['QUANTITY_OUT_OF_RANGE', 'l.quantity'],
    ]);
    expect(r.violations[1]?.remedies[0]).toBe('Choose one of: P1Y billed monthly.');
  });

  it('the order currency must be the market’s', () => {
    expect(currencyViolation(undefined, FR)).toBeUndefined();
    expect(currencyViolation('EUR', FR)).toBeUndefined();
    expect(currencyViolation('USD', FR)?.code).toBe('CURRENCY_MISMATCH');
  });
});

describe('salesChain', () => {
  const party = (tenantId: string, role: ChainParty['role']): ChainParty => ({
    tenantId,
    role,
    partnerId: null,
    name: tenantId,
  });
  const [v, p, r, c] = [
    party('v', 'vendor'),
    party('p', 'indirect-provider'),
    party('r', 'indirect-reseller'),
    party('c', 'customer'),
  ];
  it('vendor → provider → reseller → customer, or vendor → direct-bill → customer', () => {
    expect(salesChain(v, p, r, c, null).map((x) => x.tenantId)).toEqual(['v', 'p', 'r', 'c']);
    expect(salesChain(v, party('d', 'direct-bill'), undefined, c, null).map((x) => x.tenantId)).toEqual([
      'v',
      'd',
      'c',
    ]);
  });
  it('a value-added service starts at the partner that owns it and never reaches the vendor', () => {
    expect(salesChain(v, p, r, c, 'r').map((x) => x.tenantId)).toEqual(['r', 'c']);
    expect(salesChain(v, p, r, c, 'p').map((x) => x.tenantId)).toEqual(['p', 'r', 'c']);
  });
});

describe('mergeLineViolations', () => {
  it('keeps one of identical violations and every different one', () => {
    const a = violation('MPA_NOT_SIGNED', 'same', { field: 'lines[0]' });
    const b = violation('MPA_NOT_SIGNED', 'same', { field: 'lines[1]' });
    const c = violation('QUANTITY_OUT_OF_RANGE', 'other', { field: 'lines[1].quantity' });
    expect(mergeLineViolations([a, b, c])).toEqual([a, c]);
  });
});
