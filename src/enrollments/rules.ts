/**
 * Pure rules of the enrollment lifecycle and the direct-bill requirements.
 */
import { type Violation, violation } from '../kernel/outcome.ts';
import type { DirectBillRequirementDefinition, Program } from '../program/program.ts';
import {
  type DirectBillRequirement,
  ENROLLMENT_TRANSITIONS,
  type Enrollment,
  type EnrollmentStatus,
  type ProgramRole,
} from './model.ts';

/** Why `from → to` is not allowed for an enrollment in `role`, or undefined when it is. */
export function transitionViolation(
  role: ProgramRole,
  from: EnrollmentStatus,
  to: EnrollmentStatus,
): Violation | undefined {
  if (!ENROLLMENT_TRANSITIONS[from].includes(to)) {
    return violation('INVALID_TRANSITION', `An enrollment cannot go from ${from} to ${to}.`, {
      scenario: 'enrollment',
      remedies: from === 'rejected' || from === 'declined' ? ['Submit a new enrollment.'] : [],
    });
  }
  if (to === 'restricted' && role !== 'direct-bill') {
    return violation(
      'NOT_DIRECT_BILL_ENROLLMENT',
      `Only a direct-bill enrollment can be restricted, not ${role}.`,
      {
        scenario: 'enrollment',
      },
    );
  }
  return undefined;
}

/** True when `from → to` is allowed for `role` (the transition table plus its guards). */
export function canTransition(role: ProgramRole, from: EnrollmentStatus, to: EnrollmentStatus): boolean {
  return transitionViolation(role, from, to) === undefined;
}

/**
 * The required direct-bill items that are not verified. `partner-id` is derived: it holds when the
 * CSP tenant is tied to an active location Partner ID.
 */
export function unmetRequirements(
  program: Program,
  recorded: readonly DirectBillRequirement[],
  partnerIdAssociated: boolean,
): DirectBillRequirementDefinition[] {
  const verified = new Set(recorded.filter((r) => r.status === 'verified').map((r) => r.item));
  return program.directBill.requirements.filter(
    (def) =>
      def.required &&
      !(def.derived ? def.key === 'partner-id' && partnerIdAssociated : verified.has(def.key)),
  );
}

export function requirementsUnmetViolation(
  unmet: readonly DirectBillRequirementDefinition[],
): Violation | undefined {
  if (unmet.length === 0) return undefined;
  return violation(
    'DIRECT_BILL_REQUIREMENTS_UNMET',
    `Direct-bill requirements not verified: ${unmet.map((u) => u.key).join(', ')}.`,
    {
      scenario: 'enrollment',
      remedies: unmet.map((u) =>
        u.derived
          ? `Associate a location Partner ID with the CSP tenant (${u.label}).`
          : `Record and have the operator verify: ${u.label}.`,
      ),
    },
  );
}

/** An enrollment is not a direct-bill one: the checklist does not apply. */
export function directBillOnlyViolation(enrollment: Enrollment): Violation | undefined {
  return enrollment.role === 'direct-bill'
    ? undefined
    : violation(
        'NOT_DIRECT_BILL_ENROLLMENT',
        `Enrollment ${enrollment.id} is ${enrollment.role}; requirements apply to direct-bill.`,
        {
          field: 'enrollmentId',
          scenario: 'enrollment',
        },
      );
}

/** An item with a prerequisite (`after`) may be recorded only once the prerequisite is verified. */
export function orderViolation(
  def: DirectBillRequirementDefinition,
  recorded: readonly DirectBillRequirement[],
): Violation | undefined {
  if (!def.after) return undefined;
  const before = recorded.find((r) => r.item === def.after);
  if (before?.status === 'verified') return undefined;
  return violation(
    'REQUIREMENT_OUT_OF_ORDER',
    `"${def.key}" may only be recorded after "${def.after}" is verified.`,
    {
      field: 'item',
      scenario: 'enrollment',
      remedies: [
        `Wait for the operator to verify "${def.after}" first; do not buy the support plan before the credit check passes.`,
      ],
    },
  );
}

/** The trailing revenue must reach the program threshold, in the threshold's currency. */
export function revenueViolation(
  program: Program,
  amountMinor: number | null,
  currency: string | null,
): Violation | undefined {
  const min = program.directBill.minimumTrailingRevenue;
  if (amountMinor !== null && currency === min.currency && amountMinor >= min.amountMinor) return undefined;
  return violation(
    'REVENUE_BELOW_THRESHOLD',
    `Trailing 12-month revenue ${amountMinor ?? 0} ${currency ?? ''} (minor units) is below ${min.amountMinor} ${min.currency}.`,
    {
      field: 'item',
      scenario: 'enrollment',
      remedies: ['Keep transacting as an indirect reseller until the threshold is met.'],
    },
  );
}
