import type { Kysely, Selectable } from 'kysely';
import type { AcceptanceId, OrganizationId, TenantId, UserId } from '../kernel/ids.ts';
import type { AgreementAcceptancesTable, Database } from '../store/schema.ts';
import type { AgreementAcceptance, AgreementKind } from './model.ts';

type Tx = Kysely<Database>;

function toAcceptance(r: Selectable<AgreementAcceptancesTable>): AgreementAcceptance {
  return {
    id: r.id as AcceptanceId,
    agreement: r.agreement as AgreementKind,
    version: r.version,
    organizationId: r.organization_id as OrganizationId,
    tenantId: r.tenant_id as TenantId,
    region: r.region,
    signer: { userId: r.signer_user_id as UserId | null, name: r.signer_name, email: r.signer_email },
    acceptedAt: r.accepted_at,
    recordedAt: r.recorded_at,
    supersedesId: r.supersedes_id as AcceptanceId | null,
  };
}

/**
 * The current acceptances of a scope: those no later acceptance supersedes. Acceptances are
 * never edited; each new one names the one it supersedes, so "latest" does not depend on clocks.
 */
function current(tx: Tx) {
  return tx
    .selectFrom('agreement_acceptances as a')
    .selectAll('a')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('agreement_acceptances as b').select('b.id').whereRef('b.supersedes_id', '=', 'a.id'),
        ),
      ),
    );
}

/** The current partner-agreement acceptance of an organization for a region. */
export async function latestPartnerAcceptance(
  tx: Tx,
  organizationId: string,
  region: string,
): Promise<AgreementAcceptance | undefined> {
  const r = await current(tx)
    .where('a.agreement', '=', 'partner')
    .where('a.organization_id', '=', organizationId)
    .where('a.region', '=', region)
    .executeTakeFirst();
  return r && toAcceptance(r);
}

/** The current partner-agreement acceptance of an organization in every region it signed. */
export async function currentPartnerAcceptances(
  tx: Tx,
  organizationId: string,
): Promise<AgreementAcceptance[]> {
  const rows = await current(tx)
    .where('a.agreement', '=', 'partner')
    .where('a.organization_id', '=', organizationId)
    .execute();
  return rows.map(toAcceptance);
}

/** The current customer-agreement acceptance for a customer tenant. */
export async function latestCustomerAcceptance(
  tx: Tx,
  tenantId: string,
): Promise<AgreementAcceptance | undefined> {
  const r = await current(tx)
    .where('a.agreement', '=', 'customer')
    .where('a.tenant_id', '=', tenantId)
    .executeTakeFirst();
  return r && toAcceptance(r);
}

export async function listOrganizationAcceptances(
  tx: Tx,
  organizationId: string,
): Promise<AgreementAcceptance[]> {
  const rows = await tx
    .selectFrom('agreement_acceptances')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map(toAcceptance);
}

export async function getAcceptance(tx: Tx, id: string): Promise<AgreementAcceptance | undefined> {
  const r = await tx.selectFrom('agreement_acceptances').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toAcceptance(r);
}

export async function insertAcceptance(
  tx: Tx,
  a: AgreementAcceptance,
  recordedBy: string | null,
): Promise<void> {
  await tx
    .insertInto('agreement_acceptances')
    .values({
      id: a.id,
      agreement: a.agreement,
      version: a.version,
      organization_id: a.organizationId,
      tenant_id: a.tenantId,
      region: a.region,
      signer_user_id: a.signer.userId,
      signer_name: a.signer.name,
      signer_email: a.signer.email,
      accepted_at: a.acceptedAt,
      recorded_at: a.recordedAt,
      recorded_by: recordedBy,
      supersedes_id: a.supersedesId,
    })
    .execute();
}
