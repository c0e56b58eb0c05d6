/**
 * May this CSP tenant transact in this region, in this program role — and if not, every missing
 * step, each with its stable code and remedies. Pure: facts in, decision out.
 *
 * The seed: partners "need to do three things before they can transact new business in the CSP
 * program: Onboard into Partner Center; Enroll …; Sign the Microsoft Partner Agreement (MPA)", the
 * MPA "once in every CSP region", after the enrollment is verified and the location Partner ID of
 * the tenant's country is associated (indirect-reseller tasks page).
 */

import type { AgreementAcceptance } from '../agreements/model.ts';
import { partnerAgreementViolation } from '../agreements/rules.ts';
import type { Enrollment, ProgramRole } from '../enrollments/model.ts';
import { type Violation, violation } from '../kernel/outcome.ts';
import type { Tenant } from '../parties/model.ts';
import type { Program } from '../program/program.ts';
import type { RegionId } from '../program/regions.ts';

export interface StandingFacts {
  readonly tenant: {
    readonly id: string;
    readonly type: Tenant['type'];
    readonly country: string;
    readonly organizationId: string;
  };
  /** The location Partner ID tied to the tenant, if any. */
  readonly location: { readonly partnerId: number; readonly country: string } | undefined;
  /** The tenant's enrollment in the role being asked about (the latest one), if any. */
  readonly enrollment:
    | { readonly id: string; readonly role: ProgramRole; readonly status: Enrollment['status'] }
    | undefined;
  /** The organization's latest partner-agreement acceptance for the region asked about. */
  readonly partnerAgreement: Pick<AgreementAcceptance, 'version'> | undefined;
}

export const STANDING_STEPS = [
  'onboarded',
  'partner-id',
  'enrolled',
  'verified',
  'active',
  'partner-agreement',
  'region',
] as const;
export type StandingStep = (typeof STANDING_STEPS)[number];

export interface Standing {
  readonly tenantId: string;
  readonly region: RegionId;
  readonly role: ProgramRole | null;
  readonly partnerId: number | null;
  readonly enrollmentStatus: Enrollment['status'] | null;
  readonly mayTransact: boolean;
  /** Each step and whether it is done, in the order a partner takes them. */
  readonly steps: readonly { readonly step: StandingStep; readonly done: boolean }[];
  readonly violations: readonly Violation[];
}

const scenario = 'mpa';

