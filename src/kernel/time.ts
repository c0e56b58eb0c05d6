/** Time is passed in (`now`), never read from a global clock inside the domain. Stored as ISO-8601 UTC text. */

/** ISO-8601 UTC with milliseconds, e.g. `2026-11-25T01:22:00.000Z`: sorts lexicographically in every database. */
export type Instant = string;

export function toInstant(d: Date): Instant {
  return d.toISOString();
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists, or undefined. */
export function parseDate(value: string): string | undefined {
  if (!DATE.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? undefined : value;
}

/** Adds whole days to an instant. */
export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * 86_400_000);
}
