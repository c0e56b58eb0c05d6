/**
 * One helper turns a command or query into a route: validate (the route's JSON schema), authorize
 * (authentication here; object-level rules in the services), run in a transaction, serialise.
 * Commands honour `OpenCSP-Dry-Run: true` (evaluate, write nothing).
 *
 * Every route declares its success answer (`response`, schemas in `./schemas/`): exactly what the
 * operation returns, closed objects, so the OpenAPI document and the typed client describe real
 * fields. The compiler checks the operation's result type against the schema (`route`'s type
 * parameters) and `buildApp({ checkResponses: true })` checks every answer of the HTTP tests.
 *
 * Success answers are serialised with `JSON.stringify`, not with the schema: fast-json-stringify
 * drops the fields a schema does not declare and throws (a 500) on a missing required field or an
 * object no branch of a union admits, so a schema that fell behind a service would lose data or
 * fail in production. The schemas document and the tests prove; the wire carries what the service
 * answered. (Problem documents keep the schema serialiser: their shape is fixed here.)
 */
import { Kind, type Static, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** The TypeBox kind of `oneOf`, so `Value.Check` (the response check) knows how to check one. */
const STRING_ENUM = 'OpenCspStringEnum';

/**
 * One of a closed set of strings, as a JSON Schema `enum`: one clear error naming the field (a
 * union of literals reports every branch) and a plain `enum` in the OpenAPI document (the typed
 * client reads a response's enum as open: the server may add values).
 */
export const oneOf = <T extends string>(values: readonly T[], description?: string) => {
  if (!TypeRegistry.Has(STRING_ENUM)) {
    TypeRegistry.Set<{ enum: readonly unknown[] }>(
      STRING_ENUM,
      (schema, value) => typeof value === 'string' && schema.enum.includes(value),
    );
  }
  return Type.Unsafe<T>({
    [Kind]: STRING_ENUM,
    type: 'string',
    enum: [...values],
    description: `${description ? `${description} ` : ''}One of: ${values.join(', ')}.`,
  });
};

/**
 * A command's answer to a dry run (`OpenCSP-Dry-Run: true`): what it would have answered; nothing
 * was written. Always status 200.
 */
export const DryRun = <T extends TSchema>(value: T) =>
  Type.Object(
    { dryRun: Type.Literal(true), value },
    {
      additionalProperties: false,
      description:
        'A dry run (OpenCSP-Dry-Run: true): what the command would have answered; nothing was written.',
    },
  );

/**
 * What the compiler accepts as an answer of `schema`: its static type, read-only all the way down
 * (the services answer read-only models).
 */
export type Answer<S extends TSchema> = DeepReadonly<Static<S>>;
type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The success answers of a route, by status: what `checkResponses` checks a payload against. */
export type SuccessSchemas = Readonly<Record<number, TSchema>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's declared success answers (TypeBox, before hoisting), by status. */
    successSchemas?: SuccessSchemas;
  }
}

export const Guid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  description: 'A GUID',
});

/**
 * A route. `O`, the operation's result, must be an answer of `S`, the response schema: a field the
 * service answers with another type, or a nullable one the schema says is always there, fails to
 * compile. (A field the schema lacks does not: `checkResponses` finds those.)
 */
export interface RouteSpec<S extends TSchema = TSchema, O extends Answer<S> = Answer<S>> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly operation:
    | { kind: 'command'; run: Command<unknown, O> }
    | { kind: 'query'; run: Query<unknown, O> };
  readonly body?: TSchema;
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  /** Builds the operation's input from the request. Default: the body. */
  readonly input?: (req: FastifyRequest) => unknown;
  /** Success status (default 200; 201 for creations). */
  readonly status?: 200 | 201;
  /**
   * The success answer: exactly what the operation returns (see `./schemas/`). A command's route
   * also declares its dry-run answer, `{ dryRun: true, value }` with status 200.
   */
  readonly response: S;
  /** The success answer in words, for the OpenAPI document (default: the summary). */
  readonly responseDescription?: string;
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

/**
 * The success answers of an operation by status: a query answers its schema; a command answers it
 * too, and a dry run's envelope with status 200 (for a 200 command: either, as a union).
 */
export function successSchemas(
  kind: 'command' | 'query',
  status: 200 | 201,
  response: TSchema,
): SuccessSchemas {
  if (kind === 'query') return { [status]: response };
  if (status === 200) return { 200: Type.Union([response, DryRun(response)]) };
  return { [status]: response, 200: DryRun(response) };
}

/** The named schemas (`$id`) already added to each app, to catch two schemas of one name. */
const shared = new WeakMap<FastifyInstance, Map<string, object>>();

/**
 * The schema as Fastify gets it: each named subschema (`$id`: a component of the OpenAPI document)
 * added once with `app.addSchema` and replaced by a `$ref` to it. Inline, the same `$id` twice in
 * one response (an entity and its dry-run envelope) would stop the serialiser compiling.
 */
export function sharedSchema(app: FastifyInstance, schema: TSchema): Record<string, unknown> {
  let known = shared.get(app);
  if (!known) {
    known = new Map();
    shared.set(app, known);
  }
  const names = known;
  const walk = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, false));
    if (typeof node !== 'object' || node === null) return node;
    const s = node as Record<string, unknown>;
    if (!root && typeof s.$id === 'string') {
      const seen = names.get(s.$id);
      if (seen === undefined) {
        names.set(s.$id, s);
        app.addSchema(walk(s, true) as { $id: string });
      } else if (seen !== s) {
        throw new Error(`Two different response schemas are named ${s.$id}.`);
      }
      return { $ref: s.$id };
    }
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, walk(v, false)]));
  };
  return walk(schema, false) as Record<string, unknown>;
}

/** The OpenAPI response descriptions of a route's success statuses. */
function describe(
  kind: 'command' | 'query',
  status: 200 | 201,
  what: string,
): Readonly<Record<number, string>> {
  const dry = 'A dry run (OpenCSP-Dry-Run: true) answers { dryRun: true, value }, having written nothing.';
  if (kind === 'query') return { [status]: what };
  if (status === 200) return { 200: `${what}. ${dry}` };
  return { [status]: what, 200: dry };
}

/** Registers the route: `S` and `O` are inferred, and `O` must be an answer of `S` (see `RouteSpec`). */
export function route<S extends TSchema, O extends Answer<S>>(
  app: FastifyInstance,
  csp: OpenCsp,
  spec: RouteSpec<S, O>,
): void {
  const ok = spec.status ?? 200;
  const success = successSchemas(spec.operation.kind, ok, spec.response);
  const descriptions = describe(spec.operation.kind, ok, spec.responseDescription ?? spec.summary);
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
        ...Object.fromEntries(
          Object.entries(success).map(([status, schema]) => [
            status,
            { ...sharedSchema(app, schema), description: descriptions[Number(status)] },
          ]),
        ),
        '4xx': ProblemSchema,
        '5xx': ProblemSchema,
      },
    },
    config: { successSchemas: success },
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
        return sendAnswer(reply, 200, { dryRun: true, value: outcome.value });
      return sendAnswer(reply, ok, outcome.value);
    },
  });
}

/** `route` bound to an app and a runtime, for a routes module: `const r = router(app, csp)`. */
export function router(app: FastifyInstance, csp: OpenCsp) {
  return <S extends TSchema, O extends Answer<S>>(spec: RouteSpec<S, O>): void => route(app, csp, spec);
}

/** Sends a success answer as the service gave it (`JSON.stringify`; see the module comment). */
export function sendAnswer(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').serializer(JSON.stringify).send(value);
}
