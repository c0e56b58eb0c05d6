/**
 * Billing reads and writes. Every function takes the transaction it runs in. Amounts travel to the
 * database as decimal strings (exact in SQLite's INTEGER affinity and PostgreSQL's bigint) and
 * come back as bigints.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { TermDuration } from '../catalog/model.ts';
import type { ListPosition } from '../kernel/pagination.ts';
import { selectArrays } from '../store/array-rows.ts';
import { insertMany } from '../store/insert-many.ts';
import type {
  BillingLinesTable,
  Database,
  InvoicesTable,
  PriceListEntriesTable,
  RepricingRulesTable,
} from '../store/schema.ts';
import { type RowUpdates, runUpdates } from '../store/update-many.ts';
import type { DuePosition } from '../subscriptions/store.ts';
import type { ChargeType } from './charges.ts';
import type {
  BillingLine,
  CycleState,
  Invoice,
  InvoiceKind,
  InvoiceStatus,
  LinePlace,
  SubscriptionBilling,
  TermPrices,
} from './model.ts';
import {
  type PriceBasis,
  type PriceKey,
  type PriceListEntry,
  type RepricingOverride,
  type RepricingRule,
  type SellerPricing,
  tierPricesFromPlain,
  tierPricesToPlain,
} from './pricing.ts';

type Tx = Kysely<Database>;

/** A bigint column as read from either database (number in SQLite, string in PostgreSQL). */
export function big(v: number | string | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export function bigOrNull(v: number | string | bigint | null): bigint | null {
  return v === null ? null : big(v);
}

const NO_TERM = 'none';

export function toPriceListEntry(r: Selectable<PriceListEntriesTable>): PriceListEntry {
  return {
    id: r.id,
    sellerTenantId: r.seller_tenant_id,
    productId: r.product_id,
    skuId: r.sku_id,
    termDuration: r.term_duration === NO_TERM ? null : (r.term_duration as TermDuration),
    billingCycle: r.billing_cycle,
    country: r.country,
    currency: r.currency,
    unitPriceMicros: big(r.unit_price_micros),
    erpMicros: bigOrNull(r.erp_micros),
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
  };
}

export async function insertPriceListEntry(tx: Tx, e: PriceListEntry, createdAt: string): Promise<void> {
  await tx
    .insertInto('price_list_entries')
    .values({
      id: e.id,
      seller_tenant_id: e.sellerTenantId,
      product_id: e.productId,
      sku_id: e.skuId,
      term_duration: e.termDuration ?? NO_TERM,
      billing_cycle: e.billingCycle,
      country: e.country,
      currency: e.currency,
      unit_price_micros: e.unitPriceMicros.toString(),
      erp_micros: e.erpMicros?.toString() ?? null,
      effective_from: e.effectiveFrom,
      effective_to: e.effectiveTo,
      created_at: createdAt,
    })
    .execute();
}

export async function setPriceListEntryEnd(tx: Tx, id: string, effectiveTo: string | null): Promise<void> {
  await tx
    .updateTable('price_list_entries')
    .set({ effective_to: effectiveTo })
    .where('id', '=', id)
    .execute();
}

export async function getPriceListEntry(tx: Tx, id: string): Promise<PriceListEntry | undefined> {
  const r = await tx.selectFrom('price_list_entries').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toPriceListEntry(r);
}

/** The seller's entries for one SKU in one market (every term, cycle and date). */
export async function entriesFor(
  tx: Tx,
  sellerTenantId: string,
  skuId: string,
  country: string,
): Promise<PriceListEntry[]> {
  const rows = await tx
    .selectFrom('price_list_entries')
    .selectAll()
    .where('seller_tenant_id', '=', sellerTenantId)
    .where('sku_id', '=', skuId)
    .where('country', '=', country)
    .orderBy('effective_from')
    .orderBy('id')
    .execute();
  return rows.map(toPriceListEntry);
}

export async function listPriceList(
  tx: Tx,
  q: {
    sellerTenantId: string;
    skuId?: string | undefined;
    country?: string | undefined;
    after?: { key: string; id: string } | undefined;
    limit: number;
  },
): Promise<PriceListEntry[]> {
  let s = tx.selectFrom('price_list_entries').selectAll().where('seller_tenant_id', '=', q.sellerTenantId);
  if (q.skuId) s = s.where('sku_id', '=', q.skuId);
  if (q.country) s = s.where('country', '=', q.country);
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
  return rows.map(toPriceListEntry);
}

export function toRepricingRule(r: Selectable<RepricingRulesTable>): RepricingRule {
  return {
    id: r.id,
    sellerTenantId: r.seller_tenant_id,
    buyerTenantId: r.buyer_tenant_id,
    buyerGroup: r.buyer_group,
    basis: r.basis as PriceBasis,
    adjustmentBps: Number(r.adjustment_bps),
    overrides: JSON.parse(r.overrides) as RepricingOverride[],
    effectiveMonth: r.effective_month,
    allowBelowCost: Number(r.allow_below_cost) === 1,
    createdAt: r.created_at,
  };
}

export async function insertRepricingRule(tx: Tx, r: RepricingRule): Promise<void> {
  await tx
    .insertInto('repricing_rules')
    .values({
      id: r.id,
      seller_tenant_id: r.sellerTenantId,
      buyer_tenant_id: r.buyerTenantId,
      buyer_group: r.buyerGroup,
      basis: r.basis,
      adjustment_bps: r.adjustmentBps,
      overrides: JSON.stringify(r.overrides),
      effective_month: r.effectiveMonth,
      allow_below_cost: r.allowBelowCost ? 1 : 0,
      created_at: r.createdAt,
    })
    .execute();
}

export async function rulesOf(tx: Tx, sellerTenantId: string): Promise<RepricingRule[]> {
  const rows = await tx
    .selectFrom('repricing_rules')
    .selectAll()
    .where('seller_tenant_id', '=', sellerTenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRepricingRule);
}

export async function groupsOf(tx: Tx, sellerTenantId: string): Promise<Map<string, Set<string>>> {
  const rows = await tx
    .selectFrom('buyer_group_members')
    .select(['group_name', 'buyer_tenant_id'])
    .where('seller_tenant_id', '=', sellerTenantId)
    .execute();
  const groups = new Map<string, Set<string>>();
  for (const r of rows) {
    const g = groups.get(r.group_name) ?? new Set<string>();
    g.add(r.buyer_tenant_id);
    groups.set(r.group_name, g);
  }
  return groups;
}

/** What pricing needs of one seller for one item. */
export async function sellerPricing(tx: Tx, sellerTenantId: string, key: PriceKey): Promise<SellerPricing> {
  const wanted = { sellerTenantId, skuId: key.skuId, country: key.country };
  const found = (await sellerPricingMany(tx, [wanted])).get(
    sellerPricingKey(sellerTenantId, key.skuId, key.country),
  );
  return found ?? { entries: [], rules: [], groups: new Map() };
}

/** Ids per `IN (…)` list. */
const IN_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IN_CHUNK) out.push(items.slice(i, i + IN_CHUNK));
  return out;
}

