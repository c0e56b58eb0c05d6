/**
 * Pure rules about agreements.
 */
import { type Violation, violation } from '../kernel/outcome.ts';
import type { AgreementDefinition, Program } from '../program/program.ts';
import type { RegionId } from '../program/regions.ts';
import type { AgreementAcceptance } from './model.ts';

/** The UTC instant an agreement version takes effect. */
export function effectiveFrom(def: AgreementDefinition): Date {
  return new Date(`${def.effectiveDate}T00:00:00.000Z`);
}

/** Nobody can accept a version before it takes effect. */
export function notYetEffectiveViolation(def: AgreementDefinition, at: Date): Violation | undefined {
  if (at >= effectiveFrom(def)) return undefined;
  return violation(
    'AGREEMENT_NOT_YET_EFFECTIVE',
    `The ${def.abbreviation} version ${def.version} takes effect on ${def.effectiveDate}.`,
    {
      remedies: [`Accept it on or after ${def.effectiveDate}.`],
    },
  );
}

/**
 * Is the partner agreement in force for this organization in this region at `now`?
 * Returns the violation a transaction there would meet, or undefined. Before the agreement's
 * effective date (and with the program's `enforceMpaFromEffectiveDate`), it is not yet required:
 * the seed's "Starting February 1, 2020, the MPA must be signed by all partners who transact".
 */
export function partnerAgreementViolation(
  program: Program,
  latest: Pick<AgreementAcceptance, 'version'> | undefined,
  region: RegionId,
  signingTenantId: string,
  now: Date,
): Violation | undefined {
  const def = program.agreements.partner;
  if (program.policies.enforceMpaFromEffectiveDate && now < effectiveFrom(def)) return undefined;
  const remedy = `A global admin of tenant ${signingTenantId} signs the ${def.abbreviation} (version ${def.version}) for region ${region}.`;
  if (!latest) {
    return violation('MPA_NOT_SIGNED', `The ${def.abbreviation} is not signed for region ${region}.`, {
      scenario: 'mpa',
      remedies: [remedy],
    });
  }
  if (latest.version !== def.version) {
    return violation(
      'MPA_VERSION_OUTDATED',
      `The ${def.abbreviation} was signed for region ${region} in version ${latest.version}; version ${def.version} is current.`,
      { scenario: 'mpa', remedies: [remedy] },
    );
  }
  return undefined;
}
