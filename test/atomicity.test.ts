import { beforeEach, describe, expect, it } from 'vitest';
import { acceptCustomerAgreement, signPartnerAgreement } from '../src/agreements/service.ts';
import { defineCommand } from '../src/app/command.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { enroll, verifyEnrollment } from '../src/enrollments/service.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { accept } from '../src/kernel/outcome.ts';
import { ANONYMOUS, SYSTEM } from '../src/kernel/principal.ts';
import { toInstant } from '../src/kernel/time.ts';
import { readLedger } from '../src/ledger/service.ts';
import type { Organization } from '../src/parties/model.ts';
import {
  addLocation,
  addToAffiliateGroup,
  addUser,
  associatePartnerId,
  bootstrapProgram,
  createCustomerTenant,
  createPartnerTenant,
  onboardPartner,
} from '../src/parties/service.ts';
import { insertOrganization } from '../src/parties/store.ts';
import { defaultProgram } from '../src/program/load.ts';
import type { Store } from '../src/store/store.ts';
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
import { codes, refusal, rowCounts, type Snapshot, snapshot, tableRows } from './support/snapshot.ts';

function partnerInput(name: string, domain: string) {
  return {
    legalName: name,
    country: 'FR',
    address: { line1: '1 rue de la Paix', city: 'Paris', country: 'FR' },
    tenant: { domain },
    globalAdmin: { email: `admin@${domain}`, displayName: `${name} Admin` },
  };
}

/** A store that reports the highest attempt number its write transactions reached. */
function countingStore(store: Store): { store: Store; maxAttempt: () => number } {
  let max = 0;
  return {
    store: {
      ...store,
      write: (body) =>
        store.write((tx, attempt) => {
          max = Math.max(max, attempt);
          return body(tx, attempt);
        }),
    },
    maxAttempt: () => max,
  };
}

/** A snapshot with the (randomly generated) request ids of the ledger blanked out. */
function withoutRequestIds(snap: Snapshot): Snapshot {
  return {
    ...snap,
    ledger_events: (snap.ledger_events ?? []).map((e) => ({ ...e, request_id: '' })),
  };
}

