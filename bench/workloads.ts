/**
 * The in-process workloads over a bulk world, and the raw ceilings they are compared with.
 * Every operation goes through the runtime as a caller would (`csp.query` / `csp.execute`, with
 * the acting partner's principal), except `explainPure`, which times the pure decision alone.
 */
import { sql } from 'kysely';
import type { QueryContext } from '../src/app/context.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { findSkuInMarket } from '../src/catalog/store.ts';
import { acceptCustomerInvitation, inviteCustomer } from '../src/customers/service.ts';
import {
  hasCustomerRelationship,
  isResellerOf,
  isResellersCustomer,
  loadCustomerFacts,
  loadPartnerFacts,
  partnershipState,
} from '../src/decisions/facts.ts';
import { explainOrderLine } from '../src/decisions/service.ts';
import type { Principal } from '../src/kernel/principal.ts';
import { checkCatalogLine } from '../src/orders/rules.ts';
import { placeOrder } from '../src/orders/service.ts';
import { decideOrderLine, type OrderLineFacts } from '../src/rules/decisions.ts';
import { listSubscriptions } from '../src/subscriptions/service.ts';
import { userPrincipal } from '../src/world/builder.ts';
import {
  type BulkOrderLine,
  type BulkPartner,
  type BulkWorld,
  type CustomerChain,
  chainsOf,
} from '../src/world/bulk.ts';
import { type Figure, type MeasureOptions, measure, measureSync, pick, random } from './measure.ts';

export const admin = (p: BulkPartner): Principal =>
  userPrincipal(p.adminUserId as never, p.tenantId as never, ['global-admin']);

/** One (seller, customer, offer, partner of record) tuple. */
export interface Tuple {
  readonly seller: BulkPartner;
  readonly customer: number;
  readonly customerTenantId: string;
  readonly country: string;
  readonly partnerOfRecord: BulkPartner | undefined;
  readonly offer: BulkOrderLine;
  /** A real chain of the world (the decision allows it), rather than a random combination. */
  readonly inChain: boolean;
}

/** Picks tuples from a world: in-chain ones (a customer with its seller and reseller) and random ones. */
export class Tuples {
  private readonly chainOf: (g: number) => CustomerChain | undefined;
  private readonly sellers: readonly BulkPartner[];
  private readonly providers: ReadonlySet<BulkPartner>;

  constructor(
    readonly world: BulkWorld,
    private readonly rnd: () => number,
  ) {
    this.chainOf = chainsOf(world);
    this.sellers = [...world.providers, ...world.directBill];
    this.providers = new Set(world.providers);
  }

  private offer(country: string): BulkOrderLine {
    const offers = this.world.offers[country] ?? [];
    return offers[pick(this.rnd, offers.length)] as BulkOrderLine;
  }

  private countryOf(g: number): string {
    const countries = this.world.spec.countries;
    return countries[g % countries.length] as string;
  }

  /** A customer with its seller and (indirect chain) reseller. */
  inChain(): Tuple {
    for (;;) {
      const g = pick(this.rnd, this.world.customerTenantIds.length);
      const chain = this.chainOf(g);
      if (!chain) continue;
      return {
        seller: chain.seller,
        customer: g,
        customerTenantId: this.world.customerTenantIds[g] as string,
        country: chain.country,
        partnerOfRecord: chain.partnerOfRecord,
        offer: this.offer(chain.country),
        inChain: true,
      };
    }
  }

  /** Any seller, any customer, any reseller (for a provider): mostly refused, for every reason. */
  anyTuple(): Tuple {
    const seller = this.sellers[pick(this.rnd, this.sellers.length)] as BulkPartner;
    const g = pick(this.rnd, this.world.customerTenantIds.length);
    const por = this.providers.has(seller)
      ? this.world.resellers[pick(this.rnd, this.world.resellers.length)]
      : undefined;
    const country = this.countryOf(g);
    return {
      seller,
      customer: g,
      customerTenantId: this.world.customerTenantIds[g] as string,
      country,
      partnerOfRecord: por,
      offer: this.offer(country),
      inChain: false,
    };
  }

  /** Half in-chain, half random. */
  next(): Tuple {
    return this.rnd() < 0.5 ? this.inChain() : this.anyTuple();
  }
}

export function orderInput(t: Tuple) {
  return {
    sellerTenantId: t.seller.tenantId,
    customerTenantId: t.customerTenantId,
    lines: [
      {
        catalogItemId: t.offer.catalogItemId,
        quantity: t.offer.quantity,
        billingCycle: t.offer.billingCycle,
        ...(t.offer.termDuration !== null && { termDuration: t.offer.termDuration }),
        ...(t.partnerOfRecord && { partnerIdOnRecord: t.partnerOfRecord.partnerId }),
      },
    ],
  };
}

