/**
 * The commerce routes over HTTP, on SQLite and PostgreSQL: for each route its success, its schema
 * validation (400 naming the field), a refusal by the rules (a problem document with code,
 * scenario where the rule has one, and remedies), the missing key (401) and another tenant's key
 * (404 where the object is hidden; 403 on the operator's own routes); idempotent order retries,
 * dry runs that write nothing, the sandbox clock, and the routes' place in the OpenAPI document.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { addDays } from '../../src/kernel/time.ts';
import { buildCommerceWorld, type CommerceWorld, SEATS, THIRD_PARTY_US, USAGE } from '../support/commerce.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const DAY_MS = 86_400_000;

type Json = Record<string, unknown>;
interface ProblemBody {
  code: string;
  status: number;
  violations: { code: string; message: string; field?: string; scenario?: string; remedies: string[] }[];
}
interface PageBody<T = Json> {
  items: T[];
  next: string | null;
}
interface OrderBody {
  id: string;
  status: string;
  lines: { subscriptionId: string | null; partnerIdOnRecord: number | null }[];
}

/** Asserts a problem+json answer with this status (and first code, when given); returns the document. */
function problem(res: LightMyRequestResponse, status: number, code?: string): ProblemBody {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as ProblemBody;
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code: code ?? body.code });
  expect(body.status).toBe(status);
  expect(body.violations.length).toBeGreaterThan(0);
  for (const v of body.violations) expect(v.remedies).toEqual(expect.any(Array));
  return body;
}

/** The `(code, field)` pairs of a problem's violations. */
function fields(body: ProblemBody) {
  return body.violations.map((v) => ({ code: v.code, field: v.field }));
}

/** The distinct fields a problem names. */
function named(body: ProblemBody): Set<string | undefined> {
  return new Set(body.violations.map((v) => v.field));
}

const seats = (quantity: number, extra: Json = {}): Json => ({
  catalogItemId: SEATS,
  quantity,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  ...extra,
});

/** A value-added service body (the tenant comes from the URL). */
function serviceBody(id = 'RESELLER-MSP', extra: Json = {}): Json {
  return {
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
        markets: ['FR'],
        prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 1500 } }],
      },
    ],
    ...extra,
  };
}

/** A small catalog file: one license SKU sold in FR and DE. */
function catalogFile(id = 'PROD1'): Json {
  return {
    catalog: 'Small',
    products: [
      {
        id,
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
            markets: ['FR', 'DE'],
            prices: [{ termDuration: 'P1Y', billingCycle: 'annual', unitPrice: { EUR: 6000 } }],
          },
        ],
      },
    ],
  };
}

