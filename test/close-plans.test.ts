/**
 * The draft step of a month close finds the next relationships with open lines in index order
 * and stops after its batch (migration 0010's partial index `billing_lines_open`), instead of
 * sorting or hashing every open line of the period for each step (hundreds of steps on a medium
 * month on PostgreSQL). SQLite: its query plan. PostgreSQL: the plan it can reach when scans and
 * hashing are priced out (tiny test tables are planned differently from large ones; the benchmark
 * covers the real size): an ordered index scan with no sort. Likewise the period export's pages of
 * documents (migration 0011's `invoices_closed`, partial since 0017: a draft enters it only when issued).
 */
import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  draftLinesUpdate,
  draftsToIssueQuery,
  earliestDraftPeriodQuery,
  earliestOpenPeriodQuery,
  openGroupsQuery,
} from '../src/billing/close.ts';
import { existingDraftsQuery } from '../src/billing/drafts.ts';
import { documentPageQuery } from '../src/billing/export.ts';
import { documentTotalsQuery } from '../src/billing/store.ts';
import { creditNotesQuery } from '../src/billing/void.ts';
import type { Database } from '../src/store/schema.ts';
import { describeEachDatabase } from './support/databases.ts';
import { postgresExplain, postgresPlan, sqlitePlan } from './support/plans.ts';

/** The plan of `compiled` as the database is configured (no scan priced out), either database. */
async function plannedAsConfigured(db: Kysely<Database>, dialect: string, compiled: CompiledQuery) {
  return dialect === 'sqlite' ? sqlitePlan(db, compiled) : postgresExplain(db, compiled);
}

