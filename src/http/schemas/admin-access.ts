/**
 * Response schemas of the admin-access routes: delegated admin relationships (with their effective
 * state), a partner's access to a customer, and external subscriptions.
 */
import { Type } from '@sinclair/typebox';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_ROLES,
  AUTO_EXTEND,
  EXTERNAL_SOURCES,
} from '../../admin-access/model.ts';
import { oneOf } from '../route.ts';
import { Id, Instant, Named, Nullable, Page } from './common.ts';

export const AdminRelationship = Named(
  'AdminRelationship',
  {
    id: Id,
    partnerTenantId: Id,
    customerTenantId: Id,
    displayName: Type.String(),
    roles: Type.Array(oneOf(ADMIN_ROLES)),
    durationDays: Type.Integer(),
    autoExtend: oneOf(AUTO_EXTEND),
    state: oneOf(ADMIN_RELATIONSHIP_STATES, 'The effective state at the time of the request.'),
    storedState: oneOf(
      ['created', 'approvalPending', 'active', 'terminated'] as const,
      'The state as stored (active for an expiring or expired relationship).',
    ),
    createdAt: Instant,
    requestedAt: Nullable(Instant),
    activatedAt: Nullable(Instant),
    approvedBy: Nullable(
      Type.String({ description: 'The customer’s global admin (user id) who approved it.' }),
    ),
    endsAt: Nullable(Instant),
    effectiveEnd: Nullable(Instant),
    terminatedAt: Nullable(Instant),
    terminatedByTenantId: Nullable(Type.String()),
  },
  'A delegated admin relationship as callers see it: state is the effective state.',
);

export const AdminRelationshipPage = Page(AdminRelationship);

export const PartnerAccess = Named(
  'PartnerAccess',
  {
    partnerTenantId: Id,
    customerTenantId: Id,
    viaResellerRelationship: Type.Boolean(),
    viaProviderOfReseller: Type.Boolean(),
    adminRoles: Type.Array(oneOf(ADMIN_ROLES)),
  },
  'What a partner may do on a customer, and why.',
);

export const ExternalSubscription = Named(
  'ExternalSubscription',
  {
    id: Id,
    customerTenantId: Id,
    source: oneOf(EXTERNAL_SOURCES),
    offerName: Type.String(),
    quantity: Type.Integer(),
    externalReference: Nullable(Type.String()),
    registeredAt: Instant,
  },
  'A subscription the customer bought elsewhere and registered so its partners can manage it.',
);

export const ExternalSubscriptionPage = Page(ExternalSubscription);
