/**
 * Closing a billing period (a calendar month, UTC): every line of the period goes on a document,
 * and the documents are issued.
 *
 * Close runs in steps, each its own transaction, so a big month is closed in bounded memory and an
 * interrupted close resumes where it stopped. Each step works on the earliest period (up to the
 * one asked) with work left:
 *   1. **draft**: lines not yet on a document are grouped by (seller, buyer, currency). A refund of
 *      a charge that is already on an issued invoice goes on a credit note for the original
 *      invoice's period; everything else on the period's invoice for that relationship.
 *   2. **issue**: drafts get their gapless number (per seller and year of issue) and are issued —
 *      immutable from then on; `invoice.issued` goes to the ledger.
 *   3. **closed**: the period is recorded closed. Re-closing it adds nothing.
 *
 * `closeBillingPeriod` first processes what fell due (renewals, cycle charges) so the month is
 * rated completely, then runs the steps until the period is closed.
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext, RequestInfo } from '../app/context.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { processDue } from '../subscriptions/clock.ts';
import { periodBounds } from './charges.ts';
import { documentNumber, type InvoiceKind } from './model.ts';
import { big } from './store.ts';

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface CloseStep {
  /** The period the step worked on. */
  readonly period: string;
  readonly phase: 'draft' | 'issue' | 'closed' | 'already-closed';
  /** Documents drafted or issued by this step. */
  readonly documents: number;
  /** Lines put on documents by this step. */
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

/** The earliest period ≤ `upTo` with lines not on a document, or drafts not issued. */
async function nextPeriodWithWork(ctx: CommandContext, upTo: string): Promise<string | undefined> {
  const open = await ctx.tx
    .selectFrom('billing_lines')
    .select((eb) => eb.fn.min('period').as('p'))
    .where('invoice_id', 'is', null)
    .where('period', '<=', upTo)
    .executeTakeFirst();
  const drafts = await ctx.tx
    .selectFrom('invoices')
    .select((eb) => eb.fn.min('closed_in_period').as('p'))
    .where('status', '=', 'draft')
    .where('closed_in_period', '<=', upTo)
    .executeTakeFirst();
  const candidates = [open?.p, drafts?.p].filter((p): p is string => typeof p === 'string');
  return candidates.sort()[0];
}

async function insertDocument(
  ctx: CommandContext,
  d: {
    kind: InvoiceKind;
    seller: string;
    buyer: string;
    currency: string;
    period: string;
    closedIn: string;
    original: string | null;
  },
): Promise<string> {
  const id = ctx.ids.guid();
  await ctx.tx
    .insertInto('invoices')
    .values({
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
      created_at: toInstant(ctx.now),
    })
    .execute();
  return id;
}

/** Puts up to `batch` relationships' open lines of `period` on draft documents. */
async function draftStep(
  ctx: CommandContext,
  period: string,
  batch: number,
): Promise<{ documents: number; lines: number }> {
  const groups = await ctx.tx
    .selectFrom('billing_lines')
    .select(['seller_tenant_id', 'buyer_tenant_id', 'currency'])
    .where('period', '=', period)
    .where('invoice_id', 'is', null)
    .groupBy(['seller_tenant_id', 'buyer_tenant_id', 'currency'])
    .orderBy('seller_tenant_id')
    .orderBy('buyer_tenant_id')
    .orderBy('currency')
    .limit(batch)
    .execute();
  let documents = 0;
  let lines = 0;
  for (const g of groups) {
    const open = (
      eb: import('kysely').ExpressionBuilder<import('../store/schema.ts').Database, 'billing_lines'>,
    ) =>
      eb.and([
        eb('billing_lines.period', '=', period),
        eb('billing_lines.invoice_id', 'is', null),
        eb('billing_lines.seller_tenant_id', '=', g.seller_tenant_id),
        eb('billing_lines.buyer_tenant_id', '=', g.buyer_tenant_id),
        eb('billing_lines.currency', '=', g.currency),
      ]);
    // Refunds of charges already on an issued (or voided) document: a credit note per original.
    const refunded = await ctx.tx
      .selectFrom('billing_lines')
      .innerJoin('billing_lines as r', 'r.id', 'billing_lines.refunds_line_id')
      .innerJoin('invoices as i', 'i.id', 'r.invoice_id')
      .select(['billing_lines.id as lineId', 'i.id as originalId', 'i.period as originalPeriod'])
      .where(open)
      .where('i.status', 'in', ['issued', 'void'])
      .orderBy('i.id')
      .execute();
    const byOriginal = new Map<string, { period: string; ids: string[] }>();
    for (const r of refunded) {
      const entry = byOriginal.get(r.originalId) ?? { period: r.originalPeriod, ids: [] };
      entry.ids.push(r.lineId);
      byOriginal.set(r.originalId, entry);
    }
    for (const [originalId, { period: originalPeriod, ids }] of byOriginal) {
      const id = await insertDocument(ctx, {
        kind: 'credit-note',
        seller: g.seller_tenant_id,
        buyer: g.buyer_tenant_id,
        currency: g.currency,
        period: originalPeriod,
        closedIn: period,
        original: originalId,
      });
      for (let i = 0; i < ids.length; i += 500)
        await ctx.tx
          .updateTable('billing_lines')
          .set({ invoice_id: id })
          .where('id', 'in', ids.slice(i, i + 500))
          .execute();
      documents++;
      lines += ids.length;
    }
    const rest = await ctx.tx
      .selectFrom('billing_lines')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(open)
      .executeTakeFirst();
    const n = Number(rest?.n ?? 0);
    if (n > 0) {
      const id = await insertDocument(ctx, {
        kind: 'invoice',
        seller: g.seller_tenant_id,
        buyer: g.buyer_tenant_id,
        currency: g.currency,
        period,
        closedIn: period,
        original: null,
      });
      await ctx.tx.updateTable('billing_lines').set({ invoice_id: id }).where(open).execute();
      documents++;
      lines += n;
    }
  }
  return { documents, lines };
}

