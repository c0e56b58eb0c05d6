/**
 * Commands over agreements: a global admin of a CSP tenant signs the partner agreement for the
 * tenant's region (once per region per organization); a customer's global admin accepts the
 * customer agreement for its tenant (or the operator records an attested acceptance).
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { activateQualifiedEnrollments } from '../enrollments/service.ts';
import type { AcceptanceId, OrganizationId, TenantId, UserId } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { hasRole, isOperator } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { Tenant } from '../parties/model.ts';
import {
  getOrganization,
  getTenant,
  getTenantLocation,
  getUser,
  organizationNotFound,
  principalOrganizationId,
  tenantNotFound,
} from '../parties/service.ts';
import type { AgreementAcceptance } from './model.ts';
import { notYetEffectiveViolation, partnerAgreementViolation } from './rules.ts';
import * as store from './store.ts';

export { currentPartnerAcceptances, latestCustomerAcceptance, latestPartnerAcceptance } from './store.ts';

/** The operator, or a user of the organization: outsiders learn nothing of the tenant (404). */
async function insider(ctx: QueryContext, organizationId: string): Promise<boolean> {
  return isOperator(ctx.principal) || (await principalOrganizationId(ctx)) === organizationId;
}

/** The violation a transaction by this CSP tenant in `region` would meet for the partner agreement. */
export async function partnerAgreementStatus(
  ctx: QueryContext,
  tenant: Tenant,
  region: string,
): Promise<Violation | undefined> {
  const latest = await store.latestPartnerAcceptance(ctx.tx, tenant.organizationId, region);
  return partnerAgreementViolation(ctx.program, latest, region, tenant.id, ctx.now);
}

/** True when the partner agreement is in force for the tenant's own region. */
export async function partnerAgreementInForce(ctx: QueryContext, tenant: Tenant): Promise<boolean> {
  const region = ctx.program.catalogue.regionOf(tenant.country);
  return region !== undefined && (await partnerAgreementStatus(ctx, tenant, region)) === undefined;
}

/**
 * Records an acceptance of the current customer agreement for a customer tenant, superseding
 * `latest` (the tenant's latest acceptance, if any), with its `agreement.accepted` event. The one
 * way a customer acceptance is written: `agreements.accept-customer-agreement`, and the customers
 * area when a partner creates a customer or a customer accepts it along with an invitation.
 */
export async function recordCustomerAcceptance(
  ctx: CommandContext,
  tenant: { readonly id: string; readonly organizationId: string },
  signer: AgreementAcceptance['signer'],
  acceptedAt: string,
  latest: AgreementAcceptance | undefined,
): Promise<AgreementAcceptance> {
  const acceptance: AgreementAcceptance = {
    id: ctx.ids.guid() as AcceptanceId,
    agreement: 'customer',
    version: ctx.program.agreements.customer.version,
    organizationId: tenant.organizationId as OrganizationId,
    tenantId: tenant.id as TenantId,
    region: null,
    signer,
    acceptedAt,
    recordedAt: toInstant(ctx.now),
    supersedesId: latest?.id ?? null,
  };
  await store.insertAcceptance(
    ctx.tx,
    acceptance,
    ctx.principal.kind === 'user' ? ctx.principal.userId : null,
  );
  await ctx.record({
    type: 'agreement.accepted',
    entityType: 'agreement-acceptance',
    entityId: acceptance.id,
    payload: { ...acceptance },
  });
  return acceptance;
}

export interface SignPartnerAgreementResult {
  readonly acceptance: AgreementAcceptance;
  /** Enrollments that became active because of this signature. */
  readonly activatedEnrollmentIds: readonly string[];
}

/**
 * Signs the partner agreement (current version) for the region of the signing CSP tenant.
 * Only a global admin of that tenant signs ("Only Global Admins on the CSP tenant can view and sign
 * MPA"), only once its Partner ID is associated, and once per region and version.
 */
