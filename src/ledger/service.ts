/**
 * Reading the ledger of one entity, page by page (cursor = the last `seq` seen).
 * The program operator reads every entity; a user reads the entities of its own organization.
 */

import { getAcceptance } from '../agreements/store.ts';
import { defineQuery } from '../app/command.ts';
import type { QueryContext } from '../app/context.ts';
import { getEnrollment } from '../enrollments/service.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { Fields } from '../kernel/validate.ts';
import {
  getLocation,
  getOrganization,
  getTenant,
  getUser,
  principalOrganizationId,
} from '../parties/service.ts';
import type { EntityType, LedgerEvent } from './model.ts';
import { listEntityEvents } from './store.ts';

export const LEDGER_ENTITY_TYPES = [
  'order',
  'subscription',
  'catalog-product',
  'partnership',
  'support-request',
  'customer-invitation',
  'customer-relationship',
  'admin-relationship',
  'external-subscription',
  'organization',
  'tenant',
  'partner-location',
  'user',
  'enrollment',
  'agreement-acceptance',
  'affiliate-group',
  'program',
  'price-list-entry',
  'repricing-rule',
  'buyer-group',
  'invoice',
  'billing-period',
] as const;

function orgsOf(...ids: (string | undefined)[]): string[] {
  return ids.filter((x): x is string => x !== undefined);
}

