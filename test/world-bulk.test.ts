/**
 * The bulk world generator (`src/world/bulk.ts`) writes what the world builder's commands write:
 * the same tables, row counts and row shapes (which columns are null, the states, roles, types and
 * codes, the ledger's event types, principals and payload fields), and the schema ends as the
 * migrations left it. Over a bulk world the services behave as over a command-built one: standing,
 * explain, order placement and listings.
 */
import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { closeBillingPeriod } from '../src/billing/close.ts';
import { importCatalog, loadDemoCatalog } from '../src/catalog/service.ts';
import { listCustomers } from '../src/customers/service.ts';
import { explainOrderLine } from '../src/decisions/service.ts';
import { SYSTEM } from '../src/kernel/principal.ts';
import { listOrders, placeOrder } from '../src/orders/service.ts';
import { listIndirectResellers } from '../src/partnerships/service.ts';
import { getStanding } from '../src/standing/service.ts';
import { TABLES } from '../src/store/schema.ts';
import { listSubscriptions } from '../src/subscriptions/service.ts';
import { buildWorld, must, userPrincipal } from '../src/world/builder.ts';
import {
  type BulkOrderLine,
  type BulkPartner,
  type BulkSpec,
  type BulkWorld,
  chainsOf,
  generateBulkWorld,
} from '../src/world/bulk.ts';
import { describeEachDatabase, type TestDatabase } from './support/databases.ts';

/** The bulk spec of `buildWorld({ countries: FR, US; 2 resellers per provider; 1 direct-bill and 3 customers per country })`. */
const SPEC: BulkSpec = {
  countries: ['FR', 'US'],
  providers: 2,
  resellersPerProvider: 2,
  directBill: 2,
  customers: 6,
  linesPerOrder: 3,
  seed: 7,
};

/** Free text: a value, whatever it looks like. */
const TEXT = new Set([
  'domain',
  'display_name',
  'legal_name',
  'email',
  'signer_name',
  'signer_email',
  'name',
]);

/** A value as a shape: null, 0/1, codes and lowercase words as they are; other values as `v`/`n`. */
function shapeOf(column: string, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (TEXT.has(column)) return 'v';
  if (typeof v === 'number' || typeof v === 'bigint') return v === 0 || v === 1 ? String(v) : 'n';
  const s = String(v);
  return /^[a-z][a-z.-]*$/.test(s) || /^[A-Z]{2,3}$/.test(s) ? s : 'v';
}

/** Per table: the sorted list of its rows' shapes (ledger events: with their payload's field names). */
async function shapes(csp: OpenCsp): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(csp.store.db))
      .rows;
    out[table] = rows
      .map((row) =>
        Object.keys(row)
          .sort()
          .filter((k) => k !== 'seq')
          .map((k) =>
            table === 'ledger_events' && k === 'payload'
              ? `payload=${Object.keys(JSON.parse(String(row[k])) as object)
                  .sort()
                  .join('+')}`
              : `${k}=${shapeOf(k, row[k])}`,
          )
          .join(' '),
      )
      .sort();
  }
  return out;
}

/**
 * Every subscription's billing state and lines, by value: tenants as their role on the chain, names
 * and Partner IDs as placeholders, line ids as their position. Checks on the way that the state
 * names the lines that charged the cycle and that each line references the tier above's.
 */
