/**
 * Commands and queries over parties: bootstrapping the program's vendor, onboarding partners and
 * customers, locations and Partner IDs, users, customer-type tenants for own use, affiliate groups.
 */
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import type { AffiliateGroupId, OrganizationId, PartnerId, TenantId, UserId } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { hasRole, isOperator, USER_ROLES, type UserRole } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { Program } from '../program/program.ts';
import type { Address, Organization, PartnerLocation, Tenant, TenantType, User } from './model.ts';
import { associationViolations, registrationIdViolation, roleViolations } from './rules.ts';
import * as store from './store.ts';

// ---------------------------------------------------------------------------------------------
// Input parsing shared by the commands below.

const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** A new tenant as a command names it: an optional id of its own, a domain and a display name. */
export interface NewTenantInput {
  readonly id: string | undefined;
  readonly domain: string;
  readonly displayName: string | undefined;
}
/** A new tenant's first user. */
export interface NewUserInput {
  readonly email: string;
  readonly displayName: string;
}

/** A postal address; other areas parse addresses with it too, so all addresses read alike. */
export function parseAddress(f: Fields, program: Program): Address {
  const line1 = f.text('line1');
  const line2 = f.text('line2', { optional: true });
  const city = f.text('city', { max: 100 });
  const state = f.text('state', { max: 100, optional: true });
  const postalCode = f.text('postalCode', { max: 20, optional: true });
  const country = f.country('country', program.catalogue);
  return {
    line1,
    city,
    country,
    ...(line2 !== undefined && { line2 }),
    ...(state !== undefined && { state }),
    ...(postalCode !== undefined && { postalCode }),
  };
}

/** A new tenant: a (lower-cased) domain name, optionally its id and display name. */
export function parseNewTenant(f: Fields): NewTenantInput {
  const id = f.guid('id', { optional: true });
  const domain = f.text('domain', { max: 253 }).toLowerCase();
  if (domain && !DOMAIN.test(domain)) f.fail('INVALID_FIELD', 'domain', `"${domain}" is not a domain name`);
  return { id, domain, displayName: f.text('displayName', { optional: true }) };
}

/** A new user: email and display name. */
export function parseNewUser(f: Fields): NewUserInput {
  return { email: f.email('email'), displayName: f.text('displayName', { max: 100 }) };
}

/** What an end customer is created from: its organization, customer tenant and first global admin. */
export interface NewEndCustomerInput {
  readonly legalName: string;
  readonly country: string;
  readonly address: Address;
  readonly tenant: NewTenantInput;
  readonly globalAdmin: NewUserInput;
}

/**
 * The fields of a new end customer, in this order: `legalName`, `country`, `address`, `tenant`,
 * `globalAdmin` (`parties.register-customer` and `customers.create` read them alike).
 */
export function parseEndCustomer(f: Fields, program: Program): NewEndCustomerInput {
  const legalName = f.text('legalName');
  const country = f.country('country', program.catalogue);
  const address = f.object('address', (a) => parseAddress(a, program));
  const tenant = f.object('tenant', parseNewTenant);
  const globalAdmin = f.object('globalAdmin', parseNewUser);
  return { legalName, country, address, tenant, globalAdmin };
}

// ---------------------------------------------------------------------------------------------
// Authorization helpers other areas use too.

function notAuthorized(action: string, remedy: string): Violation {
  return violation('NOT_AUTHORIZED', `You are not allowed to ${action}.`, { remedies: [remedy] });
}

/**
 * The program operator, or a global admin of this very tenant. Someone outside the tenant's
 * organization gets `notFound` (another tenant's objects do not leak their existence); a member
 * without the role gets NOT_AUTHORIZED.
 */
