/**
 * A typed client of the OpenCSP HTTP API. Its types come from the OpenAPI document
 * (`api.generated.ts`, written by `npm run client:generate`), so a call names an operation as
 * `'METHOD /path/:param'` and the compiler checks its path params, query, body and the answer.
 *
 * It speaks to a server over `fetch` (a `baseUrl`), or to a Fastify app in the same process through
 * `app.inject()` (the `inject` option: tests need no port).
 *
 * @example
 * const api = createClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.OPENCSP_API_KEY });
 * const res = await api.request('GET /v1/tenants/:tenantId/standing', {
 *   params: { tenantId },
 *   query: { region: 'europe' },
 * });
 * if (res.ok) console.log(res.data.mayTransact);
 * else console.error(res.problem.code, res.problem.violations.map((v) => v.message));
 *
 * // In a test, over app.inject(), with an Idempotency-Key:
 * const api = createClient({ inject: app, apiKey });
 * const created = unwrap(await api.request('POST /v1/partnerships', { body, idempotencyKey: 'invite-1' }));
 */
import type { Operations, Problem } from './api.generated.ts';

export type { Operations, Problem } from './api.generated.ts';

/** An operation, `'METHOD /path/:param'`. */
export type OperationKey = keyof Operations;
export type PathParams<K extends OperationKey> = Operations[K]['params'];
export type QueryParams<K extends OperationKey> = Operations[K]['query'];
export type RequestBody<K extends OperationKey> = Operations[K]['body'];
export type ResponseBody<K extends OperationKey> = Operations[K]['response'];

/** The answer to a command sent with `dryRun: true`: what it would have returned; nothing written. */
export interface DryRunResult<T> {
  readonly dryRun: true;
  readonly value: T;
}

/** Header-borne options of any call. */
export interface CallOptions {
  /** `Idempotency-Key`: a retry with the same key and body answers the first result. */
  readonly idempotencyKey?: string;
  /** `MS-RequestId` / `X-Request-Id`: echoed back and quoted in problems (`instance`). */
  readonly requestId?: string;
  /** Overrides the client's API key for this call; `null` sends none. */
  readonly apiKey?: string | null;
  /** More request headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One part of a call: absent (`never`) → may not be given; optional (`T | undefined`, or a query of
 * optional params only) → may be left out; otherwise required.
 */
type Part<Name extends string, T, EmptyIsOptional extends boolean> = [T] extends [never]
  ? { readonly [P in Name]?: never }
  : undefined extends T
    ? { readonly [P in Name]?: Exclude<T, undefined> }
    : EmptyIsOptional extends true
      ? Record<string, never> extends T
        ? { readonly [P in Name]?: T }
        : { readonly [P in Name]: T }
      : { readonly [P in Name]: T };

/** What a call of `K` takes: its path params, query and body, when it has them, and the options. */
export type RequestArgs<K extends OperationKey> = Part<'params', PathParams<K>, false> &
  Part<'query', QueryParams<K>, true> &
  Part<'body', RequestBody<K>, false> &
  CallOptions;

/** `args` may be left out when nothing in it is required. */
type ArgsOf<K extends OperationKey, Extra> =
  Record<string, never> extends RequestArgs<K>
    ? [args?: RequestArgs<K> & Extra]
    : [args: RequestArgs<K> & Extra];

/** A success (`ok`, `data`) or a refusal (`problem`, RFC 9457 with every violation). */
export type ApiResult<T> =
  | {
      readonly ok: true;
      readonly status: number;
      readonly data: T;
      readonly problem: undefined;
      /** Response headers, lower-case names. */
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly ok: false;
      readonly status: number;
      readonly data: undefined;
      readonly problem: Problem;
      readonly headers: Readonly<Record<string, string>>;
    };

/** What `inject` needs of a Fastify instance (structural: the client does not depend on Fastify). */
export interface InjectTarget {
  inject(options: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }): PromiseLike<{
    statusCode: number;
    headers: Record<string, string | string[] | number | undefined>;
    body: string;
  }>;
}

