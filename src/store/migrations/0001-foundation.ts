/**
 * Foundation schema: program state, parties, enrollments, agreements and the ledger.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './index.ts';

export const foundation: Migration = {
  id: '0001-foundation',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .createTable('counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('affiliate_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('organizations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('legal_name', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('registration_id', 'text')
      .addColumn('affiliate_group_id', 'text', (c) => c.references('affiliate_groups.id'))
      .addColumn('global_partner_id', 'integer', (c) => c.unique())
      .addColumn('is_vendor', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('organizations_affiliate_group')
      .on('organizations')
      .column('affiliate_group_id')
      .execute();

    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tenants_organization').on('tenants').column('organization_id').execute();

    await db.schema
      .createTable('partner_locations')
      .addColumn('partner_id', 'integer', (c) => c.primaryKey())
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('registration_id', 'text')
      .addColumn('tenant_id', 'text', (c) => c.unique().references('tenants.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('associated_at', 'text')
      .addUniqueConstraint('partner_locations_org_country', ['organization_id', 'country'])
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('users_tenant_email', ['tenant_id', 'email'])
      .execute();

    await db.schema
      .createTable('user_roles')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
      .execute();

    await db.schema
      .createTable('enrollments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('submitted_at', 'text', (c) => c.notNull())
      .addColumn('submitted_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .execute();
    await db.schema
      .createIndex('enrollments_tenant_role')
      .on('enrollments')
      .columns(['tenant_id', 'role'])
      .execute();
    await db.schema
      .createIndex('enrollments_status')
      .on('enrollments')
      .columns(['status', 'submitted_at'])
      .execute();

    await db.schema
      .createTable('direct_bill_requirements')
      .addColumn('enrollment_id', 'text', (c) => c.notNull().references('enrollments.id'))
      .addColumn('item', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text')
      .addColumn('amount_minor', 'bigint')
      .addColumn('currency', 'text')
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'text')
      .addColumn('verified_at', 'text')
      .addColumn('verified_by', 'text')
      .addPrimaryKeyConstraint('direct_bill_requirements_pk', ['enrollment_id', 'item'])
      .execute();

    await db.schema
      .createTable('agreement_acceptances')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agreement', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('region', 'text')
      .addColumn('signer_user_id', 'text')
      .addColumn('signer_name', 'text', (c) => c.notNull())
      .addColumn('signer_email', 'text', (c) => c.notNull())
      .addColumn('accepted_at', 'text', (c) => c.notNull())
      .addColumn('recorded_at', 'text', (c) => c.notNull())
      .addColumn('recorded_by', 'text')
      .addColumn('supersedes_id', 'text', (c) => c.references('agreement_acceptances.id'))
      .execute();
    await db.schema
      .createIndex('agreement_acceptances_org_region')
      .on('agreement_acceptances')
      .columns(['agreement', 'organization_id', 'region'])
      .execute();
    await db.schema
      .createIndex('agreement_acceptances_tenant')
      .on('agreement_acceptances')
      .columns(['agreement', 'tenant_id'])
      .execute();

    let ledger = db.schema.createTable('ledger_events');
    ledger =
      dialect === 'sqlite'
        ? ledger.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        : ledger.addColumn('seq', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
    await ledger
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('command', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('entity_type', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('principal_kind', 'text', (c) => c.notNull())
      .addColumn('principal_user_id', 'text')
      .addColumn('principal_tenant_id', 'text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('ledger_events_entity')
      .on('ledger_events')
      .columns(['entity_type', 'entity_id', 'seq'])
      .execute();
  },
};
