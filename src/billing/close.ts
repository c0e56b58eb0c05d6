/**
 * Closing a billing period (a calendar month, UTC): the period's documents are issued.
 *
 * Lines are on their draft documents from the moment they are rated (`drafts.ts`). Close runs in
 * steps, each its own transaction, so a big month is closed in bounded memory and an interrupted
 * close resumes where it stopped. Each step works on the earliest period (up to the one asked)
 * with work left:
 *   1. **draft**: lines on no document — written before documents were filled at rating — are
 *      grouped by (seller, buyer, currency). A refund of a charge that is already on an issued
 *      invoice goes on a credit note for the original invoice's period; everything else on the
 *      period's invoice for that relationship. (Nothing to do for lines rated since.)
 *   2. **issue**: drafts get their gapless number (per seller and year of issue) and are issued —
 *      immutable from then on; `invoice.issued` goes to the ledger. A credit note against a void
 *      invoice is voided at once (`billing/void.ts`).
 *   3. **closed**: the period is recorded closed. Re-closing it adds nothing.
 *
 * `closeBillingPeriod` first processes what fell due (renewals, cycle charges) so the month is
 * rated completely, then runs the steps until the period is closed.
 */
import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext, RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { CLOSED_CONDITION } from '../store/migrations/0017-drafts-fewer-indexes.ts';
import type { Database } from '../store/schema.ts';
import { updateMany } from '../store/update-many.ts';
import { processAllDue } from '../subscriptions/rate-ahead.ts';
import { periodBounds } from './charges.ts';
import { createMissingDraftInvoices, type DocumentRow, insertDocuments } from './drafts.ts';
import { documentNumber, type InvoiceKind } from './model.ts';
import { documentTotals, NO_LINES } from './store.ts';
import { notesOfVoidInvoices, voidDocuments } from './void.ts';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface CloseStep {
  /** The period the step worked on. */
  readonly period: string;
  readonly phase: 'draft' | 'issue' | 'closed' | 'already-closed';
  /** Documents drafted or issued by this step. */
  readonly documents: number;
  /** Lines put on documents (draft) or on the documents issued (issue) by this step. */
  readonly lines: number;
  /** The period asked for is closed. */
  readonly done: boolean;
}

async function isClosed(ctx: CommandContext, period: string): Promise<boolean> {
  const r = await ctx.tx
    .selectFrom('billing_periods')
    .select('status')
    .where('period', '=', period)
    .executeTakeFirst();
  return r?.status === 'closed';
}

/**
 * The earliest period ≤ `upTo` with drafts: the first entry of `invoices_draft_order` (migration
 * 0019). Ordered by that index's whole key (`ISSUE_ORDER`), as `draftsToIssueQuery` is, so that no
 * other index can give the order: ordered by the period alone, PostgreSQL with fresh statistics of
 * the large world chose `invoices_closed` (period first too) and filtered it for drafts, reading the
 * 245,500 documents already issued before the first draft — 1.2 s a step, and more at each step.
 */
export function earliestDraftPeriodQuery(tx: Kysely<Database>, upTo: string) {
  return inIssueOrder(
    tx
      .selectFrom('invoices')
      .select('closed_in_period as p')
      .where('status', '=', 'draft')
      .where('closed_in_period', '<=', upTo),
  ).limit(1);
}

/**
 * The key of `invoices_draft_order` (migration 0019): the order drafts are issued in, the order they
 * were created in (ids are ordered by creation).
 */
const ISSUE_ORDER = ['closed_in_period', 'id'] as const;

/** `query` (over `invoices`) ordered by `ISSUE_ORDER`. */
function inIssueOrder<O>(query: SelectQueryBuilder<Database, 'invoices', O>) {
  return ISSUE_ORDER.reduce((q, column) => q.orderBy(column), query);
}

/** A period with work left for the close, and whether some of it is lines to draft. */
interface PeriodWork {
  readonly period: string;
  readonly openLines: boolean;
}

