/**
 * Relationships: provider–reseller partnerships and support requests, customer invitations and
 * reseller relationships, delegated admin relationships and external subscriptions.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const relationships: Migration = {
  id: '0002-relationships',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('partnerships')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('reseller_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('invitation_token', 'text', (c) => c.notNull().unique())
      .addColumn('invited_at', 'text', (c) => c.notNull())
      .addColumn('invited_by', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text')
      .addColumn('accepted_by', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('end_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('partnerships_provider')
      .on('partnerships')
      .columns(['provider_tenant_id', 'state'])
      .execute();
    await db.schema
      .createIndex('partnerships_reseller')
      .on('partnerships')
      .columns(['reseller_tenant_id', 'state'])
      .execute();

    await db.schema
      .createTable('support_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('partnership_id', 'text', (c) => c.references('partnerships.id'))
      .addColumn('opened_by_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('opened_by_user_id', 'text')
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_by', 'text')
      .addColumn('resolution', 'text')
      .execute();
    await db.schema
      .createIndex('support_requests_status')
      .on('support_requests')
      .columns(['status', 'opened_at'])
      .execute();

    await db.schema
      .createTable('customer_invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('partner_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('provider_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('customer_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('request_delegated_admin', 'integer', (c) => c.notNull())
      .addColumn('token', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .execute();
    await db.schema
      .createIndex('customer_invitations_partner')
      .on('customer_invitations')
      .columns(['partner_tenant_id', 'status'])
      .execute();

    await db.schema
      .createTable('customer_relationships')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('partner_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('associated_partner_tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('delegated_admin', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('invitation_id', 'text', (c) => c.references('customer_invitations.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text')
      .addColumn('removed_by', 'text')
      .execute();
    await db.schema
      .createIndex('customer_relationships_partner')
      .on('customer_relationships')
      .columns(['partner_tenant_id', 'state', 'customer_tenant_id'])
      .execute();
    await db.schema
      .createIndex('customer_relationships_customer')
      .on('customer_relationships')
      .columns(['customer_tenant_id', 'state'])
      .execute();
    await db.schema
      .createIndex('customer_relationships_associated')
      .on('customer_relationships')
      .columns(['associated_partner_tenant_id', 'state'])
      .execute();

    await db.schema
      .createTable('admin_relationships')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('partner_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('duration_days', 'integer', (c) => c.notNull())
      .addColumn('auto_extend', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('requested_at', 'text')
      .addColumn('activated_at', 'text')
      .addColumn('approved_by', 'text')
      .addColumn('ends_at', 'text')
      .addColumn('terminated_at', 'text')
      .addColumn('terminated_by_tenant_id', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('admin_relationships_pair')
      .on('admin_relationships')
      .columns(['partner_tenant_id', 'customer_tenant_id', 'state'])
      .execute();
    await db.schema
      .createIndex('admin_relationships_customer')
      .on('admin_relationships')
      .columns(['customer_tenant_id', 'state'])
      .execute();

    await db.schema
      .createTable('external_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('customer_tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('offer_name', 'text', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull())
      .addColumn('external_reference', 'text')
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('registered_by', 'text')
      .execute();
    await db.schema
      .createIndex('external_subscriptions_customer')
      .on('external_subscriptions')
      .column('customer_tenant_id')
      .execute();
  },
};
