/**
 * Generates `src/client/api.generated.ts`, the types of the typed HTTP client, from the OpenAPI
 * document the app serves at `/openapi.json` (built in memory: no server, no database file).
 *
 *   npm run client:generate   # writes the file
 *   npm run client:check      # exits 1 when the file on disk differs (CI)
 *
 * Every operation becomes one entry of `Operations`, keyed `'METHOD /path/:param'` (the Fastify
 * spelling of the route), with its path params, query params, request body and success response as
 * TypeScript types converted from the JSON Schemas. `test/http/client.http.test.ts` also checks that
 * the file is current, so a route changed without regenerating fails the tests.
 *
 * JSON Schema → TypeScript: objects (required → plain, others → optional props; `additionalProperties:
 * true` or a schema → an index signature; absent → closed, as openapi-typescript does), arrays,
 * `enum`/`const` → literal unions (open, `| (string & {})`, in responses: the server may add values),
 * string/integer/number/boolean/null, `$ref` to components, `anyOf`/`oneOf` → unions, `allOf` →
 * intersections, `type: [..]` and `nullable` → unions. Anything else is `unknown`.
 *
 * A command's success response leaves out its dry-run answer `{ dryRun: true, value }`: the client
 * types a dry run as `DryRunResult<response>` itself.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openOpenCsp } from '../src/app/opencsp.ts';
import { buildApp } from '../src/http/app.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the generated types live. */
export const GENERATED_CLIENT = join(ROOT, 'src', 'client', 'api.generated.ts');

// --- The part of OpenAPI 3.1 we read ---------------------------------------------------------------

/** A JSON Schema (2020-12, as OpenAPI 3.1 embeds it), or a boolean schema. */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: JsonSchema;
}

interface MediaTypes {
  readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>>;
}

interface Operation {
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly unknown[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: MediaTypes & { readonly required?: boolean };
  readonly responses?: Readonly<Record<string, MediaTypes & { readonly description?: string }>>;
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly info?: { readonly title?: string; readonly version?: string };
  readonly paths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, JsonSchema>> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

// --- JSON Schema → TypeScript ----------------------------------------------------------------------

/** Where a type is used: requests are what we send (closed enums), responses what we read (open). */
type Position = 'request' | 'response';

interface Context {
  readonly position: Position;
  /** Component schema name → TypeScript type name. */
  readonly names: ReadonlyMap<string, string>;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name);
}

function literal(value: unknown): string | undefined {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  return undefined;
}

/** A JSDoc block (or nothing), safe against a `*\/` in the text. */
function doc(...lines: (string | undefined)[]): string {
  const text = lines
    .filter((l): l is string => typeof l === 'string' && l.trim() !== '')
    .flatMap((l) => l.split(/\r?\n/))
    .map((l) => l.replace(/\*\//g, '*\\/').trimEnd());
  if (text.length === 0) return '';
  if (text.length === 1) return `/** ${text[0]} */\n`;
  return `/**\n${text.map((l) => ` * ${l}`.trimEnd()).join('\n')}\n */\n`;
}

function union(types: readonly string[]): string {
  const unique = [...new Set(types)];
  if (unique.includes('unknown')) return 'unknown';
  const kept = unique.length > 1 ? unique.filter((t) => t !== 'never') : unique;
  if (kept.length === 0) return 'never';
  return kept.join(' | ');
}

/** Whether a type has a `|` or `&` outside any braces, brackets, parentheses or quotes. */
function compound(type: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < type.length; i++) {
    const c = type[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '{' || c === '[' || c === '(' || c === '<') depth++;
    else if (c === '}' || c === ']' || c === ')' || c === '>') depth--;
    else if (depth === 0 && (c === '|' || c === '&')) return true;
  }
  return false;
}

/** Parenthesises a union or intersection, for use as an array element or intersection part. */
function wrap(type: string): string {
  return compound(type) ? `(${type})` : type;
}

function isObjectSchema(s: JsonSchema): s is { readonly [keyword: string]: unknown } {
  return typeof s === 'object' && s !== null && !Array.isArray(s);
}

/** The TypeScript type of a JSON Schema. */
export function schemaType(schema: JsonSchema | undefined, ctx: Context): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (!isObjectSchema(schema)) return 'unknown';
  const s = schema;

  let type = baseType(s, ctx);
  if (s.nullable === true && type !== 'unknown') type = union([type, 'null']);
  return type;
}

function baseType(s: { readonly [keyword: string]: unknown }, ctx: Context): string {
  if (typeof s.$ref === 'string') {
    const match = /^#\/components\/schemas\/(.+)$/.exec(s.$ref);
    const name = match ? ctx.names.get(decodeURIComponent(match[1] as string)) : undefined;
    return name ?? 'unknown';
  }
  if ('const' in s) return literal(s.const) ?? 'unknown';
  if (Array.isArray(s.enum)) {
    const values = s.enum.map(literal);
    if (values.some((v) => v === undefined)) return 'unknown';
    const open = ctx.position === 'response' && s.enum.some((v) => typeof v === 'string');
    return union([...(values as string[]), ...(open ? ['(string & {})'] : [])]);
  }
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const branches = s[combinator];
    if (Array.isArray(branches)) {
      const { [combinator]: _, ...rest } = s;
      const others = Object.keys(rest).filter((k) => !ANNOTATIONS.has(k));
      // Sibling keywords (e.g. a shared `type`) are applied to every branch.
      return union(
        branches.map((b: JsonSchema) =>
          schemaType(others.length > 0 && isObjectSchema(b) ? { ...rest, ...b } : b, ctx),
        ),
      );
    }
  }
  if (Array.isArray(s.allOf)) {
    const { allOf, ...rest } = s;
    const parts = [
      ...(Object.keys(rest).some((k) => !ANNOTATIONS.has(k)) ? [baseType(rest, ctx)] : []),
      ...allOf.map((b: JsonSchema) => schemaType(b, ctx)),
    ].filter((t) => t !== 'unknown');
    if (parts.length === 0) return 'unknown';
    if (parts.includes('never')) return 'never';
    return parts.length === 1 ? (parts[0] as string) : parts.map(wrap).join(' & ');
  }
  if (Array.isArray(s.type)) return union(s.type.map((t: unknown) => baseType({ ...s, type: t }, ctx)));
  switch (s.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(s, ctx);
    case 'object':
      return objectType(s, ctx);
    case undefined:
      if (isObjectSchema(s.properties as JsonSchema) || 'additionalProperties' in s)
        return objectType(s, ctx);
      if ('items' in s || 'prefixItems' in s) return arrayType(s, ctx);
      return 'unknown';
    default:
      return 'unknown';
  }
}