describeEachDatabase('HTTP commerce', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let w: CommerceWorld;
  const keyring = apiKeys(() => csp);
  const key = keyring.key;

  beforeEach(async () => {
    keyring.clear();
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
    // Keys first, so that snapshots taken by the tests do not see them appear.
    for (const principal of [
      w.operator.principal,
      w.provider.globalAdmin,
      w.reseller.globalAdmin,
      w.reseller2.globalAdmin,
      w.direct.globalAdmin,
      w.resellerCustomer.globalAdmin,
      w.directCustomer.globalAdmin,
      w.usCustomer.globalAdmin,
    ])
      await key(principal);
    app = await testApp({ csp, logger: false, rateLimit: { max: 100_000, windowMs: 60_000 } });
  });
  afterEach(async () => app.close());

  async function call(
    method: 'GET' | 'POST',
    url: string,
    o: { as?: Principal; payload?: unknown; dryRun?: boolean; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.as) headers.authorization = `Bearer ${await key(o.as)}`;
    if (o.dryRun) headers['opencsp-dry-run'] = 'true';
    return app.inject({
      method,
      url,
      headers,
      ...(o.payload !== undefined && { payload: o.payload as Json }),
    });
  }

  /** Expects a 2xx answer and returns its body. */
  async function ok<T = Json>(res: Promise<LightMyRequestResponse>, status = 200): Promise<T> {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json() as T;
  }

  /** The provider orders 10 seats for the reseller's customer, the reseller as partner of record. */
  function indirectOrder(lines: Json[] = [seats(10, { partnerIdOnRecord: w.reseller.partnerId })]) {
    return ok<OrderBody>(
      call('POST', '/v1/orders', {
        as: w.provider.globalAdmin,
        payload: {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines,
        },
      }),
      201,
    );
  }

  /** The subscription of the provider's indirect order (10 seats, P1Y, monthly). */
  async function indirectSubscription(): Promise<string> {
    return (await indirectOrder()).lines[0]?.subscriptionId as string;
  }

  function directOrderBody(lines: Json[] = [seats(3)]): Json {
    return { sellerTenantId: w.direct.tenantId, customerTenantId: w.directCustomer.tenantId, lines };
  }

  function requestBody(lines: Json[] = [seats(4)]): Json {
    return { providerTenantId: w.provider.tenantId, customerTenantId: w.resellerCustomer.tenantId, lines };
  }

  /** The reseller's pending order request. */
  function orderRequest(): Promise<OrderBody> {
    return ok<OrderBody>(
      call('POST', '/v1/order-requests', { as: w.reseller.globalAdmin, payload: requestBody() }),
      201,
    );
  }

  function defineResellerService(id = 'RESELLER-MSP') {
    return ok(
      call('POST', `/v1/tenants/${w.reseller.tenantId}/services`, {
        as: w.reseller.globalAdmin,
        payload: serviceBody(id),
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Catalog.

  describe('GET /v1/catalog/offers', () => {
    it('lists the offers of a market, filters by publisher and search, paginates', async () => {
      const fr = await ok<PageBody<Json>>(
        call('GET', '/v1/catalog/offers?country=FR', { as: w.reseller.globalAdmin }),
      );
      expect(fr.items.map((i) => i.catalogItemId)).toEqual([SEATS, USAGE]);
      expect(fr.items[0]).toMatchObject({
        productTitle: 'Contoso 365 Business Basic',
        publisher: 'first-party',
        country: 'FR',
        currency: 'EUR',
        billing: 'license',
        prices: expect.arrayContaining([
          { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 6720 },
        ]),
      });
      const us = await ok<PageBody<Json>>(
        call('GET', '/v1/catalog/offers?country=us&publisher=third-party', { as: w.usCustomer.globalAdmin }),
      );
      expect(us.items.map((i) => i.catalogItemId)).toEqual([THIRD_PARTY_US]);
      const search = await ok<PageBody<Json>>(
        call('GET', '/v1/catalog/offers?country=FR&search=azure', { as: w.direct.globalAdmin }),
      );
      expect(search.items.map((i) => i.catalogItemId)).toEqual([USAGE]);
      const first = await ok<PageBody<Json>>(
        call('GET', '/v1/catalog/offers?country=FR&limit=1', { as: w.direct.globalAdmin }),
      );
      expect(first.items.map((i) => i.catalogItemId)).toEqual([SEATS]);
      const second = await ok<PageBody<Json>>(
        call(
          'GET',
          `/v1/catalog/offers?country=FR&limit=1&cursor=${encodeURIComponent(first.next as string)}`,
          {
            as: w.direct.globalAdmin,
          },
        ),
      );
      expect(second).toEqual({ items: [expect.objectContaining({ catalogItemId: USAGE })], next: null });
    });

    it("a partner's own services join the listing when it names itself as seller", async () => {
      await defineResellerService();
      const url = `/v1/catalog/offers?country=FR&sellerTenantId=${w.reseller.tenantId}`;
      const mine = await ok<PageBody<Json>>(call('GET', url, { as: w.reseller.globalAdmin }));
      expect(mine.items.map((i) => i.catalogItemId)).toEqual(['RESELLER-MSP:STD', SEATS, USAGE]);
      expect(mine.items[0]).toMatchObject({ publisher: 'partner-service', publisherName: 'Reseller FR 1' });
      // Without sellerTenantId, nobody sees it.
      const plain = await ok<PageBody<Json>>(
        call('GET', '/v1/catalog/offers?country=FR', { as: w.reseller.globalAdmin }),
      );
      expect(plain.items.map((i) => i.catalogItemId)).toEqual([SEATS, USAGE]);
    });

    it('answers 400 naming a missing country, a bad publisher, an unknown parameter and limit 0', async () => {
      const as = w.reseller.globalAdmin;
      expect(fields(problem(await call('GET', '/v1/catalog/offers', { as }), 400, 'REQUIRED_FIELD'))).toEqual(
        [{ code: 'REQUIRED_FIELD', field: 'country' }],
      );
      expect(
        fields(problem(await call('GET', '/v1/catalog/offers?country=FR&publisher=vendor', { as }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'publisher' }]);
      expect(fields(problem(await call('GET', '/v1/catalog/offers?country=FR&sku=1', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'sku' },
      ]);
      expect(
        fields(problem(await call('GET', '/v1/catalog/offers?country=FR&limit=0', { as }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'limit' }]);
    });

    it('refuses UNKNOWN_COUNTRY for a country that is no market of the program', async () => {
      const body = problem(
        await call('GET', '/v1/catalog/offers?country=ZZ', { as: w.reseller.globalAdmin }),
        400,
        'UNKNOWN_COUNTRY',
      );
      expect(fields(body)).toEqual([{ code: 'UNKNOWN_COUNTRY', field: 'country' }]);
    });

    it("answers 401 without a key and 404 TENANT_NOT_FOUND for another partner's services", async () => {
      problem(await call('GET', '/v1/catalog/offers?country=FR'), 401, 'NOT_AUTHENTICATED');
      await defineResellerService();
      for (const as of [w.direct.globalAdmin, w.provider.globalAdmin, w.resellerCustomer.globalAdmin]) {
        const body = problem(
          await call('GET', `/v1/catalog/offers?country=FR&sellerTenantId=${w.reseller.tenantId}`, { as }),
          404,
          'TENANT_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
      }
    });
  });

  describe('GET /v1/catalog/offers/:catalogItemId', () => {
    it('reads one offer in a market; the colon of the id may be sent as is or URL-encoded', async () => {
      for (const id of [SEATS, encodeURIComponent(SEATS)]) {
        const offer = await ok(
          call('GET', `/v1/catalog/offers/${id}?country=FR`, { as: w.resellerCustomer.globalAdmin }),
        );
        expect(offer).toMatchObject({
          catalogItemId: SEATS,
          country: 'FR',
          currency: 'EUR',
          maxQuantity: 300,
        });
      }
      expect(
        await ok(call('GET', `/v1/catalog/offers/${SEATS}?country=US`, { as: w.usCustomer.globalAdmin })),
      ).toMatchObject({ currency: 'USD' });
    });

    it('answers 400 naming a malformed catalog item id, a missing country and an unknown parameter', async () => {
      const as = w.reseller.globalAdmin;
      expect(
        named(problem(await call('GET', '/v1/catalog/offers/TESTSEATS001?country=FR', { as }), 400)),
      ).toEqual(new Set(['catalogItemId']));
      expect(fields(problem(await call('GET', `/v1/catalog/offers/${SEATS}`, { as }), 400))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'country' },
      ]);
      expect(
        fields(
          problem(await call('GET', `/v1/catalog/offers/${SEATS}?country=FR&currency=EUR`, { as }), 400),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'currency' }]);
    });

    it('refuses OFFER_NOT_AVAILABLE_IN_MARKET (with a remedy) for an offer not sold in that country', async () => {
      const body = problem(
        await call('GET', `/v1/catalog/offers/${THIRD_PARTY_US}?country=FR`, { as: w.direct.globalAdmin }),
        422,
        'OFFER_NOT_AVAILABLE_IN_MARKET',
      );
      expect(body.violations).toEqual([
        expect.objectContaining({
          field: 'country',
          remedies: ['List the offers of FR to find one that is.'],
        }),
      ]);
    });

    it("answers 401 without a key; another partner's value-added service does not exist (404)", async () => {
      problem(await call('GET', `/v1/catalog/offers/${SEATS}?country=FR`), 401, 'NOT_AUTHENTICATED');
      await defineResellerService();
      const url = '/v1/catalog/offers/RESELLER-MSP:STD?country=FR';
      expect(await ok(call('GET', url, { as: w.reseller.globalAdmin }))).toMatchObject({
        catalogItemId: 'RESELLER-MSP:STD',
        publisher: 'partner-service',
      });
      for (const as of [w.direct.globalAdmin, w.provider.globalAdmin, w.resellerCustomer.globalAdmin]) {
        const body = problem(await call('GET', url, { as }), 404, 'OFFER_NOT_FOUND');
        expect(fields(body)).toEqual([{ code: 'OFFER_NOT_FOUND', field: 'catalogItemId' }]);
      }
    });
  });

  describe('POST /v1/catalog/import', () => {
    it('the operator imports a catalog file; a re-import updates it', async () => {
      const first = await ok(
        call('POST', '/v1/catalog/import', { as: w.operator.principal, payload: { catalog: catalogFile() } }),
      );
      expect(first).toEqual({ products: 1, skus: 1, availabilities: 2, created: ['PROD1'], updated: [] });
      expect(
        await ok(call('GET', '/v1/catalog/offers/PROD1:A?country=DE', { as: w.direct.globalAdmin })),
      ).toMatchObject({ prices: [{ termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 6000 }] });
      const again = await ok(
        call('POST', '/v1/catalog/import', { as: w.operator.principal, payload: { catalog: catalogFile() } }),
      );
      expect(again).toMatchObject({ created: [], updated: ['PROD1'] });
    });

    it('answers 400 naming an unknown field of a product and a bad billing model', async () => {
      const file = catalogFile() as { products: Json[] };
      Object.assign(file.products[0] as Json, { colour: 'blue' });
      ((file.products[0] as { skus: Json[] }).skus[0] as Json).billing = 'seat';
      const body = problem(
        await call('POST', '/v1/catalog/import', { as: w.operator.principal, payload: { catalog: file } }),
        400,
        'INVALID_FIELD',
      );
      expect(named(body)).toEqual(
        new Set(['catalog.products[0].colour', 'catalog.products[0].skus[0].billing']),
      );
      expect(
        fields(
          problem(await call('POST', '/v1/catalog/import', { as: w.operator.principal, payload: {} }), 400),
        ),
      ).toEqual([{ code: 'REQUIRED_FIELD', field: 'catalog' }]);
    });

    it("refuses PRODUCT_ID_TAKEN for a partner's service id, and a price missing a market's currency; nothing written", async () => {
      await defineResellerService();
      const before = await snapshot(csp.store);
      const taken = problem(
        await call('POST', '/v1/catalog/import', {
          as: w.operator.principal,
          payload: { catalog: catalogFile('RESELLER-MSP') },
        }),
        409,
        'PRODUCT_ID_TAKEN',
      );
      expect(taken.violations).toEqual([
        expect.objectContaining({
          field: 'catalog.products[0].id',
          remedies: ['Choose another product id.'],
        }),
      ]);
      const file = catalogFile() as { products: { skus: Json[] }[] };
      (file.products[0]?.skus[0] as Json).markets = ['FR', 'US'];
      const currency = problem(
        await call('POST', '/v1/catalog/import', { as: w.operator.principal, payload: { catalog: file } }),
        400,
        'REQUIRED_FIELD',
      );
      expect(currency.violations).toEqual([
        expect.objectContaining({
          field: 'catalog.products[0].skus[0].prices[0].unitPrice.USD',
          remedies: ['Add a USD price, or do not sell the SKU in those markets.'],
        }),
      ]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('answers 401 without a key and 403 NOT_AUTHORIZED to anyone but the operator; dry run writes nothing', async () => {
      const payload = { catalog: catalogFile() };
      problem(await call('POST', '/v1/catalog/import', { payload }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.provider.globalAdmin, w.resellerCustomer.globalAdmin])
        problem(await call('POST', '/v1/catalog/import', { as, payload }), 403, 'NOT_AUTHORIZED');
      const before = await snapshot(csp.store);
      expect(
        await ok(call('POST', '/v1/catalog/import', { as: w.operator.principal, payload, dryRun: true })),
      ).toMatchObject({ dryRun: true, value: { created: ['PROD1'] } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/tenants/:tenantId/services', () => {
    it("the reseller's global admin defines a value-added service, then redefines it", async () => {
      const created = await defineResellerService();
      expect(created).toMatchObject({
        product: { id: 'RESELLER-MSP', publisherKind: 'partner-service', ownerTenantId: w.reseller.tenantId },
        skus: [expect.objectContaining({ id: 'RESELLER-MSP:STD' })],
        availabilities: 1,
        result: 'created',
      });
      expect(await defineResellerService()).toMatchObject({ result: 'updated' });
    });

    it('answers 400 naming an unknown field, a bad billing model and a bad tenant id', async () => {
      const url = `/v1/tenants/${w.reseller.tenantId}/services`;
      const bad = serviceBody('RESELLER-MSP', { price: 10 });
      ((bad.skus as Json[])[0] as Json).billing = 'seat';
      const body = problem(await call('POST', url, { as: w.reseller.globalAdmin, payload: bad }), 400);
      expect(named(body)).toEqual(new Set(['price', 'skus[0].billing']));
      expect(
        named(
          problem(
            await call('POST', '/v1/tenants/abc/services', {
              as: w.reseller.globalAdmin,
              payload: serviceBody(),
            }),
            400,
          ),
        ),
      ).toEqual(new Set(['tenantId']));
    });

    it('refuses PRODUCT_ID_TAKEN for a vendor product id and NOT_A_PARTNER_TENANT (scenario 4) for a customer tenant', async () => {
      const taken = problem(
        await call('POST', `/v1/tenants/${w.reseller.tenantId}/services`, {
          as: w.reseller.globalAdmin,
          payload: serviceBody('TESTSEATS001'),
        }),
        409,
        'PRODUCT_ID_TAKEN',
      );
      expect(taken.violations).toEqual([
        expect.objectContaining({ field: 'id', remedies: ['Choose another product id.'] }),
      ]);
      const customer = problem(
        await call('POST', `/v1/tenants/${w.directCustomer.tenantId}/services`, {
          as: w.directCustomer.globalAdmin,
          payload: serviceBody('CUSTOMER-SVC'),
        }),
        422,
        'NOT_A_PARTNER_TENANT',
      );
      // The field the URL names, not the service's `partnerTenantId`.
      expect(customer.violations).toEqual([
        expect.objectContaining({
          field: 'tenantId',
          scenario: '4',
          remedies: ['Define the service with the CSP tenant the partner transacts with.'],
        }),
      ]);
    });

    it("answers 401 without a key and 404 TENANT_NOT_FOUND (naming tenantId) to another tenant's key", async () => {
      const url = `/v1/tenants/${w.reseller.tenantId}/services`;
      problem(await call('POST', url, { payload: serviceBody() }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.provider.globalAdmin, w.resellerCustomer.globalAdmin]) {
        const body = problem(
          await call('POST', url, { as, payload: serviceBody() }),
          404,
          'TENANT_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'tenantId' }]);
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  // Orders.

  describe('POST /v1/orders', () => {
    it('the provider orders for the reseller’s customer: 201, completed, the reseller as partner of record', async () => {
      const order = await indirectOrder([
        seats(10, { partnerIdOnRecord: w.reseller.partnerId }),
        {
          catalogItemId: USAGE,
          quantity: 1,
          billingCycle: 'monthly',
          partnerIdOnRecord: w.reseller.partnerId,
        },
      ]);
      expect(order).toMatchObject({
        status: 'completed',
        sellerTenantId: w.provider.tenantId,
        customerTenantId: w.resellerCustomer.tenantId,
        currency: 'EUR',
        totalMinor: 5600,
        createdAt: T0.toISOString(),
      });
      expect(order.lines).toEqual([
        expect.objectContaining({
          partnerIdOnRecord: w.reseller.partnerId,
          subscriptionId: expect.any(String),
        }),
        expect.objectContaining({
          partnerIdOnRecord: w.reseller.partnerId,
          subscriptionId: expect.any(String),
        }),
      ]);
      const direct = await ok<Json & { lines: { salesChain: { role: string }[] }[] }>(
        call('POST', '/v1/orders', {
          as: w.direct.globalAdmin,
          payload: { ...directOrderBody([seats(5, { billingCycle: 'annual' })]), currency: 'EUR' },
        }),
        201,
      );
      expect(direct.lines[0]?.salesChain.map((p) => p.role)).toEqual(['vendor', 'direct-bill', 'customer']);
    });

    it('answers 400 naming an unknown line field, a bad term and billing cycle, and more than 100 lines', async () => {
      const as = w.direct.globalAdmin;
      const body = problem(
        await call('POST', '/v1/orders', {
          as,
          payload: {
            ...directOrderBody([seats(1, { termDuration: 'P2Y', billingCycle: 'weekly', discount: 5 })]),
            note: 'x',
          },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(named(body)).toEqual(
        new Set(['note', 'lines[0].termDuration', 'lines[0].billingCycle', 'lines[0].discount']),
      );
      const many = problem(
        await call('POST', '/v1/orders', {
          as,
          payload: directOrderBody(Array.from({ length: 101 }, () => seats(1))),
        }),
        400,
      );
      expect(named(many)).toEqual(new Set(['lines']));
      const missing = problem(
        await call('POST', '/v1/orders', { as, payload: { sellerTenantId: w.direct.tenantId } }),
        400,
        'REQUIRED_FIELD',
      );
      expect(named(missing)).toEqual(new Set(['customerTenantId', 'lines']));
    });

    it('refuses UNSUPPORTED_CHAIN (scenario 1) to a reseller buying from the vendor; every line’s problems; nothing written', async () => {
      const before = await snapshot(csp.store);
      const chain = problem(
        await call('POST', '/v1/orders', {
          as: w.reseller.globalAdmin,
          payload: {
            sellerTenantId: w.reseller.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            lines: [seats(1)],
          },
        }),
        422,
      );
      const unsupported = chain.violations.find((v) => v.code === 'UNSUPPORTED_CHAIN');
      expect(unsupported).toMatchObject({ scenario: '1' });
      expect(unsupported?.remedies.length).toBeGreaterThan(0);
      const lines = problem(
        await call('POST', '/v1/orders', {
          as: w.provider.globalAdmin,
          payload: {
            sellerTenantId: w.provider.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            currency: 'USD',
            lines: [seats(500, { partnerIdOnRecord: w.reseller.partnerId }), seats(1)],
          },
        }),
        422,
      );
      expect(fields(lines)).toEqual([
        { code: 'CURRENCY_MISMATCH', field: 'currency' },
        { code: 'QUANTITY_OUT_OF_RANGE', field: 'lines[0].quantity' },
        { code: 'PARTNER_ID_ON_RECORD_REQUIRED', field: 'lines[1]' },
      ]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('answers 401 without a key; a seller or customer of another channel is TENANT_NOT_FOUND (404)', async () => {
      problem(await call('POST', '/v1/orders', { payload: directOrderBody() }), 401, 'NOT_AUTHENTICATED');
      // Authentication comes before validation.
      problem(await call('POST', '/v1/orders', { payload: { lines: 'x' } }), 401, 'NOT_AUTHENTICATED');
      const seller = problem(
        await call('POST', '/v1/orders', { as: w.provider.globalAdmin, payload: directOrderBody() }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(fields(seller)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
      const customer = problem(
        await call('POST', '/v1/orders', {
          as: w.direct.globalAdmin,
          payload: { ...directOrderBody(), customerTenantId: w.resellerCustomer.tenantId },
        }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(fields(customer)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    });

    it('Idempotency-Key: the same key and body return the same order (one order); another body is 409', async () => {
      const headers = { 'idempotency-key': 'order-2026-01-15-001' };
      const as = w.direct.globalAdmin;
      const first = await call('POST', '/v1/orders', { as, payload: directOrderBody(), headers });
      expect(first.statusCode).toBe(201);
      const again = await call('POST', '/v1/orders', { as, payload: directOrderBody(), headers });
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      const list = await ok<PageBody<{ id: string }>>(call('GET', '/v1/orders', { as }));
      expect(list.items.map((o) => o.id)).toEqual([(first.json() as OrderBody).id]);
      const subscriptions = await ok<PageBody>(call('GET', '/v1/subscriptions', { as }));
      expect(subscriptions.items).toHaveLength(1);
      const other = problem(
        await call('POST', '/v1/orders', { as, payload: directOrderBody([seats(4)]), headers }),
        409,
        'IDEMPOTENCY_KEY_REUSED',
      );
      expect(other.violations[0]?.remedies).toEqual(['Use a new key for a new request.']);
      expect((await ok<PageBody>(call('GET', '/v1/orders', { as }))).items).toHaveLength(1);
    });

    it('dry run: 200 { dryRun: true, value } and nothing written', async () => {
      const before = await snapshot(csp.store);
      const res = await ok(
        call('POST', '/v1/orders', { as: w.direct.globalAdmin, payload: directOrderBody(), dryRun: true }),
      );
      expect(res).toMatchObject({ dryRun: true, value: { status: 'completed', totalMinor: 3 * 560 } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/order-requests', () => {
    it('the reseller requests an order from its provider: 201, pending, itself as partner of record', async () => {
      const pending = await orderRequest();
      expect(pending).toMatchObject({
        status: 'pending',
        sellerTenantId: w.provider.tenantId,
        requestedByTenantId: w.reseller.tenantId,
      });
      expect(pending.lines).toEqual([
        expect.objectContaining({ partnerIdOnRecord: w.reseller.partnerId, subscriptionId: null }),
      ]);
    });

    it('answers 400 naming an unknown field and a bad billing cycle', async () => {
      const body = problem(
        await call('POST', '/v1/order-requests', {
          as: w.reseller.globalAdmin,
          payload: {
            ...requestBody([seats(1, { billingCycle: 'quarterly' })]),
            sellerTenantId: w.provider.tenantId,
          },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(named(body)).toEqual(new Set(['sellerTenantId', 'lines[0].billingCycle']));
    });

    it('refuses UNSUPPORTED_CHAIN (scenario 1) when the "provider" is a direct-bill partner; nothing written', async () => {
      const before = await snapshot(csp.store);
      const body = problem(
        await call('POST', '/v1/order-requests', {
          as: w.reseller.globalAdmin,
          payload: { ...requestBody(), providerTenantId: w.direct.tenantId },
        }),
        422,
      );
      const chain = body.violations.find((v) => v.code === 'UNSUPPORTED_CHAIN');
      expect(chain).toMatchObject({ scenario: '1' });
      expect(chain?.remedies.length).toBeGreaterThan(0);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('answers 401 without a key and 404 TENANT_NOT_FOUND for a customer of another partner', async () => {
      problem(await call('POST', '/v1/order-requests', { payload: requestBody() }), 401, 'NOT_AUTHENTICATED');
      const body = problem(
        await call('POST', '/v1/order-requests', {
          as: w.reseller.globalAdmin,
          payload: { ...requestBody(), customerTenantId: w.directCustomer.tenantId },
        }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(fields(body)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    });
  });

  describe('POST /v1/orders/:orderId/approve', () => {
    it('the provider approves: completed, with its subscription', async () => {
      const pending = await orderRequest();
      const done = await ok<OrderBody>(
        call('POST', `/v1/orders/${pending.id}/approve`, { as: w.provider.globalAdmin }),
      );
      expect(done.status).toBe('completed');
      expect(done.lines[0]?.subscriptionId).toEqual(expect.any(String));
    });

    it('answers 400 naming a bad order id and an unknown body field', async () => {
      const pending = await orderRequest();
      expect(
        named(problem(await call('POST', '/v1/orders/abc/approve', { as: w.provider.globalAdmin }), 400)),
      ).toEqual(new Set(['orderId']));
      const body = problem(
        await call('POST', `/v1/orders/${pending.id}/approve`, {
          as: w.provider.globalAdmin,
          payload: { comment: 'ok' },
        }),
        400,
      );
      expect(fields(body)).toEqual([{ code: 'INVALID_FIELD', field: 'comment' }]);
    });

    it('refuses NOT_AUTHORIZED to the requesting reseller and ORDER_NOT_PENDING once decided', async () => {
      const pending = await orderRequest();
      const reseller = problem(
        await call('POST', `/v1/orders/${pending.id}/approve`, { as: w.reseller.globalAdmin }),
        403,
        'NOT_AUTHORIZED',
      );
      expect(reseller.violations[0]?.remedies).toEqual([
        `Ask a global admin, admin agent or sales agent of tenant ${w.provider.tenantId}.`,
      ]);
      await ok(call('POST', `/v1/orders/${pending.id}/approve`, { as: w.provider.globalAdmin }));
      expect(
        fields(
          problem(
            await call('POST', `/v1/orders/${pending.id}/approve`, { as: w.provider.globalAdmin }),
            409,
            'ORDER_NOT_PENDING',
          ),
        ),
      ).toEqual([{ code: 'ORDER_NOT_PENDING', field: 'orderId' }]);
    });

    it('answers 401 without a key and 404 ORDER_NOT_FOUND to another channel', async () => {
      const pending = await orderRequest();
      problem(await call('POST', `/v1/orders/${pending.id}/approve`), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin]) {
        const body = problem(
          await call('POST', `/v1/orders/${pending.id}/approve`, { as }),
          404,
          'ORDER_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'ORDER_NOT_FOUND', field: 'orderId' }]);
      }
    });
  });

  describe('POST /v1/orders/:orderId/cancel', () => {
    it('the reseller withdraws with a reason; the provider rejects without a body', async () => {
      const a = await orderRequest();
      expect(
        await ok(
          call('POST', `/v1/orders/${a.id}/cancel`, {
            as: w.reseller.globalAdmin,
            payload: { reason: 'Customer changed its mind' },
          }),
        ),
      ).toMatchObject({ id: a.id, status: 'cancelled' });
      const b = await orderRequest();
      expect(
        await ok(call('POST', `/v1/orders/${b.id}/cancel`, { as: w.provider.globalAdmin })),
      ).toMatchObject({
        status: 'cancelled',
      });
    });

    it('answers 400 naming an unknown field and a reason that is too long', async () => {
      const pending = await orderRequest();
      const body = problem(
        await call('POST', `/v1/orders/${pending.id}/cancel`, {
          as: w.reseller.globalAdmin,
          payload: { reason: 'x'.repeat(501), orderId: pending.id },
        }),
        400,
      );
      expect(named(body)).toEqual(new Set(['reason', 'orderId']));
    });

    it('refuses ORDER_NOT_PENDING for a completed order', async () => {
      const order = await indirectOrder();
      problem(
        await call('POST', `/v1/orders/${order.id}/cancel`, { as: w.provider.globalAdmin }),
        409,
        'ORDER_NOT_PENDING',
      );
    });

    it('answers 401 without a key and 404 ORDER_NOT_FOUND to another channel', async () => {
      const pending = await orderRequest();
      problem(await call('POST', `/v1/orders/${pending.id}/cancel`), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin])
        problem(await call('POST', `/v1/orders/${pending.id}/cancel`, { as }), 404, 'ORDER_NOT_FOUND');
    });
  });

  describe('GET /v1/orders/:orderId', () => {
    it('the seller, the customer and the partner of record read the order', async () => {
      const order = await indirectOrder();
      for (const as of [w.provider.globalAdmin, w.resellerCustomer.globalAdmin, w.reseller.globalAdmin])
        expect(await ok(call('GET', `/v1/orders/${order.id}`, { as }))).toMatchObject({
          id: order.id,
          status: 'completed',
        });
    });

    it('answers 400 naming a malformed order id and an unknown query parameter', async () => {
      const order = await indirectOrder();
      expect(
        named(problem(await call('GET', '/v1/orders/123', { as: w.provider.globalAdmin }), 400)),
      ).toEqual(new Set(['orderId']));
      expect(
        fields(
          problem(
            await call('GET', `/v1/orders/${order.id}?expand=lines`, { as: w.provider.globalAdmin }),
            400,
          ),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'expand' }]);
    });

    it('answers 401 without a key; 404 ORDER_NOT_FOUND to another channel and for an unknown id', async () => {
      const order = await indirectOrder();
      problem(await call('GET', `/v1/orders/${order.id}`), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin]) {
        const body = problem(await call('GET', `/v1/orders/${order.id}`, { as }), 404, 'ORDER_NOT_FOUND');
        expect(fields(body)).toEqual([{ code: 'ORDER_NOT_FOUND', field: 'orderId' }]);
      }
      problem(
        await call('GET', `/v1/orders/${UNKNOWN_ID}`, { as: w.operator.principal }),
        404,
        'ORDER_NOT_FOUND',
      );
    });
  });

  describe('GET /v1/orders', () => {
    it('lists the orders each party may see, filtered by customer and status, paginated', async () => {
      const indirect = await indirectOrder();
      const pending = await orderRequest();
      const direct = await ok<OrderBody>(
        call('POST', '/v1/orders', { as: w.direct.globalAdmin, payload: directOrderBody() }),
        201,
      );
      const ids = async (url: string, as: Principal) =>
        (await ok<PageBody<{ id: string }>>(call('GET', url, { as }))).items.map((o) => o.id);
      // Every order was placed at the same (test) time: the order is then by id.
      const both = [indirect.id, pending.id].sort();
      expect(await ids('/v1/orders', w.provider.globalAdmin)).toEqual(both);
      expect(await ids('/v1/orders?status=pending', w.reseller.globalAdmin)).toEqual([pending.id]);
      expect(await ids('/v1/orders', w.direct.globalAdmin)).toEqual([direct.id]);
      expect(
        await ids(`/v1/orders?customerTenantId=${w.directCustomer.tenantId}`, w.operator.principal),
      ).toEqual([direct.id]);
      const first = await ok<PageBody<{ id: string }>>(
        call('GET', '/v1/orders?limit=1', { as: w.provider.globalAdmin }),
      );
      expect(first.items.map((o) => o.id)).toEqual([both[0]]);
      const second = await ok<PageBody<{ id: string }>>(
        call('GET', `/v1/orders?limit=1&cursor=${encodeURIComponent(first.next as string)}`, {
          as: w.provider.globalAdmin,
        }),
      );
      expect(second).toEqual({ items: [expect.objectContaining({ id: both[1] })], next: null });
    });

    it('answers 400 naming a bad status, a bad customer id and an unknown parameter; a bad cursor is refused', async () => {
      const as = w.provider.globalAdmin;
      expect(fields(problem(await call('GET', '/v1/orders?status=open', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'status' },
      ]);
      expect(named(problem(await call('GET', '/v1/orders?customerTenantId=x', { as }), 400))).toEqual(
        new Set(['customerTenantId']),
      );
      expect(fields(problem(await call('GET', '/v1/orders?seller=x', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'seller' },
      ]);
      expect(named(problem(await call('GET', '/v1/orders?cursor=nonsense', { as }), 400))).toEqual(
        new Set(['cursor']),
      );
    });

    it('answers 401 without a key; another channel sees none of the orders, even filtering by the customer', async () => {
      await indirectOrder();
      problem(await call('GET', '/v1/orders'), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        expect(
          await ok(call('GET', `/v1/orders?customerTenantId=${w.resellerCustomer.tenantId}`, { as })),
        ).toEqual({ items: [], next: null });
    });
  });

  // -------------------------------------------------------------------------------------------
  // Subscriptions.

  describe('GET /v1/subscriptions', () => {
    it('lists by customer, seller, partner of record (partnerId) and status', async () => {
      const indirect = await indirectSubscription();
      const direct = (
        await ok<OrderBody>(
          call('POST', '/v1/orders', { as: w.direct.globalAdmin, payload: directOrderBody() }),
          201,
        )
      ).lines[0]?.subscriptionId;
      const ids = async (url: string, as: Principal = w.operator.principal) =>
        (await ok<PageBody<{ id: string }>>(call('GET', url, { as }))).items.map((s) => s.id);
      expect((await ids('/v1/subscriptions')).sort()).toEqual([indirect, direct].sort());
      expect(await ids(`/v1/subscriptions?partnerId=${w.reseller.partnerId}`)).toEqual([indirect]);
      expect(await ids(`/v1/subscriptions?sellerTenantId=${w.direct.tenantId}`)).toEqual([direct]);
      expect(
        await ids(`/v1/subscriptions?customerTenantId=${w.resellerCustomer.tenantId}&status=active`),
      ).toEqual([indirect]);
      expect(await ids('/v1/subscriptions?status=suspended')).toEqual([]);
      expect(await ids('/v1/subscriptions', w.reseller.globalAdmin)).toEqual([indirect]);
      expect(await ids('/v1/subscriptions', w.directCustomer.globalAdmin)).toEqual([direct]);
      const first = await ok<PageBody>(
        call('GET', '/v1/subscriptions?limit=1', { as: w.operator.principal }),
      );
      expect(first.items).toHaveLength(1);
      expect(first.next).toEqual(expect.any(String));
    });

    it('answers 400 naming a bad partnerId, a bad status and an unknown parameter', async () => {
      const as = w.provider.globalAdmin;
      expect(named(problem(await call('GET', '/v1/subscriptions?partnerId=abc', { as }), 400))).toEqual(
        new Set(['partnerId']),
      );
      expect(fields(problem(await call('GET', '/v1/subscriptions?status=paused', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'status' },
      ]);
      expect(fields(problem(await call('GET', '/v1/subscriptions?partnerTenantId=x', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'partnerTenantId' },
      ]);
      // Refused by the service: Partner IDs start at 1.
      expect(fields(problem(await call('GET', '/v1/subscriptions?partnerId=0', { as }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'partnerId' },
      ]);
    });

    it('answers 401 without a key; another channel sees nothing, whatever it filters by', async () => {
      await indirectSubscription();
      problem(await call('GET', '/v1/subscriptions'), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        for (const query of [
          '',
          `?customerTenantId=${w.resellerCustomer.tenantId}`,
          `?partnerId=${w.reseller.partnerId}`,
          `?sellerTenantId=${w.provider.tenantId}`,
        ])
          expect(await ok(call('GET', `/v1/subscriptions${query}`, { as }))).toEqual({
            items: [],
            next: null,
          });
    });
  });

  describe('GET /v1/subscriptions/:subscriptionId', () => {
    it('the customer, the provider and the partner of record read it', async () => {
      const id = await indirectSubscription();
      for (const as of [w.resellerCustomer.globalAdmin, w.provider.globalAdmin, w.reseller.globalAdmin])
        expect(await ok(call('GET', `/v1/subscriptions/${id}`, { as }))).toMatchObject({
          id,
          status: 'active',
          quantity: 10,
          partnerId: w.reseller.partnerId,
          cancellationWindowEndsAt: addDays(T0, 7).toISOString(),
        });
    });

    it('answers 400 naming a malformed id and an unknown parameter', async () => {
      const id = await indirectSubscription();
      expect(
        named(problem(await call('GET', '/v1/subscriptions/x', { as: w.provider.globalAdmin }), 400)),
      ).toEqual(new Set(['subscriptionId']));
      expect(
        fields(
          problem(await call('GET', `/v1/subscriptions/${id}?full=1`, { as: w.provider.globalAdmin }), 400),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'full' }]);
    });

    it('answers 401 without a key and 404 SUBSCRIPTION_NOT_FOUND to another channel', async () => {
      const id = await indirectSubscription();
      problem(await call('GET', `/v1/subscriptions/${id}`), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin]) {
        const body = problem(
          await call('GET', `/v1/subscriptions/${id}`, { as }),
          404,
          'SUBSCRIPTION_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'SUBSCRIPTION_NOT_FOUND', field: 'subscriptionId' }]);
      }
    });
  });

  describe('POST /v1/subscriptions/:subscriptionId/quantity', () => {
    it('the provider adds seats, and removes some inside the cancellation window', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/quantity`;
      expect(
        await ok(call('POST', url, { as: w.provider.globalAdmin, payload: { quantity: 15 } })),
      ).toMatchObject({
        quantity: 15,
      });
      expect(
        await ok(call('POST', url, { as: w.provider.globalAdmin, payload: { quantity: 12 } })),
      ).toMatchObject({
        quantity: 12,
      });
    });

    it('answers 400 naming quantity 0, a quantity as text, an unknown field and a missing quantity', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/quantity`;
      const as = w.provider.globalAdmin;
      expect(named(problem(await call('POST', url, { as, payload: { quantity: 0 } }), 400))).toEqual(
        new Set(['quantity']),
      );
      expect(named(problem(await call('POST', url, { as, payload: { quantity: '5' } }), 400))).toEqual(
        new Set(['quantity']),
      );
      expect(
        fields(problem(await call('POST', url, { as, payload: { quantity: 5, seats: 5 } }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'seats' }]);
      expect(fields(problem(await call('POST', url, { as, payload: {} }), 400))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'quantity' },
      ]);
    });

    it('refuses CANCELLATION_WINDOW_CLOSED (with remedies) after the window, QUANTITY_OUT_OF_RANGE, and NOT_AUTHORIZED to the reseller', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/quantity`;
      const as = w.provider.globalAdmin;
      problem(await call('POST', url, { as, payload: { quantity: 301 } }), 422, 'QUANTITY_OUT_OF_RANGE');
      const reseller = problem(
        await call('POST', url, { as: w.reseller.globalAdmin, payload: { quantity: 11 } }),
        403,
        'NOT_AUTHORIZED',
      );
      expect(reseller.violations[0]?.remedies).toEqual(['Ask your indirect provider to do it.']);
      await ok(call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 8 } }));
      const closed = problem(
        await call('POST', url, { as, payload: { quantity: 9 } }),
        422,
        'CANCELLATION_WINDOW_CLOSED',
      );
      expect(closed.violations[0]).toMatchObject({
        field: 'subscriptionId',
        remedies: [
          'Turn auto-renew off so the subscription ends at term end.',
          'Remove the seats at the next renewal, inside its cancellation window.',
        ],
      });
      // Adding seats is still allowed.
      expect(await ok(call('POST', url, { as, payload: { quantity: 20 } }))).toMatchObject({ quantity: 20 });
    });

    it('answers 401 without a key and 404 SUBSCRIPTION_NOT_FOUND to another channel', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/quantity`;
      problem(await call('POST', url, { payload: { quantity: 5 } }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        problem(await call('POST', url, { as, payload: { quantity: 5 } }), 404, 'SUBSCRIPTION_NOT_FOUND');
    });
  });

  describe('POST /v1/subscriptions/:subscriptionId/suspend, /reactivate and /cancel', () => {
    it('suspend → reactivate → cancel, each answering the subscription (no body needed)', async () => {
      const id = await indirectSubscription();
      const as = w.provider.globalAdmin;
      expect(await ok(call('POST', `/v1/subscriptions/${id}/suspend`, { as }))).toMatchObject({
        status: 'suspended',
        suspendedAt: T0.toISOString(),
      });
      expect(await ok(call('POST', `/v1/subscriptions/${id}/reactivate`, { as, payload: {} }))).toMatchObject(
        {
          status: 'active',
          suspendedAt: null,
        },
      );
      expect(await ok(call('POST', `/v1/subscriptions/${id}/cancel`, { as }))).toMatchObject({
        status: 'cancelled',
        autoRenew: false,
      });
    });

    for (const verb of ['suspend', 'reactivate', 'cancel'] as const) {
      it(`${verb}: 400 naming a malformed id and an unknown body field`, async () => {
        const id = await indirectSubscription();
        const as = w.provider.globalAdmin;
        expect(named(problem(await call('POST', `/v1/subscriptions/nope/${verb}`, { as }), 400))).toEqual(
          new Set(['subscriptionId']),
        );
        expect(
          fields(
            problem(
              await call('POST', `/v1/subscriptions/${id}/${verb}`, { as, payload: { now: true } }),
              400,
            ),
          ),
        ).toEqual([{ code: 'INVALID_FIELD', field: 'now' }]);
      });

      it(`${verb}: 401 without a key, 404 SUBSCRIPTION_NOT_FOUND to another channel, 403 to the partner of record`, async () => {
        const id = await indirectSubscription();
        const url = `/v1/subscriptions/${id}/${verb}`;
        problem(await call('POST', url), 401, 'NOT_AUTHENTICATED');
        for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
          problem(await call('POST', url, { as }), 404, 'SUBSCRIPTION_NOT_FOUND');
        problem(await call('POST', url, { as: w.reseller.globalAdmin }), 403, 'NOT_AUTHORIZED');
        problem(await call('POST', url, { as: w.resellerCustomer.globalAdmin }), 403, 'NOT_AUTHORIZED');
      });
    }

    it('refuses INVALID_TRANSITION: suspend twice, reactivate an active one', async () => {
      const id = await indirectSubscription();
      const as = w.provider.globalAdmin;
      problem(await call('POST', `/v1/subscriptions/${id}/reactivate`, { as }), 409, 'INVALID_TRANSITION');
      await ok(call('POST', `/v1/subscriptions/${id}/suspend`, { as }));
      const twice = problem(
        await call('POST', `/v1/subscriptions/${id}/suspend`, { as }),
        409,
        'INVALID_TRANSITION',
      );
      expect(fields(twice)).toEqual([{ code: 'INVALID_TRANSITION', field: 'subscriptionId' }]);
    });

    it('refuses CANCELLATION_WINDOW_CLOSED to a cancel after the window, with remedies; nothing written', async () => {
      const id = await indirectSubscription();
      await ok(call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 8 } }));
      const before = await snapshot(csp.store);
      const body = problem(
        await call('POST', `/v1/subscriptions/${id}/cancel`, { as: w.provider.globalAdmin }),
        422,
        'CANCELLATION_WINDOW_CLOSED',
      );
      expect(body.violations[0]?.remedies).toHaveLength(2);
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/subscriptions/:subscriptionId/auto-renew', () => {
    it('the provider turns auto-renew off and on', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/auto-renew`;
      const as = w.provider.globalAdmin;
      expect(await ok(call('POST', url, { as, payload: { autoRenew: false } }))).toMatchObject({
        autoRenew: false,
      });
      expect(await ok(call('POST', url, { as, payload: { autoRenew: true } }))).toMatchObject({
        autoRenew: true,
      });
    });

    it('answers 400 naming a non-boolean autoRenew and an unknown field', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/auto-renew`;
      const as = w.provider.globalAdmin;
      expect(named(problem(await call('POST', url, { as, payload: { autoRenew: 'no' } }), 400))).toEqual(
        new Set(['autoRenew']),
      );
      expect(
        fields(problem(await call('POST', url, { as, payload: { autoRenew: true, term: 'P1Y' } }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'term' }]);
    });

    it('refuses INVALID_TRANSITION on a cancelled subscription and auto-renew on a usage-based one', async () => {
      const order = await indirectOrder([
        seats(1, { partnerIdOnRecord: w.reseller.partnerId }),
        {
          catalogItemId: USAGE,
          quantity: 1,
          billingCycle: 'monthly',
          partnerIdOnRecord: w.reseller.partnerId,
        },
      ]);
      const [license, usage] = order.lines.map((l) => l.subscriptionId as string);
      const as = w.provider.globalAdmin;
      await ok(call('POST', `/v1/subscriptions/${license}/cancel`, { as }));
      problem(
        await call('POST', `/v1/subscriptions/${license}/auto-renew`, { as, payload: { autoRenew: true } }),
        409,
        'INVALID_TRANSITION',
      );
      expect(
        fields(
          problem(
            await call('POST', `/v1/subscriptions/${usage}/auto-renew`, { as, payload: { autoRenew: true } }),
            400,
          ),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'autoRenew' }]);
    });

    it('answers 401 without a key and 404 SUBSCRIPTION_NOT_FOUND to another channel', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/auto-renew`;
      problem(await call('POST', url, { payload: { autoRenew: false } }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        problem(
          await call('POST', url, { as, payload: { autoRenew: false } }),
          404,
          'SUBSCRIPTION_NOT_FOUND',
        );
    });
  });

  describe('POST /v1/subscriptions/:subscriptionId/partner-of-record', () => {
    it('the provider moves the partner of record to its other reseller', async () => {
      const id = await indirectSubscription();
      const moved = await ok<Json & { salesChain: { tenantId: string }[] }>(
        call('POST', `/v1/subscriptions/${id}/partner-of-record`, {
          as: w.provider.globalAdmin,
          payload: { partnerId: w.reseller2.partnerId },
        }),
      );
      expect(moved).toMatchObject({
        partnerId: w.reseller2.partnerId,
        partnerTenantId: w.reseller2.tenantId,
      });
      expect(moved.salesChain.map((p) => p.tenantId).slice(1)).toEqual([
        w.provider.tenantId,
        w.reseller2.tenantId,
        w.resellerCustomer.tenantId,
      ]);
      // The former partner of record no longer sees it.
      problem(
        await call('GET', `/v1/subscriptions/${id}`, { as: w.reseller.globalAdmin }),
        404,
        'SUBSCRIPTION_NOT_FOUND',
      );
    });

    it('answers 400 naming partnerId 0, a Partner ID as text and an unknown field', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/partner-of-record`;
      const as = w.provider.globalAdmin;
      expect(named(problem(await call('POST', url, { as, payload: { partnerId: 0 } }), 400))).toEqual(
        new Set(['partnerId']),
      );
      expect(named(problem(await call('POST', url, { as, payload: { partnerId: '123' } }), 400))).toEqual(
        new Set(['partnerId']),
      );
      expect(
        fields(
          problem(
            await call('POST', url, { as, payload: { partnerId: 1, partnerTenantId: UNKNOWN_ID } }),
            400,
          ),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'partnerTenantId' }]);
    });

    it('refuses a partner that is no reseller of the provider (NO_ACTIVE_PARTNERSHIP, with remedies) and an unknown Partner ID', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/partner-of-record`;
      const as = w.provider.globalAdmin;
      const before = await snapshot(csp.store);
      const wrong = problem(await call('POST', url, { as, payload: { partnerId: w.direct.partnerId } }), 422);
      const partnership = wrong.violations.find((v) => v.code === 'NO_ACTIVE_PARTNERSHIP');
      expect(partnership?.remedies.length).toBeGreaterThan(0);
      expect(
        fields(
          problem(
            await call('POST', url, { as, payload: { partnerId: 9_999_999 } }),
            404,
            'PARTNER_ID_NOT_FOUND',
          ),
        ),
      ).toEqual([{ code: 'PARTNER_ID_NOT_FOUND', field: 'partnerId' }]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('answers 401 without a key and 404 SUBSCRIPTION_NOT_FOUND to another channel', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/partner-of-record`;
      const payload = { partnerId: w.reseller2.partnerId };
      problem(await call('POST', url, { payload }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        problem(await call('POST', url, { as, payload }), 404, 'SUBSCRIPTION_NOT_FOUND');
    });
  });

  describe('POST /v1/subscriptions/:subscriptionId/support-contact', () => {
    it('the provider names its other reseller as support contact, then clears it (no body)', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/support-contact`;
      const as = w.provider.globalAdmin;
      expect(
        await ok(call('POST', url, { as, payload: { resellerTenantId: w.reseller2.tenantId } })),
      ).toMatchObject({ supportContactTenantId: w.reseller2.tenantId });
      // The support contact now sees the subscription.
      await ok(call('GET', `/v1/subscriptions/${id}`, { as: w.reseller2.globalAdmin }));
      expect(await ok(call('POST', url, { as }))).toMatchObject({ supportContactTenantId: null });
    });

    it('answers 400 naming a malformed tenant id and an unknown field', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/support-contact`;
      const as = w.provider.globalAdmin;
      expect(
        named(problem(await call('POST', url, { as, payload: { resellerTenantId: 'r2' } }), 400)),
      ).toEqual(new Set(['resellerTenantId']));
      expect(fields(problem(await call('POST', url, { as, payload: { partnerId: 1 } }), 400))).toEqual([
        { code: 'INVALID_FIELD', field: 'partnerId' },
      ]);
    });

    it('refuses SUPPORT_CONTACT_NOT_ELIGIBLE (with a remedy) for a partner that is no reseller of the provider', async () => {
      const id = await indirectSubscription();
      const body = problem(
        await call('POST', `/v1/subscriptions/${id}/support-contact`, {
          as: w.provider.globalAdmin,
          payload: { resellerTenantId: w.direct.tenantId },
        }),
        422,
        'SUPPORT_CONTACT_NOT_ELIGIBLE',
      );
      expect(body.violations).toEqual([
        expect.objectContaining({
          field: 'resellerTenantId',
          remedies: ['Name one of your active indirect resellers (GET /v1/tenants/{id}/partnerships).'],
        }),
      ]);
    });

    it('answers 401 without a key and 404 SUBSCRIPTION_NOT_FOUND to another channel', async () => {
      const id = await indirectSubscription();
      const url = `/v1/subscriptions/${id}/support-contact`;
      const payload = { resellerTenantId: w.reseller2.tenantId };
      problem(await call('POST', url, { payload }), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.direct.globalAdmin, w.reseller2.globalAdmin, w.usCustomer.globalAdmin])
        problem(await call('POST', url, { as, payload }), 404, 'SUBSCRIPTION_NOT_FOUND');
    });
  });

  // -------------------------------------------------------------------------------------------
  // Sandbox clock.

  describe('POST /v1/clock/advance', () => {
    it('the operator moves the clock 40 days: the monthly subscription renews, the clock stays moved', async () => {
      const order = await indirectOrder([
        seats(3, { partnerIdOnRecord: w.reseller.partnerId, termDuration: 'P1M' }),
        seats(2, { partnerIdOnRecord: w.reseller.partnerId }),
      ]);
      const moved = await ok(
        call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 40, hours: 1 } }),
      );
      expect(moved).toEqual({
        offsetMs: 40 * DAY_MS + 3_600_000,
        now: new Date(addDays(T0, 40).getTime() + 3_600_000).toISOString(),
        processed: { renewed: 1, expired: 0, disabled: 0 },
      });
      const monthly = await ok(
        call('GET', `/v1/subscriptions/${order.lines[0]?.subscriptionId}`, { as: w.provider.globalAdmin }),
      );
      expect(monthly).toMatchObject({
        status: 'active',
        termStartAt: '2026-02-15T10:00:00.000Z',
        termEndAt: '2026-03-15T10:00:00.000Z',
      });
      // Later requests run at the moved time: the cancellation window of the yearly one is closed.
      problem(
        await call('POST', `/v1/subscriptions/${order.lines[1]?.subscriptionId}/cancel`, {
          as: w.provider.globalAdmin,
        }),
        422,
        'CANCELLATION_WINDOW_CLOSED',
      );
    });

    it('answers 400 naming a negative day count and an unknown field; the service asks for days or hours', async () => {
      const as = w.operator.principal;
      expect(
        named(problem(await call('POST', '/v1/clock/advance', { as, payload: { days: -1 } }), 400)),
      ).toEqual(new Set(['days']));
      expect(
        fields(problem(await call('POST', '/v1/clock/advance', { as, payload: { days: 1, weeks: 1 } }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'weeks' }]);
      expect(fields(problem(await call('POST', '/v1/clock/advance', { as, payload: {} }), 400))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'days' },
      ]);
    });

    it('refuses NOT_AUTHORIZED to anyone but the operator, and an Idempotency-Key; nothing moves', async () => {
      const before = await snapshot(csp.store);
      for (const as of [w.provider.globalAdmin, w.direct.globalAdmin, w.resellerCustomer.globalAdmin])
        problem(await call('POST', '/v1/clock/advance', { as, payload: { days: 1 } }), 403, 'NOT_AUTHORIZED');
      const keyed = problem(
        await call('POST', '/v1/clock/advance', {
          as: w.operator.principal,
          payload: { days: 1 },
          headers: { 'idempotency-key': 'tick-1' },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(keyed.violations[0]).toMatchObject({ field: 'Idempotency-Key' });
      expect(await snapshot(csp.store)).toEqual(before);
      expect(csp.now()).toEqual(T0);
    });

    it('answers 401 without a key; a dry run answers the move and writes nothing', async () => {
      problem(await call('POST', '/v1/clock/advance', { payload: { days: 1 } }), 401, 'NOT_AUTHENTICATED');
      const before = await snapshot(csp.store);
      expect(
        await ok(
          call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 2 }, dryRun: true }),
        ),
      ).toEqual({ dryRun: true, value: { offsetMs: 2 * DAY_MS, now: addDays(T0, 2).toISOString() } });
      expect(await snapshot(csp.store)).toEqual(before);
      expect(csp.now()).toEqual(T0);
    });
  });

  describe('POST /v1/clock/process-due', () => {
    it('the operator processes what fell due (nothing yet), with or without a body', async () => {
      await indirectSubscription();
      const report = { renewed: 0, expired: 0, disabled: 0, more: false };
      expect(await ok(call('POST', '/v1/clock/process-due', { as: w.operator.principal }))).toEqual(report);
      expect(
        await ok(call('POST', '/v1/clock/process-due', { as: w.operator.principal, payload: { batch: 10 } })),
      ).toEqual(report);
    });

    it('answers 400 naming batch 0 and an unknown field', async () => {
      const as = w.operator.principal;
      expect(
        named(problem(await call('POST', '/v1/clock/process-due', { as, payload: { batch: 0 } }), 400)),
      ).toEqual(new Set(['batch']));
      expect(
        fields(problem(await call('POST', '/v1/clock/process-due', { as, payload: { until: 'x' } }), 400)),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'until' }]);
    });

    it('answers 401 without a key and 403 NOT_AUTHORIZED to anyone but the operator', async () => {
      problem(await call('POST', '/v1/clock/process-due'), 401, 'NOT_AUTHENTICATED');
      for (const as of [w.provider.globalAdmin, w.resellerCustomer.globalAdmin])
        problem(await call('POST', '/v1/clock/process-due', { as }), 403, 'NOT_AUTHORIZED');
    });
  });

  it('every commerce route is in the OpenAPI document, with its tag', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const paths = (res.json() as { paths: Record<string, Record<string, { tags?: string[] }>> }).paths;
    const expected: [string, string, string][] = [
      ['get', '/v1/catalog/offers', 'catalog'],
      ['get', '/v1/catalog/offers/{catalogItemId}', 'catalog'],
      ['post', '/v1/catalog/import', 'catalog'],
      ['post', '/v1/tenants/{tenantId}/services', 'catalog'],
      ['post', '/v1/orders', 'orders'],
      ['get', '/v1/orders', 'orders'],
      ['post', '/v1/order-requests', 'orders'],
      ['post', '/v1/orders/{orderId}/approve', 'orders'],
      ['post', '/v1/orders/{orderId}/cancel', 'orders'],
      ['get', '/v1/orders/{orderId}', 'orders'],
      ['get', '/v1/subscriptions', 'subscriptions'],
      ['get', '/v1/subscriptions/{subscriptionId}', 'subscriptions'],
      ...[
        'quantity',
        'suspend',
        'reactivate',
        'cancel',
        'auto-renew',
        'partner-of-record',
        'support-contact',
      ].map((verb): [string, string, string] => [
        'post',
        `/v1/subscriptions/{subscriptionId}/${verb}`,
        'subscriptions',
      ]),
      ['post', '/v1/clock/advance', 'sandbox'],
      ['post', '/v1/clock/process-due', 'sandbox'],
    ];
    for (const [method, path, tag] of expected)
      expect(paths[path]?.[method]?.tags, `${method.toUpperCase()} ${path}`).toEqual([tag]);
    const order = paths['/v1/orders']?.post as unknown as {
      requestBody: { content: Record<string, { schema: Json }> };
    };
    expect(order.requestBody.content['application/json']?.schema).toMatchObject({
      required: ['sellerTenantId', 'customerTenantId', 'lines'],
      additionalProperties: false,
      properties: { lines: { maxItems: 100 } },
    });
  });
});
