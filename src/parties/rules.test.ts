import { describe, expect, it } from 'vitest';
import type { AffiliateGroupId, OrganizationId, PartnerId, TenantId } from '../kernel/ids.ts';
import { USER_ROLES, type UserRole } from '../kernel/principal.ts';
import { defaultProgram } from '../program/load.ts';
import type { PartnerLocation, Tenant, TenantType } from './model.ts';
import { areAffiliated, associationViolations, registrationIdViolation, roleViolations } from './rules.ts';

const program = defaultProgram();

const ORG = '11111111-1111-4111-8111-111111111111' as OrganizationId;
const OTHER_ORG = '22222222-2222-4222-8222-222222222222' as OrganizationId;
const TENANT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' as TenantId;
const OTHER_TENANT = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' as TenantId;

describe('registrationIdViolation', () => {
  it.each(['PL', 'BR', 'IN'])('%s requires a registration ID', (country) => {
    expect(program.registrationIdRequiredCountries).toContain(country);
    for (const missing of [undefined, null, '']) {
      const v = registrationIdViolation(program, country, missing, 'registrationId');
      expect(v).toMatchObject({
        code: 'REGISTRATION_ID_REQUIRED',
        field: 'registrationId',
        scenario: 'enrollment',
      });
      expect(v?.message).toContain(country);
      expect(v?.remedies).toEqual([`Provide the organization's registration ID number for ${country}.`]);
    }
    expect(registrationIdViolation(program, country, 'REG-123', 'registrationId')).toBeUndefined();
  });

  it('reports the field it is given', () => {
    expect(registrationIdViolation(program, 'PL', undefined, 'location.registrationId')?.field).toBe(
      'location.registrationId',
    );
  });

  it.each(['FR', 'US', 'DE', 'JP'])('%s does not require one', (country) => {
    expect(program.registrationIdRequiredCountries).not.toContain(country);
    expect(registrationIdViolation(program, country, undefined, 'registrationId')).toBeUndefined();
    expect(registrationIdViolation(program, country, null, 'registrationId')).toBeUndefined();
    expect(registrationIdViolation(program, country, 'FR-1', 'registrationId')).toBeUndefined();
  });
});

describe('roleViolations', () => {
  const allowed: Record<TenantType, readonly UserRole[]> = {
    partner: ['global-admin', 'admin-agent', 'sales-agent', 'helpdesk-agent', 'billing-admin'],
    customer: ['global-admin'],
    vendor: ['global-admin', 'program-operator'],
  };

  it.each(Object.entries(allowed) as [TenantType, readonly UserRole[]][])(
    'a %s tenant accepts exactly its roles',
    (type, roles) => {
      expect(roleViolations(program, type, roles, 'roles')).toEqual([]);
      const refused = USER_ROLES.filter((r) => !roles.includes(r));
      const vs = roleViolations(program, type, USER_ROLES, 'roles');
      expect(vs.map((v) => v.code)).toEqual(refused.map(() => 'ROLE_NOT_VALID_FOR_TENANT'));
      expect(vs.map((v) => v.message)).toEqual(
        refused.map((r) => `Role ${r} does not exist in a ${type} tenant.`),
      );
      for (const v of vs) {
        expect(v.field).toBe('roles');
        expect(v.remedies).toEqual([`Use one of: ${roles.join(', ')}.`]);
      }
    },
  );

  it('refuses program-operator in a partner tenant and agents in a customer tenant', () => {
    expect(roleViolations(program, 'partner', ['global-admin', 'program-operator'], 'roles')).toHaveLength(1);
    expect(
      roleViolations(program, 'customer', ['admin-agent', 'sales-agent'], 'user.roles').map((v) => [
        v.code,
        v.field,
      ]),
    ).toEqual([
      ['ROLE_NOT_VALID_FOR_TENANT', 'user.roles'],
      ['ROLE_NOT_VALID_FOR_TENANT', 'user.roles'],
    ]);
    expect(roleViolations(program, 'vendor', ['billing-admin'], 'roles')[0]?.message).toBe(
      'Role billing-admin does not exist in a vendor tenant.',
    );
  });

  it('accepts no roles at all', () => {
    expect(roleViolations(program, 'customer', [], 'roles')).toEqual([]);
  });
});

