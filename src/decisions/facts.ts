/**
 * Loads the fact snapshots the pure decisions (`rules/decisions.ts`) are made over, inside the
 * caller's transaction, so no concurrent change slips between check and write.
 */

import { currentPartnerAcceptances, latestCustomerAcceptance } from '../agreements/service.ts';
import type { QueryContext } from '../app/context.ts';
import { findActiveRelationship, isResellersCustomerOf } from '../customers/store.ts';
import { type EnrollmentStatus, OPEN_STATUSES, type ProgramRole } from '../enrollments/model.ts';
import { listTenantEnrollments } from '../enrollments/service.ts';
import type { Tenant } from '../parties/model.ts';
import { getOrganization, getTenant, getTenantLocation } from '../parties/service.ts';
import { effectivePartnershipState } from '../partnerships/model.ts';
import { findOpenPartnership } from '../partnerships/store.ts';
import type { CustomerFacts, PartnerFacts, PartnershipState, TenantFacts } from '../rules/facts.ts';

async function tenantFacts(ctx: QueryContext, tenant: Tenant): Promise<TenantFacts> {
  const org = await getOrganization(ctx.tx, tenant.organizationId);
  return {
    tenantId: tenant.id,
    type: tenant.type,
    country: tenant.country,
    region: ctx.program.catalogue.regionOf(tenant.country),
    organizationId: tenant.organizationId,
    affiliateGroupId: org?.affiliateGroupId ?? null,
    legalName: org?.legalName ?? tenant.displayName,
  };
}

/** A tenant as a partner: location, latest enrollment per role, partner agreement per region. */
export async function loadPartnerFacts(
  ctx: QueryContext,
  tenantId: string,
): Promise<PartnerFacts | undefined> {
  const tenant = await getTenant(ctx.tx, tenantId);
  if (!tenant) return undefined;
  const location = await getTenantLocation(ctx.tx, tenant.id);
  const latest: { -readonly [K in ProgramRole]?: { id: string; status: EnrollmentStatus } } = {};
  // Per role: the open enrollment if there is one (at most one), else the latest closed one.
  for (const e of await listTenantEnrollments(ctx.tx, tenant.id)) {
    const held = latest[e.role];
    if (!held || !OPEN_STATUSES.includes(held.status)) latest[e.role] = { id: e.id, status: e.status };
  }
  const partnerAgreements: Record<string, string> = {};
  for (const a of await currentPartnerAcceptances(ctx.tx, tenant.organizationId))
    if (a.region) partnerAgreements[a.region] = a.version;
  return {
    ...(await tenantFacts(ctx, tenant)),
    partnerId: location?.partnerId ?? null,
    partnerIdCountry: location?.country ?? null,
    enrollments: latest,
    partnerAgreements,
  };
}

/** A tenant as a customer: with the version of the customer agreement it last accepted. */
export async function loadCustomerFacts(
  ctx: QueryContext,
  tenantId: string,
): Promise<CustomerFacts | undefined> {
  const tenant = await getTenant(ctx.tx, tenantId);
  if (!tenant) return undefined;
  const mca = await latestCustomerAcceptance(ctx.tx, tenant.id);
  return { ...(await tenantFacts(ctx, tenant)), customerAgreementVersion: mca?.version ?? null };
}

/** The effective state of the open partnership of a provider and a reseller (`none` when there is none). */
export async function partnershipState(
  ctx: QueryContext,
  providerTenantId: string,
  resellerTenantId: string,
): Promise<PartnershipState> {
  const p = await findOpenPartnership(ctx.tx, providerTenantId, resellerTenantId);
  return p ? effectivePartnershipState(p, ctx.now) : 'none';
}

/** Scenario 6: is the tenant an (invited, active or suspended) reseller of this provider? */
export async function isResellerOf(
  ctx: QueryContext,
  tenantId: string,
  providerTenantId: string,
): Promise<boolean> {
  const state = await partnershipState(ctx, providerTenantId, tenantId);
  return state === 'invited' || state === 'active' || state === 'suspended';
}

export async function hasCustomerRelationship(
  ctx: QueryContext,
  partnerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  return (await findActiveRelationship(ctx.tx, partnerTenantId, customerTenantId)) !== undefined;
}

export async function isResellersCustomer(
  ctx: QueryContext,
  providerTenantId: string,
  customerTenantId: string,
): Promise<boolean> {
  return isResellersCustomerOf(ctx.tx, providerTenantId, customerTenantId);
}