export function explainInput(t: Tuple) {
  return {
    sellerTenantId: t.seller.tenantId,
    customerTenantId: t.customerTenantId,
    ...(t.partnerOfRecord && { partnerIdOnRecord: t.partnerOfRecord.partnerId }),
  };
}

// ---------------------------------------------------------------------------------------------
// Ceilings.

/** A raw single-row insert, one durable transaction each, through the same store. */
export async function rawInsertCeiling(csp: OpenCsp, options: MeasureOptions, tag: string): Promise<Figure> {
  await sql`CREATE TABLE IF NOT EXISTS bench_ceiling (id TEXT PRIMARY KEY, v TEXT NOT NULL)`.execute(
    csp.store.db,
  );
  return measure(options, (i) =>
    csp.store.write(async (tx) => {
      await sql`INSERT INTO bench_ceiling (id, v) VALUES (${`${tag}-${i}`}, ${'x'})`.execute(tx);
      return { commit: true, value: true };
    }),
  );
}

/** A raw point read (a customer tenant by id) in a read transaction, through the same store. */
export function rawReadCeiling(csp: OpenCsp, world: BulkWorld, options: MeasureOptions): Promise<Figure> {
  const rnd = random(11);
  const ids = world.customerTenantIds;
  return measure(options, () =>
    csp.store.read(async (tx) => {
      const row = await tx
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', ids[pick(rnd, ids.length)] as string)
        .executeTakeFirst();
      return row !== undefined;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Workloads.

/** `explainOrderLine` as a partner asks it: facts loaded from the database in a read snapshot, then decided. */
export function explainQuery(csp: OpenCsp, tuples: Tuples, options: MeasureOptions): Promise<Figure> {
  return measure(options, async () => explainOnce(csp, tuples.next()));
}

async function explainOnce(csp: OpenCsp, t: Tuple): Promise<boolean> {
  const out = await csp.query(explainOrderLine, { principal: admin(t.seller) }, explainInput(t));
  return out.ok && (!t.inChain || out.value.allowed);
}

interface LoadedTuple {
  readonly tuple: Tuple;
  readonly facts: OrderLineFacts;
  readonly catalog: Awaited<ReturnType<typeof findSkuInMarket>>;
}

/** The facts `orderLineDecision` loads for a tuple, and the offer's catalog facts. */
async function loadTuple(csp: OpenCsp, t: Tuple): Promise<LoadedTuple> {
  return csp.store.read(async (tx) => {
    const ctx: QueryContext = {
      principal: admin(t.seller),
      requestId: 'bench',
      now: csp.now(),
      program: csp.program,
      tx,
    };
    const seller = await loadPartnerFacts(ctx, t.seller.tenantId);
    const customer = await loadCustomerFacts(ctx, t.customerTenantId);
    const por = t.partnerOfRecord && (await loadPartnerFacts(ctx, t.partnerOfRecord.tenantId));
    if (!seller || !customer) throw new Error('bench tuple names a missing tenant');
    const facts: OrderLineFacts = {
      seller,
      customer,
      partnerOfRecord: por,
      sellerHasCustomerRelationship: await hasCustomerRelationship(ctx, seller.tenantId, customer.tenantId),
      partnerOfRecordHasCustomerRelationship: por
        ? await hasCustomerRelationship(ctx, por.tenantId, customer.tenantId)
        : false,
      partnership: por ? await partnershipState(ctx, seller.tenantId, por.tenantId) : 'none',
      customerIsResellersCustomer: await isResellersCustomer(ctx, seller.tenantId, customer.tenantId),
      customerIsResellerOfSeller: await isResellerOf(ctx, customer.tenantId, seller.tenantId),
    };
    return { tuple: t, facts, catalog: await findSkuInMarket(tx, t.offer.catalogItemId, customer.country) };
  });
}

/**
 * The pure decision over pre-loaded facts: `decideOrderLine` (channel rules) and `checkCatalogLine`
 * (the offer in the customer's market), for `sample` tuples loaded beforehand.
 */
export async function explainPure(
  csp: OpenCsp,
  tuples: Tuples,
  load: { readonly sample: number; readonly maxLoadMs: number },
  options: Omit<MeasureOptions, 'concurrency'>,
): Promise<Figure & { readonly sample: number }> {
  // Loading is the query path's work; on a world where it is slow, a smaller sample is enough.
  const loaded: LoadedTuple[] = [];
  const until = performance.now() + load.maxLoadMs;
  while (loaded.length < load.sample && (loaded.length < 50 || performance.now() < until))
    loaded.push(await loadTuple(csp, tuples.next()));
  const now = csp.now();
  const program = csp.program;
  const figure = measureSync(options, (i) => {
    const { tuple: t, facts, catalog } = loaded[i % loaded.length] as LoadedTuple;
    const decision = decideOrderLine(program, facts, now);
    const market = program.catalogue.market(facts.customer.country);
    const sellers = [t.seller.tenantId, ...(t.partnerOfRecord ? [t.partnerOfRecord.tenantId] : [])];
    const checked = market ? checkCatalogLine(t.offer, catalog, market, sellers, 'lines[0]') : undefined;
    return !t.inChain || (decision.allowed && checked?.violations.length === 0);
  });
  return { ...figure, sample: loaded.length };
}

/** `placeOrder` for an in-chain tuple: one line, its subscription and ledger events, committed durably. */
export function orders(csp: OpenCsp, tuples: Tuples, options: MeasureOptions): Promise<Figure> {
  return measure(options, () => orderOnce(csp, tuples.inChain()));
}

async function orderOnce(csp: OpenCsp, t: Tuple): Promise<boolean> {
  const out = await csp.execute(placeOrder, { principal: admin(t.seller) }, orderInput(t));
  if (!out.ok) console.error(`bench: order refused: ${out.violations.map((v) => v.code).join(', ')}`);
  return out.ok;
}

/**
 * A new reseller relationship: a reseller of the customer's country that does not serve it yet
 * invites it, and the customer's global admin accepts (two commands).
 */
/** (reseller, customer) pairs related by earlier changes in this process (any pass, any database). */
const taken = new Set<string>();

class RelationshipChanges {
  private readonly resellersIn = new Map<string, BulkPartner[]>();

  constructor(
    private readonly csp: OpenCsp,
    private readonly tuples: Tuples,
    private readonly rnd: () => number,
  ) {
    for (const r of tuples.world.resellers) {
      const list = this.resellersIn.get(r.country) ?? [];
      list.push(r);
      this.resellersIn.set(r.country, list);
    }
  }

  async once(): Promise<boolean> {
    const t = this.tuples.inChain();
    const candidates = this.resellersIn.get(t.country) ?? [];
    let reseller: BulkPartner | undefined;
    for (let tries = 0; tries < 20 && !reseller; tries++) {
      const r = candidates[pick(this.rnd, candidates.length)];
      const key = `${r?.tenantId}/${t.customerTenantId}`;
      if (r && r !== t.partnerOfRecord && !taken.has(key)) {
        taken.add(key);
        reseller = r;
      }
    }
    if (!reseller) return true;
    const invited = await this.csp.execute(
      inviteCustomer,
      { principal: admin(reseller) },
      {
        partnerTenantId: reseller.tenantId,
        customerTenantId: t.customerTenantId,
        requestDelegatedAdmin: true,
      },
    );
    if (!invited.ok) return this.refused('invite', invited.violations);
    const customerAdmin = userPrincipal(
      this.tuples.world.customerAdminUserIds[t.customer] as never,
      t.customerTenantId as never,
      ['global-admin'],
    );
    const accepted = await this.csp.execute(
      acceptCustomerInvitation,
      { principal: customerAdmin },
      { token: invited.value.token, customerTenantId: t.customerTenantId },
    );
    return accepted.ok || this.refused('accept', accepted.violations);
  }

  private reported = false;

  private refused(what: string, violations: readonly { code: string }[]): false {
    if (!this.reported)
      console.error(`bench: relationship ${what} refused: ${violations.map((v) => v.code).join(', ')}`);
    this.reported = true;
    return false;
  }
}

/** The share of each operation in `mixed`. */
export const MIX = { explain: 0.4, read: 0.4, order: 0.15, relationship: 0.05 } as const;

/**
 * 80 % reads and explains (half `explainOrderLine`, half a seller listing a customer's
 * subscriptions), 15 % orders, 5 % relationship changes.
 */
export function mixed(csp: OpenCsp, tuples: Tuples, options: MeasureOptions, seed: number): Promise<Figure> {
  const rnd = random(seed * 7919);
  const changes = new RelationshipChanges(csp, tuples, rnd);
  return measure(options, async () => {
    const r = rnd();
    if (r < MIX.explain) return explainOnce(csp, tuples.next());
    if (r < MIX.explain + MIX.read) {
      const t = tuples.inChain();
      const out = await csp.query(
        listSubscriptions,
        { principal: admin(t.seller) },
        { customerTenantId: t.customerTenantId, limit: 10 },
      );
      return out.ok;
    }
    if (r < MIX.explain + MIX.read + MIX.order) return orderOnce(csp, tuples.inChain());
    return changes.once();
  });
}
