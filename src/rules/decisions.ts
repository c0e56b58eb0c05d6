/**
 * The rules engine: one pure decision function per decision the program makes, over a snapshot of
 * facts the calling service loaded inside its transaction. Each returns **every** violation (not
 * the first), each with its stable code, the seed scenario it enforces and concrete remedies.
 *
 * Scenarios refer to `csp-partner-relationships.en.md`; `mpa` to its MPA section.
 */
import type { ProgramRole } from '../enrollments/model.ts';
import type { Violation } from '../kernel/outcome.ts';
import { violation } from '../kernel/outcome.ts';
import { hasRole, isOperator, type Principal, type UserRole } from '../kernel/principal.ts';
import type { Program } from '../program/program.ts';
import type { RegionId } from '../program/regions.ts';
import type { CustomerFacts, PartnerFacts, PartnershipState, TenantFacts } from './facts.ts';
import { evaluateStanding } from './standing.ts';

export interface Decision {
  readonly allowed: boolean;
  readonly violations: readonly Violation[];
}

function decision(violations: readonly (Violation | undefined)[]): Decision {
  const list = violations.filter((v): v is Violation => v !== undefined);
  return { allowed: list.length === 0, violations: list };
}

// -------------------------------------------------------------------------------------------------
// Building blocks.

/** The party is ready to transact in `region` as `role`: onboarded, Partner ID, enrolled, active, partner agreement. */
export function readiness(
  program: Program,
  p: PartnerFacts,
  role: ProgramRole,
  region: RegionId,
  now: Date,
  as: 'party' | 'reseller' = 'party',
): Violation[] {
  const enrollment = p.enrollments[role];
  const signed = p.partnerAgreements[region];
  const standing = evaluateStanding(
    program,
    {
      tenant: { id: p.tenantId, type: p.type, country: p.country, organizationId: p.organizationId },
      location:
        p.partnerId === null
          ? undefined
          : { partnerId: p.partnerId, country: p.partnerIdCountry ?? p.country },
      enrollment: enrollment && { id: enrollment.id, role, status: enrollment.status },
      partnerAgreement: signed === undefined ? undefined : { version: signed },
    },
    { region, role, now },
  );
  // Region is judged by each decision with the scenario it belongs to (7: customers, 8: partners).
  return standing.violations
    .filter((v) => v.code !== 'REGION_MISMATCH')
    .map((v) =>
      as === 'reseller' && (v.code === 'MPA_NOT_SIGNED' || v.code === 'MPA_VERSION_OUTDATED')
        ? violation(
            'RESELLER_MPA_NOT_SIGNED',
            `Indirect reseller ${p.legalName} (Partner ID ${p.partnerId ?? '-'}) has not signed the current ${program.agreements.partner.abbreviation} for region ${region}.`,
            {
              scenario: 'mpa',
              remedies: [
                `A global admin of the reseller's CSP tenant ${p.tenantId} signs the ${program.agreements.partner.abbreviation} for region ${region}.`,
                'Name another indirect reseller that has signed it.',
              ],
            },
          )
        : v,
    );
}

/** The role a partner sells in: direct-bill or indirect reseller first (they own customers), then provider. */
export function sellingRole(p: PartnerFacts): ProgramRole | undefined {
  const order: ProgramRole[] = ['direct-bill', 'indirect-reseller', 'indirect-provider'];
  return (
    order.find((r) => p.enrollments[r]?.status === 'active' || p.enrollments[r]?.status === 'restricted') ??
    order.find((r) => enrolledAs(p, r)) ??
    order.find((r) => p.enrollments[r] !== undefined)
  );
}

/** The partner holds an enrollment in `role` that is not rejected or declined (it may still be pending). */
export function enrolledAs(p: PartnerFacts, role: ProgramRole): boolean {
  const status = p.enrollments[role]?.status;
  return status !== undefined && status !== 'rejected' && status !== 'declined';
}

