/**
 * Property: random sequences of commerce commands (orders, order requests and their approval or
 * cancellation, partner-of-record changes, subscription and partnership state changes, MPA
 * signatures, moves of the clock), issued by many principals (the right ones and the wrong ones),
 * never set a partner of record that does not qualify, and every refused command leaves the
 * database exactly as it was. Runs on SQLite and PostgreSQL.
 *
 * The invariant: no subscription ever exists whose partner of record lacked an active partnership
 * with the subscription's seller, or the current MPA for the customer's region, at the moment it
 * was set. Checked right after every accepted command that sets one (an order placed, an order
 * request approved, a partner of record changed), against the database at that moment, with plain
 * table reads (not the services' own fact loaders). Also: the sales chain's reseller is the partner
 * of record, the provider never sells without one, and a failed approval creates no subscription.
 *
 * The world lacks the MPA on purpose: it is built under the program's MPA version, then the
 * program moves to a newer version that the provider, two resellers, the US reseller and the
 * direct-bill partner sign, and Reseller FR 3 does not — it keeps its active partnership and its
 * customers, with an outdated MPA. Another reseller never signed at all; one is in another region.
 * Two order requests wait for approval from the start, so approvals meet partnerships that were
 * suspended or ended since. The first test shows the check is not vacuous: rows written behind the
 * services' back (an outdated MPA, no partnership, another region, a chain naming someone else)
 * and a suspended partnership are each caught.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { signPartnerAgreement } from '../../src/agreements/service.ts';
import { OpenCsp } from '../../src/app/opencsp.ts';
import { seededIds } from '../../src/kernel/ids.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import type { ChainParty, Order } from '../../src/orders/model.ts';
import { approveOrder, cancelOrder, placeOrder, requestOrder } from '../../src/orders/service.ts';
import {
  acceptPartnership,
  endPartnership,
  invitePartnership,
  reactivatePartnership,
  suspendPartnership,
} from '../../src/partnerships/service.ts';
import { defaultProgram } from '../../src/program/load.ts';
import type { Program } from '../../src/program/program.ts';
import type { Subscription } from '../../src/subscriptions/model.ts';
import {
  cancelSubscription,
  changePartnerOfRecord,
  reactivateSubscription,
  suspendSubscription,
} from '../../src/subscriptions/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  connectCustomer,
  connectReseller,
  must,
  type Partner,
} from '../../src/world/builder.ts';
import { SEATS, seedTestCatalog, USAGE } from '../support/commerce.ts';
import { describeEachDatabase, T0, type TestDatabase } from '../support/databases.ts';
import { snapshot } from '../support/snapshot.ts';

const base = defaultProgram();
/** The MPA version the world is built under; superseded before the commands run. */
const OLD_MPA = base.agreements.partner.version;
const MPA = '2026-01-01';
/** The newer MPA (in force before T0), and self-service ending so partnerships can end in a step. */
const program: Program = {
  ...base,
  agreements: {
    ...base.agreements,
    partner: { ...base.agreements.partner, version: MPA, effectiveDate: MPA },
  },
  policies: { ...base.policies, partnershipEnding: 'self-service' },
};
const regionOf = (country: string) => program.catalogue.regionOf(country);
/** A Partner ID nobody has. */
const UNKNOWN_PARTNER_ID = 9_999_999;

interface World {
  readonly csp: OpenCsp;
  readonly operator: Principal;
  readonly provider: Partner;
  /** Reseller FR 1 and 2 (current MPA), 3 (outdated MPA), unsigned (qualified, never signed). */
  readonly r1: Partner;
  readonly r2: Partner;
  readonly r3: Partner;
  readonly unsigned: Partner;
  /** In another region (US), with the current MPA for its own. */
  readonly rUS: Partner;
  readonly direct: Partner;
  readonly customers: Customer[];
  /** Sellers that may be asked to place an order (the provider most often). */
  readonly sellers: Partner[];
  /** Tenants that may request an order. */
  readonly resellers: Partner[];
  /** Partner IDs to name as partner of record (`undefined`: none); the plausible ones most often. */
  readonly partnerIds: (number | undefined)[];
  /** Plausible orders: seller, customer and the partner of record a line names (some still refused). */
  readonly deals: { seller: Partner; customer: Customer; partnerId: number | undefined }[];
  /** Plausible order requests: a reseller and one of its customers. */
  readonly requests: { reseller: Partner; customer: Customer }[];
  /** Every party's global admin by tenant. */
  readonly admins: Map<string, Principal>;
  /** Everyone who may try anything. */
  readonly principals: Principal[];
}