/** The key `sellerPricing` results are cached under (see `rating.ts`). */
export function sellerPricingKey(sellerTenantId: string, skuId: string, country: string): string {
  return `${sellerTenantId}\n${skuId}\n${country}`;
}

/**
 * `sellerPricing` of many (seller, SKU, market) at once, keyed by `sellerPricingKey`: three queries
 * per 500 sellers, whatever the number of items.
 */
export async function sellerPricingMany(
  tx: Tx,
  wanted: readonly { sellerTenantId: string; skuId: string; country: string }[],
): Promise<Map<string, SellerPricing>> {
  const sellers = [...new Set(wanted.map((w) => w.sellerTenantId))];
  const skus = [...new Set(wanted.map((w) => w.skuId))];
  const countries = [...new Set(wanted.map((w) => w.country))];
  const entries = new Map<string, PriceListEntry[]>();
  const rules = new Map<string, RepricingRule[]>();
  const groups = new Map<string, Map<string, Set<string>>>();
  for (const part of chunks(sellers)) {
    const rows = await tx
      .selectFrom('price_list_entries')
      .selectAll()
      .where('seller_tenant_id', 'in', part)
      .where('sku_id', 'in', skus)
      .where('country', 'in', countries)
      .orderBy('effective_from')
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const k = sellerPricingKey(r.seller_tenant_id, r.sku_id, r.country);
      entries.set(k, [...(entries.get(k) ?? []), toPriceListEntry(r)]);
    }
    const ruleRows = await tx
      .selectFrom('repricing_rules')
      .selectAll()
      .where('seller_tenant_id', 'in', part)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const r of ruleRows)
      rules.set(r.seller_tenant_id, [...(rules.get(r.seller_tenant_id) ?? []), toRepricingRule(r)]);
    const members = await tx
      .selectFrom('buyer_group_members')
      .select(['seller_tenant_id', 'group_name', 'buyer_tenant_id'])
      .where('seller_tenant_id', 'in', part)
      .execute();
    for (const m of members) {
      const of = groups.get(m.seller_tenant_id) ?? new Map<string, Set<string>>();
      const g = of.get(m.group_name) ?? new Set<string>();
      g.add(m.buyer_tenant_id);
      of.set(m.group_name, g);
      groups.set(m.seller_tenant_id, of);
    }
  }
  const out = new Map<string, SellerPricing>();
  for (const w of wanted) {
    const k = sellerPricingKey(w.sellerTenantId, w.skuId, w.country);
    out.set(k, {
      entries: entries.get(k) ?? [],
      rules: rules.get(w.sellerTenantId) ?? [],
      groups: groups.get(w.sellerTenantId) ?? new Map(),
    });
  }
  return out;
}

