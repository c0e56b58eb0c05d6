/**
 * Catalog reads and writes. Every function takes the transaction it runs in.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ListPosition } from '../kernel/pagination.ts';
import type { AvailabilitiesTable, Database, ProductsTable, SkusTable } from '../store/schema.ts';
import type { Availability, BillingModel, Offer, PricePoint, Product, PublisherKind, Sku } from './model.ts';

type Tx = Kysely<Database>;

export function toProduct(r: Selectable<ProductsTable>): Product {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    publisherKind: r.publisher_kind as PublisherKind,
    publisherName: r.publisher_name,
    ownerTenantId: r.owner_tenant_id,
  };
}

export function toSku(r: Selectable<SkusTable>): Sku {
  return {
    id: r.id,
    productId: r.product_id,
    title: r.title,
    billing: r.billing as BillingModel,
    minQuantity: Number(r.min_quantity),
    maxQuantity: Number(r.max_quantity),
  };
}

export function toAvailability(r: Selectable<AvailabilitiesTable>): Availability {
  return {
    id: r.id,
    skuId: r.sku_id,
    productId: r.product_id,
    country: r.country,
    currency: r.currency,
    prices: JSON.parse(r.prices) as PricePoint[],
  };
}

export async function getProduct(tx: Tx, id: string): Promise<Product | undefined> {
  const r = await tx.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toProduct(r);
}

export async function getSku(tx: Tx, id: string): Promise<Sku | undefined> {
  const r = await tx.selectFrom('skus').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSku(r);
}

export async function listProductSkus(tx: Tx, productId: string): Promise<Sku[]> {
  const rows = await tx
    .selectFrom('skus')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('id')
    .execute();
  return rows.map(toSku);
}

/** The SKU as sold in `country`, with its product; undefined when the SKU does not exist. */
export async function findSkuInMarket(
  tx: Tx,
  skuId: string,
  country: string,
): Promise<{ product: Product; sku: Sku; availability: Availability | undefined } | undefined> {
  const sku = await getSku(tx, skuId);
  if (!sku) return undefined;
  const product = await getProduct(tx, sku.productId);
  if (!product) return undefined;
  const a = await tx
    .selectFrom('availabilities')
    .selectAll()
    .where('sku_id', '=', skuId)
    .where('country', '=', country)
    .executeTakeFirst();
  return { product, sku, availability: a && toAvailability(a) };
}

/** The availabilities of these (SKU, market) pairs that exist, keyed `${skuId}\n${country}`. */
export async function availabilitiesOf(
  tx: Tx,
  pairs: readonly { skuId: string; country: string }[],
): Promise<Map<string, Availability>> {
  const skus = [...new Set(pairs.map((p) => p.skuId))];
  const countries = [...new Set(pairs.map((p) => p.country))];
  const wanted = new Set(pairs.map((p) => `${p.skuId}\n${p.country}`));
  const out = new Map<string, Availability>();
  for (let i = 0; i < skus.length; i += 500) {
    const rows = await tx
      .selectFrom('availabilities')
      .selectAll()
      .where('sku_id', 'in', skus.slice(i, i + 500))
      .where('country', 'in', countries)
      .execute();
    for (const r of rows) {
      const key = `${r.sku_id}\n${r.country}`;
      if (wanted.has(key)) out.set(key, toAvailability(r));
    }
  }
  return out;
}

export interface OfferFilter {
  readonly country: string;
  /** Vendor offers plus the value-added services of these partner tenants. */
  readonly serviceOwners: readonly string[];
  readonly publisherKind?: PublisherKind | undefined;
  /** Case-insensitive substring of the product or SKU title, or the product id. */
  readonly search?: string | undefined;
  readonly after?: ListPosition | undefined;
  readonly limit: number;
}

