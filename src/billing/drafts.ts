/**
 * Draft documents, filled as lines are rated.
 *
 * Every line goes on a document when it is written, not when its period closes: the draft invoice
 * of its billing relationship (seller, buyer, currency) for its period — or, for a refund of a
 * charge already on a document of an earlier period, a draft credit note against that document,
 * for the original's period, closed with the refund's. A draft is created by the first line that
 * needs it. The close then only issues (`close.ts`): the month's lines are already grouped, and no
 * pass rewrites them (on the medium world that pass rewrote every line and two index entries of
 * each: a quarter of a SQLite close, a third of a PostgreSQL one).
 *
 * The rule a refund follows is the one the close applied when it drafted at month end, where every
 * earlier period was issued first: a refund of a charge on an issued or void document, or on a
 * draft of an earlier period (issued before this one, since periods close in order), goes on a
 * credit note against that document; a refund of a charge on its own period's draft, or of a charge
 * on no document (lines written before documents were filled at rating), on the invoice.
 *
 * One relationship has at most one draft invoice per period, kept by the write transaction that
 * looks it up and creates it (migration 0020): SQLite runs one write transaction at a time, and of
 * two PostgreSQL ones (`SERIALIZABLE`) that both find none and create it, one fails with a
 * serialization failure, is re-run, and then finds the other's draft.
 */
import { type Insertable, type Kysely, sql } from 'kysely';
import type { CommandContext } from '../app/context.ts';
import { toInstant } from '../kernel/time.ts';
import { insertMany } from '../store/insert-many.ts';
import type { Database, InvoicesTable } from '../store/schema.ts';
import type { BillingLine, InvoiceKind, LinePlace } from './model.ts';
import { insertLines } from './store.ts';

type Tx = Kysely<Database>;

/** A document to create as a draft. */
export interface DocumentRow {
  readonly kind: InvoiceKind;
  readonly seller: string;
  readonly buyer: string;
  readonly currency: string;
  readonly period: string;
  readonly closedIn: string;
  readonly original: string | null;
}

/** The row of a new draft document: no number, totals zero until it is issued. */
export function draftRow(id: string, d: DocumentRow, createdAt: string): Insertable<InvoicesTable> {
  return {
    id,
    kind: d.kind,
    number: null,
    seller_tenant_id: d.seller,
    buyer_tenant_id: d.buyer,
    currency: d.currency,
    period: d.period,
    closed_in_period: d.closedIn,
    original_invoice_id: d.original,
    status: 'draft',
    tax_policy: 'none',
    line_count: 0,
    subtotal_minor: '0',
    tax_total_minor: '0',
    total_minor: '0',
    issued_at: null,
    voided_at: null,
    void_reason: null,
    created_at: createdAt,
  };
}

const DOCUMENT_COLUMNS = [
  'id',
  'kind',
  'number',
  'seller_tenant_id',
  'buyer_tenant_id',
  'currency',
  'period',
  'closed_in_period',
  'original_invoice_id',
  'status',
  'tax_policy',
  'line_count',
  'subtotal_minor',
  'tax_total_minor',
  'total_minor',
  'issued_at',
  'voided_at',
  'void_reason',
  'created_at',
] as const satisfies readonly (keyof InvoicesTable)[];

/** Inserts draft documents, many rows a statement; returns their ids in order. */
export async function insertDocuments(ctx: CommandContext, docs: readonly DocumentRow[]): Promise<string[]> {
  const at = toInstant(ctx.now);
  const rows = docs.map((d) => draftRow(ctx.ids.orderedGuid(), d, at) as Record<string, unknown>);
  await insertMany(
    ctx.tx,
    'invoices',
    DOCUMENT_COLUMNS,
    rows.map((r) => DOCUMENT_COLUMNS.map((c) => r[c] ?? null)),
  );
  return rows.map((r) => r.id as string);
}

/** A draft's identity: its relationship, the period it is closed in and (a credit note) its original. */
const invoiceKey = (seller: string, buyer: string, currency: string, closedIn: string) =>
  `${closedIn}\n${seller}\n${buyer}\n${currency}`;
const noteKey = (seller: string, buyer: string, currency: string, closedIn: string, original: string) =>
  `${invoiceKey(seller, buyer, currency, closedIn)}\n${original}`;

/** A relationship's invoice for `period`, closed with it. */
const draftInvoice = (seller: string, buyer: string, currency: string, period: string): DocumentRow => ({
  kind: 'invoice',
  seller,
  buyer,
  currency,
  period,
  closedIn: period,
  original: null,
});

/** The document a charge line is on, as a refund of it needs to know. */
interface OriginalDocument {
  readonly id: string;
  readonly status: string;
  readonly period: string;
  readonly closedIn: string;
}

/** Where one line goes: its relationship's invoice, or a credit note against an earlier document. */
type Destination =
  | { readonly kind: 'invoice' }
  | { readonly kind: 'note'; readonly original: OriginalDocument }
  /** A credit note against the invoice a line of the same write goes on (created with it). */
  | { readonly kind: 'note-of-line'; readonly line: LinePlace };