// --- Subscription billing state --------------------------------------------------------------

/**
 * The JSON text of a state's term prices as read or last serialized, by object. States are
 * immutable values: a part a command left alone (the same object) is not serialized again to be
 * compared or written, and a new one once. Saving a due batch's states had serialized each part
 * twice, the old and the new, for a third of the rating's JavaScript time.
 */
const termJson = new WeakMap<TermPrices, string>();

function termToJson(t: TermPrices): string {
  let text = termJson.get(t);
  if (text === undefined) {
    text = JSON.stringify({ chain: t.chain, prices: tierPricesToPlain(t.prices) });
    termJson.set(t, text);
  }
  return text;
}

function termFromJson(text: string): TermPrices {
  const raw = JSON.parse(text) as { chain: TermPrices['chain']; prices: Record<string, unknown>[] };
  const term = { chain: raw.chain, prices: tierPricesFromPlain(raw.prices) };
  termJson.set(term, text);
  return term;
}

/**
 * A cycle's JSON text, and the term prices it was written against: a cycle charged on the term's
 * own chain and prices (the same objects: every cycle charge and renewal) is stored without them,
 * as `"ofTerm": true` — a third of the state's size instead of half of it, read back as the term's
 * objects. Kept per cycle object, like the term's text, but only for the term it was made with.
 */
const cycleJson = new WeakMap<CycleState, { readonly term: TermPrices; readonly text: string }>();

/** Whether a cycle is priced by the term's own chain and prices (then stored without them). */
function ofTerm(c: CycleState, term: TermPrices): boolean {
  return c.chain === term.chain && c.prices === term.prices;
}

function cycleToJson(c: CycleState | null, term: TermPrices): string | null {
  if (!c) return null;
  const cached = cycleJson.get(c);
  const shared = ofTerm(c, term);
  // Made for another term, the text still holds when it carries its own chain and prices.
  if (cached && (cached.term === term || (!shared && !ofTerm(c, cached.term)))) return cached.text;
  const { chain, prices, ...rest } = c;
  const text = shared
    ? JSON.stringify({ ...rest, ofTerm: true })
    : JSON.stringify({ ...rest, chain, prices: tierPricesToPlain(prices) });
  cycleJson.set(c, { term, text });
  return text;
}

