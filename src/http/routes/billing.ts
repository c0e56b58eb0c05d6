/**
 * Routes of billing: each seller's price list, buyer groups and repricing rules; credits on a
 * subscription; invoices and credit notes (read by their seller and their buyer only, and the
 * operator), their lines, voiding; the operator's period close; and the reconciliation exports
 * (CSV or NDJSON, streamed). The bodies mirror the commands' `parse`; the services decide everything
 * else (who may, and every rule): an outsider gets the same `*_NOT_FOUND` as for a missing object.
 *
 * Money crosses the API as decimal strings (`"6.00"`, unit prices up to six decimals), never floats.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestInfo } from '../../app/context.ts';
import type { OpenCsp } from '../../app/opencsp.ts';
import { checkClose, closeBillingPeriod } from '../../billing/close.ts';
import { EXPORT_COLUMNS, exportInvoice, exportPeriod } from '../../billing/export.ts';
import { INVOICE_STATUSES } from '../../billing/model.ts';
import { PRICE_BASES } from '../../billing/pricing.ts';
import {
  addPriceListEntry,
  addRepricingRule,
  endPriceListEntry,
  getInvoice,
  issueCredit,
  listInvoiceLines,
  listInvoices,
  listPriceList,
  listRepricingRules,
  setBuyerGroupMember,
  voidInvoice,
} from '../../billing/service.ts';
import { BILLING_CYCLES, TERM_DURATIONS } from '../../catalog/model.ts';
import { type Outcome, refuse, violation } from '../../kernel/outcome.ts';
import { PAGE_SIZE } from '../../kernel/pagination.ts';
import type { Program } from '../../program/program.ts';
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
  BillingLine,
  BillingLinePage,
  BuyerGroup,
  CloseCheck,
  CloseReport,
  Invoice,
  InvoicePage,
  PriceListEntry,
  PriceListPage,
  RepricingRule,
  RepricingRuleList,
} from '../schemas/billing.ts';

const obj = (props: Parameters<typeof Type.Object>[0]) => Type.Object(props, { additionalProperties: false });
const p = (req: FastifyRequest) => req.params as Record<string, string>;
const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });

const MONTH = '^[0-9]{4}-(0[1-9]|1[0-2])$';
const Month = (description: string) =>
  Type.String({ pattern: MONTH, description: `${description} (YYYY-MM).` });
const Day = (description: string) =>
  Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: `${description} (YYYY-MM-DD, UTC).` });
const Decimal = (decimals: number, description: string) =>
  Type.String({
    maxLength: 24,
    pattern: `^[0-9]+(\\.[0-9]{1,${decimals}})?$`,
    description: `${description}: a decimal string with at most ${decimals} decimals, e.g. "12.50".`,
  });
const Country = Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2: a market.' });
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$', description: "ISO 4217: the market's currency." });
const SkuId = Type.String({
  maxLength: 200,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'The SKU id, `<productId>:<skuCode>`.',
});
const Limit = Type.Optional(
  Type.String({
    pattern: '^[0-9]+$',
    description: `Page size, 1–${PAGE_SIZE.max} (default ${PAGE_SIZE.default}).`,
  }),
);
const Cursor = Type.Optional(
  Type.String({ minLength: 1, maxLength: 500, description: 'The `next` of the previous page.' }),
);
const Bps = Type.Integer({
  minimum: -10_000,
  maximum: 1_000_000,
  description: 'Basis points on the basis: 1000 = +10%, -500 = -5%.',
});
const Basis = oneOf(PRICE_BASES, 'cost: what the seller pays for the item; erp: the suggested retail price.');
const TenantParams = obj({ tenantId: Guid });
const InvoiceParams = obj({ invoiceId: Guid });
const Format = obj({
  format: Type.Optional(oneOf(['csv', 'ndjson'] as const, 'Default csv.')),
});

/** The violations of `o`, naming `to` where the service names `from` (the URL's field, not the input's). */
function renamed<T>(o: Outcome<T>, from: string, to: string): Outcome<T> {
  return o.ok ? o : refuse(...o.violations.map((v) => (v.field === from ? { ...v, field: to } : v)));
}