/**
 * A refund written in `period` of a charge on `doc` goes on a credit note against it: the document
 * is issued or void, or a draft closed in an earlier period (issued first when periods close).
 */
const creditedBy = (doc: OriginalDocument, period: string) => doc.status !== 'draft' || doc.closedIn < period;

/**
 * Which of the documents `ids` a refund written in `period` goes on a credit note for
 * (`creditedBy`): the documents a cancellation finds its charges "billed" on.
 */
export async function documentsCreditedIn(
  tx: Tx,
  ids: readonly (string | null)[],
  period: string,
): Promise<Set<string>> {
  const distinct = [...new Set(ids.filter((id): id is string => id !== null))];
  const out = new Set<string>();
  for (let i = 0; i < distinct.length; i += 500) {
    const rows = await tx
      .selectFrom('invoices')
      .select(['id', 'status', 'period', 'closed_in_period'])
      .where('id', 'in', distinct.slice(i, i + 500))
      .execute();
    for (const r of rows)
      if (creditedBy({ id: r.id, status: r.status, period: r.period, closedIn: r.closed_in_period }, period))
        out.add(r.id);
  }
  return out;
}

const INVOICE: Destination = { kind: 'invoice' };

/** The documents of the charges `lines` refund that are already written, by charge line id. */
async function refundedDocuments(
  tx: Tx,
  lines: readonly LinePlace[],
): Promise<Map<string, OriginalDocument>> {
  const ids = [...new Set(lines.map((l) => l.refundsLineId).filter((id): id is string => id !== null))];
  const out = new Map<string, OriginalDocument>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await tx
      .selectFrom('billing_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select(['l.id as lineId', 'i.id', 'i.status', 'i.period', 'i.closed_in_period'])
      .where('l.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows)
      out.set(r.lineId, { id: r.id, status: r.status, period: r.period, closedIn: r.closed_in_period });
  }
  return out;
}

/**
 * The draft of each relationship (seller, buyer, currency) named, closed in `period`, or null: its
 * draft invoice, or (`original` given) its earliest draft credit note against that document. One
 * index seek per relationship on both databases — a draft invoice among the buyer's documents
 * closed in the period, `invoices_buyer` (buyer, closed in, id: migrations 0020 and 0021), a draft
 * credit note among the notes against its document in `invoices_original` (migration 0014): each
 * lookup is a subquery over its own `VALUES` row, so the planner cannot turn the list into a join
 * — as a join, PostgreSQL could not estimate how few drafts match and hashed the list against
 * every draft of the period; SQLite, given sellers and buyers as two `IN` lists, seeked every
 * seller × buyer combination (20 ms a query over a due batch's few hundred of each).
 */
export function existingDraftsQuery(
  tx: Tx,
  period: string,
  kind: InvoiceKind,
  relationships: readonly (readonly [
    seller: string,
    buyer: string,
    currency: string,
    original?: string | undefined,
  ])[],
) {
  const rows = sql.join(
    relationships.map(
      ([seller, buyer, currency, original]) => sql`(${seller}, ${buyer}, ${currency}, ${original ?? ''})`,
    ),
  );
  const document =
    kind === 'invoice'
      ? sql`i.kind = 'invoice'`
      : sql`i.original_invoice_id = r.column4 and i.kind = 'credit-note'`;
  return sql<{ seller: string; buyer: string; currency: string; original: string; id: string | null }>`
    select r.column1 as seller, r.column2 as buyer, r.column3 as currency, r.column4 as original,
      (select min(i.id) from invoices i
        where ${document} and i.status = 'draft' and i.closed_in_period = ${period}
          and i.seller_tenant_id = r.column1 and i.buyer_tenant_id = r.column2 and i.currency = r.column3) as id
    from (values ${rows}) as r`.compile(tx);
}

/** The drafts of `wanted` that exist, by key: `existingDraftsQuery` per period, kind and 500. */
async function existingDrafts(
  tx: Tx,
  wanted: ReadonlyMap<string, DocumentRow>,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const groups = new Map<string, DocumentRow[]>();
  for (const d of wanted.values()) {
    const group = `${d.closedIn}\n${d.kind}`;
    const list = groups.get(group) ?? [];
    groups.set(group, list);
    list.push(d);
  }
  for (const docs of groups.values()) {
    const { closedIn, kind } = docs[0] as DocumentRow;
    for (let i = 0; i < docs.length; i += 500) {
      const named = docs
        .slice(i, i + 500)
        .map((d) => [d.seller, d.buyer, d.currency, d.original ?? ''] as const);
      const r = await tx.executeQuery(existingDraftsQuery(tx, closedIn, kind, named));
      for (const row of r.rows) {
        if (row.id === null) continue;
        const key =
          kind === 'invoice'
            ? invoiceKey(row.seller, row.buyer, row.currency, closedIn)
            : noteKey(row.seller, row.buyer, row.currency, closedIn, row.original);
        found.set(key, row.id);
      }
    }
  }
  return found;
}

/** The drafts of `wanted` (by key): the existing ones, and new ones for the rest (`created` of them). */
async function draftsOf(
  ctx: CommandContext,
  wanted: ReadonlyMap<string, DocumentRow>,
): Promise<{ readonly ids: Map<string, string>; readonly created: number }> {
  if (wanted.size === 0) return { ids: new Map(), created: 0 };
  const found = await existingDrafts(ctx.tx, wanted);
  const missing = [...wanted].filter(([key]) => !found.has(key));
  const ids = await insertDocuments(
    ctx,
    missing.map(([, d]) => d),
  );
  for (const [i, [key]] of missing.entries()) found.set(key, ids[i] as string);
  return { ids: found, created: missing.length };
}

/**
 * The draft invoice of `period` of each relationship (seller, buyer, currency), created where
 * there is none (the close's draft step, for lines on no document); how many it created.
 */
export async function createMissingDraftInvoices(
  ctx: CommandContext,
  period: string,
  relationships: readonly (readonly [seller: string, buyer: string, currency: string])[],
): Promise<number> {
  const wanted = new Map<string, DocumentRow>();
  for (const [seller, buyer, currency] of relationships)
    wanted.set(invoiceKey(seller, buyer, currency, period), draftInvoice(seller, buyer, currency, period));
  return (await draftsOf(ctx, wanted)).created;
}

/**
 * The document of each of `lines` (its `invoiceId`, in order), creating the drafts missing: one read of the
 * refunded charges' documents, one of the drafts, one multi-row insert of the new ones (and the
 * same two for credit notes, when refunds need them), whatever the number of lines. Lines are
 * in the order they were rated: a refund comes after the charge it refunds.
 */
export async function documentsOf(ctx: CommandContext, lines: readonly LinePlace[]): Promise<string[]> {
  if (lines.length === 0) return [];
  const originals = await refundedDocuments(ctx.tx, lines);
  const inThisWrite =
    originals.size < lines.filter((l) => l.refundsLineId !== null).length
      ? new Map(lines.map((l) => [l.id, l]))
      : undefined;
  const destination = (l: LinePlace): Destination => {
    if (l.refundsLineId === null) return INVOICE;
    const doc = originals.get(l.refundsLineId);
    if (doc) return creditedBy(doc, l.period) ? { kind: 'note', original: doc } : INVOICE;
    const line = inThisWrite?.get(l.refundsLineId);
    return line && line.period < l.period ? { kind: 'note-of-line', line } : INVOICE;
  };

  // Each line's invoice key, once; a document row only for a key not seen yet.
  const wantedInvoices = new Map<string, DocumentRow>();
  const wantInvoice = (l: LinePlace): string => {
    const key = invoiceKey(l.sellerTenantId, l.buyerTenantId, l.currency, l.period);
    if (!wantedInvoices.has(key))
      wantedInvoices.set(key, draftInvoice(l.sellerTenantId, l.buyerTenantId, l.currency, l.period));
    return key;
  };
  const destinations = lines.map(destination);
  const keys = lines.map((l, i) => {
    const d = destinations[i] as Destination;
    if (d.kind === 'note-of-line') wantInvoice(d.line);
    return d.kind === 'invoice' ? wantInvoice(l) : '';
  });
  const invoices = (await draftsOf(ctx, wantedInvoices)).ids;

  const wantedNotes = new Map<string, DocumentRow>();
  for (const [i, l] of lines.entries()) {
    const d = destinations[i] as Destination;
    if (d.kind === 'invoice') continue;
    const [original, period] =
      d.kind === 'note'
        ? [d.original.id, d.original.period]
        : [invoices.get(wantInvoice(d.line)) as string, d.line.period];
    const key = noteKey(l.sellerTenantId, l.buyerTenantId, l.currency, l.period, original);
    keys[i] = key;
    wantedNotes.set(key, {
      kind: 'credit-note',
      seller: l.sellerTenantId,
      buyer: l.buyerTenantId,
      currency: l.currency,
      period,
      closedIn: l.period,
      original,
    });
  }
  const notes = (await draftsOf(ctx, wantedNotes)).ids;

  return keys.map(
    (key, i) =>
      ((destinations[i] as Destination).kind === 'invoice' ? invoices.get(key) : notes.get(key)) as string,
  );
}

/** Writes `lines` on their documents (`documentsOf`); returns them with their `invoiceId`. */
export async function writeLines(ctx: CommandContext, lines: readonly BillingLine[]): Promise<BillingLine[]> {
  const documents = await documentsOf(ctx, lines);
  const written = lines.map((l, i) => ({ ...l, invoiceId: documents[i] as string }));
  await insertLines(ctx.tx, written);
  return written;
}
