import { beforeEach, describe, expect, it } from 'vitest';
import { signPartnerAgreement } from '../src/agreements/service.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { enroll, verifyEnrollment } from '../src/enrollments/service.ts';
import { isGuid } from '../src/kernel/ids.ts';
import { ANONYMOUS, type Principal } from '../src/kernel/principal.ts';
import { type LedgerPage, readLedger } from '../src/ledger/service.ts';
import { addToAffiliateGroup, removeFromAffiliateGroup } from '../src/parties/service.ts';
import { addPartner, bootstrap, must, type Operator, type Partner } from '../src/world/builder.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { refusal } from './support/snapshot.ts';

const UNKNOWN_ID = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

describeEachDatabase('ledger', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let alpha: Partner;
  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR', role: 'indirect-reseller' });
  });

  const userId = (p: Principal) => (p.kind === 'user' ? p.userId : null);

  function read(principal: Principal, input: Record<string, unknown>) {
    return csp.query(readLedger, { principal }, input);
  }

  describe('pagination', () => {
    it('pages through an entity with limit and the next cursor until next is null', async () => {
      const entity = { entityType: 'enrollment', entityId: alpha.enrollmentId };
      const first = must(await read(alpha.globalAdmin, { ...entity, limit: 2 }));
      expect(first.events.map((e) => e.type)).toEqual(['enrollment.submitted', 'enrollment.qualified']);
      expect(first.next).toBe(first.events[1]?.seq);
      const second = must(await read(alpha.globalAdmin, { ...entity, limit: 2, after: first.next }));
      expect(second.events.map((e) => e.type)).toEqual(['enrollment.activated']);
      expect(second.next).toBeNull();
      const seqs = [...first.events, ...second.events].map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(3);

      // A page that exactly fits the rest is the last one.
      expect(must(await read(alpha.globalAdmin, { ...entity, limit: 3 })).next).toBeNull();
      // Page by page, one at a time.
      const types: string[] = [];
      let after: number | null = 0;
      let pages = 0;
      while (after !== null) {
        const page: LedgerPage = must(await read(alpha.globalAdmin, { ...entity, limit: 1, after }));
        types.push(...page.events.map((e) => e.type));
        after = page.next;
        pages++;
      }
      expect([pages, types]).toEqual([
        3,
        ['enrollment.submitted', 'enrollment.qualified', 'enrollment.activated'],
      ]);
      // Past the end: nothing, and no cursor.
      const end = must(await read(alpha.globalAdmin, { ...entity, after: seqs.at(-1) }));
      expect([end.events, end.next]).toEqual([[], null]);
      // The default page holds everything here.
      expect(must(await read(alpha.globalAdmin, entity)).events).toHaveLength(3);
    });

    it('refuses a bad entity type, limit or cursor', async () => {
      const entityId = alpha.tenantId;
      expect(refusal(await read(operator.principal, { entityType: 'planet', entityId }))).toEqual([
        { code: 'INVALID_FIELD', field: 'entityType' },
      ]);
      for (const limit of [0, 1001, 2.5]) {
        expect(refusal(await read(operator.principal, { entityType: 'tenant', entityId, limit }))).toEqual([
          { code: 'INVALID_FIELD', field: 'limit' },
        ]);
      }
      expect(refusal(await read(operator.principal, { entityType: 'tenant', entityId, after: -1 }))).toEqual([
        { code: 'INVALID_FIELD', field: 'after' },
      ]);
    });
  });

  describe('what an event carries', () => {
    it('the principal, the request id, the command and the time of the request', async () => {
      // A tenant holds one program role (alpha's is indirect reseller): another partner, that
      // signed the MPA for europe before enrolling.
      const gamma = await addPartner(csp, operator, { legalName: 'Gamma', country: 'FR' });
      must(
        await csp.execute(
          signPartnerAgreement,
          { principal: gamma.globalAdmin },
          { tenantId: gamma.tenantId },
        ),
      );
      const e = must(
        await csp.execute(
          enroll,
          { principal: gamma.globalAdmin, requestId: 'req-123' },
          { tenantId: gamma.tenantId, role: 'indirect-provider' },
        ),
      );
      const later = new Date('2026-01-20T08:30:00.000Z');
      must(
        await csp.execute(
          verifyEnrollment,
          { principal: operator.principal, requestId: 'req-456', now: later },
          { enrollmentId: e.id },
        ),
      );
      const { events } = must(await read(gamma.globalAdmin, { entityType: 'enrollment', entityId: e.id }));
      expect(events.map((x) => ({ ...x, seq: 0, id: '' }))).toEqual([
        {
          seq: 0,
          id: '',
          occurredAt: T0.toISOString(),
          command: 'enrollments.enroll',
          type: 'enrollment.submitted',
          entityType: 'enrollment',
          entityId: e.id,
          principal: { kind: 'user', userId: userId(gamma.globalAdmin), tenantId: gamma.tenantId },
          requestId: 'req-123',
          payload: { ...e },
        },
        {
          seq: 0,
          id: '',
          occurredAt: later.toISOString(),
          command: 'enrollments.verify',
          type: 'enrollment.qualified',
          entityType: 'enrollment',
          entityId: e.id,
          principal: { kind: 'user', userId: userId(operator.principal), tenantId: operator.tenantId },
          requestId: 'req-456',
          payload: { from: 'pending', to: 'qualified', reason: null },
        },
        // The MPA is signed for europe: the verification activated it in the same request.
        expect.objectContaining({
          type: 'enrollment.activated',
          command: 'enrollments.verify',
          requestId: 'req-456',
        }),
      ]);
      expect(events.every((x) => isGuid(x.id))).toBe(true);
    });

    it('a generated request id, shared by every event of one command', async () => {
      const beta = await addPartner(csp, operator, {
        legalName: 'Beta',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const signed = must(
        await csp.execute(signPartnerAgreement, { principal: beta.globalAdmin }, { tenantId: beta.tenantId }),
      );
      const acceptance = must(
        await read(beta.globalAdmin, { entityType: 'agreement-acceptance', entityId: signed.acceptance.id }),
      ).events;
      const enrollment = must(
        await read(beta.globalAdmin, { entityType: 'enrollment', entityId: beta.enrollmentId }),
      ).events;
      const activated = enrollment.at(-1);
      expect(activated?.type).toBe('enrollment.activated');
      expect(isGuid(acceptance[0]?.requestId ?? '')).toBe(true);
      expect(activated?.requestId).toBe(acceptance[0]?.requestId);
      // Another command, another request id.
      expect(enrollment[0]?.requestId).not.toBe(activated?.requestId);
      // Onboarding is anonymous self-service.
      const org = must(
        await read(beta.globalAdmin, { entityType: 'organization', entityId: beta.organizationId }),
      ).events;
      expect(org[0]?.principal).toEqual({ kind: 'anonymous', userId: null, tenantId: null });
    });
  });

  describe('visibility', () => {
    let beta: Partner;
    let entities: [string, string][];
    beforeEach(async () => {
      beta = await addPartner(csp, operator, { legalName: 'Beta', country: 'FR' });
      const acceptance = (
        await csp.store.db
          .selectFrom('agreement_acceptances')
          .select('id')
          .where('tenant_id', '=', alpha.tenantId)
          .execute()
      )[0]?.id as string;
      entities = [
        ['organization', alpha.organizationId],
        ['tenant', alpha.tenantId],
        ['partner-location', String(alpha.partnerId)],
        ['user', userId(alpha.globalAdmin) as string],
        ['enrollment', alpha.enrollmentId as string],
        ['agreement-acceptance', acceptance],
      ];
    });

    it("hides another organization's entities as ENTITY_NOT_FOUND; its own users and the operator see them", async () => {
      for (const [entityType, entityId] of entities) {
        for (const principal of [beta.globalAdmin, ANONYMOUS]) {
          expect(refusal(await read(principal, { entityType, entityId }))).toEqual([
            { code: 'ENTITY_NOT_FOUND', field: 'entityId' },
          ]);
        }
        for (const principal of [alpha.globalAdmin, operator.principal]) {
          const page = must(await read(principal, { entityType, entityId }));
          expect(page.events.length).toBeGreaterThan(0);
          expect(page.events.every((e) => e.entityType === entityType && e.entityId === entityId)).toBe(true);
        }
      }
    });

    it('the program entity is for the operator; affiliate groups for their members', async () => {
      const program = { entityType: 'program', entityId: csp.program.id };
      expect(must(await read(operator.principal, program)).events.map((e) => e.type)).toEqual([
        'program.bootstrapped',
      ]);
      expect(refusal(await read(alpha.globalAdmin, program))).toEqual([
        { code: 'ENTITY_NOT_FOUND', field: 'entityId' },
      ]);

      const { affiliateGroupId } = must(
        await csp.execute(
          addToAffiliateGroup,
          { principal: operator.principal },
          { organizationId: alpha.organizationId, affiliateOf: beta.organizationId },
        ),
      );
      const group = { entityType: 'affiliate-group', entityId: affiliateGroupId };
      const gamma = await addPartner(csp, operator, { legalName: 'Gamma', country: 'FR' });
      expect(must(await read(alpha.globalAdmin, group)).events).toHaveLength(1);
      expect(must(await read(beta.globalAdmin, group)).events).toHaveLength(1);
      expect(refusal(await read(gamma.globalAdmin, group))).toEqual([
        { code: 'ENTITY_NOT_FOUND', field: 'entityId' },
      ]);
      must(
        await csp.execute(
          removeFromAffiliateGroup,
          { principal: operator.principal },
          { organizationId: alpha.organizationId },
        ),
      );
      expect(refusal(await read(alpha.globalAdmin, group))).toEqual([
        { code: 'ENTITY_NOT_FOUND', field: 'entityId' },
      ]);
    });

    it('an unknown entity is ENTITY_NOT_FOUND, even for the operator', async () => {
      for (const [entityType, entityId] of [
        ['organization', UNKNOWN_ID],
        ['tenant', UNKNOWN_ID],
        ['user', UNKNOWN_ID],
        ['enrollment', UNKNOWN_ID],
        ['agreement-acceptance', UNKNOWN_ID],
        ['affiliate-group', UNKNOWN_ID],
        ['partner-location', '999999999'],
        ['partner-location', 'not-a-number'],
        ['program', 'another-program'],
      ]) {
        expect(refusal(await read(operator.principal, { entityType, entityId }))).toEqual([
          { code: 'ENTITY_NOT_FOUND', field: 'entityId' },
        ]);
      }
      expect(entities).toHaveLength(6);
    });
  });
});
