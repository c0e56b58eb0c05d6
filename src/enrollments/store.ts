import type { Kysely, Selectable } from 'kysely';
import type { EnrollmentId, TenantId } from '../kernel/ids.ts';
import type { Database, EnrollmentsTable } from '../store/schema.ts';
import {
  type DirectBillRequirement,
  type Enrollment,
  type EnrollmentStatus,
  OPEN_STATUSES,
  type ProgramRole,
  type RequirementStatus,
} from './model.ts';

type Tx = Kysely<Database>;

function toEnrollment(r: Selectable<EnrollmentsTable>): Enrollment {
  return {
    id: r.id as EnrollmentId,
    tenantId: r.tenant_id as TenantId,
    role: r.role as ProgramRole,
    status: r.status as EnrollmentStatus,
    submittedAt: r.submitted_at,
    updatedAt: r.updated_at,
    reason: r.reason,
  };
}

export async function getEnrollment(tx: Tx, id: string): Promise<Enrollment | undefined> {
  const r = await tx.selectFrom('enrollments').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toEnrollment(r);
}

/** Every enrollment of a tenant, oldest first. */
export async function listTenantEnrollments(tx: Tx, tenantId: string): Promise<Enrollment[]> {
  const rows = await tx
    .selectFrom('enrollments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('submitted_at')
    .orderBy('id')
    .execute();
  return rows.map(toEnrollment);
}

export async function findOpenEnrollment(
  tx: Tx,
  tenantId: string,
  role: ProgramRole,
): Promise<Enrollment | undefined> {
  const r = await tx
    .selectFrom('enrollments')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('role', '=', role)
    .where('status', 'in', OPEN_STATUSES)
    .executeTakeFirst();
  return r && toEnrollment(r);
}

/** Qualified enrollments of the organization's tenants located in the given countries. */
export async function listQualifiedInCountries(
  tx: Tx,
  organizationId: string,
  countries: readonly string[],
): Promise<Enrollment[]> {
  if (countries.length === 0) return [];
  const rows = await tx
    .selectFrom('enrollments')
    .innerJoin('tenants', 'tenants.id', 'enrollments.tenant_id')
    .selectAll('enrollments')
    .where('tenants.organization_id', '=', organizationId)
    .where('tenants.country', 'in', countries)
    .where('enrollments.status', '=', 'qualified')
    .orderBy('enrollments.submitted_at')
    .execute();
  return rows.map(toEnrollment);
}

export async function insertEnrollment(tx: Tx, e: Enrollment, submittedBy: string | null): Promise<void> {
  await tx
    .insertInto('enrollments')
    .values({
      id: e.id,
      tenant_id: e.tenantId,
      role: e.role,
      status: e.status,
      submitted_at: e.submittedAt,
      submitted_by: submittedBy,
      updated_at: e.updatedAt,
      reason: e.reason,
    })
    .execute();
}

export async function updateEnrollmentStatus(
  tx: Tx,
  id: string,
  status: EnrollmentStatus,
  at: string,
  reason: string | null,
): Promise<void> {
  await tx.updateTable('enrollments').set({ status, updated_at: at, reason }).where('id', '=', id).execute();
}

export async function listRequirements(tx: Tx, enrollmentId: string): Promise<DirectBillRequirement[]> {
  const rows = await tx
    .selectFrom('direct_bill_requirements')
    .selectAll()
    .where('enrollment_id', '=', enrollmentId)
    .orderBy('item')
    .execute();
  return rows.map((r) => ({
    item: r.item,
    status: r.status as RequirementStatus,
    evidence: r.evidence,
    amountMinor: r.amount_minor === null ? null : Number(r.amount_minor),
    currency: r.currency,
    recordedAt: r.recorded_at,
    verifiedAt: r.verified_at,
  }));
}

export async function upsertRequirement(
  tx: Tx,
  enrollmentId: string,
  r: {
    item: string;
    evidence: string | null;
    amountMinor: number | null;
    currency: string | null;
    at: string;
    by: string | null;
  },
): Promise<void> {
  await tx
    .deleteFrom('direct_bill_requirements')
    .where('enrollment_id', '=', enrollmentId)
    .where('item', '=', r.item)
    .execute();
  await tx
    .insertInto('direct_bill_requirements')
    .values({
      enrollment_id: enrollmentId,
      item: r.item,
      status: 'claimed',
      evidence: r.evidence,
      amount_minor: r.amountMinor,
      currency: r.currency,
      recorded_at: r.at,
      recorded_by: r.by,
      verified_at: null,
      verified_by: null,
    })
    .execute();
}

export async function setRequirementStatus(
  tx: Tx,
  enrollmentId: string,
  item: string,
  status: RequirementStatus,
  at: string,
  by: string | null,
): Promise<void> {
  await tx
    .updateTable('direct_bill_requirements')
    .set({ status, verified_at: at, verified_by: by })
    .where('enrollment_id', '=', enrollmentId)
    .where('item', '=', item)
    .execute();
}
