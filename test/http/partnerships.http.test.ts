/**
 * The partnership routes over HTTP, on SQLite and PostgreSQL: each route's success, its schema
 * validation (400 naming the field), a rule refusal, the missing key (401), another partner's key
 * (404, existence not leaked), dry runs that write nothing, and its place in the OpenAPI document.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { addDays } from '../../src/kernel/time.ts';
import { defaultProgram } from '../../src/program/load.ts';
import type { Program } from '../../src/program/program.ts';
import {
  addPartner,
  bootstrap,
  connectReseller,
  type Operator,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

function selfService(): Program {
  const p = defaultProgram();
  return { ...p, policies: { ...p.policies, partnershipEnding: 'self-service' } };
}

type Json = Record<string, unknown>;
interface ProblemBody {
  code: string;
  status: number;
  violations: { code: string; message: string; field?: string; scenario?: string; remedies: string[] }[];
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

describeEachDatabase('HTTP partnerships', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  /** A reseller of the same region (Spain) with no partnership: the stranger of these tests. */
  let outsider: Partner;
  /** A reseller in another region (United States): scenario 8. */
  let usReseller: Partner;
  const keyring = apiKeys(() => csp);
  const key = keyring.key;

  async function world(program?: Program) {
    keyring.clear();
    csp = await db.fresh(program ? { program } : {});
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
    outsider = await addPartner(csp, operator, {
      legalName: 'Outsider Spain',
      country: 'ES',
      role: 'indirect-reseller',
    });
    usReseller = await addPartner(csp, operator, {
      legalName: 'Reseller United States',
      country: 'US',
      role: 'indirect-reseller',
    });
    // Keys first, so that snapshots taken by the tests do not see them appear.
    for (const p of [operator.principal, provider.globalAdmin, reseller.globalAdmin, outsider.globalAdmin])
      await key(p);
    app = await testApp({ csp, logger: false });
  }

  beforeEach(async () => world());
  afterEach(async () => app.close());

  /** Starts again under another program (the app and the world are rebuilt). */
  async function rebuild(program: Program) {
    await app.close();
    await world(program);
  }

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

  async function invite(r: Partner = reseller): Promise<Json> {
    const res = await call('POST', '/v1/partnerships', {
      as: provider.globalAdmin,
      payload: { providerTenantId: provider.tenantId, resellerPartnerId: r.partnerId },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as Json;
  }

  async function partnershipState(id: string): Promise<string> {
    const row = await csp.store.db
      .selectFrom('partnerships')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.state;
  }

  // -------------------------------------------------------------------------------------------

  describe('POST /v1/partnerships', () => {
    it('invites a reseller by location Partner ID: 201 with the invitation token and expiry', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json() as Json;
      expect(body).toMatchObject({
        providerTenantId: provider.tenantId,
        resellerTenantId: reseller.tenantId,
        state: 'invited',
        invitedAt: T0.toISOString(),
        expiresAt: addDays(T0, 90).toISOString(),
        acceptedAt: null,
      });
      expect(body.invitationToken).toEqual(expect.any(String));
      expect(await partnershipState(body.id as string)).toBe('invited');
    });

    it('invites by CSP tenant id too', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerTenantId: reseller.tenantId },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ resellerTenantId: reseller.tenantId, state: 'invited' });
    });

    it('answers 400 naming an unknown field, a wrong type and a missing field, all at once', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { resellerPartnerId: String(reseller.partnerId), regionOverride: 'europe' },
      });
      const body = problem(res, 400);
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'REQUIRED_FIELD', field: 'providerTenantId' },
          { code: 'INVALID_FIELD', field: 'regionOverride' },
          { code: 'INVALID_FIELD', field: 'resellerPartnerId' },
        ]),
      );
      expect(body.violations).toHaveLength(3);
    });

    it('answers 400 from the service when neither reseller reference is given', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId },
      });
      expect(fields(problem(res, 400, 'REQUIRED_FIELD'))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'resellerPartnerId' },
      ]);
    });

    it('refuses REGION_MISMATCH (scenario 8) for a reseller of another region, with remedies, writing nothing', async () => {
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerPartnerId: usReseller.partnerId },
      });
      const body = problem(res, 422, 'REGION_MISMATCH');
      expect(body.violations).toHaveLength(1);
      expect(body.violations[0]).toMatchObject({ code: 'REGION_MISMATCH', scenario: '8' });
      expect(body.violations[0]?.remedies).toHaveLength(2);
      expect(body.violations[0]?.remedies[0]).toMatch(/indirect provider located in/);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('refuses UNSUPPORTED_CHAIN when the provider invites itself', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerTenantId: provider.tenantId },
      });
      const body = problem(res, 422, 'UNSUPPORTED_CHAIN');
      expect(body.violations.map((v) => v.code)).toContain('UNSUPPORTED_CHAIN');
      expect(body.violations.find((v) => v.code === 'UNSUPPORTED_CHAIN')?.scenario).toBe('1');
    });

    it('answers 401 NOT_AUTHENTICATED without a key, and for an unknown key', async () => {
      const payload = { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId };
      problem(await call('POST', '/v1/partnerships', { payload }), 401, 'NOT_AUTHENTICATED');
      const forged = await app.inject({
        method: 'POST',
        url: '/v1/partnerships',
        headers: { authorization: `Bearer ocsp_${'0'.repeat(32)}_${'0'.repeat(64)}` },
        payload,
      });
      problem(forged, 401, 'NOT_AUTHENTICATED');
      // Authentication comes before validation: an anonymous caller learns nothing of the schema.
      problem(await call('POST', '/v1/partnerships', { payload: { bogus: 1 } }), 401, 'NOT_AUTHENTICATED');
    });

    it("answers 404 TENANT_NOT_FOUND for another partner's provider tenant", async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: outsider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
      });
      expect(fields(problem(res, 404, 'TENANT_NOT_FOUND'))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'providerTenantId' },
      ]);
    });

    it('dry run: 200 { dryRun: true, value } and nothing written', async () => {
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerPartnerId: reseller.partnerId },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        dryRun: true,
        value: { providerTenantId: provider.tenantId, resellerTenantId: reseller.tenantId, state: 'invited' },
      });
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('dry run of a refused command is the refusal itself', async () => {
      const res = await call('POST', '/v1/partnerships', {
        as: provider.globalAdmin,
        payload: { providerTenantId: provider.tenantId, resellerPartnerId: usReseller.partnerId },
        dryRun: true,
      });
      problem(res, 422, 'REGION_MISMATCH');
    });
  });

  describe('POST /v1/partnership-invitations/accept and /decline', () => {
    it("accepts with the reseller global admin's key: 200, active", async () => {
      const invited = await invite();
      const res = await call('POST', '/v1/partnership-invitations/accept', {
        as: reseller.globalAdmin,
        payload: { token: invited.invitationToken as string },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: invited.id, state: 'active', acceptedAt: T0.toISOString() });
      expect(await partnershipState(invited.id as string)).toBe('active');
    });

    it('declines with the reseller global admin key: 200, declined', async () => {
      const invited = await invite();
      const res = await call('POST', '/v1/partnership-invitations/decline', {
        as: reseller.globalAdmin,
        payload: { token: invited.invitationToken as string },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: invited.id, state: 'declined' });
      expect(await partnershipState(invited.id as string)).toBe('declined');
    });

    for (const verb of ['accept', 'decline'] as const) {
      const url = `/v1/partnership-invitations/${verb}`;

      it(`${verb}: 400 for a missing token, a token that is not a string, and an unknown field`, async () => {
        const missing = problem(
          await call('POST', url, { as: reseller.globalAdmin, payload: {} }),
          400,
          'REQUIRED_FIELD',
        );
        expect(fields(missing)).toEqual([{ code: 'REQUIRED_FIELD', field: 'token' }]);
        const wrong = problem(
          await call('POST', url, {
            as: reseller.globalAdmin,
            payload: { token: 42, partnershipId: UNKNOWN_ID },
          }),
          400,
          'INVALID_FIELD',
        );
        expect(fields(wrong)).toEqual(
          expect.arrayContaining([
            { code: 'INVALID_FIELD', field: 'token' },
            { code: 'INVALID_FIELD', field: 'partnershipId' },
          ]),
        );
      });

      it(`${verb}: 403 NOT_AUTHORIZED to the provider, nothing written`, async () => {
        const invited = await invite();
        const res = await call('POST', url, {
          as: provider.globalAdmin,
          payload: { token: invited.invitationToken as string },
        });
        problem(res, 403, 'NOT_AUTHORIZED');
        expect(await partnershipState(invited.id as string)).toBe('invited');
      });

      it(`${verb}: 409 INVALID_TRANSITION once the invitation was answered`, async () => {
        const invited = await invite();
        const token = invited.invitationToken as string;
        expect((await call('POST', url, { as: reseller.globalAdmin, payload: { token } })).statusCode).toBe(
          200,
        );
        problem(
          await call('POST', url, { as: reseller.globalAdmin, payload: { token } }),
          409,
          'INVALID_TRANSITION',
        );
      });

      it(`${verb}: 404 INVITATION_NOT_FOUND for a token no invitation has`, async () => {
        const body = problem(
          await call('POST', url, { as: outsider.globalAdmin, payload: { token: UNKNOWN_ID } }),
          404,
          'INVITATION_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'INVITATION_NOT_FOUND', field: 'token' }]);
      });

      it(`${verb}: 401 without a key`, async () => {
        const invited = await invite();
        problem(
          await call('POST', url, { payload: { token: invited.invitationToken as string } }),
          401,
          'NOT_AUTHENTICATED',
        );
        expect(await partnershipState(invited.id as string)).toBe('invited');
      });
    }

    it('accept: 422 for a reseller that has not signed the partner agreement, with remedies', async () => {
      const late = await addPartner(csp, operator, {
        legalName: 'Qualified Reseller',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const invited = await invite(late);
      const res = await call('POST', '/v1/partnership-invitations/accept', {
        as: late.globalAdmin,
        payload: { token: invited.invitationToken as string },
      });
      const body = problem(res, 422);
      expect(body.violations.map((v) => v.code)).toEqual([
        'ENROLLMENT_NOT_ACTIVE',
        'RESELLER_MPA_NOT_SIGNED',
      ]);
      const mpa = body.violations.find((v) => v.code === 'RESELLER_MPA_NOT_SIGNED');
      expect(mpa).toMatchObject({ scenario: 'mpa' });
      expect(mpa?.remedies[0]).toContain(late.tenantId);
      expect(await partnershipState(invited.id as string)).toBe('invited');
    });

    it('accept dry run: 200 { dryRun: true, value: active } and the partnership stays invited', async () => {
      const invited = await invite();
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/partnership-invitations/accept', {
        as: reseller.globalAdmin,
        payload: { token: invited.invitationToken as string },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { id: invited.id, state: 'active' } });
      expect(await snapshot(csp.store)).toEqual(before);
      expect(await partnershipState(invited.id as string)).toBe('invited');
    });
  });

  describe('POST /v1/partnerships/:partnershipId/suspend | /reactivate', () => {
    it('the provider suspends and reactivates: 200 with the state', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const suspended = await call('POST', `/v1/partnerships/${id}/suspend`, { as: provider.globalAdmin });
      expect(suspended.statusCode).toBe(200);
      expect(suspended.json()).toMatchObject({ id, state: 'suspended' });
      const reactivated = await call('POST', `/v1/partnerships/${id}/reactivate`, { as: operator.principal });
      expect(reactivated.statusCode).toBe(200);
      expect(reactivated.json()).toMatchObject({ id, state: 'active' });
      expect(await partnershipState(id)).toBe('active');
    });

    for (const verb of ['suspend', 'reactivate'] as const) {
      it(`${verb}: 400 naming partnershipId when it is not a GUID`, async () => {
        const body = problem(
          await call('POST', `/v1/partnerships/not-a-guid/${verb}`, { as: provider.globalAdmin }),
          400,
          'INVALID_FIELD',
        );
        expect(new Set(body.violations.map((v) => v.field))).toEqual(new Set(['partnershipId']));
      });

      it(`${verb}: 401 without a key`, async () => {
        const id = await connectReseller(csp, provider, reseller);
        problem(await call('POST', `/v1/partnerships/${id}/${verb}`), 401, 'NOT_AUTHENTICATED');
      });

      it(`${verb}: 404 PARTNERSHIP_NOT_FOUND to another partner, and for an unknown id`, async () => {
        const id = await connectReseller(csp, provider, reseller);
        const body = problem(
          await call('POST', `/v1/partnerships/${id}/${verb}`, { as: outsider.globalAdmin }),
          404,
          'PARTNERSHIP_NOT_FOUND',
        );
        expect(fields(body)).toEqual([{ code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' }]);
        problem(
          await call('POST', `/v1/partnerships/${UNKNOWN_ID}/${verb}`, { as: operator.principal }),
          404,
          'PARTNERSHIP_NOT_FOUND',
        );
      });
    }

    it('suspend: 403 NOT_AUTHORIZED to the reseller; reactivate: 409 INVALID_TRANSITION for an active one', async () => {
      const id = await connectReseller(csp, provider, reseller);
      problem(
        await call('POST', `/v1/partnerships/${id}/suspend`, { as: reseller.globalAdmin }),
        403,
        'NOT_AUTHORIZED',
      );
      problem(
        await call('POST', `/v1/partnerships/${id}/reactivate`, { as: provider.globalAdmin }),
        409,
        'INVALID_TRANSITION',
      );
      expect(await partnershipState(id)).toBe('active');
    });

    it('suspend dry run: 200 { dryRun: true } and the partnership stays active', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const before = await snapshot(csp.store);
      const res = await call('POST', `/v1/partnerships/${id}/suspend`, {
        as: provider.globalAdmin,
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { id, state: 'suspended' } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('POST /v1/partnerships/:partnershipId/end', () => {
    it('refuses 422 TERMINATION_REQUIRES_SUPPORT under the seed policy, with remedies', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const body = problem(
        await call('POST', `/v1/partnerships/${id}/end`, {
          as: provider.globalAdmin,
          payload: { reason: 'Done' },
        }),
        422,
        'TERMINATION_REQUIRES_SUPPORT',
      );
      expect(body.violations[0]?.remedies.length).toBeGreaterThan(0);
      expect(await partnershipState(id)).toBe('active');
    });

    it('ends it under the self-service policy, with or without a reason (no body at all)', async () => {
      await rebuild(selfService());
      const id = await connectReseller(csp, provider, reseller);
      const res = await call('POST', `/v1/partnerships/${id}/end`, {
        as: provider.globalAdmin,
        payload: { reason: 'Contract over' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id,
        state: 'ended',
        endReason: 'Contract over',
        endedAt: T0.toISOString(),
      });

      const other = await connectReseller(csp, provider, outsider);
      const bare = await call('POST', `/v1/partnerships/${other}/end`, { as: provider.globalAdmin });
      expect(bare.statusCode).toBe(200);
      expect(bare.json()).toMatchObject({ id: other, state: 'ended', endReason: null });
    });

    it('answers 400 naming a reason that is not a string and an unknown field', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const body = problem(
        await call('POST', `/v1/partnerships/${id}/end`, {
          as: provider.globalAdmin,
          payload: { reason: 7, keepCustomers: true },
        }),
        400,
        'INVALID_FIELD',
      );
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'INVALID_FIELD', field: 'reason' },
          { code: 'INVALID_FIELD', field: 'keepCustomers' },
        ]),
      );
    });

    it('answers 401 without a key and 404 PARTNERSHIP_NOT_FOUND to another partner', async () => {
      await rebuild(selfService());
      const id = await connectReseller(csp, provider, reseller);
      problem(await call('POST', `/v1/partnerships/${id}/end`), 401, 'NOT_AUTHENTICATED');
      problem(
        await call('POST', `/v1/partnerships/${id}/end`, { as: outsider.globalAdmin }),
        404,
        'PARTNERSHIP_NOT_FOUND',
      );
      expect(await partnershipState(id)).toBe('active');
    });

    it('dry run under self-service: 200 { dryRun: true, value: ended } and nothing written', async () => {
      await rebuild(selfService());
      const id = await connectReseller(csp, provider, reseller);
      const before = await snapshot(csp.store);
      const res = await call('POST', `/v1/partnerships/${id}/end`, {
        as: provider.globalAdmin,
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { id, state: 'ended' } });
      expect(await snapshot(csp.store)).toEqual(before);
    });
  });

  describe('GET /v1/partnerships/:partnershipId', () => {
    it('shows both parties to either side; the token to the provider while invited', async () => {
      const invited = await invite();
      const forProvider = await call('GET', `/v1/partnerships/${invited.id}`, { as: provider.globalAdmin });
      expect(forProvider.statusCode).toBe(200);
      expect(forProvider.json()).toMatchObject({
        id: invited.id,
        state: 'invited',
        invitationToken: invited.invitationToken,
        provider: {
          tenantId: provider.tenantId,
          partnerId: provider.partnerId,
          name: 'Distributor France',
          location: { country: 'FR', region: 'europe' },
        },
        reseller: { tenantId: reseller.tenantId, partnerId: reseller.partnerId, name: 'Reseller Germany' },
      });
      const forReseller = await call('GET', `/v1/partnerships/${invited.id}`, { as: reseller.globalAdmin });
      expect(forReseller.statusCode).toBe(200);
      expect(forReseller.json()).not.toHaveProperty('invitationToken');
    });

    it('answers 400 naming partnershipId, 401 without a key, 404 to another partner', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const bad = problem(
        await call('GET', '/v1/partnerships/12', { as: provider.globalAdmin }),
        400,
        'INVALID_FIELD',
      );
      expect(new Set(bad.violations.map((v) => v.field))).toEqual(new Set(['partnershipId']));
      problem(await call('GET', `/v1/partnerships/${id}`), 401, 'NOT_AUTHENTICATED');
      problem(
        await call('GET', `/v1/partnerships/${id}`, { as: outsider.globalAdmin }),
        404,
        'PARTNERSHIP_NOT_FOUND',
      );
    });
  });

  describe('GET /v1/tenants/:tenantId/indirect-resellers and /indirect-providers', () => {
    it('lists both directions with Partner Center relationship types', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const resellers = await call('GET', `/v1/tenants/${provider.tenantId}/indirect-resellers`, {
        as: provider.globalAdmin,
      });
      expect(resellers.statusCode).toBe(200);
      expect(resellers.json()).toEqual({
        items: [
          {
            partnershipId: id,
            relationshipType: 'IsIndirectCloudSolutionProviderOf',
            tenantId: reseller.tenantId,
            partnerId: reseller.partnerId,
            name: 'Reseller Germany',
            location: { country: 'DE', region: 'europe' },
            state: 'active',
          },
        ],
        next: null,
      });
      const providers = await call('GET', `/v1/tenants/${reseller.tenantId}/indirect-providers`, {
        as: reseller.globalAdmin,
      });
      expect(providers.statusCode).toBe(200);
      expect(providers.json()).toMatchObject({
        items: [{ partnershipId: id, relationshipType: 'IsIndirectResellerOf', tenantId: provider.tenantId }],
        next: null,
      });
    });

    it('paginates with limit and cursor, and filters by state', async () => {
      const first = await connectReseller(csp, provider, reseller);
      const second = (await invite(outsider)).id;
      const url = `/v1/tenants/${provider.tenantId}/indirect-resellers`;
      const page1 = (await call('GET', `${url}?limit=1`, { as: provider.globalAdmin })).json() as {
        items: { partnershipId: string }[];
        next: string | null;
      };
      expect(page1.items).toHaveLength(1);
      expect(page1.next).toEqual(expect.any(String));
      const page2 = (
        await call('GET', `${url}?limit=1&cursor=${encodeURIComponent(page1.next as string)}`, {
          as: provider.globalAdmin,
        })
      ).json() as { items: { partnershipId: string }[]; next: string | null };
      expect(page2.next).toBeNull();
      expect([...page1.items, ...page2.items].map((i) => i.partnershipId).sort()).toEqual(
        [first, second].sort(),
      );
      const invited = (await call('GET', `${url}?state=invited`, { as: provider.globalAdmin })).json() as {
        items: { partnershipId: string; state: string }[];
      };
      expect(invited.items).toEqual([expect.objectContaining({ partnershipId: second, state: 'invited' })]);
    });

    for (const list of ['indirect-resellers', 'indirect-providers'] as const) {
      it(`${list}: 400 naming an unknown query parameter, a bad state, limit 0 and a foreign cursor`, async () => {
        const url = `/v1/tenants/${provider.tenantId}/${list}`;
        const unknown = problem(
          await call('GET', `${url}?sort=name`, { as: provider.globalAdmin }),
          400,
          'INVALID_FIELD',
        );
        expect(fields(unknown)).toEqual([{ code: 'INVALID_FIELD', field: 'sort' }]);
        const state = problem(
          await call('GET', `${url}?state=paused`, { as: provider.globalAdmin }),
          400,
          'INVALID_FIELD',
        );
        expect(fields(state)).toEqual([{ code: 'INVALID_FIELD', field: 'state' }]);
        const limit = problem(
          await call('GET', `${url}?limit=0`, { as: provider.globalAdmin }),
          400,
          'INVALID_FIELD',
        );
        expect(fields(limit)).toEqual([{ code: 'INVALID_FIELD', field: 'limit' }]);
        const cursor = problem(
          await call('GET', `${url}?cursor=nope`, { as: provider.globalAdmin }),
          400,
          'INVALID_FIELD',
        );
        expect(fields(cursor)).toEqual([{ code: 'INVALID_FIELD', field: 'cursor' }]);
      });

      it(`${list}: 401 without a key; 404 TENANT_NOT_FOUND to another partner and for an unknown tenant`, async () => {
        await connectReseller(csp, provider, reseller);
        problem(await call('GET', `/v1/tenants/${provider.tenantId}/${list}`), 401, 'NOT_AUTHENTICATED');
        for (const tenantId of [provider.tenantId, reseller.tenantId, UNKNOWN_ID]) {
          const body = problem(
            await call('GET', `/v1/tenants/${tenantId}/${list}`, { as: outsider.globalAdmin }),
            404,
            'TENANT_NOT_FOUND',
          );
          expect(body.violations[0]?.field).toBe('tenantId');
        }
        // The operator sees every tenant's list.
        expect(
          (await call('GET', `/v1/tenants/${provider.tenantId}/${list}`, { as: operator.principal }))
            .statusCode,
        ).toBe(200);
      });
    }
  });

  describe('support requests', () => {
    async function open(id: string, by: Principal = reseller.globalAdmin) {
      return call('POST', '/v1/support-requests', {
        as: by,
        payload: { partnershipId: id, description: 'Please end our partnership.' },
      });
    }

    it('POST /v1/support-requests: the reseller opens one, 201', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const res = await open(id);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        category: 'end-partnership',
        partnershipId: id,
        openedByTenantId: reseller.tenantId,
        description: 'Please end our partnership.',
        status: 'open',
        openedAt: T0.toISOString(),
        resolvedAt: null,
      });
    });

    it('POST /v1/support-requests: 400 for a missing description and an unknown field', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const body = problem(
        await call('POST', '/v1/support-requests', {
          as: reseller.globalAdmin,
          payload: { partnershipId: id, priority: 'high' },
        }),
        400,
        'REQUIRED_FIELD',
      );
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'REQUIRED_FIELD', field: 'description' },
          { code: 'INVALID_FIELD', field: 'priority' },
        ]),
      );
    });

    it('POST /v1/support-requests: 409 INVALID_TRANSITION for an invitation, 401 without a key, 404 to another partner', async () => {
      const invited = await invite();
      problem(await open(invited.id as string), 409, 'INVALID_TRANSITION');
      const id = await connectReseller(csp, provider, outsider);
      problem(
        await call('POST', '/v1/support-requests', { payload: { partnershipId: id, description: 'x' } }),
        401,
        'NOT_AUTHENTICATED',
      );
      problem(await open(id, reseller.globalAdmin), 404, 'PARTNERSHIP_NOT_FOUND');
    });

    it('POST /v1/support-requests dry run: 200 and nothing written', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const before = await snapshot(csp.store);
      const res = await call('POST', '/v1/support-requests', {
        as: reseller.globalAdmin,
        payload: { partnershipId: id, description: 'Please end it.' },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { partnershipId: id, status: 'open' } });
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('POST /v1/support-requests/:id/resolution: the operator resolves, the partnership ends', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const request = (await open(id)).json() as Json;
      const res = await call('POST', `/v1/support-requests/${request.id}/resolution`, {
        as: operator.principal,
        payload: { outcome: 'resolved', resolution: 'Ended as asked.' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        supportRequest: {
          id: request.id,
          status: 'resolved',
          resolution: 'Ended as asked.',
          resolvedAt: T0.toISOString(),
        },
        partnership: { id, state: 'ended', endReason: 'Ended as asked.' },
      });
      expect(await partnershipState(id)).toBe('ended');
    });

    it('resolution: 400 naming a bad outcome, a missing resolution and an unknown field', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const request = (await open(id)).json() as Json;
      const body = problem(
        await call('POST', `/v1/support-requests/${request.id}/resolution`, {
          as: operator.principal,
          payload: { outcome: 'maybe', note: 'x' },
        }),
        400,
      );
      expect(fields(body)).toHaveLength(3);
      expect(fields(body)).toEqual(
        expect.arrayContaining([
          { code: 'INVALID_FIELD', field: 'outcome' },
          { code: 'REQUIRED_FIELD', field: 'resolution' },
          { code: 'INVALID_FIELD', field: 'note' },
        ]),
      );
    });

    it('resolution: 403 to the parties, 409 once decided, 401 without a key, 404 to another partner', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const request = (await open(id)).json() as Json;
      const url = `/v1/support-requests/${request.id}/resolution`;
      const payload = { outcome: 'rejected', resolution: 'Not now.' };
      problem(await call('POST', url, { as: provider.globalAdmin, payload }), 403, 'NOT_AUTHORIZED');
      problem(await call('POST', url, { payload }), 401, 'NOT_AUTHENTICATED');
      const hidden = problem(
        await call('POST', url, { as: outsider.globalAdmin, payload }),
        404,
        'SUPPORT_REQUEST_NOT_FOUND',
      );
      expect(hidden.violations[0]?.field).toBe('supportRequestId');
      const rejected = await call('POST', url, { as: operator.principal, payload });
      expect(rejected.json()).toMatchObject({
        supportRequest: { status: 'rejected' },
        partnership: { state: 'active' },
      });
      problem(await call('POST', url, { as: operator.principal, payload }), 409, 'INVALID_TRANSITION');
    });

    it('resolution dry run: 200 { dryRun: true } and the partnership stays active', async () => {
      const id = await connectReseller(csp, provider, reseller);
      const request = (await open(id)).json() as Json;
      const before = await snapshot(csp.store);
      const res = await call('POST', `/v1/support-requests/${request.id}/resolution`, {
        as: operator.principal,
        payload: { outcome: 'resolved', resolution: 'Ended.' },
        dryRun: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, value: { partnership: { state: 'ended' } } });
      expect(await snapshot(csp.store)).toEqual(before);
      expect(await partnershipState(id)).toBe('active');
    });
  });

  it('every partnership route is in the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = (res.json() as { paths: Record<string, Record<string, unknown>> }).paths;
    const expected: [string, string][] = [
      ['/v1/partnerships', 'post'],
      ['/v1/partnership-invitations/accept', 'post'],
      ['/v1/partnership-invitations/decline', 'post'],
      ['/v1/partnerships/{partnershipId}/suspend', 'post'],
      ['/v1/partnerships/{partnershipId}/reactivate', 'post'],
      ['/v1/partnerships/{partnershipId}/end', 'post'],
      ['/v1/partnerships/{partnershipId}', 'get'],
      ['/v1/tenants/{tenantId}/indirect-resellers', 'get'],
      ['/v1/tenants/{tenantId}/indirect-providers', 'get'],
      ['/v1/support-requests', 'post'],
      ['/v1/support-requests/{supportRequestId}/resolution', 'post'],
    ];
    for (const [path, method] of expected) {
      expect(paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    const invite = paths['/v1/partnerships']?.post as {
      requestBody: { content: Record<string, { schema: Json }> };
    };
    expect(invite.requestBody.content['application/json']?.schema).toMatchObject({
      required: ['providerTenantId'],
      additionalProperties: false,
    });
  });
});
