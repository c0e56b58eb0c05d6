/**
 * Delegated admin (multi-channel, seed scenario 3) over the services, on SQLite and PostgreSQL:
 * admin relationships (create → request approval → the customer's global admin approves → either
 * side terminates; expiry derived from the clock, never from a job), external subscriptions, and
 * the access a partner derives from its relationships. Every refusal is asserted by its code.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AdminRelationshipView,
  approveAdminRelationship,
  createAdminRelationship,
  getAdminRelationship,
  getPartnerAccess,
  listAdminRelationships,
  listExternalSubscriptions,
  partnerAccess,
  registerExternalSubscription,
  requestAdminApproval,
  terminateAdminRelationship,
} from '../src/admin-access/service.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { seededIds, type TenantId, type UserId } from '../src/kernel/ids.ts';
import type { Outcome } from '../src/kernel/outcome.ts';
import { ANONYMOUS, type Principal } from '../src/kernel/principal.ts';
import { addDays } from '../src/kernel/time.ts';
import { addUser } from '../src/parties/service.ts';
import { defaultProgram } from '../src/program/load.ts';
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
  userPrincipal,
} from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, refusal, snapshot } from './support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';
const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

function userIdOf(p: Principal): string {
  if (p.kind !== 'user') throw new Error('not a user principal');
  return p.userId;
}

function tenantOf(p: Principal): string {
  if (p.kind !== 'user') throw new Error('not a user principal');
  return p.tenantId;
}

describeEachDatabase('admin access (delegated admin, scenario 3)', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let reseller: Partner;
  let direct: Partner;
  let customer: Customer;
  let otherCustomer: Customer;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
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
    otherCustomer = await addCustomer(csp, { legalName: 'Tailspin SARL', country: 'FR' });
  });

  // ---------------------------------------------------------------------------------------------
  // Helpers.

  async function agent(
    partner: Partner,
    role: 'admin-agent' | 'sales-agent' | 'helpdesk-agent',
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

  function createInput(over: Record<string, unknown> = {}) {
    return {
      partnerTenantId: reseller.tenantId,
      customerTenantId: customer.tenantId,
      displayName: 'Managed M365',
      roles: ['license-administrator', 'user-administrator'],
      durationDays: 90,
      ...over,
    };
  }

  function create(
    principal: Principal,
    over: Record<string, unknown> = {},
    now?: Date,
  ): Promise<Outcome<AdminRelationshipView>> {
    return csp.execute(createAdminRelationship, { principal, ...(now && { now }) }, createInput(over));
  }

  function request(principal: Principal, id: string, now?: Date, runtime: OpenCsp = csp) {
    return runtime.execute(
      requestAdminApproval,
      { principal, ...(now && { now }) },
      { adminRelationshipId: id },
    );
  }

  function approve(principal: Principal, id: string, now?: Date, runtime: OpenCsp = csp) {
    return runtime.execute(
      approveAdminRelationship,
      { principal, ...(now && { now }) },
      { adminRelationshipId: id },
    );
  }

  function terminate(principal: Principal, id: string, now?: Date, runtime: OpenCsp = csp) {
    return runtime.execute(
      terminateAdminRelationship,
      { principal, ...(now && { now }) },
      { adminRelationshipId: id },
    );
  }

  function get(principal: Principal, id: string, runtime: OpenCsp = csp) {
    return runtime.query(getAdminRelationship, { principal }, { adminRelationshipId: id });
  }

  /** A relationship of `partner` with `cust`, created, requested and approved at T0. */
  async function activeRelationship(
    partner: Partner = reseller,
    cust: Customer = customer,
    over: Record<string, unknown> = {},
  ): Promise<AdminRelationshipView> {
    const r = must(
      await create(partner.globalAdmin, {
        partnerTenantId: partner.tenantId,
        customerTenantId: cust.tenantId,
        ...over,
      }),
    );
    must(await request(partner.globalAdmin, r.id));
    return must(await approve(cust.globalAdmin, r.id));
  }

  async function events(entityId: string) {
    const rows = await csp.store.db
      .selectFrom('ledger_events')
      .selectAll()
      .where('entity_id', '=', entityId)
      .orderBy('seq')
      .execute();
    return rows.map((e) => ({
      type: e.type,
      command: e.command,
      entityType: e.entity_type,
      principalUserId: e.principal_user_id,
      principalTenantId: e.principal_tenant_id,
      occurredAt: e.occurred_at,
      payload: JSON.parse(e.payload) as Record<string, unknown>,
    }));
  }

  function row(id: string) {
    return csp.store.db
      .selectFrom('admin_relationships')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** A second runtime over the same store whose clock reads `later`. */
  function laterRuntime(later: Date): OpenCsp {
    return new OpenCsp(db.store(), defaultProgram(), seededIds(9), () => later);
  }

  function accessOf(partner: Partner, cust: Customer, now: Date = T0) {
    return csp.store.read((tx) =>
      partnerAccess(
        { principal: partner.globalAdmin, requestId: 't', now, program: csp.program, tx },
        partner.tenantId,
        cust.tenantId,
      ),
    );
  }

  // ---------------------------------------------------------------------------------------------

  describe('createAdminRelationship', () => {
    it('a partner global admin creates one: created, grants nothing yet, one ledger event', async () => {
      const r = must(await create(reseller.globalAdmin));
      expect(r).toMatchObject({
        partnerTenantId: reseller.tenantId,
        customerTenantId: customer.tenantId,
        displayName: 'Managed M365',
        roles: ['license-administrator', 'user-administrator'],
        durationDays: 90,
        autoExtend: 'none',
        state: 'created',
        storedState: 'created',
        createdAt: T0.toISOString(),
        requestedAt: null,
        activatedAt: null,
        approvedBy: null,
        endsAt: null,
        effectiveEnd: null,
        terminatedAt: null,
        terminatedByTenantId: null,
      });
      expect(await row(r.id)).toMatchObject({ state: 'created', auto_extend: 'none', ends_at: null });
      const ledger = await events(r.id);
      expect(ledger).toHaveLength(1);
      expect(ledger[0]).toMatchObject({
        type: 'admin-relationship.created',
        command: 'admin-access.create',
        entityType: 'admin-relationship',
        principalUserId: userIdOf(reseller.globalAdmin),
        principalTenantId: reseller.tenantId,
        occurredAt: T0.toISOString(),
        payload: {
          id: r.id,
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          roles: ['license-administrator', 'user-administrator'],
          durationDays: 90,
          autoExtend: 'none',
          state: 'created',
        },
      });
      const access = await accessOf(reseller, customer);
      expect(access.adminRoles).toEqual([]);
      expect(access.canManage('license-administrator')).toBe(false);
    });

    it('an admin agent creates one too, with auto-extend P180D', async () => {
      const adminAgent = await agent(reseller, 'admin-agent');
      const r = must(await create(adminAgent, { autoExtend: 'P180D', roles: ['directory-readers'] }));
      expect(r).toMatchObject({ state: 'created', autoExtend: 'P180D', roles: ['directory-readers'] });
      expect((await events(r.id))[0]?.principalUserId).toBe(userIdOf(adminAgent));
    });

    it.each([
      ['no roles', { roles: [] }, [{ code: 'REQUIRED_FIELD', field: 'roles' }]],
      [
        'an unknown role',
        { roles: ['license-administrator', 'owner'] },
        [{ code: 'INVALID_FIELD', field: 'roles[1]' }],
      ],
      ['0 days', { durationDays: 0 }, [{ code: 'INVALID_FIELD', field: 'durationDays' }]],
      ['731 days', { durationDays: 731 }, [{ code: 'INVALID_FIELD', field: 'durationDays' }]],
      ['a fractional duration', { durationDays: 1.5 }, [{ code: 'INVALID_FIELD', field: 'durationDays' }]],
      [
        'auto-extend with global-administrator',
        { roles: ['global-administrator'], autoExtend: 'P180D' },
        [{ code: 'INVALID_FIELD', field: 'autoExtend' }],
      ],
      ['an unknown auto-extend', { autoExtend: 'P90D' }, [{ code: 'INVALID_FIELD', field: 'autoExtend' }]],
      ['an unknown field', { expiresAt: '2027-01-01' }, [{ code: 'INVALID_FIELD', field: 'expiresAt' }]],
      [
        'a missing customer',
        { customerTenantId: undefined },
        [{ code: 'REQUIRED_FIELD', field: 'customerTenantId' }],
      ],
      ['a bad GUID', { partnerTenantId: 'not-a-guid' }, [{ code: 'INVALID_GUID', field: 'partnerTenantId' }]],
    ] as const)('refuses %s, writing nothing', async (_label, over, expected) => {
      const before = await snapshot(db.store());
      expect(refusal(await create(reseller.globalAdmin, over))).toEqual(expected);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('accepts the bounds: 1 day and 730 days; global-administrator without auto-extend', async () => {
      expect(must(await create(reseller.globalAdmin, { durationDays: 1 })).durationDays).toBe(1);
      expect(must(await create(reseller.globalAdmin, { durationDays: 730 })).durationDays).toBe(730);
      expect(must(await create(reseller.globalAdmin, { roles: ['global-administrator'] })).roles).toEqual([
        'global-administrator',
      ]);
    });

    it('reports every field problem at once', async () => {
      const out = await create(reseller.globalAdmin, { roles: [], durationDays: 0, extra: 1 });
      expect(refusal(out)).toEqual([
        { code: 'REQUIRED_FIELD', field: 'roles' },
        { code: 'INVALID_FIELD', field: 'durationDays' },
        { code: 'INVALID_FIELD', field: 'extra' },
      ]);
    });

    it('NOT_AUTHORIZED: a sales agent, another partner’s admin, the customer’s admin, the operator, anonymous', async () => {
      const sales = await agent(reseller, 'sales-agent');
      const before = await snapshot(db.store());
      for (const p of [sales, direct.globalAdmin, customer.globalAdmin, operator.principal, ANONYMOUS]) {
        const out = await create(p);
        expect(codes(out)).toEqual(['NOT_AUTHORIZED']);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('NOT_A_PARTNER_TENANT: created from a customer-type tenant', async () => {
      const out = await create(customer.globalAdmin, {
        partnerTenantId: customer.tenantId,
        customerTenantId: otherCustomer.tenantId,
      });
      expect(refusal(out)).toEqual([{ code: 'NOT_A_PARTNER_TENANT', field: 'partnerTenantId' }]);
      if (!out.ok) expect(out.violations[0]?.scenario).toBe('3');
    });

    it('NOT_A_CUSTOMER_TENANT: the other side is a CSP tenant (scenario 4)', async () => {
      const out = await create(reseller.globalAdmin, { customerTenantId: direct.tenantId });
      expect(refusal(out)).toEqual([{ code: 'NOT_A_CUSTOMER_TENANT', field: 'customerTenantId' }]);
      if (!out.ok) {
        expect(out.violations[0]?.scenario).toBe('4');
        expect(out.violations[0]?.remedies).toEqual([
          'Ask the customer for the id of its customer-type tenant.',
        ]);
      }
    });

    it('TENANT_NOT_FOUND: an unknown customer tenant; an unknown partner tenant', async () => {
      expect(refusal(await create(reseller.globalAdmin, { customerTenantId: UNKNOWN_ID }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'customerTenantId' },
      ]);
      // A principal claiming a tenant that does not exist (an API key outliving its tenant).
      const ghost = userPrincipal(userIdOf(reseller.globalAdmin) as UserId, UNKNOWN_ID as TenantId, [
        'global-admin',
      ]);
      expect(refusal(await create(ghost, { partnerTenantId: UNKNOWN_ID }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' },
      ]);
    });
  });

  describe('requestAdminApproval', () => {
    it('the partner’s admin sends it for approval: approvalPending, requestedAt, ledger event', async () => {
      const r = must(await create(reseller.globalAdmin));
      const later = at(HOUR);
      const pending = must(await request(reseller.globalAdmin, r.id, later));
      expect(pending).toMatchObject({
        state: 'approvalPending',
        storedState: 'approvalPending',
        requestedAt: later.toISOString(),
        activatedAt: null,
        endsAt: null,
      });
      const ledger = await events(r.id);
      expect(ledger.map((e) => e.type)).toEqual([
        'admin-relationship.created',
        'admin-relationship.approval-requested',
      ]);
      expect(ledger[1]).toMatchObject({
        command: 'admin-access.request-approval',
        occurredAt: later.toISOString(),
        payload: {
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          from: 'created',
          to: 'approvalPending',
          requested_at: later.toISOString(),
        },
      });
      expect((await accessOf(reseller, customer)).adminRoles).toEqual([]);
    });

    it('an admin agent of the partner may request; a sales agent and the customer may not', async () => {
      const r = must(await create(reseller.globalAdmin));
      const sales = await agent(reseller, 'sales-agent');
      expect(codes(await request(sales, r.id))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await request(customer.globalAdmin, r.id))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await request(operator.principal, r.id))).toEqual(['NOT_AUTHORIZED']);
      const adminAgent = await agent(reseller, 'admin-agent');
      expect(must(await request(adminAgent, r.id)).state).toBe('approvalPending');
    });

    it('a stranger cannot see it: ADMIN_RELATIONSHIP_NOT_FOUND; an unknown id likewise', async () => {
      const r = must(await create(reseller.globalAdmin));
      expect(refusal(await request(direct.globalAdmin, r.id))).toEqual([
        { code: 'ADMIN_RELATIONSHIP_NOT_FOUND', field: 'adminRelationshipId' },
      ]);
      expect(codes(await request(otherCustomer.globalAdmin, r.id))).toEqual(['ADMIN_RELATIONSHIP_NOT_FOUND']);
      expect(codes(await request(reseller.globalAdmin, UNKNOWN_ID))).toEqual([
        'ADMIN_RELATIONSHIP_NOT_FOUND',
      ]);
    });

    it('INVALID_TRANSITION when asked twice, and once active, writing nothing', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      const before = await snapshot(db.store());
      const twice = await request(reseller.globalAdmin, r.id);
      expect(refusal(twice)).toEqual([{ code: 'INVALID_TRANSITION', field: 'adminRelationshipId' }]);
      if (!twice.ok) {
        expect(twice.violations[0]?.scenario).toBe('3');
        expect(twice.violations[0]?.message).toBe(
          'The admin relationship is approvalPending; it cannot become approvalPending.',
        );
      }
      expect(await snapshot(db.store())).toEqual(before);
      must(await approve(customer.globalAdmin, r.id));
      expect(codes(await request(reseller.globalAdmin, r.id))).toEqual(['INVALID_TRANSITION']);
    });

    it('INVALID_TRANSITION after termination, with the remedy of a new relationship', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await terminate(reseller.globalAdmin, r.id));
      const out = await request(reseller.globalAdmin, r.id);
      expect(codes(out)).toEqual(['INVALID_TRANSITION']);
      if (!out.ok)
        expect(out.violations[0]?.remedies).toEqual([
          'Create a new admin relationship and have the customer’s global admin approve it.',
        ]);
    });
  });

  describe('approveAdminRelationship', () => {
    it('the customer’s global admin approves: active now, ends after durationDays, ledger event', async () => {
      const r = must(await create(reseller.globalAdmin, { durationDays: 120 }));
      must(await request(reseller.globalAdmin, r.id, at(HOUR)));
      const approvedAt = at(2 * 24 * HOUR + 5 * 60_000);
      const active = must(await approve(customer.globalAdmin, r.id, approvedAt));
      const endsAt = addDays(approvedAt, 120).toISOString();
      expect(active).toMatchObject({
        state: 'active',
        storedState: 'active',
        activatedAt: approvedAt.toISOString(),
        approvedBy: userIdOf(customer.globalAdmin),
        endsAt,
        effectiveEnd: endsAt,
      });
      expect(await row(r.id)).toMatchObject({
        state: 'active',
        activated_at: approvedAt.toISOString(),
        ends_at: endsAt,
        approved_by: userIdOf(customer.globalAdmin),
      });
      const ledger = await events(r.id);
      expect(ledger.map((e) => e.type)).toEqual([
        'admin-relationship.created',
        'admin-relationship.approval-requested',
        'admin-relationship.approved',
      ]);
      expect(ledger[2]).toMatchObject({
        command: 'admin-access.approve',
        principalUserId: userIdOf(customer.globalAdmin),
        principalTenantId: customer.tenantId,
        occurredAt: approvedAt.toISOString(),
        payload: {
          partnerTenantId: reseller.tenantId,
          customerTenantId: customer.tenantId,
          from: 'approvalPending',
          to: 'active',
          activated_at: approvedAt.toISOString(),
          approved_by: userIdOf(customer.globalAdmin),
          ends_at: endsAt,
        },
      });
      const access = await accessOf(reseller, customer, approvedAt);
      expect(access.adminRoles).toEqual(['license-administrator', 'user-administrator']);
      expect(access.canManage('license-administrator')).toBe(true);
      expect(access.canManage('billing-administrator')).toBe(false);
    });

    it('NOT_AUTHORIZED: the partner’s own admins and the operator, writing nothing', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      const adminAgent = await agent(reseller, 'admin-agent');
      const before = await snapshot(db.store());
      for (const p of [reseller.globalAdmin, adminAgent, operator.principal]) {
        const out = await approve(p, r.id);
        expect(codes(out)).toEqual(['NOT_AUTHORIZED']);
        if (!out.ok)
          expect(out.violations[0]?.remedies).toEqual([`Ask a global admin of tenant ${customer.tenantId}.`]);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    // BUG: approveAdminRelationship loads the relationship without the visibility filter (see the
    // comment in src/admin-access/service.ts), so another customer's global admin gets
    // NOT_AUTHORIZED — learning that the relationship exists — instead of ADMIN_RELATIONSHIP_NOT_FOUND
    // ("Unknown objects of another tenant answer *_NOT_FOUND, never leaking existence").
    it('another customer’s admin cannot see it: ADMIN_RELATIONSHIP_NOT_FOUND', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      expect(refusal(await approve(otherCustomer.globalAdmin, r.id))).toEqual([
        { code: 'ADMIN_RELATIONSHIP_NOT_FOUND', field: 'adminRelationshipId' },
      ]);
    });

    it('another customer’s admin is refused and nothing is written (whatever the code)', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      const before = await snapshot(db.store());
      const out = await approve(otherCustomer.globalAdmin, r.id);
      expect(out.ok).toBe(false);
      expect(await snapshot(db.store())).toEqual(before);
      expect(codes(await approve(customer.globalAdmin, UNKNOWN_ID))).toEqual([
        'ADMIN_RELATIONSHIP_NOT_FOUND',
      ]);
    });

    it('INVALID_TRANSITION before approval was requested, and once active', async () => {
      const r = must(await create(reseller.globalAdmin));
      const before = await snapshot(db.store());
      expect(codes(await approve(customer.globalAdmin, r.id))).toEqual(['INVALID_TRANSITION']);
      expect(await snapshot(db.store())).toEqual(before);
      must(await request(reseller.globalAdmin, r.id));
      must(await approve(customer.globalAdmin, r.id));
      expect(codes(await approve(customer.globalAdmin, r.id))).toEqual(['INVALID_TRANSITION']);
    });

    it('INVALID_TRANSITION once terminated', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      must(await terminate(customer.globalAdmin, r.id));
      expect(codes(await approve(customer.globalAdmin, r.id))).toEqual(['INVALID_TRANSITION']);
    });

    it('PARTNER_NOT_ENROLLED: the partner onboarded but never enrolled, writing nothing', async () => {
      const newcomer = await addPartner(csp, operator, { legalName: 'Nouveau Partenaire', country: 'FR' });
      const r = must(
        await create(newcomer.globalAdmin, {
          partnerTenantId: newcomer.tenantId,
          roles: ['directory-readers'],
        }),
      );
      must(await request(newcomer.globalAdmin, r.id));
      const before = await snapshot(db.store());
      const out = await approve(customer.globalAdmin, r.id);
      expect(codes(out)).toEqual(['PARTNER_NOT_ENROLLED']);
      expect(await snapshot(db.store())).toEqual(before);
      expect(must(await get(customer.globalAdmin, r.id)).state).toBe('approvalPending');
    });
  });

  describe('terminateAdminRelationship', () => {
    it('the partner terminates: terminated, terminated_by_tenant_id is the partner, roles gone', async () => {
      const r = await activeRelationship();
      const when = at(3 * 24 * HOUR);
      const done = must(await terminate(reseller.globalAdmin, r.id, when));
      expect(done).toMatchObject({
        state: 'terminated',
        storedState: 'terminated',
        terminatedAt: when.toISOString(),
        terminatedByTenantId: reseller.tenantId,
        effectiveEnd: when.toISOString(),
      });
      expect(await row(r.id)).toMatchObject({
        state: 'terminated',
        terminated_by_tenant_id: reseller.tenantId,
        terminated_at: when.toISOString(),
      });
      const ledger = await events(r.id);
      expect(ledger.at(-1)).toMatchObject({
        type: 'admin-relationship.terminated',
        command: 'admin-access.terminate',
        principalTenantId: reseller.tenantId,
        payload: {
          from: 'active',
          to: 'terminated',
          terminated_at: when.toISOString(),
          terminated_by_tenant_id: reseller.tenantId,
        },
      });
      const access = await accessOf(reseller, customer, when);
      expect(access.adminRoles).toEqual([]);
      expect(access.canManage()).toBe(false);
    });

    it('the customer’s global admin terminates (from approvalPending): recorded as the customer', async () => {
      const r = must(await create(reseller.globalAdmin));
      must(await request(reseller.globalAdmin, r.id));
      const done = must(await terminate(customer.globalAdmin, r.id));
      expect(done.terminatedByTenantId).toBe(customer.tenantId);
      expect((await events(r.id)).at(-1)).toMatchObject({
        type: 'admin-relationship.terminated',
        principalTenantId: customer.tenantId,
        payload: { from: 'approvalPending', to: 'terminated', terminated_by_tenant_id: customer.tenantId },
      });
    });

    it('the operator terminates (from created): recorded as the operator’s tenant', async () => {
      const r = must(await create(reseller.globalAdmin));
      const done = must(await terminate(operator.principal, r.id));
      expect(done.terminatedByTenantId).toBe(operator.tenantId);
      expect(tenantOf(operator.principal)).toBe(operator.tenantId);
      expect((await row(r.id)).terminated_by_tenant_id).toBe(operator.tenantId);
    });

    it('an admin agent of the partner may; a sales agent may not (NOT_AUTHORIZED)', async () => {
      const r = await activeRelationship();
      const sales = await agent(reseller, 'sales-agent');
      const before = await snapshot(db.store());
      expect(codes(await terminate(sales, r.id))).toEqual(['NOT_AUTHORIZED']);
      expect(await snapshot(db.store())).toEqual(before);
      const adminAgent = await agent(reseller, 'admin-agent');
      expect(must(await terminate(adminAgent, r.id)).terminatedByTenantId).toBe(reseller.tenantId);
    });

    it('a stranger (another partner, another customer) gets ADMIN_RELATIONSHIP_NOT_FOUND', async () => {
      const r = await activeRelationship();
      const before = await snapshot(db.store());
      for (const p of [direct.globalAdmin, otherCustomer.globalAdmin, ANONYMOUS]) {
        expect(refusal(await terminate(p, r.id))).toEqual([
          { code: 'ADMIN_RELATIONSHIP_NOT_FOUND', field: 'adminRelationshipId' },
        ]);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('INVALID_TRANSITION a second time, with the remedy', async () => {
      const r = await activeRelationship();
      must(await terminate(customer.globalAdmin, r.id));
      const out = await terminate(reseller.globalAdmin, r.id);
      expect(codes(out)).toEqual(['INVALID_TRANSITION']);
      if (!out.ok) {
        expect(out.violations[0]?.message).toBe(
          'The admin relationship is terminated; it cannot become terminated.',
        );
        expect(out.violations[0]?.remedies).toEqual([
          'Create a new admin relationship and have the customer’s global admin approve it.',
        ]);
      }
    });
  });

  describe('expiry is derived from the clock (no job)', () => {
    it('expiring in the last 30 days, expired at the end; terminate/approve then refused', async () => {
      const r = await activeRelationship(reseller, customer, { durationDays: 90 });
      const end = addDays(T0, 90);
      expect(r.endsAt).toBe(end.toISOString());

      const stillActive = laterRuntime(addDays(T0, 59));
      expect(must(await get(customer.globalAdmin, r.id, stillActive)).state).toBe('active');

      const expiringClock = addDays(T0, 60);
      const expiring = laterRuntime(expiringClock);
      expect(must(await get(customer.globalAdmin, r.id, expiring))).toMatchObject({
        state: 'expiring',
        storedState: 'active',
        effectiveEnd: end.toISOString(),
      });
      expect((await accessOf(reseller, customer, expiringClock)).adminRoles).toEqual([
        'license-administrator',
        'user-administrator',
      ]);

      const expired = laterRuntime(end);
      expect(must(await get(reseller.globalAdmin, r.id, expired))).toMatchObject({
        state: 'expired',
        storedState: 'active',
      });
      // Nothing was written: the stored row is still active.
      expect((await row(r.id)).state).toBe('active');
      const access = await accessOf(reseller, customer, end);
      expect(access.adminRoles).toEqual([]);
      expect(access.canManage('license-administrator')).toBe(false);

      const before = await snapshot(db.store());
      const t = await terminate(reseller.globalAdmin, r.id, undefined, expired);
      expect(refusal(t)).toEqual([{ code: 'INVALID_TRANSITION', field: 'adminRelationshipId' }]);
      if (!t.ok) {
        expect(t.violations[0]?.message).toBe(
          'The admin relationship is expired; it cannot become terminated.',
        );
        expect(t.violations[0]?.remedies).toEqual([
          'Create a new admin relationship and have the customer’s global admin approve it.',
        ]);
      }
      expect(codes(await approve(customer.globalAdmin, r.id, undefined, expired))).toEqual([
        'INVALID_TRANSITION',
      ]);
      expect(codes(await request(reseller.globalAdmin, r.id, undefined, expired))).toEqual([
        'INVALID_TRANSITION',
      ]);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('terminating while expiring is allowed', async () => {
      const r = await activeRelationship(reseller, customer, { durationDays: 40 });
      const expiring = laterRuntime(addDays(T0, 20));
      const done = must(await terminate(customer.globalAdmin, r.id, undefined, expiring));
      expect(done.state).toBe('terminated');
      expect((await events(r.id)).at(-1)?.payload).toMatchObject({ from: 'expiring', to: 'terminated' });
    });

    it('auto-extend P180D: a day after the end it is still active and its end moved by 180 days', async () => {
      const r = await activeRelationship(reseller, customer, {
        durationDays: 30,
        autoExtend: 'P180D',
        roles: ['helpdesk-administrator'],
      });
      const firstEnd = addDays(T0, 30);
      expect(r.state).toBe('expiring');
      const later = laterRuntime(addDays(firstEnd, 1));
      expect(must(await get(reseller.globalAdmin, r.id, later))).toMatchObject({
        state: 'active',
        storedState: 'active',
        endsAt: firstEnd.toISOString(),
        effectiveEnd: addDays(firstEnd, 180).toISOString(),
      });
      const muchLater = laterRuntime(addDays(firstEnd, 3 * 180 + 1));
      expect(must(await get(reseller.globalAdmin, r.id, muchLater))).toMatchObject({
        state: 'active',
        effectiveEnd: addDays(firstEnd, 4 * 180).toISOString(),
      });
      expect((await accessOf(reseller, customer, addDays(firstEnd, 1000))).adminRoles).toEqual([
        'helpdesk-administrator',
      ]);
    });
  });

  describe('getAdminRelationship', () => {
    it('both sides (any user of either organization) and the operator see it; strangers do not', async () => {
      const r = await activeRelationship();
      const sales = await agent(reseller, 'sales-agent');
      for (const p of [reseller.globalAdmin, sales, customer.globalAdmin, operator.principal]) {
        expect(must(await get(p, r.id))).toMatchObject({ id: r.id, state: 'active' });
      }
      for (const p of [direct.globalAdmin, otherCustomer.globalAdmin, ANONYMOUS]) {
        expect(refusal(await get(p, r.id))).toEqual([
          { code: 'ADMIN_RELATIONSHIP_NOT_FOUND', field: 'adminRelationshipId' },
        ]);
      }
      expect(codes(await get(operator.principal, UNKNOWN_ID))).toEqual(['ADMIN_RELATIONSHIP_NOT_FOUND']);
      expect(refusal(await get(operator.principal, 'nope'))).toEqual([
        { code: 'INVALID_GUID', field: 'adminRelationshipId' },
      ]);
    });
  });

  describe('listAdminRelationships', () => {
    /** Three relationships created a minute apart: reseller→customer, direct→customer, reseller→otherCustomer. */
    async function three() {
      const a = must(await create(reseller.globalAdmin, {}, at(60_000)));
      const b = must(
        await create(
          direct.globalAdmin,
          { partnerTenantId: direct.tenantId, displayName: 'Direct' },
          at(120_000),
        ),
      );
      const c = must(
        await create(
          reseller.globalAdmin,
          { customerTenantId: otherCustomer.tenantId, displayName: 'Other' },
          at(180_000),
        ),
      );
      return { a, b, c };
    }

    function list(principal: Principal, input: Record<string, unknown>, runtime: OpenCsp = csp) {
      return runtime.query(listAdminRelationships, { principal }, input);
    }

    async function all(principal: Principal, input: Record<string, unknown>, runtime: OpenCsp = csp) {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { readonly items: readonly AdminRelationshipView[]; readonly next: string | null } = must(
          await list(principal, { ...input, limit: 1, ...(cursor !== null && { cursor }) }, runtime),
        );
        expect(page.items.length).toBeLessThanOrEqual(1);
        ids.push(...page.items.map((r) => r.id));
        cursor = page.next;
        pages++;
        expect(pages).toBeLessThan(20);
      } while (cursor !== null);
      return ids;
    }

    it('a partner lists its relationships, a customer those granted to its partners, oldest first', async () => {
      const { a, b, c } = await three();
      const ofReseller = must(await list(reseller.globalAdmin, { partnerTenantId: reseller.tenantId }));
      expect(ofReseller.items.map((r) => r.id)).toEqual([a.id, c.id]);
      expect(ofReseller.next).toBeNull();
      const ofCustomer = must(await list(customer.globalAdmin, { customerTenantId: customer.tenantId }));
      expect(ofCustomer.items.map((r) => r.id)).toEqual([a.id, b.id]);
      expect(ofCustomer.items.map((r) => r.state)).toEqual(['created', 'created']);
      const byOperator = must(await list(operator.principal, { customerTenantId: otherCustomer.tenantId }));
      expect(byOperator.items.map((r) => r.id)).toEqual([c.id]);
    });

    it('pagination with limit 1: following next returns every item once, in order', async () => {
      const { a, b, c } = await three();
      expect(await all(reseller.globalAdmin, { partnerTenantId: reseller.tenantId })).toEqual([a.id, c.id]);
      expect(await all(customer.globalAdmin, { customerTenantId: customer.tenantId })).toEqual([a.id, b.id]);
      const first = must(await list(customer.globalAdmin, { customerTenantId: customer.tenantId, limit: 1 }));
      expect(first.items.map((r) => r.id)).toEqual([a.id]);
      expect(typeof first.next).toBe('string');
    });

    it('filters by effective state, expired included, computed from the clock', async () => {
      // Three relationships of the customer: one created, one active (90 days), one terminated.
      const created = must(await create(reseller.globalAdmin, {}, at(60_000)));
      const active = must(
        await create(direct.globalAdmin, { partnerTenantId: direct.tenantId, durationDays: 90 }, at(120_000)),
      );
      must(await request(direct.globalAdmin, active.id, at(120_000)));
      must(await approve(customer.globalAdmin, active.id, at(120_000)));
      const gone = must(await create(reseller.globalAdmin, { displayName: 'Gone' }, at(180_000)));
      must(await terminate(customer.globalAdmin, gone.id, at(180_000)));

      const byState = async (state: string, runtime: OpenCsp = csp) =>
        must(
          await list(customer.globalAdmin, { customerTenantId: customer.tenantId, state }, runtime),
        ).items.map((r) => r.id);
      expect(await byState('created')).toEqual([created.id]);
      expect(await byState('active')).toEqual([active.id]);
      expect(await byState('terminated')).toEqual([gone.id]);
      expect(await byState('expired')).toEqual([]);
      expect(await byState('approvalPending')).toEqual([]);

      const expiring = laterRuntime(addDays(T0, 70));
      expect(await byState('active', expiring)).toEqual([]);
      expect(await byState('expiring', expiring)).toEqual([active.id]);

      const later = laterRuntime(addDays(T0, 100));
      expect(await byState('active', later)).toEqual([]);
      expect(await byState('expiring', later)).toEqual([]);
      expect(await byState('expired', later)).toEqual([active.id]);
      const page = must(
        await list(customer.globalAdmin, { customerTenantId: customer.tenantId, state: 'expired' }, later),
      );
      expect(page.items[0]).toMatchObject({ state: 'expired', storedState: 'active' });
      // The filter with pagination: the whole list, one at a time.
      expect(
        await all(customer.globalAdmin, { customerTenantId: customer.tenantId, state: 'expired' }, later),
      ).toEqual([active.id]);
      expect(await all(customer.globalAdmin, { customerTenantId: customer.tenantId }, later)).toEqual([
        created.id,
        active.id,
        gone.id,
      ]);
    });

    it('a filtered page stays full when non-matching rows come between matching ones', async () => {
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const r = must(await create(reseller.globalAdmin, { displayName: `R${i}` }, at(i * 60_000)));
        if (i % 2 === 1) must(await terminate(reseller.globalAdmin, r.id, at(i * 60_000)));
        ids.push(r.id);
      }
      const input = { partnerTenantId: reseller.tenantId, state: 'terminated' };
      const page = must(await list(reseller.globalAdmin, { ...input, limit: 2 }));
      expect(page.items.map((r) => r.id)).toEqual([ids[0], ids[2]]);
      expect(page.next).not.toBeNull();
      expect(await all(reseller.globalAdmin, input)).toEqual([ids[0], ids[2], ids[4]]);
      expect(
        await all(reseller.globalAdmin, { partnerTenantId: reseller.tenantId, state: 'created' }),
      ).toEqual([ids[1], ids[3]]);
    });

    it('TENANT_NOT_FOUND for strangers and unknown tenants', async () => {
      await three();
      expect(refusal(await list(direct.globalAdmin, { partnerTenantId: reseller.tenantId }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' },
      ]);
      expect(refusal(await list(otherCustomer.globalAdmin, { customerTenantId: customer.tenantId }))).toEqual(
        [{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }],
      );
      expect(refusal(await list(ANONYMOUS, { customerTenantId: customer.tenantId }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'customerTenantId' },
      ]);
      expect(refusal(await list(operator.principal, { partnerTenantId: UNKNOWN_ID }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' },
      ]);
    });

    it.each([
      ['a garbage cursor', { cursor: 'garbage!!' }, [{ code: 'INVALID_FIELD', field: 'cursor' }]],
      ['a limit of 0', { limit: 0 }, [{ code: 'INVALID_FIELD', field: 'limit' }]],
      ['a limit of 1001', { limit: 1001 }, [{ code: 'INVALID_FIELD', field: 'limit' }]],
      ['an unknown state', { state: 'suspended' }, [{ code: 'INVALID_FIELD', field: 'state' }]],
      ['an unknown field', { sort: 'asc' }, [{ code: 'INVALID_FIELD', field: 'sort' }]],
    ] as const)('INVALID_FIELD: %s', async (_label, over, expected) => {
      expect(
        refusal(await list(reseller.globalAdmin, { partnerTenantId: reseller.tenantId, ...over })),
      ).toEqual(expected);
    });

    it('exactly one side: both → INVALID_FIELD, neither → REQUIRED_FIELD', async () => {
      expect(
        refusal(
          await list(operator.principal, {
            partnerTenantId: reseller.tenantId,
            customerTenantId: customer.tenantId,
          }),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'customerTenantId' }]);
      expect(refusal(await list(operator.principal, {}))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'partnerTenantId' },
      ]);
    });
  });

  describe('external subscriptions', () => {
    function register(principal: Principal, over: Record<string, unknown> = {}, now?: Date) {
      return csp.execute(
        registerExternalSubscription,
        { principal, ...(now && { now }) },
        {
          customerTenantId: customer.tenantId,
          source: 'direct',
          offerName: 'Microsoft 365 E3',
          quantity: 25,
          externalReference: 'EA-42',
          ...over,
        },
      );
    }

    function listExt(principal: Principal, input: Record<string, unknown> = {}) {
      return csp.query(
        listExternalSubscriptions,
        { principal },
        { customerTenantId: customer.tenantId, ...input },
      );
    }

    it('the customer’s global admin registers one, with its ledger event', async () => {
      const s = must(await register(customer.globalAdmin));
      expect(s).toEqual({
        id: s.id,
        customerTenantId: customer.tenantId,
        source: 'direct',
        offerName: 'Microsoft 365 E3',
        quantity: 25,
        externalReference: 'EA-42',
        registeredAt: T0.toISOString(),
      });
      const stored = await csp.store.db
        .selectFrom('external_subscriptions')
        .selectAll()
        .where('id', '=', s.id)
        .executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ registered_by: userIdOf(customer.globalAdmin), source: 'direct' });
      expect(await events(s.id)).toEqual([
        {
          type: 'external-subscription.registered',
          command: 'admin-access.register-external-subscription',
          entityType: 'external-subscription',
          principalUserId: userIdOf(customer.globalAdmin),
          principalTenantId: customer.tenantId,
          occurredAt: T0.toISOString(),
          payload: { ...s },
        },
      ]);
      const noRef = must(
        await register(customer.globalAdmin, { externalReference: undefined, source: 'other-partner' }),
      );
      expect(noRef.externalReference).toBeNull();
    });

    it('only the customer’s global admin: NOT_AUTHORIZED for partners, the operator, another customer', async () => {
      await activeRelationship();
      const before = await snapshot(db.store());
      for (const p of [reseller.globalAdmin, operator.principal, otherCustomer.globalAdmin, ANONYMOUS]) {
        expect(codes(await register(p))).toEqual(['NOT_AUTHORIZED']);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('NOT_A_CUSTOMER_TENANT: a partner registering on its own CSP tenant', async () => {
      const out = await register(reseller.globalAdmin, { customerTenantId: reseller.tenantId });
      expect(refusal(out)).toEqual([{ code: 'NOT_A_CUSTOMER_TENANT', field: 'customerTenantId' }]);
      if (!out.ok) expect(out.violations[0]?.scenario).toBe('4');
    });

    it.each([
      ['an unknown source', { source: 'ebay' }, [{ code: 'INVALID_FIELD', field: 'source' }]],
      ['a quantity of 0', { quantity: 0 }, [{ code: 'INVALID_FIELD', field: 'quantity' }]],
      ['no offer name', { offerName: undefined }, [{ code: 'REQUIRED_FIELD', field: 'offerName' }]],
      ['a blank offer name', { offerName: '   ' }, [{ code: 'REQUIRED_FIELD', field: 'offerName' }]],
      ['an unknown field', { price: 12 }, [{ code: 'INVALID_FIELD', field: 'price' }]],
    ] as const)('validation: %s, writing nothing', async (_label, over, expected) => {
      const before = await snapshot(db.store());
      expect(refusal(await register(customer.globalAdmin, over))).toEqual(expected);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('the customer and the operator list them, paginated', async () => {
      const s1 = must(await register(customer.globalAdmin, {}, at(60_000)));
      const s2 = must(await register(customer.globalAdmin, { offerName: 'Dynamics 365' }, at(120_000)));
      must(
        await csp.execute(
          registerExternalSubscription,
          { principal: otherCustomer.globalAdmin },
          { customerTenantId: otherCustomer.tenantId, source: 'direct', offerName: 'Other', quantity: 1 },
        ),
      );
      expect(must(await listExt(customer.globalAdmin)).items.map((s) => s.id)).toEqual([s1.id, s2.id]);
      expect(must(await listExt(operator.principal)).items.map((s) => s.id)).toEqual([s1.id, s2.id]);
      const first = must(await listExt(customer.globalAdmin, { limit: 1 }));
      expect(first.items.map((s) => s.id)).toEqual([s1.id]);
      expect(first.next).not.toBeNull();
      const second = must(await listExt(customer.globalAdmin, { limit: 1, cursor: first.next }));
      expect(second.items.map((s) => s.id)).toEqual([s2.id]);
      expect(second.next).toBeNull();
      expect(refusal(await listExt(customer.globalAdmin, { cursor: 'garbage!!' }))).toEqual([
        { code: 'INVALID_FIELD', field: 'cursor' },
      ]);
    });

    it('a partner with an active admin relationship sees them; pending or terminated it does not', async () => {
      const s = must(await register(customer.globalAdmin));
      const r = must(await create(reseller.globalAdmin));
      expect(codes(await listExt(reseller.globalAdmin))).toEqual(['ADMIN_ROLE_REQUIRED']);
      must(await request(reseller.globalAdmin, r.id));
      expect(codes(await listExt(reseller.globalAdmin))).toEqual(['ADMIN_ROLE_REQUIRED']);
      must(await approve(customer.globalAdmin, r.id));
      expect(must(await listExt(reseller.globalAdmin)).items.map((x) => x.id)).toEqual([s.id]);
      // Any user of that CSP tenant reads through the tenant's relationship.
      const sales = await agent(reseller, 'sales-agent');
      expect(must(await listExt(sales)).items.map((x) => x.id)).toEqual([s.id]);
      must(await terminate(customer.globalAdmin, r.id));
      const out = await listExt(reseller.globalAdmin);
      expect(codes(out)).toEqual(['ADMIN_ROLE_REQUIRED']);
      if (!out.ok) {
        expect(out.violations[0]?.scenario).toBe('3');
        expect(out.violations[0]?.remedies).toEqual([
          `Create an admin relationship with customer ${customer.tenantId}, request approval, and have the customer's global admin approve it.`,
        ]);
      }
    });

    it('a partner with only a reseller relationship: ADMIN_ROLE_REQUIRED; a stranger partner: TENANT_NOT_FOUND', async () => {
      must(await register(customer.globalAdmin));
      await connectCustomer(csp, direct, customer);
      const access = await accessOf(direct, customer);
      expect(access.viaResellerRelationship).toBe(true);
      expect(access.canManage()).toBe(true);
      expect(codes(await listExt(direct.globalAdmin))).toEqual(['ADMIN_ROLE_REQUIRED']);
      // A stranger learns nothing: the same answer as for an unknown customer.
      expect(codes(await listExt(reseller.globalAdmin))).toEqual(['TENANT_NOT_FOUND']);
      expect(codes(await listExt(reseller.globalAdmin, { customerTenantId: UNKNOWN_ID }))).toEqual([
        'TENANT_NOT_FOUND',
      ]);
      expect(codes(await listExt(ANONYMOUS))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await listExt(operator.principal, { customerTenantId: UNKNOWN_ID }))).toEqual([
        'TENANT_NOT_FOUND',
      ]);
    });

    it('an expired admin relationship no longer lets the partner list them', async () => {
      must(await register(customer.globalAdmin));
      await activeRelationship(reseller, customer, { durationDays: 10 });
      const later = laterRuntime(addDays(T0, 10));
      const out = await later.query(
        listExternalSubscriptions,
        { principal: reseller.globalAdmin },
        { customerTenantId: customer.tenantId },
      );
      expect(codes(out)).toEqual(['ADMIN_ROLE_REQUIRED']);
    });
  });

  describe('partnerAccess', () => {
    it('the provider of a reseller related to the customer: via its reseller, no admin role', async () => {
      const provider = await addPartner(csp, operator, {
        legalName: 'Distributeur France',
        country: 'FR',
        role: 'indirect-provider',
      });
      await connectReseller(csp, provider, reseller);
      expect((await accessOf(provider, customer)).canManage()).toBe(false);
      await connectCustomer(csp, reseller, customer);

      const viaReseller = await accessOf(provider, customer);
      expect(viaReseller.viaResellerRelationship).toBe(true);
      expect(viaReseller.viaProviderOfReseller).toBe(true);
      expect(viaReseller.adminRoles).toEqual([]);
      expect(viaReseller.canManage()).toBe(true);
      expect(viaReseller.canManage('license-administrator')).toBe(false);

      const own = await accessOf(reseller, customer);
      expect(own.viaResellerRelationship).toBe(true);
      expect(own.viaProviderOfReseller).toBe(false);
      // Another customer of nobody: nothing.
      expect((await accessOf(provider, otherCustomer)).canManage()).toBe(false);

      const view = must(
        await csp.query(
          getPartnerAccess,
          { principal: customer.globalAdmin },
          { partnerTenantId: provider.tenantId, customerTenantId: customer.tenantId },
        ),
      );
      expect(view).toEqual({
        partnerTenantId: provider.tenantId,
        customerTenantId: customer.tenantId,
        viaResellerRelationship: true,
        viaProviderOfReseller: true,
        adminRoles: [],
      });
    });

    it('admin roles are the union over the partner’s live admin relationships', async () => {
      await activeRelationship(reseller, customer, { roles: ['directory-readers'] });
      await activeRelationship(reseller, customer, { roles: ['license-administrator', 'directory-readers'] });
      const pending = must(await create(reseller.globalAdmin, { roles: ['billing-administrator'] }));
      must(await request(reseller.globalAdmin, pending.id));
      const access = await accessOf(reseller, customer);
      expect(access.adminRoles).toEqual(['directory-readers', 'license-administrator']);
      expect(access.viaResellerRelationship).toBe(false);
      expect(access.canManage()).toBe(true);
      expect(access.canManage('billing-administrator')).toBe(false);
      // Another partner holds nothing with this customer.
      expect((await accessOf(direct, customer)).canManage()).toBe(false);
    });

    it('getPartnerAccess: TENANT_NOT_FOUND for anyone but the two sides and the operator', async () => {
      await activeRelationship();
      const input = { partnerTenantId: reseller.tenantId, customerTenantId: customer.tenantId };
      for (const p of [reseller.globalAdmin, customer.globalAdmin, operator.principal]) {
        expect(must(await csp.query(getPartnerAccess, { principal: p }, input)).adminRoles).toEqual([
          'license-administrator',
          'user-administrator',
        ]);
      }
      expect(refusal(await csp.query(getPartnerAccess, { principal: direct.globalAdmin }, input))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'partnerTenantId' },
      ]);
    });
  });
});