/**
 * One provider in France with three active resellers (two with the current MPA, one with an
 * outdated one), an unsigned reseller, a US reseller, a direct-bill partner and their customers.
 */
async function buildWorld(fresh: OpenCsp, clock: { now: Date }): Promise<World> {
  const ids = seededIds(11);
  const old = new OpenCsp(fresh.store, base, ids, () => clock.now);
  const op = await bootstrap(old);
  await seedTestCatalog(old);
  const add = (
    legalName: string,
    country: string,
    role: 'indirect-provider' | 'indirect-reseller' | 'direct-bill',
    until?: 'qualified',
  ) => addPartner(old, op, { legalName, country, role, ...(until && { until }) });
  const provider = await add('Distributor FR', 'FR', 'indirect-provider');
  const r1 = await add('Reseller FR 1', 'FR', 'indirect-reseller');
  const r2 = await add('Reseller FR 2', 'FR', 'indirect-reseller');
  const r3 = await add('Reseller FR 3', 'FR', 'indirect-reseller');
  const unsigned = await add('Reseller FR unsigned', 'FR', 'indirect-reseller', 'qualified');
  const rUS = await add('Reseller US', 'US', 'indirect-reseller');
  const direct = await add('Direct FR', 'FR', 'direct-bill');
  for (const r of [r1, r2, r3]) await connectReseller(old, provider, r);
  const customer = (legalName: string, country: string) => addCustomer(old, { legalName, country });
  const c1 = await customer('Customer FR 1', 'FR');
  const c2 = await customer('Customer FR 2', 'FR');
  const c3 = await customer('Customer DE 3', 'DE');
  const c4 = await customer('Customer FR 4', 'FR');
  const cUS = await customer('Customer US', 'US');
  await connectCustomer(old, r1, c1, { alsoAuthorize: provider });
  await connectCustomer(old, r2, c1);
  await connectCustomer(old, r2, c2, { alsoAuthorize: provider });
  await connectCustomer(old, r3, c2);
  await connectCustomer(old, r3, c3, { alsoAuthorize: provider });
  await connectCustomer(old, direct, c3);
  await connectCustomer(old, direct, c4);
  await connectCustomer(old, rUS, cUS);
  // The program moves to a newer MPA; everyone but Reseller FR 3 (and the unsigned one) signs it.
  const csp = new OpenCsp(fresh.store, program, ids, () => clock.now);
  for (const p of [provider, r1, r2, rUS, direct])
    must(await csp.execute(signPartnerAgreement, { principal: p.globalAdmin }, { tenantId: p.tenantId }));
  // Two order requests already wait for the provider, so approvals meet partnerships changed since.
  for (const [reseller, customer] of [
    [r1, c1],
    [r2, c2],
  ] as const)
    must(
      await csp.execute(
        requestOrder,
        { principal: reseller.globalAdmin },
        {
          providerTenantId: provider.tenantId,
          customerTenantId: customer.tenantId,
          lines: [line({ usage: false, quantity: 3 }, undefined)],
        },
      ),
    );
  const parties = [provider, r1, r2, r3, unsigned, rUS, direct, c1, c2, c3, c4, cUS];
  const customers = [c1, c2, c3, c4, cUS];
  return {
    csp,
    operator: op.principal,
    provider,
    r1,
    r2,
    r3,
    unsigned,
    rUS,
    direct,
    customers,
    sellers: [provider, provider, provider, direct, r1],
    resellers: [r1, r2, r3, unsigned, rUS],
    partnerIds: [
      ...[r1, r2, r3, r1, r2, r3].map((r) => r.partnerId),
      ...[unsigned, rUS, provider, direct].map((p) => p.partnerId),
      undefined,
      UNKNOWN_PARTNER_ID,
    ],
    deals: [
      { seller: provider, customer: c1, partnerId: r1.partnerId },
      { seller: provider, customer: c1, partnerId: r2.partnerId },
      { seller: provider, customer: c2, partnerId: r2.partnerId },
      { seller: provider, customer: c2, partnerId: r3.partnerId },
      { seller: provider, customer: c3, partnerId: r3.partnerId },
      { seller: provider, customer: c1, partnerId: r3.partnerId },
      { seller: provider, customer: c2, partnerId: unsigned.partnerId },
      { seller: direct, customer: c3, partnerId: undefined },
      { seller: direct, customer: c4, partnerId: undefined },
    ],
    requests: [
      { reseller: r1, customer: c1 },
      { reseller: r2, customer: c1 },
      { reseller: r2, customer: c2 },
      { reseller: r3, customer: c2 },
      { reseller: r3, customer: c3 },
      { reseller: unsigned, customer: c1 },
      { reseller: rUS, customer: cUS },
    ],
    admins: new Map(parties.map((p) => [p.tenantId as string, p.globalAdmin])),
    principals: [op.principal, ...parties.map((p) => p.globalAdmin)],
  };
}