describeEachDatabase('month close query plans', (db) => {
  it('the open relationships of a period come in order from billing_lines_open, without a sort', async () => {
    const csp = await db.fresh();
    const compiled = openGroupsQuery(csp.store.db, '2026-12', 2000).compile();
    if (db.name === 'sqlite') {
      const details = await sqlitePlan(csp.store.db, compiled);
      expect(details).toMatch(/USING (COVERING )?INDEX billing_lines_open \(period=\?\)/);
      expect(details).not.toMatch(/TEMP B-TREE/);
      return;
    }
    const plan = await postgresPlan(csp.store.db, compiled);
    expect(plan).toMatch(/Index (Only )?Scan using billing_lines_open/);
    expect(plan).not.toMatch(/Sort/);
  });

  it('the earliest period with open lines is the first entry of billing_lines_open (SQLite plan)', async () => {
    if (db.name !== 'sqlite') return;
    const csp = await db.fresh();
    const compiled = earliestOpenPeriodQuery(csp.store.db).compile();
    const details = await sqlitePlan(csp.store.db, compiled);
    expect(details).toMatch(/(SCAN|SEARCH) billing_lines USING (COVERING )?INDEX billing_lines_open/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });

  for (const [what, query] of [
    [
      'the next drafts to issue come in issue order',
      (tx: Kysely<Database>) => draftsToIssueQuery(tx, '2026-12', 500),
    ],
    [
      'the earliest period with drafts is the first entry',
      (tx: Kysely<Database>) => earliestDraftPeriodQuery(tx, '2026-12'),
    ],
  ] as const)
    it(`${what} of invoices_draft_order, without a sort`, async () => {
      const csp = await db.fresh();
      const compiled = query(csp.store.db).compile();
      if (db.name === 'sqlite') {
        const details = await sqlitePlan(csp.store.db, compiled);
        expect(details).toMatch(
          /SEARCH invoices USING (COVERING )?INDEX invoices_draft_order \(closed_in_period/,
        );
        expect(details).not.toMatch(/TEMP B-TREE/);
        return;
      }
      const plan = await postgresPlan(csp.store.db, compiled);
      expect(plan).toMatch(/Index (Only )?Scan using invoices_draft_order/);
      expect(plan).not.toMatch(/Sort/);
    });
});

/** Open lines of 2026-12 for 200 sellers × 50 buyers, `per` lines each, written by the database itself. */
async function manyOpenLines(db: Kysely<Database>, dialect: string, per: number): Promise<void> {
  const series =
    dialect === 'postgres'
      ? `generate_series(0, 9999) AS g(n), generate_series(1, ${per}) AS k(m)`
      : `(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 9999) SELECT n FROM s), (WITH RECURSIVE t(m) AS (SELECT 1 UNION ALL SELECT m + 1 FROM t WHERE m < ${per}) SELECT m FROM t)`;
  const pad = (e: string) => (dialect === 'postgres' ? `lpad((${e})::text, 4, '0')` : `printf('%04d', ${e})`);
  await sql
    .raw(
      `INSERT INTO billing_lines (id, event_id, reference_id, charge_type, tier, seller_tenant_id, buyer_tenant_id,
        subscription_id, order_id, customer_tenant_id, customer_country, product_id, sku_id, charge_start, charge_end,
        quantity, unit_price_micros, amount_minor, currency, period, occurred_at, line_no)
       SELECT 'line-' || ${pad('n')} || '-' || m, 'ev', 'ref', 'renew', 1, 'seller-' || ${pad('n / 50')},
        'buyer-' || ${pad('n % 50')}, 'sub', 'ord', 'cust', 'US', 'p', 's', '2026-12-01', '2026-12-31', 1, 1000000,
        100, 'USD', '2026-12', '2026-12-01T00:00:00.000Z', m FROM ${series}`,
    )
    .execute(db);
  await sql.raw('ANALYZE billing_lines').execute(db);
}

describeEachDatabase('month close draft update plan', (db) => {
  it("names the step's lines from billing_lines_open by a limit and updates them by key, never scanning the table", async () => {
    const csp = await db.fresh();
    await manyOpenLines(csp.store.db, db.name, 5);
    await manyDrafts(csp.store.db, db.name);
    const first = { seller_tenant_id: 'seller-0010', buyer_tenant_id: 'buyer-0000', currency: 'USD' };
    const last = { seller_tenant_id: 'seller-0010', buyer_tenant_id: 'buyer-0009', currency: 'USD' };
    const compiled = draftLinesUpdate(csp.store.db, '2026-12', first, last, 50).compile();
    // The planner as configured (no scan priced out): 50,000 lines, 10,000 drafts, fresh statistics,
    // 50 lines in range; each line's draft invoice among its buyer's documents of the period.
    const plan = await plannedAsConfigured(csp.store.db, db.name, compiled);
    if (db.name === 'sqlite') {
      expect(plan).toMatch(/SEARCH billing_lines USING (COVERING )?INDEX billing_lines_open \(period=\? AND/);
      expect(plan).toMatch(
        /SEARCH billing_lines USING (COVERING )?INDEX sqlite_autoindex_billing_lines_1 \(id=\?\)/,
      );
      expect(plan).toMatch(
        /SEARCH i USING INDEX invoices_buyer \(buyer_tenant_id=\? AND closed_in_period=\?\)/,
      );
      expect(plan).not.toMatch(/SCAN (billing_lines|i)\b/);
    } else {
      expect(plan).toMatch(/Index (Only )?Scan using billing_lines_open/);
      expect(plan).toMatch(/Index Scan using invoices_buyer/);
      expect(plan).not.toMatch(/Seq Scan on (billing_lines|invoices)/);
    }
  });
});

/**
 * Draft invoices of `period` (2026-12) for 200 sellers with 50 buyers each, written by the database
 * itself: `doc-N` from `seller-⌊N/50⌋` to `buyer-N`, one seller per buyer, as a customer buys from
 * its reseller (or direct-bill partner) and a reseller from its provider.
 */
async function manyDrafts(db: Kysely<Database>, dialect: string, period = '2026-12'): Promise<void> {
  const series =
    dialect === 'postgres'
      ? 'generate_series(0, 9999) AS g(n)'
      : '(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 9999) SELECT n FROM s)';
  const pad = (e: string) => (dialect === 'postgres' ? `lpad((${e})::text, 4, '0')` : `printf('%04d', ${e})`);
  await sql
    .raw(
      `INSERT INTO invoices (id, kind, seller_tenant_id, buyer_tenant_id, currency, period, closed_in_period, status,
        tax_policy, line_count, subtotal_minor, tax_total_minor, total_minor, created_at)
       SELECT '${period === '2026-12' ? 'doc' : period}-' || ${pad('n')}, 'invoice', 'seller-' || ${pad('n / 50')},
        'buyer-' || ${pad('n')}, 'USD', '${period}', '${period}', 'draft', 'none', 0, 0, 0, 0,
        '${period}-01T00:00:00.000Z' FROM ${series}`,
    )
    .execute(db);
  await sql.raw('ANALYZE invoices').execute(db);
}

describeEachDatabase('draft documents query plans', (db) => {
  it("a write's draft invoices are found by one index seek per (seller, buyer), never by reading the period's drafts", async () => {
    const csp = await db.fresh();
    await manyDrafts(csp.store.db, db.name);
    const relationships = Array.from(
      { length: 300 },
      (_, i) =>
        [
          `seller-${String(i % 200).padStart(4, '0')}`,
          `buyer-${String((i % 200) * 50 + (i % 7)).padStart(4, '0')}`,
          'USD',
        ] as const,
    );
    // The planner as configured (no scan priced out): 10,000 drafts in the period, fresh statistics.
    for (const kind of ['invoice', 'credit-note'] as const) {
      const named = relationships.map(
        ([s, b, c]) => [s, b, c, kind === 'invoice' ? undefined : 'doc-0001'] as const,
      );
      const compiled = existingDraftsQuery(csp.store.db, '2026-12', kind, named);
      const plan = await plannedAsConfigured(csp.store.db, db.name, compiled);
      if (db.name === 'sqlite') {
        expect(plan).toMatch(
          kind === 'invoice'
            ? /SEARCH i USING INDEX invoices_buyer \(buyer_tenant_id=\? AND closed_in_period=\?\)/
            : /SEARCH i USING INDEX invoices_original \(original_invoice_id=\?\)/,
        );
        expect(plan).not.toMatch(/SCAN i\b/);
      } else {
        expect(plan).toMatch(
          kind === 'invoice' ? /Index Scan using invoices_buyer/ : /Index Scan using invoices_original/,
        );
        expect(plan).toMatch(
          kind === 'invoice'
            ? /Index Cond: .*buyer_tenant_id = .*closed_in_period = /
            : /Index Cond: .*original_invoice_id = /,
        );
        expect(plan).not.toMatch(/Seq Scan on invoices|Hash/);
      }
    }
    const compiled = existingDraftsQuery(csp.store.db, '2026-12', 'invoice', relationships);
    // And it finds what it names: the relationships' drafts, null for the rest.
    const found = (await csp.store.db.executeQuery(compiled)).rows;
    expect(found.map((r) => [r.seller, r.buyer])).toEqual(relationships.map(([s, b]) => [s, b]));
    expect(found.map((r) => r.id)).toEqual(found.map((r) => `doc-${r.buyer.slice(-4)}`));
    const missing = (
      await csp.store.db.executeQuery(
        existingDraftsQuery(csp.store.db, '2026-12', 'invoice', [
          ['seller-0001', 'buyer-0050', 'EUR'], // another currency
          ['seller-0002', 'buyer-0050', 'USD'], // the buyer's documents, none from this seller
          ['seller-0001', 'nobody', 'USD'],
        ]),
      )
    ).rows;
    expect(missing.map((r) => r.id)).toEqual([null, null, null]);
    // Of another period (the buyer's documents of the period are what it seeks): none.
    const later = await csp.store.db.executeQuery(
      existingDraftsQuery(csp.store.db, '2027-01', 'invoice', [['seller-0001', 'buyer-0050', 'USD']]),
    );
    expect(later.rows.map((r) => r.id)).toEqual([null]);
  });
});

describeEachDatabase('issue query plans midway through an issue', (db) => {
  it('the next drafts and the earliest period with drafts come from invoices_draft_order, whatever the documents issued before them', async () => {
    const csp = await db.fresh();
    await manyDrafts(csp.store.db, db.name);
    await manyDrafts(csp.store.db, db.name, '2027-01'); // the next month's, from the close's rating
    // The first 2,000 drafts are issued (the issue runs in the order they were created); fresh
    // statistics, as the close takes them before issuing. Found on the large world: ordered by the
    // period alone, PostgreSQL read invoices_closed and skipped every document already issued.
    await sql
      .raw(
        `UPDATE invoices SET status = 'issued', number = 'N-' || id, issued_at = '2027-01-01T00:00:00.000Z'
         WHERE closed_in_period = '2026-12' AND id < 'doc-2000'`,
      )
      .execute(csp.store.db);
    await csp.store.refreshStatistics(['invoices']);
    for (const query of [
      earliestDraftPeriodQuery(csp.store.db, '2026-12'),
      draftsToIssueQuery(csp.store.db, '2026-12', 500),
    ]) {
      const plan = await plannedAsConfigured(csp.store.db, db.name, query.compile());
      if (db.name === 'sqlite') {
        expect(plan).toMatch(
          /SEARCH invoices USING (COVERING )?INDEX invoices_draft_order \(closed_in_period/,
        );
        expect(plan).not.toMatch(/TEMP B-TREE/);
      } else {
        expect(plan).toMatch(/Index (Only )?Scan using invoices_draft_order/);
        expect(plan).not.toMatch(/Sort|invoices_closed/);
      }
    }
    const first = await earliestDraftPeriodQuery(csp.store.db, '2026-12').executeTakeFirst();
    expect(first?.p).toBe('2026-12');
    expect(await earliestDraftPeriodQuery(csp.store.db, '2026-11').executeTakeFirst()).toBeUndefined();
  });
});

describeEachDatabase('period export query plans', (db) => {
  it('the documents closed in a period come a page at a time from invoices_closed, without a sort', async () => {
    const csp = await db.fresh();
    const after = { seller: 'tenant-a', kind: 'invoice', number: 'INV-2026-000001' };
    for (const tenant of [null, 'tenant-b']) {
      const compiled = documentPageQuery(csp.store.db, '2026-12', tenant, after, 1000).compile();
      if (db.name === 'sqlite') {
        const details = await sqlitePlan(csp.store.db, compiled);
        expect(details).toMatch(
          /USING INDEX invoices_closed \(closed_in_period=\? AND \(seller_tenant_id,kind,number\)>\(\?,\?,\?\)\)/,
        );
        expect(details).not.toMatch(/TEMP B-TREE/);
        continue;
      }
      const plan = await postgresPlan(csp.store.db, compiled);
      expect(plan).toMatch(/Index Scan using invoices_closed/);
      expect(plan).not.toMatch(/Sort/);
    }
  });
});

describeEachDatabase('void query plans', (db) => {
  it("an invoice's credit notes are found by invoices_original, not by reading every document", async () => {
    const csp = await db.fresh();
    const compiled = creditNotesQuery(csp.store.db, 'invoice-a').compile();
    if (db.name === 'sqlite') {
      const details = await sqlitePlan(csp.store.db, compiled);
      expect(details).toMatch(/SEARCH invoices USING INDEX invoices_original \(original_invoice_id=\?\)/);
      return;
    }
    const plan = await postgresPlan(csp.store.db, compiled);
    expect(plan).toMatch(/Index Scan using invoices_original/);
  });
});

describeEachDatabase('issue totals query plans', (db) => {
  it("a document's totals come from the entries of billing_lines_invoice alone, reading no line row", async () => {
    const csp = await db.fresh();
    const compiled = documentTotalsQuery(csp.store.db, ['invoice-a', 'invoice-b']).compile();
    if (db.name === 'sqlite') {
      const details = await sqlitePlan(csp.store.db, compiled);
      expect(details).toMatch(
        /SEARCH billing_lines USING COVERING INDEX billing_lines_invoice \(invoice_id=\?\)/,
      );
      return;
    }
    const plan = await postgresPlan(csp.store.db, compiled);
    expect(plan).toMatch(/Index Only Scan using billing_lines_invoice/);
  });
});

describeEachDatabase('the indexes a draft enters (migrations 0017, 0019, 0020, 0021)', (db) => {
  it('invoices_closed holds the numbered documents alone; invoices_document, invoices_drafts and invoices_draft_invoice are gone', async () => {
    const csp = await db.fresh();
    const rows =
      db.name === 'sqlite'
        ? await sql<{ name: string; def: string | null }>`
            SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'invoices'`.execute(
            csp.store.db,
          )
        : await sql<{ name: string; def: string | null }>`
            SELECT indexname AS name, indexdef AS def FROM pg_indexes
            WHERE tablename = 'invoices' AND schemaname = current_schema()`.execute(csp.store.db);
    const defs = new Map(rows.rows.map((r) => [r.name, String(r.def)]));
    expect(defs.get('invoices_closed')).toMatch(/WHERE \(?number IS NOT NULL\)?$/i);
    expect(defs.has('invoices_document')).toBe(false);
    // The drafts' own index: the issue order (creation order, migration 0019). A relationship's
    // draft invoice is found among its buyer's documents (`invoices_buyer`, migrations 0020, 0021),
    // which the invoice list pages too, as it does a seller's; everyone's numbered documents are
    // in invoices_period, which a new draft does not enter.
    expect(defs.has('invoices_drafts')).toBe(false);
    expect(defs.get('invoices_draft_order')).toMatch(/\(closed_in_period, id\) WHERE \(?status = 'draft'/i);
    expect(defs.has('invoices_draft_invoice')).toBe(false);
    expect(defs.get('invoices_buyer')?.replaceAll('"', '')).toMatch(
      /\(buyer_tenant_id, closed_in_period, id\)/i,
    );
    expect(defs.get('invoices_seller')?.replaceAll('"', '')).toMatch(
      /\(seller_tenant_id, closed_in_period, id\)/i,
    );
    expect(defs.get('invoices_period')?.replaceAll('"', '')).toMatch(
      /\(closed_in_period, id\) WHERE \(?status <> 'draft'/i,
    );
  });
});