/**
 * The earliest period ≤ `upTo` with lines not on a document, or drafts not issued. Index seeks
 * only, whatever the number of lines and documents already billed: the first entry of the
 * partial index of open lines (`billing_lines_open`, by period) and of drafts
 * (`invoices_draft_order`, by the period they are closed in). That first open
 * line also says whether the period returned has lines to draft — no second query that asks it
 * (`period = ? and invoice_id is null limit 1` is one PostgreSQL may plan as a scan of the table
 * that stops at the first match, when its statistics still count the lines just drafted as open,
 * and that then reads every line: 1.1 s a close step on the medium world).
 */
async function nextPeriodWithWork(ctx: CommandContext, upTo: string): Promise<PeriodWork | undefined> {
  const first = await earliestOpenPeriodQuery(ctx.tx).executeTakeFirst();
  const open = first && first.period <= upTo ? first.period : undefined;
  const drafts = await earliestDraftPeriodQuery(ctx.tx, upTo).executeTakeFirst();
  const candidates = [open, drafts?.p].filter((p): p is string => typeof p === 'string');
  const period = candidates.sort()[0];
  return period === undefined ? undefined : { period, openLines: period === open };
}

type Group = readonly [seller: string, buyer: string, currency: string];
const groupKey = (g: Group) => `${g[0]}\n${g[1]}\n${g[2]}`;

type GroupRow = {
  readonly seller_tenant_id: string;
  readonly buyer_tenant_id: string;
  readonly currency: string;
};

/** The open lines of `period` in a step's range of relationships, `first` to `last` (both included). */
function openLinesIn(period: string, first: GroupRow, last: GroupRow) {
  return (eb: ExpressionBuilder<Database, 'billing_lines'>) =>
    eb.and([
      eb('billing_lines.period', '=', period),
      eb('billing_lines.invoice_id', 'is', null),
      eb(
        eb.refTuple(
          'billing_lines.seller_tenant_id',
          'billing_lines.buyer_tenant_id',
          'billing_lines.currency',
        ),
        '>=',
        eb.tuple(first.seller_tenant_id, first.buyer_tenant_id, first.currency),
      ),
      eb(
        eb.refTuple(
          'billing_lines.seller_tenant_id',
          'billing_lines.buyer_tenant_id',
          'billing_lines.currency',
        ),
        '<=',
        eb.tuple(last.seller_tenant_id, last.buyer_tenant_id, last.currency),
      ),
    ]);
}

/**
 * The draft step's one update: the `count` open lines of `period` from `first` to `last` go on their
 * relationship's draft invoice. The lines are named by id, from `billing_lines_open` in index order
 * with `LIMIT count` (the step counted them): a filter on the range alone PostgreSQL estimated at
 * 270,000 rows of 2.5M for 2,500 real ones and planned as a scan of the whole table (1 s a step, the
 * medium close's draft); the limit makes the ordered index read the cheap plan whatever the
 * statistics say, then each line is updated by its primary key.
 */
export function draftLinesUpdate(
  tx: Kysely<Database>,
  period: string,
  first: GroupRow,
  last: GroupRow,
  count: number,
) {
  return tx
    .updateTable('billing_lines')
    .set((eb) => ({
      invoice_id: eb
        .selectFrom('invoices as i')
        .select((e) => e.fn.min('i.id').as('id'))
        // The buyer's documents closed in the period (`invoices_buyer`) hold its draft invoice.
        .where('i.closed_in_period', '=', period)
        .where('i.kind', '=', 'invoice')
        .whereRef('i.buyer_tenant_id', '=', 'billing_lines.buyer_tenant_id')
        .whereRef('i.seller_tenant_id', '=', 'billing_lines.seller_tenant_id')
        .whereRef('i.currency', '=', 'billing_lines.currency')
        .where('i.original_invoice_id', 'is', null)
        .where('i.status', '=', 'draft'),
    }))
    .where('billing_lines.id', 'in', (eb) =>
      eb
        .selectFrom('billing_lines')
        .select('billing_lines.id')
        .where(openLinesIn(period, first, last))
        .orderBy('billing_lines.period')
        .orderBy('billing_lines.seller_tenant_id')
        .orderBy('billing_lines.buyer_tenant_id')
        .orderBy('billing_lines.currency')
        .limit(count),
    );
}