/** The organization(s) an entity belongs to; undefined when the entity does not exist. */
async function owners(ctx: QueryContext, type: EntityType, id: string): Promise<string[] | undefined> {
  const tenantOrg = async (tenantId: string | undefined) =>
    tenantId ? (await getTenant(ctx.tx, tenantId))?.organizationId : undefined;
  const one = (v: string | undefined) => (v === undefined ? undefined : [v]);
  switch (type) {
    case 'organization':
      return one((await getOrganization(ctx.tx, id))?.id);
    case 'tenant':
      return one(await tenantOrg(id));
    case 'partner-location':
      return /^\d+$/.test(id) ? one((await getLocation(ctx.tx, Number(id)))?.organizationId) : undefined;
    case 'user':
      return one(await tenantOrg((await getUser(ctx.tx, id))?.tenantId));
    case 'enrollment':
      return one(await tenantOrg((await getEnrollment(ctx.tx, id))?.tenantId));
    case 'agreement-acceptance':
      return one((await getAcceptance(ctx.tx, id))?.organizationId);
    case 'affiliate-group': {
      const group = await ctx.tx
        .selectFrom('affiliate_groups')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      const rows = await ctx.tx
        .selectFrom('organizations')
        .select('id')
        .where('affiliate_group_id', '=', id)
        .execute();
      return group ? rows.map((r) => r.id) : undefined;
    }
    case 'partnership': {
      const r = await ctx.tx
        .selectFrom('partnerships')
        .select(['provider_tenant_id', 'reseller_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.provider_tenant_id), await tenantOrg(r.reseller_tenant_id));
    }
    case 'support-request': {
      const r = await ctx.tx
        .selectFrom('support_requests')
        .select(['opened_by_tenant_id', 'partnership_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) return undefined;
      const parties = r.partnership_id ? ((await owners(ctx, 'partnership', r.partnership_id)) ?? []) : [];
      return orgsOf(await tenantOrg(r.opened_by_tenant_id), ...parties);
    }
    case 'customer-invitation': {
      const r = await ctx.tx
        .selectFrom('customer_invitations')
        .select(['partner_tenant_id', 'provider_tenant_id', 'customer_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        r &&
        orgsOf(
          await tenantOrg(r.partner_tenant_id),
          await tenantOrg(r.provider_tenant_id ?? undefined),
          await tenantOrg(r.customer_tenant_id ?? undefined),
        )
      );
    }
    case 'customer-relationship':
    case 'admin-relationship': {
      const table = type === 'customer-relationship' ? 'customer_relationships' : 'admin_relationships';
      const r = await ctx.tx
        .selectFrom(table)
        .select(['partner_tenant_id', 'customer_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.partner_tenant_id), await tenantOrg(r.customer_tenant_id));
    }
    case 'external-subscription': {
      const r = await ctx.tx
        .selectFrom('external_subscriptions')
        .select('customer_tenant_id')
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.customer_tenant_id));
    }
    case 'order': {
      const r = await ctx.tx
        .selectFrom('orders')
        .select(['seller_tenant_id', 'customer_tenant_id', 'requested_by_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) return undefined;
      const partners = await ctx.tx
        .selectFrom('order_lines')
        .select('partner_tenant_id')
        .where('order_id', '=', id)
        .execute();
      return orgsOf(
        await tenantOrg(r.seller_tenant_id),
        await tenantOrg(r.customer_tenant_id),
        await tenantOrg(r.requested_by_tenant_id ?? undefined),
        ...(await Promise.all(partners.map((p) => tenantOrg(p.partner_tenant_id ?? undefined)))),
      );
    }
    case 'subscription': {
      const r = await ctx.tx
        .selectFrom('subscriptions')
        .select(['seller_tenant_id', 'customer_tenant_id', 'partner_tenant_id', 'support_contact_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return (
        r &&
        orgsOf(
          await tenantOrg(r.seller_tenant_id),
          await tenantOrg(r.customer_tenant_id),
          await tenantOrg(r.partner_tenant_id ?? undefined),
          await tenantOrg(r.support_contact_tenant_id ?? undefined),
        )
      );
    }
    case 'catalog-product': {
      const r = await ctx.tx
        .selectFrom('products')
        .select('owner_tenant_id')
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.owner_tenant_id ?? undefined));
    }
    case 'invoice': {
      const r = await ctx.tx
        .selectFrom('invoices')
        .select(['seller_tenant_id', 'buyer_tenant_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.seller_tenant_id), await tenantOrg(r.buyer_tenant_id));
    }
    case 'price-list-entry':
    case 'repricing-rule': {
      const table = type === 'price-list-entry' ? 'price_list_entries' : 'repricing_rules';
      const r = await ctx.tx
        .selectFrom(table)
        .select('seller_tenant_id')
        .where('id', '=', id)
        .executeTakeFirst();
      return r && orgsOf(await tenantOrg(r.seller_tenant_id));
    }
    case 'buyer-group': {
      // `<sellerTenantId>/<group>`: the seller's.
      const seller = id.slice(0, Math.max(0, id.indexOf('/')));
      return seller ? one(await tenantOrg(seller)) : undefined;
    }
    case 'billing-period': {
      const r = await ctx.tx
        .selectFrom('billing_periods')
        .select('period')
        .where('period', '=', id)
        .executeTakeFirst();
      // A program-level record: the operator only.
      return r ? [] : undefined;
    }
    default:
      // Program-level entities: the operator only.
      return id === ctx.program.id ? [] : undefined;
  }
}

export interface LedgerPage {
  readonly events: readonly LedgerEvent[];
  /** Pass as `after` to read the next page; null when this page is the last. */
  readonly next: number | null;
}

export const readLedger = defineQuery({
  name: 'ledger.read',
  parse(input) {
    const f = new Fields(input);
    const entityType = f.oneOf('entityType', LEDGER_ENTITY_TYPES);
    const entityId = f.text('entityId', { max: 64 });
    const after = f.integer('after', { min: 0, optional: true });
    const limit = f.integer('limit', { min: 1, max: 1000, optional: true });
    return f.finish(() => ({ entityType, entityId, after: after ?? 0, limit: limit ?? 100 }));
  },
  async run(ctx, input): Promise<Outcome<LedgerPage>> {
    const orgs = await owners(ctx, input.entityType, input.entityId);
    const mine = await principalOrganizationId(ctx);
    const visible =
      orgs !== undefined && (isOperator(ctx.principal) || (mine !== undefined && orgs.includes(mine)));
    if (!visible) {
      return refuse(
        violation('ENTITY_NOT_FOUND', `No ${input.entityType} ${input.entityId}.`, { field: 'entityId' }),
      );
    }
    const events = await listEntityEvents(
      ctx.tx,
      input.entityType,
      input.entityId,
      input.after,
      input.limit + 1,
    );
    const page = events.slice(0, input.limit);
    return accept({ events: page, next: events.length > input.limit ? (page.at(-1)?.seq ?? null) : null });
  },
});
