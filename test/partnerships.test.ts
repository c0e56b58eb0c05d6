import { beforeEach, describe, expect, it } from 'vitest';
import { signPartnerAgreement } from '../src/agreements/service.ts';
import type { Command } from '../src/app/command.ts';
import type { QueryContext } from '../src/app/context.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { insertRelationship } from '../src/customers/store.ts';
import { loadCustomerFacts, loadPartnerFacts, partnershipState } from '../src/decisions/facts.ts';
import { declineEnrollment, enroll, rejectEnrollment } from '../src/enrollments/service.ts';
import { seededIds } from '../src/kernel/ids.ts';
import type { Principal, UserRole } from '../src/kernel/principal.ts';
import { addDays } from '../src/kernel/time.ts';
import { addUser } from '../src/parties/service.ts';
import type { Partnership } from '../src/partnerships/model.ts';
import {
  acceptPartnership,
  declinePartnership,
  endPartnership,
  getPartnership,
  invitePartnership,
  listIndirectProviders,
  listIndirectResellers,
  openSupportRequest,
  reactivatePartnership,
  resolveSupportRequest,
  suspendPartnership,
} from '../src/partnerships/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import type { Program } from '../src/program/program.ts';
import { decideOrderLine } from '../src/rules/decisions.ts';
import type { PartnerFacts } from '../src/rules/facts.ts';
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
const EXPIRES = addDays(T0, 90).toISOString();
const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

function selfService(): Program {
  const p = defaultProgram();
  return { ...p, policies: { ...p.policies, partnershipEnding: 'self-service' } };
}

const userIdOf = (p: Principal) => (p.kind === 'user' ? p.userId : null);

