/**
 * Seed, "CSP program requirements: Signing the Microsoft Partner Agreement (MPA)": "Starting
 * February 1, 2020, the Microsoft Partner Agreement must be signed by all partners who transact in
 * the CSP program. This includes indirect providers, direct-bill partners, and indirect resellers."
 * "An indirect reseller needs to sign the MPA before … an indirect provider can associate the
 * indirect reseller's MPN ID to a new CSP subscription; before an indirect provider can transact new
 * business with that reseller." "Indirect resellers need to do three things before they can
 * transact new business: Onboard into Partner Center; Enroll as an indirect reseller; Sign the MPA."
 * The MPA page: "The MPA must be signed once in every CSP region where your company does CSP
 * business"; "Only Global Admins on the CSP tenant can view and sign MPA".
 */
import { beforeEach, expect, it } from 'vitest';
import { signPartnerAgreement } from '../../src/agreements/service.ts';
import { OpenCsp } from '../../src/app/opencsp.ts';
import { explainOrderLine } from '../../src/decisions/service.ts';
import { seededIds } from '../../src/kernel/ids.ts';
import { addUser } from '../../src/parties/service.ts';
import { acceptPartnership, invitePartnership } from '../../src/partnerships/service.ts';
import { defaultProgram } from '../../src/program/load.ts';
import type { Program } from '../../src/program/program.ts';
import { getStanding } from '../../src/standing/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  connectCustomer,
  connectReseller,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';

const codes = (o: { ok: boolean; violations?: readonly { code: string }[] }) =>
  o.ok ? [] : (o.violations ?? []).map((v) => v.code);