async function billingValues(csp: OpenCsp): Promise<string[]> {
  const states = (
    await sql<Record<string, unknown>>`
      select b.*, t.term_prices from subscription_billing b
      join subscription_term_prices t on t.subscription_id = b.subscription_id`.execute(csp.store.db)
  ).rows;
  const lines = (await sql<Record<string, unknown>>`select * from billing_lines`.execute(csp.store.db)).rows;
  const linesOf = new Map<unknown, Record<string, unknown>[]>();
  for (const l of lines) linesOf.set(l.subscription_id, [...(linesOf.get(l.subscription_id) ?? []), l]);
  return states
    .map((b) => {
      const own = (linesOf.get(b.subscription_id) ?? []).sort(
        (x, y) => Number(x.line_no) - Number(y.line_no),
      );
      const term = JSON.parse(String(b.term_prices)) as { chain: { tenantId: string; role: string }[] };
      const cycle =
        b.cycle_state === null ? null : (JSON.parse(String(b.cycle_state)) as Record<string, unknown>);
      const roles = new Map(term.chain.map((p) => [p.tenantId, p.role]));
      const position = new Map(own.map((l, i) => [l.id, `line ${i}`]));
      for (const [i, l] of own.entries()) {
        expect(l.event_id).toBe(own[0]?.event_id);
        expect(l.reference_id).toBe(own[0]?.reference_id);
        expect(l.source_line_id).toBe(i === 0 ? null : own[i - 1]?.id);
        expect(l.source_amount_minor).toEqual(i === 0 ? null : own[i - 1]?.amount_minor);
      }
      if (cycle) expect(cycle.chargeLineIds).toEqual(own.map((l) => l.id));
      const norm = (v: unknown, key = ''): unknown => {
        if (Array.isArray(v)) return v.map((x) => norm(x));
        if (v !== null && typeof v === 'object')
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x, k)]));
        if (key === 'name') return '<name>';
        if (/partner_?id$/i.test(key) && v !== null) return '<partner id>';
        if (typeof v === 'string') return roles.get(v) ?? position.get(v) ?? v;
        return v;
      };
      const ids = new Set(['id', 'event_id', 'reference_id', 'subscription_id', 'order_id', 'invoice_id']);
      return JSON.stringify({
        ...(norm({ ...b, subscription_id: null }) as object),
        term_prices: norm(term),
        cycle_state: norm(cycle),
        lines: own.map((l) => norm(Object.fromEntries(Object.entries(l).filter(([k]) => !ids.has(k))))),
      });
    })
    .sort();
}

/** Lines not on the draft invoice of their relationship (seller, buyer, currency) and period. */
async function linesOffTheirDraft(csp: OpenCsp): Promise<string[]> {
  const r = await sql<{ id: string }>`
    select l.id from billing_lines l left join invoices i on i.id = l.invoice_id
    where i.id is null or i.status <> 'draft' or i.kind <> 'invoice'
       or i.seller_tenant_id <> l.seller_tenant_id or i.buyer_tenant_id <> l.buyer_tenant_id
       or i.currency <> l.currency or i.period <> l.period or i.closed_in_period <> l.period`.execute(
    csp.store.db,
  );
  return r.rows.map((row) => row.id);
}

async function indexNames(db: TestDatabase, csp: OpenCsp): Promise<string[]> {
  const q =
    db.name === 'sqlite'
      ? sql<{ n: string }>`select name as n from sqlite_master where type = 'index' order by name`
      : sql<{
          n: string;
        }>`select indexname as n from pg_indexes where schemaname = current_schema() order by 1`;
  return (await q.execute(csp.store.db)).rows.map((r) => r.n);
}

const admin = (p: BulkPartner) =>
  userPrincipal(p.adminUserId as never, p.tenantId as never, ['global-admin']);

function orderInput(seller: string, customer: string, lines: readonly BulkOrderLine[], por?: number) {
  return {
    sellerTenantId: seller,
    customerTenantId: customer,
    lines: lines.map((l) => ({
      catalogItemId: l.catalogItemId,
      quantity: l.quantity,
      billingCycle: l.billingCycle,
      ...(l.termDuration !== null && { termDuration: l.termDuration }),
      ...(por !== undefined && { partnerIdOnRecord: por }),
    })),
  };
}

