/**
 * Billing commands and queries: each seller's price list, buyer groups and repricing rules;
 * credits; invoices (read by the party that issues them and the party that receives them, nothing
 * else) and their lines; voiding an issued invoice.
 *
 * Who acts for a seller: the program operator for the vendor's list; for a partner, a global admin,
 * admin agent or billing admin of its CSP tenant.
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { QueryContext } from '../app/context.ts';
import { TERM_DURATIONS, type TermDuration } from '../catalog/model.ts';
import { getSku } from '../catalog/store.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { mergeOrdered, type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { isOperator, type Principal, type UserRole } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { vendorTenant } from '../orders/store.ts';
import { actsFor } from '../rules/decisions.ts';
import { getSubscription } from '../subscriptions/store.ts';
import type { BillingLine, Invoice } from './model.ts';
import { exponentOf, formatAmount, formatMicros, parseDecimal } from './money.ts';
import {
  PRICE_BASES,
  type PriceBasis,
  type PriceListEntry,
  type RepricingOverride,
  type RepricingRule,
  rangesOverlap,
  sameKey,
} from './pricing.ts';
import { writeCredit } from './rating.ts';
import * as store from './store.ts';
import { creditNotesVoidedWith, voidDocuments } from './void.ts';

/** Roles that manage a partner's prices, credits and invoices. */
export const BILLING_ROLES: readonly UserRole[] = ['global-admin', 'admin-agent', 'billing-admin'];

function notFound(
  code: 'TENANT_NOT_FOUND' | 'INVOICE_NOT_FOUND' | 'PRICE_LIST_ENTRY_NOT_FOUND' | 'SUBSCRIPTION_NOT_FOUND',
  id: string,
  field: string,
): Violation {
  return violation(code, `No ${code.replace('_NOT_FOUND', '').toLowerCase().replaceAll('_', ' ')} ${id}.`, {
    field,
  });
}

/** May the principal manage `sellerTenantId`'s prices and invoices? The vendor's: the operator. */
async function actsForSeller(ctx: QueryContext, sellerTenantId: string): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  const vendor = await vendorTenant(ctx.tx);
  if (vendor?.id === sellerTenantId) return false;
  return actsFor(ctx.principal, sellerTenantId, BILLING_ROLES);
}

/** Is `buyer` one the seller bills: its reseller (a partnership) or its customer (a relationship)? */
async function billsBuyer(ctx: QueryContext, seller: string, buyer: string): Promise<boolean> {
  const partnership = await ctx.tx
    .selectFrom('partnerships')
    .select('id')
    .where('provider_tenant_id', '=', seller)
    .where('reseller_tenant_id', '=', buyer)
    .executeTakeFirst();
  if (partnership) return true;
  const relationship = await ctx.tx
    .selectFrom('customer_relationships')
    .select('id')
    .where('partner_tenant_id', '=', seller)
    .where('customer_tenant_id', '=', buyer)
    .executeTakeFirst();
  if (relationship) return true;
  const vendor = await vendorTenant(ctx.tx);
  return vendor?.id === seller;
}

function price(f: Fields, field: string, optional: boolean): bigint | undefined {
  const text = optional ? f.text(field, { max: 24, optional: true }) : f.text(field, { max: 24 });
  if (text === undefined || text === '') return undefined;
  const v = parseDecimal(text, 6);
  if (v === undefined || v < 0n) {
    f.fail('INVALID_FIELD', field, 'must be a decimal string ≥ 0 with at most 6 decimals ("12.50")');
    return undefined;
  }
  return v;
}

