/**
 * `/openapi.json` is a valid OpenAPI 3.1 document (checked against the official schema by an
 * independent validator), and every operation in it is documented for clients: an operation id
 * free of clashes, a summary, and a success response.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOpenCsp } from '../../src/app/opencsp.ts';
import { buildApp } from '../../src/http/app.ts';

describe('/openapi.json', () => {
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, { summary?: string; responses?: Record<string, unknown> }>>;
  };
  const close: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const csp = await openOpenCsp({ database: ':memory:' });
    const app = await buildApp({ csp, logger: false });
    close.push(
      () => app.close(),
      () => csp.close(),
    );
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => {
    for (const c of close) await c();
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('fails validation when the document is broken (the check can fail)', async () => {
    const broken = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    broken.paths['/v1/broken'] = { get: { responses: 'not an object' } };
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('every operation has a summary and a 2xx response', () => {
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        operations++;
        expect(op.summary, `${method} ${path}`).toMatch(/\S/);
        expect(
          Object.keys(op.responses ?? {}).some((s) => /^2\d\d$/.test(s)),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
    expect(operations).toBeGreaterThanOrEqual(77);
  });
});
