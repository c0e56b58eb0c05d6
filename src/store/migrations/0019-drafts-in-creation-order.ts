import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

/**
 * Drafts issued in the order they were created: the drafts' index keyed (closed in, id).
 *
 * `invoices_drafts` (closed in, seller, kind, buyer, currency, original, id: migration 0012) gave
 * the close its issue order and found a relationship's drafts. Each new draft entered it at a
 * place of its own — a seller's buyers are random ids — so every due batch of the close's rating
 * logged again the pages its ~400 new drafts landed on, and the issue then walked the drafts in
 * that order: each document's row, its `invoice.issued` event's entry in `ledger_events_entity`
 * and its lines' entries in `billing_lines_invoice` at places of their own as well.
 *
 * `invoices_draft_order` (closed in, id) WHERE status = 'draft' replaces it. Ids are ordered by
 * creation (`orderedGuid`), so a new draft's entry goes after the period's last, and the issue
 * reads the drafts, updates their rows, numbers them per seller and records their events in that
 * same order. The lookups it served have indexes of their own: a relationship's draft invoice
 * `invoices_draft_invoice` (unique, migration 0013; `invoices_buyer` since migration 0020), a draft
 * credit note `invoices_original` (migration 0014: the notes against one document are few).
 *
 * Numbers stay gapless per seller and year; a seller's documents of a period are numbered in the
 * order they were created rather than by kind and buyer.
 */
export const draftsInCreationOrder: Migration = {
  id: '0019-drafts-in-creation-order',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('invoices_drafts').execute();
    await sql`CREATE INDEX invoices_draft_order ON invoices (closed_in_period, id) WHERE status = 'draft'`.execute(
      db,
    );
  },
};
