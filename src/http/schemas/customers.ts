/**
 * Response schemas of the customer routes: invitations, reseller relationships, a created
 * customer, a partner's customers and a customer's partners.
 */
import { Type } from '@sinclair/typebox';
import { INVITATION_STATUSES, RELATIONSHIP_STATES } from '../../customers/model.ts';
import { PROGRAM_ROLES } from '../../enrollments/model.ts';
import { oneOf } from '../route.ts';
import { Id, Instant, Named, Nullable, Page } from './common.ts';

const Source = oneOf(['invitation', 'created-by-partner', 'created-by-provider'] as const);

export const CustomerInvitation = Named('CustomerInvitation', {
  id: Id,
  partnerTenantId: Id,
  providerTenantId: Nullable(
    Type.String({ description: 'The provider the customer authorizes in the same acceptance, if asked.' }),
  ),
  customerTenantId: Nullable(
    Type.String({ description: 'The invited customer tenant; null: any customer holding the token.' }),
  ),
  requestDelegatedAdmin: Type.Boolean(),
  token: Type.String(),
  status: oneOf(INVITATION_STATUSES),
  createdAt: Instant,
  expiresAt: Instant,
});

export const CustomerRelationship = Named('CustomerRelationship', {
  id: Id,
  partnerTenantId: Id,
  customerTenantId: Id,
  associatedPartnerTenantId: Nullable(
    Type.String({
      description: 'For a provider’s relationship: the reseller it serves the customer through.',
    }),
  ),
  state: oneOf(RELATIONSHIP_STATES),
  delegatedAdmin: Type.Boolean(),
  source: Source,
  invitationId: Nullable(Type.String()),
  createdAt: Instant,
  removedAt: Nullable(Instant),
});

export const CustomerInvitationAccepted = Named('CustomerInvitationAccepted', {
  invitation: CustomerInvitation,
  relationships: Type.Array(CustomerRelationship, {
    description: 'The relationships created: the inviter’s, then (when authorized too) its provider’s.',
  }),
  keptProviderRelationshipId: Nullable(
    Type.String({
      description: 'The provider’s existing relationship with the customer, kept unchanged, if any.',
    }),
  ),
  customerAgreementAcceptanceId: Nullable(
    Type.String({ description: 'The customer-agreement acceptance recorded on the way, if any.' }),
  ),
});

export const CustomerCreated = Named('CustomerCreated', {
  organizationId: Id,
  tenantId: Id,
  globalAdminUserId: Id,
  customerAgreementAcceptanceId: Id,
  relationships: Type.Array(CustomerRelationship, {
    description: 'The reseller’s (or the creating partner’s) relationship first, then the provider’s.',
  }),
});

export const CustomerListItem = Named(
  'CustomerListItem',
  {
    relationshipId: Id,
    customerTenantId: Id,
    companyName: Type.String(),
    country: Type.String(),
    region: Nullable(Type.String()),
    associatedPartnerTenantId: Nullable(
      Type.String({ description: 'For a provider: the reseller it serves the customer through.' }),
    ),
    associatedPartnerId: Nullable(Type.Integer({ description: 'That reseller’s location Partner ID.' })),
    delegatedAdmin: Type.Boolean(),
    state: oneOf(RELATIONSHIP_STATES),
    source: Source,
    createdAt: Instant,
  },
  'One customer of a partner, as its Customers page lists it.',
);

export const RelationshipToPartner = Named(
  'RelationshipToPartner',
  {
    relationshipId: Id,
    partnerTenantId: Id,
    partnerId: Nullable(Type.Integer({ description: 'The partner tenant’s location Partner ID.' })),
    name: Type.String(),
    role: Nullable(oneOf(PROGRAM_ROLES, 'The program role the partner sells in.')),
    associatedPartnerTenantId: Nullable(Type.String()),
    associatedPartnerId: Nullable(Type.Integer()),
    delegatedAdmin: Type.Boolean(),
    state: oneOf(RELATIONSHIP_STATES),
    createdAt: Instant,
  },
  'One partner of a customer (Partner Center: a relationshipToPartner).',
);

export const CustomerPage = Page(CustomerListItem);
export const PartnerOfCustomerPage = Page(RelationshipToPartner);
