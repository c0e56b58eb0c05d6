/**
 * Commands over enrollments: a CSP tenant enrolls in a program role; the program operator verifies,
 * rejects or declines it; the partner agreement activates it; direct-bill partners record their
 * requirements checklist, which the operator verifies item by item, and may be restricted.
 */
import { partnerAgreementInForce } from '../agreements/service.ts';
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext } from '../app/context.ts';
import type { EnrollmentId, TenantId } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import {
  getTenant,
  getTenantLocation,
  principalOrganizationId,
  requireOperator,
  requireTenantAdmin,
  tenantNotFound,
} from '../parties/service.ts';
import {
  type DirectBillRequirement,
  type Enrollment,
  type EnrollmentStatus,
  OPEN_STATUSES,
  PROGRAM_ROLES,
} from './model.ts';
import {
  directBillOnlyViolation,
  orderViolation,
  requirementsUnmetViolation,
  revenueViolation,
  transitionViolation,
  unmetRequirements,
} from './rules.ts';
import * as store from './store.ts';

export { getEnrollment, listTenantEnrollments } from './store.ts';

function parseEnrollmentId(input: unknown, withReason: boolean) {
  const f = new Fields(input);
  const enrollmentId = f.guid('enrollmentId');
  const reason = withReason ? f.text('reason', { max: 500 }) : undefined;
  return f.finish(() => ({ enrollmentId, reason }));
}

async function loadEnrollment(ctx: CommandContext, id: string): Promise<Outcome<Enrollment>> {
  const e = await store.getEnrollment(ctx.tx, id);
  return e
    ? accept(e)
    : refuse(violation('ENROLLMENT_NOT_FOUND', `No enrollment ${id}.`, { field: 'enrollmentId' }));
}

/** Moves an enrollment along its transition table and records the event. */
async function transition(
  ctx: CommandContext,
  e: Enrollment,
  to: EnrollmentStatus,
  event: string,
  reason: string | null,
): Promise<Outcome<Enrollment>> {
  const v = transitionViolation(e.role, e.status, to);
  if (v) return refuse(v);
  const at = toInstant(ctx.now);
  await store.updateEnrollmentStatus(ctx.tx, e.id, to, at, reason);
  await ctx.record({
    type: event,
    entityType: 'enrollment',
    entityId: e.id,
    payload: { from: e.status, to, reason },
  });
  return accept({ ...e, status: to, updatedAt: at, reason });
}

/** For a direct-bill enrollment: the violation when its required items are not all verified. */
async function requirementsViolation(ctx: CommandContext, e: Enrollment): Promise<Violation | undefined> {
  if (e.role !== 'direct-bill') return undefined;
  const recorded = await store.listRequirements(ctx.tx, e.id);
  const associated = (await getTenantLocation(ctx.tx, e.tenantId)) !== undefined;
  return requirementsUnmetViolation(unmetRequirements(ctx.program, recorded, associated));
}

/** Activates a qualified enrollment when the partner agreement is in force for its tenant's region. */
async function activateIfAgreementInForce(ctx: CommandContext, e: Enrollment): Promise<Enrollment> {
  if (e.status !== 'qualified') return e;
  const tenant = await getTenant(ctx.tx, e.tenantId);
  if (!tenant || !(await partnerAgreementInForce(ctx, tenant))) return e;
  const activated = await transition(ctx, e, 'active', 'enrollment.activated', null);
  return activated.ok ? activated.value : e;
}

/**
 * Activates every qualified enrollment of the organization's tenants in a region; called by the
 * agreements service in the same transaction right after the partner agreement is signed there.
 */
export async function activateQualifiedEnrollments(
  ctx: CommandContext,
  organizationId: string,
  region: string,
): Promise<Enrollment[]> {
  const countries = ctx.program.catalogue.region(region)?.markets.map((m) => m.country) ?? [];
  const qualified = await store.listQualifiedInCountries(ctx.tx, organizationId, countries);
  const out: Enrollment[] = [];
  for (const e of qualified) out.push(await activateIfAgreementInForce(ctx, e));
  return out;
}