/**
 * The region whose agreement a partner needs for a deal with this customer: the customer's, when
 * both are in one region; otherwise the partner's own — the deal is refused for the region
 * mismatch already, and asking for an agreement in a region the partner cannot work in misleads.
 */
export function homeOrCustomerRegion(partner: TenantFacts, customer: TenantFacts): RegionId {
  return (
    (customer.region !== undefined && customer.region === partner.region
      ? customer.region
      : partner.region) ?? ''
  );
}

/** Scenario 5: not to itself, not to an affiliate. */
export function dealingViolation(seller: TenantFacts, customer: TenantFacts): Violation | undefined {
  const remedies = [
    'Buy for your own use from an unrelated indirect reseller or direct-bill partner, into a customer-type tenant (scenario 4).',
  ];
  if (seller.organizationId === customer.organizationId) {
    return violation(
      'SELF_DEALING',
      `${seller.legalName} cannot sell to its own organization as an end customer.`,
      {
        scenario: '5',
        remedies,
      },
    );
  }
  if (seller.affiliateGroupId !== null && seller.affiliateGroupId === customer.affiliateGroupId) {
    return violation(
      'AFFILIATE_DEALING',
      `${seller.legalName} cannot sell to its affiliate ${customer.legalName} as an end customer.`,
      {
        scenario: '5',
        remedies,
      },
    );
  }
  return undefined;
}

/** Scenario 4: purchases go to a customer-type tenant, never to a CSP tenant. */
export function customerTypeViolation(customer: TenantFacts): Violation | undefined {
  if (customer.type === 'customer') return undefined;
  return violation(
    'PARTNER_TENANT_NOT_CUSTOMER_TYPE',
    `Tenant ${customer.tenantId} is a ${customer.type} tenant; only a customer-type tenant can be an end customer.`,
    {
      scenario: '4',
      remedies: [
        `Create a customer-type tenant for ${customer.legalName}'s own use and buy into that one.`,
        'Buy from an indirect reseller or a direct-bill partner that is not your own organization or an affiliate.',
      ],
    },
  );
}

/** Scenario 7: a partner sells only to customers of its own region. */
export function customerRegionViolation(partner: TenantFacts, customer: TenantFacts): Violation | undefined {
  if (partner.region !== undefined && partner.region === customer.region) return undefined;
  return violation(
    'REGION_MISMATCH',
    `${partner.legalName} is located in ${partner.region ?? 'no region'}; customer ${customer.legalName} is in ${customer.region ?? 'no region'}.`,
    {
      scenario: '7',
      remedies: [
        `Serve this customer through a partner located in ${customer.region ?? "the customer's region"}.`,
        `Add a location (and CSP tenant) in a country of ${customer.region ?? "the customer's region"}, enroll it and sign the partner agreement there.`,
      ],
    },
  );
}

/** Scenario 8: providers and resellers partner only within one region. */
export function partnerRegionViolation(provider: TenantFacts, reseller: TenantFacts): Violation | undefined {
  if (provider.region !== undefined && provider.region === reseller.region) return undefined;
  return violation(
    'REGION_MISMATCH',
    `Provider ${provider.legalName} is located in ${provider.region ?? 'no region'}; reseller ${reseller.legalName} in ${reseller.region ?? 'no region'}.`,
    {
      scenario: '8',
      remedies: [
        `The reseller partners with an indirect provider located in ${reseller.region ?? 'its region'}.`,
        `The provider partners through its own location (CSP tenant) in ${reseller.region ?? "the reseller's region"}.`,
      ],
    },
  );
}

/** Scenario 6: the three options, as remedies. */
export function relationshipTypeConflict(provider: TenantFacts, tenant: TenantFacts): Violation {
  return violation(
    'RELATIONSHIP_TYPE_CONFLICT',
    `Tenant ${tenant.tenantId} is an indirect reseller of ${provider.legalName}; it cannot also be its end customer.`,
    {
      scenario: '6',
      remedies: [
        `Option 1: set up another tenant, of customer type, for ${tenant.legalName}'s own use.`,
        'Option 2: end the partnership with this provider (through support) and partner with another indirect provider; then buy from this one.',
        'Option 3: stay this provider’s customer, and become the indirect reseller of another indirect provider.',
      ],
    },
  );
}