/** Keywords that do not constrain the type (ignored when deciding whether siblings matter). */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'examples',
  'example',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$id',
  '$schema',
  '$comment',
]);

function arrayType(s: { readonly [keyword: string]: unknown }, ctx: Context): string {
  if (Array.isArray(s.prefixItems)) {
    const items = s.prefixItems.map((i: JsonSchema) => schemaType(i, ctx));
    const rest = s.items === false ? [] : [`...${wrap(schemaType(s.items as JsonSchema, ctx))}[]`];
    return `[${[...items, ...rest].join(', ')}]`;
  }
  return `${wrap(schemaType(s.items as JsonSchema | undefined, ctx))}[]`;
}

function objectType(s: { readonly [keyword: string]: unknown }, ctx: Context): string {
  const properties = isObjectSchema(s.properties as JsonSchema)
    ? Object.entries(s.properties as Record<string, JsonSchema>)
    : [];
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const members: string[] = [];
  const valueTypes: string[] = [];
  for (const [name, propertySchema] of properties) {
    const type = schemaType(propertySchema, ctx);
    const optional = !required.has(name);
    valueTypes.push(type, ...(optional ? ['undefined'] : []));
    const description = isObjectSchema(propertySchema) ? propertySchema.description : undefined;
    members.push(
      `${doc(typeof description === 'string' ? description : undefined)}${key(name)}${optional ? '?' : ''}: ${type};`,
    );
  }
  const additional = s.additionalProperties as JsonSchema | undefined;
  if (additional !== undefined && additional !== false) {
    const type = schemaType(additional, ctx);
    members.push(`[key: string]: ${type === 'unknown' ? 'unknown' : union([type, ...valueTypes])};`);
  }
  if (members.length === 0) return 'Record<string, never>';
  return `{\n${members.join('\n')}\n}`;
}

// --- The document → the generated module -----------------------------------------------------------

/** Canonical JSON (sorted keys, annotations left out) to tell two schemas apart. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([k]) => !ANNOTATIONS.has(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function jsonSchemaOf(media: MediaTypes | undefined): JsonSchema | undefined {
  const content = media?.content;
  if (!content) return undefined;
  const json =
    content['application/json'] ??
    Object.entries(content).find(([type]) => /[/+]json\b/.test(type))?.[1] ??
    Object.values(content)[0];
  return json?.schema;
}

function typeName(raw: string, taken: Set<string>): string {
  const base =
    raw
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]?.toUpperCase() + w.slice(1))
      .join('')
      .replace(/^(\d)/, '_$1') || 'Schema';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Parameters of one location as an object type (`never` when the operation has none). */
