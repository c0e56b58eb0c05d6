/**
 * The rows of a reconciliation export: which line columns are read, how a page of lines is read
 * (an export unit: a few small documents, or a range of one big document's lines), and how each
 * line is written as a CSV or NDJSON record. Used by the export in the main thread and by its
 * worker threads alike (`export-worker.ts`), so both write the same bytes.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import { csvField } from '../cli/export.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { formatAmount, formatMicros } from './money.ts';
import { readsSellerSide } from './service.ts';
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
export type ExportValues = readonly (string | number | null)[];

export type ExportFormat = 'csv' | 'ndjson';

/**
 * The `billing_lines` columns an export reads, in this order (rows are read as arrays of them):
 * every column a line is written with but its period and its number.
 */
const LINE_COLUMNS = LINE_INSERT_COLUMNS.filter(
  (c): c is Exclude<(typeof LINE_INSERT_COLUMNS)[number], 'period' | 'line_no'> =>
    c !== 'period' && c !== 'line_no',
);

/** A line as read: its `LINE_COLUMNS` values (integers a number while exact, else a bigint). */
export type LineRow = readonly unknown[];

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

export function render(format: ExportFormat, values: ExportValues): string {
  return format === 'csv' ? csvRecord(values) : jsonRecord(values);
}

export function header(format: ExportFormat): string {
  return format === 'csv' ? csvRecord(COLUMNS) : '';
}

/** A document an export writes lines of: its id and its number (null for a draft). */
export interface DocRef {
  readonly id: string;
  readonly number: string | null;
}

/** A line's place in its document's order. */
export interface LineKey {
  readonly occurredAt: string;
  readonly id: string;
}

/**
 * What one database query of an export reads, at most about a page of lines: the whole of several
 * small documents, or lines of one document by (occurred, id) — after `after` (exclusive), up to
 * `through` (inclusive) or the first `limit` of them.
 */
export type ExportUnit =
  | { readonly docs: readonly DocRef[] }
  | {
      readonly doc: DocRef;
      readonly after?: LineKey;
      readonly through?: LineKey;
      readonly limit?: number;
    };

/**
 * The lines of documents, as `LineRow`s, in (document, occurred, id) order: the order of the index
 * `billing_lines_invoice`, read as it stands. Ordered by (occurred, id) alone, the lines of several
 * documents read together were sorted again (SQLite: a temporary B-tree per query).
 */
function linesQuery(db: Kysely<Database>) {
  return db
    .selectFrom('billing_lines')
    .select(LINE_COLUMNS)
    .orderBy('invoice_id')
    .orderBy('occurred_at')
    .orderBy('id');
}

/**
 * `(occurred_at, id) op key`: a row-value comparison, so the database seeks to the key in the index
 * instead of filtering up to it.
 */
function lineKeyIs(op: '>' | '<=', key: LineKey) {
  return (eb: ExpressionBuilder<Database, 'billing_lines'>) =>
    eb(eb.refTuple('occurred_at', 'id'), op, eb.tuple(key.occurredAt, key.id));
}

/**
 * A document's line keys from `after` (exclusive) on, by (occurred, id), as its index holds them:
 * where an export's ranges of one big document start and end.
 */
export function lineKeysQuery(db: Kysely<Database>, invoiceId: string, after: LineKey | undefined) {
  let q = db.selectFrom('billing_lines').select(['occurred_at', 'id']).where('invoice_id', '=', invoiceId);
  if (after) q = q.where(lineKeyIs('>', after));
  return q.orderBy('invoice_id').orderBy('occurred_at').orderBy('id');
}

/** The key of a line as read. */
export function lineKey(line: LineRow): LineKey {
  return { occurredAt: text(line[AT.occurred_at]), id: text(line[AT.id]) };
}

/** Reads the lines of one export unit, in (document, occurred, id) order. */
export async function readUnit(store: Store, unit: ExportUnit): Promise<LineRow[]> {
  if ('doc' in unit) {
    let q = linesQuery(store.db).where('invoice_id', '=', unit.doc.id);
    if (unit.after) q = q.where(lineKeyIs('>', unit.after));
    if (unit.through) q = q.where(lineKeyIs('<=', unit.through));
    return store.readArrays((unit.limit === undefined ? q : q.limit(unit.limit)).compile());
  }
  const ids = unit.docs.map((d) => d.id);
  if (ids.length === 0) return [];
  // The list padded (with its last id) to a power of two: a few statement texts, each prepared
  // once, instead of one per list length.
  const padded = 2 ** Math.ceil(Math.log2(ids.length));
  while (ids.length < padded) ids.push(ids[ids.length - 1] as string);
  const rows = await store.readArrays(linesQuery(store.db).where('invoice_id', 'in', ids).compile());
  const byDoc = new Map<string, LineRow[]>(unit.docs.map((d) => [d.id, []]));
  for (const r of rows) byDoc.get(text(r[AT.invoice_id]))?.push(r);
  return unit.docs.flatMap((d) => byDoc.get(d.id) ?? []);
}

/** One values array for every row rendered: rendering is synchronous, so nothing else uses it meanwhile. */
const scratch: (string | number | null)[] = new Array(COLUMNS.length);

/** The records of a unit's lines, as `viewer` reads them (null: the operator). */
export function renderUnit(
  format: ExportFormat,
  unit: ExportUnit,
  lines: readonly LineRow[],
  viewer: string | null,
): string {
  let chunk = '';
  if ('doc' in unit) {
    for (const l of lines) chunk += render(format, exportValues(l, unit.doc.number, viewer, scratch));
    return chunk;
  }
  const numbers = unit.docs.length === 1 ? undefined : new Map(unit.docs.map((d) => [d.id, d.number]));
  const only = unit.docs[0]?.number ?? null;
  for (const l of lines) {
    const number = numbers ? (numbers.get(text(l[AT.invoice_id])) ?? null) : only;
    chunk += render(format, exportValues(l, number, viewer, scratch));
  }
  return chunk;
}
