/**
 * Seed, sample scenario 8: "What if an indirect provider wants to establish a relationship with an
 * indirect reseller in a different region? A partner can only establish a relationship with a
 * partner from the same region."
 */
import { beforeEach, expect, it } from 'vitest';
import { signPartnerAgreement } from '../../src/agreements/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { loadPartnerFacts } from '../../src/decisions/facts.ts';
import { enroll, verifyEnrollment } from '../../src/enrollments/service.ts';
import { addLocation, associatePartnerId, createPartnerTenant } from '../../src/parties/service.ts';
import {
  acceptPartnership,
  invitePartnership,
  listIndirectProviders,
  listIndirectResellers,
} from '../../src/partnerships/service.ts';
import { decideAcceptPartnership } from '../../src/rules/decisions.ts';
import type { PartnerFacts } from '../../src/rules/facts.ts';
import {
  addPartner,
  bootstrap,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { codes, snapshot } from '../support/snapshot.ts';

const REMEDIES_US = [
  'The reseller partners with an indirect provider located in united-states.',
  'The provider partners through its own location (CSP tenant) in united-states.',
];

describeEachDatabase('scenario 8: provider–reseller partnerships stay within one region', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let providerFR: Partner;
  let resellerDE: Partner;
  let resellerUS: Partner;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    providerFR = await addPartner(csp, operator, {
      legalName: 'Distributeur France',
      country: 'FR',
      role: 'indirect-provider',
    });
    resellerDE = await addPartner(csp, operator, {
      legalName: 'Wiederverkäufer Deutschland',
      country: 'DE',
      role: 'indirect-reseller',
    });
    resellerUS = await addPartner(csp, operator, {
      legalName: 'Reseller United States',
      country: 'US',
      role: 'indirect-reseller',
    });
  });

  function invite(reseller: Partner, providerTenantId: string = providerFR.tenantId) {
    return csp.execute(
      invitePartnership,
      { principal: providerFR.globalAdmin },
      { providerTenantId, resellerPartnerId: reseller.partnerId },
    );
  }

  function facts(tenantId: string): Promise<PartnerFacts> {
    return csp.store.read(async (tx) => {
      const f = await loadPartnerFacts(
        { principal: operator.principal, requestId: 'scenario-8', now: T0, program: csp.program, tx },
        tenantId,
      );
      if (!f) throw new Error(`no facts for ${tenantId}`);
      return f;
    });
  }

  it('allows a French provider and a German reseller (both in europe) to partner', async () => {
    const p = must(await invite(resellerDE));
    const accepted = must(
      await csp.execute(
        acceptPartnership,
        { principal: resellerDE.globalAdmin },
        { token: p.invitationToken },
      ),
    );
    expect(accepted.state).toBe('active');
    const resellers = must(
      await csp.query(
        listIndirectResellers,
        { principal: providerFR.globalAdmin },
        { tenantId: providerFR.tenantId },
      ),
    );
    expect(resellers.items.map((i) => [i.tenantId, i.location, i.state])).toEqual([
      [resellerDE.tenantId, { country: 'DE', region: 'europe' }, 'active'],
    ]);
    const providers = must(
      await csp.query(
        listIndirectProviders,
        { principal: resellerDE.globalAdmin },
        { tenantId: resellerDE.tenantId },
      ),
    );
    expect(providers.items.map((i) => [i.tenantId, i.location])).toEqual([
      [providerFR.tenantId, { country: 'FR', region: 'europe' }],
    ]);
  });

  it('refuses a French provider inviting a US reseller with REGION_MISMATCH (scenario 8), writing nothing', async () => {
    const before = await snapshot(db.store());
    const out = await invite(resellerUS);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.violations).toEqual([
      {
        code: 'REGION_MISMATCH',
        message:
          'Provider Distributeur France is located in europe; reseller Reseller United States in united-states.',
        scenario: '8',
        remedies: REMEDIES_US,
      },
    ]);
    expect(await snapshot(db.store())).toEqual(before);
  });

  it('refuses the acceptance too: decideAcceptPartnership over the loaded facts', async () => {
    const provider = await facts(providerFR.tenantId);
    const reseller = await facts(resellerUS.tenantId);
    expect([provider.region, reseller.region]).toEqual(['europe', 'united-states']);
    const decision = decideAcceptPartnership(
      csp.program,
      {
        actor: resellerUS.globalAdmin,
        provider,
        reseller,
        state: 'invited',
        resellerIsCustomerOfProvider: false,
      },
      T0,
    );
    expect(decision.allowed).toBe(false);
    expect(decision.violations).toEqual([
      expect.objectContaining({ code: 'REGION_MISMATCH', scenario: '8', remedies: REMEDIES_US }),
    ]);
    // The same pair inside one region is accepted by the same decision.
    const sameRegion = decideAcceptPartnership(
      csp.program,
      {
        actor: resellerDE.globalAdmin,
        provider,
        reseller: await facts(resellerDE.tenantId),
        state: 'invited',
        resellerIsCustomerOfProvider: false,
      },
      T0,
    );
    expect(sameRegion).toEqual({ allowed: true, violations: [] });
  });

  it('the remedy works: the provider partners through its own US location and CSP tenant', async () => {
    const admin = { principal: providerFR.globalAdmin };
    const location = must(
      await csp.execute(addLocation, admin, { organizationId: providerFR.organizationId, country: 'US' }),
    );
    const tenant = must(
      await csp.execute(createPartnerTenant, admin, {
        organizationId: providerFR.organizationId,
        country: 'US',
        tenant: { domain: 'distributeur-us.onmicrosoft.example' },
        globalAdmin: { email: 'admin@distributeur-us.example', displayName: 'US Admin' },
      }),
    );
    const usAdmin = userPrincipal(tenant.globalAdminUserId, tenant.tenantId, ['global-admin']);
    must(
      await csp.execute(
        associatePartnerId,
        { principal: usAdmin },
        { tenantId: tenant.tenantId, partnerId: location.partnerId },
      ),
    );
    const enrollment = must(
      await csp.execute(
        enroll,
        { principal: usAdmin },
        { tenantId: tenant.tenantId, role: 'indirect-provider' },
      ),
    );
    must(
      await csp.execute(verifyEnrollment, { principal: operator.principal }, { enrollmentId: enrollment.id }),
    );
    must(await csp.execute(signPartnerAgreement, { principal: usAdmin }, { tenantId: tenant.tenantId }));

    // From the French tenant: still refused.
    expect(codes(await invite(resellerUS))).toEqual(['REGION_MISMATCH']);
    // From the US tenant: same region, accepted end to end.
    const p = must(
      await csp.execute(
        invitePartnership,
        { principal: usAdmin },
        { providerTenantId: tenant.tenantId, resellerPartnerId: resellerUS.partnerId },
      ),
    );
    const accepted = must(
      await csp.execute(
        acceptPartnership,
        { principal: resellerUS.globalAdmin },
        { token: p.invitationToken },
      ),
    );
    expect(accepted).toMatchObject({ state: 'active', providerTenantId: tenant.tenantId });
    const providers = must(
      await csp.query(
        listIndirectProviders,
        { principal: resellerUS.globalAdmin },
        { tenantId: resellerUS.tenantId },
      ),
    );
    expect(providers.items.map((i) => [i.name, i.partnerId, i.location])).toEqual([
      ['Distributeur France', location.partnerId, { country: 'US', region: 'united-states' }],
    ]);
  });
});
