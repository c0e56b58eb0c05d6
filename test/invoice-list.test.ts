/**
 * The invoice list (`listInvoices`, GET /v1/invoices): each party pages the documents it issues and
 * receives — credit notes under the period that closes them — in (closed in, id) order, and every
 * page is one ordered index range (migration 0021), not a sort of the party's, or for the
 * operator the whole program's, documents. SQLite: its query plan. PostgreSQL: the plan it can
 * reach when scans are priced out, as the close's plan tests do.
 */
import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { listInvoices } from '../src/billing/service.ts';
import { invoicePageQuery } from '../src/billing/store.ts';
import type { TenantId, UserId } from '../src/kernel/ids.ts';
import type { Page } from '../src/kernel/pagination.ts';
import type { Principal } from '../src/kernel/principal.ts';
import type { Database } from '../src/store/schema.ts';
import { must, userPrincipal } from '../src/world/builder.ts';
import { describeEachDatabase } from './support/databases.ts';
import { postgresPlan, sqlitePlan } from './support/plans.ts';

const DOCUMENTS = 12_000;
/** A tenant that sells (to `buyer-…`) and, one document in 97, buys from another seller. */
const TENANT = 'seller-0007';

/**
 * `DOCUMENTS` documents over 2026's twelve months, written by the database itself: ids in no
 * relation to their period, one in thirteen a credit note of the month before closed in its own,
 * statuses mixed; 40 sellers, 3,000 buyers.
 */
async function manyDocuments(db: Kysely<Database>, dialect: string): Promise<void> {
  const pg = dialect === 'postgres';
  const series = pg
    ? `generate_series(0, ${DOCUMENTS - 1}) AS g(n)`
    : `(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < ${DOCUMENTS - 1}) SELECT n FROM s)`;
  const pad = (e: string, w: number) => (pg ? `lpad((${e})::text, ${w}, '0')` : `printf('%0${w}d', ${e})`);
  const month = (e: string) => `'2026-' || ${pad(e, 2)}`;
  const closedIn = month('1 + n % 12');
  await sql
    .raw(
      `INSERT INTO invoices (id, kind, seller_tenant_id, buyer_tenant_id, currency, period, closed_in_period,
        original_invoice_id, status, tax_policy, line_count, subtotal_minor, tax_total_minor, total_minor, created_at)
       SELECT 'd' || ${pad(`(n * 7919) % ${DOCUMENTS}`, 5)},
        CASE WHEN n % 13 = 0 THEN 'credit-note' ELSE 'invoice' END,
        CASE WHEN n % 97 = 0 THEN 'seller-0008' ELSE 'seller-' || ${pad('n % 40', 4)} END,
        CASE WHEN n % 97 = 0 THEN '${TENANT}' ELSE 'buyer-' || ${pad('n % 3000', 4)} END,
        'USD',
        CASE WHEN n % 13 = 0 AND n % 12 > 0 THEN ${month('n % 12')} ELSE ${closedIn} END,
        ${closedIn},
        CASE WHEN n % 13 = 0 THEN 'original' END,
        CASE n % 3 WHEN 0 THEN 'issued' WHEN 1 THEN 'draft' ELSE 'void' END,
        'none', 0, 0, 0, 0, '2026-01-01T00:00:00.000Z'
       FROM ${series}`,
    )
    .execute(db);
  await sql.raw('ANALYZE invoices').execute(db);
}

/** Every page of the list for `principal` with `filters`, `limit` a page: the ids in list order. */
async function allPages(csp: OpenCsp, principal: Principal, filters: object, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    expect(pages).toBeLessThan(DOCUMENTS);
    const page = must(
      await csp.query(listInvoices, { principal }, { ...filters, limit, ...(cursor ? { cursor } : {}) }),
    ) as Page<{ id: string }>;
    ids.push(...page.items.map((i) => i.id));
    if (page.next === null) return ids;
    cursor = page.next;
  }
}

/** The ids the list should show, straight from the table: `where` over (closed in, id). */
async function expected(db: Kysely<Database>, where: string): Promise<string[]> {
  const r = await sql<{ id: string }>`SELECT id FROM invoices WHERE ${sql.raw(where)}
    ORDER BY closed_in_period, id`.execute(db);
  return r.rows.map((x) => x.id);
}

