import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { buildApp } from '../../src/http/app.ts';
import { type Principal, SYSTEM } from '../../src/kernel/principal.ts';
import { addPartner, bootstrap, must, type Operator, type Partner } from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';

describeEachDatabase('HTTP: partner tenants, affiliations, agreement acceptances', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let alpha: Partner;
  let beta: Partner;
  const keyOf = async (p: Principal) =>
    p.kind === 'user'
      ? must(await csp.execute(createApiKey, { principal: SYSTEM }, { userId: p.userId, name: 't' })).token
      : '';
  const send = async (method: 'GET' | 'POST' | 'DELETE', url: string, who: Principal, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${await keyOf(who)}` },
      ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
    });

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR', role: 'indirect-reseller' });
    beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR', role: 'indirect-reseller' });
    app = await buildApp({ csp, logger: false });
  });
  afterEach(async () => app.close());

  it('POST /v1/organizations/:id/partner-tenants → 201 for its admin; 404 for another organization; 400 naming a bad field', async () => {
    const input = {
      country: 'DE',
      tenant: { domain: 'alpha-de.onmicrosoft.example' },
      globalAdmin: { email: 'a@alpha.example', displayName: 'A' },
    };
    const url = `/v1/organizations/${alpha.organizationId}/partner-tenants`;
    const created = await send('POST', url, alpha.globalAdmin, input);
    expect(created.statusCode).toBe(201);
    expect(created.json().tenantId).toMatch(/^[0-9a-f-]{36}$/);
    const outsider = await send('POST', url, beta.globalAdmin, {
      ...input,
      tenant: { domain: 'x.onmicrosoft.example' },
    });
    expect(outsider.statusCode).toBe(404);
    expect(outsider.json().code).toBe('ORGANIZATION_NOT_FOUND');
    const bad = await send('POST', url, alpha.globalAdmin, {
      ...input,
      tenant: { domain: 'y.example', extra: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().violations[0].field).toBe('tenant.extra');
  });

  it('affiliation: the operator records and removes it; a partner may not (403)', async () => {
    const url = `/v1/organizations/${alpha.organizationId}/affiliation`;
    const byPartner = await send('POST', url, alpha.globalAdmin, { affiliateOf: beta.organizationId });
    expect(byPartner.statusCode).toBe(403);
    const recorded = await send('POST', url, operator.principal, { affiliateOf: beta.organizationId });
    expect(recorded.statusCode).toBe(200);
    expect(recorded.json().affiliateGroupId).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      (await send('POST', url, operator.principal, { affiliateOf: beta.organizationId })).json().code,
    ).toBe('ALREADY_IN_AFFILIATE_GROUP');
    expect((await send('DELETE', url, operator.principal)).statusCode).toBe(200);
    expect((await send('DELETE', url, operator.principal)).json().code).toBe('NOT_IN_AFFILIATE_GROUP');
  });

  it('GET /v1/organizations/:id/agreement-acceptances: its own users and the operator; 404 for others', async () => {
    const url = `/v1/organizations/${alpha.organizationId}/agreement-acceptances`;
    const own = await send('GET', url, alpha.globalAdmin);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual([expect.objectContaining({ agreement: 'partner', region: 'europe' })]);
    expect((await send('GET', url, operator.principal)).statusCode).toBe(200);
    const other = await send('GET', url, beta.globalAdmin);
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('ORGANIZATION_NOT_FOUND');
  });
});
