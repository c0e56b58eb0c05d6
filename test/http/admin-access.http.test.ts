/**
 * The admin-access routes over HTTP (delegated admin, scenario 3), on SQLite and PostgreSQL:
 * every route answers its success, a validation error naming the field, its rule refusals with the
 * stable code, 401 without an API key, and 404 for another tenant's objects.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { type Principal, SYSTEM, type UserRole } from '../../src/kernel/principal.ts';
import { addUser } from '../../src/parties/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Operator,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  violations: { code: string; message: string; field?: string; scenario?: string; remedies: string[] }[];
}

function userIdOf(p: Principal): string {
  if (p.kind !== 'user') throw new Error('not a user principal');
  return p.userId;
}

/** An API key for a user, created by the system (as the CLI does). */
async function keyFor(csp: OpenCsp, p: Principal): Promise<string> {
  return must(
    await csp.execute(createApiKey, { principal: SYSTEM }, { userId: userIdOf(p), name: 'test key' }),
    'createApiKey',
  ).token;
}

/** Asserts a problem+json answer with `status` and first `code`; returns the document. */
function problem(res: LightMyRequestResponse, status: number, code: string): Problem {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Problem;
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code });
  expect(body.status).toBe(status);
  return body;
}

const fieldsOf = (p: Problem) => p.violations.map((v) => v.field);
const codesOf = (p: Problem) => p.violations.map((v) => v.code);

