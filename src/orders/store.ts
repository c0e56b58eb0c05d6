/**
 * Order reads and writes. Every function takes the transaction it runs in.
 */
import type { Kysely, Selectable } from 'kysely';
import type { BillingCycle, BillingModel, PublisherKind, TermDuration } from '../catalog/model.ts';
import type { Violation } from '../kernel/outcome.ts';
import type { ListPosition } from '../kernel/pagination.ts';
import type { Database, OrderLinesTable, OrdersTable } from '../store/schema.ts';
import type { Order, OrderLine, OrderStatus, SalesChain } from './model.ts';

type Tx = Kysely<Database>;

function toLine(r: Selectable<OrderLinesTable>): OrderLine {
  return {
    lineNumber: Number(r.line_number),
    catalogItemId: r.sku_id,
    productId: r.product_id,
    offerTitle: r.offer_title,
    publisher: r.publisher_kind as PublisherKind,
    billing: r.billing as BillingModel,
    quantity: Number(r.quantity),
    termDuration: r.term_duration as TermDuration | null,
    billingCycle: r.billing_cycle as BillingCycle,
    unitPriceMinor: Number(r.unit_price_minor),
    currency: r.currency,
    partnerIdOnRecord: r.partner_id_on_record === null ? null : Number(r.partner_id_on_record),
    partnerOfRecordTenantId: r.partner_tenant_id,
    autoRenew: Number(r.auto_renew) === 1,
    salesChain: JSON.parse(r.sales_chain) as SalesChain,
    subscriptionId: r.subscription_id,
  };
}

function toOrder(r: Selectable<OrdersTable>, lines: readonly OrderLine[]): Order {
  return {
    id: r.id,
    customerTenantId: r.customer_tenant_id,
    sellerTenantId: r.seller_tenant_id,
    requestedByTenantId: r.requested_by_tenant_id,
    status: r.status as OrderStatus,
    currency: r.currency,
    totalMinor: Number(r.total_minor),
    placedBy: { userId: r.placed_by_user_id, tenantId: r.placed_by_tenant_id },
    failure: r.failure === null ? null : (JSON.parse(r.failure) as Violation[]),
    lines,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

async function linesOf(tx: Tx, orderIds: readonly string[]): Promise<Map<string, OrderLine[]>> {
  const byOrder = new Map<string, OrderLine[]>();
  if (orderIds.length === 0) return byOrder;
  const rows = await tx
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', 'in', [...orderIds])
    .orderBy('order_id')
    .orderBy('line_number')
    .execute();
  for (const r of rows) {
    const list = byOrder.get(r.order_id) ?? [];
    list.push(toLine(r));
    byOrder.set(r.order_id, list);
  }
  return byOrder;
}

export async function getOrder(tx: Tx, id: string): Promise<Order | undefined> {
  const r = await tx.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  return toOrder(r, (await linesOf(tx, [id])).get(id) ?? []);
}

export async function insertOrder(tx: Tx, o: Order): Promise<void> {
  await tx
    .insertInto('orders')
    .values({
      id: o.id,
      customer_tenant_id: o.customerTenantId,
      seller_tenant_id: o.sellerTenantId,
      requested_by_tenant_id: o.requestedByTenantId,
      status: o.status,
      currency: o.currency,
      total_minor: o.totalMinor,
      placed_by_user_id: o.placedBy.userId,
      placed_by_tenant_id: o.placedBy.tenantId,
      failure: o.failure === null ? null : JSON.stringify(o.failure),
      created_at: o.createdAt,
      updated_at: o.updatedAt,
    })
    .execute();
  for (const line of o.lines) {
    await tx
      .insertInto('order_lines')
      .values({
        id: `${o.id}:${line.lineNumber}`,
        order_id: o.id,
        line_number: line.lineNumber,
        sku_id: line.catalogItemId,
        product_id: line.productId,
        offer_title: line.offerTitle,
        publisher_kind: line.publisher,
        billing: line.billing,
        quantity: line.quantity,
        term_duration: line.termDuration,
        billing_cycle: line.billingCycle,
        unit_price_minor: line.unitPriceMinor,
        currency: line.currency,
        partner_id_on_record: line.partnerIdOnRecord,
        partner_tenant_id: line.partnerOfRecordTenantId,
        auto_renew: line.autoRenew ? 1 : 0,
        sales_chain: JSON.stringify(line.salesChain),
        subscription_id: line.subscriptionId,
      })
      .execute();
  }
}

/** The id of an order line row (order id and line number). */
export function orderLineId(orderId: string, lineNumber: number): string {
  return `${orderId}:${lineNumber}`;
}

export async function updateOrderStatus(
  tx: Tx,
  id: string,
  status: OrderStatus,
  at: string,
  failure: readonly Violation[] | null = null,
): Promise<void> {
  await tx
    .updateTable('orders')
    .set({ status, updated_at: at, failure: failure === null ? null : JSON.stringify(failure) })
    .where('id', '=', id)
    .execute();
}

export async function setLineSubscription(
  tx: Tx,
  orderId: string,
  lineNumber: number,
  subscriptionId: string,
): Promise<void> {
  await tx
    .updateTable('order_lines')
    .set({ subscription_id: subscriptionId })
    .where('id', '=', orderLineId(orderId, lineNumber))
    .execute();
}

export interface OrderListQuery {
  /** Orders this tenant placed, requested, is customer of, or is partner of record on. Undefined: all (operator). */
  readonly visibleTo?: string | undefined;
  readonly customerTenantId?: string | undefined;
  readonly status?: OrderStatus | undefined;
  readonly after?: ListPosition | undefined;
  readonly limit: number;
}

/** A page of orders, oldest first (`limit + 1` rows, for `toPage`). */
export async function listOrders(tx: Tx, q: OrderListQuery): Promise<Order[]> {
  let s = tx.selectFrom('orders').selectAll();
  const t = q.visibleTo;
  if (t !== undefined) {
    s = s.where((eb) =>
      eb.or([
        eb('seller_tenant_id', '=', t),
        eb('customer_tenant_id', '=', t),
        eb('requested_by_tenant_id', '=', t),
        eb('id', 'in', eb.selectFrom('order_lines').select('order_id').where('partner_tenant_id', '=', t)),
      ]),
    );
  }
  if (q.customerTenantId) s = s.where('customer_tenant_id', '=', q.customerTenantId);
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
  const lines = await linesOf(
    tx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toOrder(r, lines.get(r.id) ?? []));
}

/** The vendor's tenant (the top of every vendor-offer chain). */
export async function vendorTenant(tx: Tx): Promise<{ id: string; display_name: string } | undefined> {
  return tx
    .selectFrom('tenants')
    .select(['id', 'display_name'])
    .where('type', '=', 'vendor')
    .orderBy('created_at')
    .executeTakeFirst();
}