function parametersType(parameters: readonly Parameter[], where: 'path' | 'query', ctx: Context): string {
  const own = parameters.filter((p) => p.in === where);
  if (own.length === 0) return 'never';
  const members = own.map(
    (p) =>
      `${doc(p.description)}${key(p.name)}${where === 'path' || p.required ? '' : '?'}: ${schemaType(p.schema, ctx)};`,
  );
  return `{\n${members.join('\n')}\n}`;
}

/**
 * Whether a schema is a command's dry-run answer, `{ dryRun: true, value }` (`DryRun` in
 * src/http/route.ts). `response` leaves it out: the client types a dry run as `DryRunResult<response>`.
 */
function isDryRun(schema: JsonSchema | undefined): boolean {
  if (schema === undefined || !isObjectSchema(schema)) return false;
  const properties = schema.properties as JsonSchema | undefined;
  if (properties === undefined || !isObjectSchema(properties)) return false;
  const flag = properties.dryRun as JsonSchema | undefined;
  return (
    Object.keys(properties).sort(compare).join(',') === 'dryRun,value' &&
    flag !== undefined &&
    isObjectSchema(flag) &&
    (flag.const === true || (Array.isArray(flag.enum) && flag.enum.length === 1 && flag.enum[0] === true))
  );
}

/** The schema without its dry-run branch (a command answering 200 declares `anyOf: [answer, dry run]`). */
function withoutDryRun(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (schema === undefined || !isObjectSchema(schema)) return schema;
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const branches = schema[combinator];
    if (!Array.isArray(branches) || !branches.some((b: JsonSchema) => isDryRun(b))) continue;
    const kept = branches.filter((b: JsonSchema) => !isDryRun(b));
    const { [combinator]: _, ...rest } = schema;
    const only = kept[0] as JsonSchema | undefined;
    return kept.length === 1 && only !== undefined && isObjectSchema(only)
      ? { ...rest, ...only }
      : { ...rest, [combinator]: kept };
  }
  return schema;
}

/**
 * The success response: the lowest 2xx status with a body (`void` for 204 and the like), a
 * command's dry-run answer left out (a 201 command declares it as its 200; see `isDryRun`).
 */
function successResponse(op: Operation): { status: string; schema: JsonSchema | undefined; empty: boolean } {
  const statuses = Object.keys(op.responses ?? {})
    .filter((s) => /^2(\d\d|XX)$/i.test(s))
    .filter((s) => !isDryRun(jsonSchemaOf(op.responses?.[s])))
    .sort(compare);
  const status = statuses[0];
  if (status === undefined) return { status: '200', schema: undefined, empty: false };
  const response = op.responses?.[status];
  return { status, schema: withoutDryRun(jsonSchemaOf(response)), empty: !response?.content };
}

