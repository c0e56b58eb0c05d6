/**
 * The demo world and its summary: what `npm start` creates on first start.
 */

import { createApiKey } from '../api-keys/service.ts';
import { OpenCsp } from '../app/opencsp.ts';
import { formatMicros, minorToMicros } from '../billing/money.ts';
import { applyAdjustment } from '../billing/pricing.ts';
import { addPriceListEntry } from '../billing/service.ts';
import type { BillingCycle, TermDuration } from '../catalog/model.ts';
import { importCatalog, loadDemoCatalog } from '../catalog/service.ts';
import { findSkuInMarket } from '../catalog/store.ts';
import { listCustomerPartners } from '../customers/service.ts';
import { seededIds } from '../kernel/ids.ts';
import type { Principal } from '../kernel/principal.ts';
import { SYSTEM } from '../kernel/principal.ts';
import type { Order } from '../orders/model.ts';
import { placeOrder } from '../orders/service.ts';
import { vendorTenant } from '../orders/store.ts';
import { getStanding } from '../standing/service.ts';
import { buildWorld, must, type Partner, type World, type WorldSpec } from '../world/builder.ts';

/** Partners in three regions (Europe, United States, Japan), so cross-region refusals can be shown. */
export const DEMO_WORLD: WorldSpec = {
  countries: ['FR', 'DE', 'US', 'JP'],
  resellersPerProvider: 2,
  directBillPerCountry: 1,
  customersPerCountry: 2,
};

/** A human-readable table of the world: who is who, with Partner IDs and standing. */
export async function summarize(csp: OpenCsp, world: World): Promise<string> {
  const lines = [
    `OpenCSP demo world — program ${csp.program.name} (vendor: ${csp.program.vendor.legalName})`,
    '',
  ];
  const row = async (kind: string, p: Partner) => {
    const s = await csp.query(getStanding, { principal: SYSTEM }, { tenantId: p.tenantId });
    const standing = s.ok
      ? s.value.mayTransact
        ? 'may transact'
        : s.value.violations.map((v) => v.code).join(',')
      : 'n/a';
    lines.push(
      `  ${kind.padEnd(18)} ${String(p.partnerId).padEnd(9)} ${p.country}  tenant ${p.tenantId}  ${standing}`,
    );
  };
  lines.push(`  ${'role'.padEnd(18)} ${'PartnerID'.padEnd(9)} cc  CSP tenant`);
  for (const p of world.providers) await row('indirect-provider', p);
  for (const p of world.resellers) await row('indirect-reseller', p);
  for (const p of world.directBill) await row('direct-bill', p);
  for (const c of world.customers) {
    const partners = await csp.query(
      listCustomerPartners,
      { principal: SYSTEM },
      { customerTenantId: c.tenantId },
    );
    const names = partners.ok
      ? partners.value.items.map((p) => `${p.name} (${p.partnerId ?? '-'})`).join(', ')
      : '';
    lines.push(
      `  ${'customer'.padEnd(18)} ${'-'.padEnd(9)} ${c.country}  tenant ${c.tenantId}  partners: ${names}`,
    );
  }
  if ('orders' in world) {
    const demo = world as DemoWorld;
    lines.push('', `Catalog: the demo catalog of ${csp.program.vendor.legalName}; orders (completed):`);
    for (const o of demo.orders) {
      const chain = o.lines[0]?.salesChain.map((p) => (p.partnerId ? `${p.name} (${p.partnerId})` : p.name));
      lines.push(`  order ${o.id}  ${o.lines.length} line(s)  ${o.currency}  ${chain?.join(' → ')}`);
    }
    lines.push(`  ${demo.subscriptions} subscriptions`);
    lines.push(
      `Prices: the vendor sells to its partners at the list price (ERP) − ${DEMO_PRICING.vendorDiscountBps / 100} %, each provider to its resellers at cost + ${DEMO_PRICING.providerMarkupBps / 100} % (price lists); resellers and direct-bill partners sell at ERP (program default).`,
    );
  }
  lines.push('', `Program operator tenant: ${world.operator.tenantId}`, '');
  return `${lines.join('\n')}\n`;
}

/** The seed of the demo world: the same ids on every machine, so the README's examples work as written. */
export const DEMO_SEED = 2026;

/**
 * Builds the demo world with deterministic ids (its own runtime over the same store); everything
 * created afterwards gets random ids and tokens as usual.
 */
