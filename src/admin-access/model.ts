/**
 * Delegated admin relationships (GDAP-like, multi-channel, scenario 3) and external subscriptions
 * (bought elsewhere, registered by the customer so partners can manage them — never resold).
 *
 * Stored states: created → approvalPending → active, or → terminated by either side. `expiring`
 * (the last 30 days) and `expired` are derived from `now` and the end date, never from a job.
 */
import type { Instant } from '../kernel/time.ts';

export const ADMIN_RELATIONSHIP_STATES = [
  'created',
  'approvalPending',
  'active',
  'expiring',
  'expired',
  'terminated',
] as const;
export type AdminRelationshipState = (typeof ADMIN_RELATIONSHIP_STATES)[number];

/** The states that are stored; the others are derived. */
export type StoredAdminRelationshipState = 'created' | 'approvalPending' | 'active' | 'terminated';

export const ADMIN_RELATIONSHIP_TRANSITIONS: Readonly<
  Record<AdminRelationshipState, readonly AdminRelationshipState[]>
> = {
  created: ['approvalPending', 'terminated'],
  approvalPending: ['active', 'terminated'],
  active: ['expiring', 'expired', 'terminated'],
  expiring: ['active', 'expired', 'terminated'],
  expired: [],
  terminated: [],
};

/** Admin roles a partner may ask for (a subset of a directory's built-in roles). */
export const ADMIN_ROLES = [
  'directory-readers',
  'user-administrator',
  'helpdesk-administrator',
  'license-administrator',
  'billing-administrator',
  'service-support-administrator',
  'global-administrator',
] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const AUTO_EXTEND = ['none', 'P180D'] as const;
export type AutoExtend = (typeof AUTO_EXTEND)[number];

/** Duration bounds: 1 day to 2 years (730 days). */
export const MIN_DURATION_DAYS = 1;
export const MAX_DURATION_DAYS = 730;
/** The window before the end in which an active relationship shows as `expiring`. */
export const EXPIRING_WINDOW_DAYS = 30;
export const AUTO_EXTEND_DAYS = 180;

export interface AdminRelationship {
  readonly id: string;
  readonly partnerTenantId: string;
  readonly customerTenantId: string;
  readonly displayName: string;
  readonly roles: readonly AdminRole[];
  readonly durationDays: number;
  readonly autoExtend: AutoExtend;
  readonly state: StoredAdminRelationshipState;
  readonly createdAt: Instant;
  readonly activatedAt: Instant | null;
  /** The first end date (activation + duration); auto-extension moves the effective end. */
  readonly endsAt: Instant | null;
  readonly terminatedAt: Instant | null;
}

const DAY = 86_400_000;

/** The effective end at `now`: with auto-extend, the first end moved by 180-day steps until past `now`. */
export function effectiveEnd(
  r: Pick<AdminRelationship, 'endsAt' | 'autoExtend'>,
  now: Date,
): Date | undefined {
  if (!r.endsAt) return undefined;
  let end = new Date(r.endsAt).getTime();
  if (r.autoExtend === 'P180D' && now.getTime() >= end) {
    const steps = Math.floor((now.getTime() - end) / (AUTO_EXTEND_DAYS * DAY)) + 1;
    end += steps * AUTO_EXTEND_DAYS * DAY;
  }
  return new Date(end);
}

/** What the relationship is at `now`. */
export function effectiveAdminState(
  r: Pick<AdminRelationship, 'state' | 'endsAt' | 'autoExtend'>,
  now: Date,
): AdminRelationshipState {
  if (r.state !== 'active') return r.state;
  const end = effectiveEnd(r, now);
  if (!end) return 'active';
  if (now >= end) return 'expired';
  return end.getTime() - now.getTime() <= EXPIRING_WINDOW_DAYS * DAY ? 'expiring' : 'active';
}

export const EXTERNAL_SOURCES = ['direct', 'other-program', 'other-partner'] as const;
export type ExternalSource = (typeof EXTERNAL_SOURCES)[number];

export interface ExternalSubscription {
  readonly id: string;
  readonly customerTenantId: string;
  readonly source: ExternalSource;
  readonly offerName: string;
  readonly quantity: number;
  readonly externalReference: string | null;
  readonly registeredAt: Instant;
}
