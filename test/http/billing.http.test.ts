/**
 * The billing routes over HTTP, on SQLite and PostgreSQL: price lists, buyer groups and repricing
 * rules; an indirect order billed down its chain; the sandbox clock and the operator's period close;
 * invoices as each party sees them (its own only), their lines, the CSV and NDJSON reconciliation
 * exports (streamed text, declared per media type), void and credit; the refusals (problem
 * documents with stable codes), the missing key (401), outsiders (404 like a missing object), the
 * ledger of a billing entity, and the typed client reading an export as text.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { EXPORT_COLUMNS } from '../../src/billing/export.ts';
import { createClient, unwrap } from '../../src/client/client.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { buildCommerceWorld, type CommerceWorld, SEATS } from '../support/commerce.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const HEADER = EXPORT_COLUMNS.join(',');

type Json = Record<string, unknown>;
interface ProblemBody {
  code: string;
  status: number;
  violations: { code: string; message: string; field?: string; remedies: string[] }[];
}
interface InvoiceBody {
  id: string;
  kind: string;
  number: string | null;
  status: string;
  sellerTenantId: string;
  buyerTenantId: string;
  total: string;
  period: string;
  closedInPeriod: string;
  lineCount: number;
}
interface Page<T> {
  items: T[];
  next: string | null;
}

/** Asserts a problem+json answer with this status and first code; returns the document. */
function problem(res: LightMyRequestResponse, status: number, code: string): ProblemBody {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as ProblemBody;
  expect({ status: res.statusCode, code: body.code }, res.body).toEqual({ status, code });
  return body;
}

const seatsEntry = (unitPrice: string, extra: Json = {}): Json => ({
  skuId: SEATS,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  country: 'FR',
  currency: 'EUR',
  unitPrice,
  effectiveFrom: '2026-01-01',
  ...extra,
});