function cycleFromJson(text: string | null, term: TermPrices): CycleState | null {
  if (!text) return null;
  const raw = JSON.parse(text) as Omit<CycleState, 'chain' | 'prices'> & {
    ofTerm?: true;
    chain?: CycleState['chain'];
    prices?: Record<string, unknown>[];
  };
  const { ofTerm: shared, chain, prices, ...rest } = raw;
  let cycle: CycleState;
  if (shared) cycle = { ...rest, chain: term.chain, prices: term.prices };
  else if (chain && prices) cycle = { ...rest, chain, prices: tierPricesFromPlain(prices) };
  else throw new Error('billing state: a cycle with neither "ofTerm" nor its own chain and prices');
  cycleJson.set(cycle, { term, text });
  return cycle;
}

/** A state's row with its term prices (`subscription_term_prices`, migration 0018). */
type StateRow = Selectable<Database['subscription_billing']> & { term_prices: string };

/** The states with their term prices: `subscription_billing` joined to `subscription_term_prices`. */
function statesQuery(tx: Tx) {
  return tx
    .selectFrom('subscription_billing as b')
    .innerJoin('subscription_term_prices as t', 't.subscription_id', 'b.subscription_id')
    .select([
      'b.subscription_id',
      'b.customer_country',
      'b.cycle_state',
      'b.next_charge_at',
      't.term_prices',
    ]);
}

/** A state from the values `statesQuery` selects, in its order. */
function stateOf(values: readonly unknown[]): SubscriptionBilling {
  const [subscriptionId, customerCountry, cycleState, nextChargeAt, termPrices] = values as readonly [
    StateRow['subscription_id'],
    StateRow['customer_country'],
    StateRow['cycle_state'],
    StateRow['next_charge_at'],
    StateRow['term_prices'],
  ];
  const term = termFromJson(termPrices);
  return {
    subscriptionId,
    customerCountry,
    termPrices: term,
    cycle: cycleFromJson(cycleState, term),
    nextChargeAt,
  };
}

export async function getSubscriptionBilling(
  tx: Tx,
  subscriptionId: string,
): Promise<SubscriptionBilling | undefined> {
  const [values] = await selectArrays(
    tx,
    statesQuery(tx).where('b.subscription_id', '=', subscriptionId).compile(),
  );
  return values && stateOf(values);
}

/** The billing state of each of these subscriptions that has one. */
export async function getSubscriptionBillings(
  tx: Tx,
  subscriptionIds: readonly string[],
): Promise<Map<string, SubscriptionBilling>> {
  const out = new Map<string, SubscriptionBilling>();
  for (const part of chunks(subscriptionIds)) {
    // As arrays: a due batch reads thousands of states.
    const rows = await selectArrays(tx, statesQuery(tx).where('b.subscription_id', 'in', part).compile());
    for (const values of rows) {
      const state = stateOf(values);
      out.set(state.subscriptionId, state);
    }
  }
  return out;
}

/**
 * Replaces many billing states, many rows a statement. With `before` (their values as read), only
 * the columns that changed in some row are written, so `subscription_billing_next_charge` is left
 * alone when no next charge moved (`updated_at` is always written), and only the term prices that
 * changed.
 */
export async function saveSubscriptionBillings(
  tx: Tx,
  states: readonly SubscriptionBilling[],
  updatedAt: string,
  before?: ReadonlyMap<string, SubscriptionBilling>,
): Promise<void> {
  await runBillingUpdates(tx, billingUpdates(states, updatedAt, before));
}

/** Runs planned billing updates: the states, then the term prices. Returns the states updated. */
export async function runBillingUpdates(tx: Tx, planned: BillingUpdates): Promise<number> {
  const written = await runUpdates(tx, planned.states);
  await runUpdates(tx, planned.terms);
  return written;
}

/** The updates `saveSubscriptionBillings` runs: the state rows, and the term prices that changed. */
export interface BillingUpdates {
  readonly states: RowUpdates;
  readonly terms: RowUpdates;
}

