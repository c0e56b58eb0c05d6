/**
 * Reconciliation exports: the lines of one invoice, or of every document closed in a period, as
 * CSV or NDJSON, with Partner Center's reconciliation column names where they exist.
 *
 * Locale-free and deterministic, so exporting twice gives the same bytes: dates `YYYY-MM-DD` (UTC),
 * amounts as decimal strings at the currency's exponent, unit prices with six decimals, a fixed
 * column order and a fixed row order — documents by (seller, kind, number), lines by (occurred,
 * id). CSV is RFC 4180 quoting (a field holding a comma, a quote, CR or LF is quoted, quotes
 * doubled) with **LF** line ends; NDJSON is one JSON object per line keyed by the column names
 * (amounts as strings, `Quantity`, `ChainTier` and Partner IDs as numbers, `null` for empty).
 *
 * Rows are read in bounded pages (keyset pagination, at most 1000 rows a query by default, each
 * page in its own read; small documents share one query), so a month of millions of lines streams in bounded memory.
 */
import type { RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { csvField } from '../cli/export.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { actsFor } from '../rules/decisions.ts';
import type { BillingLine } from './model.ts';
import { formatAmount, formatMicros } from './money.ts';
import { BILLING_ROLES, getInvoice, readsSellerSide, viewerOf } from './service.ts';
import { toBillingLine } from './store.ts';

const COLUMNS = [
  'PartnerId',
  'MPNID',
  'ResellerMPNID',
  'CustomerId',
  'CustomerCountry',
  'InvoiceNumber',
  'SubscriptionId',
  'OrderId',
  'ProductId',
  'SkuId',
  'ChargeType',
  'ChargeStartDate',
  'ChargeEndDate',
  'UnitPrice',
  'Quantity',
  'Subtotal',
  'TaxTotal',
  'Total',
  'Currency',
  'PricingCurrency',
  'ReferenceId',
  'LineId',
  'SellerPartnerId',
  'BuyerPartnerId',
  'SellerTenantId',
  'BuyerTenantId',
  'ChainTier',
  'EventId',
  'SourceLineId',
  'RefundsLineId',
  'MarginAmount',
  'Reason',
] as const;

/** The export's columns, in order: Partner Center's reconciliation names, then ours. */
export const EXPORT_COLUMNS: readonly string[] = COLUMNS;

type Column = (typeof COLUMNS)[number];
type ExportRow = { readonly [C in Column]: string | number | null };

export type ExportFormat = 'csv' | 'ndjson';

/** Rows per database query, unless told otherwise. */
const PAGE = 1000;

export interface ExportOptions {
  /** Rows (and documents) per database query; default 1000. */
  readonly pageSize?: number;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function pageSizeOf(options: ExportOptions): number {
  const n = options.pageSize ?? PAGE;
  return Number.isSafeInteger(n) && n >= 1 ? n : PAGE;
}

function day(text: string): string {
  return text.slice(0, 10);
}

/**
 * One billing line as an export row (keys in column order). `viewer`: the tenant reading it (null:
 * the operator). A line's margin and the line above it are the seller's business: a buyer reads
 * them empty (they would tell it what its seller pays).
 */
export function exportRow(
  l: BillingLine,
  invoiceNumber: string | null,
  viewer: string | null = null,
): ExportRow {
  const sellerView = readsSellerSide(viewer, l);
  // The billed partner: the buyer when it is a partner, else the seller (the buyer is the customer).
  const buyerIsPartner = l.buyerPartnerId !== null;
  const amount = formatAmount(l.amount, l.currency);
  return {
    PartnerId: buyerIsPartner ? l.buyerTenantId : l.sellerTenantId,
    MPNID: buyerIsPartner ? l.buyerPartnerId : l.sellerPartnerId,
    ResellerMPNID: l.resellerPartnerId,
    CustomerId: l.customerTenantId,
    CustomerCountry: l.customerCountry,
    InvoiceNumber: invoiceNumber,
    SubscriptionId: l.subscriptionId,
    OrderId: l.orderId,
    ProductId: l.productId,
    SkuId: l.skuId,
    ChargeType: l.chargeType,
    ChargeStartDate: day(l.chargeStart),
    ChargeEndDate: day(l.chargeEnd),
    UnitPrice: formatMicros(l.unitPriceMicros),
    Quantity: l.quantity,
    Subtotal: amount,
    TaxTotal: formatAmount(0n, l.currency),
    Total: amount,
    Currency: l.currency,
    PricingCurrency: l.currency,
    ReferenceId: l.referenceId,
    LineId: l.id,
    SellerPartnerId: l.sellerPartnerId,
    BuyerPartnerId: l.buyerPartnerId,
    SellerTenantId: l.sellerTenantId,
    BuyerTenantId: l.buyerTenantId,
    ChainTier: l.tier,
    EventId: l.eventId,
    SourceLineId: sellerView ? l.sourceLineId : null,
    RefundsLineId: l.refundsLineId,
    MarginAmount: sellerView ? formatAmount(l.amount - (l.sourceAmount ?? 0n), l.currency) : null,
    Reason: l.reason,
  };
}

/** A CSV line (LF-terminated) of values. */
function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\n`;
}

function render(format: ExportFormat, row: ExportRow): string {
  return format === 'csv' ? csvRecord(COLUMNS.map((c) => row[c])) : `${JSON.stringify(row)}\n`;
}

function header(format: ExportFormat): string {
  return format === 'csv' ? csvRecord(COLUMNS) : '';
}

function badFormat(format: string): Outcome<never> | undefined {
  if (format === 'csv' || format === 'ndjson') return undefined;
  return refuse(violation('INVALID_FIELD', 'format must be csv or ndjson.', { field: 'format' }));
}

interface Doc {
  readonly id: string;
  readonly number: string | null;
  readonly lineCount: number;
}

interface LineKey {
  readonly occurredAt: string;
  readonly id: string;
}

/** One page of a document's lines after `after`, by (occurred, id). */
async function linePage(
  csp: OpenCsp,
  invoiceId: string,
  after: LineKey | undefined,
  page: number,
): Promise<BillingLine[]> {
  const rows = await csp.store.read((tx) => {
    let q = tx.selectFrom('billing_lines').selectAll().where('invoice_id', '=', invoiceId);
    // A row-value comparison, so the database seeks to the page instead of filtering up to it.
    if (after)
      q = q.where((eb) => eb(eb.refTuple('occurred_at', 'id'), '>', eb.tuple(after.occurredAt, after.id)));
    return q.orderBy('occurred_at').orderBy('id').limit(page).execute();
  });
  return rows.map(toBillingLine);
}

/** Every line of one document, page by page. */
async function* documentLines(
  csp: OpenCsp,
  invoiceId: string,
  pageSize: number,
): AsyncGenerator<BillingLine[]> {
  let after: LineKey | undefined;
  for (;;) {
    const page = await linePage(csp, invoiceId, after, pageSize);
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = { occurredAt: last.occurredAt, id: last.id };
  }
}

/**
 * The lines of several small documents (together at most a page of lines, by their line counts) in
 * one query, in document order then (occurred, id).
 */
async function smallDocumentLines(csp: OpenCsp, docs: readonly Doc[]): Promise<BillingLine[]> {
  const rows = await csp.store.read((tx) =>
    tx
      .selectFrom('billing_lines')
      .selectAll()
      .where(
        'invoice_id',
        'in',
        docs.map((d) => d.id),
      )
      .orderBy('occurred_at')
      .orderBy('id')
      .execute(),
  );
  const byDoc = new Map<string, BillingLine[]>(docs.map((d) => [d.id, []]));
  for (const r of rows) byDoc.get(r.invoice_id ?? '')?.push(toBillingLine(r));
  return docs.flatMap((d) => byDoc.get(d.id) ?? []);
}

async function* chunks(
  format: ExportFormat,
  pages: AsyncIterable<{ lines: readonly BillingLine[]; numbers: ReadonlyMap<string, string | null> }>,
  viewer: string | null,
): AsyncGenerator<string> {
  const head = header(format);
  if (head) yield head;
  for await (const { lines, numbers } of pages) {
    let chunk = '';
    for (const l of lines)
      chunk += render(format, exportRow(l, numbers.get(l.invoiceId ?? '') ?? null, viewer));
    if (chunk) yield chunk;
  }
}

/**
 * Exports the lines of one invoice or credit note the principal may read (its seller, its buyer,
 * the operator); `INVOICE_NOT_FOUND` otherwise.
 */
export async function exportInvoice(
  csp: OpenCsp,
  request: RequestInfo,
  invoiceId: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Outcome<AsyncIterable<string>>> {
  const refused = badFormat(format);
  if (refused) return refused;
  const pageSize = pageSizeOf(options);
  const found = await csp.query(getInvoice, request, { invoiceId });
  if (!found.ok) return found;
  const numbers = new Map([[found.value.id, found.value.number]]);
  async function* pages() {
    for await (const lines of documentLines(csp, invoiceId, pageSize)) yield { lines, numbers };
  }
  return accept(chunks(format, pages(), viewerOf(request)));
}

interface DocKey {
  readonly seller: string;
  readonly kind: string;
  readonly number: string;
}

/** The tenant whose documents the principal reads; null = all (operator); undefined = none. */
function exportScope(request: RequestInfo): string | null | undefined {
  const p = request.principal;
  if (isOperator(p)) return null;
  if (p.kind !== 'user') return undefined;
  return actsFor(p, p.tenantId, BILLING_ROLES) || actsFor(p, p.tenantId, ['global-admin'])
    ? p.tenantId
    : undefined;
}

/** One page of the documents closed in `period` (issued or void) after `after`, by (seller, kind, number). */
async function documentPage(
  csp: OpenCsp,
  period: string,
  tenant: string | null,
  after: DocKey | undefined,
  page: number,
): Promise<(Doc & DocKey)[]> {
  const rows = await csp.store.read((tx) => {
    let q = tx
      .selectFrom('invoices')
      .select(['id', 'kind', 'number', 'seller_tenant_id', 'line_count'])
      .where('closed_in_period', '=', period)
      .where('status', 'in', ['issued', 'void']);
    if (tenant !== null)
      q = q.where((eb) => eb.or([eb('seller_tenant_id', '=', tenant), eb('buyer_tenant_id', '=', tenant)]));
    if (after)
      q = q.where((eb) =>
        eb(
          eb.refTuple('seller_tenant_id', 'kind', 'number'),
          '>',
          eb.tuple(after.seller, after.kind, after.number),
        ),
      );
    return q.orderBy('seller_tenant_id').orderBy('kind').orderBy('number').limit(page).execute();
  });
  return rows.map((r) => ({
    id: r.id,
    seller: r.seller_tenant_id,
    kind: r.kind,
    // Issued and voided documents always carry their number.
    number: r.number ?? '',
    lineCount: Number(r.line_count),
  }));
}

/**
 * Exports every line of the documents closed in `period` (issued or void) that the principal's
 * tenant issued or received (the operator: all). `INVALID_FIELD` for a period that is not `YYYY-MM`.
 */
export async function exportPeriod(
  csp: OpenCsp,
  request: RequestInfo,
  period: string,
  format: ExportFormat,
  options: ExportOptions = {},
): Promise<Outcome<AsyncIterable<string>>> {
  if (typeof period !== 'string' || !PERIOD.test(period))
    return refuse(violation('INVALID_FIELD', 'period must be a month YYYY-MM.', { field: 'period' }));
  const refused = badFormat(format);
  if (refused) return refused;
  const pageSize = pageSizeOf(options);
  const scope = exportScope(request);
  async function* pages() {
    if (scope === undefined) return;
    let after: DocKey | undefined;
    for (;;) {
      const docs = await documentPage(csp, period, scope, after, pageSize);
      const numbers = new Map(docs.map((d) => [d.id, d.number || null]));
      // Small documents share a query (up to a page of lines); a big one is paged on its own.
      let group: Doc[] = [];
      let groupLines = 0;
      const flush = async () => {
        const lines = group.length > 0 ? await smallDocumentLines(csp, group) : [];
        group = [];
        groupLines = 0;
        return lines;
      };
      for (const d of docs) {
        if (d.lineCount > pageSize) {
          if (group.length > 0) yield { lines: await flush(), numbers };
          for await (const lines of documentLines(csp, d.id, pageSize)) yield { lines, numbers };
          continue;
        }
        if (groupLines + d.lineCount > pageSize) yield { lines: await flush(), numbers };
        group.push(d);
        groupLines += d.lineCount;
      }
      if (group.length > 0) yield { lines: await flush(), numbers };
      const last = docs.at(-1);
      if (!last || docs.length < pageSize) return;
      after = { seller: last.seller, kind: last.kind, number: last.number };
    }
  }
  return accept(chunks(format, pages(), scope === undefined ? '' : scope));
}
