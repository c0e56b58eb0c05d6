import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { parseCatalogFile } from '../src/catalog/import.ts';
import {
  type CatalogItem,
  defineService,
  getOffer,
  importCatalog,
  listOffers,
  loadDemoCatalog,
} from '../src/catalog/service.ts';
import type { Page } from '../src/kernel/pagination.ts';
import { ANONYMOUS, type Principal, SYSTEM } from '../src/kernel/principal.ts';
import { addUser } from '../src/parties/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase } from './support/databases.ts';
import { codes, refusal, rowCounts, snapshot } from './support/snapshot.ts';

const program = defaultProgram();
const ALL_MARKETS = program.catalogue.regions.flatMap((r) => r.markets);
const CURRENCIES = [...new Set(ALL_MARKETS.map((m) => m.currency))].sort();

const BASIC = 'CFQ7TTC0LH18:0001';
const NORTHWIND = 'DZH318Z0BXWC:0001';

type Json = Record<string, unknown>;

/** The object at `path` inside parsed JSON (throws when there is none: a broken fixture). */
function dig(value: unknown, ...path: (string | number)[]): Json {
  let at: unknown = value;
  for (const key of path) at = (at as Record<string | number, unknown> | undefined)?.[key];
  if (at === null || typeof at !== 'object') throw new Error(`no object at ${path.join('.')}`);
  return at as Json;
}

/** The demo catalog, a fresh copy each time (tests edit it). */
function demo(): { catalog: string; products: Json[] } {
  return structuredClone(loadDemoCatalog()) as { catalog: string; products: Json[] };
}

/** A small valid catalog: one license SKU sold in FR and JP. */
function smallFile(): { catalog: string; products: Json[] } {
  return {
    catalog: 'Small',
    products: [
      {
        id: 'PROD1',
        title: 'Product one',
        publisher: 'first-party',
        publisherName: 'Contoso Cloud',
        skus: [
          {
            code: 'A',
            title: 'Seat',
            billing: 'license',
            minQuantity: 1,
            maxQuantity: 10,
            markets: ['FR', 'jp'],
            prices: [
              { termDuration: 'P1Y', billingCycle: 'monthly', unitPrice: { EUR: 500, JPY: 800 } },
              { termDuration: 'P1Y', billingCycle: 'annual', unitPrice: { EUR: 6000, JPY: 9600, USD: 1 } },
            ],
          },
        ],
      },
    ],
  };
}

/** A value-added service definition for `tenantId`. */
function service(tenantId: string, id = 'FABRIKAM-MSP', markets: unknown = ['FR', 'DE']): Json {
  return {
    partnerTenantId: tenantId,
    id,
    title: 'Managed workplace',
    description: 'Helpdesk and device management, 24/7.',
    skus: [
      {
        code: 'STD',
        title: 'Per user',
        billing: 'license',
        minQuantity: 1,
        maxQuantity: 500,
        markets,
        prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 1500 } }],
      },
    ],
  };
}

