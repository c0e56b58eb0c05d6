/**
 * The response schemas (src/http/schemas/, issue 5): every `/v1` route declares a closed schema for
 * its success answer, and `checkResponses` — on in every HTTP test app (`testApp`) — turns an
 * answer its schema does not admit into a 500 naming the mismatch. Without it (production) the
 * answer goes out as the service gave it: no field dropped, no 500 from the serialiser.
 */
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineQuery } from '../../src/app/command.ts';
import { type OpenCsp, openOpenCsp } from '../../src/app/opencsp.ts';
import { buildApp } from '../../src/http/app.ts';
import { route } from '../../src/http/route.ts';
import { accept } from '../../src/kernel/outcome.ts';
import { testApp } from '../support/http.ts';

type Schema = { readonly [keyword: string]: unknown };
interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

/** The JSON pointers of the objects in `schema` (components followed) that admit undeclared fields. */
function openObjects(schema: unknown, doc: OpenApi, at: string, seen = new Set<string>()): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => openObjects(s, doc, `${at}/${i}`, seen));
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  if (typeof s.$ref === 'string') {
    const name = s.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return [];
    seen.add(name);
    return openObjects(doc.components.schemas[name], doc, name, seen);
  }
  const own = s.type === 'object' && s.additionalProperties !== false ? [at] : [];
  return [
    ...own,
    ...Object.entries(s).flatMap(([k, v]) =>
      typeof v === 'object' ? openObjects(v, doc, `${at}/${k}`, seen) : [],
    ),
  ];
}

/**
 * The routes that answer text, not JSON: the reconciliation exports, streamed as CSV or NDJSON and
 * declared per media type as a string (the typed client reads them as text).
 */
const TEXT_ROUTES: Readonly<Record<string, readonly string[]>> = {
  'get /v1/invoices/{invoiceId}/export': ['text/csv', 'application/x-ndjson'],
  'get /v1/billing/periods/{period}/export': ['text/csv', 'application/x-ndjson'],
};

describe('response schemas', () => {
  let csp: OpenCsp;
  beforeEach(async () => {
    csp = await openOpenCsp({ database: ':memory:' });
  });
  afterEach(async () => csp.close());

  it('every /v1 route declares a closed success schema (only a ledger event’s payload is free-form)', async () => {
    const app = await testApp({ csp });
    await app.ready();
    const doc = app.swagger() as unknown as OpenApi;
    await app.close();
    let operations = 0;
    const open: string[] = [];
    for (const [path, item] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(item)) {
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        expect(success.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, response] of success) {
          const text = TEXT_ROUTES[`${method} ${path}`];
          if (text) {
            expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(text);
            for (const type of text)
              expect(response.content?.[type]?.schema).toMatchObject({ type: 'string' });
            continue;
          }
          const schema = response.content?.['application/json']?.schema;
          expect(schema, `${method} ${path} ${status}`).toBeDefined();
          open.push(...openObjects(schema, doc, `${method} ${path} ${status}`));
        }
        operations++;
      }
    }
    expect(operations).toBeGreaterThanOrEqual(77);
    expect(
      Object.keys(TEXT_ROUTES).every((r) => Object.keys(doc.paths).includes(r.split(' ')[1] ?? '')),
    ).toBe(true);
    expect([...new Set(open)]).toEqual(['LedgerEvent/properties/payload']);
  });

  const leaky = defineQuery({
    name: 'test.leaky',
    parse: () => accept({}),
    run: async () => accept({ id: 'x', extra: { kept: true } }),
  });
  const register = (app: Parameters<typeof route>[0]) =>
    route(app, csp, {
      method: 'GET',
      url: '/v1/test/leaky',
      summary: 'An operation answering a field its schema lacks',
      tags: ['test'],
      anonymous: true,
      operation: { kind: 'query', run: leaky },
      response: Type.Object({ id: Type.String() }, { additionalProperties: false }),
    });

  it('with checkResponses, an answer its schema does not admit is a 500 naming the field', async () => {
    const app = await testApp({ csp });
    register(app);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(...args);
    try {
      const res = await app.inject({ method: 'GET', url: '/v1/test/leaky' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
      expect(res.json().detail).toMatch(/GET \/v1\/test\/leaky → 200: .*\n {2}\/extra: Unexpected property/);
      expect(errors.join('\n')).toMatch(/\/extra: Unexpected property/);
    } finally {
      console.error = original;
      await app.close();
    }
  });

  it('without it, the answer goes out as the service gave it: nothing dropped', async () => {
    const app = await buildApp({ csp, logger: false });
    register(app);
    const res = await app.inject({ method: 'GET', url: '/v1/test/leaky' });
    await app.close();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual({ id: 'x', extra: { kept: true } });
  });
});
