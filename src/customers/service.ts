/**
 * Commands and queries over reseller relationships between partners and customers: a partner
 * invites a customer (an indirect reseller may have its provider authorized in the same
 * acceptance), the customer's global admin accepts or declines; a partner creates a new customer
 * (an indirect provider on behalf of one of its resellers); a relationship is removed once the
 * customer's subscriptions with that partner are suspended or ended; the partner lists its
 * customers, the customer its partners (multi-partner, scenario 2).
 *
 * Every relationship is decided by `decideCustomerRelationship` (rules/decisions.ts) over facts
 * loaded in the command's transaction; nothing is written unless every decision allows it.
 */

import type { AgreementAcceptance } from '../agreements/model.ts';
import { notYetEffectiveViolation } from '../agreements/rules.ts';
import { latestCustomerAcceptance, recordCustomerAcceptance } from '../agreements/service.ts';
import { defineCommand, defineQuery } from '../app/command.ts';
import type { CommandContext, QueryContext } from '../app/context.ts';
import { isResellerOf, loadCustomerFacts, loadPartnerFacts, partnershipState } from '../decisions/facts.ts';
import type { ProgramRole } from '../enrollments/model.ts';
import type { AcceptanceId, OrganizationId, TenantId, UserId } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, type Violation, violation } from '../kernel/outcome.ts';
import { type Page, parsePage, toPage } from '../kernel/pagination.ts';
import { isOperator } from '../kernel/principal.ts';
import { addDays, toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import type { Tenant } from '../parties/model.ts';
import {
  createEndCustomer,
  type EndCustomerIds,
  getLocation,
  getTenant,
  getTenantLocation,
  parseEndCustomer,
  principalOrganizationId,
  tenantNotFound,
} from '../parties/service.ts';
import type { RegionId } from '../program/regions.ts';
import { type Decision, decideCustomerRelationship, sellingRole } from '../rules/decisions.ts';
import type { CustomerFacts, PartnerFacts } from '../rules/facts.ts';
import {
  type CustomerInvitation,
  type CustomerRelationship,
  type CustomerRelationshipState,
  effectiveInvitationStatus,
  type InvitationStatus,
  RELATIONSHIP_STATES,
  type RelationshipSource,
} from './model.ts';
import {
  alsoAuthorizeViolation,
  customerAdminViolation,
  invitationTransitionViolation,
  involvedInRelationship,
  mergeDecisions,
  onBehalfViolation,
  partnerManagerViolation,
  prospectiveCustomer,
  relationshipTransitionViolation,
  removalViolation,
  removerViolation,
} from './rules.ts';
import * as store from './store.ts';

// ---------------------------------------------------------------------------------------------
// Shared steps.

const invitationNotFound = () =>
  violation('INVITATION_NOT_FOUND', 'No invitation matches this token for this customer.', {
    field: 'token',
    remedies: ['Check the invitation link, or ask the partner to send a new invitation.'],
  });

function principalUserId(ctx: QueryContext): UserId | null {
  return ctx.principal.kind === 'user' ? ctx.principal.userId : null;
}

/** The relationship facts of `partner` with `customer`, decided. */
async function decideRelationship(
  ctx: QueryContext,
  partner: PartnerFacts,
  customer: CustomerFacts,
  o: {
    readonly viaReseller?: PartnerFacts;
    /** The customer tenant exists already (its relationships and partnerships are looked up). */
    readonly known: boolean;
    /** Whether an existing relationship of this partner refuses (false: it is kept, see `acceptCustomerInvitation`). */
    readonly existingRefuses: boolean;
    readonly customerAgreementAccepted: boolean;
  },
): Promise<Decision> {
  const existing =
    o.known && o.existingRefuses
      ? (await store.findActiveRelationship(ctx.tx, partner.tenantId, customer.tenantId)) !== undefined
      : false;
  return decideCustomerRelationship(
    ctx.program,
    {
      partner,
      customer,
      viaReseller: o.viaReseller,
      partnershipWithReseller: o.viaReseller
        ? await partnershipState(ctx, partner.tenantId, o.viaReseller.tenantId)
        : 'none',
      existingRelationship: existing,
      customerIsResellerOfPartner: o.known
        ? await isResellerOf(ctx, customer.tenantId, partner.tenantId)
        : false,
      customerAgreementAccepted: o.customerAgreementAccepted,
    },
    ctx.now,
  );
}

async function insertRelationship(
  ctx: CommandContext,
  r: {
    partnerTenantId: string;
    customerTenantId: string;
    associatedPartnerTenantId: string | null;
    delegatedAdmin: boolean;
    source: RelationshipSource;
    invitationId: string | null;
  },
): Promise<CustomerRelationship> {
  const relationship: CustomerRelationship = {
    id: ctx.ids.guid(),
    ...r,
    state: 'active',
    createdAt: toInstant(ctx.now),
    removedAt: null,
  };
  await store.insertRelationship(ctx.tx, relationship);
  await ctx.record({
    type: 'customer-relationship.created',
    entityType: 'customer-relationship',
    entityId: relationship.id,
    payload: { ...relationship },
  });
  return relationship;
}

/** The invitation this customer presents, in a state that can move to `to`. */
async function presentedInvitation(
  ctx: QueryContext,
  token: string,
  customerTenantId: string,
  to: InvitationStatus,
): Promise<Outcome<CustomerInvitation>> {
  const invitation = await store.findInvitationByToken(ctx.tx, token);
  if (
    !invitation ||
    (invitation.customerTenantId !== null && invitation.customerTenantId !== customerTenantId)
  )
    return refuse(invitationNotFound());
  const wrong = invitationTransitionViolation(effectiveInvitationStatus(invitation, ctx.now), to);
  return wrong ? refuse(wrong) : accept(invitation);
}

/** The invitation as the ledger keeps it: without its token, the secret of the invitation link. */
function invitationPayload(i: CustomerInvitation): Record<string, unknown> {
  const { token: _token, ...rest } = i;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Commands.

/**
 * A partner invites a customer to a reseller relationship ("Request a reseller relationship"),
 * optionally asking for delegated admin privileges. Without `customerTenantId` the invitation is
 * open: any customer's global admin holding the token may accept it. An indirect reseller may
 * name its indirect provider (`alsoAuthorizeProviderTenantId`, an active partnership) so that
 * one acceptance authorizes both. Everything that can be decided now is decided now — for a known
 * customer the full relationship decision (the customer agreement may still be accepted on
 * acceptance), so e.g. a customer in another region (scenario 7) is refused before any email goes.
 */
export const inviteCustomer = defineCommand({
  name: 'customers.invite',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    const alsoAuthorizeProviderTenantId = f.guid('alsoAuthorizeProviderTenantId', { optional: true });
    const requestDelegatedAdmin = f.boolean('requestDelegatedAdmin');
    if (alsoAuthorizeProviderTenantId !== undefined && alsoAuthorizeProviderTenantId === partnerTenantId)
      f.fail(
        'INVALID_FIELD',
        'alsoAuthorizeProviderTenantId',
        'must name the indirect provider, not the inviter',
      );
    return f.finish(() => ({
      partnerTenantId,
      customerTenantId,
      alsoAuthorizeProviderTenantId,
      requestDelegatedAdmin,
    }));
  },
  async run(ctx, input): Promise<Outcome<CustomerInvitation>> {
    const denied = partnerManagerViolation(ctx.principal, input.partnerTenantId, 'invites customers');
    if (denied) return refuse(denied);
    const partner = await loadPartnerFacts(ctx, input.partnerTenantId);
    if (!partner) return refuse(tenantNotFound(input.partnerTenantId, 'partnerTenantId'));
    const missing: Violation[] = [];
    const customer = input.customerTenantId
      ? await loadCustomerFacts(ctx, input.customerTenantId)
      : undefined;
    if (input.customerTenantId && !customer)
      missing.push(tenantNotFound(input.customerTenantId, 'customerTenantId'));
    const providerId = input.alsoAuthorizeProviderTenantId;
    const provider = providerId ? await loadPartnerFacts(ctx, providerId) : undefined;
    if (providerId && !provider) missing.push(tenantNotFound(providerId, 'alsoAuthorizeProviderTenantId'));
    if (missing.length > 0) return refuse(...missing);

    const target = customer ?? prospectiveCustomer(partner);
    const known = customer !== undefined;
    const decisions = [
      await decideRelationship(ctx, partner, target, {
        known,
        existingRefuses: true,
        customerAgreementAccepted: true,
      }),
    ];
    // Only an indirect reseller names its provider; otherwise the provider's leg means nothing.
    const chain = provider ? alsoAuthorizeViolation(sellingRole(partner)) : undefined;
    if (provider && !chain) {
      decisions.push(
        await decideRelationship(ctx, provider, target, {
          viaReseller: partner,
          known,
          existingRefuses: false,
          customerAgreementAccepted: true,
        }),
      );
    }
    const decision = mergeDecisions(...decisions);
    const problems = [...(chain ? [chain] : []), ...decision.violations];
    if (problems.length > 0) return refuse(...problems);

    const invitation: CustomerInvitation = {
      id: ctx.ids.guid(),
      partnerTenantId: partner.tenantId,
      providerTenantId: provider?.tenantId ?? null,
      customerTenantId: customer?.tenantId ?? null,
      requestDelegatedAdmin: input.requestDelegatedAdmin,
      token: ctx.ids.guid(),
      status: 'pending',
      createdAt: toInstant(ctx.now),
      expiresAt: toInstant(addDays(ctx.now, ctx.program.policies.partnershipInvitationDays)),
    };
    await store.insertInvitation(ctx.tx, invitation, principalUserId(ctx));
    await ctx.record({
      type: 'customer-invitation.created',
      entityType: 'customer-invitation',
      entityId: invitation.id,
      payload: invitationPayload(invitation),
    });
    return accept(invitation);
  },
});

export interface AcceptCustomerInvitationResult {
  readonly invitation: CustomerInvitation;
  /** The relationships created: the inviter's, then (when authorized too) its provider's. */
  readonly relationships: readonly CustomerRelationship[];
  /**
   * The provider's relationship with the customer that already existed and was kept unchanged
   * (multi-partner: another reseller of the same provider serves the customer), if any.
   */
  readonly keptProviderRelationshipId: string | null;
  /** The customer-agreement acceptance recorded on the way, if the customer had not accepted it. */
  readonly customerAgreementAcceptanceId: AcceptanceId | null;
}

/**
 * The customer's global admin accepts an invitation: the relationship with the inviting partner
 * (and its provider, if named) is decided again with the real customer and created. A customer
 * that has not accepted the current customer agreement accepts it on the way (`customerAgreement`),
 * as Partner Center prompts it to. A provider that already serves this customer keeps its
 * relationship as it is: adding a partner changes nothing existing (multi-partner).
 */
export const acceptCustomerInvitation = defineCommand({
  name: 'customers.accept-invitation',
  parse(input) {
    const f = new Fields(input);
    const token = f.text('token', { max: 100 });
    const customerTenantId = f.guid('customerTenantId');
    const customerAgreement = f.object(
      'customerAgreement',
      (a) => ({ signerName: a.text('signerName', { max: 100 }), signerEmail: a.email('signerEmail') }),
      { optional: true },
    );
    return f.finish(() => ({ token, customerTenantId, customerAgreement }));
  },
  async run(ctx, input): Promise<Outcome<AcceptCustomerInvitationResult>> {
    const denied = customerAdminViolation(ctx.principal, input.customerTenantId, 'accepts an invitation');
    if (denied) return refuse(denied);
    const presented = await presentedInvitation(ctx, input.token, input.customerTenantId, 'accepted');
    if (!presented.ok) return presented;
    const invitation = presented.value;
    const customer = await loadCustomerFacts(ctx, input.customerTenantId);
    const partner = await loadPartnerFacts(ctx, invitation.partnerTenantId);
    const provider = invitation.providerTenantId
      ? await loadPartnerFacts(ctx, invitation.providerTenantId)
      : undefined;
    if (!customer) return refuse(tenantNotFound(input.customerTenantId, 'customerTenantId'));
    if (!partner || (invitation.providerTenantId && !provider)) return refuse(invitationNotFound());

    const def = ctx.program.agreements.customer;
    const agreementCurrent = customer.customerAgreementVersion === def.version;
    const acceptAgreement = !agreementCurrent && input.customerAgreement !== undefined;
    const decisions = [
      await decideRelationship(ctx, partner, customer, {
        known: true,
        existingRefuses: true,
        customerAgreementAccepted: agreementCurrent || acceptAgreement,
      }),
    ];
    const keptProvider = provider
      ? await store.findActiveRelationship(ctx.tx, provider.tenantId, customer.tenantId)
      : undefined;
    if (provider) {
      decisions.push(
        await decideRelationship(ctx, provider, customer, {
          viaReseller: partner,
          known: true,
          existingRefuses: false,
          customerAgreementAccepted: agreementCurrent || acceptAgreement,
        }),
      );
    }
    const chain = provider ? alsoAuthorizeViolation(sellingRole(partner)) : undefined;
    const early = acceptAgreement ? notYetEffectiveViolation(def, ctx.now) : undefined;
    const problems = [
      ...(chain ? [chain] : []),
      ...mergeDecisions(...decisions).violations,
      ...(early ? [early] : []),
    ];
    if (problems.length > 0) return refuse(...problems);

    const at = toInstant(ctx.now);
    const userId = principalUserId(ctx);
    let acceptance: AgreementAcceptance | undefined;
    if (acceptAgreement && input.customerAgreement) {
      acceptance = await recordCustomerAcceptance(
        ctx,
        { id: customer.tenantId, organizationId: customer.organizationId },
        { userId, name: input.customerAgreement.signerName, email: input.customerAgreement.signerEmail },
        at,
        await latestCustomerAcceptance(ctx.tx, customer.tenantId),
      );
    }
    await store.recordInvitationDecision(ctx.tx, invitation.id, 'accepted', customer.tenantId, at, userId);
    const accepted: CustomerInvitation = {
      ...invitation,
      status: 'accepted',
      customerTenantId: customer.tenantId,
    };
    await ctx.record({
      type: 'customer-invitation.accepted',
      entityType: 'customer-invitation',
      entityId: invitation.id,
      payload: { ...invitationPayload(accepted), decidedAt: at },
    });
    const relationships = [
      await insertRelationship(ctx, {
        partnerTenantId: partner.tenantId,
        customerTenantId: customer.tenantId,
        associatedPartnerTenantId: null,
        delegatedAdmin: invitation.requestDelegatedAdmin,
        source: 'invitation',
        invitationId: invitation.id,
      }),
    ];
    if (provider && !keptProvider) {
      relationships.push(
        await insertRelationship(ctx, {
          partnerTenantId: provider.tenantId,
          customerTenantId: customer.tenantId,
          associatedPartnerTenantId: partner.tenantId,
          delegatedAdmin: invitation.requestDelegatedAdmin,
          source: 'invitation',
          invitationId: invitation.id,
        }),
      );
    }
    return accept({
      invitation: accepted,
      relationships,
      keptProviderRelationshipId: keptProvider?.id ?? null,
      customerAgreementAcceptanceId: acceptance?.id ?? null,
    });
  },
});

/** The customer's global admin declines an invitation; it can no longer be accepted. */
export const declineCustomerInvitation = defineCommand({
  name: 'customers.decline-invitation',
  parse(input) {
    const f = new Fields(input);
    const token = f.text('token', { max: 100 });
    const customerTenantId = f.guid('customerTenantId');
    return f.finish(() => ({ token, customerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<CustomerInvitation>> {
    const denied = customerAdminViolation(ctx.principal, input.customerTenantId, 'declines an invitation');
    if (denied) return refuse(denied);
    const presented = await presentedInvitation(ctx, input.token, input.customerTenantId, 'declined');
    if (!presented.ok) return presented;
    const at = toInstant(ctx.now);
    await store.recordInvitationDecision(
      ctx.tx,
      presented.value.id,
      'declined',
      input.customerTenantId,
      at,
      principalUserId(ctx),
    );
    const declined: CustomerInvitation = {
      ...presented.value,
      status: 'declined',
      customerTenantId: input.customerTenantId,
    };
    await ctx.record({
      type: 'customer-invitation.declined',
      entityType: 'customer-invitation',
      entityId: declined.id,
      payload: { ...invitationPayload(declined), decidedAt: at },
    });
    return accept(declined);
  },
});

export interface CreateCustomerResult {
  readonly organizationId: OrganizationId;
  readonly tenantId: TenantId;
  readonly globalAdminUserId: UserId;
  readonly customerAgreementAcceptanceId: AcceptanceId;
  /** The reseller's (or the creating partner's) relationship first, then the provider's. */
  readonly relationships: readonly CustomerRelationship[];
}

/**
 * What `customers.create` decides over the customer to be, before anything is written: the
 * relationship(s) with the partner (and the reseller it acts for), and the date the customer
 * agreement is attested on.
 */
async function newCustomerViolations(
  ctx: CommandContext,
  partner: PartnerFacts,
  reseller: PartnerFacts | undefined,
  input: { readonly legalName: string; readonly country: string; readonly acceptedOn: string | undefined },
  ids: EndCustomerIds,
): Promise<Violation[]> {
  const def = ctx.program.agreements.customer;
  const customer: CustomerFacts = {
    tenantId: ids.tenantId,
    type: 'customer',
    country: input.country,
    region: ctx.program.catalogue.regionOf(input.country),
    organizationId: ids.organizationId,
    affiliateGroupId: null,
    legalName: input.legalName,
    // Attested in this very command.
    customerAgreementVersion: def.version,
  };
  const fresh = { known: false, existingRefuses: false, customerAgreementAccepted: true } as const;
  const problems: Violation[] = [];
  let decision: Decision;
  if (reseller) {
    const onBehalf = onBehalfViolation(sellingRole(partner));
    if (onBehalf) problems.push(onBehalf);
    decision = mergeDecisions(
      await decideRelationship(ctx, reseller, customer, fresh),
      await decideRelationship(ctx, partner, customer, { ...fresh, viaReseller: reseller }),
    );
  } else {
    decision = await decideRelationship(ctx, partner, customer, fresh);
  }
  problems.push(...decision.violations);

  const acceptedOn = input.acceptedOn;
  const acceptedDate = acceptedOn ? new Date(`${acceptedOn}T00:00:00.000Z`) : ctx.now;
  if (acceptedDate > ctx.now) {
    problems.push(
      violation('ACCEPTANCE_DATE_IN_FUTURE', `acceptedOn ${acceptedOn} is in the future.`, {
        field: 'customerAgreement.acceptedOn',
      }),
    );
  }
  const early = notYetEffectiveViolation(def, acceptedDate);
  if (early) problems.push({ ...early, field: 'customerAgreement.acceptedOn' });
  return problems;
}

/**
 * A partner creates a new customer ("Add new customer"): organization, customer-type tenant and
 * first global admin, the attested customer agreement ("the customer must … sign the Microsoft
 * Customer Agreement") and the relationship(s), with delegated admin (the partner set the tenant
 * up). An indirect reseller or direct-bill partner creates its own customer; an indirect provider
 * creates it on behalf of one of its resellers (`resellerTenantId` or `resellerPartnerId`), and
 * the customer is related to both, the provider's relationship associated with the reseller.
 */
export const createCustomer = defineCommand({
  name: 'customers.create',
  parse(input, program) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const resellerTenantId = f.guid('resellerTenantId', { optional: true });
    const resellerPartnerId = f.integer('resellerPartnerId', { min: 1, optional: true });
    if (resellerTenantId !== undefined && resellerPartnerId !== undefined)
      f.fail(
        'INVALID_FIELD',
        'resellerPartnerId',
        'cannot be given with resellerTenantId: name the reseller once',
      );
    const customer = parseEndCustomer(f, program);
    const customerAgreement = f.object('customerAgreement', (a) => ({
      signerName: a.text('signerName', { max: 100 }),
      signerEmail: a.email('signerEmail'),
      acceptedOn: a.date('acceptedOn', { optional: true }),
    }));
    return f.finish(() => ({
      partnerTenantId,
      resellerTenantId,
      resellerPartnerId,
      ...customer,
      customerAgreement,
    }));
  },
  async run(ctx, input): Promise<Outcome<CreateCustomerResult>> {
    const denied = partnerManagerViolation(ctx.principal, input.partnerTenantId, 'creates customers');
    if (denied) return refuse(denied);
    const partner = await loadPartnerFacts(ctx, input.partnerTenantId);
    if (!partner) return refuse(tenantNotFound(input.partnerTenantId, 'partnerTenantId'));
    let reseller: PartnerFacts | undefined;
    if (input.resellerPartnerId !== undefined) {
      const location = await getLocation(ctx.tx, input.resellerPartnerId);
      reseller = location?.tenantId ? await loadPartnerFacts(ctx, location.tenantId) : undefined;
      if (!reseller)
        return refuse(
          violation('PARTNER_ID_NOT_FOUND', `No CSP tenant has Partner ID ${input.resellerPartnerId}.`, {
            field: 'resellerPartnerId',
          }),
        );
    } else if (input.resellerTenantId !== undefined) {
      reseller = await loadPartnerFacts(ctx, input.resellerTenantId);
      if (!reseller) return refuse(tenantNotFound(input.resellerTenantId, 'resellerTenantId'));
    }

    const acceptedOn = input.customerAgreement.acceptedOn;
    const created = await createEndCustomer(ctx, input, {
      check: (ids) => newCustomerViolations(ctx, partner, reseller, { ...input, acceptedOn }, ids),
      domainTakenRemedies: [
        'Choose another domain.',
        'If the customer already has a tenant, invite it to a reseller relationship instead.',
      ],
    });
    if (!created.ok) return created;
    const { tenant, globalAdmin } = created.value;
    const at = toInstant(ctx.now);
    const acceptance = await recordCustomerAcceptance(
      ctx,
      tenant,
      { userId: null, name: input.customerAgreement.signerName, email: input.customerAgreement.signerEmail },
      acceptedOn ?? at,
      undefined, // The tenant is new: no acceptance to supersede.
    );
    const relationships: CustomerRelationship[] = [];
    const base = { customerTenantId: tenant.id, delegatedAdmin: true, invitationId: null };
    if (reseller) {
      relationships.push(
        await insertRelationship(ctx, {
          ...base,
          partnerTenantId: reseller.tenantId,
          associatedPartnerTenantId: null,
          source: 'created-by-provider',
        }),
        await insertRelationship(ctx, {
          ...base,
          partnerTenantId: partner.tenantId,
          associatedPartnerTenantId: reseller.tenantId,
          source: 'created-by-provider',
        }),
      );
    } else {
      relationships.push(
        await insertRelationship(ctx, {
          ...base,
          partnerTenantId: partner.tenantId,
          associatedPartnerTenantId: null,
          source: 'created-by-partner',
        }),
      );
    }
    return accept({
      organizationId: tenant.organizationId,
      tenantId: tenant.id,
      globalAdminUserId: globalAdmin.id,
      customerAgreementAcceptanceId: acceptance.id,
      relationships,
    });
  },
});

/**
 * Removes a reseller relationship ("Remove a relationship with a customer"): an admin of the
 * partner, the customer's global admin or the operator, once the customer's subscriptions with
 * that partner are suspended or ended. The partner can no longer order for the customer
 * (`NO_CUSTOMER_RELATIONSHIP`). Other relationships of the customer are untouched.
 */
export const removeCustomerRelationship = defineCommand({
  name: 'customers.remove-relationship',
  parse(input) {
    const f = new Fields(input);
    const relationshipId = f.guid('relationshipId');
    return f.finish(() => ({ relationshipId }));
  },
  async run(ctx, input): Promise<Outcome<CustomerRelationship>> {
    const relationship = await store.getRelationship(ctx.tx, input.relationshipId);
    if (!relationship || !involvedInRelationship(ctx.principal, relationship)) {
      return refuse(
        violation('CUSTOMER_RELATIONSHIP_NOT_FOUND', `No customer relationship ${input.relationshipId}.`, {
          field: 'relationshipId',
        }),
      );
    }
    const denied = removerViolation(ctx.principal, relationship);
    if (denied) return refuse(denied);
    const problems = [
      relationshipTransitionViolation(relationship.state, 'removed'),
      removalViolation(
        await store.countActiveSubscriptionsWith(
          ctx.tx,
          relationship.partnerTenantId,
          relationship.customerTenantId,
        ),
      ),
    ].filter((v): v is Violation => v !== undefined);
    if (problems.length > 0) return refuse(...problems);
    const at = toInstant(ctx.now);
    await store.markRelationshipRemoved(ctx.tx, relationship.id, at, principalUserId(ctx));
    const removed: CustomerRelationship = { ...relationship, state: 'removed', removedAt: at };
    await ctx.record({
      type: 'customer-relationship.removed',
      entityType: 'customer-relationship',
      entityId: relationship.id,
      payload: {
        partnerTenantId: relationship.partnerTenantId,
        customerTenantId: relationship.customerTenantId,
        associatedPartnerTenantId: relationship.associatedPartnerTenantId,
        removedAt: at,
      },
    });
    return accept(removed);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries.

export type { Page } from '../kernel/pagination.ts';

/** One customer of a partner, as its Customers page lists it. */
export interface CustomerListItem {
  readonly relationshipId: string;
  readonly customerTenantId: string;
  readonly companyName: string;
  readonly country: string;
  readonly region: RegionId | null;
  /** For a provider: the reseller it serves the customer through. */
  readonly associatedPartnerTenantId: string | null;
  /** That reseller's location Partner ID (Partner Center's `associatedPartnerId`). */
  readonly associatedPartnerId: number | null;
  readonly delegatedAdmin: boolean;
  readonly state: CustomerRelationshipState;
  readonly source: RelationshipSource;
  readonly createdAt: string;
}

/** Only the organization itself (and the operator) sees a tenant's relationships. */
async function visibleTenant(ctx: QueryContext, tenantId: string): Promise<Tenant | undefined> {
  const tenant = await getTenant(ctx.tx, tenantId);
  if (!tenant) return undefined;
  if (isOperator(ctx.principal)) return tenant;
  return (await principalOrganizationId(ctx)) === tenant.organizationId ? tenant : undefined;
}

/**
 * The customers of a partner tenant, oldest relationship first; filter by the associated reseller
 * (a provider's "filter the list by indirect reseller") and by state.
 */
export const listCustomers = defineQuery({
  name: 'customers.list',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const resellerTenantId = f.guid('resellerTenantId', { optional: true });
    const state = f.oneOf('state', RELATIONSHIP_STATES, { optional: true });
    const { limit, after } = parsePage(f);
    return f.finish(() => ({ partnerTenantId, resellerTenantId, state, limit, after }));
  },
  async run(ctx, input): Promise<Outcome<Page<CustomerListItem>>> {
    const tenant = await visibleTenant(ctx, input.partnerTenantId);
    if (!tenant) return refuse(tenantNotFound(input.partnerTenantId, 'partnerTenantId'));
    const rows = await store.listPartnerCustomers(ctx.tx, tenant.id, {
      resellerTenantId: input.resellerTenantId,
      state: input.state,
      after: input.after,
      limit: input.limit + 1,
    });
    return accept(
      toPage(
        rows,
        input.limit,
        (r) => ({ key: r.createdAt, id: r.relationshipId }),
        (r): CustomerListItem => ({
          relationshipId: r.relationshipId,
          customerTenantId: r.customerTenantId,
          companyName: r.companyName,
          country: r.country,
          region: ctx.program.catalogue.regionOf(r.country) ?? null,
          associatedPartnerTenantId: r.associatedPartnerTenantId,
          associatedPartnerId: r.associatedPartnerId,
          delegatedAdmin: r.delegatedAdmin,
          state: r.state,
          source: r.source,
          createdAt: r.createdAt,
        }),
      ),
    );
  },
});

/** One partner of a customer (Partner Center: a `relationshipToPartner` of the customer). */
export interface RelationshipToPartner {
  readonly relationshipId: string;
  readonly partnerTenantId: string;
  /** The partner tenant's location Partner ID. */
  readonly partnerId: number | null;
  readonly name: string;
  /** The program role the partner sells in. */
  readonly role: ProgramRole | null;
  readonly associatedPartnerTenantId: string | null;
  readonly associatedPartnerId: number | null;
  readonly delegatedAdmin: boolean;
  readonly state: CustomerRelationshipState;
  readonly createdAt: string;
}

/** The partners of a customer tenant (multi-partner), oldest relationship first. */
export const listCustomerPartners = defineQuery({
  name: 'customers.list-partners',
  parse(input) {
    const f = new Fields(input);
    const customerTenantId = f.guid('customerTenantId');
    const state = f.oneOf('state', RELATIONSHIP_STATES, { optional: true });
    const { limit, after } = parsePage(f);
    return f.finish(() => ({ customerTenantId, state, limit, after }));
  },
  async run(ctx, input): Promise<Outcome<Page<RelationshipToPartner>>> {
    const tenant = await visibleTenant(ctx, input.customerTenantId);
    if (!tenant) return refuse(tenantNotFound(input.customerTenantId, 'customerTenantId'));
    const rows = await store.listRelationshipsOfCustomer(ctx.tx, tenant.id, {
      state: input.state,
      after: input.after,
      limit: input.limit + 1,
    });
    const shown = rows.slice(0, input.limit);
    const partners = new Map<string, PartnerFacts | undefined>();
    const partnerIds = new Map<string, number | null>();
    for (const r of shown) {
      if (!partners.has(r.partnerTenantId))
        partners.set(r.partnerTenantId, await loadPartnerFacts(ctx, r.partnerTenantId));
      const associated = r.associatedPartnerTenantId;
      if (associated !== null && !partnerIds.has(associated))
        partnerIds.set(associated, (await getTenantLocation(ctx.tx, associated))?.partnerId ?? null);
    }
    return accept(
      toPage(
        rows,
        input.limit,
        (r) => ({ key: r.createdAt, id: r.id }),
        (r): RelationshipToPartner => {
          const p = partners.get(r.partnerTenantId);
          return {
            relationshipId: r.id,
            partnerTenantId: r.partnerTenantId,
            partnerId: p?.partnerId ?? null,
            name: p?.legalName ?? r.partnerTenantId,
            role: (p && sellingRole(p)) ?? null,
            associatedPartnerTenantId: r.associatedPartnerTenantId,
            associatedPartnerId:
              r.associatedPartnerTenantId === null
                ? null
                : (partnerIds.get(r.associatedPartnerTenantId) ?? null),
            delegatedAdmin: r.delegatedAdmin,
            state: r.state,
            createdAt: r.createdAt,
          };
        },
      ),
    );
  },
});
