/**
 * Pure unit tests of the rules engine (no database): every decision and building block, each rule
 * broken on its own (exact list of codes), several broken at once (all of them returned), and
 * properties over random facts. Scenarios refer to the seed `csp-partner-relationships.en.md`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENROLLMENT_STATUSES, type EnrollmentStatus, PROGRAM_ROLES } from '../enrollments/model.ts';
import type { Violation } from '../kernel/outcome.ts';
import { ANONYMOUS, type Principal, SYSTEM, USER_ROLES } from '../kernel/principal.ts';
import type { Program } from '../program/program.ts';
import type { Code } from './codes.ts';
import {
  type AcceptPartnershipFacts,
  type ApproveAdminRelationshipFacts,
  actsFor,
  type CustomerRelationshipFacts,
  customerRegionViolation,
  customerTypeViolation,
  type Decision,
  dealingViolation,
  decideAcceptPartnership,
  decideApproveAdminRelationship,
  decideCustomerRelationship,
  decideEndPartnership,
  decideInvitePartnership,
  decideOrderLine,
  decideSetPartnerOfRecord,
  type EndPartnershipFacts,
  enrolledAs,
  homeOrCustomerRegion,
  type InvitePartnershipFacts,
  type OrderLineFacts,
  partnerRegionViolation,
  readiness,
  relationshipTypeConflict,
  type SetPartnerOfRecordFacts,
  sellingRole,
} from './decisions.ts';
import type { CustomerFacts, PartnerFacts, PartnershipState, TenantFacts } from './facts.ts';
import {
  customer,
  MCA_VERSION,
  MPA_VERSION,
  NOW,
  operator,
  type PartnerOptions,
  partner,
  program,
  regionOf,
  user,
  withPolicies,
} from './fixtures.ts';

// -------------------------------------------------------------------------------------------------
// Parties and helpers.

type Overrides = Partial<PartnerOptions>;

/** A German indirect provider (europe), ready to transact. */
const provider = (o: Overrides = {}) =>
  partner({ legalName: 'Northwind Distribution', country: 'DE', role: 'indirect-provider', ...o });
/** A French indirect reseller (europe), ready to transact. */
const reseller = (o: Overrides = {}) =>
  partner({ legalName: 'Fabrikam Reseller', country: 'FR', role: 'indirect-reseller', ...o });
/** A French direct-bill partner (europe), ready to transact. */
const direct = (o: Overrides = {}) =>
  partner({ legalName: 'Adatum Direct', country: 'FR', role: 'direct-bill', ...o });
/** A French end customer that accepted the current customer agreement. */
const tailspin = (o: Partial<Parameters<typeof customer>[0]> = {}) =>
  customer({ country: 'FR', legalName: 'Tailspin Toys', ...o });

const BEFORE_MPA = new Date('2020-01-31T23:59:59.999Z');
const MPA_EFFECTIVE = new Date('2020-02-01T00:00:00.000Z');
const OLD_VERSION = '2019-01-01';

const codes = (d: Decision): Code[] => d.violations.map((v) => v.code);

function expectAllowed(d: Decision): void {
  expect(d).toEqual({ allowed: true, violations: [] });
}

/** Refused with exactly this one code; returns the violation for further checks. */
function expectOnly(d: Decision, code: Code): Violation {
  expect(codes(d)).toEqual([code]);
  expect(d.allowed).toBe(false);
  const [v] = d.violations;
  if (!v) throw new Error('unreachable');
  return v;
}

/** Refused with exactly these codes (any order, duplicates count). */
function expectAll(d: Decision, expected: Code[]): void {
  expect(d.allowed).toBe(false);
  expect([...codes(d)].sort()).toEqual([...expected].sort());
}

function violationOf(d: Decision, code: Code): Violation {
  const v = d.violations.find((x) => x.code === code);
  if (!v) throw new Error(`no ${code} in ${codes(d).join(', ')}`);
  return v;
}

/** Scenario 6: exactly the seed's three options, as remedies. */
function expectScenario6(v: Violation): void {
  expect(v.code).toBe('RELATIONSHIP_TYPE_CONFLICT');
  expect(v.scenario).toBe('6');
  expect(v.remedies).toHaveLength(3);
  expect(v.remedies[0]).toMatch(/^Option 1: .*another tenant, of customer type/);
  expect(v.remedies[1]).toMatch(/^Option 2: end the partnership .*another indirect provider/);
  expect(v.remedies[2]).toMatch(/^Option 3: stay this provider’s customer.*another indirect provider/);
}

function remediesMatch(v: Violation, pattern: RegExp): void {
  expect(
    v.remedies.some((r) => pattern.test(r)),
    `${v.code} remedies ${JSON.stringify(v.remedies)}`,
  ).toBe(true);
}

// -------------------------------------------------------------------------------------------------
// Fixtures themselves.

describe('fixtures', () => {
  it('derive region, Partner ID and a signed MPA for the home region', () => {
    const p = reseller();
    expect(p.region).toBe('europe');
    expect(p.partnerIdCountry).toBe('FR');
    expect(p.partnerId).toBeGreaterThan(1_000_000);
    expect(p.partnerAgreements).toEqual({ europe: MPA_VERSION });
    expect(p.enrollments['indirect-reseller']?.status).toBe('active');
    expect(tailspin()).toMatchObject({
      type: 'customer',
      region: 'europe',
      customerAgreementVersion: MCA_VERSION,
    });
    expect(regionOf('DE')).toBe('europe');
    expect(regionOf('US')).toBe('united-states');
    expect(regionOf('XX')).toBeUndefined();
  });

  it('give distinct parties distinct tenants, organizations and Partner IDs', () => {
    const all = [provider(), reseller(), direct()];
    expect(new Set(all.map((p) => p.tenantId)).size).toBe(3);
    expect(new Set(all.map((p) => p.organizationId)).size).toBe(3);
    expect(new Set(all.map((p) => p.partnerId)).size).toBe(3);
    expect(reseller()).toEqual(reseller());
  });
});

// -------------------------------------------------------------------------------------------------
// Building blocks.

