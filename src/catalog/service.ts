/**
 * Commands and queries over the catalog: the program operator imports the vendor's catalog (its
 * own first-party products and the third-party ones listed on its marketplace); a partner defines
 * its own value-added services, sold on the same orders as vendor offers but never reaching the
 * vendor; anyone lists the offers of a market and reads one offer.
 *
 * The vendor catalog is public information, so listing it needs no relationship. A value-added
 * service is visible to its owner (and the operator) only: to anyone else it does not exist.
 */
import { readFileSync } from 'node:fs';
import { defineCommand, defineQuery } from '../app/command.ts';
import type { QueryContext } from '../app/context.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { hasRole, isOperator, type UserRole } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import {
  getOrganization,
  getTenant,
  principalOrganizationId,
  requireOperator,
  tenantNotFound,
} from '../parties/service.ts';
import { type CatalogProduct, openObject, parseCatalogFile, parseProductId, parseSkus } from './import.ts';
import {
  type BillingCycle,
  type BillingModel,
  type Offer,
  type Product,
  PUBLISHER_KINDS,
  type PublisherKind,
  type Sku,
  type TermDuration,
} from './model.ts';
import * as store from './store.ts';

/** Roles of a partner tenant that define its value-added services (as for managing customers). */
export const SERVICE_DEFINER_ROLES: readonly UserRole[] = ['global-admin', 'admin-agent'];

// ---------------------------------------------------------------------------------------------
// Views.

/** One SKU as sold in one market: what a listing shows and an order line names (`catalogItemId`). */
export interface CatalogItem {
  /** The SKU id, `<productId>:<skuCode>`. */
  readonly catalogItemId: string;
  readonly productId: string;
  readonly productTitle: string;
  readonly skuTitle: string;
  readonly publisher: PublisherKind;
  readonly publisherName: string;
  readonly billing: BillingModel;
  readonly minQuantity: number;
  readonly maxQuantity: number;
  readonly country: string;
  /** The market's currency: every price below is in its minor unit. */
  readonly currency: string;
  readonly prices: readonly {
    readonly termDuration: TermDuration | null;
    readonly billingCycle: BillingCycle;
    readonly unitPriceMinor: number;
  }[];
}