/** Issues up to `batch` drafts of `period`: totals from their lines, gapless numbers per seller and year. */
async function issueStep(ctx: CommandContext, period: string, batch: number): Promise<number> {
  const drafts = await ctx.tx
    .selectFrom('invoices')
    .select(['id', 'kind', 'seller_tenant_id'])
    .where('status', '=', 'draft')
    .where('closed_in_period', '=', period)
    .orderBy('seller_tenant_id')
    .orderBy('kind')
    .orderBy('buyer_tenant_id')
    .orderBy('currency')
    .orderBy('original_invoice_id')
    .orderBy('id')
    .limit(batch)
    .execute();
  const year = ctx.now.getUTCFullYear();
  const at = toInstant(ctx.now);
  const nextNumber = new Map<string, number>();
  for (const d of drafts) {
    let n = nextNumber.get(d.seller_tenant_id);
    if (n === undefined) {
      const seq = await ctx.tx
        .selectFrom('invoice_number_sequences')
        .select('last_number')
        .where('seller_tenant_id', '=', d.seller_tenant_id)
        .where('year', '=', year)
        .executeTakeFirst();
      if (!seq)
        await ctx.tx
          .insertInto('invoice_number_sequences')
          .values({ seller_tenant_id: d.seller_tenant_id, year, last_number: 0 })
          .execute();
      n = Number(seq?.last_number ?? 0);
    }
    n++;
    nextNumber.set(d.seller_tenant_id, n);
    const totals = await ctx.tx
      .selectFrom('billing_lines')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('count'),
        eb.fn.sum<number | string | null>('amount_minor').as('sum'),
        eb.fn.max('seller_partner_id').as('partner'),
      ])
      .where('invoice_id', '=', d.id)
      .executeTakeFirst();
    const subtotal = big(totals?.sum ?? 0);
    const partner = totals?.partner;
    const number = documentNumber(
      d.kind as InvoiceKind,
      partner === null || partner === undefined ? 'VENDOR' : String(partner),
      year,
      n,
    );
    await ctx.tx
      .updateTable('invoices')
      .set({
        status: 'issued',
        number,
        issued_at: at,
        line_count: Number(totals?.count ?? 0),
        subtotal_minor: subtotal.toString(),
        tax_total_minor: '0',
        total_minor: subtotal.toString(),
      })
      .where('id', '=', d.id)
      .execute();
    await ctx.record({
      type: 'invoice.issued',
      entityType: 'invoice',
      entityId: d.id,
      payload: { number, period, total: subtotal.toString(), lines: Number(totals?.count ?? 0) },
    });
  }
  for (const [seller, last] of nextNumber)
    await ctx.tx
      .updateTable('invoice_number_sequences')
      .set({ last_number: last })
      .where('seller_tenant_id', '=', seller)
      .where('year', '=', year)
      .execute();
  return drafts.length;
}

async function markClosed(ctx: CommandContext, period: string): Promise<void> {
  const counts = await ctx.tx
    .selectFrom('invoices')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('docs'),
      eb.fn.sum<number | string | null>('line_count').as('lines'),
    ])
    .where('closed_in_period', '=', period)
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

function parseClose(input: unknown) {
  const f = new Fields(input);
  const period = parsePeriod(f);
  const batch = f.integer('batch', { min: 1, max: 10_000, optional: true }) ?? 500;
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
    const q = (await nextPeriodWithWork(ctx, period)) ?? period;
    const openLine = await ctx.tx
      .selectFrom('billing_lines')
      .select('id')
      .where('period', '=', q)
      .where('invoice_id', 'is', null)
      .limit(1)
      .executeTakeFirst();
    if (openLine) {
      const drafted = await draftStep(ctx, q, input.batch);
      return accept({ period: q, phase: 'draft', ...drafted, done: false });
    }
    const issued = await issueStep(ctx, q, input.batch);
    if (issued > 0) return accept({ period: q, phase: 'issue', documents: issued, lines: 0, done: false });
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
  readonly linesBilled: number;
}

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
  let renewed = 0;
  for (;;) {
    const due = await csp.execute(processDue, request, {});
    if (!due.ok) return due;
    renewed += due.value.renewed;
    onProgress?.({ phase: 'rating', renewed });
    if (!due.value.more) break;
  }
  const closed: string[] = [];
  let documents = 0;
  let lines = 0;
  for (;;) {
    const next = await csp.execute(closePeriodStep, request, input);
    if (!next.ok) return next;
    const step = next.value;
    if (step.phase === 'closed') closed.push(step.period);
    if (step.phase === 'issue') documents += step.documents;
    if (step.phase === 'draft') lines += step.lines;
    onProgress?.(step);
    if (step.done) break;
  }
  return accept({
    period,
    alreadyClosed: false,
    periodsClosed: closed,
    documentsIssued: documents,
    linesBilled: lines,
  });
}
