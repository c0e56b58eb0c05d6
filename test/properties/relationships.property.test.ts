/**
 * Property: random sequences of relationship commands, issued by many principals (the right ones
 * and the wrong ones), never reach a state that breaks an invariant of the seed, and every refused
 * command leaves the database exactly as it was. Runs on SQLite and PostgreSQL.
 *
 * Invariants checked after every sequence:
 *  - no active or suspended partnership across regions (scenario 8);
 *  - no tenant both an indirect reseller and an end customer of the same provider (scenario 6);
 *  - no active customer relationship across regions (scenario 7), with a non-customer tenant
 *    (scenario 4), or with the partner's own organization or an affiliate (scenario 5);
 *  - no relationship accepted without its agreement: every active customer relationship's customer
 *    accepted the customer agreement before it; every accepted partnership's reseller signed the
 *    partner agreement for its region before it.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { signPartnerAgreement } from '../../src/agreements/service.ts';
import { OpenCsp } from '../../src/app/opencsp.ts';
import {
  acceptCustomerInvitation,
  declineCustomerInvitation,
  inviteCustomer,
  removeCustomerRelationship,
} from '../../src/customers/service.ts';
import { seededIds } from '../../src/kernel/ids.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import { addToAffiliateGroup, createCustomerTenant } from '../../src/parties/service.ts';
import {
  acceptPartnership,
  declinePartnership,
  endPartnership,
  invitePartnership,
  openSupportRequest,
  reactivatePartnership,
  resolveSupportRequest,
  suspendPartnership,
} from '../../src/partnerships/service.ts';
import { defaultProgram } from '../../src/program/load.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  must,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { describeEachDatabase, T0 } from '../support/databases.ts';
import { snapshot } from '../support/snapshot.ts';

const program = defaultProgram();
const regionOf = (country: string) => program.catalogue.regionOf(country);

interface Party {
  readonly tenantId: string;
  readonly admin: Principal;
}

interface World {
  readonly csp: OpenCsp;
  readonly operator: Principal;
  readonly providers: Party[];
  readonly resellers: Party[];
  readonly sellers: Party[];
  readonly customers: Party[];
  /** Everyone who may try anything. */
  readonly principals: Principal[];
}

const party = (p: Partner | Customer): Party => ({ tenantId: p.tenantId, admin: p.globalAdmin });

/** A small channel across two regions, with partners at several stages and an own-use tenant. */
async function buildWorld(base: OpenCsp, clock: { now: Date }): Promise<World> {
  const csp = new OpenCsp(base.store, program, seededIds(7), () => clock.now);
  const op = await bootstrap(csp);
  const add = (
    legalName: string,
    country: string,
    role: 'indirect-provider' | 'indirect-reseller' | 'direct-bill',
    until?: 'qualified' | 'enrolled',
  ) => addPartner(csp, op, { legalName, country, role, ...(until && { until }) });
  const pFR = await add('Provider FR', 'FR', 'indirect-provider');
  const pUS = await add('Provider US', 'US', 'indirect-provider');
  const rFR = await add('Reseller FR', 'FR', 'indirect-reseller');
  const rDE = await add('Reseller DE', 'DE', 'indirect-reseller');
  const rUS = await add('Reseller US', 'US', 'indirect-reseller');
  const rQ = await add('Reseller FR qualified', 'FR', 'indirect-reseller', 'qualified');
  const dFR = await add('Direct FR', 'FR', 'direct-bill');
  const cFR = await addCustomer(csp, { legalName: 'Customer FR', country: 'FR' });
  const cDE = await addCustomer(csp, { legalName: 'Customer DE', country: 'DE' });
  const cUS = await addCustomer(csp, { legalName: 'Customer US', country: 'US' });
  const cNoMca = await addCustomer(csp, {
    legalName: 'Customer FR no MCA',
    country: 'FR',
    acceptAgreement: false,
  });
  // Scenario 5: Customer DE is an affiliate of Direct FR.
  must(
    await csp.execute(
      addToAffiliateGroup,
      { principal: op.principal },
      { organizationId: cDE.organizationId, affiliateOf: dFR.organizationId },
    ),
  );
  // Scenario 4: Reseller FR's own-use tenant.
  const own = must(
    await csp.execute(
      createCustomerTenant,
      { principal: rFR.globalAdmin },
      {
        organizationId: rFR.organizationId,
        country: 'FR',
        tenant: { domain: 'reseller-fr-internal.onmicrosoft.example' },
        globalAdmin: { email: 'it@reseller-fr.example', displayName: 'IT' },
      },
    ),
  );
  const ownParty: Party = {
    tenantId: own.tenantId,
    admin: userPrincipal(own.globalAdminUserId, own.tenantId, ['global-admin']),
  };
  const providers = [pFR, pUS].map(party);
  const resellers = [rFR, rDE, rUS, rQ].map(party);
  // Customers include CSP tenants on purpose (scenarios 4 and 6 must refuse them).
  const customers = [...[cFR, cDE, cUS, cNoMca].map(party), ownParty, party(rFR), party(rDE)];
  const sellers = [...resellers, party(dFR), ...providers];
  const principals = [op.principal, ...providers, ...resellers, party(dFR), ...customers].map((p) =>
    'admin' in p ? p.admin : p,
  );
  return { csp, operator: op.principal, providers, resellers, sellers, customers, principals };
}

