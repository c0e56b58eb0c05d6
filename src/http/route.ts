/**
 * One helper turns a command or query into a route: validate (the route's JSON schema), authorize
 * (authentication here; object-level rules in the services), run in a transaction, serialise.
 * Commands honour `OpenCSP-Dry-Run: true` (evaluate, write nothing).
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Command, Query } from '../app/command.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { violation } from '../kernel/outcome.ts';
import { sendProblem } from './problem.ts';

/** The problem document, for the OpenAPI responses. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({
      description: 'Stable refusal code; see docs/error-codes.md. Clients must accept unknown codes.',
    }),
    instance: Type.String({ description: 'The request id.' }),
    violations: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          message: Type.String(),
          field: Type.Optional(Type.String()),
          scenario: Type.Optional(Type.String()),
          remedies: Type.Array(Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true },
);

/** A JSON object response (documented loosely; every field is serialised). */
export const AnyObject = (description: string) =>
  Type.Object({}, { additionalProperties: true, description });

/**
 * One of a closed set of strings, as a JSON Schema `enum`: one clear error naming the field (a
 * union of literals reports every branch) and a plain `enum` in the OpenAPI document.
 */
export const oneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({
    type: 'string',
    enum: [...values],
    description: `${description ? `${description} ` : ''}One of: ${values.join(', ')}.`,
  });

export const Guid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'A GUID',
});

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly operation:
    | { kind: 'command'; run: Command<unknown, unknown> }
    | { kind: 'query'; run: Query<unknown, unknown> };
  readonly body?: TSchema;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  /** Builds the operation's input from the request. Default: the body. */
  readonly input?: (req: FastifyRequest) => unknown;
  /** Success status (default 200; 201 for creations). */
  readonly status?: 200 | 201;
  readonly response?: string;
  /** The operation answers a JSON array rather than an object. */
  readonly returnsArray?: boolean;
  /** Self-service sign-up: no API key needed. */
  readonly anonymous?: boolean;
}

const numeric = /^\d+$/;
/** Query-string integers arrive as text: converted here, refused by the service if out of range. */
export function int(v: unknown): number | undefined {
  return typeof v === 'string' && numeric.test(v) ? Number(v) : undefined;
}

/** Drops undefined values (the services refuse explicit `undefined` as unknown input). */
export function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function route(app: FastifyInstance, csp: OpenCsp, spec: RouteSpec): void {
  const ok = spec.status ?? 200;
  app.route({
    method: spec.method,
    url: spec.url,
    schema: {
      summary: spec.summary,
      tags: [...spec.tags],
      ...(spec.body && { body: spec.body }),
      ...(spec.params && { params: spec.params }),
      ...(spec.querystring && { querystring: spec.querystring }),
      ...(spec.anonymous && { security: [] }),
      response: {
        [ok]: spec.returnsArray ? Type.Array(AnyObject('An item')) : AnyObject(spec.response ?? spec.summary),
        '4xx': ProblemSchema,
        '5xx': ProblemSchema,
      },
    },
    // Authentication before validation: an anonymous caller learns nothing about the body's shape.
    preValidation: async (req, reply) => {
      if (!spec.anonymous && req.principal.kind === 'anonymous') {
        return sendProblem(reply, [
          violation('NOT_AUTHENTICATED', 'This route needs an API key: Authorization: Bearer <key>.', {
            remedies: ['Create one with `opencsp keys create`, or ask a global admin of your tenant.'],
          }),
        ]);
      }
    },
    handler: async (req, reply) => {
      const input = spec.input ? spec.input(req) : (req.body ?? {});
      const request = { principal: req.principal, requestId: String(req.id) };
      const dryRun = String(req.headers['opencsp-dry-run'] ?? '').toLowerCase() === 'true';
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !/^[\w.:-]{1,255}$/.test(key))) {
        return sendProblem(reply, [
          violation('INVALID_FIELD', 'Idempotency-Key must be 1–255 letters, digits, "_", "-", "." or ":".', {
            field: 'Idempotency-Key',
          }),
        ]);
      }
      const scope = req.principal.kind === 'user' ? req.principal.userId : 'anonymous';
      const outcome =
        spec.operation.kind === 'command'
          ? await csp.execute(spec.operation.run, request, input, {
              dryRun,
              ...(typeof key === 'string' && { idempotencyKey: { scope, key } }),
            })
          : await csp.query(spec.operation.run, request, input);
      if (!outcome.ok) return sendProblem(reply, outcome.violations);
      if (dryRun && spec.operation.kind === 'command')
        return reply.code(200).send({ dryRun: true, value: outcome.value });
      return reply.code(ok).send(outcome.value);
    },
  });
}
