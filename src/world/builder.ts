/**
 * The world builder: creates parties through the same commands a user would run, so every entity
 * has its ledger events and every rule is honoured. Deterministic for a given seed. Used by the
 * tests, the demo (`opencsp demo`) and the benchmarks.
 */

import { acceptCustomerAgreement, signPartnerAgreement } from '../agreements/service.ts';
import type { Command } from '../app/command.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { acceptCustomerInvitation, inviteCustomer } from '../customers/service.ts';
import type { ProgramRole } from '../enrollments/model.ts';
import {
  enroll,
  recordDirectBillRequirement,
  verifyDirectBillRequirement,
  verifyEnrollment,
} from '../enrollments/service.ts';
import type { OrganizationId, PartnerId, TenantId, UserId } from '../kernel/ids.ts';
import type { Outcome } from '../kernel/outcome.ts';
import { ANONYMOUS, type Principal, SYSTEM, type UserRole } from '../kernel/principal.ts';
import { bootstrapProgram, onboardPartner, registerCustomer } from '../parties/service.ts';
import { acceptPartnership, invitePartnership } from '../partnerships/service.ts';

/** Unwraps an accepted outcome; throws with every violation otherwise (world building must not be refused). */
export function must<T>(outcome: Outcome<T>, what = 'command'): T {
  if (outcome.ok) return outcome.value;
  throw new Error(`${what} refused: ${outcome.violations.map((v) => `${v.code} (${v.message})`).join('; ')}`);
}

/** The principal of a user, as the HTTP layer will build it from an API key. */
export function userPrincipal(userId: UserId, tenantId: TenantId, roles: readonly UserRole[]): Principal {
  return { kind: 'user', userId, tenantId, roles };
}

async function run<I, O>(csp: OpenCsp, cmd: Command<I, O>, principal: Principal, input: unknown): Promise<O> {
  return must(await csp.execute(cmd, { principal }, input), cmd.name);
}

export interface Operator {
  readonly principal: Principal;
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
}

/** Bootstraps the program's vendor and returns its first operator. */
export async function bootstrap(csp: OpenCsp, email = 'operator@contoso-cloud.example'): Promise<Operator> {
  const r = await run(csp, bootstrapProgram, SYSTEM, {
    operator: { email, displayName: 'Program Operator' },
  });
  return {
    principal: userPrincipal(r.operatorUserId, r.tenantId, ['global-admin', 'program-operator']),
    organizationId: r.organizationId,
    tenantId: r.tenantId,
  };
}

export interface PartnerSpec {
  readonly legalName: string;
  readonly country: string;
  /** Directory domain; derived from the name when absent. */
  readonly domain?: string;
  readonly registrationId?: string;
  /** Enroll in this role (none: onboard only). */
  readonly role?: ProgramRole;
  /** How far to take it: `onboarded`, `enrolled` (pending), `qualified`, `active` (MPA signed). Default `active`. */
  readonly until?: 'onboarded' | 'enrolled' | 'qualified' | 'active';
}

export interface Partner {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly partnerId: PartnerId;
  readonly globalAdmin: Principal;
  readonly enrollmentId: string | undefined;
  readonly country: string;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'org'
  );
}

function address(country: string) {
  return { line1: '1 Main Street', city: 'Capital City', country };
}

