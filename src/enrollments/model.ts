/**
 * Enrollment of a CSP tenant in a program role, and its lifecycle as a transition table.
 *
 * pending (submitted) → qualified (verified by the program operator) → active (once the partner
 * agreement is signed for the tenant's region). The operator may instead reject (verification
 * failed) or decline (requirements not met) a pending application. A direct-bill partner that no
 * longer meets the requirements is `restricted`: no new purchases, customers or invitations; its
 * existing subscriptions continue. Lifting the restriction makes it active again.
 */
import type { EnrollmentId, TenantId } from '../kernel/ids.ts';
import type { Instant } from '../kernel/time.ts';
import type { DirectBillRequirementKey } from '../program/program.ts';

export const PROGRAM_ROLES = ['indirect-provider', 'indirect-reseller', 'direct-bill'] as const;
export type ProgramRole = (typeof PROGRAM_ROLES)[number];

export const ENROLLMENT_STATUSES = [
  'pending',
  'qualified',
  'active',
  'restricted',
  'rejected',
  'declined',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** Every allowed move. Anything not listed is refused with `INVALID_TRANSITION`. */
export const ENROLLMENT_TRANSITIONS: Readonly<Record<EnrollmentStatus, readonly EnrollmentStatus[]>> = {
  pending: ['qualified', 'rejected', 'declined'],
  qualified: ['active', 'rejected'],
  active: ['restricted'],
  restricted: ['active'],
  rejected: [],
  declined: [],
};

/** States in which the tenant holds the role (an open enrollment): a second one is refused. */
export const OPEN_STATUSES: readonly EnrollmentStatus[] = ['pending', 'qualified', 'active', 'restricted'];

export interface Enrollment {
  readonly id: EnrollmentId;
  readonly tenantId: TenantId;
  readonly role: ProgramRole;
  readonly status: EnrollmentStatus;
  readonly submittedAt: Instant;
  readonly updatedAt: Instant;
  readonly reason: string | null;
}

export const REQUIREMENT_STATUSES = ['claimed', 'verified', 'failed'] as const;
export type RequirementStatus = (typeof REQUIREMENT_STATUSES)[number];

/** One item of a direct-bill partner's requirements checklist, as recorded and verified. */
export interface DirectBillRequirement {
  readonly item: DirectBillRequirementKey;
  readonly status: RequirementStatus;
  readonly evidence: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly recordedAt: Instant;
  readonly verifiedAt: Instant | null;
}
