/**
 * Shared test helpers: snapshots of every table (to prove that a refused, dry-run or crashed
 * command wrote nothing) and a compact view of a refusal's violations.
 */
import { sql } from 'kysely';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import type { Principal } from '../../src/kernel/principal.ts';
import type { LedgerEvent } from '../../src/ledger/model.ts';
import { readLedger } from '../../src/ledger/service.ts';
import type { Database } from '../../src/store/schema.ts';
import { TABLES } from '../../src/store/schema.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * The columns known tables are ordered by, so a snapshot does not depend on the physical row order.
 * Tables added later (and not listed here) are sorted by their rows' canonical JSON instead.
 */
const ORDER: Partial<Record<keyof Database, readonly string[]>> = {
  schema_migrations: ['id'],
  counters: ['name'],
  organizations: ['id'],
  affiliate_groups: ['id'],
  tenants: ['id'],
  partner_locations: ['partner_id'],
  users: ['id'],
  user_roles: ['user_id', 'role'],
  enrollments: ['id'],
  direct_bill_requirements: ['enrollment_id', 'item'],
  agreement_acceptances: ['id'],
  ledger_events: ['seq'],
};

export type Row = Record<string, unknown>;
export type Snapshot = Record<string, readonly Row[]>;

/** Every row of one table (`select *`, ordered by the table's key), numbers normalised across drivers. */
export async function tableRows(store: Store, table: keyof Database): Promise<Row[]> {
  const keys = ORDER[table];
  const query = keys
    ? sql<Row>`select * from ${sql.table(table)} order by ${sql.join(keys.map((c) => sql.ref(c)))}`
    : sql<Row>`select * from ${sql.table(table)}`;
  const rows = (await query.execute(store.db)).rows.map(
    (row): Row =>
      Object.fromEntries(
        Object.entries(row)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]),
      ),
  );
  if (keys) return rows;
  const canonical = (row: Row) => JSON.stringify(row);
  return rows.sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
}

/** Every row of every table in `TABLES`. */
export async function snapshot(store: Store): Promise<Snapshot> {
  const out: Record<string, Row[]> = {};
  for (const table of TABLES) out[table] = await tableRows(store, table);
  return out;
}

/** The number of rows of every table in `TABLES`. */
export async function rowCounts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [table, rows] of Object.entries(await snapshot(store))) out[table] = rows.length;
  return out;
}

/**
 * The `{ code, field }` of every violation of a refusal, in order. An accepted outcome yields one
 * pseudo-violation `ACCEPTED` (with the value) so that an `expect(…).toEqual([...])` fails readably.
 */
export function refusal(outcome: Outcome<unknown>): { code: string; field?: string }[] {
  if (outcome.ok) return [{ code: 'ACCEPTED', field: JSON.stringify(outcome.value)?.slice(0, 300) ?? '' }];
  return outcome.violations.map((v) =>
    v.field === undefined ? { code: v.code } : { code: v.code, field: v.field },
  );
}

/** The codes of a refusal's violations, in order (`['ACCEPTED']` for an accepted outcome). */
export function codes(outcome: Outcome<unknown>): string[] {
  return refusal(outcome).map((v) => v.code);
}

/** The ledger events of one entity as the principal sees them (first 1000), or throws when refused. */
export async function ledgerOf(
  csp: OpenCsp,
  principal: Principal,
  entityType: string,
  entityId: string,
): Promise<readonly LedgerEvent[]> {
  const out = await csp.query(readLedger, { principal }, { entityType, entityId, limit: 1000 });
  if (!out.ok) throw new Error(`ledger of ${entityType} ${entityId} refused: ${codes(out).join(', ')}`);
  return out.value.events;
}