interface LineStep {
  readonly usage: boolean;
  /** Name `partnerId` (any Partner ID) instead of the deal's partner of record. */
  readonly stray: boolean;
  readonly partnerId: number;
  readonly quantity: number;
}

type Step =
  | {
      kind: 'place-order';
      /** A plausible deal, or (`scramble`) any seller, customer and Partner IDs. */
      deal: number;
      scramble: boolean;
      seller: number;
      customer: number;
      lines: LineStep[];
      actor: number;
    }
  | {
      kind: 'request-order';
      /** A plausible request, or (`scramble`) any reseller and customer. */
      request: number;
      scramble: boolean;
      reseller: number;
      provider: number;
      customer: number;
      usage: boolean;
      /** 0: no partnerIdOnRecord on the line, 1: the reseller's own, 2: another Partner ID. */
      naming: number;
      partnerId: number;
      actor: number;
    }
  | { kind: 'approve-order' | 'cancel-order'; pick: number; actor: number }
  | {
      kind: 'change-partner-of-record';
      pick: number;
      /** One of the provider's live subscriptions and a FR reseller, or (`scramble`) anything. */
      scramble: boolean;
      partnerId: number;
      actor: number;
    }
  | {
      kind: 'suspend-subscription' | 'reactivate-subscription' | 'cancel-subscription';
      pick: number;
      actor: number;
    }
  | {
      kind: 'suspend-partnership' | 'reactivate-partnership' | 'end-partnership';
      pick: number;
      actor: number;
    }
  | { kind: 'invite-partnership'; reseller: number; actor: number }
  | { kind: 'accept-partnership'; pick: number; actor: number }
  | { kind: 'sign-mpa'; reseller: number }
  | { kind: 'advance-clock'; days: number };