describe('associationViolations', () => {
  const tenant = (over: Partial<Tenant> = {}): Tenant => ({
    id: TENANT,
    organizationId: ORG,
    type: 'partner',
    domain: 'fabrikam.onmicrosoft.example',
    displayName: 'Fabrikam',
    country: 'FR',
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  });
  const location = (over: Partial<PartnerLocation> = {}): PartnerLocation => ({
    partnerId: 1000002 as PartnerId,
    organizationId: ORG,
    country: 'FR',
    registrationId: null,
    tenantId: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    associatedAt: null,
    ...over,
  });
  const codes = (vs: readonly { code: string }[]) => vs.map((v) => v.code);

  it('accepts a free location and a free partner tenant of the same organization and country', () => {
    expect(associationViolations(location(), tenant(), false)).toEqual([]);
  });

  it.each(['customer', 'vendor'] as const)('refuses a %s tenant: NOT_A_PARTNER_TENANT', (type) => {
    const vs = associationViolations(location(), tenant({ type }), false);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ code: 'NOT_A_PARTNER_TENANT', field: 'tenantId', scenario: '4' });
  });

  it('refuses a location of another organization: PARTNER_ID_WRONG_ORGANIZATION', () => {
    const vs = associationViolations(location({ organizationId: OTHER_ORG }), tenant(), false);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ code: 'PARTNER_ID_WRONG_ORGANIZATION', field: 'partnerId' });
  });

  it('refuses a location in another country: PARTNER_ID_COUNTRY_MISMATCH', () => {
    const vs = associationViolations(location({ country: 'DE' }), tenant(), false);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ code: 'PARTNER_ID_COUNTRY_MISMATCH', field: 'partnerId' });
    expect(vs[0]?.message).toContain('DE');
    expect(vs[0]?.message).toContain('FR');
    expect(vs[0]?.remedies).toEqual([
      'Associate the location Partner ID of FR instead.',
      'Add a location in FR to get a Partner ID for that country.',
    ]);
  });

  it('refuses a location already tied to a tenant: PARTNER_ID_ALREADY_ASSOCIATED', () => {
    const vs = associationViolations(location({ tenantId: OTHER_TENANT }), tenant(), false);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ code: 'PARTNER_ID_ALREADY_ASSOCIATED', field: 'partnerId' });
    expect(vs[0]?.message).toContain(OTHER_TENANT);
  });

  it('refuses re-tying the same pair: PARTNER_ID_ALREADY_ASSOCIATED and TENANT_ALREADY_ASSOCIATED', () => {
    expect(codes(associationViolations(location({ tenantId: TENANT }), tenant(), true))).toEqual([
      'PARTNER_ID_ALREADY_ASSOCIATED',
      'TENANT_ALREADY_ASSOCIATED',
    ]);
  });

  it('refuses a tenant already tied to a Partner ID: TENANT_ALREADY_ASSOCIATED', () => {
    const vs = associationViolations(location(), tenant(), true);
    expect(vs).toHaveLength(1);
    expect(vs[0]).toMatchObject({ code: 'TENANT_ALREADY_ASSOCIATED', field: 'tenantId' });
  });

  it('returns every violation at once, in a stable order', () => {
    const vs = associationViolations(
      location({ organizationId: OTHER_ORG, country: 'DE', tenantId: OTHER_TENANT }),
      tenant({ type: 'customer' }),
      true,
    );
    expect(codes(vs)).toEqual([
      'NOT_A_PARTNER_TENANT',
      'PARTNER_ID_WRONG_ORGANIZATION',
      'PARTNER_ID_COUNTRY_MISMATCH',
      'PARTNER_ID_ALREADY_ASSOCIATED',
      'TENANT_ALREADY_ASSOCIATED',
    ]);
  });
});

describe('areAffiliated', () => {
  const G1 = 'g1' as AffiliateGroupId;
  const G2 = 'g2' as AffiliateGroupId;
  const org = (id: OrganizationId, affiliateGroupId: AffiliateGroupId | null) => ({ id, affiliateGroupId });

  it('an organization is affiliated with itself, grouped or not', () => {
    expect(areAffiliated(org(ORG, null), org(ORG, null))).toBe(true);
    expect(areAffiliated(org(ORG, G1), org(ORG, G1))).toBe(true);
  });

  it('two organizations of the same group are affiliated, both ways', () => {
    expect(areAffiliated(org(ORG, G1), org(OTHER_ORG, G1))).toBe(true);
    expect(areAffiliated(org(OTHER_ORG, G1), org(ORG, G1))).toBe(true);
  });

  it('two ungrouped organizations are not affiliated (null is not a shared group)', () => {
    expect(areAffiliated(org(ORG, null), org(OTHER_ORG, null))).toBe(false);
  });

  it('organizations of different groups, or one grouped and one not, are not affiliated', () => {
    expect(areAffiliated(org(ORG, G1), org(OTHER_ORG, G2))).toBe(false);
    expect(areAffiliated(org(ORG, G1), org(OTHER_ORG, null))).toBe(false);
    expect(areAffiliated(org(ORG, null), org(OTHER_ORG, G1))).toBe(false);
  });
});