/** A command or query whose refusals name the URL's `to` instead of the service's `from`. */
function naming<X, I, O>(
  op: {
    readonly name: string;
    parse(input: unknown, program: Program): Outcome<I>;
    run(ctx: X, input: I): Promise<Outcome<O>>;
  },
  from: string,
  to: string,
) {
  return {
    name: op.name,
    parse: (input: unknown, program: Program) => renamed(op.parse(input, program), from, to),
    run: async (ctx: X, input: I) => renamed(await op.run(ctx, input), from, to),
  };
}

/** Registers the billing routes. */
export function billingRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const r = router(app, csp);
  const billing = ['billing'] as const;

  // --- Price lists -------------------------------------------------------------------------------
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/price-list',
    summary:
      "A seller adds an entry to its price list: the price it charges its buyers for one item (SKU, term, billing cycle, market) from effectiveFrom (default today) until effectiveTo. Refused (PRICE_LIST_OVERLAP) when the dates overlap another entry for the same item. The seller's global admin, admin agent or billing admin; the vendor's list: the program operator",
    tags: billing,
    status: 201,
    params: TenantParams,
    body: obj({
      skuId: SkuId,
      termDuration: Type.Optional(oneOf(TERM_DURATIONS, 'The license term; absent for a usage SKU.')),
      billingCycle: Type.Optional(oneOf(BILLING_CYCLES, 'Default monthly.')),
      country: Country,
      currency: Currency,
      unitPrice: Decimal(6, 'Per unit per charge cycle'),
      erp: Type.Optional(Decimal(6, 'The suggested retail price per unit per charge cycle')),
      effectiveFrom: Type.Optional(Day('The first day it applies; default today')),
      effectiveTo: Type.Optional(Day('The first day it no longer applies; absent: open-ended')),
    }),
    operation: { kind: 'command', run: naming(addPriceListEntry, 'sellerTenantId', 'tenantId') },
    response: PriceListEntry,
    input: (req) => ({ ...body(req), sellerTenantId: p(req).tenantId }),
    responseDescription: 'The entry',
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/price-list',
    summary:
      "A seller's price list (to the seller's billing agents and the operator), by creation then id, paginated",
    tags: billing,
    params: TenantParams,
    querystring: obj({
      skuId: Type.Optional(SkuId),
      country: Type.Optional(Country),
      limit: Limit,
      cursor: Cursor,
    }),
    operation: { kind: 'query', run: naming(listPriceList, 'sellerTenantId', 'tenantId') },
    response: PriceListPage,
    input: (req) =>
      defined({
        sellerTenantId: p(req).tenantId,
        skuId: q(req).skuId,
        country: q(req).country,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'POST',
    url: '/v1/price-list/:entryId/end',
    summary:
      'A seller ends one of its price-list entries: from effectiveTo on it no longer applies (a new entry may start that day)',
    tags: billing,
    params: obj({ entryId: Guid }),
    body: obj({ effectiveTo: Day('The first day it no longer applies') }),
    operation: { kind: 'command', run: endPriceListEntry },
    response: PriceListEntry,
    input: (req) => ({ ...body(req), ...p(req) }),
    responseDescription: 'The entry, ended',
  });

  // --- Buyer groups and repricing rules ----------------------------------------------------------
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/buyer-groups/:group/members',
    summary:
      'A seller puts one of its buyers (a reseller or a customer it bills) in one of its buyer groups, or takes it out (member: false); repricing rules may target the group',
    tags: billing,
    params: obj({ tenantId: Guid, group: Text(100) }),
    body: obj({
      buyerTenantId: Guid,
      member: Type.Optional(Type.Boolean({ description: 'Default true; false takes the buyer out.' })),
    }),
    operation: { kind: 'command', run: naming(setBuyerGroupMember, 'sellerTenantId', 'tenantId') },
    response: BuyerGroup,
    input: (req) => ({ ...body(req), sellerTenantId: p(req).tenantId, group: p(req).group }),
    responseDescription: 'The group, as it is now',
  });
  r({
    method: 'POST',
    url: '/v1/tenants/:tenantId/repricing-rules',
    summary:
      'A seller adds a repricing rule for one buyer (buyerTenantId), a buyer group (buyerGroup) or every buyer (neither): the price of what its price list does not price, from a basis (cost or erp) adjusted by basis points, with SKU-group overrides, from a future invoice month. A cost-based rule selling below cost is refused unless allowBelowCost',
    tags: billing,
    status: 201,
    params: TenantParams,
    body: obj({
      buyerTenantId: Type.Optional(Guid),
      buyerGroup: Type.Optional(Text(100)),
      basis: Basis,
      adjustmentBps: Bps,
      overrides: Type.Optional(
        Type.Array(
          obj({
            productIds: Type.Optional(Type.Array(Text(200), { maxItems: 1000 })),
            skuIds: Type.Optional(Type.Array(Text(200), { maxItems: 1000 })),
            basis: Basis,
            adjustmentBps: Bps,
          }),
          { maxItems: 100, description: 'The first override naming an item wins over the rule.' },
        ),
      ),
      effectiveMonth: Month('The first invoice month it applies to; after the current month'),
      allowBelowCost: Type.Optional(Type.Boolean({ description: 'Default false.' })),
    }),
    operation: { kind: 'command', run: naming(addRepricingRule, 'sellerTenantId', 'tenantId') },
    response: RepricingRule,
    input: (req) => ({ ...body(req), sellerTenantId: p(req).tenantId }),
    responseDescription: 'The rule',
  });
  r({
    method: 'GET',
    url: '/v1/tenants/:tenantId/repricing-rules',
    summary:
      "A seller's repricing rules (to the seller's billing agents and the operator), by creation then id",
    tags: billing,
    params: TenantParams,
    querystring: obj({}),
    operation: { kind: 'query', run: naming(listRepricingRules, 'sellerTenantId', 'tenantId') },
    response: RepricingRuleList,
    input: (req) => ({ sellerTenantId: p(req).tenantId }),
    responseDescription: '{ items }',
  });

  // --- Credits -----------------------------------------------------------------------------------
  r({
    method: 'POST',
    url: '/v1/subscriptions/:subscriptionId/credits',
    summary:
      'A seller on the subscription’s sales chain credits its buyer (a customerCredit line, billed at the next close), with a reason',
    tags: billing,
    status: 201,
    params: obj({ subscriptionId: Guid }),
    body: obj({
      sellerTenantId: Guid,
      amount: Decimal(2, "The credit, positive, in the subscription's currency"),
      reason: Text(500),
    }),
    operation: { kind: 'command', run: issueCredit },
    response: BillingLine,
    input: (req) => ({ ...body(req), ...p(req) }),
    responseDescription: 'The credit line (negative amounts)',
  });

  // --- Invoices ----------------------------------------------------------------------------------
  r({
    method: 'GET',
    url: '/v1/invoices',
    summary:
      "The invoices and credit notes the caller's tenant issued or received (the operator: all), by the period whose close issued them, then id; paginated",
    tags: billing,
    querystring: obj({
      period: Type.Optional(Month('Only the documents closed in this period')),
      role: Type.Optional(oneOf(['issued', 'received'] as const, 'Default both.')),
      status: Type.Optional(oneOf(INVOICE_STATUSES)),
      limit: Limit,
      cursor: Cursor,
    }),
    operation: { kind: 'query', run: listInvoices },
    response: InvoicePage,
    input: (req) =>
      defined({
        period: q(req).period,
        role: q(req).role,
        status: q(req).status,
        limit: int(q(req).limit),
        cursor: q(req).cursor,
      }),
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'GET',
    url: '/v1/invoices/:invoiceId',
    summary: 'An invoice or credit note, with its totals: to its seller, its buyer and the operator',
    tags: billing,
    params: InvoiceParams,
    querystring: obj({}),
    operation: { kind: 'query', run: getInvoice },
    response: Invoice,
    input: (req) => p(req),
    responseDescription: 'The invoice',
  });
  r({
    method: 'GET',
    url: '/v1/invoices/:invoiceId/lines',
    summary: 'The lines of an invoice or credit note, by occurrence then id, paginated',
    tags: billing,
    params: InvoiceParams,
    querystring: obj({ limit: Limit, cursor: Cursor }),
    operation: { kind: 'query', run: listInvoiceLines },
    response: BillingLinePage,
    input: (req) => defined({ ...p(req), limit: int(q(req).limit), cursor: q(req).cursor }),
    responseDescription: 'A page: { items, next }',
  });
  r({
    method: 'POST',
    url: '/v1/invoices/:invoiceId/void',
    summary:
      'The seller (or the operator) voids an issued invoice or credit note, with a reason; its number stays used. Voiding an invoice voids the credit notes issued against it. The buyer may read it but not void it',
    tags: billing,
    params: InvoiceParams,
    body: obj({ reason: Text(500) }),
    operation: { kind: 'command', run: voidInvoice },
    response: Invoice,
    input: (req) => ({ ...body(req), ...p(req) }),
    responseDescription: 'The document, void',
  });

  closeRoute(app, csp);
  exportRoutes(app, csp);
}

