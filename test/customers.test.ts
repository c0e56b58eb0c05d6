import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import {
  acceptCustomerInvitation,
  createCustomer,
  declineCustomerInvitation,
  inviteCustomer,
  listCustomerPartners,
  listCustomers,
  removeCustomerRelationship,
} from '../src/customers/service.ts';
import { hasCustomerRelationship, loadCustomerFacts, loadPartnerFacts } from '../src/decisions/facts.ts';
import type { Principal } from '../src/kernel/principal.ts';
import { addDays } from '../src/kernel/time.ts';
import { addUser } from '../src/parties/service.ts';
import { insertPartnership, updatePartnershipState } from '../src/partnerships/store.ts';
import { decideOrderLine } from '../src/rules/decisions.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, refusal, snapshot } from './support/snapshot.ts';

const NOW = T0.toISOString();
const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

interface World {
  operator: Operator;
  provider: Partner;
  reseller: Partner;
  /** A reseller without a partnership with the provider. */
  loneReseller: Partner;
  direct: Partner;
  /** DE, customer agreement accepted. */
  customer: Customer;
  /** FR, no customer agreement yet. */
  newcomer: Customer;
}

async function activePartnership(csp: OpenCsp, providerTenantId: string, resellerTenantId: string) {
  const id = randomUUID();
  await insertPartnership(
    csp.store.db,
    {
      id,
      providerTenantId,
      resellerTenantId,
      state: 'active',
      invitationToken: randomUUID(),
      invitedAt: NOW,
      expiresAt: addDays(T0, 90).toISOString(),
      acceptedAt: NOW,
      endedAt: null,
      endReason: null,
      updatedAt: NOW,
    },
    null,
  );
  return id;
}

async function buildWorld(csp: OpenCsp): Promise<World> {
  const operator = await bootstrap(csp);
  const provider = await addPartner(csp, operator, {
    legalName: 'Distributeur France',
    country: 'FR',
    role: 'indirect-provider',
  });
  const reseller = await addPartner(csp, operator, {
    legalName: 'Revendeur Un',
    country: 'FR',
    role: 'indirect-reseller',
  });
  const loneReseller = await addPartner(csp, operator, {
    legalName: 'Revendeur Seul',
    country: 'FR',
    role: 'indirect-reseller',
  });
  const direct = await addPartner(csp, operator, {
    legalName: 'Direct Partenaire',
    country: 'FR',
    role: 'direct-bill',
  });
  const customer = await addCustomer(csp, { legalName: 'Contoso GmbH', country: 'DE' });
  const newcomer = await addCustomer(csp, {
    legalName: 'Nouveau Client',
    country: 'FR',
    acceptAgreement: false,
  });
  await activePartnership(csp, provider.tenantId, reseller.tenantId);
  return { operator, provider, reseller, loneReseller, direct, customer, newcomer };
}

async function agent(
  csp: OpenCsp,
  partner: Partner,
  role: 'admin-agent' | 'sales-agent',
): Promise<Principal> {
  const u = must(
    await csp.execute(
      addUser,
      { principal: partner.globalAdmin },
      {
        tenantId: partner.tenantId,
        email: `${role}-${partner.partnerId}@example.com`,
        displayName: role,
        roles: [role],
      },
    ),
  );
  return userPrincipal(u.id, partner.tenantId, [role]);
}

function newCustomerInput(partnerTenantId: string, over: Record<string, unknown> = {}) {
  return {
    partnerTenantId,
    legalName: 'Tailspin SAS',
    country: 'FR',
    address: { line1: '2 rue du Port', city: 'Nantes', country: 'FR' },
    tenant: { domain: 'tailspin.onmicrosoft.example' },
    globalAdmin: { email: 'Admin@Tailspin.example', displayName: 'Tailspin Admin' },
    customerAgreement: {
      signerName: 'Ana Martin',
      signerEmail: 'ana@tailspin.example',
      acceptedOn: '2026-01-10',
    },
    ...over,
  };
}