/**
 * Puts the open lines of `period` of up to `batch` relationships (seller, buyer, currency) on draft
 * documents, set-based: the relationships are the first `batch` in (seller, buyer, currency) order,
 * so they are exactly the open lines between the first and the last of them, and every statement
 * works on that range.
 *
 * Refunds of charges already on an issued (or voided) document go on one credit note per original
 * document; every other line on the relationship's draft invoice for the period — the one a step
 * drafted earlier if there is one (lines that arrived while the period was being closed), else a
 * new one. Statements per step, whatever its size: the relationships, the refunds, one multi-row
 * insert of the new documents, one update of the lines (and, rarely, one per credit note).
 */
async function draftStep(
  ctx: CommandContext,
  period: string,
  batch: number,
): Promise<{ documents: number; lines: number }> {
  const groups = await openGroupsQuery(ctx.tx, period, batch).execute();
  const first = groups[0];
  const last = groups.at(-1);
  if (!first || !last) return { documents: 0, lines: 0 };
  const inRange = openLinesIn(period, first, last);

  // Refunds of charges already on an issued (or voided) document: a credit note per original.
  const refunded = await ctx.tx
    .selectFrom('billing_lines')
    .innerJoin('billing_lines as r', 'r.id', 'billing_lines.refunds_line_id')
    .innerJoin('invoices as i', 'i.id', 'r.invoice_id')
    .select([
      'billing_lines.id as lineId',
      'billing_lines.seller_tenant_id as seller',
      'billing_lines.buyer_tenant_id as buyer',
      'billing_lines.currency as currency',
      'i.id as originalId',
      'i.period as originalPeriod',
    ])
    .where(inRange)
    .where('i.status', 'in', ['issued', 'void'])
    .orderBy('billing_lines.seller_tenant_id')
    .orderBy('billing_lines.buyer_tenant_id')
    .orderBy('billing_lines.currency')
    .orderBy('i.id')
    .orderBy('billing_lines.id')
    .execute();
  const notes = new Map<string, { doc: DocumentRow; ids: string[] }>();
  const refundsPerGroup = new Map<string, number>();
  for (const r of refunded) {
    const key = `${groupKey([r.seller, r.buyer, r.currency])}\n${r.originalId}`;
    const note = notes.get(key) ?? {
      doc: {
        kind: 'credit-note' as const,
        seller: r.seller,
        buyer: r.buyer,
        currency: r.currency,
        period: r.originalPeriod,
        closedIn: period,
        original: r.originalId,
      },
      ids: [],
    };
    note.ids.push(r.lineId);
    notes.set(key, note);
    const g = groupKey([r.seller, r.buyer, r.currency]);
    refundsPerGroup.set(g, (refundsPerGroup.get(g) ?? 0) + 1);
  }
  const noteList = [...notes.values()];
  const noteIds = await insertDocuments(
    ctx,
    noteList.map((n) => n.doc),
  );
  for (const [k, note] of noteList.entries())
    for (let i = 0; i < note.ids.length; i += 500)
      await ctx.tx
        .updateTable('billing_lines')
        .set({ invoice_id: noteIds[k] as string })
        .where('id', 'in', note.ids.slice(i, i + 500))
        .execute();

  // The rest goes on each relationship's draft invoice for the period: existing, else new.
  const invoiced = groups.filter(
    (g) =>
      Number(g.n) > (refundsPerGroup.get(groupKey([g.seller_tenant_id, g.buyer_tenant_id, g.currency])) ?? 0),
  );
  const fresh = await createMissingDraftInvoices(
    ctx,
    period,
    invoiced.map((g) => [g.seller_tenant_id, g.buyer_tenant_id, g.currency] as const),
  );
  const lines = groups.reduce((n, g) => n + Number(g.n), 0);
  // The refunds are on their credit notes by now: the rest of the range's open lines remain.
  if (invoiced.length > 0)
    await draftLinesUpdate(ctx.tx, period, first, last, lines - refunded.length).execute();
  return { documents: noteList.length + fresh, lines };
}

/** The earliest period with a line on no document: the first entry of `billing_lines_open`. */
export function earliestOpenPeriodQuery(tx: Kysely<Database>) {
  return tx
    .selectFrom('billing_lines')
    .select('period')
    .where('invoice_id', 'is', null)
    .orderBy('period')
    .limit(1);
}

/**
 * The first `batch` relationships (seller, buyer, currency) with lines of `period` on no document,
 * with their counts: read in order from the partial index `billing_lines_open` (migration 0010)
 * and stopped after the batch, on both databases.
 */
