import type { Kysely, Selectable } from 'kysely';
import { insertMany } from '../store/insert-many.ts';
import type { Database, LedgerEventsTable } from '../store/schema.ts';
import type { LedgerEvent } from './model.ts';

export type LedgerRow = Omit<LedgerEventsTable, 'seq'>;

/** The columns an event is written with (`seq` is the database's). */
const EVENT_COLUMNS = [
  'id',
  'occurred_at',
  'command',
  'type',
  'entity_type',
  'entity_id',
  'principal_kind',
  'principal_user_id',
  'principal_tenant_id',
  'request_id',
  'payload',
] as const satisfies readonly (keyof LedgerRow)[];

/**
 * Appends events in the given order (their `seq` follows it), many rows a statement
 * (`insertMany`: a month close appends a quarter of a million events a minute, and the query
 * builder's walk over every value of every row object was a sixth of the writing thread's
 * allocations).
 */
export async function appendEvents(tx: Kysely<Database>, rows: readonly LedgerRow[]): Promise<void> {
  await insertMany(
    tx,
    'ledger_events',
    EVENT_COLUMNS,
    rows.map((r) => EVENT_COLUMNS.map((c) => r[c])),
  );
}

/** Events of one entity in ledger order, after `afterSeq`, at most `limit`. */
export async function listEntityEvents(
  tx: Kysely<Database>,
  entityType: string,
  entityId: string,
  afterSeq: number,
  limit: number,
): Promise<LedgerEvent[]> {
  const rows = await tx
    .selectFrom('ledger_events')
    .selectAll()
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', entityId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/** Every event in ledger order, after `afterSeq`, at most `limit` (exports). */
export async function listEvents(
  tx: Kysely<Database>,
  afterSeq: number,
  limit: number,
): Promise<LedgerEvent[]> {
  const rows = await tx
    .selectFrom('ledger_events')
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

function toEvent(r: Selectable<LedgerEventsTable>): LedgerEvent {
  return {
    seq: Number(r.seq),
    id: r.id,
    occurredAt: r.occurred_at,
    command: r.command,
    type: r.type,
    entityType: r.entity_type,
    entityId: r.entity_id,
    principal: { kind: r.principal_kind, userId: r.principal_user_id, tenantId: r.principal_tenant_id },
    requestId: r.request_id,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  };
}
