/**
 * Pure rules of delegated admin (multi-channel, seed scenario 3): the lifecycle guard, what a
 * partner may do on a customer given its relationships, and why a subscription bought elsewhere is
 * never resold. Facts in, violations out — no I/O, no clock.
 */
import { type Violation, violation } from '../kernel/outcome.ts';
import type { TenantType } from '../parties/model.ts';
import {
  ADMIN_RELATIONSHIP_TRANSITIONS,
  type AdminRelationshipState,
  type AdminRole,
  EXTERNAL_SOURCES,
  type ExternalSource,
} from './model.ts';

/**
 * Why an admin relationship cannot move from its effective state `from` to `to`, or undefined.
 * The caller passes the EFFECTIVE state (`effectiveAdminState(row, now)`), so an expired
 * relationship is refused even though its stored state is still `active`.
 */
export function transitionViolation(
  from: AdminRelationshipState,
  to: AdminRelationshipState,
): Violation | undefined {
  if (ADMIN_RELATIONSHIP_TRANSITIONS[from].includes(to)) return undefined;
  return violation('INVALID_TRANSITION', `The admin relationship is ${from}; it cannot become ${to}.`, {
    field: 'adminRelationshipId',
    scenario: '3',
    remedies:
      from === 'expired' || from === 'terminated'
        ? ['Create a new admin relationship and have the customer’s global admin approve it.']
        : [],
  });
}

/** The facts a partner's access to a customer is derived from (loaded by the service). */
export interface PartnerAccessFacts {
  /** The partner has an active reseller relationship (`customer_relationships`) with the customer. */
  readonly resellerRelationship: boolean;
  /** The partner is the indirect provider (active partnership) of a reseller with an active relationship with the customer. */
  readonly providerOfRelatedReseller: boolean;
  /** The partner's admin relationships with the customer, each with its EFFECTIVE state. */
  readonly adminRelationships: readonly {
    readonly roles: readonly AdminRole[];
    readonly state: AdminRelationshipState;
  }[];
}

/** What a partner may do on a customer, derived from its relationships. */
export interface PartnerAccess {
  /** A reseller relationship: its own, or as the provider of the customer's reseller. */
  readonly viaResellerRelationship: boolean;
  /** Of which: only through a reseller it is the provider of. */
  readonly viaProviderOfReseller: boolean;
  /** Union of the roles of every active or expiring admin relationship, sorted. */
  readonly adminRoles: readonly AdminRole[];
  /**
   * Without `role`: may the partner manage the customer's subscriptions at all (a reseller
   * relationship or any live admin role). With `role`: does a live admin relationship grant it
   * (`global-administrator` grants every role)?
   */
  canManage(role?: AdminRole): boolean;
}

/** Admin relationship states under which the partner holds its roles. */
const LIVE: readonly AdminRelationshipState[] = ['active', 'expiring'];

/**
 * Derives a partner's access to a customer: a reseller relationship (its own or as the provider of
 * the customer's reseller) lets it manage what it sells; a specific admin role — what managing a
 * subscription bought elsewhere needs — comes only from an active (or expiring) admin relationship.
 * Created, pending, expired and terminated relationships grant nothing.
 */
export function derivePartnerAccess(f: PartnerAccessFacts): PartnerAccess {
  const live = f.adminRelationships.filter((r) => LIVE.includes(r.state));
  const adminRoles = [...new Set(live.flatMap((r) => r.roles))].sort();
  const viaResellerRelationship = f.resellerRelationship || f.providerOfRelatedReseller;
  return {
    viaResellerRelationship,
    viaProviderOfReseller: !f.resellerRelationship && f.providerOfRelatedReseller,
    adminRoles,
    canManage: (role) =>
      role === undefined
        ? viaResellerRelationship || adminRoles.length > 0
        : adminRoles.includes(role) || adminRoles.includes('global-administrator'),
  };
}

