/**
 * A small catalog and a commerce world for tests: a provider with two resellers, a direct-bill
 * partner and their customers, all in France (EUR), plus a US customer.
 */
import type { OpenCsp } from '../../src/app/opencsp.ts';
import type { PricePoint } from '../../src/catalog/model.ts';
import { upsertProduct } from '../../src/catalog/store.ts';
import { placeOrder } from '../../src/orders/service.ts';
import {
  addCustomer,
  addPartner,
  bootstrap,
  type Customer,
  connectCustomer,
  connectReseller,
  must,
  type Operator,
  type Partner,
} from '../../src/world/builder.ts';
import { T0 } from './databases.ts';

export const SEATS = 'TESTSEATS001:0001';
export const USAGE = 'TESTUSAGE001:0001';
export const THIRD_PARTY_US = 'TESTTHIRD001:0001';

const MARKETS: Record<string, string> = { FR: 'EUR', DE: 'EUR', US: 'USD', GB: 'GBP' };

/** Inserts three products straight into the store (the catalog import has its own tests). */
export async function seedTestCatalog(csp: OpenCsp): Promise<void> {
  const at = '2026-01-01T00:00:00.000Z';
  const seatPrices = (currency: string): PricePoint[] => [
    { termDuration: 'P1M', billingCycle: 'monthly', unitPriceMinor: currency === 'USD' ? 700 : 650 },
    { termDuration: 'P1Y', billingCycle: 'monthly', unitPriceMinor: currency === 'USD' ? 600 : 560 },
    { termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: currency === 'USD' ? 7200 : 6720 },
  ];
  await csp.store.write(async (tx) => {
    await upsertProduct(
      tx,
      {
        id: 'TESTSEATS001',
        title: 'Contoso 365 Business Basic',
        description: 'Seats',
        publisherKind: 'first-party',
        publisherName: 'Contoso Cloud',
        ownerTenantId: null,
      },
      [
        {
          id: SEATS,
          productId: 'TESTSEATS001',
          title: 'Business Basic',
          billing: 'license',
          minQuantity: 1,
          maxQuantity: 300,
        },
      ],
      Object.entries(MARKETS).map(([country, currency]) => ({
        id: `${SEATS}:${country}`,
        skuId: SEATS,
        productId: 'TESTSEATS001',
        country,
        currency,
        prices: seatPrices(currency),
      })),
      at,
    );
    await upsertProduct(
      tx,
      {
        id: 'TESTUSAGE001',
        title: 'Contoso Azure plan',
        description: 'Usage',
        publisherKind: 'first-party',
        publisherName: 'Contoso Cloud',
        ownerTenantId: null,
      },
      [
        {
          id: USAGE,
          productId: 'TESTUSAGE001',
          title: 'Azure plan',
          billing: 'usage',
          minQuantity: 1,
          maxQuantity: 1,
        },
      ],
      Object.entries(MARKETS).map(([country, currency]) => ({
        id: `${USAGE}:${country}`,
        skuId: USAGE,
        productId: 'TESTUSAGE001',
        country,
        currency,
        prices: [{ termDuration: null, billingCycle: 'monthly', unitPriceMinor: 0 }],
      })),
      at,
    );
    await upsertProduct(
      tx,
      {
        id: 'TESTTHIRD001',
        title: 'Fabrikam Backup',
        description: 'Third party, US only',
        publisherKind: 'third-party',
        publisherName: 'Fabrikam',
        ownerTenantId: null,
      },
      [
        {
          id: THIRD_PARTY_US,
          productId: 'TESTTHIRD001',
          title: 'Backup 1 TB',
          billing: 'license',
          minQuantity: 1,
          maxQuantity: 10,
        },
      ],
      [
        {
          id: `${THIRD_PARTY_US}:US`,
          skuId: THIRD_PARTY_US,
          productId: 'TESTTHIRD001',
          country: 'US',
          currency: 'USD',
          prices: [{ termDuration: 'P1Y', billingCycle: 'annual', unitPriceMinor: 12000 }],
        },
      ],
      at,
    );
    return { commit: true, value: undefined };
  });
}

export interface CommerceWorld {
  readonly operator: Operator;
  readonly provider: Partner;
  readonly reseller: Partner;
  readonly reseller2: Partner;
  readonly direct: Partner;
  /** The reseller's customer (the provider authorized too). */
  readonly resellerCustomer: Customer;
  /** The direct-bill partner's customer. */
  readonly directCustomer: Customer;
  readonly usCustomer: Customer;
}

export async function buildCommerceWorld(csp: OpenCsp): Promise<CommerceWorld> {
  const operator = await bootstrap(csp);
  await seedTestCatalog(csp);
  const provider = await addPartner(csp, operator, {
    legalName: 'Distributor FR',
    country: 'FR',
    role: 'indirect-provider',
  });
  const reseller = await addPartner(csp, operator, {
    legalName: 'Reseller FR 1',
    country: 'FR',
    role: 'indirect-reseller',
  });
  const reseller2 = await addPartner(csp, operator, {
    legalName: 'Reseller FR 2',
    country: 'FR',
    role: 'indirect-reseller',
  });
  const direct = await addPartner(csp, operator, {
    legalName: 'Direct FR',
    country: 'FR',
    role: 'direct-bill',
  });
  await connectReseller(csp, provider, reseller);
  await connectReseller(csp, provider, reseller2);
  const resellerCustomer = await addCustomer(csp, { legalName: 'Customer FR 1', country: 'FR' });
  const directCustomer = await addCustomer(csp, { legalName: 'Customer FR 2', country: 'FR' });
  const usCustomer = await addCustomer(csp, { legalName: 'Customer US 1', country: 'US' });
  await connectCustomer(csp, reseller, resellerCustomer, { alsoAuthorize: provider });
  await connectCustomer(csp, reseller2, resellerCustomer);
  await connectCustomer(csp, direct, directCustomer);
  return { operator, provider, reseller, reseller2, direct, resellerCustomer, directCustomer, usCustomer };
}

/**
 * The direct-bill partner orders 3 seats of `SEATS` (one month, billed monthly) for its customer on
 * `now` (default `T0`); returns the subscription's id.
 */
export async function orderDirectSeats(
  csp: OpenCsp,
  w: CommerceWorld,
  options: { autoRenew?: boolean; now?: Date } = {},
): Promise<string> {
  const o = must(
    await csp.execute(
      placeOrder,
      { principal: w.direct.globalAdmin, now: options.now ?? T0 },
      {
        sellerTenantId: w.direct.tenantId,
        customerTenantId: w.directCustomer.tenantId,
        lines: [
          {
            catalogItemId: SEATS,
            quantity: 3,
            termDuration: 'P1M',
            billingCycle: 'monthly',
            ...(options.autoRenew === undefined ? {} : { autoRenew: options.autoRenew }),
          },
        ],
      },
    ),
  );
  return o.lines[0]?.subscriptionId as string;
}