/** A CSP tenant applies for a program role. Its global admin submits; the status starts `pending`. */
export const enroll = defineCommand({
  name: 'enrollments.enroll',
  parse(input) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId');
    const role = f.oneOf('role', PROGRAM_ROLES);
    return f.finish(() => ({ tenantId, role }));
  },
  async run(ctx, input): Promise<Outcome<Enrollment>> {
    const tenant = await getTenant(ctx.tx, input.tenantId);
    if (!tenant) return refuse(tenantNotFound(input.tenantId));
    const denied = await requireTenantAdmin(ctx, tenant.id, 'enroll this tenant', tenantNotFound(tenant.id));
    if (denied) return refuse(denied);
    if (tenant.type !== 'partner') {
      return refuse(
        violation(
          'NOT_A_PARTNER_TENANT',
          `Tenant ${tenant.id} is a ${tenant.type} tenant; only a CSP tenant enrolls.`,
          {
            field: 'tenantId',
            scenario: '4',
            remedies: ['Enroll with the CSP tenant of the organization (onboard one if it has none).'],
          },
        ),
      );
    }
    // One program role per CSP tenant: the role decides which sales chain the tenant sits in
    // (scenario 1). A partner in two roles uses two CSP tenants (two locations).
    const other = (await store.listTenantEnrollments(ctx.tx, tenant.id)).find(
      (e) => e.role !== input.role && OPEN_STATUSES.includes(e.status),
    );
    if (other) {
      return refuse(
        violation(
          'ENROLLMENT_ROLE_CONFLICT',
          `Tenant ${tenant.id} already holds the ${other.role} role (${other.status}); it cannot also enroll as ${input.role}.`,
          {
            field: 'role',
            remedies: [
              `Enroll another CSP tenant of the organization (for another location) as ${input.role}.`,
              'Or keep this tenant in its current role.',
            ],
          },
        ),
      );
    }
    const open = await store.findOpenEnrollment(ctx.tx, tenant.id, input.role);
    if (open) {
      return refuse(
        violation(
          'ENROLLMENT_ALREADY_EXISTS',
          `Tenant ${tenant.id} already has a ${open.status} ${input.role} enrollment ${open.id}.`,
          {
            field: 'role',
          },
        ),
      );
    }
    const at = toInstant(ctx.now);
    const enrollment: Enrollment = {
      id: ctx.ids.guid() as EnrollmentId,
      tenantId: tenant.id as TenantId,
      role: input.role,
      status: 'pending',
      submittedAt: at,
      updatedAt: at,
      reason: null,
    };
    await store.insertEnrollment(
      ctx.tx,
      enrollment,
      ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    );
    await ctx.record({
      type: 'enrollment.submitted',
      entityType: 'enrollment',
      entityId: enrollment.id,
      payload: { ...enrollment },
    });
    return accept(enrollment);
  },
});

/**
 * The operator verifies a pending enrollment: it becomes `qualified`, and at once `active` when the
 * partner agreement is already signed for the tenant's region. A direct-bill enrollment needs every
 * required item of its checklist verified first.
 */
export const verifyEnrollment = defineCommand({
  name: 'enrollments.verify',
  parse: (input) => parseEnrollmentId(input, false),
  async run(ctx, input): Promise<Outcome<Enrollment>> {
    const denied = requireOperator(ctx, 'verify enrollments');
    if (denied) return refuse(denied);
    const loaded = await loadEnrollment(ctx, input.enrollmentId);
    if (!loaded.ok) return loaded;
    const e = loaded.value;
    const problems = [
      transitionViolation(e.role, e.status, 'qualified'),
      await requirementsViolation(ctx, e),
    ].filter((v): v is Violation => v !== undefined);
    if (problems.length > 0) return refuse(...problems);
    const qualified = await transition(ctx, e, 'qualified', 'enrollment.qualified', null);
    return qualified.ok ? accept(await activateIfAgreementInForce(ctx, qualified.value)) : qualified;
  },
});

