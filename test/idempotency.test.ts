import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { ANONYMOUS } from '../src/kernel/principal.ts';
import { onboardPartner } from '../src/parties/service.ts';
import { describeEachDatabase } from './support/databases.ts';
import { testApp } from './support/http.ts';
import { rowCounts } from './support/snapshot.ts';

const signUp = (name: string) => ({
  legalName: name,
  country: 'FR',
  address: { line1: '1 rue', city: 'Paris', country: 'FR' },
  tenant: { domain: `${name.toLowerCase()}.onmicrosoft.example` },
  globalAdmin: { email: `admin@${name.toLowerCase()}.example`, displayName: 'Admin' },
});

describeEachDatabase('Idempotency-Key', (db) => {
  let csp: OpenCsp;
  beforeEach(async () => {
    csp = await db.fresh();
  });
  const run = (input: unknown, key = 'k-1') =>
    csp.execute(onboardPartner, { principal: ANONYMOUS }, input, {
      idempotencyKey: { scope: 'anonymous', key },
    });

  it('the same key and input return the original result without running the command again', async () => {
    const first = await run(signUp('Alpha'));
    const before = await rowCounts(db.store());
    const again = await run(signUp('Alpha'));
    expect(again).toEqual(first);
    expect(await rowCounts(db.store())).toEqual(before);
  });

  it('the same key with another input is refused, writing nothing', async () => {
    await run(signUp('Alpha'));
    const before = await rowCounts(db.store());
    const other = await run(signUp('Beta'));
    expect(other.ok ? [] : other.violations.map((v) => v.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await rowCounts(db.store())).toEqual(before);
  });

  it('a refusal is not remembered: the retry after fixing the input runs', async () => {
    const refused = await run({ ...signUp('Alpha'), country: 'XX' });
    expect(refused.ok).toBe(false);
    expect((await run({ ...signUp('Alpha'), country: 'XX' })).ok).toBe(false);
    // Same key, corrected body: a different request, but nothing was stored under the key.
    expect((await run(signUp('Alpha'))).ok).toBe(true);
  });

  it('concurrent retries with one key create one partner', async () => {
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => run(signUp('Gamma'), 'k-concurrent')));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(outcomes.map((o) => (o.ok ? o.value.tenantId : '')))).toHaveProperty('size', 1);
    expect((await rowCounts(db.store())).organizations).toBe(1);
  });

  it('over HTTP: a replay answers the same body; a bad key is a 400 naming the header', async () => {
    const app = await testApp({ csp, logger: false });
    try {
      const send = (key: string, name: string) =>
        app.inject({
          method: 'POST',
          url: '/v1/partners',
          headers: { 'idempotency-key': key },
          payload: signUp(name),
        });
      const a = await send('abc', 'Delta');
      const b = await send('abc', 'Delta');
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(b.json()).toEqual(a.json());
      const c = await send('abc', 'Epsilon');
      expect(c.statusCode).toBe(409);
      expect(c.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
      const bad = await send('no spaces allowed', 'Zeta');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().violations[0].field).toBe('Idempotency-Key');
    } finally {
      await app.close();
    }
  });
});