function oneOf<T extends string>(
  f: Fields,
  field: string,
  values: readonly T[],
  optional = false,
): T | undefined {
  const v = optional ? f.text(field, { max: 40, optional: true }) : f.text(field, { max: 40 });
  if (v === undefined) return undefined;
  if (!(values as readonly string[]).includes(v)) {
    f.fail('INVALID_FIELD', field, `must be one of ${values.join(', ')}`);
    return undefined;
  }
  return v as T;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

// --- Price lists -----------------------------------------------------------------------------

/** Adds an entry to a seller's price list; refused if its dates overlap another entry for the same item. */
export const addPriceListEntry = defineCommand({
  name: 'billing.add-price-list-entry',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const skuId = f.text('skuId', { max: 200 });
    const termDuration = oneOf(f, 'termDuration', TERM_DURATIONS, true) ?? null;
    const billingCycle = oneOf(f, 'billingCycle', ['monthly', 'annual'] as const) ?? 'monthly';
    const country = f.text('country', { max: 2 }).toUpperCase();
    const currency = f.text('currency', { max: 3 }).toUpperCase();
    const unitPrice = price(f, 'unitPrice', false) ?? 0n;
    const erp = price(f, 'erp', true) ?? null;
    const effectiveFrom = f.date('effectiveFrom', { optional: true });
    const effectiveTo = f.date('effectiveTo', { optional: true }) ?? null;
    if (effectiveFrom && effectiveTo && effectiveTo <= effectiveFrom)
      f.fail('INVALID_FIELD', 'effectiveTo', 'must be after effectiveFrom');
    return f.finish(() => ({
      sellerTenantId,
      skuId,
      termDuration,
      billingCycle,
      country,
      currency,
      unitPrice,
      erp,
      effectiveFrom,
      effectiveTo,
    }));
  },
  async run(ctx, input): Promise<Outcome<PriceListEntryView>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    const market = ctx.program.catalogue.market(input.country);
    const sku = await getSku(ctx.tx, input.skuId);
    const problems: Violation[] = [];
    if (!market)
      problems.push(
        violation('UNKNOWN_COUNTRY', `${input.country} is not a market of the program.`, {
          field: 'country',
        }),
      );
    else if (market.currency !== input.currency)
      problems.push(
        violation(
          'CURRENCY_MISMATCH',
          `${input.country} transacts in ${market.currency}, not ${input.currency}.`,
          {
            field: 'currency',
          },
        ),
      );
    if (!sku) problems.push(violation('OFFER_NOT_FOUND', `No SKU ${input.skuId}.`, { field: 'skuId' }));
    else if ((sku.billing === 'usage') !== (input.termDuration === null))
      problems.push(
        violation(
          'TERM_NOT_OFFERED',
          sku.billing === 'usage'
            ? 'A usage-based SKU has no term.'
            : 'A license-based SKU needs termDuration.',
          {
            field: 'termDuration',
          },
        ),
      );
    if (problems.length > 0 || !sku) return refuse(...problems);
    const entry: PriceListEntry = {
      id: ctx.ids.guid(),
      sellerTenantId: input.sellerTenantId,
      productId: sku.productId,
      skuId: sku.id,
      termDuration: input.termDuration as TermDuration | null,
      billingCycle: input.billingCycle,
      country: input.country,
      currency: input.currency,
      unitPriceMicros: input.unitPrice,
      erpMicros: input.erp,
      effectiveFrom: input.effectiveFrom ?? toInstant(ctx.now).slice(0, 10),
      effectiveTo: input.effectiveTo,
    };
    const clash = (await store.entriesFor(ctx.tx, entry.sellerTenantId, entry.skuId, entry.country)).find(
      (e) => sameKey(e, entry) && rangesOverlap(e, entry),
    );
    if (clash)
      return refuse(
        violation(
          'PRICE_LIST_OVERLAP',
          `Entry ${clash.id} already prices this item from ${clash.effectiveFrom} to ${clash.effectiveTo ?? 'open end'}.`,
          {
            field: 'effectiveFrom',
            remedies: [
              `End entry ${clash.id} first (POST /v1/price-list/${clash.id}/end), then add this one from that day.`,
            ],
          },
        ),
      );
    await store.insertPriceListEntry(ctx.tx, entry, toInstant(ctx.now));
    const view = priceListEntryView(entry);
    await ctx.record({
      type: 'price-list.entry-added',
      entityType: 'price-list-entry',
      entityId: entry.id,
      payload: { ...view },
    });
    return accept(view);
  },
});

