/**
 * Reconciliation exports on both databases: both chains ordered in January 2026, a credit whose
 * reason needs quoting, the month closed; then every invoice and the period exported as CSV and
 * NDJSON, parsed back and checked against the invoices.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCommerceWorld, type CommerceWorld, SEATS } from '../../test/support/commerce.ts';
import { describeEachDatabase } from '../../test/support/databases.ts';
import { codes } from '../../test/support/snapshot.ts';
import type { RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import type { Outcome } from '../kernel/outcome.ts';
import { placeOrder } from '../orders/service.ts';
import { advanceWorldClock } from '../subscriptions/clock.ts';
import { must } from '../world/builder.ts';
import { closeBillingPeriod } from './close.ts';
import { EXPORT_COLUMNS, exportInvoice, exportPeriod, jsonRecord } from './export.ts';
import { parseDecimal } from './money.ts';
import { addPriceListEntry, type InvoiceView, issueCredit, listInvoices } from './service.ts';

/** Parses RFC 4180 CSV with LF line ends (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with a line end');
  return records;
}

async function text(out: Outcome<AsyncIterable<string | Uint8Array>>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of must(out)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

type Row = Record<string, string | number | null>;

function csvRows(csv: string): Row[] {
  const [head, ...rest] = parseCsv(csv);
  expect(head).toEqual([...EXPORT_COLUMNS]);
  return rest.map((r) => Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, r[i] ?? ''])));
}

function ndjsonRows(ndjson: string): Row[] {
  if (ndjson === '') return [];
  expect(ndjson.endsWith('\n')).toBe(true);
  return ndjson
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

const cents = (amount: unknown) => parseDecimal(String(amount), 2) as bigint;

describeEachDatabase('billing exports', (db) => {
  let csp: OpenCsp;
  let w: CommerceWorld;
  let operator: RequestInfo;
  let invoices: InvoiceView[];

  beforeEach(async () => {
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
    operator = { principal: w.operator.principal };
    for (const [seller, unitPrice] of [
      [w.provider, '6.00'],
      [w.reseller, '7.50'],
    ] as const)
      must(
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
    const indirect = must(
      await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [
            {
              catalogItemId: SEATS,
              quantity: 10,
              termDuration: 'P1Y',
              billingCycle: 'monthly',
              partnerIdOnRecord: w.reseller.partnerId,
            },
          ],
        },
      ),
    );
    must(
      await csp.execute(
        placeOrder,
        { principal: w.direct.globalAdmin },
        {
          sellerTenantId: w.direct.tenantId,
          customerTenantId: w.directCustomer.tenantId,
          lines: [{ catalogItemId: SEATS, quantity: 3, termDuration: 'P1Y', billingCycle: 'monthly' }],
        },
      ),
    );
    must(
      await csp.execute(
        issueCredit,
        { principal: w.reseller.globalAdmin },
        {
          sellerTenantId: w.reseller.tenantId,
          subscriptionId: indirect.lines[0]?.subscriptionId,
          amount: '5.00',
          reason: 'outage, "major"',
        },
      ),
    );
    must(await advanceWorldClock(csp, operator, { days: 17 }));
    must(await closeBillingPeriod(csp, operator, { period: '2026-01' }));
    invoices = must(await csp.query(listInvoices, operator, { period: '2026-01' })).items as InvoiceView[];
  });

  it('exports each invoice as CSV and NDJSON: the columns, one row per line, totals that add up', async () => {
    // vendor → provider, provider → reseller, reseller → customer, vendor → direct, direct → customer.
    expect(invoices).toHaveLength(5);
    for (const invoice of invoices) {
      const csv = csvRows(await text(await exportInvoice(csp, operator, invoice.id, 'csv')));
      const ndjson = ndjsonRows(await text(await exportInvoice(csp, operator, invoice.id, 'ndjson')));
      expect(csv).toHaveLength(invoice.lineCount);
      expect(ndjson).toHaveLength(invoice.lineCount);
      for (const [i, row] of ndjson.entries()) {
        expect(Object.keys(row)).toEqual([...EXPORT_COLUMNS]);
        // The same values in both formats: CSV writes numbers as digits and null as empty.
        expect(csv[i]).toEqual(
          Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? '' : String(v)])),
        );
        expect(row).toMatchObject({
          InvoiceNumber: invoice.number,
          Currency: 'EUR',
          PricingCurrency: 'EUR',
          TaxTotal: '0.00',
          SellerTenantId: invoice.sellerTenantId,
          BuyerTenantId: invoice.buyerTenantId,
        });
        expect(row.Subtotal).toBe(row.Total);
        expect(row.ChargeStartDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(row.UnitPrice).toMatch(/^-?\d+\.\d{6}$/);
        expect(row.Total).toMatch(/^-?\d+\.\d{2}$/);
        expect(typeof row.Quantity).toBe('number');
        expect(typeof row.ChainTier).toBe('number');
        // Every money row names the partner closest to the customer.
        expect(row.ResellerMPNID).toEqual(expect.any(Number));
        expect(csv[i]?.ResellerMPNID).not.toBe('');
      }
      const sum = ndjson.reduce((s, r) => s + cents(r.Total), 0n);
      expect(sum).toBe(cents(invoice.total));
    }
  });

  it('names the billed partner, the reseller and the margin on both chains', async () => {
    const rows = ndjsonRows(await text(await exportPeriod(csp, operator, '2026-01', 'ndjson')));
    const pick = (r: Row) => [
      r.ChainTier,
      r.ChargeType,
      r.PartnerId,
      r.MPNID,
      r.ResellerMPNID,
      r.Total,
      r.MarginAmount,
    ];
    const indirect = rows.filter((r) => r.CustomerId === w.resellerCustomer.tenantId);
    expect(indirect.map(pick)).toEqual(
      expect.arrayContaining([
        [1, 'new', w.provider.tenantId, w.provider.partnerId, w.reseller.partnerId, '56.00', '56.00'],
        [2, 'new', w.reseller.tenantId, w.reseller.partnerId, w.reseller.partnerId, '60.00', '4.00'],
        [3, 'new', w.reseller.tenantId, w.reseller.partnerId, w.reseller.partnerId, '75.00', '15.00'],
        [
          3,
          'customerCredit',
          w.reseller.tenantId,
          w.reseller.partnerId,
          w.reseller.partnerId,
          '-5.00',
          '-5.00',
        ],
      ]),
    );
    expect(indirect).toHaveLength(4);
    const direct = rows.filter((r) => r.CustomerId === w.directCustomer.tenantId);
    expect(direct.map(pick)).toEqual([
      [1, 'new', w.direct.tenantId, w.direct.partnerId, w.direct.partnerId, '16.80', '16.80'],
      [2, 'new', w.direct.tenantId, w.direct.partnerId, w.direct.partnerId, '16.80', '0.00'],
    ]);
    // Documents by (seller, kind, number): each document's rows are together, in that order.
    const numbers = rows.map((r) => r.InvoiceNumber);
    const order = [...invoices]
      .sort(
        (a, b) =>
          (a.sellerTenantId < b.sellerTenantId ? -1 : a.sellerTenantId > b.sellerTenantId ? 1 : 0) ||
          (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
          ((a.number ?? '') < (b.number ?? '') ? -1 : 1),
      )
      .flatMap((i) => Array(i.lineCount).fill(i.number));
    if (db.name === 'sqlite') expect(numbers).toEqual(order);
    expect(new Set(numbers).size).toBe(5);
    expect(numbers.filter((n, i) => i > 0 && n !== numbers[i - 1])).toHaveLength(4);
  });

  it('quotes a reason holding a comma and a quote (RFC 4180), with LF line ends', async () => {
    const credit = invoices.find((i) => i.sellerTenantId === w.reseller.tenantId);
    const csv = await text(await exportInvoice(csp, operator, credit?.id as string, 'csv'));
    expect(csv).toContain(',"outage, ""major"""\n');
    expect(csv).not.toContain('\r');
    expect(csvRows(csv).map((r) => r.Reason)).toContain('outage, "major"');
    const ndjson = await text(await exportInvoice(csp, operator, credit?.id as string, 'ndjson'));
    expect(ndjsonRows(ndjson).map((r) => r.Reason)).toContain('outage, "major"');
  });

  it('a period export holds every line of the period for the operator, only its own for a partner', async () => {
    const all = csvRows(await text(await exportPeriod(csp, operator, '2026-01', 'csv')));
    expect(all).toHaveLength(invoices.reduce((n, i) => n + i.lineCount, 0));
    for (const r of all) expect(r.ResellerMPNID).toMatch(/^\d{7}$/);
    for (const [partner, expected] of [
      [w.reseller, 3], // provider → reseller (1), reseller → customer (new + credit)
      [w.direct, 2],
      [w.provider, 2],
      [w.reseller2, 0],
      [w.resellerCustomer, 2], // a customer's admin reads what it receives
    ] as const) {
      const rows = ndjsonRows(
        await text(await exportPeriod(csp, { principal: partner.globalAdmin }, '2026-01', 'ndjson')),
      );
      expect(rows, partner.tenantId).toHaveLength(expected);
      for (const r of rows) expect([r.SellerTenantId, r.BuyerTenantId]).toContain(partner.tenantId);
    }
    // A user without a billing role reads nothing (the header alone).
    const helpdesk = {
      ...w.operator.principal,
      kind: 'user',
      tenantId: w.reseller.tenantId,
      roles: ['helpdesk-agent'],
    };
    expect(
      await text(
        await exportPeriod(csp, { principal: helpdesk as RequestInfo['principal'] }, '2026-01', 'csv'),
      ),
    ).toBe(`${EXPORT_COLUMNS.join(',')}\n`);
    // Nothing closed in February yet: the header alone.
    expect(await text(await exportPeriod(csp, operator, '2026-02', 'csv'))).toBe(
      `${EXPORT_COLUMNS.join(',')}\n`,
    );
    expect(await text(await exportPeriod(csp, operator, '2026-02', 'ndjson'))).toBe('');
  });

  it('refuses an invoice the principal cannot read and a bad period', async () => {
    const vendorToProvider = invoices.find((i) => i.buyerTenantId === w.provider.tenantId);
    expect(
      codes(
        await exportInvoice(
          csp,
          { principal: w.reseller.globalAdmin },
          vendorToProvider?.id as string,
          'csv',
        ),
      ),
    ).toEqual(['INVOICE_NOT_FOUND']);
    expect(
      codes(await exportInvoice(csp, operator, '0badc0de-0000-4000-8000-000000000001', 'ndjson')),
    ).toEqual(['INVOICE_NOT_FOUND']);
    for (const period of ['2026-13', '2026-1', 'January', ''])
      expect(codes(await exportPeriod(csp, operator, period, 'csv'))).toEqual(['INVALID_FIELD']);
    expect(codes(await exportPeriod(csp, operator, '2026-01', 'xml' as 'csv'))).toEqual(['INVALID_FIELD']);
  });

  it('re-exporting gives the same bytes', async () => {
    for (const format of ['csv', 'ndjson'] as const) {
      const first = await text(await exportPeriod(csp, operator, '2026-01', format));
      const second = await text(await exportPeriod(csp, operator, '2026-01', format));
      expect(second).toBe(first);
      expect(first.length).toBeGreaterThan(100);
      for (const invoice of invoices) {
        const a = await text(await exportInvoice(csp, operator, invoice.id, format));
        expect(await text(await exportInvoice(csp, operator, invoice.id, format))).toBe(a);
        // An invoice's export is its slice of the period export.
        if (format === 'ndjson') expect(first).toContain(a);
      }
    }
  });

  it('pages through the database in bounded reads, with the same bytes at any page size', async () => {
    const lines = invoices.reduce((n, i) => n + i.lineCount, 0);
    const expected = await text(await exportPeriod(csp, operator, '2026-01', 'csv'));
    const read = vi.spyOn(csp.store, 'read');
    for (const pageSize of [1, 2, 3]) {
      read.mockClear();
      expect(await text(await exportPeriod(csp, operator, '2026-01', 'csv', { pageSize }))).toBe(expected);
      // At most `pageSize` documents or lines a read: at least one read per page of each.
      expect(read.mock.calls.length).toBeGreaterThanOrEqual(Math.ceil(lines / pageSize));
      const big = invoices.find((i) => i.lineCount > 1) as InvoiceView;
      expect(await text(await exportInvoice(csp, operator, big.id, 'ndjson', { pageSize }))).toBe(
        await text(await exportInvoice(csp, operator, big.id, 'ndjson')),
      );
    }
    read.mockRestore();
  });

  it('lists lines by document (seller, kind, number), then (occurred, id), whatever order they were written in', async () => {
    const inDocumentOrder = csp.store.db
      .selectFrom('billing_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .where('i.closed_in_period', '=', '2026-01')
      .orderBy('i.seller_tenant_id')
      .orderBy('i.kind')
      .orderBy('i.number')
      .orderBy('l.occurred_at')
      .orderBy('l.id');
    // More lines on one document, written against their (occurred, id) order: the latest first, then
    // three at one instant whose ids do not come in the order they were written.
    const line = await csp.store.db
      .selectFrom('billing_lines')
      .selectAll()
      .where('invoice_id', '=', invoices[0]?.id as string)
      .executeTakeFirstOrThrow();
    const later: [id: string, occurredAt: string][] = [
      ['00000000-0000-4000-8000-00000000000a', '2026-01-20T00:00:00.000Z'],
      ['00000000-0000-4000-8000-00000000000b', '2026-01-02T00:00:00.000Z'],
      ['ffffffff-0000-4000-8000-00000000000c', '2026-01-02T00:00:00.000Z'],
      ['00000000-0000-4000-8000-000000000009', '2026-01-02T00:00:00.000Z'],
    ];
    for (const [id, occurredAt] of later)
      await csp.store.db
        .insertInto('billing_lines')
        .values({ ...line, id, occurred_at: occurredAt })
        .execute();
    const rows = ndjsonRows(await text(await exportPeriod(csp, operator, '2026-01', 'ndjson')));
    const ids = (await inDocumentOrder.select('l.id').execute()).map((l) => l.id);
    expect(ids.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.LineId)).toEqual(ids);
  });

  it('on PostgreSQL reads the next page while the consumer still holds the current one', async () => {
    const reads = vi.spyOn(csp.store, 'readArrays');
    try {
      // In this thread (a page of one document reads as a big export, which would take workers).
      const out = await exportPeriod(csp, operator, '2026-01', 'ndjson', { pageSize: 1, workers: 0 });
      if (!out.ok) throw new Error('export refused');
      const it = out.value[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      // The first chunk is the first page: one read. PostgreSQL then reads the second page without
      // the consumer asking (waited for, not timed: it may have started before the first chunk
      // came back, or start later on a loaded machine). SQLite reads in this thread: nothing to
      // overlap, no read-ahead.
      if (db.name === 'postgres')
        await vi.waitFor(() => expect(reads.mock.calls.length).toBe(2), { timeout: 5_000 });
      else {
        await new Promise((r) => setTimeout(r, 50));
        expect(reads.mock.calls.length).toBe(1);
      }
      await it.return?.(undefined);
    } finally {
      reads.mockRestore();
    }
  });
});

describe('CSV parser of the tests', () => {
  it('reads quoted fields with commas, quotes and line breaks', () => {
    expect(parseCsv('a,"b,c","d""e","f\ng"\n,\n')).toEqual([
      ['a', 'b,c', 'd"e', 'f\ng'],
      ['', ''],
    ]);
  });
});

describe('NDJSON lines', () => {
  it('are the bytes of JSON.stringify of the row keyed by the columns, whatever the values', () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.string({ unit: 'binary' }),
      fc.string({
        unit: fc.constantFrom(
          '"',
          '\\',
          '\n',
          '\u0000',
          '\u001f',
          '\u007f',
          '\u2028',
          '\ud800',
          '\udfff',
          '\ud83d\ude00',
          'a',
          ',',
        ),
      }),
      fc.integer(),
      fc.double(),
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: EXPORT_COLUMNS.length, maxLength: EXPORT_COLUMNS.length }),
        (values) => {
          const keyed = Object.fromEntries(EXPORT_COLUMNS.map((c, i) => [c, values[i]]));
          expect(jsonRecord(values)).toBe(`${JSON.stringify(keyed)}\n`);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
