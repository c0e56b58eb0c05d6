/**
 * Response schemas of the partnership routes: partnerships (as stored, and the view with both
 * parties), a tenant's list of providers or resellers, and support requests.
 */
import { Type } from '@sinclair/typebox';
import { PARTNERSHIP_STATES, SUPPORT_REQUEST_STATUSES } from '../../partnerships/model.ts';
import { oneOf } from '../route.ts';
import { Closed, Id, Instant, Named, Nullable, Page } from './common.ts';

const State = oneOf(PARTNERSHIP_STATES);

const partnershipFields = {
  id: Id,
  providerTenantId: Id,
  resellerTenantId: Id,
  state: State,
  invitedAt: Instant,
  expiresAt: Instant,
  acceptedAt: Nullable(Instant),
  endedAt: Nullable(Instant),
  endReason: Nullable(Type.String()),
  updatedAt: Instant,
};

/** A partnership as a command leaves it (`state`: the stored state). */
export const Partnership = Named(
  'Partnership',
  {
    ...partnershipFields,
    invitationToken: Type.String({ description: 'The token the reseller accepts or declines with.' }),
  },
  'A provider–reseller partnership as the command left it.',
);

const PartyLocation = Closed({ country: Type.String(), region: Nullable(Type.String()) });

export const PartnershipParty = Named('PartnershipParty', {
  tenantId: Id,
  partnerId: Nullable(Type.Integer()),
  name: Type.String({ description: 'The legal name.' }),
  location: PartyLocation,
});

export const PartnershipView = Named(
  'PartnershipView',
  {
    ...partnershipFields,
    state: oneOf(PARTNERSHIP_STATES, 'The effective state (an invitation past its expiry is expired).'),
    invitationToken: Type.Optional(
      Type.String({
        description: 'Shown to the provider’s users and the operator while the invitation is pending.',
      }),
    ),
    provider: PartnershipParty,
    reseller: PartnershipParty,
  },
  'A partnership with both parties and its effective state.',
);

export const PartnerRelationship = Named(
  'PartnerRelationship',
  {
    partnershipId: Id,
    relationshipType: oneOf(['IsIndirectCloudSolutionProviderOf', 'IsIndirectResellerOf'] as const),
    tenantId: Type.String({ description: 'The other party’s CSP tenant.' }),
    partnerId: Nullable(Type.Integer({ description: 'The other party’s location Partner ID.' })),
    name: Type.String({ description: 'The other party’s legal name.' }),
    location: PartyLocation,
    state: oneOf(PARTNERSHIP_STATES, 'The effective state (an invitation past its expiry is expired).'),
  },
  'One partnership in a tenant’s list: the other party and the state at the time of the request.',
);

export const PartnerRelationshipPage = Page(PartnerRelationship);

export const SupportRequest = Named('SupportRequest', {
  id: Id,
  category: Type.Literal('end-partnership'),
  partnershipId: Nullable(Type.String()),
  openedByTenantId: Id,
  description: Type.String(),
  status: oneOf(SUPPORT_REQUEST_STATUSES),
  openedAt: Instant,
  resolvedAt: Nullable(Instant),
  resolution: Nullable(Type.String()),
});

export const SupportRequestResolution = Named('SupportRequestResolution', {
  supportRequest: SupportRequest,
  partnership: Nullable(Partnership),
});
