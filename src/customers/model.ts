/**
 * Reseller relationships between partners and customers (multi-partner, scenario 2), and the
 * invitations that create them. A customer may have any number of partners; adding one changes no
 * existing subscription nor its partner of record.
 */
import type { Instant } from '../kernel/time.ts';

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const INVITATION_TRANSITIONS: Readonly<Record<InvitationStatus, readonly InvitationStatus[]>> = {
  pending: ['accepted', 'declined', 'expired'],
  accepted: [],
  declined: [],
  expired: [],
};

export interface CustomerInvitation {
  readonly id: string;
  readonly partnerTenantId: string;
  /** An indirect reseller may ask the customer to authorize its provider in the same acceptance. */
  readonly providerTenantId: string | null;
  /** The invited customer tenant, or null for an open invitation (any customer holding the token). */
  readonly customerTenantId: string | null;
  readonly requestDelegatedAdmin: boolean;
  readonly token: string;
  readonly status: InvitationStatus;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
}

/** A pending invitation past its expiry is `expired`. */
export function effectiveInvitationStatus(
  i: Pick<CustomerInvitation, 'status' | 'expiresAt'>,
  now: Date,
): InvitationStatus {
  return i.status === 'pending' && now.toISOString() >= i.expiresAt ? 'expired' : i.status;
}

export const RELATIONSHIP_STATES = ['active', 'removed'] as const;
export type CustomerRelationshipState = (typeof RELATIONSHIP_STATES)[number];

export const CUSTOMER_RELATIONSHIP_TRANSITIONS: Readonly<
  Record<CustomerRelationshipState, readonly CustomerRelationshipState[]>
> = {
  active: ['removed'],
  removed: [],
};

export type RelationshipSource = 'invitation' | 'created-by-partner' | 'created-by-provider';

export interface CustomerRelationship {
  readonly id: string;
  readonly partnerTenantId: string;
  readonly customerTenantId: string;
  /** For a provider's relationship: the reseller it serves the customer through (`associatedPartnerId`). */
  readonly associatedPartnerTenantId: string | null;
  readonly state: CustomerRelationshipState;
  readonly delegatedAdmin: boolean;
  readonly source: RelationshipSource;
  readonly invitationId: string | null;
  readonly createdAt: Instant;
  readonly removedAt: Instant | null;
}
