/**
 * The HTTP API: a thin transport over the same services. `buildApp` returns a Fastify instance
 * without listening, so tests drive it through `app.inject()`.
 *
 * Every request gets a request id (the caller's `MS-RequestId` / `MS-CorrelationId` / `X-Request-Id`
 * when given, echoed back); every error is `application/problem+json`; request bodies are validated
 * against the route's JSON schema (unknown fields and wrong types → 400 naming the field); the
 * OpenAPI 3.1 document generated from the route schemas is served at `/openapi.json`, the named
 * response schemas (`./schemas/`) as its components.
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { type TSchema, TypeGuard } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { authenticate } from '../api-keys/service.ts';
import type { OpenCsp } from '../app/opencsp.ts';
import { type Violation, violation } from '../kernel/outcome.ts';
import { ANONYMOUS, type Principal } from '../kernel/principal.ts';
import type { Code } from '../rules/codes.ts';
import { registerMetrics } from './metrics.ts';
import { sendProblem } from './problem.ts';
import { createRateLimiter, type RateLimitOptions, rateLimited } from './rate-limit.ts';
import { registerRoutes } from './routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface AppOptions {
  readonly csp: OpenCsp;
  /** pino options, or false (tests). Default: JSON logs at `info`. */
  readonly logger?: boolean | { level: string };
  /** Per API key (anonymous: per address). Default 600 requests a minute. */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Checks every success answer against its route's declared response schema before it is sent,
   * and answers a 500 naming every mismatch instead (also written to stderr). For tests: the HTTP
   * suite runs with it, so each schema is proven against what the services really answer.
   * Default false.
   */
  readonly checkResponses?: boolean;
}

/** A success answer its route's response schema does not admit (`checkResponses`). */
class ResponseSchemaMismatch extends Error {
  override readonly name = 'ResponseSchemaMismatch';
}

/**
 * The `checkResponses` hook: the payload as the client will read it (a JSON round trip) against the
 * schema declared for the status; a `/v1` route without one fails too.
 */
function checkResponse(req: FastifyRequest, reply: { readonly statusCode: number }, payload: unknown): void {
  if (reply.statusCode < 200 || reply.statusCode >= 300) return;
  const where = `${req.method} ${req.routeOptions.url ?? req.url} → ${reply.statusCode}`;
  const schema = req.routeOptions.config.successSchemas?.[reply.statusCode];
  if (!schema) {
    if (req.url.startsWith('/v1/'))
      throw new ResponseSchemaMismatch(`${where}: no response schema declared.`);
    return;
  }
  const wire: unknown = JSON.parse(JSON.stringify(payload) ?? 'null');
  if (Value.Check(schema, wire)) return;
  const errors = mismatches(schema, wire).map(
    (e) => `  ${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)?.slice(0, 200)})`,
  );
  throw new ResponseSchemaMismatch(
    `${where}: the answer does not match the declared response schema:\n${errors.join('\n')}`,
  );
}

/** Why `value` fails `schema`: for a union (an answer or its dry run), the errors of the closest branch. */
function mismatches(schema: TSchema, value: unknown): ValueError[] {
  const all = (s: TSchema) => [...Value.Errors(s, value)].slice(0, 20);
  if (!TypeGuard.IsUnion(schema)) return all(schema);
  return schema.anyOf.map(all).sort((a, b) => a.length - b.length)[0] ?? [];
}

const REQUEST_ID_HEADERS = ['ms-requestid', 'ms-correlationid', 'x-request-id'] as const;
const SAFE_ID = /^[\w.:-]{1,128}$/;

