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
  // The text of the time's 48 bits (`xxxxxxxx-xxxx-7`), made once per tick rather than once per id.
  let prefix = '';
  const setPrefix = () => {
    const time = last.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  };
  return () => {
    const now = tick();
    if (now > last) {
      last = now;
      counter = 0;
      setPrefix();
    } else if (++counter > 0xfff) {
      last += 1;
      counter = 0;
      setPrefix();
    }
    return `${prefix}${counter.toString(16).padStart(3, '0')}-${random().slice(19)}`;
  };
}

export const randomIds: IdSource = {
  guid: () => randomUUID(),
  orderedGuid: orderedGuids(Date.now, randomUUID),
};

/**
 * A deterministic GUID source: the same seed (and stream) yields the same sequence, so worlds built
 * for tests, the demo and the benchmarks are reproducible.
 *
 * `stream` separates sources that share a seed: the bulk world generator draws from its own
 * stream, so a world generated with seed 7 in a runtime whose ids are `seededIds(7)` does not make
 * the runtime's ids again. The generator is sfc32 (128 bits of state, seeded by splitmix32 from the
 * seed and the stream): two seeds or streams start at unrelated points of a cycle far longer than
 * any world draws. (It replaced xorshift32, whose one cycle of 2³² − 1 values every seed is a shift
 * of: a world of tens of millions of ids had about one chance in a few hundred of overlapping the
 * stream of another seed drawing ids in the same database.)
 *
 * Ordered GUIDs follow a logical clock, one tick per id from 0, unless `tick` is given: two sources
 * on logical clocks make ordered ids of the same range, so a runtime writing into a world another
 * source generated puts its new keys among the world's, in the middle of their indexes, where
 * production's (on `Date.now`) land after every older key. `tick: Date.now` gives that order.
 */
export function seededIds(seed: number, stream = 0, tick?: () => number): IdSource {
  const next32 = sfc32(seed, stream);
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
  let logical = 0;
  return { guid, orderedGuid: orderedGuids(tick ?? (() => logical++), guid) };
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator, from PractRand): unsigned 32-bit
 * values. Its state is set from `seed` and `stream` by splitmix32 and warmed up by 12 rounds, so
 * nearby seeds (0, 1, 2…) give unrelated sequences. Deterministic, not for secrets.
 */
function sfc32(seed: number, stream: number): () => number {
  let x = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x85ebca6b);
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32() ^ (stream >>> 0);
  let d = 1;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
