/**
 * HTTP test helpers: the app as the tests build it, and API keys for world-builder principals,
 * created once per principal.
 */
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { type AppOptions, buildApp } from '../../src/http/app.ts';
import { type Principal, SYSTEM } from '../../src/kernel/principal.ts';
import { must } from '../../src/world/builder.ts';

/**
 * `buildApp` for tests: no logs, and every success answer checked against its route's declared
 * response schema (a mismatch is a 500 naming it), so the whole HTTP suite proves the schemas.
 */
export function testApp(options: AppOptions): Promise<FastifyInstance> {
  return buildApp({ logger: false, checkResponses: true, ...options });
}

/** A key cache over the runtime `csp()` returns; `clear()` between tests (a fresh database). */
export function apiKeys(csp: () => OpenCsp) {
  const keys = new Map<Principal, string>();
  return {
    async key(principal: Principal): Promise<string> {
      const known = keys.get(principal);
      if (known) return known;
      if (principal.kind !== 'user') throw new Error('API keys are for users');
      const created = must(
        await csp().execute(
          createApiKey,
          { principal: SYSTEM },
          { userId: principal.userId, name: 'http test' },
        ),
      );
      keys.set(principal, created.token);
      return created.token;
    },
    clear: () => keys.clear(),
  };
}
