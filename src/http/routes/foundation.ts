/**
 * Routes of the foundation: sign-up, organizations, locations and Partner IDs, users, API keys,
 * enrollments, agreements, standing, the ledger, and explain.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptCustomerAgreement, listAcceptances, signPartnerAgreement } from '../../agreements/service.ts';
import { createApiKey, revokeApiKey } from '../../api-keys/service.ts';
import type { OpenCsp } from '../../app/opencsp.ts';
import { explainOrderLine, explainPartnerActions } from '../../decisions/service.ts';
import { PROGRAM_ROLES } from '../../enrollments/model.ts';
import {
  declineEnrollment,
  enroll,
  getEnrollmentView,
  recordDirectBillRequirement,
  reinstateEnrollment,
  rejectEnrollment,
  restrictEnrollment,
  verifyDirectBillRequirement,
  verifyEnrollment,
} from '../../enrollments/service.ts';
import { USER_ROLES } from '../../kernel/principal.ts';
import { LEDGER_ENTITY_TYPES, readLedger } from '../../ledger/service.ts';
import {
  addLocation,
  addToAffiliateGroup,
  addUser,
  associatePartnerId,
  createCustomerTenant,
  createPartnerTenant,
  getOrganizationView,
  onboardPartner,
  registerCustomer,
  removeFromAffiliateGroup,
} from '../../parties/service.ts';
import { getStanding } from '../../standing/service.ts';
import { defined, Guid, int, oneOf, router } from '../route.ts';
import {
  AffiliateGroupMembership,
  AgreementAcceptance,
  ApiKeyCreated,
  ApiKeyRevoked,
  CustomerRegistered,
  Decision,
  DirectBillRequirement,
  Enrollment,
  EnrollmentView,
  LedgerPage,
  Organization,
  PartnerActions,
  PartnerAgreementSigned,
  PartnerLocation,
  PartnerOnboarded,
  Standing,
  TenantCreated,
  User,
} from '../schemas/parties.ts';

const S = Type.String({ minLength: 1 });
const Address = Type.Object(
  {
    line1: S,
    line2: Type.Optional(S),
    city: S,
    state: Type.Optional(S),
    postalCode: Type.Optional(S),
    country: Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2' }),
  },
  { additionalProperties: false },
);
const NewTenant = Type.Object(
  { id: Type.Optional(Guid), domain: S, displayName: Type.Optional(S) },
  { additionalProperties: false },
);
const NewUser = Type.Object({ email: S, displayName: S }, { additionalProperties: false });
const Country = Type.String({ minLength: 2, maxLength: 2 });
const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const params = <T extends string>(...names: T[]) => obj(Object.fromEntries(names.map((n) => [n, S])));
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;

export function foundationRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);

  r({
    method: 'POST',
    url: '/v1/partners',
    summary:
      'Onboard a partner: organization, CSP tenant, location Partner ID and first global admin (self-service sign-up)',
    tags: ['parties'],
    anonymous: true,
    status: 201,
    operation: { kind: 'command', run: onboardPartner },
    response: PartnerOnboarded,
    body: obj({
      legalName: S,
      country: Country,
      address: Address,
      registrationId: Type.Optional(S),
      tenant: NewTenant,
      globalAdmin: NewUser,
    }),
  });
  r({
    method: 'POST',
    url: '/v1/customer-registrations',
    summary: 'Register an end-customer organization with its customer tenant and first global admin',
    tags: ['parties'],
    anonymous: true,
    status: 201,
    operation: { kind: 'command', run: registerCustomer },
    response: CustomerRegistered,
    body: obj({ legalName: S, country: Country, address: Address, tenant: NewTenant, globalAdmin: NewUser }),
  });
  r({
    method: 'GET',
    url: '/v1/organizations/:organizationId',
    summary: 'An organization with its tenants and location Partner IDs',
    tags: ['parties'],
    params: params('organizationId'),
    operation: { kind: 'query', run: getOrganizationView },
    response: Organization,
    input: (req) => p(req),
  });
  r({
    method: 'POST',
    url: '/v1/organizations/:organizationId/locations',
    summary: 'Add a partner location account (a new Partner ID) in another country',
    tags: ['parties'],
    status: 201,
    params: params('organizationId'),
    body: obj({ country: Country, registrationId: Type.Optional(S) }),
    operation: { kind: 'command', run: addLocation },
    response: PartnerLocation,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'POST',
    url: '/v1/organizations/:organizationId/customer-tenants',
    summary: "Create a customer-type tenant for the organization's own use (scenario 4)",
    tags: ['parties'],
    status: 201,
    params: params('organizationId'),
    body: obj({ country: Country, tenant: NewTenant, globalAdmin: NewUser }),
    operation: { kind: 'command', run: createCustomerTenant },
    response: TenantCreated,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'POST',
    url: '/v1/organizations/:organizationId/partner-tenants',
    summary:
      'Create another CSP tenant for a partner organization (associate it with a location Partner ID next)',
    tags: ['parties'],
    status: 201,
    params: params('organizationId'),
    body: obj({ country: Country, tenant: NewTenant, globalAdmin: NewUser }),
    operation: { kind: 'command', run: createPartnerTenant },
    response: TenantCreated,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'GET',
    url: '/v1/organizations/:organizationId/agreement-acceptances',
    summary: 'Every agreement acceptance of an organization, oldest first (never edited, only superseded)',
    tags: ['agreements'],
    params: params('organizationId'),
    operation: { kind: 'query', run: listAcceptances },
    response: Type.Array(AgreementAcceptance),
    input: (req) => p(req),
  });
  r({
    method: 'POST',
    url: '/v1/organizations/:organizationId/affiliation',
    summary:
      'The program operator records that an organization is under common control with another (scenario 5)',
    tags: ['parties'],
    params: params('organizationId'),
    body: obj({ affiliateOf: Guid }),
    operation: { kind: 'command', run: addToAffiliateGroup },
    response: AffiliateGroupMembership,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'DELETE',
    url: '/v1/organizations/:organizationId/affiliation',
    summary: 'The program operator removes an organization from its affiliate group',
    tags: ['parties'],
    params: params('organizationId'),
    operation: { kind: 'command', run: removeFromAffiliateGroup },
    response: AffiliateGroupMembership,
    input: (req) => p(req),
  });
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/partner-id',
    summary: 'Associate a location Partner ID with a CSP tenant of the same country',
    tags: ['parties'],
    params: params('tenantId'),
    body: obj({ partnerId: Type.Integer({ minimum: 1 }) }),
    operation: { kind: 'command', run: associatePartnerId },
    response: PartnerLocation,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/users',
    summary: 'Add a user with roles to a tenant (global admin)',
    tags: ['parties'],
    status: 201,
    params: params('tenantId'),
    body: obj({
      email: S,
      displayName: S,
      roles: Type.Array(oneOf(USER_ROLES), { minItems: 1 }),
    }),
    operation: { kind: 'command', run: addUser },
    response: User,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'POST',
    url: '/v1/api-keys',
    summary: 'Create an API key for a user of your tenant (global admin); the token is shown once',
    tags: ['api keys'],
    status: 201,
    body: obj({ userId: Guid, name: S }),
    operation: { kind: 'command', run: createApiKey },
    response: ApiKeyCreated,
  });
  r({
    method: 'DELETE',
    url: '/v1/api-keys/:apiKeyId',
    summary: 'Revoke an API key',
    tags: ['api keys'],
    params: params('apiKeyId'),
    operation: { kind: 'command', run: revokeApiKey },
    response: ApiKeyRevoked,
    input: (req) => p(req),
  });

  r({
    method: 'POST',
    url: '/v1/enrollments',
    summary: 'Enroll a CSP tenant in a program role (pending until the program verifies it)',
    tags: ['enrollments'],
    status: 201,
    body: obj({ tenantId: Guid, role: oneOf(PROGRAM_ROLES) }),
    operation: { kind: 'command', run: enroll },
    response: Enrollment,
  });
  r({
    method: 'GET',
    url: '/v1/enrollments/:enrollmentId',
    summary: 'An enrollment with its direct-bill requirements',
    tags: ['enrollments'],
    params: params('enrollmentId'),
    operation: { kind: 'query', run: getEnrollmentView },
    response: EnrollmentView,
    input: (req) => p(req),
  });
  for (const [verb, run, reason] of [
    ['verify', verifyEnrollment, false],
    ['reinstate', reinstateEnrollment, false],
    ['reject', rejectEnrollment, true],
    ['decline', declineEnrollment, true],
    ['restrict', restrictEnrollment, true],
  ] as const) {
    r({
      method: 'POST',
      url: `/v1/enrollments/:enrollmentId/${verb}`,
      summary: `The program operator ${verb === 'verify' ? 'verifies' : `${verb}s`} an enrollment`,
      tags: ['enrollments'],
      params: params('enrollmentId'),
      ...(reason ? { body: obj({ reason: S }) } : {}),
      operation: { kind: 'command', run },
      response: Enrollment,
      input: (req) => ({ ...p(req), ...(reason ? body(req) : {}) }),
    });
  }
  r({
    method: 'POST',
    url: '/v1/enrollments/:enrollmentId/requirements',
    summary: "Record an item of a direct-bill enrollment's requirements checklist",
    tags: ['enrollments'],
    params: params('enrollmentId'),
    body: obj({
      item: S,
      evidence: Type.Optional(S),
      amountMinor: Type.Optional(Type.Integer({ minimum: 0 })),
      currency: Type.Optional(S),
    }),
    operation: { kind: 'command', run: recordDirectBillRequirement },
    response: DirectBillRequirement,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'POST',
    url: '/v1/enrollments/:enrollmentId/requirements/:item/verification',
    summary: 'The program operator verifies (or fails) one requirement',
    tags: ['enrollments'],
    params: params('enrollmentId', 'item'),
    body: obj({ outcome: oneOf(['verified', 'failed'] as const) }),
    operation: { kind: 'command', run: verifyDirectBillRequirement },
    response: DirectBillRequirement,
    input: (req) => ({ ...p(req), ...body(req) }),
  });

  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/partner-agreement',
    summary: "Sign the partner agreement (MPA) for the CSP tenant's region (its global admin)",
    tags: ['agreements'],
    status: 201,
    params: params('tenantId'),
    operation: { kind: 'command', run: signPartnerAgreement },
    response: PartnerAgreementSigned,
    input: (req) => p(req),
  });
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/customer-agreement',
    summary: 'Accept the customer agreement (MCA) for a customer tenant',
    tags: ['agreements'],
    status: 201,
    params: params('tenantId'),
    body: obj({
      signer: obj({ name: S, email: S }),
      acceptedOn: Type.Optional(Type.String({ format: 'date' })),
    }),
    operation: { kind: 'command', run: acceptCustomerAgreement },
    response: AgreementAcceptance,
    input: (req) => ({ ...p(req), ...body(req) }),
  });

  const standingQuery = obj({
    region: Type.Optional(S),
    role: Type.Optional(oneOf(PROGRAM_ROLES)),
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/standing',
    summary: 'May this CSP tenant transact in a region (default: its own), and if not, every missing step',
    tags: ['standing'],
    params: params('tenantId'),
    querystring: standingQuery,
    operation: { kind: 'query', run: getStanding },
    response: Standing,
    input: (req) => defined({ tenantId: p(req).tenantId, region: q(req).region, role: q(req).role }),
  });
  r({
    method: 'GET',
    url: '/v1/partner-ids/:partnerId/standing',
    summary: 'Standing by location Partner ID (includes isAgreementSigned-style MPA status)',
    tags: ['standing'],
    params: obj({ partnerId: Type.String({ pattern: '^[0-9]+$' }) }),
    querystring: standingQuery,
    operation: { kind: 'query', run: getStanding },
    response: Standing,
    input: (req) => defined({ partnerId: int(p(req).partnerId), region: q(req).region, role: q(req).role }),
  });
  r({
    method: 'GET',
    url: '/v1/ledger/:entityType/:entityId',
    summary: 'The ledger of one entity, oldest first, paginated by `after` (the last seq seen)',
    tags: ['ledger'],
    params: obj({ entityType: oneOf(LEDGER_ENTITY_TYPES), entityId: S }),
    querystring: obj({
      after: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
      limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    }),
    operation: { kind: 'query', run: readLedger },
    response: LedgerPage,
    input: (req) => defined({ ...p(req), after: int(q(req).after), limit: int(q(req).limit) }),
  });
  r({
    method: 'POST',
    url: '/v1/explain/order-line',
    summary:
      'Would this order line go through? The decision, with every violation and remedy; nothing is written',
    tags: ['explain'],
    body: obj({
      sellerTenantId: Guid,
      customerTenantId: Guid,
      partnerIdOnRecord: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
    operation: { kind: 'query', run: explainOrderLine },
    response: Decision,
  });
  r({
    method: 'POST',
    url: '/v1/explain/partner-actions',
    summary: 'What may this partner do with a customer and/or a reseller, and if not, why',
    tags: ['explain'],
    body: obj({
      partnerTenantId: Guid,
      customerTenantId: Type.Optional(Guid),
      resellerTenantId: Type.Optional(Guid),
    }),
    operation: { kind: 'query', run: explainPartnerActions },
    response: PartnerActions,
  });
}