export async function requireTenantAdmin(
  ctx: QueryContext,
  tenantId: string,
  action: string,
  notFound: Violation,
): Promise<Violation | undefined> {
  if (isOperator(ctx.principal)) return undefined;
  if (
    ctx.principal.kind === 'user' &&
    ctx.principal.tenantId === tenantId &&
    hasRole(ctx.principal, 'global-admin')
  ) {
    return undefined;
  }
  const tenant = await store.getTenant(ctx.tx, tenantId);
  if (!tenant || (await principalOrganizationId(ctx)) !== tenant.organizationId) return notFound;
  return notAuthorized(action, `Ask a global admin of tenant ${tenantId} to do it.`);
}

/**
 * The program operator, or a global admin of any tenant of this organization. Outsiders get
 * ORGANIZATION_NOT_FOUND; members without the role NOT_AUTHORIZED.
 */
export async function requireOrganizationAdmin(
  ctx: QueryContext,
  organizationId: string,
  action: string,
): Promise<Violation | undefined> {
  if (isOperator(ctx.principal)) return undefined;
  const own = await principalOrganizationId(ctx);
  if (own !== organizationId) return organizationNotFound(organizationId);
  if (hasRole(ctx.principal, 'global-admin')) return undefined;
  return notAuthorized(action, `Ask a global admin of organization ${organizationId} to do it.`);
}

export function requireOperator(ctx: QueryContext, action: string): Violation | undefined {
  return isOperator(ctx.principal) ? undefined : notAuthorized(action, 'Ask the program operator to do it.');
}

/** The organization the acting user belongs to, if any. */
export async function principalOrganizationId(ctx: QueryContext): Promise<string | undefined> {
  if (ctx.principal.kind !== 'user') return undefined;
  return (await store.getTenant(ctx.tx, ctx.principal.tenantId))?.organizationId;
}

export {
  getLocation,
  getOrganization,
  getTenant,
  getTenantLocation,
  getUser,
  listOrganizationTenants,
} from './store.ts';

// ---------------------------------------------------------------------------------------------
// Shared steps.

/** The next Partner ID: the program's first one, then a sequence (gaps are possible, as with MPN IDs). */
async function allocatePartnerId(ctx: CommandContext): Promise<PartnerId> {
  return (ctx.program.partnerIds.first - 1 + (await ctx.nextValue('partner_id'))) as PartnerId;
}

/** No such organization (or one the caller may not see: its existence does not leak). */
export function organizationNotFound(id: string, field = 'organizationId'): Violation {
  return violation('ORGANIZATION_NOT_FOUND', `No organization ${id}.`, { field });
}

/** No such tenant (or one the caller may not see: its existence does not leak). */
export function tenantNotFound(id: string, field = 'tenantId'): Violation {
  return violation('TENANT_NOT_FOUND', `No tenant ${id}.`, { field });
}

/** Locations and CSP tenants belong to partner organizations (onboarded, with a global Partner ID). */
function partnerOrganizationViolation(org: Organization): Violation | undefined {
  if (org.globalPartnerId !== null) return undefined;
  return violation('PARTNER_NOT_ONBOARDED', `Organization ${org.id} has not onboarded as a partner.`, {
    field: 'organizationId',
    remedies: ['Onboard the organization as a partner first.'],
  });
}

/** TENANT_ALREADY_EXISTS for a taken tenant id and for a taken (lower-cased) domain. */
async function tenantTakenViolations(
  ctx: CommandContext,
  id: TenantId,
  domain: string,
  domainRemedies: readonly string[] = ['Choose another domain.'],
): Promise<Violation[]> {
  const taken: Violation[] = [];
  if (await store.getTenant(ctx.tx, id)) {
    taken.push(
      violation('TENANT_ALREADY_EXISTS', `A tenant with id ${id} already exists.`, {
        field: 'tenant.id',
        remedies: ['Omit the tenant id to have one generated.'],
      }),
    );
  }
  if (await store.domainTaken(ctx.tx, domain)) {
    taken.push(
      violation('TENANT_ALREADY_EXISTS', `A tenant with domain ${domain} already exists.`, {
        field: 'tenant.domain',
        remedies: domainRemedies,
      }),
    );
  }
  return taken;
}

