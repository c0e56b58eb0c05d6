import { describe, expect, it } from 'vitest';
import type { EnrollmentId, TenantId } from '../kernel/ids.ts';
import { defaultProgram } from '../program/load.ts';
import type { Program } from '../program/program.ts';
import {
  type DirectBillRequirement,
  ENROLLMENT_STATUSES,
  ENROLLMENT_TRANSITIONS,
  type Enrollment,
  type EnrollmentStatus,
  PROGRAM_ROLES,
  type ProgramRole,
  type RequirementStatus,
} from './model.ts';
import {
  canTransition,
  directBillOnlyViolation,
  orderViolation,
  requirementsUnmetViolation,
  revenueViolation,
  transitionViolation,
  unmetRequirements,
} from './rules.ts';

const program = defaultProgram();

function req(
  item: string,
  status: RequirementStatus,
  extra: Partial<Pick<DirectBillRequirement, 'amountMinor' | 'currency'>> = {},
): DirectBillRequirement {
  return {
    item,
    status,
    evidence: null,
    amountMinor: extra.amountMinor ?? null,
    currency: extra.currency ?? null,
    recordedAt: '2026-01-01T00:00:00.000Z',
    verifiedAt: status === 'claimed' ? null : '2026-01-02T00:00:00.000Z',
  };
}

const RECORDED_ITEMS = [
  'authority-to-sign',
  'credit-check',
  'support-plan',
  'trailing-revenue',
  'accounts-receivable',
];
const allVerified = (): DirectBillRequirement[] => RECORDED_ITEMS.map((i) => req(i, 'verified'));
const keys = (defs: readonly { key: string }[]) => defs.map((d) => d.key);

function definition(key: string) {
  const def = program.directBill.requirements.find((r) => r.key === key);
  if (!def) throw new Error(`no requirement ${key} in the default program`);
  return def;
}

describe('enrollment transitions', () => {
  const pairs = PROGRAM_ROLES.flatMap((role) =>
    ENROLLMENT_STATUSES.flatMap((from) => ENROLLMENT_STATUSES.map((to) => ({ role, from, to }))),
  );

  /** The expected refusal for a pair, or undefined when the move is allowed. */
  function expected(role: ProgramRole, from: EnrollmentStatus, to: EnrollmentStatus) {
    if (!ENROLLMENT_TRANSITIONS[from].includes(to)) return 'INVALID_TRANSITION';
    if (to === 'restricted' && role !== 'direct-bill') return 'NOT_DIRECT_BILL_ENROLLMENT';
    return undefined;
  }

  it('covers every role × from × to', () => {
    expect(pairs).toHaveLength(PROGRAM_ROLES.length * ENROLLMENT_STATUSES.length ** 2);
    expect(pairs).toHaveLength(108);
  });

  it.each(pairs)('$role: $from → $to', ({ role, from, to }) => {
    const code = expected(role, from, to);
    expect(canTransition(role, from, to)).toBe(code === undefined);
    expect(transitionViolation(role, from, to)?.code).toBe(code);
  });

  it('allows exactly the moves of the lifecycle (spelled out, not derived from the table)', () => {
    const allowed = (role: ProgramRole) =>
      pairs
        .filter((p) => p.role === role && canTransition(p.role, p.from, p.to))
        .map((p) => `${p.from}>${p.to}`)
        .sort();
    const common = [
      'active>restricted',
      'pending>declined',
      'pending>qualified',
      'pending>rejected',
      'qualified>active',
      'qualified>rejected',
      'restricted>active',
    ];
    expect(allowed('direct-bill')).toEqual(common);
    const withoutRestrict = common.filter((m) => m !== 'active>restricted');
    expect(allowed('indirect-reseller')).toEqual(withoutRestrict);
    expect(allowed('indirect-provider')).toEqual(withoutRestrict);
  });

  it('never allows staying in the same status or leaving a final one', () => {
    for (const role of PROGRAM_ROLES) {
      for (const s of ENROLLMENT_STATUSES) expect(canTransition(role, s, s)).toBe(false);
      for (const to of ENROLLMENT_STATUSES) {
        expect(canTransition(role, 'rejected', to)).toBe(false);
        expect(canTransition(role, 'declined', to)).toBe(false);
      }
    }
  });

  it('suggests a new enrollment only when leaving a final status', () => {
    expect(transitionViolation('indirect-reseller', 'rejected', 'active')?.remedies).toEqual([
      'Submit a new enrollment.',
    ]);
    expect(transitionViolation('direct-bill', 'declined', 'pending')?.remedies).toEqual([
      'Submit a new enrollment.',
    ]);
    expect(transitionViolation('direct-bill', 'pending', 'active')?.remedies).toEqual([]);
  });

  it('names the role when refusing to restrict a non-direct-bill enrollment', () => {
    const v = transitionViolation('indirect-reseller', 'active', 'restricted');
    expect(v).toMatchObject({ code: 'NOT_DIRECT_BILL_ENROLLMENT', scenario: 'enrollment' });
    expect(v?.message).toContain('indirect-reseller');
  });
});