/** Ends a price-list entry on a day (it no longer applies from then on); refused if that re-opens no gap but overlaps. */
export const endPriceListEntry = defineCommand({
  name: 'billing.end-price-list-entry',
  parse(input) {
    const f = new Fields(input);
    const entryId = f.guid('entryId');
    const effectiveTo = f.date('effectiveTo', { optional: true });
    if (effectiveTo === undefined) f.fail('REQUIRED_FIELD', 'effectiveTo', 'is required');
    return f.finish(() => ({ entryId, effectiveTo: effectiveTo ?? '' }));
  },
  async run(ctx, input): Promise<Outcome<PriceListEntryView>> {
    const entry = await store.getPriceListEntry(ctx.tx, input.entryId);
    if (!entry || !(await actsForSeller(ctx, entry.sellerTenantId)))
      return refuse(notFound('PRICE_LIST_ENTRY_NOT_FOUND', input.entryId, 'entryId'));
    if (input.effectiveTo <= entry.effectiveFrom)
      return refuse(
        violation('INVALID_FIELD', `effectiveTo must be after the entry's start ${entry.effectiveFrom}.`, {
          field: 'effectiveTo',
        }),
      );
    const ended = { ...entry, effectiveTo: input.effectiveTo };
    // A later end (or none before) may run the entry into one that starts after it.
    const clash = (await store.entriesFor(ctx.tx, entry.sellerTenantId, entry.skuId, entry.country)).find(
      (e) => e.id !== entry.id && sameKey(e, ended) && rangesOverlap(e, ended),
    );
    if (clash)
      return refuse(
        violation(
          'PRICE_LIST_OVERLAP',
          `Entry ${clash.id} prices this item from ${clash.effectiveFrom}: entry ${entry.id} cannot run to ${input.effectiveTo}.`,
          {
            field: 'effectiveTo',
            remedies: [`End entry ${entry.id} on ${clash.effectiveFrom} or earlier.`],
          },
        ),
      );
    await store.setPriceListEntryEnd(ctx.tx, entry.id, input.effectiveTo);
    const view = priceListEntryView(ended);
    await ctx.record({
      type: 'price-list.entry-ended',
      entityType: 'price-list-entry',
      entityId: entry.id,
      payload: { effectiveTo: input.effectiveTo },
    });
    return accept(view);
  },
});

export interface PriceListEntryView {
  readonly id: string;
  readonly sellerTenantId: string;
  readonly productId: string;
  readonly skuId: string;
  readonly termDuration: string | null;
  readonly billingCycle: string;
  readonly country: string;
  readonly currency: string;
  readonly unitPrice: string;
  readonly erp: string | null;
  readonly effectiveFrom: string;
  readonly effectiveTo: string | null;
}

export function priceListEntryView(e: PriceListEntry): PriceListEntryView {
  return {
    id: e.id,
    sellerTenantId: e.sellerTenantId,
    productId: e.productId,
    skuId: e.skuId,
    termDuration: e.termDuration,
    billingCycle: e.billingCycle,
    country: e.country,
    currency: e.currency,
    unitPrice: formatMicros(e.unitPriceMicros),
    erp: e.erpMicros === null ? null : formatMicros(e.erpMicros),
    effectiveFrom: e.effectiveFrom,
    effectiveTo: e.effectiveTo,
  };
}

