import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

/**
 * A relationship's draft invoice found through the buyer's documents; its unique index dropped.
 *
 * `invoices_draft_invoice` (closed in, seller, buyer, currency) WHERE draft AND invoice, unique
 * (migration 0013), answered the lookup of a relationship's draft and refused a second one. The
 * month close's rating creates the next month's drafts (~1 for every 5 renewals), and each entered
 * that index at a random seller's place: 9% of the pages the rating's log wrote on the large world,
 * and the issue then took every draft out of it again at the same random places.
 *
 * The lookup now seeks `invoices_buyer` (buyer, period, id: migration 0008; keyed by the closing
 * period since migration 0021, the same for an invoice), which every document
 * enters anyway: a buyer's documents of one period are a few (a customer's one or two sellers), and
 * a new draft's entry goes on the page the lookup has just read.
 *
 * One draft invoice per relationship and period is kept by the write transactions themselves, as
 * every other rule that reads before it writes: SQLite runs one write transaction at a time
 * (`BEGIN IMMEDIATE`), PostgreSQL's are `SERIALIZABLE`, so of two commands that look the same
 * draft up, find none and create it, one fails with a serialization failure and is re-run, and
 * then finds the other's draft (the `drafts` test runs exactly that race on PostgreSQL).
 */
export const draftInvoiceByBuyer: Migration = {
  id: '0020-draft-invoice-by-buyer',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('invoices_draft_invoice').execute();
  },
};
