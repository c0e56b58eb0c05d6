/**
 * The documents closed in a period, in export order (the period export of a medium world found it
 * missing).
 *
 * `exportPeriod` pages through the documents closed in a period by (seller, kind, number).
 * `invoices_document` starts with `closed_in_period` but then orders by kind, so each page read
 * every document of the period and sorted them: ~0.1 s a page on a medium month (100k documents),
 * and pages × documents on a large one. Keyed (closed_in_period, seller, kind, number), both
 * databases seek to the page's start and stop after it.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

export const closedDocumentsIndex: Migration = {
  id: '0011-closed-documents-index',
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX invoices_closed ON invoices (closed_in_period, seller_tenant_id, kind, number)`.execute(
      db,
    );
  },
};
