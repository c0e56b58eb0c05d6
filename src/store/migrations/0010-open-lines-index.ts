/**
 * The open lines of a period, in relationship order (the month close of a medium world on
 * PostgreSQL found it missing).
 *
 * The draft step asks for the first relationships (seller, buyer, currency) that still have lines of
 * the period on no document. `billing_lines_period_open` on (period, invoice_id, seller, buyer,
 * currency) answers that in order on SQLite, but PostgreSQL does not treat `invoice_id IS NULL` as a
 * fixed key for ordering: each step sorted or hashed every open line of the period (~1 s per step,
 * hundreds of steps on a medium month). A partial index of the open lines only, keyed (period,
 * seller, buyer, currency), is read in order by both databases and stops after the step's batch;
 * it is also smaller (lines leave it when they go on a document).
 *
 * `billing_lines_invoice` (invoice_id, occurred_at, id) becomes partial too, on the lines that are
 * on a document: a line is rated onto no document, so rating no longer writes to it, and SQLite no
 * longer reads it for "the open lines" (it took `invoice_id IS NULL` for a selective key and sorted
 * what it found). Every query of it names an invoice id, which implies `IS NOT NULL` for both
 * databases. Partial indexes with `IS [NOT] NULL` are portable (SQLite, PostgreSQL, CockroachDB).
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

export const openLinesIndex: Migration = {
  id: '0010-open-lines-index',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('billing_lines_period_open').ifExists().execute();
    await db.schema.dropIndex('billing_lines_invoice').ifExists().execute();
    await sql`CREATE INDEX billing_lines_invoice ON billing_lines (invoice_id, occurred_at, id) WHERE invoice_id IS NOT NULL`.execute(
      db,
    );
    await sql`CREATE INDEX billing_lines_open ON billing_lines (period, seller_tenant_id, buyer_tenant_id, currency) WHERE invoice_id IS NULL`.execute(
      db,
    );
  },
};
