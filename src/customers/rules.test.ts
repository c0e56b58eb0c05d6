import { describe, expect, it } from 'vitest';
import type { TenantId, UserId } from '../kernel/ids.ts';
import { ANONYMOUS, type Principal, SYSTEM, type UserRole } from '../kernel/principal.ts';
import { defaultProgram } from '../program/load.ts';
import { decideCustomerRelationship } from '../rules/decisions.ts';
import type { CustomerFacts, PartnerFacts } from '../rules/facts.ts';
import {
  alsoAuthorizeViolation,
  customerAdminViolation,
  involvedInRelationship,
  mergeDecisions,
  onBehalfViolation,
  partnerManagerViolation,
  prospectiveCustomer,
  removalViolation,
  removerViolation,
} from './rules.ts';

const program = defaultProgram();
const NOW = new Date('2026-01-15T10:00:00.000Z');
const PARTNER = '11111111-1111-4111-8111-111111111111';
const CUSTOMER = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';

function user(tenantId: string, roles: UserRole[]): Principal {
  return { kind: 'user', userId: 'u' as UserId, tenantId: tenantId as TenantId, roles };
}
const OPERATOR = user(OTHER, ['global-admin', 'program-operator']);

function partnerFacts(over: Partial<PartnerFacts> & Pick<PartnerFacts, 'enrollments'>): PartnerFacts {
  return {
    tenantId: PARTNER,
    type: 'partner',
    country: 'FR',
    region: 'europe',
    organizationId: 'org-partner',
    affiliateGroupId: null,
    legalName: 'Fabrikam',
    partnerId: 1000001,
    partnerIdCountry: 'FR',
    partnerAgreements: { europe: program.agreements.partner.version },
    ...over,
  };
}
const reseller = partnerFacts({ enrollments: { 'indirect-reseller': { id: 'e1', status: 'active' } } });
const provider = partnerFacts({
  tenantId: OTHER,
  organizationId: 'org-provider',
  legalName: 'Distributor',
  partnerId: 1000002,
  enrollments: { 'indirect-provider': { id: 'e2', status: 'active' } },
});

describe('removalViolation', () => {
  it('allows removal once no subscription with the partner is active', () => {
    expect(removalViolation(0)).toBeUndefined();
  });

  it.each([1, 2, 40])('refuses with %i active subscription(s), with the remedy', (n) => {
    const v = removalViolation(n);
    expect(v?.code).toBe('SUBSCRIPTIONS_STILL_ACTIVE');
    expect(v?.message).toContain(`${n} active subscription(s)`);
    expect(v?.remedies).toEqual([
      "Suspend or cancel the customer's subscriptions with this partner, then remove the relationship.",
    ]);
  });
});

