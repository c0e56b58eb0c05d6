/**
 * Building blocks of the response schemas: closed objects (every field declared, no other), named
 * ones (a component of the OpenAPI document, a named type of the typed client), nullable fields,
 * instants, pages and violations.
 *
 * The schemas say exactly what the services answer (their return types, `src/<area>/model.ts` and
 * the views in `service.ts`): `route()` makes the compiler check each operation's result type
 * against its schema, and the HTTP tests check every answer (`buildApp({ checkResponses: true })`).
 */
import { type TProperties, type TSchema, Type } from '@sinclair/typebox';

const described = (description: string | undefined) => (description === undefined ? {} : { description });

/** An object with exactly these fields, e.g. `Closed({ renewed: Type.Integer() })`. */
export const Closed = <P extends TProperties>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...described(description) });

/**
 * A closed object with a name: one component of the OpenAPI document (`#/components/schemas/<name>`)
 * and one named type of the typed client, e.g. `Named('Tenant', { id: Id, ... })`.
 */
export const Named = <P extends TProperties>(name: string, properties: P, description?: string) =>
  Type.Object(properties, { $id: name, additionalProperties: false, ...described(description) });

/** `T` or `null`. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An identifier (a GUID for entities and tenants). */
export const Id = Type.String();

/** A point in time: ISO 8601, UTC, e.g. `2025-01-31T12:00:00.000Z`. */
export const Instant = Type.String({ description: 'ISO 8601, UTC, e.g. 2025-01-31T12:00:00.000Z.' });

/** A location Partner ID (MPN ID). */
export const PartnerId = Type.Integer({ description: 'A location Partner ID (MPN ID).' });

/** Free-form JSON object (e.g. a ledger event's payload: its fields depend on the event type). */
export const JsonObject = (description: string) =>
  Type.Object({}, { additionalProperties: true, description });

/** One page of a list: `next` is the cursor of the next page, null on the last. */
export const Page = <T extends TSchema>(item: T) =>
  Closed({
    items: Type.Array(item),
    next: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last.' })),
  });

/** One reason a rule refused (in an explanation or a failed order), as in a problem document. */
export const Violation = Named('Violation', {
  code: Type.String({
    description: 'Stable refusal code; see docs/error-codes.md. Clients must accept unknown codes.',
  }),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  scenario: Type.Optional(
    Type.String({ description: 'The seed scenario or section the rule enforces, when there is one.' }),
  ),
  remedies: Type.Array(Type.String(), { description: 'Concrete next steps that clear the refusal.' }),
});