/**
 * The updates `saveSubscriptionBillings` runs, planned (pure: a worker thread plans them for the
 * writing thread). With `versions` (each state's row version as read), a state row is written only
 * if still at that version, as in `subscriptionUpdates`; the term prices go with it in the same
 * transaction (a batch whose count of state rows falls short is refused whole).
 */
export function billingUpdates(
  states: readonly SubscriptionBilling[],
  updatedAt: string,
  before?: ReadonlyMap<string, SubscriptionBilling>,
  versions?: ReadonlyMap<string, number>,
): BillingUpdates {
  const columnsOf = (b: SubscriptionBilling) => ({
    cycle_state: cycleToJson(b.cycle, b.termPrices),
    next_charge_at: b.nextChargeAt,
  });
  const rows = states.map(columnsOf);
  const names = ['cycle_state', 'next_charge_at'] as const;
  const olds = before && states.map((b) => before.get(b.subscriptionId));
  const assigned = new Set<(typeof names)[number]>(olds ? [] : names);
  for (const [i, was] of (olds ?? []).entries()) {
    const old = was && columnsOf(was);
    for (const name of names) if (!old || old[name] !== rows[i]?.[name]) assigned.add(name);
    if (assigned.size === names.length) break;
  }
  const changed = names.filter((name) => assigned.has(name));
  const terms: unknown[][] = [];
  for (const [i, b] of states.entries()) {
    const was = olds?.[i];
    // The same object as read is unchanged; another is compared by its text.
    if (was?.termPrices === b.termPrices) continue;
    const text = termToJson(b.termPrices);
    if (!was || termToJson(was.termPrices) !== text) terms.push([b.subscriptionId, text]);
  }
  return {
    states: {
      table: 'subscription_billing',
      key: { name: 'subscription_id', type: 'text' },
      columns: [...changed, 'updated_at'].map((name) => ({ name, type: 'text' })),
      rows: states.map((b, i) => [
        b.subscriptionId,
        ...changed.map((name) => rows[i]?.[name]),
        updatedAt,
        ...(versions ? [versions.get(b.subscriptionId)] : []),
      ]),
      version: versions ? 'expect' : 'bump',
    },
    terms: {
      table: 'subscription_term_prices',
      key: { name: 'subscription_id', type: 'text' },
      columns: [{ name: 'term_prices', type: 'text' }],
      rows: terms,
      version: 'none',
    },
  };
}

export async function putSubscriptionBilling(
  tx: Tx,
  b: SubscriptionBilling,
  updatedAt: string,
  insert: boolean,
): Promise<void> {
  const values = {
    customer_country: b.customerCountry,
    cycle_state: cycleToJson(b.cycle, b.termPrices),
    next_charge_at: b.nextChargeAt,
    updated_at: updatedAt,
  };
  const termPrices = termToJson(b.termPrices);
  if (insert) {
    await tx
      .insertInto('subscription_billing')
      .values({ subscription_id: b.subscriptionId, ...values })
      .execute();
    await tx
      .insertInto('subscription_term_prices')
      .values({ subscription_id: b.subscriptionId, term_prices: termPrices })
      .execute();
    return;
  }
  await tx
    .updateTable('subscription_billing')
    .set({ ...values, version: sql`version + 1` })
    .where('subscription_id', '=', b.subscriptionId)
    .execute();
  await tx
    .updateTable('subscription_term_prices')
    .set({ term_prices: termPrices })
    .where('subscription_id', '=', b.subscriptionId)
    .execute();
}

/** The query of `listChargesDue` (exposed so its plan can be checked). */
export function chargesDueQuery(tx: Tx, now: string, limit: number, after?: DuePosition) {
  let q = tx
    .selectFrom('subscription_billing as b')
    .innerJoin('subscriptions as s', 's.id', 'b.subscription_id')
    .select(['b.subscription_id', 'b.next_charge_at'])
    .where('b.next_charge_at', '<=', now)
    .where('s.status', 'in', ['active', 'suspended']);
  if (after)
    q = q.where((eb) =>
      eb(eb.refTuple('b.next_charge_at', 'b.subscription_id'), '>', eb.tuple(after[0], after[1])),
    );
  return q.orderBy('b.next_charge_at').orderBy('b.subscription_id').limit(limit);
}

