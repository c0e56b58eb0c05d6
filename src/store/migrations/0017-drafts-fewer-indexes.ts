import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

/**
 * Fewer indexes for a draft to enter (the month close's rating creates the next month's drafts,
 * ~1 for every 5 renewals, each entering every index of `invoices` at a place of its own).
 *
 * The write-ahead log of a quarter of a million renewals (the close's rating, SQLite) held 3.0
 * pages a renewal, 43% of them pages of the indexes of `invoices`: a batch's ~425 new drafts land
 * on ~425 pages of each index keyed by seller or buyer, and every batch logs those pages again.
 *
 * - `invoices_closed` (closed in, seller, kind, number: the period export's order, migration 0011)
 *   becomes partial, on the documents with a number: issued or void, the only ones the export
 *   reads. A draft enters it when it is issued and numbered (its number moved its entry before),
 *   no longer when it is created. (On the status instead, `status = 'issued'` would imply it, and
 *   PostgreSQL chose it for an invoice's credit notes on an empty table over `invoices_original`.)
 * - `invoices_document` (closed in, kind, seller, buyer, currency, original: migration 0008) is
 *   dropped: every query that used it asks for drafts, which `invoices_drafts` (closed in, seller,
 *   kind, buyer, currency, original, id) and `invoices_draft_invoice` answer by the same seek.
 *
 * SQLite uses this partial index only when the query repeats its condition (no comparison of
 * `number` implies it on the export's first page): the export writes `CLOSED_CONDITION` as it is
 * written here. Partial indexes with `IS NOT NULL` are portable (SQLite, PostgreSQL, CockroachDB).
 */
export const CLOSED_CONDITION = 'number IS NOT NULL';

export const draftsFewerIndexes: Migration = {
  id: '0017-drafts-fewer-indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('invoices_closed').execute();
    await sql`CREATE INDEX invoices_closed ON invoices (closed_in_period, seller_tenant_id, kind, number) WHERE ${sql.raw(CLOSED_CONDITION)}`.execute(
      db,
    );
    await db.schema.dropIndex('invoices_document').execute();
  },
};
