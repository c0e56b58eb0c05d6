/**
 * Seed, sample scenario 1: "What if a partner wants to sell to the customer, own the end-to-end
 * relationship, and be responsible for billing and customer support? This scenario is supported by
 * two types of transactional relationship: Relationship 1: Microsoft sells to the direct-bill
 * partner. The direct-bill partner then sells to the end customer. Relationship 2: Microsoft sells
 * to the indirect provider. The indirect provider then sells to the indirect reseller. The indirect
 * reseller then sells to the end customer." Nothing else is a supported chain.
 */
import { beforeEach, expect, it } from 'vitest';
import { OpenCsp } from '../../src/app/opencsp.ts';
import { inviteCustomer } from '../../src/customers/service.ts';
import { explainOrderLine } from '../../src/decisions/service.ts';
import { seededIds } from '../../src/kernel/ids.ts';
import { defaultProgram } from '../../src/program/load.ts';
import type { Decision } from '../../src/rules/decisions.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  connectCustomer,
  connectReseller,
  must,
  type Operator,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';

describeEachDatabase('scenario 1: the two supported chains, and nothing else', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  let direct: Partner;
  let indirectCustomer: Customer;
  let directCustomer: Customer;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributor FR',
      country: 'FR',
      role: 'indirect-provider',
    });
    reseller = await addPartner(csp, operator, {
      legalName: 'Reseller FR',
      country: 'FR',
      role: 'indirect-reseller',
    });
    direct = await addPartner(csp, operator, { legalName: 'Direct FR', country: 'FR', role: 'direct-bill' });
    indirectCustomer = await addCustomer(csp, { legalName: 'Indirect Customer', country: 'FR' });
    directCustomer = await addCustomer(csp, { legalName: 'Direct Customer', country: 'DE' });
    await connectReseller(csp, provider, reseller);
    await connectCustomer(csp, reseller, indirectCustomer, { alsoAuthorize: provider });
    await connectCustomer(csp, direct, directCustomer);
  });

  const explain = async (
    sellerTenantId: string,
    customerTenantId: string,
    partnerIdOnRecord?: number,
  ): Promise<Decision> =>
    must(
      await csp.query(
        explainOrderLine,
        { principal: operator.principal },
        {
          sellerTenantId,
          customerTenantId,
          ...(partnerIdOnRecord !== undefined && { partnerIdOnRecord }),
        },
      ),
    );
  const codesOf = (d: Decision) => d.violations.map((v) => v.code);

  it('allowed: relationship 1, vendor → direct-bill partner → customer', async () => {
    expect(await explain(direct.tenantId, directCustomer.tenantId)).toEqual({
      allowed: true,
      violations: [],
    });
  });

  it('allowed: relationship 2, vendor → indirect provider → indirect reseller (partner of record) → customer', async () => {
    expect(await explain(provider.tenantId, indirectCustomer.tenantId, reseller.partnerId)).toEqual({
      allowed: true,
      violations: [],
    });
  });

  it('refused: the vendor selling to an indirect reseller directly (the reseller places the order)', async () => {
    const d = await explain(reseller.tenantId, indirectCustomer.tenantId);
    expect(codesOf(d)).toEqual(['UNSUPPORTED_CHAIN']);
    expect(d.violations[0]).toMatchObject({
      scenario: '1',
      remedies: ['Ask your indirect provider to place the order, with your Partner ID as partner of record.'],
    });
  });

  it('refused: a direct-bill partner selling through an indirect reseller', async () => {
    const d = await explain(direct.tenantId, directCustomer.tenantId, reseller.partnerId);
    expect(codesOf(d)).toEqual(['UNSUPPORTED_CHAIN']);
  });

  it('refused: an indirect provider selling to a customer directly, without a reseller', async () => {
    const lone = await addCustomer(csp, { legalName: 'Lone Customer', country: 'FR' });
    const invited = await csp.execute(
      inviteCustomer,
      { principal: provider.globalAdmin },
      {
        partnerTenantId: provider.tenantId,
        customerTenantId: lone.tenantId,
        requestDelegatedAdmin: false,
      },
    );
    expect(invited.ok ? [] : invited.violations.map((v) => v.code)).toEqual(['UNSUPPORTED_CHAIN']);
    expect(codesOf(await explain(provider.tenantId, lone.tenantId))).toEqual([
      'UNSUPPORTED_CHAIN',
      'NO_CUSTOMER_RELATIONSHIP',
    ]);
  });

  it("refused: the provider's own Partner ID as partner of record", async () => {
    const d = await explain(provider.tenantId, indirectCustomer.tenantId, provider.partnerId);
    expect(codesOf(d)).toEqual(['UNSUPPORTED_CHAIN']);
    expect(d.violations[0]?.message).toContain('never the provider’s own');
  });

  it('refused: naming a reseller the provider has no partnership with', async () => {
    const stranger = await addPartner(csp, operator, {
      legalName: 'Stranger Reseller',
      country: 'FR',
      role: 'indirect-reseller',
    });
    await connectCustomer(csp, stranger, indirectCustomer);
    expect(codesOf(await explain(provider.tenantId, indirectCustomer.tenantId, stranger.partnerId))).toEqual([
      'NO_ACTIVE_PARTNERSHIP',
    ]);
  });

  it("a reseller's customer without partner of record: refused by default, allowed when the policy is relaxed", async () => {
    expect(codesOf(await explain(provider.tenantId, indirectCustomer.tenantId))).toEqual([
      'PARTNER_ID_ON_RECORD_REQUIRED',
    ]);
    const base = defaultProgram();
    const relaxed = new OpenCsp(
      db.store(),
      { ...base, policies: { ...base.policies, requirePartnerIdOnRecord: false } },
      seededIds(3),
      () => T0,
    );
    const d = must(
      await relaxed.query(
        explainOrderLine,
        { principal: operator.principal },
        {
          sellerTenantId: provider.tenantId,
          customerTenantId: indirectCustomer.tenantId,
        },
      ),
    );
    expect(d).toEqual({ allowed: true, violations: [] });
  });
});
