/**
 * Catalog files: the vendor's catalog as data, parsed into products, SKUs and availabilities.
 * Pure: no database, clock or randomness. Every defect is collected, each with the path of the
 * offending field (`products[2].skus[0].prices[1].unitPrice.EUR`), so whoever edits the file fixes
 * it in one pass.
 *
 * ## File format
 * ```json
 * { "catalog": "Contoso Cloud demo catalog",
 *   "products": [
 *     { "id": "CFQ7TTC0LH18", "title": "Contoso 365 Business Basic", "description": "…",
 *       "publisher": "first-party", "publisherName": "Contoso Cloud",
 *       "skus": [
 *         { "code": "0001", "title": "Business Basic", "billing": "license",
 *           "minQuantity": 1, "maxQuantity": 300,
 *           "markets": "all",
 *           "prices": [ { "termDuration": "P1Y", "billingCycle": "monthly", "unitPrice": { "EUR": 560, "USD": 600 } } ] }
 *       ] }
 *   ] }
 * ```
 * - `publisher`: `first-party` (the vendor's own) or `third-party` (a publisher listed on the vendor's
 *   marketplace); `publisherName` is shown to buyers. Partners' value-added services are not imported
 *   from files: each partner defines its own (`catalog.define-service`), with the same SKU shape.
 * - Product ids (Partner Center style, e.g. `CFQ7TTC0LH18`) and SKU codes: letters, digits, `.`, `_`,
 *   `-`; unique in the file and within their product. The SKU id (the `catalogItemId` an order line
 *   names) is `<productId>:<code>`; an availability's id is `<skuId>:<country>`.
 * - `billing`: `license` (per seat, with a term) or `usage` (metered, billed monthly in arrears).
 *   `minQuantity` ≥ 1, `maxQuantity` ≥ `minQuantity`.
 * - `markets`: `"all"` (every market of every region of the program) or a list of countries
 *   (ISO 3166-1 alpha-2). The SKU is sold in each market in that market's currency (region table).
 * - `prices`: the price points. A license SKU has one per (term, billing cycle): `termDuration`
 *   `P1M` | `P1Y` | `P3Y`, `billingCycle` `monthly` | `annual`, and `P1M` is billed monthly only.
 *   A usage SKU has exactly one, without a term (`termDuration` null or absent), billed monthly:
 *   the price per unit of usage.
 * - `unitPrice`: the list price per unit per charge cycle, per currency, in the currency's MINOR unit
 *   (an integer ≥ 0: EUR 560 is €5.60; JPY and KRW have no minor unit, so JPY 900 is ¥900). Every
 *   price point carries the currency of every market the SKU is sold in; extra currencies of the
 *   program are allowed (a file may price everything in every currency), unknown ones are not.
 *
 * Unknown keys are refused at every level: a typo must not silently drop a price.
 */
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { Fields } from '../kernel/validate.ts';
import type { Program } from '../program/program.ts';
import type { CurrencyCode, Market } from '../program/regions.ts';
import {
  type Availability,
  BILLING_CYCLES,
  BILLING_MODELS,
  type BillingCycle,
  type BillingModel,
  type PricePoint,
  type Product,
  type Sku,
  TERM_DURATIONS,
  type TermDuration,
} from './model.ts';

/** Product ids and SKU codes: no `:` (it separates the parts of SKU and availability ids). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_QUANTITY = 1_000_000;
/** How many countries a "missing currency" message names before summarising the rest. */
const MARKETS_NAMED = 8;

/** One product of a catalog file (or one value-added service) with everything it sells. */
export interface CatalogProduct {
  readonly product: Product;
  readonly skus: readonly Sku[];
  readonly availabilities: readonly Availability[];
}

/** A parsed catalog file, ready for `upsertProduct`. */
export interface ParsedCatalog {
  /** The file's `catalog` name, for the ledger and messages. */
  readonly name: string;
  readonly products: readonly CatalogProduct[];
}

/** The SKUs of one product and their availabilities, built by `parseSkus`. */
export interface ParsedSkus {
  readonly skus: readonly Sku[];
  readonly availabilities: readonly Availability[];
}

// ---------------------------------------------------------------------------------------------
// Small helpers over raw JSON (lists and currency maps are not `Fields` shapes).

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function fail(out: Violation[], code: 'INVALID_FIELD' | 'REQUIRED_FIELD', path: string, message: string) {
  out.push(violation(code, `${path} ${message}`, { field: path }));
}

