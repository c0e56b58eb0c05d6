/**
 * Identifiers. Entities and tenants carry GUIDs (as Azure AD tenants and Partner Center resources do);
 * partner location accounts carry a numeric Partner ID (the MPN ID). Branded types keep one kind of id
 * from being passed where another is expected.
 */
import { randomUUID } from 'node:crypto';

declare const brand: unique symbol;
/** A nominal type over `T`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type OrganizationId = Brand<string, 'OrganizationId'>;
export type TenantId = Brand<string, 'TenantId'>;
export type UserId = Brand<string, 'UserId'>;
export type EnrollmentId = Brand<string, 'EnrollmentId'>;
export type AffiliateGroupId = Brand<string, 'AffiliateGroupId'>;
export type AcceptanceId = Brand<string, 'AcceptanceId'>;
export type EventId = Brand<string, 'EventId'>;
/** Numeric Partner ID (MPN ID) of a partner location account, or of the partner global account. */
export type PartnerId = Brand<number, 'PartnerId'>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a canonical 8-4-4-4-12 hexadecimal GUID. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** Where new GUIDs come from. Production uses `crypto.randomUUID`; tests and the world builder a seeded source. */
export interface IdSource {
  guid(): string;
  /**
   * A GUID that sorts (as text) after every ordered GUID this source made before: the UUID version 7
   * layout (RFC 9562) — 48 bits of time, a 12-bit counter, 62 random bits. For rows written in bulk
   * into an index keyed by their id (billing lines, ledger events, invoices): new keys land next to
   * each other, so a batch of inserts dirties a few index pages instead of one random page each.
   */
  orderedGuid(): string;
}

/**
 * Ordered GUIDs over a clock (`tick`: milliseconds, or any non-decreasing count) and a source of
 * random GUIDs (their last 62 random bits are kept). Within one tick a counter orders them; when it
 * overflows (4,096 in one tick) the tick is borrowed from the future, so the order never breaks.
 */
export function orderedGuids(tick: () => number, random: () => string): () => string {
  let last = -1;
  let counter = 0;
  return () => {
    const now = tick();
    if (now > last) {
      last = now;
      counter = 0;
    } else if (++counter > 0xfff) {
      last += 1;
      counter = 0;
    }
    const time = last.toString(16).padStart(12, '0');
    const r = random();
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${r.slice(19)}`;
  };
}

export const randomIds: IdSource = {
  guid: () => randomUUID(),
  orderedGuid: orderedGuids(Date.now, randomUUID),
};

/**
 * A deterministic GUID source: the same seed yields the same sequence, so worlds built for tests,
 * the demo and the benchmarks are reproducible.
 */
export function seededIds(seed: number): IdSource {
  // Mixed with the golden-ratio constant so seed 0 (an all-zero xorshift state) is valid and distinct.
  let state = ((seed >>> 0) ^ 0x9e3779b9) >>> 0 || 0x6d2b79f5;
  const next32 = (): number => {
    // xorshift32: fast, deterministic, good enough for ids (not for secrets).
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const guid = () => {
    const a = hex(next32());
    const b = hex(next32());
    const c = hex(next32());
    const d = hex(next32());
    // Version 4 / RFC 4122 variant bits, so the ids look like any other GUID.
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  };
  // A logical clock (one tick per id) keeps ordered ids reproducible too.
  let tick = 0;
  return { guid, orderedGuid: orderedGuids(() => tick++, guid) };
}
