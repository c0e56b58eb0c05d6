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

/** Splits one shell command line into words: single and double quotes, `$VAR` expansion, `|` ends it. */
function shellWords(line: string, vars: Record<string, string>): { words: string[]; rest: string } {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const expand = (text: string) =>
    text.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, n: string) => vars[n] ?? `$${n}`);
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === '|') break;
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      const end = line.indexOf('"', i + 1);
      word = (word ?? '') + expand(line.slice(i + 1, end));
      i = end + 1;
    } else {
      const m = /^[^\s'"|]+/.exec(line.slice(i)) as RegExpExecArray;
      word = (word ?? '') + expand(m[0]);
      i += m[0].length;
    }
  }
  if (word !== undefined) words.push(word);
  return { words, rest: line.slice(i) };
}

describe('README curl walk-through', () => {
  it('runs against the demo world with the statuses it announces', async () => {
    const { buildApp } = await import('../src/http/app.ts');
    const csp = await openOpenCsp({ database: ':memory:' });
    const world = await buildDemoWorld(csp);
    const app = await buildApp({ csp, logger: false });
    try {
      const start = readme.indexOf('### Walk-through');
      const block = readme.slice(readme.indexOf('```sh', start) + 5, readme.indexOf('```\n', start + 20));
      const vars: Record<string, string> = {};
      for (const m of readme.matchAll(/^([A-Z][A-Z0-9_]*)=([^\s$()]+)/gm))
        vars[m[1] as string] = m[2] as string;
      // Every key the README prints is the demo's.
      for (const [name, who] of [
        ['PROVIDER_KEY', 'indirect provider 1000002'],
        ['RESELLER_KEY', 'indirect reseller 1000004'],
        ['DIRECT_KEY', 'direct-bill partner 1000008'],
        ['CUSTOMER_KEY', 'customer'],
      ] as const)
        expect(vars[name], name).toBe(world.apiKeys.find((k) => k.who === who)?.token);
      const commands = block
        .replace(/\\\n\s*/g, ' ')
        .split('\n')
        .filter((l) => /^(?:[A-Z_]+=\$\()?curl /.test(l));
      expect(commands.length).toBeGreaterThanOrEqual(12);
      for (const command of commands) {
        const expected = Number(/# → (\d{3})\s*$/.exec(command)?.[1]);
        const capture = /^([A-Z_]+)=\$\((.*)\)\s*(?:#.*)?$/.exec(command);
        const curl = capture ? (capture[2] as string) : command.replace(/\s*# →.*$/, '');
        const { words, rest } = shellWords(curl, vars);
        const headers: Record<string, string> = {};
        let method: string | undefined;
        let body: string | undefined;
        let url = '';
        for (let i = 1; i < words.length; i++) {
          const w = words[i] as string;
          if (w === '-s') continue;
          if (w === '-X') method = words[++i];
          else if (w === '-H') {
            const [k, ...v] = (words[++i] as string).split(':');
            headers[(k as string).toLowerCase()] = v.join(':').trim();
          } else if (w === '-d') body = words[++i];
          else url = w;
        }
        const res = await app.inject({
          method: (method ?? (body === undefined ? 'GET' : 'POST')) as 'GET' | 'POST',
          url: url.replace(/^http:\/\/127\.0\.0\.1:3000/, ''),
          headers,
          ...(body !== undefined && { payload: body }),
        });
        expect(res.statusCode, `${command}\n${res.body}`).toBe(expected);
        if (capture) {
          const filter = /jq -r '?([^' )]+)'?/.exec(rest)?.[1] as string;
          let value: unknown = res.json();
          for (const part of filter.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== ''))
            value = (value as Record<string, unknown>)[part];
          expect(typeof value, filter).toBe('string');
          vars[capture[1] as string] = value as string;
        }
      }
      // The refusal of scenario 1 names its rule, scenario and remedies.
      const refused = await app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: { authorization: `Bearer ${vars.RESELLER_KEY}` },
        payload: {
          sellerTenantId: vars.R,
          customerTenantId: vars.C,
          lines: [
            { catalogItemId: 'CFQ7TTC0LH18:0001', quantity: 1, termDuration: 'P1Y', billingCycle: 'monthly' },
          ],
        },
      });
      const problem = refused.json() as {
        violations: { code: string; scenario?: string; remedies: string[] }[];
      };
      expect(problem.violations[0]).toMatchObject({ code: 'UNSUPPORTED_CHAIN', scenario: '1' });
      expect(problem.violations[0]?.remedies.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await csp.close();
    }
  });
});
