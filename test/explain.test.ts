/**
 * The explain queries (`src/decisions/service.ts`): "would this order line go through?" and "what
 * may I do with this customer or reseller?" — answered with the same pure decisions the commands
 * use, to the parties involved only, writing nothing. And the dry run of a real command: the same
 * decision as the real run, nothing written.
 */
import { beforeEach, expect, it } from 'vitest';
import type { QueryContext } from '../src/app/context.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { inviteCustomer } from '../src/customers/service.ts';
import {
  hasCustomerRelationship,
  loadCustomerFacts,
  loadPartnerFacts,
  partnershipState,
} from '../src/decisions/facts.ts';
import { type ActionExplanation, explainOrderLine, explainPartnerActions } from '../src/decisions/service.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { ANONYMOUS, type Principal } from '../src/kernel/principal.ts';
import { acceptPartnership, invitePartnership } from '../src/partnerships/service.ts';
import { type Decision, decideOrderLine } from '../src/rules/decisions.ts';
import type { PartnershipState } from '../src/rules/facts.ts';
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
} from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, refusal, snapshot } from './support/snapshot.ts';

const UNKNOWN_TENANT = '0badc0de-0000-4000-8000-000000000001';

const US_CUSTOMER_REMEDIES = [
  'Serve this customer through a partner located in united-states.',
  'Add a location (and CSP tenant) in a country of united-states, enroll it and sign the partner agreement there.',
];