/** Refuses an anonymous caller, as `route()` does, before the request is validated. */
async function needsKey(req: FastifyRequest, reply: FastifyReply) {
  if (req.principal.kind === 'anonymous') {
    return sendProblem(reply, [
      violation('NOT_AUTHENTICATED', 'This route needs an API key: Authorization: Bearer <key>.', {
        remedies: ['Create one with `opencsp keys create`, or ask a global admin of your tenant.'],
      }),
    ]);
  }
}

const requestOf = (req: FastifyRequest): RequestInfo => ({
  principal: req.principal,
  requestId: String(req.id),
});

/**
 * `POST /v1/billing/close` runs `closeBillingPeriod`: what fell due is processed, then each period up
 * to the one asked is drafted, issued and recorded closed, in several transactions (each step its
 * own), so it is not one command for `route()`. An Idempotency-Key is accepted (checked like every
 * route's) but no answer is stored: closing is idempotent by itself, and a retry answers
 * `alreadyClosed: true` having done nothing more. A dry run checks the close and changes nothing.
 */
const CLOSE_ANSWER = Type.Union([CloseReport, DryRun(CloseCheck)]);

function closeRoute(app: FastifyInstance, csp: OpenCsp): void {
  app.route({
    method: 'POST',
    url: '/v1/billing/close',
    schema: {
      summary:
        'The program operator closes a billing period (a calendar month, UTC, once it has ended): every line of it goes on an invoice or credit note per (seller, buyer, currency), and they are issued with gapless numbers',
      description:
        'Runs to the end before answering: what fell due by now is processed first (renewals, cycle charges), then every earlier period with open lines is closed on the way, then the one asked. Each step is its own transaction, so an interrupted close resumes where it stopped when called again. Closing is idempotent: a period closed already answers alreadyClosed: true and changes nothing. An Idempotency-Key header is therefore accepted but no answer is stored; a retry answers alreadyClosed: true. OpenCSP-Dry-Run: true checks the close (who, and whether the period has ended) and answers { dryRun: true, value: { period, closed } }.',
      tags: ['billing'],
      body: obj({ period: Month('The month to close; it must have ended') }),
      response: {
        200: {
          ...sharedSchema(app, CLOSE_ANSWER),
          description:
            'What the close did. A dry run (OpenCSP-Dry-Run: true) answers { dryRun: true, value: { period, closed } }, having written nothing.',
        },
        '4xx': ProblemSchema,
        '5xx': ProblemSchema,
      },
    },
    config: { successSchemas: { 200: CLOSE_ANSWER } },
    preValidation: needsKey,
    handler: async (req, reply) => {
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !/^[\w.:-]{1,255}$/.test(key))) {
        return sendProblem(reply, [
          violation('INVALID_FIELD', 'Idempotency-Key must be 1–255 letters, digits, "_", "-", "." or ":".', {
            field: 'Idempotency-Key',
          }),
        ]);
      }
      const request = requestOf(req);
      const input = req.body ?? {};
      if (String(req.headers['opencsp-dry-run'] ?? '').toLowerCase() === 'true') {
        const out = await csp.query(checkClose, request, input);
        if (!out.ok) return sendProblem(reply, out.violations);
        return sendAnswer(reply, 200, { dryRun: true, value: out.value });
      }
      const out = await closeBillingPeriod(csp, request, input);
      if (!out.ok) return sendProblem(reply, out.violations);
      return sendAnswer(reply, 200, out.value);
    },
  });
}