/**
 * The refusal when `access` does not allow the action: ADMIN_ROLE_REQUIRED. `role` asks for a
 * specific admin role; `adminOnly` (without a role) asks for any live admin relationship — a
 * reseller relationship is not enough for subscriptions bought elsewhere.
 */
export function accessViolation(
  access: PartnerAccess,
  customerTenantId: string,
  need: { role?: AdminRole; adminOnly?: boolean } = {},
): Violation | undefined {
  const allowed =
    need.role !== undefined
      ? access.canManage(need.role)
      : need.adminOnly
        ? access.adminRoles.length > 0
        : access.canManage();
  if (allowed) return undefined;
  const what = need.role ? `the ${need.role} role` : 'an admin role';
  return violation(
    'ADMIN_ROLE_REQUIRED',
    need.role || need.adminOnly
      ? `No active admin relationship with customer ${customerTenantId} grants ${what}.`
      : `No relationship lets this partner manage customer ${customerTenantId}.`,
    {
      scenario: '3',
      remedies: [
        `Create an admin relationship with customer ${customerTenantId}${need.role ? ` including the ${need.role} role` : ''}, request approval, and have the customer's global admin approve it.`,
      ],
    },
  );
}

/** A subscription as the resale rule sees it: bought elsewhere (an external source) or in CSP. */
export interface ResaleCandidate {
  readonly id: string;
  readonly source: ExternalSource | 'csp';
}

/**
 * A subscription bought elsewhere (directly from the vendor, another program, another partner) is
 * managed under an admin relationship, never resold: EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE. A CSP
 * subscription passes. For the commerce area, before any order, transfer or renewal of it.
 */
export function resaleViolation(subscription: ResaleCandidate): Violation | undefined {
  if (!(EXTERNAL_SOURCES as readonly string[]).includes(subscription.source)) return undefined;
  return violation(
    'EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE',
    `Subscription ${subscription.id} was bought elsewhere (${subscription.source}); it is managed under an admin relationship, never resold.`,
    {
      scenario: '3',
      remedies: [
        'Manage it under an admin relationship approved by the customer’s global admin.',
        'Sell the customer a new subscription through a supported chain instead, once the external one ends.',
      ],
    },
  );
}

/** A tenant as the admin-relationship party rule sees it (undefined: no such tenant). */
export interface TenantKind {
  readonly id: string;
  readonly type: TenantType;
}

/**
 * Who may be the parties of an admin relationship: the partner side is a CSP (partner-type)
 * tenant — the one it transacts and administers from — and the other side a customer-type tenant
 * (seed, scenario 4: "a tenant designated as a Customer type"). Every problem is reported.
 */
export function partiesViolations(
  partner: TenantKind | undefined,
  customer: TenantKind | undefined,
  ids: { readonly partnerTenantId: string; readonly customerTenantId: string },
): Violation[] {
  const out: Violation[] = [];
  if (!partner) {
    out.push(
      violation('TENANT_NOT_FOUND', `No tenant ${ids.partnerTenantId}.`, { field: 'partnerTenantId' }),
    );
  } else if (partner.type !== 'partner') {
    out.push(
      violation(
        'NOT_A_PARTNER_TENANT',
        `Tenant ${partner.id} is a ${partner.type} tenant; admin relationships are created from a CSP tenant.`,
        {
          field: 'partnerTenantId',
          scenario: '3',
          remedies: ['Create the admin relationship from your CSP (partner-type) tenant.'],
        },
      ),
    );
  }
  if (!customer) {
    out.push(
      violation('TENANT_NOT_FOUND', `No tenant ${ids.customerTenantId}.`, { field: 'customerTenantId' }),
    );
  } else if (customer.type !== 'customer') {
    out.push(
      violation(
        'NOT_A_CUSTOMER_TENANT',
        `Tenant ${customer.id} is a ${customer.type} tenant; only a customer-type tenant grants admin relationships.`,
        {
          field: 'customerTenantId',
          scenario: '4',
          remedies: ['Ask the customer for the id of its customer-type tenant.'],
        },
      ),
    );
  }
  return out;
}
