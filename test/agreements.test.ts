import { beforeEach, describe, expect, it } from 'vitest';
import { acceptCustomerAgreement, listAcceptances, signPartnerAgreement } from '../src/agreements/service.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { enroll, getEnrollmentView, verifyEnrollment } from '../src/enrollments/service.ts';
import { type IdSource, seededIds } from '../src/kernel/ids.ts';
import { ANONYMOUS, type Principal, SYSTEM } from '../src/kernel/principal.ts';
import {
  addLocation,
  addUser,
  associatePartnerId,
  createCustomerTenant,
  createPartnerTenant,
} from '../src/parties/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import type { Program } from '../src/program/program.ts';
import { getStanding } from '../src/standing/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, ledgerOf, refusal, snapshot, tableRows } from './support/snapshot.ts';

const NOW = T0.toISOString();

/** The demo program with a newer partner agreement version, effective before T0. */
function programWithNewMpa(): Program {
  const base = defaultProgram();
  return {
    ...base,
    agreements: {
      ...base.agreements,
      partner: { ...base.agreements.partner, version: '2026-01-01', effectiveDate: '2026-01-01' },
    },
  };
}

describeEachDatabase('agreements', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let alpha: Partner;
  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR' });
  });

  const userId = (p: Principal) => (p.kind === 'user' ? p.userId : null);

  function sign(principal: Principal, tenantId: string, runtime: OpenCsp = csp) {
    return runtime.execute(signPartnerAgreement, { principal }, { tenantId });
  }

  async function standing(principal: Principal, tenantId: string, runtime: OpenCsp = csp) {
    return must(await runtime.query(getStanding, { principal }, { tenantId }));
  }

  /** A second CSP tenant of the partner's organization in `country`, tied to a new location unless `tie` is false. */
  async function tenantIn(p: Partner, country: string, tie = true) {
    const domain = `alpha-${country.toLowerCase()}.onmicrosoft.example`;
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
    if (tie) {
      const loc = must(
        await csp.execute(
          addLocation,
          { principal: p.globalAdmin },
          { organizationId: p.organizationId, country },
        ),
      );
      must(
        await csp.execute(
          associatePartnerId,
          { principal: admin },
          { tenantId: t.tenantId, partnerId: loc.partnerId },
        ),
      );
    }
    return { tenantId: t.tenantId, admin };
  }

  describe('signPartnerAgreement', () => {
    it('records the acceptance for the region of the signing tenant, with its ledger events', async () => {
      const signed = must(await sign(alpha.globalAdmin, alpha.tenantId));
      expect(signed).toEqual({
        acceptance: {
          id: expect.any(String),
          agreement: 'partner',
          version: '2020-02-01',
          organizationId: alpha.organizationId,
          tenantId: alpha.tenantId,
          region: 'europe',
          signer: {
            userId: userId(alpha.globalAdmin),
            name: 'Alpha Admin',
            email: 'admin@alpha.onmicrosoft.example',
          },
          acceptedAt: NOW,
          recordedAt: NOW,
          supersedesId: null,
        },
        activatedEnrollmentIds: [],
      });
      const id = signed.acceptance.id;
      const events = await ledgerOf(csp, alpha.globalAdmin, 'agreement-acceptance', id);
      expect(events.map((e) => [e.type, e.command])).toEqual([
        ['agreement.accepted', 'agreements.sign-partner-agreement'],
      ]);
      expect(events[0]?.payload).toEqual({ ...signed.acceptance });
      const org = await ledgerOf(csp, alpha.globalAdmin, 'organization', alpha.organizationId);
      expect(org.at(-1)).toMatchObject({
        type: 'partner-agreement.signed',
        payload: { acceptanceId: id, region: 'europe', version: '2020-02-01' },
      });
      expect(
        (await tableRows(db.store(), 'agreement_acceptances')).map((r) => [r.id, r.recorded_by]),
      ).toEqual([[id, userId(alpha.globalAdmin)]]);
      expect(
        must(
          await csp.query(
            listAcceptances,
            { principal: alpha.globalAdmin },
            { organizationId: alpha.organizationId },
          ),
        ),
      ).toEqual([signed.acceptance]);
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      expect(
        refusal(
          await csp.query(
            listAcceptances,
            { principal: beta.globalAdmin },
            { organizationId: alpha.organizationId },
          ),
        ),
      ).toEqual([{ code: 'ORGANIZATION_NOT_FOUND', field: 'organizationId' }]);
    });

    it('refuses anyone but a global admin of that CSP tenant with MPA_SIGNER_NOT_GLOBAL_ADMIN', async () => {
      const agent = must(
        await csp.execute(
          addUser,
          { principal: alpha.globalAdmin },
          {
            tenantId: alpha.tenantId,
            email: 'sales@alpha.example',
            displayName: 'Sales',
            roles: ['sales-agent'],
          },
        ),
      );
      const beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      const de = await tenantIn(alpha, 'DE');
      const signers: Principal[] = [
        userPrincipal(agent.id, alpha.tenantId, ['sales-agent']), // a sales agent of the tenant
        de.admin, // a global admin of another tenant of the same organization
        operator.principal, // the program operator
        SYSTEM,
      ];
      for (const principal of signers) {
        expect(refusal(await sign(principal, alpha.tenantId))).toEqual([
          { code: 'MPA_SIGNER_NOT_GLOBAL_ADMIN' },
        ]);
      }
      // Outsiders do not learn that the tenant exists.
      for (const principal of [beta.globalAdmin, ANONYMOUS]) {
        expect(refusal(await sign(principal, alpha.tenantId))).toEqual([
          { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
        ]);
      }
      expect(await tableRows(db.store(), 'agreement_acceptances')).toEqual([]);
    });

    it('refuses a CSP tenant without an associated Partner ID with PARTNER_ID_NOT_ASSOCIATED', async () => {
      const de = await tenantIn(alpha, 'DE', false);
      expect(refusal(await sign(de.admin, de.tenantId))).toEqual([
        { code: 'PARTNER_ID_NOT_ASSOCIATED', field: 'tenantId' },
      ]);
      const loc = must(
        await csp.execute(
          addLocation,
          { principal: alpha.globalAdmin },
          { organizationId: alpha.organizationId, country: 'DE' },
        ),
      );
      must(
        await csp.execute(
          associatePartnerId,
          { principal: de.admin },
          { tenantId: de.tenantId, partnerId: loc.partnerId },
        ),
      );
      expect(must(await sign(de.admin, de.tenantId)).acceptance.tenantId).toBe(de.tenantId);
    });

    it('refuses a customer-type tenant with NOT_A_PARTNER_TENANT', async () => {
      const customer = await addCustomer(csp, { legalName: 'Cust', country: 'FR', acceptAgreement: false });
      expect(refusal(await sign(customer.globalAdmin, customer.tenantId))).toEqual([
        { code: 'NOT_A_PARTNER_TENANT', field: 'tenantId' },
      ]);
    });

    it('refuses re-signing the same version for the region with AGREEMENT_ALREADY_ACCEPTED', async () => {
      must(await sign(alpha.globalAdmin, alpha.tenantId));
      expect(refusal(await sign(alpha.globalAdmin, alpha.tenantId))).toEqual([
        { code: 'AGREEMENT_ALREADY_ACCEPTED' },
      ]);
      expect(await tableRows(db.store(), 'agreement_acceptances')).toHaveLength(1);
    });

    it('is signed once per region: FR covers a DE tenant of the organization, not a US one', async () => {
      const de = await tenantIn(alpha, 'DE');
      const us = await tenantIn(alpha, 'US');
      for (const [tenantId, admin] of [
        [alpha.tenantId, alpha.globalAdmin],
        [de.tenantId, de.admin],
        [us.tenantId, us.admin],
      ] as const) {
        must(await csp.execute(enroll, { principal: admin }, { tenantId, role: 'indirect-reseller' }));
      }
      must(await sign(alpha.globalAdmin, alpha.tenantId));
      // The DE tenant's admin has nothing left to sign in europe.
      expect(refusal(await sign(de.admin, de.tenantId))).toEqual([{ code: 'AGREEMENT_ALREADY_ACCEPTED' }]);
      const deStanding = await standing(de.admin, de.tenantId);
      expect(deStanding.region).toBe('europe');
      expect(deStanding.steps.find((s) => s.step === 'partner-agreement')?.done).toBe(true);
      expect(deStanding.violations.map((v) => v.code)).toEqual(['ENROLLMENT_NOT_VERIFIED']);
      const usStanding = await standing(us.admin, us.tenantId);
      expect(usStanding.region).toBe('united-states');
      expect(usStanding.violations.map((v) => v.code)).toEqual(['ENROLLMENT_NOT_VERIFIED', 'MPA_NOT_SIGNED']);
      // The US tenant signs for its own region.
      expect(must(await sign(us.admin, us.tenantId)).acceptance.region).toBe('united-states');
      expect((await standing(us.admin, us.tenantId)).violations.map((v) => v.code)).toEqual([
        'ENROLLMENT_NOT_VERIFIED',
      ]);
    });
  });

  describe('before the agreement takes effect', () => {
    it('refuses signing with AGREEMENT_NOT_YET_EFFECTIVE (and does not require it yet)', async () => {
      const early = await db.fresh({ now: new Date('2020-01-15T00:00:00Z') });
      const op = await bootstrap(early);
      const p = await addPartner(early, op, {
        legalName: 'Early',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'enrolled',
      });
      const out = await early.execute(
        signPartnerAgreement,
        { principal: p.globalAdmin },
        { tenantId: p.tenantId },
      );
      expect(refusal(out)).toEqual([{ code: 'AGREEMENT_NOT_YET_EFFECTIVE' }]);
      expect(await tableRows(db.store(), 'agreement_acceptances')).toEqual([]);
      // Until 2020-02-01 the MPA is not required: verification activates at once.
      const verified = must(
        await early.execute(verifyEnrollment, { principal: op.principal }, { enrollmentId: p.enrollmentId }),
      );
      expect(verified.status).toBe('active');
      const s = must(await early.query(getStanding, { principal: p.globalAdmin }, { tenantId: p.tenantId }));
      expect([s.mayTransact, s.violations]).toEqual([true, []]);
      // The customer agreement cannot be accepted before it takes effect either.
      const c = await addCustomer(early, { legalName: 'Early Cust', country: 'FR', acceptAgreement: false });
      const mca = await early.execute(
        acceptCustomerAgreement,
        { principal: c.globalAdmin },
        { tenantId: c.tenantId, signer: { name: 'N', email: 'n@early.example' } },
      );
      expect(refusal(mca)).toEqual([{ code: 'AGREEMENT_NOT_YET_EFFECTIVE', field: 'acceptedOn' }]);
    });
  });

  describe('acceptCustomerAgreement', () => {
    let customer: Customer;
    beforeEach(async () => {
      customer = await addCustomer(csp, {
        legalName: 'Contoso Retail',
        country: 'DE',
        acceptAgreement: false,
      });
    });

    function accept(principal: Principal, input: Record<string, unknown> = {}, tenantId = customer.tenantId) {
      return csp.execute(
        acceptCustomerAgreement,
        { principal },
        { tenantId, signer: { name: 'Jane Buyer', email: 'Jane@Contoso-Retail.example' }, ...input },
      );
    }

    it("records the customer's global admin acceptance", async () => {
      const a = must(await accept(customer.globalAdmin));
      expect(a).toEqual({
        id: expect.any(String),
        agreement: 'customer',
        version: '2020-02-01',
        organizationId: customer.organizationId,
        tenantId: customer.tenantId,
        region: null,
        signer: {
          userId: userId(customer.globalAdmin),
          name: 'Jane Buyer',
          email: 'jane@contoso-retail.example',
        },
        acceptedAt: NOW,
        recordedAt: NOW,
        supersedesId: null,
      });
      const events = await ledgerOf(csp, customer.globalAdmin, 'agreement-acceptance', a.id);
      expect(events.map((e) => [e.type, e.command])).toEqual([
        ['agreement.accepted', 'agreements.accept-customer-agreement'],
      ]);
    });

    it('lets the operator record an attested acceptance with its date', async () => {
      const a = must(await accept(operator.principal, { acceptedOn: '2025-12-01' }));
      expect([a.signer, a.acceptedAt, a.recordedAt]).toEqual([
        { userId: null, name: 'Jane Buyer', email: 'jane@contoso-retail.example' },
        '2025-12-01',
        NOW,
      ]);
      expect((await tableRows(db.store(), 'agreement_acceptances')).map((r) => r.recorded_by)).toEqual([
        userId(operator.principal),
      ]);
      // Today is not the future.
      const other = await addCustomer(csp, { legalName: 'Other', country: 'DE', acceptAgreement: false });
      expect((await accept(operator.principal, { acceptedOn: NOW.slice(0, 10) }, other.tenantId)).ok).toBe(
        true,
      );
    });

    it('refuses a CSP tenant with NOT_A_CUSTOMER_TENANT', async () => {
      expect(refusal(await accept(alpha.globalAdmin, {}, alpha.tenantId))).toEqual([
        { code: 'NOT_A_CUSTOMER_TENANT', field: 'tenantId' },
      ]);
    });

    it('hides the tenant from outsiders (TENANT_NOT_FOUND); refuses a non-admin member with MCA_SIGNER_NOT_AUTHORIZED', async () => {
      const other = await addCustomer(csp, { legalName: 'Other', country: 'DE', acceptAgreement: false });
      for (const principal of [alpha.globalAdmin, other.globalAdmin, ANONYMOUS]) {
        expect(refusal(await accept(principal))).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'tenantId' }]);
      }
      const helper = must(
        await csp.execute(
          createCustomerTenant,
          { principal: customer.globalAdmin },
          {
            organizationId: customer.organizationId,
            country: 'FR',
            tenant: { domain: 'second-tenant.onmicrosoft.example' },
            globalAdmin: { email: 'it@second.example', displayName: 'IT' },
          },
        ),
      );
      const member = userPrincipal(helper.globalAdminUserId, helper.tenantId, ['global-admin']);
      expect(refusal(await accept(member))).toEqual([{ code: 'MCA_SIGNER_NOT_AUTHORIZED' }]);
    });

    it('refuses a future or pre-effective acceptance date, and an impossible one', async () => {
      expect(refusal(await accept(operator.principal, { acceptedOn: '2026-01-16' }))).toEqual([
        { code: 'ACCEPTANCE_DATE_IN_FUTURE', field: 'acceptedOn' },
      ]);
      expect(refusal(await accept(customer.globalAdmin, { acceptedOn: '2019-12-31' }))).toEqual([
        { code: 'AGREEMENT_NOT_YET_EFFECTIVE', field: 'acceptedOn' },
      ]);
      expect(refusal(await accept(operator.principal, { acceptedOn: '2025-02-30' }))).toEqual([
        { code: 'INVALID_DATE', field: 'acceptedOn' },
      ]);
      // Every problem at once.
      expect(refusal(await accept(operator.principal, { acceptedOn: '2027-01-01' }, alpha.tenantId))).toEqual(
        [
          { code: 'NOT_A_CUSTOMER_TENANT', field: 'tenantId' },
          { code: 'ACCEPTANCE_DATE_IN_FUTURE', field: 'acceptedOn' },
        ],
      );
    });

    it('refuses a second acceptance of the same version with AGREEMENT_ALREADY_ACCEPTED', async () => {
      must(await accept(customer.globalAdmin));
      expect(refusal(await accept(customer.globalAdmin))).toEqual([{ code: 'AGREEMENT_ALREADY_ACCEPTED' }]);
      expect(refusal(await accept(operator.principal, { acceptedOn: '2025-06-01' }))).toEqual([
        { code: 'AGREEMENT_ALREADY_ACCEPTED' },
      ]);
    });
  });

  describe('acceptances are never edited', () => {
    it('refused re-signing and re-accepting leave every acceptance row as it was', async () => {
      const customer = await addCustomer(csp, { legalName: 'Cust', country: 'FR' });
      must(await sign(alpha.globalAdmin, alpha.tenantId));
      const rows = await tableRows(db.store(), 'agreement_acceptances');
      expect(rows).toHaveLength(2);
      const before = await snapshot(db.store());
      expect(codes(await sign(alpha.globalAdmin, alpha.tenantId))).toEqual(['AGREEMENT_ALREADY_ACCEPTED']);
      expect(
        codes(
          await csp.execute(
            acceptCustomerAgreement,
            { principal: customer.globalAdmin },
            { tenantId: customer.tenantId, signer: { name: 'X', email: 'x@cust.example' } },
          ),
        ),
      ).toEqual(['AGREEMENT_ALREADY_ACCEPTED']);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('a new partner agreement version makes standing MPA_VERSION_OUTDATED; re-signing supersedes the old acceptance', async () => {
      const reseller = await addPartner(csp, operator, {
        legalName: 'Res',
        country: 'FR',
        role: 'indirect-reseller',
      });
      const de = await tenantIn(alpha, 'DE');
      const old = must(await sign(alpha.globalAdmin, alpha.tenantId)).acceptance;
      const oldRows = await tableRows(db.store(), 'agreement_acceptances');

      // The program publishes version 2026-01-01; a week later, over the same data.
      const later = new Date('2026-01-22T09:00:00.000Z');
      const v2 = new OpenCsp(db.store(), programWithNewMpa(), seededIds(2026), () => later);
      const outdated = await standing(reseller.globalAdmin, reseller.tenantId, v2);
      expect([
        outdated.mayTransact,
        outdated.enrollmentStatus,
        outdated.violations.map((v) => v.code),
      ]).toEqual([false, 'active', ['MPA_VERSION_OUTDATED']]);
      expect((await standing(de.admin, de.tenantId, v2)).violations.map((v) => v.code)).toEqual([
        'PARTNER_NOT_ENROLLED',
        'MPA_VERSION_OUTDATED',
      ]);

      const renewed = must(await sign(de.admin, de.tenantId, v2)).acceptance;
      expect(renewed).toMatchObject({
        version: '2026-01-01',
        organizationId: alpha.organizationId,
        tenantId: de.tenantId,
        region: 'europe',
        supersedesId: old.id,
        recordedAt: later.toISOString(),
      });
      expect(renewed.id).not.toBe(old.id);
      const rows = await tableRows(db.store(), 'agreement_acceptances');
      // The old rows are untouched; one row was added.
      expect(rows).toHaveLength(oldRows.length + 1);
      for (const row of oldRows) expect(rows).toContainEqual(row);
      expect(rows.find((r) => r.id === renewed.id)).toMatchObject({
        supersedes_id: old.id,
        version: '2026-01-01',
      });

      expect((await standing(de.admin, de.tenantId, v2)).violations.map((v) => v.code)).toEqual([
        'PARTNER_NOT_ENROLLED',
      ]);
      expect(refusal(await sign(alpha.globalAdmin, alpha.tenantId, v2))).toEqual([
        { code: 'AGREEMENT_ALREADY_ACCEPTED' },
      ]);
      // The reseller's own organization still has to sign the new version.
      const res = await standing(reseller.globalAdmin, reseller.tenantId, v2);
      expect(res.violations.map((v) => v.code)).toEqual(['MPA_VERSION_OUTDATED']);
      const resRenewed = must(await sign(reseller.globalAdmin, reseller.tenantId, v2));
      expect(resRenewed.activatedEnrollmentIds).toEqual([]);
      expect((await standing(reseller.globalAdmin, reseller.tenantId, v2)).mayTransact).toBe(true);
      expect(
        must(
          await v2.query(
            getEnrollmentView,
            { principal: operator.principal },
            { enrollmentId: reseller.enrollmentId },
          ),
        ).status,
      ).toBe('active');
    });

    // BUG: src/agreements/store.ts latestPartnerAcceptance (and latestCustomerAcceptance) pick the
    // "latest" acceptance by (recorded_at desc, id desc). When the superseding acceptance is recorded
    // in the same instant as the one it supersedes (a fixed sandbox clock, or the same millisecond),
    // the tie is broken by the random GUID, so half the time the OLD acceptance is returned: standing
    // keeps saying MPA_VERSION_OUTDATED after the re-signature and the new version can be signed again
    // and again. The latest acceptance is the one no other acceptance supersedes (or use a sequence).
    it('re-signing in the same instant as the old acceptance still makes the new version current', async () => {
      must(await sign(alpha.globalAdmin, alpha.tenantId));
      // Ids that sort before any other: the new acceptance's id is "smaller" than the old one's.
      let n = 0;
      const lowIds: IdSource = {
        guid: () => `00000000-0000-4000-8000-${(n++).toString(16).padStart(12, '0')}`,
        orderedGuid: () => `00000000-0000-7000-8000-${(n++).toString(16).padStart(12, '0')}`,
      };
      const v2 = new OpenCsp(db.store(), programWithNewMpa(), lowIds, () => T0);
      must(await sign(alpha.globalAdmin, alpha.tenantId, v2));
      expect((await standing(alpha.globalAdmin, alpha.tenantId, v2)).violations.map((v) => v.code)).toEqual([
        'PARTNER_NOT_ENROLLED',
      ]);
      expect(codes(await sign(alpha.globalAdmin, alpha.tenantId, v2))).toEqual([
        'AGREEMENT_ALREADY_ACCEPTED',
      ]);
    });
  });
});
