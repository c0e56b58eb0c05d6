import { describe, expect, it } from 'vitest';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_ROLES,
  type AdminRelationshipState,
  type AdminRole,
} from './model.ts';
import {
  accessViolation,
  derivePartnerAccess,
  type PartnerAccessFacts,
  partiesViolations,
  resaleViolation,
  transitionViolation,
} from './rules.ts';

const CUSTOMER = '11111111-1111-4111-8111-111111111111';
const PARTNER = '22222222-2222-4222-8222-222222222222';

const none: PartnerAccessFacts = {
  resellerRelationship: false,
  providerOfRelatedReseller: false,
  adminRelationships: [],
};

const admin = (state: AdminRelationshipState, ...roles: AdminRole[]) => ({ state, roles });

describe('transitionViolation: what commands may do from each effective state', () => {
  const NEW_RELATIONSHIP = 'Create a new admin relationship and have the customer’s global admin approve it.';

  it.each([
    ['created', 'approvalPending'],
    ['created', 'terminated'],
    ['approvalPending', 'active'],
    ['approvalPending', 'terminated'],
    ['active', 'terminated'],
    ['expiring', 'terminated'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(transitionViolation(from, to)).toBeUndefined();
  });

  it.each([
    ['created', 'active', []],
    ['approvalPending', 'approvalPending', []],
    ['active', 'active', []],
    ['active', 'approvalPending', []],
    ['expiring', 'approvalPending', []],
    ['expired', 'terminated', [NEW_RELATIONSHIP]],
    ['expired', 'active', [NEW_RELATIONSHIP]],
    ['terminated', 'terminated', [NEW_RELATIONSHIP]],
    ['terminated', 'active', [NEW_RELATIONSHIP]],
  ] as const)('%s → %s: INVALID_TRANSITION', (from, to, remedies) => {
    expect(transitionViolation(from, to)).toEqual({
      code: 'INVALID_TRANSITION',
      message: `The admin relationship is ${from}; it cannot become ${to}.`,
      field: 'adminRelationshipId',
      scenario: '3',
      remedies,
    });
  });
});

describe('derivePartnerAccess', () => {
  it('no relationship: nothing', () => {
    const a = derivePartnerAccess(none);
    expect(a.viaResellerRelationship).toBe(false);
    expect(a.viaProviderOfReseller).toBe(false);
    expect(a.adminRoles).toEqual([]);
    expect(a.canManage()).toBe(false);
    for (const role of ADMIN_ROLES) expect(a.canManage(role)).toBe(false);
  });

  it('its own reseller relationship: manages what it sells, holds no admin role', () => {
    const a = derivePartnerAccess({ ...none, resellerRelationship: true });
    expect(a.viaResellerRelationship).toBe(true);
    expect(a.viaProviderOfReseller).toBe(false);
    expect(a.adminRoles).toEqual([]);
    expect(a.canManage()).toBe(true);
    expect(a.canManage('license-administrator')).toBe(false);
  });

  it('the provider of a reseller related to the customer counts as a reseller relationship', () => {
    const a = derivePartnerAccess({ ...none, providerOfRelatedReseller: true });
    expect(a.viaResellerRelationship).toBe(true);
    expect(a.viaProviderOfReseller).toBe(true);
    expect(a.canManage()).toBe(true);
    expect(a.canManage('directory-readers')).toBe(false);
    // Both at once: its own relationship is the reason.
    const both = derivePartnerAccess({
      ...none,
      resellerRelationship: true,
      providerOfRelatedReseller: true,
    });
    expect(both.viaProviderOfReseller).toBe(false);
  });

  it('roles are the sorted union over active and expiring admin relationships only', () => {
    const a = derivePartnerAccess({
      ...none,
      adminRelationships: [
        admin('active', 'user-administrator', 'directory-readers'),
        admin('expiring', 'license-administrator', 'directory-readers'),
        admin('created', 'billing-administrator'),
        admin('approvalPending', 'helpdesk-administrator'),
        admin('expired', 'service-support-administrator'),
        admin('terminated', 'global-administrator'),
      ],
    });
    expect(a.adminRoles).toEqual(['directory-readers', 'license-administrator', 'user-administrator']);
    expect(a.viaResellerRelationship).toBe(false);
    expect(a.canManage()).toBe(true);
    expect(a.canManage('license-administrator')).toBe(true);
    expect(a.canManage('billing-administrator')).toBe(false);
    expect(a.canManage('global-administrator')).toBe(false);
  });

  it.each(ADMIN_RELATIONSHIP_STATES)('one %s admin relationship grants its roles only when live', (state) => {
    const a = derivePartnerAccess({ ...none, adminRelationships: [admin(state, 'helpdesk-administrator')] });
    const live = state === 'active' || state === 'expiring';
    expect(a.adminRoles).toEqual(live ? ['helpdesk-administrator'] : []);
    expect(a.canManage()).toBe(live);
    expect(a.canManage('helpdesk-administrator')).toBe(live);
  });

  it('global-administrator grants every role', () => {
    const a = derivePartnerAccess({ ...none, adminRelationships: [admin('active', 'global-administrator')] });
    for (const role of ADMIN_ROLES) expect(a.canManage(role)).toBe(true);
  });
});

describe('accessViolation', () => {
  const reseller = derivePartnerAccess({ ...none, resellerRelationship: true });
  const helpdesk = derivePartnerAccess({
    ...none,
    adminRelationships: [admin('active', 'helpdesk-administrator')],
  });

  it('a reseller relationship is enough to manage, not for an admin role nor for admin-only', () => {
    expect(accessViolation(reseller, CUSTOMER)).toBeUndefined();
    expect(accessViolation(reseller, CUSTOMER, { role: 'user-administrator' })?.code).toBe(
      'ADMIN_ROLE_REQUIRED',
    );
    const v = accessViolation(reseller, CUSTOMER, { adminOnly: true });
    expect(v).toEqual({
      code: 'ADMIN_ROLE_REQUIRED',
      message: `No active admin relationship with customer ${CUSTOMER} grants an admin role.`,
      scenario: '3',
      remedies: [
        `Create an admin relationship with customer ${CUSTOMER}, request approval, and have the customer's global admin approve it.`,
      ],
    });
  });

  it('names the missing role', () => {
    expect(accessViolation(helpdesk, CUSTOMER, { role: 'helpdesk-administrator' })).toBeUndefined();
    expect(accessViolation(helpdesk, CUSTOMER, { adminOnly: true })).toBeUndefined();
    const v = accessViolation(helpdesk, CUSTOMER, { role: 'license-administrator' });
    expect(v?.message).toBe(
      `No active admin relationship with customer ${CUSTOMER} grants the license-administrator role.`,
    );
    expect(v?.remedies[0]).toContain('including the license-administrator role');
  });

  it('no relationship at all', () => {
    expect(accessViolation(derivePartnerAccess(none), CUSTOMER)?.message).toBe(
      `No relationship lets this partner manage customer ${CUSTOMER}.`,
    );
  });
});

describe('resaleViolation', () => {
  it.each(['direct', 'other-program', 'other-partner'] as const)(
    'a subscription bought elsewhere (%s) is never resold',
    (source) => {
      expect(resaleViolation({ id: 'sub-1', source })).toEqual({
        code: 'EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE',
        message: `Subscription sub-1 was bought elsewhere (${source}); it is managed under an admin relationship, never resold.`,
        scenario: '3',
        remedies: [
          'Manage it under an admin relationship approved by the customer’s global admin.',
          'Sell the customer a new subscription through a supported chain instead, once the external one ends.',
        ],
      });
    },
  );

  it('a CSP subscription passes', () => {
    expect(resaleViolation({ id: 'sub-2', source: 'csp' })).toBeUndefined();
  });
});

describe('partiesViolations', () => {
  const ids = { partnerTenantId: PARTNER, customerTenantId: CUSTOMER };
  const partner = { id: PARTNER, type: 'partner' } as const;
  const customer = { id: CUSTOMER, type: 'customer' } as const;
  const fields = (vs: { code: string; field?: string }[]) => vs.map((v) => [v.code, v.field]);

  it('a CSP tenant and a customer-type tenant', () => {
    expect(partiesViolations(partner, customer, ids)).toEqual([]);
  });

  it('reports every problem', () => {
    expect(fields(partiesViolations(undefined, undefined, ids))).toEqual([
      ['TENANT_NOT_FOUND', 'partnerTenantId'],
      ['TENANT_NOT_FOUND', 'customerTenantId'],
    ]);
    expect(
      fields(partiesViolations({ id: PARTNER, type: 'customer' }, { id: CUSTOMER, type: 'partner' }, ids)),
    ).toEqual([
      ['NOT_A_PARTNER_TENANT', 'partnerTenantId'],
      ['NOT_A_CUSTOMER_TENANT', 'customerTenantId'],
    ]);
    expect(fields(partiesViolations({ id: PARTNER, type: 'vendor' }, customer, ids))).toEqual([
      ['NOT_A_PARTNER_TENANT', 'partnerTenantId'],
    ]);
  });

  it('scenario 4: only a customer-type tenant grants admin access', () => {
    const [v] = partiesViolations(partner, { id: CUSTOMER, type: 'vendor' }, ids);
    expect(v?.scenario).toBe('4');
    expect(v?.message).toBe(
      `Tenant ${CUSTOMER} is a vendor tenant; only a customer-type tenant grants admin relationships.`,
    );
  });
});
