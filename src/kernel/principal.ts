/**
 * Who is acting. Every command runs on behalf of a principal; the ledger records it.
 */
import type { TenantId, UserId } from './ids.ts';

/** Roles a user may hold. Partner tenants use the first five; customer tenants `global-admin`; the vendor's staff `program-operator`. */
export const USER_ROLES = [
  'global-admin',
  'admin-agent',
  'sales-agent',
  'helpdesk-agent',
  'billing-admin',
  'program-operator',
] as const;
export type UserRole = (typeof USER_ROLES)[number];

export type Principal =
  | {
      readonly kind: 'user';
      readonly userId: UserId;
      readonly tenantId: TenantId;
      readonly roles: readonly UserRole[];
    }
  /** The system itself: migrations, the CLI's bootstrap, the clock. */
  | { readonly kind: 'system'; readonly name: string }
  /** Nobody signed in: only self-service sign-up (onboarding) accepts it. */
  | { readonly kind: 'anonymous' };

export const SYSTEM: Principal = { kind: 'system', name: 'system' };
export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function hasRole(p: Principal, role: UserRole): boolean {
  return p.kind === 'user' && p.roles.includes(role);
}

/** The vendor's staff and the system may act on anything. */
export function isOperator(p: Principal): boolean {
  return p.kind === 'system' || hasRole(p, 'program-operator');
}