describe('readiness', () => {
  const ready = (p: PartnerFacts, now = NOW) =>
    readiness(program, p, 'indirect-reseller', 'europe', now).map((v) => v.code);

  it('all good: no violation', () => {
    expect(readiness(program, reseller(), 'indirect-reseller', 'europe', NOW)).toEqual([]);
    expect(readiness(program, reseller(), 'indirect-reseller', 'europe', NOW, 'reseller')).toEqual([]);
    expect(readiness(program, provider(), 'indirect-provider', 'europe', NOW)).toEqual([]);
    expect(readiness(program, direct(), 'direct-bill', 'europe', NOW)).toEqual([]);
  });

  it('not a CSP tenant → PARTNER_NOT_ONBOARDED only', () => {
    expect(ready(reseller({ type: 'customer' }))).toEqual(['PARTNER_NOT_ONBOARDED']);
    expect(ready(reseller({ type: 'vendor' }))).toEqual(['PARTNER_NOT_ONBOARDED']);
  });

  it('no location Partner ID → PARTNER_ID_NOT_ASSOCIATED, naming the tenant', () => {
    const [v] = readiness(program, reseller({ partnerId: null }), 'indirect-reseller', 'europe', NOW);
    expect(v?.code).toBe('PARTNER_ID_NOT_ASSOCIATED');
    expect(ready(reseller({ partnerId: null }))).toEqual(['PARTNER_ID_NOT_ASSOCIATED']);
    remediesMatch(v as Violation, /tenant-fabrikam-reseller/);
  });

  it('a Partner ID of another country → PARTNER_ID_COUNTRY_MISMATCH', () => {
    expect(ready(reseller({ partnerIdCountry: 'DE' }))).toEqual(['PARTNER_ID_COUNTRY_MISMATCH']);
  });

  it.each<[string, Partial<Record<(typeof PROGRAM_ROLES)[number], EnrollmentStatus>>, Code]>([
    ['not enrolled at all', {}, 'PARTNER_NOT_ENROLLED'],
    ['enrolled in another role only', { 'direct-bill': 'active' }, 'PARTNER_NOT_ENROLLED'],
    ['rejected', { 'indirect-reseller': 'rejected' }, 'PARTNER_NOT_ENROLLED'],
    ['declined', { 'indirect-reseller': 'declined' }, 'PARTNER_NOT_ENROLLED'],
    ['pending', { 'indirect-reseller': 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['qualified', { 'indirect-reseller': 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
  ])('enrollment %s → %s', (_name, enrollments, code) => {
    expect(ready(reseller({ enrollments }))).toEqual([code]);
  });

  it('restricted direct-bill → DIRECT_BILL_RESTRICTED (scenario enrollment) with remedies', () => {
    const vs = readiness(program, direct({ status: 'restricted' }), 'direct-bill', 'europe', NOW);
    expect(vs.map((v) => v.code)).toEqual(['DIRECT_BILL_RESTRICTED']);
    expect(vs[0]?.scenario).toBe('enrollment');
    remediesMatch(vs[0] as Violation, /indirect reseller through an indirect provider/);
  });

  it('MPA not signed for the region → MPA_NOT_SIGNED naming tenant and region', () => {
    const vs = readiness(program, reseller({ mpaRegions: [] }), 'indirect-reseller', 'europe', NOW);
    expect(vs.map((v) => v.code)).toEqual(['MPA_NOT_SIGNED']);
    expect(vs[0]?.scenario).toBe('mpa');
    remediesMatch(vs[0] as Violation, /tenant-fabrikam-reseller.*region europe/);
    // Signed elsewhere only: still missing here.
    expect(ready(reseller({ mpaRegions: ['united-states'] }))).toEqual(['MPA_NOT_SIGNED']);
  });

  it('an outdated MPA version → MPA_VERSION_OUTDATED', () => {
    expect(ready(reseller({ mpaVersion: OLD_VERSION }))).toEqual(['MPA_VERSION_OUTDATED']);
  });

  it('as a reseller, a missing or outdated MPA → RESELLER_MPA_NOT_SIGNED', () => {
    for (const p of [reseller({ mpaRegions: [] }), reseller({ mpaVersion: OLD_VERSION })]) {
      const vs = readiness(program, p, 'indirect-reseller', 'europe', NOW, 'reseller');
      expect(vs.map((v) => v.code)).toEqual(['RESELLER_MPA_NOT_SIGNED']);
      expect(vs[0]?.scenario).toBe('mpa');
      remediesMatch(vs[0] as Violation, /reseller's CSP tenant tenant-fabrikam-reseller.*region europe/);
    }
  });

  it('before 2020-02-01 the MPA is not required; from that instant it is', () => {
    expect(ready(reseller({ mpaRegions: [] }), BEFORE_MPA)).toEqual([]);
    expect(ready(reseller({ mpaVersion: OLD_VERSION }), BEFORE_MPA)).toEqual([]);
    expect(ready(reseller({ mpaRegions: [] }), MPA_EFFECTIVE)).toEqual(['MPA_NOT_SIGNED']);
    const strict = withPolicies({ enforceMpaFromEffectiveDate: false });
    expect(
      readiness(strict, reseller({ mpaRegions: [] }), 'indirect-reseller', 'europe', BEFORE_MPA).map(
        (v) => v.code,
      ),
    ).toEqual(['MPA_NOT_SIGNED']);
  });

  it('never reports the region itself (each decision judges it with its scenario)', () => {
    const usOnly = reseller({ mpaRegions: ['europe', 'united-states'] });
    expect(readiness(program, usOnly, 'indirect-reseller', 'united-states', NOW)).toEqual([]);
  });

  it('several missing at once → all of them', () => {
    const p = reseller({ partnerId: null, enrollments: { 'indirect-reseller': 'pending' }, mpaRegions: [] });
    expect(ready(p)).toEqual(['PARTNER_ID_NOT_ASSOCIATED', 'ENROLLMENT_NOT_VERIFIED', 'MPA_NOT_SIGNED']);
  });
});

describe('sellingRole', () => {
  const role = (enrollments: Partial<Record<(typeof PROGRAM_ROLES)[number], EnrollmentStatus>>) =>
    sellingRole(reseller({ enrollments }));

  it('none without an enrollment', () => {
    expect(role({})).toBeUndefined();
  });

  it('the one role it holds', () => {
    expect(sellingRole(direct())).toBe('direct-bill');
    expect(sellingRole(reseller())).toBe('indirect-reseller');
    expect(sellingRole(provider())).toBe('indirect-provider');
  });

  it('an active (or restricted) role before one that is not', () => {
    expect(role({ 'direct-bill': 'pending', 'indirect-provider': 'active' })).toBe('indirect-provider');
    expect(role({ 'direct-bill': 'restricted', 'indirect-reseller': 'active' })).toBe('direct-bill');
  });

  it('among equals: direct-bill, then indirect reseller, then provider', () => {
    expect(role({ 'indirect-provider': 'active', 'indirect-reseller': 'active' })).toBe('indirect-reseller');
    expect(role({ 'indirect-reseller': 'active', 'direct-bill': 'active' })).toBe('direct-bill');
    // An open enrollment names the role before a rejected one does.
    expect(role({ 'indirect-provider': 'pending', 'indirect-reseller': 'rejected' })).toBe(
      'indirect-provider',
    );
    expect(role({ 'indirect-reseller': 'declined', 'direct-bill': 'rejected' })).toBe('direct-bill');
  });

  it('an enrollment that is not active still names the role', () => {
    expect(role({ 'indirect-provider': 'pending' })).toBe('indirect-provider');
  });
});

describe('enrolledAs', () => {
  it.each<[EnrollmentStatus, boolean]>([
    ['pending', true],
    ['qualified', true],
    ['active', true],
    ['restricted', true],
    ['rejected', false],
    ['declined', false],
  ])('an enrollment %s in the role → %s', (status, expected) => {
    expect(enrolledAs(reseller({ status }), 'indirect-reseller')).toBe(expected);
  });

  it('no enrollment in that role (even an active one in another) → false', () => {
    expect(enrolledAs(reseller({ enrollments: {} }), 'indirect-reseller')).toBe(false);
    expect(enrolledAs(direct(), 'indirect-reseller')).toBe(false);
    expect(enrolledAs(provider(), 'indirect-reseller')).toBe(false);
    expect(enrolledAs(provider(), 'indirect-provider')).toBe(true);
  });
});

describe('homeOrCustomerRegion', () => {
  it("the customer's region when both share it (another country of it too)", () => {
    expect(homeOrCustomerRegion(reseller(), tailspin())).toBe('europe');
    expect(homeOrCustomerRegion(reseller(), tailspin({ country: 'DE' }))).toBe('europe');
    expect(homeOrCustomerRegion(reseller({ country: 'US' }), tailspin({ country: 'US' }))).toBe(
      'united-states',
    );
  });

  it("the partner's home region when they differ (never the customer's)", () => {
    expect(homeOrCustomerRegion(reseller(), tailspin({ country: 'US' }))).toBe('europe');
    expect(homeOrCustomerRegion(reseller({ country: 'US' }), tailspin())).toBe('united-states');
    // A customer in a country the program does not list.
    expect(homeOrCustomerRegion(reseller(), tailspin({ country: 'XX' }))).toBe('europe');
  });

  it("no region at all when the partner's country is not listed", () => {
    expect(homeOrCustomerRegion(reseller({ country: 'XX' }), tailspin())).toBe('');
    expect(homeOrCustomerRegion(reseller({ country: 'XX' }), tailspin({ country: 'XX' }))).toBe('');
  });
});

describe('dealingViolation (scenario 5)', () => {
  it('unrelated organizations: none', () => {
    expect(dealingViolation(direct(), tailspin())).toBeUndefined();
    expect(dealingViolation(direct({ affiliateGroupId: null }), tailspin({ affiliateGroupId: null }))).toBe(
      undefined,
    );
    expect(
      dealingViolation(direct({ affiliateGroupId: 'grp-1' }), tailspin({ affiliateGroupId: 'grp-2' })),
    ).toBe(undefined);
  });

  it('the same organization → SELF_DEALING', () => {
    const v = dealingViolation(direct({ orgId: 'org-x' }), tailspin({ orgId: 'org-x' }));
    expect(v?.code).toBe('SELF_DEALING');
    expect(v?.scenario).toBe('5');
    remediesMatch(v as Violation, /customer-type tenant/);
  });

  it('the same affiliate group → AFFILIATE_DEALING', () => {
    const v = dealingViolation(
      direct({ affiliateGroupId: 'grp-1' }),
      tailspin({ affiliateGroupId: 'grp-1' }),
    );
    expect(v?.code).toBe('AFFILIATE_DEALING');
    expect(v?.scenario).toBe('5');
    expect(v?.remedies.length).toBeGreaterThan(0);
  });

  it('both: SELF_DEALING (one violation)', () => {
    const v = dealingViolation(
      direct({ orgId: 'org-x', affiliateGroupId: 'grp-1' }),
      tailspin({ orgId: 'org-x', affiliateGroupId: 'grp-1' }),
    );
    expect(v?.code).toBe('SELF_DEALING');
  });
});

describe('customerTypeViolation (scenario 4)', () => {
  it('a customer-type tenant: none', () => {
    expect(customerTypeViolation(tailspin())).toBeUndefined();
  });

  it.each(['partner', 'vendor'] as const)('a %s tenant → PARTNER_TENANT_NOT_CUSTOMER_TYPE', (type) => {
    const v = customerTypeViolation(tailspin({ type }));
    expect(v?.code).toBe('PARTNER_TENANT_NOT_CUSTOMER_TYPE');
    expect(v?.scenario).toBe('4');
    remediesMatch(v as Violation, /customer-type tenant/);
  });
});

describe('customerRegionViolation (scenario 7)', () => {
  it('same region (even another country of it): none', () => {
    expect(customerRegionViolation(direct(), tailspin())).toBeUndefined();
    expect(customerRegionViolation(provider(), tailspin())).toBeUndefined(); // DE → FR
  });

  it('another region → REGION_MISMATCH scenario 7', () => {
    const v = customerRegionViolation(direct(), tailspin({ country: 'US' }));
    expect(v?.code).toBe('REGION_MISMATCH');
    expect(v?.scenario).toBe('7');
    remediesMatch(v as Violation, /partner located in united-states/);
  });

  it('a country the program does not list → REGION_MISMATCH (even on both sides)', () => {
    expect(customerRegionViolation(direct({ country: 'XX' }), tailspin())?.code).toBe('REGION_MISMATCH');
    expect(customerRegionViolation(direct(), tailspin({ country: 'XX' }))?.code).toBe('REGION_MISMATCH');
    expect(customerRegionViolation(direct({ country: 'XX' }), tailspin({ country: 'XX' }))?.code).toBe(
      'REGION_MISMATCH',
    );
  });
});

describe('partnerRegionViolation (scenario 8)', () => {
  it('DE provider and FR reseller are both europe: none', () => {
    expect(partnerRegionViolation(provider(), reseller())).toBeUndefined();
  });

  it('different regions → REGION_MISMATCH scenario 8', () => {
    const v = partnerRegionViolation(provider(), reseller({ country: 'US' }));
    expect(v?.code).toBe('REGION_MISMATCH');
    expect(v?.scenario).toBe('8');
    remediesMatch(v as Violation, /indirect provider located in united-states/);
  });

  it('a region unknown on either side → REGION_MISMATCH', () => {
    expect(partnerRegionViolation(provider({ country: 'XX' }), reseller())?.scenario).toBe('8');
    expect(partnerRegionViolation(provider(), reseller({ country: 'XX' }))?.scenario).toBe('8');
  });
});

describe('relationshipTypeConflict (scenario 6)', () => {
  it('always the conflict, with exactly the three options', () => {
    const v = relationshipTypeConflict(provider(), reseller());
    expectScenario6(v);
    expect(v.message).toContain(reseller().tenantId);
  });
});

describe('actsFor', () => {
  const t = provider().tenantId;
  it('a user of the tenant holding one of the roles', () => {
    expect(actsFor(user(t, 'global-admin'), t, ['global-admin'])).toBe(true);
    expect(actsFor(user(t, 'sales-agent', 'admin-agent'), t, ['global-admin', 'admin-agent'])).toBe(true);
  });

  it('not another tenant, not another role, not the system or anonymous', () => {
    expect(actsFor(user(reseller().tenantId, 'global-admin'), t, ['global-admin'])).toBe(false);
    expect(actsFor(user(t, 'helpdesk-agent'), t, ['global-admin', 'admin-agent'])).toBe(false);
    expect(actsFor(user(t), t, ['global-admin'])).toBe(false);
    expect(actsFor(user(t, 'global-admin'), t, [])).toBe(false);
    expect(actsFor(SYSTEM, t, ['global-admin'])).toBe(false);
    expect(actsFor(ANONYMOUS, t, ['global-admin'])).toBe(false);
    expect(actsFor(operator(), t, ['global-admin'])).toBe(false);
  });
});

// -------------------------------------------------------------------------------------------------
// Provider–reseller partnerships.

describe('decideInvitePartnership', () => {
  const facts = (o: Partial<InvitePartnershipFacts> = {}): InvitePartnershipFacts => ({
    actor: user(provider().tenantId, 'global-admin'),
    provider: provider(),
    reseller: reseller(),
    existing: 'none',
    resellerIsCustomerOfProvider: false,
    ...o,
  });
  const decide = (o: Partial<InvitePartnershipFacts> = {}, now = NOW) =>
    decideInvitePartnership(program, facts(o), now);

  it('all good (DE provider, FR reseller: both europe) → allowed', () => {
    expectAllowed(decide());
  });

  it('a provider naming itself as reseller → UNSUPPORTED_CHAIN (scenario 1), among the others', () => {
    const d = decide({ reseller: provider() });
    const self = d.violations.find((v) => v.code === 'UNSUPPORTED_CHAIN');
    expect(self).toMatchObject({ scenario: '1', message: 'A provider cannot be its own indirect reseller.' });
    expect(d.allowed).toBe(false);
  });

  it.each<[string, Principal]>([
    ['an admin agent of the provider', user(provider().tenantId, 'admin-agent')],
    ['the program operator', operator()],
    ['the system', SYSTEM],
  ])('%s may invite', (_n, actor) => {
    expectAllowed(decide({ actor }));
  });

  it.each<[string, Principal]>([
    ['a sales agent of the provider', user(provider().tenantId, 'sales-agent')],
    ["the reseller's global admin", user(reseller().tenantId, 'global-admin')],
    ['nobody signed in', ANONYMOUS],
  ])('%s → NOT_AUTHORIZED', (_n, actor) => {
    const v = expectOnly(decide({ actor }), 'NOT_AUTHORIZED');
    remediesMatch(v, new RegExp(provider().tenantId));
  });

  it.each<[string, Overrides, Code]>([
    ['not enrolled as provider', { enrollments: { 'indirect-reseller': 'active' } }, 'PARTNER_NOT_ENROLLED'],
    ['enrollment pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['enrollment qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
    ['no MPA', { mpaRegions: [] }, 'MPA_NOT_SIGNED'],
    ['outdated MPA', { mpaVersion: OLD_VERSION }, 'MPA_VERSION_OUTDATED'],
    ['no Partner ID', { partnerId: null }, 'PARTNER_ID_NOT_ASSOCIATED'],
  ])('provider %s → %s', (_n, o, code) => {
    expectOnly(decide({ provider: provider(o) }), code);
  });

  it('provider without MPA before 2020-02-01 → allowed', () => {
    expectAllowed(decide({ provider: provider({ mpaRegions: [] }) }, BEFORE_MPA));
  });

  // "Before you can start working with resellers, they must be enrolled as indirect resellers."
  it.each<[string, Overrides]>([
    ['not enrolled at all', { enrollments: {} }],
    ['enrolled as direct-bill only', { enrollments: { 'direct-bill': 'active' } }],
    ['enrolled as indirect provider only', { enrollments: { 'indirect-provider': 'active' } }],
    ['rejected', { status: 'rejected' }],
    ['declined', { status: 'declined' }],
  ])('the reseller %s → PARTNER_NOT_ENROLLED (scenario mpa), naming its tenant', (_n, o) => {
    const v = expectOnly(decide({ reseller: reseller(o) }), 'PARTNER_NOT_ENROLLED');
    expect(v.scenario).toBe('mpa');
    expect(v.message).toBe('Fabrikam Reseller is not enrolled as an indirect reseller.');
    remediesMatch(v, /enrolls its CSP tenant tenant-fabrikam-reseller as an indirect reseller/);
    remediesMatch(v, /must be enrolled/);
  });

  it.each<EnrollmentStatus>(['pending', 'qualified', 'active', 'restricted'])(
    'a %s reseller enrollment counts as enrolled: the invitation is allowed (readiness is judged at acceptance)',
    (status) => {
      expectAllowed(decide({ reseller: reseller({ status }) }));
    },
  );

  it('a reseller enrolled again after a rejection (pending) may be invited', () => {
    const r = reseller({ enrollments: { 'direct-bill': 'rejected', 'indirect-reseller': 'pending' } });
    expectAllowed(decide({ reseller: r }));
  });

  it('the invitee is not a CSP tenant → NOT_A_PARTNER_TENANT', () => {
    const v = expectOnly(decide({ reseller: reseller({ type: 'customer' }) }), 'NOT_A_PARTNER_TENANT');
    expect(v.scenario).toBe('1');
    remediesMatch(v, /CSP tenant/);
  });

  it('scenario 8: a reseller in another region → REGION_MISMATCH scenario 8', () => {
    const v = expectOnly(decide({ reseller: reseller({ country: 'US' }) }), 'REGION_MISMATCH');
    expect(v.scenario).toBe('8');
    expect(v.remedies).toHaveLength(2);
  });

  it.each<PartnershipState>(['invited', 'active', 'suspended'])(
    'an existing %s partnership → PARTNERSHIP_ALREADY_EXISTS',
    (existing) => {
      expectOnly(decide({ existing }), 'PARTNERSHIP_ALREADY_EXISTS');
    },
  );

  it.each<PartnershipState>(['declined', 'expired', 'ended'])(
    'after a %s one, a new invitation is allowed',
    (existing) => {
      expectAllowed(decide({ existing }));
    },
  );

  it('scenario 6: the reseller is already a customer of the provider → RELATIONSHIP_TYPE_CONFLICT', () => {
    expectScenario6(expectOnly(decide({ resellerIsCustomerOfProvider: true }), 'RELATIONSHIP_TYPE_CONFLICT'));
  });

  it('several broken at once → all of them', () => {
    expectAll(
      decide({
        actor: ANONYMOUS,
        provider: provider({ status: 'pending', mpaRegions: [] }),
        reseller: reseller({ country: 'US', type: 'customer' }),
        existing: 'active',
        resellerIsCustomerOfProvider: true,
      }),
      [
        'NOT_AUTHORIZED',
        'ENROLLMENT_NOT_VERIFIED',
        'MPA_NOT_SIGNED',
        'NOT_A_PARTNER_TENANT',
        'REGION_MISMATCH',
        'PARTNERSHIP_ALREADY_EXISTS',
        'RELATIONSHIP_TYPE_CONFLICT',
      ],
    );
    // A CSP tenant of another region that is not enrolled: both.
    expectAll(decide({ reseller: reseller({ country: 'US', enrollments: {} }) }), [
      'PARTNER_NOT_ENROLLED',
      'REGION_MISMATCH',
    ]);
  });
});

describe('decideAcceptPartnership', () => {
  const facts = (o: Partial<AcceptPartnershipFacts> = {}): AcceptPartnershipFacts => ({
    actor: user(reseller().tenantId, 'global-admin'),
    provider: provider(),
    reseller: reseller(),
    state: 'invited',
    resellerIsCustomerOfProvider: false,
    ...o,
  });
  const decide = (o: Partial<AcceptPartnershipFacts> = {}, now = NOW) =>
    decideAcceptPartnership(program, facts(o), now);

  it('all good → allowed', () => {
    expectAllowed(decide());
  });

  it.each<[string, Principal]>([
    ['an admin agent of the reseller', user(reseller().tenantId, 'admin-agent')],
    ["the provider's global admin", user(provider().tenantId, 'global-admin')],
    ['the program operator', operator()],
    ['the system', SYSTEM],
    ['nobody signed in', ANONYMOUS],
  ])("the actor is %s, not the reseller's global admin → NOT_AUTHORIZED", (_n, actor) => {
    const v = expectOnly(decide({ actor }), 'NOT_AUTHORIZED');
    remediesMatch(v, new RegExp(`global admin of tenant ${reseller().tenantId}`));
  });

  it('an expired invitation → INVITATION_EXPIRED', () => {
    const v = expectOnly(decide({ state: 'expired' }), 'INVITATION_EXPIRED');
    remediesMatch(v, /new invitation/);
  });

  it.each<PartnershipState>(['declined', 'active', 'suspended', 'ended', 'none'])(
    'a %s partnership → INVALID_TRANSITION',
    (state) => {
      expectOnly(decide({ state }), 'INVALID_TRANSITION');
    },
  );

  it('the reseller has not signed the MPA → RESELLER_MPA_NOT_SIGNED', () => {
    const v = expectOnly(decide({ reseller: reseller({ mpaRegions: [] }) }), 'RESELLER_MPA_NOT_SIGNED');
    expect(v.scenario).toBe('mpa');
    remediesMatch(v, /tenant-fabrikam-reseller.*region europe/);
  });

  it("the reseller's MPA is outdated → RESELLER_MPA_NOT_SIGNED", () => {
    expectOnly(decide({ reseller: reseller({ mpaVersion: OLD_VERSION }) }), 'RESELLER_MPA_NOT_SIGNED');
  });

  it.each<[string, Overrides, Code]>([
    ['not enrolled as a reseller', { enrollments: {} }, 'PARTNER_NOT_ENROLLED'],
    ['enrolled as direct-bill only', { enrollments: { 'direct-bill': 'active' } }, 'PARTNER_NOT_ENROLLED'],
    ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
    ['not onboarded', { type: 'customer' }, 'PARTNER_NOT_ONBOARDED'],
  ])('the reseller is %s → %s', (_n, o, code) => {
    const r = reseller(o);
    expectOnly(decide({ reseller: r, actor: user(r.tenantId, 'global-admin') }), code);
  });

  it.each<[string, Overrides, Code]>([
    ['without MPA', { mpaRegions: [] }, 'MPA_NOT_SIGNED'],
    ['with an outdated MPA', { mpaVersion: OLD_VERSION }, 'MPA_VERSION_OUTDATED'],
    ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
  ])('the provider is %s → %s', (_n, o, code) => {
    expectOnly(decide({ provider: provider(o) }), code);
  });

  it('before 2020-02-01 neither needs the MPA', () => {
    expectAllowed(
      decide({ provider: provider({ mpaRegions: [] }), reseller: reseller({ mpaRegions: [] }) }, BEFORE_MPA),
    );
  });

  it('scenario 8: provider and reseller in different regions → REGION_MISMATCH scenario 8', () => {
    const r = reseller({ country: 'US' });
    const v = expectOnly(decide({ reseller: r, actor: user(r.tenantId, 'global-admin') }), 'REGION_MISMATCH');
    expect(v.scenario).toBe('8');
  });

  it('scenario 6: the reseller is a customer of the provider → RELATIONSHIP_TYPE_CONFLICT', () => {
    expectScenario6(expectOnly(decide({ resellerIsCustomerOfProvider: true }), 'RELATIONSHIP_TYPE_CONFLICT'));
  });

  it('several broken at once → all of them', () => {
    expectAll(
      decide({
        actor: operator(),
        state: 'expired',
        reseller: reseller({ country: 'US', mpaRegions: [] }),
        provider: provider({ status: 'qualified' }),
        resellerIsCustomerOfProvider: true,
      }),
      [
        'NOT_AUTHORIZED',
        'INVITATION_EXPIRED',
        'RESELLER_MPA_NOT_SIGNED',
        'ENROLLMENT_NOT_ACTIVE',
        'REGION_MISMATCH',
        'RELATIONSHIP_TYPE_CONFLICT',
      ],
    );
  });
});

describe('decideEndPartnership', () => {
  const selfService = withPolicies({ partnershipEnding: 'self-service' });
  const facts = (o: Partial<EndPartnershipFacts> = {}): EndPartnershipFacts => ({
    actor: operator(),
    provider: provider(),
    state: 'active',
    viaSupportRequest: true,
    ...o,
  });
  const providerAdmin = user(provider().tenantId, 'global-admin');

  it('the seed default is a support request', () => {
    expect(program.policies.partnershipEnding).toBe('support');
  });

  it.each<PartnershipState>(['active', 'suspended'])(
    'all good (support policy, operator resolving a support request, %s) → allowed',
    (state) => {
      expectAllowed(decideEndPartnership(program, facts({ state })));
    },
  );

  it('support policy, the provider ends it itself → TERMINATION_REQUIRES_SUPPORT', () => {
    const v = expectOnly(
      decideEndPartnership(program, facts({ actor: providerAdmin, viaSupportRequest: false })),
      'TERMINATION_REQUIRES_SUPPORT',
    );
    expect(v.scenario).toBe('6');
    remediesMatch(v, /support request/);
    // Even the operator goes through a support request under this policy.
    expectOnly(
      decideEndPartnership(program, facts({ viaSupportRequest: false })),
      'TERMINATION_REQUIRES_SUPPORT',
    );
  });

  it.each<[string, Principal]>([
    ["the provider's global admin", providerAdmin],
    ["the reseller's global admin", user(reseller().tenantId, 'global-admin')],
    ['nobody signed in', ANONYMOUS],
  ])('a support request resolved by %s (not an operator) → NOT_AUTHORIZED', (_n, actor) => {
    for (const p of [program, selfService]) {
      const v = expectOnly(decideEndPartnership(p, facts({ actor })), 'NOT_AUTHORIZED');
      expect(v.remedies.length).toBeGreaterThan(0);
    }
  });

  it('the system resolves support requests too', () => {
    expectAllowed(decideEndPartnership(program, facts({ actor: SYSTEM })));
  });

  it.each<[string, Principal]>([
    ['global admin', providerAdmin],
    ['admin agent', user(provider().tenantId, 'admin-agent')],
  ])('self-service: the provider %s ends it → allowed', (_n, actor) => {
    expectAllowed(decideEndPartnership(selfService, facts({ actor, viaSupportRequest: false })));
    expectAllowed(
      decideEndPartnership(selfService, facts({ actor, viaSupportRequest: false, state: 'suspended' })),
    );
  });

  it('self-service: a support request still works', () => {
    expectAllowed(decideEndPartnership(selfService, facts()));
  });

  it('self-service: the program operator (or the system) ends it directly → allowed', () => {
    for (const actor of [operator(), SYSTEM]) {
      expectAllowed(decideEndPartnership(selfService, facts({ actor, viaSupportRequest: false })));
      expectAllowed(
        decideEndPartnership(selfService, facts({ actor, viaSupportRequest: false, state: 'suspended' })),
      );
    }
    // Not under the seed's support policy: there the operator too resolves a support request.
    expectOnly(
      decideEndPartnership(program, facts({ actor: operator(), viaSupportRequest: false })),
      'TERMINATION_REQUIRES_SUPPORT',
    );
  });

  it.each<[string, Principal]>([
    ["the reseller's global admin", user(reseller().tenantId, 'global-admin')],
    ['a sales agent of the provider', user(provider().tenantId, 'sales-agent')],
  ])('self-service: %s → NOT_AUTHORIZED', (_n, actor) => {
    const v = expectOnly(
      decideEndPartnership(selfService, facts({ actor, viaSupportRequest: false })),
      'NOT_AUTHORIZED',
    );
    remediesMatch(v, new RegExp(provider().tenantId));
  });

  it.each<PartnershipState>(['ended', 'invited', 'declined', 'expired', 'none'])(
    'a %s partnership → INVALID_TRANSITION',
    (state) => {
      expectOnly(decideEndPartnership(program, facts({ state })), 'INVALID_TRANSITION');
      expectOnly(
        decideEndPartnership(selfService, facts({ state, actor: providerAdmin, viaSupportRequest: false })),
        'INVALID_TRANSITION',
      );
    },
  );

  it('several broken at once → all of them', () => {
    expectAll(decideEndPartnership(program, facts({ state: 'ended', actor: providerAdmin })), [
      'INVALID_TRANSITION',
      'NOT_AUTHORIZED',
    ]);
    expectAll(
      decideEndPartnership(
        program,
        facts({ state: 'invited', actor: providerAdmin, viaSupportRequest: false }),
      ),
      ['INVALID_TRANSITION', 'TERMINATION_REQUIRES_SUPPORT'],
    );
    expectAll(
      decideEndPartnership(
        selfService,
        facts({ state: 'ended', actor: user(reseller().tenantId, 'global-admin'), viaSupportRequest: false }),
      ),
      ['INVALID_TRANSITION', 'NOT_AUTHORIZED'],
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Customers.

describe('decideCustomerRelationship', () => {
  /** A reseller inviting its own customer. */
  const facts = (o: Partial<CustomerRelationshipFacts> = {}): CustomerRelationshipFacts => ({
    partner: reseller(),
    customer: tailspin(),
    viaReseller: undefined,
    partnershipWithReseller: 'none',
    existingRelationship: false,
    customerIsResellerOfPartner: false,
    customerAgreementAccepted: true,
    ...o,
  });
  /** A provider creating the customer on behalf of its reseller. */
  const viaFacts = (o: Partial<CustomerRelationshipFacts> = {}): CustomerRelationshipFacts =>
    facts({ partner: provider(), viaReseller: reseller(), partnershipWithReseller: 'active', ...o });
  const decide = (f: CustomerRelationshipFacts, now = NOW) => decideCustomerRelationship(program, f, now);

  it('all good: a reseller, a direct-bill partner, a provider through its reseller → allowed', () => {
    expectAllowed(decide(facts()));
    expectAllowed(decide(facts({ partner: direct() })));
    expectAllowed(decide(viaFacts()));
  });

  it('scenario 4: a partner-type tenant → PARTNER_TENANT_NOT_CUSTOMER_TYPE', () => {
    const v = expectOnly(
      decide(facts({ customer: tailspin({ type: 'partner' }) })),
      'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
    );
    expect(v.scenario).toBe('4');
    remediesMatch(v, /customer-type tenant/);
  });

  it('scenario 6: the customer is a reseller of this partner → RELATIONSHIP_TYPE_CONFLICT', () => {
    expectScenario6(
      expectOnly(decide(viaFacts({ customerIsResellerOfPartner: true })), 'RELATIONSHIP_TYPE_CONFLICT'),
    );
  });

  it('scenario 5: its own organization → SELF_DEALING; an affiliate → AFFILIATE_DEALING', () => {
    const self = expectOnly(
      decide(facts({ partner: reseller({ orgId: 'org-x' }), customer: tailspin({ orgId: 'org-x' }) })),
      'SELF_DEALING',
    );
    expect(self.scenario).toBe('5');
    expectOnly(
      decide(
        facts({
          partner: reseller({ affiliateGroupId: 'g' }),
          customer: tailspin({ affiliateGroupId: 'g' }),
        }),
      ),
      'AFFILIATE_DEALING',
    );
  });

  it("scenario 5 for the provider's reseller too", () => {
    expectOnly(
      decide(viaFacts({ viaReseller: reseller({ orgId: 'org-x' }), customer: tailspin({ orgId: 'org-x' }) })),
      'SELF_DEALING',
    );
    expectOnly(
      decide(
        viaFacts({
          viaReseller: reseller({ affiliateGroupId: 'g' }),
          customer: tailspin({ affiliateGroupId: 'g' }),
        }),
      ),
      'AFFILIATE_DEALING',
    );
  });

  it('scenario 7: a customer in another region → REGION_MISMATCH scenario 7', () => {
    const both = ['europe', 'united-states'];
    const v = expectOnly(
      decide(facts({ partner: reseller({ mpaRegions: both }), customer: tailspin({ country: 'US' }) })),
      'REGION_MISMATCH',
    );
    expect(v.scenario).toBe('7');
    // Through a reseller of another region (the provider itself in the customer's region).
    const usProvider = provider({ country: 'US' });
    const v2 = expectOnly(
      decide(
        viaFacts({
          partner: usProvider,
          viaReseller: reseller({ mpaRegions: both }),
          customer: tailspin({ country: 'US' }),
        }),
      ),
      'REGION_MISMATCH',
    );
    expect(v2.scenario).toBe('7');
  });

  describe('readiness is judged where the deal could happen', () => {
    it('same region: the MPA for the customer region (signed at home) → allowed', () => {
      expectAllowed(decide(facts({ partner: reseller({ mpaRegions: ['europe'] }), customer: tailspin() })));
    });

    it("another region: only REGION_MISMATCH, no MPA_NOT_SIGNED for the customer's region", () => {
      const v = expectOnly(
        decide(facts({ partner: reseller(), customer: tailspin({ country: 'US' }) })),
        'REGION_MISMATCH',
      );
      expect(v.scenario).toBe('7');
      // The provider and its reseller (both europe) with a US customer: two mismatches, no MPA.
      expectAll(decide(viaFacts({ customer: tailspin({ country: 'US' }) })), [
        'REGION_MISMATCH',
        'REGION_MISMATCH',
      ]);
    });

    it("another region, nothing signed at home: MPA_NOT_SIGNED names the partner's home region", () => {
      const d = decide(
        facts({ partner: reseller({ mpaRegions: [] }), customer: tailspin({ country: 'US' }) }),
      );
      expectAll(d, ['REGION_MISMATCH', 'MPA_NOT_SIGNED']);
      remediesMatch(violationOf(d, 'MPA_NOT_SIGNED'), /tenant-fabrikam-reseller .*for region europe/);
      const via = decide(
        viaFacts({ viaReseller: reseller({ mpaRegions: [] }), customer: tailspin({ country: 'US' }) }),
      );
      expectAll(via, ['REGION_MISMATCH', 'REGION_MISMATCH', 'RESELLER_MPA_NOT_SIGNED']);
      expect(violationOf(via, 'RESELLER_MPA_NOT_SIGNED').message).toContain('region europe');
    });

    it("same region elsewhere: a US tenant of an organization that signed only europe's MPA → MPA_NOT_SIGNED for united-states", () => {
      const us = reseller({ country: 'US', mpaRegions: ['europe'] });
      const d = decide(facts({ partner: us, customer: tailspin({ country: 'US' }) }));
      const v = expectOnly(d, 'MPA_NOT_SIGNED');
      expect(v.message).toContain('united-states');
      remediesMatch(v, /tenant-fabrikam-reseller .*for region united-states/);
    });
  });

  it.each<[string, Overrides, Code]>([
    ['not enrolled', { enrollments: {} }, 'PARTNER_NOT_ENROLLED'],
    ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
    ['without MPA', { mpaRegions: [] }, 'MPA_NOT_SIGNED'],
    ['with an outdated MPA', { mpaVersion: OLD_VERSION }, 'MPA_VERSION_OUTDATED'],
  ])('the inviting reseller is %s → %s', (_n, o, code) => {
    expectOnly(decide(facts({ partner: reseller(o) })), code);
  });

  it('a restricted direct-bill partner → DIRECT_BILL_RESTRICTED (no new customers)', () => {
    const v = expectOnly(
      decide(facts({ partner: direct({ status: 'restricted' }) })),
      'DIRECT_BILL_RESTRICTED',
    );
    expect(v.scenario).toBe('enrollment');
  });

  it('scenario 1: a provider without a reseller → UNSUPPORTED_CHAIN', () => {
    const v = expectOnly(decide(facts({ partner: provider() })), 'UNSUPPORTED_CHAIN');
    expect(v.scenario).toBe('1');
    remediesMatch(v, /on behalf of one of your indirect resellers/);
  });

  // Only an indirect provider serves a customer through a reseller: a direct-bill partner (or a
  // reseller) "serving a customer through a reseller" is not one of the two chains of scenario 1,
  // as decideOrderLine refuses the same chain (direct-bill + partner of record).
  it('scenario 1: a direct-bill partner serving the customer through a reseller → UNSUPPORTED_CHAIN', () => {
    const v = expectOnly(decide(viaFacts({ partner: direct() })), 'UNSUPPORTED_CHAIN');
    expect(v.scenario).toBe('1');
    expect(v.message).toBe(
      'Adatum Direct is a direct-bill partner: only an indirect provider serves a customer through an indirect reseller.',
    );
    expect(v.remedies).toEqual(['Establish the relationship without naming a reseller.']);
    // Without the reseller, the same direct-bill partner is allowed.
    expectAllowed(decide(facts({ partner: direct() })));
  });

  it('scenario 1: a reseller serving the customer through another reseller → UNSUPPORTED_CHAIN', () => {
    const other = partner({ legalName: 'Litware Reseller', country: 'FR', role: 'indirect-reseller' });
    const v = expectOnly(decide(viaFacts({ partner: reseller(), viaReseller: other })), 'UNSUPPORTED_CHAIN');
    expect(v.scenario).toBe('1');
    expect(v.message).toMatch(/^Fabrikam Reseller is an indirect reseller: only an indirect provider/);
    expect(v.remedies).toEqual(['Establish the relationship without naming a reseller.']);
  });

  it("the provider's reseller without MPA → RESELLER_MPA_NOT_SIGNED", () => {
    const v = expectOnly(
      decide(viaFacts({ viaReseller: reseller({ mpaRegions: [] }) })),
      'RESELLER_MPA_NOT_SIGNED',
    );
    remediesMatch(v, /tenant-fabrikam-reseller/);
    expectOnly(
      decide(viaFacts({ viaReseller: reseller({ mpaVersion: OLD_VERSION }) })),
      'RESELLER_MPA_NOT_SIGNED',
    );
  });

  it("the provider's reseller pending → ENROLLMENT_NOT_VERIFIED", () => {
    expectOnly(decide(viaFacts({ viaReseller: reseller({ status: 'pending' }) })), 'ENROLLMENT_NOT_VERIFIED');
  });

  it('the provider itself without MPA → MPA_NOT_SIGNED', () => {
    expectOnly(decide(viaFacts({ partner: provider({ mpaRegions: [] }) })), 'MPA_NOT_SIGNED');
  });

  it.each<PartnershipState>(['none', 'invited', 'declined', 'expired', 'ended'])(
    'provider and reseller partnership %s → NO_ACTIVE_PARTNERSHIP (invite remedy)',
    (partnershipWithReseller) => {
      const v = expectOnly(decide(viaFacts({ partnershipWithReseller })), 'NO_ACTIVE_PARTNERSHIP');
      expect(v.scenario).toBe('1');
      remediesMatch(v, /invites .* accepts/);
    },
  );

  it('a suspended partnership → NO_ACTIVE_PARTNERSHIP (reactivate remedy)', () => {
    const v = expectOnly(decide(viaFacts({ partnershipWithReseller: 'suspended' })), 'NO_ACTIVE_PARTNERSHIP');
    expect(v.remedies).toEqual(['Reactivate the partnership first.']);
  });

  it('the customer agreement not accepted → CUSTOMER_AGREEMENT_NOT_ACCEPTED', () => {
    const v = expectOnly(
      decide(facts({ customerAgreementAccepted: false })),
      'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
    );
    remediesMatch(v, /accepts the MCA/);
  });

  it('an existing relationship → CUSTOMER_RELATIONSHIP_ALREADY_EXISTS', () => {
    expectOnly(decide(facts({ existingRelationship: true })), 'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS');
  });

  it('before 2020-02-01 the MPA is not required', () => {
    expectAllowed(
      decide(
        viaFacts({ partner: provider({ mpaRegions: [] }), viaReseller: reseller({ mpaRegions: [] }) }),
        BEFORE_MPA,
      ),
    );
  });

  it('several broken at once → all of them', () => {
    expectAll(
      decide(
        facts({
          partner: provider({ status: 'pending', affiliateGroupId: 'g' }),
          customer: tailspin({ type: 'partner', affiliateGroupId: 'g' }),
          customerIsResellerOfPartner: true,
          customerAgreementAccepted: false,
          existingRelationship: true,
        }),
      ),
      [
        'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
        'RELATIONSHIP_TYPE_CONFLICT',
        'AFFILIATE_DEALING',
        'ENROLLMENT_NOT_VERIFIED',
        'UNSUPPORTED_CHAIN',
        'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
        'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS',
      ],
    );
    expectAll(
      decide(
        viaFacts({
          viaReseller: reseller({ country: 'US', mpaRegions: [], orgId: 'org-x' }),
          customer: tailspin({ orgId: 'org-x' }),
          partnershipWithReseller: 'suspended',
        }),
      ),
      ['SELF_DEALING', 'REGION_MISMATCH', 'RESELLER_MPA_NOT_SIGNED', 'NO_ACTIVE_PARTNERSHIP'],
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Orders.

describe('decideOrderLine', () => {
  /** Relationship 1: vendor → direct-bill → customer. */
  const directLine = (o: Partial<OrderLineFacts> = {}): OrderLineFacts => ({
    seller: direct(),
    customer: tailspin(),
    partnerOfRecord: undefined,
    sellerHasCustomerRelationship: true,
    partnerOfRecordHasCustomerRelationship: false,
    partnership: 'none',
    customerIsResellersCustomer: false,
    customerIsResellerOfSeller: false,
    ...o,
  });
  /** Relationship 2: vendor → provider → reseller (partner of record) → customer. */
  const indirectLine = (o: Partial<OrderLineFacts> = {}): OrderLineFacts => ({
    seller: provider(),
    customer: tailspin(),
    partnerOfRecord: reseller(),
    sellerHasCustomerRelationship: true,
    partnerOfRecordHasCustomerRelationship: true,
    partnership: 'active',
    customerIsResellersCustomer: true,
    customerIsResellerOfSeller: false,
    ...o,
  });
  const decide = (f: OrderLineFacts, now = NOW, p: Program = program) => decideOrderLine(p, f, now);

  describe('scenario 1: the supported chains', () => {
    it('vendor → direct-bill → customer (no partner of record) → allowed', () => {
      expectAllowed(decide(directLine()));
    });

    it('vendor → provider → reseller → customer (active reseller, partnership, relationship) → allowed', () => {
      expectAllowed(decide(indirectLine()));
    });

    it('a reseller as seller → UNSUPPORTED_CHAIN (the vendor never sells to an indirect reseller)', () => {
      const v = expectOnly(decide(directLine({ seller: reseller() })), 'UNSUPPORTED_CHAIN');
      expect(v.scenario).toBe('1');
      expect(v.message).toMatch(/indirect reseller/);
      remediesMatch(v, /indirect provider to place the order/);
    });

    it('a direct-bill partner naming a partner of record → UNSUPPORTED_CHAIN', () => {
      const v = expectOnly(
        decide(
          directLine({
            partnerOfRecord: reseller(),
            partnership: 'active',
            partnerOfRecordHasCustomerRelationship: true,
          }),
        ),
        'UNSUPPORTED_CHAIN',
      );
      expect(v.scenario).toBe('1');
      remediesMatch(v, /Drop the partner of record/);
    });

    it('a provider with no reseller at all → UNSUPPORTED_CHAIN', () => {
      const v = expectOnly(
        decide(
          indirectLine({
            partnerOfRecord: undefined,
            partnership: 'none',
            customerIsResellersCustomer: false,
          }),
        ),
        'UNSUPPORTED_CHAIN',
      );
      expect(v.scenario).toBe('1');
      remediesMatch(v, /naming that reseller as partner of record/);
    });

    it('a provider naming itself as partner of record → UNSUPPORTED_CHAIN', () => {
      const v = expectOnly(decide(indirectLine({ partnerOfRecord: provider() })), 'UNSUPPORTED_CHAIN');
      expect(v.scenario).toBe('1');
      remediesMatch(v, /indirect reseller's Partner ID/);
      // Another tenant carrying the provider's own Partner ID is the provider too.
      const sameId = reseller({ partnerId: provider().partnerId });
      expectOnly(decide(indirectLine({ partnerOfRecord: sameId })), 'UNSUPPORTED_CHAIN');
    });

    it("a provider selling to a reseller's customer without partner of record → PARTNER_ID_ON_RECORD_REQUIRED", () => {
      expect(program.policies.requirePartnerIdOnRecord).toBe(true);
      const v = expectOnly(
        decide(indirectLine({ partnerOfRecord: undefined })),
        'PARTNER_ID_ON_RECORD_REQUIRED',
      );
      expect(v.scenario).toBe('1');
      remediesMatch(v, /partnerIdOnRecord/);
    });

    it('… allowed when the program does not require the partner of record', () => {
      const lax = withPolicies({ requirePartnerIdOnRecord: false });
      expectAllowed(decide(indirectLine({ partnerOfRecord: undefined }), NOW, lax));
      // Still no chain without any reseller.
      expectOnly(
        decide(indirectLine({ partnerOfRecord: undefined, customerIsResellersCustomer: false }), NOW, lax),
        'UNSUPPORTED_CHAIN',
      );
    });
  });

  describe('the seller is ready for the customer region', () => {
    it.each<[string, Overrides, Code]>([
      ['not a CSP tenant', { type: 'customer' }, 'PARTNER_NOT_ONBOARDED'],
      ['without Partner ID', { partnerId: null }, 'PARTNER_ID_NOT_ASSOCIATED'],
      ['with a Partner ID of another country', { partnerIdCountry: 'DE' }, 'PARTNER_ID_COUNTRY_MISMATCH'],
      ['not enrolled', { enrollments: {} }, 'PARTNER_NOT_ENROLLED'],
      ['rejected', { status: 'rejected' }, 'PARTNER_NOT_ENROLLED'],
      ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
      ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
      ['restricted', { status: 'restricted' }, 'DIRECT_BILL_RESTRICTED'],
      ['outdated MPA', { mpaVersion: OLD_VERSION }, 'MPA_VERSION_OUTDATED'],
    ])('direct-bill seller %s → %s', (_n, o, code) => {
      expectOnly(decide(directLine({ seller: direct(o) })), code);
    });

    it('a restricted direct-bill partner: remedies name reinstatement and the indirect route', () => {
      const v = expectOnly(
        decide(directLine({ seller: direct({ status: 'restricted' }) })),
        'DIRECT_BILL_RESTRICTED',
      );
      expect(v.scenario).toBe('enrollment');
      remediesMatch(v, /reinstate/);
      remediesMatch(v, /indirect reseller/);
    });

    it('MPA not signed → MPA_NOT_SIGNED naming tenant and region', () => {
      const v = expectOnly(decide(directLine({ seller: direct({ mpaRegions: [] }) })), 'MPA_NOT_SIGNED');
      expect(v.scenario).toBe('mpa');
      remediesMatch(v, /tenant tenant-adatum-direct .*for region europe/);
    });

    it('a seller that signed for europe only, a customer in europe → allowed', () => {
      expectAllowed(
        decide(
          directLine({ seller: direct({ mpaRegions: ['europe'] }), customer: tailspin({ country: 'DE' }) }),
        ),
      );
    });

    it('a seller in europe, a customer in united-states → exactly REGION_MISMATCH (no MPA for the other region)', () => {
      const v = expectOnly(decide(directLine({ customer: tailspin({ country: 'US' }) })), 'REGION_MISMATCH');
      expect(v.scenario).toBe('7');
      // The provider and its reseller, both in europe: each reports the mismatch, nothing else.
      expectAll(decide(indirectLine({ customer: tailspin({ country: 'US' }) })), [
        'REGION_MISMATCH',
        'REGION_MISMATCH',
      ]);
    });

    it("across regions, readiness is judged in the seller's home region: its missing MPA names europe", () => {
      const d = decide(
        directLine({ seller: direct({ mpaRegions: [] }), customer: tailspin({ country: 'US' }) }),
      );
      expectAll(d, ['MPA_NOT_SIGNED', 'REGION_MISMATCH']);
      const mpa = violationOf(d, 'MPA_NOT_SIGNED');
      expect(mpa.message).toContain('europe');
      expect(mpa.message).not.toContain('united-states');
      remediesMatch(mpa, /tenant tenant-adatum-direct .*for region europe/);
    });

    it("same region: a US seller whose organization signed only europe's MPA, a US customer → MPA_NOT_SIGNED for united-states", () => {
      const d = decide(
        directLine({
          seller: direct({ country: 'US', mpaRegions: ['europe'] }),
          customer: tailspin({ country: 'US' }),
        }),
      );
      const mpa = expectOnly(d, 'MPA_NOT_SIGNED');
      expect(mpa.message).toContain('united-states');
      remediesMatch(mpa, /tenant tenant-adatum-direct .*for region united-states/);
    });

    it.each<[string, Overrides, Code]>([
      ['without MPA', { mpaRegions: [] }, 'MPA_NOT_SIGNED'],
      ['with an outdated MPA', { mpaVersion: OLD_VERSION }, 'MPA_VERSION_OUTDATED'],
      ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
      ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
    ])('provider seller %s → %s', (_n, o, code) => {
      expectOnly(decide(indirectLine({ seller: provider(o) })), code);
    });

    it('before 2020-02-01 no MPA is required (enforceMpaFromEffectiveDate); from then on it is', () => {
      const noMpa = indirectLine({
        seller: provider({ mpaRegions: [] }),
        partnerOfRecord: reseller({ mpaRegions: [] }),
      });
      expectAllowed(decide(noMpa, BEFORE_MPA));
      expectAllowed(decide(directLine({ seller: direct({ mpaVersion: OLD_VERSION }) }), BEFORE_MPA));
      expectAll(decide(noMpa, MPA_EFFECTIVE), ['MPA_NOT_SIGNED', 'RESELLER_MPA_NOT_SIGNED']);
      const strict = withPolicies({ enforceMpaFromEffectiveDate: false });
      expectAll(decide(noMpa, BEFORE_MPA, strict), ['MPA_NOT_SIGNED', 'RESELLER_MPA_NOT_SIGNED']);
    });
  });

  describe('the customer', () => {
    it('scenario 4: a partner-type tenant → PARTNER_TENANT_NOT_CUSTOMER_TYPE', () => {
      const v = expectOnly(
        decide(directLine({ customer: tailspin({ type: 'partner' }) })),
        'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
      );
      expect(v.scenario).toBe('4');
      remediesMatch(v, /customer-type tenant/);
      expectOnly(
        decide(indirectLine({ customer: tailspin({ type: 'vendor' }) })),
        'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
      );
    });

    it('scenario 5: the seller’s own organization → SELF_DEALING', () => {
      const v = expectOnly(
        decide(directLine({ seller: direct({ orgId: 'org-x' }), customer: tailspin({ orgId: 'org-x' }) })),
        'SELF_DEALING',
      );
      expect(v.scenario).toBe('5');
      remediesMatch(v, /unrelated/);
    });

    it('scenario 5: the seller’s affiliate → AFFILIATE_DEALING', () => {
      const v = expectOnly(
        decide(
          directLine({
            seller: direct({ affiliateGroupId: 'g' }),
            customer: tailspin({ affiliateGroupId: 'g' }),
          }),
        ),
        'AFFILIATE_DEALING',
      );
      expect(v.scenario).toBe('5');
      expectOnly(
        decide(
          indirectLine({
            seller: provider({ affiliateGroupId: 'g' }),
            customer: tailspin({ affiliateGroupId: 'g' }),
          }),
        ),
        'AFFILIATE_DEALING',
      );
    });

    it('scenario 6: the customer is a reseller of the seller → RELATIONSHIP_TYPE_CONFLICT (options 1–3)', () => {
      expectScenario6(
        expectOnly(decide(indirectLine({ customerIsResellerOfSeller: true })), 'RELATIONSHIP_TYPE_CONFLICT'),
      );
    });

    it('scenario 7: a customer in another region → REGION_MISMATCH scenario 7', () => {
      const v = expectOnly(
        decide(
          directLine({
            seller: direct({ mpaRegions: ['europe', 'united-states'] }),
            customer: tailspin({ country: 'US' }),
          }),
        ),
        'REGION_MISMATCH',
      );
      expect(v.scenario).toBe('7');
      remediesMatch(v, /united-states/);
    });

    it('the seller has no relationship with the customer → NO_CUSTOMER_RELATIONSHIP', () => {
      const v = expectOnly(
        decide(directLine({ sellerHasCustomerRelationship: false })),
        'NO_CUSTOMER_RELATIONSHIP',
      );
      expect(v.scenario).toBe('1');
      expect(v.remedies.length).toBeGreaterThan(0);
    });

    it.each<[string, string | null]>([
      ['never accepted', null],
      ['accepted an older version', OLD_VERSION],
    ])('the customer agreement %s → CUSTOMER_AGREEMENT_NOT_ACCEPTED', (_n, mcaVersion) => {
      const v = expectOnly(
        decide(directLine({ customer: tailspin({ mcaVersion }) })),
        'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
      );
      remediesMatch(v, new RegExp(`MCA version ${MCA_VERSION}`));
    });
  });

  describe('the partner of record', () => {
    it('without MPA → RESELLER_MPA_NOT_SIGNED', () => {
      const v = expectOnly(
        decide(indirectLine({ partnerOfRecord: reseller({ mpaRegions: [] }) })),
        'RESELLER_MPA_NOT_SIGNED',
      );
      expect(v.scenario).toBe('mpa');
      remediesMatch(v, /tenant-fabrikam-reseller .*region europe/);
      remediesMatch(v, /another indirect reseller/);
    });

    it('with an outdated MPA → RESELLER_MPA_NOT_SIGNED (not MPA_VERSION_OUTDATED)', () => {
      expectOnly(
        decide(indirectLine({ partnerOfRecord: reseller({ mpaVersion: OLD_VERSION }) })),
        'RESELLER_MPA_NOT_SIGNED',
      );
    });

    it.each<[string, Overrides, Code]>([
      ['not enrolled as reseller', { enrollments: { 'direct-bill': 'active' } }, 'PARTNER_NOT_ENROLLED'],
      ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
      ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
      ['without Partner ID', { partnerId: null }, 'PARTNER_ID_NOT_ASSOCIATED'],
    ])('%s → %s', (_n, o, code) => {
      expectOnly(decide(indirectLine({ partnerOfRecord: reseller(o) })), code);
    });

    it.each<PartnershipState>(['none', 'invited', 'declined', 'expired', 'ended', 'suspended'])(
      'partnership %s → NO_ACTIVE_PARTNERSHIP',
      (partnership) => {
        const v = expectOnly(decide(indirectLine({ partnership })), 'NO_ACTIVE_PARTNERSHIP');
        expect(v.scenario).toBe('1');
        expect(v.remedies.length).toBe(1);
      },
    );

    it('in another region than the customer → REGION_MISMATCH scenario 7', () => {
      const v = expectOnly(
        decide(
          indirectLine({
            partnerOfRecord: reseller({ country: 'US', mpaRegions: ['europe', 'united-states'] }),
          }),
        ),
        'REGION_MISMATCH',
      );
      expect(v.scenario).toBe('7');
      // Signed at home (united-states) only: still the mismatch alone, no MPA for europe.
      expectOnly(decide(indirectLine({ partnerOfRecord: reseller({ country: 'US' }) })), 'REGION_MISMATCH');
      // Signed nowhere: its MPA is asked for its home region.
      const d = decide(indirectLine({ partnerOfRecord: reseller({ country: 'US', mpaRegions: [] }) }));
      expectAll(d, ['REGION_MISMATCH', 'RESELLER_MPA_NOT_SIGNED']);
      expect(violationOf(d, 'RESELLER_MPA_NOT_SIGNED').message).toContain('region united-states');
    });

    it('scenario 5: selling to its own organization → SELF_DEALING; to an affiliate → AFFILIATE_DEALING', () => {
      expectOnly(
        decide(
          indirectLine({
            partnerOfRecord: reseller({ orgId: 'org-x' }),
            customer: tailspin({ orgId: 'org-x' }),
          }),
        ),
        'SELF_DEALING',
      );
      expectOnly(
        decide(
          indirectLine({
            partnerOfRecord: reseller({ affiliateGroupId: 'g' }),
            customer: tailspin({ affiliateGroupId: 'g' }),
          }),
        ),
        'AFFILIATE_DEALING',
      );
    });

    it('without a relationship with the customer → NO_CUSTOMER_RELATIONSHIP', () => {
      const v = expectOnly(
        decide(indirectLine({ partnerOfRecordHasCustomerRelationship: false })),
        'NO_CUSTOMER_RELATIONSHIP',
      );
      remediesMatch(v, /Fabrikam Reseller invites/);
    });
  });

  it('several broken at once (direct-bill) → all of them', () => {
    expectAll(
      decide(
        directLine({
          seller: direct({ status: 'pending', mpaRegions: [], orgId: 'org-x' }),
          customer: tailspin({ type: 'partner', orgId: 'org-x', mcaVersion: null }),
          customerIsResellerOfSeller: true,
          sellerHasCustomerRelationship: false,
        }),
      ),
      [
        'ENROLLMENT_NOT_VERIFIED',
        'MPA_NOT_SIGNED',
        'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
        'RELATIONSHIP_TYPE_CONFLICT',
        'SELF_DEALING',
        'NO_CUSTOMER_RELATIONSHIP',
        'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
      ],
    );
  });

  it('several broken at once (provider and partner of record) → all of them', () => {
    expectAll(
      decide(
        indirectLine({
          seller: provider({ mpaVersion: OLD_VERSION }),
          customer: tailspin({ country: 'US', affiliateGroupId: 'g' }),
          partnerOfRecord: reseller({ status: 'qualified', affiliateGroupId: 'g' }),
          partnership: 'suspended',
          partnerOfRecordHasCustomerRelationship: false,
        }),
      ),
      [
        // seller: its home (europe) MPA outdated, customer in another region
        'MPA_VERSION_OUTDATED',
        'REGION_MISMATCH',
        // partner of record: enrollment, partnership, region, affiliate, relationship (its MPA is
        // judged at home, in europe, where it is signed)
        'ENROLLMENT_NOT_ACTIVE',
        'NO_ACTIVE_PARTNERSHIP',
        'REGION_MISMATCH',
        'AFFILIATE_DEALING',
        'NO_CUSTOMER_RELATIONSHIP',
      ],
    );
  });

  it('several chain and readiness problems at once: a pending reseller as seller', () => {
    expectAll(
      decide(
        directLine({ seller: reseller({ status: 'pending' }), customer: tailspin({ mcaVersion: null }) }),
      ),
      ['UNSUPPORTED_CHAIN', 'ENROLLMENT_NOT_VERIFIED', 'CUSTOMER_AGREEMENT_NOT_ACCEPTED'],
    );
  });
});

describe('decideSetPartnerOfRecord', () => {
  const facts = (o: Partial<SetPartnerOfRecordFacts> = {}): SetPartnerOfRecordFacts => ({
    actor: user(provider().tenantId, 'global-admin'),
    provider: provider(),
    customer: tailspin(),
    partnerOfRecord: reseller(),
    partnership: 'active',
    partnerOfRecordHasCustomerRelationship: true,
    ...o,
  });
  const decide = (o: Partial<SetPartnerOfRecordFacts> = {}, now = NOW) =>
    decideSetPartnerOfRecord(program, facts(o), now);

  it('all good → allowed', () => {
    expectAllowed(decide());
  });

  it.each<[string, Principal]>([
    ['an admin agent', user(provider().tenantId, 'admin-agent')],
    ['a sales agent', user(provider().tenantId, 'sales-agent')],
    ['the operator', operator()],
    ['the system', SYSTEM],
  ])('%s may set it', (_n, actor) => {
    expectAllowed(decide({ actor }));
  });

  it.each<[string, Principal]>([
    ['a helpdesk agent of the provider', user(provider().tenantId, 'helpdesk-agent')],
    ["the reseller's global admin", user(reseller().tenantId, 'global-admin')],
    ['nobody signed in', ANONYMOUS],
  ])('%s → NOT_AUTHORIZED', (_n, actor) => {
    const v = expectOnly(decide({ actor }), 'NOT_AUTHORIZED');
    remediesMatch(v, new RegExp(provider().tenantId));
  });

  it('not an indirect provider → UNSUPPORTED_CHAIN (with a remedy) and PARTNER_NOT_ENROLLED as provider', () => {
    const d = direct();
    const decision = decide({ provider: d, actor: user(d.tenantId, 'global-admin') });
    expect(codes(decision)).toEqual(['UNSUPPORTED_CHAIN', 'PARTNER_NOT_ENROLLED']);
    const v = violationOf(decision, 'UNSUPPORTED_CHAIN');
    expect(v.scenario).toBe('1');
    expect(v.remedies).toEqual([
      'Let the indirect provider that placed the order name the partner of record.',
    ]);
    expect(violationOf(decision, 'PARTNER_NOT_ENROLLED').message).toContain('indirect-provider');
  });

  it.each<[string, Code, Overrides]>([
    ['pending', 'ENROLLMENT_NOT_VERIFIED', { status: 'pending' }],
    ['qualified', 'ENROLLMENT_NOT_ACTIVE', { status: 'qualified' }],
    ['without MPA', 'MPA_NOT_SIGNED', { mpaRegions: [] }],
    ['with an outdated MPA', 'MPA_VERSION_OUTDATED', { mpaVersion: OLD_VERSION }],
    ['without Partner ID', 'PARTNER_ID_NOT_ASSOCIATED', { partnerId: null }],
  ])('the provider itself %s → %s', (_n, code, o) => {
    expectOnly(decide({ provider: provider(o) }), code);
  });

  it("the provider's MPA: not before 2020-02-01; for the customer's region, or its home region across regions", () => {
    expectAllowed(decide({ provider: provider({ mpaRegions: [] }) }, BEFORE_MPA));
    const mpa = expectOnly(decide({ provider: provider({ mpaRegions: [] }) }), 'MPA_NOT_SIGNED');
    remediesMatch(mpa, /tenant-northwind-distribution .*for region europe/);
    // A US customer (with a US reseller): the provider's missing MPA is asked for europe, its home.
    const d = decide({
      provider: provider({ mpaRegions: [] }),
      customer: tailspin({ country: 'US' }),
      partnerOfRecord: reseller({ country: 'US' }),
    });
    // …and the provider itself is in another region than the customer (scenario 7).
    expectAll(d, ['MPA_NOT_SIGNED', 'REGION_MISMATCH']);
    remediesMatch(violationOf(d, 'MPA_NOT_SIGNED'), /for region europe/);
    expect(violationOf(d, 'REGION_MISMATCH').scenario).toBe('7');
  });

  it('the provider names itself → UNSUPPORTED_CHAIN', () => {
    const v = expectOnly(decide({ partnerOfRecord: provider() }), 'UNSUPPORTED_CHAIN');
    remediesMatch(v, /indirect reseller's Partner ID/);
  });

  it('the reseller without MPA, or with an outdated one → RESELLER_MPA_NOT_SIGNED', () => {
    const v = expectOnly(
      decide({ partnerOfRecord: reseller({ mpaRegions: [] }) }),
      'RESELLER_MPA_NOT_SIGNED',
    );
    remediesMatch(v, /tenant-fabrikam-reseller .*region europe/);
    expectOnly(decide({ partnerOfRecord: reseller({ mpaVersion: OLD_VERSION }) }), 'RESELLER_MPA_NOT_SIGNED');
    expectAllowed(decide({ partnerOfRecord: reseller({ mpaRegions: [] }) }, BEFORE_MPA));
  });

  it('the reseller pending → ENROLLMENT_NOT_VERIFIED', () => {
    expectOnly(decide({ partnerOfRecord: reseller({ status: 'pending' }) }), 'ENROLLMENT_NOT_VERIFIED');
  });

  it('no active partnership → NO_ACTIVE_PARTNERSHIP', () => {
    expectOnly(decide({ partnership: 'none' }), 'NO_ACTIVE_PARTNERSHIP');
    const v = expectOnly(decide({ partnership: 'suspended' }), 'NO_ACTIVE_PARTNERSHIP');
    remediesMatch(v, /Reactivate/);
  });

  it('the reseller in another region than the customer → REGION_MISMATCH scenario 7', () => {
    const v = expectOnly(
      decide({ partnerOfRecord: reseller({ country: 'US', mpaRegions: ['europe', 'united-states'] }) }),
      'REGION_MISMATCH',
    );
    expect(v.scenario).toBe('7');
  });

  it('scenario 5 for the reseller: SELF_DEALING, AFFILIATE_DEALING', () => {
    expectOnly(
      decide({ partnerOfRecord: reseller({ orgId: 'org-x' }), customer: tailspin({ orgId: 'org-x' }) }),
      'SELF_DEALING',
    );
    expectOnly(
      decide({
        partnerOfRecord: reseller({ affiliateGroupId: 'g' }),
        customer: tailspin({ affiliateGroupId: 'g' }),
      }),
      'AFFILIATE_DEALING',
    );
  });

  it('the reseller has no relationship with the customer → NO_CUSTOMER_RELATIONSHIP', () => {
    expectOnly(decide({ partnerOfRecordHasCustomerRelationship: false }), 'NO_CUSTOMER_RELATIONSHIP');
  });

  it('several broken at once → all of them', () => {
    const d = direct();
    expectAll(
      decide({
        actor: user(reseller().tenantId, 'global-admin'),
        provider: d,
        partnerOfRecord: reseller({ mpaRegions: [], orgId: 'org-x' }),
        customer: tailspin({ orgId: 'org-x' }),
        partnership: 'ended',
        partnerOfRecordHasCustomerRelationship: false,
      }),
      [
        'NOT_AUTHORIZED',
        'UNSUPPORTED_CHAIN',
        'PARTNER_NOT_ENROLLED',
        'RESELLER_MPA_NOT_SIGNED',
        'NO_ACTIVE_PARTNERSHIP',
        'SELF_DEALING',
        'NO_CUSTOMER_RELATIONSHIP',
      ],
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Delegated admin.

describe('decideApproveAdminRelationship', () => {
  const facts = (o: Partial<ApproveAdminRelationshipFacts> = {}): ApproveAdminRelationshipFacts => ({
    actor: user(tailspin().tenantId, 'global-admin'),
    customer: tailspin(),
    partner: reseller(),
    state: 'approvalPending',
    ...o,
  });
  const decide = (o: Partial<ApproveAdminRelationshipFacts> = {}) =>
    decideApproveAdminRelationship(program, facts(o), NOW);

  it('all good → allowed (for a reseller, a provider, a direct-bill partner)', () => {
    expectAllowed(decide());
    expectAllowed(decide({ partner: provider() }));
    expectAllowed(decide({ partner: direct() }));
  });

  it.each<[string, Principal]>([
    ["the partner's global admin", user(reseller().tenantId, 'global-admin')],
    ['the operator', operator()],
    ['the system', SYSTEM],
    ['nobody signed in', ANONYMOUS],
  ])("%s, not the customer's global admin → NOT_AUTHORIZED", (_n, actor) => {
    const v = expectOnly(decide({ actor }), 'NOT_AUTHORIZED');
    remediesMatch(v, new RegExp(tailspin().tenantId));
  });

  it.each(['created', 'active', 'expiring', 'expired', 'terminated'])(
    'state %s → INVALID_TRANSITION',
    (state) => {
      expectOnly(decide({ state }), 'INVALID_TRANSITION');
    },
  );

  it.each<[string, Overrides, Code]>([
    ['not a CSP tenant', { type: 'customer' }, 'PARTNER_NOT_ONBOARDED'],
    ['without Partner ID', { partnerId: null }, 'PARTNER_ID_NOT_ASSOCIATED'],
    ['not enrolled', { enrollments: {} }, 'PARTNER_NOT_ENROLLED'],
    ['pending', { status: 'pending' }, 'ENROLLMENT_NOT_VERIFIED'],
    ['qualified', { status: 'qualified' }, 'ENROLLMENT_NOT_ACTIVE'],
  ])('the partner %s → %s', (_n, o, code) => {
    expectOnly(decide({ partner: reseller(o) }), code);
  });

  it('a restricted direct-bill partner → DIRECT_BILL_RESTRICTED', () => {
    expectOnly(decide({ partner: direct({ status: 'restricted' }) }), 'DIRECT_BILL_RESTRICTED');
  });

  it('managing (scenario 3) does not need the MPA: missing or outdated → allowed', () => {
    expectAllowed(decide({ partner: reseller({ mpaRegions: [] }) }));
    expectAllowed(decide({ partner: reseller({ mpaVersion: OLD_VERSION }) }));
  });

  it('several broken at once → all of them', () => {
    expectAll(
      decide({
        actor: ANONYMOUS,
        state: 'terminated',
        partner: reseller({ partnerId: null, status: 'pending' }),
      }),
      ['NOT_AUTHORIZED', 'INVALID_TRANSITION', 'PARTNER_ID_NOT_ASSOCIATED', 'ENROLLMENT_NOT_VERIFIED'],
    );
  });
});

// -------------------------------------------------------------------------------------------------
// Properties over random facts.

describe('properties', () => {
  const RUNS = { numRuns: 500 };
  const COUNTRIES = ['DE', 'FR', 'IT', 'US', 'JP', 'XX'] as const;
  const REGIONS = ['europe', 'united-states', 'japan'] as const;
  const PARTIES = [provider(), reseller(), direct()];
  const TENANT_IDS = [...PARTIES.map((p) => p.tenantId), tailspin().tenantId, 't-other'];
  const ORG_IDS = [...PARTIES.map((p) => p.organizationId), tailspin().organizationId, 'org-other'];
  const PARTNER_IDS = [...PARTIES.map((p) => p.partnerId), 1_000_001];

  /**
   * Facts around a good value: the value itself, the value with ONE field replaced by an
   * alternative, or with several fields replaced at once; `fix` restores derived fields.
   */
  function around<T extends object>(
    good: T,
    alts: Partial<{ [K in keyof T]: fc.Arbitrary<T[K]> }>,
    fix: (t: T) => T = (t) => t,
  ): fc.Arbitrary<T> {
    const entries = Object.entries(alts) as [string, fc.Arbitrary<unknown>][];
    const one = fc.oneof(...entries.map(([k, arb]) => arb.map((v) => fix({ ...good, [k]: v }))));
    const model = Object.fromEntries(
      Object.entries(good).map(([k, v]) => {
        const alt = (alts as Record<string, fc.Arbitrary<unknown>>)[k];
        return [
          k,
          alt
            ? fc.oneof({ weight: 2, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: alt })
            : fc.constant(v),
        ];
      }),
    );
    const many = fc.record(model).map((t) => fix(t as unknown as T));
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(good) },
      { weight: 3, arbitrary: one },
      { weight: 2, arbitrary: many },
    );
  }

  const withRegion = <T extends TenantFacts>(t: T): T => ({ ...t, region: regionOf(t.country) });
  const statusArb = fc.constantFrom<EnrollmentStatus>(...ENROLLMENT_STATUSES);
  const enrollmentsArb: fc.Arbitrary<PartnerFacts['enrollments']> = fc
    .record({
      roles: fc.subarray([...PROGRAM_ROLES]),
      statuses: fc.array(statusArb, { minLength: 3, maxLength: 3 }),
    })
    .map(({ roles, statuses }) =>
      Object.fromEntries(roles.map((r, i) => [r, { id: `enr-${r}`, status: statuses[i] ?? 'active' }])),
    );
  const agreementsArb: fc.Arbitrary<PartnerFacts['partnerAgreements']> = fc
    .record({ regions: fc.subarray([...REGIONS]), version: fc.constantFrom(MPA_VERSION, OLD_VERSION) })
    .map(({ regions, version }) => Object.fromEntries(regions.map((r) => [r, version])));

  /** A partner: a good one, slightly or heavily altered. */
  const party = (good: PartnerFacts): fc.Arbitrary<PartnerFacts> =>
    around<PartnerFacts>(
      good,
      {
        tenantId: fc.constantFrom(...TENANT_IDS),
        type: fc.constantFrom('partner', 'customer', 'vendor'),
        country: fc.constantFrom(...COUNTRIES),
        organizationId: fc.constantFrom(...ORG_IDS),
        affiliateGroupId: fc.constantFrom(null, 'grp-1'),
        partnerId: fc.constantFrom(null, ...PARTNER_IDS),
        partnerIdCountry: fc.constantFrom(null, ...COUNTRIES),
        enrollments: enrollmentsArb,
        partnerAgreements: agreementsArb,
      },
      withRegion,
    );
  const customerArb = around<CustomerFacts>(
    tailspin(),
    {
      tenantId: fc.constantFrom(...TENANT_IDS),
      type: fc.constantFrom('partner', 'customer', 'vendor'),
      country: fc.constantFrom(...COUNTRIES),
      organizationId: fc.constantFrom(...ORG_IDS),
      affiliateGroupId: fc.constantFrom(null, 'grp-1'),
      customerAgreementVersion: fc.constantFrom(null, OLD_VERSION),
    },
    withRegion,
  );
  const anyParty = fc.oneof(...PARTIES.map(party));
  const principalArb: fc.Arbitrary<Principal> = fc.oneof(
    fc
      .record({
        tenantId: fc.constantFrom(...TENANT_IDS, 'tenant-vendor'),
        roles: fc.subarray([...USER_ROLES]),
      })
      .map(({ tenantId, roles }) => user(tenantId, ...roles)),
    fc.constant(SYSTEM),
    fc.constant(ANONYMOUS),
  );
  const stateArb = fc.constantFrom<PartnershipState>(
    'none',
    'invited',
    'declined',
    'expired',
    'active',
    'suspended',
    'ended',
  );
  const programArb = fc.oneof(
    { weight: 3, arbitrary: fc.constant(program) },
    { weight: 1, arbitrary: fc.constant(withPolicies({ partnershipEnding: 'self-service' })) },
    { weight: 1, arbitrary: fc.constant(withPolicies({ requirePartnerIdOnRecord: false })) },
    { weight: 1, arbitrary: fc.constant(withPolicies({ enforceMpaFromEffectiveDate: false })) },
  );
  const nowArb = fc.oneof(
    { weight: 4, arbitrary: fc.constant(NOW) },
    {
      weight: 1,
      arbitrary: fc.date({
        min: new Date('2019-06-01T00:00:00Z'),
        max: new Date('2027-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
    },
  );
  /** Sometimes the customer belongs to the seller's organization or affiliate group. */
  const relateArb = fc.constantFrom('none', 'none', 'none', 'none', 'same-org', 'same-group');
  function relate<S extends TenantFacts, C extends TenantFacts>(seller: S, c: C, how: string): [S, C] {
    if (how === 'same-org') return [seller, { ...c, organizationId: seller.organizationId }];
    if (how === 'same-group')
      return [
        { ...seller, affiliateGroupId: 'grp-shared' },
        { ...c, affiliateGroupId: 'grp-shared' },
      ];
    return [seller, c];
  }

  /** (1) allowed iff no violation; (4) same input → deep-equal output, input untouched. */
  function checkDecision<F>(decide: (f: F) => Decision, f: F): Decision {
    const before = structuredClone(f);
    const d = decide(f);
    expect(d.allowed).toBe(d.violations.length === 0);
    expect(decide(structuredClone(f))).toEqual(d);
    expect(f).toEqual(before);
    return d;
  }

  const sharesOrganization = (a: TenantFacts, b: TenantFacts) =>
    a.organizationId === b.organizationId ||
    (a.affiliateGroupId !== null && a.affiliateGroupId === b.affiliateGroupId);

  const directLineGood: OrderLineFacts = {
    seller: direct(),
    customer: tailspin(),
    partnerOfRecord: undefined,
    sellerHasCustomerRelationship: true,
    partnerOfRecordHasCustomerRelationship: false,
    partnership: 'none',
    customerIsResellersCustomer: false,
    customerIsResellerOfSeller: false,
  };
  const indirectLineGood: OrderLineFacts = {
    ...directLineGood,
    seller: provider(),
    partnerOfRecord: reseller(),
    partnerOfRecordHasCustomerRelationship: true,
    partnership: 'active',
    customerIsResellersCustomer: true,
  };
  const orderLineAlts = {
    seller: anyParty,
    customer: customerArb,
    partnerOfRecord: fc.option(anyParty, { nil: undefined }),
    sellerHasCustomerRelationship: fc.boolean(),
    partnerOfRecordHasCustomerRelationship: fc.boolean(),
    partnership: stateArb,
    customerIsResellersCustomer: fc.boolean(),
    customerIsResellerOfSeller: fc.boolean(),
  };
  const orderLineArb: fc.Arbitrary<OrderLineFacts> = fc
    .tuple(
      fc.oneof(around(directLineGood, orderLineAlts), around(indirectLineGood, orderLineAlts)),
      relateArb,
    )
    .map(([f, how]) => {
      const [seller, c] = relate(f.seller, f.customer, how);
      return { ...f, seller, customer: c };
    });

  it('decideOrderLine: consistent, deterministic; never across regions, to a non-customer tenant, to self or affiliate, without the current MCA', () => {
    let allowed = 0;
    fc.assert(
      fc.property(programArb, nowArb, orderLineArb, (p, now, f) => {
        const d = checkDecision((x: OrderLineFacts) => decideOrderLine(p, x, now), f);
        if (d.allowed) allowed++;
        const c = codes(d);
        if (f.seller.region === undefined || f.seller.region !== f.customer.region) {
          expect(d.allowed).toBe(false);
          expect(c).toContain('REGION_MISMATCH');
        }
        if (f.customer.type !== 'customer') {
          expect(d.allowed).toBe(false);
          expect(c).toContain('PARTNER_TENANT_NOT_CUSTOMER_TYPE');
        }
        if (sharesOrganization(f.seller, f.customer)) {
          expect(d.allowed).toBe(false);
          expect(c.some((x) => x === 'SELF_DEALING' || x === 'AFFILIATE_DEALING')).toBe(true);
        }
        if (f.customer.customerAgreementVersion !== p.agreements.customer.version) {
          expect(d.allowed).toBe(false);
          expect(c).toContain('CUSTOMER_AGREEMENT_NOT_ACCEPTED');
        }
        if (f.customerIsResellerOfSeller) expect(c).toContain('RELATIONSHIP_TYPE_CONFLICT');
      }),
      RUNS,
    );
    // The generator reaches allowed order lines too (otherwise (1) would be vacuous).
    expect(allowed).toBeGreaterThan(25);
  });

  it('decideOrderLine: allowed only along a supported chain (scenario 1)', () => {
    fc.assert(
      fc.property(programArb, nowArb, orderLineArb, (p, now, f) => {
        const d = decideOrderLine(p, f, now);
        if (!d.allowed) return;
        const role = sellingRole(f.seller);
        if (role === 'direct-bill') {
          expect(f.partnerOfRecord).toBeUndefined();
          return;
        }
        expect(role).toBe('indirect-provider');
        if (f.partnerOfRecord) {
          expect(f.partnerOfRecord.tenantId).not.toBe(f.seller.tenantId);
          expect(f.partnership).toBe('active');
          expect(f.partnerOfRecordHasCustomerRelationship).toBe(true);
          expect(f.partnerOfRecord.region).toBe(f.customer.region);
        } else {
          expect(f.customerIsResellersCustomer).toBe(true);
          expect(p.policies.requirePartnerIdOnRecord).toBe(false);
        }
      }),
      RUNS,
    );
  });

  const acceptGood: AcceptPartnershipFacts = {
    actor: user(reseller().tenantId, 'global-admin'),
    provider: provider(),
    reseller: reseller(),
    state: 'invited',
    resellerIsCustomerOfProvider: false,
  };

  it('decideAcceptPartnership: consistent, deterministic; never across regions (scenario 8)', () => {
    let allowed = 0;
    const arb = around(acceptGood, {
      actor: principalArb,
      provider: party(provider()),
      reseller: party(reseller()),
      state: stateArb,
      resellerIsCustomerOfProvider: fc.boolean(),
    });
    fc.assert(
      fc.property(programArb, nowArb, arb, (p, now, f) => {
        const d = checkDecision((x: AcceptPartnershipFacts) => decideAcceptPartnership(p, x, now), f);
        if (d.allowed) allowed++;
        if (f.provider.region === undefined || f.provider.region !== f.reseller.region) {
          expect(d.allowed).toBe(false);
          expect(d.violations.some((v) => v.code === 'REGION_MISMATCH' && v.scenario === '8')).toBe(true);
        }
        if (f.resellerIsCustomerOfProvider) expect(d.allowed).toBe(false);
      }),
      RUNS,
    );
    expect(allowed).toBeGreaterThan(25);
  });

  it('decideInvitePartnership: consistent, deterministic; never across regions', () => {
    const arb = around<InvitePartnershipFacts>(
      {
        ...acceptGood,
        actor: user(provider().tenantId, 'global-admin'),
        existing: 'none',
      } as InvitePartnershipFacts,
      {
        actor: principalArb,
        provider: party(provider()),
        reseller: party(reseller()),
        existing: stateArb,
        resellerIsCustomerOfProvider: fc.boolean(),
      },
    );
    fc.assert(
      fc.property(programArb, nowArb, arb, (p, now, f) => {
        const d = checkDecision((x: InvitePartnershipFacts) => decideInvitePartnership(p, x, now), f);
        if (f.provider.region === undefined || f.provider.region !== f.reseller.region)
          expect(d.allowed).toBe(false);
        // Only an enrolled indirect reseller (not rejected or declined) is invited.
        if (f.reseller.type === 'partner' && !enrolledAs(f.reseller, 'indirect-reseller')) {
          expect(d.allowed).toBe(false);
          expect(codes(d)).toContain('PARTNER_NOT_ENROLLED');
        }
      }),
      RUNS,
    );
  });

  it('decideEndPartnership: consistent, deterministic; only an open partnership ends', () => {
    const arb = around<EndPartnershipFacts>(
      { actor: operator(), provider: provider(), state: 'active', viaSupportRequest: true },
      { actor: principalArb, provider: party(provider()), state: stateArb, viaSupportRequest: fc.boolean() },
    );
    fc.assert(
      fc.property(programArb, arb, (p, f) => {
        const d = checkDecision((x: EndPartnershipFacts) => decideEndPartnership(p, x), f);
        if (f.state !== 'active' && f.state !== 'suspended') expect(d.allowed).toBe(false);
        if (!f.viaSupportRequest && p.policies.partnershipEnding === 'support') expect(d.allowed).toBe(false);
      }),
      RUNS,
    );
  });

  it('decideCustomerRelationship: consistent, deterministic; never across regions, to a non-customer tenant or to self', () => {
    const good: CustomerRelationshipFacts = {
      partner: provider(),
      customer: tailspin(),
      viaReseller: reseller(),
      partnershipWithReseller: 'active',
      existingRelationship: false,
      customerIsResellerOfPartner: false,
      customerAgreementAccepted: true,
    };
    const alts = {
      partner: anyParty,
      customer: customerArb,
      viaReseller: fc.option(anyParty, { nil: undefined }),
      partnershipWithReseller: stateArb,
      existingRelationship: fc.boolean(),
      customerIsResellerOfPartner: fc.boolean(),
      customerAgreementAccepted: fc.boolean(),
    };
    const arb = fc
      .tuple(
        fc.oneof(
          around<CustomerRelationshipFacts>(good, alts),
          around<CustomerRelationshipFacts>(
            { ...good, partner: reseller(), viaReseller: undefined, partnershipWithReseller: 'none' },
            alts,
          ),
        ),
        relateArb,
      )
      .map(([f, how]) => {
        const [partner, c] = relate(f.partner, f.customer, how);
        return { ...f, partner, customer: c };
      });
    fc.assert(
      fc.property(programArb, nowArb, arb, (p, now, f) => {
        const d = checkDecision((x: CustomerRelationshipFacts) => decideCustomerRelationship(p, x, now), f);
        if (f.partner.region === undefined || f.partner.region !== f.customer.region)
          expect(d.allowed).toBe(false);
        if (f.viaReseller && f.viaReseller.region !== f.customer.region) expect(d.allowed).toBe(false);
        if (f.customer.type !== 'customer') expect(d.allowed).toBe(false);
        if (sharesOrganization(f.partner, f.customer)) expect(d.allowed).toBe(false);
        // Scenario 1: through a reseller only as an indirect provider, and a provider only so.
        const role = sellingRole(f.partner) ?? 'indirect-reseller';
        if ((role === 'indirect-provider') !== (f.viaReseller !== undefined))
          expect(codes(d)).toContain('UNSUPPORTED_CHAIN');
        // Across regions, never an agreement asked for the customer's region.
        if (f.partner.region !== f.customer.region && f.customer.region !== undefined) {
          const mpa = d.violations.filter(
            (v) => v.code === 'MPA_NOT_SIGNED' || v.code === 'MPA_VERSION_OUTDATED',
          );
          for (const v of mpa) expect(v.message).not.toContain(f.customer.region);
        }
      }),
      RUNS,
    );
  });

  it('decideSetPartnerOfRecord: consistent, deterministic; needs an active partnership', () => {
    const arb = around<SetPartnerOfRecordFacts>(
      {
        actor: user(provider().tenantId, 'global-admin'),
        provider: provider(),
        customer: tailspin(),
        partnerOfRecord: reseller(),
        partnership: 'active',
        partnerOfRecordHasCustomerRelationship: true,
      },
      {
        actor: principalArb,
        provider: party(provider()),
        customer: customerArb,
        partnerOfRecord: anyParty,
        partnership: stateArb,
        partnerOfRecordHasCustomerRelationship: fc.boolean(),
      },
    );
    fc.assert(
      fc.property(programArb, nowArb, arb, (p, now, f) => {
        const d = checkDecision((x: SetPartnerOfRecordFacts) => decideSetPartnerOfRecord(p, x, now), f);
        if (f.partnership !== 'active') expect(d.allowed).toBe(false);
        if (f.partnerOfRecord.region !== f.customer.region) expect(d.allowed).toBe(false);
        // The provider itself is an active indirect provider.
        if (d.allowed) expect(f.provider.enrollments['indirect-provider']?.status).toBe('active');
      }),
      RUNS,
    );
  });

  it('decideApproveAdminRelationship: consistent, deterministic; only a pending one is approved', () => {
    const arb = around<ApproveAdminRelationshipFacts>(
      {
        actor: user(tailspin().tenantId, 'global-admin'),
        customer: tailspin(),
        partner: reseller(),
        state: 'approvalPending',
      },
      {
        actor: principalArb,
        customer: customerArb,
        partner: anyParty,
        state: fc.constantFrom('created', 'approvalPending', 'active', 'terminated'),
      },
    );
    fc.assert(
      fc.property(programArb, nowArb, arb, (p, now, f) => {
        const d = checkDecision(
          (x: ApproveAdminRelationshipFacts) => decideApproveAdminRelationship(p, x, now),
          f,
        );
        if (f.state !== 'approvalPending') expect(d.allowed).toBe(false);
      }),
      RUNS,
    );
  });
});
