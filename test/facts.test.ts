import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { loadPartnerFacts } from '../src/decisions/facts.ts';
import { declineEnrollment, enroll } from '../src/enrollments/service.ts';
import { addPartner, bootstrap, must, type Operator } from '../src/world/builder.ts';
import { describeEachDatabase } from './support/databases.ts';

describeEachDatabase('fact snapshots', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
  });

  it('a role is judged by its open enrollment, even when a closed one carries the same timestamp', async () => {
    // Re-enrolling in the same instant as a decline: the ids, not the clock, would decide "latest".
    for (let i = 0; i < 6; i++) {
      const p = await addPartner(csp, operator, {
        legalName: `Applicant ${i}`,
        country: 'FR',
        until: 'onboarded',
      });
      const first = must(
        await csp.execute(
          enroll,
          { principal: p.globalAdmin },
          { tenantId: p.tenantId, role: 'indirect-reseller' },
        ),
      );
      must(
        await csp.execute(
          declineEnrollment,
          { principal: operator.principal },
          { enrollmentId: first.id, reason: 'Incomplete.' },
        ),
      );
      const again = must(
        await csp.execute(
          enroll,
          { principal: p.globalAdmin },
          { tenantId: p.tenantId, role: 'indirect-reseller' },
        ),
      );
      const facts = await csp.store.read((tx) =>
        loadPartnerFacts(
          { principal: operator.principal, requestId: 't', now: new Date(), program: csp.program, tx },
          p.tenantId,
        ),
      );
      expect(facts?.enrollments['indirect-reseller']).toEqual({ id: again.id, status: 'pending' });
    }
  });
});
