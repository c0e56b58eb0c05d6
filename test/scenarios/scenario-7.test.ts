/**
 * Seed, sample scenario 7: "What if an indirect reseller wants to sell to a customer who is in a
 * different region? A partner in the CSP program can only sell to customers from the same region."
 * And related/request-a-relationship-with-a-customer.en.md: "You can request a reseller
 * relationship with a customer from within your country or your same region."
 */
import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import {
  acceptCustomerInvitation,
  createCustomer,
  inviteCustomer,
  listCustomers,
} from '../../src/customers/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { codes, snapshot } from '../support/snapshot.ts';

const US_REMEDIES = [
  'Serve this customer through a partner located in united-states.',
  'Add a location (and CSP tenant) in a country of united-states, enroll it and sign the partner agreement there.',
];

describeEachDatabase(
  'scenario 7: "A partner in the CSP program can only sell to customers from the same region."',
  (db) => {
    let csp: OpenCsp;
    let resellerFR: Partner;
    let customerUS: Customer;
    let customerDE: Customer;

    beforeEach(async () => {
      csp = await db.fresh();
      const operator = await bootstrap(csp);
      resellerFR = await addPartner(csp, operator, {
        legalName: 'Revendeur France',
        country: 'FR',
        role: 'indirect-reseller',
      });
      customerUS = await addCustomer(csp, { legalName: 'Fourth Coffee Inc.', country: 'US' });
      customerDE = await addCustomer(csp, { legalName: 'Contoso GmbH', country: 'DE' });
    });

    const invite = (customerTenantId?: string) =>
      csp.execute(
        inviteCustomer,
        { principal: resellerFR.globalAdmin },
        {
          partnerTenantId: resellerFR.tenantId,
          requestDelegatedAdmin: true,
          ...(customerTenantId && { customerTenantId }),
        },
      );

    function expectRegionMismatch(out: Awaited<ReturnType<typeof invite>>) {
      // The reseller is in europe; the customer's region also lacks the reseller's partner
      // agreement (readiness is judged in the customer's region).
      expect(codes(out)).toEqual(['REGION_MISMATCH', 'MPA_NOT_SIGNED']);
      expect(!out.ok && out.violations[0]).toMatchObject({
        code: 'REGION_MISMATCH',
        scenario: '7',
        message: 'Revendeur France is located in europe; customer Fourth Coffee Inc. is in united-states.',
        remedies: US_REMEDIES,
      });
    }

    it('refused: a French reseller inviting a US customer, before any email goes (REGION_MISMATCH)', async () => {
      const before = await snapshot(db.store());
      expectRegionMismatch(await invite(customerUS.tenantId));
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refused: a US customer accepting an open invitation of a French reseller', async () => {
      const open = must(await invite());
      const out = await csp.execute(
        acceptCustomerInvitation,
        { principal: customerUS.globalAdmin },
        { token: open.token, customerTenantId: customerUS.tenantId },
      );
      expect(codes(out)).toEqual(['REGION_MISMATCH', 'MPA_NOT_SIGNED']);
      expect(!out.ok && out.violations[0]?.scenario).toBe('7');
    });

    it('refused: a French reseller creating a US customer', async () => {
      const out = await csp.execute(
        createCustomer,
        { principal: resellerFR.globalAdmin },
        {
          partnerTenantId: resellerFR.tenantId,
          legalName: 'Adventure Works LLC',
          country: 'US',
          address: { line1: '1 Main Street', city: 'Seattle', country: 'US' },
          tenant: { domain: 'adventure-works.onmicrosoft.example' },
          globalAdmin: { email: 'admin@adventure-works.example', displayName: 'Admin' },
          customerAgreement: { signerName: 'Pat', signerEmail: 'pat@adventure-works.example' },
        },
      );
      expect(codes(out)).toEqual(['REGION_MISMATCH', 'MPA_NOT_SIGNED']);
      expect(!out.ok && out.violations[0]).toMatchObject({
        scenario: '7',
        message: 'Revendeur France is located in europe; customer Adventure Works LLC is in united-states.',
        remedies: US_REMEDIES,
      });
    });

    it('allowed: a French reseller and a German customer (both europe)', async () => {
      const inv = must(await invite(customerDE.tenantId));
      const out = must(
        await csp.execute(
          acceptCustomerInvitation,
          { principal: customerDE.globalAdmin },
          { token: inv.token, customerTenantId: customerDE.tenantId },
        ),
      );
      expect(out.relationships.map((r) => [r.partnerTenantId, r.customerTenantId, r.state])).toEqual([
        [resellerFR.tenantId, customerDE.tenantId, 'active'],
      ]);
      const created = must(
        await csp.execute(
          createCustomer,
          { principal: resellerFR.globalAdmin },
          {
            partnerTenantId: resellerFR.tenantId,
            legalName: 'Fabrikam Italia',
            country: 'IT',
            address: { line1: 'Via Roma 1', city: 'Milano', country: 'IT' },
            tenant: { domain: 'fabrikam-italia.onmicrosoft.example' },
            globalAdmin: { email: 'admin@fabrikam.example', displayName: 'Admin' },
            customerAgreement: { signerName: 'Gio', signerEmail: 'gio@fabrikam.example' },
          },
        ),
      );
      const list = must(
        await csp.query(
          listCustomers,
          { principal: resellerFR.globalAdmin },
          { partnerTenantId: resellerFR.tenantId },
        ),
      );
      expect(list.items.map((c) => [c.customerTenantId, c.country, c.region])).toEqual(
        expect.arrayContaining([
          [customerDE.tenantId, 'DE', 'europe'],
          [created.tenantId, 'IT', 'europe'],
        ]),
      );
      expect(list.items).toHaveLength(2);
    });
  },
);