/** Renders the module (not yet formatted: see `formatSource`). */
export function renderClientTypes(document: OpenApiDocument): string {
  const taken = new Set(['Operations', 'Problem']);
  const componentNames = Object.keys(document.components?.schemas ?? {}).sort(compare);
  const names = new Map(componentNames.map((n) => [n, typeName(n, taken)]));
  const request: Context = { position: 'request', names };
  const response: Context = { position: 'response', names };

  const operations: { key: string; body: string }[] = [];
  const problems = new Map<string, JsonSchema>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const shared = Array.isArray(item.parameters) ? (item.parameters as Parameter[]) : [];
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const byName = new Map<string, Parameter>();
      for (const p of [...shared, ...(op.parameters ?? [])]) byName.set(`${p.in}:${p.name}`, p);
      const parameters = [...byName.values()];
      const route = path.replace(/\{([^}]+)\}/g, ':$1');

      const bodySchema = jsonSchemaOf(op.requestBody);
      let body = 'never';
      if (op.requestBody) {
        body = schemaType(bodySchema, request);
        if (op.requestBody.required !== true) body = union([body, 'undefined']);
      }
      const success = successResponse(op);
      const result = success.empty ? 'void' : schemaType(success.schema, response);

      for (const [status, r] of Object.entries(op.responses ?? {})) {
        if (!/^(4|5)(\d\d|XX)$/i.test(status) && status !== 'default') continue;
        const schema = jsonSchemaOf(r);
        if (schema !== undefined) problems.set(canonical(schema), schema);
      }

      const anonymous = Array.isArray(op.security) && op.security.length === 0;
      operations.push({
        key: `${method.toUpperCase()} ${route}`,
        body: [
          doc(
            op.summary,
            op.description,
            [
              op.tags?.length ? `Tags: ${op.tags.join(', ')}.` : undefined,
              `Success: ${success.status}.`,
              anonymous ? 'No API key needed.' : undefined,
            ]
              .filter(Boolean)
              .join(' '),
          ),
          `${quote(`${method.toUpperCase()} ${route}`)}: {\n`,
          `params: ${parametersType(parameters, 'path', request)};\n`,
          `query: ${parametersType(parameters, 'query', request)};\n`,
          `body: ${body};\n`,
          `response: ${result};\n`,
          '};',
        ].join(''),
      });
    }
  }
  operations.sort(
    (a, b) => compare(a.key.split(' ')[1] ?? '', b.key.split(' ')[1] ?? '') || compare(a.key, b.key),
  );

  const problemTypes = [...problems.keys()].sort(compare).map((k) => schemaType(problems.get(k), response));
  const out = [
    '/**',
    ` * The types of the OpenCSP HTTP API (${document.info?.title ?? 'OpenAPI'} ${document.info?.version ?? ''}, OpenAPI ${document.openapi}),`,
    ' * one entry of `Operations` per route. Used by `src/client/client.ts`.',
    ' *',
    ' * generated by scripts/generate-client.ts — do not edit. Run `npm run client:generate` after changing a route.',
    ' */',
    '',
    ...componentNames.map(
      (n) =>
        `${doc(`Component schema \`${n}\`.`)}export type ${names.get(n)} = ${schemaType(document.components?.schemas?.[n], response)};\n`,
    ),
    `${doc(
      'An error answer (`application/problem+json`, RFC 9457): status, title, a stable `code` and every violation.',
    )}export type Problem = ${problemTypes.length > 0 ? union(problemTypes) : '{ [key: string]: unknown }'};`,
    '',
    `${doc(
      'Every operation, keyed `METHOD /path` with Fastify-style `:params`. `never`: the operation has none.',
    )}export interface Operations {`,
    ...operations.map((o) => o.body),
    '}',
    '',
  ];
  return out.join('\n');
}

/** Formats TypeScript source with the project's Biome settings (as `npm run format` would). */
export function formatSource(source: string, path: string = GENERATED_CLIENT): string {
  const biome = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'biome.cmd' : 'biome');
  const result = spawnSync(biome, ['format', `--stdin-file-path=${relative(ROOT, path)}`], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`biome format failed (${result.status}): ${result.stderr || result.error?.message}`);
  }
  return result.stdout;
}

/** The OpenAPI document of the app, built in memory. */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const csp = await openOpenCsp({ database: ':memory:' });
  const app = await buildApp({ csp, logger: false });
  try {
    await app.ready();
    return app.swagger() as unknown as OpenApiDocument;
  } finally {
    await app.close();
    await csp.close();
  }
}

/** The generated module's text, formatted: what `api.generated.ts` must contain. */
export async function generateClientTypes(document?: OpenApiDocument): Promise<string> {
  return formatSource(renderClientTypes(document ?? (await openApiDocument())));
}

/** Whether the file on disk is current; the message says what to do when it is not. */
export async function checkClientTypes(
  document?: OpenApiDocument,
): Promise<{ current: boolean; message: string }> {
  const expected = await generateClientTypes(document);
  const shown = relative(ROOT, GENERATED_CLIENT);
  let actual: string | undefined;
  try {
    actual = readFileSync(GENERATED_CLIENT, 'utf8');
  } catch {
    actual = undefined;
  }
  return actual === expected
    ? { current: true, message: `${shown} is up to date.` }
    : {
        current: false,
        message: `${shown} is out of date with the routes' OpenAPI document: run \`npm run client:generate\`.`,
      };
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--check')) {
    const { current, message } = await checkClientTypes();
    (current ? console.log : console.error)(message);
    return current ? 0 : 1;
  }
  const text = await generateClientTypes();
  writeFileSync(GENERATED_CLIENT, text);
  const count = (text.match(/^ {2}'[A-Z]+ \//gm) ?? []).length;
  console.log(`wrote ${relative(process.cwd(), GENERATED_CLIENT)} (${count} operations)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