function decision(name: string, to: 'rejected' | 'declined', event: string) {
  return defineCommand({
    name,
    parse: (input) => parseEnrollmentId(input, true),
    async run(ctx, input): Promise<Outcome<Enrollment>> {
      const denied = requireOperator(ctx, `mark enrollments ${to}`);
      if (denied) return refuse(denied);
      const loaded = await loadEnrollment(ctx, input.enrollmentId);
      return loaded.ok ? transition(ctx, loaded.value, to, event, input.reason ?? null) : loaded;
    },
  });
}

/** The operator rejects an enrollment whose verification failed. */
export const rejectEnrollment = decision('enrollments.reject', 'rejected', 'enrollment.rejected');
/** The operator declines an application that does not meet the program's requirements. */
export const declineEnrollment = decision('enrollments.decline', 'declined', 'enrollment.declined');

/**
 * The operator restricts a direct-bill partner that no longer meets the requirements: no new
 * purchases, customers or invitations; existing subscriptions continue.
 */
export const restrictEnrollment = defineCommand({
  name: 'enrollments.restrict',
  parse: (input) => parseEnrollmentId(input, true),
  async run(ctx, input): Promise<Outcome<Enrollment>> {
    const denied = requireOperator(ctx, 'restrict enrollments');
    if (denied) return refuse(denied);
    const loaded = await loadEnrollment(ctx, input.enrollmentId);
    return loaded.ok
      ? transition(ctx, loaded.value, 'restricted', 'enrollment.restricted', input.reason ?? null)
      : loaded;
  },
});

/** The operator lifts a restriction once every required item is verified again. */
export const reinstateEnrollment = defineCommand({
  name: 'enrollments.reinstate',
  parse: (input) => parseEnrollmentId(input, false),
  async run(ctx, input): Promise<Outcome<Enrollment>> {
    const denied = requireOperator(ctx, 'reinstate enrollments');
    if (denied) return refuse(denied);
    const loaded = await loadEnrollment(ctx, input.enrollmentId);
    if (!loaded.ok) return loaded;
    // Only a restriction is lifted here; qualified → active happens by signing the partner agreement.
    const notRestricted =
      loaded.value.status === 'restricted'
        ? undefined
        : violation(
            'INVALID_TRANSITION',
            `Enrollment ${loaded.value.id} is ${loaded.value.status}; only a restricted one can be reinstated.`,
            {
              scenario: 'enrollment',
            },
          );
    const problems = [notRestricted, await requirementsViolation(ctx, loaded.value)].filter(
      (v): v is Violation => v !== undefined,
    );
    if (problems.length > 0) return refuse(...problems);
    return transition(ctx, loaded.value, 'active', 'enrollment.reinstated', null);
  },
});

/**
 * A direct-bill applicant records one item of its requirements checklist (with evidence; the
 * trailing revenue with its amount). Recording again resets the item to `claimed`.
 */
export const recordDirectBillRequirement = defineCommand({
  name: 'enrollments.record-requirement',
  parse(input, program) {
    const f = new Fields(input);
    const enrollmentId = f.guid('enrollmentId');
    const keys = program.directBill.requirements.filter((r) => !r.derived).map((r) => r.key);
    const item = f.oneOf('item', keys);
    const evidence = f.text('evidence', { max: 1000, optional: true });
    const def = program.directBill.requirements.find((r) => r.key === item);
    const amountMinor = def?.amount ? f.integer('amountMinor', { min: 0 }) : undefined;
    const currency = def?.amount
      ? f.oneOf('currency', [program.directBill.minimumTrailingRevenue.currency])
      : undefined;
    return f.finish(() => ({ enrollmentId, item, evidence, amountMinor, currency }));
  },
  async run(ctx, input): Promise<Outcome<DirectBillRequirement>> {
    const loaded = await loadEnrollment(ctx, input.enrollmentId);
    if (!loaded.ok) return loaded;
    const e = loaded.value;
    const denied = await requireTenantAdmin(
      ctx,
      e.tenantId,
      'record requirements for this enrollment',
      violation('ENROLLMENT_NOT_FOUND', `No enrollment ${e.id}.`, { field: 'enrollmentId' }),
    );
    if (denied) return refuse(denied);
    const recorded = await store.listRequirements(ctx.tx, e.id);
    const def = ctx.program.directBill.requirements.find((r) => r.key === input.item);
    const problems = [directBillOnlyViolation(e), def && orderViolation(def, recorded)].filter(
      (v): v is Violation => v !== undefined,
    );
    if (problems.length > 0) return refuse(...problems);
    const at = toInstant(ctx.now);
    const row = {
      item: input.item,
      evidence: input.evidence ?? null,
      amountMinor: input.amountMinor ?? null,
      currency: input.currency ?? null,
      at,
      by: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    };
    await store.upsertRequirement(ctx.tx, e.id, row);
    await ctx.record({
      type: 'enrollment.requirement-recorded',
      entityType: 'enrollment',
      entityId: e.id,
      payload: { ...row },
    });
    const { at: _at, by: _by, ...fields } = row;
    return accept({ ...fields, status: 'claimed', recordedAt: at, verifiedAt: null });
  },
});

