/**
 * The region → market → currency catalogue (CSP "regional markets and currencies").
 *
 * A partner located in a region may sell to customers in any market of that region and may only
 * partner with partners of the same region (seed scenarios 7 and 8). Each market (a country,
 * ISO 3166-1 alpha-2) transacts in one currency (ISO 4217). The table is data
 * (`data/csp-regions.json`, copied from the seed with its source note); this module only types it.
 */

/** ISO 3166-1 alpha-2 country code, upper case. */
export type CountryCode = string;
/** ISO 4217 currency code. */
export type CurrencyCode = string;
/** Region id, e.g. `europe`, `united-states`. */
export type RegionId = string;

export interface Market {
  readonly country: CountryCode;
  readonly name: string;
  readonly currency: CurrencyCode;
  readonly region: RegionId;
}

export interface Region {
  readonly id: RegionId;
  readonly name: string;
  readonly markets: readonly Market[];
}

export interface RegionCatalogue {
  /** Where the data came from (kept from the seed file). */
  readonly source: string;
  readonly regions: readonly Region[];
  region(id: RegionId): Region | undefined;
  market(country: CountryCode): Market | undefined;
  /** The region a country belongs to; a customer's region is its tenant's country's region. */
  regionOf(country: CountryCode): RegionId | undefined;
}

/** The JSON shape of `csp-regions.json`. */
export interface RegionsFile {
  readonly source: string;
  readonly regions: readonly {
    readonly id: string;
    readonly name: string;
    readonly markets: readonly {
      readonly country: string;
      readonly currency: string;
      readonly name: string;
    }[];
  }[];
}

const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

/**
 * Builds the catalogue, checking the data: well-formed codes, unique region ids, and every country
 * in exactly one region (otherwise "the region of a customer" would be ambiguous).
 *
 * @throws Error naming the first defect found.
 */
export function buildRegionCatalogue(file: RegionsFile): RegionCatalogue {
  const byId = new Map<RegionId, Region>();
  const byCountry = new Map<CountryCode, Market>();
  for (const r of file.regions) {
    if (byId.has(r.id)) throw new Error(`regions: region "${r.id}" is listed twice`);
    const markets: Market[] = [];
    for (const m of r.markets) {
      if (!COUNTRY.test(m.country))
        throw new Error(`regions: "${m.country}" in ${r.id} is not ISO 3166-1 alpha-2`);
      if (!CURRENCY.test(m.currency)) throw new Error(`regions: "${m.currency}" in ${r.id} is not ISO 4217`);
      const prior = byCountry.get(m.country);
      if (prior) throw new Error(`regions: ${m.country} is in both ${prior.region} and ${r.id}`);
      const market: Market = { country: m.country, name: m.name, currency: m.currency, region: r.id };
      byCountry.set(m.country, market);
      markets.push(market);
    }
    byId.set(r.id, { id: r.id, name: r.name, markets });
  }
  return {
    source: file.source,
    regions: [...byId.values()],
    region: (id) => byId.get(id),
    market: (country) => byCountry.get(country),
    regionOf: (country) => byCountry.get(country)?.region,
  };
}
