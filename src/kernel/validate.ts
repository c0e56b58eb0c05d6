/**
 * Input validation for commands: parses untrusted input (from HTTP, the CLI or code) into a typed
 * value, collecting **every** problem with the offending field, and refusing fields it does not know.
 *
 * @example
 * const f = new Fields(raw);
 * const name = f.text('legalName', { max: 200 });
 * const email = f.email('email');
 * return f.finish(() => ({ name, email }));
 */
import type { Code } from '../rules/codes.ts';
import { isGuid } from './ids.ts';
import { accept, type Outcome, refuse, type Violation, violation } from './outcome.ts';
import { parseDate } from './time.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Raw = Record<string, unknown>;

export class Fields {
  readonly violations: Violation[] = [];
  private readonly raw: Raw;
  private readonly seen = new Set<string>();

  /** `prefix` is prepended to field names in messages (`address.city`). */
  constructor(
    input: unknown,
    private readonly prefix = '',
  ) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      this.raw = {};
      const path = prefix || '(body)';
      this.violations.push(violation('INVALID_FIELD', `${path} must be an object`, { field: path }));
    } else {
      this.raw = input as Raw;
    }
  }

  /** Records a violation on a field of this object. */
  fail(code: Code, field: string, message: string): undefined {
    const path = this.path(field);
    this.violations.push(violation(code, `${path} ${message}`, { field: path }));
    return undefined;
  }

  private path(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  private take(field: string, required: boolean): unknown {
    this.seen.add(field);
    const value = this.raw[field];
    if (value === undefined || value === null) {
      if (required) this.fail('REQUIRED_FIELD', field, 'is required');
      return undefined;
    }
    return value;
  }

  /** A trimmed non-empty string of at most `max` characters. */
  text(field: string, opts?: { max?: number }): string;
  text(field: string, opts: { max?: number; optional: true }): string | undefined;
  text(field: string, opts: { max?: number; optional?: boolean } = {}): string | undefined {
    const value = this.take(field, !opts.optional);
    if (value === undefined) return opts.optional ? undefined : '';
    if (typeof value !== 'string') return this.fail('INVALID_FIELD', field, 'must be a string') ?? '';
    const trimmed = value.trim();
    const max = opts.max ?? 200;
    if (trimmed.length === 0) return this.fail('REQUIRED_FIELD', field, 'must not be empty') ?? '';
    if (trimmed.length > max)
      return this.fail('INVALID_FIELD', field, `must be at most ${max} characters`) ?? '';
    return trimmed;
  }

  email(field: string): string {
    const value = this.text(field, { max: 254 });
    if (value && !EMAIL.test(value)) this.fail('INVALID_EMAIL', field, `"${value}" is not an email address`);
    return value.toLowerCase();
  }

  guid(field: string): string;
  guid(field: string, opts: { optional: true }): string | undefined;
  guid(field: string, opts: { optional?: boolean } = {}): string | undefined {
    const value = opts.optional
      ? this.text(field, { max: 36, optional: true })
      : this.text(field, { max: 36 });
    if (value && !isGuid(value)) this.fail('INVALID_GUID', field, `"${value}" is not a GUID`);
    return value?.toLowerCase();
  }

  /** One of a closed set of values; `code` chooses the refusal code (default `INVALID_FIELD`). */
  oneOf<T extends string>(field: string, values: readonly T[], opts?: { code?: Code }): T;
  oneOf<T extends string>(
    field: string,
    values: readonly T[],
    opts: { code?: Code; optional: true },
  ): T | undefined;
  oneOf<T extends string>(
    field: string,
    values: readonly T[],
    opts: { code?: Code; optional?: boolean } = {},
  ): T | undefined {
    const value = opts.optional ? this.text(field, { optional: true }) : this.text(field);
    if (value === undefined || value === '') return undefined as unknown as T;
    if (!(values as readonly string[]).includes(value)) {
      this.fail(opts.code ?? 'INVALID_FIELD', field, `"${value}" is not one of ${values.join(', ')}`);
    }
    return value as T;
  }

  /** An ISO 3166-1 alpha-2 country that is a market of the program (upper-cased). */
  country(field: string, catalogue: { market(country: string): unknown }): string {
    const value = this.text(field, { max: 2 }).toUpperCase();
    if (value && !catalogue.market(value)) {
      this.fail('UNKNOWN_COUNTRY', field, `"${value}" is not a market of any region of the program`);
    }
    return value;
  }

  /** A calendar date `YYYY-MM-DD`. */
  date(field: string, opts: { optional: true }): string | undefined {
    const value = this.text(field, { max: 10, optional: opts.optional });
    if (value !== undefined && !parseDate(value))
      this.fail('INVALID_DATE', field, `"${value}" is not a YYYY-MM-DD date`);
    return value;
  }

  /** An integer within bounds. */
  integer(field: string, opts: { min?: number; max?: number; optional: true }): number | undefined;
  integer(field: string, opts?: { min?: number; max?: number }): number;
  integer(field: string, opts: { min?: number; max?: number; optional?: boolean } = {}): number | undefined {
    const value = this.take(field, !opts.optional);
    if (value === undefined) return opts.optional ? undefined : 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return this.fail('INVALID_FIELD', field, 'must be an integer') ?? 0;
    }
    if (opts.min !== undefined && value < opts.min)
      this.fail('INVALID_FIELD', field, `must be at least ${opts.min}`);
    if (opts.max !== undefined && value > opts.max)
      this.fail('INVALID_FIELD', field, `must be at most ${opts.max}`);
    return value;
  }

  /** A JSON boolean: `"true"`, `1` and the like are refused rather than guessed at. */
  boolean(field: string, opts?: { optional?: false }): boolean;
  boolean(field: string, opts: { optional: true }): boolean | undefined;
  boolean(field: string, opts: { optional?: boolean } = {}): boolean | undefined {
    const value = this.take(field, !opts.optional);
    if (value === undefined) return opts.optional ? undefined : false;
    if (typeof value !== 'boolean')
      return this.fail('INVALID_FIELD', field, 'must be true or false') ?? false;
    return value;
  }

  /** A list of strings, each one of `values`, without duplicates. */
  list<T extends string>(field: string, values: readonly T[], opts: { code?: Code; min?: number } = {}): T[] {
    const value = this.take(field, (opts.min ?? 0) > 0);
    if (value === undefined) return [];
    if (!Array.isArray(value)) return this.fail('INVALID_FIELD', field, 'must be a list') ?? [];
    const out: T[] = [];
    value.forEach((item, i) => {
      if (typeof item !== 'string' || !(values as readonly string[]).includes(item)) {
        this.fail(
          opts.code ?? 'INVALID_FIELD',
          `${field}[${i}]`,
          `"${String(item)}" is not one of ${values.join(', ')}`,
        );
      } else if (!out.includes(item as T)) out.push(item as T);
    });
    if (out.length < (opts.min ?? 0))
      this.fail('REQUIRED_FIELD', field, `needs at least ${opts.min} value(s)`);
    return out;
  }

  /** A list of non-empty strings (each at most `maxLength`), without duplicates. */
  strings(field: string, opts: { max?: number; maxLength?: number } = {}): string[] {
    const value = this.take(field, false);
    if (value === undefined) return [];
    if (!Array.isArray(value)) return this.fail('INVALID_FIELD', field, 'must be a list') ?? [];
    if (opts.max !== undefined && value.length > opts.max)
      return this.fail('INVALID_FIELD', field, `has more than ${opts.max} items`) ?? [];
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item !== 'string' || item.trim() === '' || item.length > (opts.maxLength ?? 200))
        this.fail(
          'INVALID_FIELD',
          `${field}[${i}]`,
          `must be a non-empty string of at most ${opts.maxLength ?? 200} characters`,
        );
      else if (!out.includes(item)) out.push(item);
    });
    return out;
  }

  /** A nested object, parsed by `parse` with its own `Fields`; its violations join this one's. */
  object<T>(field: string, parse: (f: Fields) => T): T;
  object<T>(field: string, parse: (f: Fields) => T, opts: { optional: true }): T | undefined;
  object<T>(field: string, parse: (f: Fields) => T, opts: { optional?: boolean } = {}): T | undefined {
    const value = this.take(field, !opts.optional);
    if (value === undefined && opts.optional) return undefined;
    const nested = new Fields(value ?? {}, this.path(field));
    const result = parse(nested);
    nested.refuseUnknown();
    this.violations.push(...nested.violations);
    return result;
  }

  /** A list of objects (`min`–`max` items), each parsed by `parse` with its own `Fields` (`field[i].x`). */
  objects<T>(
    field: string,
    parse: (f: Fields, index: number) => T,
    opts: { min?: number; max?: number } = {},
  ): T[] {
    const value = this.take(field, (opts.min ?? 0) > 0);
    if (value === undefined) return [];
    if (!Array.isArray(value)) return this.fail('INVALID_FIELD', field, 'must be a list') ?? [];
    if (value.length < (opts.min ?? 0))
      this.fail('REQUIRED_FIELD', field, `needs at least ${opts.min} item(s)`);
    if (opts.max !== undefined && value.length > opts.max)
      return this.fail('INVALID_FIELD', field, `has more than ${opts.max} items`) ?? [];
    return value.map((item, i) => {
      const nested = new Fields(item, this.path(`${field}[${i}]`));
      const result = parse(nested, i);
      nested.refuseUnknown();
      this.violations.push(...nested.violations);
      return result;
    });
  }

  /** Refuses every field the parser did not read: a typo must not be silently ignored. */
  refuseUnknown(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) this.fail('INVALID_FIELD', key, 'is not a known field');
    }
  }

  /** Accepts the built value when no field was refused, refuses with every violation otherwise. */
  finish<T>(build: () => T): Outcome<T> {
    this.refuseUnknown();
    return this.violations.length === 0 ? accept(build()) : refuse(...this.violations);
  }
}
