import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { readLedger } from '../src/ledger/service.ts';
import { getStanding } from '../src/standing/service.ts';
import { addCustomer, addPartner, bootstrap, must } from '../src/world/builder.ts';
import { describeEachDatabase } from './support/databases.ts';

describeEachDatabase('partner onboarding end to end', (db) => {
  let csp: OpenCsp;
  beforeEach(async () => {
    csp = await db.fresh();
  });

  it('takes a reseller from sign-up to may-transact, with ledger events for every step', async () => {
    const operator = await bootstrap(csp);
    const reseller = await addPartner(csp, operator, {
      legalName: 'Fabrikam Reseller',
      country: 'FR',
      role: 'indirect-reseller',
    });
    const standing = must(
      await csp.query(getStanding, { principal: reseller.globalAdmin }, { tenantId: reseller.tenantId }),
    );
    expect(standing).toMatchObject({
      mayTransact: true,
      region: 'europe',
      role: 'indirect-reseller',
      enrollmentStatus: 'active',
    });
    expect(standing.violations).toEqual([]);
    const ledger = must(
      await csp.query(
        readLedger,
        { principal: operator.principal },
        { entityType: 'enrollment', entityId: reseller.enrollmentId },
      ),
    );
    expect(ledger.events.map((e) => e.type)).toEqual([
      'enrollment.submitted',
      'enrollment.qualified',
      'enrollment.activated',
    ]);
    await addCustomer(csp, { legalName: 'Contoso Retail', country: 'DE' });
  });
});
