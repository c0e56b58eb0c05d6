/**
 * Voiding documents. A void invoice annuls its charges: the buyer owes nothing for them, so it
 * cannot be credited for them either.
 *
 * - Voiding an invoice voids the credit notes already issued against it (they refunded charges
 *   that are now annulled), each with its own `invoice.voided` event.
 * - A refund of a charge on a void invoice, rated later, still goes on a credit note referencing
 *   that invoice (every line is on a document, and numbers stay gapless), but the note is voided
 *   the moment it is issued.
 * A void document keeps its number and its lines; exports show it with its status.
 */
import type { Kysely } from 'kysely';
import type { CommandContext } from '../app/context.ts';
import { toInstant } from '../kernel/time.ts';
import type { Database } from '../store/schema.ts';

export interface VoidOrder {
  readonly id: string;
  readonly reason: string;
}

/** Voids issued documents, recording `invoice.voided` for each. */
export async function voidDocuments(ctx: CommandContext, docs: readonly VoidOrder[]): Promise<void> {
  const at = toInstant(ctx.now);
  for (const d of docs) {
    await ctx.tx
      .updateTable('invoices')
      .set({ status: 'void', voided_at: at, void_reason: d.reason })
      .where('id', '=', d.id)
      .where('status', '=', 'issued')
      .execute();
    await ctx.record({
      type: 'invoice.voided',
      entityType: 'invoice',
      entityId: d.id,
      payload: { reason: d.reason },
    });
  }
}

/** The issued credit notes against an invoice, by id (index `invoices_original`, migration 0014). */
export function creditNotesQuery(tx: Kysely<Database>, invoiceId: string) {
  return tx
    .selectFrom('invoices')
    .select('id')
    .where('original_invoice_id', '=', invoiceId)
    .where('kind', '=', 'credit-note')
    .where('status', '=', 'issued')
    .orderBy('id');
}

/** The issued credit notes of an invoice being voided: they void with it. */
export async function creditNotesVoidedWith(
  ctx: CommandContext,
  invoice: { id: string; number: string | null },
  reason: string,
): Promise<VoidOrder[]> {
  const notes = await creditNotesQuery(ctx.tx, invoice.id).execute();
  return notes.map((n) => ({ id: n.id, reason: `Invoice ${invoice.number} was voided: ${reason}` }));
}

/** Of credit notes just issued, those whose original invoice is void: they are voided at once. */
export async function notesOfVoidInvoices(ctx: CommandContext, ids: readonly string[]): Promise<VoidOrder[]> {
  const out: VoidOrder[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.tx
      .selectFrom('invoices as n')
      .innerJoin('invoices as o', 'o.id', 'n.original_invoice_id')
      .select(['n.id as id', 'o.number as original'])
      .where('n.id', 'in', ids.slice(i, i + 500))
      .where('n.kind', '=', 'credit-note')
      .where('o.status', '=', 'void')
      .orderBy('n.id')
      .execute();
    for (const r of rows)
      out.push({ id: r.id, reason: `Refunds charges of void invoice ${r.original}: void on issue.` });
  }
  return out;
}
