/**
 * Seed, sample scenario 2: "What if a partner has a customer who needs a specific service or
 * solution offered by another CSP program partner? The end customer can purchase different
 * services from different partners, based on the customer’s business needs." Multi-partner
 * (related/multipartner.en.md) "does not: Change any of the customer's existing subscriptions …
 * Change the partner of record for a subscription": adding a partner leaves the others unchanged.
 */
import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import {
  acceptCustomerInvitation,
  inviteCustomer,
  listCustomerPartners,
  removeCustomerRelationship,
} from '../../src/customers/service.ts';
import { addDays } from '../../src/kernel/time.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Partner,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { refusal, snapshot } from '../support/snapshot.ts';

describeEachDatabase(
  'scenario 2: "The end customer can purchase different services from different partners, based on the customer’s business needs."',
  (db) => {
    let csp: OpenCsp;
    let reseller: Partner;
    let direct: Partner;
    let customer: Customer;

    beforeEach(async () => {
      csp = await db.fresh();
      const operator = await bootstrap(csp);
      reseller = await addPartner(csp, operator, {
        legalName: 'Revendeur Office',
        country: 'FR',
        role: 'indirect-reseller',
      });
      direct = await addPartner(csp, operator, {
        legalName: 'Azure Experts SAS',
        country: 'FR',
        role: 'direct-bill',
      });
      customer = await addCustomer(csp, { legalName: 'Contoso France', country: 'FR' });
    });

    async function relateThrough(partner: Partner, at: Date) {
      const inv = must(
        await csp.execute(
          inviteCustomer,
          { principal: partner.globalAdmin, now: at },
          {
            partnerTenantId: partner.tenantId,
            customerTenantId: customer.tenantId,
            requestDelegatedAdmin: true,
          },
        ),
      );
      return must(
        await csp.execute(
          acceptCustomerInvitation,
          { principal: customer.globalAdmin, now: at },
          { token: inv.token, customerTenantId: customer.tenantId },
        ),
      );
    }

    const rowOf = (id: string) =>
      csp.store.db
        .selectFrom('customer_relationships')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    it('allowed: the customer accepts a reseller and a direct-bill partner; the first relationship is unchanged', async () => {
      const first = await relateThrough(reseller, T0);
      const firstId = first.relationships[0]?.id ?? '';
      const before = await rowOf(firstId);
      const second = await relateThrough(direct, addDays(T0, 30));
      expect(await rowOf(firstId)).toEqual(before);
      expect(before).toMatchObject({ state: 'active', partner_tenant_id: reseller.tenantId });

      const rows = await csp.store.db
        .selectFrom('customer_relationships')
        .select(['id', 'partner_tenant_id', 'state'])
        .where('customer_tenant_id', '=', customer.tenantId)
        .orderBy('created_at')
        .execute();
      expect(rows).toEqual([
        { id: firstId, partner_tenant_id: reseller.tenantId, state: 'active' },
        { id: second.relationships[0]?.id, partner_tenant_id: direct.tenantId, state: 'active' },
      ]);
      // The second acceptance wrote no event about the first relationship.
      const events = await csp.store.db
        .selectFrom('ledger_events')
        .select('type')
        .where('entity_id', '=', firstId)
        .execute();
      expect(events.map((e) => e.type)).toEqual(['customer-relationship.created']);

      const partners = must(
        await csp.query(
          listCustomerPartners,
          { principal: customer.globalAdmin },
          { customerTenantId: customer.tenantId },
        ),
      );
      expect(partners.items.map((p) => [p.name, p.role, p.state])).toEqual([
        ['Revendeur Office', 'indirect-reseller', 'active'],
        ['Azure Experts SAS', 'direct-bill', 'active'],
      ]);
    });

    it('allowed: removing one partner leaves the other in place', async () => {
      const first = await relateThrough(reseller, T0);
      const second = await relateThrough(direct, addDays(T0, 1));
      const secondBefore = await rowOf(second.relationships[0]?.id ?? '');
      must(
        await csp.execute(
          removeCustomerRelationship,
          { principal: customer.globalAdmin, now: addDays(T0, 2) },
          { relationshipId: first.relationships[0]?.id },
        ),
      );
      expect(await rowOf(second.relationships[0]?.id ?? '')).toEqual(secondBefore);
    });

    it('refused: the same partner twice (CUSTOMER_RELATIONSHIP_ALREADY_EXISTS), at invitation and at acceptance', async () => {
      // Two invitations issued before either is accepted: the second acceptance is decided again.
      const invite = () =>
        csp.execute(
          inviteCustomer,
          { principal: direct.globalAdmin },
          {
            partnerTenantId: direct.tenantId,
            customerTenantId: customer.tenantId,
            requestDelegatedAdmin: false,
          },
        );
      const a = must(await invite());
      const b = must(await invite());
      must(
        await csp.execute(
          acceptCustomerInvitation,
          { principal: customer.globalAdmin },
          { token: a.token, customerTenantId: customer.tenantId },
        ),
      );
      const before = await snapshot(db.store());
      const again = await csp.execute(
        acceptCustomerInvitation,
        { principal: customer.globalAdmin },
        { token: b.token, customerTenantId: customer.tenantId },
      );
      expect(refusal(again)).toEqual([{ code: 'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS' }]);
      expect(!again.ok && again.violations[0]?.message).toBe(
        'Azure Experts SAS already has a relationship with Contoso France.',
      );
      expect(!again.ok && again.violations[0]?.remedies).toEqual([]);
      expect(await snapshot(db.store())).toEqual(before);
      expect(refusal(await invite())).toEqual([{ code: 'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS' }]);
    });
  },
);
