/**
 * Exports for the CLI: the whole ledger or every subscription, as NDJSON (one JSON object per line)
 * or CSV (RFC 4180: a header row, fields quoted when they hold a comma, quote or line break).
 * Rows are read page by page, so an export of millions of rows runs in bounded memory.
 */
import type { OpenCsp } from '../app/opencsp.ts';
import { SYSTEM } from '../kernel/principal.ts';
import type { LedgerEvent } from '../ledger/model.ts';
import { listEvents } from '../ledger/store.ts';
import type { Subscription } from '../subscriptions/model.ts';
import { listSubscriptions } from '../subscriptions/service.ts';

export const EXPORTS = ['ledger', 'subscriptions'] as const;
export type ExportKind = (typeof EXPORTS)[number];
export const FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof FORMATS)[number];

const PAGE = 1000;

/** A field holding one of these is quoted (RFC 4180). */
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: quoted when needed, quotes doubled; objects as JSON; null and undefined empty. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

const LEDGER_COLUMNS = [
  'seq',
  'id',
  'occurredAt',
  'command',
  'type',
  'entityType',
  'entityId',
  'principalKind',
  'principalUserId',
  'principalTenantId',
  'requestId',
  'payload',
] as const;

function ledgerRow(e: LedgerEvent): unknown[] {
  return [
    e.seq,
    e.id,
    e.occurredAt,
    e.command,
    e.type,
    e.entityType,
    e.entityId,
    e.principal.kind,
    e.principal.userId,
    e.principal.tenantId,
    e.requestId,
    e.payload,
  ];
}

const SUBSCRIPTION_COLUMNS = [
  'id',
  'customerTenantId',
  'sellerTenantId',
  'orderId',
  'catalogItemId',
  'offerTitle',
  'publisher',
  'billing',
  'quantity',
  'termDuration',
  'billingCycle',
  'unitPriceMinor',
  'currency',
  'status',
  'autoRenew',
  'startAt',
  'termStartAt',
  'termEndAt',
  'cancellationWindowEndsAt',
  'partnerId',
  'partnerTenantId',
  'supportContactTenantId',
  'salesChain',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof Subscription)[];

async function* ledgerPages(csp: OpenCsp): AsyncGenerator<LedgerEvent[]> {
  let after = 0;
  for (;;) {
    const page = await csp.store.read((tx) => listEvents(tx, after, PAGE));
    if (page.length === 0) return;
    yield page;
    after = page.at(-1)?.seq ?? after;
    if (page.length < PAGE) return;
  }
}

async function* subscriptionPages(csp: OpenCsp): AsyncGenerator<Subscription[]> {
  let cursor: string | undefined;
  for (;;) {
    const out = await csp.query(
      listSubscriptions,
      { principal: SYSTEM },
      { limit: PAGE, ...(cursor && { cursor }) },
    );
    if (!out.ok) throw new Error(out.violations.map((v) => v.message).join('; '));
    if (out.value.items.length > 0) yield [...out.value.items];
    if (out.value.next === null) return;
    cursor = out.value.next;
  }
}

/**
 * Writes the export through `write`, calling `onProgress` with the running row count after each
 * page. Returns the number of rows written.
 */
export async function runExport(
  csp: OpenCsp,
  kind: ExportKind,
  format: ExportFormat,
  write: (chunk: string) => void | Promise<void>,
  onProgress?: (rows: number) => void,
): Promise<number> {
  let rows = 0;
  if (format === 'csv') await write(csvLine(kind === 'ledger' ? LEDGER_COLUMNS : SUBSCRIPTION_COLUMNS));
  const emit = async (items: readonly unknown[], toRow: (item: never) => unknown[]) => {
    let chunk = '';
    for (const item of items)
      chunk += format === 'csv' ? csvLine(toRow(item as never)) : `${JSON.stringify(item)}\n`;
    await write(chunk);
    rows += items.length;
    onProgress?.(rows);
  };
  if (kind === 'ledger') for await (const page of ledgerPages(csp)) await emit(page, ledgerRow);
  else
    for await (const page of subscriptionPages(csp))
      await emit(page, (s: Subscription) => SUBSCRIPTION_COLUMNS.map((c) => s[c]));
  return rows;
}