export const signPartnerAgreement = defineCommand({
  name: 'agreements.sign-partner-agreement',
  parse(input) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId');
    return f.finish(() => ({ tenantId }));
  },
  async run(ctx, input): Promise<Outcome<SignPartnerAgreementResult>> {
    const def = ctx.program.agreements.partner;
    const tenant = await getTenant(ctx.tx, input.tenantId);
    if (!tenant || !(await insider(ctx, tenant.organizationId)))
      return refuse(tenantNotFound(input.tenantId));
    const p = ctx.principal;
    if (p.kind !== 'user' || p.tenantId !== tenant.id || !hasRole(p, 'global-admin')) {
      return refuse(
        violation(
          'MPA_SIGNER_NOT_GLOBAL_ADMIN',
          `Only a global admin of CSP tenant ${tenant.id} can sign the ${def.abbreviation}.`,
          {
            scenario: 'mpa',
            remedies: [`Ask a global admin of tenant ${tenant.id} to sign the ${def.abbreviation}.`],
          },
        ),
      );
    }
    if (tenant.type !== 'partner') {
      return refuse(
        violation(
          'NOT_A_PARTNER_TENANT',
          `The ${def.abbreviation} is signed from a CSP tenant; ${tenant.id} is a ${tenant.type} tenant.`,
          {
            field: 'tenantId',
            scenario: 'mpa',
          },
        ),
      );
    }
    const region = ctx.program.catalogue.regionOf(tenant.country) as string;
    const latest = await store.latestPartnerAcceptance(ctx.tx, tenant.organizationId, region);
    const problems: Violation[] = [];
    if (!(await getTenantLocation(ctx.tx, tenant.id))) {
      problems.push(
        violation('PARTNER_ID_NOT_ASSOCIATED', `Tenant ${tenant.id} has no location Partner ID associated.`, {
          field: 'tenantId',
          scenario: 'mpa',
          remedies: [
            `Associate the location Partner ID for ${tenant.country} with tenant ${tenant.id}, then sign.`,
          ],
        }),
      );
    }
    const early = notYetEffectiveViolation(def, ctx.now);
    if (early) problems.push(early);
    if (latest?.version === def.version) {
      problems.push(
        violation(
          'AGREEMENT_ALREADY_ACCEPTED',
          `The ${def.abbreviation} version ${def.version} is already signed for region ${region}.`,
          {
            scenario: 'mpa',
          },
        ),
      );
    }
    if (problems.length > 0) return refuse(...problems);
    const signer = await getUser(ctx.tx, p.userId);
    const at = toInstant(ctx.now);
    const acceptance: AgreementAcceptance = {
      id: ctx.ids.guid() as AcceptanceId,
      agreement: 'partner',
      version: def.version,
      organizationId: tenant.organizationId,
      tenantId: tenant.id,
      region,
      signer: { userId: p.userId, name: signer?.displayName ?? '', email: signer?.email ?? '' },
      acceptedAt: at,
      recordedAt: at,
      supersedesId: latest?.id ?? null,
    };
    await store.insertAcceptance(ctx.tx, acceptance, p.userId);
    await ctx.record({
      type: 'agreement.accepted',
      entityType: 'agreement-acceptance',
      entityId: acceptance.id,
      payload: { ...acceptance },
    });
    await ctx.record({
      type: 'partner-agreement.signed',
      entityType: 'organization',
      entityId: tenant.organizationId,
      payload: { acceptanceId: acceptance.id, region, version: def.version },
    });
    const activated = await activateQualifiedEnrollments(ctx, tenant.organizationId, region);
    return accept({
      acceptance,
      activatedEnrollmentIds: activated.filter((e) => e.status === 'active').map((e) => e.id),
    });
  },
});

/**
 * Records the customer agreement for a customer tenant: the signer's name and email and the date
 * they accepted. The customer's global admin accepts; the operator may record an attestation.
 */
export const acceptCustomerAgreement = defineCommand({
  name: 'agreements.accept-customer-agreement',
  parse(input) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId');
    const signer = f.object('signer', (s) => ({
      name: s.text('name', { max: 100 }),
      email: s.email('email'),
    }));
    const acceptedOn = f.date('acceptedOn', { optional: true });
    return f.finish(() => ({ tenantId, signer, acceptedOn }));
  },
  async run(ctx, input): Promise<Outcome<AgreementAcceptance>> {
    const def = ctx.program.agreements.customer;
    const tenant = await getTenant(ctx.tx, input.tenantId);
    if (!tenant || !(await insider(ctx, tenant.organizationId)))
      return refuse(tenantNotFound(input.tenantId));
    const p = ctx.principal;
    const ownAdmin = p.kind === 'user' && p.tenantId === tenant.id && hasRole(p, 'global-admin');
    if (!ownAdmin && !isOperator(p)) {
      return refuse(
        violation(
          'MCA_SIGNER_NOT_AUTHORIZED',
          `Only a global admin of tenant ${tenant.id} accepts the ${def.abbreviation}.`,
          {
            remedies: [`Ask a global admin of tenant ${tenant.id} to accept the ${def.abbreviation}.`],
          },
        ),
      );
    }
    const problems: Violation[] = [];
    if (tenant.type !== 'customer') {
      problems.push(
        violation(
          'NOT_A_CUSTOMER_TENANT',
          `The ${def.abbreviation} is accepted for a customer tenant; ${tenant.id} is a ${tenant.type} tenant.`,
          {
            field: 'tenantId',
            scenario: '4',
          },
        ),
      );
    }
    const acceptedAt = input.acceptedOn ?? toInstant(ctx.now);
    const acceptedDate = new Date(input.acceptedOn ? `${input.acceptedOn}T00:00:00.000Z` : acceptedAt);
    if (acceptedDate > ctx.now) {
      problems.push(
        violation('ACCEPTANCE_DATE_IN_FUTURE', `acceptedOn ${input.acceptedOn} is in the future.`, {
          field: 'acceptedOn',
        }),
      );
    }
    const early = notYetEffectiveViolation(def, acceptedDate);
    if (early) problems.push({ ...early, field: 'acceptedOn' });
    const latest = await store.latestCustomerAcceptance(ctx.tx, tenant.id);
    if (latest?.version === def.version) {
      problems.push(
        violation(
          'AGREEMENT_ALREADY_ACCEPTED',
          `The ${def.abbreviation} version ${def.version} is already accepted for tenant ${tenant.id}.`,
        ),
      );
    }
    if (problems.length > 0) return refuse(...problems);
    const signer = {
      userId: ownAdmin ? (p as { userId: UserId }).userId : null,
      name: input.signer.name,
      email: input.signer.email,
    };
    return accept(await recordCustomerAcceptance(ctx, tenant, signer, acceptedAt, latest));
  },
});

/** Every acceptance of an organization, oldest first: the operator or the organization's users. */
export const listAcceptances = defineQuery({
  name: 'agreements.list',
  parse(input) {
    const f = new Fields(input);
    const organizationId = f.guid('organizationId');
    return f.finish(() => ({ organizationId }));
  },
  async run(ctx, input): Promise<Outcome<AgreementAcceptance[]>> {
    const exists = (await getOrganization(ctx.tx, input.organizationId)) !== undefined;
    if (
      !exists ||
      (!isOperator(ctx.principal) && (await principalOrganizationId(ctx)) !== input.organizationId)
    ) {
      return refuse(organizationNotFound(input.organizationId));
    }
    return accept(await store.listOrganizationAcceptances(ctx.tx, input.organizationId));
  },
});