describe('directBillOnlyViolation', () => {
  const enrollment = (role: ProgramRole): Enrollment => ({
    id: 'e1' as EnrollmentId,
    tenantId: 't1' as TenantId,
    role,
    status: 'pending',
    submittedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    reason: null,
  });

  it('accepts direct-bill and refuses the other roles on field enrollmentId', () => {
    expect(directBillOnlyViolation(enrollment('direct-bill'))).toBeUndefined();
    for (const role of ['indirect-reseller', 'indirect-provider'] as const) {
      expect(directBillOnlyViolation(enrollment(role))).toMatchObject({
        code: 'NOT_DIRECT_BILL_ENROLLMENT',
        field: 'enrollmentId',
      });
    }
  });
});

describe('unmetRequirements', () => {
  const REQUIRED = [
    'partner-id',
    'authority-to-sign',
    'credit-check',
    'support-plan',
    'trailing-revenue',
    'accounts-receivable',
  ];

  it('the default program requires six items and recommends managed-service', () => {
    expect(keys(program.directBill.requirements.filter((r) => r.required))).toEqual(REQUIRED);
    expect(definition('managed-service').required).toBe(false);
    expect(definition('partner-id').derived).toBe(true);
  });

  it('lists every required item, in program order, when nothing is recorded', () => {
    expect(keys(unmetRequirements(program, [], false))).toEqual(REQUIRED);
  });

  it('is empty when every recorded item is verified and the Partner ID is associated', () => {
    expect(unmetRequirements(program, allVerified(), true)).toEqual([]);
  });

  it('derives partner-id from the association, not from a recorded item', () => {
    expect(keys(unmetRequirements(program, allVerified(), false))).toEqual(['partner-id']);
    // A recorded "partner-id" item does not stand in for the association.
    expect(
      keys(unmetRequirements(program, [...allVerified(), req('partner-id', 'verified')], false)),
    ).toEqual(['partner-id']);
  });

  it('never lists the recommended managed-service item, recorded or not', () => {
    expect(keys(unmetRequirements(program, allVerified(), true))).not.toContain('managed-service');
    expect(keys(unmetRequirements(program, [], false))).not.toContain('managed-service');
    expect(
      keys(unmetRequirements(program, [...allVerified(), req('managed-service', 'failed')], true)),
    ).toEqual([]);
  });

  it('a managed-service item becomes unmet if a program makes it required', () => {
    const strict: Program = {
      ...program,
      directBill: {
        ...program.directBill,
        requirements: program.directBill.requirements.map((r) =>
          r.key === 'managed-service' ? { ...r, required: true } : r,
        ),
      },
    };
    expect(keys(unmetRequirements(strict, allVerified(), true))).toEqual(['managed-service']);
    expect(unmetRequirements(strict, [...allVerified(), req('managed-service', 'verified')], true)).toEqual(
      [],
    );
  });

  it('counts failed and merely claimed items as unmet', () => {
    const recorded = allVerified().map((r) =>
      r.item === 'credit-check'
        ? req('credit-check', 'failed')
        : r.item === 'accounts-receivable'
          ? req('accounts-receivable', 'claimed')
          : r,
    );
    expect(keys(unmetRequirements(program, recorded, true))).toEqual(['credit-check', 'accounts-receivable']);
  });

  it('requirementsUnmetViolation lists the keys, with one remedy per item', () => {
    expect(requirementsUnmetViolation([])).toBeUndefined();
    const v = requirementsUnmetViolation(unmetRequirements(program, allVerified().slice(1), false));
    expect(v?.code).toBe('DIRECT_BILL_REQUIREMENTS_UNMET');
    expect(v?.message).toContain('partner-id, authority-to-sign');
    expect(v?.remedies).toHaveLength(2);
    expect(v?.remedies[0]).toMatch(/^Associate a location Partner ID/);
    expect(v?.remedies[1]).toMatch(/^Record and have the operator verify/);
  });
});

