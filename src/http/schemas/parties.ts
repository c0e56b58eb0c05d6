/**
 * Response schemas of the foundation routes: organizations, tenants, Partner IDs and users
 * (`parties/`), API keys, enrollments, agreement acceptances, standing, the ledger and explain.
 */
import { Type } from '@sinclair/typebox';
import { AGREEMENT_KINDS } from '../../agreements/model.ts';
import { ENROLLMENT_STATUSES, PROGRAM_ROLES, REQUIREMENT_STATUSES } from '../../enrollments/model.ts';
import { USER_ROLES } from '../../kernel/principal.ts';
import { LEDGER_ENTITY_TYPES } from '../../ledger/service.ts';
import { TENANT_TYPES } from '../../parties/model.ts';
import { STANDING_STEPS } from '../../rules/standing.ts';
import { oneOf } from '../route.ts';
import { Closed, Id, Instant, JsonObject, Named, Nullable, PartnerId, Violation } from './common.ts';

const Country = Type.String({ description: 'ISO 3166-1 alpha-2' });
const Region = Type.String({ description: 'A region of the program, e.g. europe.' });

export const Address = Named('Address', {
  line1: Type.String(),
  line2: Type.Optional(Type.String()),
  city: Type.String(),
  state: Type.Optional(Type.String()),
  postalCode: Type.Optional(Type.String()),
  country: Country,
});

export const Tenant = Named('Tenant', {
  id: Id,
  organizationId: Id,
  type: oneOf(
    TENANT_TYPES,
    'partner: a CSP tenant; customer: receives purchases; vendor: the program owner’s.',
  ),
  domain: Type.String({ description: 'The directory domain, unique.' }),
  displayName: Type.String(),
  country: Country,
  createdAt: Instant,
});

export const PartnerLocation = Named(
  'PartnerLocation',
  {
    partnerId: PartnerId,
    organizationId: Id,
    country: Country,
    registrationId: Nullable(Type.String()),
    tenantId: Nullable(
      Type.String({ description: 'The CSP tenant tied 1:1 to this location, once associated.' }),
    ),
    createdAt: Instant,
    associatedAt: Nullable(Instant),
  },
  'A partner location account: one per organization per country, with its own Partner ID.',
);

export const Organization = Named(
  'Organization',
  {
    id: Id,
    legalName: Type.String(),
    country: Type.String({ description: 'Headquarters country; the organization’s region follows from it.' }),
    address: Address,
    registrationId: Nullable(Type.String()),
    affiliateGroupId: Nullable(
      Type.String({ description: 'Organizations under common control share a group (scenario 5).' }),
    ),
    globalPartnerId: Nullable(
      Type.Integer({ description: 'The partner global account’s Partner ID, once onboarded as a partner.' }),
    ),
    isVendor: Type.Boolean(),
    createdAt: Instant,
    tenants: Type.Array(Tenant),
    locations: Type.Array(PartnerLocation),
  },
  'An organization with its tenants and location Partner IDs.',
);

export const User = Named('User', {
  id: Id,
  tenantId: Id,
  email: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(oneOf(USER_ROLES)),
  createdAt: Instant,
});

export const PartnerOnboarded = Named('PartnerOnboarded', {
  organizationId: Id,
  tenantId: Id,
  globalAdminUserId: Id,
  globalPartnerId: Type.Integer({ description: 'The partner global account’s Partner ID.' }),
  partnerId: Type.Integer({ description: 'The Partner ID of the headquarters location.' }),
});

export const CustomerRegistered = Named('CustomerRegistered', {
  organizationId: Id,
  tenantId: Id,
  globalAdminUserId: Id,
});

export const TenantCreated = Named('TenantCreated', { tenantId: Id, globalAdminUserId: Id });

export const AffiliateGroupMembership = Closed({ affiliateGroupId: Id });

export const ApiKeyCreated = Named('ApiKeyCreated', {
  id: Id,
  userId: Id,
  tenantId: Id,
  name: Type.String(),
  token: Type.String({ description: 'The bearer token. Shown this once; it cannot be read again.' }),
});

export const ApiKeyRevoked = Closed({ id: Id, revokedAt: Instant });