/**
 * Splits an object: the keys in `own` (lists, maps) are returned raw for the caller to read, the
 * rest go to a `Fields` under `path`, which refuses what nobody reads.
 *
 * @example
 * const { f, own } = openObject(input, 'products[0]', ['skus']);
 * const title = f.text('title'); // a violation on `products[0].title`
 */
export function openObject(
  input: unknown,
  path: string,
  own: readonly string[],
): { f: Fields; own: Record<string, unknown> } {
  if (!isRecord(input)) return { f: new Fields(input, path), own: {} };
  const rest: Record<string, unknown> = {};
  const mine: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (own.includes(key)) mine[key] = value;
    else rest[key] = value;
  }
  return { f: new Fields(rest, path), own: mine };
}

/** Reports a list entry that is not an object once (not once per field it lacks). */
function isEntry(out: Violation[], path: string, value: unknown): value is Record<string, unknown> {
  if (isRecord(value)) return true;
  fail(out, 'INVALID_FIELD', path, 'must be an object');
  return false;
}

/** A required, non-empty list; anything else is reported at `path`. */
function readList(out: Violation[], path: string, value: unknown): readonly unknown[] {
  if (value === undefined || value === null) {
    fail(out, 'REQUIRED_FIELD', path, 'is required');
    return [];
  }
  if (!Array.isArray(value)) {
    fail(out, 'INVALID_FIELD', path, 'must be a list');
    return [];
  }
  if (value.length === 0) fail(out, 'REQUIRED_FIELD', path, 'needs at least one entry');
  return value;
}

/** Reports every repeated key: `field` of the second occurrence names the first. */
function refuseDuplicates(
  out: Violation[],
  keys: readonly (string | undefined)[],
  pathOf: (i: number) => string,
) {
  const first = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!key) return;
    const prior = first.get(key);
    if (prior === undefined) first.set(key, i);
    else fail(out, 'INVALID_FIELD', pathOf(i), `"${key}" duplicates ${pathOf(prior)}`);
  });
}

/** A product id: the format of `ID`, at most 50 characters. */
export function parseProductId(f: Fields, field: string): string {
  const id = f.text(field, { max: 50 });
  if (id && !ID.test(id))
    f.fail('INVALID_FIELD', field, `"${id}" may contain only letters, digits, ".", "_", "-"`);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Markets and prices.

function parseMarkets(out: Violation[], path: string, value: unknown, program: Program): readonly Market[] {
  if (value === 'all') return program.catalogue.regions.flatMap((r) => r.markets);
  if (typeof value === 'string' || (value !== undefined && value !== null && !Array.isArray(value))) {
    fail(out, 'INVALID_FIELD', path, 'must be "all" or a list of countries');
    return [];
  }
  const items = readList(out, path, value);
  const markets: Market[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const at = `${path}[${i}]`;
    if (typeof item !== 'string') {
      fail(out, 'INVALID_FIELD', at, 'must be a country code');
      return;
    }
    const country = item.trim().toUpperCase();
    const market = program.catalogue.market(country);
    if (!market) {
      out.push(
        violation('UNKNOWN_COUNTRY', `${at} "${item}" is not a market of any region of the program`, {
          field: at,
        }),
      );
    } else if (seen.has(country)) fail(out, 'INVALID_FIELD', at, `lists ${country} twice`);
    else {
      seen.add(country);
      markets.push(market);
    }
  });
  return markets;
}

/** The amounts of a `unitPrice` map that are valid, and every currency key it has (valid or not). */
interface UnitPrices {
  readonly amounts: ReadonlyMap<CurrencyCode, number>;
  readonly keys: ReadonlySet<string>;
}

function parseUnitPrice(
  out: Violation[],
  path: string,
  value: unknown,
  program: Program,
): UnitPrices | undefined {
  if (value === undefined || value === null) {
    fail(out, 'REQUIRED_FIELD', path, 'is required');
    return undefined;
  }
  if (!isRecord(value)) {
    fail(out, 'INVALID_FIELD', path, 'must be an object of amounts per currency, e.g. { "EUR": 560 }');
    return undefined;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) fail(out, 'REQUIRED_FIELD', path, 'needs at least one currency');
  const known = new Set(program.catalogue.regions.flatMap((r) => r.markets.map((m) => m.currency)));
  const amounts = new Map<CurrencyCode, number>();
  for (const [currency, amount] of entries) {
    const at = `${path}.${currency}`;
    if (!known.has(currency)) {
      fail(out, 'INVALID_FIELD', at, `"${currency}" is not the currency of any market of the program`);
    } else if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
      fail(
        out,
        'INVALID_FIELD',
        at,
        `must be a whole number of minor units, 0 or more (not ${JSON.stringify(amount)})`,
      );
    } else amounts.set(currency, amount);
  }
  return { amounts, keys: new Set(Object.keys(value)) };
}