/** Writes a tenant whose id and domain were checked free, with its ledger event. */
async function insertTenant(
  ctx: CommandContext,
  id: TenantId,
  organizationId: OrganizationId,
  type: TenantType,
  country: string,
  input: NewTenantInput,
  fallbackName: string,
): Promise<Tenant> {
  const tenant: Tenant = {
    id,
    organizationId,
    type,
    domain: input.domain,
    displayName: input.displayName ?? fallbackName,
    country,
    createdAt: toInstant(ctx.now),
  };
  await store.insertTenant(ctx.tx, tenant);
  await ctx.record({ type: 'tenant.created', entityType: 'tenant', entityId: id, payload: { ...tenant } });
  return tenant;
}

async function createTenant(
  ctx: CommandContext,
  organizationId: OrganizationId,
  type: TenantType,
  country: string,
  input: NewTenantInput,
  fallbackName: string,
): Promise<Outcome<Tenant>> {
  const id = (input.id ?? ctx.ids.guid()) as TenantId;
  const taken = await tenantTakenViolations(ctx, id, input.domain);
  if (taken.length > 0) return refuse(...taken);
  return accept(await insertTenant(ctx, id, organizationId, type, country, input, fallbackName));
}

async function createUser(
  ctx: CommandContext,
  tenantId: TenantId,
  input: NewUserInput,
  roles: readonly UserRole[],
): Promise<User> {
  const user: User = {
    id: ctx.ids.guid() as UserId,
    tenantId,
    email: input.email,
    displayName: input.displayName,
    roles,
    createdAt: toInstant(ctx.now),
  };
  await store.insertUser(ctx.tx, user);
  await ctx.record({ type: 'user.added', entityType: 'user', entityId: user.id, payload: { ...user } });
  return user;
}

async function createLocation(
  ctx: CommandContext,
  organizationId: OrganizationId,
  country: string,
  registrationId: string | null,
  tenantId: TenantId | null,
): Promise<PartnerLocation> {
  const at = toInstant(ctx.now);
  const location: PartnerLocation = {
    partnerId: await allocatePartnerId(ctx),
    organizationId,
    country,
    registrationId,
    tenantId,
    createdAt: at,
    associatedAt: tenantId ? at : null,
  };
  await store.insertLocation(ctx.tx, location);
  await ctx.record({
    type: 'partner-location.added',
    entityType: 'partner-location',
    entityId: String(location.partnerId),
    payload: { ...location },
  });
  return location;
}

async function createOrganization(
  ctx: CommandContext,
  o: {
    legalName: string;
    country: string;
    address: Address;
    registrationId: string | undefined;
    isVendor: boolean;
    partner: boolean;
    /** Allocated by the caller when it decides over the id before writing. */
    id?: OrganizationId;
  },
): Promise<Organization> {
  const organization: Organization = {
    id: o.id ?? (ctx.ids.guid() as OrganizationId),
    legalName: o.legalName,
    country: o.country,
    address: o.address,
    registrationId: o.registrationId ?? null,
    affiliateGroupId: null,
    globalPartnerId: o.partner ? await allocatePartnerId(ctx) : null,
    isVendor: o.isVendor,
    createdAt: toInstant(ctx.now),
  };
  await store.insertOrganization(ctx.tx, organization);
  await ctx.record({
    type: 'organization.created',
    entityType: 'organization',
    entityId: organization.id,
    payload: { ...organization },
  });
  return organization;
}

/** The ids a new end customer gets, allocated before anything is written. */
export interface EndCustomerIds {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
}

/** An end customer as created: its organization, customer-type tenant and first global admin. */
export interface CreatedEndCustomer {
  readonly organization: Organization;
  readonly tenant: Tenant;
  readonly globalAdmin: User;
}

