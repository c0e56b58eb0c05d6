import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases.ts';
import { testApp } from '../support/http.ts';

describeEachDatabase('HTTP rate limiting and metrics', (db) => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it('answers 429 with Retry-After once a caller is over its limit; health stays open', async () => {
    app = await testApp({ csp: await db.fresh(), logger: false, rateLimit: { max: 2, windowMs: 60_000 } });
    const get = () =>
      app.inject({ method: 'GET', url: '/v1/organizations/00000000-0000-4000-8000-000000000000' });
    expect((await get()).statusCode).toBe(401);
    expect((await get()).statusCode).toBe(401);
    const limited = await get();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('exposes request counts, latency and refusals by code at /metrics', async () => {
    app = await testApp({ csp: await db.fresh(), logger: false });
    await app.inject({ method: 'POST', url: '/v1/partners', payload: { legalName: 'X' } });
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain(
      'opencsp_http_requests_total{method="POST",route="/v1/partners",status="400"} 1',
    );
    expect(m.body).toContain('opencsp_http_request_duration_seconds_bucket');
    expect(m.body).toMatch(/opencsp_rule_refusals_total\{code="REQUIRED_FIELD"\} [1-9]/);
  });
});

describeEachDatabase('HTTP docs page', (db) => {
  it('serves a browsable docs page at /docs, from the same OpenAPI document', async () => {
    const app = await testApp({ csp: await db.fresh(), logger: false });
    try {
      const page = await app.inject({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      const doc = await app.inject({ method: 'GET', url: '/docs/json' });
      expect(doc.json()).toEqual((await app.inject({ method: 'GET', url: '/openapi.json' })).json());
    } finally {
      await app.close();
    }
  });
});
