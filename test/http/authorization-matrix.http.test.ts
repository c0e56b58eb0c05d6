/**
 * Authorization matrix: every GET route with an object in its path × every kind of principal of
 * another organization → 404 (or 401 without a key). Nothing of another tenant leaks, not even
 * its existence. Routes are read from the OpenAPI document, so a new route joins the matrix. The
 * lists that take no object in their path (orders, subscriptions, catalog offers, invoices) are
 * checked too: filtering by another channel's tenants or Partner ID shows nothing of it. So is the
 * export of a billing period (a calendar month, not an object of anyone's: every caller may ask for
 * it, and an outsider gets the header line alone).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdminRelationship } from '../../src/admin-access/service.ts';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { closeBillingPeriod } from '../../src/billing/close.ts';
import { EXPORT_COLUMNS } from '../../src/billing/export.ts';
import { addPriceListEntry, addRepricingRule, listInvoices } from '../../src/billing/service.ts';
import { defineService } from '../../src/catalog/service.ts';
import { type Principal, SYSTEM } from '../../src/kernel/principal.ts';
import { placeOrder } from '../../src/orders/service.ts';
import { invitePartnership } from '../../src/partnerships/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  connectCustomer,
  connectReseller,
  must,
} from '../../src/world/builder.ts';
import { SEATS, seedTestCatalog } from '../support/commerce.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';

describeEachDatabase('authorization matrix (GET routes × principals of another organization)', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  const values: Record<string, string> = {};
  const outsiders: Record<string, string> = {};
  /** The reseller's key: sees the commerce objects, so their 404s to outsiders mean something. */
  let ownerToken = '';

  beforeAll(async () => {
    csp = await db.fresh();
    const op = await bootstrap(csp);
    // The objects: a channel in France.
    const provider = await addPartner(csp, op, {
      legalName: 'Owner Provider',
      country: 'FR',
      role: 'indirect-provider',
    });
    const reseller = await addPartner(csp, op, {
      legalName: 'Owner Reseller',
      country: 'FR',
      role: 'indirect-reseller',
    });
    const customer = await addCustomer(csp, { legalName: 'Owner Customer', country: 'FR' });
    await connectReseller(csp, provider, reseller);
    await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
    const admin = must(
      await csp.execute(
        createAdminRelationship,
        { principal: reseller.globalAdmin },
        {
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          displayName: 'Support',
          roles: ['helpdesk-administrator'],
          durationDays: 30,
        },
      ),
    );
    // Commerce: an order of the provider for the customer, the reseller as partner of record
    // (one subscription), and a value-added service of the reseller (visible to its owner only).
    await seedTestCatalog(csp);
    const order = must(
      await csp.execute(
        placeOrder,
        { principal: provider.globalAdmin },
        {
          sellerTenantId: provider.tenantId,
          customerTenantId: customer.tenantId,
          lines: [
            {
              catalogItemId: SEATS,
              quantity: 5,
              termDuration: 'P1Y',
              billingCycle: 'monthly',
              partnerIdOnRecord: reseller.partnerId,
            },
          ],
        },
      ),
    );
    const service = must(
      await csp.execute(
        defineService,
        { principal: reseller.globalAdmin },
        {
          partnerTenantId: reseller.tenantId,
          id: 'OWNER-MSP',
          title: 'Managed workplace',
          skus: [
            {
              code: 'STD',
              title: 'Per user',
              billing: 'license',
              minQuantity: 1,
              maxQuantity: 100,
              markets: ['FR'],
              prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 1500 } }],
            },
          ],
        },
      ),
    );
    // Billing: the reseller's price list and a repricing rule, and January closed (on 2026-02-02),
    // so the provider's invoice to the reseller exists.
    const entry = must(
      await csp.execute(
        addPriceListEntry,
        { principal: reseller.globalAdmin },
        {
          sellerTenantId: reseller.tenantId,
          skuId: SEATS,
          termDuration: 'P1Y',
          billingCycle: 'annual',
          country: 'FR',
          currency: 'EUR',
          unitPrice: '70.00',
        },
      ),
    );
    must(
      await csp.execute(
        addRepricingRule,
        { principal: reseller.globalAdmin },
        { sellerTenantId: reseller.tenantId, basis: 'cost', adjustmentBps: 1000, effectiveMonth: '2026-03' },
      ),
    );
    const closedAt = { principal: op.principal, now: new Date('2026-02-02T00:00:00.000Z') };
    must(await closeBillingPeriod(csp, closedAt, { period: '2026-01' }));
    const invoice = must(await csp.query(listInvoices, closedAt, {})).items.find(
      (i) => i.sellerTenantId === provider.tenantId && i.buyerTenantId === reseller.tenantId,
    );
    const other = await addPartner(csp, op, {
      legalName: 'Pending Reseller',
      country: 'FR',
      role: 'indirect-reseller',
      until: 'enrolled',
    });
    const partnership = must(
      await csp.execute(
        invitePartnership,
        { principal: provider.globalAdmin },
        {
          providerTenantId: provider.tenantId,
          resellerTenantId: other.tenantId,
        },
      ),
    );
    Object.assign(values, {
      organizationId: reseller.organizationId,
      tenantId: reseller.tenantId,
      customerTenant: customer.tenantId,
      partnerTenantId: reseller.tenantId,
      customerTenantId: customer.tenantId,
      partnerId: String(reseller.partnerId),
      enrollmentId: reseller.enrollmentId ?? '',
      partnershipId: partnership.id,
      adminRelationshipId: admin.id,
      entityType: 'organization',
      entityId: reseller.organizationId,
      orderId: order.id,
      subscriptionId: order.lines[0]?.subscriptionId ?? '',
      catalogItemId: service.skus[0]?.id ?? '',
      providerTenantId: provider.tenantId,
      resellerPartnerId: String(reseller.partnerId),
      invoiceId: invoice?.id ?? '',
      entryId: entry.id,
      period: '2026-01',
    });
    // The outsiders: one user of each kind, in other organizations of the same region.
    const kinds: [string, Principal][] = [
      [
        'indirect provider',
        (
          await addPartner(csp, op, {
            legalName: 'Outside Provider',
            country: 'FR',
            role: 'indirect-provider',
          })
        ).globalAdmin,
      ],
      [
        'indirect reseller',
        (
          await addPartner(csp, op, {
            legalName: 'Outside Reseller',
            country: 'DE',
            role: 'indirect-reseller',
          })
        ).globalAdmin,
      ],
      [
        'direct-bill partner',
        (await addPartner(csp, op, { legalName: 'Outside Direct', country: 'FR', role: 'direct-bill' }))
          .globalAdmin,
      ],
      ['customer', (await addCustomer(csp, { legalName: 'Outside Customer', country: 'FR' })).globalAdmin],
    ];
    if (reseller.globalAdmin.kind === 'user')
      ownerToken = must(
        await csp.execute(
          createApiKey,
          { principal: SYSTEM },
          { userId: reseller.globalAdmin.userId, name: 'owner' },
        ),
      ).token;
    for (const [kind, principal] of kinds) {
      if (principal.kind !== 'user') continue;
      outsiders[kind] = must(
        await csp.execute(createApiKey, { principal: SYSTEM }, { userId: principal.userId, name: kind }),
      ).token;
    }
    app = await testApp({ csp, logger: false, rateLimit: { max: 100_000, windowMs: 60_000 } });
  }, 60_000);
  afterAll(async () => app?.close());

  it('answers 404 to every outsider and 401 without a key, on every GET route that names an object', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      .filter(([path, ops]) => path.includes('{') && 'get' in ops)
      .map(([path]) => path);
    /** Paths whose parameter names no one's object: 401 without a key, checked as lists below. */
    const unowned = new Set(['/v1/billing/periods/{period}/export']);
    expect(routes.length).toBeGreaterThanOrEqual(10);
    // The commerce objects are in the matrix, and their owner does see them.
    const commerce = [
      `/v1/orders/{orderId}`,
      `/v1/subscriptions/{subscriptionId}`,
      `/v1/catalog/offers/{catalogItemId}`,
    ];
    expect(routes).toEqual(expect.arrayContaining(commerce));
    const billing = [
      `/v1/invoices/{invoiceId}`,
      `/v1/invoices/{invoiceId}/lines`,
      `/v1/invoices/{invoiceId}/export`,
      `/v1/tenants/{tenantId}/price-list`,
      `/v1/tenants/{tenantId}/repricing-rules`,
      ...unowned,
    ];
    expect(routes).toEqual(expect.arrayContaining(billing));
    for (const url of [
      `/v1/orders/${values.orderId}`,
      `/v1/subscriptions/${values.subscriptionId}`,
      `/v1/catalog/offers/${values.catalogItemId}?country=FR`,
      `/v1/invoices/${values.invoiceId}`,
      `/v1/invoices/${values.invoiceId}/lines`,
      `/v1/invoices/${values.invoiceId}/export`,
      `/v1/tenants/${values.tenantId}/price-list`,
      `/v1/tenants/${values.tenantId}/repricing-rules`,
    ]) {
      const own = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${ownerToken}` },
      });
      expect(own.statusCode, url).toBe(200);
    }
    const leaks: string[] = [];
    // {tenantId} is tried as a partner's CSP tenant and as a customer tenant.
    const tenants = [values.tenantId as string, values.customerTenant as string];
    for (const [path, tenantId] of routes.flatMap((r) => tenants.map((t) => [r, t] as const))) {
      const query = path.endsWith('/admin-relationships')
        ? '?side=partner'
        : path.startsWith('/v1/catalog/offers/')
          ? '?country=FR'
          : '';
      const url = `${path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const v = name === 'tenantId' ? tenantId : values[name];
        if (v === undefined) throw new Error(`the matrix has no value for {${name}} in ${path}: add one`);
        return v;
      })}${query}`;
      const anonymous = await app.inject({ method: 'GET', url });
      if (anonymous.statusCode !== 401) leaks.push(`anonymous GET ${url} → ${anonymous.statusCode}`);
      if (unowned.has(path)) continue;
      for (const [kind, token] of Object.entries(outsiders)) {
        const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
        if (r.statusCode !== 404) leaks.push(`${kind} GET ${path} → ${r.statusCode} ${r.json().code ?? ''}`);
      }
    }
    expect(leaks).toEqual([]);
  }, 60_000);

  it('the commerce and billing lists show an outsider nothing of another channel, whatever it filters by', async () => {
    const v = values as Record<string, string>;
    const lists = [
      '/v1/orders',
      `/v1/orders?customerTenantId=${v.customerTenantId}`,
      '/v1/subscriptions',
      `/v1/subscriptions?customerTenantId=${v.customerTenantId}`,
      `/v1/subscriptions?sellerTenantId=${v.providerTenantId}`,
      `/v1/subscriptions?partnerId=${v.resellerPartnerId}`,
      '/v1/invoices',
      '/v1/invoices?role=issued&period=2026-01',
      '/v1/invoices?role=received&status=issued',
    ];
    // The owner does see what the lists would leak, so their emptiness means something.
    const mine = await app.inject({
      method: 'GET',
      url: '/v1/invoices',
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect((mine.json() as { items: unknown[] }).items.length).toBeGreaterThan(0);
    const header = `${EXPORT_COLUMNS.join(',')}\n`;
    const ownExport = await app.inject({
      method: 'GET',
      url: `/v1/billing/periods/${v.period}/export`,
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect(ownExport.body.length).toBeGreaterThan(header.length);
    const leaks: string[] = [];
    for (const [kind, token] of Object.entries(outsiders)) {
      const headers = { authorization: `Bearer ${token}` };
      for (const url of lists) {
        const r = await app.inject({ method: 'GET', url, headers });
        const body = r.json() as { items?: unknown[] };
        if (r.statusCode !== 200 || body.items?.length !== 0)
          leaks.push(`${kind} GET ${url} → ${r.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
      }
      // The reseller's own services: the vendor catalog only, or TENANT_NOT_FOUND when named.
      const offers = await app.inject({ method: 'GET', url: '/v1/catalog/offers?country=FR', headers });
      if (JSON.stringify(offers.json()).includes(v.catalogItemId as string))
        leaks.push(`${kind} GET /v1/catalog/offers lists ${v.catalogItemId}`);
      const named = await app.inject({
        method: 'GET',
        url: `/v1/catalog/offers?country=FR&sellerTenantId=${v.partnerTenantId}`,
        headers,
      });
      if (named.statusCode !== 404)
        leaks.push(`${kind} GET /v1/catalog/offers?sellerTenantId → ${named.statusCode}`);
      // The period's export: the header line alone (CSV), nothing at all (NDJSON).
      for (const [format, empty] of [
        ['csv', header],
        ['ndjson', ''],
      ]) {
        const url = `/v1/billing/periods/${v.period}/export?format=${format}`;
        const r = await app.inject({ method: 'GET', url, headers });
        if (r.statusCode !== 200 || r.body !== empty)
          leaks.push(`${kind} GET ${url} → ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    }
    expect(leaks).toEqual([]);
  }, 60_000);
});