function partnershipViolation(
  provider: TenantFacts,
  reseller: TenantFacts,
  state: PartnershipState,
): Violation | undefined {
  if (state === 'active') return undefined;
  return violation(
    'NO_ACTIVE_PARTNERSHIP',
    `${provider.legalName} and reseller ${reseller.legalName} have no active partnership (${state}).`,
    {
      scenario: '1',
      remedies:
        state === 'suspended'
          ? ['Reactivate the partnership first.']
          : [
              `${provider.legalName} invites ${reseller.legalName} to a partnership and the reseller's global admin accepts it.`,
            ],
    },
  );
}

function notAuthorized(message: string, remedy: string): Violation {
  return violation('NOT_AUTHORIZED', message, { remedies: [remedy] });
}

/** The principal is a user of `tenantId` holding one of `roles`. */
export function actsFor(principal: Principal, tenantId: string, roles: readonly UserRole[]): boolean {
  return (
    principal.kind === 'user' && principal.tenantId === tenantId && roles.some((r) => hasRole(principal, r))
  );
}

// -------------------------------------------------------------------------------------------------
// Provider–reseller partnerships.

export interface InvitePartnershipFacts {
  readonly actor: Principal;
  readonly provider: PartnerFacts;
  readonly reseller: PartnerFacts;
  /** The open (invited, active or suspended) partnership of the pair, or `none`. */
  readonly existing: PartnershipState;
  readonly resellerIsCustomerOfProvider: boolean;
}

/** May the provider invite this reseller? */
export function decideInvitePartnership(program: Program, f: InvitePartnershipFacts, now: Date): Decision {
  const region = f.provider.region ?? '';
  return decision([
    actsFor(f.actor, f.provider.tenantId, ['global-admin', 'admin-agent']) || isOperator(f.actor)
      ? undefined
      : notAuthorized(
          'Only a global admin or admin agent of the provider invites resellers.',
          `Ask an admin of tenant ${f.provider.tenantId}.`,
        ),
    ...readiness(program, f.provider, 'indirect-provider', region, now),
    // A provider cannot be its own reseller: the chain is vendor → provider → another partner.
    f.provider.tenantId === f.reseller.tenantId
      ? violation('UNSUPPORTED_CHAIN', 'A provider cannot be its own indirect reseller.', {
          scenario: '1',
          remedies: ["Invite another partner's CSP tenant, by its location Partner ID."],
        })
      : undefined,
    f.reseller.type === 'partner'
      ? undefined
      : violation(
          'NOT_A_PARTNER_TENANT',
          `Tenant ${f.reseller.tenantId} is not a CSP tenant; only CSP tenants can be resellers.`,
          {
            scenario: '1',
            remedies: ['Invite the CSP tenant of the reseller (by its Partner ID).'],
          },
        ),
    f.reseller.type === 'partner' && !enrolledAs(f.reseller, 'indirect-reseller')
      ? violation(
          'PARTNER_NOT_ENROLLED',
          `${f.reseller.legalName} is not enrolled as an indirect reseller.`,
          {
            scenario: 'mpa',
            remedies: [
              `The reseller enrolls its CSP tenant ${f.reseller.tenantId} as an indirect reseller ("Before you can start working with resellers, they must be enrolled").`,
            ],
          },
        )
      : undefined,
    partnerRegionViolation(f.provider, f.reseller),
    f.existing === 'invited' || f.existing === 'active' || f.existing === 'suspended'
      ? violation(
          'PARTNERSHIP_ALREADY_EXISTS',
          `${f.provider.legalName} and ${f.reseller.legalName} already have a partnership (${f.existing}).`,
        )
      : undefined,
    f.resellerIsCustomerOfProvider ? relationshipTypeConflict(f.provider, f.reseller) : undefined,
  ]);
}