describeEachDatabase('explain queries and dry runs', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  /** The indirect chain: provider → reseller → customerFR (both authorized by the customer). */
  let provider: Partner;
  let reseller: Partner;
  /** An enrolled, active reseller of the same region, not (yet) partnered with the provider. */
  let freeReseller: Partner;
  /** An enrolled, active reseller of another region (scenario 8). */
  let resellerUS: Partner;
  /** The direct chain: direct → directCustomer (Germany: same region, another market). */
  let direct: Partner;
  /** A partner with no business with anyone here. */
  let stranger: Partner;
  let customerFR: Customer;
  let directCustomer: Customer;
  /** A customer in another region, served by nobody. */
  let customerUS: Customer;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributeur France',
      country: 'FR',
      role: 'indirect-provider',
    });
    reseller = await addPartner(csp, operator, {
      legalName: 'Revendeur Un',
      country: 'FR',
      role: 'indirect-reseller',
    });
    freeReseller = await addPartner(csp, operator, {
      legalName: 'Revendeur Deux',
      country: 'FR',
      role: 'indirect-reseller',
    });
    resellerUS = await addPartner(csp, operator, {
      legalName: 'Reseller United States',
      country: 'US',
      role: 'indirect-reseller',
    });
    direct = await addPartner(csp, operator, {
      legalName: 'Direct France',
      country: 'FR',
      role: 'direct-bill',
    });
    stranger = await addPartner(csp, operator, {
      legalName: 'Stranger Reseller',
      country: 'FR',
      role: 'indirect-reseller',
    });
    customerFR = await addCustomer(csp, { legalName: 'Client France', country: 'FR' });
    directCustomer = await addCustomer(csp, { legalName: 'Kunde Deutschland', country: 'DE' });
    customerUS = await addCustomer(csp, { legalName: 'Fourth Coffee', country: 'US' });
    await connectReseller(csp, provider, reseller);
    await connectCustomer(csp, reseller, customerFR, { alsoAuthorize: provider });
    await connectCustomer(csp, direct, directCustomer);
  });

  const explainLine = (
    principal: Principal,
    sellerTenantId: string,
    customerTenantId: string,
    partnerIdOnRecord?: number,
  ) =>
    csp.query(
      explainOrderLine,
      { principal },
      {
        sellerTenantId,
        customerTenantId,
        ...(partnerIdOnRecord !== undefined && { partnerIdOnRecord }),
      },
    );

  const line = async (sellerTenantId: string, customerTenantId: string, partnerIdOnRecord?: number) =>
    must(await explainLine(operator.principal, sellerTenantId, customerTenantId, partnerIdOnRecord));

  const actionsOf = async (principal: Principal, input: Record<string, unknown>) =>
    must(await csp.query(explainPartnerActions, { principal }, input)).actions;

  const byAction = (actions: readonly ActionExplanation[]) =>
    Object.fromEntries(actions.map((a) => [a.action, a.violations.map((v) => v.code)]));

  /**
   * The pure decision over facts stated by the test (what the world was built with), the party
   * facts loaded from the store: what `explainOrderLine` must agree with.
   */
  function pureOrderLine(
    seller: Partner,
    customer: Customer,
    partnerOfRecord: Partner | undefined,
    f: {
      sellerHasCustomerRelationship: boolean;
      partnerOfRecordHasCustomerRelationship: boolean;
      partnership: PartnershipState;
      customerIsResellersCustomer: boolean;
    },
  ): Promise<Decision> {
    return csp.store.read(async (tx) => {
      const ctx: QueryContext = {
        principal: operator.principal,
        requestId: 'pure',
        now: T0,
        program: csp.program,
        tx,
      };
      const sellerFacts = await loadPartnerFacts(ctx, seller.tenantId);
      const customerFacts = await loadCustomerFacts(ctx, customer.tenantId);
      const porFacts = partnerOfRecord ? await loadPartnerFacts(ctx, partnerOfRecord.tenantId) : undefined;
      if (!sellerFacts || !customerFacts || (partnerOfRecord && !porFacts))
        throw new Error('facts not found');
      return decideOrderLine(
        csp.program,
        {
          seller: sellerFacts,
          customer: customerFacts,
          partnerOfRecord: porFacts,
          ...f,
          customerIsResellerOfSeller: false,
        },
        T0,
      );
    });
  }

  // -----------------------------------------------------------------------------------------------
  // explainOrderLine

  it('allowed: relationship 1, direct-bill partner → its customer', async () => {
    expect(await line(direct.tenantId, directCustomer.tenantId)).toEqual({ allowed: true, violations: [] });
  });

  it('allowed: relationship 2, provider → reseller as partner of record → customer', async () => {
    expect(await line(provider.tenantId, customerFR.tenantId, reseller.partnerId)).toEqual({
      allowed: true,
      violations: [],
    });
  });

  it('refused across regions: the same violations as the pure decision, with scenario 7 and its remedies', async () => {
    const d = await line(provider.tenantId, customerUS.tenantId, reseller.partnerId);
    expect(d).toEqual(
      await pureOrderLine(provider, customerUS, reseller, {
        sellerHasCustomerRelationship: false,
        partnerOfRecordHasCustomerRelationship: false,
        partnership: 'active',
        customerIsResellersCustomer: false,
      }),
    );
    expect(d.allowed).toBe(false);
    expect(d.violations.map((v) => v.code)).toEqual([
      'REGION_MISMATCH',
      'NO_CUSTOMER_RELATIONSHIP',
      'REGION_MISMATCH',
      'NO_CUSTOMER_RELATIONSHIP',
    ]);
    expect(d.violations[0]).toEqual({
      code: 'REGION_MISMATCH',
      message: 'Distributeur France is located in europe; customer Fourth Coffee is in united-states.',
      scenario: '7',
      remedies: US_CUSTOMER_REMEDIES,
    });
    expect(d.violations[2]).toMatchObject({
      code: 'REGION_MISMATCH',
      message: 'Revendeur Un is located in europe; customer Fourth Coffee is in united-states.',
      scenario: '7',
      remedies: US_CUSTOMER_REMEDIES,
    });
  });

  it('refused across regions for a direct-bill partner too', async () => {
    const d = await line(direct.tenantId, customerUS.tenantId);
    expect(d).toEqual(
      await pureOrderLine(direct, customerUS, undefined, {
        sellerHasCustomerRelationship: false,
        partnerOfRecordHasCustomerRelationship: false,
        partnership: 'none',
        customerIsResellersCustomer: false,
      }),
    );
    expect(d.violations.map((v) => [v.code, v.scenario])).toEqual([
      ['REGION_MISMATCH', '7'],
      ['NO_CUSTOMER_RELATIONSHIP', '1'],
    ]);
  });

  it('refused without a customer relationship: the same violation as the pure decision, with its remedy', async () => {
    // customerFR authorized the reseller and its provider, not the direct-bill partner.
    const d = await line(direct.tenantId, customerFR.tenantId);
    expect(d).toEqual(
      await pureOrderLine(direct, customerFR, undefined, {
        sellerHasCustomerRelationship: false,
        partnerOfRecordHasCustomerRelationship: false,
        partnership: 'none',
        customerIsResellersCustomer: false,
      }),
    );
    expect(d.violations).toEqual([
      {
        code: 'NO_CUSTOMER_RELATIONSHIP',
        message: 'Direct France has no relationship with Client France.',
        scenario: '1',
        remedies: [
          'Establish a reseller relationship with the customer first (invitation, or creating it on behalf of a reseller).',
        ],
      },
    ]);
  });

  it('refused: a partner of record the provider has no partnership with, who does not serve the customer', async () => {
    const d = await line(provider.tenantId, customerFR.tenantId, freeReseller.partnerId);
    expect(d).toEqual(
      await pureOrderLine(provider, customerFR, freeReseller, {
        sellerHasCustomerRelationship: true,
        partnerOfRecordHasCustomerRelationship: false,
        partnership: 'none',
        customerIsResellersCustomer: true,
      }),
    );
    expect(d.violations.map((v) => v.code)).toEqual(['NO_ACTIVE_PARTNERSHIP', 'NO_CUSTOMER_RELATIONSHIP']);
    expect(d.violations[0]?.remedies).toEqual([
      "Distributeur France invites Revendeur Deux to a partnership and the reseller's global admin accepts it.",
    ]);
  });

  it('PARTNER_ID_NOT_FOUND for a Partner ID no CSP tenant has (field partnerIdOnRecord)', async () => {
    const out = await explainLine(operator.principal, provider.tenantId, customerFR.tenantId, 9_999_999);
    expect(refusal(out)).toEqual([{ code: 'PARTNER_ID_NOT_FOUND', field: 'partnerIdOnRecord' }]);
    expect(!out.ok && out.violations[0]?.message).toBe('No CSP tenant has Partner ID 9999999.');
  });

  it('TENANT_NOT_FOUND for an unknown seller or customer', async () => {
    expect(refusal(await explainLine(operator.principal, UNKNOWN_TENANT, customerFR.tenantId))).toEqual([
      { code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' },
    ]);
    expect(refusal(await explainLine(operator.principal, provider.tenantId, UNKNOWN_TENANT))).toEqual([
      { code: 'TENANT_NOT_FOUND', field: 'customerTenantId' },
    ]);
  });

  it('may be asked by the operator, the seller, the customer and the partner of record — all get the same answer', async () => {
    const asked = async (principal: Principal) =>
      must(await explainLine(principal, provider.tenantId, customerFR.tenantId, reseller.partnerId));
    const expected = { allowed: true, violations: [] };
    expect(await asked(operator.principal)).toEqual(expected);
    expect(await asked(provider.globalAdmin)).toEqual(expected);
    expect(await asked(customerFR.globalAdmin)).toEqual(expected);
    expect(await asked(reseller.globalAdmin)).toEqual(expected);
    // A refused line too: the customer's org sees the reasons.
    expect(must(await explainLine(customerFR.globalAdmin, direct.tenantId, customerFR.tenantId))).toEqual(
      await line(direct.tenantId, customerFR.tenantId),
    );
  });

  it('a stranger partner (and an anonymous caller) gets TENANT_NOT_FOUND, exactly as for a seller that does not exist', async () => {
    for (const principal of [stranger.globalAdmin, ANONYMOUS]) {
      const out = await explainLine(principal, provider.tenantId, customerFR.tenantId, reseller.partnerId);
      expect(refusal(out)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
      expect(!out.ok && out.violations[0]).toEqual({
        code: 'TENANT_NOT_FOUND',
        message: `No tenant ${provider.tenantId}.`,
        field: 'sellerTenantId',
        remedies: [],
      });
      const missing = await explainLine(principal, UNKNOWN_TENANT, customerFR.tenantId, reseller.partnerId);
      expect(refusal(missing)).toEqual(refusal(out));
    }
    // Without a partner of record too.
    expect(
      refusal(await explainLine(stranger.globalAdmin, direct.tenantId, directCustomer.tenantId)),
    ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
  });

  // BUG: src/decisions/service.ts explainOrderLine counts the partner of record's organization as
  // "involved" even when that partner has nothing to do with the seller or the customer: a stranger
  // reseller naming its OWN Partner ID as partnerIdOnRecord learns about any seller/customer pair —
  // that the tenants exist, their legal names and regions, and whether the seller serves the customer
  // (NO_CUSTOMER_RELATIONSHIP or not). It should answer TENANT_NOT_FOUND as for any other stranger.
  it('a stranger naming itself as partner of record still learns nothing (TENANT_NOT_FOUND)', async () => {
    const out = await explainLine(
      stranger.globalAdmin,
      provider.tenantId,
      customerFR.tenantId,
      stranger.partnerId,
    );
    expect(refusal(out)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' }]);
  });

  it('validates its input: REQUIRED_FIELD, INVALID_GUID, INVALID_FIELD (unknown field, bad Partner ID)', async () => {
    const ask = (input: unknown) => csp.query(explainOrderLine, { principal: operator.principal }, input);
    expect(refusal(await ask({ customerTenantId: customerFR.tenantId }))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'sellerTenantId' },
    ]);
    expect(refusal(await ask({}))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'sellerTenantId' },
      { code: 'REQUIRED_FIELD', field: 'customerTenantId' },
    ]);
    expect(
      refusal(await ask({ sellerTenantId: 'not-a-guid', customerTenantId: customerFR.tenantId })),
    ).toEqual([{ code: 'INVALID_GUID', field: 'sellerTenantId' }]);
    expect(
      refusal(
        await ask({
          sellerTenantId: provider.tenantId,
          customerTenantId: customerFR.tenantId,
          partnerId: 1000001,
        }),
      ),
    ).toEqual([{ code: 'INVALID_FIELD', field: 'partnerId' }]);
    for (const partnerIdOnRecord of [0, '1000004', 1.5]) {
      expect(
        refusal(
          await ask({
            sellerTenantId: provider.tenantId,
            customerTenantId: customerFR.tenantId,
            partnerIdOnRecord,
          }),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'partnerIdOnRecord' }]);
    }
    expect(refusal(await ask('seller'))).toEqual([
      { code: 'INVALID_FIELD', field: '(body)' },
      { code: 'REQUIRED_FIELD', field: 'sellerTenantId' },
      { code: 'REQUIRED_FIELD', field: 'customerTenantId' },
    ]);
  });

  // -----------------------------------------------------------------------------------------------
  // explainPartnerActions

  it('a provider with a customer it serves through a reseller: invite-customer, place-order, set-partner-of-record', async () => {
    const actions = await actionsOf(provider.globalAdmin, {
      partnerTenantId: provider.tenantId,
      customerTenantId: customerFR.tenantId,
    });
    expect(actions.map((a) => a.action)).toEqual(['invite-customer', 'place-order', 'set-partner-of-record']);
    for (const a of actions) expect(Object.keys(a).sort()).toEqual(['action', 'allowed', 'violations']);
    expect(actions[0]).toEqual({
      action: 'invite-customer',
      allowed: false,
      violations: [
        {
          code: 'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS',
          message: 'Distributeur France already has a relationship with Client France.',
          remedies: [],
        },
      ],
    });
    // The order line through the associated reseller: what explainOrderLine says for that line.
    expect(actions[1]).toEqual({
      action: 'place-order',
      ...(await line(provider.tenantId, customerFR.tenantId, reseller.partnerId)),
    });
    expect(actions[1]?.allowed).toBe(true);
    expect(actions[2]).toEqual({ action: 'set-partner-of-record', allowed: true, violations: [] });
  });

  it('a direct-bill partner: no set-partner-of-record; a new same-region customer may be invited, not yet ordered for', async () => {
    const served = await actionsOf(direct.globalAdmin, {
      partnerTenantId: direct.tenantId,
      customerTenantId: directCustomer.tenantId,
    });
    expect(byAction(served)).toEqual({
      'invite-customer': ['CUSTOMER_RELATIONSHIP_ALREADY_EXISTS'],
      'place-order': [],
    });
    const fresh = await addCustomer(csp, { legalName: 'Nouveau Client', country: 'FR' });
    const actions = await actionsOf(direct.globalAdmin, {
      partnerTenantId: direct.tenantId,
      customerTenantId: fresh.tenantId,
    });
    expect(actions.map((a) => [a.action, a.allowed])).toEqual([
      ['invite-customer', true],
      ['place-order', false],
    ]);
    expect(byAction(actions)['place-order']).toEqual(['NO_CUSTOMER_RELATIONSHIP']);
    // The real command agrees: the invitation goes.
    must(
      await csp.execute(
        inviteCustomer,
        { principal: direct.globalAdmin },
        { partnerTenantId: direct.tenantId, customerTenantId: fresh.tenantId, requestDelegatedAdmin: false },
      ),
    );
  });

  it('a customer in another region: the invite-customer explanation is the real invitation’s refusal', async () => {
    const actions = await actionsOf(direct.globalAdmin, {
      partnerTenantId: direct.tenantId,
      customerTenantId: customerUS.tenantId,
    });
    const before = await snapshot(db.store());
    const real = await csp.execute(
      inviteCustomer,
      { principal: direct.globalAdmin },
      {
        partnerTenantId: direct.tenantId,
        customerTenantId: customerUS.tenantId,
        requestDelegatedAdmin: true,
      },
    );
    expect(codes(real)).toEqual(['REGION_MISMATCH']);
    expect(actions[0]).toEqual({
      action: 'invite-customer',
      allowed: false,
      violations: !real.ok && real.violations,
    });
    expect(actions[0]?.violations[0]).toMatchObject({ scenario: '7', remedies: US_CUSTOMER_REMEDIES });
    expect(await snapshot(db.store())).toEqual(before);
  });

  it('a provider with a connected reseller: invite-partnership PARTNERSHIP_ALREADY_EXISTS, end-partnership TERMINATION_REQUIRES_SUPPORT', async () => {
    const actions = await actionsOf(provider.globalAdmin, {
      partnerTenantId: provider.tenantId,
      resellerTenantId: reseller.tenantId,
    });
    expect(actions).toEqual([
      {
        action: 'invite-partnership',
        allowed: false,
        violations: [
          {
            code: 'PARTNERSHIP_ALREADY_EXISTS',
            message: 'Distributeur France and Revendeur Un already have a partnership (active).',
            remedies: [],
          },
        ],
      },
      {
        action: 'end-partnership',
        allowed: false,
        violations: [
          {
            code: 'TERMINATION_REQUIRES_SUPPORT',
            message: 'Under this program a partnership is ended through a support request.',
            scenario: '6',
            remedies: ['Open a support request to end the partnership; the program operator resolves it.'],
          },
        ],
      },
    ]);
  });

  it('an unconnected enrolled reseller of the same region may be invited, and the real invitation goes through', async () => {
    const ask = () =>
      actionsOf(provider.globalAdmin, {
        partnerTenantId: provider.tenantId,
        resellerTenantId: freeReseller.tenantId,
      });
    expect(byAction(await ask())).toEqual({
      'invite-partnership': [],
      // Nothing to end yet, and under the default policy ending goes through support anyway.
      'end-partnership': ['INVALID_TRANSITION', 'TERMINATION_REQUIRES_SUPPORT'],
    });
    must(
      await csp.execute(
        invitePartnership,
        { principal: provider.globalAdmin },
        { providerTenantId: provider.tenantId, resellerTenantId: freeReseller.tenantId },
      ),
    );
    expect(byAction(await ask())['invite-partnership']).toEqual(['PARTNERSHIP_ALREADY_EXISTS']);
  });

  it('a reseller of another region: REGION_MISMATCH (scenario 8), as the real invitation says', async () => {
    const actions = await actionsOf(provider.globalAdmin, {
      partnerTenantId: provider.tenantId,
      resellerTenantId: resellerUS.tenantId,
    });
    const invite = actions.find((a) => a.action === 'invite-partnership');
    expect(invite).toEqual({
      action: 'invite-partnership',
      allowed: false,
      violations: [
        {
          code: 'REGION_MISMATCH',
          message:
            'Provider Distributeur France is located in europe; reseller Reseller United States in united-states.',
          scenario: '8',
          remedies: [
            'The reseller partners with an indirect provider located in united-states.',
            'The provider partners through its own location (CSP tenant) in united-states.',
          ],
        },
      ],
    });
    const real = await csp.execute(
      invitePartnership,
      { principal: provider.globalAdmin },
      { providerTenantId: provider.tenantId, resellerTenantId: resellerUS.tenantId },
    );
    expect(!real.ok && real.violations).toEqual(invite?.violations);
  });

  it('a customer and a reseller at once: every action, in order', async () => {
    const actions = await actionsOf(operator.principal, {
      partnerTenantId: provider.tenantId,
      customerTenantId: customerFR.tenantId,
      resellerTenantId: reseller.tenantId,
    });
    expect(actions.map((a) => [a.action, a.allowed])).toEqual([
      ['invite-customer', false],
      ['place-order', true],
      ['set-partner-of-record', true],
      ['invite-partnership', false],
      ['end-partnership', false],
    ]);
  });

  it('REQUIRED_FIELD without a customer or a reseller; input validated like every query', async () => {
    const ask = (input: unknown) =>
      csp.query(explainPartnerActions, { principal: operator.principal }, input);
    expect(refusal(await ask({ partnerTenantId: provider.tenantId }))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'customerTenantId' },
    ]);
    expect(refusal(await ask({ customerTenantId: customerFR.tenantId }))).toEqual([
      { code: 'REQUIRED_FIELD', field: 'partnerTenantId' },
    ]);
    expect(refusal(await ask({ partnerTenantId: provider.tenantId, resellerTenantId: 'nope' }))).toEqual([
      { code: 'INVALID_GUID', field: 'resellerTenantId' },
    ]);
    expect(
      refusal(
        await ask({ partnerTenantId: provider.tenantId, customerTenantId: customerFR.tenantId, action: 'x' }),
      ),
    ).toEqual([{ code: 'INVALID_FIELD', field: 'action' }]);
    expect(
      refusal(await ask({ partnerTenantId: provider.tenantId, customerTenantId: UNKNOWN_TENANT })),
    ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    expect(
      refusal(await ask({ partnerTenantId: provider.tenantId, resellerTenantId: UNKNOWN_TENANT })),
    ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'resellerTenantId' }]);
  });

  it('TENANT_NOT_FOUND for anyone outside the partner’s organization (stranger, customer, anonymous), as for no tenant at all', async () => {
    const input = { partnerTenantId: provider.tenantId, customerTenantId: customerFR.tenantId };
    const notFound = [{ code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' }];
    for (const principal of [stranger.globalAdmin, customerFR.globalAdmin, reseller.globalAdmin, ANONYMOUS]) {
      expect(refusal(await csp.query(explainPartnerActions, { principal }, input))).toEqual(notFound);
    }
    expect(
      refusal(
        await csp.query(
          explainPartnerActions,
          { principal: operator.principal },
          { ...input, partnerTenantId: UNKNOWN_TENANT },
        ),
      ),
    ).toEqual(notFound);
  });

  // -----------------------------------------------------------------------------------------------
  // Nothing written.

  it('explaining writes nothing, allowed or refused', async () => {
    const before = await snapshot(db.store());
    await line(provider.tenantId, customerFR.tenantId, reseller.partnerId);
    await line(provider.tenantId, customerUS.tenantId, reseller.partnerId);
    await explainLine(stranger.globalAdmin, provider.tenantId, customerFR.tenantId);
    await explainLine(operator.principal, provider.tenantId, customerFR.tenantId, 9_999_999);
    await actionsOf(provider.globalAdmin, {
      partnerTenantId: provider.tenantId,
      customerTenantId: customerFR.tenantId,
      resellerTenantId: freeReseller.tenantId,
    });
    expect(await snapshot(db.store())).toEqual(before);
  });

  /** A runtime over the same store with its own id source: two of them with one seed mint the same ids. */
  const runtime = (seed: number) => new OpenCsp(db.store(), csp.program, seededIds(seed), () => T0);

  it('a dry run of inviteCustomer returns what the real run returns, and writes nothing', async () => {
    const fresh = await addCustomer(csp, { legalName: 'Client Essai', country: 'FR' });
    const input = {
      partnerTenantId: direct.tenantId,
      customerTenantId: fresh.tenantId,
      requestDelegatedAdmin: true,
    };
    const before = await snapshot(db.store());
    const dry = await runtime(7).execute(inviteCustomer, { principal: direct.globalAdmin }, input, {
      dryRun: true,
    });
    expect(dry.ok).toBe(true);
    expect(await snapshot(db.store())).toEqual(before);

    const real = await runtime(7).execute(inviteCustomer, { principal: direct.globalAdmin }, input);
    expect(real).toEqual(dry);
    const after = await snapshot(db.store());
    expect(after.customer_invitations?.length).toBe((before.customer_invitations?.length ?? 0) + 1);
    expect(after.ledger_events?.length).toBe((before.ledger_events?.length ?? 0) + 1);
  });

  it('a dry run of acceptPartnership returns what the real run returns, and writes nothing; a refused one too', async () => {
    const invited = must(
      await csp.execute(
        invitePartnership,
        { principal: provider.globalAdmin },
        { providerTenantId: provider.tenantId, resellerTenantId: freeReseller.tenantId },
      ),
    );
    const token = { token: invited.invitationToken };
    const before = await snapshot(db.store());

    // Refused (only the reseller's global admin accepts): the same refusal, dry or not, nothing written.
    const dryRefused = await csp.execute(acceptPartnership, { principal: provider.globalAdmin }, token, {
      dryRun: true,
    });
    expect(codes(dryRefused)).toEqual(['NOT_AUTHORIZED']);
    expect(await csp.execute(acceptPartnership, { principal: provider.globalAdmin }, token)).toEqual(
      dryRefused,
    );
    expect(await snapshot(db.store())).toEqual(before);

    // Accepted.
    const dry = must(
      await csp.execute(acceptPartnership, { principal: freeReseller.globalAdmin }, token, { dryRun: true }),
    );
    expect(dry).toMatchObject({ id: invited.id, state: 'active' });
    expect(await snapshot(db.store())).toEqual(before);
    const stillInvited = await csp.store.read((tx) =>
      partnershipState(
        { principal: operator.principal, requestId: 'check', now: T0, program: csp.program, tx },
        provider.tenantId,
        freeReseller.tenantId,
      ),
    );
    expect(stillInvited).toBe('invited');

    const real = must(await csp.execute(acceptPartnership, { principal: freeReseller.globalAdmin }, token));
    expect(real).toEqual(dry);
    expect(await snapshot(db.store())).not.toEqual(before);
    // And the explanation follows the real state.
    const actions = await actionsOf(provider.globalAdmin, {
      partnerTenantId: provider.tenantId,
      resellerTenantId: freeReseller.tenantId,
    });
    expect(actions[0]?.violations[0]?.message).toBe(
      'Distributeur France and Revendeur Deux already have a partnership (active).',
    );
  });

  it('the customer facts used by the explanation match the world (sanity for the pure comparisons)', async () => {
    const facts = await csp.store.read(async (tx) => {
      const ctx: QueryContext = {
        principal: operator.principal,
        requestId: 'f',
        now: T0,
        program: csp.program,
        tx,
      };
      return {
        providerServesFR: await hasCustomerRelationship(ctx, provider.tenantId, customerFR.tenantId),
        resellerServesFR: await hasCustomerRelationship(ctx, reseller.tenantId, customerFR.tenantId),
        directServesFR: await hasCustomerRelationship(ctx, direct.tenantId, customerFR.tenantId),
        partnership: await partnershipState(ctx, provider.tenantId, reseller.tenantId),
      };
    });
    expect(facts).toEqual({
      providerServesFR: true,
      resellerServesFR: true,
      directServesFR: false,
      partnership: 'active',
    });
  });
});