describeEachDatabase('the partner agreement (MPA)', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let provider: Partner;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributor FR',
      country: 'FR',
      role: 'indirect-provider',
    });
  });

  it('three things before new business: onboard, enroll, sign — standing lists each missing one', async () => {
    const standingCodes = async (p: Partner) =>
      must(
        await csp.query(
          getStanding,
          { principal: operator.principal },
          { tenantId: p.tenantId, role: 'indirect-reseller' },
        ),
      ).violations.map((v) => v.code);
    const onboarded = await addPartner(csp, operator, {
      legalName: 'Only Onboarded',
      country: 'FR',
      until: 'onboarded',
    });
    const qualified = await addPartner(csp, operator, {
      legalName: 'Qualified',
      country: 'FR',
      role: 'indirect-reseller',
      until: 'qualified',
    });
    const active = await addPartner(csp, operator, {
      legalName: 'Active',
      country: 'FR',
      role: 'indirect-reseller',
    });
    expect(await standingCodes(onboarded)).toEqual(['PARTNER_NOT_ENROLLED', 'MPA_NOT_SIGNED']);
    expect(await standingCodes(qualified)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED']);
    expect(await standingCodes(active)).toEqual([]);
  });

  it('before a provider can transact new business with a reseller, the reseller signs (RESELLER_MPA_NOT_SIGNED)', async () => {
    const reseller = await addPartner(csp, operator, {
      legalName: 'Unsigned Reseller',
      country: 'FR',
      role: 'indirect-reseller',
      until: 'qualified',
    });
    const invited = must(
      await csp.execute(
        invitePartnership,
        { principal: provider.globalAdmin },
        { providerTenantId: provider.tenantId, resellerTenantId: reseller.tenantId },
      ),
    );
    const refused = await csp.execute(
      acceptPartnership,
      { principal: reseller.globalAdmin },
      { token: invited.invitationToken },
    );
    expect(codes(refused)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'RESELLER_MPA_NOT_SIGNED']);
    expect(refused.ok ? [] : refused.violations[1]?.remedies[0]).toContain(
      `A global admin of the reseller's CSP tenant ${reseller.tenantId} signs`,
    );
    must(
      await csp.execute(
        signPartnerAgreement,
        { principal: reseller.globalAdmin },
        { tenantId: reseller.tenantId },
      ),
    );
    expect(
      codes(
        await csp.execute(
          acceptPartnership,
          { principal: reseller.globalAdmin },
          { token: invited.invitationToken },
        ),
      ),
    ).toEqual([]);
  });

  it("before a provider can associate the reseller's Partner ID to a new subscription, the reseller signs the current version", async () => {
    const reseller = await addPartner(csp, operator, {
      legalName: 'Reseller FR',
      country: 'FR',
      role: 'indirect-reseller',
    });
    const customer = await addCustomer(csp, { legalName: 'Customer FR', country: 'FR' });
    await connectReseller(csp, provider, reseller);
    await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
    // The program publishes a new version of its partner agreement; the provider signs it, the reseller not yet.
    const base = defaultProgram();
    const v2: Program = {
      ...base,
      agreements: {
        ...base.agreements,
        partner: { ...base.agreements.partner, version: '2026-01-01', effectiveDate: '2026-01-01' },
      },
    };
    const later = new OpenCsp(db.store(), v2, seededIds(5), () => T0);
    must(
      await later.execute(
        signPartnerAgreement,
        { principal: provider.globalAdmin },
        { tenantId: provider.tenantId },
      ),
    );
    const explain = async () =>
      must(
        await later.query(
          explainOrderLine,
          { principal: operator.principal },
          {
            sellerTenantId: provider.tenantId,
            customerTenantId: customer.tenantId,
            partnerIdOnRecord: reseller.partnerId,
          },
        ),
      );
    expect((await explain()).violations.map((v) => v.code)).toEqual(['RESELLER_MPA_NOT_SIGNED']);
    must(
      await later.execute(
        signPartnerAgreement,
        { principal: reseller.globalAdmin },
        { tenantId: reseller.tenantId },
      ),
    );
    expect(await explain()).toEqual({ allowed: true, violations: [] });
  });

  it('a seller needs the agreement for the region of the customer; an outdated version is MPA_VERSION_OUTDATED', async () => {
    const direct = await addPartner(csp, operator, {
      legalName: 'Direct FR',
      country: 'FR',
      role: 'direct-bill',
    });
    const customer = await addCustomer(csp, { legalName: 'Customer DE', country: 'DE' });
    await connectCustomer(csp, direct, customer);
    const base = defaultProgram();
    const v2: Program = {
      ...base,
      agreements: {
        ...base.agreements,
        partner: { ...base.agreements.partner, version: '2026-01-01', effectiveDate: '2026-01-01' },
      },
    };
    const later = new OpenCsp(db.store(), v2, seededIds(5), () => T0);
    const d = must(
      await later.query(
        explainOrderLine,
        { principal: operator.principal },
        { sellerTenantId: direct.tenantId, customerTenantId: customer.tenantId },
      ),
    );
    expect(d.violations.map((v) => v.code)).toEqual(['MPA_VERSION_OUTDATED']);
    expect(d.violations[0]?.remedies).toEqual([
      `A global admin of tenant ${direct.tenantId} signs the MPA (version 2026-01-01) for region europe.`,
    ]);
  });

  it('only a global admin of the CSP tenant signs', async () => {
    const reseller = await addPartner(csp, operator, {
      legalName: 'Reseller',
      country: 'FR',
      role: 'indirect-reseller',
      until: 'qualified',
    });
    const agent = must(
      await csp.execute(
        addUser,
        { principal: reseller.globalAdmin },
        {
          tenantId: reseller.tenantId,
          email: 'agent@reseller.example',
          displayName: 'Agent',
          roles: ['admin-agent', 'sales-agent'],
        },
      ),
    );
    const asAgent = userPrincipal(agent.id, reseller.tenantId, ['admin-agent', 'sales-agent']);
    expect(
      codes(await csp.execute(signPartnerAgreement, { principal: asAgent }, { tenantId: reseller.tenantId })),
    ).toEqual(['MPA_SIGNER_NOT_GLOBAL_ADMIN']);
    expect(
      codes(
        await csp.execute(
          signPartnerAgreement,
          { principal: operator.principal },
          { tenantId: reseller.tenantId },
        ),
      ),
    ).toEqual(['MPA_SIGNER_NOT_GLOBAL_ADMIN']);
  });

  it('before 2020-02-01 the agreement was not required; from then on it is', async () => {
    const early = await db.fresh({ now: new Date('2020-01-15T00:00:00.000Z') });
    const op = await bootstrap(early);
    const p = await addPartner(early, op, {
      legalName: 'Early Reseller',
      country: 'FR',
      role: 'indirect-reseller',
      until: 'qualified',
    });
    const before = must(
      await early.query(getStanding, { principal: op.principal }, { tenantId: p.tenantId }),
    );
    expect(before).toMatchObject({ mayTransact: true, enrollmentStatus: 'active' });
    const after = new OpenCsp(
      db.store(),
      defaultProgram(),
      seededIds(5),
      () => new Date('2020-02-01T00:00:00.000Z'),
    );
    const now = must(await after.query(getStanding, { principal: op.principal }, { tenantId: p.tenantId }));
    expect(now.violations.map((v) => v.code)).toEqual(['MPA_NOT_SIGNED']);
  });
});
