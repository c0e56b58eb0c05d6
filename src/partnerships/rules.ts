/**
 * Pure rules of the provider–reseller partnership lifecycle and of the support requests that end
 * partnerships: transition guards, who may do what, the invitation's expiry. No I/O, no clock, no
 * randomness — the service loads the facts and passes `now`.
 *
 * The cross-area decisions (invite, accept, end) live in `rules/decisions.ts`; these are the
 * area's own, smaller ones.
 */
import { type Violation, violation } from '../kernel/outcome.ts';
import { isOperator, type Principal, type UserRole } from '../kernel/principal.ts';
import { addDays } from '../kernel/time.ts';
import type { Program } from '../program/program.ts';
import { actsFor, type Decision } from '../rules/decisions.ts';
import {
  PARTNERSHIP_TRANSITIONS,
  type PartnershipStatus,
  SUPPORT_REQUEST_TRANSITIONS,
  type SupportRequestStatus,
} from './model.ts';

/** Roles of the provider that manage its partnerships (Partner Center: global admin, admin agent). */
export const PROVIDER_ADMIN_ROLES: readonly UserRole[] = ['global-admin', 'admin-agent'];

/** Roles of either party that may ask support to end a partnership. */
export const SUPPORT_REQUEST_ROLES: readonly UserRole[] = ['global-admin', 'admin-agent', 'helpdesk-agent'];

function decision(violations: readonly (Violation | undefined)[]): Decision {
  const list = violations.filter((v): v is Violation => v !== undefined);
  return { allowed: list.length === 0, violations: list };
}

function notAuthorized(message: string, remedy: string): Violation {
  return violation('NOT_AUTHORIZED', message, { remedies: [remedy] });
}

function remediesFrom(from: PartnershipStatus): string[] {
  switch (from) {
    case 'declined':
    case 'expired':
    case 'ended':
      return ['The provider invites the reseller to a new partnership.'];
    case 'invited':
      return ["The reseller's global admin accepts or declines the invitation first."];
    default:
      return [];
  }
}

/** Why a partnership cannot go `from → to` (per `PARTNERSHIP_TRANSITIONS`), or undefined when it can. */
export function transitionViolation(from: PartnershipStatus, to: PartnershipStatus): Violation | undefined {
  if (PARTNERSHIP_TRANSITIONS[from].includes(to)) return undefined;
  return violation('INVALID_TRANSITION', `A partnership cannot go from ${from} to ${to}.`, {
    remedies: remediesFrom(from),
  });
}

/** True when a partnership may go `from → to`. */
export function canTransition(from: PartnershipStatus, to: PartnershipStatus): boolean {
  return transitionViolation(from, to) === undefined;
}

/** When an invitation sent at `now` expires: `policies.partnershipInvitationDays` later. */
export function invitationExpiresAt(program: Program, now: Date): Date {
  return addDays(now, program.policies.partnershipInvitationDays);
}

/**
 * Keeps only the `NOT_AUTHORIZED` violations when there is one: someone who may not act must not
 * learn the other party's standing (enrollment, agreement, region) from the refusal.
 */
export function authorizationFirst(d: Decision): Decision {
  const denied = d.violations.filter((v) => v.code === 'NOT_AUTHORIZED');
  return denied.length > 0 ? { allowed: false, violations: denied } : d;
}

export interface DeclinePartnershipFacts {
  readonly actor: Principal;
  readonly resellerTenantId: string;
  /** The effective state (an invitation past its expiry is `expired`). */
  readonly state: PartnershipStatus;
}

/** May the reseller decline this invitation? Only its global admin, only while it is a live invitation. */
export function decideDeclinePartnership(f: DeclinePartnershipFacts): Decision {
  return decision([
    actsFor(f.actor, f.resellerTenantId, ['global-admin'])
      ? undefined
      : notAuthorized(
          'Only a global admin of the reseller declines a partnership invitation.',
          `Ask a global admin of tenant ${f.resellerTenantId}.`,
        ),
    f.state === 'expired'
      ? violation('INVITATION_EXPIRED', 'The partnership invitation has expired.', {
          remedies: ['Nothing to decline: the invitation lapsed on its own.'],
        })
      : transitionViolation(f.state, 'declined'),
  ]);
}

