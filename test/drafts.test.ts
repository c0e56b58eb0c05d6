/**
 * `billing/drafts.ts`: every line goes on a document as it is written, on both databases — its
 * relationship's draft invoice for its period (created once, then found), or a credit note against
 * the document of the charge it refunds when that one is issued, void, or a draft of an earlier
 * period (in the store or in the same write); one draft invoice per relationship and period.
 */
import { beforeEach, expect, it } from 'vitest';
import type { CommandContext } from '../src/app/context.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { closeBillingPeriod } from '../src/billing/close.ts';
import { documentsOf, writeLines } from '../src/billing/drafts.ts';
import type { BillingLine } from '../src/billing/model.ts';
import { type IdSource, seededIds } from '../src/kernel/ids.ts';
import { SYSTEM } from '../src/kernel/principal.ts';
import { describeEachDatabase } from './support/databases.ts';

const SELLER = '10000000-0000-4000-8000-000000000001';
const BUYER = '10000000-0000-4000-8000-000000000002';
const OTHER_BUYER = '10000000-0000-4000-8000-000000000003';

let n = 0;
/** A line of `period` (charged on its 3rd) from SELLER to `buyer`. */
function line(period: string, over: Partial<BillingLine> = {}): BillingLine {
  n += 1;
  const id = `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    eventId: id,
    referenceId: id,
    chargeType: 'new',
    tier: 1,
    sellerTenantId: SELLER,
    buyerTenantId: BUYER,
    sellerPartnerId: null,
    buyerPartnerId: 1000001,
    resellerPartnerId: null,
    subscriptionId: '30000000-0000-4000-8000-000000000001',
    orderId: '30000000-0000-4000-8000-000000000002',
    customerTenantId: BUYER,
    customerCountry: 'FR',
    productId: 'P',
    skuId: 'P:S',
    chargeStart: `${period}-03`,
    chargeEnd: `${period}-20`,
    quantity: 1,
    unitPriceMicros: 1_000_000n,
    amount: 100n,
    sourceAmount: null,
    currency: 'EUR',
    sourceLineId: null,
    refundsLineId: null,
    reason: null,
    period,
    invoiceId: null,
    occurredAt: `${period}-03T00:00:00.000Z`,
    lineNo: 0,
    ...over,
  };
}

const refundOf = (charge: BillingLine, period: string) =>
  line(period, { chargeType: 'cancelImmediate', amount: -charge.amount, refundsLineId: charge.id });

describeEachDatabase('draft documents', (db) => {
  let csp: OpenCsp;
  let ids: IdSource;
  beforeEach(async () => {
    csp = await db.fresh();
    ids = seededIds(1);
  });

  /** Runs `body` in one transaction as a command would (its ids, its clock). */
  const command = <T>(body: (ctx: CommandContext) => Promise<T>) =>
    csp.store.write(async (tx) => {
      const ctx = { tx, ids, now: new Date('2026-03-01T00:00:00.000Z') } as CommandContext;
      return { commit: true, value: await body(ctx) };
    });
  const documents = () =>
    csp.store.read((tx) =>
      tx
        .selectFrom('invoices')
        .select([
          'id',
          'kind',
          'status',
          'buyer_tenant_id',
          'period',
          'closed_in_period',
          'original_invoice_id',
        ])
        .orderBy('id')
        .execute(),
    );
  const issue = (id: string) =>
    csp.store.write(async (tx) => {
      await tx.updateTable('invoices').set({ status: 'issued' }).where('id', '=', id).execute();
      return { commit: true, value: undefined };
    });

  it('puts lines on their relationship’s draft for their period: created by the first line, found by the next', async () => {
    const first = await command((ctx) =>
      writeLines(ctx, [line('2026-01'), line('2026-01', { buyerTenantId: OTHER_BUYER }), line('2026-01')]),
    );
    const docs = await documents();
    expect(docs.map((d) => [d.kind, d.status, d.buyer_tenant_id, d.period, d.closed_in_period])).toEqual([
      ['invoice', 'draft', BUYER, '2026-01', '2026-01'],
      ['invoice', 'draft', OTHER_BUYER, '2026-01', '2026-01'],
    ]);
    const [mine, other] = docs;
    expect(first.map((l) => l.invoiceId)).toEqual([mine?.id, other?.id, mine?.id]);
    // A later write finds the drafts; another period gets its own.
    const later = await command((ctx) => documentsOf(ctx, [line('2026-01'), line('2026-02')]));
    const all = await documents();
    expect(all).toHaveLength(3);
    expect(later).toEqual([mine?.id, all[2]?.id]);
    expect(all[2]).toMatchObject({ kind: 'invoice', period: '2026-02', closed_in_period: '2026-02' });
  });

  it('a refund goes on a credit note against an issued document, or a draft of an earlier period; on the invoice otherwise', async () => {
    const [january, februaryCharge] = await command((ctx) =>
      writeLines(ctx, [line('2026-01'), line('2026-02')]),
    );
    if (!january || !februaryCharge) throw new Error('no lines');
    const refunds = await command((ctx) =>
      writeLines(ctx, [refundOf(january, '2026-02'), refundOf(februaryCharge, '2026-02')]),
    );
    const docs = await documents();
    const note = docs.find((d) => d.kind === 'credit-note');
    // January's draft is closed before February's: the refund credits it, for January.
    expect(note).toMatchObject({
      status: 'draft',
      period: '2026-01',
      closed_in_period: '2026-02',
      original_invoice_id: january.invoiceId,
    });
    expect(refunds.map((l) => l.invoiceId)).toEqual([note?.id, februaryCharge.invoiceId]);

    // Once February's invoice is issued, a refund of its charge credits it, on the same note as
    // the next refund of it (a March note): one credit note per original and period.
    await issue(februaryCharge.invoiceId as string);
    const march = await command((ctx) =>
      documentsOf(ctx, [refundOf(februaryCharge, '2026-03'), refundOf(februaryCharge, '2026-03')]),
    );
    const marchNote = (await documents()).find(
      (d) => d.kind === 'credit-note' && d.original_invoice_id === februaryCharge.invoiceId,
    );
    expect(marchNote).toMatchObject({ period: '2026-02', closed_in_period: '2026-03' });
    expect(march).toEqual([marchNote?.id, marchNote?.id]);
    expect(await command((ctx) => documentsOf(ctx, [refundOf(februaryCharge, '2026-03')]))).toEqual([
      marchNote?.id,
    ]);
  });

  it('a refund of a charge of an earlier period in the same write credits that charge’s draft', async () => {
    const charge = line('2026-01');
    const refund = refundOf(charge, '2026-02');
    const sameMonth = refundOf(charge, '2026-01');
    const ids = await command((ctx) => documentsOf(ctx, [charge, refund, sameMonth]));
    const docs = await documents();
    const invoice = docs.find((d) => d.kind === 'invoice' && d.period === '2026-01');
    const note = docs.find((d) => d.kind === 'credit-note');
    expect(note).toMatchObject({
      period: '2026-01',
      closed_in_period: '2026-02',
      original_invoice_id: invoice?.id,
    });
    expect(ids).toEqual([invoice?.id, note?.id, invoice?.id]);
    expect(docs).toHaveLength(2);
  });

  it('one draft invoice per relationship and period, when two commands create it at once', async () => {
    // PostgreSQL: both first attempts look the draft up, find none and create one, then wait for
    // each other before committing; SERIALIZABLE fails one, which is re-run and finds the other's
    // draft. SQLite runs one write transaction at a time: the second finds the first's.
    let arrived = 0;
    let release = () => {};
    const together = new Promise<void>((resolve) => {
      release = resolve;
    });
    const attempts: number[] = [];
    const create = (l: BillingLine) =>
      csp.store.write(async (tx, attempt) => {
        attempts.push(attempt);
        const ctx = { tx, ids, now: new Date('2026-03-01T00:00:00.000Z') } as CommandContext;
        const [written] = await writeLines(ctx, [l]);
        if (db.name === 'postgres' && attempt === 1) {
          arrived += 1;
          if (arrived === 2) release();
          await Promise.race([together, new Promise((resolve) => setTimeout(resolve, 5_000))]);
        }
        return { commit: true, value: written?.invoiceId };
      });
    const placed = await Promise.all([create(line('2026-01')), create(line('2026-01'))]);
    const docs = await documents();
    expect(docs).toHaveLength(1);
    expect(placed).toEqual([docs[0]?.id, docs[0]?.id]);
    if (db.name === 'postgres') {
      expect(arrived).toBe(2); // the race did happen: both created a draft in their first attempt
      expect(attempts.filter((a) => a > 1).length).toBeGreaterThan(0);
    }
    // Issued, it is no longer the relationship's draft: a line that arrives late gets a new one.
    await issue(docs[0]?.id as string);
    const [late] = await command((ctx) => documentsOf(ctx, [line('2026-01')]));
    expect(late).not.toBe(docs[0]?.id);
    expect(await documents()).toHaveLength(2);
  });

  it('the close issues a period’s drafts in the order they were created: numbers follow it, not the buyers’ ids', async () => {
    // January: OTHER_BUYER's invoice. February: OTHER_BUYER's invoice (its id sorts after BUYER's),
    // a credit note against January's, then BUYER's invoice.
    const other = { buyerTenantId: OTHER_BUYER };
    const [charge] = await command((ctx) => writeLines(ctx, [line('2026-01', other)]));
    if (!charge) throw new Error('no line');
    await command((ctx) => writeLines(ctx, [line('2026-02', other)]));
    await command((ctx) => writeLines(ctx, [{ ...refundOf(charge, '2026-02'), ...other }]));
    await command((ctx) => writeLines(ctx, [line('2026-02')]));
    const close = await closeBillingPeriod(
      csp,
      { principal: SYSTEM, now: new Date('2026-03-01T00:00:00.000Z') },
      { period: '2026-02' },
    );
    expect(close).toMatchObject({ ok: true, value: { documentsIssued: 4 } });
    const numbered = await csp.store.read((tx) =>
      tx
        .selectFrom('invoices')
        .select(['kind', 'buyer_tenant_id as buyer', 'closed_in_period as closedIn', 'number'])
        .execute(),
    );
    const sequence = (d: { number: string | null }) => String(d.number).slice(-6);
    numbered.sort((a, b) => sequence(a).localeCompare(sequence(b)));
    expect(numbered.map((d) => [d.closedIn, d.kind, d.buyer, sequence(d)])).toEqual([
      ['2026-01', 'invoice', OTHER_BUYER, '000001'],
      ['2026-02', 'invoice', OTHER_BUYER, '000002'],
      ['2026-02', 'credit-note', OTHER_BUYER, '000003'],
      ['2026-02', 'invoice', BUYER, '000004'],
    ]);
  });
});
