/**
 * The program definition: who runs it (the vendor), its regions, its agreements and its policy
 * switches. A vendor running its own CSP-like program edits data (`data/*.program.json`), not code.
 */
import type { UserRole } from '../kernel/principal.ts';
import { parseDate } from '../kernel/time.ts';
import { buildRegionCatalogue, type CountryCode, type RegionCatalogue, type RegionsFile } from './regions.ts';

export interface AddressInput {
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly state?: string;
  readonly postalCode?: string;
  readonly country: CountryCode;
}

export interface AgreementDefinition {
  readonly id: string;
  readonly name: string;
  /** Short name shown in messages: `MPA`, `MCA`. */
  readonly abbreviation: string;
  readonly version: string;
  /** `YYYY-MM-DD`: acceptance and enforcement start on this UTC date. */
  readonly effectiveDate: string;
  /** `region`: accepted once per region by a partner organization; `tenant`: once per customer tenant. */
  readonly scope: 'region' | 'tenant';
}

export type DirectBillRequirementKey =
  | 'partner-id'
  | 'authority-to-sign'
  | 'credit-check'
  | 'support-plan'
  | 'trailing-revenue'
  | 'accounts-receivable'
  | 'managed-service'
  | (string & {});

export interface DirectBillRequirementDefinition {
  readonly key: DirectBillRequirementKey;
  readonly label: string;
  readonly required: boolean;
  /** Computed from the data (e.g. the Partner ID association) rather than recorded. */
  readonly derived?: boolean;
  /** Another requirement that must be verified before this one may be recorded. */
  readonly after?: DirectBillRequirementKey;
  /** The item records an amount (the trailing revenue), compared with `minimumTrailingRevenue`. */
  readonly amount?: boolean;
}

/** How a provider–reseller partnership is ended: through a support request (the seed) or by the provider (later docs). */
export type PartnershipEndingPolicy = 'support' | 'self-service';

export const CANCELLATION_REFUND_POLICIES = ['full', 'prorated'] as const;
export type CancellationRefundPolicy = (typeof CANCELLATION_REFUND_POLICIES)[number];

export interface ProgramPolicies {
  readonly partnershipEnding: PartnershipEndingPolicy;
  readonly partnershipInvitationDays: number;
  /** Indirect orders for a reseller's customer must name the reseller as partner of record. */
  readonly requirePartnerIdOnRecord: boolean;
  /** Before the partner agreement's effective date, transacting does not require it. */
  readonly enforceMpaFromEffectiveDate: boolean;
  /** Seats may be removed and a subscription cancelled this long after purchase or renewal (Partner Center: 168 hours). */
  readonly cancellationWindowHours: number;
  /**
   * What a cancellation inside the window refunds (`cancelImmediate`): `full` (default) nets
   * every charge of the term so far to zero at every tier; `prorated` refunds the rest of the
   * current cycle from the cancellation day, as Partner Center's new-commerce examples do.
   */
  readonly cancellationRefund?: CancellationRefundPolicy;
  /**
   * How a partner prices what it resells when it has neither a price-list entry nor a repricing
   * rule for the buyer: a basis (`erp`: the suggested retail price; `cost`: what it pays) adjusted
   * by basis points. `null`: no fallback — the order is refused with `PRICE_NOT_FOUND`.
   */
  readonly defaultRepricing: { readonly basis: 'cost' | 'erp'; readonly adjustmentBps: number } | null;
}

export interface ProgramDefinition {
  readonly source: string;
  readonly id: string;
  readonly name: string;
  readonly vendor: {
    readonly legalName: string;
    readonly country: CountryCode;
    readonly domain: string;
    readonly address: AddressInput;
  };
  readonly partnerIds: { readonly first: number };
  readonly agreements: { readonly partner: AgreementDefinition; readonly customer: AgreementDefinition };
  readonly registrationIdRequiredCountries: readonly CountryCode[];
  readonly directBill: {
    readonly requirements: readonly DirectBillRequirementDefinition[];
    readonly minimumTrailingRevenue: { readonly amountMinor: number; readonly currency: string };
  };
  readonly policies: ProgramPolicies;
}

/** A loaded program: its definition plus the typed region catalogue. */
export interface Program extends ProgramDefinition {
  readonly catalogue: RegionCatalogue;
  /** Roles valid in each kind of tenant. */
  readonly rolesByTenantType: Readonly<Record<'partner' | 'customer' | 'vendor', readonly UserRole[]>>;
}

const ROLES_BY_TENANT_TYPE: Program['rolesByTenantType'] = {
  partner: ['global-admin', 'admin-agent', 'sales-agent', 'helpdesk-agent', 'billing-admin'],
  customer: ['global-admin'],
  vendor: ['global-admin', 'program-operator'],
};

/**
 * Checks a program definition against its region data and returns the loaded program.
 *
 * @throws Error naming every defect, so a vendor editing the file sees them all at once.
 */
export function buildProgram(def: ProgramDefinition, regions: RegionsFile): Program {
  const catalogue = buildRegionCatalogue(regions);
  const defects: string[] = [];
  if (!catalogue.market(def.vendor.country))
    defects.push(`vendor.country "${def.vendor.country}" is not a market`);
  for (const c of def.registrationIdRequiredCountries) {
    if (!catalogue.market(c)) defects.push(`registrationIdRequiredCountries: "${c}" is not a market`);
  }
  for (const a of [def.agreements.partner, def.agreements.customer]) {
    if (!parseDate(a.effectiveDate))
      defects.push(`agreements.${a.id}.effectiveDate "${a.effectiveDate}" is not YYYY-MM-DD`);
  }
  if (def.agreements.partner.scope !== 'region') defects.push('agreements.partner.scope must be "region"');
  if (!Number.isSafeInteger(def.partnerIds.first) || def.partnerIds.first < 1)
    defects.push('partnerIds.first must be a positive integer');
  const keys = new Set(def.directBill.requirements.map((r) => r.key));
  for (const r of def.directBill.requirements) {
    if (r.after && !keys.has(r.after))
      defects.push(`directBill requirement "${r.key}" comes after unknown "${r.after}"`);
  }
  if (!['support', 'self-service'].includes(def.policies.partnershipEnding)) {
    defects.push(
      `policies.partnershipEnding "${def.policies.partnershipEnding}" is not support | self-service`,
    );
  }
  if (!Number.isSafeInteger(def.policies.cancellationWindowHours) || def.policies.cancellationWindowHours < 0)
    defects.push('policies.cancellationWindowHours must be a whole number of hours, 0 or more');
  const refund = def.policies.cancellationRefund;
  if (refund !== undefined && !CANCELLATION_REFUND_POLICIES.includes(refund))
    defects.push(
      `policies.cancellationRefund "${refund}" is not ${CANCELLATION_REFUND_POLICIES.join(' | ')}`,
    );
  const dr = def.policies.defaultRepricing;
  if (
    dr !== null &&
    dr !== undefined &&
    (typeof dr !== 'object' ||
      !['cost', 'erp'].includes(dr.basis) ||
      !Number.isSafeInteger(dr.adjustmentBps) ||
      dr.adjustmentBps < -10_000)
  )
    defects.push(
      'policies.defaultRepricing must be null or { basis: cost | erp, adjustmentBps: integer ≥ -10000 }',
    );
  if (defects.length > 0) throw new Error(`program ${def.id}: ${defects.join('; ')}`);
  return { ...def, catalogue, rolesByTenantType: ROLES_BY_TENANT_TYPE };
}
