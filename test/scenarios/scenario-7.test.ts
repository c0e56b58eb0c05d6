/**
 * Seed, sample scenario 7: "What if an indirect reseller wants to sell to a customer who is in a
 * different region? A partner in the CSP program can only sell to customers from the same region."
 * And related/request-a-relationship-with-a-customer.en.md: "You can request a reseller
 * relationship with a customer from within your country or your same region."
 */
import { beforeEach, expect, it } from 'vitest';
import { signPartnerAgreement } from '../../src/agreements/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import {
  acceptCustomerInvitation,
  createCustomer,
  inviteCustomer,
  listCustomers,
} from '../../src/customers/service.ts';
import { enroll, verifyEnrollment } from '../../src/enrollments/service.ts';
import { addLocation, associatePartnerId, createPartnerTenant } from '../../src/parties/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Operator,
  type Partner,
  userPrincipal,
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
    let operator: Operator;
    let resellerFR: Partner;
    let customerUS: Customer;
    let customerDE: Customer;

    beforeEach(async () => {
      csp = await db.fresh();
      operator = await bootstrap(csp);
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
      // The reseller signed the partner agreement at home (europe): across regions its readiness
      // is judged there, so the mismatch is the only reason (no MPA asked for united-states).
      expect(codes(out)).toEqual(['REGION_MISMATCH']);
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
      expect(codes(out)).toEqual(['REGION_MISMATCH']);
      expect(!out.ok && out.violations[0]?.scenario).toBe('7');
    });

    it('refused: a French reseller creating a US customer', async () => {
      const before = await snapshot(db.store());
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
      expect(codes(out)).toEqual(['REGION_MISMATCH']);
      expect(!out.ok && out.violations[0]).toMatchObject({
        scenario: '7',
        message: 'Revendeur France is located in europe; customer Adventure Works LLC is in united-states.',
        remedies: US_REMEDIES,
      });
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refused: a French reseller that never signed the MPA names its home region, not the customer’s', async () => {
      const unsigned = await addPartner(csp, operator, {
        legalName: 'Revendeur Lyon',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const out = await csp.execute(
        inviteCustomer,
        { principal: unsigned.globalAdmin },
        {
          partnerTenantId: unsigned.tenantId,
          customerTenantId: customerUS.tenantId,
          requestDelegatedAdmin: true,
        },
      );
      expect(codes(out)).toEqual(['REGION_MISMATCH', 'ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED']);
      const mpa = out.ok ? undefined : out.violations.find((v) => v.code === 'MPA_NOT_SIGNED');
      expect(mpa?.remedies.join(' ')).toContain('region europe');
      expect(mpa?.remedies.join(' ')).not.toContain('united-states');
    });

    it('the remedy: a US location (CSP tenant) of the same organization, enrolled, signs the MPA for united-states, then sells there', async () => {
      const loc = must(
        await csp.execute(
          addLocation,
          { principal: resellerFR.globalAdmin },
          { organizationId: resellerFR.organizationId, country: 'US' },
        ),
      );
      const domain = 'revendeur-us.onmicrosoft.example';
      const t = must(
        await csp.execute(
          createPartnerTenant,
          { principal: resellerFR.globalAdmin },
          {
            organizationId: resellerFR.organizationId,
            country: 'US',
            tenant: { domain },
            globalAdmin: { email: `admin@${domain}`, displayName: 'US Admin' },
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
      const e = must(
        await csp.execute(enroll, { principal: admin }, { tenantId: t.tenantId, role: 'indirect-reseller' }),
      );
      must(await csp.execute(verifyEnrollment, { principal: operator.principal }, { enrollmentId: e.id }));
      const inviteUS = () =>
        csp.execute(
          inviteCustomer,
          { principal: admin },
          { partnerTenantId: t.tenantId, customerTenantId: customerUS.tenantId, requestDelegatedAdmin: true },
        );
      // Same region now; the organization signed europe's MPA only: the MPA for united-states is missing.
      const out = await inviteUS();
      expect(codes(out)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED']);
      const mpa = out.ok ? undefined : out.violations.find((v) => v.code === 'MPA_NOT_SIGNED');
      expect(mpa?.remedies.join(' ')).toContain('region united-states');
      must(await csp.execute(signPartnerAgreement, { principal: admin }, { tenantId: t.tenantId }));
      expect(must(await inviteUS()).partnerTenantId).toBe(t.tenantId);
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