export const listPriceList = defineQuery({
  name: 'billing.list-price-list',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const skuId = f.text('skuId', { max: 200, optional: true });
    const country = f.text('country', { max: 2, optional: true })?.toUpperCase();
    const page = parsePage(f);
    return f.finish(() => ({ sellerTenantId, skuId, country, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<PriceListEntryView>>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    const rows = await store.listPriceList(ctx.tx, input);
    const created = new Map<string, string>();
    const withCreated = await ctx.tx
      .selectFrom('price_list_entries')
      .select(['id', 'created_at'])
      .where('id', 'in', rows.length > 0 ? rows.map((r) => r.id) : [''])
      .execute();
    for (const r of withCreated) created.set(r.id, r.created_at);
    return accept(
      toPage(rows, input.limit, (r) => ({ key: created.get(r.id) ?? '', id: r.id }), priceListEntryView),
    );
  },
});

// --- Buyer groups and repricing rules --------------------------------------------------------

/** Puts a buyer in (or takes it out of) one of the seller's buyer groups. */
export const setBuyerGroupMember = defineCommand({
  name: 'billing.set-buyer-group-member',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const group = f.text('group', { max: 100 });
    const buyerTenantId = f.guid('buyerTenantId');
    const member = f.boolean('member', { optional: true }) ?? true;
    return f.finish(() => ({ sellerTenantId, group, buyerTenantId, member }));
  },
  async run(ctx, input): Promise<Outcome<{ sellerTenantId: string; group: string; members: string[] }>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    if (!(await billsBuyer(ctx, input.sellerTenantId, input.buyerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.buyerTenantId, 'buyerTenantId'));
    const key = {
      seller_tenant_id: input.sellerTenantId,
      group_name: input.group,
      buyer_tenant_id: input.buyerTenantId,
    };
    await ctx.tx
      .deleteFrom('buyer_group_members')
      .where('seller_tenant_id', '=', key.seller_tenant_id)
      .where('group_name', '=', key.group_name)
      .where('buyer_tenant_id', '=', key.buyer_tenant_id)
      .execute();
    if (input.member)
      await ctx.tx
        .insertInto('buyer_group_members')
        .values({ ...key, created_at: toInstant(ctx.now) })
        .execute();
    await ctx.record({
      type: input.member ? 'buyer-group.member-added' : 'buyer-group.member-removed',
      entityType: 'buyer-group',
      entityId: `${input.sellerTenantId}/${input.group}`,
      payload: { buyerTenantId: input.buyerTenantId },
    });
    const members =
      (await store.groupsOf(ctx.tx, input.sellerTenantId)).get(input.group) ?? new Set<string>();
    return accept({ sellerTenantId: input.sellerTenantId, group: input.group, members: [...members].sort() });
  },
});

export interface RepricingRuleView {
  readonly id: string;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string | null;
  readonly buyerGroup: string | null;
  readonly basis: PriceBasis;
  readonly adjustmentBps: number;
  readonly overrides: readonly RepricingOverride[];
  readonly effectiveMonth: string;
  readonly allowBelowCost: boolean;
  readonly createdAt: string;
}

/**
 * Adds a repricing rule for a buyer, a buyer group or everyone, from a future invoice month. A
 * cost-based rule that sells below cost is refused unless `allowBelowCost`.
 */
export const addRepricingRule = defineCommand({
  name: 'billing.add-repricing-rule',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const buyerTenantId = f.guid('buyerTenantId', { optional: true }) ?? null;
    const buyerGroup = f.text('buyerGroup', { max: 100, optional: true }) ?? null;
    if (buyerTenantId && buyerGroup)
      f.fail('INVALID_FIELD', 'buyerGroup', 'cannot be given with buyerTenantId (one target)');
    const basis = oneOf(f, 'basis', PRICE_BASES) ?? 'erp';
    const adjustmentBps = f.integer('adjustmentBps', { min: -10_000, max: 1_000_000 });
    const overrides = f.objects(
      'overrides',
      (o) => {
        const productIds = o.strings('productIds', { max: 1000 });
        const skuIds = o.strings('skuIds', { max: 1000 });
        if (productIds.length === 0 && skuIds.length === 0)
          o.fail('REQUIRED_FIELD', 'skuIds', 'or productIds must name at least one SKU or product');
        return {
          productIds,
          skuIds,
          basis: oneOf(o, 'basis', PRICE_BASES) ?? 'erp',
          adjustmentBps: o.integer('adjustmentBps', { min: -10_000, max: 1_000_000 }),
        } satisfies RepricingOverride;
      },
      { max: 100 },
    );
    const effectiveMonth = f.text('effectiveMonth', { max: 7 });
    if (effectiveMonth && !MONTH.test(effectiveMonth))
      f.fail('INVALID_FIELD', 'effectiveMonth', 'must be a month YYYY-MM');
    const allowBelowCost = f.boolean('allowBelowCost', { optional: true }) ?? false;
    return f.finish(() => ({
      sellerTenantId,
      buyerTenantId,
      buyerGroup,
      basis,
      adjustmentBps,
      overrides,
      effectiveMonth,
      allowBelowCost,
    }));
  },
  async run(ctx, input): Promise<Outcome<RepricingRuleView>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    if (input.buyerTenantId && !(await billsBuyer(ctx, input.sellerTenantId, input.buyerTenantId)))
      return refuse(
        violation(
          'BUYER_NOT_A_CUSTOMER_OF_SELLER',
          `Tenant ${input.sellerTenantId} does not bill ${input.buyerTenantId}.`,
          {
            field: 'buyerTenantId',
            remedies: [
              'Name one of your resellers (an active partnership) or one of your customers (a relationship).',
            ],
          },
        ),
      );
    const problems: Violation[] = [];
    const current = toInstant(ctx.now).slice(0, 7);
    if (input.effectiveMonth <= current)
      problems.push(
        violation(
          'EFFECTIVE_MONTH_NOT_FUTURE',
          `effectiveMonth ${input.effectiveMonth} is not after ${current}.`,
          {
            field: 'effectiveMonth',
            remedies: ['Choose next month or later; for an immediate price, add a price-list entry.'],
          },
        ),
      );
    const losing = [input, ...input.overrides].some((a) => a.basis === 'cost' && a.adjustmentBps < 0);
    if (losing && !input.allowBelowCost)
      problems.push(
        violation('PRICE_BELOW_COST', 'A cost-based rule with a negative adjustment sells below cost.', {
          field: 'adjustmentBps',
          remedies: [
            'Use a non-negative adjustment on cost.',
            'Set allowBelowCost: true if selling at a loss is intended.',
          ],
        }),
      );
    if (problems.length > 0) return refuse(...problems);
    const rule: RepricingRule = {
      id: ctx.ids.guid(),
      sellerTenantId: input.sellerTenantId,
      buyerTenantId: input.buyerTenantId,
      buyerGroup: input.buyerGroup,
      basis: input.basis,
      adjustmentBps: input.adjustmentBps,
      overrides: input.overrides,
      effectiveMonth: input.effectiveMonth,
      allowBelowCost: input.allowBelowCost,
      createdAt: toInstant(ctx.now),
    };
    await store.insertRepricingRule(ctx.tx, rule);
    await ctx.record({
      type: 'repricing-rule.added',
      entityType: 'repricing-rule',
      entityId: rule.id,
      payload: { ...rule },
    });
    return accept(rule);
  },
});