/**
 * Creates an end-customer organization, its customer-type tenant and first global admin in the
 * caller's transaction, with their ledger events (`organization.created`, `tenant.created`,
 * `user.added`). The ids come first so that the caller's `check` can decide over the customer to
 * be; its violations are listed first, then TENANT_ALREADY_EXISTS for a taken tenant id or domain
 * (`domainTakenRemedies` replaces the default remedy). Nothing is written when any refuses. One
 * path for `parties.register-customer` and `customers.create`, so an end customer is always the same.
 */
export async function createEndCustomer(
  ctx: CommandContext,
  input: NewEndCustomerInput,
  opts: {
    readonly check?: (ids: EndCustomerIds) => Promise<readonly Violation[]>;
    readonly domainTakenRemedies?: readonly string[];
  } = {},
): Promise<Outcome<CreatedEndCustomer>> {
  const organizationId = ctx.ids.guid() as OrganizationId;
  const tenantId = (input.tenant.id ?? ctx.ids.guid()) as TenantId;
  const problems = [
    ...((await opts.check?.({ organizationId, tenantId })) ?? []),
    ...(await tenantTakenViolations(ctx, tenantId, input.tenant.domain, opts.domainTakenRemedies)),
  ];
  if (problems.length > 0) return refuse(...problems);
  const organization = await createOrganization(ctx, {
    ...input,
    id: organizationId,
    registrationId: undefined,
    isVendor: false,
    partner: false,
  });
  const tenant = await insertTenant(
    ctx,
    tenantId,
    organizationId,
    'customer',
    input.country,
    input.tenant,
    input.legalName,
  );
  const globalAdmin = await createUser(ctx, tenantId, input.globalAdmin, ['global-admin']);
  return accept({ organization, tenant, globalAdmin });
}

// ---------------------------------------------------------------------------------------------
// Commands.

export interface BootstrapProgramResult {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly operatorUserId: UserId;
}

/**
 * Creates the program's vendor organization, its tenant and first program operator, from the
 * program definition. Once per database; only the system (CLI, tests) may do it.
 */
export const bootstrapProgram = defineCommand({
  name: 'program.bootstrap',
  parse(input) {
    const f = new Fields(input);
    const operator = f.object('operator', parseNewUser);
    const tenant = f.object('tenant', parseNewTenant, { optional: true });
    return f.finish(() => ({ operator, tenant }));
  },
  async run(ctx, input): Promise<Outcome<BootstrapProgramResult>> {
    if (ctx.principal.kind !== 'system')
      return refuse(notAuthorized('bootstrap the program', 'Run `opencsp migrate` or `opencsp demo`.'));
    if (await store.getVendorOrganization(ctx.tx)) {
      return refuse(
        violation(
          'PROGRAM_ALREADY_BOOTSTRAPPED',
          `Program ${ctx.program.id} already has its vendor organization.`,
        ),
      );
    }
    const v = ctx.program.vendor;
    const org = await createOrganization(ctx, {
      legalName: v.legalName,
      country: v.country,
      address: v.address,
      registrationId: undefined,
      isVendor: true,
      partner: false,
    });
    const tenant = await createTenant(
      ctx,
      org.id,
      'vendor',
      v.country,
      input.tenant ?? { id: undefined, domain: v.domain, displayName: undefined },
      v.legalName,
    );
    if (!tenant.ok) return tenant;
    const user = await createUser(ctx, tenant.value.id, input.operator, ['global-admin', 'program-operator']);
    await ctx.record({
      type: 'program.bootstrapped',
      entityType: 'program',
      entityId: ctx.program.id,
      payload: { organizationId: org.id },
    });
    return accept({ organizationId: org.id, tenantId: tenant.value.id, operatorUserId: user.id });
  },
});

export interface OnboardPartnerResult {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly globalAdminUserId: UserId;
  /** The partner global account (headquarters) Partner ID. */
  readonly globalPartnerId: PartnerId;
  /** The location Partner ID of the headquarters country, tied to the new CSP tenant. */
  readonly partnerId: PartnerId;
}