type Step =
  | { kind: 'invite-partnership'; provider: number; reseller: number; actor: number }
  | { kind: 'accept-partnership' | 'decline-partnership'; pick: number; actor: number }
  | { kind: 'suspend' | 'reactivate' | 'end' | 'open-support'; pick: number; actor: number }
  | { kind: 'resolve-support'; pick: number; resolve: boolean; actor: number }
  | {
      kind: 'invite-customer';
      seller: number;
      customer: number;
      withProvider: number;
      dap: boolean;
      actor: number;
    }
  | {
      kind: 'accept-customer' | 'decline-customer';
      pick: number;
      customer: number;
      withAgreement: boolean;
      rightCustomer: boolean;
    }
  | { kind: 'remove-relationship'; pick: number; actor: number }
  | { kind: 'sign-mpa'; reseller: number }
  | { kind: 'advance-clock'; days: number };

const idx = fc.nat({ max: 20 });
/** Actor picks: most of the time (values 0–15) the party that should act, otherwise anyone. */
const rightActor = (i: number) => i <= 15;
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('invite-partnership' as const),
      provider: idx,
      reseller: idx,
      actor: idx,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('accept-partnership' as const), pick: idx, actor: idx }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('decline-partnership' as const), pick: idx, actor: idx }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'suspend' as const,
        'reactivate' as const,
        'end' as const,
        'open-support' as const,
      ),
      pick: idx,
      actor: idx,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('resolve-support' as const),
      pick: idx,
      resolve: fc.boolean(),
      actor: idx,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('invite-customer' as const),
      seller: idx,
      customer: idx,
      withProvider: fc.nat({ max: 3 }),
      dap: fc.boolean(),
      actor: idx,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'accept-customer' as const,
        'accept-customer' as const,
        'accept-customer' as const,
        'decline-customer' as const,
      ),
      pick: idx,
      customer: idx,
      withAgreement: fc.boolean(),
      rightCustomer: fc.nat({ max: 9 }).map((n) => n < 8),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('remove-relationship' as const), pick: idx, actor: idx }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sign-mpa' as const), reseller: idx }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance-clock' as const),
      days: fc.integer({ min: 1, max: 120 }),
    }),
  },
);

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

async function ids(
  w: World,
  table: 'partnerships' | 'customer_invitations' | 'customer_relationships' | 'support_requests',
) {
  const rows = await sql<{
    id: string;
    token?: string;
  }>`SELECT * FROM ${sql.table(table)} ORDER BY id`.execute(w.csp.store.db);
  return rows.rows;
}