/** Turns a Fastify/ajv validation error into violations naming the field. */
function validationViolations(error: FastifyError): Violation[] {
  return (error.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    // JSON pointer `/lines/0/quantity` → `lines[0].quantity`, the path the services name.
    const base = (v.instancePath ?? '')
      .replace(/^\//, '')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
      .join('')
      .replace(/^\./, '');
    const join = (name: unknown) => [base, String(name)].filter(Boolean).join('.');
    const where = error.validationContext ?? 'body';
    let code: Code = 'INVALID_FIELD';
    let field = base || where;
    let message = `${field} ${v.message ?? 'is invalid'}`;
    if (v.keyword === 'required') {
      code = 'REQUIRED_FIELD';
      field = join(params.missingProperty);
      message = `${field} is required`;
    } else if (v.keyword === 'additionalProperties') {
      field = join(params.additionalProperty);
      message = `${field} is not a known field`;
    }
    return violation(code, message, { field });
  });
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { csp } = options;
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    genReqId: (req) => {
      for (const h of REQUEST_ID_HEADERS) {
        const v = req.headers[h];
        if (typeof v === 'string' && SAFE_ID.test(v)) return v;
      }
      return randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenCSP API',
        version: '0.1.0',
        description:
          'Who may sell what to whom in a multi-tier cloud channel, and the ledger of what they did. Errors are application/problem+json with a stable `code`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    // The shared (named) response schemas become components under their own name (default: def-N).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });

  // A getter/setter-free default: each request starts anonymous until its API key is checked.
  // The browsable docs page (assets bundled, no network needed).
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  app.decorateRequest('principal', null as never);
  const metrics = registerMetrics(app);
  const limit = createRateLimiter(options.rateLimit ?? { max: 600, windowMs: 60_000 });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string' && payload.startsWith('{"type":')) {
      try {
        metrics.refused(
          (JSON.parse(payload) as { violations: { code: string }[] }).violations.map((v) => v.code),
        );
      } catch {
        // Not a problem document after all.
      }
    }
    return payload;
  });
  if (options.checkResponses) {
    app.addHook('preSerialization', async (req, reply, payload) => {
      checkResponse(req, reply, payload);
      return payload;
    });
  }
  app.addHook('onRequest', async (req, reply) => {
    req.principal = ANONYMOUS;
    reply.header('ms-requestid', req.id);
    reply.header('x-request-id', req.id);
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const principal = await authenticate(csp.store.db, auth.slice('Bearer '.length).trim());
      if (!principal) {
        return sendProblem(reply, [
          violation('NOT_AUTHENTICATED', 'The API key is unknown, malformed or revoked.', {
            remedies: ['Create a key with `opencsp keys create` or ask a global admin of your tenant.'],
          }),
        ]);
      }
      req.principal = principal;
    }
    if (
      req.url === '/healthz' ||
      req.url === '/readyz' ||
      req.url === '/metrics' ||
      req.url.startsWith('/docs')
    )
      return;
    const who = req.principal.kind === 'user' ? `user:${req.principal.userId}` : `ip:${req.ip}`;
    const decision = limit(who);
    if (!decision.allowed) {
      reply.header('retry-after', String(decision.retryAfterSeconds));
      return sendProblem(reply, [rateLimited(decision.retryAfterSeconds)]);
    }
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    if (error.validation) return sendProblem(reply, validationViolations(error));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendProblem(reply, [
        violation('UNSUPPORTED_MEDIA_TYPE', 'Send a JSON body with Content-Type: application/json.'),
      ]);
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, [
        violation('INVALID_FIELD', `The request could not be read: ${error.message}`, { field: '(body)' }),
      ]);
    }
    if (error instanceof ResponseSchemaMismatch) {
      // Only with `checkResponses` (tests): loud, and the details in the answer.
      console.error(error.message);
      return sendProblem(reply, [violation('INTERNAL_ERROR', error.message)]);
    }
    req.log.error({ err: error, requestId: req.id }, 'unexpected error');
    return sendProblem(reply, [violation('INTERNAL_ERROR', `Unexpected error; quote request id ${req.id}.`)]);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, [
      violation('ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`, {
        remedies: ['See /openapi.json.'],
      }),
    ]),
  );

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await sql`SELECT 1`.execute(csp.store.db);
      return { status: 'ready', database: csp.store.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  registerRoutes(app, csp);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