/**
 * Subscriptions (active or suspended) with a cycle charge due by `now`, earliest first (after
 * `after`, a (next charge, subscription id) position, when given): their ids and positions.
 */
export async function listChargesDue(
  tx: Tx,
  now: string,
  limit: number,
  after?: DuePosition,
): Promise<{ readonly id: string; readonly at: DuePosition }[]> {
  const rows = await chargesDueQuery(tx, now, limit, after).execute();
  return rows.map((r) => ({ id: r.subscription_id, at: [r.next_charge_at as string, r.subscription_id] }));
}

// --- Lines -----------------------------------------------------------------------------------

export function toBillingLine(r: Selectable<BillingLinesTable>): BillingLine {
  return {
    id: r.id,
    eventId: r.event_id,
    referenceId: r.reference_id,
    chargeType: r.charge_type as ChargeType,
    tier: Number(r.tier),
    sellerTenantId: r.seller_tenant_id,
    buyerTenantId: r.buyer_tenant_id,
    sellerPartnerId: r.seller_partner_id === null ? null : Number(r.seller_partner_id),
    buyerPartnerId: r.buyer_partner_id === null ? null : Number(r.buyer_partner_id),
    resellerPartnerId: r.reseller_partner_id === null ? null : Number(r.reseller_partner_id),
    subscriptionId: r.subscription_id,
    orderId: r.order_id,
    customerTenantId: r.customer_tenant_id,
    customerCountry: r.customer_country,
    productId: r.product_id,
    skuId: r.sku_id,
    chargeStart: r.charge_start,
    chargeEnd: r.charge_end,
    quantity: Number(r.quantity),
    unitPriceMicros: big(r.unit_price_micros),
    amount: big(r.amount_minor),
    sourceAmount: bigOrNull(r.source_amount_minor),
    currency: r.currency,
    sourceLineId: r.source_line_id,
    refundsLineId: r.refunds_line_id,
    reason: r.reason,
    period: r.period,
    invoiceId: r.invoice_id,
    occurredAt: r.occurred_at,
    lineNo: Number(r.line_no),
  };
}

/** `billing_lines`' columns as `insertLines` writes them, in order (the export reads them too). */
export const LINE_INSERT_COLUMNS = [
  'id',
  'event_id',
  'reference_id',
  'charge_type',
  'tier',
  'seller_tenant_id',
  'buyer_tenant_id',
  'seller_partner_id',
  'buyer_partner_id',
  'reseller_partner_id',
  'subscription_id',
  'order_id',
  'customer_tenant_id',
  'customer_country',
  'product_id',
  'sku_id',
  'charge_start',
  'charge_end',
  'quantity',
  'unit_price_micros',
  'amount_minor',
  'source_amount_minor',
  'currency',
  'source_line_id',
  'refunds_line_id',
  'reason',
  'period',
  'invoice_id',
  'occurred_at',
  'line_no',
] as const satisfies readonly (keyof BillingLinesTable)[];

/** Inserts `lines`; `documents`: each line's document, in place of its `invoiceId`. */
export async function insertLines(
  tx: Tx,
  lines: readonly BillingLine[],
  documents?: readonly string[],
): Promise<void> {
  await insertLineRows(tx, lineRows(lines, documents));
}

/** Inserts lines given as rows of `lineRows`. */
export async function insertLineRows(tx: Tx, rows: readonly (readonly unknown[])[]): Promise<void> {
  await insertMany(tx, 'billing_lines', LINE_INSERT_COLUMNS, rows);
}

/**
 * The values `insertLines` writes, a row of `LINE_INSERT_COLUMNS` per line (plain values: a worker
 * thread builds them for the main thread); `documents`: each line's document, in place of its
 * `invoiceId`.
 */
