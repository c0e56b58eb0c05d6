/**
 * Pure rules of reseller relationships: who may invite, accept, create and remove; the lifecycles
 * of invitations and relationships; the removal precondition. No I/O, no clock, no randomness —
 * the cross-area decision itself (`decideCustomerRelationship`) lives in `rules/decisions.ts`.
 */
import type { ProgramRole } from '../enrollments/model.ts';
import { type Violation, violation } from '../kernel/outcome.ts';
import { isOperator, type Principal } from '../kernel/principal.ts';
import { actsFor, type Decision } from '../rules/decisions.ts';
import type { CustomerFacts, PartnerFacts } from '../rules/facts.ts';
import {
  CUSTOMER_RELATIONSHIP_TRANSITIONS,
  type CustomerRelationship,
  type CustomerRelationshipState,
  INVITATION_TRANSITIONS,
  type InvitationStatus,
} from './model.ts';

/** Roles of a partner tenant that manage customers ("Appropriate roles: Admin agent | Global admin"). */
export const CUSTOMER_MANAGER_ROLES = ['global-admin', 'admin-agent'] as const;

/**
 * Why an invitation cannot move `from → to` (its effective status, see `effectiveInvitationStatus`),
 * or undefined when it can. An expired invitation answers `INVITATION_EXPIRED` with the way out;
 * an invitation already accepted or declined, `INVALID_TRANSITION`.
 */
export function invitationTransitionViolation(
  from: InvitationStatus,
  to: InvitationStatus,
): Violation | undefined {
  if (INVITATION_TRANSITIONS[from].includes(to)) return undefined;
  if (from === 'expired') {
    return violation('INVITATION_EXPIRED', 'The invitation has expired.', {
      field: 'token',
      remedies: ['Ask the partner to send a new invitation.'],
    });
  }
  return violation('INVALID_TRANSITION', `The invitation is ${from}; it cannot become ${to}.`, {
    field: 'token',
    remedies: from === 'pending' ? [] : ['Ask the partner to send a new invitation if needed.'],
  });
}

/** Why a relationship cannot move `from → to`, or undefined when it can. */
export function relationshipTransitionViolation(
  from: CustomerRelationshipState,
  to: CustomerRelationshipState,
): Violation | undefined {
  if (CUSTOMER_RELATIONSHIP_TRANSITIONS[from].includes(to)) return undefined;
  return violation('INVALID_TRANSITION', `The customer relationship is ${from}; it cannot become ${to}.`, {
    field: 'relationshipId',
    remedies: from === 'removed' ? ['Invite the customer again to establish a new relationship.'] : [],
  });
}

/**
 * A relationship is removed only once the customer's subscriptions with that partner are suspended
 * or ended ("remove a relationship" in Partner Center).
 */
export function removalViolation(activeSubscriptionsWithPartner: number): Violation | undefined {
  if (activeSubscriptionsWithPartner <= 0) return undefined;
  return violation(
    'SUBSCRIPTIONS_STILL_ACTIVE',
    `The customer still has ${activeSubscriptionsWithPartner} active subscription(s) with this partner.`,
    {
      remedies: [
        "Suspend or cancel the customer's subscriptions with this partner, then remove the relationship.",
      ],
    },
  );
}

/** Only a global admin or admin agent of the partner tenant invites customers or creates them. */
export function partnerManagerViolation(
  actor: Principal,
  partnerTenantId: string,
  action: string,
): Violation | undefined {
  if (actsFor(actor, partnerTenantId, CUSTOMER_MANAGER_ROLES)) return undefined;
  return violation('NOT_AUTHORIZED', `Only a global admin or admin agent of the partner ${action}.`, {
    remedies: [`Ask a global admin or admin agent of tenant ${partnerTenantId}.`],
  });
}

/** Only the customer's global admin accepts or declines an invitation ("Customer needs to be global admin"). */
export function customerAdminViolation(
  actor: Principal,
  customerTenantId: string,
  action: string,
): Violation | undefined {
  if (actsFor(actor, customerTenantId, ['global-admin'])) return undefined;
  return violation('NOT_AUTHORIZED', `Only a global admin of the customer ${action}.`, {
    remedies: [`Ask a global admin of tenant ${customerTenantId}.`],
  });
}