describeEachDatabase('bulk world', (db) => {
  it('writes the rows the commands write, and leaves the schema as it was', async () => {
    const bulkCsp = await db.fresh();
    const indexes = await indexNames(db, bulkCsp);
    const bulk = await generateBulkWorld(bulkCsp, SPEC);
    expect(await indexNames(db, bulkCsp)).toEqual(indexes);
    const expected = await shapes(bulkCsp);
    const expectedBilling = await billingValues(bulkCsp);
    expect(await linesOffTheirDraft(bulkCsp)).toEqual([]);
    expect(bulk.rows.subscriptions).toBe(SPEC.customers * SPEC.linesPerOrder);
    expect(bulk.rows.subscription_billing).toBe(SPEC.customers * SPEC.linesPerOrder);
    expect(bulk.rows.subscription_term_prices).toBe(SPEC.customers * SPEC.linesPerOrder);

    // The same world through the commands, with the same orders.
    const csp = await db.fresh();
    const world = await buildWorld(csp, {
      countries: SPEC.countries,
      resellersPerProvider: SPEC.resellersPerProvider,
      directBillPerCountry: 1,
      customersPerCountry: 3,
    });
    must(await csp.execute(importCatalog, { principal: SYSTEM }, { catalog: loadDemoCatalog() }));
    for (const [k, customer] of world.customers.entries()) {
      const c = Math.floor(k / 3);
      const i = (k % 3) + 1;
      const offers = bulk.offers[customer.country] ?? [];
      const lines = Array.from({ length: SPEC.linesPerOrder }, (_, n) => offers[n % offers.length]);
      const provider = world.providers[c];
      // The reseller the bulk world assigns (`chainsOf`): the country's resellers in turn.
      const reseller =
        world.resellers[c * SPEC.resellersPerProvider + (((i - 1) >> 1) % SPEC.resellersPerProvider)];
      const direct = world.directBill[c];
      if (!provider || !reseller || !direct) throw new Error('world incomplete');
      const input =
        i % 2 === 1
          ? orderInput(provider.tenantId, customer.tenantId, lines as BulkOrderLine[], reseller.partnerId)
          : orderInput(direct.tenantId, customer.tenantId, lines as BulkOrderLine[]);
      must(
        await csp.execute(
          placeOrder,
          { principal: i % 2 === 1 ? provider.globalAdmin : direct.globalAdmin },
          input,
        ),
      );
    }
    const actual = await shapes(csp);
    for (const table of TABLES)
      expect({ table, rows: expected[table] }).toEqual({ table, rows: actual[table] });
    // Billing by value: the same prices, cycles and amounts as `startBilling` wrote.
    expect(expectedBilling).toEqual(await billingValues(csp));
    // Every line on its relationship's draft invoice for its period, as the commands put it.
    expect(await linesOffTheirDraft(csp)).toEqual([]);
  });

  it("generated with the runtime's own seed, writes ids the runtime does not make again", async () => {
    // Both sources were seededIds(7): the world wrote the ids the bootstrap commands had just used
    // (a foreign-key failure), and would have written the lines the close makes next.
    const csp = await db.fresh({ seed: SPEC.seed ?? 1 });
    const world = await generateBulkWorld(csp, SPEC);
    const operator = { principal: world.operator.principal, now: new Date('2026-02-16T00:00:00.000Z') };
    const report = must(await closeBillingPeriod(csp, operator, { period: '2026-01' }));
    expect(report.linesBilled).toBe(world.rows.billing_lines);
    const renewals = await sql<{ n: number | string }>`
      select count(*) as n from billing_lines where period = '2026-02'`.execute(csp.store.db);
    expect(Number(renewals.rows[0]?.n)).toBe(world.rows.billing_lines);
  });

  describeBulkServices(db);
});