describe('parseCatalogFile', () => {
  it('builds SKU ids, availability ids and each market’s prices in its currency', () => {
    const out = parseCatalogFile(smallFile(), program);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const [p] = out.value.products;
    expect(out.value.name).toBe('Small');
    expect(p?.product).toEqual({
      id: 'PROD1',
      title: 'Product one',
      description: '',
      publisherKind: 'first-party',
      publisherName: 'Contoso Cloud',
      ownerTenantId: null,
    });
    expect(p?.skus).toEqual([
      {
        id: 'PROD1:A',
        productId: 'PROD1',
        title: 'Seat',
        billing: 'license',
        minQuantity: 1,
        maxQuantity: 10,
      },
    ]);
    expect(p?.availabilities).toEqual([
      {
        id: 'PROD1:A:FR',
        skuId: 'PROD1:A',
        productId: 'PROD1',
        country: 'FR',
        currency: 'EUR',
        prices: [
          { termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: 500 },
          { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 6000 },
        ],
      },
      {
        id: 'PROD1:A:JP',
        skuId: 'PROD1:A',
        productId: 'PROD1',
        country: 'JP',
        currency: 'JPY',
        prices: [
          { termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: 800 },
          { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 9600 },
        ],
      },
    ]);
  });

  it('"all" sells in every market of every region, each in its own currency', () => {
    const file = smallFile();
    const sku = dig(file, 'products', 0, 'skus', 0);
    sku.markets = 'all';
    const everything = Object.fromEntries(CURRENCIES.map((c, i) => [c, 100 + i]));
    sku.prices = [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: everything }];
    const out = parseCatalogFile(file, program);
    if (!out.ok) throw new Error(JSON.stringify(out.violations));
    const availabilities = out.value.products[0]?.availabilities ?? [];
    expect(availabilities).toHaveLength(ALL_MARKETS.length);
    for (const a of availabilities) {
      const market = program.catalogue.market(a.country);
      expect(a.currency).toBe(market?.currency);
      expect(a.prices[0]?.unitPriceMinor).toBe(everything[a.currency]);
    }
  });

  it('accepts a usage SKU with one price point and no term', () => {
    const file = smallFile();
    const sku = dig(file, 'products', 0, 'skus', 0);
    sku.billing = 'usage';
    sku.prices = [{ billingCycle: 'monthly', unitPrice: { EUR: 9, JPY: 15 } }];
    const out = parseCatalogFile(file, program);
    expect(out.ok && out.value.products[0]?.availabilities[1]?.prices).toEqual([
      { termDuration: null, billingCycle: 'monthly', unitPriceMinor: 15 },
    ]);
  });

  it('refuses a file that is not an object, or has no products', () => {
    expect(refusal(parseCatalogFile([], program))).toEqual([{ code: 'INVALID_FIELD', field: '(body)' }]);
    expect(refusal(parseCatalogFile({ catalog: 'x' }, program))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'products' },
    ]);
    expect(refusal(parseCatalogFile({ catalog: 'x', products: [] }, program))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'products' },
    ]);
    expect(refusal(parseCatalogFile({ products: {} }, program))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'catalog' },
      { code: 'INVALID_FIELD', field: 'products' },
    ]);
  });

  it('collects every defect at once, each with its field path', () => {
    const file = {
      catalog: 'Broken',
      version: 2,
      products: [
        {
          id: 'BAD:ID',
          title: '',
          publisher: 'partner-service',
          publisherName: 'X',
          colour: 'red',
          skus: [
            {
              code: 'A',
              title: 'A',
              billing: 'license',
              minQuantity: 0,
              maxQuantity: 10,
              markets: ['FR', 'XX', 'fr', 7],
              prices: [
                { termDuration: 'P1M', billingCycle: 'annual', unitPrice: { EUR: 5.5 } },
                { termDuration: 'P2Y', billingCycle: 'monthly', unitPrice: { EUR: 100, XYZ: 1 } },
                { termDuration: 'P1Y', billingCycle: 'monthly', unitPrice: { EUR: -1 } },
                { termDuration: 'P1Y', billingCycle: 'monthly', unitPrice: { EUR: 100 }, discount: 5 },
              ],
            },
            {
              code: 'A',
              title: 'Usage',
              billing: 'usage',
              minQuantity: 5,
              maxQuantity: 2,
              markets: ['JP'],
              prices: [
                { termDuration: 'P1Y', billingCycle: 'annual', unitPrice: { JPY: 1 } },
                { billingCycle: 'monthly', unitPrice: { EUR: 1 } },
              ],
            },
          ],
        },
        { id: 'P2', title: 'T', publisher: 'first-party', publisherName: 'Y', skus: [] },
        'not a product',
        {
          id: 'P2',
          title: 'T',
          publisher: 'third-party',
          publisherName: 'Y',
          skus: [
            {
              code: 'B',
              title: 'B',
              billing: 'license',
              minQuantity: 1,
              maxQuantity: 1,
              markets: 'some',
              prices: [{ termDuration: 'P1Y', billingCycle: 'weekly', unitPrice: [] }],
            },
          ],
        },
      ],
    };
    const out = parseCatalogFile(file, program);
    expect(refusal(out)).toEqual([
      { code: 'INVALID_FIELD', field: 'version' },
      { code: 'INVALID_FIELD', field: 'products[0].id' },
      { code: 'REQUIRED_FIELD', field: 'products[0].title' },
      { code: 'INVALID_FIELD', field: 'products[0].publisher' },
      { code: 'INVALID_FIELD', field: 'products[0].colour' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].minQuantity' },
      { code: 'UNKNOWN_COUNTRY', field: 'products[0].skus[0].markets[1]' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].markets[2]' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].markets[3]' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[0].billingCycle' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[0].unitPrice.EUR' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[1].termDuration' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[1].unitPrice.XYZ' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[2].unitPrice.EUR' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[3].discount' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[0].prices[3]' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[1].maxQuantity' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[1].prices[0].termDuration' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[1].prices[0].billingCycle' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[1].prices' },
      { code: 'REQUIRED_FIELD', field: 'products[0].skus[1].prices[1].unitPrice.JPY' },
      { code: 'INVALID_FIELD', field: 'products[0].skus[1].code' },
      { code: 'REQUIRED_FIELD', field: 'products[1].skus' },
      { code: 'INVALID_FIELD', field: 'products[2]' },
      { code: 'INVALID_FIELD', field: 'products[3].skus[0].markets' },
      { code: 'INVALID_FIELD', field: 'products[3].skus[0].prices[0].billingCycle' },
      { code: 'INVALID_FIELD', field: 'products[3].skus[0].prices[0].unitPrice' },
      { code: 'INVALID_FIELD', field: 'products[3].id' },
    ]);
  });

  it('names each missing currency once per price point, with its markets', () => {
    const file = smallFile();
    const sku = dig(file, 'products', 0, 'skus', 0);
    sku.markets = 'all';
    const withoutJpy = Object.fromEntries(CURRENCIES.filter((c) => c !== 'JPY').map((c) => [c, 100]));
    const onlyEur = { EUR: 100 };
    sku.prices = [
      { termDuration: 'P1Y', billingCycle: 'monthly', unitPrice: withoutJpy },
      { termDuration: 'P1Y', billingCycle: 'annual', unitPrice: onlyEur },
    ];
    const out = parseCatalogFile(file, program);
    if (out.ok) throw new Error('accepted');
    const first = out.violations.filter((v) => v.field?.startsWith('products[0].skus[0].prices[0]'));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      code: 'REQUIRED_FIELD',
      field: 'products[0].skus[0].prices[0].unitPrice.JPY',
      message: 'products[0].skus[0].prices[0].unitPrice is missing JPY (markets JP)',
    });
    const second = out.violations.filter((v) => v.field?.startsWith('products[0].skus[0].prices[1]'));
    expect(second.map((v) => v.field?.split('.').at(-1)).sort()).toEqual(
      CURRENCIES.filter((c) => c !== 'EUR'),
    );
    expect(second.find((v) => v.field?.endsWith('.USD'))?.message).toMatch(
      /is missing USD \(markets [A-Z]{2}(, [A-Z]{2}){7} and \d+ more\)$/,
    );
  });

  it('refuses a listed market whose currency is missing, naming it', () => {
    const file = smallFile();
    const sku = dig(file, 'products', 0, 'skus', 0);
    sku.markets = ['FR', 'DE', 'GB', 'JP'];
    expect(refusal(parseCatalogFile(file, program))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'products[0].skus[0].prices[0].unitPrice.GBP' },
      { code: 'REQUIRED_FIELD', field: 'products[0].skus[0].prices[1].unitPrice.GBP' },
    ]);
    const out = parseCatalogFile(file, program);
    expect(!out.ok && out.violations[0]?.message).toBe(
      'products[0].skus[0].prices[0].unitPrice is missing GBP (markets GB)',
    );
  });

  it('the demo catalog prices every SKU in all 15 currencies, in whole minor units', () => {
    expect(CURRENCIES).toHaveLength(15);
    for (const p of demo().products) {
      for (const s of p.skus as Json[]) {
        for (const price of s.prices as Json[]) {
          const amounts = price.unitPrice as Record<string, number>;
          expect(Object.keys(amounts).sort()).toEqual(CURRENCIES);
          for (const v of Object.values(amounts)) expect(Number.isSafeInteger(v) && v > 0).toBe(true);
        }
      }
    }
    expect(parseCatalogFile(demo(), program).ok).toBe(true);
  });
});

