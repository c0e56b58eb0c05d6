/**
 * Billing end to end through the services, on both databases: prices per tier (price lists,
 * repricing rules, the program default), the cascade of each subscription event into one line per
 * billing relationship, month close with invoices and credit notes, and the refusals.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { closeBillingPeriod, closePeriodStep } from '../src/billing/close.ts';
import {
  addPriceListEntry,
  addRepricingRule,
  endPriceListEntry,
  getInvoice,
  issueCredit,
  listInvoiceLines,
  listInvoices,
  listPriceList,
  voidInvoice,
} from '../src/billing/service.ts';
import { getSubscriptionBilling, linesOfSubscription } from '../src/billing/store.ts';
import { defineService } from '../src/catalog/service.ts';
import { addDays } from '../src/kernel/time.ts';
import type { Order } from '../src/orders/model.ts';
import { approveOrder, placeOrder, requestOrder } from '../src/orders/service.ts';
import { defaultProgram } from '../src/program/load.ts';
import { advanceWorldClock } from '../src/subscriptions/clock.ts';
import { processDue } from '../src/subscriptions/due.ts';
import {
  cancelSubscription,
  changePartnerOfRecord,
  changeQuantity,
  suspendSubscription,
} from '../src/subscriptions/service.ts';
import { must } from '../src/world/builder.ts';
import { buildCommerceWorld, type CommerceWorld, SEATS } from './support/commerce.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes } from './support/snapshot.ts';

// T0 = 2026-01-15T10:00Z. Seats P1Y monthly: 5.60 EUR list (the vendor's price and ERP in FR).
const seats = (quantity: number, extra: Record<string, unknown> = {}) => ({
  catalogItemId: SEATS,
  quantity,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  ...extra,
});

describeEachDatabase('billing', (db) => {
  let csp: OpenCsp;
  let w: CommerceWorld;
  const at = (days: number) => ({ now: addDays(T0, days) });

  beforeEach(async () => {
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
  });

  async function priceFor(
    seller: { tenantId: string; globalAdmin: never } | CommerceWorld['provider'],
    unitPrice: string,
  ) {
    return must(
      await csp.execute(
        addPriceListEntry,
        { principal: seller.globalAdmin },
        {
          sellerTenantId: seller.tenantId,
          skuId: SEATS,
          termDuration: 'P1Y',
          billingCycle: 'monthly',
          country: 'FR',
          currency: 'EUR',
          unitPrice,
          effectiveFrom: '2026-01-01',
        },
      ),
    );
  }

  async function indirectOrder(quantity = 10, days = 0): Promise<Order> {
    return must(
      await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin, ...at(days) },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(quantity, { partnerIdOnRecord: w.reseller.partnerId })],
        },
      ),
    );
  }

  it('a unit price past 2^53 micro-units is stored and read back exactly', async () => {
    const entry = await priceFor(w.provider, '9007199254.740993'); // 2^53 + 1 micro-units
    expect(entry.unitPrice).toBe('9007199254.740993');
    const listed = must(
      await csp.query(
        listPriceList,
        { principal: w.provider.globalAdmin },
        { sellerTenantId: w.provider.tenantId },
      ),
    );
    expect(listed.items.map((e) => e.unitPrice)).toEqual(['9007199254.740993']);
  });

  describe('the indirect chain bills three tiers', () => {
    beforeEach(async () => {
      await priceFor(w.provider, '6.00'); // provider → reseller
      await priceFor(w.reseller, '7.500000'); // reseller → customer
    });

    it('a new subscription writes one line per billing relationship, linked top down', async () => {
      const order = await indirectOrder(10);
      const subscriptionId = order.lines[0]?.subscriptionId as string;
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, subscriptionId));
      expect(lines.map((l) => [l.tier, l.chargeType, l.quantity, l.amount])).toEqual([
        [1, 'new', 10, 5600n],
        [2, 'new', 10, 6000n],
        [3, 'new', 10, 7500n],
      ]);
      expect(lines[1]?.sourceLineId).toBe(lines[0]?.id);
      expect(lines[2]?.sourceLineId).toBe(lines[1]?.id);
      expect(new Set(lines.map((l) => l.chargeStart))).toEqual(new Set(['2026-01-15']));
      expect(new Set(lines.map((l) => l.chargeEnd))).toEqual(new Set(['2026-02-14']));
      expect(new Set(lines.map((l) => l.resellerPartnerId))).toEqual(new Set([w.reseller.partnerId]));
    });

    it('adding seats on day 3 refunds the rest of the cycle and charges it again, one ReferenceId; day-0 cancel nets zero', async () => {
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          changeQuantity,
          { principal: w.provider.globalAdmin, ...at(3) },
          { subscriptionId: id, quantity: 13 },
        ),
      );
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      const change = lines.filter((l) => l.chargeType === 'addQuantity');
      expect(change).toHaveLength(6);
      expect(new Set(change.map((l) => l.referenceId)).size).toBe(1);
      // 31-day cycle, 28 days left: refund −28/31 of 10 seats, charge 28/31 of 13 seats, per tier.
      const vendor = change.filter((l) => l.tier === 1).map((l) => l.amount);
      expect(vendor.sort((a, b) => (a < b ? -1 : 1))).toEqual([-5058n, 6575n]); // exact shares 5058.06 and 6574.84 (within a cent)
      const refund = change.find((l) => l.tier === 1 && l.amount < 0n);
      expect(refund?.refundsLineId).toBe(lines[0]?.id);

      const other = await indirectOrder(4, 3);
      const otherId = other.lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          cancelSubscription,
          { principal: w.provider.globalAdmin, ...at(3) },
          { subscriptionId: otherId },
        ),
      );
      const net = new Map<number, bigint>();
      for (const l of await csp.store.read((tx) => linesOfSubscription(tx, otherId)))
        net.set(l.tier, (net.get(l.tier) ?? 0n) + l.amount);
      expect([...net.values()]).toEqual([0n, 0n, 0n]);
    });

    /** Per tier, what a subscription's lines net to. */
    async function netPerTier(subscriptionId: string): Promise<bigint[]> {
      const net = new Map<number, bigint>();
      for (const l of await csp.store.read((tx) => linesOfSubscription(tx, subscriptionId)))
        net.set(l.tier, (net.get(l.tier) ?? 0n) + l.amount);
      return [...net.entries()].sort(([a], [b]) => a - b).map(([, v]) => v);
    }

    async function seatsAddedThenCancelled(): Promise<string> {
      const id = (await indirectOrder(10)).lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          changeQuantity,
          { principal: w.provider.globalAdmin, ...at(1) },
          { subscriptionId: id, quantity: 12 },
        ),
      );
      must(
        await csp.execute(
          cancelSubscription,
          { principal: w.provider.globalAdmin, ...at(4) },
          { subscriptionId: id },
        ),
      );
      return id;
    }

    it('a cancellation inside the window refunds in full: seats added on day 1, cancelled on day 4, the term nets zero at every tier', async () => {
      const id = await seatsAddedThenCancelled();
      expect(await netPerTier(id)).toEqual([0n, 0n, 0n]);
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      const cancel = lines.filter((l) => l.chargeType === 'cancelImmediate');
      // One line per tier, one ReferenceId, dated from the cancellation day; each reverses the
      // tier's current charge (the one of the quantity change) and nets everything before it.
      expect(cancel.map((l) => [l.tier, l.quantity, l.chargeStart, l.chargeEnd])).toEqual([
        [1, 12, '2026-01-19', '2026-02-14'],
        [2, 12, '2026-01-19', '2026-02-14'],
        [3, 12, '2026-01-19', '2026-02-14'],
      ]);
      expect(new Set(cancel.map((l) => l.referenceId)).size).toBe(1);
      const charges = lines.filter((l) => l.chargeType === 'addQuantity' && l.amount > 0n);
      expect(cancel.map((l) => l.refundsLineId)).toEqual(charges.map((l) => l.id));
      // Vendor tier: 56.00 for 10 seats, −54.19 (30/31 of them) and +65.03 (30/31 of 12): 66.84.
      expect(cancel[0]?.amount).toBe(-6684n);
    });

    it('under the program policy `prorated`, a cancellation refunds only the rest of the cycle: the used days stay billed', async () => {
      const base = defaultProgram();
      csp = await db.fresh({
        program: { ...base, policies: { ...base.policies, cancellationRefund: 'prorated' } },
      });
      w = await buildCommerceWorld(csp);
      await priceFor(w.provider, '6.00');
      await priceFor(w.reseller, '7.500000');
      const id = await seatsAddedThenCancelled();
      // Vendor tier: 66.84 charged net (above), −58.53 refunded (27/31 of 12 seats × 5.60).
      expect(await netPerTier(id)).toEqual([831n, 891n, 1113n]);
    });

    it('seats added mid-term are priced at the prices locked for the term, not at a price list changed since', async () => {
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      const provider = (
        await csp.store.read((tx) =>
          tx
            .selectFrom('price_list_entries')
            .select('id')
            .where('seller_tenant_id', '=', w.provider.tenantId)
            .execute(),
        )
      )[0]?.id;
      must(
        await csp.execute(
          endPriceListEntry,
          { principal: w.provider.globalAdmin },
          { entryId: provider, effectiveTo: '2026-01-20' },
        ),
      );
      must(
        await csp.execute(
          addPriceListEntry,
          { principal: w.provider.globalAdmin },
          {
            sellerTenantId: w.provider.tenantId,
            skuId: SEATS,
            termDuration: 'P1Y',
            billingCycle: 'monthly',
            country: 'FR',
            currency: 'EUR',
            unitPrice: '6.90',
            effectiveFrom: '2026-01-20',
          },
        ),
      );
      must(
        await csp.execute(
          changeQuantity,
          { principal: w.provider.globalAdmin, ...at(6) },
          { subscriptionId: id, quantity: 12 },
        ),
      );
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      const price = (type: string, tier: number, sign: 1 | -1) =>
        lines.find((l) => l.chargeType === type && l.tier === tier && (l.amount < 0n ? -1 : 1) === sign)
          ?.unitPriceMicros;
      for (const tier of [1, 2, 3]) {
        expect(price('addQuantity', tier, 1)).toBe(price('new', tier, 1));
        expect(price('addQuantity', tier, -1)).toBe(price('new', tier, 1));
      }
      expect(price('addQuantity', 2, 1)).toBe(6_000_000n);
    });

    it('a price-list entry cannot be ended later than the start of the next one (PRICE_LIST_OVERLAP)', async () => {
      const entry = (
        await csp.store.read((tx) =>
          tx
            .selectFrom('price_list_entries')
            .select('id')
            .where('seller_tenant_id', '=', w.provider.tenantId)
            .execute(),
        )
      )[0]?.id;
      const end = (effectiveTo: string) =>
        csp.execute(
          endPriceListEntry,
          { principal: w.provider.globalAdmin },
          { entryId: entry, effectiveTo },
        );
      must(await end('2026-03-01'));
      must(
        await csp.execute(
          addPriceListEntry,
          { principal: w.provider.globalAdmin },
          {
            sellerTenantId: w.provider.tenantId,
            skuId: SEATS,
            termDuration: 'P1Y',
            billingCycle: 'monthly',
            country: 'FR',
            currency: 'EUR',
            unitPrice: '6.50',
            effectiveFrom: '2026-03-01',
          },
        ),
      );
      const refused = await end('2026-06-01');
      expect(codes(refused)).toEqual(['PRICE_LIST_OVERLAP']);
      must(await end('2026-02-01')); // shortening stays possible
    });

    it('a credit needs a reason', async () => {
      const order = await indirectOrder(10);
      const out = await csp.execute(
        issueCredit,
        { principal: w.reseller.globalAdmin },
        {
          sellerTenantId: w.reseller.tenantId,
          subscriptionId: order.lines[0]?.subscriptionId,
          amount: '5.00',
        },
      );
      expect(codes(out)).toEqual(['REQUIRED_FIELD']);
    });

    it('seats added in the last hours of a cycle (its last day, before it ends) write no lines dated outside it', async () => {
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      const lastHours = { now: new Date('2026-02-15T06:00:00.000Z') }; // the cycle ends 2026-02-15T10:00Z
      must(
        await csp.execute(
          changeQuantity,
          { principal: w.provider.globalAdmin, ...lastHours },
          { subscriptionId: id, quantity: 12 },
        ),
      );
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      expect(lines.map((l) => l.chargeType)).toEqual(['new', 'new', 'new']);
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 32 });
      const next = (await csp.store.read((tx) => linesOfSubscription(tx, id))).filter(
        (l) => l.chargeType === 'cycleCharge',
      );
      expect(next.map((l) => l.quantity)).toEqual([12, 12, 12]);
    });

    it('closing January issues one invoice per relationship with totals equal to their lines; re-closing adds nothing', async () => {
      await indirectOrder(10);
      // The lines are on their relationships' drafts from the order on: totals so far, no number.
      const before = must(await csp.query(listInvoices, { principal: w.operator.principal }, {})).items;
      expect(before.map((i) => [i.status, i.number, i.lineCount, i.total]).sort()).toEqual([
        ['draft', null, 1, '56.00'],
        ['draft', null, 1, '60.00'],
        ['draft', null, 1, '75.00'],
      ]);
      const [draft] = before;
      expect(
        must(await csp.query(getInvoice, { principal: w.operator.principal }, { invoiceId: draft?.id })),
      ).toMatchObject({ status: 'draft', lineCount: 1, total: draft?.total });
      expect(
        codes(
          await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(5) }, { period: '2026-01' }),
        ),
      ).toEqual(['PERIOD_NOT_ENDED']);
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 17 });
      const report = must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      expect(report).toMatchObject({
        alreadyClosed: false,
        periodsClosed: ['2026-01'],
        documentsIssued: 3,
        linesBilled: 3,
      });
      const invoices = must(
        await csp.query(listInvoices, { principal: w.operator.principal, ...at(17) }, {}),
      ).items;
      expect(invoices.map((i) => [i.status, i.total, i.currency])).toEqual(
        expect.arrayContaining([
          ['issued', '56.00', 'EUR'],
          ['issued', '60.00', 'EUR'],
          ['issued', '75.00', 'EUR'],
        ]),
      );
      const again = must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      expect(again.alreadyClosed).toBe(true);
      // Each party reads what it issues and receives, nothing else.
      const reseller = must(
        await csp.query(listInvoices, { principal: w.reseller.globalAdmin, ...at(17) }, {}),
      ).items;
      expect(reseller.map((i) => i.total).sort()).toEqual(['60.00', '75.00']);
      const direct = must(
        await csp.query(listInvoices, { principal: w.direct.globalAdmin, ...at(17) }, {}),
      ).items;
      expect(direct).toEqual([]);
      const vendorInvoice = invoices.find((i) => i.total === '56.00');
      expect(
        codes(
          await csp.query(
            getInvoice,
            { principal: w.reseller.globalAdmin },
            { invoiceId: vendorInvoice?.id },
          ),
        ),
      ).toEqual(['INVOICE_NOT_FOUND']);
      const lines = must(
        await csp.query(
          listInvoiceLines,
          { principal: w.reseller.globalAdmin },
          { invoiceId: invoices.find((i) => i.total === '75.00')?.id },
        ),
      );
      expect(lines.items.map((l) => [l.chargeType, l.subtotal, l.marginAmount])).toEqual([
        ['new', '75.00', '15.00'],
      ]);
    });

    it('a close refreshes the planner statistics of the billing tables (PostgreSQL: ANALYZE)', async () => {
      await indirectOrder(10);
      const { sql } = await import('kysely');
      const estimate = async () =>
        db.name === 'postgres'
          ? Number(
              (
                await sql<{
                  n: number;
                }>`SELECT reltuples AS n FROM pg_class WHERE relname = 'billing_lines'`.execute(csp.store.db)
              ).rows[0]?.n,
            )
          : (
              await sql<{
                n: number;
              }>`SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'`.execute(csp.store.db)
            ).rows[0]?.n;
      // Never analyzed: PostgreSQL estimates -1 rows; SQLite has no statistics table.
      expect(await estimate()).toBe(db.name === 'postgres' ? -1 : 0);
      must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      // PostgreSQL now knows the three lines; SQLite is left as it was (its plans need no statistics).
      expect(await estimate()).toBe(db.name === 'postgres' ? 3 : 0);
    });

    it('a close marks the billing lines visible to all and counts the drafts before the issue (PostgreSQL: VACUUM, ANALYZE)', async () => {
      await indirectOrder(10);
      const { sql } = await import('kysely');
      const visibility = async () =>
        (
          await sql<{
            pages: number;
            vacuums: number;
            documentAnalyses: number;
          }>`SELECT c.relallvisible AS pages, s.vacuum_count::int AS vacuums,
               (SELECT analyze_count::int FROM pg_stat_user_tables WHERE relname = 'invoices') AS "documentAnalyses"
             FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
             WHERE c.relname = 'billing_lines'`.execute(csp.store.db)
        ).rows[0];
      // (The suite's database is truncated between tests: no page of the table is marked yet; its
      // count of vacuums goes on from the earlier tests' closes.)
      const before = db.name === 'postgres' ? await visibility() : undefined;
      if (before) expect(before.pages).toBe(0);
      must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      // SQLite has no visibility map: the close asks nothing of it (and has no such catalog to read).
      // And `invoices` analyzed twice: before the issue (the rating's new drafts counted, so the issue
      // reads them in order from invoices_draft_order), and after the close, for the exports.
      if (before)
        expect(await visibility()).toEqual({
          pages: 1,
          vacuums: before.vacuums + 1,
          documentAnalyses: before.documentAnalyses + 2,
        });
      else expect(await csp.store.vacuum(['billing_lines'])).toBeUndefined();
    });

    it('lines rated late for a period go on the draft invoice of their relationship: one invoice per relationship and period', async () => {
      await indirectOrder(10); // 2026-01-15: the next cycle is charged on 2026-02-15
      must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      await indirectOrder(5, 19); // 2026-02-03: February's first lines, on the same three relationships
      const february = () =>
        csp.store.read((tx) =>
          tx
            .selectFrom('invoices')
            .select(['id', 'kind', 'status', 'line_count'])
            .where('period', '=', '2026-02')
            .orderBy('id')
            .execute(),
        );
      const drafts = await february();
      expect(drafts.map((i) => [i.kind, i.status])).toEqual([
        ['invoice', 'draft'],
        ['invoice', 'draft'],
        ['invoice', 'draft'],
      ]);
      const march = { principal: w.operator.principal, ...at(45) }; // 2026-03-01
      must(await csp.execute(processDue, march, {})); // the 2026-02-15 cycle charge, rated late
      const onDrafts = await csp.store.read((tx) =>
        tx
          .selectFrom('billing_lines')
          .select(['invoice_id', (eb) => eb.fn.countAll<number | string>().as('n')])
          .where('period', '=', '2026-02')
          .groupBy('invoice_id')
          .orderBy('invoice_id')
          .execute(),
      );
      expect(onDrafts.map((r) => [r.invoice_id, Number(r.n)])).toEqual(drafts.map((d) => [d.id, 2]));
      const report = must(await closeBillingPeriod(csp, march, { period: '2026-02' }));
      expect(report).toMatchObject({ periodsClosed: ['2026-02'], documentsIssued: 3, linesBilled: 6 });
      expect((await february()).map((i) => [i.id, i.kind, i.status, Number(i.line_count)])).toEqual(
        drafts.map((d) => [d.id, 'invoice', 'issued', 2]),
      );
    });

    it.each([
      ['none', false, 3],
      ["one relationship's, which the close finds", true, 2],
    ] as const)(
      'lines on no document (written before lines went on drafts as rated) are drafted by the close; drafts left: %s',
      async (_, keepOne, created) => {
        await indirectOrder(10); // 2026-01-15
        await indirectOrder(5, 3); // 2026-01-18
        // As a store migrated from a version that drafted at the close left them: lines, no drafts
        // (or one relationship's, as lines that arrived while a period was being closed find the
        // draft a step created before).
        const first = await csp.store.write(async (tx) => {
          await tx.updateTable('billing_lines').set({ invoice_id: null }).execute();
          const kept = await tx.selectFrom('invoices').select('id').orderBy('id').executeTakeFirstOrThrow();
          await tx
            .deleteFrom('invoices')
            .where('id', '<>', keepOne ? kept.id : '')
            .execute();
          return { commit: true, value: kept.id };
        });
        const operator = { principal: w.operator.principal, ...at(17) }; // 2026-02-01
        const step = must(await csp.execute(closePeriodStep, operator, { period: '2026-01' }));
        expect(step).toMatchObject({ period: '2026-01', phase: 'draft', documents: created, lines: 6 });
        const report = must(await closeBillingPeriod(csp, operator, { period: '2026-01' }));
        expect(report).toMatchObject({ periodsClosed: ['2026-01'], documentsIssued: 3, linesBilled: 6 });
        const on = (invoice: string | null) =>
          csp.store.read((tx) =>
            tx
              .selectFrom('billing_lines')
              .select('id')
              .where('invoice_id', invoice === null ? 'is' : '=', invoice)
              .execute(),
          );
        expect(await on(null)).toEqual([]);
        expect(await on(first)).toHaveLength(keepOne ? 2 : 0);
      },
    );

    it('a refund of a charge on an issued invoice goes on a credit note for the original period', async () => {
      await indirectOrder(10, 13); // 2026-01-28: the window runs into February
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 17 });
      must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(17) }, { period: '2026-01' }),
      );
      const subs = await csp.store.read((tx) => tx.selectFrom('subscriptions').select('id').execute());
      must(
        await csp.execute(
          cancelSubscription,
          { principal: w.provider.globalAdmin, ...at(17) },
          { subscriptionId: subs[0]?.id },
        ),
      );
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 30 });
      must(
        await closeBillingPeriod(csp, { principal: w.operator.principal, ...at(47) }, { period: '2026-02' }),
      );
      const all = must(await csp.query(listInvoices, { principal: w.operator.principal }, {})).items;
      const notes = all.filter((i) => i.kind === 'credit-note');
      expect(notes).toHaveLength(3);
      for (const n of notes) {
        expect(n.period).toBe('2026-01');
        expect(n.closedInPeriod).toBe('2026-02');
        expect(all.find((i) => i.id === n.originalInvoiceId)?.period).toBe('2026-01');
        expect(n.total.startsWith('-')).toBe(true);
      }
      const numbers = all.filter((i) => i.sellerTenantId === w.provider.tenantId).map((i) => i.number);
      expect(numbers).toEqual(
        expect.arrayContaining([
          `INV-${w.provider.partnerId}-2026-000001`,
          `CN-${w.provider.partnerId}-2026-000002`,
        ]),
      );
      const voided = must(
        await csp.execute(
          voidInvoice,
          { principal: w.provider.globalAdmin },
          { invoiceId: notes.find((n) => n.sellerTenantId === w.provider.tenantId)?.id, reason: 'test' },
        ),
      );
      expect(voided.status).toBe('void');
      const twice = await csp.execute(
        voidInvoice,
        { principal: w.provider.globalAdmin },
        { invoiceId: voided.id, reason: 'again' },
      );
      expect(codes(twice)).toEqual(['INVOICE_NOT_ISSUED']);
    });

    it("a full refund after a close: the charge on the issued January invoice is refunded on a January credit note, seats added in February on February's invoice", async () => {
      const operator = { principal: w.operator.principal };
      const id = (await indirectOrder(10, 13)).lines[0]?.subscriptionId as string; // 2026-01-28
      await advanceWorldClock(csp, operator, { days: 17 });
      must(await closeBillingPeriod(csp, { ...operator, ...at(17) }, { period: '2026-01' }));
      // Inside the 168 hours: two seats added on 2026-02-02, cancelled on 2026-02-03.
      must(
        await csp.execute(
          changeQuantity,
          { principal: w.provider.globalAdmin, ...at(18) },
          { subscriptionId: id, quantity: 12 },
        ),
      );
      must(
        await csp.execute(
          cancelSubscription,
          { principal: w.provider.globalAdmin, ...at(19) },
          { subscriptionId: id },
        ),
      );
      await advanceWorldClock(csp, operator, { days: 30 });
      must(await closeBillingPeriod(csp, { ...operator, ...at(47) }, { period: '2026-02' }));

      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      const documents = new Map(
        must(await csp.query(listInvoices, operator, { limit: 100 })).items.map((i) => [i.id, i]),
      );
      const byId = new Map(lines.map((l) => [l.id, l]));
      const cancels = lines.filter((l) => l.chargeType === 'cancelImmediate');
      // Two parts, each one line per tier under one ReferenceId: one reverses the January charge
      // (and the February refund of it), one the seats charged in February.
      expect(cancels).toHaveLength(6);
      expect(new Set(cancels.map((l) => l.eventId)).size).toBe(2);
      expect(new Set(cancels.map((l) => l.referenceId)).size).toBe(1);
      for (const l of cancels) {
        const reversed = byId.get(l.refundsLineId ?? '');
        const doc = documents.get(l.invoiceId ?? '');
        if (reversed?.chargeType === 'new') {
          expect(doc?.kind).toBe('credit-note');
          expect(doc?.period).toBe('2026-01');
          expect(doc?.originalInvoiceId).toBe(reversed.invoiceId);
        } else {
          expect(reversed?.chargeType).toBe('addQuantity');
          expect([doc?.kind, doc?.period]).toEqual(['invoice', '2026-02']);
        }
      }
      // January's documents (the invoice and its credit notes) net the subscription to zero at
      // every tier, and so do February's.
      const net = new Map<string, bigint>();
      for (const l of lines) {
        const key = `${documents.get(l.invoiceId ?? '')?.period} ${l.tier}`;
        net.set(key, (net.get(key) ?? 0n) + l.amount);
      }
      expect([...net.values()]).toEqual([0n, 0n, 0n, 0n, 0n, 0n]);
      expect(await netPerTier(id)).toEqual([0n, 0n, 0n]);
    });

    describe('a void invoice annuls its charges: no credit for them', () => {
      /** January's invoices of an order bought on 2026-01-28, issued; returns the subscription. */
      async function januaryIssued(): Promise<string> {
        await indirectOrder(10, 13);
        await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 17 });
        must(
          await closeBillingPeriod(
            csp,
            { principal: w.operator.principal, ...at(17) },
            { period: '2026-01' },
          ),
        );
        const subs = await csp.store.read((tx) => tx.selectFrom('subscriptions').select('id').execute());
        return subs[0]?.id as string;
      }
      const documents = () =>
        csp.store.read((tx) =>
          tx
            .selectFrom('invoices')
            .select([
              'id',
              'kind',
              'status',
              'seller_tenant_id',
              'number',
              'void_reason',
              'original_invoice_id',
            ])
            .orderBy('number')
            .execute(),
        );
      const resellerInvoice = async () =>
        (await documents()).find((d) => d.kind === 'invoice' && d.seller_tenant_id === w.reseller.tenantId);
      const cancelAndCloseFebruary = async (subscriptionId: string) => {
        must(
          await csp.execute(
            cancelSubscription,
            { principal: w.provider.globalAdmin, ...at(17) },
            { subscriptionId },
          ),
        );
        await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 30 });
        must(
          await closeBillingPeriod(
            csp,
            { principal: w.operator.principal, ...at(47) },
            { period: '2026-02' },
          ),
        );
      };

      it('a refund rated after the void goes on a credit note that is void on issue; the others are issued', async () => {
        const id = await januaryIssued();
        const invoice = await resellerInvoice();
        must(
          await csp.execute(
            voidInvoice,
            { principal: w.reseller.globalAdmin },
            { invoiceId: invoice?.id, reason: 'billed to the wrong entity' },
          ),
        );
        await cancelAndCloseFebruary(id);
        const notes = (await documents()).filter((d) => d.kind === 'credit-note');
        expect(notes).toHaveLength(3);
        const mine = notes.find((n) => n.seller_tenant_id === w.reseller.tenantId);
        expect(mine).toMatchObject({ status: 'void', original_invoice_id: invoice?.id });
        expect(mine?.number).toBe(`CN-${w.reseller.partnerId}-2026-000002`); // numbered: no gap
        expect(mine?.void_reason).toBe(`Refunds charges of void invoice ${invoice?.number}: void on issue.`);
        expect(notes.filter((n) => n.status === 'issued')).toHaveLength(2);
        const voided = await csp.store.read((tx) =>
          tx.selectFrom('ledger_events').select('entity_id').where('type', '=', 'invoice.voided').execute(),
        );
        expect(voided.map((e) => e.entity_id).sort()).toEqual([invoice?.id, mine?.id].sort());
      });

      it('voiding an invoice voids the credit notes issued against it', async () => {
        const id = await januaryIssued();
        await cancelAndCloseFebruary(id);
        const invoice = await resellerInvoice();
        const note = (await documents()).find(
          (d) => d.kind === 'credit-note' && d.original_invoice_id === invoice?.id,
        );
        expect(note?.status).toBe('issued');
        must(
          await csp.execute(
            voidInvoice,
            { principal: w.reseller.globalAdmin, ...at(47) },
            { invoiceId: invoice?.id, reason: 'duplicate' },
          ),
        );
        const after = await documents();
        expect(after.find((d) => d.id === note?.id)).toMatchObject({
          status: 'void',
          void_reason: `Invoice ${invoice?.number} was voided: duplicate`,
        });
        // The other relationships' documents are untouched.
        expect(after.filter((d) => d.status === 'issued')).toHaveLength(4);
      });
    });

    it('a credit is one negative line on one relationship', async () => {
      const order = await indirectOrder(10);
      const line = must(
        await csp.execute(
          issueCredit,
          { principal: w.reseller.globalAdmin },
          {
            sellerTenantId: w.reseller.tenantId,
            subscriptionId: order.lines[0]?.subscriptionId,
            amount: '5.00',
            reason: 'outage',
          },
        ),
      );
      expect(line).toMatchObject({
        chargeType: 'customerCredit',
        subtotal: '-5.00',
        chainTier: 3,
        reason: 'outage',
      });
    });
  });

  describe('time: cycle charges, renewals, other chains', () => {
    it('each monthly cycle of an annual term is a cycleCharge at every tier, still billed while suspended', async () => {
      await priceFor(w.provider, '6.00');
      await priceFor(w.reseller, '7.50');
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          suspendSubscription,
          { principal: w.provider.globalAdmin, ...at(1) },
          { subscriptionId: id },
        ),
      );
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 62 });
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      const cycles = lines.filter((l) => l.chargeType === 'cycleCharge');
      expect(cycles.map((l) => [l.tier, l.chargeStart, l.chargeEnd, l.amount])).toEqual([
        [1, '2026-02-15', '2026-03-14', 5600n],
        [2, '2026-02-15', '2026-03-14', 6000n],
        [3, '2026-02-15', '2026-03-14', 7500n],
        [1, '2026-03-15', '2026-04-14', 5600n],
        [2, '2026-03-15', '2026-04-14', 6000n],
        [3, '2026-03-15', '2026-04-14', 7500n],
      ]);
    });

    it('the program default (ERP, +0 bps) below what the reseller pays refuses the order: PRICE_BELOW_COST', async () => {
      await priceFor(w.provider, '6.00');
      const out = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(10, { partnerIdOnRecord: w.reseller.partnerId })],
        },
      );
      expect(codes(out)).toEqual(['PRICE_BELOW_COST']);
    });

    it('a renewal reprices the chain (a rule effective from a later month applies at renewal, not mid-term)', async () => {
      const monthly = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [
            {
              catalogItemId: SEATS,
              quantity: 2,
              termDuration: 'P1M',
              billingCycle: 'monthly',
              partnerIdOnRecord: w.reseller.partnerId,
            },
          ],
        },
      );
      const id = must(monthly).lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          addRepricingRule,
          { principal: w.reseller.globalAdmin },
          {
            sellerTenantId: w.reseller.tenantId,
            basis: 'cost',
            adjustmentBps: 2000,
            effectiveMonth: '2026-02',
          },
        ),
      );
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 32 });
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      expect(lines.map((l) => [l.chargeType, l.tier, l.unitPriceMicros, l.amount])).toEqual([
        ['new', 1, 6_500_000n, 1300n],
        ['new', 2, 6_500_000n, 1300n],
        ['new', 3, 6_500_000n, 1300n],
        ['renew', 1, 6_500_000n, 1300n],
        ['renew', 2, 6_500_000n, 1300n],
        ['renew', 3, 7_800_000n, 1560n],
      ]);
      // The new term's prices are stored (apart from the state, migration 0018): seats added now pay them.
      const state = await csp.store.read((tx) => getSubscriptionBilling(tx, id));
      expect(state?.termPrices.prices.map((p) => [p.tier, p.unitPriceMicros])).toEqual([
        [1, 6_500_000n],
        [2, 6_500_000n],
        [3, 7_800_000n],
      ]);
    });

    it('the direct-bill chain bills two tiers; ResellerMPNID is the direct-bill partner', async () => {
      const order = must(
        await csp.execute(
          placeOrder,
          { principal: w.direct.globalAdmin },
          {
            sellerTenantId: w.direct.tenantId,
            customerTenantId: w.directCustomer.tenantId,
            lines: [seats(3)],
          },
        ),
      );
      const lines = await csp.store.read((tx) =>
        linesOfSubscription(tx, order.lines[0]?.subscriptionId as string),
      );
      expect(lines.map((l) => [l.tier, l.sellerTenantId, l.buyerTenantId, l.resellerPartnerId])).toEqual([
        [1, expect.any(String), w.direct.tenantId, w.direct.partnerId],
        [2, w.direct.tenantId, w.directCustomer.tenantId, w.direct.partnerId],
      ]);
    });

    it("a reseller's value-added service starts at the reseller's tier and never reaches the vendor", async () => {
      must(
        await csp.execute(
          defineService,
          { principal: w.reseller.globalAdmin },
          {
            partnerTenantId: w.reseller.tenantId,
            id: 'RESELLER-MSP',
            title: 'Managed workplace',
            skus: [
              {
                code: 'STD',
                title: 'Per user',
                billing: 'license',
                minQuantity: 1,
                maxQuantity: 500,
                markets: ['FR'],
                prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 1500 } }],
              },
            ],
          },
        ),
      );
      const order = must(
        await csp.execute(
          placeOrder,
          { principal: w.provider.globalAdmin },
          {
            sellerTenantId: w.provider.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            lines: [
              {
                catalogItemId: 'RESELLER-MSP:STD',
                quantity: 4,
                termDuration: 'P1M',
                billingCycle: 'monthly',
                partnerIdOnRecord: w.reseller.partnerId,
              },
            ],
          },
        ),
      );
      const lines = await csp.store.read((tx) =>
        linesOfSubscription(tx, order.lines[0]?.subscriptionId as string),
      );
      expect(lines.map((l) => [l.tier, l.sellerTenantId, l.buyerTenantId, l.amount, l.sourceLineId])).toEqual(
        [[3, w.reseller.tenantId, w.resellerCustomer.tenantId, 6000n, null]],
      );
    });
  });

  describe('partner of record', () => {
    it('a new partner of record reprices the chain from the next cycle; the current cycle stays with the old one', async () => {
      await priceFor(w.provider, '6.00');
      await priceFor(w.reseller, '7.50');
      must(
        await csp.execute(
          addPriceListEntry,
          { principal: w.reseller2.globalAdmin },
          {
            sellerTenantId: w.reseller2.tenantId,
            skuId: SEATS,
            termDuration: 'P1Y',
            billingCycle: 'monthly',
            country: 'FR',
            currency: 'EUR',
            unitPrice: '8.00',
            effectiveFrom: '2026-01-01',
          },
        ),
      );
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      must(
        await csp.execute(
          changePartnerOfRecord,
          { principal: w.provider.globalAdmin, ...at(5) },
          { subscriptionId: id, partnerId: w.reseller2.partnerId },
        ),
      );
      await advanceWorldClock(csp, { principal: w.operator.principal }, { days: 32 });
      const lines = await csp.store.read((tx) => linesOfSubscription(tx, id));
      expect(
        lines.filter((l) => l.tier === 3).map((l) => [l.chargeType, l.sellerTenantId, l.amount]),
      ).toEqual([
        ['new', w.reseller.tenantId, 7500n],
        ['cycleCharge', w.reseller2.tenantId, 8000n],
      ]);
      expect(lines.filter((l) => l.tier === 2).map((l) => l.buyerTenantId)).toEqual([
        w.reseller.tenantId,
        w.reseller2.tenantId,
      ]);
    });

    it('a new partner of record that would sell below its cost is refused and nothing changes', async () => {
      await priceFor(w.provider, '6.00');
      await priceFor(w.reseller, '7.50');
      const order = await indirectOrder(10);
      const id = order.lines[0]?.subscriptionId as string;
      const out = await csp.execute(
        changePartnerOfRecord,
        { principal: w.provider.globalAdmin, ...at(5) },
        { subscriptionId: id, partnerId: w.reseller2.partnerId },
      );
      expect(codes(out)).toEqual(['PRICE_BELOW_COST']);
    });

    it('an order request is priced when the provider approves it', async () => {
      await priceFor(w.provider, '6.00');
      await priceFor(w.reseller, '7.50');
      const requested = must(
        await csp.execute(
          requestOrder,
          { principal: w.reseller.globalAdmin },
          {
            providerTenantId: w.provider.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            lines: [seats(2)],
          },
        ),
      );
      const approved = must(
        await csp.execute(
          approveOrder,
          { principal: w.provider.globalAdmin, ...at(1) },
          { orderId: requested.id },
        ),
      );
      const lines = await csp.store.read((tx) =>
        linesOfSubscription(tx, approved.lines[0]?.subscriptionId as string),
      );
      expect(lines.map((l) => [l.tier, l.amount, l.chargeStart])).toEqual([
        [1, 1120n, '2026-01-16'],
        [2, 1200n, '2026-01-16'],
        [3, 1500n, '2026-01-16'],
      ]);
    });
  });

  describe('refusals', () => {
    it('PRICE_NOT_FOUND when a tier has no entry, no rule and the program has no default', async () => {
      const program = {
        ...defaultProgram(),
        policies: { ...defaultProgram().policies, defaultRepricing: null },
      };
      csp = await db.fresh({ program });
      w = await buildCommerceWorld(csp);
      const out = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(10, { partnerIdOnRecord: w.reseller.partnerId })],
        },
      );
      expect(codes(out)).toEqual(['PRICE_NOT_FOUND']);
      const n = await csp.store.read((tx) => tx.selectFrom('billing_lines').select('id').execute());
      expect(n).toHaveLength(0);
    });

    it('PRICE_BELOW_COST for an entry under what the seller pays; overlapping entries; rules only from a future month', async () => {
      await priceFor(w.provider, '5.00');
      const out = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(10, { partnerIdOnRecord: w.reseller.partnerId })],
        },
      );
      expect(codes(out)).toEqual(['PRICE_BELOW_COST']);
      expect(
        codes(
          await csp.execute(
            addPriceListEntry,
            { principal: w.provider.globalAdmin },
            {
              sellerTenantId: w.provider.tenantId,
              skuId: SEATS,
              termDuration: 'P1Y',
              billingCycle: 'monthly',
              country: 'FR',
              currency: 'EUR',
              unitPrice: '6',
              effectiveFrom: '2026-03-01',
            },
          ),
        ),
      ).toEqual(['PRICE_LIST_OVERLAP']);
      const rule = (effectiveMonth: string, adjustmentBps: number) =>
        csp.execute(
          addRepricingRule,
          { principal: w.reseller.globalAdmin },
          { sellerTenantId: w.reseller.tenantId, basis: 'cost', adjustmentBps, effectiveMonth },
        );
      expect(codes(await rule('2026-01', 1000))).toEqual(['EFFECTIVE_MONTH_NOT_FUTURE']);
      expect(codes(await rule('2026-02', -100))).toEqual(['PRICE_BELOW_COST']);
      must(await rule('2026-02', 2000));
    });
  });
});
