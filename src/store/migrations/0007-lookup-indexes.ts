/**
 * Indexes the benchmarks found missing: the "current acceptance" query looks for acceptances that
 * supersede another (`supersedes_id`), and every order names the vendor's tenant (`type`).
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const lookupIndexes: Migration = {
  id: '0007-lookup-indexes',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createIndex('agreement_acceptances_supersedes')
      .ifNotExists()
      .on('agreement_acceptances')
      .column('supersedes_id')
      .execute();
    await db.schema
      .createIndex('tenants_type')
      .ifNotExists()
      .on('tenants')
      .columns(['type', 'created_at'])
      .execute();
  },
};
