/**
 * The HTTP core (src/http/app.ts, route.ts, problem.ts), on SQLite and PostgreSQL: request ids
 * echoed or generated, the problem+json shape, unknown routes, bodies that are not JSON, an
 * unexpected error that leaks nothing, health and readiness, and the OpenAPI 3.1 document covering
 * every `/v1` route with a summary and a problem response.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { openOpenCsp } from '../../src/app/opencsp.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM_KEYS = ['code', 'detail', 'instance', 'status', 'title', 'type', 'violations'];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  violations: { code: string; message: string; field?: string; remedies: string[] }[];
}

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

function problem(res: LightMyRequestResponse, status: number, code: string): Problem {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Problem;
  expect({ status: res.statusCode, code: body.code }).toEqual({ status, code });
  return body;
}

/**
 * Every registered route `[METHOD, path]`, read from `printRoutes({ commonPrefix: false })`: each
 * tree line is a segment appended to its parent's path (`:a|:b` when two routes name a parameter
 * differently), followed by its methods.
 */
function registeredRoutes(app: FastifyInstance): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack[depth] = path;
    for (const method of m[3]?.split(', ') ?? []) out.push([method, path]);
  }
  return out;
}

/** A path with its parameters blanked, so `/:id` (Fastify) and `/{id}` (OpenAPI) compare equal. */
const shape = (path: string) => path.replace(/:[\w:|]+/g, '{}').replace(/\{\w+\}/g, '{}');

