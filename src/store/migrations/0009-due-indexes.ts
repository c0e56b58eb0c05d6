/**
 * What falls due, found in index order (the month close of a large world found both missing):
 *
 * - `subscriptions_due` becomes a partial index on (term end, id) of the subscriptions still running
 *   (active or suspended): `listDue` pages through it in its own order instead of sorting every
 *   due subscription for each batch, and ended subscriptions (whose term end stays in the past)
 *   are not in it to be skipped over again and again.
 * - `subscription_billing_next_charge` gains the subscription id, the second key `listChargesDue`
 *   orders by.
 *
 * Partial indexes and `IN` lists of literals are portable (SQLite, PostgreSQL, CockroachDB). SQLite
 * uses a partial index only when the query repeats its condition with literals, not parameters:
 * `subscriptions/store.ts` writes `RUNNING_CONDITION` into `listDue` as it is written here.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from './index.ts';

/** The condition of the partial index, also written verbatim into the query that uses it. */
export const RUNNING_CONDITION = "status IN ('active', 'suspended')";

export const dueIndexes: Migration = {
  id: '0009-due-indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.dropIndex('subscriptions_due').ifExists().execute();
    await sql`CREATE INDEX subscriptions_due ON subscriptions (term_end_at, id) WHERE ${sql.raw(RUNNING_CONDITION)}`.execute(
      db,
    );
    await db.schema.dropIndex('subscription_billing_next_charge').ifExists().execute();
    await db.schema
      .createIndex('subscription_billing_next_charge')
      .on('subscription_billing')
      .columns(['next_charge_at', 'subscription_id'])
      .execute();
  },
};