/**
 * Onboards a partner organization: the organization (with its partner global account), its CSP
 * tenant in the headquarters country, the location Partner ID for that country tied to the tenant,
 * and the first global admin. Self-service: anyone may sign up; enrollment comes next.
 */
export const onboardPartner = defineCommand({
  name: 'parties.onboard-partner',
  parse(input, program) {
    const f = new Fields(input);
    const legalName = f.text('legalName');
    const country = f.country('country', program.catalogue);
    const address = f.object('address', (a) => parseAddress(a, program));
    const registrationId = f.text('registrationId', { max: 64, optional: true });
    const tenant = f.object('tenant', parseNewTenant);
    const globalAdmin = f.object('globalAdmin', parseNewUser);
    if (country) {
      const v = registrationIdViolation(program, country, registrationId, 'registrationId');
      if (v) f.violations.push(v);
    }
    return f.finish(() => ({ legalName, country, address, registrationId, tenant, globalAdmin }));
  },
  async run(ctx, input): Promise<Outcome<OnboardPartnerResult>> {
    const org = await createOrganization(ctx, { ...input, isVendor: false, partner: true });
    const tenant = await createTenant(ctx, org.id, 'partner', input.country, input.tenant, input.legalName);
    if (!tenant.ok) return tenant;
    const location = await createLocation(
      ctx,
      org.id,
      input.country,
      input.registrationId ?? null,
      tenant.value.id,
    );
    const admin = await createUser(ctx, tenant.value.id, input.globalAdmin, ['global-admin']);
    await ctx.record({
      type: 'partner.onboarded',
      entityType: 'organization',
      entityId: org.id,
      payload: { tenantId: tenant.value.id, partnerId: location.partnerId, globalAdminUserId: admin.id },
    });
    return accept({
      organizationId: org.id,
      tenantId: tenant.value.id,
      globalAdminUserId: admin.id,
      globalPartnerId: org.globalPartnerId as PartnerId,
      partnerId: location.partnerId,
    });
  },
});

export interface RegisterCustomerResult {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly globalAdminUserId: UserId;
}

/** Registers an end-customer organization with its customer-type tenant and first global admin. */
export const registerCustomer = defineCommand({
  name: 'parties.register-customer',
  parse(input, program) {
    const f = new Fields(input);
    const customer = parseEndCustomer(f, program);
    return f.finish(() => customer);
  },
  async run(ctx, input): Promise<Outcome<RegisterCustomerResult>> {
    const created = await createEndCustomer(ctx, input);
    if (!created.ok) return created;
    const { organization, tenant, globalAdmin } = created.value;
    return accept({
      organizationId: organization.id,
      tenantId: tenant.id,
      globalAdminUserId: globalAdmin.id,
    });
  },
});

/** Adds a partner location account (a new Partner ID) for another country of the organization. */
export const addLocation = defineCommand({
  name: 'parties.add-location',
  parse(input, program) {
    const f = new Fields(input);
    const organizationId = f.guid('organizationId');
    const country = f.country('country', program.catalogue);
    const registrationId = f.text('registrationId', { max: 64, optional: true });
    if (country) {
      const v = registrationIdViolation(program, country, registrationId, 'registrationId');
      if (v) f.violations.push(v);
    }
    return f.finish(() => ({ organizationId, country, registrationId }));
  },
  async run(ctx, input): Promise<Outcome<PartnerLocation>> {
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    if (!org) return refuse(organizationNotFound(input.organizationId));
    const denied = await requireOrganizationAdmin(ctx, org.id, 'add a location to this organization');
    if (denied) return refuse(denied);
    const notPartner = partnerOrganizationViolation(org);
    if (notPartner) return refuse(notPartner);
    const existing = await store.getLocationByCountry(ctx.tx, org.id, input.country);
    if (existing) {
      return refuse(
        violation(
          'LOCATION_ALREADY_EXISTS',
          `Organization ${org.id} already has location ${existing.partnerId} in ${input.country}.`,
          {
            field: 'country',
            remedies: [`Use Partner ID ${existing.partnerId}.`],
          },
        ),
      );
    }
    return accept(await createLocation(ctx, org.id, input.country, input.registrationId ?? null, null));
  },
});