export interface ClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080` (with `fetch`). Ignored with `inject`. */
  readonly baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** The fetch implementation (default: the global `fetch`). */
  readonly fetch?: typeof globalThis.fetch;
  /** A Fastify app to call through `app.inject()` instead of the network. */
  readonly inject?: InjectTarget;
  /** Headers sent with every call. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Client {
  /**
   * Sends `OpenCSP-Dry-Run: true`: a command is evaluated, nothing is written, and a success answers
   * `{ dryRun: true, value }` with status 200. (A query ignores the header and answers as usual.)
   */
  request<K extends OperationKey>(
    op: K,
    args: RequestArgs<K> & { readonly dryRun: true },
  ): Promise<ApiResult<DryRunResult<ResponseBody<K>>>>;
  /** Calls operation `op`. Resolves with the answer (success or problem); rejects only when the transport fails. */
  request<K extends OperationKey>(
    op: K,
    ...args: ArgsOf<K, { readonly dryRun?: false }>
  ): Promise<ApiResult<ResponseBody<K>>>;
  /** The same client acting with another API key (`undefined`: none). */
  withApiKey(apiKey: string | undefined): Client;
}

/** Thrown by `unwrap` when the answer is a problem. */
export class ApiProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(
      `${status} ${problem.code}: ${problem.violations.map((v) => `${v.code}${v.field ? ` (${v.field})` : ''}: ${v.message}`).join('; ') || problem.detail}`,
    );
    this.name = 'ApiProblemError';
  }
}

/** The data of a success, or throws `ApiProblemError` with the problem's codes and messages. */
export function unwrap<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new ApiProblemError(result.status, result.problem);
  return result.data;
}

/** `/v1/organizations/:organizationId` + `{ organizationId: 'a/b' }` → `/v1/organizations/a%2Fb`. */
export function fillPath(template: string, params: Readonly<Record<string, unknown>> = {}): string {
  return template.replace(/:([A-Za-z_$][\w$]*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === null || value === '')
      throw new Error(`Path parameter "${name}" is missing for ${template}`);
    return encodeURIComponent(String(value));
  });
}

/** `?a=1&b=x&b=y` from an object (undefined values left out, arrays repeated); `''` when empty. */
export function queryString(query: Readonly<Record<string, unknown>> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).code === 'string' &&
    Array.isArray((body as Problem).violations)
  );
}

/** A problem for an error answer that is not one (a proxy's HTML page, an empty 502…). */
function syntheticProblem(status: number, text: string, requestId: string | undefined): Problem {
  return {
    type: 'about:blank',
    title: `HTTP ${status}`,
    status,
    detail: text.slice(0, 500),
    code: `HTTP_${status}`,
    instance: requestId ?? '',
    violations: [],
  };
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

function parse<T>(raw: RawAnswer): ApiResult<T> {
  const type = raw.headers['content-type'] ?? '';
  let body: unknown;
  if (raw.text !== '' && /[/+]json\b/.test(type)) {
    try {
      body = JSON.parse(raw.text);
    } catch {
      body = undefined;
    }
  }
  const base = { status: raw.status, headers: raw.headers };
  if (raw.status >= 200 && raw.status < 300) {
    // A text answer (the CSV and NDJSON exports, declared as a string): the text itself.
    const data = body === undefined && raw.text !== '' && !/[/+]json\b/.test(type) ? raw.text : body;
    return { ...base, ok: true, data: data as T, problem: undefined };
  }
  const problem = isProblem(body)
    ? body
    : syntheticProblem(raw.status, raw.text, raw.headers['x-request-id'] ?? raw.headers['ms-requestid']);
  return { ...base, ok: false, data: undefined, problem };
}

/**
 * A client of the API.
 *
 * @example
 * const api = createClient({ inject: app, apiKey });
 * const res = await api.request('POST /v1/organizations/:organizationId/partner-tenants', {
 *   params: { organizationId },
 *   body: { country: 'DE', tenant: { domain: 'x.onmicrosoft.example' }, globalAdmin: { email, displayName } },
 *   idempotencyKey: 'tenant-de-1',
 * });
 * if (!res.ok) console.log(res.problem.violations);
 */
export function createClient(options: ClientOptions = {}): Client {
  const transport = options.inject ? injectTransport(options.inject) : fetchTransport(options);
  const send = async (op: string, args: AnyArgs = {}): Promise<ApiResult<unknown>> => {
    const space = op.indexOf(' ');
    const method = op.slice(0, space) as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    const url = fillPath(op.slice(space + 1), args.params) + queryString(args.query);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      ...args.headers,
    };
    const apiKey = args.apiKey === undefined ? options.apiKey : args.apiKey;
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (args.idempotencyKey !== undefined) headers['idempotency-key'] = args.idempotencyKey;
    if (args.requestId !== undefined) headers['x-request-id'] = args.requestId;
    if (args.dryRun) headers['opencsp-dry-run'] = 'true';
    let payload: string | undefined;
    if (args.body !== undefined) {
      payload = JSON.stringify(args.body);
      headers['content-type'] = 'application/json';
    }
    return parse(await transport({ method, url, headers, ...(payload !== undefined && { payload }) }));
  };
  return {
    request: send as unknown as Client['request'],
    withApiKey: (apiKey) => {
      const { apiKey: _, ...rest } = options;
      return createClient(apiKey === undefined ? rest : { ...rest, apiKey });
    },
  };
}

/** The arguments as the implementation sees them. */
interface AnyArgs extends CallOptions {
  readonly params?: Readonly<Record<string, unknown>>;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  readonly dryRun?: boolean;
}

type Transport = (req: {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  payload?: string;
}) => Promise<RawAnswer>;

function injectTransport(app: InjectTarget): Transport {
  return async (req) => {
    const res = await app.inject(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined)
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: res.statusCode, headers, text: res.body };
  };
}

function fetchTransport(options: ClientOptions): Transport {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  return async (req) => {
    if (!base) throw new Error('createClient: give `baseUrl` (with fetch) or `inject`.');
    const res = await fetchFn(`${base}${req.url}`, {
      method: req.method,
      headers: req.headers,
      ...(req.payload !== undefined && { body: req.payload }),
    });
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: res.status, headers, text: await res.text() };
  };
}