/** The listing view of an offer. */
export function toCatalogItem(o: Offer): CatalogItem {
  return {
    catalogItemId: o.sku.id,
    productId: o.product.id,
    productTitle: o.product.title,
    skuTitle: o.sku.title,
    publisher: o.product.publisherKind,
    publisherName: o.product.publisherName,
    billing: o.sku.billing,
    minQuantity: o.sku.minQuantity,
    maxQuantity: o.sku.maxQuantity,
    country: o.availability.country,
    currency: o.availability.currency,
    prices: o.availability.prices.map((p) => ({
      termDuration: p.termDuration,
      billingCycle: p.billingCycle,
      unitPriceMinor: p.unitPriceMinor,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Shared steps.

/** The demo catalog shipped with OpenCSP (Contoso Cloud's products and two marketplace publishers), as raw JSON. */
export function loadDemoCatalog(): unknown {
  return JSON.parse(readFileSync(new URL('./data/demo.catalog.json', import.meta.url), 'utf8'));
}

function productIdTaken(id: string, field: string, owner: 'vendor' | 'partner'): Violation {
  return violation(
    'PRODUCT_ID_TAKEN',
    owner === 'vendor'
      ? `Product id ${id} belongs to the vendor's catalog.`
      : `Product id ${id} belongs to a partner's value-added service.`,
    { field, remedies: ['Choose another product id.'] },
  );
}

/** May the principal see the value-added services of `ownerTenantId`? Its users and the operator may. */
function seesServicesOf(ctx: QueryContext, ownerTenantId: string): boolean {
  return (
    isOperator(ctx.principal) || (ctx.principal.kind === 'user' && ctx.principal.tenantId === ownerTenantId)
  );
}

/** A summary of a written product for its ledger event. */
function productSummary(p: CatalogProduct, result: 'created' | 'updated') {
  return {
    title: p.product.title,
    publisherKind: p.product.publisherKind,
    publisherName: p.product.publisherName,
    skuIds: p.skus.map((s) => s.id),
    markets: new Set(p.availabilities.map((a) => a.country)).size,
    result,
  };
}

// ---------------------------------------------------------------------------------------------
// Commands.

/** What an import wrote: counts, and the product ids created and updated. */
export interface CatalogImportResult {
  readonly products: number;
  readonly skus: number;
  readonly availabilities: number;
  readonly created: readonly string[];
  readonly updated: readonly string[];
}

/**
 * The program operator imports a catalog file (format: `import.ts`). Each product is created or
 * replaced with its SKUs and availabilities (so a re-import is idempotent); products absent from the
 * file are left as they are, and a SKU dropped from a product keeps its row (orders name it) but is
 * no longer sold in any market. A product id used by a partner's value-added service is refused.
 *
 * @example
 * await csp.execute(importCatalog, { principal: operator }, { catalog: loadDemoCatalog() });
 */
export const importCatalog = defineCommand({
  name: 'catalog.import',
  parse(input, program) {
    const { f, own } = openObject(input, '', ['catalog']);
    const violations: Violation[] = [];
    let parsed: Outcome<{ products: readonly CatalogProduct[] }> | undefined;
    if (own.catalog === undefined || own.catalog === null) f.fail('REQUIRED_FIELD', 'catalog', 'is required');
    else parsed = parseCatalogFile(own.catalog, program, 'catalog');
    f.refuseUnknown();
    violations.push(...f.violations);
    if (parsed && !parsed.ok) violations.push(...parsed.violations);
    if (violations.length > 0 || !parsed?.ok) return refuse(...violations);
    return accept({ products: parsed.value.products });
  },
  async run(ctx, input): Promise<Outcome<CatalogImportResult>> {
    const denied = requireOperator(ctx, 'import the catalog');
    if (denied) return refuse(denied);
    const taken: Violation[] = [];
    for (const [i, p] of input.products.entries()) {
      const existing = await store.getProduct(ctx.tx, p.product.id);
      if (existing && existing.ownerTenantId !== null)
        taken.push(productIdTaken(p.product.id, `catalog.products[${i}].id`, 'partner'));
    }
    if (taken.length > 0) return refuse(...taken);
    const at = toInstant(ctx.now);
    const created: string[] = [];
    const updated: string[] = [];
    for (const p of input.products) {
      const result = await store.upsertProduct(ctx.tx, p.product, p.skus, p.availabilities, at);
      (result === 'created' ? created : updated).push(p.product.id);
      await ctx.record({
        type: 'catalog-product.imported',
        entityType: 'catalog-product',
        entityId: p.product.id,
        payload: productSummary(p, result),
      });
    }
    return accept({
      products: input.products.length,
      skus: input.products.reduce((n, p) => n + p.skus.length, 0),
      availabilities: input.products.reduce((n, p) => n + p.availabilities.length, 0),
      created,
      updated,
    });
  },
});

/** A value-added service as defined: the product, its SKUs, and whether it was new. */
export interface DefinedService {
  readonly product: Product;
  readonly skus: readonly Sku[];
  /** The number of (SKU, market) availabilities written. */
  readonly availabilities: number;
  readonly result: 'created' | 'updated';
}

/**
 * A partner defines (or redefines) one of its own value-added services: managed services, support
 * plans, migration packages it sells on the same order as vendor offers. It never reaches the
 * vendor: no vendor subscription, no vendor billing. The SKUs have the catalog file's shape.
 * Its global admins and admin agents define it; its publisher is the partner organization.
 *
 * @example
 * await csp.execute(defineService, { principal: partnerAdmin }, {
 *   partnerTenantId, id: 'FABRIKAM-MSP', title: 'Managed workplace', description: '24/7 helpdesk',
 *   skus: [{ code: '0001', title: 'Per user', billing: 'license', minQuantity: 1, maxQuantity: 500,
 *     markets: ['FR'], prices: [{ termDuration: 'P1M', billingCycle: 'monthly', unitPrice: { EUR: 1500 } }] }],
 * });
 */
export const defineService = defineCommand({
  name: 'catalog.define-service',
  parse(input, program) {
    const { f, own } = openObject(input, '', ['skus']);
    const partnerTenantId = f.guid('partnerTenantId');
    const id = parseProductId(f, 'id');
    const title = f.text('title');
    const description = f.text('description', { max: 2000, optional: true }) ?? '';
    f.refuseUnknown();
    const violations: Violation[] = [...f.violations];
    const { skus, availabilities } = parseSkus(own.skus, 'skus', id, program, violations);
    if (violations.length > 0) return refuse(...violations);
    return accept({ partnerTenantId, id, title, description, skus, availabilities });
  },
  async run(ctx, input): Promise<Outcome<DefinedService>> {
    const tenant = await getTenant(ctx.tx, input.partnerTenantId);
    const notFound = tenantNotFound(input.partnerTenantId, 'partnerTenantId');
    if (!tenant) return refuse(notFound);
    const p = ctx.principal;
    const acts =
      p.kind === 'user' && p.tenantId === tenant.id && SERVICE_DEFINER_ROLES.some((r) => hasRole(p, r));
    if (!acts) {
      // Outsiders do not learn the tenant exists; its organization's members and the operator
      // (a service is the partner's own offer, not the program's) are told they may not.
      const member = p.kind === 'user' && (await principalOrganizationId(ctx)) === tenant.organizationId;
      if (!member && !isOperator(p)) return refuse(notFound);
      return refuse(
        violation(
          'NOT_AUTHORIZED',
          `You are not allowed to define value-added services of tenant ${tenant.id}.`,
          {
            remedies: [`Ask a global admin or admin agent of tenant ${tenant.id} to do it.`],
          },
        ),
      );
    }
    if (tenant.type !== 'partner') {
      return refuse(
        violation(
          'NOT_A_PARTNER_TENANT',
          `Tenant ${tenant.id} is a ${tenant.type} tenant; only a CSP tenant sells services.`,
          {
            field: 'partnerTenantId',
            scenario: '4',
            remedies: ['Define the service with the CSP tenant the partner transacts with.'],
          },
        ),
      );
    }
    const existing = await store.getProduct(ctx.tx, input.id);
    if (existing && existing.ownerTenantId !== tenant.id)
      return refuse(productIdTaken(input.id, 'id', existing.ownerTenantId === null ? 'vendor' : 'partner'));
    const organization = await getOrganization(ctx.tx, tenant.organizationId);
    const product: Product = {
      id: input.id,
      title: input.title,
      description: input.description,
      publisherKind: 'partner-service',
      publisherName: organization?.legalName ?? tenant.displayName,
      ownerTenantId: tenant.id,
    };
    const entry: CatalogProduct = { product, skus: input.skus, availabilities: input.availabilities };
    const result = await store.upsertProduct(
      ctx.tx,
      product,
      input.skus,
      input.availabilities,
      toInstant(ctx.now),
    );
    await ctx.record({
      type: 'catalog-product.service-defined',
      entityType: 'catalog-product',
      entityId: product.id,
      payload: { ...productSummary(entry, result), ownerTenantId: tenant.id },
    });
    return accept({ product, skus: input.skus, availabilities: input.availabilities.length, result });
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

/**
 * The offers of one market, ordered by catalog item id: the vendor's catalog, plus the
 * value-added services of `sellerTenantId` when its users (or the operator) ask. Filters: the
 * publisher kind, and `search` (a case-insensitive part of the product or SKU title, or the product id).
 *
 * @example
 * const page = await csp.query(listOffers, { principal }, { country: 'FR', search: 'business', limit: 20 });
 */
export const listOffers = defineQuery({
  name: 'catalog.list-offers',
  parse(input, program) {
    const f = new Fields(input);
    const country = f.country('country', program.catalogue);
    const publisher = f.oneOf('publisher', PUBLISHER_KINDS, { optional: true });
    const search = f.text('search', { max: 100, optional: true });
    const sellerTenantId = f.guid('sellerTenantId', { optional: true });
    const { limit, after } = parsePage(f);
    return f.finish(() => ({ country, publisher, search, sellerTenantId, limit, after }));
  },
  async run(ctx, input): Promise<Outcome<Page<CatalogItem>>> {
    const serviceOwners: string[] = [];
    if (input.sellerTenantId !== undefined) {
      const notFound = tenantNotFound(input.sellerTenantId, 'sellerTenantId');
      if (!seesServicesOf(ctx, input.sellerTenantId)) return refuse(notFound);
      if (!(await getTenant(ctx.tx, input.sellerTenantId))) return refuse(notFound);
      serviceOwners.push(input.sellerTenantId);
    }
    const rows = await store.listOffers(ctx.tx, {
      country: input.country,
      serviceOwners,
      limit: input.limit,
      ...(input.publisher !== undefined && { publisherKind: input.publisher }),
      ...(input.search !== undefined && { search: input.search }),
      ...(input.after !== undefined && { after: input.after }),
    });
    return accept(toPage(rows, input.limit, (o) => ({ key: o.sku.id, id: o.sku.id }), toCatalogItem));
  },
});

/**
 * One catalog item as sold in one market. OFFER_NOT_FOUND when there is no such SKU, or it is a
 * value-added service of a partner the principal does not act for; OFFER_NOT_AVAILABLE_IN_MARKET
 * when the SKU exists but is not sold in that country.
 *
 * @example
 * const offer = await csp.query(getOffer, { principal }, { catalogItemId: 'CFQ7TTC0LH18:0001', country: 'JP' });
 */
export const getOffer = defineQuery({
  name: 'catalog.get-offer',
  parse(input, program) {
    const f = new Fields(input);
    const catalogItemId = f.text('catalogItemId', { max: 100 });
    const country = f.country('country', program.catalogue);
    return f.finish(() => ({ catalogItemId, country }));
  },
  async run(ctx, input): Promise<Outcome<CatalogItem>> {
    const found = await store.findSkuInMarket(ctx.tx, input.catalogItemId, input.country);
    const owner = found?.product.ownerTenantId;
    if (!found || (owner != null && !seesServicesOf(ctx, owner))) {
      return refuse(
        violation('OFFER_NOT_FOUND', `No catalog item ${input.catalogItemId}.`, {
          field: 'catalogItemId',
          remedies: ['List the offers of the market (catalog.list-offers) to find its catalog item id.'],
        }),
      );
    }
    if (!found.availability) {
      return refuse(
        violation(
          'OFFER_NOT_AVAILABLE_IN_MARKET',
          `Catalog item ${input.catalogItemId} is not sold in ${input.country}.`,
          { field: 'country', remedies: [`List the offers of ${input.country} to find one that is.`] },
        ),
      );
    }
    return accept(
      toCatalogItem({ product: found.product, sku: found.sku, availability: found.availability }),
    );
  },
});
