/**
 * Fact snapshots the decisions are made over. The calling service loads them inside its
 * transaction (`src/decisions/facts.ts`); the decisions themselves (`decisions.ts`) are pure.
 */
import type { EnrollmentStatus, ProgramRole } from '../enrollments/model.ts';
import type { TenantType } from '../parties/model.ts';
import type { RegionId } from '../program/regions.ts';

/** A tenant with its organization, as the rules see it. */
export interface TenantFacts {
  readonly tenantId: string;
  readonly type: TenantType;
  readonly country: string;
  /** Derived from the country; undefined only for a country the program no longer lists. */
  readonly region: RegionId | undefined;
  readonly organizationId: string;
  readonly affiliateGroupId: string | null;
  readonly legalName: string;
}

/** A CSP tenant with everything its standing depends on. */
export interface PartnerFacts extends TenantFacts {
  /** The location Partner ID tied to the tenant, and that location's country. */
  readonly partnerId: number | null;
  readonly partnerIdCountry: string | null;
  /** The latest enrollment per role. */
  readonly enrollments: Readonly<
    Partial<Record<ProgramRole, { readonly id: string; readonly status: EnrollmentStatus }>>
  >;
  /** The organization's signed partner-agreement version per region (latest acceptance). */
  readonly partnerAgreements: Readonly<Record<RegionId, string>>;
}

/** A customer tenant with its agreement. */
export interface CustomerFacts extends TenantFacts {
  /** The version of the customer agreement last accepted for this tenant, if any. */
  readonly customerAgreementVersion: string | null;
}

/** The state of the partnership between a provider and a reseller, if any (`none`). */
export type PartnershipState = 'none' | 'invited' | 'declined' | 'expired' | 'active' | 'suspended' | 'ended';
