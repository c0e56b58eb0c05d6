/**
 * The typed client (src/client) against the real app, on SQLite and PostgreSQL: sign-up to
 * transacting and a partnership through `app.inject()`, a refusal as a typed problem with its
 * violations, the Idempotency-Key and dry-run headers, path-param encoding, one call over real HTTP
 * (global fetch); and the generated types are current with the routes.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkClientTypes,
  generateClientTypes,
  type OpenApiDocument,
} from '../../scripts/generate-client.ts';
import { createApiKey } from '../../src/api-keys/service.ts';
import { type OpenCsp, openOpenCsp } from '../../src/app/opencsp.ts';
import { type Client, createClient, fillPath, queryString, unwrap } from '../../src/client/client.ts';
import { SYSTEM } from '../../src/kernel/principal.ts';
import { addPartner, bootstrap, must, type Operator, type Partner } from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const signUp = (domain: string) => ({
  legalName: `${domain} SAS`,
  country: 'FR',
  address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  tenant: { domain: `${domain}.onmicrosoft.example` },
  globalAdmin: { email: `admin@${domain}.example`, displayName: `${domain} Admin` },
});

describeEachDatabase('HTTP typed client', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  let usReseller: Partner;
  let api: Client;
  const keyring = apiKeys(() => csp);

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
    usReseller = await addPartner(csp, operator, {
      legalName: 'Reseller United States',
      country: 'US',
      role: 'indirect-reseller',
    });
    for (const p of [operator.principal, provider.globalAdmin, reseller.globalAdmin]) await keyring.key(p);
    app = await testApp({ csp, logger: false });
    api = createClient({ inject: app });
  });
  afterEach(async () => app.close());

  it('sign-up → enroll → the operator verifies → the MPA → standing mayTransact, all typed', async () => {
    const signed = await api.request('POST /v1/partners', { body: signUp('fabrikam') });
    expect(signed).toMatchObject({ ok: true, status: 201 });
    const { tenantId, globalAdminUserId } = unwrap(signed);
    const adminKey = must(
      await csp.execute(createApiKey, { principal: SYSTEM }, { userId: globalAdminUserId, name: 'k' }),
    ).token;
    const admin = api.withApiKey(adminKey);
    const ops = api.withApiKey(await keyring.key(operator.principal));

    const enrollment = await admin.request('POST /v1/enrollments', {
      body: { tenantId: tenantId, role: 'indirect-reseller' },
    });
    expect(enrollment.status).toBe(201);
    const enrollmentId = unwrap(enrollment).id;

    const standingBefore = unwrap(
      await admin.request('GET /v1/tenants/:tenantId/standing', {
        params: { tenantId: tenantId },
        query: { role: 'indirect-reseller' },
      }),
    );
    expect(standingBefore.mayTransact).toBe(false);

    const byAdmin = await admin.request('POST /v1/enrollments/:enrollmentId/verify', {
      params: { enrollmentId },
    });
    expect(byAdmin.ok ? undefined : byAdmin.problem.code).toBe('NOT_AUTHORIZED');
    expect(
      unwrap(await ops.request('POST /v1/enrollments/:enrollmentId/verify', { params: { enrollmentId } })),
    ).toMatchObject({ status: 'qualified' });

    const mpa = await admin.request('POST /v1/tenants/:tenantId/partner-agreement', {
      params: { tenantId: tenantId },
    });
    expect(mpa.status).toBe(201);
    expect(unwrap(mpa).activatedEnrollmentIds).toEqual([enrollmentId]);

    const standing = await admin.request('GET /v1/tenants/:tenantId/standing', {
      params: { tenantId: tenantId },
    });
    expect(standing).toMatchObject({
      ok: true,
      status: 200,
      data: { tenantId, region: 'europe', mayTransact: true, violations: [] },
    });
    expect(standing.headers['content-type']).toMatch(/^application\/json/);
  });

  it('a partnership: invite, accept, read it and list the provider’s resellers with a typed query', async () => {
    const asProvider = api.withApiKey(await keyring.key(provider.globalAdmin));
    const asReseller = api.withApiKey(await keyring.key(reseller.globalAdmin));
    const invited = unwrap(
      await asProvider.request('POST /v1/partnerships', {
        body: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
      }),
    );
    expect(invited).toMatchObject({ resellerTenantId: reseller.tenantId, state: 'invited' });

    const accepted = await asReseller.request('POST /v1/partnership-invitations/accept', {
      body: { token: invited.invitationToken },
    });
    expect(accepted).toMatchObject({ ok: true, status: 200, data: { state: 'active' } });

    const partnershipId = invited.id;
    expect(
      unwrap(await asReseller.request('GET /v1/partnerships/:partnershipId', { params: { partnershipId } })),
    ).toMatchObject({ id: partnershipId, state: 'active' });

    const page = unwrap(
      await asProvider.request('GET /v1/tenants/:tenantId/indirect-resellers', {
        params: { tenantId: provider.tenantId },
        query: { state: 'active', limit: '10' },
      }),
    );
    expect(page.items).toEqual([
      expect.objectContaining({ partnershipId, tenantId: reseller.tenantId, state: 'active' }),
    ]);
    const none = unwrap(
      await asProvider.request('GET /v1/tenants/:tenantId/indirect-resellers', {
        params: { tenantId: provider.tenantId },
        query: { state: 'suspended' },
      }),
    );
    expect(none.items).toEqual([]);
  });

  it('a refusal is a typed RFC 9457 problem with every violation, and writes nothing', async () => {
    const asProvider = api.withApiKey(await keyring.key(provider.globalAdmin));
    const before = await snapshot(csp.store);
    const refused = await asProvider.request('POST /v1/partnerships', {
      body: { providerTenantId: provider.tenantId, resellerPartnerId: usReseller.partnerId },
      requestId: 'client-test-1',
    });
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.status).toBe(422);
    expect(refused.data).toBeUndefined();
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['x-request-id']).toBe('client-test-1');
    const { problem } = refused;
    expect(problem).toMatchObject({ status: 422, code: 'REGION_MISMATCH', instance: 'client-test-1' });
    expect(problem.violations).toHaveLength(1);
    expect(problem.violations[0]).toMatchObject({ code: 'REGION_MISMATCH', scenario: '8' });
    expect(problem.violations[0]?.remedies.length).toBeGreaterThan(0);
    expect(await snapshot(csp.store)).toEqual(before);

    // Schema validation: the fields named, all at once (a body the types would refuse, sent anyway).
    const invalid = await asProvider.request('POST /v1/partnerships', {
      body: { resellerPartnerId: 'x', regionOverride: 'europe' } as never,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.problem?.violations.map((v) => v.field).sort()).toEqual([
      'providerTenantId',
      'regionOverride',
      'resellerPartnerId',
    ]);
    // No key: 401, and `unwrap` throws with the code.
    const anonymous = await api.request('POST /v1/partnerships', {
      body: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
    });
    expect(() => unwrap(anonymous)).toThrow(/^401 NOT_AUTHENTICATED: NOT_AUTHENTICATED: /);
  });

  it('Idempotency-Key: a retry answers the first result; the key with another body is refused', async () => {
    const asProvider = api.withApiKey(await keyring.key(provider.globalAdmin));
    const body = { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId };
    const first = await asProvider.request('POST /v1/partnerships', { body, idempotencyKey: 'invite-1' });
    expect(first.status).toBe(201);
    const before = await snapshot(csp.store);
    const again = await asProvider.request('POST /v1/partnerships', { body, idempotencyKey: 'invite-1' });
    expect(again.status).toBe(201);
    expect(again.data).toEqual(first.data);
    expect(await snapshot(csp.store)).toEqual(before);

    const other = await asProvider.request('POST /v1/partnerships', {
      body: { providerTenantId: provider.tenantId, resellerTenantId: reseller.tenantId },
      idempotencyKey: 'invite-1',
    });
    expect(other).toMatchObject({ ok: false, status: 409, problem: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const badKey = await asProvider.request('POST /v1/partnerships', { body, idempotencyKey: 'not a key!' });
    expect(badKey.problem?.violations).toEqual([
      expect.objectContaining({ code: 'INVALID_FIELD', field: 'Idempotency-Key' }),
    ]);
    expect(await snapshot(csp.store)).toEqual(before);
  });

  it('dryRun: a command answers { dryRun, value } and writes nothing', async () => {
    const asProvider = api.withApiKey(await keyring.key(provider.globalAdmin));
    const before = await snapshot(csp.store);
    const dry = await asProvider.request('POST /v1/partnerships', {
      body: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.data?.dryRun).toBe(true);
    expect(dry.data?.value).toMatchObject({ state: 'invited', invitedAt: T0.toISOString() });
    expect(await snapshot(csp.store)).toEqual(before);
  });

  it('path params are encoded: a "/" stays inside its segment', async () => {
    const seen: string[] = [];
    const recording = createClient({
      baseUrl: 'http://opencsp.test/',
      apiKey: await keyring.key(provider.globalAdmin),
      fetch: async (url, init) => {
        seen.push(String(url));
        const res = await app.inject({
          method: init?.method as 'GET',
          url: String(url).slice('http://opencsp.test'.length),
          headers: init?.headers as Record<string, string>,
        });
        return new Response(res.body, {
          status: res.statusCode,
          headers: { 'content-type': String(res.headers['content-type']) },
        });
      },
    });
    const res = await recording.request('GET /v1/organizations/:organizationId', {
      params: { organizationId: 'a/b c?d' },
    });
    expect(seen).toEqual(['http://opencsp.test/v1/organizations/a%2Fb%20c%3Fd']);
    // The whole value reached the route's one parameter (refused as a GUID, not an unknown route)…
    expect(res).toMatchObject({ ok: false, status: 400, problem: { code: 'INVALID_GUID' } });
    expect(res.problem?.violations.map((v) => v.field)).toEqual(['organizationId']);
    // …where the same text unencoded matches no route at all.
    const raw = await app.inject({ method: 'GET', url: '/v1/organizations/a/b c?d' });
    expect(raw.json().code).toBe('ROUTE_NOT_FOUND');

    const own = await recording.request('GET /v1/organizations/:organizationId', {
      params: { organizationId: provider.organizationId },
    });
    expect(own).toMatchObject({ ok: true, data: { id: provider.organizationId } });
    expect(fillPath('/v1/ledger/:entityType/:entityId', { entityType: 'partnership', entityId: 'x y' })).toBe(
      '/v1/ledger/partnership/x%20y',
    );
    expect(() => fillPath('/v1/partnerships/:partnershipId', {})).toThrow(/partnershipId/);
    expect(queryString({ state: 'active', limit: undefined, tag: ['a', 'b&c'] })).toBe(
      '?state=active&tag=a&tag=b%26c',
    );
  });

  it('over real HTTP: app.listen on 127.0.0.1 port 0 and the global fetch', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    const http = createClient({
      baseUrl: `http://127.0.0.1:${address.port}`,
      apiKey: await keyring.key(reseller.globalAdmin),
    });
    const org = await http.request('GET /v1/organizations/:organizationId', {
      params: { organizationId: reseller.organizationId },
      requestId: 'over-http-1',
    });
    expect(org).toMatchObject({ ok: true, status: 200, data: { id: reseller.organizationId } });
    expect(org.headers['x-request-id']).toBe('over-http-1');
    const refused = await http.request('GET /v1/organizations/:organizationId', {
      params: { organizationId: provider.organizationId },
    });
    expect(refused).toMatchObject({ ok: false, status: 404, problem: { code: 'ORGANIZATION_NOT_FOUND' } });
    const signed = await http.request('POST /v1/partners', { body: signUp('overhttp'), apiKey: null });
    expect(signed.status).toBe(201);
  });
});

describe('generated client types', () => {
  it('the client refuses, at compile time, unknown operations, missing or misspelt params and wrong bodies', () => {
    expect(typeChecks).toBeTypeOf('function');
  });

  it('converts JSON Schema to TypeScript: $ref, nullable, const, anyOf/allOf, maps, tuples, open response enums', async () => {
    const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'object',
      properties,
      ...extra,
    });
    const document = {
      openapi: '3.1.0',
      info: { title: 'Test', version: '1' },
      components: {
        schemas: {
          'money-amount': object(
            { amount: { type: 'integer' }, currency: { type: 'string' } },
            { required: ['amount', 'currency'], additionalProperties: false },
          ),
        },
      },
      paths: {
        '/v1/orders/{orderId}': {
          parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
          patch: {
            summary: 'Update an order',
            parameters: [
              { name: 'expand', in: 'query', schema: { type: 'array', items: { enum: ['lines', 'chain'] } } },
            ],
            requestBody: {
              content: {
                'application/json': {
                  schema: object(
                    {
                      total: { $ref: '#/components/schemas/money-amount' },
                      note: { type: ['string', 'null'] },
                      kind: { const: 'update' },
                      either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
                      both: { allOf: [object({ a: { type: 'string' } }), object({ b: { type: 'number' } })] },
                      'odd-name': { type: 'boolean' },
                      tags: { type: 'object', additionalProperties: { type: 'string' } },
                      list: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'null' }] } },
                      tuple: {
                        type: 'array',
                        prefixItems: [{ type: 'string' }, { type: 'number' }],
                        items: false,
                      },
                      anything: {},
                    },
                    { additionalProperties: false },
                  ),
                },
              },
            },
            responses: {
              '200': {
                description: 'ok',
                content: {
                  'application/json': {
                    schema: object(
                      { state: { type: 'string', enum: ['open', 'closed'] } },
                      { required: ['state'], additionalProperties: true },
                    ),
                  },
                },
              },
            },
          },
          delete: { responses: { '204': { description: 'gone' } } },
        },
      },
    } as const;
    const text = await generateClientTypes(document as unknown as OpenApiDocument);
    const lines = text.split('\n').map((l) => l.trim());
    for (const expected of [
      'export type MoneyAmount = {',
      "'DELETE /v1/orders/:orderId': {",
      'response: void;',
      "'PATCH /v1/orders/:orderId': {",
      "expand?: ('lines' | 'chain')[];",
      'total?: MoneyAmount;',
      'note?: string | null;',
      "kind?: 'update';",
      'either?: string | number;',
      '} & {',
      "'odd-name'?: boolean;",
      '[key: string]: string;',
      'list?: (string | null)[];',
      'tuple?: [string, number];',
      'anything?: unknown;',
      '| undefined;',
      "state: 'open' | 'closed' | (string & {});",
      '[key: string]: unknown;',
    ])
      expect(lines).toContain(expected);
    // Sorted by path, then method: DELETE before PATCH.
    expect(text.indexOf("'DELETE /v1/orders")).toBeLessThan(text.indexOf("'PATCH /v1/orders"));
  });

  it('src/client/api.generated.ts is current with the routes (else: npm run client:generate)', async () => {
    const csp = await openOpenCsp({ database: ':memory:' });
    const app = await testApp({ csp, logger: false });
    try {
      await app.ready();
      const check = await checkClientTypes(app.swagger() as unknown as OpenApiDocument);
      expect(check.message).toBe('src/client/api.generated.ts is up to date.');
      expect(check.current).toBe(true);
    } finally {
      await app.close();
      await csp.close();
    }
  });
});

/** Compile-time checks of the client's types (never called; `tsc` fails if a line stops being an error). */
async function typeChecks(api: Client): Promise<void> {
  // @ts-expect-error an unknown operation
  await api.request('GET /v1/nowhere');
  // @ts-expect-error path params are required
  await api.request('GET /v1/organizations/:organizationId');
  // @ts-expect-error a misspelt path param
  await api.request('GET /v1/organizations/:organizationId', { params: { orgId: 'x' } });
  // @ts-expect-error an unknown body field
  await api.request('POST /v1/partnership-invitations/accept', { body: { token: 't', extra: 1 } });
  await api.request('POST /v1/tenants/:tenantId/partner-id', {
    params: { tenantId: 't' },
    // @ts-expect-error a wrong type in the body
    body: { partnerId: '1' },
  });
  await api.request('GET /v1/tenants/:tenantId/indirect-resellers', {
    params: { tenantId: 't' },
    // @ts-expect-error a value outside the enum
    query: { state: 'happy' },
  });
  // @ts-expect-error a body on a route that takes none
  await api.request('GET /v1/organizations/:organizationId', { params: { organizationId: 'o' }, body: {} });
  const res = await api.request('POST /v1/partners', { body: signUp('types') });
  if (!res.ok) {
    const code: string = res.problem.code;
    const field: string | undefined = res.problem.violations[0]?.field;
    void [code, field];
  }
}