export interface AcceptPartnershipFacts {
  readonly actor: Principal;
  readonly provider: PartnerFacts;
  readonly reseller: PartnerFacts;
  /** The invitation's effective state (an invitation past its expiry is `expired`). */
  readonly state: PartnershipState;
  readonly resellerIsCustomerOfProvider: boolean;
}

/**
 * May the reseller accept ("authorize indirect provider")? Both enrolled and active, the reseller's
 * partner agreement signed, the same region (scenario 8), no relationship-type conflict (scenario 6).
 */
export function decideAcceptPartnership(program: Program, f: AcceptPartnershipFacts, now: Date): Decision {
  return decision([
    actsFor(f.actor, f.reseller.tenantId, ['global-admin'])
      ? undefined
      : notAuthorized(
          'Only a global admin of the reseller accepts a partnership.',
          `Ask a global admin of tenant ${f.reseller.tenantId}.`,
        ),
    f.state === 'invited'
      ? undefined
      : f.state === 'expired'
        ? violation('INVITATION_EXPIRED', 'The partnership invitation has expired.', {
            remedies: ['Ask the provider for a new invitation.'],
          })
        : violation(
            'INVALID_TRANSITION',
            `The partnership is ${f.state}; only an invitation can be accepted.`,
          ),
    ...readiness(program, f.reseller, 'indirect-reseller', f.reseller.region ?? '', now, 'reseller'),
    ...readiness(program, f.provider, 'indirect-provider', f.provider.region ?? '', now),
    partnerRegionViolation(f.provider, f.reseller),
    f.resellerIsCustomerOfProvider ? relationshipTypeConflict(f.provider, f.reseller) : undefined,
  ]);
}

export interface EndPartnershipFacts {
  readonly actor: Principal;
  readonly provider: PartnerFacts;
  readonly state: PartnershipState;
  /** The program operator resolving a support request (the seed's way). */
  readonly viaSupportRequest: boolean;
}

/** May the partnership be ended now, by this actor, under the program's policy? */
export function decideEndPartnership(program: Program, f: EndPartnershipFacts): Decision {
  const policy = program.policies.partnershipEnding;
  const open = f.state === 'active' || f.state === 'suspended';
  let who: Violation | undefined;
  if (f.viaSupportRequest) {
    who = isOperator(f.actor)
      ? undefined
      : notAuthorized('Only the program operator resolves support requests.', 'Wait for the operator.');
  } else if (policy === 'support') {
    who = violation(
      'TERMINATION_REQUIRES_SUPPORT',
      'Under this program a partnership is ended through a support request.',
      {
        scenario: '6',
        remedies: ['Open a support request to end the partnership; the program operator resolves it.'],
      },
    );
  } else {
    who =
      actsFor(f.actor, f.provider.tenantId, ['global-admin', 'admin-agent']) || isOperator(f.actor)
        ? undefined
        : notAuthorized(
            'Only an admin of the provider removes a partnership.',
            `Ask an admin of tenant ${f.provider.tenantId}.`,
          );
  }
  return decision([
    open ? undefined : violation('INVALID_TRANSITION', `The partnership is ${f.state}; it cannot be ended.`),
    who,
  ]);
}

// -------------------------------------------------------------------------------------------------
// Customers.

export interface CustomerRelationshipFacts {
  readonly partner: PartnerFacts;
  readonly customer: CustomerFacts;
  /** For an indirect provider: the reseller it serves the customer through (`associatedPartnerId`). */
  readonly viaReseller: PartnerFacts | undefined;
  /** Provider–viaReseller partnership state (`none` without a reseller). */
  readonly partnershipWithReseller: PartnershipState;
  readonly existingRelationship: boolean;
  /** Scenario 6: the customer tenant is an (invited or active) reseller of this partner. */
  readonly customerIsResellerOfPartner: boolean;
  /** The customer agreement is (or is being, in the same command) accepted. */
  readonly customerAgreementAccepted: boolean;
}