/** Offers in a market, ordered by SKU id (`limit + 1` rows, for `toPage`). */
export async function listOffers(tx: Tx, f: OfferFilter): Promise<Offer[]> {
  let q = tx
    .selectFrom('availabilities as a')
    .innerJoin('skus as s', 's.id', 'a.sku_id')
    .innerJoin('products as p', 'p.id', 'a.product_id')
    .selectAll('a')
    .select([
      'p.title as p_title',
      'p.description as p_description',
      'p.publisher_kind as p_publisher_kind',
      'p.publisher_name as p_publisher_name',
      'p.owner_tenant_id as p_owner_tenant_id',
      's.title as s_title',
      's.billing as s_billing',
      's.min_quantity as s_min_quantity',
      's.max_quantity as s_max_quantity',
    ])
    .where('a.country', '=', f.country);
  q = q.where((eb) =>
    f.serviceOwners.length === 0
      ? eb('p.owner_tenant_id', 'is', null)
      : eb.or([eb('p.owner_tenant_id', 'is', null), eb('p.owner_tenant_id', 'in', [...f.serviceOwners])]),
  );
  if (f.publisherKind) q = q.where('p.publisher_kind', '=', f.publisherKind);
  if (f.search) {
    const like = `%${f.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['p.title']), 'like', like),
        eb(eb.fn('lower', ['s.title']), 'like', like),
        eb(eb.fn('lower', ['p.id']), 'like', like),
      ]),
    );
  }
  if (f.after) q = q.where('a.sku_id', '>', f.after.id);
  const rows = await q
    .orderBy('a.sku_id')
    .limit(f.limit + 1)
    .execute();
  return rows.map((r) => ({
    product: {
      id: r.product_id,
      title: r.p_title,
      description: r.p_description,
      publisherKind: r.p_publisher_kind as PublisherKind,
      publisherName: r.p_publisher_name,
      ownerTenantId: r.p_owner_tenant_id,
    },
    sku: {
      id: r.sku_id,
      productId: r.product_id,
      title: r.s_title,
      billing: r.s_billing as BillingModel,
      minQuantity: Number(r.s_min_quantity),
      maxQuantity: Number(r.s_max_quantity),
    },
    availability: toAvailability(r),
  }));
}

const AVAILABILITY_BATCH = 500;

/** Creates or replaces a product with its SKUs and availabilities (availabilities of its SKUs are replaced). */
export async function upsertProduct(
  tx: Tx,
  product: Product,
  skus: readonly Sku[],
  availabilities: readonly Availability[],
  at: string,
): Promise<'created' | 'updated'> {
  const existing = await getProduct(tx, product.id);
  const values = {
    title: product.title,
    description: product.description,
    publisher_kind: product.publisherKind,
    publisher_name: product.publisherName,
    owner_tenant_id: product.ownerTenantId,
    updated_at: at,
  };
  if (existing) await tx.updateTable('products').set(values).where('id', '=', product.id).execute();
  else
    await tx
      .insertInto('products')
      .values({ id: product.id, ...values, created_at: at })
      .execute();
  await tx.deleteFrom('availabilities').where('product_id', '=', product.id).execute();
  for (const s of skus) {
    const row = {
      product_id: s.productId,
      title: s.title,
      billing: s.billing,
      min_quantity: s.minQuantity,
      max_quantity: s.maxQuantity,
    };
    const has = await tx.selectFrom('skus').select('id').where('id', '=', s.id).executeTakeFirst();
    if (has) await tx.updateTable('skus').set(row).where('id', '=', s.id).execute();
    else
      await tx
        .insertInto('skus')
        .values({ id: s.id, ...row })
        .execute();
  }
  // A product sold in every market has hundreds of availabilities: insert them in batches (well
  // under the bound-parameter limits of SQLite and PostgreSQL).
  for (let i = 0; i < availabilities.length; i += AVAILABILITY_BATCH) {
    await tx
      .insertInto('availabilities')
      .values(
        availabilities.slice(i, i + AVAILABILITY_BATCH).map((a) => ({
          id: a.id,
          sku_id: a.skuId,
          product_id: a.productId,
          country: a.country,
          currency: a.currency,
          prices: JSON.stringify(a.prices),
        })),
      )
      .execute();
  }
  return existing ? 'updated' : 'created';
}
