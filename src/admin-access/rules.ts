/**
 * Pure rules of delegated admin (multi-channel, scenario 3): the lifecycle guard, what a partner
 * may do on a customer given its relationships, and why a subscription bought elsewhere is never
 * resold.
 */
import { type Violation, violation } from '../kernel/outcome.ts';
import {
  ADMIN_RELATIONSHIP_TRANSITIONS,
  type AdminRelationshipState,
  type AdminRole,
  type ExternalSubscription,
} from './model.ts';

/** Why an admin relationship cannot move from its effective state `from` to `to`, or undefined. */
export function transitionViolation(
  from: AdminRelationshipState,
  to: AdminRelationshipState,
): Violation | undefined {
  if (ADMIN_RELATIONSHIP_TRANSITIONS[from].includes(to)) return undefined;
  return violation('INVALID_TRANSITION', `An admin relationship cannot go from ${from} to ${to}.`, {
    scenario: '3',
    remedies:
      from === 'expired' || from === 'terminated'
        ? ['Create a new admin relationship and have the customer approve it.']
        : [],
  });
}

/** The facts a partner's access to a customer is derived from. */
export interface PartnerAccessFacts {
  /** An active reseller relationship of the partner with the customer. */
  readonly resellerRelationship: boolean;
  /** The partner is the indirect provider of a reseller that has an active relationship with the customer. */
  readonly providerOfRelatedReseller: boolean;
  /** Roles of the partner's admin relationships with the customer, with their effective states. */
  readonly adminRelationships: readonly {
    readonly roles: readonly AdminRole[];
    readonly state: AdminRelationshipState;
  }[];
}

export interface PartnerAccess {
  readonly viaResellerRelationship: boolean;
  readonly viaProviderOfReseller: boolean;
  /** Union of the roles of every active (or expiring) admin relationship. */
  readonly adminRoles: readonly AdminRole[];
  /** May the partner manage the customer's subscriptions — any of them when `role` is given? */
  canManage(role?: AdminRole): boolean;
}

/**
 * What a partner may do on a customer, from its relationships: a reseller relationship, being the
 * provider of the customer's reseller, or an active admin relationship. A specific admin role
 * (needed for subscriptions bought elsewhere) only comes from an admin relationship.
 */
export function derivePartnerAccess(f: PartnerAccessFacts): PartnerAccess {
  const live = f.adminRelationships.filter((r) => r.state === 'active' || r.state === 'expiring');
  const adminRoles = [...new Set(live.flatMap((r) => r.roles))].sort();
  return {
    viaResellerRelationship: f.resellerRelationship,
    viaProviderOfReseller: f.providerOfRelatedReseller,
    adminRoles,
    canManage: (role) =>
      role === undefined
        ? f.resellerRelationship || f.providerOfRelatedReseller || adminRoles.length > 0
        : adminRoles.includes(role),
  };
}

/**
 * The refusal when `access` does not allow managing with `role` (or at all). With `adminOnly`, a
 * reseller relationship is not enough: subscriptions bought elsewhere are managed under an admin
 * relationship only.
 */
export function accessViolation(
  access: PartnerAccess,
  role: AdminRole | undefined,
  customerTenantId: string,
  options: { adminOnly?: boolean } = {},
): Violation | undefined {
  const allowed =
    options.adminOnly && role === undefined ? access.adminRoles.length > 0 : access.canManage(role);
  if (allowed) return undefined;
  return violation(
    'ADMIN_ROLE_REQUIRED',
    role || options.adminOnly
      ? `No active admin relationship with customer ${customerTenantId} grants ${role ?? 'an admin role'}.`
      : `No relationship lets this partner manage customer ${customerTenantId}.`,
    {
      scenario: '3',
      remedies: [
        `Create an admin relationship with customer ${customerTenantId}${role ? ` including the ${role} role` : ''} and ask its global admin to approve it.`,
      ],
    },
  );
}

/** A subscription bought elsewhere can be managed under an admin relationship, never resold. */
export function resaleViolation(subscription: Pick<ExternalSubscription, 'id' | 'source'>): Violation {
  return violation(
    'EXTERNAL_SUBSCRIPTION_NOT_RESELLABLE',
    `Subscription ${subscription.id} was bought elsewhere (${subscription.source}); partners manage it, they do not resell it.`,
    {
      scenario: '3',
      remedies: [
        'Manage it under an admin relationship.',
        'Sell the customer a new subscription through a supported chain instead.',
      ],
    },
  );
}
