/**
 * Versioned migrations. Each runs once, in order, in its own transaction, and is recorded in
 * `schema_migrations`. Never edit a published migration: add the next one.
 */
import type { Kysely } from 'kysely';
import type { DialectName, Store } from '../store.ts';
import { foundation } from './0001-foundation.ts';
import { relationships } from './0002-relationships.ts';
import { sequences } from './0003-sequences.ts';
import { apiKeys } from './0004-api-keys.ts';
import { idempotencyKeys } from './0005-idempotency-keys.ts';
import { commerce } from './0006-commerce.ts';
import { lookupIndexes } from './0007-lookup-indexes.ts';
import { billing } from './0008-billing.ts';
import { dueIndexes } from './0009-due-indexes.ts';
import { openLinesIndex } from './0010-open-lines-index.ts';
import { closedDocumentsIndex } from './0011-closed-documents-index.ts';
import { draftDocumentsIndex } from './0012-draft-documents-index.ts';
import { oneDraftInvoice } from './0013-one-draft-invoice.ts';
import { creditNotesIndex } from './0014-credit-notes-index.ts';
import { invoiceLinesTotals } from './0015-invoice-lines-totals.ts';
import { rowVersions } from './0016-row-versions.ts';
import { draftsFewerIndexes } from './0017-drafts-fewer-indexes.ts';
import { termPricesApart } from './0018-term-prices-apart.ts';
import { draftsInCreationOrder } from './0019-drafts-in-creation-order.ts';
import { draftInvoiceByBuyer } from './0020-draft-invoice-by-buyer.ts';
import { documentsByClosingPeriod } from './0021-documents-by-closing-period.ts';

export interface Migration {
  readonly id: string;
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  foundation,
  relationships,
  sequences,
  apiKeys,
  idempotencyKeys,
  commerce,
  lookupIndexes,
  billing,
  dueIndexes,
  openLinesIndex,
  closedDocumentsIndex,
  draftDocumentsIndex,
  oneDraftInvoice,
  creditNotesIndex,
  invoiceLinesTotals,
  rowVersions,
  draftsFewerIndexes,
  termPricesApart,
  draftsInCreationOrder,
  draftInvoiceByBuyer,
  documentsByClosingPeriod,
];

/**
 * Brings the schema up to date; returns the ids it applied. Safe to call on every start.
 * (Concurrent migrators on PostgreSQL: the loser fails on the `schema_migrations` key and nothing
 * of its migration stays, since DDL is transactional there.)
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  await store.db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const applied = new Set(
    (await store.db.selectFrom('schema_migrations').select('id').execute()).map((r) => r.id),
  );
  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    await store.write(async (tx) => {
      await m.up(tx as unknown as Kysely<unknown>, store.dialect);
      await tx
        .insertInto('schema_migrations')
        .values({ id: m.id, applied_at: new Date().toISOString() })
        .execute();
      return { commit: true, value: undefined };
    });
    done.push(m.id);
  }
  return done;
}