describeEachDatabase('atomicity', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let alpha: Partner;
  let customer: Customer;

  /** The same world, deterministically: same seed, same clock, same ids. */
  async function world() {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    alpha = await addPartner(csp, operator, { legalName: 'Alpha', country: 'FR', role: 'indirect-reseller' });
    customer = await addCustomer(csp, { legalName: 'Cust', country: 'FR' });
  }
  beforeEach(world);

  describe('a refused command writes nothing', () => {
    it('leaves every table identical after a series of refusals', async () => {
      const before = await snapshot(db.store());
      expect(before.ledger_events?.length).toBeGreaterThan(10);
      const check = async (expected: string[], run: Promise<Parameters<typeof codes>[0]>) => {
        expect(codes(await run)).toEqual(expected);
      };
      // Onboarding writes the organization, a Partner ID and a ledger event before the domain clash.
      await check(
        ['TENANT_ALREADY_EXISTS'],
        csp.execute(
          onboardPartner,
          { principal: ANONYMOUS },
          partnerInput('Copy', 'alpha.onmicrosoft.example'),
        ),
      );
      await check(
        ['ENROLLMENT_ALREADY_EXISTS'],
        csp.execute(
          enroll,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId, role: 'indirect-reseller' },
        ),
      );
      await check(
        ['EMAIL_ALREADY_IN_USE'],
        csp.execute(
          addUser,
          { principal: alpha.globalAdmin },
          {
            tenantId: alpha.tenantId,
            email: 'admin@alpha.onmicrosoft.example',
            displayName: 'D',
            roles: ['sales-agent'],
          },
        ),
      );
      await check(
        ['AGREEMENT_ALREADY_ACCEPTED'],
        csp.execute(signPartnerAgreement, { principal: alpha.globalAdmin }, { tenantId: alpha.tenantId }),
      );
      await check(
        ['AGREEMENT_ALREADY_ACCEPTED'],
        csp.execute(
          acceptCustomerAgreement,
          { principal: customer.globalAdmin },
          { tenantId: customer.tenantId, signer: { name: 'N', email: 'n@cust.example' } },
        ),
      );
      await check(
        ['INVALID_TRANSITION'],
        csp.execute(
          verifyEnrollment,
          { principal: operator.principal },
          { enrollmentId: alpha.enrollmentId },
        ),
      );
      await check(
        ['LOCATION_ALREADY_EXISTS'],
        csp.execute(
          addLocation,
          { principal: alpha.globalAdmin },
          { organizationId: alpha.organizationId, country: 'FR' },
        ),
      );
      await check(
        ['TENANT_ALREADY_EXISTS'],
        csp.execute(
          createPartnerTenant,
          { principal: alpha.globalAdmin },
          {
            organizationId: alpha.organizationId,
            country: 'FR',
            tenant: { domain: 'cust.onmicrosoft.example' },
            globalAdmin: { email: 'a@b.example', displayName: 'A' },
          },
        ),
      );
      await check(
        ['TENANT_ALREADY_EXISTS'],
        csp.execute(
          createCustomerTenant,
          { principal: alpha.globalAdmin },
          {
            organizationId: alpha.organizationId,
            country: 'FR',
            tenant: { domain: 'alpha.onmicrosoft.example' },
            globalAdmin: { email: 'a@b.example', displayName: 'A' },
          },
        ),
      );
      await check(
        ['PARTNER_ID_ALREADY_ASSOCIATED', 'TENANT_ALREADY_ASSOCIATED'],
        csp.execute(
          associatePartnerId,
          { principal: alpha.globalAdmin },
          { tenantId: alpha.tenantId, partnerId: alpha.partnerId },
        ),
      );
      await check(
        ['NOT_AUTHORIZED'],
        csp.execute(
          addToAffiliateGroup,
          { principal: alpha.globalAdmin },
          { organizationId: alpha.organizationId, affiliateOf: customer.organizationId },
        ),
      );
      await check(
        ['PROGRAM_ALREADY_BOOTSTRAPPED'],
        csp.execute(
          bootstrapProgram,
          { principal: SYSTEM },
          { operator: { email: 'x@y.example', displayName: 'X' } },
        ),
      );
      await check(
        ['REQUIRED_FIELD', 'UNKNOWN_COUNTRY'],
        csp.execute(
          onboardPartner,
          { principal: ANONYMOUS },
          { ...partnerInput('', 'x.example'), country: 'XX' },
        ),
      );
      // Queries write nothing either.
      await check(
        ['ACCEPTED'],
        csp.query(
          readLedger,
          { principal: operator.principal },
          { entityType: 'tenant', entityId: alpha.tenantId },
        ),
      );
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('rolls back the vendor organization when bootstrap meets a taken domain', async () => {
      csp = await db.fresh();
      must(
        await csp.execute(
          onboardPartner,
          { principal: ANONYMOUS },
          partnerInput('Squatter', 'contoso-cloud.example'),
        ),
      );
      const before = await snapshot(db.store());
      const out = await csp.execute(
        bootstrapProgram,
        { principal: SYSTEM },
        { operator: { email: 'op@contoso-cloud.example', displayName: 'Op' } },
      );
      expect(refusal(out)).toEqual([{ code: 'TENANT_ALREADY_EXISTS', field: 'tenant.domain' }]);
      expect(await snapshot(db.store())).toEqual(before);
      // With another tenant domain the bootstrap succeeds: no vendor organization was left behind.
      must(
        await csp.execute(
          bootstrapProgram,
          { principal: SYSTEM },
          {
            operator: { email: 'op@contoso-cloud.example', displayName: 'Op' },
            tenant: { domain: 'vendor.contoso-cloud.example' },
          },
        ),
      );
      expect(
        (await tableRows(db.store(), 'organizations')).filter((o) => Number(o.is_vendor) === 1),
      ).toHaveLength(1);
    });
  });

  describe('dry run', () => {
    it('returns the same refusal as the real run and writes nothing', async () => {
      const before = await snapshot(db.store());
      const input = { tenantId: alpha.tenantId, role: 'indirect-reseller' };
      const dry = await csp.execute(enroll, { principal: alpha.globalAdmin }, input, { dryRun: true });
      const real = await csp.execute(enroll, { principal: alpha.globalAdmin }, input);
      expect(refusal(dry)).toEqual([{ code: 'ENROLLMENT_ALREADY_EXISTS', field: 'role' }]);
      expect(dry).toEqual(real);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('returns exactly the accepted outcome the real run returns in the same world, and writes nothing', async () => {
      const before = await snapshot(db.store());
      const dryOnboard = must(
        await csp.execute(
          onboardPartner,
          { principal: ANONYMOUS },
          partnerInput('Beta', 'beta.onmicrosoft.example'),
          {
            dryRun: true,
          },
        ),
      );
      expect(await snapshot(db.store())).toEqual(before);
      // The same world again (same seed and clock; only request ids are random): the real run
      // yields the very same value.
      await world();
      expect(withoutRequestIds(await snapshot(db.store()))).toEqual(withoutRequestIds(before));
      const realOnboard = must(
        await csp.execute(
          onboardPartner,
          { principal: ANONYMOUS },
          partnerInput('Beta', 'beta.onmicrosoft.example'),
        ),
      );
      if (db.name === 'sqlite') {
        expect(realOnboard).toEqual(dryOnboard);
      } else {
        // PostgreSQL sequences are not transactional: the dry run consumed Partner IDs, so the real
        // run gets the next ones. Everything else is the same.
        const { partnerId: _p1, globalPartnerId: _g1, ...realRest } = realOnboard;
        const { partnerId: _p2, globalPartnerId: _g2, ...dryRest } = dryOnboard;
        expect(realRest).toEqual(dryRest);
      }
      expect(await snapshot(db.store())).not.toEqual(before);
    });

    it('a dry-run signature reports the enrollments it would activate, and activates none', async () => {
      const beta = await addPartner(csp, operator, {
        legalName: 'Beta',
        country: 'DE',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      const before = await snapshot(db.store());
      const dry = must(
        await csp.execute(
          signPartnerAgreement,
          { principal: beta.globalAdmin },
          { tenantId: beta.tenantId },
          { dryRun: true },
        ),
      );
      expect(dry.activatedEnrollmentIds).toEqual([beta.enrollmentId]);
      expect(await snapshot(db.store())).toEqual(before);
      const real = must(
        await csp.execute(signPartnerAgreement, { principal: beta.globalAdmin }, { tenantId: beta.tenantId }),
      );
      expect(real.activatedEnrollmentIds).toEqual(dry.activatedEnrollmentIds);
      expect(real.acceptance).toEqual({ ...dry.acceptance, id: real.acceptance.id });
    });
  });

  describe('a crash mid-command leaves nothing half-written', () => {
    function crashing(error: () => Error, failAttempts = Number.POSITIVE_INFINITY) {
      const state = { runs: 0 };
      const command = defineCommand({
        name: 'test.crash',
        parse: (input) => accept(input as { legalName: string }),
        async run(ctx, input) {
          state.runs++;
          const organization: Organization = {
            id: ctx.ids.guid() as Organization['id'],
            legalName: input.legalName,
            country: 'FR',
            address: { line1: '1 Main', city: 'Paris', country: 'FR' },
            registrationId: null,
            affiliateGroupId: null,
            globalPartnerId: null,
            isVendor: false,
            createdAt: toInstant(ctx.now),
          };
          await insertOrganization(ctx.tx, organization);
          await ctx.record({
            type: 'organization.created',
            entityType: 'organization',
            entityId: organization.id,
            payload: { ...organization },
          });
          if (state.runs <= failAttempts) throw error();
          return accept(organization);
        },
      });
      return { command, state };
    }

    it('rolls back the insert and the ledger event, and the error propagates unretried', async () => {
      const before = await snapshot(db.store());
      const { command, state } = crashing(() => new Error('boom after one insert'));
      await expect(csp.execute(command, { principal: SYSTEM }, { legalName: 'Half' })).rejects.toThrow(
        'boom after one insert',
      );
      expect(state.runs).toBe(1);
      expect(await snapshot(db.store())).toEqual(before);
    });

    it('retries a transient database failure from scratch: committed once, nothing from the failed attempts', async () => {
      const transient = () => Object.assign(new Error('could not serialize access'), { code: '40001' });
      const before = await rowCounts(db.store());
      const { command, state } = crashing(transient, 2);
      const org = must(await csp.execute(command, { principal: SYSTEM }, { legalName: 'Third time lucky' }));
      expect(state.runs).toBe(3);
      const after = await rowCounts(db.store());
      expect(after.organizations).toBe((before.organizations ?? 0) + 1);
      expect(after.ledger_events).toBe((before.ledger_events ?? 0) + 1);
      expect(
        (await tableRows(db.store(), 'organizations')).filter((o) => o.legal_name === 'Third time lucky'),
      ).toEqual([expect.objectContaining({ id: org.id })]);

      // A failure that never clears is retried up to the limit, then thrown; nothing is written.
      const snap = await snapshot(db.store());
      const forever = crashing(transient);
      await expect(
        csp.execute(forever.command, { principal: SYSTEM }, { legalName: 'Never' }),
      ).rejects.toThrow('could not serialize access');
      expect(forever.state.runs).toBe(12);
      expect(await snapshot(db.store())).toEqual(snap);
    });
  });

  describe('concurrency', () => {
    it('10 concurrent enrollments of one tenant in one role: exactly one accepted', async () => {
      const counting = countingStore(db.store());
      const runtime = new OpenCsp(counting.store, defaultProgram(), seededIds(7), () => T0);
      const p = await addPartner(runtime, operator, { legalName: 'Racer', country: 'DE' });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () =>
          runtime.execute(
            enroll,
            { principal: p.globalAdmin },
            { tenantId: p.tenantId, role: 'indirect-reseller' },
          ),
        ),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => refusal(o))).toEqual(
        Array.from({ length: 9 }, () => [{ code: 'ENROLLMENT_ALREADY_EXISTS', field: 'role' }]),
      );
      const rows = (await tableRows(db.store(), 'enrollments')).filter((r) => r.tenant_id === p.tenantId);
      expect(rows).toHaveLength(1);
      const submitted = (await tableRows(db.store(), 'ledger_events')).filter(
        (e) => e.type === 'enrollment.submitted' && e.entity_id === rows[0]?.id,
      );
      expect(submitted).toHaveLength(1);
      if (db.name === 'sqlite') expect(counting.maxAttempt()).toBe(1); // BEGIN IMMEDIATE serializes writers
    });

    it('20 concurrent sign-ups get 20 distinct Partner IDs and global Partner IDs, none thrown', async () => {
      const counting = countingStore(db.store());
      const runtime = new OpenCsp(counting.store, defaultProgram(), seededIds(99), () => T0);
      const first = (await rowCounts(db.store())).partner_locations ?? 0;
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runtime.execute(
            onboardPartner,
            { principal: ANONYMOUS },
            partnerInput(`Concurrent ${i}`, `concurrent-${i}.onmicrosoft.example`),
          ),
        ),
      );
      const results = outcomes.map((o) => must(o));
      const partnerIds = new Set(results.map((r) => r.partnerId));
      const globalIds = new Set(results.map((r) => r.globalPartnerId));
      expect(partnerIds.size).toBe(20);
      expect(globalIds.size).toBe(20);
      // Location and global Partner IDs come from one sequence: 40 distinct numbers. SQLite
      // serializes writers, so they are consecutive there; PostgreSQL skips the values of retried attempts.
      const all = [...partnerIds, ...globalIds].sort((a, b) => a - b);
      expect(new Set(all).size).toBe(40);
      if (db.name === 'sqlite') {
        expect((all.at(-1) ?? 0) - (all[0] ?? 0)).toBe(39);
        const counter = (await tableRows(db.store(), 'counters')).find((c) => c.name === 'partner_id');
        expect(defaultProgram().partnerIds.first - 1 + Number(counter?.value)).toBe(all.at(-1));
      }
      expect((await rowCounts(db.store())).partner_locations).toBe(first + 20);
      if (db.name === 'postgres') {
        // The conflicting serializable transactions were retried, not failed.
        expect(counting.maxAttempt()).toBeGreaterThan(1);
      } else {
        expect(counting.maxAttempt()).toBe(1);
      }
    });

    it('concurrent sign-ups with one domain: one tenant, the others TENANT_ALREADY_EXISTS', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          csp.execute(
            onboardPartner,
            { principal: ANONYMOUS },
            partnerInput(`Same ${i}`, 'same.onmicrosoft.example'),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => codes(o))).toEqual(
        Array.from({ length: 5 }, () => ['TENANT_ALREADY_EXISTS']),
      );
      expect(
        (await tableRows(db.store(), 'tenants')).filter((t) => t.domain === 'same.onmicrosoft.example'),
      ).toHaveLength(1);
    });

    it('two tenants of one organization signing the MPA for one region at once: one acceptance', async () => {
      // An organization with CSP tenants in FR and IT (both europe), whose MPA is not signed yet.
      const gamma = await addPartner(csp, operator, { legalName: 'Gamma', country: 'FR' });
      const gLoc = must(
        await csp.execute(
          addLocation,
          { principal: gamma.globalAdmin },
          { organizationId: gamma.organizationId, country: 'IT' },
        ),
      );
      const gt = must(
        await csp.execute(
          createPartnerTenant,
          { principal: gamma.globalAdmin },
          {
            organizationId: gamma.organizationId,
            country: 'IT',
            tenant: { domain: 'gamma-it.onmicrosoft.example' },
            globalAdmin: { email: 'admin@gamma-it.example', displayName: 'IT' },
          },
        ),
      );
      const itAdmin = userPrincipal(gt.globalAdminUserId, gt.tenantId, ['global-admin']);
      must(
        await csp.execute(
          associatePartnerId,
          { principal: itAdmin },
          { tenantId: gt.tenantId, partnerId: gLoc.partnerId },
        ),
      );

      const outcomes = await Promise.all([
        csp.execute(signPartnerAgreement, { principal: gamma.globalAdmin }, { tenantId: gamma.tenantId }),
        csp.execute(signPartnerAgreement, { principal: itAdmin }, { tenantId: gt.tenantId }),
        csp.execute(signPartnerAgreement, { principal: gamma.globalAdmin }, { tenantId: gamma.tenantId }),
        csp.execute(signPartnerAgreement, { principal: itAdmin }, { tenantId: gt.tenantId }),
      ]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => codes(o))).toEqual([
        ['AGREEMENT_ALREADY_ACCEPTED'],
        ['AGREEMENT_ALREADY_ACCEPTED'],
        ['AGREEMENT_ALREADY_ACCEPTED'],
      ]);
      const rows = (await tableRows(db.store(), 'agreement_acceptances')).filter(
        (r) => r.organization_id === gamma.organizationId,
      );
      expect(rows).toHaveLength(1);
    });
  });
});
