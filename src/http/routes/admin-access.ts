/**
 * Routes of the admin-access area (delegated admin, multi-channel, seed scenario 3): admin
 * relationships (create → request approval → the customer's global admin approves → either side
 * terminates), external subscriptions the customer registers, and the access a partner derives.
 * The body schemas mirror each command's `parse`; the services still refuse what JSON Schema cannot
 * express (e.g. `autoExtend: P180D` with `global-administrator`) and enforce who may act.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_ROLES,
  AUTO_EXTEND,
  EXTERNAL_SOURCES,
  MAX_DURATION_DAYS,
  MIN_DURATION_DAYS,
} from '../../admin-access/model.ts';
import {
  approveAdminRelationship,
  createAdminRelationship,
  getAdminRelationship,
  getPartnerAccess,
  listAdminRelationships,
  listExternalSubscriptions,
  registerExternalSubscription,
  requestAdminApproval,
  terminateAdminRelationship,
} from '../../admin-access/service.ts';
import type { OpenCsp } from '../../app/opencsp.ts';
import { PAGE_SIZE } from '../../kernel/pagination.ts';
import { defined, Guid, int, oneOf, router } from '../route.ts';
import {
  AdminRelationship,
  AdminRelationshipPage,
  ExternalSubscription,
  ExternalSubscriptionPage,
  PartnerAccess,
} from '../schemas/admin-access.ts';

const S = Type.String({ minLength: 1 });
const text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const params = <T extends string>(...names: T[]) => obj(Object.fromEntries(names.map((n) => [n, S])));
/** `limit` and `cursor` of a paginated list (query-string integers arrive as text). */
const page = {
  limit: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      description: `Page size, 1 to ${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).`,
    }),
  ),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'The `next` of a page.' })),
};
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

/** Registers the admin-access routes under `/v1`. */
export function adminAccessRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);
  const tags = ['admin access'];

  r({
    method: 'POST',
    url: '/v1/admin-relationships',
    summary:
      "Create a delegated admin relationship with a customer (partner's global admin or admin agent); it grants nothing until the customer approves",
    tags,
    status: 201,
    body: obj({
      partnerTenantId: Guid,
      customerTenantId: Guid,
      displayName: text(50),
      roles: Type.Array(oneOf(ADMIN_ROLES), { minItems: 1 }),
      durationDays: Type.Integer({
        minimum: MIN_DURATION_DAYS,
        maximum: MAX_DURATION_DAYS,
        description: 'Days from approval, 1 to 730.',
      }),
      autoExtend: Type.Optional(
        oneOf(AUTO_EXTEND, 'Default none; P180D (extend by 180 days) is refused with global-administrator.'),
      ),
    }),
    operation: { kind: 'command', run: createAdminRelationship },
    response: AdminRelationship,
  });
  for (const [verb, run, summary] of [
    [
      'approval-request',
      requestAdminApproval,
      "Send an admin relationship to the customer for approval (partner's global admin or admin agent)",
    ],
    [
      'approval',
      approveAdminRelationship,
      "Approve an admin relationship awaiting approval: only the customer's global admin",
    ],
    [
      'termination',
      terminateAdminRelationship,
      "Terminate an admin relationship: the partner's global admin or admin agent, or the customer's global admin",
    ],
  ] as const) {
    r({
      method: 'POST',
      url: `/v1/admin-relationships/:adminRelationshipId/${verb}`,
      summary,
      tags,
      params: params('adminRelationshipId'),
      operation: { kind: 'command', run },
      response: AdminRelationship,
      input: (req) => p(req),
    });
  }
  r({
    method: 'GET',
    url: '/v1/admin-relationships/:adminRelationshipId',
    summary: 'An admin relationship with its effective state (expiring and expired derived from the clock)',
    tags,
    params: params('adminRelationshipId'),
    operation: { kind: 'query', run: getAdminRelationship },
    response: AdminRelationship,
    input: (req) => p(req),
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/admin-relationships',
    summary:
      'The admin relationships of a tenant, as the partner or as the customer, oldest first, paginated',
    tags,
    params: params('tenantId'),
    querystring: obj({
      side: oneOf(
        ['partner', 'customer'] as const,
        'partner: the relationships the tenant holds on customers; customer: those granted on it.',
      ),
      state: Type.Optional(
        oneOf(ADMIN_RELATIONSHIP_STATES, 'The effective state at the time of the request.'),
      ),
      ...page,
    }),
    operation: { kind: 'query', run: listAdminRelationships },
    response: AdminRelationshipPage,
    input: (req) => {
      const query = q(req);
      return defined({
        [query.side === 'customer' ? 'customerTenantId' : 'partnerTenantId']: p(req).tenantId,
        state: query.state,
        limit: int(query.limit),
        cursor: query.cursor,
      });
    },
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:partnerTenantId/access/:customerTenantId',
    summary:
      'What a partner may do on a customer, derived from its reseller relationship, its provider role and its admin relationships',
    tags,
    params: params('partnerTenantId', 'customerTenantId'),
    operation: { kind: 'query', run: getPartnerAccess },
    response: PartnerAccess,
    input: (req) => p(req),
  });

  r({
    method: 'POST',
    url: '/v1/external-subscriptions',
    summary:
      "Register a subscription the customer bought elsewhere, so the partners it hires can manage it (customer's global admin)",
    tags,
    status: 201,
    body: obj({
      customerTenantId: Guid,
      source: oneOf(EXTERNAL_SOURCES, 'Where the subscription was bought.'),
      offerName: text(200),
      quantity: Type.Integer({ minimum: 1, maximum: 10_000_000 }),
      externalReference: Type.Optional(text(200)),
    }),
    operation: { kind: 'command', run: registerExternalSubscription },
    response: ExternalSubscription,
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/external-subscriptions',
    summary:
      "A customer's external subscriptions, paginated: its own users, the operator, and partners holding a live admin relationship",
    tags,
    params: params('tenantId'),
    querystring: obj(page),
    operation: { kind: 'query', run: listExternalSubscriptions },
    response: ExternalSubscriptionPage,
    input: (req) =>
      defined({ customerTenantId: p(req).tenantId, limit: int(q(req).limit), cursor: q(req).cursor }),
  });
}
