import type { Kysely, Selectable } from 'kysely';
import type { Database, LedgerEventsTable } from '../store/schema.ts';
import type { LedgerEvent } from './model.ts';

export type LedgerRow = Omit<LedgerEventsTable, 'seq'>;

/** Rows per multi-row insert: 11 columns × 500 stay far below either database's bound-value limit. */
const EVENTS_PER_STATEMENT = 500;

/** Appends events in the given order (their `seq` follows it), many rows a statement. */
export async function appendEvents(tx: Kysely<Database>, rows: readonly LedgerRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += EVENTS_PER_STATEMENT)
    await tx
      .insertInto('ledger_events')
      .values(rows.slice(i, i + EVENTS_PER_STATEMENT))
      .execute();
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