/**
 * May this partner have a reseller relationship with this customer? Used on invitation, on
 * acceptance, and when a provider creates a customer on behalf of a reseller.
 */
export function decideCustomerRelationship(
  program: Program,
  f: CustomerRelationshipFacts,
  now: Date,
): Decision {
  const role = sellingRole(f.partner) ?? 'indirect-reseller';
  const chain =
    role === 'indirect-provider' && !f.viaReseller
      ? violation(
          'UNSUPPORTED_CHAIN',
          `${f.partner.legalName} is an indirect provider: it serves customers through its indirect resellers, not directly.`,
          {
            scenario: '1',
            remedies: [
              'Create the customer on behalf of one of your indirect resellers (it becomes the associated partner).',
              'Let one of your indirect resellers invite the customer, authorizing you too.',
            ],
          },
        )
      : role !== 'indirect-provider' && f.viaReseller
        ? violation(
            'UNSUPPORTED_CHAIN',
            `${f.partner.legalName} is ${role === 'direct-bill' ? 'a direct-bill partner' : 'an indirect reseller'}: only an indirect provider serves a customer through an indirect reseller.`,
            { scenario: '1', remedies: ['Establish the relationship without naming a reseller.'] },
          )
        : undefined;
  const agreement = program.agreements.customer;
  // The reseller's own checks apply only on the one chain that has one: provider → reseller → customer.
  const via = role === 'indirect-provider' ? f.viaReseller : undefined;
  return decision([
    customerTypeViolation(f.customer),
    f.customerIsResellerOfPartner ? relationshipTypeConflict(f.partner, f.customer) : undefined,
    dealingViolation(f.partner, f.customer),
    via ? dealingViolation(via, f.customer) : undefined,
    customerRegionViolation(f.partner, f.customer),
    via ? customerRegionViolation(via, f.customer) : undefined,
    ...readiness(program, f.partner, role, homeOrCustomerRegion(f.partner, f.customer), now),
    chain,
    ...(via
      ? readiness(program, via, 'indirect-reseller', homeOrCustomerRegion(via, f.customer), now, 'reseller')
      : []),
    via ? partnershipViolation(f.partner, via, f.partnershipWithReseller) : undefined,
    f.customerAgreementAccepted
      ? undefined
      : violation(
          'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
          `${f.customer.legalName} has not accepted the ${agreement.abbreviation} (version ${agreement.version}).`,
          {
            remedies: [
              `The customer's global admin accepts the ${agreement.abbreviation} (it is offered when accepting the invitation).`,
            ],
          },
        ),
    f.existingRelationship
      ? violation(
          'CUSTOMER_RELATIONSHIP_ALREADY_EXISTS',
          `${f.partner.legalName} already has a relationship with ${f.customer.legalName}.`,
        )
      : undefined,
  ]);
}

// -------------------------------------------------------------------------------------------------
// Orders and partner of record (called by the commerce area).

export interface OrderLineFacts {
  /** Who places the order upstream: a direct-bill partner, or an indirect provider. */
  readonly seller: PartnerFacts;
  readonly customer: CustomerFacts;
  /** The indirect reseller named as `partnerIdOnRecord`, if any. */
  readonly partnerOfRecord: PartnerFacts | undefined;
  readonly sellerHasCustomerRelationship: boolean;
  readonly partnerOfRecordHasCustomerRelationship: boolean;
  /** seller–partnerOfRecord partnership state (`none` without one). */
  readonly partnership: PartnershipState;
  /** The customer is served by one of the seller's resellers (a reseller's customer). */
  readonly customerIsResellersCustomer: boolean;
  readonly customerIsResellerOfSeller: boolean;
}

