import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAM_FILE, defaultProgram, loadProgram } from './load.ts';
import { buildProgram, type ProgramDefinition } from './program.ts';
import { buildRegionCatalogue, type RegionsFile } from './regions.ts';

const REGIONS_FILE = new URL('./data/csp-regions.json', import.meta.url);
const regionsFile = (): RegionsFile => JSON.parse(readFileSync(REGIONS_FILE, 'utf8')) as RegionsFile;
const programFile = (): ProgramDefinition =>
  JSON.parse(readFileSync(DEFAULT_PROGRAM_FILE, 'utf8')) as ProgramDefinition;

/** A small, valid regions file for the defect tests. */
function tiny(): RegionsFile {
  return {
    source: 'test',
    regions: [
      {
        id: 'europe',
        name: 'Europe',
        markets: [
          { country: 'DE', currency: 'EUR', name: 'Germany' },
          { country: 'FR', currency: 'EUR', name: 'France' },
        ],
      },
      {
        id: 'united-states',
        name: 'United States',
        markets: [{ country: 'US', currency: 'USD', name: 'United States' }],
      },
    ],
  };
}

describe('the shipped region catalogue', () => {
  const catalogue = defaultProgram().catalogue;

  it('has the 15 CSP regions', () => {
    expect(catalogue.regions).toHaveLength(15);
    expect(new Set(catalogue.regions.map((r) => r.id)).size).toBe(15);
    for (const id of ['europe', 'united-states', 'japan', 'india', 'brazil', 'canada']) {
      expect(catalogue.region(id)?.id).toBe(id);
    }
    expect(catalogue.region('atlantis')).toBeUndefined();
  });

  it('puts every country in exactly one region, with a well-formed code and currency', () => {
    const seen = new Map<string, string>();
    for (const region of catalogue.regions) {
      expect(region.markets.length).toBeGreaterThan(0);
      for (const m of region.markets) {
        expect(seen.has(m.country), `${m.country} in ${seen.get(m.country)} and ${region.id}`).toBe(false);
        seen.set(m.country, region.id);
        expect(m.country).toMatch(/^[A-Z]{2}$/);
        expect(m.currency).toMatch(/^[A-Z]{3}$/);
        expect(m.region).toBe(region.id);
        expect(catalogue.regionOf(m.country)).toBe(region.id);
        expect(catalogue.market(m.country)).toEqual(m);
      }
    }
    // The raw file agrees: no country listed twice anywhere.
    const raw = regionsFile().regions.flatMap((r) => r.markets.map((m) => m.country));
    expect(new Set(raw).size).toBe(raw.length);
    expect(seen.size).toBe(raw.length);
  });

  it('Germany is DE (not the withdrawn DD), in europe, transacting in EUR', () => {
    expect(catalogue.market('DE')).toEqual({
      country: 'DE',
      name: 'Germany',
      currency: 'EUR',
      region: 'europe',
    });
    expect(catalogue.market('DD')).toBeUndefined();
  });

  it('US is united-states in USD; JP transacts in JPY', () => {
    expect(catalogue.market('US')).toMatchObject({ region: 'united-states', currency: 'USD' });
    expect(catalogue.regionOf('US')).toBe('united-states');
    expect(catalogue.market('JP')).toMatchObject({ region: 'japan', currency: 'JPY' });
  });

  it('knows nothing of unknown or lower-case codes', () => {
    expect(catalogue.market('XX')).toBeUndefined();
    expect(catalogue.regionOf('XX')).toBeUndefined();
    expect(catalogue.market('de')).toBeUndefined();
  });

  it('keeps the source note of the regions file', () => {
    const file = regionsFile();
    expect(file.source).toMatch(/regional-authorization-overview/);
    expect(catalogue.source).toBe(file.source);
  });
});