export interface ChangePartnershipStateFacts {
  readonly actor: Principal;
  readonly providerTenantId: string;
  /** The effective state. */
  readonly from: PartnershipStatus;
  readonly to: 'suspended' | 'active';
}

/** May the partnership be suspended or reactivated? The provider's admins or the program operator. */
export function decideChangePartnershipState(f: ChangePartnershipStateFacts): Decision {
  const verb = f.to === 'suspended' ? 'suspends' : 'reactivates';
  return decision([
    actsFor(f.actor, f.providerTenantId, PROVIDER_ADMIN_ROLES) || isOperator(f.actor)
      ? undefined
      : notAuthorized(
          `Only a global admin or admin agent of the provider (or the program operator) ${verb} a partnership.`,
          `Ask an admin of tenant ${f.providerTenantId}.`,
        ),
    // Reactivating an invitation is accepting it: only the reseller does that.
    f.from === 'invited' && f.to === 'active'
      ? violation(
          'INVALID_TRANSITION',
          'A partnership invitation becomes active only when the reseller accepts it.',
          {
            remedies: ["The reseller's global admin accepts the invitation."],
          },
        )
      : transitionViolation(f.from, f.to),
  ]);
}

export interface OpenSupportRequestFacts {
  readonly actor: Principal;
  readonly providerTenantId: string;
  readonly resellerTenantId: string;
  /** The partnership's effective state. */
  readonly state: PartnershipStatus;
}

/**
 * May this user ask support to end the partnership? An admin, admin agent or helpdesk agent of
 * either party, for a partnership that is active or suspended (seed, scenario 6, option 2).
 */
export function decideOpenSupportRequest(f: OpenSupportRequestFacts): Decision {
  const party =
    actsFor(f.actor, f.providerTenantId, SUPPORT_REQUEST_ROLES) ||
    actsFor(f.actor, f.resellerTenantId, SUPPORT_REQUEST_ROLES);
  return decision([
    party
      ? undefined
      : notAuthorized(
          'Only a global admin, admin agent or helpdesk agent of the provider or the reseller opens a support request about their partnership.',
          `Ask an admin of tenant ${f.providerTenantId} or ${f.resellerTenantId}.`,
        ),
    f.state === 'active' || f.state === 'suspended'
      ? undefined
      : violation(
          'INVALID_TRANSITION',
          `The partnership is ${f.state}; only an open partnership can be ended.`,
          {
            remedies: remediesFrom(f.state),
          },
        ),
  ]);
}

export interface ResolveSupportRequestFacts {
  readonly actor: Principal;
  readonly status: SupportRequestStatus;
  readonly outcome: 'resolved' | 'rejected';
}

/** May the support request be decided? Only by the program operator, only once. */
export function decideResolveSupportRequest(f: ResolveSupportRequestFacts): Decision {
  return decision([
    isOperator(f.actor)
      ? undefined
      : notAuthorized('Only the program operator resolves support requests.', 'Wait for the operator.'),
    SUPPORT_REQUEST_TRANSITIONS[f.status].includes(f.outcome)
      ? undefined
      : violation('INVALID_TRANSITION', `The support request is already ${f.status}.`, {
          remedies: ['Open a new support request.'],
        }),
  ]);
}

/** A decision with more violations found beside it. */
export function withViolations(d: Decision, ...more: readonly (Violation | undefined)[]): Decision {
  const extra = more.filter((v): v is Violation => v !== undefined);
  if (extra.length === 0) return d;
  return { allowed: false, violations: [...d.violations, ...extra] };
}