function customerAgreementViolation(program: Program, customer: CustomerFacts): Violation | undefined {
  const def = program.agreements.customer;
  if (customer.customerAgreementVersion === def.version) return undefined;
  return violation(
    'CUSTOMER_AGREEMENT_NOT_ACCEPTED',
    customer.customerAgreementVersion
      ? `${customer.legalName} accepted the ${def.abbreviation} version ${customer.customerAgreementVersion}; version ${def.version} is current.`
      : `${customer.legalName} has not accepted the ${def.abbreviation}.`,
    {
      remedies: [
        `The customer's global admin accepts the ${def.abbreviation} version ${def.version} (or the partner records its attestation).`,
      ],
    },
  );
}

function partnerOfRecordViolations(
  program: Program,
  seller: PartnerFacts,
  customer: CustomerFacts,
  por: PartnerFacts,
  f: {
    partnership: PartnershipState;
    partnerOfRecordHasCustomerRelationship: boolean;
  },
  now: Date,
): Violation[] {
  if (por.tenantId === seller.tenantId || (por.partnerId !== null && por.partnerId === seller.partnerId)) {
    return [
      violation(
        'UNSUPPORTED_CHAIN',
        'partnerIdOnRecord is the indirect reseller’s Partner ID, never the provider’s own.',
        {
          scenario: '1',
          remedies: ["Name the indirect reseller's Partner ID as partner of record."],
        },
      ),
    ];
  }
  return [
    ...readiness(program, por, 'indirect-reseller', homeOrCustomerRegion(por, customer), now, 'reseller'),
    partnershipViolation(seller, por, f.partnership),
    customerRegionViolation(por, customer),
    dealingViolation(por, customer),
    f.partnerOfRecordHasCustomerRelationship
      ? undefined
      : violation(
          'NO_CUSTOMER_RELATIONSHIP',
          `Reseller ${por.legalName} has no relationship with ${customer.legalName}.`,
          {
            scenario: '1',
            remedies: [
              `${por.legalName} invites ${customer.legalName} to a reseller relationship, or the provider creates the customer on its behalf.`,
            ],
          },
        ),
  ].filter((v): v is Violation => v !== undefined);
}

/**
 * May this order line go through? The supported chains (scenario 1) only: vendor → direct-bill →
 * customer, and vendor → provider → reseller (partner of record) → customer; every party ready for
 * the customer's region; relationships in place; the customer agreement accepted.
 */
export function decideOrderLine(program: Program, f: OrderLineFacts, now: Date): Decision {
  const role = sellingRole(f.seller);
  const out: (Violation | undefined)[] = [];
  if (role === 'indirect-reseller') {
    out.push(
      violation(
        'UNSUPPORTED_CHAIN',
        `${f.seller.legalName} is an indirect reseller: the vendor does not sell to it directly.`,
        {
          scenario: '1',
          remedies: [
            'Ask your indirect provider to place the order, with your Partner ID as partner of record.',
          ],
        },
      ),
    );
  } else if (role === 'direct-bill' && f.partnerOfRecord) {
    out.push(
      violation(
        'UNSUPPORTED_CHAIN',
        `${f.seller.legalName} is a direct-bill partner: it sells to its customers itself, not through a reseller.`,
        {
          scenario: '1',
          remedies: [
            'Drop the partner of record, or let an indirect provider place the order for the reseller.',
          ],
        },
      ),
    );
  } else if (role === 'indirect-provider' && !f.partnerOfRecord) {
    out.push(
      f.customerIsResellersCustomer
        ? program.policies.requirePartnerIdOnRecord
          ? violation(
              'PARTNER_ID_ON_RECORD_REQUIRED',
              `${f.customer.legalName} is a reseller's customer: name the reseller as partner of record.`,
              {
                scenario: '1',
                remedies: ["Set partnerIdOnRecord to the indirect reseller's Partner ID."],
              },
            )
          : undefined
        : violation(
            'UNSUPPORTED_CHAIN',
            `${f.seller.legalName} is an indirect provider: it does not sell to a customer without an indirect reseller.`,
            {
              scenario: '1',
              remedies: [
                'Place the order for a customer of one of your indirect resellers, naming that reseller as partner of record.',
              ],
            },
          ),
    );
  }
  out.push(
    ...readiness(program, f.seller, role ?? 'direct-bill', homeOrCustomerRegion(f.seller, f.customer), now),
    customerTypeViolation(f.customer),
    f.customerIsResellerOfSeller ? relationshipTypeConflict(f.seller, f.customer) : undefined,
    dealingViolation(f.seller, f.customer),
    customerRegionViolation(f.seller, f.customer),
    f.sellerHasCustomerRelationship
      ? undefined
      : violation(
          'NO_CUSTOMER_RELATIONSHIP',
          `${f.seller.legalName} has no relationship with ${f.customer.legalName}.`,
          {
            scenario: '1',
            remedies: [
              'Establish a reseller relationship with the customer first (invitation, or creating it on behalf of a reseller).',
            ],
          },
        ),
    customerAgreementViolation(program, f.customer),
  );
  if (f.partnerOfRecord && role !== 'direct-bill') {
    out.push(...partnerOfRecordViolations(program, f.seller, f.customer, f.partnerOfRecord, f, now));
  }
  return decision(out);
}

