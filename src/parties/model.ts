/**
 * Parties: organizations (legal entities, grouped into affiliate groups), their tenants
 * (directories), their partner location accounts (Partner IDs) and the users of each tenant.
 */
import type { AffiliateGroupId, OrganizationId, PartnerId, TenantId, UserId } from '../kernel/ids.ts';
import type { UserRole } from '../kernel/principal.ts';
import type { Instant } from '../kernel/time.ts';
import type { AddressInput } from '../program/program.ts';
import type { CountryCode } from '../program/regions.ts';

/**
 * `partner`: the CSP tenant a partner transacts with (tied 1:1 to a location Partner ID);
 * `customer`: a tenant for an organization's own use, the only kind that may receive purchases
 * (seed scenario 4); `vendor`: the program owner's own tenant, where its operators live.
 */
export const TENANT_TYPES = ['partner', 'customer', 'vendor'] as const;
export type TenantType = (typeof TENANT_TYPES)[number];

export type Address = AddressInput;

export interface Organization {
  readonly id: OrganizationId;
  readonly legalName: string;
  /** Headquarters country; the organization's region follows from it. */
  readonly country: CountryCode;
  readonly address: Address;
  readonly registrationId: string | null;
  /** Organizations under common control share a group: selling to them is affiliate dealing (scenario 5). */
  readonly affiliateGroupId: AffiliateGroupId | null;
  /** The partner global account's Partner ID, once the organization onboarded as a partner. */
  readonly globalPartnerId: PartnerId | null;
  readonly isVendor: boolean;
  readonly createdAt: Instant;
}

export interface Tenant {
  readonly id: TenantId;
  readonly organizationId: OrganizationId;
  readonly type: TenantType;
  /** Directory domain, e.g. `fabrikam.onmicrosoft.example`; unique. */
  readonly domain: string;
  readonly displayName: string;
  /** The directory's country: a customer's region is its tenant's country's region. */
  readonly country: CountryCode;
  readonly createdAt: Instant;
}

/** A partner location account: one per organization per country, with its own Partner ID. */
export interface PartnerLocation {
  readonly partnerId: PartnerId;
  readonly organizationId: OrganizationId;
  readonly country: CountryCode;
  readonly registrationId: string | null;
  /** The CSP tenant tied 1:1 to this location, once associated. */
  readonly tenantId: TenantId | null;
  readonly createdAt: Instant;
  readonly associatedAt: Instant | null;
}

export interface User {
  readonly id: UserId;
  readonly tenantId: TenantId;
  readonly email: string;
  readonly displayName: string;
  readonly roles: readonly UserRole[];
  readonly createdAt: Instant;
}