function describeBulkServices(db: TestDatabase) {
  let csp: OpenCsp;
  let world: BulkWorld;

  beforeEach(async () => {
    csp = await db.fresh();
    world = await generateBulkWorld(csp, { ...SPEC, ledger: 'partners' });
  });

  it('gives partners who may transact, decisions that allow, orders that complete, and listings', async () => {
    const chainOf = chainsOf(world);
    for (const p of [...world.providers, ...world.resellers, ...world.directBill]) {
      const standing = must(await csp.query(getStanding, { principal: admin(p) }, { tenantId: p.tenantId }));
      expect({ tenant: p.tenantId, mayTransact: standing.mayTransact }).toEqual({
        tenant: p.tenantId,
        mayTransact: true,
      });
    }
    for (let g = 0; g < SPEC.customers; g++) {
      const chain = chainOf(g);
      if (!chain) throw new Error(`customer ${g} has no chain`);
      const customerTenantId = world.customerTenantIds[g] as string;
      const por = chain.partnerOfRecord;
      const decision = must(
        await csp.query(
          explainOrderLine,
          { principal: admin(chain.seller) },
          {
            sellerTenantId: chain.seller.tenantId,
            customerTenantId,
            ...(por && { partnerIdOnRecord: por.partnerId }),
          },
        ),
      );
      expect(decision).toEqual({ allowed: true, violations: [] });
      const order = must(
        await csp.execute(
          placeOrder,
          { principal: admin(chain.seller) },
          orderInput(
            chain.seller.tenantId,
            customerTenantId,
            world.offers[chain.country] ?? [],
            por?.partnerId,
          ),
        ),
      );
      expect(order.status).toBe('completed');
      expect(order.lines[0]?.partnerIdOnRecord).toBe(por?.partnerId ?? null);
    }

    // Listings: a reseller's customers, a provider's resellers, a seller's orders, a customer's subscriptions.
    const indirect = chainOf(0);
    const reseller = indirect?.partnerOfRecord;
    if (!indirect || !reseller) throw new Error('customer 0 is served through a reseller');
    const customers = must(
      await csp.query(listCustomers, { principal: admin(reseller) }, { partnerTenantId: reseller.tenantId }),
    );
    expect(customers.items.map((c) => c.customerTenantId)).toContain(world.customerTenantIds[0]);
    const resellers = must(
      await csp.query(
        listIndirectResellers,
        { principal: admin(indirect.seller) },
        { tenantId: indirect.seller.tenantId },
      ),
    );
    expect(resellers.items.map((r) => r.state)).toEqual(['active', 'active']);
    const orders = must(await csp.query(listOrders, { principal: admin(indirect.seller) }, {}));
    expect(orders.items.filter((o) => o.customerTenantId === world.customerTenantIds[0])).toHaveLength(2);
    const subscriptions = must(
      await csp.query(
        listSubscriptions,
        { principal: admin(indirect.seller) },
        { customerTenantId: world.customerTenantIds[0] },
      ),
    );
    // The generated order's lines, and the one placed above with every offer of the market.
    expect(subscriptions.items).toHaveLength(SPEC.linesPerOrder + (world.offers.FR?.length ?? 0));
  });

  it('bills: terms renew on the state it wrote, and the month closes into invoices that add up', async () => {
    // T0 = 2026-01-15T10:00Z; the generated orders' offers are one-month terms, renewed on 2026-02-15.
    const operator = { principal: world.operator.principal, now: new Date('2026-02-16T00:00:00.000Z') };
    const period = async (p: string) => {
      const r = await sql<{ n: number | string; total: number | string | null }>`
        select count(*) as n, sum(amount_minor) as total from billing_lines where period = ${p}`.execute(
        csp.store.db,
      );
      return { lines: Number(r.rows[0]?.n), total: Number(r.rows[0]?.total) };
    };
    const january = await period('2026-01');
    expect(january.lines).toBe(world.rows.billing_lines);
    const report = must(await closeBillingPeriod(csp, operator, { period: '2026-01' }));
    expect(report).toMatchObject({ periodsClosed: ['2026-01'], linesBilled: january.lines });
    // Every subscription renewed down the same chain at the same locked prices.
    expect(await period('2026-02')).toEqual(january);
    const wrong = await sql<{ id: string }>`
      select i.id from invoices i
      where i.closed_in_period = '2026-01' and (i.status <> 'issued'
         or i.total_minor <> (select sum(l.amount_minor) from billing_lines l where l.invoice_id = i.id))`.execute(
      csp.store.db,
    );
    expect(wrong.rows).toEqual([]);
    const open = await sql<{ n: number | string }>`
      select count(*) as n from billing_lines where period = '2026-01' and invoice_id is null`.execute(
      csp.store.db,
    );
    expect(Number(open.rows[0]?.n)).toBe(0);
  });
}