describeEachDatabase('the invoice list', (db) => {
  it("pages a party's documents issued and received, in (closed in, id) order, each once", async () => {
    const csp = await db.fresh();
    await manyDocuments(csp.store.db, db.name);
    const tenant = userPrincipal('user-1' as UserId, TENANT as TenantId, ['global-admin']);
    const party = `(seller_tenant_id = '${TENANT}' OR buyer_tenant_id = '${TENANT}')`;
    const both = await allPages(csp, tenant, {}, 7);
    expect(both).toEqual(await expected(csp.store.db, party));
    // Both sides are in it, and credit notes under the period that closes them.
    expect(await expected(csp.store.db, `buyer_tenant_id = '${TENANT}'`)).not.toEqual([]);
    expect(
      await expected(csp.store.db, `${party} AND kind = 'credit-note' AND period <> closed_in_period`),
    ).not.toEqual([]);
    expect(await allPages(csp, tenant, { role: 'issued' }, 11)).toEqual(
      await expected(csp.store.db, `seller_tenant_id = '${TENANT}'`),
    );
    expect(await allPages(csp, tenant, { role: 'received' }, 2)).toEqual(
      await expected(csp.store.db, `buyer_tenant_id = '${TENANT}'`),
    );
    expect(await allPages(csp, tenant, { period: '2026-03', status: 'draft' }, 5)).toEqual(
      await expected(csp.store.db, `${party} AND closed_in_period = '2026-03' AND status = 'draft'`),
    );
    const operator = userPrincipal('operator-1' as UserId, 'vendor' as TenantId, ['program-operator']);
    expect(await allPages(csp, operator, { period: '2026-05' }, 97)).toEqual(
      await expected(csp.store.db, `closed_in_period = '2026-05'`),
    );
    // A tenant's user without a billing role sees nothing.
    expect(
      await allPages(csp, userPrincipal('user-2' as UserId, TENANT as TenantId, ['sales-agent']), {}, 50),
    ).toEqual([]);
  });

  for (const [who, party] of [
    ['a seller (issued)', { side: 'seller', tenantId: TENANT }],
    ['a buyer (received)', { side: 'buyer', tenantId: 'buyer-0007' }],
    ['the operator (everyone)', undefined],
  ] as const)
    it(`a page for ${who} is one ordered index range, after the cursor, without a sort`, async () => {
      const csp = await db.fresh();
      await manyDocuments(csp.store.db, db.name);
      const key = party ? `${party.side}_tenant_id=\\? AND ` : '';
      for (const filters of [
        { limit: 51, documents: party ? undefined : ('draft' as const) },
        { limit: 51, documents: 'numbered' as const, after: { key: '2026-04', id: 'd05000' } },
        { limit: 51, documents: 'void' as const, period: '2026-04' },
      ]) {
        // Everyone's drafts are in the drafts' own index, the numbered documents in invoices_period.
        const index = party
          ? `invoices_${party.side}`
          : filters.documents === 'draft'
            ? 'invoices_draft_order'
            : 'invoices_period';
        const compiled = invoicePageQuery(csp.store.db, { ...filters, party }).compile();
        if (db.name === 'sqlite') {
          const plan = await sqlitePlan(csp.store.db, compiled);
          const range =
            'period' in filters
              ? `${key}closed_in_period=\\?`
              : 'after' in filters
                ? `${key}\\(closed_in_period,id\\)>\\(\\?,\\?\\)`
                : key.replace(/ AND $/, '');
          expect(plan).toMatch(
            new RegExp(`(SEARCH|SCAN) invoices USING INDEX ${index}${range ? ` \\(${range}\\)` : ''}`),
          );
          expect(plan).not.toMatch(/TEMP B-TREE/);
        } else {
          const plan = await postgresPlan(csp.store.db, compiled);
          expect(plan).toMatch(new RegExp(`Index Scan using ${index}`));
          expect(plan).not.toMatch(/Sort/);
        }
      }
    });
});