export async function buildDemoWorld(csp: OpenCsp, onProgress?: WorldSpec['onProgress']): Promise<DemoWorld> {
  const seeded = new OpenCsp(csp.store, csp.program, seededIds(DEMO_SEED), () => new Date());
  const world = await buildWorld(seeded, { ...DEMO_WORLD, ...(onProgress && { onProgress }) });
  const key = async (who: string, principal: Principal) => {
    if (principal.kind !== 'user') throw new Error(`${who} is not a user`);
    const created = must(
      await seeded.execute(
        createApiKey,
        { principal: SYSTEM },
        { userId: principal.userId, name: `demo ${who}` },
      ),
    );
    return { who, tenantId: principal.tenantId, token: created.token };
  };
  const [provider, reseller, direct, customer] = [
    world.providers[0],
    world.resellers[0],
    world.directBill[0],
    world.customers[0],
  ];
  const apiKeys: DemoKey[] = [await key('program operator', world.operator.principal)];
  if (provider) apiKeys.push(await key(`indirect provider ${provider.partnerId}`, provider.globalAdmin));
  if (reseller) apiKeys.push(await key(`indirect reseller ${reseller.partnerId}`, reseller.globalAdmin));
  if (direct) apiKeys.push(await key(`direct-bill partner ${direct.partnerId}`, direct.globalAdmin));
  if (customer) apiKeys.push(await key('customer', customer.globalAdmin));
  const commerce = await buildDemoCommerce(seeded, world);
  return { ...world, apiKeys, ...commerce };
}

/** The demo catalog's items the demo orders use (see `src/catalog/data/demo.catalog.json`). */
export const DEMO_ITEMS = {
  businessBasic: 'CFQ7TTC0LH18:0001',
  businessStandard: 'CFQ7TTC0LDPB:0001',
  defender: 'CFQ7TTC0HFB4:0001',
  azurePlan: 'DZH318Z0BPS6:0001',
} as const;

/**
 * The demo's prices, so every tier earns a margin: the vendor's price list sells to its partners
 * at the list price − 15 % (the list price stays the ERP); each provider's list sells to its
 * resellers at that cost + 5 %; resellers and direct-bill partners have no list and sell at ERP
 * (the program's `defaultRepricing`). Entries are effective from the day the demo is built, for
 * the SKUs, terms and markets the demo orders use.
 */
export const DEMO_PRICING = { vendorDiscountBps: 1500, providerMarkupBps: 500 } as const;

interface DemoItem {
  readonly skuId: string;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
}

/** What the demo's indirect orders buy (per country), and its direct-bill orders. */
const INDIRECT_ITEMS: readonly DemoItem[] = [
  { skuId: DEMO_ITEMS.businessBasic, termDuration: 'P1Y', billingCycle: 'monthly' },
  { skuId: DEMO_ITEMS.defender, termDuration: 'P1Y', billingCycle: 'monthly' },
  { skuId: DEMO_ITEMS.azurePlan, termDuration: null, billingCycle: 'monthly' },
];
const DIRECT_ITEMS: readonly DemoItem[] = [
  { skuId: DEMO_ITEMS.businessStandard, termDuration: 'P1Y', billingCycle: 'annual' },
];

/** The demo's price lists: the vendor's (cost of its partners) and each provider's (cost + 5 %). */
async function buildDemoPrices(csp: OpenCsp, world: World): Promise<void> {
  const vendor = await csp.store.read((tx) => vendorTenant(tx));
  if (!vendor) throw new Error('the demo world has no vendor');
  const countries = [...new Set([...world.providers, ...world.directBill].map((p) => p.country))];
  for (const country of countries) {
    for (const item of [...INDIRECT_ITEMS, ...DIRECT_ITEMS]) {
      const offer = await csp.store.read((tx) => findSkuInMarket(tx, item.skuId, country));
      const point = offer?.availability?.prices.find(
        (p) => p.termDuration === item.termDuration && p.billingCycle === item.billingCycle,
      );
      if (!offer?.availability || !point)
        throw new Error(`the demo catalog does not sell ${item.skuId} in ${country}`);
      const currency = offer.availability.currency;
      const list = minorToMicros(BigInt(point.unitPriceMinor), currency);
      const cost = applyAdjustment(list, -DEMO_PRICING.vendorDiscountBps);
      const entry = (sellerTenantId: string, unitPrice: bigint, erp: bigint | null) => ({
        sellerTenantId,
        skuId: item.skuId,
        ...(item.termDuration && { termDuration: item.termDuration }),
        billingCycle: item.billingCycle,
        country,
        currency,
        unitPrice: formatMicros(unitPrice),
        ...(erp !== null && { erp: formatMicros(erp) }),
      });
      must(
        await csp.execute(
          addPriceListEntry,
          { principal: world.operator.principal },
          entry(vendor.id, cost, list),
        ),
        'demo vendor price list',
      );
      if (!INDIRECT_ITEMS.includes(item)) continue;
      for (const provider of world.providers.filter((p) => p.country === country))
        must(
          await csp.execute(
            addPriceListEntry,
            { principal: provider.globalAdmin },
            entry(provider.tenantId, applyAdjustment(cost, DEMO_PRICING.providerMarkupBps), null),
          ),
          'demo provider price list',
        );
    }
  }
}