export function lineRows(lines: readonly BillingLine[], documents?: readonly string[]): unknown[][] {
  return lines.map((l, i) => [
    l.id,
    l.eventId,
    l.referenceId,
    l.chargeType,
    l.tier,
    l.sellerTenantId,
    l.buyerTenantId,
    l.sellerPartnerId,
    l.buyerPartnerId,
    l.resellerPartnerId,
    l.subscriptionId,
    l.orderId,
    l.customerTenantId,
    l.customerCountry,
    l.productId,
    l.skuId,
    l.chargeStart,
    l.chargeEnd,
    l.quantity,
    l.unitPriceMicros.toString(),
    l.amount.toString(),
    l.sourceAmount?.toString() ?? null,
    l.currency,
    l.sourceLineId,
    l.refundsLineId,
    l.reason,
    l.period,
    documents ? (documents[i] as string) : l.invoiceId,
    l.occurredAt,
    l.lineNo,
  ]);
}

const AT = Object.fromEntries(LINE_INSERT_COLUMNS.map((c, i) => [c, i])) as Record<
  (typeof LINE_INSERT_COLUMNS)[number],
  number
>;

/** What decides the document of a line of `lineRows`, read back from its values. */
export function placeOfRow(row: readonly unknown[]): LinePlace {
  return {
    id: row[AT.id] as string,
    sellerTenantId: row[AT.seller_tenant_id] as string,
    buyerTenantId: row[AT.buyer_tenant_id] as string,
    currency: row[AT.currency] as string,
    period: row[AT.period] as string,
    refundsLineId: row[AT.refunds_line_id] as string | null,
  };
}

/** Puts each line of `lineRows` on its document (in place). */
export function placeRows(rows: readonly unknown[][], documents: readonly string[]): void {
  for (const [i, row] of rows.entries()) row[AT.invoice_id] = documents[i];
}

export async function linesOfSubscription(tx: Tx, subscriptionId: string): Promise<BillingLine[]> {
  const rows = await tx
    .selectFrom('billing_lines')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .orderBy('line_no')
    .execute();
  return rows.map(toBillingLine);
}

/** A subscription's lines charged from `date` (`YYYY-MM-DD`) on: what a full refund nets. */
export async function linesOfSubscriptionSince(
  tx: Tx,
  subscriptionId: string,
  date: string,
): Promise<BillingLine[]> {
  const rows = await tx
    .selectFrom('billing_lines')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .where('charge_start', '>=', date)
    .orderBy('occurred_at')
    .orderBy('event_id')
    .orderBy('line_no')
    .execute();
  return rows.map(toBillingLine);
}

// --- Invoices --------------------------------------------------------------------------------

export function toInvoice(r: Selectable<InvoicesTable>): Invoice {
  return {
    id: r.id,
    kind: r.kind as InvoiceKind,
    number: r.number,
    sellerTenantId: r.seller_tenant_id,
    buyerTenantId: r.buyer_tenant_id,
    currency: r.currency,
    period: r.period,
    closedInPeriod: r.closed_in_period,
    originalInvoiceId: r.original_invoice_id,
    status: r.status as InvoiceStatus,
    taxPolicy: 'none',
    lineCount: Number(r.line_count),
    subtotal: big(r.subtotal_minor),
    taxTotal: big(r.tax_total_minor),
    total: big(r.total_minor),
    issuedAt: r.issued_at,
    voidedAt: r.voided_at,
    voidReason: r.void_reason,
    createdAt: r.created_at,
  };
}

export async function getInvoice(tx: Tx, id: string): Promise<Invoice | undefined> {
  const r = await tx.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  return r && (await withDraftTotals(tx, [toInvoice(r)]))[0];
}

