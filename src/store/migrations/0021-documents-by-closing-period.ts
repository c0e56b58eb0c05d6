import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

/**
 * Documents listed in index order: a party's by the period whose close issues them, and everyone's
 * (the operator's list) by the same key.
 *
 * The invoice list pages by (closed in, id) — a credit note is listed under the period that issues
 * it, not its original's — but `invoices_seller` and `invoices_buyer` (migration 0008) were keyed
 * (party, period, id), and no index began with the closing period: every page of a list sorted all
 * the documents of the party (a distributor's thousands a year) or, for the operator, of the whole
 * program (a million a month on the large benchmark world) to return fifty.
 *
 * - `invoices_seller` and `invoices_buyer` are keyed (party, closed in, id). An invoice is closed in
 *   its own period, so the rating's lookup of a relationship's draft invoice (migration 0020) seeks
 *   the buyer's documents of the period as before; a draft credit note's (by its original,
 *   `invoices_original`) is unchanged.
 * - `invoices_period` (closed in, id) holds the numbered documents (issued or void); the drafts
 *   are in `invoices_draft_order` (closed in, id: migration 0019), and everyone's list merges a
 *   page of each. Partial, so the rating's new drafts do not enter it, and the issue, which asks
 *   for a period's drafts, cannot choose it over the drafts' own index (with all documents in it,
 *   SQLite did, and would have read every document issued before the step's drafts). A document
 *   enters it when issued, after the period's last entry (ids are in creation order and drafts are
 *   issued in that order).
 *
 * Plain and partial indexes, portable (SQLite, PostgreSQL, CockroachDB).
 */
export const documentsByClosingPeriod: Migration = {
  id: '0021-documents-by-closing-period',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('invoices_seller').execute();
    await db.schema.dropIndex('invoices_buyer').execute();
    await sql`CREATE INDEX invoices_seller ON invoices (seller_tenant_id, closed_in_period, id)`.execute(db);
    await sql`CREATE INDEX invoices_buyer ON invoices (buyer_tenant_id, closed_in_period, id)`.execute(db);
    await sql`CREATE INDEX invoices_period ON invoices (closed_in_period, id) WHERE status <> 'draft'`.execute(
      db,
    );
  },
};
