/**
 * Routes of commerce, in Partner Center's vocabulary: the catalog (offers of a market, one offer by
 * its `catalogItemId`, the operator's catalog import, a partner's own value-added services), orders
 * (a direct-bill partner or an indirect provider places one; an indirect reseller submits an order
 * request its provider approves or cancels), subscriptions (quantity, suspend, reactivate, cancel,
 * auto-renew, partner of record, designated support contact) and the sandbox clock. The bodies
 * mirror the commands' `parse`; the services decide everything else (who may, and every rule).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Command } from '../../app/command.ts';
import type { OpenCsp } from '../../app/opencsp.ts';
import { BILLING_CYCLES, BILLING_MODELS, PUBLISHER_KINDS, TERM_DURATIONS } from '../../catalog/model.ts';
import { defineService, getOffer, importCatalog, listOffers } from '../../catalog/service.ts';
import { type Outcome, refuse, violation } from '../../kernel/outcome.ts';
import { PAGE_SIZE } from '../../kernel/pagination.ts';
import { ORDER_STATUSES } from '../../orders/model.ts';
import {
  approveOrder,
  cancelOrder,
  getOrder,
  listOrders,
  placeOrder,
  requestOrder,
} from '../../orders/service.ts';
import { advanceClock, advanceWorldClock } from '../../subscriptions/clock.ts';
import { processDue } from '../../subscriptions/due.ts';
import { SUBSCRIPTION_STATUSES, type Subscription as SubscriptionModel } from '../../subscriptions/model.ts';
import {
  cancelSubscription,
  changePartnerOfRecord,
  changeQuantity,
  getSubscription,
  listSubscriptions,
  reactivateSubscription,
  setAutoRenew,
  setSupportContact,
  suspendSubscription,
} from '../../subscriptions/service.ts';
import { sendProblem } from '../problem.ts';
import {
  DryRun,
  defined,
  Guid,
  int,
  oneOf,
  ProblemSchema,
  router,
  sendAnswer,
  sharedSchema,
} from '../route.ts';
import {
  CatalogImported,
  CatalogItem,
  CatalogItemPage,
  ClockAdvanced,
  ClockMove,
  DueProcessed,
  Order,
  OrderPage,
  ServiceDefined,
  Subscription,
  SubscriptionPage,
} from '../schemas/commerce.ts';

/** Free text as the services read it: non-empty, at most `max` characters (trimmed by the service). */
const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;

/**
 * A JSON body the client may leave out entirely (as in the partnership routes): Fastify validates a
 * body declared per content type only when one is sent, so `POST …/cancel` works without a body.
 */
const optionalJsonBody = (schema: TSchema): TSchema =>
  ({ content: { 'application/json': { schema } } }) as unknown as TSchema;

const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2: a market.' });
const ID = '[A-Za-z0-9][A-Za-z0-9._-]*';
const ProductId = Type.String({
  maxLength: 50,
  pattern: `^${ID}$`,
  description: 'Letters, digits, ".", "_", "-" (no ":").',
});
const CatalogItemId = Type.String({
  maxLength: 100,
  pattern: `^${ID}:${ID}$`,
  description: 'The SKU id, `<productId>:<skuCode>`, e.g. CFQ7TTC0LH18:0001 (may be URL-encoded).',
});
const Quantity = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const PartnerId = Type.Integer({ minimum: 1, description: 'A location Partner ID (MPN ID).' });
const Limit = Type.Optional(
  Type.String({
    pattern: '^[0-9]+$',
    description: `Page size, 1–${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).`,
  }),
);
const Cursor = Type.Optional(
  Type.String({ minLength: 1, maxLength: 500, description: 'The `next` of the previous page.' }),
);
const Numeric = (description: string) => Type.Optional(Type.String({ pattern: '^[0-9]+$', description }));

// ---------------------------------------------------------------------------------------------
// Catalog shapes: the SKUs of a catalog file and of a value-added service (`catalog/import.ts`).