interface ParsedPrice {
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
  readonly unitPrice: UnitPrices | undefined;
}

function parsePrice(
  out: Violation[],
  path: string,
  value: unknown,
  billing: BillingModel | undefined,
  program: Program,
): ParsedPrice {
  const { f, own } = openObject(value, path, ['unitPrice']);
  let termDuration: TermDuration | null = null;
  if (billing === 'usage') {
    // Usage is metered and billed in arrears: there is no commitment term to choose.
    if (f.text('termDuration', { optional: true }))
      f.fail('INVALID_FIELD', 'termDuration', 'must be null (or absent) for a usage SKU');
  } else {
    const term =
      billing === 'license'
        ? f.oneOf('termDuration', TERM_DURATIONS)
        : f.oneOf('termDuration', TERM_DURATIONS, { optional: true });
    termDuration = term !== undefined && TERM_DURATIONS.includes(term) ? term : null;
  }
  const billingCycle = f.oneOf('billingCycle', BILLING_CYCLES);
  if (billing === 'usage' && billingCycle === 'annual') {
    f.fail(
      'INVALID_FIELD',
      'billingCycle',
      'must be monthly for a usage SKU (usage is billed monthly in arrears)',
    );
  }
  if (billing === 'license' && termDuration === 'P1M' && billingCycle === 'annual') {
    f.fail('INVALID_FIELD', 'billingCycle', 'must be monthly for a P1M term');
  }
  f.refuseUnknown();
  out.push(...f.violations);
  const unitPrice = parseUnitPrice(out, join(path, 'unitPrice'), own.unitPrice, program);
  return { termDuration, billingCycle, unitPrice };
}

