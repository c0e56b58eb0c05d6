import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

/**
 * A subscription's term prices in a table of their own, `subscription_term_prices`, apart from its
 * billing state (`subscription_billing`: the current cycle, the next charge).
 *
 * Every renewal and cycle charge rewrites the billing state, and a database rewrites a whole row
 * whatever columns change. The term prices (the chain and the price of each tier, ~1 KB of JSON)
 * were three quarters of the row and change only when a renewal reprices the term to other prices:
 * on a quarter of a million renewals, the state rows were 14% of the pages the rating's
 * write-ahead log held (104,254 of 747,782), one page for every 2.4 renewals. Apart, the state row
 * is ~330 bytes, and the term prices are written when they change.
 *
 * Measured on that quarter of a million renewals (a world generated with the tables apart): the
 * state rows' pages in the log 104,254 → 19,555 and no term prices written (the renewals kept their
 * prices); 2.64 → 2.30 pages a renewal in all. A database migrated in place keeps its state rows'
 * pages as sparse as the wider rows left them until it is vacuumed.
 *
 * The rows move in one statement; `DROP COLUMN` is portable (SQLite ≥ 3.35, PostgreSQL,
 * CockroachDB).
 */
export const termPricesApart: Migration = {
  id: '0018-term-prices-apart',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('subscription_term_prices')
      .addColumn('subscription_id', 'text', (c) => c.primaryKey().references('subscriptions.id'))
      .addColumn('term_prices', 'text', (c) => c.notNull())
      .execute();
    await sql`INSERT INTO subscription_term_prices (subscription_id, term_prices) SELECT subscription_id, term_prices FROM subscription_billing`.execute(
      db,
    );
    await db.schema.alterTable('subscription_billing').dropColumn('term_prices').execute();
  },
};
