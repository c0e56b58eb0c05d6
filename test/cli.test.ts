/**
 * The `opencsp` command line, run as a user runs it (`node --import tsx src/cli/main.ts …`) against
 * SQLite files in a temporary directory. The demo database is built once and reused; commands on
 * one file run one after another.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS } from '../src/billing/export.ts';

const exec = promisify(execFile);
const CWD = '/work/main';
const TIMEOUT = 60_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without anything that would point the CLI elsewhere than `--database`. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.OPENCSP_DATABASE;
  delete env.OPENCSP_PROGRAM;
  return env;
}

async function cli(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec('node', ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: CWD,
      timeout: TIMEOUT,
      env: cleanEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; killed?: boolean };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface Row {
  readonly kind: string;
  readonly partnerId: string;
  readonly country: string;
  readonly tenantId: string;
  readonly rest: string;
}

const ROW =
  /^ {2}(indirect-provider|indirect-reseller|direct-bill|customer)\s+(\d{7}|-)\s+([A-Z]{2})\s+tenant ([0-9a-f-]{36})\s+(.*)$/;

/** The rows of the demo table (partners and customers), in printed order. */
function rowsOf(summary: string): Row[] {
  return summary
    .split('\n')
    .map((l) => ROW.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      kind: m[1] as string,
      partnerId: m[2] as string,
      country: m[3] as string,
      tenantId: m[4] as string,
      rest: m[5] as string,
    }));
}

function find(rows: readonly Row[], kind: string, country: string, nth = 0): Row {
  const row = rows.filter((r) => r.kind === kind && r.country === country)[nth];
  if (!row) throw new Error(`no ${kind} #${nth} in ${country} in the demo output`);
  return row;
}

