/**
 * The credit notes of an invoice, by their original (`original_invoice_id`): voiding an invoice
 * voids the credit notes issued against it, and found them by reading every invoice — on the
 * medium benchmark world (206,000 documents after one close) 2 s per void on SQLite, a sequential
 * scan on PostgreSQL. Partial: only credit notes have an original.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

export const creditNotesIndex: Migration = {
  id: '0014-credit-notes-index',
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX invoices_original ON invoices (original_invoice_id) WHERE original_invoice_id IS NOT NULL`.execute(
      db,
    );
  },
};