export const listRepricingRules = defineQuery({
  name: 'billing.list-repricing-rules',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    return f.finish(() => ({ sellerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<{ items: RepricingRuleView[] }>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    return accept({ items: await store.rulesOf(ctx.tx, input.sellerTenantId) });
  },
});

// --- Credits ----------------------------------------------------------------------------------

/** A seller credits its buyer on a subscription (`customerCredit`), with a reason. */
export const issueCredit = defineCommand({
  name: 'billing.issue-credit',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const subscriptionId = f.guid('subscriptionId');
    const amount = f.text('amount', { max: 24 });
    const reason = f.text('reason', { max: 500 });
    return f.finish(() => ({ sellerTenantId, subscriptionId, amount, reason }));
  },
  async run(ctx, input): Promise<Outcome<BillingLineView>> {
    if (!(await actsForSeller(ctx, input.sellerTenantId)))
      return refuse(notFound('TENANT_NOT_FOUND', input.sellerTenantId, 'sellerTenantId'));
    const s = await getSubscription(ctx.tx, input.subscriptionId);
    // A seller that is no party of the subscription's chain (now or as priced for the term) learns
    // nothing of it: the same answer as for a subscription that does not exist.
    const priced = s && (await store.getSubscriptionBilling(ctx.tx, s.id))?.termPrices.chain;
    const party = (chain: readonly { tenantId: string }[] | undefined) =>
      chain?.some((p) => p.tenantId === input.sellerTenantId) ?? false;
    if (!s || !(party(s.salesChain) || party(priced)))
      return refuse(notFound('SUBSCRIPTION_NOT_FOUND', input.subscriptionId, 'subscriptionId'));
    const exponent = exponentOf(s.currency);
    const amount = parseDecimal(input.amount, exponent);
    if (amount === undefined || amount <= 0n)
      return refuse(
        violation(
          'INVALID_FIELD',
          `amount must be a positive decimal with at most ${exponent} decimals in ${s.currency}.`,
          {
            field: 'amount',
          },
        ),
      );
    const written = await writeCredit(ctx, s, {
      sellerTenantId: input.sellerTenantId,
      amountMinor: amount,
      reason: input.reason,
    });
    if (!written.ok) return written;
    const view = lineView(written.value, null);
    await ctx.record({
      type: 'billing.credit-issued',
      entityType: 'subscription',
      entityId: s.id,
      payload: { ...view },
    });
    return accept(view);
  },
});

// --- Invoices --------------------------------------------------------------------------------

export interface InvoiceView {
  readonly id: string;
  readonly kind: Invoice['kind'];
  readonly number: string | null;
  readonly status: Invoice['status'];
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly currency: string;
  readonly period: string;
  readonly closedInPeriod: string;
  readonly originalInvoiceId: string | null;
  readonly taxPolicy: 'none';
  readonly taxExclusive: true;
  readonly lineCount: number;
  readonly subtotal: string;
  readonly taxTotal: string;
  readonly total: string;
  readonly issuedAt: string | null;
  readonly voidedAt: string | null;
  readonly voidReason: string | null;
  readonly createdAt: string;
}

export function invoiceView(i: Invoice): InvoiceView {
  return {
    id: i.id,
    kind: i.kind,
    number: i.number,
    status: i.status,
    sellerTenantId: i.sellerTenantId,
    buyerTenantId: i.buyerTenantId,
    currency: i.currency,
    period: i.period,
    closedInPeriod: i.closedInPeriod,
    originalInvoiceId: i.originalInvoiceId,
    taxPolicy: 'none',
    taxExclusive: true,
    lineCount: i.lineCount,
    subtotal: formatAmount(i.subtotal, i.currency),
    taxTotal: formatAmount(i.taxTotal, i.currency),
    total: formatAmount(i.total, i.currency),
    issuedAt: i.issuedAt,
    voidedAt: i.voidedAt,
    voidReason: i.voidReason,
    createdAt: i.createdAt,
  };
}

export interface BillingLineView {
  readonly id: string;
  readonly invoiceId: string | null;
  readonly invoiceNumber: string | null;
  readonly eventId: string;
  readonly referenceId: string;
  readonly chargeType: string;
  readonly chainTier: number;
  readonly sellerTenantId: string;
  readonly buyerTenantId: string;
  readonly sellerPartnerId: number | null;
  readonly buyerPartnerId: number | null;
  readonly resellerPartnerId: number | null;
  readonly subscriptionId: string;
  readonly orderId: string;
  readonly customerTenantId: string;
  readonly customerCountry: string;
  readonly productId: string;
  readonly skuId: string;
  readonly chargeStartDate: string;
  readonly chargeEndDate: string;
  readonly quantity: number;
  readonly unitPrice: string;
  readonly subtotal: string;
  readonly taxTotal: string;
  readonly total: string;
  readonly currency: string;
  /** Null unless the reader is the line's seller (or the operator). */
  readonly marginAmount: string | null;
  readonly sourceLineId: string | null;
  readonly refundsLineId: string | null;
  readonly reason: string | null;
  readonly period: string;
  readonly occurredAt: string;
}

/** The tenant a principal reads billing lines as: null for the operator ('' for no tenant: a buyer's view). */
export function viewerOf(request: { readonly principal: Principal }): string | null {
  const p = request.principal;
  if (isOperator(p)) return null;
  return p.kind === 'user' ? p.tenantId : '';
}

/** Whether `viewer` (null: the operator) reads a line's seller side: its margin and the line above. */
export function readsSellerSide(viewer: string | null, l: Pick<BillingLine, 'sellerTenantId'>): boolean {
  return viewer === null || viewer === l.sellerTenantId;
}

/** A line as `viewer` reads it (null: the operator): margin and source line only for its seller. */
export function lineView(
  l: BillingLine,
  invoiceNumber: string | null,
  viewer: string | null = null,
): BillingLineView {
  const sellerView = readsSellerSide(viewer, l);
  return {
    id: l.id,
    invoiceId: l.invoiceId,
    invoiceNumber,
    eventId: l.eventId,
    referenceId: l.referenceId,
    chargeType: l.chargeType,
    chainTier: l.tier,
    sellerTenantId: l.sellerTenantId,
    buyerTenantId: l.buyerTenantId,
    sellerPartnerId: l.sellerPartnerId,
    buyerPartnerId: l.buyerPartnerId,
    resellerPartnerId: l.resellerPartnerId,
    subscriptionId: l.subscriptionId,
    orderId: l.orderId,
    customerTenantId: l.customerTenantId,
    customerCountry: l.customerCountry,
    productId: l.productId,
    skuId: l.skuId,
    chargeStartDate: l.chargeStart,
    chargeEndDate: l.chargeEnd,
    quantity: l.quantity,
    unitPrice: formatMicros(l.unitPriceMicros),
    subtotal: formatAmount(l.amount, l.currency),
    taxTotal: formatAmount(0n, l.currency),
    total: formatAmount(l.amount, l.currency),
    currency: l.currency,
    marginAmount: sellerView ? formatAmount(l.amount - (l.sourceAmount ?? 0n), l.currency) : null,
    sourceLineId: sellerView ? l.sourceLineId : null,
    refundsLineId: l.refundsLineId,
    reason: l.reason,
    period: l.period,
    occurredAt: l.occurredAt,
  };
}

/** May the principal read this invoice: the operator, or an agent of the seller or of the buyer. */
async function canSeeInvoice(
  ctx: QueryContext,
  i: Pick<Invoice, 'sellerTenantId' | 'buyerTenantId'>,
): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  const p = ctx.principal;
  if (p.kind !== 'user') return false;
  return (
    (p.tenantId === i.sellerTenantId || p.tenantId === i.buyerTenantId) &&
    (actsFor(p, p.tenantId, BILLING_ROLES) || actsFor(p, p.tenantId, ['global-admin']))
  );
}

