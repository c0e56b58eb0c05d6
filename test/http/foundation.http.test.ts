/**
 * The foundation routes over HTTP (src/http/routes/foundation.ts), on SQLite and PostgreSQL:
 * sign-up to transacting, organizations, locations and Partner IDs, users, API keys, enrollments
 * and direct-bill requirements, agreements, standing, the ledger and explain — each with its
 * success, validation errors naming the field, rule refusals with their codes, 401 without a key,
 * 404 for another organization's objects, and the dry-run header.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { TenantId, UserId } from '../../src/kernel/ids.ts';
import { type Principal, SYSTEM } from '../../src/kernel/principal.ts';
import { createPartnerTenant } from '../../src/parties/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  connectCustomer,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';
import { snapshot } from '../support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const T0_ISO = '2026-01-15T10:00:00.000Z';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  violations: { code: string; message: string; field?: string; scenario?: string; remedies: string[] }[];
}

/** Asserts a problem+json answer with `status` and first `code`; returns the document. */
function problem(res: LightMyRequestResponse, status: number, code: string): Problem {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Problem;
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code });
  return body;
}

const fieldsOf = (p: Problem) => p.violations.map((v) => v.field);
const codesOf = (p: Problem) => p.violations.map((v) => v.code);

function ok<T = Record<string, unknown>>(res: LightMyRequestResponse, status = 200): T {
  if (res.statusCode !== status) throw new Error(`expected ${status}, got ${res.statusCode}: ${res.body}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res.json() as T;
}

/** An API key for a user, created by the system (as the CLI does). */
async function keyFor(csp: OpenCsp, p: Principal | UserId): Promise<string> {
  const userId = typeof p === 'string' ? p : p.kind === 'user' ? p.userId : undefined;
  if (!userId) throw new Error('not a user principal');
  return must(
    await csp.execute(createApiKey, { principal: SYSTEM }, { userId, name: 'test key' }),
    'createApiKey',
  ).token;
}

const signUp = (domain: string, over: Record<string, unknown> = {}) => ({
  legalName: `${domain} SAS`,
  country: 'FR',
  address: { line1: '1 rue de la Paix', city: 'Paris', postalCode: '75002', country: 'FR' },
  tenant: { domain: `${domain}.onmicrosoft.example` },
  globalAdmin: { email: `admin@${domain}.example`, displayName: `${domain} Admin` },
  ...over,
});

interface SignedUp {
  organizationId: string;
  tenantId: TenantId;
  globalAdminUserId: UserId;
  globalPartnerId: number;
  partnerId: number;
}

describeEachDatabase('HTTP foundation routes', (db) => {
  let csp: OpenCsp;
  let app: FastifyInstance;
  let operator: Operator;
  let operatorKey: string;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    operatorKey = await keyFor(csp, operator.principal);
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

  /** Anonymous sign-up over HTTP, and an API key for the new global admin. */
  async function onboard(domain: string): Promise<SignedUp & { key: string }> {
    const out = ok<SignedUp>(await send('POST', '/v1/partners', undefined, signUp(domain)), 201);
    return { ...out, key: await keyFor(csp, out.globalAdminUserId) };
  }

  /** A user added over HTTP by `adminKey`, and an API key created for it over HTTP. */
  async function addUserWithKey(adminKey: string, tenantId: string, role: string) {
    const user = ok<{ id: string; roles: string[] }>(
      await send('POST', `/v1/tenants/${tenantId}/users`, adminKey, {
        email: `${role}@${tenantId.slice(0, 8)}.example`,
        displayName: `A ${role}`,
        roles: [role],
      }),
      201,
    );
    const created = ok<{ id: string; token: string }>(
      await send('POST', '/v1/api-keys', adminKey, { userId: user.id, name: `${role} key` }),
      201,
    );
    return { userId: user.id, keyId: created.id, token: created.token };
  }

  // -----------------------------------------------------------------------------------------------
  // Sign-up to transacting.

  it('sign-up → enroll → the operator verifies → the global admin signs the MPA → standing mayTransact', async () => {
    const res = await send('POST', '/v1/partners', undefined, signUp('fabrikam'));
    const signed = ok<SignedUp>(res, 201);
    expect(signed.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(signed.partnerId).toBeGreaterThanOrEqual(csp.program.partnerIds.first);
    const key = await keyFor(csp, signed.globalAdminUserId);

    const enrollment = ok<{ id: string; status: string; role: string }>(
      await send('POST', '/v1/enrollments', key, { tenantId: signed.tenantId, role: 'indirect-reseller' }),
      201,
    );
    expect(enrollment).toMatchObject({
      status: 'pending',
      role: 'indirect-reseller',
      tenantId: signed.tenantId,
    });

    const pending = ok<{ mayTransact: boolean; violations: { code: string }[] }>(
      await send('GET', `/v1/tenants/${signed.tenantId}/standing`, key),
    );
    expect(pending.mayTransact).toBe(false);
    expect(pending.violations.map((v) => v.code)).toContain('ENROLLMENT_NOT_VERIFIED');

    // Only the operator verifies.
    problem(await send('POST', `/v1/enrollments/${enrollment.id}/verify`, key), 403, 'NOT_AUTHORIZED');
    expect(ok(await send('POST', `/v1/enrollments/${enrollment.id}/verify`, operatorKey))).toMatchObject({
      status: 'qualified',
    });

    const mpa = ok<{ acceptance: { agreement: string; region: string }; activatedEnrollmentIds: string[] }>(
      await send('POST', `/v1/tenants/${signed.tenantId}/partner-agreement`, key),
      201,
    );
    expect(mpa.acceptance).toMatchObject({
      agreement: 'partner',
      region: 'europe',
      tenantId: signed.tenantId,
    });
    expect(mpa.activatedEnrollmentIds).toEqual([enrollment.id]);
    problem(
      await send('POST', `/v1/tenants/${signed.tenantId}/partner-agreement`, key),
      409,
      'AGREEMENT_ALREADY_ACCEPTED',
    );

    const standing = ok(await send('GET', `/v1/tenants/${signed.tenantId}/standing`, key));
    expect(standing).toMatchObject({
      tenantId: signed.tenantId,
      region: 'europe',
      partnerId: signed.partnerId,
      enrollmentStatus: 'active',
      mayTransact: true,
      violations: [],
    });
    expect(ok(await send('GET', `/v1/partner-ids/${signed.partnerId}/standing`, key))).toMatchObject({
      tenantId: signed.tenantId,
      mayTransact: true,
    });
    expect(ok(await send('GET', `/v1/enrollments/${enrollment.id}`, key))).toMatchObject({
      id: enrollment.id,
      status: 'active',
      requirements: [],
    });
    const org = ok<{ id: string; tenants: { id: string }[]; locations: { partnerId: number }[] }>(
      await send('GET', `/v1/organizations/${signed.organizationId}`, key),
    );
    expect(org.id).toBe(signed.organizationId);
    expect(org.tenants.map((t) => t.id)).toEqual([signed.tenantId]);
    expect(org.locations.map((l) => l.partnerId)).toEqual([signed.partnerId]);
  });

  it('standing: another region (REGION_MISMATCH) and the role; 400 for an unknown region, role or Partner ID format', async () => {
    const p = await onboard('contoso');
    const japan = ok<{ mayTransact: boolean; violations: { code: string }[] }>(
      await send('GET', `/v1/partner-ids/${p.partnerId}/standing?region=japan&role=indirect-reseller`, p.key),
    );
    expect(japan.mayTransact).toBe(false);
    expect(japan.violations.map((v) => v.code)).toContain('REGION_MISMATCH');
    expect(
      fieldsOf(
        problem(
          await send('GET', `/v1/tenants/${p.tenantId}/standing?region=atlantis`, p.key),
          400,
          'UNKNOWN_REGION',
        ),
      ),
    ).toEqual(['region']);
    expect(
      new Set(
        fieldsOf(
          problem(
            await send('GET', `/v1/tenants/${p.tenantId}/standing?role=king`, p.key),
            400,
            'INVALID_FIELD',
          ),
        ),
      ),
    ).toEqual(new Set(['role']));
    expect(
      fieldsOf(problem(await send('GET', '/v1/partner-ids/abc/standing', p.key), 400, 'INVALID_FIELD')),
    ).toEqual(['partnerId']);
    problem(await send('GET', '/v1/partner-ids/999/standing', p.key), 404, 'PARTNER_ID_NOT_FOUND');
  });

  it('POST /v1/customer-registrations → 201; the customer accepts the MCA (201), not twice (409); an outside partner gets 404', async () => {
    const reg = ok<{ organizationId: string; tenantId: string; globalAdminUserId: UserId }>(
      await send('POST', '/v1/customer-registrations', undefined, {
        legalName: 'Tailspin SARL',
        country: 'FR',
        address: { line1: '2 quai Voltaire', city: 'Lyon', country: 'FR' },
        tenant: { domain: 'tailspin.onmicrosoft.example' },
        globalAdmin: { email: 'admin@tailspin.example', displayName: 'Tailspin Admin' },
      }),
      201,
    );
    const key = await keyFor(csp, reg.globalAdminUserId);
    const url = `/v1/tenants/${reg.tenantId}/customer-agreement`;
    const signer = { name: 'Tailspin Admin', email: 'admin@tailspin.example' };
    expect(ok(await send('POST', url, key, { signer, acceptedOn: '2026-01-14' }), 201)).toMatchObject({
      agreement: 'customer',
      tenantId: reg.tenantId,
      signer: { name: 'Tailspin Admin', email: 'admin@tailspin.example' },
    });
    problem(await send('POST', url, key, { signer }), 409, 'AGREEMENT_ALREADY_ACCEPTED');
    const partner = await onboard('fabrikam');
    problem(await send('POST', url, partner.key, { signer }), 404, 'TENANT_NOT_FOUND');
    expect(
      new Set(
        fieldsOf(
          problem(await send('POST', url, key, { signer, acceptedOn: 'yesterday' }), 400, 'INVALID_FIELD'),
        ),
      ),
    ).toEqual(new Set(['acceptedOn']));
    expect(
      fieldsOf(problem(await send('POST', url, key, { signer: { name: 'X' } }), 400, 'REQUIRED_FIELD')),
    ).toEqual(['signer.email']);
  });

  it('locations, further tenants and Partner IDs: add a location (201), associate it (200), PARTNER_ID_COUNTRY_MISMATCH (422)', async () => {
    const p = await onboard('fabrikam');
    const admin = userPrincipal(p.globalAdminUserId, p.tenantId, ['global-admin']);
    const de = ok<{ partnerId: number; country: string; tenantId: string | null }>(
      await send('POST', `/v1/organizations/${p.organizationId}/locations`, p.key, { country: 'DE' }),
      201,
    );
    expect(de).toMatchObject({ country: 'DE', organizationId: p.organizationId, tenantId: null });
    expect(de.partnerId).not.toBe(p.partnerId);
    const again = problem(
      await send('POST', `/v1/organizations/${p.organizationId}/locations`, p.key, { country: 'DE' }),
      409,
      'LOCATION_ALREADY_EXISTS',
    );
    expect(again.violations[0]?.remedies).toEqual([`Use Partner ID ${de.partnerId}.`]);
    expect(
      fieldsOf(
        problem(
          await send('POST', `/v1/organizations/${p.organizationId}/locations`, p.key, { country: 'ZZ' }),
          400,
          'UNKNOWN_COUNTRY',
        ),
      ),
    ).toEqual(['country']);

    // No route creates a further CSP tenant yet: the service does (the organization's global admin).
    const newTenant = (domain: string, country: string) => ({
      organizationId: p.organizationId,
      country,
      tenant: { domain },
      globalAdmin: { email: `admin@${domain}`, displayName: 'Admin' },
    });
    const frTwo = must(
      await csp.execute(createPartnerTenant, { principal: admin }, newTenant('fabrikam-fr2.example', 'FR')),
    );
    const deTenant = must(
      await csp.execute(createPartnerTenant, { principal: admin }, newTenant('fabrikam-de.example', 'DE')),
    );
    const frTwoKey = await keyFor(csp, frTwo.globalAdminUserId);
    const deKey = await keyFor(csp, deTenant.globalAdminUserId);

    const mismatch = problem(
      await send('POST', `/v1/tenants/${frTwo.tenantId}/partner-id`, frTwoKey, { partnerId: de.partnerId }),
      422,
      'PARTNER_ID_COUNTRY_MISMATCH',
    );
    expect(codesOf(mismatch)).toEqual(['PARTNER_ID_COUNTRY_MISMATCH']);
    expect(mismatch.violations[0]).toMatchObject({ field: 'partnerId', scenario: 'enrollment' });
    expect(mismatch.violations[0]?.remedies).toHaveLength(2);

    const tied = ok(
      await send('POST', `/v1/tenants/${deTenant.tenantId}/partner-id`, deKey, { partnerId: de.partnerId }),
    );
    expect(tied).toMatchObject({
      partnerId: de.partnerId,
      tenantId: deTenant.tenantId,
      associatedAt: T0_ISO,
    });
    expect(
      fieldsOf(
        problem(
          await send('POST', `/v1/tenants/${deTenant.tenantId}/partner-id`, deKey, { partnerId: '1' }),
          400,
          'INVALID_FIELD',
        ),
      ),
    ).toEqual(['partnerId']);

    const customerTenant = ok<{ tenantId: string; globalAdminUserId: string }>(
      await send('POST', `/v1/organizations/${p.organizationId}/customer-tenants`, p.key, {
        country: 'FR',
        tenant: { domain: 'fabrikam-internal.example' },
        globalAdmin: { email: 'it@fabrikam-internal.example', displayName: 'IT' },
      }),
      201,
    );
    const org = ok<{ tenants: { id: string; type: string }[]; locations: unknown[] }>(
      await send('GET', `/v1/organizations/${p.organizationId}`, p.key),
    );
    expect(org.tenants.find((t) => t.id === customerTenant.tenantId)?.type).toBe('customer');
    expect(org.tenants).toHaveLength(4);
    expect(org.locations).toHaveLength(2);
  });

  it('POST /v1/tenants/:tenantId/users → 201; duplicate email 409; unknown role 400; only the global admin (403)', async () => {
    const p = await onboard('fabrikam');
    const url = `/v1/tenants/${p.tenantId}/users`;
    const user = ok(
      await send('POST', url, p.key, {
        email: 'Agent@Fabrikam.example',
        displayName: 'Agent',
        roles: ['admin-agent'],
      }),
      201,
    );
    expect(user).toMatchObject({
      tenantId: p.tenantId,
      email: 'agent@fabrikam.example',
      roles: ['admin-agent'],
    });
    const dup = problem(
      await send('POST', url, p.key, {
        email: 'agent@fabrikam.example',
        displayName: 'Agent',
        roles: ['admin-agent'],
      }),
      409,
      'EMAIL_ALREADY_IN_USE',
    );
    expect(fieldsOf(dup)).toEqual(['email']);
    const badRole = problem(
      await send('POST', url, p.key, { email: 'x@fabrikam.example', displayName: 'X', roles: ['superuser'] }),
      400,
      'INVALID_FIELD',
    );
    expect(new Set(fieldsOf(badRole))).toEqual(new Set(['roles[0]']));
    const agent = await addUserWithKey(p.key, p.tenantId, 'sales-agent');
    problem(
      await send('POST', url, agent.token, {
        email: 'y@fabrikam.example',
        displayName: 'Y',
        roles: ['admin-agent'],
      }),
      403,
      'NOT_AUTHORIZED',
    );
  });

  it('MPA_SIGNER_NOT_GLOBAL_ADMIN (403, scenario mpa): an admin agent may not sign the partner agreement', async () => {
    const p = await onboard('fabrikam');
    const agent = await addUserWithKey(p.key, p.tenantId, 'admin-agent');
    const before = await snapshot(csp.store);
    const refused = problem(
      await send('POST', `/v1/tenants/${p.tenantId}/partner-agreement`, agent.token),
      403,
      'MPA_SIGNER_NOT_GLOBAL_ADMIN',
    );
    expect(refused.violations).toEqual([
      {
        code: 'MPA_SIGNER_NOT_GLOBAL_ADMIN',
        message: `Only a global admin of CSP tenant ${p.tenantId} can sign the MPA.`,
        scenario: 'mpa',
        remedies: [`Ask a global admin of tenant ${p.tenantId} to sign the MPA.`],
      },
    ]);
    expect(await snapshot(csp.store)).toEqual(before);
  });

  // -----------------------------------------------------------------------------------------------
  // Validation at the edge.

  it('POST /v1/partners → 400 naming every bad field: unknown, wrong type, missing (top level and nested)', async () => {
    const unknown = problem(
      await send('POST', '/v1/partners', undefined, signUp('a', { nickname: 'A' })),
      400,
      'INVALID_FIELD',
    );
    expect(unknown.violations).toEqual([
      { code: 'INVALID_FIELD', message: 'nickname is not a known field', field: 'nickname', remedies: [] },
    ]);
    const wrongType = problem(
      await send('POST', '/v1/partners', undefined, signUp('a', { legalName: 42 })),
      400,
      'INVALID_FIELD',
    );
    expect(fieldsOf(wrongType)).toEqual(['legalName']);
    const { tenant: _t, ...noTenant } = signUp('a');
    expect(
      fieldsOf(problem(await send('POST', '/v1/partners', undefined, noTenant), 400, 'REQUIRED_FIELD')),
    ).toEqual(['tenant']);
    const nested = problem(
      await send(
        'POST',
        '/v1/partners',
        undefined,
        signUp('a', { tenant: {}, globalAdmin: { email: 'x@y.z', role: 1 } }),
      ),
      400,
      'REQUIRED_FIELD',
    );
    expect(new Set(fieldsOf(nested))).toEqual(
      new Set(['tenant.domain', 'globalAdmin.displayName', 'globalAdmin.role']),
    );
    // Every problem at once, each naming its field.
    const many = problem(
      await send('POST', '/v1/partners', undefined, { legalName: 1, extra: true }),
      400,
      'REQUIRED_FIELD',
    );
    expect(new Set(fieldsOf(many))).toEqual(
      new Set(['country', 'address', 'tenant', 'globalAdmin', 'extra', 'legalName']),
    );
  });

  it('POST /v1/partners → refusals from the service: UNKNOWN_COUNTRY (400), REGISTRATION_ID_REQUIRED (422), TENANT_ALREADY_EXISTS (409)', async () => {
    const unknown = problem(
      await send('POST', '/v1/partners', undefined, signUp('a', { country: 'XX' })),
      400,
      'UNKNOWN_COUNTRY',
    );
    expect(fieldsOf(unknown)).toContain('country');
    const pl = problem(
      await send(
        'POST',
        '/v1/partners',
        undefined,
        signUp('polska', {
          country: 'PL',
          address: { line1: 'ul. Nowy Świat 1', city: 'Warszawa', country: 'PL' },
        }),
      ),
      422,
      'REGISTRATION_ID_REQUIRED',
    );
    expect(fieldsOf(pl)).toEqual(['registrationId']);
    ok(await send('POST', '/v1/partners', undefined, signUp('dup')), 201);
    const taken = problem(
      await send('POST', '/v1/partners', undefined, signUp('dup')),
      409,
      'TENANT_ALREADY_EXISTS',
    );
    expect(fieldsOf(taken)).toEqual(['tenant.domain']);
  });

  // -----------------------------------------------------------------------------------------------
  // Dry run.

  it('OpenCSP-Dry-Run: true on a command → 200 {dryRun: true, value}, nothing written; queries ignore it', async () => {
    const before = await snapshot(csp.store);
    const dry = await send('POST', '/v1/partners', undefined, signUp('dry'), { 'OpenCSP-Dry-Run': 'true' });
    const body = ok<{ dryRun: boolean; value: SignedUp }>(dry, 200);
    expect(body.dryRun).toBe(true);
    expect(body.value.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.value.partnerId).toBeGreaterThanOrEqual(csp.program.partnerIds.first);
    expect(await snapshot(csp.store)).toEqual(before);

    // A refused dry run is the same refusal.
    problem(
      await send('POST', '/v1/partners', undefined, signUp('dry', { country: 'PL' }), {
        'opencsp-dry-run': 'true',
      }),
      422,
      'REGISTRATION_ID_REQUIRED',
    );
    // Other values are not a dry run: the command runs.
    const real = ok<SignedUp>(
      await send('POST', '/v1/partners', undefined, signUp('dry'), { 'opencsp-dry-run': 'false' }),
      201,
    );
    const key = await keyFor(csp, real.globalAdminUserId);
    const afterReal = await snapshot(csp.store);
    const dryEnroll = ok<{ dryRun: boolean; value: { status: string } }>(
      await send(
        'POST',
        '/v1/enrollments',
        key,
        { tenantId: real.tenantId, role: 'direct-bill' },
        { 'opencsp-dry-run': 'TRUE' },
      ),
    );
    expect(dryEnroll).toMatchObject({ dryRun: true, value: { status: 'pending', role: 'direct-bill' } });
    expect(await snapshot(csp.store)).toEqual(afterReal);
    const query = ok(
      await send('GET', `/v1/organizations/${real.organizationId}`, key, undefined, {
        'opencsp-dry-run': 'true',
      }),
    );
    expect(query).toMatchObject({ id: real.organizationId });
    expect(query).not.toHaveProperty('dryRun');
  });

  // -----------------------------------------------------------------------------------------------
  // API keys.

  it('API keys: created over HTTP the token works; revoked it gets 401; a garbage bearer gets 401', async () => {
    const p = await onboard('fabrikam');
    const user = ok<{ id: string }>(
      await send('POST', `/v1/tenants/${p.tenantId}/users`, p.key, {
        email: 'ops@fabrikam.example',
        displayName: 'Ops',
        roles: ['admin-agent'],
      }),
      201,
    );
    const created = ok<{ id: string; userId: string; tenantId: string; name: string; token: string }>(
      await send('POST', '/v1/api-keys', p.key, { userId: user.id, name: 'automation' }),
      201,
    );
    expect(created).toMatchObject({ userId: user.id, tenantId: p.tenantId, name: 'automation' });
    expect(created.token).toMatch(/^ocsp_[0-9a-f]{32}_[0-9a-f]{64}$/);
    // Only the hash is stored.
    const rows = await csp.store.db
      .selectFrom('api_keys')
      .select('hash')
      .where('id', '=', created.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.hash).not.toContain(created.token);
    expect(JSON.stringify(await snapshot(csp.store))).not.toContain(created.token);

    const orgUrl = `/v1/organizations/${p.organizationId}`;
    expect(ok(await send('GET', orgUrl, created.token))).toMatchObject({ id: p.organizationId });

    const revoked = ok(await send('DELETE', `/v1/api-keys/${created.id}`, p.key));
    expect(revoked).toEqual({ id: created.id, revokedAt: T0_ISO });
    const refused = problem(await send('GET', orgUrl, created.token), 401, 'NOT_AUTHENTICATED');
    expect(refused.violations[0]?.remedies.length).toBeGreaterThan(0);
    problem(await send('DELETE', `/v1/api-keys/${created.id}`, p.key), 409, 'INVALID_TRANSITION');

    for (const bearer of [
      'garbage',
      `${created.token.slice(0, -1)}${created.token.endsWith('0') ? '1' : '0'}`,
      `ocsp_00000000000000000000000000000000_${'0'.repeat(64)}`,
    ]) {
      problem(await send('GET', orgUrl, bearer), 401, 'NOT_AUTHENTICATED');
    }
    // Even an anonymous route refuses a bad key rather than ignoring it.
    problem(await send('POST', '/v1/partners', 'garbage', signUp('x')), 401, 'NOT_AUTHENTICATED');

    // Another organization's key is not found; validation names the field.
    const other = await onboard('contoso');
    const otherKey = ok<{ id: string }>(
      await send('POST', '/v1/api-keys', other.key, { userId: other.globalAdminUserId, name: 'mine' }),
      201,
    );
    problem(await send('DELETE', `/v1/api-keys/${otherKey.id}`, p.key), 404, 'ENTITY_NOT_FOUND');
    expect(
      new Set(
        fieldsOf(
          problem(
            await send('POST', '/v1/api-keys', p.key, { userId: 'me', name: 'k' }),
            400,
            'INVALID_FIELD',
          ),
        ),
      ),
    ).toEqual(new Set(['userId']));
  });

  // -----------------------------------------------------------------------------------------------
  // Enrollments: the operator's decisions and the direct-bill checklist.

  it('the operator rejects and declines pending enrollments (reason required); a partner may not', async () => {
    const a = await onboard('alpha');
    const b = await onboard('beta');
    const ea = ok<{ id: string }>(
      await send('POST', '/v1/enrollments', a.key, { tenantId: a.tenantId, role: 'indirect-reseller' }),
      201,
    );
    const eb = ok<{ id: string }>(
      await send('POST', '/v1/enrollments', b.key, { tenantId: b.tenantId, role: 'indirect-provider' }),
      201,
    );

    expect(
      fieldsOf(
        problem(
          await send('POST', `/v1/enrollments/${ea.id}/reject`, operatorKey, {}),
          400,
          'REQUIRED_FIELD',
        ),
      ),
    ).toEqual(['reason']);
    problem(
      await send('POST', `/v1/enrollments/${ea.id}/reject`, a.key, { reason: 'self' }),
      403,
      'NOT_AUTHORIZED',
    );
    expect(
      ok(
        await send('POST', `/v1/enrollments/${ea.id}/reject`, operatorKey, { reason: 'Verification failed' }),
      ),
    ).toMatchObject({ id: ea.id, status: 'rejected', reason: 'Verification failed' });
    expect(
      ok(
        await send('POST', `/v1/enrollments/${eb.id}/decline`, operatorKey, {
          reason: 'Requirements not met',
        }),
      ),
    ).toMatchObject({ id: eb.id, status: 'declined' });
    problem(await send('POST', `/v1/enrollments/${eb.id}/verify`, operatorKey), 409, 'INVALID_TRANSITION');
    problem(
      await send('POST', `/v1/enrollments/${UNKNOWN_ID}/verify`, operatorKey),
      404,
      'ENROLLMENT_NOT_FOUND',
    );
    expect(
      new Set(
        fieldsOf(
          problem(
            await send('POST', '/v1/enrollments', a.key, { tenantId: a.tenantId, role: 'vendor' }),
            400,
            'INVALID_FIELD',
          ),
        ),
      ),
    ).toEqual(new Set(['role']));
  });

  it('direct bill: record a requirement (200 claimed), the operator verifies it; revenue below the threshold → 422', async () => {
    const d = await addPartner(csp, operator, {
      legalName: 'Direct Partner SAS',
      country: 'FR',
      role: 'direct-bill',
      until: 'enrolled',
    });
    const key = await keyFor(csp, d.globalAdmin);
    const id = d.enrollmentId as string;
    const recorded = ok(
      await send('POST', `/v1/enrollments/${id}/requirements`, key, {
        item: 'authority-to-sign',
        evidence: 'Board minutes',
      }),
    );
    expect(recorded).toMatchObject({
      item: 'authority-to-sign',
      status: 'claimed',
      evidence: 'Board minutes',
    });
    problem(
      await send('POST', `/v1/enrollments/${id}/requirements/authority-to-sign/verification`, key, {
        outcome: 'verified',
      }),
      403,
      'NOT_AUTHORIZED',
    );
    expect(
      ok(
        await send('POST', `/v1/enrollments/${id}/requirements/authority-to-sign/verification`, operatorKey, {
          outcome: 'verified',
        }),
      ),
    ).toMatchObject({ item: 'authority-to-sign', status: 'verified', verifiedAt: T0_ISO });

    ok(
      await send('POST', `/v1/enrollments/${id}/requirements`, key, {
        item: 'trailing-revenue',
        evidence: 'Ledger',
        amountMinor: 100,
        currency: 'USD',
      }),
    );
    problem(
      await send('POST', `/v1/enrollments/${id}/requirements/trailing-revenue/verification`, operatorKey, {
        outcome: 'verified',
      }),
      422,
      'REVENUE_BELOW_THRESHOLD',
    );
    problem(
      await send('POST', `/v1/enrollments/${id}/requirements`, key, {
        item: 'support-plan',
        evidence: 'Invoice',
      }),
      422,
      'REQUIREMENT_OUT_OF_ORDER',
    );
    expect(
      new Set(
        fieldsOf(
          problem(
            await send('POST', `/v1/enrollments/${id}/requirements/credit-check/verification`, operatorKey, {
              outcome: 'maybe',
            }),
            400,
            'INVALID_FIELD',
          ),
        ),
      ),
    ).toEqual(new Set(['outcome']));
    expect(
      fieldsOf(
        problem(
          await send('POST', `/v1/enrollments/${id}/requirements`, key, {
            item: 'credit-check',
            amountMinor: -1,
          }),
          400,
          'INVALID_FIELD',
        ),
      ),
    ).toEqual(['amountMinor']);
    const view = ok<{ requirements: { item: string; status: string }[] }>(
      await send('GET', `/v1/enrollments/${id}`, key),
    );
    expect(view.requirements.map((r) => [r.item, r.status])).toEqual(
      expect.arrayContaining([
        ['authority-to-sign', 'verified'],
        ['trailing-revenue', 'claimed'],
      ]),
    );
  });

  it('the operator restricts an active direct-bill partner (it may not transact) and reinstates it', async () => {
    const d = await addPartner(csp, operator, {
      legalName: 'Direct Partner SAS',
      country: 'FR',
      role: 'direct-bill',
    });
    const key = await keyFor(csp, d.globalAdmin);
    const id = d.enrollmentId as string;
    problem(await send('POST', `/v1/enrollments/${id}/reinstate`, operatorKey), 409, 'INVALID_TRANSITION');
    expect(
      ok(
        await send('POST', `/v1/enrollments/${id}/restrict`, operatorKey, { reason: 'Credit check lapsed' }),
      ),
    ).toMatchObject({ status: 'restricted', reason: 'Credit check lapsed' });
    const standing = ok<{ mayTransact: boolean; violations: { code: string }[] }>(
      await send('GET', `/v1/tenants/${d.tenantId}/standing`, key),
    );
    expect(standing.mayTransact).toBe(false);
    expect(standing.violations.map((v) => v.code)).toContain('DIRECT_BILL_RESTRICTED');
    problem(await send('POST', `/v1/enrollments/${id}/reinstate`, key), 403, 'NOT_AUTHORIZED');
    expect(ok(await send('POST', `/v1/enrollments/${id}/reinstate`, operatorKey))).toMatchObject({
      status: 'active',
    });
    expect(ok(await send('GET', `/v1/tenants/${d.tenantId}/standing`, key))).toMatchObject({
      mayTransact: true,
    });
  });

  // -----------------------------------------------------------------------------------------------
  // Ledger and explain.

  it('GET /v1/ledger/:entityType/:entityId pages by `after` until `next` is null, the same events as one page', async () => {
    const p = await onboard('fabrikam');
    // Each API key created for the global admin is an event on that user.
    for (const name of ['ci', 'backup', 'reporting', 'billing']) {
      ok(await send('POST', '/v1/api-keys', p.key, { userId: p.globalAdminUserId, name }), 201);
    }
    const url = `/v1/ledger/user/${p.globalAdminUserId}`;
    const all = ok<{ events: { seq: number; type: string; entityId: string }[]; next: number | null }>(
      await send('GET', `${url}?limit=1000`, p.key),
    );
    expect(all.next).toBeNull();
    expect(all.events.filter((e) => e.type === 'api-key.created')).toHaveLength(5);
    expect(all.events.length).toBeGreaterThanOrEqual(6);
    expect(all.events.every((e) => e.entityId === p.globalAdminUserId)).toBe(true);

    const seen: number[] = [];
    let after: number | null = 0;
    let pages = 0;
    while (after !== null) {
      const page: { events: { seq: number }[]; next: number | null } = ok(
        await send('GET', `${url}?limit=2&after=${after}`, p.key),
      );
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.seq));
      after = page.next;
      pages++;
    }
    expect(seen).toEqual(all.events.map((e) => e.seq));
    expect(pages).toBe(Math.ceil(all.events.length / 2));

    expect(fieldsOf(problem(await send('GET', `${url}?after=x`, p.key), 400, 'INVALID_FIELD'))).toEqual([
      'after',
    ]);
    expect(fieldsOf(problem(await send('GET', `${url}?limit=0`, p.key), 400, 'INVALID_FIELD'))).toEqual([
      'limit',
    ]);
    expect(
      new Set(
        fieldsOf(
          problem(await send('GET', `/v1/ledger/galaxy/${p.globalAdminUserId}`, p.key), 400, 'INVALID_FIELD'),
        ),
      ),
    ).toEqual(new Set(['entityType']));
    const other = await onboard('contoso');
    expect(fieldsOf(problem(await send('GET', url, other.key), 404, 'ENTITY_NOT_FOUND'))).toEqual([
      'entityId',
    ]);
    // The operator reads everything.
    expect(ok(await send('GET', url, operatorKey))).toMatchObject({ next: null });
  });

  it('POST /v1/explain/order-line and /v1/explain/partner-actions: the decision with every reason; nothing written', async () => {
    const direct = await addPartner(csp, operator, {
      legalName: 'Direct Partner SAS',
      country: 'FR',
      role: 'direct-bill',
    });
    const customer = await addCustomer(csp, { legalName: 'Contoso France', country: 'FR' });
    const key = await keyFor(csp, direct.globalAdmin);
    const line = { sellerTenantId: direct.tenantId, customerTenantId: customer.tenantId };

    const before = await snapshot(csp.store);
    const refused = ok<{ allowed: boolean; violations: { code: string }[] }>(
      await send('POST', '/v1/explain/order-line', key, line),
    );
    expect(refused.allowed).toBe(false);
    expect(refused.violations.map((v) => v.code)).toContain('NO_CUSTOMER_RELATIONSHIP');
    const actions = ok<{ actions: { action: string; allowed: boolean }[] }>(
      await send('POST', '/v1/explain/partner-actions', key, {
        partnerTenantId: direct.tenantId,
        customerTenantId: customer.tenantId,
      }),
    );
    expect(actions.actions.find((a) => a.action === 'invite-customer')?.allowed).toBe(true);
    expect(actions.actions.find((a) => a.action === 'place-order')?.allowed).toBe(false);
    expect(await snapshot(csp.store)).toEqual(before);

    await connectCustomer(csp, direct, customer);
    expect(ok(await send('POST', '/v1/explain/order-line', key, line))).toEqual({
      allowed: true,
      violations: [],
    });

    const outsider = await onboard('outsider');
    expect(
      fieldsOf(
        problem(await send('POST', '/v1/explain/order-line', outsider.key, line), 404, 'TENANT_NOT_FOUND'),
      ),
    ).toEqual(['sellerTenantId']);
    problem(
      await send('POST', '/v1/explain/partner-actions', outsider.key, {
        partnerTenantId: direct.tenantId,
        customerTenantId: customer.tenantId,
      }),
      404,
      'TENANT_NOT_FOUND',
    );
    expect(
      fieldsOf(
        problem(
          await send('POST', '/v1/explain/partner-actions', key, { partnerTenantId: direct.tenantId }),
          400,
          'REQUIRED_FIELD',
        ),
      ),
    ).toEqual(['customerTenantId']);
    expect(
      fieldsOf(
        problem(
          await send('POST', '/v1/explain/order-line', key, { ...line, partnerIdOnRecord: 0 }),
          400,
          'INVALID_FIELD',
        ),
      ),
    ).toEqual(['partnerIdOnRecord']);
  });

  // -----------------------------------------------------------------------------------------------
  // Authentication and tenancy.

  it('every foundation route but sign-up answers 401 NOT_AUTHENTICATED without an API key, writing nothing', async () => {
    const p: Partner = await addPartner(csp, operator, {
      legalName: 'Fabrikam',
      country: 'FR',
      role: 'direct-bill',
    });
    const e = p.enrollmentId as string;
    const routes: [method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object][] = [
      ['GET', `/v1/organizations/${p.organizationId}`],
      ['POST', `/v1/organizations/${p.organizationId}/locations`, { country: 'DE' }],
      [
        'POST',
        `/v1/organizations/${p.organizationId}/customer-tenants`,
        {
          country: 'FR',
          tenant: { domain: 'x.example' },
          globalAdmin: { email: 'a@x.example', displayName: 'A' },
        },
      ],
      ['POST', `/v1/tenants/${p.tenantId}/partner-id`, { partnerId: p.partnerId }],
      [
        'POST',
        `/v1/tenants/${p.tenantId}/users`,
        { email: 'u@x.example', displayName: 'U', roles: ['admin-agent'] },
      ],
      ['POST', '/v1/api-keys', { userId: UNKNOWN_ID, name: 'k' }],
      ['DELETE', `/v1/api-keys/${UNKNOWN_ID}`],
      ['POST', '/v1/enrollments', { tenantId: p.tenantId, role: 'direct-bill' }],
      ['GET', `/v1/enrollments/${e}`],
      ['POST', `/v1/enrollments/${e}/verify`],
      ['POST', `/v1/enrollments/${e}/reinstate`],
      ['POST', `/v1/enrollments/${e}/reject`, { reason: 'r' }],
      ['POST', `/v1/enrollments/${e}/decline`, { reason: 'r' }],
      ['POST', `/v1/enrollments/${e}/restrict`, { reason: 'r' }],
      ['POST', `/v1/enrollments/${e}/requirements`, { item: 'credit-check' }],
      ['POST', `/v1/enrollments/${e}/requirements/credit-check/verification`, { outcome: 'verified' }],
      ['POST', `/v1/tenants/${p.tenantId}/partner-agreement`],
      [
        'POST',
        `/v1/tenants/${p.tenantId}/customer-agreement`,
        { signer: { name: 'n', email: 'n@x.example' } },
      ],
      ['GET', `/v1/tenants/${p.tenantId}/standing`],
      ['GET', `/v1/partner-ids/${p.partnerId}/standing`],
      ['GET', `/v1/ledger/organization/${p.organizationId}`],
      ['POST', '/v1/explain/order-line', { sellerTenantId: p.tenantId, customerTenantId: UNKNOWN_ID }],
      ['POST', '/v1/explain/partner-actions', { partnerTenantId: p.tenantId, customerTenantId: UNKNOWN_ID }],
    ];
    const before = await snapshot(csp.store);
    for (const [method, url, payload] of routes) {
      const res = await send(method, url, undefined, payload);
      const body = problem(res, 401, 'NOT_AUTHENTICATED');
      expect(body.instance).toBe(res.headers['ms-requestid']);
    }
    expect(await snapshot(csp.store)).toEqual(before);
  });

  it("another organization's objects answer 404 *_NOT_FOUND, exactly like unknown ones", async () => {
    const a = await onboard('alpha');
    const b = await onboard('beta');
    const eb = ok<{ id: string }>(
      await send('POST', '/v1/enrollments', b.key, { tenantId: b.tenantId, role: 'indirect-reseller' }),
      201,
    );

    const org = problem(
      await send('GET', `/v1/organizations/${b.organizationId}`, a.key),
      404,
      'ORGANIZATION_NOT_FOUND',
    );
    const unknownOrg = problem(
      await send('GET', `/v1/organizations/${UNKNOWN_ID}`, a.key),
      404,
      'ORGANIZATION_NOT_FOUND',
    );
    expect(fieldsOf(org)).toEqual(['organizationId']);
    expect(org.title).toBe(unknownOrg.title);
    problem(await send('GET', `/v1/enrollments/${eb.id}`, a.key), 404, 'ENROLLMENT_NOT_FOUND');
    problem(await send('GET', `/v1/tenants/${b.tenantId}/standing`, a.key), 404, 'TENANT_NOT_FOUND');
    problem(await send('GET', `/v1/partner-ids/${b.partnerId}/standing`, a.key), 404, 'PARTNER_ID_NOT_FOUND');
    problem(await send('GET', `/v1/ledger/tenant/${b.tenantId}`, a.key), 404, 'ENTITY_NOT_FOUND');
    // The operator sees both.
    expect(ok(await send('GET', `/v1/organizations/${b.organizationId}`, operatorKey))).toMatchObject({
      id: b.organizationId,
    });
    expect(
      fieldsOf(problem(await send('GET', '/v1/organizations/not-a-guid', a.key), 400, 'INVALID_GUID')),
    ).toEqual(['organizationId']);
  });
});

describe('HTTP foundation routes: the OpenAPI document lists them all', () => {
  it('has every foundation path and method', async () => {
    const { openOpenCsp } = await import('../../src/app/opencsp.ts');
    const csp = await openOpenCsp({ database: ':memory:' });
    const app = await testApp({ csp, logger: false });
    try {
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
        paths: Record<string, Record<string, unknown>>;
      };
      const expected: [string, string][] = [
        ['post', '/v1/partners'],
        ['post', '/v1/customer-registrations'],
        ['get', '/v1/organizations/{organizationId}'],
        ['post', '/v1/organizations/{organizationId}/locations'],
        ['post', '/v1/organizations/{organizationId}/customer-tenants'],
        ['post', '/v1/tenants/{tenantId}/partner-id'],
        ['post', '/v1/tenants/{tenantId}/users'],
        ['post', '/v1/api-keys'],
        ['delete', '/v1/api-keys/{apiKeyId}'],
        ['post', '/v1/enrollments'],
        ['get', '/v1/enrollments/{enrollmentId}'],
        ['post', '/v1/enrollments/{enrollmentId}/verify'],
        ['post', '/v1/enrollments/{enrollmentId}/reinstate'],
        ['post', '/v1/enrollments/{enrollmentId}/reject'],
        ['post', '/v1/enrollments/{enrollmentId}/decline'],
        ['post', '/v1/enrollments/{enrollmentId}/restrict'],
        ['post', '/v1/enrollments/{enrollmentId}/requirements'],
        ['post', '/v1/enrollments/{enrollmentId}/requirements/{item}/verification'],
        ['post', '/v1/tenants/{tenantId}/partner-agreement'],
        ['post', '/v1/tenants/{tenantId}/customer-agreement'],
        ['get', '/v1/tenants/{tenantId}/standing'],
        ['get', '/v1/partner-ids/{partnerId}/standing'],
        ['get', '/v1/ledger/{entityType}/{entityId}'],
        ['post', '/v1/explain/order-line'],
        ['post', '/v1/explain/partner-actions'],
      ];
      for (const [method, path] of expected)
        expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      // Sign-up needs no key: the document says so.
      expect(doc.paths['/v1/partners']?.post).toMatchObject({ security: [] });
      expect(doc.paths['/v1/customer-registrations']?.post).toMatchObject({ security: [] });
    } finally {
      await app.close();
      await csp.close();
    }
  });
});
