/**
 * HTTP test helpers: API keys for world-builder principals, created once per principal.
 */
import { createApiKey } from '../../src/api-keys/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { type Principal, SYSTEM } from '../../src/kernel/principal.ts';
import { must } from '../../src/world/builder.ts';

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