/** A further tenant of an existing organization: its country, the tenant and its first global admin. */
interface OrganizationTenantInput {
  readonly organizationId: string;
  readonly country: string;
  readonly tenant: NewTenantInput;
  readonly globalAdmin: NewUserInput;
}

/** The tenant created for an organization and its first global admin. */
export interface OrganizationTenantResult {
  readonly tenantId: TenantId;
  readonly globalAdminUserId: UserId;
}

function parseOrganizationTenant(input: unknown, program: Program): Outcome<OrganizationTenantInput> {
  const f = new Fields(input);
  const organizationId = f.guid('organizationId');
  const country = f.country('country', program.catalogue);
  const tenant = f.object('tenant', parseNewTenant);
  const globalAdmin = f.object('globalAdmin', parseNewUser);
  return f.finish(() => ({ organizationId, country, tenant, globalAdmin }));
}

/** Creates a further tenant of `org` with its first global admin (a taken id or domain refuses). */
async function createOrganizationTenant(
  ctx: CommandContext,
  org: Organization,
  type: TenantType,
  input: OrganizationTenantInput,
  fallbackName: string,
): Promise<Outcome<OrganizationTenantResult>> {
  const tenant = await createTenant(ctx, org.id, type, input.country, input.tenant, fallbackName);
  if (!tenant.ok) return tenant;
  const admin = await createUser(ctx, tenant.value.id, input.globalAdmin, ['global-admin']);
  return accept({ tenantId: tenant.value.id, globalAdminUserId: admin.id });
}

/**
 * Creates another CSP tenant for a partner organization, e.g. for a location in another country;
 * associate it with that location's Partner ID next.
 */
export const createPartnerTenant = defineCommand({
  name: 'parties.create-partner-tenant',
  parse: parseOrganizationTenant,
  async run(ctx, input): Promise<Outcome<OrganizationTenantResult>> {
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    if (!org) return refuse(organizationNotFound(input.organizationId));
    const denied = await requireOrganizationAdmin(ctx, org.id, 'create a CSP tenant for this organization');
    if (denied) return refuse(denied);
    const notPartner = partnerOrganizationViolation(org);
    if (notPartner) return refuse(notPartner);
    return createOrganizationTenant(ctx, org, 'partner', input, org.legalName);
  },
});

/**
 * Ties a location Partner ID to a CSP tenant of the same organization and country. Until then the
 * tenant can neither sign the partner agreement nor transact.
 */
export const associatePartnerId = defineCommand({
  name: 'parties.associate-partner-id',
  parse(input) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId');
    const partnerId = f.integer('partnerId', { min: 1 });
    return f.finish(() => ({ tenantId, partnerId }));
  },
  async run(ctx, input): Promise<Outcome<PartnerLocation>> {
    const tenant = await store.getTenant(ctx.tx, input.tenantId);
    if (!tenant) return refuse(tenantNotFound(input.tenantId));
    const denied = await requireTenantAdmin(
      ctx,
      tenant.id,
      "associate this tenant's Partner ID",
      tenantNotFound(tenant.id),
    );
    if (denied) return refuse(denied);
    const location = await store.getLocation(ctx.tx, input.partnerId);
    if (!location)
      return refuse(
        violation('PARTNER_ID_NOT_FOUND', `No location with Partner ID ${input.partnerId}.`, {
          field: 'partnerId',
        }),
      );
    const tied = (await store.getTenantLocation(ctx.tx, tenant.id)) !== undefined;
    const problems = associationViolations(location, tenant, tied);
    if (problems.length > 0) return refuse(...problems);
    const at = toInstant(ctx.now);
    await store.associateLocation(ctx.tx, location.partnerId, tenant.id, at);
    await ctx.record({
      type: 'partner-location.associated',
      entityType: 'partner-location',
      entityId: String(location.partnerId),
      payload: { tenantId: tenant.id },
    });
    return accept({ ...location, tenantId: tenant.id, associatedAt: at });
  },
});