/** Evaluates the standing of a CSP tenant for `region` at `now`. Returns every missing step. */
export function evaluateStanding(
  program: Program,
  facts: StandingFacts,
  ask: { readonly region: RegionId; readonly role: ProgramRole | undefined; readonly now: Date },
): Standing {
  const { tenant, location, enrollment } = facts;
  const role = ask.role ?? enrollment?.role ?? null;
  const out: { step: StandingStep; violation: Violation | undefined }[] = [];
  const add = (step: StandingStep, v: Violation | undefined) => out.push({ step, violation: v });

  if (tenant.type !== 'partner') {
    add(
      'onboarded',
      violation(
        'PARTNER_NOT_ONBOARDED',
        `Tenant ${tenant.id} is a ${tenant.type} tenant, not a CSP tenant.`,
        {
          scenario,
          remedies: [
            'Onboard the organization as a partner: it gets a CSP tenant, a Partner ID and a global admin.',
          ],
        },
      ),
    );
  } else {
    add('onboarded', undefined);
    add(
      'partner-id',
      !location
        ? violation(
            'PARTNER_ID_NOT_ASSOCIATED',
            `Tenant ${tenant.id} has no location Partner ID associated.`,
            {
              scenario,
              remedies: [
                `Associate the organization's location Partner ID for ${tenant.country} with tenant ${tenant.id}.`,
              ],
            },
          )
        : location.country !== tenant.country
          ? violation(
              'PARTNER_ID_COUNTRY_MISMATCH',
              `Partner ID ${location.partnerId} is for ${location.country}; the tenant is in ${tenant.country}.`,
              {
                scenario,
                remedies: [`Associate the location Partner ID for ${tenant.country}.`],
              },
            )
          : undefined,
    );
    const roleName = role ?? 'a program role';
    const enrollRemedy = `A global admin of tenant ${tenant.id} enrolls it as ${roleName}.`;
    add(
      'enrolled',
      !enrollment || enrollment.status === 'rejected' || enrollment.status === 'declined'
        ? violation(
            'PARTNER_NOT_ENROLLED',
            enrollment
              ? `The ${enrollment.role} enrollment of tenant ${tenant.id} was ${enrollment.status}.`
              : `Tenant ${tenant.id} is not enrolled as ${roleName}.`,
            { scenario, remedies: [enrollRemedy] },
          )
        : undefined,
    );
    add(
      'verified',
      enrollment?.status === 'pending'
        ? violation(
            'ENROLLMENT_NOT_VERIFIED',
            `The ${enrollment.role} enrollment ${enrollment.id} awaits verification by the program.`,
            {
              scenario,
              remedies: [
                'Wait for the program operator to verify the enrollment (answer its questions promptly).',
              ],
            },
          )
        : undefined,
    );
    add(
      'active',
      enrollment?.status === 'restricted'
        ? violation('DIRECT_BILL_RESTRICTED', `The direct-bill enrollment ${enrollment.id} is restricted.`, {
            scenario: 'enrollment',
            remedies: [
              'Meet the direct-bill requirements again and ask the operator to reinstate the enrollment.',
              'Transact as an indirect reseller through an indirect provider.',
            ],
          })
        : enrollment?.status === 'qualified'
          ? violation(
              'ENROLLMENT_NOT_ACTIVE',
              `The ${enrollment.role} enrollment ${enrollment.id} is qualified; it becomes active once the ${program.agreements.partner.abbreviation} is signed.`,
              {
                scenario,
                remedies: [
                  `A global admin of tenant ${tenant.id} signs the ${program.agreements.partner.abbreviation}.`,
                ],
              },
            )
          : undefined,
    );
    add(
      'partner-agreement',
      partnerAgreementViolation(program, facts.partnerAgreement, ask.region, tenant.id, ask.now),
    );
  }
  const home = program.catalogue.regionOf(tenant.country);
  add(
    'region',
    home !== ask.region
      ? violation(
          'REGION_MISMATCH',
          `Tenant ${tenant.id} is located in ${home ?? 'no region'}, not in ${ask.region}.`,
          {
            scenario: '7',
            remedies: [
              `Transact in ${ask.region} from a CSP tenant located there: add a location in one of its countries and associate a CSP tenant with it.`,
            ],
          },
        )
      : undefined,
  );

  const violations = out.flatMap((s) => (s.violation ? [s.violation] : []));
  const failed = new Set(out.filter((s) => s.violation).map((s) => s.step));
  // A step is done when it is actually accomplished, not merely when it raised no violation:
  // without an enrollment nothing can be verified or active.
  const partner = tenant.type === 'partner';
  const status = partner ? enrollment?.status : undefined;
  const accomplished: Record<StandingStep, boolean> = {
    onboarded: partner,
    'partner-id': partner && location !== undefined && !failed.has('partner-id'),
    enrolled: status !== undefined && status !== 'rejected' && status !== 'declined',
    verified: status === 'qualified' || status === 'active' || status === 'restricted',
    active: status === 'active',
    'partner-agreement': partner && !failed.has('partner-agreement'),
    region: !failed.has('region'),
  };
  return {
    tenantId: tenant.id,
    region: ask.region,
    role,
    partnerId: location?.partnerId ?? null,
    enrollmentStatus: enrollment?.status ?? null,
    mayTransact: violations.length === 0,
    steps: STANDING_STEPS.map((step) => ({ step, done: accomplished[step] })),
    violations,
  };
}
