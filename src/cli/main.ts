/**
 * The `opencsp` command line: a thin adapter over the same services as every other interface.
 * Acts as the system principal (the operator's own machine).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createApiKey, revokeApiKey } from '../api-keys/service.ts';
import { type OpenCsp, openOpenCsp } from '../app/opencsp.ts';
import { type CloseProgress, closeBillingPeriod } from '../billing/close.ts';
import { exportInvoice, exportPeriod } from '../billing/export.ts';
import { explainOrderLine, explainPartnerActions } from '../decisions/service.ts';
import { buildApp } from '../http/app.ts';
import type { Outcome } from '../kernel/outcome.ts';
import { SYSTEM } from '../kernel/principal.ts';
import { LEDGER_ENTITY_TYPES, readLedger } from '../ledger/service.ts';
import { loadProgram } from '../program/load.ts';
import type { Decision } from '../rules/decisions.ts';
import { getStanding } from '../standing/service.ts';
import { migrate } from '../store/migrations/index.ts';
import { openStore } from '../store/store.ts';
import { advanceWorldClock } from '../subscriptions/clock.ts';
import { buildDemoWorld, printKeys, summarize } from './demo.ts';
import { EXPORTS, type ExportFormat, type ExportKind, FORMATS, runExport } from './export.ts';

const DEFAULT_DATABASE = 'opencsp.db';

interface GlobalOptions {
  database: string;
  program?: string;
}

function databaseOption() {
  return new Option('-d, --database <url>', 'SQLite file or postgres:// URL')
    .env('DATABASE_URL')
    .default(process.env.OPENCSP_DATABASE ?? DEFAULT_DATABASE);
}

function programOption() {
  return new Option(
    '-p, --program <file>',
    'program definition JSON (default: the Contoso Cloud demo program)',
  ).env('OPENCSP_PROGRAM');
}

async function open(options: GlobalOptions): Promise<OpenCsp> {
  return openOpenCsp({
    database: options.database,
    ...(options.program !== undefined && { program: loadProgram(options.program) }),
  });
}

/** Prints a refusal the way a person reads it, and sets a failing exit code. */
function report<T>(outcome: Outcome<T>, print: (value: T) => void): void {
  if (outcome.ok) {
    print(outcome.value);
    return;
  }
  for (const v of outcome.violations) {
    process.stderr.write(`refused: ${v.code}${v.field ? ` [${v.field}]` : ''}: ${v.message}\n`);
    for (const r of v.remedies) process.stderr.write(`  remedy: ${r}\n`);
  }
  process.exitCode = 2;
}

function progress(done: number, total: number, what: string): void {
  if (process.stderr.isTTY)
    process.stderr.write(`\r  building demo world: ${done}/${total} ${what.padEnd(40)}`);
  else if (done === total || done % 10 === 0)
    process.stderr.write(`  building demo world: ${done}/${total}\n`);
  if (done === total && process.stderr.isTTY) process.stderr.write('\n');
}

/** Writes to a file stream or stdout, waiting when the stream asks to. */
function writer(
  file: ReturnType<typeof createWriteStream> | undefined,
): (chunk: string | Uint8Array) => Promise<void> {
  return (chunk: string | Uint8Array) =>
    file
      ? new Promise<void>((resolve, reject) => file.write(chunk, (e) => (e ? reject(e) : resolve())))
      : new Promise<void>((resolve) =>
          process.stdout.write(chunk) ? resolve() : process.stdout.once('drain', resolve),
        );
}

/**
 * The progress of `bill close` on stderr, after each step: phase, period, a bar, documents issued
 * and lines billed so far. The bar runs over the open lines while drafting, then over the drafted
 * documents while issuing. On a terminal it redraws one line; otherwise one line per step.
 */
function closeProgress(
  period: string,
  work: { openLines: number; drafts: number },
): { step(p: CloseProgress): void; end(): void } {
  let renewed = 0;
  let drafted = 0;
  let draftedLines = 0;
  let issued = 0;
  let lines = 0;
  let drawn = false;
  const bar = (fraction: number) => {
    const width = 20;
    const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
  };
  return {
    step(p) {
      let fraction = 0;
      let at = period;
      if (p.phase === 'rating') renewed = p.renewed;
      else {
        at = p.period;
        if (p.phase === 'draft') {
          drafted += p.documents;
          draftedLines += p.lines;
          fraction = draftedLines / Math.max(work.openLines, draftedLines, 1);
        } else if (p.phase === 'issue') {
          issued += p.documents;
          lines += p.lines;
          fraction = issued / Math.max(work.drafts + drafted, issued, 1);
        } else fraction = 1;
      }
      const text = `  bill close ${period}: ${p.phase.padEnd(14)} ${at} ${bar(fraction)} ${issued} documents issued, ${lines} lines billed${renewed ? `, ${renewed} renewed` : ''}`;
      if (process.stderr.isTTY) {
        process.stderr.write(`\r${text.padEnd(100)}`);
        drawn = true;
      } else process.stderr.write(`${text}\n`);
    },
    end() {
      if (drawn) process.stderr.write('\n');
    },
  };
}