describe('opencsp CLI (SQLite files)', () => {
  let dir: string;
  let demoDb: string;
  let demo: Run;
  let rows: Row[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opencsp-cli-'));
    demoDb = join(dir, 'b.db');
    demo = await cli('demo', '--database', demoDb);
    rows = rowsOf(demo.stdout);
  }, TIMEOUT);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'migrate applies the migrations, then says the schema is up to date',
    async () => {
      const db = join(dir, 'a.db');
      const first = await cli('migrate', '--database', db);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/^applied: 0001-foundation, 0002-relationships(, [0-9]{4}-[a-z-]+)*\n$/);
      expect(existsSync(db)).toBe(true);
      expect(await cli('migrate', '--database', db)).toEqual({
        code: 0,
        stdout: 'schema is up to date\n',
        stderr: '',
      });
    },
    TIMEOUT,
  );

  it(
    'demo builds the world and prints every partner with its Partner ID, tenant and "may transact"',
    async () => {
      expect(demo.code).toBe(0);
      expect(demo.stdout).toContain('OpenCSP demo world — program ');
      expect(demo.stdout).toMatch(/ {2}role\s+PartnerID cc {2}CSP tenant\n/);
      const partners = rows.filter((r) => r.kind !== 'customer');
      // Four countries: a provider, two resellers and a direct-bill partner each.
      expect(partners.map((r) => r.kind).sort()).toEqual(
        [
          ...Array(4).fill('direct-bill'),
          ...Array(4).fill('indirect-provider'),
          ...Array(8).fill('indirect-reseller'),
        ].sort(),
      );
      for (const p of partners) {
        expect(p.partnerId).toMatch(/^\d{7}$/);
        expect(p.rest).toBe('may transact');
      }
      expect(new Set(partners.map((p) => p.partnerId)).size).toBe(16);
      expect(new Set(rows.map((r) => r.country))).toEqual(new Set(['FR', 'DE', 'US', 'JP']));
      const customers = rows.filter((r) => r.kind === 'customer');
      expect(customers).toHaveLength(8);
      for (const c of customers) expect(c.rest).toMatch(/^partners: .+ \(\d{7}\)/);
      // Partner ID 1000004 is the first French reseller, as the README's examples say.
      expect(find(rows, 'indirect-reseller', 'FR').partnerId).toBe('1000004');
      expect(demo.stdout).toMatch(/Program operator tenant: [0-9a-f-]{36}\n/);
    },
    TIMEOUT,
  );

  it(
    'demo refuses a database that already holds data (exit 2, message on stderr)',
    async () => {
      const again = await cli('demo', '--database', demoDb);
      expect(again.code).toBe(2);
      expect(again.stdout).toBe('');
      expect(again.stderr).toBe(
        `refused: ${demoDb} already holds data; use an empty database for the demo world\n`,
      );
    },
    TIMEOUT,
  );

  it(
    'start creates the file and the demo world, then finds it there; the world is deterministic',
    async () => {
      const db = join(dir, 'c.db');
      expect(existsSync(db)).toBe(false);
      const first = await cli('start', '--database', db);
      expect(first.code).toBe(0);
      expect(existsSync(db)).toBe(true);
      expect(first.stderr).toContain(`OpenCSP: new database ${db}; creating the demo world\n`);
      expect(first.stdout).toContain('OpenCSP demo world — program ');
      // Two fresh databases, the same ids (tenants, Partner IDs, operator tenant).
      expect(rowsOf(first.stdout).map((r) => [r.kind, r.partnerId, r.country, r.tenantId])).toEqual(
        rows.map((r) => [r.kind, r.partnerId, r.country, r.tenantId]),
      );
      expect(first.stdout).toContain(/Program operator tenant: .*\n/.exec(demo.stdout)?.[0] ?? '(none)');

      const second = await cli('start', '--database', db);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`OpenCSP: database ${db} (existing), program `);
      expect(second.stdout).toContain('The demo world is already there.');
      expect(rowsOf(second.stdout)).toEqual([]);
      expect(second.stderr).toBe('');
    },
    TIMEOUT,
  );

  it(
    'standing of Partner ID 1000004: MAY TRANSACT with every step done',
    async () => {
      const reseller = find(rows, 'indirect-reseller', 'FR');
      const out = await cli('standing', '--database', demoDb, '--partner-id', '1000004');
      expect(out).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          `tenant ${reseller.tenantId} (Partner ID 1000004) in europe as indirect-reseller: MAY TRANSACT`,
          '  [x] onboarded',
          '  [x] partner-id',
          '  [x] enrolled',
          '  [x] verified',
          '  [x] active',
          '  [x] partner-agreement',
          '  [x] region',
          '',
        ].join('\n'),
      });
    },
    TIMEOUT,
  );

  it(
    'standing in another region: REGION_MISMATCH with its remedy, and exit 0 (it is an answer, not a refusal)',
    async () => {
      const reseller = find(rows, 'indirect-reseller', 'FR');
      const out = await cli('standing', '--database', demoDb, '--partner-id', '1000004', '--region', 'japan');
      expect(out.code).toBe(0);
      expect(out.stderr).toBe('');
      const lines = out.stdout.split('\n');
      expect(lines[0]).toBe(
        `tenant ${reseller.tenantId} (Partner ID 1000004) in japan as indirect-reseller: may not transact`,
      );
      expect(lines).toContain('  [ ] region');
      expect(lines).toContain('  [ ] partner-agreement');
      expect(lines).toContain(
        `  REGION_MISMATCH: Tenant ${reseller.tenantId} is located in europe, not in japan.`,
      );
      const at = lines.findIndex((l) => l.startsWith('  REGION_MISMATCH:'));
      expect(lines[at + 1]).toMatch(/^ {4}remedy: Transact in japan from a CSP tenant located there/);
      expect(out.stdout).toContain('  MPA_NOT_SIGNED: The MPA is not signed for region japan.');
    },
    TIMEOUT,
  );

  it(
    'standing of an unknown Partner ID is refused on stderr (exit 2)',
    async () => {
      const out = await cli('standing', '--database', demoDb, '--partner-id', '999');
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toMatch(/^refused: PARTNER_ID_NOT_FOUND \[partnerId\]: /);
    },
    TIMEOUT,
  );

  it(
    'explain an order line along the indirect chain: ALLOWED, exit 0',
    async () => {
      const provider = find(rows, 'indirect-provider', 'FR');
      const reseller = find(rows, 'indirect-reseller', 'FR');
      // The customer the French reseller serves (authorizing the provider too).
      const customer = rows.find((r) => r.kind === 'customer' && r.rest.includes(`(${reseller.partnerId})`));
      expect(customer?.country).toBe('FR');
      const out = await cli(
        'explain',
        '--database',
        demoDb,
        '--seller',
        provider.tenantId,
        '--customer',
        customer?.tenantId ?? '',
        '--partner-id-on-record',
        reseller.partnerId,
      );
      expect(out).toEqual({ code: 0, stdout: 'order line: ALLOWED\n', stderr: '' });
    },
    TIMEOUT,
  );

  it(
    'explain an order line for a customer of another region: REFUSED with REGION_MISMATCH, exit 1',
    async () => {
      const provider = find(rows, 'indirect-provider', 'FR');
      const reseller = find(rows, 'indirect-reseller', 'FR');
      const customerUS = find(rows, 'customer', 'US');
      const out = await cli(
        'explain',
        '--database',
        demoDb,
        '--seller',
        provider.tenantId,
        '--customer',
        customerUS.tenantId,
        '--partner-id-on-record',
        reseller.partnerId,
      );
      expect(out.code).toBe(1);
      expect(out.stderr).toBe('');
      const lines = out.stdout.split('\n');
      expect(lines[0]).toBe('order line: REFUSED');
      expect(lines[1]).toMatch(/^ {2}REGION_MISMATCH \(scenario 7\): Distributor FR is located in europe; /);
      expect(lines[2]).toBe('    remedy: Serve this customer through a partner located in united-states.');
      expect(lines.filter((l) => /^ {2}[A-Z_]+ /.test(l)).map((l) => l.trim().split(' ')[0])).toEqual([
        'REGION_MISMATCH',
        'NO_CUSTOMER_RELATIONSHIP',
        'REGION_MISMATCH',
        'NO_CUSTOMER_RELATIONSHIP',
      ]);
    },
    TIMEOUT,
  );

  it(
    'explain a partner’s actions with its reseller, and refuse a bad GUID (exit 2, stderr)',
    async () => {
      const provider = find(rows, 'indirect-provider', 'FR');
      const reseller = find(rows, 'indirect-reseller', 'FR');
      const out = await cli(
        'explain',
        '--database',
        demoDb,
        '--partner',
        provider.tenantId,
        '--reseller',
        reseller.tenantId,
      );
      expect(out.code).toBe(1);
      expect(out.stdout).toContain('invite-partnership: REFUSED\n  PARTNERSHIP_ALREADY_EXISTS: ');
      expect(out.stdout).toContain('end-partnership: REFUSED\n  TERMINATION_REQUIRES_SUPPORT (scenario 6): ');

      const bad = await cli(
        'explain',
        '--database',
        demoDb,
        '--seller',
        'nope',
        '--customer',
        reseller.tenantId,
      );
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toBe(
        'refused: INVALID_GUID [sellerTenantId]: sellerTenantId "nope" is not a GUID\n',
      );
    },
    TIMEOUT,
  );

  it(
    'ledger prints the events of an organization as NDJSON, oldest first',
    async () => {
      const provider = find(rows, 'indirect-provider', 'FR');
      const sqlite = new Database(demoDb, { readonly: true });
      const org = sqlite
        .prepare('select organization_id as id from tenants where id = ?')
        .get(provider.tenantId) as { id: string } | undefined;
      sqlite.close();
      expect(org?.id).toMatch(/^[0-9a-f-]{36}$/);
      const out = await cli(
        'ledger',
        '--database',
        demoDb,
        '--entity-type',
        'organization',
        '--entity-id',
        org?.id ?? '',
      );
      expect(out.code).toBe(0);
      expect(out.stderr).toBe('');
      expect(out.stdout.endsWith('\n')).toBe(true);
      const events = out.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number; entityType: string; entityId: string; type: string });
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) expect(e).toMatchObject({ entityType: 'organization', entityId: org?.id });
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(events[0]?.type).toMatch(/^organization\./);

      const unknown = await cli(
        'ledger',
        '--database',
        demoDb,
        '--entity-type',
        'organization',
        '--entity-id',
        '0badc0de-0000-4000-8000-000000000001',
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toMatch(/^refused: [A-Z_]+_NOT_FOUND \[entityId\]: /);
    },
    TIMEOUT,
  );

  it(
    '--help lists every command',
    async () => {
      const out = await cli('--help');
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/^Usage: opencsp /);
      for (const command of [
        'migrate',
        'demo',
        'start',
        'standing',
        'explain',
        'ledger',
        'clock',
        'bill',
        'export',
        'help',
      ]) {
        expect(out.stdout).toMatch(new RegExp(`\\n {2}${command}\\b`));
      }
    },
    TIMEOUT,
  );

  it(
    'an unknown command or option exits non-zero with an error on stderr',
    async () => {
      const command = await cli('bogus');
      expect(command.code).not.toBe(0);
      expect(command.stdout).toBe('');
      expect(command.stderr).toContain("error: unknown command 'bogus'");

      const option = await cli('standing', '--database', demoDb, '--bogus');
      expect(option.code).not.toBe(0);
      expect(option.stdout).toBe('');
      expect(option.stderr).toContain("error: unknown option '--bogus'");

      const choice = await cli('ledger', '--database', demoDb, '--entity-type', 'nope', '--entity-id', 'x');
      expect(choice.code).not.toBe(0);
      expect(choice.stderr).toContain("error: option '--entity-type <type>' argument 'nope' is invalid.");
    },
    TIMEOUT,
  );
  it(
    'demo places one order down each supported chain per country; export writes them as CSV and NDJSON',
    async () => {
      const orders = demo.stdout.split('\n').filter((l) => /^ {2}order [0-9a-f-]{36} /.test(l));
      expect(orders).toHaveLength(8);
      expect(orders[0]).toMatch(
        /EUR {2}Contoso Cloud Ltd\. → Distributor FR \(1000002\) → Reseller fr 1 \(1000004\) → Customer fr 1$/,
      );
      expect(orders[1]).toMatch(
        /EUR {2}Contoso Cloud Ltd\. → Direct Partner fr 1 \(1000008\) → Customer fr 2$/,
      );
      expect(demo.stdout).toContain('  16 subscriptions\n');

      const csv = await cli('export', '--database', demoDb, '--what', 'subscriptions', '--format', 'csv');
      expect(csv.code).toBe(0);
      const lines = csv.stdout.trimEnd().split('\r\n');
      expect(lines[0]?.split(',').slice(0, 4)).toEqual([
        'id',
        'customerTenantId',
        'sellerTenantId',
        'orderId',
      ]);
      expect(lines).toHaveLength(17);
      expect(csv.stderr).toContain('exported 16 subscriptions rows as csv');

      const file = join(dir, 'ledger.ndjson');
      const ndjson = await cli('export', '--database', demoDb, '--what', 'ledger', '--output', file);
      expect(ndjson.code).toBe(0);
      const events = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number; type: string });
      expect(events.length).toBeGreaterThan(100);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
      expect(events.filter((e) => e.type === 'subscription.created')).toHaveLength(16);
      expect((await cli('export', '--database', demoDb, '--what', 'orders')).code).not.toBe(0);
    },
    TIMEOUT,
  );

  it(
    'bill close closes the demo month with a progress bar; bill export writes its lines as CSV and NDJSON',
    async () => {
      // A copy of the demo file: its clock moves here, not in the other tests.
      const db = join(dir, 'bill.db');
      copyFileSync(demoDb, db);
      const read = new Database(db, { readonly: true });
      // The month the demo was built in: its orders' lines.
      const { period } = read.prepare('select min(period) as period from billing_lines').get() as {
        period: string;
      };
      read.close();
      const early = await cli('bill', 'close', '--database', db, '--period', period);
      expect(early.code).toBe(2);
      expect(early.stdout).toBe('');
      expect(early.stderr).toMatch(/^refused: PERIOD_NOT_ENDED \[period\]: /);

      expect((await cli('clock', 'advance', '--database', db, '--days', '32')).code).toBe(0);
      const closed = await cli('bill', 'close', '--database', db, '--period', period);
      expect(closed.code).toBe(0);
      // 4 countries × (3 indirect tiers × 2 license lines + 2 direct tiers × 1 line); 5 relationships each.
      expect(closed.stdout).toMatch(
        new RegExp(
          `^closed ${period}: 20 documents issued, 32 lines billed \\(periods closed: (\\d{4}-\\d{2}, )*${period}\\)\n$`,
        ),
      );
      const steps = closed.stderr.trimEnd().split('\n');
      expect(steps[0]).toMatch(new RegExp(`^ {2}bill close ${period}: rating `));
      expect(steps).toContainEqual(
        // The lines are on their drafts since they were rated: the close issues them.
        expect.stringMatching(/: issue +\d{4}-\d{2} \[#{20}\] 20 documents issued, 32 lines billed/),
      );
      expect(steps.at(-1)).toMatch(
        new RegExp(`: closed +${period} \\[#{20}\\] 20 documents issued, 32 lines billed`),
      );
      const again = await cli('bill', 'close', '--database', db, '--period', period);
      expect(again.stdout).toBe(`${period} is already closed: nothing added\n`);

      const csv = await cli('bill', 'export', '--database', db, '--period', period, '--format', 'csv');
      expect(csv.code).toBe(0);
      expect(csv.stderr).toMatch(
        new RegExp(`^exported period ${period} as csv \\(\\d+ bytes; main thread\\)\n$`),
      );
      const lines = csv.stdout.split('\n');
      expect(lines[0]).toBe(EXPORT_COLUMNS.join(','));
      expect(lines.at(-1)).toBe('');
      expect(lines).toHaveLength(1 + 32 + 1);
      expect(csv.stdout).not.toContain('\r');
      // Re-exporting gives the same bytes.
      expect((await cli('bill', 'export', '--database', db, '--period', period)).stdout).toBe(csv.stdout);
      // Worker threads are for big exports: 32 lines stay in the main thread, whatever is asked.
      const asked = await cli('bill', 'export', '--database', db, '--period', period, '--workers', '2');
      expect(asked.stdout).toBe(csv.stdout);
      expect(asked.stderr).toContain('; main thread)');
      const badWorkers = await cli('bill', 'export', '--database', db, '--period', period, '--workers', '-1');
      expect(badWorkers.code).not.toBe(0);
      expect(badWorkers.stderr).toContain('--workers must be a whole number');

      // The demo's price lists: every tier but the vendor's earns a margin.
      const ndjson = await cli('bill', 'export', '--database', db, '--period', period, '--format', 'ndjson');
      const rows = ndjson.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string | number | null>);
      expect(rows).toHaveLength(32);
      for (const r of rows) {
        expect(r.ResellerMPNID).toEqual(expect.any(Number));
        if (r.ChainTier !== 1) expect(r.MarginAmount).toMatch(/^[1-9]\d*(\.\d+)?$|^0\.\d*[1-9]\d*$/);
      }
      const fr = rows.find(
        (r) => r.ChainTier === 2 && r.SkuId === 'CFQ7TTC0LH18:0001' && r.Currency === 'EUR',
      );
      // Business Basic P1Y monthly in France: list 5.50, vendor 4.675, provider 4.90875 (25 seats).
      expect(fr).toMatchObject({
        MPNID: 1000004,
        UnitPrice: '4.908750',
        Total: '122.72',
        MarginAmount: '5.84',
      });

      const sqlite = new Database(db, { readonly: true });
      const invoice = sqlite
        .prepare("select id, line_count as n from invoices where number like 'INV-1000004-%'")
        .get() as { id: string; n: number };
      sqlite.close();
      const file = join(dir, 'invoice.ndjson');
      const one = await cli(
        'bill',
        'export',
        '--database',
        db,
        '--invoice',
        invoice.id,
        '--format',
        'ndjson',
        '-o',
        file,
      );
      expect(one.code).toBe(0);
      expect(one.stdout).toBe('');
      expect(one.stderr).toContain(`exported invoice ${invoice.id} as ndjson`);
      const written = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(written).toHaveLength(invoice.n);
      for (const l of written)
        expect(JSON.parse(l)).toMatchObject({ SellerPartnerId: 1000004, ChainTier: 3 });

      const unknown = await cli(
        'bill',
        'export',
        '--database',
        db,
        '--invoice',
        '0badc0de-0000-4000-8000-000000000001',
        '-o',
        join(dir, 'none.csv'),
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^refused: INVOICE_NOT_FOUND \[invoiceId\]: /);
      expect(existsSync(join(dir, 'none.csv'))).toBe(false);
      const neither = await cli('bill', 'export', '--database', db);
      expect(neither.code).not.toBe(0);
      expect(neither.stderr).toContain("give one of '--period <YYYY-MM>' or '--invoice <id>'");
      const bad = await cli('bill', 'export', '--database', db, '--period', '2026-13');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^refused: INVALID_FIELD \[period\]: /);
    },
    TIMEOUT * 2,
  );

  it(
    'clock advance moves the sandbox world a year on and renews what fell due (run last: it changes the demo file)',
    async () => {
      const refused = await cli('clock', 'advance', '--database', demoDb);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('refused: REQUIRED_FIELD [days]');
      const moved = await cli('clock', 'advance', '--database', demoDb, '--days', '400');
      expect(moved.code).toBe(0);
      // 12 license subscriptions renew; the 4 usage-based ones have no term.
      expect(moved.stdout).toMatch(/^clock now \S+ \(offset 9600 h\): 12 renewed, 0 expired, 0 disabled\n$/);
      const shown = await cli('clock', 'show', '--database', demoDb);
      expect(shown.stdout).toMatch(/\(offset 9600 h\)/);
    },
    TIMEOUT,
  );
});