export function openGroupsQuery(tx: Kysely<Database>, period: string, batch: number) {
  return tx
    .selectFrom('billing_lines')
    .select((eb) => [
      'seller_tenant_id',
      'buyer_tenant_id',
      'currency',
      eb.fn.countAll<number | string>().as('n'),
    ])
    .where('period', '=', period)
    .where('invoice_id', 'is', null)
    .groupBy(['seller_tenant_id', 'buyer_tenant_id', 'currency'])
    .orderBy('seller_tenant_id')
    .orderBy('buyer_tenant_id')
    .orderBy('currency')
    .limit(batch);
}

/**
 * The next `batch` drafts of `period` in issue order (the order they were created in): read in
 * that order from the partial index `invoices_draft_order` (migration 0019), stopping after the
 * batch. (Drafts have no number; asking for `number is null` as well made SQLite pick the unique
 * index on `number`, then read and sort every draft left.)
 */
export function draftsToIssueQuery(tx: Kysely<Database>, period: string, batch: number) {
  return inIssueOrder(
    tx
      .selectFrom('invoices')
      .select(['id', 'kind', 'seller_tenant_id'])
      .where('status', '=', 'draft')
      .where('closed_in_period', '=', period),
  ).limit(batch);
}

/**
 * Issues up to `batch` drafts of `period`: totals from their lines, gapless numbers per seller and
 * year (in the drafts' order: the order they were created in). Set-based: one query for the
 * totals, one for the sellers' counters (and one insert of the missing ones), one update of the
 * documents, one update per seller's counter; `invoice.issued` is recorded per document.
 */
async function issueStep(
  ctx: CommandContext,
  period: string,
  batch: number,
): Promise<{ documents: number; lines: number }> {
  const drafts = await draftsToIssueQuery(ctx.tx, period, batch).execute();
  if (drafts.length === 0) return { documents: 0, lines: 0 };
  const year = ctx.now.getUTCFullYear();
  const at = toInstant(ctx.now);
  const ids = drafts.map((d) => d.id);
  const sellers = [...new Set(drafts.map((d) => d.seller_tenant_id))];
  const totals = await documentTotals(ctx.tx, ids);
  const next = new Map<string, number>();
  for (let i = 0; i < sellers.length; i += 500) {
    const rows = await ctx.tx
      .selectFrom('invoice_number_sequences')
      .select(['seller_tenant_id', 'last_number'])
      .where('year', '=', year)
      .where('seller_tenant_id', 'in', sellers.slice(i, i + 500))
      .execute();
    for (const r of rows) next.set(r.seller_tenant_id, Number(r.last_number));
  }
  const counters = sellers.filter((s) => !next.has(s));
  for (let i = 0; i < counters.length; i += 500)
    await ctx.tx
      .insertInto('invoice_number_sequences')
      .values(counters.slice(i, i + 500).map((s) => ({ seller_tenant_id: s, year, last_number: 0 })))
      .execute();
  for (const s of counters) next.set(s, 0);
  const issued = drafts.map((d) => {
    const n = (next.get(d.seller_tenant_id) ?? 0) + 1;
    next.set(d.seller_tenant_id, n);
    const t = totals.get(d.id) ?? NO_LINES;
    const number = documentNumber(
      d.kind as InvoiceKind,
      t.partner === null ? 'VENDOR' : String(t.partner),
      year,
      n,
    );
    return { id: d.id, number, count: t.count, subtotal: t.sum.toString() };
  });
  const text = { type: 'text' } as const;
  await updateMany(
    ctx.tx,
    'invoices',
    { name: 'id', ...text },
    [
      { name: 'status', ...text },
      { name: 'issued_at', ...text },
      { name: 'number', ...text },
      { name: 'line_count', type: 'integer' },
      { name: 'subtotal_minor', type: 'bigint' },
      { name: 'tax_total_minor', type: 'bigint' },
      { name: 'total_minor', type: 'bigint' },
    ],
    issued.map((d) => [d.id, 'issued', at, d.number, d.count, d.subtotal, '0', d.subtotal]),
  );
  for (const d of issued)
    await ctx.record({
      type: 'invoice.issued',
      entityType: 'invoice',
      entityId: d.id,
      payload: { number: d.number, period, total: d.subtotal, lines: d.count },
    });
  await voidDocuments(ctx, await notesOfVoidInvoices(ctx, ids));
  // Each seller's counter, in one statement per few thousand sellers: a step's drafts have nearly as
  // many sellers as drafts (a reseller's customers), and a statement each, built by the query
  // builder, was a fifth of the issue's time in the benchmark's harness.
  await updateMany(
    ctx.tx,
    'invoice_number_sequences',
    [
      { name: 'seller_tenant_id', ...text },
      { name: 'year', type: 'integer' },
    ],
    [{ name: 'last_number', type: 'integer' }],
    sellers.map((seller) => [seller, year, next.get(seller) ?? 0]),
  );
  return { documents: drafts.length, lines: issued.reduce((n, d) => n + d.count, 0) };
}