/** The media type of each export format. */
const MEDIA = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

/**
 * The success answer of an export: text, not JSON, so it is declared per media type as a string
 * (OpenAPI `content` with `text/csv` and `application/x-ndjson`): the typed client reads it as the
 * raw text. The body is streamed, so Fastify neither serialises it nor runs `checkResponses` on it.
 */
const exportResponse = (description: string) => ({
  200: {
    description,
    content: {
      'text/csv': {
        schema: {
          type: 'string',
          description: `RFC 4180 CSV, LF line ends, a header line first: ${EXPORT_COLUMNS.join(',')}.`,
        },
      },
      'application/x-ndjson': {
        schema: {
          type: 'string',
          description: 'One JSON object per line, keyed by the CSV header’s column names.',
        },
      },
    },
  },
  '4xx': ProblemSchema,
  '5xx': ProblemSchema,
});

/** Streams an export's chunks, or answers its refusal as a problem document. */
async function sendExport(
  reply: FastifyReply,
  format: 'csv' | 'ndjson',
  filename: string,
  out: Outcome<AsyncIterable<string | Uint8Array>>,
): Promise<FastifyReply> {
  if (!out.ok) return sendProblem(reply, out.violations);
  return reply
    .code(200)
    .type(MEDIA[format])
    .header(
      'content-disposition',
      `attachment; filename="${filename}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    )
    .send(Readable.from(out.value, { objectMode: false }));
}

const COLUMNS_NOTE =
  "Rows use Partner Center's reconciliation column names where they exist (PartnerId, MPNID, ResellerMPNID, CustomerId, InvoiceNumber, ChargeType, ChargeStartDate, ChargeEndDate, UnitPrice, Quantity, Subtotal, TaxTotal, Total, Currency, ...), then OpenCSP's own (chain tier, event, source and refunded lines, margin). Deterministic: dates YYYY-MM-DD, amounts as decimal strings at the currency's exponent. Streamed in bounded memory (the rows are read a page at a time); a read error after the first bytes ends the stream early.";

function exportRoutes(app: FastifyInstance, csp: OpenCsp): void {
  const format = (req: FastifyRequest) => (q(req).format === 'ndjson' ? 'ndjson' : 'csv');
  app.route({
    method: 'GET',
    url: '/v1/invoices/:invoiceId/export',
    schema: {
      summary:
        'The reconciliation export of an invoice or credit note: its lines as CSV (text/csv) or NDJSON (application/x-ndjson), streamed; to its seller, its buyer and the operator',
      description: COLUMNS_NOTE,
      tags: ['billing'],
      params: InvoiceParams,
      querystring: Format,
      response: exportResponse('The lines, in the format asked (CSV: the header line first)'),
    },
    preValidation: needsKey,
    handler: async (req, reply) => {
      const f = format(req);
      const out = await exportInvoice(csp, requestOf(req), p(req).invoiceId as string, f);
      return sendExport(reply, f, `invoice-${p(req).invoiceId}`, out);
    },
  });
  app.route({
    method: 'GET',
    url: '/v1/billing/periods/:period/export',
    schema: {
      summary:
        "The reconciliation export of a billing period: every line of the documents closed in it (issued or void) that the caller's tenant issued or received (the operator: all), as CSV or NDJSON, streamed. A tenant with none gets the header line alone",
      description: `${COLUMNS_NOTE} Documents come by (seller, kind, number), lines by (occurred, id).`,
      tags: ['billing'],
      params: obj({ period: Month('The period whose close issued the documents') }),
      querystring: Format,
      response: exportResponse('The lines, in the format asked (CSV: the header line first)'),
    },
    preValidation: needsKey,
    handler: async (req, reply) => {
      const f = format(req);
      const period = p(req).period as string;
      return sendExport(reply, f, `billing-${period}`, await exportPeriod(csp, requestOf(req), period, f));
    },
  });
}