/**
 * The demo catalog, its price lists and, per country, an order down each supported chain: the
 * provider for its first reseller's customer (the reseller as partner of record), the direct-bill
 * partner for its customer. Each creates its subscriptions.
 */
async function buildDemoCommerce(
  csp: OpenCsp,
  world: World,
): Promise<{ orders: readonly Order[]; subscriptions: number }> {
  must(
    await csp.execute(importCatalog, { principal: SYSTEM }, { catalog: loadDemoCatalog() }),
    'catalog import',
  );
  await buildDemoPrices(csp, world);
  const orders: Order[] = [];
  const perCountry = DEMO_WORLD.customersPerCountry;
  for (const [k, provider] of world.providers.entries()) {
    const reseller = world.resellers[k * DEMO_WORLD.resellersPerProvider];
    const direct = world.directBill[k * DEMO_WORLD.directBillPerCountry];
    const indirectCustomer = world.customers[k * perCountry];
    const directCustomer = world.customers[k * perCountry + 1];
    if (reseller && indirectCustomer) {
      const por = { partnerIdOnRecord: reseller.partnerId };
      orders.push(
        must(
          await csp.execute(
            placeOrder,
            { principal: provider.globalAdmin },
            {
              sellerTenantId: provider.tenantId,
              customerTenantId: indirectCustomer.tenantId,
              lines: [
                {
                  catalogItemId: DEMO_ITEMS.businessBasic,
                  quantity: 25,
                  termDuration: 'P1Y',
                  billingCycle: 'monthly',
                  ...por,
                },
                {
                  catalogItemId: DEMO_ITEMS.defender,
                  quantity: 25,
                  termDuration: 'P1Y',
                  billingCycle: 'monthly',
                  ...por,
                },
                { catalogItemId: DEMO_ITEMS.azurePlan, quantity: 1, billingCycle: 'monthly', ...por },
              ],
            },
          ),
          'demo indirect order',
        ),
      );
    }
    if (direct && directCustomer) {
      orders.push(
        must(
          await csp.execute(
            placeOrder,
            { principal: direct.globalAdmin },
            {
              sellerTenantId: direct.tenantId,
              customerTenantId: directCustomer.tenantId,
              lines: [
                {
                  catalogItemId: DEMO_ITEMS.businessStandard,
                  quantity: 10,
                  termDuration: 'P1Y',
                  billingCycle: 'annual',
                },
              ],
            },
          ),
          'demo direct-bill order',
        ),
      );
    }
  }
  return { orders, subscriptions: orders.reduce((n, o) => n + o.lines.length, 0) };
}

export interface DemoKey {
  readonly who: string;
  readonly tenantId: string;
  readonly token: string;
}

/** The demo world plus one API key for a user of each kind. */
export interface DemoWorld extends World {
  readonly apiKeys: readonly DemoKey[];
  /** One order per supported chain and country, completed. */
  readonly orders: readonly Order[];
  readonly subscriptions: number;
}

/** The demo keys, printed once (they are stored hashed). */
export function printKeys(world: DemoWorld): string {
  const lines = ['Demo API keys (global admins; public by construction — for a local sandbox only):'];
  for (const k of world.apiKeys) lines.push(`  ${k.who.padEnd(32)} ${k.token}`);
  return `${lines.join('\n')}\n`;
}
