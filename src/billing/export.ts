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
 * page in its own read; small documents share one query), so a month of millions of lines streams
 * in bounded memory. Lines are read as arrays of column values (`Store.readArrays`) and written
 * straight to text: an object per row, twice (a `BillingLine`, then a keyed row), had cost more
 * than the database's own reads.
 */
import type { Kysely } from 'kysely';
import type { RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { csvField } from '../cli/export.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { readAhead } from '../kernel/read-ahead.ts';
import { actsFor } from '../rules/decisions.ts';
import type { Database } from '../store/schema.ts';
import type { DialectName } from '../store/store.ts';
import { formatAmount, formatMicros } from './money.ts';
import { BILLING_ROLES, getInvoice, readsSellerSide, viewerOf } from './service.ts';
import { big, LINE_INSERT_COLUMNS } from './store.ts';

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

/** A line's export values, in `COLUMNS` order. */
type ExportValues = readonly (string | number | null)[];

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

/**
 * The `billing_lines` columns an export reads, in this order (rows are read as arrays of them):
 * every column a line is written with but its period and its number.
 */
const LINE_COLUMNS = LINE_INSERT_COLUMNS.filter(
  (c): c is Exclude<(typeof LINE_INSERT_COLUMNS)[number], 'period' | 'line_no'> =>
    c !== 'period' && c !== 'line_no',
);

/** A line as read: its `LINE_COLUMNS` values (integers a number while exact, else a bigint). */
type LineRow = readonly unknown[];

/** Each line column's position in a `LineRow`. */
const AT = Object.fromEntries(LINE_COLUMNS.map((c, i) => [c, i])) as {
  readonly [C in (typeof LINE_COLUMNS)[number]]: number;
};

type Integer = number | bigint;

/** `amount − source` exactly (a number while exact). */
function difference(amount: Integer, source: Integer | null): Integer {
  if (source === null) return amount;
  if (typeof amount === 'number' && typeof source === 'number') {
    const d = amount - source;
    if (Number.isSafeInteger(d)) return d;
  }
  return big(amount) - big(source);
}

const text = (v: unknown) => v as string;
const textOrNull = (v: unknown) => v as string | null;
const int = (v: unknown) => v as Integer;
const intOrNull = (v: unknown) => (v === null ? null : Number(v));

/**
 * One billing line's export values, in column order, written into `into` (the export reuses one
 * array for every row: an array of thirty-two values per row was garbage to collect). `viewer`:
 * the tenant reading it (null: the operator). A line's margin and the line above it are the
 * seller's business: a buyer reads them empty (they would tell it what its seller pays).
 */
export function exportValues(
  r: LineRow,
  invoiceNumber: string | null,
  viewer: string | null = null,
  into: (string | number | null)[] = new Array(COLUMNS.length),
): ExportValues {
  const seller = text(r[AT.seller_tenant_id]);
  const sellerView = readsSellerSide(viewer, { sellerTenantId: seller });
  const currency = text(r[AT.currency]);
  const sellerPartnerId = intOrNull(r[AT.seller_partner_id]);
  const buyerPartnerId = intOrNull(r[AT.buyer_partner_id]);
  // The billed partner: the buyer when it is a partner, else the seller (the buyer is the customer).
  const buyerIsPartner = buyerPartnerId !== null;
  const amount = int(r[AT.amount_minor]);
  const formatted = formatAmount(amount, currency);
  into[0] = buyerIsPartner ? text(r[AT.buyer_tenant_id]) : seller; // PartnerId
  into[1] = buyerIsPartner ? buyerPartnerId : sellerPartnerId; // MPNID
  into[2] = intOrNull(r[AT.reseller_partner_id]); // ResellerMPNID
  into[3] = text(r[AT.customer_tenant_id]); // CustomerId
  into[4] = text(r[AT.customer_country]); // CustomerCountry
  into[5] = invoiceNumber; // InvoiceNumber
  into[6] = text(r[AT.subscription_id]); // SubscriptionId
  into[7] = textOrNull(r[AT.order_id]); // OrderId
  into[8] = text(r[AT.product_id]); // ProductId
  into[9] = text(r[AT.sku_id]); // SkuId
  into[10] = text(r[AT.charge_type]); // ChargeType
  into[11] = text(r[AT.charge_start]).slice(0, 10); // ChargeStartDate
  into[12] = text(r[AT.charge_end]).slice(0, 10); // ChargeEndDate
  into[13] = formatMicros(int(r[AT.unit_price_micros])); // UnitPrice
  into[14] = Number(r[AT.quantity]); // Quantity
  into[15] = formatted; // Subtotal
  into[16] = zeroAmount(currency); // TaxTotal
  into[17] = formatted; // Total
  into[18] = currency; // Currency
  into[19] = currency; // PricingCurrency
  into[20] = text(r[AT.reference_id]); // ReferenceId
  into[21] = text(r[AT.id]); // LineId
  into[22] = sellerPartnerId; // SellerPartnerId
  into[23] = buyerPartnerId; // BuyerPartnerId
  into[24] = seller; // SellerTenantId
  into[25] = text(r[AT.buyer_tenant_id]); // BuyerTenantId
  into[26] = Number(r[AT.tier]); // ChainTier
  into[27] = text(r[AT.event_id]); // EventId
  into[28] = sellerView ? textOrNull(r[AT.source_line_id]) : null; // SourceLineId
  into[29] = textOrNull(r[AT.refunds_line_id]); // RefundsLineId
  into[30] = sellerView
    ? formatAmount(difference(amount, r[AT.source_amount_minor] as Integer | null), currency)
    : null; // MarginAmount
  into[31] = textOrNull(r[AT.reason]); // Reason
  return into;
}

/** Zero at each currency's exponent (`0.00`, `0` for JPY), made once per currency. */
const zeroes = new Map<string, string>();
function zeroAmount(currency: string): string {
  let z = zeroes.get(currency);
  if (z === undefined) {
    z = formatAmount(0, currency);
    zeroes.set(currency, z);
  }
  return z;
}

/** A CSV line (LF-terminated) of values. */
function csvRecord(values: readonly unknown[]): string {
  let line = csvField(values[0]);
  for (let i = 1; i < values.length; i++) line += `,${csvField(values[i])}`;
  return `${line}\n`;
}

/** Each column's key as NDJSON writes it before its value: `{"PartnerId":`, `,"MPNID":`, … */
const JSON_KEYS = COLUMNS.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c)}:`);

/**
 * The characters `JSON.stringify` escapes in a string: a quote, a backslash, control characters —
 * and surrogates, of which it escapes a lone one (a string with any goes through it, for that).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes.
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A value as JSON: a string quoted and escaped, a number as is, nothing as `null`. A string with
 * nothing to escape (ids, dates, amounts, codes: nearly all) is quoted as it is, the same bytes as
 * `JSON.stringify` at about half its cost.
 */
function jsonValue(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return JSON_ESCAPED.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/**
 * An NDJSON line: the values as an object keyed by the column names, in column order — written
 * as text key by key (the same bytes as `JSON.stringify` of that object, without building it: an
 * object of thirty-two properties per row had cost more than the rest of the line).
 */
export function jsonRecord(values: ExportValues): string {
  let line = '';
  for (let i = 0; i < COLUMNS.length; i++) line += JSON_KEYS[i] + jsonValue(values[i]);
  return `${line}}\n`;
}

function render(format: ExportFormat, values: ExportValues): string {
  return format === 'csv' ? csvRecord(values) : jsonRecord(values);
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

/**
 * The lines of documents, as `LineRow`s, in (document, occurred, id) order: the order of the index
 * `billing_lines_invoice`, read as it stands. Ordered by (occurred, id) alone, the lines of several
 * documents read together were sorted again (SQLite: a temporary B-tree per query).
 */
function linesQuery(csp: OpenCsp) {
  return csp.store.db
    .selectFrom('billing_lines')
    .select(LINE_COLUMNS)
    .orderBy('invoice_id')
    .orderBy('occurred_at')
    .orderBy('id');
}

/** One page of a document's lines after `after`, by (occurred, id). */
async function linePage(
  csp: OpenCsp,
  invoiceId: string,
  after: LineKey | undefined,
  page: number,
): Promise<LineRow[]> {
  let q = linesQuery(csp).where('invoice_id', '=', invoiceId);
  // A row-value comparison, so the database seeks to the page instead of filtering up to it.
  if (after)
    q = q.where((eb) => eb(eb.refTuple('occurred_at', 'id'), '>', eb.tuple(after.occurredAt, after.id)));
  return csp.store.readArrays(q.limit(page).compile());
}

/** Every line of one document, page by page. */
async function* documentLines(csp: OpenCsp, invoiceId: string, pageSize: number): AsyncGenerator<LineRow[]> {
  let after: LineKey | undefined;
  for (;;) {
    const page = await linePage(csp, invoiceId, after, pageSize);
    if (page.length > 0) yield page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = { occurredAt: text(last[AT.occurred_at]), id: text(last[AT.id]) };
  }
}

/**
 * The lines of several small documents (together at most a page of lines, by their line counts) in
 * one query, in document order then (occurred, id).
 */
async function smallDocumentLines(csp: OpenCsp, docs: readonly Doc[]): Promise<LineRow[]> {
  const ids = docs.map((d) => d.id);
  // The list padded (with its last id) to a power of two: a few statement texts, each prepared
  // once, instead of one per list length.
  const padded = 2 ** Math.ceil(Math.log2(ids.length));
  while (ids.length < padded) ids.push(ids[ids.length - 1] as string);
  const rows = await csp.store.readArrays(linesQuery(csp).where('invoice_id', 'in', ids).compile());
  const byDoc = new Map<string, LineRow[]>(docs.map((d) => [d.id, []]));
  for (const r of rows) byDoc.get(text(r[AT.invoice_id]))?.push(r);
  return docs.flatMap((d) => byDoc.get(d.id) ?? []);
}

/**
 * Writes pages of lines as text. On PostgreSQL the next page is read while this one is written: its
 * server reads in a process of its own (the medium world's CSV export went from 15,829 to 33,114
 * rows/s with this and JIT off together). SQLite reads in this thread: nothing to overlap, and
 * read-ahead there cost a third of the rate.
 */
async function* chunks(
  dialect: DialectName,
  format: ExportFormat,
  pages: AsyncIterable<{ lines: readonly LineRow[]; numbers: ReadonlyMap<string, string | null> }>,
  viewer: string | null,
): AsyncGenerator<string> {
  const head = header(format);
  if (head) yield head;
  const values: (string | number | null)[] = new Array(COLUMNS.length);
  for await (const { lines, numbers } of dialect === 'postgres' ? readAhead(pages) : pages) {
    let chunk = '';
    for (const l of lines)
      chunk += render(format, exportValues(l, numbers.get(text(l[AT.invoice_id])) ?? null, viewer, values));
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
  return accept(chunks(csp.store.dialect, format, pages(), viewerOf(request)));
}

export interface DocKey {
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

/**
 * The documents closed in `period` (issued or void) after `after`, by (seller, kind, number): the
 * index `invoices_closed` (migration 0011) in order, from the page's start.
 */
export function documentPageQuery(
  db: Kysely<Database>,
  period: string,
  tenant: string | null,
  after: DocKey | undefined,
  page: number,
) {
  let q = db
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
  return q.orderBy('seller_tenant_id').orderBy('kind').orderBy('number').limit(page);
}

/** One page of the documents closed in `period` (issued or void) after `after`. */
async function documentPage(
  csp: OpenCsp,
  period: string,
  tenant: string | null,
  after: DocKey | undefined,
  page: number,
): Promise<(Doc & DocKey)[]> {
  const rows = await csp.store.read((tx) => documentPageQuery(tx, period, tenant, after, page).execute());
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
  return accept(chunks(csp.store.dialect, format, pages(), scope === undefined ? '' : scope));
}