describeEachDatabase('HTTP billing', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let w: CommerceWorld;
  const keyring = apiKeys(() => csp);
  const key = keyring.key;

  beforeEach(async () => {
    keyring.clear();
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
    for (const principal of [
      w.operator.principal,
      w.provider.globalAdmin,
      w.reseller.globalAdmin,
      w.direct.globalAdmin,
      w.resellerCustomer.globalAdmin,
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

  async function ok<T = Json>(res: Promise<LightMyRequestResponse>, status = 200): Promise<T> {
    const r = await res;
    expect(r.statusCode, r.body).toBe(status);
    return r.json() as T;
  }

  /** The provider sells at 6.00 to its resellers, the reseller at 7.50 to its customers (5.60 list). */
  async function priceLists() {
    const provider = await ok<Json>(
      call('POST', `/v1/tenants/${w.provider.tenantId}/price-list`, {
        as: w.provider.globalAdmin,
        payload: seatsEntry('6.00'),
      }),
      201,
    );
    await ok(
      call('POST', `/v1/tenants/${w.reseller.tenantId}/price-list`, {
        as: w.reseller.globalAdmin,
        payload: seatsEntry('7.5'),
      }),
      201,
    );
    return provider;
  }

  /** The provider orders 10 seats for the reseller's customer, the reseller as partner of record. */
  async function indirectOrder(): Promise<string> {
    const order = await ok<{ lines: { subscriptionId: string }[] }>(
      call('POST', '/v1/orders', {
        as: w.provider.globalAdmin,
        payload: {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [
            {
              catalogItemId: SEATS,
              quantity: 10,
              termDuration: 'P1Y',
              billingCycle: 'monthly',
              partnerIdOnRecord: w.reseller.partnerId,
            },
          ],
        },
      }),
      201,
    );
    return order.lines[0]?.subscriptionId as string;
  }

  /** Price lists, the order on 2026-01-15, the clock to 2026-02-01, January closed. */
  async function closedJanuary() {
    await priceLists();
    const subscriptionId = await indirectOrder();
    await ok(call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 17 } }));
    const report = await ok(
      call('POST', '/v1/billing/close', { as: w.operator.principal, payload: { period: '2026-01' } }),
    );
    const all = (await ok<Page<InvoiceBody>>(call('GET', '/v1/invoices', { as: w.operator.principal })))
      .items;
    const byTotal = (total: string) => all.find((i) => i.total === total) as InvoiceBody;
    return {
      report,
      subscriptionId,
      all,
      vendorInvoice: byTotal('56.00'),
      providerInvoice: byTotal('60.00'),
      resellerInvoice: byTotal('75.00'),
    };
  }

  it('prices, an indirect order, the clock, the close: one invoice per relationship, each party sees its own', async () => {
    const { report, all, vendorInvoice, providerInvoice, resellerInvoice } = await closedJanuary();
    expect(report).toEqual({
      period: '2026-01',
      alreadyClosed: false,
      periodsClosed: ['2026-01'],
      documentsIssued: 3,
      linesBilled: 3,
    });
    expect(all.map((i) => [i.kind, i.status, i.total, i.period, i.lineCount]).sort()).toEqual([
      ['invoice', 'issued', '56.00', '2026-01', 1],
      ['invoice', 'issued', '60.00', '2026-01', 1],
      ['invoice', 'issued', '75.00', '2026-01', 1],
    ]);
    expect(providerInvoice).toMatchObject({
      sellerTenantId: w.provider.tenantId,
      buyerTenantId: w.reseller.tenantId,
      number: `INV-${w.provider.partnerId}-2026-000001`,
      taxPolicy: 'none',
      taxExclusive: true,
      taxTotal: '0.00',
    });

    const totals = async (as: Principal, query = '') =>
      (await ok<Page<InvoiceBody>>(call('GET', `/v1/invoices${query}`, { as }))).items
        .map((i) => i.total)
        .sort();
    expect(await totals(w.provider.globalAdmin)).toEqual(['56.00', '60.00']);
    expect(await totals(w.provider.globalAdmin, '?role=issued')).toEqual(['60.00']);
    expect(await totals(w.provider.globalAdmin, '?role=received')).toEqual(['56.00']);
    expect(await totals(w.reseller.globalAdmin)).toEqual(['60.00', '75.00']);
    expect(await totals(w.resellerCustomer.globalAdmin)).toEqual(['75.00']);
    expect(await totals(w.direct.globalAdmin)).toEqual([]);
    expect(await totals(w.operator.principal, '?period=2026-02')).toEqual([]);
    expect(await totals(w.operator.principal, '?status=issued&period=2026-01')).toHaveLength(3);
    const first = await ok<Page<InvoiceBody>>(
      call('GET', '/v1/invoices?limit=2', { as: w.operator.principal }),
    );
    expect(first.items).toHaveLength(2);
    const rest = await ok<Page<InvoiceBody>>(
      call('GET', `/v1/invoices?limit=2&cursor=${encodeURIComponent(first.next as string)}`, {
        as: w.operator.principal,
      }),
    );
    expect(rest).toMatchObject({ items: [expect.any(Object)], next: null });

    // One invoice, and its lines, to its parties only.
    expect(
      await ok<InvoiceBody>(
        call('GET', `/v1/invoices/${resellerInvoice.id}`, { as: w.resellerCustomer.globalAdmin }),
      ),
    ).toEqual(resellerInvoice);
    const lines = await ok<Page<Json>>(
      call('GET', `/v1/invoices/${resellerInvoice.id}/lines`, { as: w.reseller.globalAdmin }),
    );
    expect(lines.next).toBeNull();
    expect(lines.items).toEqual([
      expect.objectContaining({
        invoiceId: resellerInvoice.id,
        invoiceNumber: resellerInvoice.number,
        chargeType: 'new',
        chainTier: 3,
        quantity: 10,
        unitPrice: '7.500000',
        subtotal: '75.00',
        marginAmount: '15.00',
        chargeStartDate: '2026-01-15',
        chargeEndDate: '2026-02-14',
      }),
    ]);
    for (const [as, id] of [
      [w.reseller.globalAdmin, vendorInvoice.id],
      [w.direct.globalAdmin, providerInvoice.id],
      [w.resellerCustomer.globalAdmin, providerInvoice.id],
    ] as const) {
      const hidden = problem(await call('GET', `/v1/invoices/${id}`, { as }), 404, 'INVOICE_NOT_FOUND');
      const missing = problem(
        await call('GET', `/v1/invoices/${UNKNOWN_ID}`, { as }),
        404,
        'INVOICE_NOT_FOUND',
      );
      expect(hidden.violations.map((v) => [v.code, v.field])).toEqual(
        missing.violations.map((v) => [v.code, v.field]),
      );
      problem(await call('GET', `/v1/invoices/${id}/lines`, { as }), 404, 'INVOICE_NOT_FOUND');
    }
  });

  it('exports an invoice and a period as CSV and NDJSON: status, media type, the header line, the rows', async () => {
    const { providerInvoice, resellerInvoice } = await closedJanuary();
    const csv = await call('GET', `/v1/invoices/${resellerInvoice.id}/export?format=csv`, {
      as: w.resellerCustomer.globalAdmin,
    });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(
      `attachment; filename="invoice-${resellerInvoice.id}.csv"`,
    );
    const rows = csv.body.split('\n');
    expect(rows[0]).toBe(HEADER);
    expect(rows).toHaveLength(3); // header, one line, the final LF
    expect(rows[2]).toBe('');
    const row = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, rows[1]?.split(',')[i]]));
    expect(row).toMatchObject({
      InvoiceNumber: resellerInvoice.number,
      ChargeType: 'new',
      UnitPrice: '7.500000',
      Quantity: '10',
      Total: '75.00',
      Currency: 'EUR',
      ChainTier: '3',
      // The buyer does not read its seller's margin, nor the line its seller bought.
      MarginAmount: '',
      SourceLineId: '',
    });
    // The seller reads them; the default format is CSV.
    const plain = await call('GET', `/v1/invoices/${resellerInvoice.id}/export`, {
      as: w.reseller.globalAdmin,
    });
    const sellerRow = Object.fromEntries(
      EXPORT_COLUMNS.map((c, i) => [c, plain.body.split('\n')[1]?.split(',')[i]]),
    );
    expect(sellerRow).toMatchObject({
      ...row,
      MarginAmount: '15.00',
      SourceLineId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    const ndjson = await call('GET', `/v1/invoices/${providerInvoice.id}/export?format=ndjson`, {
      as: w.reseller.globalAdmin,
    });
    expect(ndjson.statusCode).toBe(200);
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const objects = ndjson.body
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json);
    expect(objects).toHaveLength(1);
    expect(Object.keys(objects[0] as Json)).toEqual([...EXPORT_COLUMNS]);
    expect(objects[0]).toMatchObject({ Total: '60.00', Quantity: 10, ChainTier: 2, MarginAmount: null });
    // The same over the lines API.
    const lines = async (as: Principal) =>
      (
        JSON.parse((await call('GET', `/v1/invoices/${resellerInvoice.id}/lines`, { as })).body) as {
          items: { marginAmount: string | null; sourceLineId: string | null }[];
        }
      ).items[0];
    expect(await lines(w.resellerCustomer.globalAdmin)).toMatchObject({
      marginAmount: null,
      sourceLineId: null,
    });
    expect(await lines(w.reseller.globalAdmin)).toMatchObject({ marginAmount: '15.00' });
    expect((await lines(w.operator.principal))?.marginAmount).toBe('15.00');

    // The period: what the caller's tenant issued or received; the operator everything.
    const period = async (as: Principal, format = 'csv') => {
      const r = await call('GET', `/v1/billing/periods/2026-01/export?format=${format}`, { as });
      expect(r.statusCode, r.body).toBe(200);
      return r;
    };
    const operatorCsv = await period(w.operator.principal);
    expect(operatorCsv.headers['content-disposition']).toBe('attachment; filename="billing-2026-01.csv"');
    expect(operatorCsv.body.split('\n')[0]).toBe(HEADER);
    expect(operatorCsv.body.trimEnd().split('\n')).toHaveLength(4);
    expect((await period(w.reseller.globalAdmin)).body.trimEnd().split('\n')).toHaveLength(3);
    expect((await period(w.direct.globalAdmin)).body).toBe(`${HEADER}\n`);
    const none = await period(w.direct.globalAdmin, 'ndjson');
    expect(none.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(none.body).toBe('');
    expect((await period(w.resellerCustomer.globalAdmin, 'ndjson')).body.trimEnd().split('\n')).toHaveLength(
      1,
    );

    // Refusals are problem documents, as on every route.
    problem(
      await call('GET', `/v1/invoices/${providerInvoice.id}/export`, { as: w.direct.globalAdmin }),
      404,
      'INVOICE_NOT_FOUND',
    );
    problem(
      await call('GET', `/v1/invoices/${UNKNOWN_ID}/export?format=ndjson`, { as: w.operator.principal }),
      404,
      'INVOICE_NOT_FOUND',
    );
    const bad = problem(
      await call('GET', `/v1/invoices/${providerInvoice.id}/export?format=xlsx`, {
        as: w.operator.principal,
      }),
      400,
      'INVALID_FIELD',
    );
    expect(bad.violations[0]?.field).toBe('format');
    problem(
      await call('GET', '/v1/billing/periods/2026-13/export', { as: w.operator.principal }),
      400,
      'INVALID_FIELD',
    );
    problem(await call('GET', `/v1/invoices/${providerInvoice.id}/export`), 401, 'NOT_AUTHENTICATED');
    problem(await call('GET', '/v1/billing/periods/2026-01/export'), 401, 'NOT_AUTHENTICATED');
  });

  it('the typed client reads an export as its text and an invoice as JSON', async () => {
    const { resellerInvoice } = await closedJanuary();
    const api = createClient({ inject: app, apiKey: await key(w.reseller.globalAdmin) });
    const text = unwrap(
      await api.request('GET /v1/invoices/:invoiceId/export', {
        params: { invoiceId: resellerInvoice.id },
        query: { format: 'csv' },
      }),
    );
    expect(typeof text).toBe('string');
    expect(text.split('\n')[0]).toBe(HEADER);
    const invoice = unwrap(
      await api.request('GET /v1/invoices/:invoiceId', { params: { invoiceId: resellerInvoice.id } }),
    );
    expect(invoice.total).toBe('75.00');
  });

  it('void by the seller (once), never by the buyer; a credit is a negative line billed at the next close', async () => {
    const { providerInvoice, subscriptionId } = await closedJanuary();
    const url = `/v1/invoices/${providerInvoice.id}/void`;
    const before = await snapshot(csp.store);
    problem(
      await call('POST', url, { as: w.reseller.globalAdmin, payload: { reason: 'Mine' } }),
      403,
      'NOT_AUTHORIZED',
    );
    problem(
      await call('POST', url, { as: w.direct.globalAdmin, payload: { reason: 'x' } }),
      404,
      'INVOICE_NOT_FOUND',
    );
    problem(await call('POST', url, { payload: { reason: 'x' } }), 401, 'NOT_AUTHENTICATED');
    expect(
      problem(await call('POST', url, { as: w.provider.globalAdmin, payload: {} }), 400, 'REQUIRED_FIELD')
        .violations[0]?.field,
    ).toBe('reason');
    expect(await snapshot(csp.store)).toEqual(before);
    const voided = await ok<InvoiceBody & { voidReason: string; voidedAt: string }>(
      call('POST', url, { as: w.provider.globalAdmin, payload: { reason: 'Wrong buyer' } }),
    );
    expect(voided).toMatchObject({
      status: 'void',
      voidReason: 'Wrong buyer',
      number: providerInvoice.number,
    });
    problem(
      await call('POST', url, { as: w.provider.globalAdmin, payload: { reason: 'Again' } }),
      409,
      'INVOICE_NOT_ISSUED',
    );

    const credit = await ok<Json>(
      call('POST', `/v1/subscriptions/${subscriptionId}/credits`, {
        as: w.reseller.globalAdmin,
        payload: { sellerTenantId: w.reseller.tenantId, amount: '5.00', reason: 'Outage' },
      }),
      201,
    );
    expect(credit).toMatchObject({
      chargeType: 'customerCredit',
      chainTier: 3,
      subtotal: '-5.00',
      reason: 'Outage',
      invoiceNumber: null,
      sellerTenantId: w.reseller.tenantId,
      buyerTenantId: w.resellerCustomer.tenantId,
      period: '2026-02',
    });
    // On February's draft invoice of the relationship, which the buyer reads with its totals so far.
    const draft = await ok<Json>(
      call('GET', `/v1/invoices/${credit.invoiceId}`, { as: w.resellerCustomer.globalAdmin }),
    );
    expect(draft).toMatchObject({
      status: 'draft',
      number: null,
      period: '2026-02',
      lineCount: 1,
      total: '-5.00',
    });
    problem(
      await call('POST', `/v1/subscriptions/${subscriptionId}/credits`, {
        as: w.reseller.globalAdmin,
        payload: { sellerTenantId: w.reseller.tenantId, amount: '-5', reason: 'Outage' },
      }),
      400,
      'INVALID_FIELD',
    );
  });

  it('a credit by a partner on no party of the subscription is SUBSCRIPTION_NOT_FOUND, as for a missing one', async () => {
    await priceLists();
    const subscriptionId = await indirectOrder();
    const before = await snapshot(csp.store);
    const body = { sellerTenantId: w.direct.tenantId, amount: '5.00', reason: 'Fishing' };
    const theirs = problem(
      await call('POST', `/v1/subscriptions/${subscriptionId}/credits`, {
        as: w.direct.globalAdmin,
        payload: body,
      }),
      404,
      'SUBSCRIPTION_NOT_FOUND',
    );
    const missing = problem(
      await call('POST', `/v1/subscriptions/${UNKNOWN_ID}/credits`, {
        as: w.direct.globalAdmin,
        payload: body,
      }),
      404,
      'SUBSCRIPTION_NOT_FOUND',
    );
    expect(theirs.violations.map((v) => [v.code, v.field])).toEqual(
      missing.violations.map((v) => [v.code, v.field]),
    );
    // Naming a seller one does not act for: the tenant is not found.
    problem(
      await call('POST', `/v1/subscriptions/${subscriptionId}/credits`, {
        as: w.direct.globalAdmin,
        payload: { ...body, sellerTenantId: w.provider.tenantId },
      }),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(await snapshot(csp.store)).toEqual(before);
  });

  it('refusals: PRICE_LIST_OVERLAP, EFFECTIVE_MONTH_NOT_FUTURE, PERIOD_NOT_ENDED, INVOICE_NOT_FOUND, 401', async () => {
    const entry = await priceLists();
    const overlap = problem(
      await call('POST', `/v1/tenants/${w.provider.tenantId}/price-list`, {
        as: w.provider.globalAdmin,
        payload: seatsEntry('6.50', { effectiveFrom: '2026-03-01' }),
      }),
      409,
      'PRICE_LIST_OVERLAP',
    );
    expect(overlap.violations[0]?.remedies[0]).toContain(`/v1/price-list/${entry.id}/end`);
    const rule = problem(
      await call('POST', `/v1/tenants/${w.reseller.tenantId}/repricing-rules`, {
        as: w.reseller.globalAdmin,
        payload: { basis: 'cost', adjustmentBps: 1000, effectiveMonth: '2026-01' },
      }),
      422,
      'EFFECTIVE_MONTH_NOT_FUTURE',
    );
    expect(rule.violations[0]?.field).toBe('effectiveMonth');
    await indirectOrder();
    const before = await snapshot(csp.store);
    const early = problem(
      await call('POST', '/v1/billing/close', { as: w.operator.principal, payload: { period: '2026-01' } }),
      409,
      'PERIOD_NOT_ENDED',
    );
    expect(early.violations[0]?.field).toBe('period');
    problem(
      await call('POST', '/v1/billing/close', { as: w.provider.globalAdmin, payload: { period: '2025-12' } }),
      403,
      'NOT_AUTHORIZED',
    );
    expect(
      problem(
        await call('POST', '/v1/billing/close', { as: w.operator.principal, payload: { period: '2026-1' } }),
        400,
        'INVALID_FIELD',
      ).violations[0]?.field,
    ).toBe('period');
    problem(
      await call('GET', `/v1/invoices/${UNKNOWN_ID}`, { as: w.operator.principal }),
      404,
      'INVOICE_NOT_FOUND',
    );
    problem(
      await call('POST', `/v1/invoices/${UNKNOWN_ID}/void`, {
        as: w.operator.principal,
        payload: { reason: 'x' },
      }),
      404,
      'INVOICE_NOT_FOUND',
    );
    for (const [method, url] of [
      ['GET', '/v1/invoices'],
      ['GET', `/v1/invoices/${UNKNOWN_ID}`],
      ['GET', `/v1/invoices/${UNKNOWN_ID}/lines`],
      ['GET', `/v1/tenants/${w.provider.tenantId}/price-list`],
      ['GET', `/v1/tenants/${w.provider.tenantId}/repricing-rules`],
      ['POST', '/v1/billing/close'],
      ['POST', `/v1/tenants/${w.provider.tenantId}/price-list`],
    ] as const)
      problem(
        await call(method, url, { payload: method === 'POST' ? {} : undefined }),
        401,
        'NOT_AUTHENTICATED',
      );
    expect(await snapshot(csp.store)).toEqual(before);
  });

  it('price lists, buyer groups and repricing rules: to the seller only; an entry ends', async () => {
    const entry = await priceLists();
    const list = `/v1/tenants/${w.provider.tenantId}/price-list`;
    expect(entry).toMatchObject({
      sellerTenantId: w.provider.tenantId,
      productId: 'TESTSEATS001',
      skuId: SEATS,
      unitPrice: '6.000000',
      erp: null,
      effectiveFrom: '2026-01-01',
      effectiveTo: null,
    });
    await ok(
      call('POST', list, {
        as: w.provider.globalAdmin,
        payload: seatsEntry('70.00', { billingCycle: 'annual', erp: '72.00' }),
      }),
      201,
    );
    // Two pages of one: by creation then id (both were created at the same instant here).
    const page = await ok<Page<Json>>(call('GET', `${list}?limit=1`, { as: w.provider.globalAdmin }));
    expect(page.items).toHaveLength(1);
    const second = await ok<Page<Json>>(
      call('GET', `${list}?limit=1&cursor=${encodeURIComponent(page.next as string)}`, {
        as: w.provider.globalAdmin,
      }),
    );
    expect(second.next).toBeNull();
    expect([...page.items, ...second.items]).toEqual(
      expect.arrayContaining([entry, expect.objectContaining({ billingCycle: 'annual', erp: '72.000000' })]),
    );
    expect(
      (await ok<Page<Json>>(call('GET', `${list}?country=DE`, { as: w.operator.principal }))).items,
    ).toEqual([]);
    for (const as of [w.reseller.globalAdmin, w.direct.globalAdmin, w.resellerCustomer.globalAdmin])
      expect(problem(await call('GET', list, { as }), 404, 'TENANT_NOT_FOUND').violations[0]?.field).toBe(
        'tenantId',
      );

    const ended = await ok<Json>(
      call('POST', `/v1/price-list/${entry.id}/end`, {
        as: w.provider.globalAdmin,
        payload: { effectiveTo: '2026-03-01' },
      }),
    );
    expect(ended).toMatchObject({ id: entry.id, effectiveTo: '2026-03-01' });
    problem(
      await call('POST', `/v1/price-list/${entry.id}/end`, {
        as: w.reseller.globalAdmin,
        payload: { effectiveTo: '2026-04-01' },
      }),
      404,
      'PRICE_LIST_ENTRY_NOT_FOUND',
    );
    // From the day it ends, a new entry may start.
    await ok(
      call('POST', list, {
        as: w.provider.globalAdmin,
        payload: seatsEntry('6.50', { effectiveFrom: '2026-03-01' }),
      }),
      201,
    );

    const group = `/v1/tenants/${w.reseller.tenantId}/buyer-groups/gold/members`;
    expect(
      await ok(
        call('POST', group, {
          as: w.reseller.globalAdmin,
          payload: { buyerTenantId: w.resellerCustomer.tenantId },
        }),
      ),
    ).toEqual({ sellerTenantId: w.reseller.tenantId, group: 'gold', members: [w.resellerCustomer.tenantId] });
    expect(
      await ok(
        call('POST', group, {
          as: w.reseller.globalAdmin,
          payload: { buyerTenantId: w.resellerCustomer.tenantId, member: false },
        }),
      ),
    ).toEqual({ sellerTenantId: w.reseller.tenantId, group: 'gold', members: [] });
    problem(
      await call('POST', group, {
        as: w.provider.globalAdmin,
        payload: { buyerTenantId: w.resellerCustomer.tenantId },
      }),
      404,
      'TENANT_NOT_FOUND',
    );

    const rules = `/v1/tenants/${w.reseller.tenantId}/repricing-rules`;
    const rule = await ok<Json>(
      call('POST', rules, {
        as: w.reseller.globalAdmin,
        payload: {
          buyerGroup: 'gold',
          basis: 'cost',
          adjustmentBps: 1500,
          overrides: [{ skuIds: [SEATS], basis: 'erp', adjustmentBps: 500 }],
          effectiveMonth: '2026-02',
        },
      }),
      201,
    );
    expect(rule).toMatchObject({
      sellerTenantId: w.reseller.tenantId,
      buyerTenantId: null,
      buyerGroup: 'gold',
      overrides: [{ productIds: [], skuIds: [SEATS], basis: 'erp', adjustmentBps: 500 }],
      allowBelowCost: false,
    });
    expect(await ok(call('GET', rules, { as: w.reseller.globalAdmin }))).toEqual({ items: [rule] });
    problem(await call('GET', rules, { as: w.provider.globalAdmin }), 404, 'TENANT_NOT_FOUND');
    problem(
      await call('POST', rules, {
        as: w.reseller.globalAdmin,
        payload: { basis: 'cost', adjustmentBps: -100, effectiveMonth: '2026-02' },
      }),
      422,
      'PRICE_BELOW_COST',
    );
  });

  it('close: a dry run writes nothing; an Idempotency-Key is accepted and a retry answers alreadyClosed', async () => {
    await priceLists();
    await indirectOrder();
    await ok(call('POST', '/v1/clock/advance', { as: w.operator.principal, payload: { days: 17 } }));
    const before = await snapshot(csp.store);
    expect(
      await ok(
        call('POST', '/v1/billing/close', {
          as: w.operator.principal,
          payload: { period: '2026-01' },
          dryRun: true,
        }),
      ),
    ).toEqual({ dryRun: true, value: { period: '2026-01', closed: false } });
    expect(await snapshot(csp.store)).toEqual(before);
    const headers = { 'idempotency-key': 'close-2026-01' };
    const first = await ok(
      call('POST', '/v1/billing/close', {
        as: w.operator.principal,
        payload: { period: '2026-01' },
        headers,
      }),
    );
    expect(first).toMatchObject({ alreadyClosed: false, documentsIssued: 3 });
    const retry = await ok(
      call('POST', '/v1/billing/close', {
        as: w.operator.principal,
        payload: { period: '2026-01' },
        headers,
      }),
    );
    expect(retry).toEqual({
      period: '2026-01',
      alreadyClosed: true,
      periodsClosed: [],
      documentsIssued: 0,
      linesBilled: 0,
    });
    problem(
      await call('POST', '/v1/billing/close', {
        as: w.operator.principal,
        payload: { period: '2026-01' },
        headers: { 'idempotency-key': 'not a key!' },
      }),
      400,
      'INVALID_FIELD',
    );
  });

  it('the ledger of an invoice and of a closed period: to their parties and the operator only', async () => {
    const { providerInvoice } = await closedJanuary();
    const events = async (as: Principal, path: string) => {
      const r = await call('GET', `/v1/ledger/${path}`, { as });
      return r.statusCode === 200
        ? (r.json() as { events: { type: string }[] }).events.map((e) => e.type)
        : r.statusCode;
    };
    expect(await events(w.reseller.globalAdmin, `invoice/${providerInvoice.id}`)).toEqual(['invoice.issued']);
    expect(await events(w.provider.globalAdmin, `invoice/${providerInvoice.id}`)).toEqual(['invoice.issued']);
    expect(await events(w.direct.globalAdmin, `invoice/${providerInvoice.id}`)).toBe(404);
    expect(await events(w.operator.principal, 'billing-period/2026-01')).toEqual(['billing.period-closed']);
    expect(await events(w.provider.globalAdmin, 'billing-period/2026-01')).toBe(404);
    const entries = await ok<Page<Json>>(
      call('GET', `/v1/tenants/${w.provider.tenantId}/price-list`, { as: w.provider.globalAdmin }),
    );
    expect(await events(w.provider.globalAdmin, `price-list-entry/${entries.items[0]?.id}`)).toEqual([
      'price-list.entry-added',
    ]);
    expect(await events(w.reseller.globalAdmin, `price-list-entry/${entries.items[0]?.id}`)).toBe(404);
    await ok(
      call('POST', `/v1/tenants/${w.reseller.tenantId}/buyer-groups/gold/members`, {
        as: w.reseller.globalAdmin,
        payload: { buyerTenantId: w.resellerCustomer.tenantId },
      }),
    );
    const group = `buyer-group/${encodeURIComponent(`${w.reseller.tenantId}/gold`)}`;
    expect(await events(w.reseller.globalAdmin, group)).toEqual(['buyer-group.member-added']);
    expect(await events(w.provider.globalAdmin, group)).toBe(404);
  });

  describe('OpenAPI', () => {
    it('documents every billing route; the exports as text per media type', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<
          string,
          Record<string, { tags: string[]; responses: Record<string, { content: Json }> }>
        >;
      };
      const billing = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.tags?.includes('billing'))
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(billing.sort()).toEqual(
        [
          'GET /v1/billing/periods/{period}/export',
          'GET /v1/invoices',
          'GET /v1/invoices/{invoiceId}',
          'GET /v1/invoices/{invoiceId}/export',
          'GET /v1/invoices/{invoiceId}/lines',
          'GET /v1/tenants/{tenantId}/price-list',
          'GET /v1/tenants/{tenantId}/repricing-rules',
          'POST /v1/billing/close',
          'POST /v1/invoices/{invoiceId}/void',
          'POST /v1/price-list/{entryId}/end',
          'POST /v1/subscriptions/{subscriptionId}/credits',
          'POST /v1/tenants/{tenantId}/buyer-groups/{group}/members',
          'POST /v1/tenants/{tenantId}/price-list',
          'POST /v1/tenants/{tenantId}/repricing-rules',
        ].sort(),
      );
      const exported = doc.paths['/v1/invoices/{invoiceId}/export']?.get?.responses['200']?.content;
      expect(Object.keys(exported ?? {})).toEqual(['text/csv', 'application/x-ndjson']);
      expect(exported?.['text/csv']).toMatchObject({ schema: { type: 'string' } });
    });
  });
});