async function visibleInvoice(ctx: QueryContext, id: string): Promise<Outcome<Invoice>> {
  const i = await store.getInvoice(ctx.tx, id);
  if (!i || !(await canSeeInvoice(ctx, i))) return refuse(notFound('INVOICE_NOT_FOUND', id, 'invoiceId'));
  return accept(i);
}

export const getInvoice = defineQuery({
  name: 'billing.get-invoice',
  parse(input) {
    const f = new Fields(input);
    const invoiceId = f.guid('invoiceId');
    return f.finish(() => ({ invoiceId }));
  },
  async run(ctx, input): Promise<Outcome<InvoiceView>> {
    const found = await visibleInvoice(ctx, input.invoiceId);
    return found.ok ? accept(invoiceView(found.value)) : found;
  },
});

/** Invoices and credit notes the caller's tenant issued or received (the operator: all), by period then id. */
export const listInvoices = defineQuery({
  name: 'billing.list-invoices',
  parse(input) {
    const f = new Fields(input);
    const period = f.text('period', { max: 7, optional: true });
    if (period !== undefined && !MONTH.test(period))
      f.fail('INVALID_FIELD', 'period', 'must be a month YYYY-MM');
    const role = oneOf(f, 'role', ['issued', 'received'] as const, true);
    const status = oneOf(f, 'status', ['draft', 'issued', 'void'] as const, true);
    const page = parsePage(f);
    return f.finish(() => ({ period, role, status, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<InvoiceView>>> {
    const p = ctx.principal;
    let parties: store.InvoicePageQuery['party'][];
    if (isOperator(p)) parties = [undefined];
    else if (
      p.kind !== 'user' ||
      !(actsFor(p, p.tenantId, BILLING_ROLES) || actsFor(p, p.tenantId, ['global-admin']))
    )
      return accept({ items: [], next: null });
    else
      parties = (input.role === undefined ? (['issued', 'received'] as const) : [input.role]).map((role) => ({
        side: role === 'issued' ? 'seller' : 'buyer',
        tenantId: p.tenantId,
      }));
    // Everyone's documents: the drafts and the numbered ones are in two indexes (migration 0021).
    const documents = input.status
      ? [input.status]
      : isOperator(p)
        ? (['draft', 'numbered'] as const)
        : [undefined];
    // One ordered range each, merged: an `OR` would sort every document of the tenant or program.
    const lists = [];
    for (const party of parties)
      for (const d of documents)
        lists.push(await store.invoicePageQuery(ctx.tx, { ...input, party, documents: d }).execute());
    const rows = mergeOrdered(lists, input.limit, listPosition);
    const invoices = await store.withDraftTotals(ctx.tx, rows.map(store.toInvoice));
    return accept(toPage(invoices, input.limit, (i) => ({ key: i.closedInPeriod, id: i.id }), invoiceView));
  },
});

/** A document row's place in the invoice list. */
const listPosition = (r: { closed_in_period: string; id: string }) => ({ key: r.closed_in_period, id: r.id });

/** The lines of one invoice, in export order (occurred, id), paged. */
export const listInvoiceLines = defineQuery({
  name: 'billing.list-invoice-lines',
  parse(input) {
    const f = new Fields(input);
    const invoiceId = f.guid('invoiceId');
    const page = parsePage(f);
    return f.finish(() => ({ invoiceId, ...page }));
  },
  async run(ctx, input): Promise<Outcome<Page<BillingLineView>>> {
    const found = await visibleInvoice(ctx, input.invoiceId);
    if (!found.ok) return found;
    let q = ctx.tx.selectFrom('billing_lines').selectAll().where('invoice_id', '=', input.invoiceId);
    const after = input.after;
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('occurred_at', '>', after.key),
          eb.and([eb('occurred_at', '=', after.key), eb('id', '>', after.id)]),
        ]),
      );
    const rows = await q
      .orderBy('occurred_at')
      .orderBy('id')
      .limit(input.limit + 1)
      .execute();
    return accept(
      toPage(
        rows,
        input.limit,
        (r) => ({ key: r.occurred_at, id: r.id }),
        (r) => lineView(store.toBillingLine(r), found.value.number, viewerOf(ctx)),
      ),
    );
  },
});

/**
 * The seller (or the operator) voids an issued document, with a reason. Its number stays used.
 * Voiding an invoice voids the credit notes issued against it (`billing/void.ts`).
 */
export const voidInvoice = defineCommand({
  name: 'billing.void-invoice',
  parse(input) {
    const f = new Fields(input);
    const invoiceId = f.guid('invoiceId');
    const reason = f.text('reason', { max: 500 });
    return f.finish(() => ({ invoiceId, reason }));
  },
  async run(ctx, input): Promise<Outcome<InvoiceView>> {
    const found = await visibleInvoice(ctx, input.invoiceId);
    if (!found.ok) return found;
    const i = found.value;
    if (!(await actsForSeller(ctx, i.sellerTenantId)))
      return refuse(
        violation('NOT_AUTHORIZED', 'Only the seller that issued the invoice voids it.', {
          remedies: ['Ask the seller for a credit note or a void.'],
        }),
      );
    if (i.status !== 'issued')
      return refuse(
        violation('INVOICE_NOT_ISSUED', `Invoice ${i.id} is ${i.status}.`, { field: 'invoiceId' }),
      );
    const at = toInstant(ctx.now);
    const notes = i.kind === 'invoice' ? await creditNotesVoidedWith(ctx, i, input.reason) : [];
    await voidDocuments(ctx, [{ id: i.id, reason: input.reason }, ...notes]);
    return accept(invoiceView({ ...i, status: 'void', voidedAt: at, voidReason: input.reason }));
  },
});
