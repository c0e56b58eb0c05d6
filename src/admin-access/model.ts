/**
 * Delegated admin relationships (GDAP-like, multi-channel, scenario 3) and external subscriptions
 * (bought elsewhere, registered by the customer so partners can manage them — never resold).
 *
 * Stored states: created → approvalPending → active, or → terminated by either side. `expiring`
 * (the last 30 days) and `expired` are derived from `now` and the end date, never from a job.
 */
import type { Instant } from '../kernel/time.ts';

/** Every state a caller may see: the stored ones and the two derived from the clock. */
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

/**
 * The lifecycle over effective states. `active ⇄ expiring` and `→ expired` happen by the clock
 * (`expiring → active` when auto-extension moves the end); commands only cause
 * `→ approvalPending`, `→ active` and `→ terminated`.
 */
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

/** Auto-extension: none, or by 180 days (ISO-8601 duration) each time the end is reached. */
export const AUTO_EXTEND = ['none', 'P180D'] as const;
export type AutoExtend = (typeof AUTO_EXTEND)[number];

/** Duration bounds: 1 day to 2 years (730 days). */
export const MIN_DURATION_DAYS = 1;
export const MAX_DURATION_DAYS = 730;
/** The window before the end in which an active relationship shows as `expiring`. */
export const EXPIRING_WINDOW_DAYS = 30;
export const AUTO_EXTEND_DAYS = 180;

/** A delegated admin relationship as stored (see `effectiveAdminState` for what it is at a time). */
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
  /** When the partner sent it for approval. */
  readonly requestedAt: Instant | null;
  readonly activatedAt: Instant | null;
  /** The customer's global admin (user id) who approved it. */
  readonly approvedBy: string | null;
  /** The first end date (activation + duration); auto-extension moves the effective end. */
  readonly endsAt: Instant | null;
  readonly terminatedAt: Instant | null;
  /** The side that terminated it (partner or customer tenant; the operator's tenant when it did). */
  readonly terminatedByTenantId: string | null;
}

/**
 * The stored state an effective state comes from: `expiring` and `expired` are derived from a
 * stored `active`. Lets a list filter by effective state narrow its query first.
 */
export function storedStateOf(state: AdminRelationshipState): StoredAdminRelationshipState {
  return state === 'expiring' || state === 'expired' ? 'active' : state;
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

/**
 * What the relationship is at `now`: a stored `active` one is `expiring` in the last 30 days
 * before its effective end and `expired` from the end on — derived, never written by a job.
 */
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

/** Where a subscription bought elsewhere came from: the vendor directly, another program, another partner. */
export const EXTERNAL_SOURCES = ['direct', 'other-program', 'other-partner'] as const;
export type ExternalSource = (typeof EXTERNAL_SOURCES)[number];

/** A subscription the customer bought elsewhere and registered so its partners can manage it. */
export interface ExternalSubscription {
  readonly id: string;
  readonly customerTenantId: string;
  readonly source: ExternalSource;
  readonly offerName: string;
  readonly quantity: number;
  readonly externalReference: string | null;
  readonly registeredAt: Instant;
}
