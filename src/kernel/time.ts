/** Time is passed in (`now`), never read from a global clock inside the domain. Stored as ISO-8601 UTC text. */

/** ISO-8601 UTC with milliseconds, e.g. `2026-11-25T01:22:00.000Z`: sorts lexicographically in every database. */
export type Instant = string;

/** Instants already written out, by milliseconds (see `toInstant`). */
const written = new Map<number, Instant>();

/**
 * `d` as an `Instant`. Remembers the last few thousand: rating a month's renewals writes the same
 * few instants (now, cycle starts and ends) millions of times, and `toISOString` costs ~30 times
 * a lookup.
 */
export function toInstant(d: Date): Instant {
  const ms = d.getTime();
  let iso = written.get(ms);
  if (iso === undefined) {
    iso = d.toISOString(); // throws for an invalid date, before anything is remembered
    if (written.size >= 4096) written.clear();
    written.set(ms, iso);
  }
  return iso;
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

/** Adds whole hours to an instant. */
export function addHours(at: Date, hours: number): Date {
  return new Date(at.getTime() + hours * 3_600_000);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * Adds calendar months (UTC), keeping the time of day. The day is `anchorDay` (default: the day of
 * `at`) clamped to the target month's last day, so a term started on the 31st ends on the 30th of a
 * 30-day month, and its next renewal goes back to the 31st where the month has one.
 */
export function addMonths(at: Date, months: number, anchorDay = at.getUTCDate()): Date {
  const total = at.getUTCFullYear() * 12 + at.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(anchorDay, daysInMonth(year, month));
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      at.getUTCHours(),
      at.getUTCMinutes(),
      at.getUTCSeconds(),
      at.getUTCMilliseconds(),
    ),
  );
}
