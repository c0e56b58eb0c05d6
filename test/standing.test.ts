import { beforeEach, describe, expect, it } from 'vitest';
import { signPartnerAgreement } from '../src/agreements/service.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { enroll, rejectEnrollment, verifyEnrollment } from '../src/enrollments/service.ts';
import { ANONYMOUS, type Principal } from '../src/kernel/principal.ts';
import { addLocation, addUser, createPartnerTenant } from '../src/parties/service.ts';
import type { Standing } from '../src/rules/standing.ts';
import { getStanding } from '../src/standing/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase } from './support/databases.ts';
import { refusal } from './support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

const violationCodes = (s: Standing) => s.violations.map((v) => v.code);
const stepDone = (s: Standing, step: string) => s.steps.find((x) => x.step === step)?.done;

describeEachDatabase('standing', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
  });

  async function standing(principal: Principal, input: Record<string, unknown>) {
    return must(await csp.query(getStanding, { principal }, input));
  }

  describe('lookup', () => {
    let reseller: Partner;
    beforeEach(async () => {
      reseller = await addPartner(csp, operator, {
        legalName: 'Res',
        country: 'FR',
        role: 'indirect-reseller',
      });
    });

    it('answers the same by tenant id and by location Partner ID', async () => {
      const byTenant = await standing(reseller.globalAdmin, { tenantId: reseller.tenantId });
      expect(byTenant).toEqual({
        tenantId: reseller.tenantId,
        region: 'europe',
        role: 'indirect-reseller',
        partnerId: reseller.partnerId,
        enrollmentStatus: 'active',
        mayTransact: true,
        steps: [
          'onboarded',
          'partner-id',
          'enrolled',
          'verified',
          'active',
          'partner-agreement',
          'region',
        ].map((step) => ({ step, done: true })),
        violations: [],
      });
      expect(await standing(reseller.globalAdmin, { partnerId: reseller.partnerId })).toEqual(byTenant);
      expect(await standing(operator.principal, { partnerId: reseller.partnerId })).toEqual(byTenant);
    });

    it('refuses a Partner ID tied to no tenant (unknown, unassociated, or a global account) with PARTNER_ID_NOT_FOUND', async () => {
      const loc = must(
        await csp.execute(
          addLocation,
          { principal: reseller.globalAdmin },
          { organizationId: reseller.organizationId, country: 'DE' },
        ),
      );
      for (const partnerId of [999_999_999, loc.partnerId, reseller.partnerId - 1]) {
        expect(
          refusal(await csp.query(getStanding, { principal: operator.principal }, { partnerId })),
        ).toEqual([{ code: 'PARTNER_ID_NOT_FOUND', field: 'partnerId' }]);
      }
    });

    it('needs exactly one of tenantId and partnerId, a known region and a known role', async () => {
      const q = (input: unknown) => csp.query(getStanding, { principal: operator.principal }, input);
      expect(refusal(await q({}))).toEqual([{ code: 'REQUIRED_FIELD', field: 'tenantId' }]);
      expect(refusal(await q({ tenantId: reseller.tenantId, partnerId: reseller.partnerId }))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'tenantId' },
      ]);
      expect(refusal(await q({ tenantId: reseller.tenantId, region: 'atlantis' }))).toEqual([
        { code: 'UNKNOWN_REGION', field: 'region' },
      ]);
      expect(refusal(await q({ tenantId: reseller.tenantId, role: 'wizard' }))).toEqual([
        { code: 'INVALID_FIELD', field: 'role' },
      ]);
      expect(refusal(await q({ tenantId: UNKNOWN_ID }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
    });

    it('checks another region on request: REGION_MISMATCH (and that region’s MPA)', async () => {
      const us = await standing(reseller.globalAdmin, {
        tenantId: reseller.tenantId,
        region: 'united-states',
      });
      expect([us.region, us.mayTransact, violationCodes(us)]).toEqual([
        'united-states',
        false,
        ['MPA_NOT_SIGNED', 'REGION_MISMATCH'],
      ]);
      expect(stepDone(us, 'region')).toBe(false);
      expect(us.violations.find((v) => v.code === 'REGION_MISMATCH')?.scenario).toBe('7');
      const europe = await standing(reseller.globalAdmin, { tenantId: reseller.tenantId, region: 'europe' });
      expect([europe.mayTransact, violationCodes(europe)]).toEqual([true, []]);
    });

    it('filters by role: the enrollment in that role, or none', async () => {
      // One open role per tenant: a rejected provider enrollment, then an active reseller one.
      const multi = await addPartner(csp, operator, {
        legalName: 'Multi',
        country: 'FR',
        role: 'indirect-provider',
        until: 'enrolled',
      });
      must(
        await csp.execute(
          rejectEnrollment,
          { principal: operator.principal },
          { enrollmentId: multi.enrollmentId, reason: 'No distribution capability' },
        ),
      );
      const enrolled = must(
        await csp.execute(
          enroll,
          { principal: multi.globalAdmin },
          { tenantId: multi.tenantId, role: 'indirect-reseller' },
        ),
      );
      must(
        await csp.execute(verifyEnrollment, { principal: operator.principal }, { enrollmentId: enrolled.id }),
      );
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: multi.globalAdmin },
          { tenantId: multi.tenantId },
        ),
      );
      const any = await standing(multi.globalAdmin, { tenantId: multi.tenantId });
      expect([any.role, any.enrollmentStatus, any.mayTransact]).toEqual([
        'indirect-reseller',
        'active',
        true,
      ]);
      const provider = await standing(multi.globalAdmin, {
        tenantId: multi.tenantId,
        role: 'indirect-provider',
      });
      expect([provider.role, provider.enrollmentStatus, violationCodes(provider)]).toEqual([
        'indirect-provider',
        'rejected',
        ['PARTNER_NOT_ENROLLED'],
      ]);
      expect(provider.violations[0]?.message).toBe(
        `The indirect-provider enrollment of tenant ${multi.tenantId} was rejected.`,
      );
      const direct = await standing(reseller.globalAdmin, {
        tenantId: reseller.tenantId,
        role: 'direct-bill',
      });
      expect([direct.role, direct.enrollmentStatus, violationCodes(direct)]).toEqual([
        'direct-bill',
        null,
        ['PARTNER_NOT_ENROLLED'],
      ]);
      expect(direct.violations[0]?.message).toContain('direct-bill');
      const reseller2 = await standing(reseller.globalAdmin, {
        tenantId: reseller.tenantId,
        role: 'indirect-reseller',
      });
      expect([reseller2.enrollmentStatus, reseller2.mayTransact]).toEqual(['active', true]);
    });
  });

  describe('a reseller at each stage', () => {
    const expected = {
      onboarded: { status: null, codes: ['PARTNER_NOT_ENROLLED', 'MPA_NOT_SIGNED'], role: null },
      enrolled: {
        status: 'pending',
        codes: ['ENROLLMENT_NOT_VERIFIED', 'MPA_NOT_SIGNED'],
        role: 'indirect-reseller',
      },
      qualified: {
        status: 'qualified',
        codes: ['ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED'],
        role: 'indirect-reseller',
      },
      active: { status: 'active', codes: [], role: 'indirect-reseller' },
    } as const;

    for (const until of ['onboarded', 'enrolled', 'qualified', 'active'] as const) {
      it(`${until}: ${expected[until].codes.join(', ') || 'may transact'}`, async () => {
        const p = await addPartner(csp, operator, {
          legalName: `Reseller ${until}`,
          country: 'FR',
          role: 'indirect-reseller',
          until,
        });
        const s = await standing(p.globalAdmin, { tenantId: p.tenantId });
        expect([s.enrollmentStatus, s.role, violationCodes(s), s.mayTransact]).toEqual([
          expected[until].status,
          expected[until].role,
          expected[until].codes,
          until === 'active',
        ]);
        expect([stepDone(s, 'onboarded'), stepDone(s, 'partner-id'), stepDone(s, 'region')]).toEqual([
          true,
          true,
          true,
        ]);
        expect(stepDone(s, 'enrolled')).toBe(until !== 'onboarded');
        expect(stepDone(s, 'partner-agreement')).toBe(until === 'active');
        for (const v of s.violations) expect(v.remedies.length).toBeGreaterThan(0);
      });
    }

    it('rejected: not enrolled; a new application counts again', async () => {
      const p = await addPartner(csp, operator, {
        legalName: 'Rejected',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'enrolled',
      });
      must(
        await csp.execute(
          rejectEnrollment,
          { principal: operator.principal },
          { enrollmentId: p.enrollmentId, reason: 'Verification failed' },
        ),
      );
      const rejected = await standing(p.globalAdmin, { tenantId: p.tenantId });
      expect([rejected.enrollmentStatus, violationCodes(rejected)]).toEqual([
        'rejected',
        ['PARTNER_NOT_ENROLLED', 'MPA_NOT_SIGNED'],
      ]);
      must(
        await csp.execute(
          enroll,
          { principal: p.globalAdmin },
          { tenantId: p.tenantId, role: 'indirect-reseller' },
        ),
      );
      const again = await standing(p.globalAdmin, { tenantId: p.tenantId });
      expect([again.enrollmentStatus, violationCodes(again)]).toEqual([
        'pending',
        ['ENROLLMENT_NOT_VERIFIED', 'MPA_NOT_SIGNED'],
      ]);
    });

    it('a CSP tenant without a Partner ID, and a customer tenant', async () => {
      const p = await addPartner(csp, operator, { legalName: 'Two', country: 'FR' });
      const domain = 'two-de.onmicrosoft.example';
      const t = must(
        await csp.execute(
          createPartnerTenant,
          { principal: p.globalAdmin },
          {
            organizationId: p.organizationId,
            country: 'DE',
            tenant: { domain },
            globalAdmin: { email: `admin@${domain}`, displayName: 'DE' },
          },
        ),
      );
      const de = await standing(p.globalAdmin, { tenantId: t.tenantId });
      expect([de.partnerId, violationCodes(de)]).toEqual([
        null,
        ['PARTNER_ID_NOT_ASSOCIATED', 'PARTNER_NOT_ENROLLED', 'MPA_NOT_SIGNED'],
      ]);
      const customer = await addCustomer(csp, { legalName: 'Cust', country: 'FR' });
      const c = await standing(customer.globalAdmin, { tenantId: customer.tenantId });
      expect([c.mayTransact, violationCodes(c)]).toEqual([false, ['PARTNER_NOT_ONBOARDED']]);
    });
  });

  describe('visibility', () => {
    let alpha: Partner;
    let beta: Partner;
    beforeEach(async () => {
      alpha = await addPartner(csp, operator, {
        legalName: 'Alpha',
        country: 'FR',
        role: 'indirect-reseller',
      });
      beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR', role: 'indirect-reseller' });
    });

    it("hides another organization's tenant as TENANT_NOT_FOUND (or PARTNER_ID_NOT_FOUND)", async () => {
      for (const principal of [beta.globalAdmin, ANONYMOUS]) {
        expect(refusal(await csp.query(getStanding, { principal }, { tenantId: alpha.tenantId }))).toEqual([
          { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
        ]);
        expect(refusal(await csp.query(getStanding, { principal }, { partnerId: alpha.partnerId }))).toEqual([
          { code: 'PARTNER_ID_NOT_FOUND', field: 'partnerId' },
        ]);
      }
      const hidden = await csp.query(
        getStanding,
        { principal: beta.globalAdmin },
        { tenantId: alpha.tenantId },
      );
      const missing = await csp.query(getStanding, { principal: beta.globalAdmin }, { tenantId: UNKNOWN_ID });
      expect(refusal(hidden)).toEqual(refusal(missing));
    });

    it('shows a tenant to every user of its organization and to the operator', async () => {
      const agent = must(
        await csp.execute(
          addUser,
          { principal: alpha.globalAdmin },
          {
            tenantId: alpha.tenantId,
            email: 'sales@alpha.example',
            displayName: 'S',
            roles: ['sales-agent'],
          },
        ),
      );
      const domain = 'alpha-de.onmicrosoft.example';
      const de = must(
        await csp.execute(
          createPartnerTenant,
          { principal: alpha.globalAdmin },
          {
            organizationId: alpha.organizationId,
            country: 'DE',
            tenant: { domain },
            globalAdmin: { email: `admin@${domain}`, displayName: 'DE' },
          },
        ),
      );
      for (const principal of [
        userPrincipal(agent.id, alpha.tenantId, ['sales-agent']),
        userPrincipal(de.globalAdminUserId, de.tenantId, ['global-admin']),
        operator.principal,
      ]) {
        const s = await standing(principal, { tenantId: alpha.tenantId });
        expect([s.tenantId, s.mayTransact]).toEqual([alpha.tenantId, true]);
      }
    });
  });
});