const Price = obj({
  termDuration: Type.Optional(
    Type.Unsafe<string | null>({
      type: ['string', 'null'],
      enum: [...TERM_DURATIONS, null],
      description: `One of: ${TERM_DURATIONS.join(', ')}; null or absent for a usage SKU.`,
    }),
  ),
  billingCycle: oneOf(BILLING_CYCLES),
  unitPrice: Type.Record(
    Type.String({ pattern: '^[A-Z]{3}$' }),
    Type.Integer({ minimum: 0, description: 'Minor units (EUR 560 is €5.60).' }),
    {
      minProperties: 1,
      additionalProperties: false,
      description: 'List price per unit per charge cycle, per currency, in minor units.',
    },
  ),
});
const Sku = obj({
  code: Type.String({ minLength: 1, maxLength: 20, pattern: `^${ID}$` }),
  title: Text(),
  billing: oneOf(BILLING_MODELS),
  minQuantity: Quantity,
  maxQuantity: Quantity,
  markets: Type.Unsafe<'all' | string[]>({
    description: '"all" (every market of the program) or a list of countries.',
    anyOf: [{ const: 'all' }, { type: 'array', minItems: 1, items: Country }],
  }),
  prices: Type.Array(Price, { minItems: 1 }),
});
const CatalogFile = obj({
  catalog: Text(),
  products: Type.Array(
    obj({
      id: ProductId,
      title: Text(),
      description: Type.Optional(Text(2000)),
      publisher: oneOf(['first-party', 'third-party'] as const),
      publisherName: Text(),
      skus: Type.Array(Sku, { minItems: 1 }),
    }),
    { minItems: 1 },
  ),
});

// ---------------------------------------------------------------------------------------------
// Orders.

const OrderLine = obj({
  catalogItemId: CatalogItemId,
  quantity: Quantity,
  termDuration: Type.Optional(oneOf(TERM_DURATIONS, 'The license term; absent for a usage SKU.')),
  billingCycle: oneOf(BILLING_CYCLES),
  partnerIdOnRecord: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "The indirect reseller's location Partner ID (never the provider's own).",
    }),
  ),
  autoRenew: Type.Optional(Type.Boolean({ description: 'Default true (license SKUs).' })),
});
const orderLines = {
  currency: Type.Optional(
    Type.String({ pattern: '^[A-Z]{3}$', description: "ISO 4217; must be the customer's market's." }),
  ),
  lines: Type.Array(OrderLine, { minItems: 1, maxItems: 100 }),
};
const OrderParams = obj({ orderId: Guid });
/** An action named by its URL alone: a body may be left out, and one that is sent must be `{}`. */
const NoBody = optionalJsonBody(obj({}));
const SubscriptionParams = obj({ subscriptionId: Guid });

/** The violations of `o`, naming `to` where the service names `from` (the URL's field, not the input's). */
function renamed<T>(o: Outcome<T>, from: string, to: string): Outcome<T> {
  return o.ok ? o : refuse(...o.violations.map((v) => (v.field === from ? { ...v, field: to } : v)));
}
function commandNaming<I, O>(command: Command<I, O>, from: string, to: string): Command<I, O> {
  return {
    name: command.name,
    parse: (input, program) => renamed(command.parse(input, program), from, to),
    run: async (ctx, input) => renamed(await command.run(ctx, input), from, to),
  };
}