/** Runs one step; returns the outcome (undefined for clock moves and steps with nothing to pick). */
async function run(w: World, clock: { now: Date }, s: Step): Promise<Outcome<unknown> | undefined> {
  const as = (principal: Principal) => ({ principal });
  const actor = (i: number) => at(w.principals, i);
  switch (s.kind) {
    case 'advance-clock':
      clock.now = new Date(clock.now.getTime() + s.days * 86_400_000);
      return undefined;
    case 'invite-partnership':
      return w.csp.execute(
        invitePartnership,
        as(rightActor(s.actor) ? at(w.providers, s.provider).admin : actor(s.actor)),
        {
          providerTenantId: at(w.providers, s.provider).tenantId,
          resellerTenantId: at(w.resellers, s.reseller).tenantId,
        },
      );
    case 'accept-partnership':
    case 'decline-partnership': {
      const rows = (await ids(w, 'partnerships')) as unknown as {
        invitation_token: string;
        reseller_tenant_id: string;
      }[];
      if (rows.length === 0) return undefined;
      const p = at(rows, s.pick);
      const reseller = w.resellers.find((r) => r.tenantId === p.reseller_tenant_id);
      // Half the time the reseller's own admin, otherwise anyone.
      const who = rightActor(s.actor) && reseller ? reseller.admin : actor(s.actor);
      return w.csp.execute(
        s.kind === 'accept-partnership' ? acceptPartnership : declinePartnership,
        as(who),
        { token: p.invitation_token },
      );
    }
    case 'suspend':
    case 'reactivate':
    case 'end':
    case 'open-support': {
      const rows = (await ids(w, 'partnerships')) as unknown as { id: string; provider_tenant_id: string }[];
      if (rows.length === 0) return undefined;
      const p = at(rows, s.pick);
      const provider = w.providers.find((x) => x.tenantId === p.provider_tenant_id);
      const who = rightActor(s.actor) && provider ? provider.admin : actor(s.actor);
      if (s.kind === 'open-support') {
        return w.csp.execute(openSupportRequest, as(who), {
          partnershipId: p.id,
          description: 'Please end this partnership.',
        });
      }
      const cmd =
        s.kind === 'suspend'
          ? suspendPartnership
          : s.kind === 'reactivate'
            ? reactivatePartnership
            : endPartnership;
      return w.csp.execute(cmd, as(who), { partnershipId: p.id });
    }
    case 'resolve-support': {
      const rows = await ids(w, 'support_requests');
      if (rows.length === 0) return undefined;
      const who = rightActor(s.actor) ? w.operator : actor(s.actor);
      return w.csp.execute(resolveSupportRequest, as(who), {
        supportRequestId: at(rows, s.pick).id,
        outcome: s.resolve ? 'resolved' : 'rejected',
        resolution: 'Done.',
      });
    }
    case 'invite-customer': {
      const seller = at(w.sellers, s.seller);
      const who = rightActor(s.actor) ? seller.admin : actor(s.actor);
      return w.csp.execute(inviteCustomer, as(who), {
        partnerTenantId: seller.tenantId,
        customerTenantId: at(w.customers, s.customer).tenantId,
        requestDelegatedAdmin: s.dap,
        ...(s.withProvider < 2 && {
          alsoAuthorizeProviderTenantId: at(w.providers, s.withProvider).tenantId,
        }),
      });
    }
    case 'accept-customer':
    case 'decline-customer': {
      const rows = (await ids(w, 'customer_invitations')) as unknown as {
        token: string;
        customer_tenant_id: string | null;
      }[];
      if (rows.length === 0) return undefined;
      const inv = at(rows, s.pick);
      const invited = w.customers.find((c) => c.tenantId === inv.customer_tenant_id);
      const customer = s.rightCustomer && invited ? invited : at(w.customers, s.customer);
      if (s.kind === 'decline-customer') {
        return w.csp.execute(declineCustomerInvitation, as(customer.admin), {
          token: inv.token,
          customerTenantId: customer.tenantId,
        });
      }
      return w.csp.execute(acceptCustomerInvitation, as(customer.admin), {
        token: inv.token,
        customerTenantId: customer.tenantId,
        ...(s.withAgreement && {
          customerAgreement: { signerName: 'Signer', signerEmail: 'signer@customer.example' },
        }),
      });
    }
    case 'remove-relationship': {
      const rows = await ids(w, 'customer_relationships');
      if (rows.length === 0) return undefined;
      return w.csp.execute(
        removeCustomerRelationship,
        as(rightActor(s.actor) ? w.operator : actor(s.actor)),
        {
          relationshipId: at(rows, s.pick).id,
        },
      );
    }
    case 'sign-mpa': {
      const r = at(w.resellers, s.reseller);
      return w.csp.execute(signPartnerAgreement, as(r.admin), { tenantId: r.tenantId });
    }
  }
}