describe('who may act', () => {
  const roles: UserRole[] = ['global-admin', 'admin-agent', 'sales-agent', 'helpdesk-agent', 'billing-admin'];

  it.each(roles)(
    'a %s of the partner invites or creates customers only if global admin or admin agent',
    (role) => {
      const v = partnerManagerViolation(user(PARTNER, [role]), PARTNER, 'invites customers');
      expect(v?.code).toBe(role === 'global-admin' || role === 'admin-agent' ? undefined : 'NOT_AUTHORIZED');
    },
  );

  it('refuses admins of another tenant, the operator, the system and anonymous callers', () => {
    for (const p of [user(OTHER, ['global-admin']), OPERATOR, SYSTEM, ANONYMOUS]) {
      expect(partnerManagerViolation(p, PARTNER, 'invites customers')?.code).toBe('NOT_AUTHORIZED');
    }
    expect(partnerManagerViolation(ANONYMOUS, PARTNER, 'invites customers')?.remedies).toEqual([
      `Ask a global admin or admin agent of tenant ${PARTNER}.`,
    ]);
  });

  it("only the customer's global admin accepts or declines", () => {
    expect(customerAdminViolation(user(CUSTOMER, ['global-admin']), CUSTOMER, 'accepts')).toBeUndefined();
    expect(customerAdminViolation(user(CUSTOMER, ['billing-admin']), CUSTOMER, 'accepts')?.code).toBe(
      'NOT_AUTHORIZED',
    );
    expect(customerAdminViolation(user(PARTNER, ['global-admin']), CUSTOMER, 'accepts')?.code).toBe(
      'NOT_AUTHORIZED',
    );
    expect(customerAdminViolation(OPERATOR, CUSTOMER, 'accepts')?.code).toBe('NOT_AUTHORIZED');
  });

  const rel = { partnerTenantId: PARTNER, customerTenantId: CUSTOMER };
  it.each([
    ['partner global admin', user(PARTNER, ['global-admin']), true, true],
    ['partner admin agent', user(PARTNER, ['admin-agent']), true, true],
    ['partner sales agent', user(PARTNER, ['sales-agent']), true, false],
    ['customer global admin', user(CUSTOMER, ['global-admin']), true, true],
    ['customer admin agent (not a customer role)', user(CUSTOMER, ['admin-agent']), true, false],
    ['program operator', OPERATOR, true, true],
    ['system', SYSTEM, true, true],
    ['a stranger', user(OTHER, ['global-admin']), false, false],
    ['anonymous', ANONYMOUS, false, false],
  ] as const)('removal by %s: involved %s, allowed %s', (_name, p, involved, allowed) => {
    expect(involvedInRelationship(p, rel)).toBe(involved);
    expect(removerViolation(p, rel)?.code).toBe(allowed ? undefined : 'NOT_AUTHORIZED');
  });
});

describe('chain guards', () => {
  it.each([
    ['indirect-reseller', undefined],
    ['direct-bill', 'UNSUPPORTED_CHAIN'],
    ['indirect-provider', 'UNSUPPORTED_CHAIN'],
    [undefined, 'UNSUPPORTED_CHAIN'],
  ] as const)('an inviter in role %s asking to authorize a provider: %s', (role, code) => {
    const v = alsoAuthorizeViolation(role);
    expect(v?.code).toBe(code);
    if (v) expect(v).toMatchObject({ field: 'alsoAuthorizeProviderTenantId', scenario: '1' });
  });

  it.each([
    ['indirect-provider', undefined],
    ['indirect-reseller', 'UNSUPPORTED_CHAIN'],
    ['direct-bill', 'UNSUPPORTED_CHAIN'],
    [undefined, 'UNSUPPORTED_CHAIN'],
  ] as const)('a creator in role %s naming a reseller: %s', (role, code) => {
    const v = onBehalfViolation(role);
    expect(v?.code).toBe(code);
    if (v) expect(v).toMatchObject({ field: 'resellerTenantId', scenario: '1' });
  });
});

describe('prospectiveCustomer (open invitations)', () => {
  const decide = (partner: PartnerFacts, via?: PartnerFacts, state: 'active' | 'none' = 'none') =>
    decideCustomerRelationship(
      program,
      {
        partner,
        customer: prospectiveCustomer(via ?? partner),
        viaReseller: via,
        partnershipWithReseller: state,
        existingRelationship: false,
        customerIsResellerOfPartner: false,
        customerAgreementAccepted: true,
      },
      NOW,
    );

  it('is a customer-type tenant of another organization in the partner region', () => {
    expect(prospectiveCustomer(reseller)).toMatchObject({
      type: 'customer',
      country: 'FR',
      region: 'europe',
      affiliateGroupId: null,
    });
    expect(prospectiveCustomer(reseller).organizationId).not.toBe(reseller.organizationId);
  });

  it('lets a ready reseller invite anyone', () => {
    expect(decide(reseller)).toEqual({ allowed: true, violations: [] });
  });

  it('still refuses what depends on the partner alone: the chain, the partnership, readiness', () => {
    expect(decide(provider).violations.map((v) => v.code)).toEqual(['UNSUPPORTED_CHAIN']);
    expect(decide(provider, reseller, 'none').violations.map((v) => v.code)).toEqual([
      'NO_ACTIVE_PARTNERSHIP',
    ]);
    expect(decide(provider, reseller, 'active').allowed).toBe(true);
    const unsigned = { ...reseller, partnerAgreements: {} };
    expect(decide(unsigned).violations.map((v) => v.code)).toEqual(['MPA_NOT_SIGNED']);
  });
});