/** Onboards a partner and takes it as far as asked (default: enrolled, verified, MPA signed → active). */
export async function addPartner(csp: OpenCsp, operator: Operator, spec: PartnerSpec): Promise<Partner> {
  const domain = spec.domain ?? `${slug(spec.legalName)}.onmicrosoft.example`;
  const needsReg = csp.program.registrationIdRequiredCountries.includes(spec.country);
  const onboarded = await run(csp, onboardPartner, ANONYMOUS, {
    legalName: spec.legalName,
    country: spec.country,
    address: address(spec.country),
    ...((spec.registrationId ?? needsReg)
      ? { registrationId: spec.registrationId ?? `REG-${slug(spec.legalName)}` }
      : {}),
    tenant: { domain },
    globalAdmin: { email: `admin@${domain}`, displayName: `${spec.legalName} Admin` },
  });
  const globalAdmin = userPrincipal(onboarded.globalAdminUserId, onboarded.tenantId, ['global-admin']);
  const until = spec.until ?? (spec.role ? 'active' : 'onboarded');
  let enrollmentId: string | undefined;
  if (spec.role && until !== 'onboarded') {
    enrollmentId = (await run(csp, enroll, globalAdmin, { tenantId: onboarded.tenantId, role: spec.role }))
      .id;
    if (spec.role === 'direct-bill' && until !== 'enrolled')
      await satisfyDirectBill(csp, operator, globalAdmin, enrollmentId);
    if (until === 'qualified' || until === 'active') {
      await run(csp, verifyEnrollment, operator.principal, { enrollmentId });
    }
    if (until === 'active')
      await run(csp, signPartnerAgreement, globalAdmin, { tenantId: onboarded.tenantId });
  }
  return {
    organizationId: onboarded.organizationId,
    tenantId: onboarded.tenantId,
    partnerId: onboarded.partnerId,
    globalAdmin,
    enrollmentId,
    country: spec.country,
  };
}

/** Records and verifies every non-derived direct-bill requirement, in order. */
export async function satisfyDirectBill(
  csp: OpenCsp,
  operator: Operator,
  admin: Principal,
  enrollmentId: string,
): Promise<void> {
  const min = csp.program.directBill.minimumTrailingRevenue;
  for (const def of csp.program.directBill.requirements) {
    if (def.derived) continue;
    await run(csp, recordDirectBillRequirement, admin, {
      enrollmentId,
      item: def.key,
      evidence: `Evidence for ${def.key}`,
      ...(def.amount ? { amountMinor: min.amountMinor + 5_000_00, currency: min.currency } : {}),
    });
    await run(csp, verifyDirectBillRequirement, operator.principal, {
      enrollmentId,
      item: def.key,
      outcome: 'verified',
    });
  }
}

export interface CustomerSpec {
  readonly legalName: string;
  readonly country: string;
  readonly domain?: string;
  /** Accept the customer agreement (default true). */
  readonly acceptAgreement?: boolean;
}

export interface Customer {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly globalAdmin: Principal;
  readonly country: string;
}

/** Registers an end customer and (by default) has its global admin accept the customer agreement. */
export async function addCustomer(csp: OpenCsp, spec: CustomerSpec): Promise<Customer> {
  const domain = spec.domain ?? `${slug(spec.legalName)}.onmicrosoft.example`;
  const r = await run(csp, registerCustomer, ANONYMOUS, {
    legalName: spec.legalName,
    country: spec.country,
    address: address(spec.country),
    tenant: { domain },
    globalAdmin: { email: `admin@${domain}`, displayName: `${spec.legalName} Admin` },
  });
  const globalAdmin = userPrincipal(r.globalAdminUserId, r.tenantId, ['global-admin']);
  if (spec.acceptAgreement !== false) {
    await run(csp, acceptCustomerAgreement, globalAdmin, {
      tenantId: r.tenantId,
      signer: { name: `${spec.legalName} Admin`, email: `admin@${domain}` },
    });
  }
  return { organizationId: r.organizationId, tenantId: r.tenantId, globalAdmin, country: spec.country };
}

/**
 * The provider invites the reseller and the reseller's global admin accepts: an active
 * partnership (`IsIndirectCloudSolutionProviderOf`). Returns the partnership id.
 */
export async function connectReseller(csp: OpenCsp, provider: Partner, reseller: Partner): Promise<string> {
  const invited = await run(csp, invitePartnership, provider.globalAdmin, {
    providerTenantId: provider.tenantId,
    resellerTenantId: reseller.tenantId,
  });
  await run(csp, acceptPartnership, reseller.globalAdmin, { token: invited.invitationToken });
  return invited.id;
}

/**
 * The partner invites the customer (an indirect reseller may authorize its provider too) and the
 * customer's global admin accepts: active reseller relationship(s).
 */
