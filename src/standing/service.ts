/**
 * The standing query: may a CSP tenant transact in a region, and if not, every missing step.
 * Loads the facts inside one read snapshot and hands them to the pure `evaluateStanding`.
 */
import { latestPartnerAcceptance } from '../agreements/service.ts';
import { defineQuery } from '../app/command.ts';
import type { QueryContext } from '../app/context.ts';
import type { Enrollment, ProgramRole } from '../enrollments/model.ts';
import { PROGRAM_ROLES } from '../enrollments/model.ts';
import { listTenantEnrollments } from '../enrollments/service.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { Fields } from '../kernel/validate.ts';
import type { Tenant } from '../parties/model.ts';
import { getLocation, getTenant, getTenantLocation, principalOrganizationId } from '../parties/service.ts';
import { evaluateStanding, type Standing } from '../rules/standing.ts';

/** Preference when no role is asked: the enrollment furthest along. */
const RANK: Record<Enrollment['status'], number> = {
  active: 5,
  restricted: 4,
  qualified: 3,
  pending: 2,
  declined: 1,
  rejected: 0,
};

function pickEnrollment(all: readonly Enrollment[], role: ProgramRole | undefined): Enrollment | undefined {
  const candidates = role ? all.filter((e) => e.role === role) : all;
  // Latest first, then by how far along: a new application after a rejection counts.
  return [...candidates].reverse().sort((a, b) => RANK[b.status] - RANK[a.status])[0];
}

/** Loads the facts and evaluates the standing of one CSP tenant (used by rules of later issues too). */
export async function standingOf(
  ctx: QueryContext,
  tenant: Tenant,
  region: string,
  role: ProgramRole | undefined,
): Promise<Standing> {
  const enrollment = pickEnrollment(await listTenantEnrollments(ctx.tx, tenant.id), role);
  return evaluateStanding(
    ctx.program,
    {
      tenant,
      location: await getTenantLocation(ctx.tx, tenant.id),
      enrollment,
      partnerAgreement: await latestPartnerAcceptance(ctx.tx, tenant.organizationId, region),
    },
    { region, role, now: ctx.now },
  );
}

/**
 * May this tenant (by id, or by its location Partner ID) transact in `region` (default: its own)?
 * Visible to the program operator and to the tenant's own organization.
 */
export const getStanding = defineQuery({
  name: 'standing.get',
  parse(input, program) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId', { optional: true });
    const partnerId = f.integer('partnerId', { min: 1, optional: true });
    if ((tenantId === undefined) === (partnerId === undefined))
      f.fail('REQUIRED_FIELD', 'tenantId', 'or partnerId is required (one of them)');
    const region = f.text('region', { max: 64, optional: true });
    if (region !== undefined && !program.catalogue.region(region))
      f.fail('UNKNOWN_REGION', 'region', `"${region}" is not a region of the program`);
    const role = f.oneOf('role', PROGRAM_ROLES, { optional: true });
    return f.finish(() => ({ tenantId, partnerId, region, role }));
  },
  async run(ctx, input): Promise<Outcome<Standing>> {
    const tenantId =
      input.tenantId ??
      (input.partnerId !== undefined ? (await getLocation(ctx.tx, input.partnerId))?.tenantId : undefined);
    const tenant = tenantId ? await getTenant(ctx.tx, tenantId) : undefined;
    const visible =
      tenant && (isOperator(ctx.principal) || (await principalOrganizationId(ctx)) === tenant.organizationId);
    if (!tenant || !visible) {
      return refuse(
        input.tenantId
          ? violation('TENANT_NOT_FOUND', `No tenant ${input.tenantId}.`, { field: 'tenantId' })
          : violation('PARTNER_ID_NOT_FOUND', `No CSP tenant has Partner ID ${input.partnerId}.`, {
              field: 'partnerId',
            }),
      );
    }
    const region = input.region ?? ctx.program.catalogue.regionOf(tenant.country) ?? '';
    return accept(await standingOf(ctx, tenant, region, input.role));
  },
});