export interface SetPartnerOfRecordFacts {
  readonly actor: Principal;
  readonly provider: PartnerFacts;
  readonly customer: CustomerFacts;
  readonly partnerOfRecord: PartnerFacts;
  readonly partnership: PartnershipState;
  readonly partnerOfRecordHasCustomerRelationship: boolean;
}

/** May the provider name this reseller as partner of record of a subscription of this customer? */
export function decideSetPartnerOfRecord(program: Program, f: SetPartnerOfRecordFacts, now: Date): Decision {
  return decision([
    actsFor(f.actor, f.provider.tenantId, ['global-admin', 'admin-agent', 'sales-agent']) ||
    isOperator(f.actor)
      ? undefined
      : notAuthorized(
          'Only the indirect provider changes the partner of record.',
          `Ask an agent of tenant ${f.provider.tenantId}.`,
        ),
    sellingRole(f.provider) === 'indirect-provider'
      ? undefined
      : violation(
          'UNSUPPORTED_CHAIN',
          `${f.provider.legalName} is not an indirect provider; only a provider names a partner of record.`,
          {
            scenario: '1',
            remedies: ['Let the indirect provider that placed the order name the partner of record.'],
          },
        ),
    ...readiness(program, f.provider, 'indirect-provider', homeOrCustomerRegion(f.provider, f.customer), now),
    customerRegionViolation(f.provider, f.customer),
    ...partnerOfRecordViolations(program, f.provider, f.customer, f.partnerOfRecord, f, now),
  ]);
}

// -------------------------------------------------------------------------------------------------
// Delegated admin (multi-channel, scenario 3).

export interface ApproveAdminRelationshipFacts {
  readonly actor: Principal;
  readonly customer: CustomerFacts;
  readonly partner: PartnerFacts;
  /** Effective state of the admin relationship. */
  readonly state: string;
}

/** Only the customer's global admin approves a pending admin relationship from an enrolled partner. */
export function decideApproveAdminRelationship(
  program: Program,
  f: ApproveAdminRelationshipFacts,
  now: Date,
): Decision {
  const role = sellingRole(f.partner) ?? 'indirect-reseller';
  return decision([
    actsFor(f.actor, f.customer.tenantId, ['global-admin'])
      ? undefined
      : notAuthorized(
          "Only the customer's global admin approves an admin relationship.",
          `Ask a global admin of tenant ${f.customer.tenantId}.`,
        ),
    f.state === 'approvalPending'
      ? undefined
      : violation(
          'INVALID_TRANSITION',
          `The admin relationship is ${f.state}; only one awaiting approval can be approved.`,
        ),
    ...readiness(program, f.partner, role, f.partner.region ?? '', now).filter(
      (v) => v.code !== 'MPA_NOT_SIGNED' && v.code !== 'MPA_VERSION_OUTDATED',
    ),
  ]);
}
