/**
 * Outcomes of commands and decisions.
 *
 * Expected refusals (bad input, a rule of the program) are returned as values with stable codes;
 * unexpected failures are thrown. A refusal lists **every** violation found, not just the first,
 * so a caller can fix its request in one round trip.
 *
 * @example
 * const out = refuse(violation('UNKNOWN_COUNTRY', 'Country "XX" is not a market of any region.', { field: 'country' }));
 * if (!out.ok) console.log(out.violations[0].code); // UNKNOWN_COUNTRY
 */
import type { Code } from '../rules/codes.ts';

/** One reason a request was refused. `field` names the offending input, when there is one. */
export interface Violation {
  readonly code: Code;
  readonly message: string;
  readonly field?: string;
  /** The seed scenario (1–8) or section (`mpa`, `enrollment`…) the rule enforces, when there is one. */
  readonly scenario?: string;
  /** Concrete next steps a person can take to clear the refusal. */
  readonly remedies: readonly string[];
}

export interface Accepted<T> {
  readonly ok: true;
  readonly value: T;
}

export interface Refused {
  readonly ok: false;
  readonly violations: readonly Violation[];
}

/** The result of a command or a decision: accepted with a value, or refused with its violations. */
export type Outcome<T> = Accepted<T> | Refused;

/** Builds a violation; `remedies` default to none. */
export function violation(
  code: Code,
  message: string,
  extra: { field?: string | undefined; scenario?: string | undefined; remedies?: readonly string[] } = {},
): Violation {
  const v: { -readonly [K in keyof Violation]: Violation[K] } = {
    code,
    message,
    remedies: extra.remedies ?? [],
  };
  if (extra.field !== undefined) v.field = extra.field;
  if (extra.scenario !== undefined) v.scenario = extra.scenario;
  return v;
}

export function accept<T>(value: T): Accepted<T> {
  return { ok: true, value };
}

/** Refuses with one or more violations. An empty list is a programming error. */
export function refuse(...violations: readonly Violation[]): Refused {
  if (violations.length === 0) throw new Error('refuse() needs at least one violation');
  return { ok: false, violations };
}

/** Accepts `value` when `violations` is empty, refuses with all of them otherwise. */
export function decide<T>(violations: readonly Violation[], value: () => T): Outcome<T> {
  return violations.length === 0 ? accept(value()) : refuse(...violations);
}