export const Enrollment = Named('Enrollment', {
  id: Id,
  tenantId: Id,
  role: oneOf(PROGRAM_ROLES),
  status: oneOf(ENROLLMENT_STATUSES),
  submittedAt: Instant,
  updatedAt: Instant,
  reason: Nullable(Type.String()),
});

export const DirectBillRequirement = Named(
  'DirectBillRequirement',
  {
    item: Type.String({ description: 'The requirement’s key in the program, e.g. credit-check.' }),
    status: oneOf(REQUIREMENT_STATUSES),
    evidence: Nullable(Type.String()),
    amountMinor: Nullable(Type.Integer()),
    currency: Nullable(Type.String()),
    recordedAt: Instant,
    verifiedAt: Nullable(Instant),
  },
  'One item of a direct-bill partner’s requirements checklist, as recorded and verified.',
);

/**
 * What recording a requirement answers today: the requirement, plus `at` and `by`, which the
 * service's answer carries beyond its declared type (optional here for that reason; to be dropped
 * once the service answers the requirement alone).
 */
export const EnrollmentView = Named('EnrollmentView', {
  ...Enrollment.properties,
  requirements: Type.Array(DirectBillRequirement),
});

export const AgreementAcceptance = Named(
  'AgreementAcceptance',
  {
    id: Id,
    agreement: oneOf(AGREEMENT_KINDS),
    version: Type.String(),
    organizationId: Id,
    tenantId: Type.String({
      description: 'The signing CSP tenant (partner agreement) or the customer tenant (customer agreement).',
    }),
    region: Nullable(Type.String({ description: 'The region a partner agreement covers.' })),
    signer: Closed({ userId: Nullable(Type.String()), name: Type.String(), email: Type.String() }),
    acceptedAt: Type.String({
      description: 'An instant, or a YYYY-MM-DD date for an attested customer acceptance.',
    }),
    recordedAt: Instant,
    supersedesId: Nullable(Type.String()),
  },
  'An agreement acceptance: never edited, a newer version supersedes it.',
);

export const PartnerAgreementSigned = Named('PartnerAgreementSigned', {
  acceptance: AgreementAcceptance,
  activatedEnrollmentIds: Type.Array(Type.String(), {
    description: 'Enrollments that became active because of this signature.',
  }),
});

export const Standing = Named('Standing', {
  tenantId: Id,
  region: Region,
  role: Nullable(oneOf(PROGRAM_ROLES)),
  partnerId: Nullable(PartnerId),
  enrollmentStatus: Nullable(oneOf(ENROLLMENT_STATUSES)),
  mayTransact: Type.Boolean(),
  steps: Type.Array(Closed({ step: oneOf(STANDING_STEPS), done: Type.Boolean() }), {
    description: 'Each step and whether it is done, in the order a partner takes them.',
  }),
  violations: Type.Array(Violation),
});

export const LedgerEvent = Named('LedgerEvent', {
  seq: Type.Integer({ description: 'Position in the ledger.' }),
  id: Id,
  type: Type.String({ description: 'Past-tense event name, e.g. enrollment.qualified.' }),
  // The values readable today, as an enum; typed open (string), as the client reads response enums.
  entityType: Type.Unsafe<string>(oneOf(LEDGER_ENTITY_TYPES, 'The kind of entity the event is about.')),
  entityId: Type.String(),
  payload: JsonObject('The event’s data; its fields depend on the event type.'),
  occurredAt: Instant,
  command: Type.String({ description: 'The command that produced the event, e.g. enrollments.verify.' }),
  principal: Closed({
    kind: Type.String(),
    userId: Nullable(Type.String()),
    tenantId: Nullable(Type.String()),
  }),
  requestId: Type.String(),
});

export const LedgerPage = Named('LedgerPage', {
  events: Type.Array(LedgerEvent),
  next: Nullable(Type.Integer({ description: 'Pass as `after` to read the next page; null on the last.' })),
});

/** Would it go through? Every violation with its remedies when not. */
export const Decision = Named('Decision', { allowed: Type.Boolean(), violations: Type.Array(Violation) });

export const PartnerActions = Named('PartnerActions', {
  actions: Type.Array(
    Closed({
      action: Type.String({
        description: 'e.g. invite-customer, place-order, invite-partnership, end-partnership.',
      }),
      allowed: Type.Boolean(),
      violations: Type.Array(Violation),
    }),
  ),
});