const idx = fc.nat({ max: 20 });
/** Actor picks: most of the time (values 0–15) the party that should act, otherwise anyone. */
const rightActor = (i: number) => i <= 15;
/** True about one time in `n`. */
const oneIn = (n: number) => fc.nat({ max: n - 1 }).map((k) => k === 0);
const lineArb: fc.Arbitrary<LineStep> = fc.record({
  usage: oneIn(5),
  stray: oneIn(6),
  partnerId: idx,
  quantity: fc.integer({ min: 1, max: 5 }),
});
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('place-order' as const),
      deal: idx,
      scramble: oneIn(5),
      seller: idx,
      customer: idx,
      lines: fc.array(lineArb, { minLength: 1, maxLength: 2 }),
      actor: idx,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('request-order' as const),
      request: idx,
      scramble: oneIn(5),
      reseller: idx,
      provider: fc.nat({ max: 3 }),
      customer: idx,
      usage: fc.boolean(),
      naming: fc.nat({ max: 5 }).map((n) => (n < 3 ? 0 : n < 5 ? 1 : 2)),
      partnerId: idx,
      actor: idx,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('approve-order' as const), pick: idx, actor: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel-order' as const), pick: idx, actor: idx }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('change-partner-of-record' as const),
      pick: idx,
      scramble: oneIn(4),
      partnerId: idx,
      actor: idx,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'suspend-subscription' as const,
        'reactivate-subscription' as const,
        'cancel-subscription' as const,
      ),
      pick: idx,
      actor: idx,
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'suspend-partnership' as const,
        'suspend-partnership' as const,
        'reactivate-partnership' as const,
        'reactivate-partnership' as const,
        'end-partnership' as const,
      ),
      pick: idx,
      actor: idx,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('invite-partnership' as const), reseller: idx, actor: idx }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('accept-partnership' as const), pick: idx, actor: idx }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sign-mpa' as const), reseller: idx }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('advance-clock' as const),
      days: fc.integer({ min: 1, max: 60 }),
    }),
  },
);

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** A seats line (1 year, billed monthly) or the usage-based plan. */
function line(l: { usage: boolean; quantity: number }, partnerIdOnRecord: number | undefined) {
  return {
    catalogItemId: l.usage ? USAGE : SEATS,
    quantity: l.usage ? 1 : l.quantity,
    billingCycle: 'monthly',
    ...(!l.usage && { termDuration: 'P1Y' }),
    ...(partnerIdOnRecord !== undefined && { partnerIdOnRecord }),
  };
}

/** What a step did, for the checks: the subscriptions whose partner of record it set. */
interface Ran {
  readonly outcome: Outcome<unknown> | undefined;
  readonly setPartnerOfRecord: readonly string[];
  /** An approval that failed the order (accepted, but it must create no subscription). */
  readonly failedOrderId?: string;
}

const subscriptionsOf = (o: Order) =>
  o.status === 'completed' ? o.lines.map((l) => l.subscriptionId as string) : [];

