/**
 * Agreement acceptances. The partner agreement (MPA) is accepted once per region in which a partner
 * organization transacts, by a global admin of its CSP tenant; the customer agreement (MCA) is
 * accepted for a customer tenant. Acceptances are never edited: a newer version supersedes.
 */
import type { AcceptanceId, OrganizationId, TenantId, UserId } from '../kernel/ids.ts';
import type { Instant } from '../kernel/time.ts';
import type { RegionId } from '../program/regions.ts';

export const AGREEMENT_KINDS = ['partner', 'customer'] as const;
export type AgreementKind = (typeof AGREEMENT_KINDS)[number];

export interface AgreementAcceptance {
  readonly id: AcceptanceId;
  readonly agreement: AgreementKind;
  readonly version: string;
  readonly organizationId: OrganizationId;
  /** The signing CSP tenant (partner agreement) or the customer tenant (customer agreement). */
  readonly tenantId: TenantId;
  /** The region a partner agreement covers; null for the customer agreement. */
  readonly region: RegionId | null;
  readonly signer: { readonly userId: UserId | null; readonly name: string; readonly email: string };
  /** When the signer accepted: an instant, or a `YYYY-MM-DD` date for attested customer acceptances. */
  readonly acceptedAt: string;
  readonly recordedAt: Instant;
  readonly supersedesId: AcceptanceId | null;
}