async function isEmpty(csp: OpenCsp): Promise<boolean> {
  const row = await csp.store.db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

export function cli(): Command {
  const program = new Command('opencsp')
    .description('OpenCSP: the rules and the ledger of a multi-tier cloud solution provider channel.')
    .showHelpAfterError();

  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .addOption(databaseOption())
    .action(async (options: GlobalOptions) => {
      const store = openStore(options.database);
      const applied = await migrate(store);
      await store.close();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
    });

  program
    .command('demo')
    .description(
      'create the demo world (vendor, providers, resellers, direct-bill partners, customers) in an empty database',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .action(async (options: GlobalOptions) => {
      const csp = await open(options);
      try {
        if (!(await isEmpty(csp))) {
          process.stderr.write(
            `refused: ${csp.store.location} already holds data; use an empty database for the demo world\n`,
          );
          process.exitCode = 2;
          return;
        }
        const world = await buildDemoWorld(csp, progress);
        process.stdout.write(await summarize(csp, world));
        process.stdout.write(printKeys(world));
      } finally {
        await csp.close();
      }
    });

  program
    .command('start')
    .description(
      'open the embedded database (creating it and the demo world on first start) and show the channel',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .action(async (options: GlobalOptions) => {
      const first = !existsSync(options.database) || options.database.startsWith('postgres');
      const csp = await open(options);
      try {
        if (await isEmpty(csp)) {
          process.stderr.write(`OpenCSP: new database ${csp.store.location}; creating the demo world\n`);
          const world = await buildDemoWorld(csp, progress);
          process.stdout.write(await summarize(csp, world));
          process.stdout.write(printKeys(world));
        } else {
          process.stdout.write(
            `OpenCSP: database ${csp.store.location} (${first ? 'new' : 'existing'}), program ${csp.program.name}\n`,
          );
          process.stdout.write(
            'The demo world is already there. `npm run cli -- --help` lists what you can do next.\n',
          );
        }
        process.stdout.write('\nServe the HTTP API with `npm run cli -- serve` (what `npm start` does).\n');
      } finally {
        await csp.close();
      }
    });

  program
    .command('serve')
    .description(
      'serve the HTTP API (creating the database and the demo world with its API keys on first start)',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .addOption(new Option('--host <host>', 'address to listen on').env('HOST').default('127.0.0.1'))
    .addOption(
      new Option('--port <port>', 'port')
        .env('PORT')
        .default('3000')
        .argParser((v) => Number.parseInt(v, 10)),
    )
    .option('--no-demo', 'do not create the demo world in an empty database')
    .action(async (options: GlobalOptions & { host: string; port: number | string; demo: boolean }) => {
      const csp = await open(options);
      if (options.demo && (await isEmpty(csp))) {
        process.stderr.write(`OpenCSP: new database ${csp.store.location}; creating the demo world\n`);
        const world = await buildDemoWorld(csp, progress);
        process.stdout.write(await summarize(csp, world));
        process.stdout.write(printKeys(world));
      }
      const app = await buildApp({ csp, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
      const close = async () => {
        await app.close();
        await csp.close();
        process.exit(0);
      };
      process.once('SIGINT', close);
      process.once('SIGTERM', close);
      const url = await app.listen({ host: options.host, port: Number(options.port) });
      process.stdout.write(
        `\nOpenCSP API on ${url} (database ${csp.store.location})\n  OpenAPI: ${url}/openapi.json\n  health:  ${url}/healthz\n`,
      );
    });

  const keys = program.command('keys').description('create and revoke API keys');
  keys
    .command('create')
    .description('create an API key for a user (printed once; only its hash is stored)')
    .addOption(databaseOption())
    .requiredOption('--user <guid>', 'the user the key acts as (with its roles)')
    .option('--name <name>', 'a label for the key', 'cli')
    .action(async (options: GlobalOptions & { user: string; name: string }) => {
      const csp = await open(options);
      try {
        report(
          await csp.execute(
            createApiKey,
            { principal: SYSTEM },
            { userId: options.user, name: options.name },
          ),
          (k) => process.stdout.write(`${k.token}\n`),
        );
      } finally {
        await csp.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke an API key by its id')
    .addOption(databaseOption())
    .requiredOption('--key <guid>', 'the API key id')
    .action(async (options: GlobalOptions & { key: string }) => {
      const csp = await open(options);
      try {
        report(await csp.execute(revokeApiKey, { principal: SYSTEM }, { apiKeyId: options.key }), (k) =>
          process.stdout.write(`revoked ${k.id} at ${k.revokedAt}\n`),
        );
      } finally {
        await csp.close();
      }
    });

  program
    .command('standing')
    .description('may a CSP tenant transact in a region? every missing step, with its code and remedies')
    .addOption(databaseOption())
    .addOption(programOption())
    .option('--tenant <guid>', 'the CSP tenant id')
    .option('--partner-id <n>', 'or its location Partner ID', (v) => Number.parseInt(v, 10))
    .option('--region <id>', "the region of the transaction (default: the tenant's own)")
    .addOption(
      new Option('--role <role>', 'program role').choices([
        'indirect-provider',
        'indirect-reseller',
        'direct-bill',
      ]),
    )
    .action(
      async (
        options: GlobalOptions & { tenant?: string; partnerId?: number; region?: string; role?: string },
      ) => {
        const csp = await open(options);
        try {
          const input = {
            ...(options.tenant !== undefined && { tenantId: options.tenant }),
            ...(options.partnerId !== undefined && { partnerId: options.partnerId }),
            ...(options.region !== undefined && { region: options.region }),
            ...(options.role !== undefined && { role: options.role }),
          };
          report(await csp.query(getStanding, { principal: SYSTEM }, input), (s) => {
            process.stdout.write(
              `tenant ${s.tenantId} (Partner ID ${s.partnerId ?? '-'}) in ${s.region} as ${s.role ?? '-'}: ${s.mayTransact ? 'MAY TRANSACT' : 'may not transact'}\n`,
            );
            for (const step of s.steps) process.stdout.write(`  [${step.done ? 'x' : ' '}] ${step.step}\n`);
            for (const v of s.violations) {
              process.stdout.write(`  ${v.code}: ${v.message}\n`);
              for (const r of v.remedies) process.stdout.write(`    remedy: ${r}\n`);
            }
          });
        } finally {
          await csp.close();
        }
      },
    );

  program
    .command('explain')
    .description(
      'dry-run decision: would this order line go through, and what may a partner do with a customer or reseller',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .option('--seller <guid>', 'tenant that places the order (direct-bill partner or indirect provider)')
    .option('--partner <guid>', 'or: the partner whose possible actions to explain')
    .option('--customer <guid>', 'customer tenant')
    .option('--reseller <guid>', 'reseller tenant (with --partner)')
    .option('--partner-id-on-record <n>', "the indirect reseller's Partner ID on the order line", (v) =>
      Number.parseInt(v, 10),
    )
    .action(
      async (
        options: GlobalOptions & {
          seller?: string;
          partner?: string;
          customer?: string;
          reseller?: string;
          partnerIdOnRecord?: number;
        },
      ) => {
        const csp = await open(options);
        try {
          const print = (title: string, d: Decision) => {
            process.stdout.write(`${title}: ${d.allowed ? 'ALLOWED' : 'REFUSED'}\n`);
            if (!d.allowed) process.exitCode = 1;
            for (const v of d.violations) {
              process.stdout.write(
                `  ${v.code}${v.scenario ? ` (scenario ${v.scenario})` : ''}: ${v.message}\n`,
              );
              for (const r of v.remedies) process.stdout.write(`    remedy: ${r}\n`);
            }
          };
          if (options.seller) {
            const input = {
              sellerTenantId: options.seller,
              customerTenantId: options.customer,
              ...(options.partnerIdOnRecord !== undefined && {
                partnerIdOnRecord: options.partnerIdOnRecord,
              }),
            };
            report(await csp.query(explainOrderLine, { principal: SYSTEM }, input), (d) =>
              print('order line', d),
            );
          } else {
            const input = {
              partnerTenantId: options.partner,
              ...(options.customer !== undefined && { customerTenantId: options.customer }),
              ...(options.reseller !== undefined && { resellerTenantId: options.reseller }),
            };
            report(await csp.query(explainPartnerActions, { principal: SYSTEM }, input), (r) => {
              for (const a of r.actions) print(a.action, a);
            });
          }
        } finally {
          await csp.close();
        }
      },
    );

  program
    .command('ledger')
    .description('print the ledger of one entity as NDJSON (one event per line), oldest first')
    .addOption(databaseOption())
    .addOption(
      new Option('--entity-type <type>', 'entity type')
        .choices([...LEDGER_ENTITY_TYPES])
        .makeOptionMandatory(),
    )
    .requiredOption('--entity-id <id>', 'entity id (a GUID, or a Partner ID for partner-location)')
    .action(async (options: GlobalOptions & { entityType: string; entityId: string }) => {
      const csp = await open(options);
      try {
        let after = 0;
        for (;;) {
          const page = await csp.query(
            readLedger,
            { principal: SYSTEM },
            { entityType: options.entityType, entityId: options.entityId, after, limit: 1000 },
          );
          report(page, (p) => {
            for (const e of p.events) process.stdout.write(`${JSON.stringify(e)}\n`);
          });
          if (!page.ok || page.value.next === null) break;
          after = page.value.next;
        }
      } finally {
        await csp.close();
      }
    });

  const clock = program
    .command('clock')
    .description("a sandbox world's clock: move it forward and process renewals, expiries and disabling");
  clock
    .command('advance')
    .description(
      'move the clock forward (kept in the database; a running server applies it on restart — or use POST /v1/clock/advance) and process what fell due',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .option('--days <n>', 'whole days to move forward', (v) => Number.parseInt(v, 10))
    .option('--hours <n>', 'whole hours to move forward', (v) => Number.parseInt(v, 10))
    .action(async (options: GlobalOptions & { days?: number; hours?: number }) => {
      const csp = await open(options);
      try {
        const input = {
          ...(options.days !== undefined && { days: options.days }),
          ...(options.hours !== undefined && { hours: options.hours }),
        };
        const out = await advanceWorldClock(csp, { principal: SYSTEM }, input, (p) =>
          process.stderr.write(
            `  processing: ${p.renewed} renewed, ${p.expired} expired, ${p.disabled} disabled${p.more ? ' …' : ''}\n`,
          ),
        );
        report(out, (r) =>
          process.stdout.write(
            `clock now ${r.now} (offset ${Math.round(r.offsetMs / 3_600_000)} h): ${r.processed.renewed} renewed, ${r.processed.expired} expired, ${r.processed.disabled} disabled\n`,
          ),
        );
      } finally {
        await csp.close();
      }
    });
  clock
    .command('show')
    .description("print the sandbox world's time and its offset from the real clock")
    .addOption(databaseOption())
    .action(async (options: GlobalOptions) => {
      const csp = await open(options);
      try {
        const offset = await csp.loadClockOffset();
        process.stdout.write(
          `clock now ${csp.now().toISOString()} (offset ${Math.round(offset / 3_600_000)} h)\n`,
        );
      } finally {
        await csp.close();
      }
    });

  const bill = program
    .command('bill')
    .description(
      'billing periods: close a month (rate, draft, issue invoices) and export reconciliation files',
    );
  bill
    .command('close')
    .description(
      "close a billing period (operator): rate what fell due, issue the period's documents (progress on stderr)",
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .requiredOption(
      '--period <YYYY-MM>',
      'the calendar month (UTC) to close; earlier open months close first',
    )
    .action(async (options: GlobalOptions & { period: string }) => {
      const csp = await open(options);
      try {
        // What the bar measures against: lines on no document (drafted first), and the drafts to issue.
        const work = /^\d{4}-\d{2}$/.test(options.period)
          ? await csp.store.read(async (tx) => {
              const open = await tx
                .selectFrom('billing_lines')
                .select((eb) => eb.fn.countAll<number | string>().as('n'))
                .where('invoice_id', 'is', null)
                .where('period', '<=', options.period)
                .executeTakeFirst();
              const drafts = await tx
                .selectFrom('invoices')
                .select((eb) => eb.fn.countAll<number | string>().as('n'))
                .where('status', '=', 'draft')
                .where('closed_in_period', '<=', options.period)
                .executeTakeFirst();
              return { openLines: Number(open?.n ?? 0), drafts: Number(drafts?.n ?? 0) };
            })
          : { openLines: 0, drafts: 0 };
        const bar = closeProgress(options.period, work);
        const out = await closeBillingPeriod(csp, { principal: SYSTEM }, { period: options.period }, (p) =>
          bar.step(p),
        );
        bar.end();
        report(out, (r) =>
          process.stdout.write(
            r.alreadyClosed
              ? `${r.period} is already closed: nothing added\n`
              : `closed ${r.period}: ${r.documentsIssued} documents issued, ${r.linesBilled} lines billed (periods closed: ${r.periodsClosed.join(', ')})\n`,
          ),
        );
      } finally {
        await csp.close();
      }
    });
  bill
    .command('export')
    .description(
      'export the lines of the documents closed in a period, or of one invoice, with the reconciliation columns (CSV with LF line ends, or NDJSON)',
    )
    .addOption(databaseOption())
    .addOption(programOption())
    .addOption(new Option('--period <YYYY-MM>', 'every document closed in this month').conflicts('invoice'))
    .option('--invoice <id>', 'one invoice or credit note')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option(
      '--workers <n>',
      'worker threads for a big export (20,000 lines or more), each with a database connection of its own; 0: none (default: one per core, at most 4)',
    )
    .action(
      async (
        options: GlobalOptions & {
          period?: string;
          invoice?: string;
          format: 'csv' | 'ndjson';
          output?: string;
          workers?: string;
        },
        command: Command,
      ) => {
        if ((options.period === undefined) === (options.invoice === undefined))
          command.error("error: give one of '--period <YYYY-MM>' or '--invoice <id>'");
        if (options.workers !== undefined && !/^\d{1,15}$/.test(options.workers))
          command.error(`error: --workers must be a whole number, 0 or more (got '${options.workers}')`);
        const workers = options.workers === undefined ? undefined : Number(options.workers);
        const exportOptions = workers === undefined ? {} : { workers };
        const csp = await open(options);
        let file: ReturnType<typeof createWriteStream> | undefined;
        try {
          const request = { principal: SYSTEM };
          const out =
            options.invoice !== undefined
              ? await exportInvoice(csp, request, options.invoice, options.format, exportOptions)
              : await exportPeriod(csp, request, options.period ?? '', options.format, exportOptions);
          if (!out.ok) {
            report(out, () => undefined);
            return;
          }
          file = options.output ? createWriteStream(options.output) : undefined;
          const write = writer(file);
          let bytes = 0;
          let shown = 0;
          for await (const chunk of out.value) {
            await write(chunk);
            bytes += Buffer.byteLength(chunk);
            // Progress on a terminal, every 16 MiB written.
            if (process.stderr.isTTY && bytes - shown >= 2 ** 24) {
              shown = bytes;
              process.stderr.write(`\r  exported ${Math.round(bytes / 2 ** 20)} MiB`);
            }
          }
          if (shown > 0) process.stderr.write('\n');
          const threads = out.value.workers > 0 ? `${out.value.workers} worker threads` : 'main thread';
          process.stderr.write(
            `exported ${options.invoice !== undefined ? `invoice ${options.invoice}` : `period ${options.period}`} as ${options.format} (${bytes} bytes; ${threads})${options.output ? ` to ${options.output}` : ''}\n`,
          );
        } finally {
          if (file) {
            const f = file;
            await new Promise<void>((resolve) => f.end(resolve));
          }
          await csp.close();
        }
      },
    );

  program
    .command('export')
    .description('export the whole ledger or every subscription as NDJSON or CSV (progress on stderr)')
    .addOption(databaseOption())
    .addOption(new Option('--what <kind>', 'what to export').choices([...EXPORTS]).makeOptionMandatory())
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('ndjson'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (options: GlobalOptions & { what: ExportKind; format: ExportFormat; output?: string }) => {
      const csp = await open(options);
      const file = options.output ? createWriteStream(options.output) : undefined;
      const write = writer(file);
      try {
        const rows = await runExport(csp, options.what, options.format, write, (n) => {
          if (process.stderr.isTTY) process.stderr.write(`\r  exported ${n} rows`);
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stderr.write(
          `exported ${rows} ${options.what} rows as ${options.format}${options.output ? ` to ${options.output}` : ''}\n`,
        );
      } finally {
        if (file) await new Promise<void>((resolve) => file.end(resolve));
        await csp.close();
      }
    });

  return program;
}

await cli().parseAsync(process.argv);