describeEachDatabase('HTTP admin access (delegated admin, scenario 3)', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let reseller: Partner;
  let direct: Partner;
  let customer: Customer;
  let otherCustomer: Customer;
  const key: Record<'reseller' | 'direct' | 'customer' | 'otherCustomer' | 'operator', string> = {
    reseller: '',
    direct: '',
    customer: '',
    otherCustomer: '',
    operator: '',
  };

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    reseller = await addPartner(csp, operator, {
      legalName: 'Revendeur Office',
      country: 'FR',
      role: 'indirect-reseller',
    });
    direct = await addPartner(csp, operator, {
      legalName: 'Azure Experts SAS',
      country: 'FR',
      role: 'direct-bill',
    });
    customer = await addCustomer(csp, { legalName: 'Contoso France', country: 'FR' });
    otherCustomer = await addCustomer(csp, { legalName: 'Tailspin SARL', country: 'FR' });
    key.reseller = await keyFor(csp, reseller.globalAdmin);
    key.direct = await keyFor(csp, direct.globalAdmin);
    key.customer = await keyFor(csp, customer.globalAdmin);
    key.otherCustomer = await keyFor(csp, otherCustomer.globalAdmin);
    key.operator = await keyFor(csp, operator.principal);
    app = await testApp({ csp, logger: false });
    await app.ready();
  });
  afterEach(async () => app?.close());

  const send = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    token: string | undefined,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      headers: { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...headers },
      ...(payload !== undefined && { payload }),
    });

  const newRelationship = (over: Record<string, unknown> = {}) => ({
    partnerTenantId: reseller.tenantId,
    customerTenantId: customer.tenantId,
    displayName: 'Contoso support',
    roles: ['helpdesk-administrator', 'directory-readers'],
    durationDays: 90,
    ...over,
  });

  /** Creates a relationship over HTTP and returns its id. */
  async function create(over: Record<string, unknown> = {}, token = key.reseller): Promise<string> {
    const res = await send('POST', '/v1/admin-relationships', token, newRelationship(over));
    expect(res.statusCode).toBe(201);
    return (res.json() as { id: string }).id;
  }
  const step = (id: string, verb: 'approval-request' | 'approval' | 'termination', token: string) =>
    send('POST', `/v1/admin-relationships/${id}/${verb}`, token);

  /** Created, sent for approval and approved by the customer: active. */
  async function activeRelationship(over: Record<string, unknown> = {}): Promise<string> {
    const id = await create(over);
    expect((await step(id, 'approval-request', key.reseller)).statusCode).toBe(200);
    expect((await step(id, 'approval', key.customer)).statusCode).toBe(200);
    return id;
  }

  /** A user of `tenantId` with `roles`, and an API key for it. */
  async function userKey(admin: Principal, tenantId: string, roles: UserRole[]): Promise<string> {
    const user = must(
      await csp.execute(
        addUser,
        { principal: admin },
        {
          tenantId,
          email: `${roles[0]}@${tenantId.slice(0, 8)}.example`,
          displayName: `A ${roles[0]}`,
          roles,
        },
      ),
      'addUser',
    );
    return must(
      await csp.execute(createApiKey, { principal: SYSTEM }, { userId: user.id, name: 'agent key' }),
      'createApiKey',
    ).token;
  }

  // -----------------------------------------------------------------------------------------------
  // POST /v1/admin-relationships

  it('POST /v1/admin-relationships → 201: created, granting nothing until approved, with a ledger event', async () => {
    const res = await send('POST', '/v1/admin-relationships', key.reseller, newRelationship());
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const r = res.json();
    expect(r).toMatchObject({
      partnerTenantId: reseller.tenantId,
      customerTenantId: customer.tenantId,
      displayName: 'Contoso support',
      roles: ['helpdesk-administrator', 'directory-readers'],
      durationDays: 90,
      autoExtend: 'none',
      state: 'created',
      storedState: 'created',
      effectiveEnd: null,
      activatedAt: null,
      endsAt: null,
    });
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    const ledger = await send('GET', `/v1/ledger/admin-relationship/${r.id}`, key.reseller);
    expect(ledger.statusCode).toBe(200);
    expect(ledger.json().events.map((e: { type: string }) => e.type)).toEqual(['admin-relationship.created']);
  });

  it('an admin agent of the partner may create one; autoExtend P180D is kept', async () => {
    const agent = await userKey(reseller.globalAdmin, reseller.tenantId, ['admin-agent']);
    const res = await send(
      'POST',
      '/v1/admin-relationships',
      agent,
      newRelationship({ autoExtend: 'P180D', durationDays: 730 }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ autoExtend: 'P180D', durationDays: 730, state: 'created' });
  });

  it('POST /v1/admin-relationships → 400 naming each bad field (schema): missing, unknown, wrong type, out of range', async () => {
    const { displayName: _omit, ...noName } = newRelationship();
    const missing = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, noName),
      400,
      'REQUIRED_FIELD',
    );
    expect(missing.violations).toEqual([
      { code: 'REQUIRED_FIELD', message: 'displayName is required', field: 'displayName', remedies: [] },
    ]);

    const unknown = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ scope: 'all' })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(unknown)).toEqual(['scope']);

    const wrongType = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ durationDays: '90' })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(wrongType)).toEqual(['durationDays']);

    const tooLong = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ durationDays: 731 })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(tooLong)).toEqual(['durationDays']);

    const badRole = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ roles: ['root'] })),
      400,
      'INVALID_FIELD',
    );
    expect(badRole.violations).toEqual([
      {
        code: 'INVALID_FIELD',
        message: 'roles[0] must be equal to one of the allowed values',
        field: 'roles[0]',
        remedies: [],
      },
    ]);

    const noRoles = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ roles: [] })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(noRoles)).toEqual(['roles']);

    const badGuid = problem(
      await send(
        'POST',
        '/v1/admin-relationships',
        key.reseller,
        newRelationship({ customerTenantId: 'nope' }),
      ),
      400,
      'INVALID_FIELD',
    );
    expect(new Set(fieldsOf(badGuid))).toEqual(new Set(['customerTenantId']));

    const badExtend = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, newRelationship({ autoExtend: 'P90D' })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(badExtend)).toEqual(['autoExtend']);
  });

  it('POST /v1/admin-relationships → 400 from the service: auto-extension with global-administrator', async () => {
    const body = newRelationship({ roles: ['global-administrator'], autoExtend: 'P180D' });
    const p = problem(
      await send('POST', '/v1/admin-relationships', key.reseller, body),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(p)).toEqual(['autoExtend']);
    expect(p.violations[0]?.message).toContain('global-administrator');
  });

  it('POST /v1/admin-relationships refusals: NOT_AUTHORIZED for the customer and a sales agent, NOT_A_CUSTOMER_TENANT, TENANT_NOT_FOUND', async () => {
    const byCustomer = problem(
      await send('POST', '/v1/admin-relationships', key.customer, newRelationship()),
      403,
      'NOT_AUTHORIZED',
    );
    expect(byCustomer.violations[0]?.remedies).toEqual([
      `Ask a global admin or admin agent of tenant ${reseller.tenantId}.`,
    ]);
    const sales = await userKey(reseller.globalAdmin, reseller.tenantId, ['sales-agent']);
    problem(await send('POST', '/v1/admin-relationships', sales, newRelationship()), 403, 'NOT_AUTHORIZED');

    const partnerAsCustomer = problem(
      await send(
        'POST',
        '/v1/admin-relationships',
        key.reseller,
        newRelationship({ customerTenantId: direct.tenantId }),
      ),
      422,
      'NOT_A_CUSTOMER_TENANT',
    );
    expect(fieldsOf(partnerAsCustomer)).toEqual(['customerTenantId']);

    const unknown = problem(
      await send(
        'POST',
        '/v1/admin-relationships',
        key.reseller,
        newRelationship({ customerTenantId: UNKNOWN_ID }),
      ),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(fieldsOf(unknown)).toEqual(['customerTenantId']);
  });

  it('POST /v1/admin-relationships with OpenCSP-Dry-Run: 200 {dryRun: true}, nothing written; a refusal stays a refusal', async () => {
    const before = await snapshot(csp.store);
    const res = await send('POST', '/v1/admin-relationships', key.reseller, newRelationship(), {
      'opencsp-dry-run': 'true',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ dryRun: true, value: { state: 'created' } });
    expect(await snapshot(csp.store)).toEqual(before);
    problem(
      await send('POST', '/v1/admin-relationships', key.customer, newRelationship(), {
        'opencsp-dry-run': 'true',
      }),
      403,
      'NOT_AUTHORIZED',
    );
    expect(await snapshot(csp.store)).toEqual(before);
  });

  // -----------------------------------------------------------------------------------------------
  // Lifecycle: approval request, approval, termination.

  it('POST …/approval-request → 200 approvalPending; twice → 409 INVALID_TRANSITION; the customer → 403', async () => {
    const id = await create();
    const res = await step(id, 'approval-request', key.reseller);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      state: 'approvalPending',
      requestedAt: '2026-01-15T10:00:00.000Z',
    });

    const twice = problem(await step(id, 'approval-request', key.reseller), 409, 'INVALID_TRANSITION');
    expect(twice.violations[0]).toMatchObject({ field: 'adminRelationshipId', scenario: '3' });
    problem(await step(id, 'approval-request', key.customer), 403, 'NOT_AUTHORIZED');
    problem(await step('not-a-guid', 'approval-request', key.reseller), 400, 'INVALID_GUID');
  });

  it('POST …/approval: the partner → 403 NOT_AUTHORIZED; the customer → 200 active for its duration; again → 409', async () => {
    const id = await create();
    // Before approval was asked for: only INVALID_TRANSITION (the customer's admin may approve).
    problem(await step(id, 'approval', key.customer), 409, 'INVALID_TRANSITION');
    await step(id, 'approval-request', key.reseller);

    const byPartner = problem(await step(id, 'approval', key.reseller), 403, 'NOT_AUTHORIZED');
    expect(codesOf(byPartner)).toEqual(['NOT_AUTHORIZED']);
    problem(await step(id, 'approval', key.operator), 403, 'NOT_AUTHORIZED');

    const res = await step(id, 'approval', key.customer);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      state: 'active',
      activatedAt: '2026-01-15T10:00:00.000Z',
      endsAt: '2026-04-15T10:00:00.000Z',
      effectiveEnd: '2026-04-15T10:00:00.000Z',
      approvedBy: userIdOf(customer.globalAdmin),
    });
    problem(await step(id, 'approval', key.customer), 409, 'INVALID_TRANSITION');
  });

  it('POST …/approval by another customer or another partner → 404 ADMIN_RELATIONSHIP_NOT_FOUND (nothing leaks)', async () => {
    const id = await create();
    await step(id, 'approval-request', key.reseller);
    for (const token of [key.otherCustomer, key.direct]) {
      const p = problem(await step(id, 'approval', token), 404, 'ADMIN_RELATIONSHIP_NOT_FOUND');
      expect(fieldsOf(p)).toEqual(['adminRelationshipId']);
    }
    problem(await step(UNKNOWN_ID, 'approval', key.customer), 404, 'ADMIN_RELATIONSHIP_NOT_FOUND');
  });

  it('POST …/termination: the customer ends an active one (200, recorded by tenant); again → 409; outsiders → 404', async () => {
    const id = await activeRelationship();
    problem(await step(id, 'termination', key.otherCustomer), 404, 'ADMIN_RELATIONSHIP_NOT_FOUND');
    problem(await step(id, 'termination', key.direct), 404, 'ADMIN_RELATIONSHIP_NOT_FOUND');
    const res = await step(id, 'termination', key.customer);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      state: 'terminated',
      terminatedAt: '2026-01-15T10:00:00.000Z',
      terminatedByTenantId: customer.tenantId,
      effectiveEnd: '2026-01-15T10:00:00.000Z',
    });
    problem(await step(id, 'termination', key.reseller), 409, 'INVALID_TRANSITION');
  });

  it('POST …/termination by the partner before approval; a sales agent → 403', async () => {
    const id = await create();
    const sales = await userKey(reseller.globalAdmin, reseller.tenantId, ['sales-agent']);
    problem(await step(id, 'termination', sales), 403, 'NOT_AUTHORIZED');
    const res = await step(id, 'termination', key.reseller);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ state: 'terminated', terminatedByTenantId: reseller.tenantId });
  });

  // -----------------------------------------------------------------------------------------------
  // Reads.

  it('GET /v1/admin-relationships/:id → 200 for both sides and the operator; 404 for others; 400 for a bad id', async () => {
    const id = await activeRelationship();
    for (const token of [key.reseller, key.customer, key.operator]) {
      const res = await send('GET', `/v1/admin-relationships/${id}`, token);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, state: 'active', storedState: 'active' });
    }
    for (const token of [key.direct, key.otherCustomer]) {
      problem(await send('GET', `/v1/admin-relationships/${id}`, token), 404, 'ADMIN_RELATIONSHIP_NOT_FOUND');
    }
    problem(
      await send('GET', `/v1/admin-relationships/${UNKNOWN_ID}`, key.reseller),
      404,
      'ADMIN_RELATIONSHIP_NOT_FOUND',
    );
    const bad = problem(await send('GET', '/v1/admin-relationships/xyz', key.reseller), 400, 'INVALID_GUID');
    expect(fieldsOf(bad)).toEqual(['adminRelationshipId']);
  });

  it('GET /v1/tenants/:tenantId/admin-relationships: either side, filtered by state, paginated by cursor', async () => {
    const a = await activeRelationship();
    const b = await create({ displayName: 'Second' });
    const c = await create({ customerTenantId: otherCustomer.tenantId, displayName: 'Third' });

    const list = (tenantId: string, query: string, token: string) =>
      send('GET', `/v1/tenants/${tenantId}/admin-relationships?${query}`, token);
    const ids = (res: LightMyRequestResponse) => (res.json().items as { id: string }[]).map((r) => r.id);

    const all = await list(reseller.tenantId, 'side=partner', key.reseller);
    expect(all.statusCode).toBe(200);
    expect(new Set(ids(all))).toEqual(new Set([a, b, c]));
    expect(all.json().next).toBeNull();

    const first = await list(reseller.tenantId, 'side=partner&limit=2', key.reseller);
    expect(ids(first)).toHaveLength(2);
    const cursor = first.json().next as string;
    expect(typeof cursor).toBe('string');
    const second = await list(reseller.tenantId, `side=partner&limit=2&cursor=${cursor}`, key.reseller);
    expect(second.json().next).toBeNull();
    expect([...ids(first), ...ids(second)]).toEqual(ids(all));

    const asCustomer = await list(customer.tenantId, 'side=customer', key.customer);
    expect(new Set(ids(asCustomer))).toEqual(new Set([a, b]));
    const active = await list(customer.tenantId, 'side=customer&state=active', key.customer);
    expect(ids(active)).toEqual([a]);
    const created = await list(reseller.tenantId, 'side=partner&state=created', key.operator);
    expect(new Set(ids(created))).toEqual(new Set([b, c]));
    // The customer side of a partner tenant is simply empty.
    expect(ids(await list(reseller.tenantId, 'side=customer', key.reseller))).toEqual([]);
  });

  it('GET /v1/tenants/:tenantId/admin-relationships → 400 naming side, state, limit, cursor; 404 for another tenant', async () => {
    const list = (tenantId: string, query: string, token = key.reseller) =>
      send('GET', `/v1/tenants/${tenantId}/admin-relationships${query}`, token);
    const noSide = problem(await list(reseller.tenantId, ''), 400, 'REQUIRED_FIELD');
    expect(fieldsOf(noSide)).toEqual(['side']);
    expect(fieldsOf(problem(await list(reseller.tenantId, '?side=both'), 400, 'INVALID_FIELD'))).toEqual([
      'side',
    ]);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&state=asleep'), 400, 'INVALID_FIELD')),
    ).toEqual(['state']);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&limit=ten'), 400, 'INVALID_FIELD')),
    ).toEqual(['limit']);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&limit=0'), 400, 'INVALID_FIELD')),
    ).toEqual(['limit']);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&limit=1001'), 400, 'INVALID_FIELD')),
    ).toEqual(['limit']);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&cursor=garbage'), 400, 'INVALID_FIELD')),
    ).toEqual(['cursor']);
    expect(
      fieldsOf(problem(await list(reseller.tenantId, '?side=partner&x=1'), 400, 'INVALID_FIELD')),
    ).toEqual(['x']);

    const other = problem(
      await list(reseller.tenantId, '?side=partner', key.direct),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(fieldsOf(other)).toEqual(['partnerTenantId']);
    const otherCustomerSide = problem(
      await list(customer.tenantId, '?side=customer', key.otherCustomer),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(fieldsOf(otherCustomerSide)).toEqual(['customerTenantId']);
    problem(await list(UNKNOWN_ID, '?side=partner', key.operator), 404, 'TENANT_NOT_FOUND');
  });

  it('GET /v1/tenants/:partnerTenantId/access/:customerTenantId: the roles of live relationships; outsiders → 404', async () => {
    const url = `/v1/tenants/${reseller.tenantId}/access/${customer.tenantId}`;
    const before = await send('GET', url, key.reseller);
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({
      partnerTenantId: reseller.tenantId,
      customerTenantId: customer.tenantId,
      viaResellerRelationship: false,
      viaProviderOfReseller: false,
      adminRoles: [],
    });
    await activeRelationship();
    for (const token of [key.reseller, key.customer, key.operator]) {
      const res = await send('GET', url, token);
      expect(res.statusCode).toBe(200);
      expect(new Set(res.json().adminRoles)).toEqual(
        new Set(['helpdesk-administrator', 'directory-readers']),
      );
    }
    const outsider = problem(await send('GET', url, key.otherCustomer), 404, 'TENANT_NOT_FOUND');
    expect(fieldsOf(outsider)).toEqual(['partnerTenantId']);
    problem(await send('GET', url, key.direct), 404, 'TENANT_NOT_FOUND');
    const bad = problem(
      await send('GET', `/v1/tenants/nope/access/${customer.tenantId}`, key.reseller),
      400,
      'INVALID_GUID',
    );
    expect(fieldsOf(bad)).toEqual(['partnerTenantId']);
  });

  // -----------------------------------------------------------------------------------------------
  // External subscriptions.

  const subscription = (over: Record<string, unknown> = {}) => ({
    customerTenantId: customer.tenantId,
    source: 'direct',
    offerName: 'Contoso 365 E3',
    quantity: 25,
    ...over,
  });

  it('POST /v1/external-subscriptions → 201 by the customer; 400 naming fields; 403 for partners; 422 on a partner tenant', async () => {
    const res = await send(
      'POST',
      '/v1/external-subscriptions',
      key.customer,
      subscription({ externalReference: 'PO-1' }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      customerTenantId: customer.tenantId,
      source: 'direct',
      offerName: 'Contoso 365 E3',
      quantity: 25,
      externalReference: 'PO-1',
      registeredAt: '2026-01-15T10:00:00.000Z',
    });

    const bad = problem(
      await send(
        'POST',
        '/v1/external-subscriptions',
        key.customer,
        subscription({ source: 'marketplace', quantity: 0, colour: 'red' }),
      ),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(bad).sort()).toEqual(['colour', 'quantity', 'source']);
    const { offerName: _o, ...noOffer } = subscription();
    expect(
      fieldsOf(
        problem(
          await send('POST', '/v1/external-subscriptions', key.customer, noOffer),
          400,
          'REQUIRED_FIELD',
        ),
      ),
    ).toEqual(['offerName']);

    for (const token of [key.reseller, key.operator, key.otherCustomer]) {
      problem(await send('POST', '/v1/external-subscriptions', token, subscription()), 403, 'NOT_AUTHORIZED');
    }
    const onPartner = problem(
      await send(
        'POST',
        '/v1/external-subscriptions',
        key.reseller,
        subscription({ customerTenantId: reseller.tenantId }),
      ),
      422,
      'NOT_A_CUSTOMER_TENANT',
    );
    expect(onPartner.violations[0]).toMatchObject({ field: 'customerTenantId', scenario: '4' });
  });

  it('GET /v1/tenants/:tenantId/external-subscriptions: the customer; a partner only under a live admin relationship; paginated', async () => {
    for (const offerName of ['Offer A', 'Offer B', 'Offer C']) {
      const res = await send('POST', '/v1/external-subscriptions', key.customer, subscription({ offerName }));
      expect(res.statusCode).toBe(201);
    }
    const url = `/v1/tenants/${customer.tenantId}/external-subscriptions`;
    const own = await send('GET', url, key.customer);
    expect(own.statusCode).toBe(200);
    expect(own.json().items).toHaveLength(3);
    expect(own.json().next).toBeNull();

    // A partner the customer never dealt with does not learn it exists.
    problem(await send('GET', url, key.reseller), 404, 'TENANT_NOT_FOUND');
    await activeRelationship();
    const page1 = await send('GET', `${url}?limit=2`, key.reseller);
    expect(page1.statusCode).toBe(200);
    expect(page1.json().items).toHaveLength(2);
    const page2 = await send('GET', `${url}?limit=2&cursor=${page1.json().next}`, key.reseller);
    expect(page2.json()).toMatchObject({ next: null });
    expect(
      [...page1.json().items, ...page2.json().items].map((s: { offerName: string }) => s.offerName).sort(),
    ).toEqual(['Offer A', 'Offer B', 'Offer C']);

    // Another partner without a relationship: not found, whether or not the customer exists.
    problem(await send('GET', url, key.direct), 404, 'TENANT_NOT_FOUND');
    problem(
      await send('GET', `/v1/tenants/${UNKNOWN_ID}/external-subscriptions`, key.direct),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(
      fieldsOf(problem(await send('GET', `${url}?limit=x`, key.customer), 400, 'INVALID_FIELD')),
    ).toEqual(['limit']);
    expect(
      fieldsOf(problem(await send('GET', `${url}?cursor=zz`, key.customer), 400, 'INVALID_FIELD')),
    ).toEqual(['cursor']);
  });

  // -----------------------------------------------------------------------------------------------
  // Authentication.

  it('every admin-access route answers 401 NOT_AUTHENTICATED without an API key, and with a revoked or garbage one', async () => {
    const id = await create();
    const routes: [method: 'GET' | 'POST', url: string, payload?: object][] = [
      ['POST', '/v1/admin-relationships', newRelationship()],
      ['POST', `/v1/admin-relationships/${id}/approval-request`],
      ['POST', `/v1/admin-relationships/${id}/approval`],
      ['POST', `/v1/admin-relationships/${id}/termination`],
      ['GET', `/v1/admin-relationships/${id}`],
      ['GET', `/v1/tenants/${reseller.tenantId}/admin-relationships?side=partner`],
      ['GET', `/v1/tenants/${reseller.tenantId}/access/${customer.tenantId}`],
      ['POST', '/v1/external-subscriptions', subscription()],
      ['GET', `/v1/tenants/${customer.tenantId}/external-subscriptions`],
    ];
    const before = await snapshot(csp.store);
    for (const [method, url, payload] of routes) {
      const anonymous = problem(await send(method, url, undefined, payload), 401, 'NOT_AUTHENTICATED');
      expect(anonymous.violations[0]?.remedies.length).toBeGreaterThan(0);
      problem(await send(method, url, 'ocsp_garbage', payload), 401, 'NOT_AUTHENTICATED');
    }
    expect(await snapshot(csp.store)).toEqual(before);
  });
});
