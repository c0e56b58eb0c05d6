/**
 * One draft invoice per billing relationship (seller, buyer, currency) and period.
 *
 * Lines go on their relationship's draft as they are rated (`billing/drafts.ts`), so drafts are
 * created by orders, changes and renewals all month long, not by the close alone. Two commands
 * that create the same draft at once would otherwise leave two invoices for one relationship and
 * period; with this index the second fails and is re-run, and finds the first one's draft.
 * Issued and void invoices leave it (a relationship has one issued invoice per period too, but a
 * line that arrives for a period after its invoice was issued goes on a new one, as before).
 *
 * Dropped by migration 0020: the write transactions keep the rule (`SERIALIZABLE` on PostgreSQL),
 * and the draft is found among its buyer's documents.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

export const oneDraftInvoice: Migration = {
  id: '0013-one-draft-invoice',
  async up(db: Kysely<unknown>) {
    await sql`CREATE UNIQUE INDEX invoices_draft_invoice ON invoices (closed_in_period, seller_tenant_id, buyer_tenant_id, currency) WHERE status = 'draft' AND kind = 'invoice'`.execute(
      db,
    );
  },
};