describeEachDatabase('partnerships', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  let outsider: Partner;
  /** Distinct, deterministic suffixes for users and rows the tests create. */
  let serial = 0;

  async function world(program?: Program) {
    csp = await db.fresh(program ? { program } : {});
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributor France',
      country: 'FR',
      role: 'indirect-provider',
    });
    reseller = await addPartner(csp, operator, {
      legalName: 'Reseller Germany',
      country: 'DE',
      role: 'indirect-reseller',
    });
    outsider = await addPartner(csp, operator, {
      legalName: 'Outsider Spain',
      country: 'ES',
      role: 'indirect-reseller',
    });
  }

  beforeEach(async () => world());

  function exec<I, O>(command: Command<I, O>, principal: Principal, input: unknown, on: OpenCsp = csp) {
    return on.execute(command, { principal }, input);
  }

  /** A user with `roles` in the partner's CSP tenant. */
  async function member(p: Partner, ...roles: UserRole[]): Promise<Principal> {
    const u = must(
      await exec(addUser, p.globalAdmin, {
        tenantId: p.tenantId,
        email: `${roles.join('-')}-${++serial}@${p.tenantId.slice(0, 8)}.example`,
        displayName: roles.join(' '),
        roles,
      }),
    );
    return userPrincipal(u.id, p.tenantId, roles);
  }

  function invite(r: Partner = reseller, by: Principal = provider.globalAdmin, on: OpenCsp = csp) {
    return exec(
      invitePartnership,
      by,
      { providerTenantId: provider.tenantId, resellerPartnerId: r.partnerId },
      on,
    );
  }

  async function active(r: Partner = reseller): Promise<Partnership> {
    const p = must(await invite(r));
    return must(await exec(acceptPartnership, r.globalAdmin, { token: p.invitationToken }));
  }

  /** Ledger events of one entity, read straight from the table: `[type, entity_type, payload]`. */
  async function events(entityId: string) {
    const rows = await csp.store.db
      .selectFrom('ledger_events')
      .select(['type', 'entity_type', 'command', 'payload'])
      .where('entity_id', '=', entityId)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      type: r.type,
      entityType: r.entity_type,
      command: r.command,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  }

  async function row(id: string) {
    return csp.store.db.selectFrom('partnerships').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** Runs `body` with a query context over a read snapshot, as the services do. */
  function withContext<T>(body: (ctx: QueryContext) => Promise<T>, now: Date = T0): Promise<T> {
    return csp.store.read((tx) =>
      body({ principal: operator.principal, requestId: 'test', now, program: csp.program, tx }),
    );
  }

  function later(days: number): OpenCsp {
    const at = addDays(T0, days);
    return new OpenCsp(db.store(), csp.program, seededIds(9), () => at);
  }

  async function customerOf(p: Partner, c: Customer, associated?: Partner) {
    const id = `c0ffee00-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
    await insertRelationship(csp.store.db, {
      id,
      partnerTenantId: p.tenantId,
      customerTenantId: c.tenantId,
      associatedPartnerTenantId: associated?.tenantId ?? null,
      state: 'active',
      delegatedAdmin: true,
      source: 'invitation',
      invitationId: null,
      createdAt: NOW,
      removedAt: null,
    });
    return id;
  }

  // -------------------------------------------------------------------------------------------
  describe('invitePartnership', () => {
    it('invites a reseller by its location Partner ID, with a token and the policy expiry', async () => {
      const p = must(await invite());
      expect(p).toEqual({
        id: expect.any(String),
        providerTenantId: provider.tenantId,
        resellerTenantId: reseller.tenantId,
        state: 'invited',
        invitationToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
        invitedAt: NOW,
        expiresAt: EXPIRES,
        acceptedAt: null,
        endedAt: null,
        endReason: null,
        updatedAt: NOW,
      });
      expect(p.invitationToken).not.toBe(p.id);
      expect(await row(p.id)).toMatchObject({
        state: 'invited',
        invitation_token: p.invitationToken,
        invited_by: userIdOf(provider.globalAdmin),
        expires_at: EXPIRES,
      });
      const ev = await events(p.id);
      expect(ev).toEqual([
        {
          type: 'partnership.invited',
          entityType: 'partnership',
          command: 'partnerships.invite',
          payload: {
            providerTenantId: provider.tenantId,
            resellerTenantId: reseller.tenantId,
            resellerPartnerId: reseller.partnerId,
            invitedBy: userIdOf(provider.globalAdmin),
            expiresAt: EXPIRES,
          },
        },
      ]);
      // The token is a bearer secret: never in the ledger.
      expect(JSON.stringify(ev)).not.toContain(p.invitationToken);
      expect(await withContext((ctx) => partnershipState(ctx, provider.tenantId, reseller.tenantId))).toBe(
        'invited',
      );
    });

    it('invites by CSP tenant id, as an admin agent of the provider or as the operator', async () => {
      const agent = await member(provider, 'admin-agent');
      const p = must(
        await exec(invitePartnership, agent, {
          providerTenantId: provider.tenantId,
          resellerTenantId: reseller.tenantId,
        }),
      );
      expect(p.resellerTenantId).toBe(reseller.tenantId);
      expect((await row(p.id)).invited_by).toBe(userIdOf(agent));
      const other = await addPartner(csp, operator, {
        legalName: 'Reseller Italy',
        country: 'IT',
        role: 'indirect-reseller',
      });
      const byOperator = must(await invite(other, operator.principal));
      expect(byOperator.state).toBe('invited');
    });

    it('refuses NOT_AUTHORIZED to other roles of the provider, revealing nothing else', async () => {
      const sales = await member(provider, 'sales-agent');
      const helpdesk = await member(provider, 'helpdesk-agent');
      const us = await addPartner(csp, operator, {
        legalName: 'Reseller US',
        country: 'US',
        role: 'indirect-reseller',
      });
      const before = await snapshot(db.store());
      for (const who of [sales, helpdesk]) {
        // The US reseller would also be REGION_MISMATCH: an unauthorized user does not learn it.
        const out = await invite(us, who);
        expect(refusal(out)).toEqual([{ code: 'NOT_AUTHORIZED' }]);
        expect(out.ok ? [] : out.violations[0]?.remedies).toEqual([
          `Ask an admin of tenant ${provider.tenantId}.`,
        ]);
      }
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('answers TENANT_NOT_FOUND for a provider tenant of another organization or unknown', async () => {
      expect(refusal(await invite(reseller, reseller.globalAdmin))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'providerTenantId' },
      ]);
      expect(
        refusal(
          await exec(invitePartnership, operator.principal, {
            providerTenantId: UNKNOWN_ID,
            resellerPartnerId: reseller.partnerId,
          }),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'providerTenantId' }]);
      expect(
        refusal(
          await exec(invitePartnership, provider.globalAdmin, {
            providerTenantId: provider.tenantId,
            resellerTenantId: UNKNOWN_ID,
          }),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'resellerTenantId' }]);
    });

    it('answers PARTNER_ID_NOT_FOUND for an unknown Partner ID or a global account ID', async () => {
      const org = await csp.store.db
        .selectFrom('organizations')
        .select('global_partner_id')
        .where('id', '=', reseller.organizationId)
        .executeTakeFirstOrThrow();
      for (const partnerId of [9_999_999, Number(org.global_partner_id)]) {
        const out = await exec(invitePartnership, provider.globalAdmin, {
          providerTenantId: provider.tenantId,
          resellerPartnerId: partnerId,
        });
        expect(refusal(out)).toEqual([{ code: 'PARTNER_ID_NOT_FOUND', field: 'resellerPartnerId' }]);
      }
    });

    it('validates the input: one reseller reference, no unknown fields', async () => {
      const run = (input: unknown) => exec(invitePartnership, provider.globalAdmin, input);
      expect(refusal(await run({ providerTenantId: provider.tenantId }))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'resellerPartnerId' },
      ]);
      expect(
        refusal(
          await run({
            providerTenantId: provider.tenantId,
            resellerPartnerId: reseller.partnerId,
            resellerTenantId: reseller.tenantId,
          }),
        ),
      ).toEqual([{ code: 'INVALID_FIELD', field: 'resellerTenantId' }]);
      expect(refusal(await run({ providerTenantId: 'nope', resellerPartnerId: 0, note: 'hi' }))).toEqual([
        { code: 'INVALID_GUID', field: 'providerTenantId' },
        { code: 'INVALID_FIELD', field: 'resellerPartnerId' },
        { code: 'INVALID_FIELD', field: 'note' },
      ]);
    });

    it('refuses PARTNERSHIP_ALREADY_EXISTS while invited, active or suspended; allows a new one after decline or end', async () => {
      const p = must(await invite());
      expect(codes(await invite())).toEqual(['PARTNERSHIP_ALREADY_EXISTS']);
      must(await exec(acceptPartnership, reseller.globalAdmin, { token: p.invitationToken }));
      expect(codes(await invite())).toEqual(['PARTNERSHIP_ALREADY_EXISTS']);
      must(await exec(suspendPartnership, provider.globalAdmin, { partnershipId: p.id }));
      expect(codes(await invite())).toEqual(['PARTNERSHIP_ALREADY_EXISTS']);
      const sr = must(
        await exec(openSupportRequest, provider.globalAdmin, { partnershipId: p.id, description: 'End it' }),
      );
      must(
        await exec(resolveSupportRequest, operator.principal, {
          supportRequestId: sr.id,
          outcome: 'resolved',
          resolution: 'Ended',
        }),
      );
      const again = must(await invite());
      expect(again.id).not.toBe(p.id);
      must(await exec(declinePartnership, reseller.globalAdmin, { token: again.invitationToken }));
      expect(must(await invite()).state).toBe('invited');
    });

    it('refuses NOT_A_PARTNER_TENANT for a customer-type tenant', async () => {
      const customer = await addCustomer(csp, { legalName: 'Kunde GmbH', country: 'DE' });
      const out = await exec(invitePartnership, provider.globalAdmin, {
        providerTenantId: provider.tenantId,
        resellerTenantId: customer.tenantId,
      });
      expect(refusal(out)).toEqual([{ code: 'NOT_A_PARTNER_TENANT' }]);
      expect(out.ok ? undefined : out.violations[0]?.scenario).toBe('1');
    });

    it('refuses PARTNER_NOT_ENROLLED for a reseller that is only onboarded, writing nothing', async () => {
      const onboarded = await addPartner(csp, operator, { legalName: 'Just Onboarded', country: 'DE' });
      const before = await snapshot(db.store());
      const out = await invite(onboarded);
      expect(refusal(out)).toEqual([{ code: 'PARTNER_NOT_ENROLLED' }]);
      expect(out.ok ? undefined : out.violations[0]).toMatchObject({
        scenario: 'mpa',
        message: 'Just Onboarded is not enrolled as an indirect reseller.',
        remedies: [
          `The reseller enrolls its CSP tenant ${onboarded.tenantId} as an indirect reseller ("Before you can start working with resellers, they must be enrolled").`,
        ],
      });
      // The operator is refused the same way.
      expect(codes(await invite(onboarded, operator.principal))).toEqual(['PARTNER_NOT_ENROLLED']);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('refuses PARTNER_NOT_ENROLLED for a CSP tenant enrolled in another role, or whose reseller enrollment was rejected or declined', async () => {
      const direct = await addPartner(csp, operator, {
        legalName: 'Direct Germany',
        country: 'DE',
        role: 'direct-bill',
      });
      expect(codes(await invite(direct))).toEqual(['PARTNER_NOT_ENROLLED']);
      // The new enrollment is submitted a day later: the facts take the latest one per role.
      const tomorrow = later(1);
      for (const [name, command] of [
        ['Rejected Reseller', rejectEnrollment],
        ['Declined Reseller', declineEnrollment],
      ] as const) {
        const r = await addPartner(csp, operator, {
          legalName: name,
          country: 'DE',
          role: 'indirect-reseller',
          until: 'enrolled',
        });
        // Enrolled (even pending): it may be invited…
        const p = must(await invite(r));
        must(await exec(declinePartnership, r.globalAdmin, { token: p.invitationToken }));
        must(await exec(command, operator.principal, { enrollmentId: r.enrollmentId, reason: 'No' }));
        // …not once the enrollment was refused; enrolled again, it may.
        expect(codes(await invite(r))).toEqual(['PARTNER_NOT_ENROLLED']);
        must(
          await exec(enroll, r.globalAdmin, { tenantId: r.tenantId, role: 'indirect-reseller' }, tomorrow),
        );
        expect(must(await invite(r, provider.globalAdmin, tomorrow)).state).toBe('invited');
      }
    });

    it('refuses a provider that is not ready (enrollment pending) with its standing steps', async () => {
      const pending = await addPartner(csp, operator, {
        legalName: 'New Distributor',
        country: 'FR',
        role: 'indirect-provider',
        until: 'enrolled',
      });
      const out = await exec(invitePartnership, pending.globalAdmin, {
        providerTenantId: pending.tenantId,
        resellerPartnerId: reseller.partnerId,
      });
      expect(codes(out)).toEqual(['ENROLLMENT_NOT_VERIFIED', 'MPA_NOT_SIGNED']);
    });

    it('refuses UNSUPPORTED_CHAIN when the provider names itself', async () => {
      const out = await exec(invitePartnership, provider.globalAdmin, {
        providerTenantId: provider.tenantId,
        resellerPartnerId: provider.partnerId,
      });
      expect(codes(out)).toContain('UNSUPPORTED_CHAIN');
    });

    it('refuses RELATIONSHIP_TYPE_CONFLICT (scenario 6) when the tenant is already the provider’s customer', async () => {
      await csp.store.db
        .insertInto('customer_relationships')
        .values({
          id: UNKNOWN_ID,
          partner_tenant_id: provider.tenantId,
          customer_tenant_id: reseller.tenantId,
          associated_partner_tenant_id: null,
          state: 'active',
          delegated_admin: 0,
          source: 'invitation',
          invitation_id: null,
          created_at: NOW,
          removed_at: null,
          removed_by: null,
        })
        .execute();
      const out = await invite();
      expect(codes(out)).toEqual(['RELATIONSHIP_TYPE_CONFLICT']);
      expect(out.ok ? undefined : out.violations[0]).toMatchObject({ scenario: '6' });
      expect(out.ok ? [] : out.violations[0]?.remedies).toHaveLength(3);
      // A removed relationship is no conflict.
      await csp.store.db.updateTable('customer_relationships').set({ state: 'removed' }).execute();
      expect((await invite()).ok).toBe(true);
    });

    it('records a lapsed invitation as expired when the provider invites again', async () => {
      const first = must(await invite());
      const at = later(91);
      const second = must(await invite(reseller, provider.globalAdmin, at));
      expect(second.invitedAt).toBe(addDays(T0, 91).toISOString());
      expect((await row(first.id)).state).toBe('expired');
      expect((await events(first.id)).map((e) => e.type)).toEqual([
        'partnership.invited',
        'partnership.expired',
      ]);
      expect(
        codes(await exec(acceptPartnership, reseller.globalAdmin, { token: first.invitationToken }, at)),
      ).toEqual(['INVITATION_EXPIRED']);
      expect(
        must(await exec(acceptPartnership, reseller.globalAdmin, { token: second.invitationToken }, at))
          .state,
      ).toBe('active');
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('acceptPartnership', () => {
    it('makes the partnership active for the reseller global admin ("authorize indirect provider")', async () => {
      const p = must(await invite());
      const accepted = must(
        await exec(acceptPartnership, reseller.globalAdmin, { token: p.invitationToken }),
      );
      expect(accepted).toEqual({ ...p, state: 'active', acceptedAt: NOW, updatedAt: NOW });
      expect(await row(p.id)).toMatchObject({
        state: 'active',
        accepted_at: NOW,
        accepted_by: userIdOf(reseller.globalAdmin),
      });
      expect((await events(p.id)).slice(1)).toEqual([
        {
          type: 'partnership.accepted',
          entityType: 'partnership',
          command: 'partnerships.accept',
          payload: {
            providerTenantId: provider.tenantId,
            resellerTenantId: reseller.tenantId,
            acceptedBy: userIdOf(reseller.globalAdmin),
          },
        },
      ]);
      expect(await withContext((ctx) => partnershipState(ctx, provider.tenantId, reseller.tenantId))).toBe(
        'active',
      );
    });

    it('answers INVITATION_NOT_FOUND for an unknown token', async () => {
      must(await invite());
      expect(refusal(await exec(acceptPartnership, reseller.globalAdmin, { token: 'not-a-token' }))).toEqual([
        { code: 'INVITATION_NOT_FOUND', field: 'token' },
      ]);
      expect(refusal(await exec(acceptPartnership, reseller.globalAdmin, {}))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'token' },
      ]);
    });

    it('refuses NOT_AUTHORIZED to anyone of the partnership but the reseller global admin', async () => {
      const p = must(await invite());
      const agent = await member(reseller, 'admin-agent');
      for (const who of [provider.globalAdmin, agent, operator.principal]) {
        expect(refusal(await exec(acceptPartnership, who, { token: p.invitationToken }))).toEqual([
          { code: 'NOT_AUTHORIZED' },
        ]);
      }
      expect((await row(p.id)).state).toBe('invited');
    });

    it('to an outsider holding a live token, the invitation does not exist', async () => {
      const p = must(await invite());
      for (const command of [acceptPartnership, declinePartnership]) {
        expect(refusal(await exec(command, outsider.globalAdmin, { token: p.invitationToken }))).toEqual([
          { code: 'INVITATION_NOT_FOUND', field: 'token' },
        ]);
      }
      expect((await row(p.id)).state).toBe('invited');
    });

    it('refuses INVITATION_EXPIRED at and after the expiry, writing nothing', async () => {
      const p = must(await invite());
      const before = await snapshot(db.store());
      for (const days of [90, 91, 365]) {
        const out = await exec(
          acceptPartnership,
          reseller.globalAdmin,
          { token: p.invitationToken },
          later(days),
        );
        expect(refusal(out)).toEqual([{ code: 'INVITATION_EXPIRED' }]);
        expect(out.ok ? [] : out.violations[0]?.remedies).toEqual(['Ask the provider for a new invitation.']);
      }
      // The expiry is derived: the stored state stays `invited`.
      expect(await snapshot(db.store())).toEqual(before);
      expect((await row(p.id)).state).toBe('invited');
      // One millisecond before the expiry it is still live.
      const justBefore = new OpenCsp(
        db.store(),
        csp.program,
        seededIds(9),
        () => new Date(Date.parse(EXPIRES) - 1),
      );
      expect(
        (await exec(acceptPartnership, reseller.globalAdmin, { token: p.invitationToken }, justBefore)).ok,
      ).toBe(true);
    });

    it('refuses INVALID_TRANSITION for an accepted, declined or ended partnership', async () => {
      const p = await active();
      const token = (await row(p.id)).invitation_token;
      expect(codes(await exec(acceptPartnership, reseller.globalAdmin, { token }))).toEqual([
        'INVALID_TRANSITION',
      ]);
      const other = await addPartner(csp, operator, {
        legalName: 'Reseller Belgium',
        country: 'BE',
        role: 'indirect-reseller',
      });
      const d = must(await invite(other));
      must(await exec(declinePartnership, other.globalAdmin, { token: d.invitationToken }));
      expect(codes(await exec(acceptPartnership, other.globalAdmin, { token: d.invitationToken }))).toEqual([
        'INVALID_TRANSITION',
      ]);
    });

    it('refuses PARTNER_NOT_ENROLLED for a reseller whose enrollment was rejected after the invitation', async () => {
      // An onboarded-only reseller is refused at invitation already (see invitePartnership).
      const pending = await addPartner(csp, operator, {
        legalName: 'Soon Rejected',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'enrolled',
      });
      const p = must(await invite(pending));
      must(
        await exec(rejectEnrollment, operator.principal, {
          enrollmentId: pending.enrollmentId,
          reason: 'Verification failed',
        }),
      );
      const out = await exec(acceptPartnership, pending.globalAdmin, { token: p.invitationToken });
      expect(codes(out)).toEqual(['PARTNER_NOT_ENROLLED', 'RESELLER_MPA_NOT_SIGNED']);
      expect((await row(p.id)).state).toBe('invited');
    });

    it('refuses ENROLLMENT_NOT_VERIFIED for a reseller whose enrollment is pending', async () => {
      const pending = await addPartner(csp, operator, {
        legalName: 'Pending Reseller',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'enrolled',
      });
      const p = must(await invite(pending));
      const out = await exec(acceptPartnership, pending.globalAdmin, { token: p.invitationToken });
      expect(codes(out)).toEqual(['ENROLLMENT_NOT_VERIFIED', 'RESELLER_MPA_NOT_SIGNED']);
    });

    it('refuses RESELLER_MPA_NOT_SIGNED for a qualified reseller, then accepts once it signs', async () => {
      const qualified = await addPartner(csp, operator, {
        legalName: 'Qualified Reseller',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const p = must(await invite(qualified));
      const out = await exec(acceptPartnership, qualified.globalAdmin, { token: p.invitationToken });
      expect(codes(out)).toEqual(['ENROLLMENT_NOT_ACTIVE', 'RESELLER_MPA_NOT_SIGNED']);
      const mpa = out.ok ? undefined : out.violations.find((v) => v.code === 'RESELLER_MPA_NOT_SIGNED');
      expect(mpa).toMatchObject({ scenario: 'mpa' });
      expect(mpa?.remedies[0]).toContain(qualified.tenantId);
      must(await exec(signPartnerAgreement, qualified.globalAdmin, { tenantId: qualified.tenantId }));
      expect(
        must(await exec(acceptPartnership, qualified.globalAdmin, { token: p.invitationToken })).state,
      ).toBe('active');
    });

    it('refuses RELATIONSHIP_TYPE_CONFLICT when the reseller became the provider’s customer meanwhile', async () => {
      const p = must(await invite());
      await csp.store.db
        .insertInto('customer_relationships')
        .values({
          id: UNKNOWN_ID,
          partner_tenant_id: provider.tenantId,
          customer_tenant_id: reseller.tenantId,
          associated_partner_tenant_id: null,
          state: 'active',
          delegated_admin: 0,
          source: 'invitation',
          invitation_id: null,
          created_at: NOW,
          removed_at: null,
          removed_by: null,
        })
        .execute();
      expect(
        codes(await exec(acceptPartnership, reseller.globalAdmin, { token: p.invitationToken })),
      ).toEqual(['RELATIONSHIP_TYPE_CONFLICT']);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('declinePartnership', () => {
    it('declines a live invitation, with its event', async () => {
      const p = must(await invite());
      const declined = must(
        await exec(declinePartnership, reseller.globalAdmin, { token: p.invitationToken }),
      );
      expect(declined).toEqual({ ...p, state: 'declined', updatedAt: NOW });
      expect((await row(p.id)).state).toBe('declined');
      expect((await events(p.id)).map((e) => [e.type, e.payload])).toEqual([
        ['partnership.invited', expect.any(Object)],
        ['partnership.declined', { declinedBy: userIdOf(reseller.globalAdmin) }],
      ]);
    });

    it('refuses every code it can return', async () => {
      const p = must(await invite());
      expect(refusal(await exec(declinePartnership, reseller.globalAdmin, { token: UNKNOWN_ID }))).toEqual([
        { code: 'INVITATION_NOT_FOUND', field: 'token' },
      ]);
      expect(
        codes(await exec(declinePartnership, provider.globalAdmin, { token: p.invitationToken })),
      ).toEqual(['NOT_AUTHORIZED']);
      expect(
        codes(await exec(declinePartnership, reseller.globalAdmin, { token: p.invitationToken }, later(120))),
      ).toEqual(['INVITATION_EXPIRED']);
      must(await exec(declinePartnership, reseller.globalAdmin, { token: p.invitationToken }));
      expect(
        codes(await exec(declinePartnership, reseller.globalAdmin, { token: p.invitationToken })),
      ).toEqual(['INVALID_TRANSITION']);
      const q = must(await invite());
      must(await exec(acceptPartnership, reseller.globalAdmin, { token: q.invitationToken }));
      expect(
        codes(await exec(declinePartnership, reseller.globalAdmin, { token: q.invitationToken })),
      ).toEqual(['INVALID_TRANSITION']);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('suspendPartnership / reactivatePartnership', () => {
    it('suspends and reactivates, by the provider admin agent and the operator, with events', async () => {
      const p = await active();
      const agent = await member(provider, 'admin-agent');
      const suspended = must(await exec(suspendPartnership, agent, { partnershipId: p.id }));
      expect(suspended.state).toBe('suspended');
      expect(await withContext((ctx) => partnershipState(ctx, provider.tenantId, reseller.tenantId))).toBe(
        'suspended',
      );
      const back = must(await exec(reactivatePartnership, operator.principal, { partnershipId: p.id }));
      expect(back).toMatchObject({ state: 'active', acceptedAt: NOW });
      expect((await row(p.id)).accepted_by).toBe(userIdOf(reseller.globalAdmin));
      expect((await events(p.id)).map((e) => [e.type, e.command, e.payload])).toEqual([
        ['partnership.invited', 'partnerships.invite', expect.any(Object)],
        ['partnership.accepted', 'partnerships.accept', expect.any(Object)],
        ['partnership.suspended', 'partnerships.suspend', { from: 'active', to: 'suspended' }],
        ['partnership.reactivated', 'partnerships.reactivate', { from: 'suspended', to: 'active' }],
      ]);
    });

    it('refuses INVALID_TRANSITION outside active ⇄ suspended', async () => {
      const p = await active();
      expect(codes(await exec(reactivatePartnership, provider.globalAdmin, { partnershipId: p.id }))).toEqual(
        ['INVALID_TRANSITION'],
      );
      must(await exec(suspendPartnership, provider.globalAdmin, { partnershipId: p.id }));
      expect(codes(await exec(suspendPartnership, provider.globalAdmin, { partnershipId: p.id }))).toEqual([
        'INVALID_TRANSITION',
      ]);
      const invited = must(await invite(outsider));
      for (const cmd of [suspendPartnership, reactivatePartnership]) {
        expect(codes(await exec(cmd, provider.globalAdmin, { partnershipId: invited.id }))).toEqual([
          'INVALID_TRANSITION',
        ]);
      }
    });

    it('refuses NOT_AUTHORIZED to the reseller and to other provider roles; PARTNERSHIP_NOT_FOUND to strangers', async () => {
      const p = await active();
      const sales = await member(provider, 'sales-agent');
      for (const cmd of [suspendPartnership, reactivatePartnership]) {
        for (const who of [reseller.globalAdmin, sales]) {
          expect(codes(await exec(cmd, who, { partnershipId: p.id }))).toEqual(['NOT_AUTHORIZED']);
        }
        expect(refusal(await exec(cmd, outsider.globalAdmin, { partnershipId: p.id }))).toEqual([
          { code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' },
        ]);
        expect(refusal(await exec(cmd, operator.principal, { partnershipId: UNKNOWN_ID }))).toEqual([
          { code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' },
        ]);
      }
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('ending a partnership under the seed policy (support)', () => {
    it('refuses a direct removal with TERMINATION_REQUIRES_SUPPORT, whoever asks', async () => {
      expect(csp.program.policies.partnershipEnding).toBe('support');
      const p = await active();
      for (const who of [provider.globalAdmin, operator.principal]) {
        const out = await exec(endPartnership, who, { partnershipId: p.id, reason: 'Done' });
        expect(refusal(out)).toEqual([{ code: 'TERMINATION_REQUIRES_SUPPORT' }]);
        expect(out.ok ? undefined : out.violations[0]).toMatchObject({
          scenario: '6',
          remedies: ['Open a support request to end the partnership; the program operator resolves it.'],
        });
      }
      expect(refusal(await exec(endPartnership, outsider.globalAdmin, { partnershipId: p.id }))).toEqual([
        { code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' },
      ]);
      expect((await row(p.id)).state).toBe('active');
    });

    it('ends it through a support request resolved by the operator, keeping customers and delegated admin', async () => {
      const p = await active();
      const customer = await addCustomer(csp, { legalName: 'Kunde AG', country: 'DE' });
      const resellerRel = await customerOf(reseller, customer);
      const providerRel = await customerOf(provider, customer, reseller);
      await csp.store.db
        .insertInto('admin_relationships')
        .values({
          id: 'ad000000-0000-4000-8000-000000000001',
          partner_tenant_id: reseller.tenantId,
          customer_tenant_id: customer.tenantId,
          display_name: 'Reseller admin',
          roles: JSON.stringify(['user-administrator']),
          duration_days: 730,
          auto_extend: 'none',
          state: 'active',
          created_at: NOW,
          requested_at: NOW,
          activated_at: NOW,
          approved_by: null,
          ends_at: addDays(T0, 730).toISOString(),
          terminated_at: null,
          terminated_by_tenant_id: null,
          updated_at: NOW,
        })
        .execute();
      const relationshipsBefore = await csp.store.db
        .selectFrom('customer_relationships')
        .selectAll()
        .orderBy('id')
        .execute();
      const adminBefore = await csp.store.db.selectFrom('admin_relationships').selectAll().execute();

      // While active, an order line through the reseller has no partnership problem.
      const orderCodes = () =>
        withContext(async (ctx) => {
          const seller = (await loadPartnerFacts(ctx, provider.tenantId)) as PartnerFacts;
          const por = (await loadPartnerFacts(ctx, reseller.tenantId)) as PartnerFacts;
          const cust = await loadCustomerFacts(ctx, customer.tenantId);
          if (!cust) throw new Error('customer facts');
          return decideOrderLine(
            ctx.program,
            {
              seller,
              customer: cust,
              partnerOfRecord: por,
              sellerHasCustomerRelationship: true,
              partnerOfRecordHasCustomerRelationship: true,
              partnership: await partnershipState(ctx, provider.tenantId, reseller.tenantId),
              customerIsResellersCustomer: true,
              customerIsResellerOfSeller: false,
            },
            ctx.now,
          ).violations.map((v) => v.code);
        });
      expect(await orderCodes()).toEqual([]);

      const helpdesk = await member(reseller, 'helpdesk-agent');
      const sr = must(
        await exec(openSupportRequest, helpdesk, {
          partnershipId: p.id,
          description: 'Moving to another provider',
        }),
      );
      expect(sr).toEqual({
        id: expect.any(String),
        category: 'end-partnership',
        partnershipId: p.id,
        openedByTenantId: reseller.tenantId,
        description: 'Moving to another provider',
        status: 'open',
        openedAt: NOW,
        resolvedAt: null,
        resolution: null,
      });
      expect(await events(sr.id)).toEqual([
        {
          type: 'support-request.opened',
          entityType: 'support-request',
          command: 'partnerships.open-support-request',
          payload: {
            category: 'end-partnership',
            partnershipId: p.id,
            openedByTenantId: reseller.tenantId,
            description: 'Moving to another provider',
          },
        },
      ]);

      const resolved = must(
        await exec(resolveSupportRequest, operator.principal, {
          supportRequestId: sr.id,
          outcome: 'resolved',
          resolution: 'Partnership ended at the reseller’s request',
        }),
      );
      expect(resolved.supportRequest).toMatchObject({
        status: 'resolved',
        resolvedAt: NOW,
        resolution: 'Partnership ended at the reseller’s request',
      });
      expect(resolved.partnership).toMatchObject({
        state: 'ended',
        endedAt: NOW,
        endReason: 'Partnership ended at the reseller’s request',
      });
      expect(
        await csp.store.db
          .selectFrom('support_requests')
          .selectAll()
          .where('id', '=', sr.id)
          .executeTakeFirst(),
      ).toMatchObject({
        status: 'resolved',
        resolved_by: userIdOf(operator.principal),
        opened_by_user_id: userIdOf(helpdesk),
      });
      expect((await events(sr.id)).map((e) => [e.type, e.payload])).toEqual([
        ['support-request.opened', expect.any(Object)],
        [
          'support-request.resolved',
          {
            outcome: 'resolved',
            resolution: 'Partnership ended at the reseller’s request',
            partnershipId: p.id,
          },
        ],
      ]);
      expect((await events(p.id)).at(-1)).toEqual({
        type: 'partnership.ended',
        entityType: 'partnership',
        command: 'partnerships.resolve-support-request',
        payload: {
          from: 'active',
          reason: 'Partnership ended at the reseller’s request',
          viaSupportRequest: true,
          supportRequestId: sr.id,
        },
      });

      // Customers and delegated admin stay exactly as they were.
      expect(
        await csp.store.db.selectFrom('customer_relationships').selectAll().orderBy('id').execute(),
      ).toEqual(relationshipsBefore);
      expect(await csp.store.db.selectFrom('admin_relationships').selectAll().execute()).toEqual(adminBefore);
      const states = await csp.store.db
        .selectFrom('customer_relationships')
        .select(['id', 'state'])
        .where('id', 'in', [resellerRel, providerRel])
        .execute();
      expect(states.map((s) => s.state)).toEqual(['active', 'active']);

      // New business stops.
      expect(await withContext((ctx) => partnershipState(ctx, provider.tenantId, reseller.tenantId))).toBe(
        'none',
      );
      expect(await orderCodes()).toEqual(['NO_ACTIVE_PARTNERSHIP']);
    });

    it('ends a suspended partnership too; a request opened by the provider admin works the same', async () => {
      const p = await active();
      must(await exec(suspendPartnership, provider.globalAdmin, { partnershipId: p.id }));
      const sr = must(
        await exec(openSupportRequest, provider.globalAdmin, { partnershipId: p.id, description: 'x' }),
      );
      expect(sr.openedByTenantId).toBe(provider.tenantId);
      const out = must(
        await exec(resolveSupportRequest, operator.principal, {
          supportRequestId: sr.id,
          outcome: 'resolved',
          resolution: 'ok',
        }),
      );
      expect(out.partnership?.state).toBe('ended');
      expect((await events(p.id)).at(-1)?.payload).toMatchObject({ from: 'suspended' });
    });

    it('rejects a support request: the partnership stays as it is', async () => {
      const p = await active();
      const sr = must(
        await exec(openSupportRequest, reseller.globalAdmin, { partnershipId: p.id, description: 'x' }),
      );
      const out = must(
        await exec(resolveSupportRequest, operator.principal, {
          supportRequestId: sr.id,
          outcome: 'rejected',
          resolution: 'Not a legitimate request',
        }),
      );
      expect(out.supportRequest.status).toBe('rejected');
      expect(out.partnership?.state).toBe('active');
      expect((await row(p.id)).state).toBe('active');
      expect((await events(sr.id)).map((e) => e.type)).toEqual([
        'support-request.opened',
        'support-request.rejected',
      ]);
      expect((await events(p.id)).map((e) => e.type)).toEqual([
        'partnership.invited',
        'partnership.accepted',
      ]);
    });

    it('refuses to open a support request: PARTNERSHIP_NOT_FOUND, NOT_AUTHORIZED, INVALID_TRANSITION', async () => {
      const p = await active();
      const sales = await member(provider, 'sales-agent');
      const input = { partnershipId: p.id, description: 'End it' };
      expect(refusal(await exec(openSupportRequest, outsider.globalAdmin, input))).toEqual([
        { code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' },
      ]);
      expect(
        refusal(
          await exec(openSupportRequest, provider.globalAdmin, { ...input, partnershipId: UNKNOWN_ID }),
        ),
      ).toEqual([{ code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' }]);
      expect(codes(await exec(openSupportRequest, sales, input))).toEqual(['NOT_AUTHORIZED']);
      expect(codes(await exec(openSupportRequest, operator.principal, input))).toEqual(['NOT_AUTHORIZED']);
      const invited = must(await invite(outsider));
      expect(
        codes(
          await exec(openSupportRequest, provider.globalAdmin, {
            partnershipId: invited.id,
            description: 'x',
          }),
        ),
      ).toEqual(['INVALID_TRANSITION']);
      expect(refusal(await exec(openSupportRequest, provider.globalAdmin, { partnershipId: p.id }))).toEqual([
        { code: 'REQUIRED_FIELD', field: 'description' },
      ]);
    });

    it('refuses to resolve: SUPPORT_REQUEST_NOT_FOUND, NOT_AUTHORIZED, INVALID_TRANSITION', async () => {
      const p = await active();
      const first = must(
        await exec(openSupportRequest, provider.globalAdmin, { partnershipId: p.id, description: 'a' }),
      );
      const second = must(
        await exec(openSupportRequest, reseller.globalAdmin, { partnershipId: p.id, description: 'b' }),
      );
      const resolve = (who: Principal, supportRequestId: string, outcome = 'resolved') =>
        exec(resolveSupportRequest, who, { supportRequestId, outcome, resolution: 'r' });
      expect(refusal(await resolve(operator.principal, UNKNOWN_ID))).toEqual([
        { code: 'SUPPORT_REQUEST_NOT_FOUND', field: 'supportRequestId' },
      ]);
      expect(refusal(await resolve(outsider.globalAdmin, first.id))).toEqual([
        { code: 'SUPPORT_REQUEST_NOT_FOUND', field: 'supportRequestId' },
      ]);
      expect(codes(await resolve(provider.globalAdmin, first.id))).toEqual(['NOT_AUTHORIZED']);
      expect(refusal(await resolve(operator.principal, first.id, 'maybe'))).toEqual([
        { code: 'INVALID_FIELD', field: 'outcome' },
      ]);
      must(await resolve(operator.principal, first.id));
      expect(codes(await resolve(operator.principal, first.id, 'rejected'))).toEqual(['INVALID_TRANSITION']);
      // The partnership is already ended: the second request cannot end it again, only be rejected.
      expect(codes(await resolve(operator.principal, second.id))).toEqual(['INVALID_TRANSITION']);
      expect(must(await resolve(operator.principal, second.id, 'rejected')).supportRequest.status).toBe(
        'rejected',
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('ending a partnership under the self-service policy', () => {
    beforeEach(async () => world(selfService()));

    it('lets the provider admin agent remove the partnership, keeping customers', async () => {
      expect(csp.program.policies.partnershipEnding).toBe('self-service');
      const p = await active();
      const customer = await addCustomer(csp, { legalName: 'Kunde KG', country: 'DE' });
      const rel = await customerOf(reseller, customer);
      const agent = await member(provider, 'admin-agent');
      const ended = must(await exec(endPartnership, agent, { partnershipId: p.id, reason: 'Contract over' }));
      expect(ended).toMatchObject({ state: 'ended', endedAt: NOW, endReason: 'Contract over' });
      expect(await row(p.id)).toMatchObject({ state: 'ended', ended_at: NOW, end_reason: 'Contract over' });
      expect((await events(p.id)).at(-1)).toEqual({
        type: 'partnership.ended',
        entityType: 'partnership',
        command: 'partnerships.end',
        payload: { from: 'active', reason: 'Contract over', viaSupportRequest: false },
      });
      const r = await csp.store.db
        .selectFrom('customer_relationships')
        .select(['state', 'removed_at'])
        .where('id', '=', rel)
        .executeTakeFirstOrThrow();
      expect(r).toEqual({ state: 'active', removed_at: null });
      expect(await withContext((ctx) => partnershipState(ctx, provider.tenantId, reseller.tenantId))).toBe(
        'none',
      );
    });

    it('lets the program operator remove the partnership directly, without a support request', async () => {
      const p = await active();
      const ended = must(
        await exec(endPartnership, operator.principal, { partnershipId: p.id, reason: 'Program decision' }),
      );
      expect(ended).toMatchObject({ state: 'ended', endedAt: NOW, endReason: 'Program decision' });
      expect((await events(p.id)).at(-1)).toEqual({
        type: 'partnership.ended',
        entityType: 'partnership',
        command: 'partnerships.end',
        payload: { from: 'active', reason: 'Program decision', viaSupportRequest: false },
      });
      // A suspended one too.
      const other = await active(outsider);
      must(await exec(suspendPartnership, provider.globalAdmin, { partnershipId: other.id }));
      expect(must(await exec(endPartnership, operator.principal, { partnershipId: other.id })).state).toBe(
        'ended',
      );
    });

    it('refuses NOT_AUTHORIZED to the reseller and INVALID_TRANSITION for a partnership that is not open', async () => {
      const p = await active();
      expect(codes(await exec(endPartnership, reseller.globalAdmin, { partnershipId: p.id }))).toEqual([
        'NOT_AUTHORIZED',
      ]);
      must(await exec(endPartnership, provider.globalAdmin, { partnershipId: p.id }));
      expect((await row(p.id)).end_reason).toBeNull();
      expect(codes(await exec(endPartnership, provider.globalAdmin, { partnershipId: p.id }))).toEqual([
        'INVALID_TRANSITION',
      ]);
      const invited = must(await invite(outsider));
      expect(codes(await exec(endPartnership, provider.globalAdmin, { partnershipId: invited.id }))).toEqual([
        'INVALID_TRANSITION',
      ]);
    });
  });

  // -------------------------------------------------------------------------------------------
  describe('queries', () => {
    it('lists the indirect resellers of a provider and the providers of a reseller, both directions', async () => {
      const p = await active();
      const resellers = must(
        await csp.query(
          listIndirectResellers,
          { principal: provider.globalAdmin },
          { tenantId: provider.tenantId },
        ),
      );
      expect(resellers).toEqual({
        items: [
          {
            partnershipId: p.id,
            relationshipType: 'IsIndirectCloudSolutionProviderOf',
            tenantId: reseller.tenantId,
            partnerId: reseller.partnerId,
            name: 'Reseller Germany',
            location: { country: 'DE', region: 'europe' },
            state: 'active',
          },
        ],
        next: null,
      });
      const providers = must(
        await csp.query(
          listIndirectProviders,
          { principal: reseller.globalAdmin },
          { tenantId: reseller.tenantId },
        ),
      );
      expect(providers).toEqual({
        items: [
          {
            partnershipId: p.id,
            relationshipType: 'IsIndirectResellerOf',
            tenantId: provider.tenantId,
            partnerId: provider.partnerId,
            name: 'Distributor France',
            location: { country: 'FR', region: 'europe' },
            state: 'active',
          },
        ],
        next: null,
      });
      // The other direction of each tenant is empty.
      expect(
        must(
          await csp.query(
            listIndirectProviders,
            { principal: provider.globalAdmin },
            { tenantId: provider.tenantId },
          ),
        ).items,
      ).toEqual([]);
    });

    it('paginates with limit 1 and filters by effective state', async () => {
      const be = await addPartner(csp, operator, {
        legalName: 'Reseller Belgium',
        country: 'BE',
        role: 'indirect-reseller',
      });
      const a = await active();
      const b = must(await invite(outsider));
      const c = must(await invite(be));
      must(await exec(declinePartnership, be.globalAdmin, { token: c.invitationToken }));
      const list = async (input: Record<string, unknown>, on: OpenCsp = csp) =>
        must(
          await on.query(
            listIndirectResellers,
            { principal: operator.principal },
            { tenantId: provider.tenantId, ...input },
          ),
        );
      const all = await list({});
      expect(all.items).toHaveLength(3);
      expect(all.next).toBeNull();
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 5; i++) {
        const page = await list({ limit: 1, ...(cursor && { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(1);
        seen.push(...page.items.map((x) => x.partnershipId));
        if (!page.next) break;
        cursor = page.next;
      }
      expect(seen).toEqual(all.items.map((x) => x.partnershipId));
      expect([...seen].sort()).toEqual([a.id, b.id, c.id].sort());

      const byState = async (state: string, on?: OpenCsp) =>
        (await list({ state }, on)).items.map((x) => [x.partnershipId, x.state]);
      expect(await byState('active')).toEqual([[a.id, 'active']]);
      expect(await byState('invited')).toEqual([[b.id, 'invited']]);
      expect(await byState('declined')).toEqual([[c.id, 'declined']]);
      expect(await byState('expired')).toEqual([]);
      // 100 days later the invitation is expired, though stored as invited.
      const at = later(100);
      expect(await byState('invited', at)).toEqual([]);
      expect(await byState('expired', at)).toEqual([[b.id, 'expired']]);
      expect((await list({}, at)).items.find((x) => x.partnershipId === b.id)?.state).toBe('expired');
      // The SQL filter draws the line where effectivePartnershipState does: expired at the expiry instant.
      const atExpiry = new OpenCsp(db.store(), csp.program, seededIds(9), () => new Date(EXPIRES));
      const justBefore = new OpenCsp(
        db.store(),
        csp.program,
        seededIds(9),
        () => new Date(Date.parse(EXPIRES) - 1),
      );
      expect(await byState('expired', atExpiry)).toEqual([[b.id, 'expired']]);
      expect(await byState('invited', atExpiry)).toEqual([]);
      expect(await byState('invited', justBefore)).toEqual([[b.id, 'invited']]);
      expect(await byState('expired', justBefore)).toEqual([]);

      // Paginating a filtered list.
      const p1 = await list({ limit: 1, state: 'active' });
      expect(p1.next).toBeNull();
      const two = await list({ limit: 2 });
      expect(two.items).toHaveLength(2);
      const rest = await list({ limit: 2, cursor: two.next });
      expect(rest.items).toHaveLength(1);
      expect(rest.next).toBeNull();
    });

    it('validates list input and hides other organizations’ tenants with TENANT_NOT_FOUND', async () => {
      await active();
      const q = (principal: Principal, input: unknown) =>
        csp.query(listIndirectResellers, { principal }, input);
      expect(refusal(await q(outsider.globalAdmin, { tenantId: provider.tenantId }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
      expect(refusal(await q(reseller.globalAdmin, { tenantId: provider.tenantId }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
      expect(
        refusal(
          await csp.query(
            listIndirectProviders,
            { principal: provider.globalAdmin },
            { tenantId: reseller.tenantId },
          ),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'tenantId' }]);
      expect(refusal(await q(operator.principal, { tenantId: UNKNOWN_ID }))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'tenantId' },
      ]);
      // Any user of the organization sees it.
      const sales = await member(provider, 'sales-agent');
      expect(must(await q(sales, { tenantId: provider.tenantId })).items).toHaveLength(1);
      expect(
        refusal(
          await q(operator.principal, { tenantId: provider.tenantId, state: 'gone', limit: 0, cursor: '!!' }),
        ),
      ).toEqual([
        { code: 'INVALID_FIELD', field: 'state' },
        { code: 'INVALID_FIELD', field: 'limit' },
        { code: 'INVALID_FIELD', field: 'cursor' },
      ]);
    });

    it('getPartnership: both sides and the operator; the token to the provider side while invited', async () => {
      const p = must(await invite());
      const view = (principal: Principal) =>
        csp.query(getPartnership, { principal }, { partnershipId: p.id });
      const asProvider = must(await view(provider.globalAdmin));
      expect(asProvider).toMatchObject({
        id: p.id,
        state: 'invited',
        invitationToken: p.invitationToken,
        provider: {
          tenantId: provider.tenantId,
          partnerId: provider.partnerId,
          name: 'Distributor France',
          location: { country: 'FR', region: 'europe' },
        },
        reseller: {
          tenantId: reseller.tenantId,
          partnerId: reseller.partnerId,
          name: 'Reseller Germany',
          location: { country: 'DE', region: 'europe' },
        },
      });
      expect(must(await view(operator.principal)).invitationToken).toBe(p.invitationToken);
      const asReseller = must(await view(reseller.globalAdmin));
      expect(asReseller.state).toBe('invited');
      expect('invitationToken' in asReseller).toBe(false);
      expect(refusal(await view(outsider.globalAdmin))).toEqual([
        { code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' },
      ]);
      expect(
        refusal(
          await csp.query(getPartnership, { principal: operator.principal }, { partnershipId: UNKNOWN_ID }),
        ),
      ).toEqual([{ code: 'PARTNERSHIP_NOT_FOUND', field: 'partnershipId' }]);
      // Expired at a later time, and no token any more.
      const expired = must(
        await later(95).query(getPartnership, { principal: provider.globalAdmin }, { partnershipId: p.id }),
      );
      expect(expired.state).toBe('expired');
      expect(expired.invitationToken).toBeUndefined();
      must(await exec(acceptPartnership, reseller.globalAdmin, { token: p.invitationToken }));
      const accepted = must(await view(provider.globalAdmin));
      expect(accepted).toMatchObject({ state: 'active', acceptedAt: NOW });
      expect(accepted.invitationToken).toBeUndefined();
    });
  });
});