/** Adds a user with roles to a tenant. Only the tenant's global admin (or the operator). */
export const addUser = defineCommand({
  name: 'parties.add-user',
  parse(input) {
    const f = new Fields(input);
    const tenantId = f.guid('tenantId');
    const user = parseNewUser(f);
    const roles = f.list('roles', USER_ROLES, { code: 'UNKNOWN_ROLE', min: 1 });
    return f.finish(() => ({ tenantId, ...user, roles }));
  },
  async run(ctx, input): Promise<Outcome<User>> {
    const tenant = await store.getTenant(ctx.tx, input.tenantId);
    if (!tenant) return refuse(tenantNotFound(input.tenantId));
    const denied = await requireTenantAdmin(
      ctx,
      tenant.id,
      'add users to this tenant',
      tenantNotFound(tenant.id),
    );
    if (denied) return refuse(denied);
    const problems = roleViolations(ctx.program, tenant.type, input.roles, 'roles');
    if (await store.emailInUse(ctx.tx, tenant.id, input.email)) {
      problems.push(
        violation('EMAIL_ALREADY_IN_USE', `Tenant ${tenant.id} already has a user ${input.email}.`, {
          field: 'email',
        }),
      );
    }
    if (problems.length > 0) return refuse(...problems);
    return accept(await createUser(ctx, tenant.id, input, input.roles));
  },
});

/**
 * Creates a customer-type tenant for the organization's own use. A partner buying for itself must
 * provision into such a tenant, never into its CSP tenant (seed scenario 4).
 */
export const createCustomerTenant = defineCommand({
  name: 'parties.create-customer-tenant',
  parse: parseOrganizationTenant,
  async run(ctx, input): Promise<Outcome<OrganizationTenantResult>> {
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    if (!org) return refuse(organizationNotFound(input.organizationId));
    const denied = await requireOrganizationAdmin(ctx, org.id, 'create a tenant for this organization');
    if (denied) return refuse(denied);
    return createOrganizationTenant(ctx, org, 'customer', input, `${org.legalName} (internal use)`);
  },
});

/**
 * Records that an organization is under common control with another: it joins the other's
 * affiliate group (created on first use). Selling to an affiliate is forbidden (scenario 5).
 * The program operator records affiliations.
 */
export const addToAffiliateGroup = defineCommand({
  name: 'parties.add-affiliate',
  parse(input) {
    const f = new Fields(input);
    const organizationId = f.guid('organizationId');
    const affiliateOf = f.guid('affiliateOf');
    if (organizationId && organizationId === affiliateOf)
      f.fail('INVALID_FIELD', 'affiliateOf', 'must name another organization');
    return f.finish(() => ({ organizationId, affiliateOf }));
  },
  async run(ctx, input): Promise<Outcome<{ affiliateGroupId: AffiliateGroupId }>> {
    const denied = requireOperator(ctx, 'record affiliations');
    if (denied) return refuse(denied);
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    const parent = await store.getOrganization(ctx.tx, input.affiliateOf);
    const missing: Violation[] = [];
    if (!org) missing.push(organizationNotFound(input.organizationId));
    if (!parent) missing.push(organizationNotFound(input.affiliateOf, 'affiliateOf'));
    if (!org || !parent) return refuse(...missing);
    if (org.affiliateGroupId !== null) {
      return refuse(
        violation(
          'ALREADY_IN_AFFILIATE_GROUP',
          `Organization ${org.id} is already in affiliate group ${org.affiliateGroupId}.`,
          {
            field: 'organizationId',
            remedies: ['Remove it from its affiliate group first.'],
          },
        ),
      );
    }
    let groupId = parent.affiliateGroupId;
    if (groupId === null) {
      groupId = ctx.ids.guid() as AffiliateGroupId;
      await store.insertAffiliateGroup(ctx.tx, {
        id: groupId,
        name: parent.legalName,
        createdAt: toInstant(ctx.now),
      });
      await store.setAffiliateGroup(ctx.tx, parent.id, groupId);
      await ctx.record({
        type: 'affiliate-group.created',
        entityType: 'affiliate-group',
        entityId: groupId,
        payload: { name: parent.legalName },
      });
      await ctx.record({
        type: 'organization.affiliated',
        entityType: 'organization',
        entityId: parent.id,
        payload: { affiliateGroupId: groupId },
      });
    }
    await store.setAffiliateGroup(ctx.tx, org.id, groupId);
    await ctx.record({
      type: 'organization.affiliated',
      entityType: 'organization',
      entityId: org.id,
      payload: { affiliateGroupId: groupId },
    });
    return accept({ affiliateGroupId: groupId });
  },
});