/** Runs one step at `clock.now`. */
async function run(w: World, clock: { now: Date }, s: Step): Promise<Ran> {
  const as = (principal: Principal) => ({ principal, now: clock.now });
  const anyone = (i: number) => at(w.principals, i);
  const adminOf = (tenantId: string | null) => (tenantId === null ? undefined : w.admins.get(tenantId));
  const none: Ran = { outcome: undefined, setPartnerOfRecord: [] };
  const db = w.csp.store.db;
  switch (s.kind) {
    case 'advance-clock':
      clock.now = new Date(clock.now.getTime() + s.days * 86_400_000);
      return none;
    case 'place-order': {
      const deal = at(w.deals, s.deal);
      const seller = s.scramble ? at(w.sellers, s.seller) : deal.seller;
      const customer = s.scramble ? at(w.customers, s.customer) : deal.customer;
      const outcome = await w.csp.execute(
        placeOrder,
        as(rightActor(s.actor) ? seller.globalAdmin : anyone(s.actor)),
        {
          sellerTenantId: seller.tenantId,
          customerTenantId: customer.tenantId,
          lines: s.lines.map((l) =>
            line(l, s.scramble || l.stray ? at(w.partnerIds, l.partnerId) : deal.partnerId),
          ),
        },
      );
      return { outcome, setPartnerOfRecord: outcome.ok ? subscriptionsOf(outcome.value) : [] };
    }
    case 'request-order': {
      const request = at(w.requests, s.request);
      const reseller = s.scramble ? at(w.resellers, s.reseller) : request.reseller;
      const customer = s.scramble ? at(w.customers, s.customer) : request.customer;
      const named =
        s.naming === 0 ? undefined : s.naming === 1 ? reseller.partnerId : at(w.partnerIds, s.partnerId);
      const outcome = await w.csp.execute(
        requestOrder,
        as(rightActor(s.actor) ? reseller.globalAdmin : anyone(s.actor)),
        {
          providerTenantId: (s.scramble ? at([w.provider, w.direct], s.provider) : w.provider).tenantId,
          customerTenantId: customer.tenantId,
          lines: [line({ usage: s.usage, quantity: 2 }, named)],
        },
      );
      return { outcome, setPartnerOfRecord: [] };
    }
    case 'approve-order':
    case 'cancel-order': {
      const pending = await db
        .selectFrom('orders')
        .select(['id', 'seller_tenant_id', 'requested_by_tenant_id'])
        .where('status', '=', 'pending')
        .orderBy('id')
        .execute();
      if (pending.length === 0) return none;
      const order = at(pending, s.pick);
      const right =
        s.kind === 'cancel-order' && s.actor % 2 === 1
          ? adminOf(order.requested_by_tenant_id)
          : adminOf(order.seller_tenant_id);
      const who = rightActor(s.actor) && right ? right : anyone(s.actor);
      if (s.kind === 'cancel-order')
        return {
          outcome: await w.csp.execute(cancelOrder, as(who), { orderId: order.id }),
          setPartnerOfRecord: [],
        };
      const outcome = await w.csp.execute(approveOrder, as(who), { orderId: order.id });
      if (!outcome.ok) return { outcome, setPartnerOfRecord: [] };
      return {
        outcome,
        setPartnerOfRecord: subscriptionsOf(outcome.value),
        ...(outcome.value.status === 'failed' && { failedOrderId: order.id }),
      };
    }
    case 'change-partner-of-record':
    case 'suspend-subscription':
    case 'reactivate-subscription':
    case 'cancel-subscription': {
      const plausible = s.kind === 'change-partner-of-record' && !s.scramble;
      const subs = await db
        .selectFrom('subscriptions')
        .select(['id', 'seller_tenant_id'])
        .$if(plausible, (q) =>
          q
            .where('seller_tenant_id', '=', w.provider.tenantId)
            .where('status', 'in', ['active', 'suspended']),
        )
        .orderBy('id')
        .execute();
      if (subs.length === 0) return none;
      const sub = at(subs, s.pick);
      const seller = adminOf(sub.seller_tenant_id);
      const who = rightActor(s.actor) && seller ? seller : anyone(s.actor);
      if (s.kind === 'change-partner-of-record') {
        const partnerId = plausible
          ? at([w.r1, w.r2, w.r3], s.partnerId).partnerId
          : (at(w.partnerIds, s.partnerId) ?? UNKNOWN_PARTNER_ID);
        const outcome = await w.csp.execute(changePartnerOfRecord, as(who), {
          subscriptionId: sub.id,
          partnerId,
        });
        return { outcome, setPartnerOfRecord: outcome.ok ? [(outcome.value as Subscription).id] : [] };
      }
      const cmd =
        s.kind === 'suspend-subscription'
          ? suspendSubscription
          : s.kind === 'reactivate-subscription'
            ? reactivateSubscription
            : cancelSubscription;
      return {
        outcome: await w.csp.execute(cmd, as(who), { subscriptionId: sub.id }),
        setPartnerOfRecord: [],
      };
    }
    case 'suspend-partnership':
    case 'reactivate-partnership':
    case 'end-partnership':
    case 'accept-partnership': {
      const rows = await db
        .selectFrom('partnerships')
        .select(['id', 'provider_tenant_id', 'reseller_tenant_id', 'invitation_token'])
        .orderBy('id')
        .execute();
      if (rows.length === 0) return none;
      const p = at(rows, s.pick);
      if (s.kind === 'accept-partnership') {
        const reseller = adminOf(p.reseller_tenant_id);
        const who = rightActor(s.actor) && reseller ? reseller : anyone(s.actor);
        return {
          outcome: await w.csp.execute(acceptPartnership, as(who), { token: p.invitation_token }),
          setPartnerOfRecord: [],
        };
      }
      const provider = adminOf(p.provider_tenant_id);
      const who = rightActor(s.actor) && provider ? provider : anyone(s.actor);
      const cmd =
        s.kind === 'suspend-partnership'
          ? suspendPartnership
          : s.kind === 'reactivate-partnership'
            ? reactivatePartnership
            : endPartnership;
      return { outcome: await w.csp.execute(cmd, as(who), { partnershipId: p.id }), setPartnerOfRecord: [] };
    }
    case 'invite-partnership':
      return {
        outcome: await w.csp.execute(
          invitePartnership,
          as(rightActor(s.actor) ? w.provider.globalAdmin : anyone(s.actor)),
          { providerTenantId: w.provider.tenantId, resellerTenantId: at(w.resellers, s.reseller).tenantId },
        ),
        setPartnerOfRecord: [],
      };
    case 'sign-mpa': {
      const r = at([w.r3, w.unsigned, w.r3, w.r1], s.reseller);
      return {
        outcome: await w.csp.execute(signPartnerAgreement, as(r.globalAdmin), { tenantId: r.tenantId }),
        setPartnerOfRecord: [],
      };
    }
  }
}

