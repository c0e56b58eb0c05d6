/**
 * Queries over parties. Every function takes the transaction it runs in.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AffiliateGroupId, OrganizationId, PartnerId, TenantId, UserId } from '../kernel/ids.ts';
import type { UserRole } from '../kernel/principal.ts';
import type { Database, OrganizationsTable, PartnerLocationsTable, TenantsTable } from '../store/schema.ts';
import type { Address, Organization, PartnerLocation, Tenant, TenantType, User } from './model.ts';

type Tx = Kysely<Database>;

function toOrganization(r: Selectable<OrganizationsTable>): Organization {
  return {
    id: r.id as OrganizationId,
    legalName: r.legal_name,
    country: r.country,
    address: JSON.parse(r.address) as Address,
    registrationId: r.registration_id,
    affiliateGroupId: r.affiliate_group_id as AffiliateGroupId | null,
    globalPartnerId: r.global_partner_id === null ? null : (Number(r.global_partner_id) as PartnerId),
    isVendor: Number(r.is_vendor) === 1,
    createdAt: r.created_at,
  };
}

function toTenant(r: Selectable<TenantsTable>): Tenant {
  return {
    id: r.id as TenantId,
    organizationId: r.organization_id as OrganizationId,
    type: r.type as TenantType,
    domain: r.domain,
    displayName: r.display_name,
    country: r.country,
    createdAt: r.created_at,
  };
}

function toLocation(r: Selectable<PartnerLocationsTable>): PartnerLocation {
  return {
    partnerId: Number(r.partner_id) as PartnerId,
    organizationId: r.organization_id as OrganizationId,
    country: r.country,
    registrationId: r.registration_id,
    tenantId: r.tenant_id as TenantId | null,
    createdAt: r.created_at,
    associatedAt: r.associated_at,
  };
}

export async function getOrganization(tx: Tx, id: string): Promise<Organization | undefined> {
  const r = await tx.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toOrganization(r);
}

export async function getVendorOrganization(tx: Tx): Promise<Organization | undefined> {
  const r = await tx.selectFrom('organizations').selectAll().where('is_vendor', '=', 1).executeTakeFirst();
  return r && toOrganization(r);
}

export async function insertOrganization(tx: Tx, o: Organization): Promise<void> {
  await tx
    .insertInto('organizations')
    .values({
      id: o.id,
      legal_name: o.legalName,
      country: o.country,
      address: JSON.stringify(o.address),
      registration_id: o.registrationId,
      affiliate_group_id: o.affiliateGroupId,
      global_partner_id: o.globalPartnerId,
      is_vendor: o.isVendor ? 1 : 0,
      created_at: o.createdAt,
    })
    .execute();
}

export async function setAffiliateGroup(
  tx: Tx,
  organizationId: string,
  groupId: string | null,
): Promise<void> {
  await tx
    .updateTable('organizations')
    .set({ affiliate_group_id: groupId })
    .where('id', '=', organizationId)
    .execute();
}

export async function insertAffiliateGroup(
  tx: Tx,
  g: { id: string; name: string; createdAt: string },
): Promise<void> {
  await tx
    .insertInto('affiliate_groups')
    .values({ id: g.id, name: g.name, created_at: g.createdAt })
    .execute();
}

export async function listAffiliateGroupMembers(tx: Tx, groupId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('organizations')
    .select('id')
    .where('affiliate_group_id', '=', groupId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function deleteAffiliateGroup(tx: Tx, groupId: string): Promise<void> {
  await tx.deleteFrom('affiliate_groups').where('id', '=', groupId).execute();
}

export async function getTenant(tx: Tx, id: string): Promise<Tenant | undefined> {
  const r = await tx.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toTenant(r);
}

export async function domainTaken(tx: Tx, domain: string): Promise<boolean> {
  const r = await tx.selectFrom('tenants').select('id').where('domain', '=', domain).executeTakeFirst();
  return r !== undefined;
}

export async function listOrganizationTenants(tx: Tx, organizationId: string): Promise<Tenant[]> {
  const rows = await tx
    .selectFrom('tenants')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toTenant);
}

export async function insertTenant(tx: Tx, t: Tenant): Promise<void> {
  await tx
    .insertInto('tenants')
    .values({
      id: t.id,
      organization_id: t.organizationId,
      type: t.type,
      domain: t.domain,
      display_name: t.displayName,
      country: t.country,
      created_at: t.createdAt,
    })
    .execute();
}

export async function getLocation(tx: Tx, partnerId: number): Promise<PartnerLocation | undefined> {
  const r = await tx
    .selectFrom('partner_locations')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .executeTakeFirst();
  return r && toLocation(r);
}

export async function getLocationByCountry(
  tx: Tx,
  organizationId: string,
  country: string,
): Promise<PartnerLocation | undefined> {
  const r = await tx
    .selectFrom('partner_locations')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('country', '=', country)
    .executeTakeFirst();
  return r && toLocation(r);
}

/** The location Partner ID tied to a CSP tenant, if any. */
export async function getTenantLocation(tx: Tx, tenantId: string): Promise<PartnerLocation | undefined> {
  const r = await tx
    .selectFrom('partner_locations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return r && toLocation(r);
}

export async function listOrganizationLocations(tx: Tx, organizationId: string): Promise<PartnerLocation[]> {
  const rows = await tx
    .selectFrom('partner_locations')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('partner_id')
    .execute();
  return rows.map(toLocation);
}

export async function insertLocation(tx: Tx, l: PartnerLocation): Promise<void> {
  await tx
    .insertInto('partner_locations')
    .values({
      partner_id: l.partnerId,
      organization_id: l.organizationId,
      country: l.country,
      registration_id: l.registrationId,
      tenant_id: l.tenantId,
      created_at: l.createdAt,
      associated_at: l.associatedAt,
    })
    .execute();
}

export async function associateLocation(
  tx: Tx,
  partnerId: number,
  tenantId: string,
  at: string,
): Promise<void> {
  await tx
    .updateTable('partner_locations')
    .set({ tenant_id: tenantId, associated_at: at })
    .where('partner_id', '=', partnerId)
    .execute();
}

export async function getUser(tx: Tx, id: string): Promise<User | undefined> {
  const r = await tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const roles = await tx
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', id)
    .orderBy('role')
    .execute();
  return {
    id: r.id as UserId,
    tenantId: r.tenant_id as TenantId,
    email: r.email,
    displayName: r.display_name,
    roles: roles.map((x) => x.role as UserRole),
    createdAt: r.created_at,
  };
}

export async function emailInUse(tx: Tx, tenantId: string, email: string): Promise<boolean> {
  const r = await tx
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .executeTakeFirst();
  return r !== undefined;
}

export async function insertUser(tx: Tx, u: User): Promise<void> {
  await tx
    .insertInto('users')
    .values({
      id: u.id,
      tenant_id: u.tenantId,
      email: u.email,
      display_name: u.displayName,
      created_at: u.createdAt,
    })
    .execute();
  if (u.roles.length > 0) {
    await tx
      .insertInto('user_roles')
      .values(u.roles.map((role) => ({ user_id: u.id, role })))
      .execute();
  }
}
