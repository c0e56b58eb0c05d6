/**
 * Seed, sample scenario 4: "What if a partner in the CSP program (either an indirect provider,
 * indirect reseller, or direct-bill partner) wants to buy Microsoft or third-party offers for their
 * own use (as an end-customer)? … The partner can buy as a customer from either an indirect
 * reseller or from a direct-bill partner. To do so, however, they must use a different tenant than
 * the one used for CSP. … services bought by the partner need to be provisioned to a tenant
 * designated as a Customer type … cannot be provisioned to the existing partner's CSP tenant."
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { acceptCustomerInvitation, inviteCustomer } from '../../src/customers/service.ts';
import type { ProgramRole } from '../../src/enrollments/model.ts';
import type { TenantId, UserId } from '../../src/kernel/ids.ts';
import { addDays } from '../../src/kernel/time.ts';
import { createCustomerTenant } from '../../src/parties/service.ts';
import { insertPartnership } from '../../src/partnerships/store.ts';
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

const ROLES: readonly ProgramRole[] = ['indirect-provider', 'indirect-reseller', 'direct-bill'];
const AGREEMENT = { signerName: 'Chief Buyer', signerEmail: 'buyer@northwind.example' };

describeEachDatabase(
  'scenario 4: "The partner can buy as a customer from either an indirect reseller or from a direct-bill partner. To do so, however, they must use a different tenant than the one used for CSP."',
  (db) => {
    let csp: OpenCsp;
    let operator: Operator;
    let provider: Partner;
    let reseller: Partner;
    let direct: Partner;

    beforeEach(async () => {
      csp = await db.fresh();
      operator = await bootstrap(csp);
      provider = await addPartner(csp, operator, {
        legalName: 'Distributeur France',
        country: 'FR',
        role: 'indirect-provider',
      });
      reseller = await addPartner(csp, operator, {
        legalName: 'Revendeur Tiers',
        country: 'FR',
        role: 'indirect-reseller',
      });
      direct = await addPartner(csp, operator, {
        legalName: 'Direct Tiers',
        country: 'FR',
        role: 'direct-bill',
      });
      await insertPartnership(
        csp.store.db,
        {
          id: randomUUID(),
          providerTenantId: provider.tenantId,
          resellerTenantId: reseller.tenantId,
          state: 'active',
          invitationToken: randomUUID(),
          invitedAt: T0.toISOString(),
          expiresAt: addDays(T0, 90).toISOString(),
          acceptedAt: T0.toISOString(),
          endedAt: null,
          endReason: null,
          updatedAt: T0.toISOString(),
        },
        null,
      );
    });

    /** The buying partner's organization and a customer-type tenant of it, for its own use. */
    async function buyer(role: ProgramRole) {
      const partner = await addPartner(csp, operator, {
        legalName: `Northwind ${role}`,
        country: 'FR',
        role,
      });
      const own = must(
        await csp.execute(
          createCustomerTenant,
          { principal: partner.globalAdmin },
          {
            organizationId: partner.organizationId,
            country: 'FR',
            tenant: { domain: `internal-${role}.northwind.example` },
            globalAdmin: { email: `it@${role}.northwind.example`, displayName: 'Northwind IT' },
          },
        ),
      );
      const ownAdmin = userPrincipal(own.globalAdminUserId as UserId, own.tenantId as TenantId, [
        'global-admin',
      ]);
      return { partner, ownTenantId: own.tenantId, ownAdmin };
    }

    const invite = (
      seller: Partner,
      customerTenantId: string | undefined,
      extra: Record<string, unknown> = {},
    ) =>
      csp.execute(
        inviteCustomer,
        { principal: seller.globalAdmin },
        {
          partnerTenantId: seller.tenantId,
          requestDelegatedAdmin: false,
          ...(customerTenantId && { customerTenantId }),
          ...extra,
        },
      );

    describe.each(ROLES)('a partner enrolled as %s buying for its own use', (role) => {
      it('refused: its CSP tenant as the customer (PARTNER_TENANT_NOT_CUSTOMER_TYPE)', async () => {
        const { partner } = await buyer(role);
        const before = await snapshot(db.store());
        for (const seller of [reseller, direct]) {
          const out = await invite(seller, partner.tenantId);
          expect(codes(out)).toEqual(['PARTNER_TENANT_NOT_CUSTOMER_TYPE']);
          const v = !out.ok ? out.violations[0] : undefined;
          expect(v?.scenario).toBe('4');
          expect(v?.remedies).toEqual([
            `Create a customer-type tenant for Northwind ${role}'s own use and buy into that one.`,
            'Buy from an indirect reseller or a direct-bill partner that is not your own organization or an affiliate.',
          ]);
        }
        expect(await snapshot(db.store())).toEqual(before);
        // Accepting an open invitation from its CSP tenant is refused the same way.
        const open = must(await invite(direct, undefined));
        const accepted = await csp.execute(
          acceptCustomerInvitation,
          { principal: partner.globalAdmin },
          { token: open.token, customerTenantId: partner.tenantId, customerAgreement: AGREEMENT },
        );
        expect(codes(accepted)).toEqual(['PARTNER_TENANT_NOT_CUSTOMER_TYPE']);
      });

      it('allowed: a customer-type tenant of its organization, from an unrelated reseller or direct-bill partner', async () => {
        const { ownTenantId, ownAdmin } = await buyer(role);
        for (const seller of [reseller, direct]) {
          const inv = must(await invite(seller, ownTenantId));
          const out = must(
            await csp.execute(
              acceptCustomerInvitation,
              { principal: ownAdmin },
              { token: inv.token, customerTenantId: ownTenantId, customerAgreement: AGREEMENT },
            ),
          );
          expect(out.relationships.map((r) => [r.partnerTenantId, r.customerTenantId, r.state])).toEqual([
            [seller.tenantId, ownTenantId, 'active'],
          ]);
        }
      });

      it('refused: from an indirect provider directly (UNSUPPORTED_CHAIN); allowed through its reseller', async () => {
        const { ownTenantId, ownAdmin } = await buyer(role);
        const out = await invite(provider, ownTenantId);
        expect(codes(out)).toEqual(['UNSUPPORTED_CHAIN']);
        const v = !out.ok ? out.violations[0] : undefined;
        expect(v?.scenario).toBe('1');
        expect(v?.remedies).toEqual([
          'Create the customer on behalf of one of your indirect resellers (it becomes the associated partner).',
          'Let one of your indirect resellers invite the customer, authorizing you too.',
        ]);
        const inv = must(
          await invite(reseller, ownTenantId, { alsoAuthorizeProviderTenantId: provider.tenantId }),
        );
        const accepted = must(
          await csp.execute(
            acceptCustomerInvitation,
            { principal: ownAdmin },
            { token: inv.token, customerTenantId: ownTenantId, customerAgreement: AGREEMENT },
          ),
        );
        expect(accepted.relationships.map((r) => [r.partnerTenantId, r.associatedPartnerTenantId])).toEqual([
          [reseller.tenantId, null],
          [provider.tenantId, reseller.tenantId],
        ]);
      });
    });
  },
);