const ms = (instant: string) => new Date(instant).getTime();

/**
 * The invariant for these subscriptions, at `now`, from plain table reads: each breach as a
 * human-readable line (empty when all hold).
 */
async function partnerOfRecordBreaches(
  w: World,
  subscriptionIds: readonly string[],
  now: Date,
): Promise<string[]> {
  const db = w.csp.store.db;
  const out: string[] = [];
  for (const id of subscriptionIds) {
    const s = await db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s) {
      out.push(`subscription ${id} does not exist`);
      continue;
    }
    const chain = JSON.parse(s.sales_chain) as ChainParty[];
    const chainResellers = chain.filter((p) => p.role === 'indirect-reseller');
    const porTenant = s.partner_tenant_id;
    if (porTenant === null) {
      if (s.partner_id !== null) out.push(`subscription ${id}: Partner ID ${s.partner_id} without a tenant`);
      if (chainResellers.length > 0) out.push(`subscription ${id}: a reseller in the chain, none of record`);
      if (s.seller_tenant_id === w.provider.tenantId)
        out.push(`subscription ${id}: sold by the provider without a partner of record`);
      continue;
    }
    const partnerId = Number(s.partner_id);
    const [onChain] = chainResellers;
    if (chainResellers.length !== 1 || onChain?.tenantId !== porTenant || onChain.partnerId !== partnerId)
      out.push(
        `subscription ${id}: sales chain reseller ${onChain?.tenantId} is not partner of record ${porTenant}`,
      );
    const names = chain.map((p) => p.tenantId);
    const seat = names.indexOf(porTenant);
    if (names[seat - 1] !== s.seller_tenant_id || names[seat + 1] !== s.customer_tenant_id)
      out.push(`subscription ${id}: the chain is not seller → partner of record → customer`);
    const location = await db
      .selectFrom('partner_locations')
      .select('partner_id')
      .where('tenant_id', '=', porTenant)
      .executeTakeFirst();
    if (Number(location?.partner_id) !== partnerId)
      out.push(`subscription ${id}: Partner ID ${partnerId} is not tenant ${porTenant}'s`);
    const partnerships = await db
      .selectFrom('partnerships')
      .select('state')
      .where('provider_tenant_id', '=', s.seller_tenant_id)
      .where('reseller_tenant_id', '=', porTenant)
      .execute();
    if (!partnerships.some((p) => p.state === 'active'))
      out.push(
        `subscription ${id}: partner of record ${porTenant} has no active partnership with seller ${s.seller_tenant_id} (${partnerships.map((p) => p.state).join(',') || 'none'})`,
      );
    const tenants = await db
      .selectFrom('tenants')
      .select(['id', 'organization_id', 'country'])
      .where('id', 'in', [porTenant, s.customer_tenant_id])
      .execute();
    const por = tenants.find((t) => t.id === porTenant);
    const customer = tenants.find((t) => t.id === s.customer_tenant_id);
    const region = customer && regionOf(customer.country);
    if (!por || !region || regionOf(por.country) !== region)
      out.push(
        `subscription ${id}: partner of record ${porTenant} is not in the customer's region ${region}`,
      );
    const signed = await db
      .selectFrom('agreement_acceptances')
      .select(['version', 'recorded_at'])
      .where('agreement', '=', 'partner')
      .where('organization_id', '=', por?.organization_id ?? '')
      .where('region', '=', region ?? '')
      .where('version', '=', program.agreements.partner.version)
      .execute();
    if (!signed.some((a) => ms(a.recorded_at) <= now.getTime()))
      out.push(
        `subscription ${id}: partner of record ${porTenant} has not signed MPA ${MPA} for region ${region}`,
      );
  }
  return out;
}