async function ledgerRows(csp: OpenCsp, entityId: string) {
  const rows = await csp.store.db
    .selectFrom('ledger_events')
    .select(['type', 'entity_type', 'command', 'payload', 'principal_user_id'])
    .where('entity_id', '=', entityId)
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

async function relationshipRows(csp: OpenCsp, customerTenantId: string) {
  return csp.store.db
    .selectFrom('customer_relationships')
    .selectAll()
    .where('customer_tenant_id', '=', customerTenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

describeEachDatabase('customers', (db) => {
  let csp: OpenCsp;
  let w: World;
  beforeEach(async () => {
    csp = await db.fresh();
    w = await buildWorld(csp);
  });

  const invite = (principal: Principal, input: Record<string, unknown>, now?: Date) =>
    csp.execute(inviteCustomer, { principal, ...(now && { now }) }, input);
  const acceptAs = (customer: Customer, input: Record<string, unknown>, now?: Date) =>
    csp.execute(
      acceptCustomerInvitation,
      { principal: customer.globalAdmin, ...(now && { now }) },
      { customerTenantId: customer.tenantId, ...input },
    );

  describe('inviteCustomer', () => {
    it('creates a pending invitation with a token and a 90-day expiry, and its ledger event (without the token)', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      expect(inv).toMatchObject({
        partnerTenantId: w.reseller.tenantId,
        providerTenantId: null,
        customerTenantId: w.customer.tenantId,
        requestDelegatedAdmin: true,
        status: 'pending',
        createdAt: NOW,
        expiresAt: '2026-04-15T10:00:00.000Z',
      });
      expect(inv.token).toMatch(/^[0-9a-f-]{36}$/);
      const row = await csp.store.db
        .selectFrom('customer_invitations')
        .selectAll()
        .where('id', '=', inv.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        token: inv.token,
        status: 'pending',
        created_by: w.reseller.globalAdmin.kind === 'user' ? w.reseller.globalAdmin.userId : null,
      });
      expect(Number(row.request_delegated_admin)).toBe(1);
      const events = await ledgerRows(csp, inv.id);
      expect(events.map((e) => [e.type, e.entity_type, e.command])).toEqual([
        ['customer-invitation.created', 'customer-invitation', 'customers.invite'],
      ]);
      expect(events[0]?.payload).not.toHaveProperty('token');
      expect(events[0]?.payload).toMatchObject({ id: inv.id, status: 'pending' });
    });

    it('lets an admin agent invite, and issues an open invitation without a customer tenant', async () => {
      const admin = await agent(csp, w.direct, 'admin-agent');
      const inv = must(
        await invite(admin, { partnerTenantId: w.direct.tenantId, requestDelegatedAdmin: false }),
      );
      expect(inv).toMatchObject({ customerTenantId: null, requestDelegatedAdmin: false, status: 'pending' });
    });

    it("names the reseller's provider when they have an active partnership", async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          alsoAuthorizeProviderTenantId: w.provider.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      expect(inv.providerTenantId).toBe(w.provider.tenantId);
    });

    it('refuses other roles and other tenants with NOT_AUTHORIZED, writing nothing', async () => {
      const sales = await agent(csp, w.reseller, 'sales-agent');
      const before = await snapshot(db.store());
      const input = { partnerTenantId: w.reseller.tenantId, requestDelegatedAdmin: true };
      for (const p of [sales, w.direct.globalAdmin, w.customer.globalAdmin, w.operator.principal]) {
        expect(refusal(await invite(p, input))).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refuses unknown tenants with TENANT_NOT_FOUND', async () => {
      const out = await invite(w.reseller.globalAdmin, {
        partnerTenantId: w.reseller.tenantId,
        customerTenantId: UNKNOWN_ID,
        alsoAuthorizeProviderTenantId: '0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c',
        requestDelegatedAdmin: true,
      });
      expect(refusal(out)).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'customerTenantId' },
        { code: 'TENANT_NOT_FOUND', field: 'alsoAuthorizeProviderTenantId' },
      ]);
    });

    it('refuses a provider the reseller has no active partnership with: NO_ACTIVE_PARTNERSHIP', async () => {
      const out = await invite(w.loneReseller.globalAdmin, {
        partnerTenantId: w.loneReseller.tenantId,
        customerTenantId: w.customer.tenantId,
        alsoAuthorizeProviderTenantId: w.provider.tenantId,
        requestDelegatedAdmin: true,
      });
      expect(codes(out)).toEqual(['NO_ACTIVE_PARTNERSHIP']);
      expect(!out.ok && out.violations[0]?.remedies[0]).toContain('invites Revendeur Seul to a partnership');
    });

    it('refuses a provider inviting directly, and a direct-bill partner naming a provider: UNSUPPORTED_CHAIN', async () => {
      const direct = await invite(w.provider.globalAdmin, {
        partnerTenantId: w.provider.tenantId,
        customerTenantId: w.customer.tenantId,
        requestDelegatedAdmin: true,
      });
      expect(codes(direct)).toEqual(['UNSUPPORTED_CHAIN']);
      expect(!direct.ok && direct.violations[0]).toMatchObject({ scenario: '1' });
      const open = await invite(w.provider.globalAdmin, {
        partnerTenantId: w.provider.tenantId,
        requestDelegatedAdmin: false,
      });
      expect(codes(open)).toEqual(['UNSUPPORTED_CHAIN']);
      const viaDirect = await invite(w.direct.globalAdmin, {
        partnerTenantId: w.direct.tenantId,
        customerTenantId: w.customer.tenantId,
        alsoAuthorizeProviderTenantId: w.provider.tenantId,
        requestDelegatedAdmin: true,
      });
      expect(refusal(viaDirect)).toEqual([
        { code: 'UNSUPPORTED_CHAIN', field: 'alsoAuthorizeProviderTenantId' },
      ]);
    });

    it('refuses a partner inviting its own CSP tenant (scenarios 4 and 5)', async () => {
      const out = await invite(w.reseller.globalAdmin, {
        partnerTenantId: w.reseller.tenantId,
        customerTenantId: w.reseller.tenantId,
        requestDelegatedAdmin: true,
      });
      expect(codes(out)).toEqual(['PARTNER_TENANT_NOT_CUSTOMER_TYPE', 'SELF_DEALING']);
    });

    it('refuses a partner that may not transact yet (enrollment not active)', async () => {
      const qualified = await addPartner(csp, w.operator, {
        legalName: 'Revendeur Qualifie',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const out = await invite(qualified.globalAdmin, {
        partnerTenantId: qualified.tenantId,
        requestDelegatedAdmin: false,
      });
      expect(codes(out)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED']);
    });

    it('refuses a customer the partner already has: CUSTOMER_RELATIONSHIP_ALREADY_EXISTS', async () => {
      const inv = must(
        await invite(w.direct.globalAdmin, {
          partnerTenantId: w.direct.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      must(await acceptAs(w.customer, { token: inv.token }));
      const again = await invite(w.direct.globalAdmin, {
        partnerTenantId: w.direct.tenantId,
        customerTenantId: w.customer.tenantId,
        requestDelegatedAdmin: true,
      });
      expect(codes(again)).toEqual(['CUSTOMER_RELATIONSHIP_ALREADY_EXISTS']);
    });

    it('refuses bad input with every field problem', async () => {
      expect(
        refusal(await invite(w.reseller.globalAdmin, { partnerTenantId: 'nope', colour: 'red' })),
      ).toEqual([
        { code: 'INVALID_GUID', field: 'partnerTenantId' },
        { code: 'REQUIRED_FIELD', field: 'requestDelegatedAdmin' },
        { code: 'INVALID_FIELD', field: 'colour' },
      ]);
      expect(
        refusal(
          await invite(w.reseller.globalAdmin, {
            partnerTenantId: w.reseller.tenantId,
            alsoAuthorizeProviderTenantId: w.reseller.tenantId,
            requestDelegatedAdmin: 'yes',
          }),
        ),
      ).toEqual([
        { code: 'INVALID_FIELD', field: 'requestDelegatedAdmin' },
        { code: 'INVALID_FIELD', field: 'alsoAuthorizeProviderTenantId' },
      ]);
    });
  });

  describe('acceptCustomerInvitation', () => {
    it('creates the active relationship with delegated admin as requested, and the ledger events', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const out = must(await acceptAs(w.customer, { token: inv.token }));
      expect(out.invitation).toMatchObject({ id: inv.id, status: 'accepted' });
      expect(out.customerAgreementAcceptanceId).toBeNull();
      expect(out.keptProviderRelationshipId).toBeNull();
      expect(out.relationships).toEqual([
        {
          id: expect.any(String),
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          associatedPartnerTenantId: null,
          state: 'active',
          delegatedAdmin: true,
          source: 'invitation',
          invitationId: inv.id,
          createdAt: NOW,
          removedAt: null,
        },
      ]);
      const rows = await relationshipRows(csp, w.customer.tenantId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ state: 'active', source: 'invitation', invitation_id: inv.id });
      expect(Number(rows[0]?.delegated_admin)).toBe(1);
      const invRow = await csp.store.db
        .selectFrom('customer_invitations')
        .selectAll()
        .where('id', '=', inv.id)
        .executeTakeFirstOrThrow();
      expect(invRow).toMatchObject({ status: 'accepted', decided_at: NOW });
      expect((await ledgerRows(csp, inv.id)).map((e) => e.type)).toEqual([
        'customer-invitation.created',
        'customer-invitation.accepted',
      ]);
      const rel = await ledgerRows(csp, out.relationships[0]?.id ?? '');
      expect(rel.map((e) => [e.type, e.entity_type, e.command])).toEqual([
        ['customer-relationship.created', 'customer-relationship', 'customers.accept-invitation'],
      ]);
    });

    it("authorizes the reseller and its provider in one acceptance (the provider's row associated with the reseller)", async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          alsoAuthorizeProviderTenantId: w.provider.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
      const out = must(await acceptAs(w.customer, { token: inv.token }));
      expect(
        out.relationships.map((r) => [r.partnerTenantId, r.associatedPartnerTenantId, r.delegatedAdmin]),
      ).toEqual([
        [w.reseller.tenantId, null, false],
        [w.provider.tenantId, w.reseller.tenantId, false],
      ]);
      const events = await csp.store.db
        .selectFrom('ledger_events')
        .select('entity_id')
        .where('type', '=', 'customer-relationship.created')
        .orderBy('seq')
        .execute();
      expect(events.map((e) => e.entity_id)).toEqual(out.relationships.map((r) => r.id));
    });

    it("keeps the provider's existing relationship when a second reseller of it is authorized (multi-partner)", async () => {
      const second = await addPartner(csp, w.operator, {
        legalName: 'Revendeur Deux',
        country: 'FR',
        role: 'indirect-reseller',
      });
      await activePartnership(csp, w.provider.tenantId, second.tenantId);
      const first = must(
        await acceptAs(w.customer, {
          token: must(
            await invite(w.reseller.globalAdmin, {
              partnerTenantId: w.reseller.tenantId,
              customerTenantId: w.customer.tenantId,
              alsoAuthorizeProviderTenantId: w.provider.tenantId,
              requestDelegatedAdmin: true,
            }),
          ).token,
        }),
      );
      const providerRow = first.relationships[1];
      const before = await relationshipRows(csp, w.customer.tenantId);
      const out = must(
        await acceptAs(w.customer, {
          token: must(
            await invite(second.globalAdmin, {
              partnerTenantId: second.tenantId,
              customerTenantId: w.customer.tenantId,
              alsoAuthorizeProviderTenantId: w.provider.tenantId,
              requestDelegatedAdmin: true,
            }),
          ).token,
        }),
      );
      expect(out.relationships.map((r) => r.partnerTenantId)).toEqual([second.tenantId]);
      expect(out.keptProviderRelationshipId).toBe(providerRow?.id);
      const after = await relationshipRows(csp, w.customer.tenantId);
      expect(after).toHaveLength(3);
      expect(after.filter((r) => before.some((b) => b.id === r.id))).toEqual(before);
    });

    it('accepts the customer agreement on the way when the customer has not yet', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.newcomer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const out = must(
        await acceptAs(w.newcomer, {
          token: inv.token,
          customerAgreement: { signerName: 'Luc Petit', signerEmail: 'Luc@Nouveau.example' },
        }),
      );
      expect(out.customerAgreementAcceptanceId).not.toBeNull();
      const acceptance = await csp.store.db
        .selectFrom('agreement_acceptances')
        .selectAll()
        .where('id', '=', out.customerAgreementAcceptanceId ?? '')
        .executeTakeFirstOrThrow();
      expect(acceptance).toMatchObject({
        agreement: 'customer',
        version: csp.program.agreements.customer.version,
        tenant_id: w.newcomer.tenantId,
        organization_id: w.newcomer.organizationId,
        region: null,
        signer_name: 'Luc Petit',
        signer_email: 'luc@nouveau.example',
        accepted_at: NOW,
        supersedes_id: null,
      });
      expect(acceptance.signer_user_id).toBe(
        w.newcomer.globalAdmin.kind === 'user' ? w.newcomer.globalAdmin.userId : undefined,
      );
      expect((await ledgerRows(csp, acceptance.id)).map((e) => e.type)).toEqual(['agreement.accepted']);
      // Now accepted, a later invitation needs no agreement.
      const next = must(
        await invite(w.direct.globalAdmin, {
          partnerTenantId: w.direct.tenantId,
          customerTenantId: w.newcomer.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
      const again = must(await acceptAs(w.newcomer, { token: next.token }));
      expect(again.customerAgreementAcceptanceId).toBeNull();
    });

    it('refuses without the customer agreement: CUSTOMER_AGREEMENT_NOT_ACCEPTED, writing nothing', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.newcomer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const before = await snapshot(db.store());
      const out = await acceptAs(w.newcomer, { token: inv.token });
      expect(codes(out)).toEqual(['CUSTOMER_AGREEMENT_NOT_ACCEPTED']);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('binds an open invitation to the customer that accepts it', async () => {
      const inv = must(
        await invite(w.direct.globalAdmin, {
          partnerTenantId: w.direct.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const out = must(await acceptAs(w.customer, { token: inv.token }));
      expect(out.invitation.customerTenantId).toBe(w.customer.tenantId);
      const row = await csp.store.db
        .selectFrom('customer_invitations')
        .select('customer_tenant_id')
        .where('id', '=', inv.id)
        .executeTakeFirstOrThrow();
      expect(row.customer_tenant_id).toBe(w.customer.tenantId);
      expect(refusal(await acceptAs(w.newcomer, { token: inv.token }))).toEqual([
        { code: 'INVITATION_NOT_FOUND', field: 'token' },
      ]);
    });

    it('refuses anyone but the customer global admin: NOT_AUTHORIZED', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      for (const p of [w.reseller.globalAdmin, w.operator.principal, w.newcomer.globalAdmin]) {
        const out = await csp.execute(
          acceptCustomerInvitation,
          { principal: p },
          { token: inv.token, customerTenantId: w.customer.tenantId },
        );
        expect(refusal(out)).toEqual([{ code: 'NOT_AUTHORIZED' }]);
      }
    });

    it('refuses an unknown token, or an invitation for another customer: INVITATION_NOT_FOUND', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      expect(refusal(await acceptAs(w.customer, { token: 'no-such-token' }))).toEqual([
        { code: 'INVITATION_NOT_FOUND', field: 'token' },
      ]);
      expect(
        refusal(
          await acceptAs(w.newcomer, {
            token: inv.token,
            customerAgreement: { signerName: 'X', signerEmail: 'x@example.com' },
          }),
        ),
      ).toEqual([{ code: 'INVITATION_NOT_FOUND', field: 'token' }]);
    });

    it('refuses an expired invitation: INVITATION_EXPIRED', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const out = await acceptAs(w.customer, { token: inv.token }, addDays(T0, 90));
      expect(refusal(out)).toEqual([{ code: 'INVITATION_EXPIRED', field: 'token' }]);
      must(await acceptAs(w.customer, { token: inv.token }, addDays(T0, 89)));
    });

    it('refuses an invitation already accepted or declined: INVALID_TRANSITION', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      must(await acceptAs(w.customer, { token: inv.token }));
      expect(refusal(await acceptAs(w.customer, { token: inv.token }))).toEqual([
        { code: 'INVALID_TRANSITION', field: 'token' },
      ]);
    });

    it('decides again on acceptance: a partnership ended since the invitation → NO_ACTIVE_PARTNERSHIP', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          alsoAuthorizeProviderTenantId: w.provider.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const partnership = await csp.store.db
        .selectFrom('partnerships')
        .select('id')
        .where('reseller_tenant_id', '=', w.reseller.tenantId)
        .executeTakeFirstOrThrow();
      await updatePartnershipState(csp.store.db, partnership.id, 'ended', NOW, { endReason: 'test' });
      expect(codes(await acceptAs(w.customer, { token: inv.token }))).toEqual(['NO_ACTIVE_PARTNERSHIP']);
    });

    it("refuses a provider's reseller becoming its customer through another reseller (scenario 6)", async () => {
      // An open invitation from the lone reseller, naming no provider, accepted by the CSP tenant of
      // a reseller of the provider: not a customer-type tenant.
      const other = must(
        await invite(w.loneReseller.globalAdmin, {
          partnerTenantId: w.loneReseller.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
      const asReseller = await csp.execute(
        acceptCustomerInvitation,
        { principal: w.reseller.globalAdmin },
        {
          token: other.token,
          customerTenantId: w.reseller.tenantId,
          customerAgreement: { signerName: 'R', signerEmail: 'r@example.com' },
        },
      );
      expect(codes(asReseller)).toEqual(['PARTNER_TENANT_NOT_CUSTOMER_TYPE']);
      // Through a reseller of the same provider: the provider's leg adds the scenario-6 conflict.
      const second = await addPartner(csp, w.operator, {
        legalName: 'Revendeur Deux',
        country: 'FR',
        role: 'indirect-reseller',
      });
      await activePartnership(csp, w.provider.tenantId, second.tenantId);
      const inv = must(
        await invite(second.globalAdmin, {
          partnerTenantId: second.tenantId,
          alsoAuthorizeProviderTenantId: w.provider.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
      const out = await csp.execute(
        acceptCustomerInvitation,
        { principal: w.reseller.globalAdmin },
        {
          token: inv.token,
          customerTenantId: w.reseller.tenantId,
          customerAgreement: { signerName: 'R', signerEmail: 'r@example.com' },
        },
      );
      expect(codes(out)).toEqual(['PARTNER_TENANT_NOT_CUSTOMER_TYPE', 'RELATIONSHIP_TYPE_CONFLICT']);
      const conflict = !out.ok ? out.violations[1] : undefined;
      expect(conflict?.scenario).toBe('6');
      expect(conflict?.remedies).toHaveLength(3);
    });
  });

  describe('declineCustomerInvitation', () => {
    it('declines; the invitation can then neither be accepted nor declined again', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const declined = must(
        await csp.execute(
          declineCustomerInvitation,
          { principal: w.customer.globalAdmin },
          { token: inv.token, customerTenantId: w.customer.tenantId },
        ),
      );
      expect(declined).toMatchObject({ id: inv.id, status: 'declined' });
      expect((await ledgerRows(csp, inv.id)).map((e) => e.type)).toEqual([
        'customer-invitation.created',
        'customer-invitation.declined',
      ]);
      expect(refusal(await acceptAs(w.customer, { token: inv.token }))).toEqual([
        { code: 'INVALID_TRANSITION', field: 'token' },
      ]);
      const twice = await csp.execute(
        declineCustomerInvitation,
        { principal: w.customer.globalAdmin },
        { token: inv.token, customerTenantId: w.customer.tenantId },
      );
      expect(codes(twice)).toEqual(['INVALID_TRANSITION']);
      expect(await relationshipRows(csp, w.customer.tenantId)).toEqual([]);
    });

    it('refuses NOT_AUTHORIZED, INVITATION_NOT_FOUND and INVITATION_EXPIRED', async () => {
      const inv = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const input = { token: inv.token, customerTenantId: w.customer.tenantId };
      expect(
        codes(await csp.execute(declineCustomerInvitation, { principal: w.reseller.globalAdmin }, input)),
      ).toEqual(['NOT_AUTHORIZED']);
      expect(
        codes(
          await csp.execute(
            declineCustomerInvitation,
            { principal: w.newcomer.globalAdmin },
            { token: inv.token, customerTenantId: w.newcomer.tenantId },
          ),
        ),
      ).toEqual(['INVITATION_NOT_FOUND']);
      expect(
        codes(
          await csp.execute(
            declineCustomerInvitation,
            { principal: w.customer.globalAdmin, now: addDays(T0, 100) },
            input,
          ),
        ),
      ).toEqual(['INVITATION_EXPIRED']);
    });
  });

  describe('createCustomer', () => {
    it('lets a reseller create its own customer: organization, tenant, admin, attested agreement, relationship', async () => {
      const out = must(
        await csp.execute(
          createCustomer,
          { principal: w.reseller.globalAdmin },
          newCustomerInput(w.reseller.tenantId),
        ),
      );
      expect(out.relationships).toEqual([
        expect.objectContaining({
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: out.tenantId,
          associatedPartnerTenantId: null,
          state: 'active',
          delegatedAdmin: true,
          source: 'created-by-partner',
          invitationId: null,
        }),
      ]);
      const tenant = await csp.store.db
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', out.tenantId)
        .executeTakeFirstOrThrow();
      expect(tenant).toMatchObject({
        organization_id: out.organizationId,
        type: 'customer',
        domain: 'tailspin.onmicrosoft.example',
        display_name: 'Tailspin SAS',
        country: 'FR',
      });
      const org = await csp.store.db
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', out.organizationId)
        .executeTakeFirstOrThrow();
      expect(org).toMatchObject({
        legal_name: 'Tailspin SAS',
        global_partner_id: null,
        affiliate_group_id: null,
      });
      const user = await csp.store.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', out.globalAdminUserId)
        .executeTakeFirstOrThrow();
      expect(user).toMatchObject({ tenant_id: out.tenantId, email: 'admin@tailspin.example' });
      const acceptance = await csp.store.db
        .selectFrom('agreement_acceptances')
        .selectAll()
        .where('id', '=', out.customerAgreementAcceptanceId)
        .executeTakeFirstOrThrow();
      expect(acceptance).toMatchObject({
        agreement: 'customer',
        tenant_id: out.tenantId,
        signer_user_id: null,
        signer_name: 'Ana Martin',
        signer_email: 'ana@tailspin.example',
        accepted_at: '2026-01-10',
        recorded_at: NOW,
      });
      const events = await csp.store.db
        .selectFrom('ledger_events')
        .select(['type', 'entity_id'])
        .where('command', '=', 'customers.create')
        .orderBy('seq')
        .execute();
      expect(events).toEqual([
        { type: 'organization.created', entity_id: out.organizationId },
        { type: 'tenant.created', entity_id: out.tenantId },
        { type: 'user.added', entity_id: out.globalAdminUserId },
        { type: 'agreement.accepted', entity_id: out.customerAgreementAcceptanceId },
        { type: 'customer-relationship.created', entity_id: out.relationships[0]?.id },
      ]);
      // The new customer's admin sees its partner.
      const partners = must(
        await csp.query(
          listCustomerPartners,
          { principal: userPrincipal(out.globalAdminUserId, out.tenantId, ['global-admin']) },
          { customerTenantId: out.tenantId },
        ),
      );
      expect(partners.items.map((p) => p.partnerTenantId)).toEqual([w.reseller.tenantId]);
    });

    it('lets a direct-bill partner create its own customer', async () => {
      const admin = await agent(csp, w.direct, 'admin-agent');
      const out = must(
        await csp.execute(createCustomer, { principal: admin }, newCustomerInput(w.direct.tenantId)),
      );
      expect(out.relationships.map((r) => [r.partnerTenantId, r.source])).toEqual([
        [w.direct.tenantId, 'created-by-partner'],
      ]);
    });

    it('lets a provider create a customer on behalf of its reseller (by tenant or Partner ID)', async () => {
      const byTenant = must(
        await csp.execute(
          createCustomer,
          { principal: w.provider.globalAdmin },
          newCustomerInput(w.provider.tenantId, { resellerTenantId: w.reseller.tenantId }),
        ),
      );
      expect(
        byTenant.relationships.map((r) => [
          r.partnerTenantId,
          r.associatedPartnerTenantId,
          r.source,
          r.delegatedAdmin,
        ]),
      ).toEqual([
        [w.reseller.tenantId, null, 'created-by-provider', true],
        [w.provider.tenantId, w.reseller.tenantId, 'created-by-provider', true],
      ]);
      const byPartnerId = must(
        await csp.execute(
          createCustomer,
          { principal: w.provider.globalAdmin },
          newCustomerInput(w.provider.tenantId, {
            resellerPartnerId: w.reseller.partnerId,
            tenant: { domain: 'wingtip.onmicrosoft.example' },
            legalName: 'Wingtip SARL',
          }),
        ),
      );
      expect(byPartnerId.relationships.map((r) => r.partnerTenantId)).toEqual([
        w.reseller.tenantId,
        w.provider.tenantId,
      ]);
    });

    it('refuses NOT_AUTHORIZED, writing nothing', async () => {
      const sales = await agent(csp, w.reseller, 'sales-agent');
      const before = await snapshot(db.store());
      for (const p of [sales, w.direct.globalAdmin, w.operator.principal]) {
        const out = await csp.execute(
          createCustomer,
          { principal: p },
          newCustomerInput(w.reseller.tenantId),
        );
        expect(codes(out)).toEqual(['NOT_AUTHORIZED']);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refuses the unsupported chains: a provider alone, a reseller naming a reseller (UNSUPPORTED_CHAIN)', async () => {
      const alone = await csp.execute(
        createCustomer,
        { principal: w.provider.globalAdmin },
        newCustomerInput(w.provider.tenantId),
      );
      expect(codes(alone)).toEqual(['UNSUPPORTED_CHAIN']);
      const before = await snapshot(db.store());
      const resellerNaming = await csp.execute(
        createCustomer,
        { principal: w.reseller.globalAdmin },
        newCustomerInput(w.reseller.tenantId, { resellerTenantId: w.loneReseller.tenantId }),
      );
      expect(refusal(resellerNaming)[0]).toEqual({ code: 'UNSUPPORTED_CHAIN', field: 'resellerTenantId' });
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refuses a reseller without an active partnership with the provider: NO_ACTIVE_PARTNERSHIP', async () => {
      const out = await csp.execute(
        createCustomer,
        { principal: w.provider.globalAdmin },
        newCustomerInput(w.provider.tenantId, { resellerTenantId: w.loneReseller.tenantId }),
      );
      expect(codes(out)).toEqual(['NO_ACTIVE_PARTNERSHIP']);
    });

    it('refuses unknown resellers: PARTNER_ID_NOT_FOUND, TENANT_NOT_FOUND', async () => {
      const byId = await csp.execute(
        createCustomer,
        { principal: w.provider.globalAdmin },
        newCustomerInput(w.provider.tenantId, { resellerPartnerId: 9_999_999 }),
      );
      expect(refusal(byId)).toEqual([{ code: 'PARTNER_ID_NOT_FOUND', field: 'resellerPartnerId' }]);
      const byTenant = await csp.execute(
        createCustomer,
        { principal: w.provider.globalAdmin },
        newCustomerInput(w.provider.tenantId, { resellerTenantId: UNKNOWN_ID }),
      );
      expect(refusal(byTenant)).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'resellerTenantId' }]);
    });

    it('refuses a taken domain or tenant id: TENANT_ALREADY_EXISTS', async () => {
      const out = await csp.execute(
        createCustomer,
        { principal: w.reseller.globalAdmin },
        newCustomerInput(w.reseller.tenantId, {
          tenant: { id: w.customer.tenantId, domain: 'contoso-gmbh.onmicrosoft.example' },
        }),
      );
      expect(refusal(out)).toEqual([
        { code: 'TENANT_ALREADY_EXISTS', field: 'tenant.id' },
        { code: 'TENANT_ALREADY_EXISTS', field: 'tenant.domain' },
      ]);
    });

    it('refuses an agreement dated in the future or before it took effect', async () => {
      const future = await csp.execute(
        createCustomer,
        { principal: w.reseller.globalAdmin },
        newCustomerInput(w.reseller.tenantId, {
          customerAgreement: { signerName: 'A', signerEmail: 'a@example.com', acceptedOn: '2026-01-16' },
        }),
      );
      expect(refusal(future)).toEqual([
        { code: 'ACCEPTANCE_DATE_IN_FUTURE', field: 'customerAgreement.acceptedOn' },
      ]);
      const early = await csp.execute(
        createCustomer,
        { principal: w.reseller.globalAdmin },
        newCustomerInput(w.reseller.tenantId, {
          customerAgreement: { signerName: 'A', signerEmail: 'a@example.com', acceptedOn: '2019-12-31' },
        }),
      );
      expect(refusal(early)).toEqual([
        { code: 'AGREEMENT_NOT_YET_EFFECTIVE', field: 'customerAgreement.acceptedOn' },
      ]);
    });

    it('refuses bad input: the agreement attestation is required; the reseller is named once', async () => {
      const { customerAgreement: _omitted, ...without } = newCustomerInput(w.provider.tenantId);
      const out = await csp.execute(
        createCustomer,
        { principal: w.provider.globalAdmin },
        { ...without, resellerTenantId: w.reseller.tenantId, resellerPartnerId: w.reseller.partnerId },
      );
      expect(refusal(out)).toEqual([
        { code: 'INVALID_FIELD', field: 'resellerPartnerId' },
        { code: 'REQUIRED_FIELD', field: 'customerAgreement' },
        { code: 'REQUIRED_FIELD', field: 'customerAgreement.signerName' },
        { code: 'REQUIRED_FIELD', field: 'customerAgreement.signerEmail' },
      ]);
    });
  });

  describe('removeCustomerRelationship', () => {
    async function related(partner: Partner): Promise<string> {
      const inv = must(
        await invite(partner.globalAdmin, {
          partnerTenantId: partner.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      const out = must(await acceptAs(w.customer, { token: inv.token }));
      return out.relationships[0]?.id ?? '';
    }

    async function orderLine(sellerTenantId: string) {
      return csp.store.read(async (tx) => {
        const ctx = { principal: w.operator.principal, requestId: 'test', now: T0, program: csp.program, tx };
        const seller = await loadPartnerFacts(ctx, sellerTenantId);
        const customer = await loadCustomerFacts(ctx, w.customer.tenantId);
        if (!seller || !customer) throw new Error('facts missing');
        return decideOrderLine(
          csp.program,
          {
            seller,
            customer,
            partnerOfRecord: undefined,
            sellerHasCustomerRelationship: await hasCustomerRelationship(
              ctx,
              seller.tenantId,
              customer.tenantId,
            ),
            partnerOfRecordHasCustomerRelationship: false,
            partnership: 'none',
            customerIsResellersCustomer: false,
            customerIsResellerOfSeller: false,
          },
          T0,
        );
      });
    }

    it('removes the relationship; the partner then has none and cannot order (NO_CUSTOMER_RELATIONSHIP)', async () => {
      const id = await related(w.direct);
      expect(await orderLine(w.direct.tenantId)).toEqual({ allowed: true, violations: [] });
      const later = addDays(T0, 3);
      const removed = must(
        await csp.execute(
          removeCustomerRelationship,
          { principal: w.direct.globalAdmin, now: later },
          { relationshipId: id },
        ),
      );
      expect(removed).toMatchObject({ id, state: 'removed', removedAt: later.toISOString() });
      const row = await csp.store.db
        .selectFrom('customer_relationships')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        state: 'removed',
        removed_at: later.toISOString(),
        removed_by: w.direct.globalAdmin.kind === 'user' ? w.direct.globalAdmin.userId : null,
      });
      const events = await ledgerRows(csp, id);
      expect(events.map((e) => [e.type, e.command])).toEqual([
        ['customer-relationship.created', 'customers.accept-invitation'],
        ['customer-relationship.removed', 'customers.remove-relationship'],
      ]);
      const decision = await orderLine(w.direct.tenantId);
      expect(decision.violations.map((v) => v.code)).toEqual(['NO_CUSTOMER_RELATIONSHIP']);
      // Removing it again is not a transition.
      expect(
        refusal(
          await csp.execute(
            removeCustomerRelationship,
            { principal: w.direct.globalAdmin },
            { relationshipId: id },
          ),
        ),
      ).toEqual([{ code: 'INVALID_TRANSITION', field: 'relationshipId' }]);
      // And the partner may invite the customer again.
      must(
        await invite(w.direct.globalAdmin, {
          partnerTenantId: w.direct.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
    });

    it("lets the customer's global admin and the operator remove one, leaving the customer's other partners", async () => {
      const a = await related(w.direct);
      const b = await related(w.reseller);
      must(
        await csp.execute(
          removeCustomerRelationship,
          { principal: w.customer.globalAdmin },
          { relationshipId: a },
        ),
      );
      const rows = await relationshipRows(csp, w.customer.tenantId);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual({ [a]: 'removed', [b]: 'active' });
      must(
        await csp.execute(
          removeCustomerRelationship,
          { principal: w.operator.principal },
          { relationshipId: b },
        ),
      );
    });

    it('refuses strangers (CUSTOMER_RELATIONSHIP_NOT_FOUND) and other roles of the partner (NOT_AUTHORIZED)', async () => {
      const id = await related(w.reseller);
      const sales = await agent(csp, w.reseller, 'sales-agent');
      const before = await snapshot(db.store());
      expect(
        refusal(
          await csp.execute(
            removeCustomerRelationship,
            { principal: w.direct.globalAdmin },
            { relationshipId: id },
          ),
        ),
      ).toEqual([{ code: 'CUSTOMER_RELATIONSHIP_NOT_FOUND', field: 'relationshipId' }]);
      expect(
        refusal(
          await csp.execute(
            removeCustomerRelationship,
            { principal: w.operator.principal },
            { relationshipId: UNKNOWN_ID },
          ),
        ),
      ).toEqual([{ code: 'CUSTOMER_RELATIONSHIP_NOT_FOUND', field: 'relationshipId' }]);
      expect(
        codes(await csp.execute(removeCustomerRelationship, { principal: sales }, { relationshipId: id })),
      ).toEqual(['NOT_AUTHORIZED']);
      expect(await snapshot(db.store())).toEqual(before);
    });
  });

  describe('listCustomers and listCustomerPartners', () => {
    async function providerCustomers() {
      const names = ['Alpha SAS', 'Beta SAS', 'Gamma SAS'];
      const created = [];
      for (const [i, legalName] of names.entries()) {
        created.push(
          must(
            await csp.execute(
              createCustomer,
              { principal: w.provider.globalAdmin, now: addDays(T0, i) },
              newCustomerInput(w.provider.tenantId, {
                resellerTenantId: w.reseller.tenantId,
                legalName,
                tenant: { domain: `${legalName.split(' ')[0]?.toLowerCase()}.onmicrosoft.example` },
              }),
            ),
          ),
        );
      }
      return created;
    }

    it("lists a provider's customers with the associated reseller's Partner ID, page by page", async () => {
      const created = await providerCustomers();
      const list = (input: Record<string, unknown>, principal = w.provider.globalAdmin) =>
        csp.query(listCustomers, { principal }, { partnerTenantId: w.provider.tenantId, ...input });
      const all = must(await list({}));
      expect(all.next).toBeNull();
      expect(all.items).toEqual(
        created.map((c, i) => ({
          relationshipId: c.relationships[1]?.id,
          customerTenantId: c.tenantId,
          companyName: ['Alpha SAS', 'Beta SAS', 'Gamma SAS'][i],
          country: 'FR',
          region: 'europe',
          associatedPartnerTenantId: w.reseller.tenantId,
          associatedPartnerId: w.reseller.partnerId,
          delegatedAdmin: true,
          state: 'active',
          source: 'created-by-provider',
          createdAt: addDays(T0, i).toISOString(),
        })),
      );
      const first = must(await list({ limit: 2 }));
      expect(first.items.map((c) => c.companyName)).toEqual(['Alpha SAS', 'Beta SAS']);
      expect(first.next).not.toBeNull();
      const second = must(await list({ limit: 2, cursor: first.next }));
      expect(second.items.map((c) => c.companyName)).toEqual(['Gamma SAS']);
      expect(second.next).toBeNull();
      expect(must(await list({ resellerTenantId: w.loneReseller.tenantId })).items).toEqual([]);
      expect(must(await list({ resellerTenantId: w.reseller.tenantId })).items).toHaveLength(3);
      must(
        await csp.execute(
          removeCustomerRelationship,
          { principal: w.provider.globalAdmin },
          { relationshipId: created[1]?.relationships[1]?.id },
        ),
      );
      expect(must(await list({ state: 'active' })).items.map((c) => c.companyName)).toEqual([
        'Alpha SAS',
        'Gamma SAS',
      ]);
      expect(must(await list({ state: 'removed' })).items.map((c) => c.companyName)).toEqual(['Beta SAS']);
      // The reseller sees its own customers, without an associated partner.
      const mine = must(
        await csp.query(
          listCustomers,
          { principal: w.reseller.globalAdmin },
          { partnerTenantId: w.reseller.tenantId },
        ),
      );
      expect(mine.items.map((c) => [c.companyName, c.associatedPartnerId])).toEqual([
        ['Alpha SAS', null],
        ['Beta SAS', null],
        ['Gamma SAS', null],
      ]);
      // The operator sees everything.
      expect(must(await list({}, w.operator.principal)).items).toHaveLength(3);
    });

    it('refuses other organizations (TENANT_NOT_FOUND) and bad paging input', async () => {
      await providerCustomers();
      expect(
        refusal(
          await csp.query(
            listCustomers,
            { principal: w.reseller.globalAdmin },
            { partnerTenantId: w.provider.tenantId },
          ),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' }]);
      expect(
        refusal(
          await csp.query(
            listCustomers,
            { principal: w.provider.globalAdmin },
            { partnerTenantId: w.provider.tenantId, limit: 1001, cursor: 'not a cursor', state: 'gone' },
          ),
        ),
      ).toEqual([
        { code: 'INVALID_FIELD', field: 'state' },
        { code: 'INVALID_FIELD', field: 'limit' },
        { code: 'INVALID_FIELD', field: 'cursor' },
      ]);
    });

    it("lists a customer's partners with Partner ID, name and role; only the customer and the operator see them", async () => {
      const inv1 = must(
        await invite(w.reseller.globalAdmin, {
          partnerTenantId: w.reseller.tenantId,
          customerTenantId: w.customer.tenantId,
          alsoAuthorizeProviderTenantId: w.provider.tenantId,
          requestDelegatedAdmin: true,
        }),
      );
      must(await acceptAs(w.customer, { token: inv1.token }));
      const inv2 = must(
        await invite(w.direct.globalAdmin, {
          partnerTenantId: w.direct.tenantId,
          customerTenantId: w.customer.tenantId,
          requestDelegatedAdmin: false,
        }),
      );
      must(await acceptAs(w.customer, { token: inv2.token }, addDays(T0, 1)));
      const page = must(
        await csp.query(
          listCustomerPartners,
          { principal: w.customer.globalAdmin },
          { customerTenantId: w.customer.tenantId },
        ),
      );
      const rows = page.items.map((p) => [
        p.partnerTenantId,
        p.partnerId,
        p.name,
        p.role,
        p.associatedPartnerId,
        p.delegatedAdmin,
      ]);
      // Oldest relationship first: the reseller's and its provider's came with one acceptance (the
      // same instant, then in relationship-id order), the direct-bill partner's a day later.
      expect(rows).toHaveLength(3);
      expect(rows.slice(0, 2)).toEqual(
        expect.arrayContaining([
          [w.reseller.tenantId, w.reseller.partnerId, 'Revendeur Un', 'indirect-reseller', null, true],
          [
            w.provider.tenantId,
            w.provider.partnerId,
            'Distributeur France',
            'indirect-provider',
            w.reseller.partnerId,
            true,
          ],
        ]),
      );
      expect(rows[2]).toEqual([
        w.direct.tenantId,
        w.direct.partnerId,
        'Direct Partenaire',
        'direct-bill',
        null,
        false,
      ]);
      const first = must(
        await csp.query(
          listCustomerPartners,
          { principal: w.operator.principal },
          { customerTenantId: w.customer.tenantId, limit: 1 },
        ),
      );
      expect(first.items).toHaveLength(1);
      const rest = must(
        await csp.query(
          listCustomerPartners,
          { principal: w.operator.principal },
          { customerTenantId: w.customer.tenantId, cursor: first.next },
        ),
      );
      expect([...first.items, ...rest.items]).toEqual(page.items);
      expect(
        refusal(
          await csp.query(
            listCustomerPartners,
            { principal: w.reseller.globalAdmin },
            { customerTenantId: w.customer.tenantId },
          ),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    });
  });
});