export async function connectCustomer(
  csp: OpenCsp,
  partner: Partner,
  customer: Customer,
  options: { alsoAuthorize?: Partner; delegatedAdmin?: boolean } = {},
): Promise<void> {
  const invitation = await run(csp, inviteCustomer, partner.globalAdmin, {
    partnerTenantId: partner.tenantId,
    customerTenantId: customer.tenantId,
    requestDelegatedAdmin: options.delegatedAdmin ?? true,
    ...(options.alsoAuthorize && { alsoAuthorizeProviderTenantId: options.alsoAuthorize.tenantId }),
  });
  await run(csp, acceptCustomerInvitation, customer.globalAdmin, {
    token: invitation.token,
    customerTenantId: customer.tenantId,
    customerAgreement: { signerName: 'Customer Admin', signerEmail: 'admin@customer.example' },
  });
}

export interface WorldSpec {
  /** Countries to place partners in (one provider and `resellersPerProvider` resellers each). */
  readonly countries: readonly string[];
  readonly resellersPerProvider: number;
  readonly directBillPerCountry: number;
  readonly customersPerCountry: number;
  /** Called after each party, for progress output. */
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

export interface World {
  readonly operator: Operator;
  readonly providers: readonly Partner[];
  readonly resellers: readonly Partner[];
  readonly directBill: readonly Partner[];
  readonly customers: readonly Customer[];
}

/** Builds a world of active partners and customers per country. */
export async function buildWorld(csp: OpenCsp, spec: WorldSpec): Promise<World> {
  const operator = await bootstrap(csp);
  const world = {
    operator,
    providers: [] as Partner[],
    resellers: [] as Partner[],
    directBill: [] as Partner[],
    customers: [] as Customer[],
  };
  const total =
    spec.countries.length *
    (1 + spec.resellersPerProvider + spec.directBillPerCountry + spec.customersPerCountry);
  let done = 0;
  const tick = (what: string) => spec.onProgress?.(++done, total, what);
  for (const country of spec.countries) {
    const c = country.toLowerCase();
    world.providers.push(
      await addPartner(csp, operator, {
        legalName: `Distributor ${country}`,
        country,
        role: 'indirect-provider',
      }),
    );
    tick(`indirect provider in ${country}`);
    for (let i = 1; i <= spec.resellersPerProvider; i++) {
      world.resellers.push(
        await addPartner(csp, operator, {
          legalName: `Reseller ${c} ${i}`,
          country,
          role: 'indirect-reseller',
        }),
      );
      tick(`indirect reseller in ${country}`);
    }
    for (let i = 1; i <= spec.directBillPerCountry; i++) {
      world.directBill.push(
        await addPartner(csp, operator, {
          legalName: `Direct Partner ${c} ${i}`,
          country,
          role: 'direct-bill',
        }),
      );
      tick(`direct-bill partner in ${country}`);
    }
    const provider = world.providers.at(-1) as Partner;
    const resellers = world.resellers.slice(-spec.resellersPerProvider);
    for (const reseller of resellers) await connectReseller(csp, provider, reseller);
    const direct = world.directBill.slice(-spec.directBillPerCountry);
    for (let i = 1; i <= spec.customersPerCountry; i++) {
      const customer = await addCustomer(csp, { legalName: `Customer ${c} ${i}`, country });
      world.customers.push(customer);
      // Odd customers buy through the indirect chain (a reseller, authorizing its provider too);
      // even ones from a direct-bill partner. Each kind takes its partners in turn (as the bulk
      // world does: `chainsOf` in `bulk.ts`).
      const reseller = resellers[((i - 1) >> 1) % Math.max(1, resellers.length)];
      const directPartner = direct[((i - 1) >> 1) % Math.max(1, direct.length)];
      if (i % 2 === 1 && reseller)
        await connectCustomer(csp, reseller, customer, { alsoAuthorize: provider });
      else if (directPartner) await connectCustomer(csp, directPartner, customer);
      tick(`customer in ${country}`);
    }
  }
  return world;
}