/** Cheap, after every step: every subscription's sales-chain reseller is its partner of record. */
async function chainBreaches(w: World): Promise<string[]> {
  const rows = await w.csp.store.db
    .selectFrom('subscriptions')
    .select(['id', 'partner_id', 'partner_tenant_id', 'sales_chain'])
    .execute();
  return rows.flatMap((s) => {
    const resellers = (JSON.parse(s.sales_chain) as ChainParty[]).filter(
      (p) => p.role === 'indirect-reseller',
    );
    const expected =
      s.partner_tenant_id === null
        ? []
        : [{ tenantId: s.partner_tenant_id, partnerId: Number(s.partner_id) }];
    const actual = resellers.map((p) => ({ tenantId: p.tenantId, partnerId: p.partnerId }));
    return JSON.stringify(actual) === JSON.stringify(expected)
      ? []
      : [
          `subscription ${s.id}: chain resellers ${JSON.stringify(actual)}, of record ${JSON.stringify(expected)}`,
        ];
  });
}

async function freshWorld(db: TestDatabase) {
  const clock = { now: T0 };
  return { clock, w: await buildWorld(await db.fresh(), clock) };
}

describeEachDatabase('commerce invariants under random command sequences', (db) => {
  it('the check catches a partner of record without the MPA, the partnership or the chain', async () => {
    const { clock, w } = await freshWorld(db);
    const as = (principal: Principal) => ({ principal, now: clock.now });
    const order = (partnerIdOnRecord: number, customer = w.customers[0] as Customer) =>
      w.csp.execute(placeOrder, as(w.provider.globalAdmin), {
        sellerTenantId: w.provider.tenantId,
        customerTenantId: customer.tenantId,
        lines: [line({ usage: false, quantity: 1 }, partnerIdOnRecord)],
      });
    // The world is as described: Reseller FR 3 is partnered but its MPA is outdated.
    const r3 = await order(w.r3.partnerId, w.customers[1]);
    expect(r3.ok ? [] : r3.violations.map((v) => v.code)).toEqual(['RESELLER_MPA_NOT_SIGNED']);
    const placed = must(await order(w.r1.partnerId));
    const id = placed.lines[0]?.subscriptionId as string;
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([]);
    expect(
      await w.csp.store.db
        .selectFrom('agreement_acceptances')
        .select('version')
        .where('organization_id', '=', w.r3.organizationId)
        .execute(),
    ).toEqual([{ version: OLD_MPA }]);
    const db_ = w.csp.store.db;
    const chainWith = (p: Partner) =>
      JSON.stringify(
        placed.lines[0]?.salesChain.map((c) =>
          c.role === 'indirect-reseller' ? { ...c, tenantId: p.tenantId, partnerId: p.partnerId } : c,
        ),
      );
    const moveTo = (p: Partner, chain = chainWith(p)) =>
      db_
        .updateTable('subscriptions')
        .set({ partner_id: p.partnerId, partner_tenant_id: p.tenantId, sales_chain: chain })
        .where('id', '=', id)
        .execute();
    // Written behind the services' back: an outdated MPA…
    await moveTo(w.r3);
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([
      expect.stringContaining(`has not signed MPA ${MPA}`),
    ]);
    // …no partnership and no MPA at all…
    await moveTo(w.unsigned);
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([
      expect.stringContaining('has no active partnership'),
      expect.stringContaining('has not signed MPA'),
    ]);
    // …another region (its MPA is for its own)…
    await moveTo(w.rUS);
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([
      expect.stringContaining('has no active partnership'),
      expect.stringContaining("not in the customer's region"),
      expect.stringContaining('has not signed MPA'),
    ]);
    // …a chain that names someone else…
    await moveTo(w.r2, chainWith(w.r1));
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([
      expect.stringContaining('sales chain reseller'),
      expect.stringContaining('not seller → partner of record → customer'),
    ]);
    expect(await chainBreaches(w)).toEqual([expect.stringContaining('chain resellers')]);
    // …and a suspended partnership, through the service.
    await moveTo(w.r1);
    const partnership = await db_
      .selectFrom('partnerships')
      .select('id')
      .where('reseller_tenant_id', '=', w.r1.tenantId)
      .executeTakeFirstOrThrow();
    must(
      await w.csp.execute(suspendPartnership, as(w.provider.globalAdmin), { partnershipId: partnership.id }),
    );
    expect(await partnerOfRecordBreaches(w, [id], clock.now)).toEqual([
      expect.stringContaining('has no active partnership with seller'),
    ]);
    expect(await chainBreaches(w)).toEqual([]);
  });

  const runs = db.name === 'sqlite' ? 40 : 12;
  it(`holds over ${runs} random sequences of up to 30 commands, and refusals write nothing`, async () => {
    let accepted = 0;
    let refused = 0;
    let checked = 0;
    let commands = 0;
    const tally = new Map<string, number>();
    const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 10, maxLength: 30, size: 'max' }), async (steps) => {
        const { clock, w } = await freshWorld(db);
        for (const s of steps) {
          const before = await snapshot(w.csp.store);
          const ran = await run(w, clock, s);
          const outcome = ran.outcome;
          if (outcome) commands++;
          if (outcome && !outcome.ok) {
            refused++;
            for (const v of outcome.violations) count(v.code);
            expect(
              await snapshot(w.csp.store),
              `${s.kind} refused with ${outcome.violations.map((v) => v.code).join(',')} but wrote`,
            ).toEqual(before);
          } else if (outcome) {
            accepted++;
            count(`ok:${s.kind}`);
            checked += ran.setPartnerOfRecord.length;
            expect(
              await partnerOfRecordBreaches(w, ran.setPartnerOfRecord, clock.now),
              `${s.kind} at ${clock.now.toISOString()}`,
            ).toEqual([]);
            if (ran.failedOrderId) {
              count('failed:approve-order');
              for (const v of (outcome.value as Order).failure ?? []) count(`failed:${v.code}`);
              const made = await w.csp.store.db
                .selectFrom('subscriptions')
                .select('id')
                .where('order_id', '=', ran.failedOrderId)
                .execute();
              expect(made, 'a failed order created subscriptions').toEqual([]);
            }
          }
          expect(await chainBreaches(w)).toEqual([]);
        }
      }),
      { numRuns: runs, seed: 20261126, endOnFailure: true },
    );
    if (process.env.OPENCSP_PROPERTY_TALLY)
      console.log(db.name, { commands, accepted, refused, checked }, Object.fromEntries([...tally].sort()));
    // The generator must exercise both paths and reach the guarded boundary, or the property proves nothing.
    expect(accepted).toBeGreaterThan(runs);
    expect(refused).toBeGreaterThan(runs);
    expect(checked).toBeGreaterThan(runs);
    for (const key of [
      'ok:place-order',
      'ok:approve-order',
      'ok:change-partner-of-record',
      'failed:approve-order',
      'RESELLER_MPA_NOT_SIGNED',
      'NO_ACTIVE_PARTNERSHIP',
    ])
      expect(tally.get(key), key).toBeGreaterThan(0);
  }, 300_000);
});
