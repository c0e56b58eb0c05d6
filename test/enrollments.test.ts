import { beforeEach, describe, expect, it } from 'vitest';
import { signPartnerAgreement } from '../src/agreements/service.ts';
import type { Command } from '../src/app/command.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import {
  declineEnrollment,
  enroll,
  getEnrollmentView,
  recordDirectBillRequirement,
  reinstateEnrollment,
  rejectEnrollment,
  restrictEnrollment,
  verifyDirectBillRequirement,
  verifyEnrollment,
} from '../src/enrollments/service.ts';
import type { Principal } from '../src/kernel/principal.ts';
import {
  addLocation,
  addUser,
  associatePartnerId,
  createCustomerTenant,
  createPartnerTenant,
} from '../src/parties/service.ts';
import { getStanding } from '../src/standing/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  must,
  type Operator,
  type Partner,
  satisfyDirectBill,
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, ledgerOf, refusal, tableRows } from './support/snapshot.ts';

const NOW = T0.toISOString();
const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const REQUIRED_ITEMS = [
  'authority-to-sign',
  'credit-check',
  'support-plan',
  'trailing-revenue',
  'accounts-receivable',
];

describeEachDatabase('enrollments', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let alpha: Partner;
  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR' });
  });

  const userId = (p: Principal) => (p.kind === 'user' ? p.userId : '');

  async function enrollAs(principal: Principal, tenantId: string, role: string) {
    return csp.execute(enroll, { principal }, { tenantId, role });
  }

  /** Runs a command as the program operator. */
  function op<I, O>(command: Command<I, O>, input: unknown) {
    return csp.execute(command, { principal: operator.principal }, input);
  }

  /** Another CSP tenant of the partner's organization in `country`, tied to its new location. */
  async function tenantIn(p: Partner, country: string) {
    const loc = must(
      await csp.execute(
        addLocation,
        { principal: p.globalAdmin },
        { organizationId: p.organizationId, country },
      ),
    );
    const domain = `${country.toLowerCase()}-${p.organizationId.slice(0, 8)}.onmicrosoft.example`;
    const t = must(
      await csp.execute(
        createPartnerTenant,
        { principal: p.globalAdmin },
        {
          organizationId: p.organizationId,
          country,
          tenant: { domain },
          globalAdmin: { email: `admin@${domain}`, displayName: `Admin ${country}` },
        },
      ),
    );
    const admin = userPrincipal(t.globalAdminUserId, t.tenantId, ['global-admin']);
    must(
      await csp.execute(
        associatePartnerId,
        { principal: admin },
        { tenantId: t.tenantId, partnerId: loc.partnerId },
      ),
    );
    return { tenantId: t.tenantId, admin, partnerId: loc.partnerId };
  }

  async function status(enrollmentId: string) {
    return must(await csp.query(getEnrollmentView, { principal: operator.principal }, { enrollmentId }))
      .status;
  }

  describe('enroll', () => {
    it('submits a pending enrollment for the CSP tenant, with its ledger event', async () => {
      const e = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      expect(e).toEqual({
        id: expect.any(String),
        tenantId: alpha.tenantId,
        role: 'indirect-reseller',
        status: 'pending',
        submittedAt: NOW,
        updatedAt: NOW,
        reason: null,
      });
      const events = await ledgerOf(csp, alpha.globalAdmin, 'enrollment', e.id);
      expect(events.map((x) => [x.type, x.command])).toEqual([
        ['enrollment.submitted', 'enrollments.enroll'],
      ]);
      expect(events[0]?.payload).toEqual({ ...e });
      expect(
        (await tableRows(db.store(), 'enrollments')).map((r) => [r.id, r.status, r.submitted_by]),
      ).toEqual([[e.id, 'pending', userId(alpha.globalAdmin)]]);
    });

    it('refuses a customer-type tenant with NOT_A_PARTNER_TENANT', async () => {
      const customer = await addCustomer(csp, { legalName: 'Cust', country: 'FR', acceptAgreement: false });
      expect(refusal(await enrollAs(customer.globalAdmin, customer.tenantId, 'indirect-reseller'))).toEqual([
        { code: 'NOT_A_PARTNER_TENANT', field: 'tenantId' },
      ]);
      const own = must(
        await csp.execute(
          createCustomerTenant,
          { principal: alpha.globalAdmin },
          {
            organizationId: alpha.organizationId,
            country: 'FR',
            tenant: { domain: 'alpha-own.onmicrosoft.example' },
            globalAdmin: { email: 'admin@alpha-own.example', displayName: 'Own' },
          },
        ),
      );
      expect(refusal(await enrollAs(operator.principal, own.tenantId, 'direct-bill'))).toEqual([
        { code: 'NOT_A_PARTNER_TENANT', field: 'tenantId' },
      ]);
    });

    it('refuses a second open enrollment in the same role with ENROLLMENT_ALREADY_EXISTS, at every open stage', async () => {
      const e = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      expect(refusal(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'))).toEqual([
        { code: 'ENROLLMENT_ALREADY_EXISTS', field: 'role' },
      ]);
      must(await op(verifyEnrollment, { enrollmentId: e.id }));
      expect(codes(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'))).toEqual([
        'ENROLLMENT_ALREADY_EXISTS',
      ]);
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId },
        ),
      );
      expect(await status(e.id)).toBe('active');
      expect(codes(await enrollAs(operator.principal, alpha.tenantId, 'indirect-reseller'))).toEqual([
        'ENROLLMENT_ALREADY_EXISTS',
      ]);
      expect(await tableRows(db.store(), 'enrollments')).toHaveLength(1);
    });

    it('allows a new enrollment after a rejection or a decline', async () => {
      const first = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      must(await op(rejectEnrollment, { enrollmentId: first.id, reason: 'Verification failed' }));
      const second = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      expect(second.id).not.toBe(first.id);
      must(await op(declineEnrollment, { enrollmentId: second.id, reason: 'Requirements not met' }));
      const third = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      expect((await tableRows(db.store(), 'enrollments')).map((r) => [r.id, r.status]).sort()).toEqual(
        [
          [first.id, 'rejected'],
          [second.id, 'declined'],
          [third.id, 'pending'],
        ].sort(),
      );
    });

    it('refuses strangers, agents, an unknown tenant and an unknown role', async () => {
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      expect(refusal(await enrollAs(beta.globalAdmin, alpha.tenantId, 'indirect-reseller'))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
      const agent = must(
        await csp.execute(
          addUser,
          { principal: alpha.globalAdmin },
          {
            tenantId: alpha.tenantId,
            email: 'agent@alpha.example',
            displayName: 'A',
            roles: ['admin-agent'],
          },
        ),
      );
      expect(
        refusal(
          await enrollAs(
            userPrincipal(agent.id, alpha.tenantId, ['admin-agent']),
            alpha.tenantId,
            'indirect-reseller',
          ),
        ),
      ).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      expect(refusal(await enrollAs(operator.principal, UNKNOWN_ID, 'indirect-reseller'))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
      expect(refusal(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'wizard'))).toEqual([
        { code: 'INVALID_FIELD', field: 'role' },
      ]);
    });
  });

  describe('one program role per CSP tenant', () => {
    /** Every row of the enrollments table, and the number of ledger events. */
    async function written() {
      return [
        (await tableRows(db.store(), 'enrollments')).map((r) => [r.id, r.role, r.status]),
        (await tableRows(db.store(), 'ledger_events')).length,
      ];
    }

    it('refuses another role with ENROLLMENT_ROLE_CONFLICT (field role) while the first is pending, qualified or active, writing nothing', async () => {
      const e = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      const expectConflict = async (status: string) => {
        const before = await written();
        for (const role of ['indirect-provider', 'direct-bill']) {
          const out = await enrollAs(alpha.globalAdmin, alpha.tenantId, role);
          expect(refusal(out)).toEqual([{ code: 'ENROLLMENT_ROLE_CONFLICT', field: 'role' }]);
          expect(out.ok ? undefined : out.violations[0]).toMatchObject({
            message: `Tenant ${alpha.tenantId} already holds the indirect-reseller role (${status}); it cannot also enroll as ${role}.`,
            remedies: [
              `Enroll another CSP tenant of the organization (for another location) as ${role}.`,
              'Or keep this tenant in its current role.',
            ],
          });
        }
        // The operator is refused the same way.
        expect(codes(await enrollAs(operator.principal, alpha.tenantId, 'indirect-provider'))).toEqual([
          'ENROLLMENT_ROLE_CONFLICT',
        ]);
        expect(await written()).toEqual(before);
      };
      await expectConflict('pending');
      must(await op(verifyEnrollment, { enrollmentId: e.id }));
      await expectConflict('qualified');
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId },
        ),
      );
      expect(await status(e.id)).toBe('active');
      await expectConflict('active');
      // The same role again is still ENROLLMENT_ALREADY_EXISTS, not a conflict.
      expect(codes(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'))).toEqual([
        'ENROLLMENT_ALREADY_EXISTS',
      ]);
    });

    it('counts a restricted direct-bill enrollment as holding the role', async () => {
      const direct = await addPartner(csp, operator, {
        legalName: 'Direct',
        country: 'DE',
        role: 'direct-bill',
      });
      must(
        await op(restrictEnrollment, { enrollmentId: direct.enrollmentId, reason: 'Support plan lapsed' }),
      );
      const out = await enrollAs(direct.globalAdmin, direct.tenantId, 'indirect-reseller');
      expect(refusal(out)).toEqual([{ code: 'ENROLLMENT_ROLE_CONFLICT', field: 'role' }]);
      expect(out.ok || out.violations[0]?.message).toContain('direct-bill role (restricted)');
    });

    it('allows another role once the other enrollment was rejected or declined', async () => {
      const first = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      must(await op(rejectEnrollment, { enrollmentId: first.id, reason: 'Verification failed' }));
      const second = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-provider'));
      expect([second.role, second.status]).toEqual(['indirect-provider', 'pending']);
      must(await op(declineEnrollment, { enrollmentId: second.id, reason: 'No distribution' }));
      const third = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'direct-bill'));
      expect([third.role, third.status]).toEqual(['direct-bill', 'pending']);
      // The open direct-bill enrollment now holds the tenant: the earlier roles are refused again.
      for (const role of ['indirect-reseller', 'indirect-provider']) {
        expect(codes(await enrollAs(alpha.globalAdmin, alpha.tenantId, role))).toEqual([
          'ENROLLMENT_ROLE_CONFLICT',
        ]);
      }
      expect(
        (await tableRows(db.store(), 'enrollments')).map((r) => [r.id, r.role, r.status]).sort(),
      ).toEqual(
        [
          [first.id, 'indirect-reseller', 'rejected'],
          [second.id, 'indirect-provider', 'declined'],
          [third.id, 'direct-bill', 'pending'],
        ].sort(),
      );
    });

    it('a partner in two roles uses two CSP tenants: another tenant of the organization enrolls in the other role', async () => {
      must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      const de = await tenantIn(alpha, 'DE');
      const provider = must(await enrollAs(de.admin, de.tenantId, 'indirect-provider'));
      expect([provider.tenantId, provider.role, provider.status]).toEqual([
        de.tenantId,
        'indirect-provider',
        'pending',
      ]);
      // And another partner holds its own role independently.
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      expect(must(await enrollAs(beta.globalAdmin, beta.tenantId, 'indirect-provider')).status).toBe(
        'pending',
      );
    });
  });

  describe('verify, reject, decline', () => {
    let enrollmentId: string;
    beforeEach(async () => {
      enrollmentId = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller')).id;
    });

    it('are for the program operator only (NOT_AUTHORIZED otherwise)', async () => {
      for (const [command, input] of [
        [verifyEnrollment, { enrollmentId }],
        [rejectEnrollment, { enrollmentId, reason: 'r' }],
        [declineEnrollment, { enrollmentId, reason: 'r' }],
      ] as const) {
        const out = await csp.execute(command, { principal: alpha.globalAdmin }, input);
        expect(refusal(out)).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      }
      expect(await status(enrollmentId)).toBe('pending');
    });

    it('refuse an unknown enrollment and a missing reason', async () => {
      expect(refusal(await op(verifyEnrollment, { enrollmentId: UNKNOWN_ID }))).toEqual([
        { code: 'ENROLLMENT_NOT_FOUND', field: 'enrollmentId' },
      ]);
      expect(refusal(await op(rejectEnrollment, { enrollmentId }))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'reason' },
      ]);
    });

    it('verify makes it qualified while the MPA is not signed', async () => {
      const e = must(await op(verifyEnrollment, { enrollmentId }));
      expect([e.status, e.updatedAt, e.reason]).toEqual(['qualified', NOW, null]);
      const events = await ledgerOf(csp, alpha.globalAdmin, 'enrollment', enrollmentId);
      expect(events.map((x) => [x.type, x.command])).toEqual([
        ['enrollment.submitted', 'enrollments.enroll'],
        ['enrollment.qualified', 'enrollments.verify'],
      ]);
      expect(events[1]?.payload).toEqual({ from: 'pending', to: 'qualified', reason: null });
    });

    it('verify makes it active at once when the MPA is already signed for the region', async () => {
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId },
        ),
      );
      expect(await status(enrollmentId)).toBe('pending');
      const e = must(await op(verifyEnrollment, { enrollmentId }));
      expect(e.status).toBe('active');
      const events = await ledgerOf(csp, alpha.globalAdmin, 'enrollment', enrollmentId);
      expect(events.map((x) => [x.type, x.command])).toEqual([
        ['enrollment.submitted', 'enrollments.enroll'],
        ['enrollment.qualified', 'enrollments.verify'],
        ['enrollment.activated', 'enrollments.verify'],
      ]);
    });

    it('reject and decline record the reason', async () => {
      const rejected = must(await op(rejectEnrollment, { enrollmentId, reason: 'Documents forged' }));
      expect([rejected.status, rejected.reason]).toEqual(['rejected', 'Documents forged']);
      const events = await ledgerOf(csp, alpha.globalAdmin, 'enrollment', enrollmentId);
      expect(events.at(-1)).toMatchObject({
        type: 'enrollment.rejected',
        command: 'enrollments.reject',
        payload: { from: 'pending', to: 'rejected', reason: 'Documents forged' },
      });
      const other = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-provider'));
      const declined = must(
        await op(declineEnrollment, { enrollmentId: other.id, reason: 'No distribution' }),
      );
      expect([declined.status, declined.reason]).toEqual(['declined', 'No distribution']);
      // A qualified enrollment may still be rejected.
      const third = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller'));
      must(await op(verifyEnrollment, { enrollmentId: third.id }));
      expect(must(await op(rejectEnrollment, { enrollmentId: third.id, reason: 'late' })).status).toBe(
        'rejected',
      );
    });

    it('refuse moves the transition table does not allow with INVALID_TRANSITION', async () => {
      must(await op(verifyEnrollment, { enrollmentId }));
      // qualified → qualified, qualified → declined
      expect(refusal(await op(verifyEnrollment, { enrollmentId }))).toEqual([{ code: 'INVALID_TRANSITION' }]);
      expect(refusal(await op(declineEnrollment, { enrollmentId, reason: 'r' }))).toEqual([
        { code: 'INVALID_TRANSITION' },
      ]);
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId },
        ),
      );
      // active → qualified / rejected / declined
      for (const [command, input] of [
        [verifyEnrollment, { enrollmentId }],
        [rejectEnrollment, { enrollmentId, reason: 'r' }],
        [declineEnrollment, { enrollmentId, reason: 'r' }],
      ] as const) {
        expect(refusal(await op(command, input))).toEqual([{ code: 'INVALID_TRANSITION' }]);
      }
      expect(await status(enrollmentId)).toBe('active');
      // A rejected enrollment is final; the remedy is a new enrollment (of another partner here:
      // alpha's tenant holds the reseller role).
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      const other = must(await enrollAs(beta.globalAdmin, beta.tenantId, 'indirect-provider'));
      must(await op(rejectEnrollment, { enrollmentId: other.id, reason: 'r' }));
      const out = await op(verifyEnrollment, { enrollmentId: other.id });
      expect(refusal(out)).toEqual([{ code: 'INVALID_TRANSITION' }]);
      expect(out.ok || out.violations[0]?.remedies).toEqual(['Submit a new enrollment.']);
    });
  });

  describe('activation by the partner agreement', () => {
    it('one signature activates the qualified enrollments of every tenant of the organization in that region only', async () => {
      const de = await tenantIn(alpha, 'DE');
      const us = await tenantIn(alpha, 'US');
      const fr = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller')).id;
      const deE = must(await enrollAs(de.admin, de.tenantId, 'indirect-reseller')).id;
      const usE = must(await enrollAs(us.admin, us.tenantId, 'indirect-reseller')).id;
      // One role per tenant: a pending provider enrollment of the organization's Italian tenant.
      const italy = await tenantIn(alpha, 'IT');
      const pendingIt = must(await enrollAs(italy.admin, italy.tenantId, 'indirect-provider')).id;
      for (const id of [fr, deE, usE])
        expect(must(await op(verifyEnrollment, { enrollmentId: id })).status).toBe('qualified');

      const signed = must(
        await csp.execute(
          signPartnerAgreement,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId },
        ),
      );
      expect([...signed.activatedEnrollmentIds].sort()).toEqual([fr, deE].sort());
      expect(await status(fr)).toBe('active');
      expect(await status(deE)).toBe('active');
      expect(await status(usE)).toBe('qualified');
      expect(await status(pendingIt)).toBe('pending');
      const events = await ledgerOf(csp, de.admin, 'enrollment', deE);
      expect(events.at(-1)).toMatchObject({
        type: 'enrollment.activated',
        command: 'agreements.sign-partner-agreement',
        principal: { userId: userId(alpha.globalAdmin), tenantId: alpha.tenantId },
      });

      // The US tenant signs for its own region.
      const usSigned = must(
        await csp.execute(signPartnerAgreement, { principal: us.admin }, { tenantId: us.tenantId }),
      );
      expect(usSigned.activatedEnrollmentIds).toEqual([usE]);
    });
  });

  describe('direct-bill requirements', () => {
    let enrollmentId: string;
    beforeEach(async () => {
      enrollmentId = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'direct-bill')).id;
    });

    function record(item: string, extra: Record<string, unknown> = {}, principal = alpha.globalAdmin) {
      return csp.execute(
        recordDirectBillRequirement,
        { principal },
        { enrollmentId, item, evidence: `ev ${item}`, ...extra },
      );
    }
    function verifyItem(item: string, outcome: 'verified' | 'failed' = 'verified', id = enrollmentId) {
      return op(verifyDirectBillRequirement, { enrollmentId: id, item, outcome });
    }
    const revenue = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

    it('verifying with items missing is DIRECT_BILL_REQUIREMENTS_UNMET, listing them', async () => {
      const out = await op(verifyEnrollment, { enrollmentId });
      expect(refusal(out)).toEqual([{ code: 'DIRECT_BILL_REQUIREMENTS_UNMET' }]);
      if (out.ok) return;
      const v = out.violations[0];
      expect(v?.message).toBe(`Direct-bill requirements not verified: ${REQUIRED_ITEMS.join(', ')}.`);
      expect(v?.remedies).toHaveLength(REQUIRED_ITEMS.length);
      expect(v?.message).not.toContain('managed-service');

      // Items recorded but only claimed do not count; verified ones drop out of the list.
      must(await record('authority-to-sign'));
      must(await record('credit-check'));
      must(await verifyItem('credit-check'));
      const partial = await op(verifyEnrollment, { enrollmentId });
      expect(partial.ok || partial.violations[0]?.message).toBe(
        'Direct-bill requirements not verified: authority-to-sign, support-plan, trailing-revenue, accounts-receivable.',
      );
      expect(await status(enrollmentId)).toBe('pending');
    });

    it('lists the derived partner-id item for a tenant without an associated Partner ID', async () => {
      const domain = 'alpha-de.onmicrosoft.example';
      const t = must(
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
      const admin = userPrincipal(t.globalAdminUserId, t.tenantId, ['global-admin']);
      const id = must(await enrollAs(admin, t.tenantId, 'direct-bill')).id;
      await satisfyDirectBill(csp, operator, admin, id);
      const out = await op(verifyEnrollment, { enrollmentId: id });
      expect(refusal(out)).toEqual([{ code: 'DIRECT_BILL_REQUIREMENTS_UNMET' }]);
      expect(out.ok || out.violations[0]?.message).toBe('Direct-bill requirements not verified: partner-id.');
    });

    it('with every required item verified, verification qualifies it', async () => {
      await satisfyDirectBill(csp, operator, alpha.globalAdmin, enrollmentId);
      const view = must(
        await csp.query(getEnrollmentView, { principal: alpha.globalAdmin }, { enrollmentId }),
      );
      expect(view.requirements.map((r) => [r.item, r.status])).toEqual(
        [...REQUIRED_ITEMS, 'managed-service'].sort().map((item) => [item, 'verified']),
      );
      expect(must(await op(verifyEnrollment, { enrollmentId })).status).toBe('qualified');
    });

    it('refuses the support plan before the credit check is verified with REQUIREMENT_OUT_OF_ORDER', async () => {
      expect(refusal(await record('support-plan'))).toEqual([
        { code: 'REQUIREMENT_OUT_OF_ORDER', field: 'item' },
      ]);
      must(await record('credit-check'));
      // Claimed is not enough; failed neither.
      expect(codes(await record('support-plan'))).toEqual(['REQUIREMENT_OUT_OF_ORDER']);
      must(await verifyItem('credit-check', 'failed'));
      expect(codes(await record('support-plan'))).toEqual(['REQUIREMENT_OUT_OF_ORDER']);
      must(await record('credit-check'));
      must(await verifyItem('credit-check'));
      const plan = must(await record('support-plan'));
      expect([plan.item, plan.status, plan.evidence]).toEqual(['support-plan', 'claimed', 'ev support-plan']);
      const events = await ledgerOf(csp, alpha.globalAdmin, 'enrollment', enrollmentId);
      expect(events.map((e) => e.type)).toEqual([
        'enrollment.submitted',
        'enrollment.requirement-recorded',
        'enrollment.requirement-failed',
        'enrollment.requirement-recorded',
        'enrollment.requirement-verified',
        'enrollment.requirement-recorded',
      ]);
    });

    it('refuses to verify revenue below the threshold with REVENUE_BELOW_THRESHOLD', async () => {
      const min = csp.program.directBill.minimumTrailingRevenue.amountMinor;
      must(await record('trailing-revenue', revenue(min - 1)));
      expect(refusal(await verifyItem('trailing-revenue'))).toEqual([
        { code: 'REVENUE_BELOW_THRESHOLD', field: 'item' },
      ]);
      // The operator may record it as failed instead.
      expect(must(await verifyItem('trailing-revenue', 'failed')).status).toBe('failed');
      must(await record('trailing-revenue', revenue(min)));
      const ok = must(await verifyItem('trailing-revenue'));
      expect([ok.status, ok.amountMinor, ok.currency, ok.verifiedAt]).toEqual(['verified', min, 'USD', NOW]);
    });

    it('checks the recorded item, its amount and currency on input', async () => {
      expect(refusal(await record('trailing-revenue'))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'amountMinor' },
        { code: 'REQUIRED_FIELD', field: 'currency' },
      ]);
      expect(refusal(await record('trailing-revenue', { amountMinor: 1, currency: 'EUR' }))).toEqual([
        { code: 'INVALID_FIELD', field: 'currency' },
      ]);
      // The derived item cannot be recorded; an unknown item neither.
      expect(refusal(await record('partner-id'))).toEqual([{ code: 'INVALID_FIELD', field: 'item' }]);
      expect(refusal(await record('astrology'))).toEqual([{ code: 'INVALID_FIELD', field: 'item' }]);
      // Verifying an item that was never recorded.
      expect(refusal(await verifyItem('credit-check'))).toEqual([{ code: 'INVALID_FIELD', field: 'item' }]);
    });

    it('refuses recording on a reseller enrollment with NOT_DIRECT_BILL_ENROLLMENT', async () => {
      // alpha's tenant holds the direct-bill role: the reseller enrollment is another tenant's.
      const de = await tenantIn(alpha, 'DE');
      const reseller = must(await enrollAs(de.admin, de.tenantId, 'indirect-reseller')).id;
      const out = await csp.execute(
        recordDirectBillRequirement,
        { principal: de.admin },
        { enrollmentId: reseller, item: 'credit-check' },
      );
      expect(refusal(out)).toEqual([{ code: 'NOT_DIRECT_BILL_ENROLLMENT', field: 'enrollmentId' }]);
      expect(refusal(await verifyItem('credit-check', 'verified', reseller))).toEqual([
        { code: 'NOT_DIRECT_BILL_ENROLLMENT', field: 'enrollmentId' },
      ]);
    });

    it('records for the tenant admin (or operator) only; verifies for the operator only', async () => {
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      expect(refusal(await record('credit-check', {}, beta.globalAdmin))).toEqual([
        { code: 'ENROLLMENT_NOT_FOUND', field: 'enrollmentId' },
      ]);
      must(await record('credit-check', {}, operator.principal));
      const out = await csp.execute(
        verifyDirectBillRequirement,
        { principal: alpha.globalAdmin },
        { enrollmentId, item: 'credit-check', outcome: 'verified' },
      );
      expect(refusal(out)).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      expect(
        refusal(
          await csp.execute(
            recordDirectBillRequirement,
            { principal: alpha.globalAdmin },
            { enrollmentId: UNKNOWN_ID, item: 'credit-check' },
          ),
        ),
      ).toEqual([{ code: 'ENROLLMENT_NOT_FOUND', field: 'enrollmentId' }]);
    });
  });

  describe('restrict and reinstate', () => {
    let direct: Partner;
    beforeEach(async () => {
      direct = await addPartner(csp, operator, { legalName: 'Direct', country: 'DE', role: 'direct-bill' });
    });

    async function standing(p: Partner) {
      return must(await csp.query(getStanding, { principal: p.globalAdmin }, { tenantId: p.tenantId }));
    }

    it('restricts an active direct-bill partner (standing: DIRECT_BILL_RESTRICTED), then reinstates it', async () => {
      const id = direct.enrollmentId as string;
      expect((await standing(direct)).mayTransact).toBe(true);
      const restricted = must(
        await op(restrictEnrollment, { enrollmentId: id, reason: 'Support plan lapsed' }),
      );
      expect([restricted.status, restricted.reason]).toEqual(['restricted', 'Support plan lapsed']);
      const s = await standing(direct);
      expect([s.mayTransact, s.enrollmentStatus, s.violations.map((v) => v.code)]).toEqual([
        false,
        'restricted',
        ['DIRECT_BILL_RESTRICTED'],
      ]);
      expect(s.steps.find((x) => x.step === 'active')?.done).toBe(false);

      const reinstated = must(await op(reinstateEnrollment, { enrollmentId: id }));
      expect([reinstated.status, reinstated.reason]).toEqual(['active', null]);
      const after = await standing(direct);
      expect([after.mayTransact, after.enrollmentStatus, after.violations]).toEqual([true, 'active', []]);
      const events = await ledgerOf(csp, operator.principal, 'enrollment', id);
      expect(events.slice(-2).map((e) => [e.type, e.command, e.payload])).toEqual([
        [
          'enrollment.restricted',
          'enrollments.restrict',
          { from: 'active', to: 'restricted', reason: 'Support plan lapsed' },
        ],
        [
          'enrollment.reinstated',
          'enrollments.reinstate',
          { from: 'restricted', to: 'active', reason: null },
        ],
      ]);
    });

    it('refuses restricting a reseller with NOT_DIRECT_BILL_ENROLLMENT', async () => {
      const reseller = await addPartner(csp, operator, {
        legalName: 'Res',
        country: 'FR',
        role: 'indirect-reseller',
      });
      const out = await op(restrictEnrollment, { enrollmentId: reseller.enrollmentId, reason: 'r' });
      expect(refusal(out)).toEqual([{ code: 'NOT_DIRECT_BILL_ENROLLMENT' }]);
      expect(await status(reseller.enrollmentId as string)).toBe('active');
    });

    it('refuses a restriction that is not from active, a non-operator, and a missing reason', async () => {
      const pending = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'direct-bill')).id;
      expect(refusal(await op(restrictEnrollment, { enrollmentId: pending, reason: 'r' }))).toEqual([
        { code: 'INVALID_TRANSITION' },
      ]);
      const id = direct.enrollmentId as string;
      expect(
        refusal(
          await csp.execute(
            restrictEnrollment,
            { principal: direct.globalAdmin },
            { enrollmentId: id, reason: 'r' },
          ),
        ),
      ).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      expect(refusal(await op(restrictEnrollment, { enrollmentId: id }))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'reason' },
      ]);
      must(await op(restrictEnrollment, { enrollmentId: id, reason: 'r' }));
      expect(refusal(await op(restrictEnrollment, { enrollmentId: id, reason: 'again' }))).toEqual([
        { code: 'INVALID_TRANSITION' },
      ]);
    });

    it('refuses reinstating while a required item is no longer verified, and an active one', async () => {
      const id = direct.enrollmentId as string;
      expect(refusal(await op(reinstateEnrollment, { enrollmentId: id }))).toEqual([
        { code: 'INVALID_TRANSITION' },
      ]);
      must(await op(restrictEnrollment, { enrollmentId: id, reason: 'Receivables unmanaged' }));
      // Recording again resets the item to claimed.
      must(
        await csp.execute(
          recordDirectBillRequirement,
          { principal: direct.globalAdmin },
          { enrollmentId: id, item: 'accounts-receivable', evidence: 'new system' },
        ),
      );
      const out = await op(reinstateEnrollment, { enrollmentId: id });
      expect(refusal(out)).toEqual([{ code: 'DIRECT_BILL_REQUIREMENTS_UNMET' }]);
      expect(out.ok || out.violations[0]?.message).toBe(
        'Direct-bill requirements not verified: accounts-receivable.',
      );
      expect(
        refusal(
          await csp.execute(reinstateEnrollment, { principal: direct.globalAdmin }, { enrollmentId: id }),
        ),
      ).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      must(
        await op(verifyDirectBillRequirement, {
          enrollmentId: id,
          item: 'accounts-receivable',
          outcome: 'verified',
        }),
      );
      expect(must(await op(reinstateEnrollment, { enrollmentId: id })).status).toBe('active');
    });

    // BUG: src/enrollments/service.ts reinstateEnrollment only checks the generic transition
    // `status → active`, which the table allows from `qualified` (the MPA activation path). So the
    // operator can "reinstate" a qualified enrollment that was never restricted and make it active
    // without the partner agreement being signed. Reinstating should be refused (INVALID_TRANSITION)
    // unless the enrollment is `restricted`.
    it('refuses reinstating an enrollment that is not restricted (a qualified one)', async () => {
      const reseller = await addPartner(csp, operator, {
        legalName: 'Res',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const out = await op(reinstateEnrollment, { enrollmentId: reseller.enrollmentId });
      expect(refusal(out)).toEqual([{ code: 'INVALID_TRANSITION' }]);
      expect(await status(reseller.enrollmentId as string)).toBe('qualified');
    });
  });

  describe('getEnrollmentView', () => {
    it('shows an enrollment to its organization and the operator only', async () => {
      const id = must(await enrollAs(alpha.globalAdmin, alpha.tenantId, 'indirect-reseller')).id;
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      expect(
        must(await csp.query(getEnrollmentView, { principal: alpha.globalAdmin }, { enrollmentId: id }))
          .requirements,
      ).toEqual([]);
      const hidden = await csp.query(
        getEnrollmentView,
        { principal: beta.globalAdmin },
        { enrollmentId: id },
      );
      expect(refusal(hidden)).toEqual([{ code: 'ENROLLMENT_NOT_FOUND', field: 'enrollmentId' }]);
      expect(await status(id)).toBe('pending'); // the operator sees it
    });
  });
});
