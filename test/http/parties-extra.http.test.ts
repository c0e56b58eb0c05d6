import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { type Client, createClient } from '../../src/client/client.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { addPartner, bootstrap, type Operator, type Partner } from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { apiKeys, testApp } from '../support/http.ts';

describeEachDatabase('HTTP: partner tenants, affiliations, agreement acceptances', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let alpha: Partner;
  let beta: Partner;
  const keyring = apiKeys(() => csp);
  /** The typed client (over `app.inject()`) acting as `who`. */
  const as = async (who: Principal): Promise<Client> =>
    createClient({ inject: app, apiKey: await keyring.key(who) });

  beforeEach(async () => {
    keyring.clear();
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR', role: 'indirect-reseller' });
    beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR', role: 'indirect-reseller' });
    app = await testApp({ csp, logger: false });
  });
  afterEach(async () => app.close());

  it('POST /v1/organizations/:id/partner-tenants → 201 for its admin; 404 for another organization; 400 naming a bad field', async () => {
    const input = {
      country: 'DE',
      tenant: { domain: 'alpha-de.onmicrosoft.example' },
      globalAdmin: { email: 'a@alpha.example', displayName: 'A' },
    };
    const op = 'POST /v1/organizations/:organizationId/partner-tenants';
    const params = { organizationId: alpha.organizationId };
    const created = await (await as(alpha.globalAdmin)).request(op, { params, body: input });
    expect(created.status).toBe(201);
    expect(created.data?.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    const outsider = await (await as(beta.globalAdmin)).request(op, {
      params,
      body: { ...input, tenant: { domain: 'x.onmicrosoft.example' } },
    });
    expect(outsider.status).toBe(404);
    expect(outsider.problem?.code).toBe('ORGANIZATION_NOT_FOUND');
    const bad = await (await as(alpha.globalAdmin)).request(op, {
      params,
      // A field the types refuse, sent anyway: the server names it.
      body: { ...input, tenant: { domain: 'y.example', extra: 1 } } as never,
    });
    expect(bad.status).toBe(400);
    expect(bad.problem?.violations[0]?.field).toBe('tenant.extra');
  });

  it('affiliation: the operator records and removes it; a partner may not (403)', async () => {
    const params = { organizationId: alpha.organizationId };
    const body = { affiliateOf: beta.organizationId };
    const byPartner = await (await as(alpha.globalAdmin)).request(
      'POST /v1/organizations/:organizationId/affiliation',
      { params, body },
    );
    expect(byPartner.status).toBe(403);
    const ops = await as(operator.principal);
    const recorded = await ops.request('POST /v1/organizations/:organizationId/affiliation', {
      params,
      body,
    });
    expect(recorded.status).toBe(200);
    expect(recorded.data?.affiliateGroupId).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      (await ops.request('POST /v1/organizations/:organizationId/affiliation', { params, body })).problem
        ?.code,
    ).toBe('ALREADY_IN_AFFILIATE_GROUP');
    expect(
      (await ops.request('DELETE /v1/organizations/:organizationId/affiliation', { params })).status,
    ).toBe(200);
    expect(
      (await ops.request('DELETE /v1/organizations/:organizationId/affiliation', { params })).problem?.code,
    ).toBe('NOT_IN_AFFILIATE_GROUP');
  });

  it('GET /v1/organizations/:id/agreement-acceptances: its own users and the operator; 404 for others', async () => {
    const op = 'GET /v1/organizations/:organizationId/agreement-acceptances';
    const params = { organizationId: alpha.organizationId };
    const own = await (await as(alpha.globalAdmin)).request(op, { params });
    expect(own.status).toBe(200);
    expect(own.data).toEqual([expect.objectContaining({ agreement: 'partner', region: 'europe' })]);
    expect((await (await as(operator.principal)).request(op, { params })).status).toBe(200);
    const other = await (await as(beta.globalAdmin)).request(op, { params });
    expect(other.status).toBe(404);
    expect(other.problem?.code).toBe('ORGANIZATION_NOT_FOUND');
  });
});