async function markClosed(ctx: CommandContext, period: string): Promise<void> {
  const counts = await ctx.tx
    .selectFrom('invoices')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('docs'),
      eb.fn.sum<number | string | null>('line_count').as('lines'),
    ])
    .where('closed_in_period', '=', period)
    // Every document of the period is issued by now (or void): counted from `invoices_closed`.
    .where(sql.raw<boolean>(CLOSED_CONDITION))
    .executeTakeFirst();
  const invoiceCount = Number(counts?.docs ?? 0);
  const lineCount = Number(counts?.lines ?? 0);
  await ctx.tx
    .insertInto('billing_periods')
    .values({
      period,
      status: 'closed',
      invoice_count: invoiceCount,
      line_count: lineCount,
      closed_at: toInstant(ctx.now),
    })
    .execute();
  await ctx.record({
    type: 'billing.period-closed',
    entityType: 'billing-period',
    entityId: period,
    payload: { period, documents: invoiceCount, lines: lineCount },
  });
}

export function parsePeriod(f: Fields, name = 'period'): string {
  const p = f.text(name, { max: 7 });
  if (p !== undefined && !PERIOD.test(p)) f.fail('INVALID_FIELD', name, 'must be a month YYYY-MM');
  return p ?? '';
}

/**
 * A close step's size when the request names none: drafts issued (issue), or relationships whose
 * open lines are drafted (draft). 2,000 issued 14–30% faster than 500 (fewer commits, each index
 * page written fewer times; a quarter of a million renewals' close, 4.2–5.1 s against 3.6 s).
 */
const CLOSE_STEP_BATCH = 2_000;

function parseClose(input: unknown) {
  const f = new Fields(input);
  const period = parsePeriod(f);
  const batch = f.integer('batch', { min: 1, max: 10_000, optional: true }) ?? CLOSE_STEP_BATCH;
  return f.finish(() => ({ period, batch }));
}

/** Why `period` cannot be closed now by this principal, if it cannot. */
function closeRefusal(ctx: QueryContext, period: string): Outcome<never> | undefined {
  if (!isOperator(ctx.principal))
    return refuse(violation('NOT_AUTHORIZED', 'Only the program operator closes a billing period.'));
  const end = periodBounds(period).end;
  if (ctx.now < end)
    return refuse(
      violation('PERIOD_NOT_ENDED', `${period} ends ${toInstant(end)}; it is ${toInstant(ctx.now)}.`, {
        field: 'period',
        remedies: ['Close it after the month ended (in a sandbox: advance the clock).'],
      }),
    );
  return undefined;
}

/** Checks a close request without changing anything: whether it may run, and whether the period is closed already. */
export const checkClose = defineQuery({
  name: 'billing.check-close',
  parse: parseClose,
  async run(ctx, input): Promise<Outcome<{ period: string; closed: boolean }>> {
    const refused = closeRefusal(ctx, input.period);
    if (refused) return refused;
    const r = await ctx.tx
      .selectFrom('billing_periods')
      .select('status')
      .where('period', '=', input.period)
      .executeTakeFirst();
    return accept({ period: input.period, closed: r?.status === 'closed' });
  },
});