/** One violation per currency a price point lacks, naming the markets that transact in it. */
function missingCurrencies(
  out: Violation[],
  path: string,
  prices: UnitPrices,
  byCurrency: ReadonlyMap<CurrencyCode, readonly string[]>,
) {
  for (const [currency, countries] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (prices.keys.has(currency)) continue;
    const named = countries.slice(0, MARKETS_NAMED).join(', ');
    const more = countries.length > MARKETS_NAMED ? ` and ${countries.length - MARKETS_NAMED} more` : '';
    out.push(
      violation('REQUIRED_FIELD', `${path} is missing ${currency} (markets ${named}${more})`, {
        field: `${path}.${currency}`,
        remedies: [`Add a ${currency} price, or do not sell the SKU in those markets.`],
      }),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// SKUs and products.

function parseSku(
  out: Violation[],
  path: string,
  value: unknown,
  productId: string,
  program: Program,
): { sku: Sku; code: string; availabilities: Availability[] } {
  const { f, own } = openObject(value, path, ['markets', 'prices']);
  const code = f.text('code', { max: 20 });
  if (code && !ID.test(code))
    f.fail('INVALID_FIELD', 'code', `"${code}" may contain only letters, digits, ".", "_", "-"`);
  const title = f.text('title');
  const billing = f.oneOf('billing', BILLING_MODELS);
  const minQuantity = f.integer('minQuantity', { min: 1, max: MAX_QUANTITY });
  const maxQuantity = f.integer('maxQuantity', { min: 1, max: MAX_QUANTITY });
  if (minQuantity >= 1 && maxQuantity >= 1 && maxQuantity < minQuantity) {
    f.fail('INVALID_FIELD', 'maxQuantity', `must be at least minQuantity (${minQuantity})`);
  }
  f.refuseUnknown();
  out.push(...f.violations);

  const known = BILLING_MODELS.includes(billing) ? billing : undefined;
  const markets = parseMarkets(out, join(path, 'markets'), own.markets, program);
  const pricesPath = join(path, 'prices');
  const prices = readList(out, pricesPath, own.prices).map((p, i) =>
    isEntry(out, `${pricesPath}[${i}]`, p)
      ? parsePrice(out, `${pricesPath}[${i}]`, p, known, program)
      : undefined,
  );
  if (known === 'usage' && prices.length > 1) {
    fail(
      out,
      'INVALID_FIELD',
      pricesPath,
      'must have exactly one price point for a usage SKU (the price per unit of usage)',
    );
  }
  if (known === 'license') {
    refuseDuplicates(
      out,
      prices.map((p) => (p?.termDuration ? `${p.termDuration}/${p.billingCycle}` : undefined)),
      (i) => `${pricesPath}[${i}]`,
    );
  }
  const byCurrency = new Map<CurrencyCode, string[]>();
  for (const m of markets) byCurrency.set(m.currency, [...(byCurrency.get(m.currency) ?? []), m.country]);
  prices.forEach((p, i) => {
    if (p?.unitPrice) missingCurrencies(out, `${pricesPath}[${i}].unitPrice`, p.unitPrice, byCurrency);
  });

  const valid = prices.filter((p) => p !== undefined);
  const skuId = `${productId}:${code}`;
  const sku: Sku = { id: skuId, productId, title, billing, minQuantity, maxQuantity };
  const availabilities = markets.map(
    (m): Availability => ({
      id: `${skuId}:${m.country}`,
      skuId,
      productId,
      country: m.country,
      currency: m.currency,
      prices: valid.map(
        (p): PricePoint => ({
          termDuration: p.termDuration,
          billingCycle: p.billingCycle,
          unitPriceMinor: p.unitPrice?.amounts.get(m.currency) ?? 0,
        }),
      ),
    }),
  );
  return { sku, code, availabilities };
}

/**
 * The `skus` list of a product (the same shape in catalog files and value-added services). Defects
 * are appended to `out` with paths under `path`; the result is meaningful only when none were.
 *
 * @example
 * const out: Violation[] = [];
 * const parsed = parseSkus(input.skus, 'skus', 'FABRIKAM-MSP', program, out);
 */
export function parseSkus(
  value: unknown,
  path: string,
  productId: string,
  program: Program,
  out: Violation[],
): ParsedSkus {
  const parsed = readList(out, path, value).map((s, i) =>
    isEntry(out, `${path}[${i}]`, s) ? parseSku(out, `${path}[${i}]`, s, productId, program) : undefined,
  );
  refuseDuplicates(
    out,
    parsed.map((p) => p?.code),
    (i) => `${path}[${i}].code`,
  );
  const skus = parsed.filter((p) => p !== undefined);
  return { skus: skus.map((p) => p.sku), availabilities: skus.flatMap((p) => p.availabilities) };
}

const FILE_PUBLISHERS = ['first-party', 'third-party'] as const;

function parseProduct(out: Violation[], path: string, value: unknown, program: Program): CatalogProduct {
  const { f, own } = openObject(value, path, ['skus']);
  const id = parseProductId(f, 'id');
  const title = f.text('title');
  const description = f.text('description', { max: 2000, optional: true }) ?? '';
  const publisherKind = f.oneOf('publisher', FILE_PUBLISHERS);
  const publisherName = f.text('publisherName');
  f.refuseUnknown();
  out.push(...f.violations);
  const { skus, availabilities } = parseSkus(own.skus, join(path, 'skus'), id, program, out);
  const product: Product = { id, title, description, publisherKind, publisherName, ownerTenantId: null };
  return { product, skus, availabilities };
}

/**
 * Parses a catalog file (see the module header for its format). Refuses with every defect found:
 * INVALID_FIELD, REQUIRED_FIELD or UNKNOWN_COUNTRY, each with its field path. `prefix` roots the
 * paths when the file is nested in a command's input (`catalog.products[0].id`).
 *
 * @example
 * const out = parseCatalogFile(JSON.parse(readFileSync('catalog.json', 'utf8')), program);
 * if (!out.ok) for (const v of out.violations) console.error(v.message);
 */
export function parseCatalogFile(json: unknown, program: Program, prefix = ''): Outcome<ParsedCatalog> {
  const out: Violation[] = [];
  if (!isRecord(json)) {
    fail(out, 'INVALID_FIELD', prefix || '(body)', 'must be an object');
    return refuse(...out);
  }
  const { f, own } = openObject(json, prefix, ['products']);
  const name = f.text('catalog');
  f.refuseUnknown();
  out.push(...f.violations);
  const productsPath = join(prefix, 'products');
  const products = readList(out, productsPath, own.products).map((p, i) =>
    isEntry(out, `${productsPath}[${i}]`, p)
      ? parseProduct(out, `${productsPath}[${i}]`, p, program)
      : undefined,
  );
  refuseDuplicates(
    out,
    products.map((p) => p?.product.id),
    (i) => `${productsPath}[${i}].id`,
  );
  return out.length === 0
    ? accept({ name, products: products.filter((p) => p !== undefined) })
    : refuse(...out);
}
