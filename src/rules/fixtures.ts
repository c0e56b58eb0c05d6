/**
 * Test fixtures for the pure rules engine: small builders of {@link PartnerFacts},
 * {@link CustomerFacts} and principals, so a test states only what it is about (a French reseller,
 * a customer in the US) and gets a ready, fully consistent party for everything else.
 *
 * Why: every decision takes a snapshot of facts; building them by hand in each test hides the one
 * fact the test changes. Regions are derived from the default program's catalogue, as the fact
 * loader derives them from the tenant's country. Ids are derived from the legal name, so the same
 * call always yields the same facts (tests and properties stay deterministic).
 */
import type { EnrollmentStatus, ProgramRole } from '../enrollments/model.ts';
import type { TenantId, UserId } from '../kernel/ids.ts';
import type { Principal, UserRole } from '../kernel/principal.ts';
import type { TenantType } from '../parties/model.ts';
import { defaultProgram } from '../program/load.ts';
import type { Program } from '../program/program.ts';
import type { RegionId } from '../program/regions.ts';
import type { CustomerFacts, PartnerFacts } from './facts.ts';

/** The program fixtures derive regions and agreement versions from. */
export const program: Program = defaultProgram();

/** An instant well after the partner agreement took effect (the MPA is enforced). */
export const NOW = new Date('2026-01-15T10:00:00.000Z');

/** The current partner (MPA) and customer (MCA) agreement versions of the default program. */
export const MPA_VERSION = program.agreements.partner.version;
export const MCA_VERSION = program.agreements.customer.version;

/** The region of a country in the default program (undefined for a country it does not list). */
export function regionOf(country: string): RegionId | undefined {
  return program.catalogue.regionOf(country);
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** A stable 7-digit Partner ID from a name (FNV-1a), so distinct names get distinct ids. */
function partnerIdOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 1_000_001 + (h % 8_999_998);
}

export interface PartnerOptions {
  readonly legalName: string;
  readonly country: string;
  /** The role it is enrolled in (ignored when `enrollments` is given). */
  readonly role: ProgramRole;
  /** Status of the `role` enrollment; `active` by default. */
  readonly status?: EnrollmentStatus;
  /** Every enrollment, by role: replaces `role`/`status` (`{}` = not enrolled at all). */
  readonly enrollments?: Partial<Record<ProgramRole, EnrollmentStatus>>;
  /** Regions the organization signed the MPA for; its home region by default. */
  readonly mpaRegions?: readonly RegionId[];
  /** The signed MPA version in those regions; the current one by default. */
  readonly mpaVersion?: string;
  readonly orgId?: string;
  readonly affiliateGroupId?: string | null;
  /** `partner` (a CSP tenant) by default. */
  readonly type?: TenantType;
  /** The location Partner ID; derived from the name by default, `null` for none associated. */
  readonly partnerId?: number | null;
  /** The country of the location Partner ID; the tenant's country by default. */
  readonly partnerIdCountry?: string | null;
  readonly tenantId?: string;
}

/**
 * A CSP tenant that has done everything for `role` in its home region: onboarded, location Partner
 * ID of its country associated, enrolled (active) and the current MPA signed there.
 */
export function partner(o: PartnerOptions): PartnerFacts {
  const key = slug(o.legalName);
  const region = regionOf(o.country);
  const statuses: Partial<Record<ProgramRole, EnrollmentStatus>> = o.enrollments ?? {
    [o.role]: o.status ?? 'active',
  };
  const enrollments: Partial<Record<ProgramRole, { id: string; status: EnrollmentStatus }>> = {};
  for (const [role, status] of Object.entries(statuses) as [ProgramRole, EnrollmentStatus][]) {
    enrollments[role] = { id: `enr-${key}-${role}`, status };
  }
  const partnerAgreements: Record<RegionId, string> = {};
  for (const r of o.mpaRegions ?? (region === undefined ? [] : [region])) {
    partnerAgreements[r] = o.mpaVersion ?? MPA_VERSION;
  }
  const partnerId = o.partnerId === undefined ? partnerIdOf(o.legalName) : o.partnerId;
  return {
    tenantId: o.tenantId ?? `tenant-${key}`,
    type: o.type ?? 'partner',
    country: o.country,
    region,
    organizationId: o.orgId ?? `org-${key}`,
    affiliateGroupId: o.affiliateGroupId ?? null,
    legalName: o.legalName,
    partnerId,
    partnerIdCountry:
      o.partnerIdCountry === undefined ? (partnerId === null ? null : o.country) : o.partnerIdCountry,
    enrollments,
    partnerAgreements,
  };
}

export interface CustomerOptions {
  readonly country: string;
  /** The accepted customer agreement version; the current one by default, `null` for none. */
  readonly mcaVersion?: string | null;
  /** `customer` by default. */
  readonly type?: TenantType;
  readonly legalName?: string;
  readonly orgId?: string;
  readonly affiliateGroupId?: string | null;
  readonly tenantId?: string;
}

/** A customer-type tenant of its own organization that accepted the current customer agreement. */
export function customer(o: CustomerOptions): CustomerFacts {
  const legalName = o.legalName ?? `Customer ${o.country}`;
  const key = slug(legalName);
  return {
    tenantId: o.tenantId ?? `tenant-${key}`,
    type: o.type ?? 'customer',
    country: o.country,
    region: regionOf(o.country),
    organizationId: o.orgId ?? `org-${key}`,
    affiliateGroupId: o.affiliateGroupId ?? null,
    legalName,
    customerAgreementVersion: o.mcaVersion === undefined ? MCA_VERSION : o.mcaVersion,
  };
}

/** A signed-in user of `tenantId` holding `roles`. */
export function user(tenantId: string, ...roles: UserRole[]): Principal {
  return {
    kind: 'user',
    userId: `user-${tenantId}-${roles.join('+')}` as UserId,
    tenantId: tenantId as TenantId,
    roles,
  };
}

/** A program operator (a user of the vendor tenant). */
export function operator(): Principal {
  return user('tenant-vendor', 'program-operator');
}

/** The default program with some policies switched. */
export function withPolicies(policies: Partial<Program['policies']>): Program {
  return { ...program, policies: { ...program.policies, ...policies } };
}
