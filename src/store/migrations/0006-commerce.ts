/**
 * Commerce: the catalog (products, SKUs, availabilities per market with list prices), orders with
 * their lines and sales chains, subscriptions, and the sandbox clock setting.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const commerce: Migration = {
  id: '0006-commerce',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('products')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('publisher_kind', 'text', (c) => c.notNull())
      .addColumn('publisher_name', 'text', (c) => c.notNull())
      .addColumn('owner_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('products_owner').on('products').column('owner_tenant_id').execute();
    await db.schema
      .createTable('skus')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('billing', 'text', (c) => c.notNull())
      .addColumn('min_quantity', 'integer', (c) => c.notNull())
      .addColumn('max_quantity', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('skus_product').on('skus').column('product_id').execute();
    await db.schema
      .createTable('availabilities')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('prices', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('availabilities_sku_country')
      .on('availabilities')
      .columns(['sku_id', 'country'])
      .unique()
      .execute();
    await db.schema
      .createIndex('availabilities_country_product')
      .on('availabilities')
      .columns(['country', 'product_id'])
      .execute();

    await db.schema
      .createTable('orders')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('requested_by_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('total_minor', 'bigint', (c) => c.notNull())
      .addColumn('placed_by_user_id', 'text')
      .addColumn('placed_by_tenant_id', 'text')
      .addColumn('failure', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('orders_customer')
      .on('orders')
      .columns(['customer_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('orders_seller')
      .on('orders')
      .columns(['seller_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('orders_requested_by')
      .on('orders')
      .columns(['requested_by_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createTable('order_lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
      .addColumn('line_number', 'integer', (c) => c.notNull())
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
      .addColumn('offer_title', 'text', (c) => c.notNull())
      .addColumn('publisher_kind', 'text', (c) => c.notNull())
      .addColumn('billing', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('term_duration', 'text')
      .addColumn('billing_cycle', 'text', (c) => c.notNull())
      .addColumn('unit_price_minor', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('partner_id_on_record', 'integer')
      .addColumn('partner_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('auto_renew', 'integer', (c) => c.notNull())
      .addColumn('sales_chain', 'text', (c) => c.notNull())
      .addColumn('subscription_id', 'text')
      .execute();
    await db.schema
      .createIndex('order_lines_order')
      .on('order_lines')
      .columns(['order_id', 'line_number'])
      .unique()
      .execute();
    await db.schema
      .createIndex('order_lines_partner')
      .on('order_lines')
      .columns(['partner_tenant_id'])
      .execute();

    await db.schema
      .createTable('subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('seller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
      .addColumn('order_line_id', 'text', (c) => c.notNull().references('order_lines.id'))
      .addColumn('sku_id', 'text', (c) => c.notNull().references('skus.id'))
      .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
      .addColumn('offer_title', 'text', (c) => c.notNull())
      .addColumn('publisher_kind', 'text', (c) => c.notNull())
      .addColumn('billing', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('term_duration', 'text')
      .addColumn('billing_cycle', 'text', (c) => c.notNull())
      .addColumn('unit_price_minor', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('auto_renew', 'integer', (c) => c.notNull())
      .addColumn('start_at', 'text', (c) => c.notNull())
      .addColumn('term_start_at', 'text', (c) => c.notNull())
      .addColumn('term_end_at', 'text')
      .addColumn('cancellation_window_ends_at', 'text')
      .addColumn('partner_id', 'integer')
      .addColumn('partner_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('support_contact_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('sales_chain', 'text', (c) => c.notNull())
      .addColumn('suspended_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('subscriptions_customer')
      .on('subscriptions')
      .columns(['customer_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('subscriptions_seller')
      .on('subscriptions')
      .columns(['seller_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('subscriptions_partner')
      .on('subscriptions')
      .columns(['partner_tenant_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('subscriptions_due')
      .on('subscriptions')
      .columns(['term_end_at', 'status'])
      .execute();

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