describe('mergeDecisions', () => {
  const customer: CustomerFacts = { ...prospectiveCustomer(reseller), tenantId: CUSTOMER, region: 'japan' };

  it('allows when every decision does', () => {
    expect(mergeDecisions({ allowed: true, violations: [] }, { allowed: true, violations: [] })).toEqual({
      allowed: true,
      violations: [],
    });
  });

  it('keeps each distinct violation once, in order', () => {
    const facts = {
      customer,
      partnershipWithReseller: 'active' as const,
      existingRelationship: false,
      customerIsResellerOfPartner: false,
      customerAgreementAccepted: false,
    };
    // Neither partner signed the MPA at home (europe): across regions, readiness is judged there.
    const unsignedReseller: PartnerFacts = { ...reseller, partnerAgreements: {} };
    const unsignedProvider: PartnerFacts = { ...provider, partnerAgreements: {} };
    const a = decideCustomerRelationship(
      program,
      { ...facts, partner: unsignedReseller, viaReseller: undefined },
      NOW,
    );
    const b = decideCustomerRelationship(
      program,
      { ...facts, partner: unsignedProvider, viaReseller: unsignedReseller },
      NOW,
    );
    // The provider's leg repeats the reseller's region mismatch and the missing customer agreement.
    expect(b.violations.map((v) => v.code)).toEqual([
      'REGION_MISMATCH',
      'REGION_MISMATCH',
      'MPA_NOT_SIGNED',
      'RESELLER_MPA_NOT_SIGNED',
      'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
    ]);
    const merged = mergeDecisions(a, b);
    expect(merged.allowed).toBe(false);
    // The provider's MPA_NOT_SIGNED has the reseller's message but names another tenant to sign: kept.
    expect(merged.violations.map((v) => v.code)).toEqual([
      'REGION_MISMATCH',
      'MPA_NOT_SIGNED',
      'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
      'REGION_MISMATCH',
      'MPA_NOT_SIGNED',
      'RESELLER_MPA_NOT_SIGNED',
    ]);
    expect(merged.violations[1]?.remedies[0]).toContain(PARTNER);
    expect(merged.violations[4]?.remedies[0]).toContain(OTHER);
  });

  it('across regions, partners that signed at home get no MPA violation for the customer region', () => {
    const facts = {
      customer,
      partnershipWithReseller: 'active' as const,
      existingRelationship: false,
      customerIsResellerOfPartner: false,
      customerAgreementAccepted: false,
    };
    const a = decideCustomerRelationship(
      program,
      { ...facts, partner: reseller, viaReseller: undefined },
      NOW,
    );
    const b = decideCustomerRelationship(
      program,
      { ...facts, partner: provider, viaReseller: reseller },
      NOW,
    );
    expect(b.violations.map((v) => v.code)).toEqual([
      'REGION_MISMATCH',
      'REGION_MISMATCH',
      'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
    ]);
    // The reseller's mismatch and the customer agreement are reported once; the provider's own
    // mismatch (another partner, other message) is kept.
    const merged = mergeDecisions(a, b);
    expect(merged.violations.map((v) => [v.code, v.message.split(' is located')[0]])).toEqual([
      ['REGION_MISMATCH', 'Fabrikam'],
      ['CUSTOMER_AGREEMENT_NOT_ACCEPTED', expect.any(String)],
      ['REGION_MISMATCH', 'Distributor'],
    ]);
  });
});
