/**
 * Routes of the partnerships area, in Partner Center's vocabulary: an indirect provider invites an
 * indirect reseller, the reseller accepts ("authorize indirect provider") or declines with the
 * invitation token, the provider suspends, reactivates or (self-service policy) ends the
 * partnership, either party opens a support request to end it and the program operator resolves
 * it; each side lists the other (`IsIndirectCloudSolutionProviderOf` / `IsIndirectResellerOf`).
 * The bodies mirror the commands' `parse`; the services decide everything else.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OpenCsp } from '../../app/opencsp.ts';
import { PAGE_SIZE } from '../../kernel/pagination.ts';
import { PARTNERSHIP_STATES } from '../../partnerships/model.ts';
import {
  acceptPartnership,
  declinePartnership,
  endPartnership,
  getPartnership,
  invitePartnership,
  listIndirectProviders,
  listIndirectResellers,
  openSupportRequest,
  reactivatePartnership,
  resolveSupportRequest,
  suspendPartnership,
} from '../../partnerships/service.ts';
import { defined, Guid, int, oneOf, router } from '../route.ts';
import {
  PartnerRelationshipPage,
  Partnership,
  PartnershipView,
  SupportRequest,
  SupportRequestResolution,
} from '../schemas/partnerships.ts';

/** Free text as the services read it: non-empty, at most `max` characters (trimmed by the service). */
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;

/**
 * A JSON body the client may leave out entirely: Fastify validates a body declared per content type
 * only when one is sent with that type, so `POST …/end` works without a body and a body that is
 * sent is still checked (unknown fields, wrong types). The OpenAPI document shows it as usual.
 */
const optionalJsonBody = (schema: TSchema): TSchema =>
  ({ content: { 'application/json': { schema } } }) as unknown as TSchema;

const TAGS = ['partnerships'] as const;
const PartnershipParams = obj({ partnershipId: Guid });
const TokenBody = obj({
  token: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'The invitation token the provider sent.',
  }),
});

/** `state`, `limit` and `cursor` of a partnership list (query-string integers are text). */
const ListQuery = obj({
  state: Type.Optional(
    oneOf(PARTNERSHIP_STATES, 'The effective state (an invitation past its expiry is expired).'),
  ),
  limit: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      description: `Page size, 1–${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 500, description: 'The `next` of the previous page.' }),
  ),
});
const listInput = (req: FastifyRequest) =>
  defined({
    tenantId: p(req).tenantId,
    state: q(req).state,
    limit: int(q(req).limit),
    cursor: q(req).cursor,
  });

/** Registers the partnership routes. */
export function partnershipsRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);

  r({
    method: 'POST',
    url: '/v1/partnerships',
    summary:
      'An indirect provider invites an indirect reseller (by location Partner ID or CSP tenant); the answer carries the invitation token',
    tags: TAGS,
    status: 201,
    body: obj({
      providerTenantId: Guid,
      resellerPartnerId: Type.Optional(
        Type.Integer({
          minimum: 1,
          description: "The reseller's location Partner ID; or give resellerTenantId.",
        }),
      ),
      resellerTenantId: Type.Optional(Guid),
    }),
    operation: { kind: 'command', run: invitePartnership },
    response: Partnership,
    responseDescription: 'The partnership, invited',
  });
  r({
    method: 'POST',
    url: '/v1/partnership-invitations/accept',
    summary: "The reseller's global admin accepts the invitation (authorize indirect provider)",
    tags: TAGS,
    body: TokenBody,
    operation: { kind: 'command', run: acceptPartnership },
    response: Partnership,
    responseDescription: 'The partnership, active',
  });
  r({
    method: 'POST',
    url: '/v1/partnership-invitations/decline',
    summary: "The reseller's global admin declines the invitation",
    tags: TAGS,
    body: TokenBody,
    operation: { kind: 'command', run: declinePartnership },
    response: Partnership,
    responseDescription: 'The partnership, declined',
  });
  for (const [verb, run, summary] of [
    ['suspend', suspendPartnership, 'The provider (or the operator) suspends an active partnership'],
    [
      'reactivate',
      reactivatePartnership,
      'The provider (or the operator) reactivates a suspended partnership',
    ],
  ] as const) {
    r({
      method: 'POST',
      url: `/v1/partnerships/:partnershipId/${verb}`,
      summary,
      tags: TAGS,
      params: PartnershipParams,
      operation: { kind: 'command', run },
      response: Partnership,
      input: (req) => p(req),
    });
  }
  r({
    method: 'POST',
    url: '/v1/partnerships/:partnershipId/end',
    summary:
      'Remove a partnership directly (self-service policy; under the seed policy, refused: open a support request). The body, with an optional reason, may be omitted',
    tags: TAGS,
    params: PartnershipParams,
    body: optionalJsonBody(obj({ reason: Type.Optional(Text(2000)) })),
    operation: { kind: 'command', run: endPartnership },
    response: Partnership,
    input: (req) => ({ ...p(req), ...body(req) }),
  });
  r({
    method: 'GET',
    url: '/v1/partnerships/:partnershipId',
    summary: 'A partnership with both parties and its effective state',
    tags: TAGS,
    params: PartnershipParams,
    operation: { kind: 'query', run: getPartnership },
    response: PartnershipView,
    input: (req) => p(req),
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/indirect-resellers',
    summary: "A provider's indirect resellers (relationship type IsIndirectCloudSolutionProviderOf)",
    tags: TAGS,
    params: obj({ tenantId: Guid }),
    querystring: ListQuery,
    operation: { kind: 'query', run: listIndirectResellers },
    response: PartnerRelationshipPage,
    input: listInput,
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/indirect-providers',
    summary: "A reseller's indirect providers (relationship type IsIndirectResellerOf)",
    tags: TAGS,
    params: obj({ tenantId: Guid }),
    querystring: ListQuery,
    operation: { kind: 'query', run: listIndirectProviders },
    response: PartnerRelationshipPage,
    input: listInput,
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'POST',
    url: '/v1/support-requests',
    summary: 'Either party asks the program operator to end their partnership',
    tags: TAGS,
    status: 201,
    body: obj({ partnershipId: Guid, description: Text(2000) }),
    operation: { kind: 'command', run: openSupportRequest },
    response: SupportRequest,
    responseDescription: 'The support request, open',
  });
  r({
    method: 'POST',
    url: '/v1/support-requests/:supportRequestId/resolution',
    summary:
      'The program operator resolves a support request (ends the partnership) or rejects it (leaves it as it is)',
    tags: TAGS,
    params: obj({ supportRequestId: Guid }),
    body: obj({
      outcome: oneOf(['resolved', 'rejected'] as const, 'resolved ends the partnership; rejected leaves it.'),
      resolution: Text(2000),
    }),
    operation: { kind: 'command', run: resolveSupportRequest },
    response: SupportRequestResolution,
    input: (req) => ({ ...p(req), ...body(req) }),
    responseDescription: '{ supportRequest, partnership }',
  });
}