/** Every invariant, as a list of human-readable breaches (empty when all hold). */
async function breaches(w: World): Promise<string[]> {
  const db = w.csp.store.db;
  const tenants = new Map(
    (
      await db
        .selectFrom('tenants')
        .innerJoin('organizations', 'organizations.id', 'tenants.organization_id')
        .select([
          'tenants.id',
          'tenants.type',
          'tenants.country',
          'tenants.organization_id',
          'organizations.affiliate_group_id',
        ])
        .execute()
    ).map((t) => [t.id, t]),
  );
  const t = (id: string) =>
    tenants.get(id) ??
    (() => {
      throw new Error(`no tenant ${id}`);
    })();
  const out: string[] = [];
  const partnerships = await db.selectFrom('partnerships').selectAll().execute();
  const relationships = await db
    .selectFrom('customer_relationships')
    .selectAll()
    .where('state', '=', 'active')
    .execute();
  const acceptances = await db.selectFrom('agreement_acceptances').selectAll().execute();
  for (const p of partnerships) {
    if (p.state !== 'active' && p.state !== 'suspended' && p.state !== 'ended') continue;
    if (
      p.state !== 'ended' &&
      regionOf(t(p.provider_tenant_id).country) !== regionOf(t(p.reseller_tenant_id).country)
    ) {
      out.push(`partnership ${p.id} across regions`);
    }
    const reseller = t(p.reseller_tenant_id);
    const region = regionOf(reseller.country);
    const signed = acceptances.some(
      (a) =>
        a.agreement === 'partner' &&
        a.organization_id === reseller.organization_id &&
        a.region === region &&
        a.recorded_at <= (p.accepted_at ?? ''),
    );
    if (!signed) out.push(`partnership ${p.id} accepted without the reseller's partner agreement`);
  }
  for (const r of relationships) {
    const partner = t(r.partner_tenant_id);
    const customer = t(r.customer_tenant_id);
    if (regionOf(partner.country) !== regionOf(customer.country))
      out.push(`relationship ${r.id} across regions`);
    if (customer.type !== 'customer') out.push(`relationship ${r.id} with a ${customer.type} tenant`);
    if (partner.organization_id === customer.organization_id)
      out.push(`relationship ${r.id} with own organization`);
    if (partner.affiliate_group_id !== null && partner.affiliate_group_id === customer.affiliate_group_id) {
      out.push(`relationship ${r.id} with an affiliate`);
    }
    const mca = acceptances.some(
      (a) => a.agreement === 'customer' && a.tenant_id === customer.id && a.recorded_at <= r.created_at,
    );
    if (!mca) out.push(`relationship ${r.id} without the customer agreement`);
    const resellerOfPartner = partnerships.some(
      (p) =>
        p.provider_tenant_id === r.partner_tenant_id &&
        p.reseller_tenant_id === r.customer_tenant_id &&
        ['invited', 'active', 'suspended'].includes(p.state),
    );
    if (resellerOfPartner)
      out.push(`tenant ${r.customer_tenant_id} both reseller and customer of ${r.partner_tenant_id}`);
  }
  return out;
}

describeEachDatabase('relationship invariants under random command sequences', (db) => {
  const runs = db.name === 'sqlite' ? 40 : 12;
  it(`holds over ${runs} random sequences of up to 30 commands, and refusals write nothing`, async () => {
    let accepted = 0;
    const tally = new Map<string, number>();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 30 }), async (steps) => {
        const clock = { now: T0 };
        const w = await buildWorld(await db.fresh(), clock);
        for (const s of steps) {
          const before = await snapshot(w.csp.store);
          const outcome = await run(w, clock, s);
          if (outcome && !outcome.ok) {
            refused++;
            for (const v of outcome.violations) tally.set(v.code, (tally.get(v.code) ?? 0) + 1);
            expect(
              await snapshot(w.csp.store),
              `${s.kind} refused with ${outcome.violations.map((v) => v.code).join(',')} but wrote`,
            ).toEqual(before);
          } else if (outcome) {
            accepted++;
            tally.set(`ok:${s.kind}`, (tally.get(`ok:${s.kind}`) ?? 0) + 1);
          }
        }
        expect(await breaches(w)).toEqual([]);
      }),
      { numRuns: runs, seed: 20261125, endOnFailure: true },
    );
    if (process.env.OPENCSP_PROPERTY_TALLY) console.log(db.name, Object.fromEntries([...tally].sort()));
    // The generator must exercise both paths, or the property proves nothing.
    expect(accepted).toBeGreaterThan(runs);
    expect(refused).toBeGreaterThan(runs);
  }, 300_000);
});