/** One step of closing `period` (operator only). Call until `done`. */
export const closePeriodStep = defineCommand({
  name: 'billing.close-period-step',
  parse: parseClose,
  async run(ctx, input): Promise<Outcome<CloseStep>> {
    const refused = closeRefusal(ctx, input.period);
    if (refused) return refused;
    const { period } = input;
    if (await isClosed(ctx, period))
      return accept({ period, phase: 'already-closed', documents: 0, lines: 0, done: true });
    const work = await nextPeriodWithWork(ctx, period);
    const q = work?.period ?? period;
    if (work?.openLines) {
      const drafted = await draftStep(ctx, q, input.batch);
      return accept({ period: q, phase: 'draft', ...drafted, done: false });
    }
    const issued = await issueStep(ctx, q, input.batch);
    if (issued.documents > 0) return accept({ period: q, phase: 'issue', ...issued, done: false });
    if (!(await isClosed(ctx, q))) await markClosed(ctx, q);
    return accept({ period: q, phase: 'closed', documents: 0, lines: 0, done: q === period });
  },
});

export interface CloseReport {
  readonly period: string;
  readonly alreadyClosed: boolean;
  /** Periods closed on the way (earlier months with open lines, then the one asked). */
  readonly periodsClosed: readonly string[];
  readonly documentsIssued: number;
  /** Lines on the documents issued. */
  readonly linesBilled: number;
}

/**
 * Subscriptions per rating transaction of a close: ~5,000 lines over three tiers, the size of the
 * benchmark's batched-insert transactions (a commit's fixed cost, the fsync, spreads over them).
 */
export const CLOSE_RATING_BATCH = 2_000;

/**
 * Due batches rated ahead that a close writes per transaction (`ProcessAllOptions.group`): the
 * pages several batches change — a seller's new drafts, a provider's or reseller's draft's last
 * index entries — are logged once a group rather than once a batch. On a quarter of the large
 * world: 25% fewer log pages a renewal, the writing thread's CPU −12% (fifteenth session). On the
 * large world the rating then ran at the batched-insert ceiling; ten a transaction took its peak
 * RSS to 1,516 MiB, against the 1.5 GiB target (sixteenth session).
 */
export const CLOSE_RATING_GROUP = 5;

export type CloseProgress = CloseStep | { readonly phase: 'rating'; readonly renewed: number };

/**
 * Closes a billing period: processes what fell due by now (renewals, cycle charges), then drafts,
 * issues and records every period up to `period` that has work left. `onProgress` after each step.
 */
export async function closeBillingPeriod(
  csp: OpenCsp,
  request: RequestInfo,
  input: unknown,
  onProgress?: (step: CloseProgress) => void,
): Promise<Outcome<CloseReport>> {
  const check = await csp.query(checkClose, request, input);
  if (!check.ok) return check;
  const period = check.value.period;
  if (check.value.closed)
    return accept({ period, alreadyClosed: true, periodsClosed: [], documentsIssued: 0, linesBilled: 0 });
  const due = await processAllDue(
    csp,
    request,
    { batch: CLOSE_RATING_BATCH, group: CLOSE_RATING_GROUP },
    (done) => onProgress?.({ phase: 'rating', renewed: done.renewed }),
  );
  if (!due.ok) return due;
  // The month's lines are rated; the issue sums each draft's from `billing_lines_invoice` alone
  // once PostgreSQL knows their pages are visible to all (`Store.vacuum`), and reads the drafts in
  // order from `invoices_draft_order` once it knows how many there are: with no statistics of the
  // rating's new drafts it estimated 53 rows for 842,700 and read them all and sorted them, each step.
  await csp.store.vacuum(['billing_lines']);
  await csp.store.refreshStatistics(['invoices']);
  const closed: string[] = [];
  let documents = 0;
  let lines = 0;
  for (;;) {
    const next = await csp.execute(closePeriodStep, request, input);
    if (!next.ok) return next;
    const step = next.value;
    if (step.phase === 'closed') closed.push(step.period);
    if (step.phase === 'issue') {
      documents += step.documents;
      lines += step.lines;
    }
    onProgress?.(step);
    if (step.done) break;
  }
  // The close rewrote the month's lines and documents: the planner must know before the exports.
  await csp.store.refreshStatistics(['billing_lines', 'invoices', 'subscription_billing']);
  return accept({
    period,
    alreadyClosed: false,
    periodsClosed: closed,
    documentsIssued: documents,
    linesBilled: lines,
  });
}