/** The operator verifies (or fails) one recorded requirement. The revenue must reach the threshold. */
export const verifyDirectBillRequirement = defineCommand({
  name: 'enrollments.verify-requirement',
  parse(input) {
    const f = new Fields(input);
    const enrollmentId = f.guid('enrollmentId');
    const item = f.text('item', { max: 64 });
    const outcome = f.oneOf('outcome', ['verified', 'failed'] as const);
    return f.finish(() => ({ enrollmentId, item, outcome }));
  },
  async run(ctx, input): Promise<Outcome<DirectBillRequirement>> {
    const denied = requireOperator(ctx, 'verify requirements');
    if (denied) return refuse(denied);
    const loaded = await loadEnrollment(ctx, input.enrollmentId);
    if (!loaded.ok) return loaded;
    const onlyDirect = directBillOnlyViolation(loaded.value);
    if (onlyDirect) return refuse(onlyDirect);
    const recorded = await store.listRequirements(ctx.tx, loaded.value.id);
    const item = recorded.find((r) => r.item === input.item);
    if (!item) {
      return refuse(
        violation(
          'INVALID_FIELD',
          `item "${input.item}" has not been recorded for enrollment ${loaded.value.id}.`,
          {
            field: 'item',
            remedies: ['The partner records the item first.'],
          },
        ),
      );
    }
    const def = ctx.program.directBill.requirements.find((r) => r.key === item.item);
    if (input.outcome === 'verified' && def?.amount) {
      const low = revenueViolation(ctx.program, item.amountMinor, item.currency);
      if (low) return refuse(low);
    }
    const at = toInstant(ctx.now);
    const by = ctx.principal.kind === 'user' ? ctx.principal.userId : null;
    await store.setRequirementStatus(ctx.tx, loaded.value.id, item.item, input.outcome, at, by);
    await ctx.record({
      type: `enrollment.requirement-${input.outcome}`,
      entityType: 'enrollment',
      entityId: loaded.value.id,
      payload: { item: item.item },
    });
    return accept({ ...item, status: input.outcome, verifiedAt: at });
  },
});

export interface EnrollmentView extends Enrollment {
  readonly requirements: readonly DirectBillRequirement[];
}

/** An enrollment with its requirements: the operator, or users of the enrolled organization. */
export const getEnrollmentView = defineQuery({
  name: 'enrollments.get',
  parse: (input) => parseEnrollmentId(input, false),
  async run(ctx, input): Promise<Outcome<EnrollmentView>> {
    const e = await store.getEnrollment(ctx.tx, input.enrollmentId);
    const tenant = e && (await getTenant(ctx.tx, e.tenantId));
    const visible =
      tenant && (isOperator(ctx.principal) || (await principalOrganizationId(ctx)) === tenant.organizationId);
    if (!e || !visible)
      return refuse(
        violation('ENROLLMENT_NOT_FOUND', `No enrollment ${input.enrollmentId}.`, { field: 'enrollmentId' }),
      );
    return accept({ ...e, requirements: await store.listRequirements(ctx.tx, e.id) });
  },
});
