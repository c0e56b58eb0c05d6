/**
 * The README's walk-through stays true: the demo world is deterministic, and the tenant ids and
 * Partner IDs the README uses are the ones `npm start` creates, with the outcomes it announces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openOpenCsp } from '../src/app/opencsp.ts';
import { buildDemoWorld } from '../src/cli/demo.ts';
import { explainOrderLine } from '../src/decisions/service.ts';
import { SYSTEM } from '../src/kernel/principal.ts';
import { must } from '../src/world/builder.ts';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const id = (name: string) => {
  const m = readme.match(new RegExp(`^${name}=([0-9a-f-]{36})`, 'm'));
  if (!m?.[1]) throw new Error(`README defines no ${name}=<guid>`);
  return m[1];
};

describe('README walk-through', () => {
  it('names demo-world ids and gives the outcomes it announces', async () => {
    const csp = await openOpenCsp({ database: ':memory:' });
    try {
      const world = await buildDemoWorld(csp);
      const provider = world.providers.find((p) => p.country === 'FR');
      const reseller = world.resellers.find((p) => p.partnerId === 1000004);
      expect(provider?.tenantId).toBe(id('P'));
      expect(provider?.partnerId).toBe(1000002);
      expect(reseller).toBeDefined();
      expect(world.customers.map((c) => c.tenantId)).toEqual(expect.arrayContaining([id('C'), id('US')]));
      const explain = async (customer: string, partnerIdOnRecord?: number) =>
        must(
          await csp.query(
            explainOrderLine,
            { principal: SYSTEM },
            {
              sellerTenantId: id('P'),
              customerTenantId: customer,
              ...(partnerIdOnRecord && { partnerIdOnRecord }),
            },
          ),
        );
      expect((await explain(id('C'), 1000004)).allowed).toBe(true);
      expect((await explain(id('C'))).violations.map((v) => v.code)).toEqual([
        'PARTNER_ID_ON_RECORD_REQUIRED',
      ]);
      expect((await explain(id('US'), 1000004)).violations.map((v) => v.code)).toContain('REGION_MISMATCH');
      expect(readme).toContain(world.resellers.find((r) => r.partnerId === 1000006)?.tenantId);
      const providerKey = world.apiKeys.find((k) => k.who === 'indirect provider 1000002')?.token;
      expect(readme).toContain(`PROVIDER_KEY=${providerKey}`);
    } finally {
      await csp.close();
    }
  });
});