/** Is the actor a party to the relationship at all (any user of either tenant), or the operator? */
export function involvedInRelationship(
  actor: Principal,
  r: Pick<CustomerRelationship, 'partnerTenantId' | 'customerTenantId'>,
): boolean {
  return (
    isOperator(actor) ||
    (actor.kind === 'user' && (actor.tenantId === r.partnerTenantId || actor.tenantId === r.customerTenantId))
  );
}

/**
 * Who removes a relationship: a global admin or admin agent of the partner, the customer's global
 * admin, or the program operator.
 */
export function removerViolation(
  actor: Principal,
  r: Pick<CustomerRelationship, 'partnerTenantId' | 'customerTenantId'>,
): Violation | undefined {
  if (
    isOperator(actor) ||
    actsFor(actor, r.partnerTenantId, CUSTOMER_MANAGER_ROLES) ||
    actsFor(actor, r.customerTenantId, ['global-admin'])
  ) {
    return undefined;
  }
  return violation(
    'NOT_AUTHORIZED',
    "Only an admin of the partner, the customer's global admin or the program operator removes a customer relationship.",
    {
      remedies: [
        `Ask a global admin or admin agent of tenant ${r.partnerTenantId}, or a global admin of tenant ${r.customerTenantId}.`,
      ],
    },
  );
}

/**
 * Only an indirect reseller asks a customer to authorize its indirect provider in the same
 * acceptance (the `IndirectResellerRelationship` invitation link names both).
 */
export function alsoAuthorizeViolation(inviterRole: ProgramRole | undefined): Violation | undefined {
  if (inviterRole === 'indirect-reseller') return undefined;
  return violation(
    'UNSUPPORTED_CHAIN',
    `Only an indirect reseller asks the customer to authorize its indirect provider too; the inviter is ${inviterRole ?? 'not enrolled'}.`,
    {
      field: 'alsoAuthorizeProviderTenantId',
      scenario: '1',
      remedies: ['Invite the customer without alsoAuthorizeProviderTenantId.'],
    },
  );
}

/**
 * Only an indirect provider creates a customer on behalf of a reseller ("Add new customers and
 * associate them with indirect resellers"); a reseller or direct-bill partner creates its own.
 */
export function onBehalfViolation(creatorRole: ProgramRole | undefined): Violation | undefined {
  if (creatorRole === 'indirect-provider') return undefined;
  return violation(
    'UNSUPPORTED_CHAIN',
    `Only an indirect provider creates a customer on behalf of an indirect reseller; the creator is ${creatorRole ?? 'not enrolled'}.`,
    {
      field: 'resellerTenantId',
      scenario: '1',
      remedies: ['Create the customer as your own, without naming a reseller.'],
    },
  );
}

/**
 * The customer of an open invitation, before anyone accepts it: a customer-type tenant of another,
 * unaffiliated organization in the inviter's own region. Deciding the relationship against it
 * checks everything that depends on the partner alone (readiness, the supported chain, the
 * provider partnership) at invitation time; the acceptance decides again with the real customer.
 */
export function prospectiveCustomer(partner: PartnerFacts): CustomerFacts {
  return {
    tenantId: '(any customer holding the invitation)',
    type: 'customer',
    country: partner.country,
    region: partner.region,
    organizationId: '(prospective customer)',
    affiliateGroupId: null,
    legalName: 'the invited customer',
    customerAgreementVersion: null,
  };
}

/**
 * One decision from several (the partner's relationship and its provider's): allowed when all
 * are; each distinct violation once (both legs may report the same customer-side problem; the
 * same code with other remedies, e.g. another tenant's signature, is another violation).
 */
export function mergeDecisions(...decisions: readonly Decision[]): Decision {
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const d of decisions) {
    for (const v of d.violations) {
      const key = JSON.stringify([v.code, v.message, v.field ?? null, v.scenario ?? null, v.remedies]);
      if (seen.has(key)) continue;
      seen.add(key);
      violations.push(v);
    }
  }
  return { allowed: violations.length === 0, violations };
}
