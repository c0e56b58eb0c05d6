/**
 * A row version on subscriptions and their billing states: every write of a row adds one, so a
 * writer that computed its change from a row read earlier, outside its own transaction, can update
 * only the rows still at the version it read (`updateMany`'s `expect`) and see by the count whether
 * another command changed one in between. The month close rates due batches ahead in a worker
 * thread that way (`subscriptions/rate-ahead.ts`). A constant default: no table rewrite on either
 * database.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const rowVersions: Migration = {
  id: '0016-row-versions',
  async up(db: Kysely<unknown>) {
    for (const table of ['subscriptions', 'subscription_billing'])
      await db.schema
        .alterTable(table)
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
  },
};
