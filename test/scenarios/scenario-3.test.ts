/**
 * Seed, sample scenario 3: "What if a partner is contacted by a customer who wants to hire them to
 * manage and support their subscription(s)? The customer can engage multiple partners to manage
 * their subscription(s)." Multi-channel (related/multichannel.en.md): the customer "already
 * purchased subscriptions directly from Microsoft" and the partner "must request permissions from
 * the customer to manage their subscriptions" — an admin relationship only the customer's global
 * admin approves. The subscription bought elsewhere is managed, never resold.
 */
import { beforeEach, expect, it } from 'vitest';
import {
  approveAdminRelationship,
  createAdminRelationship,
  getAdminRelationship,
  listAdminRelationships,
  listExternalSubscriptions,
  partnerAccess,
  registerExternalSubscription,
  requestAdminApproval,
  resaleViolation,
  terminateAdminRelationship,
} from '../../src/admin-access/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { SYSTEM } from '../../src/kernel/principal.ts';
import { addDays } from '../../src/kernel/time.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  connectReseller,
  must,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { refusal, snapshot } from '../support/snapshot.ts';

describeEachDatabase(
  'scenario 3: "What if a partner is contacted by a customer who wants to hire them to manage and support their subscription(s)? The customer can engage multiple partners to manage their subscription(s)."',
  (db) => {
    let csp: OpenCsp;
    let reseller: Partner;
    let direct: Partner;
    let outsider: Partner;
    let customer: Customer;
    let subscriptionId: string;

    beforeEach(async () => {
      csp = await db.fresh();
      const operator = await bootstrap(csp);
      const provider = await addPartner(csp, operator, {
        legalName: 'Distributeur France',
        country: 'FR',
        role: 'indirect-provider',
      });
      reseller = await addPartner(csp, operator, {
        legalName: 'Revendeur Office',
        country: 'FR',
        role: 'indirect-reseller',
      });
      await connectReseller(csp, provider, reseller);
      direct = await addPartner(csp, operator, {
        legalName: 'Azure Experts SAS',
        country: 'FR',
        role: 'direct-bill',
      });
      outsider = await addPartner(csp, operator, {
        legalName: 'Autre Partenaire',
        country: 'FR',
        role: 'direct-bill',
      });
      customer = await addCustomer(csp, { legalName: 'Contoso France', country: 'FR' });
      // The customer bought it directly from the vendor, outside CSP.
      subscriptionId = must(
        await csp.execute(
          registerExternalSubscription,
          { principal: customer.globalAdmin },
          {
            customerTenantId: customer.tenantId,
            source: 'direct',
            offerName: 'Office Suite E3',
            quantity: 40,
            externalReference: 'VENDOR-ORDER-881',
          },
        ),
      ).id;
    });

    /** The partner asks for permissions; the customer's global admin grants them. */
    async function hire(partner: Partner, roles: string[]): Promise<string> {
      const r = must(
        await csp.execute(
          createAdminRelationship,
          { principal: partner.globalAdmin },
          {
            partnerTenantId: partner.tenantId,
            customerTenantId: customer.tenantId,
            displayName: `${partner.partnerId} manages Contoso`,
            roles,
            durationDays: 365,
            autoExtend: 'P180D',
          },
        ),
      );
      must(
        await csp.execute(
          requestAdminApproval,
          { principal: partner.globalAdmin },
          { adminRelationshipId: r.id },
        ),
      );
      const approved = must(
        await csp.execute(
          approveAdminRelationship,
          { principal: customer.globalAdmin },
          { adminRelationshipId: r.id },
        ),
      );
      expect(approved).toMatchObject({ state: 'active', endsAt: addDays(T0, 365).toISOString() });
      return r.id;
    }

    const externalOf = (principal: Principal) =>
      csp.query(listExternalSubscriptions, { principal }, { customerTenantId: customer.tenantId });
    const accessOf = (partner: Partner) =>
      csp.store.read((tx) =>
        partnerAccess(
          { principal: SYSTEM, requestId: 'scenario-3', now: T0, program: csp.program, tx },
          partner.tenantId,
          customer.tenantId,
        ),
      );

    it('allowed: the customer engages a reseller and a direct-bill partner; both manage the subscription bought elsewhere', async () => {
      const subscriptionRow = await csp.store.db
        .selectFrom('external_subscriptions')
        .selectAll()
        .where('id', '=', subscriptionId)
        .executeTakeFirstOrThrow();
      await hire(reseller, ['license-administrator', 'helpdesk-administrator']);
      await hire(direct, ['license-administrator', 'user-administrator']);

      for (const partner of [reseller, direct]) {
        const listed = must(await externalOf(partner.globalAdmin));
        expect(listed).toEqual({
          items: [
            {
              id: subscriptionId,
              customerTenantId: customer.tenantId,
              source: 'direct',
              offerName: 'Office Suite E3',
              quantity: 40,
              externalReference: 'VENDOR-ORDER-881',
              registeredAt: T0.toISOString(),
            },
          ],
          next: null,
        });
        const access = await accessOf(partner);
        expect(access.viaResellerRelationship).toBe(false);
        expect(access.canManage()).toBe(true);
        expect(access.canManage('license-administrator')).toBe(true);
      }
      expect((await accessOf(reseller)).canManage('user-administrator')).toBe(false);
      expect((await accessOf(direct)).canManage('helpdesk-administrator')).toBe(false);

      // Hiring partners changes nothing about the subscription itself.
      expect(
        await csp.store.db
          .selectFrom('external_subscriptions')
          .selectAll()
          .where('id', '=', subscriptionId)
          .executeTakeFirstOrThrow(),
      ).toEqual(subscriptionRow);

      const relationships = must(
        await csp.query(
          listAdminRelationships,
          { principal: customer.globalAdmin },
          { customerTenantId: customer.tenantId, state: 'active' },
        ),
      );
      expect(relationships.items.map((r) => r.partnerTenantId).sort()).toEqual(
        [reseller.tenantId, direct.tenantId].sort(),
      );
    });

    it('refused: a partner the customer did not hire cannot manage it, does not even see it, and is not listed', async () => {
      const resellerRelationship = await hire(reseller, ['license-administrator']);
      await hire(direct, ['license-administrator']);

      const out = await externalOf(outsider.globalAdmin);
      expect(refusal(out)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
      const access = await accessOf(outsider);
      expect(access.canManage()).toBe(false);
      expect(access.canManage('license-administrator')).toBe(false);

      // It sees neither the customer's relationships nor another partner's.
      expect(
        refusal(
          await csp.query(
            getAdminRelationship,
            { principal: outsider.globalAdmin },
            { adminRelationshipId: resellerRelationship },
          ),
        ),
      ).toEqual([{ code: 'ADMIN_RELATIONSHIP_NOT_FOUND', field: 'adminRelationshipId' }]);
      const listed = must(
        await csp.query(
          listAdminRelationships,
          { principal: customer.globalAdmin },
          { customerTenantId: customer.tenantId },
        ),
      );
      expect(listed.items.map((r) => r.partnerTenantId)).not.toContain(outsider.tenantId);
    });

    it("refused: a partner cannot grant itself permissions — only the customer's global admin approves", async () => {
      const r = must(
        await csp.execute(
          createAdminRelationship,
          { principal: outsider.globalAdmin },
          {
            partnerTenantId: outsider.tenantId,
            customerTenantId: customer.tenantId,
            displayName: 'Unsolicited',
            roles: ['global-administrator'],
            durationDays: 730,
          },
        ),
      );
      must(
        await csp.execute(
          requestAdminApproval,
          { principal: outsider.globalAdmin },
          { adminRelationshipId: r.id },
        ),
      );
      const before = await snapshot(db.store());
      expect(
        refusal(
          await csp.execute(
            approveAdminRelationship,
            { principal: outsider.globalAdmin },
            { adminRelationshipId: r.id },
          ),
        ),
      ).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      expect(await snapshot(db.store())).toEqual(before);
      expect(refusal(await externalOf(outsider.globalAdmin))).toEqual([{ code: 'ADMIN_ROLE_REQUIRED' }]);
    });

    it('allowed: the customer terminates one partner; its management stops, the other partner keeps managing', async () => {
      const resellerRelationship = await hire(reseller, ['license-administrator']);
      const directRelationship = await hire(direct, ['license-administrator']);
      const directRow = await csp.store.db
        .selectFrom('admin_relationships')
        .selectAll()
        .where('id', '=', directRelationship)
        .executeTakeFirstOrThrow();

      const ended = must(
        await csp.execute(
          terminateAdminRelationship,
          { principal: customer.globalAdmin, now: addDays(T0, 10) },
          { adminRelationshipId: resellerRelationship },
        ),
      );
      expect(ended).toMatchObject({ state: 'terminated', terminatedByTenantId: customer.tenantId });

      expect(refusal(await externalOf(reseller.globalAdmin))).toEqual([{ code: 'ADMIN_ROLE_REQUIRED' }]);
      expect((await accessOf(reseller)).canManage()).toBe(false);
      expect(must(await externalOf(direct.globalAdmin)).items.map((s) => s.id)).toEqual([subscriptionId]);
      expect((await accessOf(direct)).canManage('license-administrator')).toBe(true);
      expect(
        await csp.store.db
          .selectFrom('admin_relationships')
          .selectAll()
          .where('id', '=', directRelationship)
          .executeTakeFirstOrThrow(),
      ).toEqual(directRow);
    });

    it('refused: the subscription bought elsewhere is managed, never resold (EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE)', async () => {
      await hire(direct, ['license-administrator']);
      const [subscription] = must(await externalOf(direct.globalAdmin)).items;
      expect(subscription).toBeDefined();
      const v = subscription && resaleViolation(subscription);
      expect(v).toMatchObject({
        code: 'EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE',
        scenario: '3',
        message: `Subscription ${subscriptionId} was bought elsewhere (direct); it is managed under an admin relationship, never resold.`,
      });
    });
  },
);
