/**
 * The customer routes over HTTP, on SQLite and PostgreSQL: each route's success, its schema
 * validation (400 naming the field), a rule refusal, the missing key (401), another party's key
 * (404 where the object is hidden; 403 where the service refuses to act for a tenant it was not
 * given), dry runs that write nothing, and its place in the OpenAPI document.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { addDays } from '../../src/kernel/time.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  connectCustomer,
  connectReseller,
  type Operator,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

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

/** Asserts a problem+json answer with this status (and first code, when given); returns the document. */
function problem(res: LightMyRequestResponse, status: number, code?: string): ProblemBody {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as ProblemBody;
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code: code ?? body.code });
  expect(body.status).toBe(status);
  expect(body.violations.length).toBeGreaterThan(0);
  return body;
}

/** The `(code, field)` pairs of a problem's violations. */
function fields(body: ProblemBody) {
  return body.violations.map((v) => ({ code: v.code, field: v.field }));
}

function address(country: string) {
  return { line1: '10 Rue de la Paix', city: 'Paris', country };
}

describeEachDatabase('HTTP customers', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  let direct: Partner;
  /** A reseller of the same region with no partnership and no customers: the stranger. */
  let outsider: Partner;
  /** Germany, customer agreement accepted. */
  let customer: Customer;
  /** France, no customer agreement yet. */
  let newcomer: Customer;
  /** United States: another region (scenario 7). */
  let usCustomer: Customer;
  const keyring = apiKeys(() => csp);
  const key = keyring.key;

  beforeEach(async () => {
    keyring.clear();
    csp = await db.fresh();
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributor France',
      country: 'FR',
      role: 'indirect-provider',
    });
    reseller = await addPartner(csp, operator, {
      legalName: 'Reseller Germany',
      country: 'DE',
      role: 'indirect-reseller',
    });
    direct = await addPartner(csp, operator, {
      legalName: 'Direct Italy',
      country: 'IT',
      role: 'direct-bill',
    });
    outsider = await addPartner(csp, operator, {
      legalName: 'Outsider Spain',
      country: 'ES',
      role: 'indirect-reseller',
    });
    await connectReseller(csp, provider, reseller);
    customer = await addCustomer(csp, { legalName: 'Customer Germany', country: 'DE' });
    newcomer = await addCustomer(csp, {
      legalName: 'Newcomer France',
      country: 'FR',
      acceptAgreement: false,
    });
    usCustomer = await addCustomer(csp, { legalName: 'Customer United States', country: 'US' });
    // Keys first, so that snapshots taken by the tests do not see them appear.
    for (const p of [
      operator.principal,
      provider.globalAdmin,
      reseller.globalAdmin,
      direct.globalAdmin,
      outsider.globalAdmin,
      customer.globalAdmin,
      newcomer.globalAdmin,
      usCustomer.globalAdmin,
    ])
      await key(p);
    app = await testApp({ csp, logger: false });
  });
  afterEach(async () => app.close());

  async function call(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    o: { as?: Principal; payload?: Json; dryRun?: boolean } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    if (o.as) headers.authorization = `Bearer ${await key(o.as)}`;
    if (o.dryRun) headers['opencsp-dry-run'] = 'true';
    return app.inject({ method, url, headers, ...(o.payload !== undefined && { payload: o.payload }) });
  }

  /** The reseller invites `c`, authorizing its provider too; returns the invitation. */
  async function invite(c: Customer = customer): Promise<Json> {
    const res = await call('POST', '/v1/customer-invitations', {
      as: reseller.globalAdmin,
      payload: {
        partnerTenantId: reseller.tenantId,
        customerTenantId: c.tenantId,
        alsoAuthorizeProviderTenantId: provider.tenantId,
        requestDelegatedAdmin: true,
      },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as Json;
  }

  async function invitationStatus(id: string): Promise<string> {
    const row = await csp.store.db
      .selectFrom('customer_invitations')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.status;
  }

  /** The customer's relationships, as `partnerTenantId → state`. */
  async function relationshipsOf(c: Customer): Promise<Record<string, string>> {
    const rows = await csp.store.db
      .selectFrom('customer_relationships')
      .select(['partner_tenant_id', 'state'])
      .where('customer_tenant_id', '=', c.tenantId)
      .execute();
    return Object.fromEntries(rows.map((r) => [r.partner_tenant_id, r.state]));
  }

  function newCustomerBody(partner: Partner, extra: Json = {}): Json {
    return {
      partnerTenantId: partner.tenantId,
      legalName: 'Fresh Customer GmbH',
      country: 'DE',
      address: address('DE'),
      tenant: { domain: 'fresh-customer.onmicrosoft.example' },
      globalAdmin: { email: 'admin@fresh-customer.example', displayName: 'Fresh Admin' },
      customerAgreement: { signerName: 'Fresh Admin', signerEmail: 'admin@fresh-customer.example' },
      ...extra,
    };
  }

  // -------------------------------------------------------------------------------------------

  describe('POST /v1/customer-invitations', () => {
    it('the reseller invites a customer, authorizing its provider too: 201 with the token', async () => {
      const body = await invite();
      expect(body).toMatchObject({
        partnerTenantId: reseller.tenantId,
        providerTenantId: provider.tenantId,
        customerTenantId: customer.tenantId,
        requestDelegatedAdmin: true,
        status: 'pending',
        createdAt: T0.toISOString(),
        expiresAt: addDays(T0, 90).toISOString(),
      });
      expect(body.token).toEqual(expect.any(String));
      expect(await invitationStatus(body.id as string)).toBe('pending');
    });

    it('an open invitation (no customer named) is 201 too', async () => {
      const res = await call('POST', '/v1/customer-invitations', {
        as: direct.globalAdmin,
        payload: { partnerTenantId: direct.tenantId, requestDelegatedAdmin: false },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ customerTenantId: null, providerTenantId: null, status: 'pending' });
    });

    it('answers 400 naming a missing flag, a wrong type and an unknown field', async () => {
      const res = await call('POST', '/v1/customer-invitations', {
        as: reseller.globalAdmin,
        payload: { partnerTenantId: reseller.tenantId, customerTenantId: 42, message: 'hello' },
      });
      const body = problem(res, 400);
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'REQUIRED_FIELD', field: 'requestDelegatedAdmin' },
          { code: 'INVALID_FIELD', field: 'customerTenantId' },
          { code: 'INVALID_FIELD', field: 'message' },
        ]),
      );
      const notBoolean = problem(
        await call('POST', '/v1/customer-invitations', {
          as: reseller.globalAdmin,
          payload: { partnerTenantId: reseller.tenantId, requestDelegatedAdmin: 'yes' },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(fields(notBoolean)).toEqual([{ code: 'INVALID_FIELD', field: 'requestDelegatedAdmin' }]);
    });

    it('refuses UNSUPPORTED_CHAIN (scenario 1) when a provider invites a customer directly, writing nothing', async () => {
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/customer-invitations', {
        as: provider.globalAdmin,
        payload: {
          partnerTenantId: provider.tenantId,
          customerTenantId: newcomer.tenantId,
          requestDelegatedAdmin: true,
        },
      });
      const body = problem(res, 422, 'UNSUPPORTED_CHAIN');
      expect(body.violations).toEqual([
        expect.objectContaining({
          code: 'UNSUPPORTED_CHAIN',
          scenario: '1',
          remedies: [
            'Create the customer on behalf of one of your indirect resellers (it becomes the associated partner).',
            'Let one of your indirect resellers invite the customer, authorizing you too.',
          ],
        }),
      ]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('refuses REGION_MISMATCH (scenario 7) for a customer of another region', async () => {
      const res = await call('POST', '/v1/customer-invitations', {
        as: direct.globalAdmin,
        payload: {
          partnerTenantId: direct.tenantId,
          customerTenantId: usCustomer.tenantId,
          requestDelegatedAdmin: true,
        },
      });
      const body = problem(res, 422, 'REGION_MISMATCH');
      expect(body.violations[0]).toMatchObject({ scenario: '7' });
      expect(body.violations[0]?.remedies).toHaveLength(2);
    });

    it('answers 401 without a key', async () => {
      problem(
        await call('POST', '/v1/customer-invitations', {
          payload: { partnerTenantId: reseller.tenantId, requestDelegatedAdmin: true },
        }),
        401,
        'NOT_AUTHENTICATED',
      );
    });

    it("another partner's key: 403 NOT_AUTHORIZED for the tenant it names, 404 for a customer that does not exist", async () => {
      problem(
        await call('POST', '/v1/customer-invitations', {
          as: outsider.globalAdmin,
          payload: {
            partnerTenantId: reseller.tenantId,
            customerTenantId: customer.tenantId,
            requestDelegatedAdmin: true,
          },
        }),
        403,
        'NOT_AUTHORIZED',
      );
      const missing = problem(
        await call('POST', '/v1/customer-invitations', {
          as: reseller.globalAdmin,
          payload: {
            partnerTenantId: reseller.tenantId,
            customerTenantId: UNKNOWN_ID,
            requestDelegatedAdmin: true,
          },
        }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(fields(missing)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    });

    it('dry run: 200 { dryRun: true, value } and nothing written', async () => {
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/customer-invitations', {
        as: reseller.globalAdmin,
        payload: {
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          requestDelegatedAdmin: true,
        },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        dryRun: true,
        value: { partnerTenantId: reseller.tenantId, customerTenantId: customer.tenantId, status: 'pending' },
      });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/customer-invitations/accept and /decline', () => {
    it("accept: the customer's global admin accepts; both relationships are created", async () => {
      const invitation = await invite();
      const res = await call('POST', '/v1/customer-invitations/accept', {
        as: customer.globalAdmin,
        payload: { token: invitation.token as string, customerTenantId: customer.tenantId },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as Json & { relationships: Json[] };
      expect(body).toMatchObject({
        invitation: { id: invitation.id, status: 'accepted' },
        keptProviderRelationshipId: null,
        customerAgreementAcceptanceId: null,
      });
      expect(body.relationships).toEqual([
        expect.objectContaining({
          partnerTenantId: reseller.tenantId,
          associatedPartnerTenantId: null,
          state: 'active',
        }),
        expect.objectContaining({
          partnerTenantId: provider.tenantId,
          associatedPartnerTenantId: reseller.tenantId,
          state: 'active',
        }),
      ]);
      expect(await relationshipsOf(customer)).toEqual({
        [reseller.tenantId]: 'active',
        [provider.tenantId]: 'active',
      });
    });

    it('accept: a customer without the customer agreement accepts it on the way', async () => {
      const invitation = await invite(newcomer);
      const refused = problem(
        await call('POST', '/v1/customer-invitations/accept', {
          as: newcomer.globalAdmin,
          payload: { token: invitation.token as string, customerTenantId: newcomer.tenantId },
        }),
        422,
      );
      expect(refused.violations.map((v) => v.code)).toContain('CUSTOMER_AGREEMENT_NOT_ACCEPTED');
      expect(await invitationStatus(invitation.id as string)).toBe('pending');
      const res = await call('POST', '/v1/customer-invitations/accept', {
        as: newcomer.globalAdmin,
        payload: {
          token: invitation.token as string,
          customerTenantId: newcomer.tenantId,
          customerAgreement: { signerName: 'Newcomer Admin', signerEmail: 'admin@newcomer.example' },
        },
      });
      expect(res.statusCode).toBe(200);
      expect((res.json() as Json).customerAgreementAcceptanceId).toEqual(expect.any(String));
    });

    it('decline: 200, declined, no relationship', async () => {
      const invitation = await invite();
      const res = await call('POST', '/v1/customer-invitations/decline', {
        as: customer.globalAdmin,
        payload: { token: invitation.token as string, customerTenantId: customer.tenantId },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: invitation.id,
        status: 'declined',
        customerTenantId: customer.tenantId,
      });
      expect(await relationshipsOf(customer)).toEqual({});
    });

    it('accept: 400 naming nested fields of customerAgreement', async () => {
      const invitation = await invite();
      const body = problem(
        await call('POST', '/v1/customer-invitations/accept', {
          as: customer.globalAdmin,
          payload: {
            token: invitation.token as string,
            customerTenantId: customer.tenantId,
            customerAgreement: { signerName: 'A', signerEmail: 5, title: 'CEO' },
          },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'INVALID_FIELD', field: 'customerAgreement.signerEmail' },
          { code: 'INVALID_FIELD', field: 'customerAgreement.title' },
        ]),
      );
    });

    for (const verb of ['accept', 'decline'] as const) {
      const url = `/v1/customer-invitations/${verb}`;

      it(`${verb}: 400 naming a missing customerTenantId and an unknown field`, async () => {
        const body = problem(
          await call('POST', url, {
            as: customer.globalAdmin,
            payload: { token: 'abc', partnerTenantId: UNKNOWN_ID },
          }),
          400,
        );
        expect(fields(body)).toEqual(
          expect.arrayContaining([
            { code: 'REQUIRED_FIELD', field: 'customerTenantId' },
            { code: 'INVALID_FIELD', field: 'partnerTenantId' },
          ]),
        );
      });

      it(`${verb}: 403 NOT_AUTHORIZED to the partner, 409 once decided, 401 without a key`, async () => {
        const invitation = await invite();
        const payload = { token: invitation.token as string, customerTenantId: customer.tenantId };
        problem(await call('POST', url, { as: reseller.globalAdmin, payload }), 403, 'NOT_AUTHORIZED');
        problem(await call('POST', url, { payload }), 401, 'NOT_AUTHENTICATED');
        expect(await invitationStatus(invitation.id as string)).toBe('pending');
        expect((await call('POST', url, { as: customer.globalAdmin, payload })).statusCode).toBe(200);
        problem(await call('POST', url, { as: customer.globalAdmin, payload }), 409, 'INVALID_TRANSITION');
      });

      it(`${verb}: 404 INVITATION_NOT_FOUND to another customer presenting the token`, async () => {
        const invitation = await invite();
        const body = problem(
          await call('POST', url, {
            as: newcomer.globalAdmin,
            payload: { token: invitation.token as string, customerTenantId: newcomer.tenantId },
          }),
          404,
          'INVITATION_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'INVITATION_NOT_FOUND', field: 'token' }]);
        expect(await invitationStatus(invitation.id as string)).toBe('pending');
      });
    }

    it('accept dry run: 200 { dryRun: true, value } and nothing written', async () => {
      const invitation = await invite();
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/customer-invitations/accept', {
        as: customer.globalAdmin,
        payload: { token: invitation.token as string, customerTenantId: customer.tenantId },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { invitation: { status: 'accepted' } } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/customers', () => {
    it('an indirect reseller creates its customer: 201, with the attested agreement and its relationship', async () => {
      const res = await call('POST', '/v1/customers', {
        as: reseller.globalAdmin,
        payload: newCustomerBody(reseller),
      });
      expect(res.statusCode).toBe(201);
      const body = res.json() as Json & { relationships: Json[] };
      expect(body).toMatchObject({
        organizationId: expect.any(String),
        tenantId: expect.any(String),
        globalAdminUserId: expect.any(String),
        customerAgreementAcceptanceId: expect.any(String),
      });
      expect(body.relationships).toEqual([
        expect.objectContaining({
          partnerTenantId: reseller.tenantId,
          customerTenantId: body.tenantId,
          source: 'created-by-partner',
          delegatedAdmin: true,
          state: 'active',
        }),
      ]);
    });

    it('a provider creates a customer on behalf of its reseller (by Partner ID): both relationships', async () => {
      const res = await call('POST', '/v1/customers', {
        as: provider.globalAdmin,
        payload: newCustomerBody(provider, { resellerPartnerId: reseller.partnerId }),
      });
      expect(res.statusCode).toBe(201);
      const body = res.json() as { relationships: Json[] };
      expect(body.relationships).toEqual([
        expect.objectContaining({ partnerTenantId: reseller.tenantId, source: 'created-by-provider' }),
        expect.objectContaining({
          partnerTenantId: provider.tenantId,
          associatedPartnerTenantId: reseller.tenantId,
          source: 'created-by-provider',
        }),
      ]);
    });

    it('answers 400 naming nested fields: a missing address.city, an unknown tenant field, a wrong type', async () => {
      const body = problem(
        await call('POST', '/v1/customers', {
          as: reseller.globalAdmin,
          payload: newCustomerBody(reseller, {
            address: { line1: '1 Street', country: 'DE' },
            tenant: { domain: 'x.example', region: 'europe' },
            resellerPartnerId: 'R-1',
          }),
        }),
        400,
      );
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'REQUIRED_FIELD', field: 'address.city' },
          { code: 'INVALID_FIELD', field: 'tenant.region' },
          { code: 'INVALID_FIELD', field: 'resellerPartnerId' },
        ]),
      );
      const agreement = problem(
        await call('POST', '/v1/customers', {
          as: reseller.globalAdmin,
          payload: newCustomerBody(reseller, { customerAgreement: undefined }),
        }),
        400,
        'REQUIRED_FIELD',
      );
      expect(fields(agreement)).toEqual([{ code: 'REQUIRED_FIELD', field: 'customerAgreement' }]);
    });

    it('refuses UNSUPPORTED_CHAIN for a provider creating a customer of its own, REGION_MISMATCH for another region', async () => {
      const before = await snapshot(csp.store);
      const chain = problem(
        await call('POST', '/v1/customers', { as: provider.globalAdmin, payload: newCustomerBody(provider) }),
        422,
      );
      expect(chain.violations.map((v) => v.code)).toContain('UNSUPPORTED_CHAIN');
      const region = problem(
        await call('POST', '/v1/customers', {
          as: reseller.globalAdmin,
          payload: newCustomerBody(reseller, { country: 'US', address: address('US') }),
        }),
        422,
        'REGION_MISMATCH',
      );
      expect(region.violations[0]).toMatchObject({ scenario: '7' });
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it("answers 401 without a key and 403 NOT_AUTHORIZED to another partner's key", async () => {
      problem(
        await call('POST', '/v1/customers', { payload: newCustomerBody(reseller) }),
        401,
        'NOT_AUTHENTICATED',
      );
      // Authentication comes before validation: an anonymous caller learns nothing of the schema.
      problem(await call('POST', '/v1/customers', { payload: { legalName: 7 } }), 401, 'NOT_AUTHENTICATED');
      problem(
        await call('POST', '/v1/customers', { as: outsider.globalAdmin, payload: newCustomerBody(reseller) }),
        403,
        'NOT_AUTHORIZED',
      );
      const missing = problem(
        await call('POST', '/v1/customers', {
          as: provider.globalAdmin,
          payload: newCustomerBody(provider, { resellerTenantId: UNKNOWN_ID }),
        }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(fields(missing)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'resellerTenantId' }]);
    });

    it('dry run: 200 { dryRun: true, value } and nothing written', async () => {
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/customers', {
        as: reseller.globalAdmin,
        payload: newCustomerBody(reseller),
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { tenantId: expect.any(String) } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('DELETE /v1/customer-relationships/:relationshipId', () => {
    async function relationshipId(partner: Partner, c: Customer): Promise<string> {
      const row = await csp.store.db
        .selectFrom('customer_relationships')
        .select('id')
        .where('partner_tenant_id', '=', partner.tenantId)
        .where('customer_tenant_id', '=', c.tenantId)
        .executeTakeFirstOrThrow();
      return row.id;
    }

    it('the partner removes the relationship: 200, removed; the provider’s stays', async () => {
      await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
      const id = await relationshipId(reseller, customer);
      const res = await call('DELETE', `/v1/customer-relationships/${id}`, { as: reseller.globalAdmin });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, state: 'removed', removedAt: T0.toISOString() });
      expect(await relationshipsOf(customer)).toEqual({
        [reseller.tenantId]: 'removed',
        [provider.tenantId]: 'active',
      });
    });

    it('answers 400 naming relationshipId, 401 without a key, 409 when already removed', async () => {
      await connectCustomer(csp, direct, customer);
      const id = await relationshipId(direct, customer);
      const bad = problem(
        await call('DELETE', '/v1/customer-relationships/abc', { as: direct.globalAdmin }),
        400,
        'INVALID_FIELD',
      );
      expect(new Set(bad.violations.map((v) => v.field))).toEqual(new Set(['relationshipId']));
      problem(await call('DELETE', `/v1/customer-relationships/${id}`), 401, 'NOT_AUTHENTICATED');
      expect(
        (await call('DELETE', `/v1/customer-relationships/${id}`, { as: customer.globalAdmin })).statusCode,
      ).toBe(200);
      problem(
        await call('DELETE', `/v1/customer-relationships/${id}`, { as: direct.globalAdmin }),
        409,
        'INVALID_TRANSITION',
      );
    });

    it('answers 404 CUSTOMER_RELATIONSHIP_NOT_FOUND to another partner and for an unknown id', async () => {
      await connectCustomer(csp, direct, customer);
      const id = await relationshipId(direct, customer);
      for (const target of [id, UNKNOWN_ID]) {
        const body = problem(
          await call('DELETE', `/v1/customer-relationships/${target}`, { as: outsider.globalAdmin }),
          404,
          'CUSTOMER_RELATIONSHIP_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'CUSTOMER_RELATIONSHIP_NOT_FOUND', field: 'relationshipId' }]);
      }
      expect(await relationshipsOf(customer)).toEqual({ [direct.tenantId]: 'active' });
    });

    it('dry run: 200 { dryRun: true, value: removed } and nothing written', async () => {
      await connectCustomer(csp, direct, customer);
      const id = await relationshipId(direct, customer);
      const before = await snapshot(csp.store);
      const res = await call('DELETE', `/v1/customer-relationships/${id}`, {
        as: direct.globalAdmin,
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { id, state: 'removed' } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('GET /v1/tenants/:tenantId/customers', () => {
    it("lists a partner's customers; a provider filters by reseller; paginates; filters by state", async () => {
      await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
      const created = (
        await call('POST', '/v1/customers', {
          as: provider.globalAdmin,
          payload: newCustomerBody(provider, { resellerTenantId: reseller.tenantId }),
        })
      ).json() as { tenantId: string };

      const mine = await call('GET', `/v1/tenants/${reseller.tenantId}/customers`, {
        as: reseller.globalAdmin,
      });
      expect(mine.statusCode).toBe(200);
      const page = mine.json() as PageBody;
      expect(page.next).toBeNull();
      expect(page.items).toHaveLength(2);
      expect(page.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            customerTenantId: customer.tenantId,
            companyName: 'Customer Germany',
            country: 'DE',
            region: 'europe',
            associatedPartnerTenantId: null,
            delegatedAdmin: true,
            state: 'active',
            source: 'invitation',
          }),
          expect.objectContaining({ customerTenantId: created.tenantId, source: 'created-by-provider' }),
        ]),
      );

      const url = `/v1/tenants/${provider.tenantId}/customers`;
      const byReseller = (
        await call('GET', `${url}?resellerTenantId=${reseller.tenantId}&state=active`, {
          as: provider.globalAdmin,
        })
      ).json() as PageBody;
      expect(byReseller.items).toHaveLength(2);
      expect(byReseller.items[0]).toMatchObject({
        associatedPartnerTenantId: reseller.tenantId,
        associatedPartnerId: reseller.partnerId,
      });
      const first = (await call('GET', `${url}?limit=1`, { as: provider.globalAdmin })).json() as PageBody<{
        customerTenantId: string;
      }>;
      expect(first.items).toHaveLength(1);
      expect(first.next).toEqual(expect.any(String));
      const second = (
        await call('GET', `${url}?limit=1&cursor=${encodeURIComponent(first.next as string)}`, {
          as: provider.globalAdmin,
        })
      ).json() as PageBody<{ customerTenantId: string }>;
      expect([...first.items, ...second.items].map((i) => i.customerTenantId).sort()).toEqual(
        [customer.tenantId, created.tenantId].sort(),
      );
      expect(second.next).toBeNull();
      const removed = (
        await call('GET', `${url}?state=removed`, { as: provider.globalAdmin })
      ).json() as PageBody;
      expect(removed.items).toEqual([]);
    });

    it('answers 400 naming an unknown parameter, a bad reseller id, a bad state and limit 0', async () => {
      const url = `/v1/tenants/${reseller.tenantId}/customers`;
      const as = reseller.globalAdmin;
      expect(fields(problem(await call('GET', `${url}?country=DE`, { as }), 400, 'INVALID_FIELD'))).toEqual([
        { code: 'INVALID_FIELD', field: 'country' },
      ]);
      const reseller400 = problem(
        await call('GET', `${url}?resellerTenantId=x`, { as }),
        400,
        'INVALID_FIELD',
      );
      expect(new Set(reseller400.violations.map((v) => v.field))).toEqual(new Set(['resellerTenantId']));
      const state = problem(await call('GET', `${url}?state=gone`, { as }), 400, 'INVALID_FIELD');
      expect(fields(state)).toEqual([{ code: 'INVALID_FIELD', field: 'state' }]);
      expect(fields(problem(await call('GET', `${url}?limit=0`, { as }), 400, 'INVALID_FIELD'))).toEqual([
        { code: 'INVALID_FIELD', field: 'limit' },
      ]);
    });

    it("answers 401 without a key and 404 TENANT_NOT_FOUND to another partner's key", async () => {
      await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
      problem(await call('GET', `/v1/tenants/${reseller.tenantId}/customers`), 401, 'NOT_AUTHENTICATED');
      for (const tenantId of [reseller.tenantId, provider.tenantId, UNKNOWN_ID]) {
        const body = problem(
          await call('GET', `/v1/tenants/${tenantId}/customers`, { as: outsider.globalAdmin }),
          404,
          'TENANT_NOT_FOUND',
        );
        // The field the URL names, not the service's `partnerTenantId`.
        expect(fields(body)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'tenantId' }]);
      }
      // A customer does not read its partner's customer list either.
      problem(
        await call('GET', `/v1/tenants/${reseller.tenantId}/customers`, { as: customer.globalAdmin }),
        404,
        'TENANT_NOT_FOUND',
      );
      expect(
        (await call('GET', `/v1/tenants/${reseller.tenantId}/customers`, { as: operator.principal }))
          .statusCode,
      ).toBe(200);
    });
  });

  describe('GET /v1/tenants/:tenantId/partners', () => {
    it("lists a customer's partners (relationshipToPartner), multi-partner", async () => {
      await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
      await connectCustomer(csp, direct, customer, { delegatedAdmin: false });
      const res = await call('GET', `/v1/tenants/${customer.tenantId}/partners`, {
        as: customer.globalAdmin,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json() as PageBody;
      expect(page.next).toBeNull();
      // Every relationship was created at the same (test) time: the order is then by id.
      expect(page.items).toHaveLength(3);
      expect(page.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            partnerTenantId: reseller.tenantId,
            partnerId: reseller.partnerId,
            name: 'Reseller Germany',
            role: 'indirect-reseller',
            associatedPartnerTenantId: null,
            delegatedAdmin: true,
            state: 'active',
          }),
          expect.objectContaining({
            partnerTenantId: provider.tenantId,
            role: 'indirect-provider',
            associatedPartnerTenantId: reseller.tenantId,
            associatedPartnerId: reseller.partnerId,
          }),
          expect.objectContaining({
            partnerTenantId: direct.tenantId,
            role: 'direct-bill',
            delegatedAdmin: false,
          }),
        ]),
      );
      const first = (
        await call('GET', `/v1/tenants/${customer.tenantId}/partners?limit=2&state=active`, {
          as: customer.globalAdmin,
        })
      ).json() as PageBody;
      expect(first.items).toHaveLength(2);
      expect(first.next).toEqual(expect.any(String));
    });

    it('answers 400 naming an unknown parameter and a bad cursor, 401 without a key', async () => {
      const url = `/v1/tenants/${customer.tenantId}/partners`;
      expect(
        fields(
          problem(
            await call('GET', `${url}?resellerTenantId=${UNKNOWN_ID}`, { as: customer.globalAdmin }),
            400,
          ),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'resellerTenantId' }]);
      expect(
        fields(
          problem(await call('GET', `${url}?cursor=zzz`, { as: customer.globalAdmin }), 400, 'INVALID_FIELD'),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'cursor' }]);
      problem(await call('GET', url), 401, 'NOT_AUTHENTICATED');
    });

    it("answers 404 TENANT_NOT_FOUND to a partner (even its own) and to another customer's key", async () => {
      await connectCustomer(csp, direct, customer);
      for (const as of [direct.globalAdmin, outsider.globalAdmin, newcomer.globalAdmin]) {
        const body = problem(
          await call('GET', `/v1/tenants/${customer.tenantId}/partners`, { as }),
          404,
          'TENANT_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'tenantId' }]);
      }
    });
  });

  it('every customer route is in the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = (res.json() as { paths: Record<string, Record<string, unknown>> }).paths;
    const expected: [string, string][] = [
      ['/v1/customer-invitations', 'post'],
      ['/v1/customer-invitations/accept', 'post'],
      ['/v1/customer-invitations/decline', 'post'],
      ['/v1/customers', 'post'],
      ['/v1/customer-relationships/{relationshipId}', 'delete'],
      ['/v1/tenants/{tenantId}/customers', 'get'],
      ['/v1/tenants/{tenantId}/partners', 'get'],
    ];
    for (const [path, method] of expected) {
      expect(paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    const create = paths['/v1/customers']?.post as {
      requestBody: { content: Record<string, { schema: Json }> };
    };
    expect(create.requestBody.content['application/json']?.schema).toMatchObject({
      required: [
        'partnerTenantId',
        'legalName',
        'country',
        'address',
        'tenant',
        'globalAdmin',
        'customerAgreement',
      ],
      additionalProperties: false,
    });
  });
});
