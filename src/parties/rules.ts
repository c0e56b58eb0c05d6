/**
 * Pure rules about parties. No I/O: facts in, violations out.
 */

import { type Violation, violation } from '../kernel/outcome.ts';
import type { UserRole } from '../kernel/principal.ts';
import type { Program } from '../program/program.ts';
import type { CountryCode } from '../program/regions.ts';
import type { Organization, PartnerLocation, Tenant, TenantType } from './model.ts';

/** A registration ID is required for business in the countries the program lists (enrollment page). */
export function registrationIdViolation(
  program: Program,
  country: CountryCode,
  registrationId: string | undefined | null,
  field: string,
): Violation | undefined {
  if (registrationId || !program.registrationIdRequiredCountries.includes(country)) return undefined;
  return violation(
    'REGISTRATION_ID_REQUIRED',
    `${field}: a business registration ID is required in ${country}.`,
    {
      field,
      scenario: 'enrollment',
      remedies: [`Provide the organization's registration ID number for ${country}.`],
    },
  );
}

/** Roles that do not exist in a tenant of the given type. */
export function roleViolations(
  program: Program,
  type: TenantType,
  roles: readonly UserRole[],
  field: string,
): Violation[] {
  const allowed = program.rolesByTenantType[type];
  return roles
    .filter((r) => !allowed.includes(r))
    .map((r) =>
      violation('ROLE_NOT_VALID_FOR_TENANT', `Role ${r} does not exist in a ${type} tenant.`, {
        field,
        remedies: [`Use one of: ${allowed.join(', ')}.`],
      }),
    );
}

/**
 * Can this location's Partner ID be tied to this CSP tenant? Same organization, a partner tenant,
 * the same country, and neither side tied yet (indirect-reseller tasks page: "Your CSP account and
 * the associated MPN ID must be located in the same country").
 */
export function associationViolations(
  location: PartnerLocation,
  tenant: Tenant,
  tenantAlreadyTied: boolean,
): Violation[] {
  const out: Violation[] = [];
  if (tenant.type !== 'partner') {
    out.push(
      violation(
        'NOT_A_PARTNER_TENANT',
        `Tenant ${tenant.id} is a ${tenant.type} tenant; only a CSP tenant has a Partner ID.`,
        {
          field: 'tenantId',
          scenario: '4',
        },
      ),
    );
  }
  if (location.organizationId !== tenant.organizationId) {
    out.push(
      violation(
        'PARTNER_ID_WRONG_ORGANIZATION',
        `Partner ID ${location.partnerId} belongs to another organization.`,
        {
          field: 'partnerId',
        },
      ),
    );
  }
  if (location.country !== tenant.country) {
    out.push(
      violation(
        'PARTNER_ID_COUNTRY_MISMATCH',
        `Partner ID ${location.partnerId} is a location in ${location.country}, but tenant ${tenant.id} is in ${tenant.country}.`,
        {
          field: 'partnerId',
          scenario: 'enrollment',
          remedies: [
            `Associate the location Partner ID of ${tenant.country} instead.`,
            `Add a location in ${tenant.country} to get a Partner ID for that country.`,
          ],
        },
      ),
    );
  }
  if (location.tenantId !== null) {
    out.push(
      violation(
        'PARTNER_ID_ALREADY_ASSOCIATED',
        `Partner ID ${location.partnerId} is already tied to tenant ${location.tenantId}.`,
        {
          field: 'partnerId',
        },
      ),
    );
  }
  if (tenantAlreadyTied) {
    out.push(
      violation('TENANT_ALREADY_ASSOCIATED', `Tenant ${tenant.id} is already tied to a Partner ID.`, {
        field: 'tenantId',
      }),
    );
  }
  return out;
}

/** Two organizations are affiliates when they are the same or share an affiliate group (scenario 5). */
export function areAffiliated(
  a: Pick<Organization, 'id' | 'affiliateGroupId'>,
  b: Pick<Organization, 'id' | 'affiliateGroupId'>,
) {
  return a.id === b.id || (a.affiliateGroupId !== null && a.affiliateGroupId === b.affiliateGroupId);
}
