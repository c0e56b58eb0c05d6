/**
 * Seed, sample scenario 5: "What if a partner in the CSP program wants to sell to themselves as an
 * end-customer? By contract, partners in the CSP program are not allowed to sell Microsoft or
 * third-party offers to themselves (as end-customers) or to their affiliate organizations (as
 * end-customers)."
 */
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { acceptCustomerInvitation, inviteCustomer } from '../../src/customers/service.ts';
import type { TenantId, UserId } from '../../src/kernel/ids.ts';
import { addDays } from '../../src/kernel/time.ts';
import {
  addToAffiliateGroup,
  createCustomerTenant,
  removeFromAffiliateGroup,
} from '../../src/parties/service.ts';
import { insertPartnership } from '../../src/partnerships/store.ts';
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
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { codes, snapshot } from '../support/snapshot.ts';

const REMEDIES = [
  'Buy for your own use from an unrelated indirect reseller or direct-bill partner, into a customer-type tenant (scenario 4).',
];
const AGREEMENT = { signerName: 'Chief Buyer', signerEmail: 'buyer@example.com' };

describeEachDatabase(
  'scenario 5: "partners in the CSP program are not allowed to sell Microsoft or third-party offers to themselves (as end-customers) or to their affiliate organizations (as end-customers)"',
  (db) => {
    let csp: OpenCsp;
    let operator: Operator;
    let provider: Partner;
    let reseller: Partner;
    let unrelated: Partner;
    let subsidiary: Customer;

    beforeEach(async () => {
      csp = await db.fresh();
      operator = await bootstrap(csp);
      provider = await addPartner(csp, operator, {
        legalName: 'Distributeur France',
        country: 'FR',
        role: 'indirect-provider',
      });
      reseller = await addPartner(csp, operator, {
        legalName: 'Revendeur Groupe',
        country: 'FR',
        role: 'indirect-reseller',
      });
      unrelated = await addPartner(csp, operator, {
        legalName: 'Revendeur Independant',
        country: 'FR',
        role: 'indirect-reseller',
      });
      subsidiary = await addCustomer(csp, { legalName: 'Filiale du Groupe', country: 'FR' });
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
          requestDelegatedAdmin: true,
          ...(customerTenantId && { customerTenantId }),
          ...extra,
        },
      );

    const affiliate = (organizationId: string, affiliateOf: string) =>
      csp.execute(addToAffiliateGroup, { principal: operator.principal }, { organizationId, affiliateOf });

    describe('to themselves (SELF_DEALING)', () => {
      async function ownTenant() {
        const own = must(
          await csp.execute(
            createCustomerTenant,
            { principal: reseller.globalAdmin },
            {
              organizationId: reseller.organizationId,
              country: 'FR',
              tenant: { domain: 'interne.revendeur-groupe.example' },
              globalAdmin: { email: 'it@revendeur-groupe.example', displayName: 'IT' },
            },
          ),
        );
        return {
          tenantId: own.tenantId,
          admin: userPrincipal(own.globalAdminUserId as UserId, own.tenantId as TenantId, ['global-admin']),
        };
      }

      it("refused: a partner inviting its own organization's customer-type tenant, alone or with its provider", async () => {
        const own = await ownTenant();
        const before = await snapshot(db.store());
        const out = await invite(reseller, own.tenantId);
        expect(codes(out)).toEqual(['SELF_DEALING']);
        const v = !out.ok ? out.violations[0] : undefined;
        expect(v).toMatchObject({
          scenario: '5',
          message: 'Revendeur Groupe cannot sell to its own organization as an end customer.',
          remedies: REMEDIES,
        });
        // The provider's leg finds the same self-dealing of its reseller: reported once.
        expect(
          codes(await invite(reseller, own.tenantId, { alsoAuthorizeProviderTenantId: provider.tenantId })),
        ).toEqual(['SELF_DEALING']);
        expect(await snapshot(db.store())).toEqual(before);
      });

      it('refused: its own tenant accepting its open invitation (decided again on acceptance)', async () => {
        const own = await ownTenant();
        const open = must(await invite(reseller, undefined));
        const out = await csp.execute(
          acceptCustomerInvitation,
          { principal: own.admin },
          { token: open.token, customerTenantId: own.tenantId, customerAgreement: AGREEMENT },
        );
        expect(codes(out)).toEqual(['SELF_DEALING']);
      });

      it('allowed: the same tenant buying from an unrelated reseller (scenario 4)', async () => {
        const own = await ownTenant();
        const inv = must(await invite(unrelated, own.tenantId));
        const out = must(
          await csp.execute(
            acceptCustomerInvitation,
            { principal: own.admin },
            { token: inv.token, customerTenantId: own.tenantId, customerAgreement: AGREEMENT },
          ),
        );
        expect(out.relationships.map((r) => r.partnerTenantId)).toEqual([unrelated.tenantId]);
      });
    });

    describe('to their affiliates (AFFILIATE_DEALING)', () => {
      it("refused: a reseller inviting its affiliate; the provider's affiliate through its reseller", async () => {
        must(await affiliate(subsidiary.organizationId, reseller.organizationId));
        const out = await invite(reseller, subsidiary.tenantId);
        expect(codes(out)).toEqual(['AFFILIATE_DEALING']);
        expect(!out.ok && out.violations[0]).toMatchObject({
          scenario: '5',
          message: 'Revendeur Groupe cannot sell to its affiliate Filiale du Groupe as an end customer.',
          remedies: REMEDIES,
        });
        must(
          await csp.execute(
            removeFromAffiliateGroup,
            { principal: operator.principal },
            { organizationId: subsidiary.organizationId },
          ),
        );
        must(await affiliate(subsidiary.organizationId, provider.organizationId));
        const viaProvider = await invite(reseller, subsidiary.tenantId, {
          alsoAuthorizeProviderTenantId: provider.tenantId,
        });
        expect(codes(viaProvider)).toEqual(['AFFILIATE_DEALING']);
        expect(!viaProvider.ok && viaProvider.violations[0]?.message).toBe(
          'Distributeur France cannot sell to its affiliate Filiale du Groupe as an end customer.',
        );
      });

      it('refused on acceptance when the affiliation is recorded after the invitation', async () => {
        const inv = must(await invite(reseller, subsidiary.tenantId));
        must(await affiliate(subsidiary.organizationId, reseller.organizationId));
        const out = await csp.execute(
          acceptCustomerInvitation,
          { principal: subsidiary.globalAdmin },
          { token: inv.token, customerTenantId: subsidiary.tenantId },
        );
        expect(codes(out)).toEqual(['AFFILIATE_DEALING']);
      });

      it('allowed: an unrelated reseller sells to the affiliate; the reseller itself once it is no longer an affiliate', async () => {
        must(await affiliate(subsidiary.organizationId, reseller.organizationId));
        must(await invite(unrelated, subsidiary.tenantId));
        must(
          await csp.execute(
            removeFromAffiliateGroup,
            { principal: operator.principal },
            { organizationId: subsidiary.organizationId },
          ),
        );
        const inv = must(await invite(reseller, subsidiary.tenantId));
        const out = must(
          await csp.execute(
            acceptCustomerInvitation,
            { principal: subsidiary.globalAdmin },
            { token: inv.token, customerTenantId: subsidiary.tenantId },
          ),
        );
        expect(out.relationships.map((r) => r.partnerTenantId)).toEqual([reseller.tenantId]);
      });
    });
  },
);