describe('orderViolation', () => {
  const supportPlan = definition('support-plan');

  it('the support plan comes after the credit check', () => {
    expect(supportPlan.after).toBe('credit-check');
  });

  it.each<[string, DirectBillRequirement[]]>([
    ['no credit check recorded', []],
    ['credit check only claimed', [req('credit-check', 'claimed')]],
    ['credit check failed', [req('credit-check', 'failed')]],
    ['other items verified', [req('authority-to-sign', 'verified'), req('accounts-receivable', 'verified')]],
  ])('refuses the support plan with REQUIREMENT_OUT_OF_ORDER: %s', (_, recorded) => {
    const v = orderViolation(supportPlan, recorded);
    expect(v).toMatchObject({ code: 'REQUIREMENT_OUT_OF_ORDER', field: 'item', scenario: 'enrollment' });
    expect(v?.message).toBe('"support-plan" may only be recorded after "credit-check" is verified.');
  });

  it('accepts the support plan once the credit check is verified', () => {
    expect(orderViolation(supportPlan, [req('credit-check', 'verified')])).toBeUndefined();
  });

  it('accepts any item without a prerequisite', () => {
    for (const def of program.directBill.requirements.filter((r) => !r.after)) {
      expect(orderViolation(def, [])).toBeUndefined();
    }
  });
});

describe('revenueViolation', () => {
  const { amountMinor: threshold, currency } = program.directBill.minimumTrailingRevenue;

  it('the threshold is USD 300K (in cents)', () => {
    expect({ threshold, currency }).toEqual({ threshold: 30_000_000, currency: 'USD' });
  });

  it('refuses below the threshold', () => {
    expect(revenueViolation(program, threshold - 1, 'USD')).toMatchObject({
      code: 'REVENUE_BELOW_THRESHOLD',
      field: 'item',
    });
    expect(revenueViolation(program, 0, 'USD')?.code).toBe('REVENUE_BELOW_THRESHOLD');
  });

  it('accepts exactly the threshold and above', () => {
    expect(revenueViolation(program, threshold, 'USD')).toBeUndefined();
    expect(revenueViolation(program, threshold + 1, 'USD')).toBeUndefined();
    expect(revenueViolation(program, 10 * threshold, 'USD')).toBeUndefined();
  });

  it('refuses another currency, even with a larger amount', () => {
    expect(revenueViolation(program, 10 * threshold, 'EUR')?.code).toBe('REVENUE_BELOW_THRESHOLD');
    expect(revenueViolation(program, threshold, 'usd')?.code).toBe('REVENUE_BELOW_THRESHOLD');
  });

  it('refuses a missing amount or currency', () => {
    expect(revenueViolation(program, null, 'USD')?.code).toBe('REVENUE_BELOW_THRESHOLD');
    expect(revenueViolation(program, threshold, null)?.code).toBe('REVENUE_BELOW_THRESHOLD');
    expect(revenueViolation(program, null, null)?.code).toBe('REVENUE_BELOW_THRESHOLD');
  });
});
