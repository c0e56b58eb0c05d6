/**
 * Provider–reseller partnerships (Partner Center: `IsIndirectCloudSolutionProviderOf` seen from the
 * provider, `IsIndirectResellerOf` seen from the reseller) and their lifecycle.
 *
 * invited → active ⇄ suspended → ended; an invitation may instead be declined or expire. Expiry is
 * derived from `now` (`effectivePartnershipState`), never from a background job's punctuality.
 */
import type { Instant } from '../kernel/time.ts';

export const PARTNERSHIP_STATES = ['invited', 'declined', 'expired', 'active', 'suspended', 'ended'] as const;
export type PartnershipStatus = (typeof PARTNERSHIP_STATES)[number];

export const PARTNERSHIP_TRANSITIONS: Readonly<Record<PartnershipStatus, readonly PartnershipStatus[]>> = {
  invited: ['active', 'declined', 'expired'],
  declined: [],
  expired: [],
  active: ['suspended', 'ended'],
  suspended: ['active', 'ended'],
  ended: [],
};

/** States in which the pair has a partnership or a pending invitation: a second one is refused. */
export const OPEN_PARTNERSHIP_STATES: readonly PartnershipStatus[] = ['invited', 'active', 'suspended'];

export interface Partnership {
  readonly id: string;
  readonly providerTenantId: string;
  readonly resellerTenantId: string;
  /** The stored state; use `effectivePartnershipState` for what it is at `now`. */
  readonly state: PartnershipStatus;
  readonly invitationToken: string;
  readonly invitedAt: Instant;
  readonly expiresAt: Instant;
  readonly acceptedAt: Instant | null;
  readonly endedAt: Instant | null;
  readonly endReason: string | null;
  readonly updatedAt: Instant;
}

/** An invitation past its expiry is `expired`, whatever the stored state says. */
export function effectivePartnershipState(
  p: Pick<Partnership, 'state' | 'expiresAt'>,
  now: Date,
): PartnershipStatus {
  return p.state === 'invited' && now.toISOString() >= p.expiresAt ? 'expired' : p.state;
}

export function canTransitionPartnership(from: PartnershipStatus, to: PartnershipStatus): boolean {
  return PARTNERSHIP_TRANSITIONS[from].includes(to);
}

export const SUPPORT_REQUEST_STATUSES = ['open', 'resolved', 'rejected'] as const;
export type SupportRequestStatus = (typeof SUPPORT_REQUEST_STATUSES)[number];

/** A support request is decided once by the program operator: resolved (acted upon) or rejected. */
export const SUPPORT_REQUEST_TRANSITIONS: Readonly<
  Record<SupportRequestStatus, readonly SupportRequestStatus[]>
> = {
  open: ['resolved', 'rejected'],
  resolved: [],
  rejected: [],
};

/** A support request to the program operator; the seed's way to end a partnership. */
export interface SupportRequest {
  readonly id: string;
  readonly category: 'end-partnership';
  readonly partnershipId: string | null;
  readonly openedByTenantId: string;
  readonly description: string;
  readonly status: SupportRequestStatus;
  readonly openedAt: Instant;
  readonly resolvedAt: Instant | null;
  readonly resolution: string | null;
}