/** Registers the commerce routes. */
export function commerceRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);

  // --- Catalog -----------------------------------------------------------------------------------
  const catalog = ['catalog'] as const;
  r({
    method: 'GET',
    url: '/v1/catalog/offers',
    summary:
      "The offers of a market (the vendor's catalog, plus the value-added services of sellerTenantId when its users ask), by catalog item id, paginated",
    tags: catalog,
    querystring: obj({
      country: Country,
      publisher: Type.Optional(oneOf(PUBLISHER_KINDS)),
      search: Type.Optional(Text(100)),
      sellerTenantId: Type.Optional(Guid),
      limit: Limit,
      cursor: Cursor,
    }),
    operation: { kind: 'query', run: listOffers },
    response: CatalogItemPage,
    input: (req) =>
      defined({
        country: q(req).country,
        publisher: q(req).publisher,
        search: q(req).search,
        sellerTenantId: q(req).sellerTenantId,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items: catalog items with their prices in the market currency, next }',
  });
  r({
    method: 'GET',
    url: '/v1/catalog/offers/:catalogItemId',
    summary: 'One catalog item (product SKU) as sold in a market, with its price points',
    tags: catalog,
    params: obj({ catalogItemId: CatalogItemId }),
    querystring: obj({ country: Country }),
    operation: { kind: 'query', run: getOffer },
    response: CatalogItem,
    input: (req) => ({ catalogItemId: p(req).catalogItemId, country: q(req).country }),
    responseDescription: 'The catalog item',
  });
  r({
    method: 'POST',
    url: '/v1/catalog/import',
    summary:
      "The program operator imports the vendor's catalog file (products created or replaced; a re-import is idempotent)",
    tags: catalog,
    body: obj({ catalog: CatalogFile }),
    operation: { kind: 'command', run: importCatalog },
    response: CatalogImported,
    responseDescription: '{ products, skus, availabilities, created, updated }',
  });
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/services',
    summary:
      "A partner defines (or redefines) one of its own value-added services, sold on the same orders as vendor offers but never reaching the vendor (the CSP tenant's global admin or admin agent)",
    tags: catalog,
    params: obj({ tenantId: Guid }),
    body: obj({
      id: ProductId,
      title: Text(),
      description: Type.Optional(Text(2000)),
      skus: Type.Array(Sku, { minItems: 1 }),
    }),
    operation: { kind: 'command', run: commandNaming(defineService, 'partnerTenantId', 'tenantId') },
    response: ServiceDefined,
    input: (req) => ({ ...body(req), partnerTenantId: p(req).tenantId }),
    responseDescription: "{ product, skus, availabilities, result: 'created' | 'updated' }",
  });

  // --- Orders ------------------------------------------------------------------------------------
  const orders = ['orders'] as const;
  r({
    method: 'POST',
    url: '/v1/orders',
    summary:
      'A direct-bill partner or an indirect provider places an order for a customer (an indirect provider names its reseller as partnerIdOnRecord); completed at once, one subscription per line. Send an Idempotency-Key to retry safely',
    tags: orders,
    status: 201,
    body: obj({ sellerTenantId: Guid, customerTenantId: Guid, ...orderLines }),
    operation: { kind: 'command', run: placeOrder },
    response: Order,
    responseDescription: 'The order, completed, each line with its sales chain and subscription id',
  });
  r({
    method: 'POST',
    url: '/v1/order-requests',
    summary:
      'An indirect reseller asks its indirect provider to order for one of its customers, as partner of record; pending until the provider approves it',
    tags: orders,
    status: 201,
    body: obj({ providerTenantId: Guid, customerTenantId: Guid, ...orderLines }),
    operation: { kind: 'command', run: requestOrder },
    response: Order,
    responseDescription: 'The order, pending',
  });
  r({
    method: 'POST',
    url: '/v1/orders/:orderId/approve',
    summary:
      "The indirect provider approves a reseller's order request: decided again now, it completes (subscriptions created) or fails with its reasons",
    tags: orders,
    params: OrderParams,
    body: NoBody,
    operation: { kind: 'command', run: approveOrder },
    response: Order,
    input: (req) => p(req),
    responseDescription: 'The order, completed or failed',
  });
  r({
    method: 'POST',
    url: '/v1/orders/:orderId/cancel',
    summary:
      'The provider rejects, or the requesting reseller withdraws, a pending order request. The body, with an optional reason, may be omitted',
    tags: orders,
    params: OrderParams,
    body: optionalJsonBody(obj({ reason: Type.Optional(Text(500)) })),
    operation: { kind: 'command', run: cancelOrder },
    response: Order,
    input: (req) => ({ ...body(req), ...p(req) }),
    responseDescription: 'The order, cancelled',
  });
  r({
    method: 'GET',
    url: '/v1/orders/:orderId',
    summary:
      'An order: to the operator, its seller, its customer, the requesting reseller and its lines’ partners of record',
    tags: orders,
    params: OrderParams,
    querystring: obj({}),
    operation: { kind: 'query', run: getOrder },
    response: Order,
    input: (req) => p(req),
    responseDescription: 'The order',
  });
  r({
    method: 'GET',
    url: '/v1/orders',
    summary:
      'The orders the caller may see (placed, requested, bought, or partner of record on), oldest first, paginated',
    tags: orders,
    querystring: obj({
      customerTenantId: Type.Optional(Guid),
      status: Type.Optional(oneOf(ORDER_STATUSES)),
      limit: Limit,
      cursor: Cursor,
    }),
    operation: { kind: 'query', run: listOrders },
    response: OrderPage,
    input: (req) =>
      defined({
        customerTenantId: q(req).customerTenantId,
        status: q(req).status,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });

  // --- Subscriptions -----------------------------------------------------------------------------
  const subscriptions = ['subscriptions'] as const;
  r({
    method: 'GET',
    url: '/v1/subscriptions',
    summary:
      'The subscriptions the caller may see (a customer all of its own; a partner those it sold, is partner of record or support contact of, or manages), oldest first, paginated',
    tags: subscriptions,
    querystring: obj({
      customerTenantId: Type.Optional(Guid),
      sellerTenantId: Type.Optional(Guid),
      partnerId: Numeric('The partner of record’s Partner ID.'),
      status: Type.Optional(oneOf(SUBSCRIPTION_STATUSES)),
      limit: Limit,
      cursor: Cursor,
    }),
    operation: { kind: 'query', run: listSubscriptions },
    response: SubscriptionPage,
    input: (req) =>
      defined({
        customerTenantId: q(req).customerTenantId,
        sellerTenantId: q(req).sellerTenantId,
        partnerId: int(q(req).partnerId),
        status: q(req).status,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'GET',
    url: '/v1/subscriptions/:subscriptionId',
    summary: 'A subscription, with its term, cancellation window, partner of record and sales chain',
    tags: subscriptions,
    params: SubscriptionParams,
    querystring: obj({}),
    operation: { kind: 'query', run: getSubscription },
    response: Subscription,
    input: (req) => p(req),
    responseDescription: 'The subscription',
  });
  const change = (verb: string, run: Command<unknown, SubscriptionModel>, summary: string, schema: TSchema) =>
    r({
      method: 'POST',
      url: `/v1/subscriptions/:subscriptionId/${verb}`,
      summary,
      tags: subscriptions,
      params: SubscriptionParams,
      body: schema,
      operation: { kind: 'command', run },
      response: Subscription,
      input: (req) => ({ ...body(req), ...p(req) }),
      responseDescription: 'The subscription',
    });
  change(
    'quantity',
    changeQuantity,
    'Change the number of seats: more at any time while active, fewer only inside the cancellation window (the partner that sold it)',
    obj({ quantity: Quantity }),
  );
  change(
    'suspend',
    suspendSubscription,
    'Suspend an active subscription (still billed; still suspended at term end, it is disabled). No body',
    NoBody,
  );
  change(
    'reactivate',
    reactivateSubscription,
    'Reactivate a suspended subscription before its term ends. No body',
    NoBody,
  );
  change(
    'cancel',
    cancelSubscription,
    'Cancel a subscription inside its cancellation window (usage-based: at any time). No body',
    NoBody,
  );
  change(
    'auto-renew',
    setAutoRenew,
    'Turn auto-renew on or off (license-based, active or suspended)',
    obj({ autoRenew: Type.Boolean() }),
  );
  change(
    'partner-of-record',
    changePartnerOfRecord,
    'The indirect provider names another indirect reseller as partner of record; it passes the same checks as at purchase',
    obj({ partnerId: PartnerId }),
  );
  change(
    'support-contact',
    setSupportContact,
    'The indirect provider names the designated support contact, one of its active indirect resellers; without resellerTenantId (or without a body) it is cleared',
    optionalJsonBody(obj({ resellerTenantId: Type.Optional(Guid) })),
  );

  // --- Sandbox clock -----------------------------------------------------------------------------
  clockAdvanceRoute(app, csp);
  r({
    method: 'POST',
    url: '/v1/clock/process-due',
    summary:
      'The program operator processes the subscriptions whose term ended by now (renew, expire, disable), at most `batch` of them; `more` says to run again',
    tags: ['sandbox'],
    body: optionalJsonBody(
      obj({
        batch: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default 500.' })),
      }),
    ),
    operation: { kind: 'command', run: processDue },
    response: DueProcessed,
    input: (req) => body(req),
    responseDescription: '{ renewed, expired, disabled, more }',
  });
}

/**
 * `POST /v1/clock/advance` moves the sandbox clock and then processes what fell due, in several
 * transactions (`advanceWorldClock`), so it is not one command for `route()`: the same validation,
 * authentication and problem documents, by hand. A dry run evaluates the move alone. An
 * Idempotency-Key is refused: a stored answer could not be replayed without moving the clock again.
 */
const CLOCK_ANSWER = Type.Union([ClockAdvanced, DryRun(ClockMove)]);

function clockAdvanceRoute(app: FastifyInstance, csp: OpenCsp): void {
  app.route({
    method: 'POST',
    url: '/v1/clock/advance',
    schema: {
      summary:
        "The program operator moves a sandbox world's clock forward (days and/or hours), then processes the subscriptions that fell due: renewals, expiries, disabling",
      tags: ['sandbox'],
      body: obj({
        days: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
        hours: Type.Optional(Type.Integer({ minimum: 0, maximum: 24 * 3650 })),
      }),
      response: {
        200: {
          ...sharedSchema(app, CLOCK_ANSWER),
          description:
            'The new time and what was processed. A dry run (OpenCSP-Dry-Run: true) answers { dryRun: true, value } with the move alone, having written nothing.',
        },
        '4xx': ProblemSchema,
        '5xx': ProblemSchema,
      },
    },
    config: { successSchemas: { 200: CLOCK_ANSWER } },
    preValidation: async (req, reply) => {
      if (req.principal.kind === 'anonymous') {
        return sendProblem(reply, [
          violation('NOT_AUTHENTICATED', 'This route needs an API key: Authorization: Bearer <key>.', {
            remedies: ['Create one with `opencsp keys create`, or ask a global admin of your tenant.'],
          }),
        ]);
      }
    },
    handler: async (req, reply) => {
      const request = { principal: req.principal, requestId: String(req.id) };
      if (req.headers['idempotency-key'] !== undefined) {
        return sendProblem(reply, [
          violation(
            'INVALID_FIELD',
            'POST /v1/clock/advance takes no Idempotency-Key: each call moves the clock again.',
            {
              field: 'Idempotency-Key',
              remedies: ['Send the request without the header; read the new time from the answer.'],
            },
          ),
        ]);
      }
      const input = req.body ?? {};
      if (String(req.headers['opencsp-dry-run'] ?? '').toLowerCase() === 'true') {
        const out = await csp.execute(advanceClock, request, input, { dryRun: true });
        if (!out.ok) return sendProblem(reply, out.violations);
        return sendAnswer(reply, 200, { dryRun: true, value: out.value });
      }
      const out = await advanceWorldClock(csp, request, input);
      if (!out.ok) return sendProblem(reply, out.violations);
      return sendAnswer(reply, 200, out.value);
    },
  });
}