describeEachDatabase('catalog', (db) => {
  let csp: OpenCsp;
  let operator: Operator;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
  });

  const importDemo = async (principal: Principal = operator.principal) =>
    csp.execute(importCatalog, { principal }, { catalog: demo() });

  async function list(principal: Principal, input: Json): Promise<CatalogItem[]> {
    return [...must(await csp.query(listOffers, { principal }, input), 'list-offers').items];
  }

  /** Every page of a listing, following `next`. */
  async function allPages(
    principal: Principal,
    input: Json,
  ): Promise<{ pages: number; items: CatalogItem[] }> {
    const items: CatalogItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page<CatalogItem> = must(
        await csp.query(listOffers, { principal }, { ...input, ...(cursor && { cursor }) }),
        'list-offers',
      );
      items.push(...page.items);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    return { pages, items };
  }

  async function ledger(type: string) {
    return csp.store.db
      .selectFrom('ledger_events')
      .selectAll()
      .where('type', '=', type)
      .orderBy('seq')
      .execute();
  }

  describe('import', () => {
    it('imports the demo catalog: its products, SKUs and one availability per market', async () => {
      const out = must(await importDemo());
      const allFor = ALL_MARKETS.length;
      expect(out).toEqual({
        products: 8,
        skus: 11,
        availabilities: 10 * allFor + 5,
        created: [
          'CFQ7TTC0LH18',
          'CFQ7TTC0LDPB',
          'CFQ7TTC0LF8Q',
          'CFQ7TTC0HFB4',
          'CFQ7TTC0J1FV',
          'DZH318Z0BPS6',
          'DZH318Z0BQ3Q',
          'DZH318Z0BXWC',
        ],
        updated: [],
      });
      const counts = await rowCounts(csp.store);
      expect([counts.products, counts.skus, counts.availabilities]).toEqual([8, 11, 10 * allFor + 5]);
      const events = await ledger('catalog-product.imported');
      expect(events).toHaveLength(8);
      expect(events[7]).toMatchObject({ entity_type: 'catalog-product', entity_id: 'DZH318Z0BXWC' });
      expect(JSON.parse(events[7]?.payload ?? '{}')).toEqual({
        title: 'Northwind CRM',
        publisherKind: 'third-party',
        publisherName: 'Northwind Traders Inc.',
        skuIds: [NORTHWIND],
        markets: 5,
        result: 'created',
      });
    });

    it('re-importing is idempotent: products updated, no duplicate SKUs or availabilities', async () => {
      must(await importDemo());
      const before = await rowCounts(csp.store);
      const again = must(await importDemo());
      expect(again.created).toEqual([]);
      expect(again.updated).toHaveLength(8);
      const after = await rowCounts(csp.store);
      expect([after.products, after.skus, after.availabilities]).toEqual([
        before.products,
        before.skus,
        before.availabilities,
      ]);
      expect(await ledger('catalog-product.imported')).toHaveLength(16);
    });

    it('a re-import replaces prices and markets', async () => {
      must(await importDemo());
      const file = demo();
      const northwind = file.products.find((p) => p.id === 'DZH318Z0BXWC') as Json;
      const sku = dig(northwind, 'skus', 0);
      sku.markets = ['US'];
      dig(sku, 'prices', 0, 'unitPrice').USD = 2600;
      must(await csp.execute(importCatalog, { principal: operator.principal }, { catalog: file }));
      const us = must(
        await csp.query(getOffer, { principal: ANONYMOUS }, { catalogItemId: NORTHWIND, country: 'US' }),
      );
      expect(us.prices[0]?.unitPriceMinor).toBe(2600);
      expect(
        codes(
          await csp.query(getOffer, { principal: ANONYMOUS }, { catalogItemId: NORTHWIND, country: 'FR' }),
        ),
      ).toEqual(['OFFER_NOT_AVAILABLE_IN_MARKET']);
    });

    it('only the program operator imports: a partner or anonymous is refused and nothing is written', async () => {
      const partner = await addPartner(csp, operator, { legalName: 'Fabrikam Partner', country: 'FR' });
      const before = await snapshot(csp.store);
      expect(codes(await importDemo(partner.globalAdmin))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await importDemo(ANONYMOUS))).toEqual(['NOT_AUTHORIZED']);
      expect(await snapshot(csp.store)).toEqual(before);
      expect(codes(await importDemo(SYSTEM))).toEqual(['ACCEPTED']);
    });

    it('refuses a defective file with paths under `catalog`, and a missing or unknown field', async () => {
      const file = demo();
      dig(file, 'products', 2, 'skus', 0, 'prices', 1, 'unitPrice').EUR = 33.5;
      expect(
        refusal(await csp.execute(importCatalog, { principal: operator.principal }, { catalog: file })),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'catalog.products[2].skus[0].prices[1].unitPrice.EUR' }]);
      expect(
        refusal(await csp.execute(importCatalog, { principal: operator.principal }, { file: {} })),
      ).toEqual([
        { code: 'REQUIRED_FIELD', field: 'catalog' },
        { code: 'INVALID_FIELD', field: 'file' },
      ]);
      expect((await rowCounts(csp.store)).products).toBe(0);
    });
  });

  describe('listing and reading offers', () => {
    beforeEach(async () => {
      must(await importDemo());
    });

    it('lists a market’s offers in its currency: FR in EUR, JP in whole yen', async () => {
      const fr = await list(ANONYMOUS, { country: 'FR' });
      expect(fr).toHaveLength(11);
      expect(fr.every((i) => i.country === 'FR' && i.currency === 'EUR')).toBe(true);
      expect(fr.find((i) => i.catalogItemId === BASIC)).toEqual({
        catalogItemId: BASIC,
        productId: 'CFQ7TTC0LH18',
        productTitle: 'Contoso 365 Business Basic',
        skuTitle: 'Business Basic',
        publisher: 'first-party',
        publisherName: 'Contoso Cloud',
        billing: 'license',
        minQuantity: 1,
        maxQuantity: 300,
        country: 'FR',
        currency: 'EUR',
        prices: [
          { termDuration: 'P1M', billingCycle: 'monthly', unitPriceMinor: 660 },
          { termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: 550 },
          { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 6600 },
          { termDuration: 'P3Y', billingCycle: 'monthly', unitPriceMinor: 550 },
          { termDuration: 'P3Y', billingCycle: 'annual', unitPriceMinor: 6600 },
        ],
      });
      const jp = await list(operator.principal, { country: 'jp' });
      const basic = jp.find((i) => i.catalogItemId === BASIC);
      expect(basic?.currency).toBe('JPY');
      expect(basic?.prices[1]).toEqual({ termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: 900 });
      const azure = jp.find((i) => i.productId === 'DZH318Z0BPS6');
      expect(azure).toMatchObject({ billing: 'usage', currency: 'JPY' });
      expect(azure?.prices).toEqual([{ termDuration: null, billingCycle: 'monthly', unitPriceMinor: 150 }]);
    });

    it('a third-party offer limited to a few markets is not listed elsewhere', async () => {
      const ids = async (country: string) =>
        (await list(ANONYMOUS, { country, publisher: 'third-party' })).map((i) => i.catalogItemId);
      expect(await ids('DE')).toEqual(['DZH318Z0BQ3Q:0001', 'DZH318Z0BQ3Q:0002', NORTHWIND]);
      expect(await ids('JP')).toEqual(['DZH318Z0BQ3Q:0001', 'DZH318Z0BQ3Q:0002']);
      expect((await list(ANONYMOUS, { country: 'JP' })).map((i) => i.catalogItemId)).not.toContain(NORTHWIND);
    });

    it('filters by publisher and by search (title or product id, case-insensitive)', async () => {
      const firstParty = await list(ANONYMOUS, { country: 'US', publisher: 'first-party' });
      expect(firstParty).toHaveLength(8);
      expect(firstParty.every((i) => i.publisherName === 'Contoso Cloud')).toBe(true);
      expect(await list(ANONYMOUS, { country: 'US', publisher: 'partner-service' })).toEqual([]);
      const business = await list(ANONYMOUS, { country: 'US', search: 'BUSINESS' });
      expect(business.map((i) => i.productTitle)).toEqual([
        'Contoso Defender for Business',
        'Contoso 365 Business Standard',
        'Contoso 365 Business Basic',
      ]);
      expect(
        (await list(ANONYMOUS, { country: 'US', search: 'calling plan' })).map((i) => i.catalogItemId),
      ).toEqual(['CFQ7TTC0J1FV:0002']);
      expect(
        (await list(ANONYMOUS, { country: 'US', search: 'dzh318z0bxwc' })).map((i) => i.skuTitle),
      ).toEqual(['Professional']);
      expect(await list(ANONYMOUS, { country: 'US', search: '100%_' })).toEqual([]);
    });

    it('pages through a market two offers at a time, in catalog item id order', async () => {
      const whole = await list(ANONYMOUS, { country: 'GB' });
      const paged = await allPages(ANONYMOUS, { country: 'GB', limit: 2 });
      expect(paged.pages).toBe(6);
      expect(paged.items).toEqual(whole);
      const ids = whole.map((i) => i.catalogItemId);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(11);
      const filtered = await allPages(ANONYMOUS, { country: 'GB', search: 'contoso 365', limit: 2 });
      expect(filtered.items.map((i) => i.catalogItemId)).toEqual([
        'CFQ7TTC0LDPB:0001',
        'CFQ7TTC0LF8Q:0001',
        'CFQ7TTC0LF8Q:0002',
        'CFQ7TTC0LH18:0001',
      ]);
      expect(filtered.pages).toBe(2);
    });

    it('refuses an unknown market, publisher or cursor', async () => {
      expect(
        refusal(
          await csp.query(
            listOffers,
            { principal: ANONYMOUS },
            { country: 'XX', publisher: 'us', cursor: '!' },
          ),
        ),
      ).toEqual([
        { code: 'UNKNOWN_COUNTRY', field: 'country' },
        { code: 'INVALID_FIELD', field: 'publisher' },
        { code: 'INVALID_FIELD', field: 'cursor' },
      ]);
      expect(refusal(await csp.query(listOffers, { principal: ANONYMOUS }, {}))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'country' },
      ]);
    });

    it('gets one offer in a market; OFFER_NOT_FOUND for no such item', async () => {
      const jp = must(
        await csp.query(getOffer, { principal: ANONYMOUS }, { catalogItemId: BASIC, country: 'JP' }),
      );
      expect(jp).toMatchObject({ catalogItemId: BASIC, country: 'JP', currency: 'JPY' });
      expect(jp).toEqual((await list(ANONYMOUS, { country: 'JP' })).find((i) => i.catalogItemId === BASIC));
      expect(
        refusal(
          await csp.query(getOffer, { principal: ANONYMOUS }, { catalogItemId: 'NOPE:0001', country: 'JP' }),
        ),
      ).toEqual([{ code: 'OFFER_NOT_FOUND', field: 'catalogItemId' }]);
      expect(
        refusal(
          await csp.query(getOffer, { principal: ANONYMOUS }, { catalogItemId: NORTHWIND, country: 'JP' }),
        ),
      ).toEqual([{ code: 'OFFER_NOT_AVAILABLE_IN_MARKET', field: 'country' }]);
    });
  });

  describe('value-added services', () => {
    let owner: Partner;
    let other: Partner;

    beforeEach(async () => {
      must(await importDemo());
      owner = await addPartner(csp, operator, { legalName: 'Fabrikam Services SARL', country: 'FR' });
      other = await addPartner(csp, operator, { legalName: 'Litware Partners GmbH', country: 'DE' });
    });

    const define = (principal: Principal, input: Json) => csp.execute(defineService, { principal }, input);

    it('the owner defines a service; its publisher is the partner organization', async () => {
      const out = must(await define(owner.globalAdmin, service(owner.tenantId)));
      expect(out).toEqual({
        product: {
          id: 'FABRIKAM-MSP',
          title: 'Managed workplace',
          description: 'Helpdesk and device management, 24/7.',
          publisherKind: 'partner-service',
          publisherName: 'Fabrikam Services SARL',
          ownerTenantId: owner.tenantId,
        },
        skus: [
          {
            id: 'FABRIKAM-MSP:STD',
            productId: 'FABRIKAM-MSP',
            title: 'Per user',
            billing: 'license',
            minQuantity: 1,
            maxQuantity: 500,
          },
        ],
        availabilities: 2,
        result: 'created',
      });
      const events = await ledger('catalog-product.service-defined');
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.payload ?? '{}')).toMatchObject({
        ownerTenantId: owner.tenantId,
        skuIds: ['FABRIKAM-MSP:STD'],
        markets: 2,
        result: 'created',
      });
      const again = must(
        await define(owner.globalAdmin, { ...service(owner.tenantId), title: 'Managed workplace+' }),
      );
      expect(again).toMatchObject({ result: 'updated', product: { title: 'Managed workplace+' } });
      expect((await rowCounts(csp.store)).availabilities).toBe(10 * ALL_MARKETS.length + 5 + 2);
    });

    it('the owner lists its services with sellerTenantId; nobody else sees them', async () => {
      must(await define(owner.globalAdmin, service(owner.tenantId)));
      const mine = await list(owner.globalAdmin, { country: 'FR', sellerTenantId: owner.tenantId });
      expect(mine.map((i) => i.catalogItemId)).toContain('FABRIKAM-MSP:STD');
      expect(
        await list(owner.globalAdmin, {
          country: 'FR',
          sellerTenantId: owner.tenantId,
          publisher: 'partner-service',
        }),
      ).toMatchObject([
        { catalogItemId: 'FABRIKAM-MSP:STD', currency: 'EUR', publisherName: 'Fabrikam Services SARL' },
      ]);
      // Without sellerTenantId: the vendor catalog only, even for the owner.
      expect((await list(owner.globalAdmin, { country: 'FR' })).map((i) => i.productId)).not.toContain(
        'FABRIKAM-MSP',
      );
      expect((await list(other.globalAdmin, { country: 'FR' })).map((i) => i.productId)).not.toContain(
        'FABRIKAM-MSP',
      );
      expect(
        refusal(
          await csp.query(
            listOffers,
            { principal: other.globalAdmin },
            { country: 'FR', sellerTenantId: owner.tenantId },
          ),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
      // The operator may look at any partner's services.
      expect(
        (
          await list(operator.principal, {
            country: 'DE',
            sellerTenantId: owner.tenantId,
            publisher: 'partner-service',
          })
        ).length,
      ).toBe(1);
      // Not listed outside its markets.
      expect(
        await list(owner.globalAdmin, {
          country: 'GB',
          sellerTenantId: owner.tenantId,
          publisher: 'partner-service',
        }),
      ).toEqual([]);
    });

    it('getOffer: the owner and the operator read it; another partner gets OFFER_NOT_FOUND', async () => {
      must(await define(owner.globalAdmin, service(owner.tenantId)));
      const input = { catalogItemId: 'FABRIKAM-MSP:STD', country: 'FR' };
      expect(must(await csp.query(getOffer, { principal: owner.globalAdmin }, input))).toMatchObject({
        publisher: 'partner-service',
        prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPriceMinor: 1500 }],
      });
      expect(codes(await csp.query(getOffer, { principal: operator.principal }, input))).toEqual([
        'ACCEPTED',
      ]);
      expect(codes(await csp.query(getOffer, { principal: other.globalAdmin }, input))).toEqual([
        'OFFER_NOT_FOUND',
      ]);
      expect(codes(await csp.query(getOffer, { principal: ANONYMOUS }, input))).toEqual(['OFFER_NOT_FOUND']);
      // Not even its market leaks to outsiders.
      expect(
        codes(await csp.query(getOffer, { principal: other.globalAdmin }, { ...input, country: 'GB' })),
      ).toEqual(['OFFER_NOT_FOUND']);
    });

    it('PRODUCT_ID_TAKEN for a vendor product id and another partner’s id; the vendor import is refused too', async () => {
      expect(refusal(await define(owner.globalAdmin, service(owner.tenantId, 'CFQ7TTC0LH18')))).toEqual([
        { code: 'PRODUCT_ID_TAKEN', field: 'id' },
      ]);
      must(await define(owner.globalAdmin, service(owner.tenantId)));
      expect(refusal(await define(other.globalAdmin, service(other.tenantId)))).toEqual([
        { code: 'PRODUCT_ID_TAKEN', field: 'id' },
      ]);
      const file = demo();
      (file.products[1] as Json).id = 'FABRIKAM-MSP';
      const before = await snapshot(csp.store);
      expect(
        refusal(await csp.execute(importCatalog, { principal: operator.principal }, { catalog: file })),
      ).toEqual([{ code: 'PRODUCT_ID_TAKEN', field: 'catalog.products[1].id' }]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('admins and admin agents of the tenant define; members without the role, outsiders and customers do not', async () => {
      const user = async (roles: string[], email: string) => {
        const u = must(
          await csp.execute(
            addUser,
            { principal: owner.globalAdmin },
            {
              tenantId: owner.tenantId,
              email,
              displayName: email,
              roles,
            },
          ),
        );
        return userPrincipal(u.id, owner.tenantId, u.roles);
      };
      const agent = await user(['admin-agent'], 'agent@fabrikam.example');
      const sales = await user(['sales-agent'], 'sales@fabrikam.example');
      const before = await snapshot(csp.store);
      expect(codes(await define(sales, service(owner.tenantId)))).toEqual(['NOT_AUTHORIZED']);
      expect(refusal(await define(other.globalAdmin, service(owner.tenantId)))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' },
      ]);
      expect(codes(await define(ANONYMOUS, service(owner.tenantId)))).toEqual(['TENANT_NOT_FOUND']);
      expect(codes(await define(operator.principal, service(owner.tenantId)))).toEqual(['NOT_AUTHORIZED']);
      const customer = await addCustomer(csp, { legalName: 'Woodgrove Bank', country: 'FR' });
      expect(refusal(await define(customer.globalAdmin, service(customer.tenantId)))).toEqual([
        { code: 'NOT_A_PARTNER_TENANT', field: 'partnerTenantId' },
      ]);
      expect(
        refusal(await define(owner.globalAdmin, service('0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b'))),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' }]);
      const afterCustomer = await snapshot(csp.store);
      expect(afterCustomer.products).toEqual(before.products);
      expect(codes(await define(agent, service(owner.tenantId)))).toEqual(['ACCEPTED']);
    });

    it('checks the SKUs with the catalog file’s rules, under `skus`', async () => {
      const input = service(owner.tenantId, 'bad id', ['FR', 'GB']);
      (input as { extra?: boolean }).extra = true;
      expect(refusal(await define(owner.globalAdmin, input))).toEqual([
        { code: 'INVALID_FIELD', field: 'id' },
        { code: 'INVALID_FIELD', field: 'extra' },
        { code: 'REQUIRED_FIELD', field: 'skus[0].prices[0].unitPrice.GBP' },
      ]);
      expect(
        refusal(await define(owner.globalAdmin, { ...service(owner.tenantId), skus: undefined })),
      ).toEqual([{ code: 'REQUIRED_FIELD', field: 'skus' }]);
    });
  });
});
