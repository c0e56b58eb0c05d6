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
}

export const randomIds: IdSource = { guid: () => randomUUID() };

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
  return {
    guid() {
      const a = hex(next32());
      const b = hex(next32());
      const c = hex(next32());
      const d = hex(next32());
      // Version 4 / RFC 4122 variant bits, so the ids look like any other GUID.
      return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${((Number.parseInt(c[0] ?? '0', 16) & 0x3) | 0x8).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${d}`;
    },
  };
}
