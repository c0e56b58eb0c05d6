/**
 * Subscription reads and writes. Every function takes the transaction it runs in.
 */
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import type { BillingCycle, BillingModel, PublisherKind, TermDuration } from '../catalog/model.ts';
import type { ListPosition } from '../kernel/pagination.ts';
import type { SalesChain } from '../orders/model.ts';
import { selectArrays } from '../store/array-rows.ts';
import { RUNNING_CONDITION } from '../store/migrations/0009-due-indexes.ts';
import type { Database, SubscriptionsTable } from '../store/schema.ts';
import type { RowUpdates } from '../store/update-many.ts';
import type { Subscription, SubscriptionStatus } from './model.ts';

type Tx = Kysely<Database>;

/** A subscription row's columns, in the order `subscriptionOf` reads them (all but `version`). */
const SUBSCRIPTION_COLUMNS = [
  'id',
  'customer_tenant_id',
  'seller_tenant_id',
  'order_id',
  'order_line_id',
  'sku_id',
  'product_id',
  'offer_title',
  'publisher_kind',
  'billing',
  'quantity',
  'term_duration',
  'billing_cycle',
  'unit_price_minor',
  'currency',
  'status',
  'auto_renew',
  'start_at',
  'term_start_at',
  'term_end_at',
  'cancellation_window_ends_at',
  'partner_id',
  'partner_tenant_id',
  'support_contact_tenant_id',
  'sales_chain',
  'suspended_at',
  'ended_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof SubscriptionsTable)[];

/** The values of a row of `columns`, typed column by column. */
type RowValues<T extends readonly (keyof SubscriptionsTable)[]> = {
  readonly [I in keyof T]: T[I] extends keyof SubscriptionsTable
    ? Selectable<SubscriptionsTable>[T[I]]
    : never;
};

/** A subscription from its row's values in `SUBSCRIPTION_COLUMNS` order. */
function subscriptionOf(values: readonly unknown[]): Subscription {
  const [
    id,
    customerTenantId,
    sellerTenantId,
    orderId,
    orderLineId,
    skuId,
    productId,
    offerTitle,
    publisher,
    billing,
    quantity,
    termDuration,
    billingCycle,
    unitPriceMinor,
    currency,
    status,
    autoRenew,
    startAt,
    termStartAt,
    termEndAt,
    cancellationWindowEndsAt,
    partnerId,
    partnerTenantId,
    supportContactTenantId,
    salesChain,
    suspendedAt,
    endedAt,
    createdAt,
    updatedAt,
  ] = values as RowValues<typeof SUBSCRIPTION_COLUMNS>;
  return {
    id,
    customerTenantId,
    sellerTenantId,
    orderId,
    orderLineId,
    catalogItemId: skuId,
    productId,
    offerTitle,
    publisher: publisher as PublisherKind,
    billing: billing as BillingModel,
    quantity: Number(quantity),
    termDuration: termDuration as TermDuration | null,
    billingCycle: billingCycle as BillingCycle,
    unitPriceMinor: Number(unitPriceMinor),
    currency,
    status: status as SubscriptionStatus,
    autoRenew: Number(autoRenew) === 1,
    startAt,
    termStartAt,
    termEndAt,
    cancellationWindowEndsAt,
    partnerId: partnerId === null ? null : Number(partnerId),
    partnerTenantId,
    supportContactTenantId,
    salesChain: JSON.parse(salesChain) as SalesChain,
    suspendedAt,
    endedAt,
    createdAt,
    updatedAt,
  };
}

export function toSubscription(r: Selectable<SubscriptionsTable>): Subscription {
  return subscriptionOf(SUBSCRIPTION_COLUMNS.map((c) => r[c]));
}

export async function getSubscription(tx: Tx, id: string): Promise<Subscription | undefined> {
  const r = await tx.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSubscription(r);
}

export async function insertSubscription(tx: Tx, s: Subscription): Promise<void> {
  await tx
    .insertInto('subscriptions')
    .values({
      id: s.id,
      customer_tenant_id: s.customerTenantId,
      seller_tenant_id: s.sellerTenantId,
      order_id: s.orderId,
      order_line_id: s.orderLineId,
      sku_id: s.catalogItemId,
      product_id: s.productId,
      offer_title: s.offerTitle,
      publisher_kind: s.publisher,
      billing: s.billing,
      quantity: s.quantity,
      term_duration: s.termDuration,
      billing_cycle: s.billingCycle,
      unit_price_minor: s.unitPriceMinor,
      currency: s.currency,
      status: s.status,
      auto_renew: s.autoRenew ? 1 : 0,
      start_at: s.startAt,
      term_start_at: s.termStartAt,
      term_end_at: s.termEndAt,
      cancellation_window_ends_at: s.cancellationWindowEndsAt,
      partner_id: s.partnerId,
      partner_tenant_id: s.partnerTenantId,
      support_contact_tenant_id: s.supportContactTenantId,
      sales_chain: JSON.stringify(s.salesChain),
      suspended_at: s.suspendedAt,
      ended_at: s.endedAt,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    })
    .execute();
}

/**
 * The columns a subscription's changes may touch (everything else is fixed at creation), each read
 * from the subscription on its own: an update serializes the sales chain only when it writes it.
 */
const CHANGEABLE = {
  quantity: (s: Subscription) => s.quantity,
  status: (s: Subscription) => s.status,
  auto_renew: (s: Subscription) => (s.autoRenew ? 1 : 0),
  term_start_at: (s: Subscription) => s.termStartAt,
  term_end_at: (s: Subscription) => s.termEndAt,
  cancellation_window_ends_at: (s: Subscription) => s.cancellationWindowEndsAt,
  partner_id: (s: Subscription) => s.partnerId,
  partner_tenant_id: (s: Subscription) => s.partnerTenantId,
  support_contact_tenant_id: (s: Subscription) => s.supportContactTenantId,
  sales_chain: (s: Subscription) => JSON.stringify(s.salesChain),
  suspended_at: (s: Subscription) => s.suspendedAt,
  ended_at: (s: Subscription) => s.endedAt,
  updated_at: (s: Subscription) => s.updatedAt,
} satisfies {
  readonly [K in keyof Updateable<SubscriptionsTable>]?: (
    s: Subscription,
  ) => Updateable<SubscriptionsTable>[K];
};

type ChangeableColumn = keyof typeof CHANGEABLE;
const CHANGEABLE_COLUMNS = Object.keys(CHANGEABLE) as ChangeableColumn[];

/** The changeable columns of a subscription. */
function changeable(s: Subscription): { [K in ChangeableColumn]: ReturnType<(typeof CHANGEABLE)[K]> } {
  const row: Record<string, unknown> = {};
  for (const name of CHANGEABLE_COLUMNS) row[name] = CHANGEABLE[name](s);
  return row as ReturnType<typeof changeable>;
}

/**
 * Whether column `name` of `s` differs from the same column of `was`; the sales chains are compared
 * as text only when they are not the same object (a renewal keeps it: `{ ...current }`).
 */
function differs(name: ChangeableColumn, s: Subscription, was: Subscription): boolean {
  if (name === 'sales_chain')
    return s.salesChain !== was.salesChain && CHANGEABLE.sales_chain(s) !== CHANGEABLE.sales_chain(was);
  return CHANGEABLE[name](s) !== CHANGEABLE[name](was);
}

/** Writes the changed fields of a subscription (the caller passes the whole new value). */
export async function saveSubscription(tx: Tx, s: Subscription): Promise<void> {
  await tx
    .updateTable('subscriptions')
    .set({ ...changeable(s), version: sql`version + 1` })
    .where('id', '=', s.id)
    .execute();
}

const INTEGER_COLUMNS = new Set(['quantity', 'auto_renew', 'partner_id']);

/**
 * The update of many subscriptions (distinct ids), many rows a statement, planned (pure: a worker
 * thread plans it for the writing thread; `runUpdates` runs it). With `before` (their values as
 * read), only the columns that changed in some row are written: an index whose columns are not
 * assigned is left alone (a renewal rewrites its term's columns, not the partner's or status
 * indexes). With `versions` (each one's row version as read), a row is written only if still at
 * that version; the count of rows written tells whether another command changed one since.
 */
export function subscriptionUpdates(
  subscriptions: readonly Subscription[],
  before?: ReadonlyMap<string, Subscription>,
  versions?: ReadonlyMap<string, number>,
): RowUpdates {
  const names = subscriptions.length > 0 ? CHANGEABLE_COLUMNS : [];
  const assigned = new Set(before ? [] : names);
  for (const s of before ? subscriptions : []) {
    const was = before?.get(s.id);
    for (const name of names) if (!assigned.has(name) && (!was || differs(name, s, was))) assigned.add(name);
    if (assigned.size === names.length) break;
  }
  // In the columns' own order, whatever the rows' order.
  const changed = names.filter((name) => assigned.has(name));
  return {
    table: 'subscriptions',
    key: { name: 'id', type: 'text' },
    columns: changed.map((name) => ({ name, type: INTEGER_COLUMNS.has(name) ? 'integer' : 'text' })),
    rows: subscriptions.map((s) => [
      s.id,
      ...changed.map((name) => CHANGEABLE[name](s)),
      ...(versions ? [versions.get(s.id)] : []),
    ]),
    version: versions ? 'expect' : 'bump',
  };
}

/** The subscriptions with these ids (those that exist), in no particular order. */
export async function getSubscriptions(tx: Tx, ids: readonly string[]): Promise<Subscription[]> {
  const out: Subscription[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await tx
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.push(toSubscription(r));
  }
  return out;
}

export interface SubscriptionListQuery {
  /**
   * Scope of a partner or customer tenant: what it is customer of, sold, is partner of record or
   * designated support contact of, and the subscriptions of `managedCustomers` (customers that
   * granted it an active admin relationship). Undefined: all (the operator).
   */
  readonly visibleTo?:
    | { readonly tenantId: string; readonly managedCustomers: readonly string[] }
    | undefined;
  readonly customerTenantId?: string | undefined;
  readonly partnerId?: number | undefined;
  readonly sellerTenantId?: string | undefined;
  readonly status?: SubscriptionStatus | undefined;
  readonly after?: ListPosition | undefined;
  readonly limit: number;
}

/** A page of subscriptions, oldest first (`limit + 1` rows, for `toPage`). */
export async function listSubscriptions(tx: Tx, q: SubscriptionListQuery): Promise<Subscription[]> {
  let s = tx.selectFrom('subscriptions').selectAll();
  const v = q.visibleTo;
  if (v !== undefined) {
    s = s.where((eb) =>
      eb.or([
        eb('customer_tenant_id', '=', v.tenantId),
        eb('seller_tenant_id', '=', v.tenantId),
        eb('partner_tenant_id', '=', v.tenantId),
        eb('support_contact_tenant_id', '=', v.tenantId),
        ...(v.managedCustomers.length > 0 ? [eb('customer_tenant_id', 'in', [...v.managedCustomers])] : []),
      ]),
    );
  }
  if (q.customerTenantId) s = s.where('customer_tenant_id', '=', q.customerTenantId);
  if (q.partnerId !== undefined) s = s.where('partner_id', '=', q.partnerId);
  if (q.sellerTenantId) s = s.where('seller_tenant_id', '=', q.sellerTenantId);
  if (q.status) s = s.where('status', '=', q.status);
  const after = q.after;
  if (after)
    s = s.where((eb) =>
      eb.or([
        eb('created_at', '>', after.key),
        eb.and([eb('created_at', '=', after.key), eb('id', '>', after.id)]),
      ]),
    );
  const rows = await s
    .orderBy('created_at')
    .orderBy('id')
    .limit(q.limit + 1)
    .execute();
  return rows.map(toSubscription);
}

/** A position in a due list: the (time, id) of the last row read; the next read starts after it. */
export type DuePosition = readonly [at: string, id: string];

/** The query of `listDue` (exposed so its plan can be checked). */
export function dueQuery(tx: Tx, now: string, limit: number, after?: DuePosition) {
  let q = tx
    .selectFrom('subscriptions')
    .select(SUBSCRIPTION_COLUMNS)
    .where('term_end_at', '<=', now)
    // Literally the partial index's condition (migration 0009): SQLite uses it only then.
    .where(sql.raw<boolean>(RUNNING_CONDITION));
  if (after) q = q.where((eb) => eb(eb.refTuple('term_end_at', 'id'), '>', eb.tuple(after[0], after[1])));
  return q.orderBy('term_end_at').orderBy('id').limit(limit);
}

/**
 * Subscriptions whose term ended by `now` and that are still active or suspended, earliest first
 * (after `after`, when given).
 */
export async function listDue(
  tx: Tx,
  now: string,
  limit: number,
  after?: DuePosition,
): Promise<Subscription[]> {
  // As arrays: a due batch reads thousands of rows of thirty columns.
  const rows = await selectArrays(tx, dueQuery(tx, now, limit, after).compile());
  return rows.map(subscriptionOf);
}

/** How many subscriptions of this customer the partner sold or is partner of record of are active. */
export async function countActiveWith(
  tx: Tx,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<number> {
  const r = await tx
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('customer_tenant_id', '=', customerTenantId)
    .where('status', '=', 'active')
    .where((eb) =>
      eb.or([eb('seller_tenant_id', '=', partnerTenantId), eb('partner_tenant_id', '=', partnerTenantId)]),
    )
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
