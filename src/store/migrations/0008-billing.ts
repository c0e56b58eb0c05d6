/**
 * Billing: price lists and repricing rules per seller (with buyer groups), each subscription's
 * billing state (prices locked for the term, the current charge cycle, the next cycle charge),
 * billing lines (one per billing relationship per event), invoices and credit notes with gapless
 * numbers per seller and year, and the record of closed billing periods.
 *
 * Amounts are integers in the currency's minor unit (`bigint`); unit prices in micro-units.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const billing: Migration = {
  id: '0008-billing',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('price_list_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull())
      .addColumn('term_duration', 'text', (c) => c.notNull())
      .addColumn('billing_cycle', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('unit_price_micros', 'bigint', (c) => c.notNull())
      .addColumn('erp_micros', 'bigint')
      .addColumn('effective_from', 'text', (c) => c.notNull())
      .addColumn('effective_to', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('price_list_entries_seller_sku')
      .on('price_list_entries')
      .columns(['seller_tenant_id', 'sku_id', 'country', 'effective_from'])
      .execute();

    await db.schema
      .createTable('buyer_group_members')
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('group_name', 'text', (c) => c.notNull())
      .addColumn('buyer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('buyer_group_members_pk', [
        'seller_tenant_id',
        'group_name',
        'buyer_tenant_id',
      ])
      .execute();

    await db.schema
      .createTable('repricing_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('buyer_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('buyer_group', 'text')
      .addColumn('basis', 'text', (c) => c.notNull())
      .addColumn('adjustment_bps', 'integer', (c) => c.notNull())
      .addColumn('overrides', 'text', (c) => c.notNull())
      .addColumn('effective_month', 'text', (c) => c.notNull())
      .addColumn('allow_below_cost', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('repricing_rules_seller')
      .on('repricing_rules')
      .columns(['seller_tenant_id', 'effective_month'])
      .execute();

    await db.schema
      .createTable('subscription_billing')
      .addColumn('subscription_id', 'text', (c) => c.primaryKey().references('subscriptions.id'))
      .addColumn('customer_country', 'text', (c) => c.notNull())
      .addColumn('term_prices', 'text', (c) => c.notNull())
      .addColumn('cycle_state', 'text')
      .addColumn('next_charge_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('subscription_billing_next_charge')
      .on('subscription_billing')
      .column('next_charge_at')
      .execute();

    await db.schema
      .createTable('billing_lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('reference_id', 'text', (c) => c.notNull())
      .addColumn('charge_type', 'text', (c) => c.notNull())
      .addColumn('tier', 'integer', (c) => c.notNull())
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull())
      .addColumn('buyer_tenant_id', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('order_id', 'text', (c) => c.notNull())
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull())
      .addColumn('customer_country', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull())
      .addColumn('seller_partner_id', 'integer')
      .addColumn('buyer_partner_id', 'integer')
      .addColumn('reseller_partner_id', 'integer')
      .addColumn('charge_start', 'text', (c) => c.notNull())
      .addColumn('charge_end', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('unit_price_micros', 'bigint', (c) => c.notNull())
      .addColumn('amount_minor', 'bigint', (c) => c.notNull())
      .addColumn('source_amount_minor', 'bigint')
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('source_line_id', 'text')
      .addColumn('refunds_line_id', 'text')
      .addColumn('reason', 'text')
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('invoice_id', 'text')
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('billing_lines_period_open')
      .on('billing_lines')
      .columns(['period', 'invoice_id', 'seller_tenant_id', 'buyer_tenant_id', 'currency'])
      .execute();
    await db.schema
      .createIndex('billing_lines_invoice')
      .on('billing_lines')
      .columns(['invoice_id', 'occurred_at', 'id'])
      .execute();
    await db.schema
      .createIndex('billing_lines_subscription')
      .on('billing_lines')
      .columns(['subscription_id', 'occurred_at'])
      .execute();

    await db.schema
      .createTable('invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.unique())
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull())
      .addColumn('buyer_tenant_id', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('closed_in_period', 'text', (c) => c.notNull())
      .addColumn('original_invoice_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('tax_policy', 'text', (c) => c.notNull())
      .addColumn('line_count', 'integer', (c) => c.notNull())
      .addColumn('subtotal_minor', 'bigint', (c) => c.notNull())
      .addColumn('tax_total_minor', 'bigint', (c) => c.notNull())
      .addColumn('total_minor', 'bigint', (c) => c.notNull())
      .addColumn('issued_at', 'text')
      .addColumn('voided_at', 'text')
      .addColumn('void_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('invoices_document')
      .on('invoices')
      .columns([
        'closed_in_period',
        'kind',
        'seller_tenant_id',
        'buyer_tenant_id',
        'currency',
        'original_invoice_id',
      ])
      .execute();
    await db.schema
      .createIndex('invoices_seller')
      .on('invoices')
      .columns(['seller_tenant_id', 'period', 'id'])
      .execute();
    await db.schema
      .createIndex('invoices_buyer')
      .on('invoices')
      .columns(['buyer_tenant_id', 'period', 'id'])
      .execute();

    await db.schema
      .createTable('invoice_number_sequences')
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull())
      .addColumn('year', 'integer', (c) => c.notNull())
      .addColumn('last_number', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('invoice_number_sequences_pk', ['seller_tenant_id', 'year'])
      .execute();

    await db.schema
      .createTable('billing_periods')
      .addColumn('period', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('invoice_count', 'integer', (c) => c.notNull())
      .addColumn('line_count', 'integer', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .execute();
  },
};