describe('buildRegionCatalogue', () => {
  it('builds a valid file', () => {
    const c = buildRegionCatalogue(tiny());
    expect(c.regionOf('FR')).toBe('europe');
    expect(c.regions.map((r) => r.id)).toEqual(['europe', 'united-states']);
  });

  it('throws on a country listed in two regions, naming both', () => {
    const f = tiny();
    const bad: RegionsFile = {
      ...f,
      regions: [
        ...f.regions,
        { id: 'elsewhere', name: 'Elsewhere', markets: [{ country: 'FR', currency: 'EUR', name: 'France' }] },
      ],
    };
    expect(() => buildRegionCatalogue(bad)).toThrow('regions: FR is in both europe and elsewhere');
  });

  it.each(['D', 'de', 'DEU', 'D1', ''])('throws on the country code "%s"', (country) => {
    const f = tiny();
    const bad: RegionsFile = {
      ...f,
      regions: [{ id: 'x', name: 'X', markets: [{ country, currency: 'EUR', name: 'Bad' }] }],
    };
    expect(() => buildRegionCatalogue(bad)).toThrow(`regions: "${country}" in x is not ISO 3166-1 alpha-2`);
  });

  it.each(['EU', 'eur', 'EURO', ''])('throws on the currency "%s"', (currency) => {
    const bad: RegionsFile = {
      source: 'test',
      regions: [{ id: 'x', name: 'X', markets: [{ country: 'DE', currency, name: 'Germany' }] }],
    };
    expect(() => buildRegionCatalogue(bad)).toThrow(`regions: "${currency}" in x is not ISO 4217`);
  });

  it('throws on a region listed twice', () => {
    const bad: RegionsFile = {
      source: 'test',
      regions: [
        { id: 'europe', name: 'Europe', markets: [{ country: 'DE', currency: 'EUR', name: 'Germany' }] },
        { id: 'europe', name: 'Europe again', markets: [{ country: 'FR', currency: 'EUR', name: 'France' }] },
      ],
    };
    expect(() => buildRegionCatalogue(bad)).toThrow('regions: region "europe" is listed twice');
  });
});

describe('buildProgram', () => {
  it('builds the shipped definition', () => {
    expect(() => buildProgram(programFile(), regionsFile())).not.toThrow();
  });

  it('throws listing every defect at once', () => {
    const def = programFile();
    const bad: ProgramDefinition = {
      ...def,
      vendor: { ...def.vendor, country: 'XX' },
      agreements: { ...def.agreements, partner: { ...def.agreements.partner, effectiveDate: '2020-02-30' } },
    };
    let message = '';
    try {
      buildProgram(bad, regionsFile());
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(
      'program contoso-csp: vendor.country "XX" is not a market; agreements.partner-agreement.effectiveDate "2020-02-30" is not YYYY-MM-DD',
    );
  });

  it('reports the other defects too', () => {
    const def = programFile();
    const bad = {
      ...def,
      registrationIdRequiredCountries: ['PL', 'ZZ'],
      agreements: { ...def.agreements, partner: { ...def.agreements.partner, scope: 'tenant' } },
      partnerIds: { first: 0 },
      directBill: {
        ...def.directBill,
        requirements: [
          ...def.directBill.requirements,
          { key: 'x', label: 'X', required: true, after: 'nope' },
        ],
      },
      policies: { ...def.policies, partnershipEnding: 'never', cancellationRefund: 'half' },
    } as unknown as ProgramDefinition;
    expect(() => buildProgram(bad, regionsFile())).toThrow(
      [
        'program contoso-csp: registrationIdRequiredCountries: "ZZ" is not a market',
        'agreements.partner.scope must be "region"',
        'partnerIds.first must be a positive integer',
        'directBill requirement "x" comes after unknown "nope"',
        'policies.partnershipEnding "never" is not support | self-service',
        'policies.cancellationRefund "half" is not full | prorated',
      ].join('; '),
    );
  });

  it('propagates a defect of the regions file', () => {
    const regions = regionsFile();
    const bad: RegionsFile = {
      ...regions,
      regions: [...regions.regions, regions.regions[0] as RegionsFile['regions'][number]],
    };
    expect(() => buildProgram(programFile(), bad)).toThrow('is listed twice');
  });
});

describe('loadProgram / defaultProgram', () => {
  it('loads the default file, with the vendor as data', () => {
    const p = loadProgram();
    expect(DEFAULT_PROGRAM_FILE).toMatch(/contoso-cloud\.program\.json$/);
    expect(p.id).toBe('contoso-csp');
    expect(p.vendor.legalName).toBe('Contoso Cloud Ltd.');
    expect(p.vendor.country).toBe('US');
    expect(p.catalogue.regions).toHaveLength(15);
    expect(p.rolesByTenantType.customer).toEqual(['global-admin']);
  });

  it('loads the same program from an explicit path', () => {
    expect(loadProgram(DEFAULT_PROGRAM_FILE).vendor).toEqual(loadProgram().vendor);
  });

  it('defaultProgram() loads the default file once', () => {
    expect(defaultProgram()).toBe(defaultProgram());
    expect(defaultProgram().vendor.legalName).toBe('Contoso Cloud Ltd.');
  });

  it('no code hard-codes the vendor name: it is only in the data file', () => {
    expect(readFileSync(DEFAULT_PROGRAM_FILE, 'utf8')).toContain('"legalName": "Contoso Cloud Ltd."');
    for (const f of ['./program.ts', './load.ts', './regions.ts']) {
      expect(readFileSync(new URL(f, import.meta.url), 'utf8')).not.toContain('Contoso Cloud Ltd.');
    }
  });
});