/** Removes an organization from its affiliate group (the group goes when one member is left). */
export const removeFromAffiliateGroup = defineCommand({
  name: 'parties.remove-affiliate',
  parse(input) {
    const f = new Fields(input);
    const organizationId = f.guid('organizationId');
    return f.finish(() => ({ organizationId }));
  },
  async run(ctx, input): Promise<Outcome<{ affiliateGroupId: AffiliateGroupId }>> {
    const denied = requireOperator(ctx, 'record affiliations');
    if (denied) return refuse(denied);
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    if (!org) return refuse(organizationNotFound(input.organizationId));
    const groupId = org.affiliateGroupId;
    if (groupId === null)
      return refuse(
        violation('NOT_IN_AFFILIATE_GROUP', `Organization ${org.id} is in no affiliate group.`, {
          field: 'organizationId',
        }),
      );
    await store.setAffiliateGroup(ctx.tx, org.id, null);
    const unaffiliated = (id: string) =>
      ctx.record({
        type: 'organization.unaffiliated',
        entityType: 'organization',
        entityId: id,
        payload: { affiliateGroupId: groupId },
      });
    await unaffiliated(org.id);
    // A group of one is no group: the last member leaves too and the group is dissolved.
    const rest = await store.listAffiliateGroupMembers(ctx.tx, groupId);
    if (rest.length <= 1) {
      for (const last of rest) {
        await store.setAffiliateGroup(ctx.tx, last, null);
        await unaffiliated(last);
      }
      await store.deleteAffiliateGroup(ctx.tx, groupId);
      await ctx.record({
        type: 'affiliate-group.dissolved',
        entityType: 'affiliate-group',
        entityId: groupId,
        payload: {},
      });
    }
    return accept({ affiliateGroupId: groupId });
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

export interface OrganizationView extends Organization {
  readonly tenants: readonly Tenant[];
  readonly locations: readonly PartnerLocation[];
}

/** An organization with its tenants and locations: the operator, or a user of the organization. */
export const getOrganizationView = defineQuery({
  name: 'parties.get-organization',
  parse(input) {
    const f = new Fields(input);
    const organizationId = f.guid('organizationId');
    return f.finish(() => ({ organizationId }));
  },
  async run(ctx, input): Promise<Outcome<OrganizationView>> {
    const org = await store.getOrganization(ctx.tx, input.organizationId);
    const visible = org && (isOperator(ctx.principal) || (await principalOrganizationId(ctx)) === org.id);
    // Another organization's existence does not leak: it is "not found" too.
    if (!org || !visible) return refuse(organizationNotFound(input.organizationId));
    return accept({
      ...org,
      tenants: await store.listOrganizationTenants(ctx.tx, org.id),
      locations: await store.listOrganizationLocations(ctx.tx, org.id),
    });
  },
});