/** One range of the invoice list: everyone's documents, or one party's as seller or as buyer. */
export interface InvoicePageQuery {
  readonly party?: { readonly side: 'seller' | 'buyer'; readonly tenantId: string } | undefined;
  /** Documents closed in this period only. */
  readonly period?: string | undefined;
  /** Drafts, numbered documents (issued or void), or one status; undefined: all. */
  readonly documents?: InvoiceStatus | 'numbered' | undefined;
  readonly after?: ListPosition | undefined;
  readonly limit: number;
}

/**
 * `limit + 1` documents in list order (closed in, id) after `after`: one ordered range of
 * `invoices_seller` or `invoices_buyer` (party, closed in, id) for a party; for everyone, of
 * `invoices_draft_order` (drafts) or `invoices_period` (numbered documents, migration 0021) — never
 * a sort of the documents before the page. A cursor is a row value, which both databases seek
 * rather than filter.
 */
export function invoicePageQuery(tx: Tx, q: InvoicePageQuery) {
  let s = tx.selectFrom('invoices').selectAll();
  if (q.party)
    s = s.where(q.party.side === 'seller' ? 'seller_tenant_id' : 'buyer_tenant_id', '=', q.party.tenantId);
  if (q.period) s = s.where('closed_in_period', '=', q.period);
  // Named as the partial indexes' conditions are, which SQLite does not infer from `status = …`.
  if (q.documents === 'draft') s = s.where('status', '=', 'draft');
  else if (q.documents) s = s.where('status', '<>', 'draft');
  if (q.documents === 'issued' || q.documents === 'void') s = s.where('status', '=', q.documents);
  const after = q.after;
  if (after)
    s = s.where((eb) => eb(eb.refTuple('closed_in_period', 'id'), '>', eb.tuple(after.key, after.id)));
  return s
    .orderBy('closed_in_period')
    .orderBy('id')
    .limit(q.limit + 1);
}

/**
 * `invoices` with each draft's totals as its lines stand now (a draft fills as lines are rated;
 * its stored totals are written when it is issued). Issued and void documents as stored.
 */
export async function withDraftTotals(tx: Tx, invoices: readonly Invoice[]): Promise<Invoice[]> {
  const drafts = invoices.filter((i) => i.status === 'draft').map((i) => i.id);
  if (drafts.length === 0) return [...invoices];
  const totals = await documentTotals(tx, drafts);
  return invoices.map((i) => {
    if (i.status !== 'draft') return i;
    const t = totals.get(i.id) ?? NO_LINES;
    return { ...i, lineCount: t.count, subtotal: t.sum, taxTotal: 0n, total: t.sum };
  });
}

/** A document's lines as totalled: their count, their sum, the seller's Partner ID on them. */
export interface DocumentTotals {
  readonly count: number;
  readonly sum: bigint;
  readonly partner: number | null;
}

export const NO_LINES: DocumentTotals = { count: 0, sum: 0n, partner: null };

/**
 * The count, sum and seller Partner ID of the lines of documents `ids`, per document: read from the
 * entries of `billing_lines_invoice` alone, which carry the amount and the Partner ID (migration
 * 0015) — no line row, wherever rating wrote it.
 */
export function documentTotalsQuery(tx: Tx, ids: readonly string[]) {
  return tx
    .selectFrom('billing_lines')
    .select((eb) => [
      'invoice_id',
      eb.fn.countAll<number | string>().as('count'),
      eb.fn.sum<number | string | null>('amount_minor').as('sum'),
      eb.fn.max('seller_partner_id').as('partner'),
    ])
    .where('invoice_id', 'in', ids)
    .groupBy('invoice_id');
}

/** The totals of the documents `ids` that have lines, by id: one grouped read per 500 documents. */
export async function documentTotals(tx: Tx, ids: readonly string[]): Promise<Map<string, DocumentTotals>> {
  const totals = new Map<string, DocumentTotals>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await documentTotalsQuery(tx, ids.slice(i, i + 500)).execute();
    for (const r of rows)
      totals.set(r.invoice_id as string, {
        count: Number(r.count),
        sum: big(r.sum ?? 0),
        partner: r.partner === null || r.partner === undefined ? null : Number(r.partner),
      });
  }
  return totals;
}
