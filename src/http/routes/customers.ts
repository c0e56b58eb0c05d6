/**
 * Routes of the customers area, in Partner Center's vocabulary: a partner invites a customer to a
 * reseller relationship ("Request a reseller relationship"), the customer's global admin accepts or
 * declines with the invitation token, a partner creates a new customer ("Add new customer"; a
 * provider on behalf of one of its resellers), a relationship is removed; a partner lists its
 * customers and a customer its partners (`relationshipToPartner`, multi-partner). The bodies mirror
 * the commands' `parse`; the services decide everything else.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Query } from '../../app/command.ts';
import type { OpenCsp } from '../../app/opencsp.ts';
import { RELATIONSHIP_STATES } from '../../customers/model.ts';
import {
  acceptCustomerInvitation,
  createCustomer,
  declineCustomerInvitation,
  inviteCustomer,
  listCustomerPartners,
  listCustomers,
  removeCustomerRelationship,
} from '../../customers/service.ts';
import { type Outcome, refuse } from '../../kernel/outcome.ts';
import { PAGE_SIZE } from '../../kernel/pagination.ts';
import { defined, Guid, int, oneOf, router } from '../route.ts';
import {
  CustomerCreated,
  CustomerInvitation,
  CustomerInvitationAccepted,
  CustomerPage,
  CustomerRelationship,
  PartnerOfCustomerPage,
} from '../schemas/customers.ts';

/** Free text as the services read it: non-empty, at most `max` characters (trimmed by the service). */
const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const Email = Type.String({ minLength: 3, maxLength: 254, description: 'An email address.' });
const Country = Type.String({ minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2' });
const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

const TAGS = ['customers'] as const;
const Token = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'The invitation token the partner sent.',
});
const Address = obj({
  line1: Text(),
  line2: Type.Optional(Text()),
  city: Text(100),
  state: Type.Optional(Text(100)),
  postalCode: Type.Optional(Text(20)),
  country: Country,
});
const NewTenant = obj({ id: Type.Optional(Guid), domain: Text(253), displayName: Type.Optional(Text()) });
const NewUser = obj({ email: Email, displayName: Text(100) });
const Signer = { signerName: Text(100), signerEmail: Email };
const State = Type.Optional(oneOf(RELATIONSHIP_STATES));
const Limit = Type.Optional(
  Type.String({
    pattern: '^[0-9]+$',
    description: `Page size, 1–${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).`,
  }),
);
const Cursor = Type.Optional(
  Type.String({ minLength: 1, maxLength: 500, description: 'The `next` of the previous page.' }),
);

/**
 * The same query, its violations naming `to` where the service names `from`: the lists take the
 * tenant from the URL's `tenantId`, so a refusal must name that, not the service's input field.
 */
function namingField<I, O>(query: Query<I, O>, from: string, to: string): Query<I, O> {
  const rename = <T>(o: Outcome<T>): Outcome<T> =>
    o.ok ? o : refuse(...o.violations.map((v) => (v.field === from ? { ...v, field: to } : v)));
  return {
    name: query.name,
    parse: (input, program) => rename(query.parse(input, program)),
    run: async (ctx, input) => rename(await query.run(ctx, input)),
  };
}

/** Registers the customer routes. */
export function customersRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);

  r({
    method: 'POST',
    url: '/v1/customer-invitations',
    summary:
      'A partner invites a customer to a reseller relationship, optionally asking for delegated admin; an indirect reseller may have its provider authorized in the same acceptance',
    tags: TAGS,
    status: 201,
    body: obj({
      partnerTenantId: Guid,
      customerTenantId: Type.Optional(Guid),
      alsoAuthorizeProviderTenantId: Type.Optional(Guid),
      requestDelegatedAdmin: Type.Boolean(),
    }),
    operation: { kind: 'command', run: inviteCustomer },
    response: CustomerInvitation,
    responseDescription: 'The invitation, pending, with its token',
  });
  r({
    method: 'POST',
    url: '/v1/customer-invitations/accept',
    summary:
      "The customer's global admin accepts an invitation (and the customer agreement on the way, if not yet accepted)",
    tags: TAGS,
    body: obj({
      token: Token,
      customerTenantId: Guid,
      customerAgreement: Type.Optional(obj(Signer)),
    }),
    operation: { kind: 'command', run: acceptCustomerInvitation },
    response: CustomerInvitationAccepted,
    responseDescription:
      '{ invitation, relationships, keptProviderRelationshipId, customerAgreementAcceptanceId }',
  });
  r({
    method: 'POST',
    url: '/v1/customer-invitations/decline',
    summary: "The customer's global admin declines an invitation",
    tags: TAGS,
    body: obj({ token: Token, customerTenantId: Guid }),
    operation: { kind: 'command', run: declineCustomerInvitation },
    response: CustomerInvitation,
    responseDescription: 'The invitation, declined',
  });
  r({
    method: 'POST',
    url: '/v1/customers',
    summary:
      'A partner creates a new customer (organization, customer tenant, first global admin, attested customer agreement); a provider names the reseller it acts for',
    tags: TAGS,
    status: 201,
    body: obj({
      partnerTenantId: Guid,
      resellerTenantId: Type.Optional(Guid),
      resellerPartnerId: Type.Optional(Type.Integer({ minimum: 1 })),
      legalName: Text(),
      country: Country,
      address: Address,
      tenant: NewTenant,
      globalAdmin: NewUser,
      customerAgreement: obj({
        ...Signer,
        acceptedOn: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD; default today.' })),
      }),
    }),
    operation: { kind: 'command', run: createCustomer },
    response: CustomerCreated,
    responseDescription:
      '{ organizationId, tenantId, globalAdminUserId, customerAgreementAcceptanceId, relationships }',
  });
  r({
    method: 'DELETE',
    url: '/v1/customer-relationships/:relationshipId',
    summary:
      "Remove a reseller relationship, once the customer's subscriptions with that partner are suspended or ended",
    tags: TAGS,
    params: obj({ relationshipId: Guid }),
    operation: { kind: 'command', run: removeCustomerRelationship },
    response: CustomerRelationship,
    input: (req) => p(req),
    responseDescription: 'The relationship, removed',
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/customers',
    summary: "A partner's customers, oldest relationship first; a provider filters by indirect reseller",
    tags: TAGS,
    params: obj({ tenantId: Guid }),
    querystring: obj({ resellerTenantId: Type.Optional(Guid), state: State, limit: Limit, cursor: Cursor }),
    operation: { kind: 'query', run: namingField(listCustomers, 'partnerTenantId', 'tenantId') },
    response: CustomerPage,
    input: (req) =>
      defined({
        partnerTenantId: p(req).tenantId,
        resellerTenantId: q(req).resellerTenantId,
        state: q(req).state,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/partners',
    summary: "A customer's partners (relationshipToPartner), oldest relationship first",
    tags: TAGS,
    params: obj({ tenantId: Guid }),
    querystring: obj({ state: State, limit: Limit, cursor: Cursor }),
    operation: { kind: 'query', run: namingField(listCustomerPartners, 'customerTenantId', 'tenantId') },
    response: PartnerOfCustomerPage,
    input: (req) =>
      defined({
        customerTenantId: p(req).tenantId,
        state: q(req).state,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });
}