describeEachDatabase('HTTP core', (db) => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  async function start(extra?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
    app = await testApp({ csp: await db.fresh(), logger: false });
    extra?.(app);
    await app.ready();
    return app;
  }

  // -----------------------------------------------------------------------------------------------
  // Request ids.

  it('echoes MS-RequestId in ms-requestid and x-request-id, and as the problem instance', async () => {
    await start();
    const res = await app.inject({
      method: 'GET',
      url: '/v1/organizations/00000000-0000-4000-8000-000000000000',
      headers: { 'MS-RequestId': 'req-42.a:b' },
    });
    expect(res.headers['ms-requestid']).toBe('req-42.a:b');
    expect(res.headers['x-request-id']).toBe('req-42.a:b');
    expect(problem(res, 401, 'NOT_AUTHENTICATED').instance).toBe('req-42.a:b');
  });

  it('uses MS-CorrelationId when no MS-RequestId is given; MS-RequestId wins over it; X-Request-Id last', async () => {
    await start();
    const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/healthz', headers });
    const corr = await get({ 'MS-CorrelationId': 'corr-1' });
    expect([corr.headers['ms-requestid'], corr.headers['x-request-id']]).toEqual(['corr-1', 'corr-1']);
    const both = await get({ 'MS-CorrelationId': 'corr-2', 'MS-RequestId': 'req-2', 'X-Request-Id': 'x-2' });
    expect(both.headers['ms-requestid']).toBe('req-2');
    const x = await get({ 'X-Request-Id': 'x-3' });
    expect(x.headers['ms-requestid']).toBe('x-3');
  });

  it('generates a UUID when none is given, or when the given one is unsafe (spaces, too long)', async () => {
    await start();
    const first = await app.inject({ method: 'GET', url: '/healthz' });
    const second = await app.inject({ method: 'GET', url: '/healthz' });
    expect(first.headers['ms-requestid']).toMatch(UUID);
    expect(first.headers['x-request-id']).toBe(first.headers['ms-requestid']);
    expect(second.headers['ms-requestid']).not.toBe(first.headers['ms-requestid']);
    for (const unsafe of ['has spaces', 'x'.repeat(129), '<script>']) {
      const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'MS-RequestId': unsafe } });
      expect(res.headers['ms-requestid']).toMatch(UUID);
    }
  });

  // -----------------------------------------------------------------------------------------------
  // Problems.

  it('every error is application/problem+json {type, title, status, detail, code, instance, violations}', async () => {
    await start();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/partners',
      headers: { 'MS-RequestId': 'shape-1' },
      payload: { legalName: 'Fabrikam', unknown: true },
    });
    const body = problem(res, 400, 'REQUIRED_FIELD');
    expect(Object.keys(body).sort()).toEqual(PROBLEM_KEYS);
    expect(body).toMatchObject({
      type: 'https://opencsp.dev/problems/required-field',
      title: 'A required field is missing',
      status: 400,
      instance: 'shape-1',
    });
    expect(body.detail).toBe(body.violations.map((v) => v.message).join(' '));
    for (const v of body.violations) {
      expect(typeof v.code).toBe('string');
      expect(typeof v.message).toBe('string');
      expect(typeof v.field).toBe('string');
      expect(Array.isArray(v.remedies)).toBe(true);
    }
    expect(body.violations.map((v) => v.field)).toEqual(
      expect.arrayContaining(['country', 'address', 'tenant', 'globalAdmin', 'unknown']),
    );
  });

  it('an unknown route → 404 ROUTE_NOT_FOUND pointing at /openapi.json (query string left out)', async () => {
    await start();
    const body = problem(
      await app.inject({ method: 'GET', url: '/v1/nowhere?secret=1' }),
      404,
      'ROUTE_NOT_FOUND',
    );
    expect(Object.keys(body).sort()).toEqual(PROBLEM_KEYS);
    expect(body.detail).toBe('No route GET /v1/nowhere.');
    expect(body.violations[0]?.remedies).toEqual(['See /openapi.json.']);
    // A known path with the wrong method is no route either.
    expect(
      problem(await app.inject({ method: 'GET', url: '/v1/partners' }), 404, 'ROUTE_NOT_FOUND').detail,
    ).toBe('No route GET /v1/partners.');
  });

  it('a body that is not JSON → 400: another media type, malformed JSON, an empty JSON body, plain text', async () => {
    await start();
    const post = (contentType: string, payload: string) =>
      app.inject({ method: 'POST', url: '/v1/partners', headers: { 'content-type': contentType }, payload });
    problem(await post('application/xml', '<partner/>'), 400, 'UNSUPPORTED_MEDIA_TYPE');
    problem(await post('application/json', ''), 400, 'UNSUPPORTED_MEDIA_TYPE');
    const malformed = problem(await post('application/json', '{"legalName": '), 400, 'INVALID_FIELD');
    expect(malformed.violations[0]?.field).toBe('(body)');
    // Plain text is read as a string, which is not the object the schema asks for.
    const text = problem(await post('text/plain', 'legalName=Fabrikam'), 400, 'INVALID_FIELD');
    expect(text.violations.map((v) => v.message)).toEqual(['body must be object']);
    // A JSON array is not an object either.
    problem(await post('application/json', '[]'), 400, 'INVALID_FIELD');
  });

  it('an unexpected error → 500 INTERNAL_ERROR quoting the request id and leaking nothing', async () => {
    await start((a) => {
      a.get('/boom', async () => {
        throw new Error('secret detail: password=hunter2 at /srv/opencsp/db.ts:42');
      });
      a.get('/boom-value', async () => {
        throw { stack: 'secret detail', statusCode: 'x' };
      });
    });
    for (const url of ['/boom', '/boom-value']) {
      const res = await app.inject({ method: 'GET', url, headers: { 'MS-RequestId': 'boom-1' } });
      const body = problem(res, 500, 'INTERNAL_ERROR');
      expect(Object.keys(body).sort()).toEqual(PROBLEM_KEYS);
      expect(res.body).not.toContain('secret detail');
      expect(res.body).not.toContain('hunter2');
      expect(res.body).not.toContain('db.ts');
      expect(body.title).toBe('Something went wrong on our side; nothing was written');
      expect(body.detail).toBe('Unexpected error; quote request id boom-1.');
      expect(body.instance).toBe('boom-1');
    }
  });

  // -----------------------------------------------------------------------------------------------
  // Health.

  it('/healthz and /readyz answer without an API key; readyz names the database', async () => {
    await start();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', database: db.name });
  });

  // -----------------------------------------------------------------------------------------------
  // OpenAPI.

  it('/openapi.json is OpenAPI 3.1.0 listing every /v1 route, each with a summary, tags and a problem response', async () => {
    await start();
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as OpenApi;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'OpenCSP API' });
    expect(doc.components?.securitySchemes).toHaveProperty('apiKey');

    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith('/v1/'), path).toBe(true);
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        documented.add(`${method.toUpperCase()} ${shape(path)}`);
        expect(op.summary, `${method} ${path}: summary`).toMatch(/\S/);
        expect(op.tags?.length, `${method} ${path}: tags`).toBeGreaterThan(0);
        // A 4XX (or a specific 4xx status) response, documented with the problem schema.
        const fourxx = Object.entries(op.responses ?? {}).find(([status]) =>
          /^4(XX|\d\d)$/i.test(status),
        )?.[1];
        expect(fourxx, `${method} ${path}: 4xx`).toBeDefined();
        const schema = Object.values(fourxx?.content ?? {})[0]?.schema ?? {};
        expect(JSON.stringify(schema), `${method} ${path}: problem schema`).toMatch(/"code"/);
        expect(JSON.stringify(schema)).toMatch(/"violations"/);
      }
    }

    // Every route registered under /v1 is documented, and nothing else is.
    const registered = registeredRoutes(app)
      .filter(([method, path]) => path.startsWith('/v1/') && method !== 'HEAD')
      .map(([method, path]) => `${method} ${shape(path)}`);
    expect(registered.length).toBeGreaterThanOrEqual(40);
    expect([...documented].sort()).toEqual([...new Set(registered)].sort());
    expect(Object.keys(doc.paths)).not.toContain('/healthz');
    expect(Object.keys(doc.paths)).not.toContain('/openapi.json');

    // A known set, foundation and admin access.
    const known: [string, string][] = [
      ['post', '/v1/partners'],
      ['get', '/v1/organizations/{organizationId}'],
      ['post', '/v1/api-keys'],
      ['delete', '/v1/api-keys/{apiKeyId}'],
      ['post', '/v1/enrollments/{enrollmentId}/verify'],
      ['get', '/v1/tenants/{tenantId}/standing'],
      ['get', '/v1/ledger/{entityType}/{entityId}'],
      ['post', '/v1/explain/order-line'],
      ['post', '/v1/admin-relationships'],
      ['post', '/v1/admin-relationships/{adminRelationshipId}/approval-request'],
      ['post', '/v1/admin-relationships/{adminRelationshipId}/approval'],
      ['post', '/v1/admin-relationships/{adminRelationshipId}/termination'],
      ['get', '/v1/admin-relationships/{adminRelationshipId}'],
      ['get', '/v1/tenants/{tenantId}/admin-relationships'],
      ['get', '/v1/tenants/{partnerTenantId}/access/{customerTenantId}'],
      ['post', '/v1/external-subscriptions'],
      ['get', '/v1/tenants/{tenantId}/external-subscriptions'],
    ];
    for (const [method, path] of known) {
      expect(doc.paths[path]?.[method as (typeof HTTP_METHODS)[number]], `${method} ${path}`).toBeDefined();
    }
    // Creations document their 201; the admin list documents its query parameters.
    expect(doc.paths['/v1/admin-relationships']?.post?.responses).toHaveProperty('201');
    const list = doc.paths['/v1/tenants/{tenantId}/admin-relationships']?.get as unknown as {
      parameters: { in: string; name: string; required?: boolean }[];
    };
    expect(list.parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.required])).toEqual([
      ['side', true],
      ['state', false],
      ['limit', false],
      ['cursor', false],
    ]);
  });
});

describe('HTTP core: readiness', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => app?.close());

  it('/readyz → 503 {status: unavailable} when the database does not answer', async () => {
    const csp = await openOpenCsp({ database: ':memory:' });
    app = await testApp({ csp, logger: false });
    await app.ready();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await csp.close();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable' });
  });
});
