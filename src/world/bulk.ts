/**
 * The bulk world generator: the rows the world builder's commands would write (`builder.ts`:
 * onboard, enroll, direct-bill checklist, verify, sign the partner agreement; register customers
 * who accept the customer agreement; provider–reseller partnerships; customer invitations accepted
 * into relationships; one completed order per customer with its lines and subscriptions, and each
 * subscription's billing as `startBilling` writes it: tier prices locked for the term, the first
 * charge cycle, its `new` line per billing relationship on that relationship's draft invoice), written with multi-row inserts in large
 * transactions, for worlds of millions of rows (the benchmarks).
 *
 * Seeded and deterministic: the same spec and seed give the same ids, names and assignments. The
 * vendor, its operator and the catalog are still created through their commands. Rows are built
 * with the same pure helpers the services use (sales chains, terms, cancellation windows, tier
 * prices by `priceChain`, charge cycles and amounts by `cycle` and `cascade`), and
 * Partner IDs are allocated from the store's own sequence, so later commands continue after them.
 *
 * Ledger: with `ledger: 'all'` every event the commands would record is written (event types,
 * principals and payload fields as the commands write them); with `ledger: 'partners'` only the
 * partner-side events are (partners, enrollments, agreements, partnerships) and the customer-scale
 * ones (customers, invitations, relationships, orders, subscriptions) are omitted — no service
 * reads the ledger to decide, so the world behaves the same; only ledger reads see fewer events.
 *
 * For the load, the written tables' secondary (non-unique) indexes are dropped and then recreated
 * from their own definitions, which is much cheaper than millions of random index inserts; the
 * schema ends as the migrations left it. Run it on a store nothing else uses meanwhile.
 *
 * `test/world-bulk.test.ts` checks that a bulk world and a command-built world of the same spec
 * have the same tables, row counts and row shapes, and that the services work over a bulk world.
 */
import { CompiledQuery, type Insertable, type Kysely } from 'kysely';
import type { OpenCsp } from '../app/opencsp.ts';
import { type ChargeCycle, cascade, cycle, cycleMonths, dateOf, nextCycleStart } from '../billing/charges.ts';
import { draftRow } from '../billing/drafts.ts';
import { priceChain, type TierPrice, tierPricesToJson } from '../billing/pricing.ts';
import type { BillingCycle, TermDuration } from '../catalog/model.ts';
import { importCatalog, loadDemoCatalog } from '../catalog/service.ts';
import { findSkuInMarket } from '../catalog/store.ts';
import { seededIds } from '../kernel/ids.ts';
import { SYSTEM } from '../kernel/principal.ts';
import { addDays, toInstant } from '../kernel/time.ts';
import type { ChainParty, ChainRole, OrderLine } from '../orders/model.ts';
import { checkCatalogLine, salesChain } from '../orders/rules.ts';
import { orderLineId } from '../orders/store.ts';
import { invitationExpiresAt } from '../partnerships/rules.ts';
import type { Database } from '../store/schema.ts';
import type { DialectName } from '../store/store.ts';
import { cancellationWindowEnd, termEnd } from '../subscriptions/model.ts';
import { bootstrap, must, type Operator } from './builder.ts';

/** One country per CSP region (15), in the order sizes take them. */
export const REGION_COUNTRIES = [
  'FR',
  'US',
  'JP',
  'AU',
  'CA',
  'BR',
  'IN',
  'KR',
  'MX',
  'IL',
  'KE',
  'SG',
  'NZ',
  'RU',
  'TW',
] as const;

export interface BulkSpec {
  /** Countries to place parties in (round-robin). */
  readonly countries: readonly string[];
  /** Indirect providers, spread round-robin over the countries. */
  readonly providers: number;
  /** Indirect resellers per provider, each in an active partnership with it, in its country. */
  readonly resellersPerProvider: number;
  /** Direct-bill partners, spread round-robin over the countries. */
  readonly directBill: number;
  /**
   * End customers, spread round-robin over the countries. The i-th customer of a country is served,
   * as `buildWorld` does, through the indirect chain when i is odd (a reseller of the country,
   * authorizing its provider too) and by a direct-bill partner of the country when i is even.
   */
  readonly customers: number;
  /** Lines of each customer's one completed order, hence subscriptions per customer (0: no orders). */
  readonly linesPerOrder: number;
  /** Which ledger events to write (see the module comment). Default `all`. */
  readonly ledger?: 'all' | 'partners';
  /** Seed of the ids. Default 1. */
  readonly seed?: number;
  /** The time every row is written at. Default: the runtime's clock. */
  readonly now?: Date;
  /** Customers per transaction (default 5,000). */
  readonly chunk?: number;
  /** Progress, for the benchmark's stderr. */
  readonly onProgress?: (phase: string, done: number, total: number) => void;
}

/** A partner of a bulk world. */
export interface BulkPartner {
  readonly tenantId: string;
  readonly organizationId: string;
  readonly partnerId: number;
  readonly adminUserId: string;
  readonly country: string;
  readonly legalName: string;
  /** For a reseller: the index of its provider in `providers`. */
  readonly provider: number;
}

/** What was generated, compactly: enough to pick (seller, customer, partner of record) tuples. */
export interface BulkWorld {
  readonly operator: Operator;
  readonly spec: BulkSpec;
  readonly providers: readonly BulkPartner[];
  readonly resellers: readonly BulkPartner[];
  readonly directBill: readonly BulkPartner[];
  /** Customer tenant ids and their global admins' user ids, by customer index. */
  readonly customerTenantIds: readonly string[];
  readonly customerAdminUserIds: readonly string[];
  /** Rows written per table (the commands' bootstrap and catalog import not included). */
  readonly rows: Readonly<Record<string, number>>;
  /** The order lines the generated orders use, per country, in order (line n uses `offers[n % length]`). */
  readonly offers: Readonly<Record<string, readonly BulkOrderLine[]>>;
}

/** An order line as `placeOrder` takes it. */
export interface BulkOrderLine {
  readonly catalogItemId: string;
  readonly quantity: number;
  readonly termDuration: TermDuration | null;
  readonly billingCycle: BillingCycle;
}

/** The chain a customer was connected through. */
export interface CustomerChain {
  readonly customer: number;
  readonly country: string;
  /** The party that places its orders: the reseller's provider, or the direct-bill partner. */
  readonly seller: BulkPartner;
  /** The reseller that serves it (partner of record), on the indirect chain. */
  readonly partnerOfRecord: BulkPartner | undefined;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'org'
  );
}

/** Index lists of the partners in each country, in generation order. */
function byCountry(world: Pick<BulkWorld, 'spec'>, partners: readonly BulkPartner[]): BulkPartner[][] {
  const out = world.spec.countries.map(() => [] as BulkPartner[]);
  for (const p of partners) out[world.spec.countries.indexOf(p.country)]?.push(p);
  return out;
}

/** A function giving each customer's chain (undefined for a customer connected to no partner). */
export function chainsOf(world: BulkWorld): (customer: number) => CustomerChain | undefined {
  const resellers = byCountry(world, world.resellers);
  const direct = byCountry(world, world.directBill);
  return (g) => assign(world.spec.countries, resellers, direct, world.providers, g);
}

function assign(
  countries: readonly string[],
  resellers: readonly (readonly BulkPartner[])[],
  direct: readonly (readonly BulkPartner[])[],
  providers: readonly BulkPartner[],
  g: number,
): CustomerChain | undefined {
  const c = g % countries.length;
  const i = Math.floor(g / countries.length) + 1;
  const rs = resellers[c] ?? [];
  const ds = direct[c] ?? [];
  const country = countries[c] as string;
  if (i % 2 === 1 && rs.length > 0) {
    const reseller = rs[((i - 1) >> 1) % rs.length] as BulkPartner;
    return {
      customer: g,
      country,
      seller: providers[reseller.provider] as BulkPartner,
      partnerOfRecord: reseller,
    };
  }
  if (ds.length > 0)
    return {
      customer: g,
      country,
      seller: ds[((i - 1) >> 1) % ds.length] as BulkPartner,
      partnerOfRecord: undefined,
    };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The loader: multi-row inserts, one statement per batch.

type ColumnType = 'text' | 'int8';
type Table = keyof Database;
type Columns = readonly (readonly [string, ColumnType])[];

/** `name` or `#name` (an integer column: PostgreSQL needs the array's type). */
const columns = (list: string): Columns =>
  list.split(/\s+/).map((c) => (c.startsWith('#') ? [c.slice(1), 'int8'] : [c, 'text']));

/** The tables written, parents first, with the columns written. */
const TABLES: Partial<Record<Table, Columns>> = {
  organizations: columns(
    'id legal_name country address registration_id affiliate_group_id #global_partner_id #is_vendor created_at',
  ),
  tenants: columns('id organization_id type domain display_name country created_at'),
  partner_locations: columns(
    '#partner_id organization_id country registration_id tenant_id created_at associated_at',
  ),
  users: columns('id tenant_id email display_name created_at'),
  user_roles: columns('user_id role'),
  enrollments: columns('id tenant_id role status submitted_at submitted_by updated_at reason'),
  direct_bill_requirements: columns(
    'enrollment_id item status evidence #amount_minor currency recorded_at recorded_by verified_at verified_by',
  ),
  agreement_acceptances: columns(
    'id agreement version organization_id tenant_id region signer_user_id signer_name signer_email accepted_at recorded_at recorded_by supersedes_id',
  ),
  partnerships: columns(
    'id provider_tenant_id reseller_tenant_id state invitation_token invited_at invited_by expires_at accepted_at accepted_by ended_at end_reason updated_at',
  ),
  customer_invitations: columns(
    'id partner_tenant_id provider_tenant_id customer_tenant_id #request_delegated_admin token status created_at created_by expires_at decided_at decided_by',
  ),
  customer_relationships: columns(
    'id partner_tenant_id customer_tenant_id associated_partner_tenant_id state #delegated_admin source invitation_id created_at removed_at removed_by',
  ),
  orders: columns(
    'id customer_tenant_id seller_tenant_id requested_by_tenant_id status currency #total_minor placed_by_user_id placed_by_tenant_id failure created_at updated_at',
  ),
  order_lines: columns(
    'id order_id #line_number sku_id product_id offer_title publisher_kind billing #quantity term_duration billing_cycle #unit_price_minor currency #partner_id_on_record partner_tenant_id #auto_renew sales_chain subscription_id',
  ),
  subscriptions: columns(
    'id customer_tenant_id seller_tenant_id order_id order_line_id sku_id product_id offer_title publisher_kind billing #quantity term_duration billing_cycle #unit_price_minor currency status #auto_renew start_at term_start_at term_end_at cancellation_window_ends_at #partner_id partner_tenant_id support_contact_tenant_id sales_chain suspended_at ended_at created_at updated_at',
  ),
  subscription_billing: columns('subscription_id customer_country cycle_state next_charge_at updated_at'),
  subscription_term_prices: columns('subscription_id term_prices'),
  invoices: columns(
    'id kind number seller_tenant_id buyer_tenant_id currency period closed_in_period original_invoice_id status tax_policy #line_count #subtotal_minor #tax_total_minor #total_minor issued_at voided_at void_reason created_at',
  ),
  billing_lines: columns(
    'id event_id reference_id charge_type #tier seller_tenant_id buyer_tenant_id subscription_id order_id customer_tenant_id customer_country product_id sku_id #seller_partner_id #buyer_partner_id #reseller_partner_id charge_start charge_end #quantity #unit_price_micros #amount_minor #source_amount_minor currency source_line_id refunds_line_id reason period invoice_id occurred_at #line_no',
  ),
  ledger_events: columns(
    'id occurred_at command type entity_type entity_id principal_kind principal_user_id principal_tenant_id request_id payload',
  ),
};

interface Buffer {
  readonly table: Table;
  readonly columns: Columns;
  /** Rows per statement. */
  readonly batch: number;
  readonly rows: unknown[][];
}

/**
 * Buffers typed rows and writes them with one statement per batch: SQLite a multi-row `VALUES`
 * (at most 32,766 bound values), PostgreSQL `INSERT … SELECT * FROM unnest($1::text[], …)`, one
 * array per column.
 */
class Loader {
  private readonly buffers = new Map<Table, Buffer>();
  private readonly sqlText = new Map<string, string>();
  readonly counts: Record<string, number> = {};

  constructor(private readonly dialect: DialectName) {
    for (const [table, cols] of Object.entries(TABLES) as [Table, Columns][]) {
      const batch = dialect === 'sqlite' ? Math.min(500, Math.floor(32_000 / cols.length)) : 5_000;
      this.buffers.set(table, { table, columns: cols, batch, rows: [] });
    }
  }

  add<K extends Table>(table: K, row: Insertable<Database[K]>): void {
    const b = this.buffers.get(table) as Buffer;
    const values = row as Record<string, unknown>;
    b.rows.push(b.columns.map(([c]) => values[c] ?? null));
    this.counts[table] = (this.counts[table] ?? 0) + 1;
  }

  /**
   * When a batch is full, writes everything buffered, parents first (the tables' order in `T`), so
   * no row reaches the database before the rows it references. Call often: it keeps memory flat.
   */
  async flushFull(tx: Kysely<Database>): Promise<void> {
    for (const b of this.buffers.values()) if (b.rows.length >= b.batch) return this.flushAll(tx);
  }

  /** Writes everything buffered, parents first. */
  async flushAll(tx: Kysely<Database>): Promise<void> {
    for (const b of this.buffers.values())
      while (b.rows.length > 0) await this.write(tx, b, b.rows.splice(0, b.batch));
  }

  /**
   * Drops the tables' secondary (non-unique) indexes for the load and returns how to rebuild them:
   * building an index once over sorted keys is much cheaper than millions of random inserts into it.
   * The same definitions are recreated, so the schema ends as the migrations left it.
   */
  async suspendIndexes(tx: Kysely<Database>): Promise<string[]> {
    const list = [...this.buffers.keys()].map((name) => `'${name}'`).join(', ');
    const found =
      this.dialect === 'sqlite'
        ? await tx.executeQuery<{ name: string; def: string }>(
            CompiledQuery.raw(
              `SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN (${list})`,
            ),
          )
        : await tx.executeQuery<{ name: string; def: string }>(
            CompiledQuery.raw(
              `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname IN (${list}) AND NOT i.indisunique AND t.relnamespace = current_schema()::regnamespace`,
            ),
          );
    for (const { name } of found.rows) await tx.executeQuery(CompiledQuery.raw(`DROP INDEX ${name}`));
    return found.rows.map((r) => r.def);
  }

  /** Recreates the indexes `suspendIndexes` dropped. */
  async restoreIndexes(tx: Kysely<Database>, definitions: readonly string[]): Promise<void> {
    for (const def of definitions) await tx.executeQuery(CompiledQuery.raw(def));
  }

  private statement(b: Buffer, n: number): string {
    const key = `${b.table}:${n}`;
    let text = this.sqlText.get(key);
    if (text) return text;
    const cols = b.columns.map(([c]) => c).join(', ');
    if (this.dialect === 'sqlite') {
      const one = `(${b.columns.map(() => '?').join(', ')})`;
      text = `INSERT INTO ${b.table} (${cols}) VALUES ${Array.from({ length: n }, () => one).join(', ')}`;
    } else {
      const arrays = b.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
      text = `INSERT INTO ${b.table} (${cols}) SELECT * FROM unnest(${arrays})`;
    }
    this.sqlText.set(key, text);
    return text;
  }

  private async write(tx: Kysely<Database>, b: Buffer, rows: unknown[][]): Promise<void> {
    const text = this.statement(b, this.dialect === 'sqlite' ? rows.length : 0);
    const params: unknown[] =
      this.dialect === 'sqlite' ? rows.flat() : b.columns.map((_, i) => rows.map((r) => r[i]));
    await tx.executeQuery(CompiledQuery.raw(text, params));
  }
}

// ---------------------------------------------------------------------------------------------
// The generator.

interface Offer {
  readonly line: Omit<
    OrderLine,
    'lineNumber' | 'partnerIdOnRecord' | 'partnerOfRecordTenantId' | 'salesChain' | 'subscriptionId'
  >;
  readonly ownerTenantId: string | null;
}

const address = (country: string) =>
  JSON.stringify({ line1: '1 Main Street', city: 'Capital City', country });

/**
 * The bulk world's stream of seeded ids: not the runtime's (stream 0), so a world generated with
 * the runtime's own seed does not write the ids the runtime makes next.
 */
const WORLD_ID_STREAM = 0x301d;

/**
 * Generates a bulk world into an empty, migrated store: bootstraps the program and imports the
 * demo catalog (commands), then writes the parties, relationships and orders of `spec`.
 */
export async function generateBulkWorld(csp: OpenCsp, spec: BulkSpec): Promise<BulkWorld> {
  const program = csp.program;
  const store = csp.store;
  const ids = seededIds(spec.seed ?? 1, WORLD_ID_STREAM);
  const now = spec.now ?? csp.now();
  const at = toInstant(now);
  const ledgerAll = (spec.ledger ?? 'all') === 'all';
  const chunk = spec.chunk ?? 5_000;
  const progress = spec.onProgress ?? (() => undefined);
  const loader = new Loader(store.dialect);
  const operator = await bootstrap(csp);
  must(await csp.execute(importCatalog, { principal: SYSTEM }, { catalog: loadDemoCatalog() }), 'catalog');
  const operatorUserId = operator.principal.kind === 'user' ? operator.principal.userId : null;
  const mpa = program.agreements.partner;
  const mca = program.agreements.customer;

  // One ledger event; a "command" is a request id shared by its events.
  const event = (
    command: string,
    requestId: string,
    principal: { kind: string; userId: string | null; tenantId: string | null },
    type: string,
    entityType: string,
    entityId: string,
    payload: unknown,
  ) =>
    loader.add('ledger_events', {
      id: ids.orderedGuid(),
      occurred_at: at,
      command,
      type,
      entity_type: entityType,
      entity_id: entityId,
      principal_kind: principal.kind,
      principal_user_id: principal.userId,
      principal_tenant_id: principal.tenantId,
      request_id: requestId,
      payload: JSON.stringify(payload),
    });
  const anonymous = { kind: 'anonymous', userId: null, tenantId: null };
  const user = (userId: string, tenantId: string) => ({ kind: 'user', userId, tenantId });
  const operatorP = user(operatorUserId ?? '', operator.tenantId);

  /** Organization, tenant, (location,) global admin: `onboardPartner` / `registerCustomer`. */
  const party = (legalName: string, country: string, kind: 'partner' | 'customer', partnerIds: number[]) => {
    const orgId = ids.guid();
    const tenantId = ids.guid();
    const userId = ids.guid();
    const domain = `${slug(legalName)}.onmicrosoft.example`;
    const email = `admin@${domain}`;
    const displayName = `${legalName} Admin`;
    const registrationId =
      kind === 'partner' && program.registrationIdRequiredCountries.includes(country)
        ? `REG-${slug(legalName)}`
        : null;
    const globalPartnerId = kind === 'partner' ? (partnerIds[0] as number) : null;
    const partnerId = kind === 'partner' ? (partnerIds[1] as number) : 0;
    loader.add('organizations', {
      id: orgId,
      legal_name: legalName,
      country,
      address: address(country),
      registration_id: registrationId,
      affiliate_group_id: null,
      global_partner_id: globalPartnerId,
      is_vendor: 0,
      created_at: at,
    });
    loader.add('tenants', {
      id: tenantId,
      organization_id: orgId,
      type: kind,
      domain,
      display_name: legalName,
      country,
      created_at: at,
    });
    if (kind === 'partner')
      loader.add('partner_locations', {
        partner_id: partnerId,
        organization_id: orgId,
        country,
        registration_id: registrationId,
        tenant_id: tenantId,
        created_at: at,
        associated_at: at,
      });
    loader.add('users', {
      id: userId,
      tenant_id: tenantId,
      email,
      display_name: displayName,
      created_at: at,
    });
    loader.add('user_roles', { user_id: userId, role: 'global-admin' });
    if (ledgerAll || kind === 'partner') {
      const command = kind === 'partner' ? 'parties.onboard-partner' : 'parties.register-customer';
      const req = ids.guid();
      event(command, req, anonymous, 'organization.created', 'organization', orgId, {
        id: orgId,
        legalName,
        country,
        address: JSON.parse(address(country)),
        registrationId,
        affiliateGroupId: null,
        globalPartnerId,
        isVendor: false,
        createdAt: at,
      });
      event(command, req, anonymous, 'tenant.created', 'tenant', tenantId, {
        id: tenantId,
        organizationId: orgId,
        type: kind,
        domain,
        displayName: legalName,
        country,
        createdAt: at,
      });
      if (kind === 'partner')
        event(command, req, anonymous, 'partner-location.added', 'partner-location', String(partnerId), {
          partnerId,
          organizationId: orgId,
          country,
          registrationId,
          tenantId,
          createdAt: at,
          associatedAt: at,
        });
      event(command, req, anonymous, 'user.added', 'user', userId, {
        id: userId,
        tenantId,
        email,
        displayName,
        roles: ['global-admin'],
        createdAt: at,
      });
      if (kind === 'partner')
        event(command, req, anonymous, 'partner.onboarded', 'organization', orgId, {
          tenantId,
          partnerId,
          globalAdminUserId: userId,
        });
    }
    return { orgId, tenantId, userId, email, displayName, partnerId };
  };

  /** `addPartner`: onboard, enroll, (direct-bill checklist,) verify, sign the partner agreement. */
  const partner = (
    role: 'indirect-provider' | 'indirect-reseller' | 'direct-bill',
    legalName: string,
    country: string,
    partnerIds: number[],
    provider: number,
  ): BulkPartner => {
    const p = party(legalName, country, 'partner', partnerIds);
    const admin = user(p.userId, p.tenantId);
    const region = program.catalogue.regionOf(country) ?? '';
    const enrollmentId = ids.guid();
    loader.add('enrollments', {
      id: enrollmentId,
      tenant_id: p.tenantId,
      role,
      status: 'active',
      submitted_at: at,
      submitted_by: p.userId,
      updated_at: at,
      reason: null,
    });
    event('enrollments.enroll', ids.guid(), admin, 'enrollment.submitted', 'enrollment', enrollmentId, {
      id: enrollmentId,
      tenantId: p.tenantId,
      role,
      status: 'pending',
      submittedAt: at,
      updatedAt: at,
      reason: null,
    });
    if (role === 'direct-bill') {
      const min = program.directBill.minimumTrailingRevenue;
      for (const def of program.directBill.requirements) {
        if (def.derived) continue;
        const amount = def.amount ? min.amountMinor + 5_000_00 : null;
        const currency = def.amount ? min.currency : null;
        const evidence = `Evidence for ${def.key}`;
        loader.add('direct_bill_requirements', {
          enrollment_id: enrollmentId,
          item: def.key,
          status: 'verified',
          evidence,
          amount_minor: amount,
          currency,
          recorded_at: at,
          recorded_by: p.userId,
          verified_at: at,
          verified_by: operatorUserId,
        });
        event(
          'enrollments.record-requirement',
          ids.guid(),
          admin,
          'enrollment.requirement-recorded',
          'enrollment',
          enrollmentId,
          {
            item: def.key,
            evidence,
            amountMinor: amount,
            currency,
            at,
            by: p.userId,
          },
        );
        event(
          'enrollments.verify-requirement',
          ids.guid(),
          operatorP,
          'enrollment.requirement-verified',
          'enrollment',
          enrollmentId,
          {
            item: def.key,
          },
        );
      }
    }
    event('enrollments.verify', ids.guid(), operatorP, 'enrollment.qualified', 'enrollment', enrollmentId, {
      from: 'pending',
      to: 'qualified',
      reason: null,
    });
    const acceptanceId = ids.guid();
    loader.add('agreement_acceptances', {
      id: acceptanceId,
      agreement: 'partner',
      version: mpa.version,
      organization_id: p.orgId,
      tenant_id: p.tenantId,
      region,
      signer_user_id: p.userId,
      signer_name: p.displayName,
      signer_email: p.email,
      accepted_at: at,
      recorded_at: at,
      recorded_by: p.userId,
      supersedes_id: null,
    });
    const sign = ids.guid();
    event(
      'agreements.sign-partner-agreement',
      sign,
      admin,
      'agreement.accepted',
      'agreement-acceptance',
      acceptanceId,
      {
        id: acceptanceId,
        agreement: 'partner',
        version: mpa.version,
        organizationId: p.orgId,
        tenantId: p.tenantId,
        region,
        signer: { userId: p.userId, name: p.displayName, email: p.email },
        acceptedAt: at,
        recordedAt: at,
        supersedesId: null,
      },
    );
    event(
      'agreements.sign-partner-agreement',
      sign,
      admin,
      'partner-agreement.signed',
      'organization',
      p.orgId,
      {
        acceptanceId,
        region,
        version: mpa.version,
      },
    );
    event(
      'agreements.sign-partner-agreement',
      sign,
      admin,
      'enrollment.activated',
      'enrollment',
      enrollmentId,
      {
        from: 'qualified',
        to: 'active',
        reason: null,
      },
    );
    return {
      tenantId: p.tenantId,
      organizationId: p.orgId,
      partnerId: p.partnerId,
      adminUserId: p.userId,
      country,
      legalName,
      provider,
    };
  };

  /** `connectReseller`: the provider invites, the reseller accepts. */
  const partnership = (provider: BulkPartner, reseller: BulkPartner) => {
    const id = ids.guid();
    const expiresAt = toInstant(invitationExpiresAt(program, now));
    loader.add('partnerships', {
      id,
      provider_tenant_id: provider.tenantId,
      reseller_tenant_id: reseller.tenantId,
      state: 'active',
      invitation_token: ids.guid(),
      invited_at: at,
      invited_by: provider.adminUserId,
      expires_at: expiresAt,
      accepted_at: at,
      accepted_by: reseller.adminUserId,
      ended_at: null,
      end_reason: null,
      updated_at: at,
    });
    event(
      'partnerships.invite',
      ids.guid(),
      user(provider.adminUserId, provider.tenantId),
      'partnership.invited',
      'partnership',
      id,
      {
        providerTenantId: provider.tenantId,
        resellerTenantId: reseller.tenantId,
        resellerPartnerId: reseller.partnerId,
        invitedBy: provider.adminUserId,
        expiresAt,
      },
    );
    event(
      'partnerships.accept',
      ids.guid(),
      user(reseller.adminUserId, reseller.tenantId),
      'partnership.accepted',
      'partnership',
      id,
      {
        providerTenantId: provider.tenantId,
        resellerTenantId: reseller.tenantId,
        acceptedBy: reseller.adminUserId,
      },
    );
  };

  const indexes = await store.write(async (tx) => ({ commit: true, value: await loader.suspendIndexes(tx) }));
  try {
    return await load();
  } finally {
    progress('indexes', 0, indexes.length);
    await store.write(async (tx) => {
      await loader.restoreIndexes(tx, indexes);
      return { commit: true, value: undefined };
    });
    progress('indexes', indexes.length, indexes.length);
    // Millions of rows arrived at once: PostgreSQL plans with fresh statistics, not autoanalyze's.
    await store.refreshStatistics([
      'subscriptions',
      'subscription_billing',
      'subscription_term_prices',
      'billing_lines',
      'invoices',
      'orders',
      'order_lines',
      'tenants',
      'ledger_events',
    ]);
  }

  async function load(): Promise<BulkWorld> {
    // --- Partners --------------------------------------------------------------------------------
    const countries = spec.countries;
    const totalPartners = spec.providers * (1 + spec.resellersPerProvider) + spec.directBill;
    // Two Partner IDs per partner (global account, location), from the store's own sequence.
    const partnerIds: number[] = [];
    await store.write(async (tx) => {
      for (let k = 0; k < totalPartners * 2; k++)
        partnerIds.push(program.partnerIds.first - 1 + (await store.nextValue(tx, 'partner_id')));
      return { commit: true, value: undefined };
    });
    let nextPid = 0;
    const pids = () => [partnerIds[nextPid++] as number, partnerIds[nextPid++] as number];
    const providers: BulkPartner[] = [];
    const resellers: BulkPartner[] = [];
    const directBill: BulkPartner[] = [];
    const perCountry = new Map<string, number>();
    const nth = (kind: string, country: string) => {
      const key = `${kind}:${country}`;
      const n = (perCountry.get(key) ?? 0) + 1;
      perCountry.set(key, n);
      return n;
    };
    let partnersDone = 0;
    const partnerChunk = Math.max(1, Math.floor(chunk / 4));
    for (let p0 = 0; p0 < spec.providers; p0 += partnerChunk) {
      await store.write(async (tx) => {
        for (let p = p0; p < Math.min(spec.providers, p0 + partnerChunk); p++) {
          const country = countries[p % countries.length] as string;
          const provider = partner(
            'indirect-provider',
            `Distributor ${country} ${nth('p', country)}`,
            country,
            pids(),
            -1,
          );
          providers.push(provider);
          for (let r = 0; r < spec.resellersPerProvider; r++) {
            const reseller = partner(
              'indirect-reseller',
              `Reseller ${country.toLowerCase()} ${nth('r', country)}`,
              country,
              pids(),
              p,
            );
            resellers.push(reseller);
            partnership(provider, reseller);
            await loader.flushFull(tx);
          }
          partnersDone += 1 + spec.resellersPerProvider;
          progress('partners', partnersDone, totalPartners);
        }
        await loader.flushAll(tx);
        return { commit: true, value: undefined };
      });
    }
    for (let d0 = 0; d0 < spec.directBill; d0 += partnerChunk) {
      await store.write(async (tx) => {
        for (let d = d0; d < Math.min(spec.directBill, d0 + partnerChunk); d++) {
          const country = countries[d % countries.length] as string;
          directBill.push(
            partner(
              'direct-bill',
              `Direct Partner ${country.toLowerCase()} ${nth('d', country)}`,
              country,
              pids(),
              -1,
            ),
          );
          await loader.flushFull(tx);
          progress('partners', ++partnersDone, totalPartners);
        }
        await loader.flushAll(tx);
        return { commit: true, value: undefined };
      });
    }

    // --- The offers each country's orders use ----------------------------------------------------
    const vendorTenantId = operator.tenantId;
    const offers: Record<string, Offer[]> = {};
    await store.read(async (tx) => {
      const skus = await tx.selectFrom('skus').select('id').orderBy('id').execute();
      for (const country of countries) {
        const market = program.catalogue.market(country);
        const list: Offer[] = [];
        for (const { id } of skus) {
          const found = market && (await findSkuInMarket(tx, id, country));
          const price = found?.availability?.prices[0];
          if (!market || !found || !price || found.product.ownerTenantId !== null) continue;
          const quantity = Math.min(found.sku.maxQuantity, Math.max(found.sku.minQuantity, 5));
          const line = {
            catalogItemId: id,
            quantity,
            termDuration: price.termDuration,
            billingCycle: price.billingCycle,
          };
          if (checkCatalogLine(line, found, market, [], 'line').violations.length > 0) continue;
          list.push({
            line: {
              ...line,
              productId: found.product.id,
              offerTitle: `${found.product.title} — ${found.sku.title}`,
              publisher: found.product.publisherKind,
              billing: found.sku.billing,
              unitPriceMinor: price.unitPriceMinor,
              currency: market.currency,
              autoRenew: found.sku.billing === 'license',
            },
            ownerTenantId: found.product.ownerTenantId,
          });
        }
        offers[country] = list;
      }
    });

    // --- Customers, their relationships and orders -----------------------------------------------
    const resellersIn = byCountry({ spec }, resellers);
    const directIn = byCountry({ spec }, directBill);
    const customerTenantIds: string[] = [];
    const customerAdminUserIds: string[] = [];
    const vendor: ChainParty = {
      tenantId: vendorTenantId,
      role: 'vendor',
      partnerId: null,
      name: program.vendor.legalName,
    };
    const chainParty = (p: BulkPartner, role: ChainRole): ChainParty => ({
      tenantId: p.tenantId,
      role,
      partnerId: p.partnerId,
      name: p.legalName,
    });
    const invitationDays = program.policies.partnershipInvitationDays;

    // Billing (`startBilling`): every tier's unit price is locked at order time and the first charge
    // cycle is charged (`new`), one line per billing relationship of the chain (`cascade`). A new
    // world has no price lists, rules or buyer groups, so a chain's prices depend on the offer and
    // its partners but not on the customer (only the last tier's buyer): each (offer, seller,
    // partner of record) is priced once, by `priceChain` with the program's default rule.
    const priceDate = dateOf(now);
    const anchorDay = now.getUTCDate();
    const noSellers = new Map();
    const chainPrices = new Map<string, readonly TierPrice[]>();
    const tierPrices = (key: string, l: OrderLine, country: string): TierPrice[] => {
      const customerTenantId = l.salesChain.at(-1)?.tenantId as string;
      let prices = chainPrices.get(key);
      if (!prices) {
        const priced = priceChain({
          chain: l.salesChain,
          key: {
            productId: l.productId,
            skuId: l.catalogItemId,
            termDuration: l.termDuration,
            billingCycle: l.billingCycle,
            country,
            currency: l.currency,
          },
          date: priceDate,
          catalogPriceMinor: l.unitPriceMinor,
          sellers: noSellers,
          programDefault: program.policies.defaultRepricing ?? null,
        });
        if (!priced.ok)
          throw new Error(
            `bulk world: the commands would refuse this order: ${priced.violations.map((v) => v.message).join(' ')}`,
          );
        prices = priced.value;
        chainPrices.set(key, prices);
      }
      const last = prices.length - 1;
      return prices.map((p, i) => (i === last ? { ...p, buyerTenantId: customerTenantId } : p));
    };
    /** The first charge cycle and the next charge, per (term, billing cycle): every term starts `now`. */
    const firstCycles = new Map<string, { cycle: ChargeCycle; nextChargeAt: string | null }>();
    const firstCycle = (term: TermDuration, billingCycle: BillingCycle) => {
      const key = `${term}/${billingCycle}`;
      let found = firstCycles.get(key);
      if (!found) {
        const c = cycle(now, anchorDay, cycleMonths(term, billingCycle), 0);
        const next = nextCycleStart(now, anchorDay, term, billingCycle, c);
        found = { cycle: c, nextChargeAt: next && toInstant(next) };
        firstCycles.set(key, found);
      }
      return found;
    };
    /**
     * The draft invoice of a relationship for a period, as `billing/drafts.ts` writes it for the
     * first line that needs it (every line is on its draft from the start). A customer's drafts
     * are kept while its order is written (one order per customer), the partners' for the load.
     */
    const partnerDrafts = new Map<string, string>();
    let customerDrafts = { customer: '', drafts: new Map<string, string>() };
    const draftOf = (seller: string, buyer: string, currency: string, period: string, customer: string) => {
      if (buyer === customer && customerDrafts.customer !== customer)
        customerDrafts = { customer, drafts: new Map() };
      const drafts = buyer === customer ? customerDrafts.drafts : partnerDrafts;
      const key = `${period}\n${seller}\n${buyer}\n${currency}`;
      let id = drafts.get(key);
      if (id === undefined) {
        id = ids.orderedGuid();
        drafts.set(key, id);
        loader.add(
          'invoices',
          draftRow(
            id,
            { kind: 'invoice', seller, buyer, currency, period, closedIn: period, original: null },
            at,
          ),
        );
      }
      return id;
    };
    /** `startBilling` of one new subscription: its billing state and (licensed) its `new` lines. */
    const startBilling = (
      l: OrderLine,
      subscriptionId: string,
      orderId: string,
      customerTenantId: string,
      country: string,
      chainText: string,
      key: string,
    ) => {
      const prices = tierPrices(key, l, country);
      const pricesText = tierPricesToJson(prices);
      loader.add('subscription_term_prices', {
        subscription_id: subscriptionId,
        term_prices: `{"chain":${chainText},"prices":${pricesText}}`,
      });
      if (l.billing !== 'license' || l.termDuration === null) {
        loader.add('subscription_billing', {
          subscription_id: subscriptionId,
          customer_country: country,
          cycle_state: null,
          next_charge_at: null,
          updated_at: at,
        });
        return;
      }
      const { cycle: c, nextChargeAt } = firstCycle(l.termDuration, l.billingCycle);
      const referenceId = ids.guid();
      const eventId = ids.guid();
      const chain = l.salesChain;
      const nearest = chain.at(-2)?.partnerId ?? null;
      const raw = cascade(
        { chargeType: 'new', quantity: l.quantity, sign: 1, cycle: c, fromDay: 0 },
        prices,
        l.currency,
        () => ids.orderedGuid(),
      );
      const occurredAt = toInstant(c.start);
      for (const [i, line] of raw.entries()) {
        const period = line.chargeStart.slice(0, 7);
        const invoiceId = draftOf(
          line.sellerTenantId,
          line.buyerTenantId,
          l.currency,
          period,
          customerTenantId,
        );
        loader.add('billing_lines', {
          id: line.id,
          event_id: eventId,
          reference_id: referenceId,
          charge_type: line.chargeType,
          tier: line.tier,
          seller_tenant_id: line.sellerTenantId,
          buyer_tenant_id: line.buyerTenantId,
          seller_partner_id: chain.find((p) => p.tenantId === line.sellerTenantId)?.partnerId ?? null,
          buyer_partner_id: chain.find((p) => p.tenantId === line.buyerTenantId)?.partnerId ?? null,
          reseller_partner_id: nearest,
          subscription_id: subscriptionId,
          order_id: orderId,
          customer_tenant_id: customerTenantId,
          customer_country: country,
          product_id: l.productId,
          sku_id: l.catalogItemId,
          charge_start: line.chargeStart,
          charge_end: line.chargeEnd,
          quantity: line.quantity,
          unit_price_micros: line.unitPriceMicros.toString(),
          amount_minor: line.amount.toString(),
          source_amount_minor: i === 0 ? null : (raw[i - 1]?.amount.toString() ?? null),
          currency: l.currency,
          source_line_id: line.sourceLineId,
          refunds_line_id: line.refundsLineId,
          reason: null,
          period,
          invoice_id: invoiceId,
          occurred_at: occurredAt,
          line_no: i,
        });
      }
      // `CycleState` as the store writes it: charged on the term's own chain and prices, so without
      // them (`"ofTerm": true`, `billing/store.ts`).
      const head = JSON.stringify({
        index: c.index,
        start: toInstant(c.start),
        end: toInstant(c.end),
        days: c.days,
        quantity: l.quantity,
      });
      loader.add('subscription_billing', {
        subscription_id: subscriptionId,
        customer_country: country,
        cycle_state: `${head.slice(0, -1)},"chargeLineIds":${JSON.stringify(raw.map((r) => r.id))},"ofTerm":true}`,
        next_charge_at: nextChargeAt,
        updated_at: at,
      });
    };

    const customer = (g: number) => {
      const country = countries[g % countries.length] as string;
      const i = Math.floor(g / countries.length) + 1;
      const legalName = `Customer ${country.toLowerCase()} ${i}`;
      const c = party(legalName, country, 'customer', []);
      customerTenantIds.push(c.tenantId);
      customerAdminUserIds.push(c.userId);
      const admin = user(c.userId, c.tenantId);
      const acceptanceId = ids.guid();
      loader.add('agreement_acceptances', {
        id: acceptanceId,
        agreement: 'customer',
        version: mca.version,
        organization_id: c.orgId,
        tenant_id: c.tenantId,
        region: null,
        signer_user_id: c.userId,
        signer_name: c.displayName,
        signer_email: c.email,
        accepted_at: at,
        recorded_at: at,
        recorded_by: c.userId,
        supersedes_id: null,
      });
      if (ledgerAll)
        event(
          'agreements.accept-customer-agreement',
          ids.guid(),
          admin,
          'agreement.accepted',
          'agreement-acceptance',
          acceptanceId,
          {
            id: acceptanceId,
            agreement: 'customer',
            version: mca.version,
            organizationId: c.orgId,
            tenantId: c.tenantId,
            region: null,
            signer: { userId: c.userId, name: c.displayName, email: c.email },
            acceptedAt: at,
            recordedAt: at,
            supersedesId: null,
          },
        );
      const chain = assign(countries, resellersIn, directIn, providers, g);
      if (!chain) return;
      // `connectCustomer`: the reseller (authorizing its provider) or the direct-bill partner invites.
      const inviter = chain.partnerOfRecord ?? chain.seller;
      const provider = chain.partnerOfRecord ? chain.seller : undefined;
      const invitationId = ids.guid();
      const expiresAt = toInstant(addDays(now, invitationDays));
      loader.add('customer_invitations', {
        id: invitationId,
        partner_tenant_id: inviter.tenantId,
        provider_tenant_id: provider?.tenantId ?? null,
        customer_tenant_id: c.tenantId,
        request_delegated_admin: 1,
        token: ids.guid(),
        status: 'accepted',
        created_at: at,
        created_by: inviter.adminUserId,
        expires_at: expiresAt,
        decided_at: at,
        decided_by: c.userId,
      });
      const invitation = {
        id: invitationId,
        partnerTenantId: inviter.tenantId,
        providerTenantId: provider?.tenantId ?? null,
        customerTenantId: c.tenantId,
        requestDelegatedAdmin: true,
        status: 'pending',
        createdAt: at,
        expiresAt,
      };
      const acceptReq = ids.guid();
      if (ledgerAll) {
        event(
          'customers.invite',
          ids.guid(),
          user(inviter.adminUserId, inviter.tenantId),
          'customer-invitation.created',
          'customer-invitation',
          invitationId,
          invitation,
        );
        event(
          'customers.accept-invitation',
          acceptReq,
          admin,
          'customer-invitation.accepted',
          'customer-invitation',
          invitationId,
          {
            ...invitation,
            status: 'accepted',
            decidedAt: at,
          },
        );
      }
      const relate = (p: BulkPartner, associated: string | null) => {
        const id = ids.guid();
        loader.add('customer_relationships', {
          id,
          partner_tenant_id: p.tenantId,
          customer_tenant_id: c.tenantId,
          associated_partner_tenant_id: associated,
          state: 'active',
          delegated_admin: 1,
          source: 'invitation',
          invitation_id: invitationId,
          created_at: at,
          removed_at: null,
          removed_by: null,
        });
        if (ledgerAll)
          event(
            'customers.accept-invitation',
            acceptReq,
            admin,
            'customer-relationship.created',
            'customer-relationship',
            id,
            {
              id,
              partnerTenantId: p.tenantId,
              customerTenantId: c.tenantId,
              associatedPartnerTenantId: associated,
              delegatedAdmin: true,
              source: 'invitation',
              invitationId,
              state: 'active',
              createdAt: at,
              removedAt: null,
            },
          );
      };
      relate(inviter, null);
      if (provider) relate(provider, inviter.tenantId);

      // One completed order (`placeOrder`): its lines, one subscription each.
      const available = offers[country] ?? [];
      if (spec.linesPerOrder === 0 || available.length === 0) return;
      const seller = chain.seller;
      const por = chain.partnerOfRecord;
      const orderId = ids.guid();
      const customerParty: ChainParty = {
        tenantId: c.tenantId,
        role: 'customer',
        partnerId: null,
        name: legalName,
      };
      const sellerParty = chainParty(seller, por ? 'indirect-provider' : 'direct-bill');
      const porParty = por && chainParty(por, 'indirect-reseller');
      const orderReq = ids.guid();
      const sellerP = user(seller.adminUserId, seller.tenantId);
      const lines: OrderLine[] = [];
      const currency = (available[0] as Offer).line.currency;
      let total = 0;
      for (let n = 0; n < spec.linesPerOrder; n++) {
        const offer = available[n % available.length] as Offer;
        const chainJson = salesChain(vendor, sellerParty, porParty, customerParty, offer.ownerTenantId);
        const line: OrderLine = {
          lineNumber: n + 1,
          ...offer.line,
          partnerIdOnRecord: por?.partnerId ?? null,
          partnerOfRecordTenantId: por?.tenantId ?? null,
          salesChain: chainJson,
          subscriptionId: ids.orderedGuid(),
        };
        lines.push(line);
        total += line.unitPriceMinor * line.quantity;
      }
      loader.add('orders', {
        id: orderId,
        customer_tenant_id: c.tenantId,
        seller_tenant_id: seller.tenantId,
        requested_by_tenant_id: null,
        status: 'completed',
        currency,
        total_minor: total,
        placed_by_user_id: seller.adminUserId,
        placed_by_tenant_id: seller.tenantId,
        failure: null,
        created_at: at,
        updated_at: at,
      });
      for (const l of lines) {
        const chainText = JSON.stringify(l.salesChain);
        const licensed = l.billing === 'license' && l.termDuration !== null;
        const termEndAt = licensed && l.termDuration ? toInstant(termEnd(now, l.termDuration, now)) : null;
        const windowEnd = licensed
          ? toInstant(cancellationWindowEnd(now, program.policies.cancellationWindowHours))
          : null;
        const autoRenew = licensed && l.autoRenew;
        const lineId = orderLineId(orderId, l.lineNumber);
        loader.add('order_lines', {
          id: lineId,
          order_id: orderId,
          line_number: l.lineNumber,
          sku_id: l.catalogItemId,
          product_id: l.productId,
          offer_title: l.offerTitle,
          publisher_kind: l.publisher,
          billing: l.billing,
          quantity: l.quantity,
          term_duration: l.termDuration,
          billing_cycle: l.billingCycle,
          unit_price_minor: l.unitPriceMinor,
          currency: l.currency,
          partner_id_on_record: l.partnerIdOnRecord,
          partner_tenant_id: l.partnerOfRecordTenantId,
          auto_renew: l.autoRenew ? 1 : 0,
          sales_chain: chainText,
          subscription_id: l.subscriptionId,
        });
        loader.add('subscriptions', {
          id: l.subscriptionId as string,
          customer_tenant_id: c.tenantId,
          seller_tenant_id: seller.tenantId,
          order_id: orderId,
          order_line_id: lineId,
          sku_id: l.catalogItemId,
          product_id: l.productId,
          offer_title: l.offerTitle,
          publisher_kind: l.publisher,
          billing: l.billing,
          quantity: l.quantity,
          term_duration: l.termDuration,
          billing_cycle: l.billingCycle,
          unit_price_minor: l.unitPriceMinor,
          currency: l.currency,
          status: 'active',
          auto_renew: autoRenew ? 1 : 0,
          start_at: at,
          term_start_at: at,
          term_end_at: termEndAt,
          cancellation_window_ends_at: windowEnd,
          partner_id: l.partnerIdOnRecord,
          partner_tenant_id: l.partnerOfRecordTenantId,
          support_contact_tenant_id: null,
          sales_chain: chainText,
          suspended_at: null,
          ended_at: null,
          created_at: at,
          updated_at: at,
        });
        startBilling(
          l,
          l.subscriptionId as string,
          orderId,
          c.tenantId,
          country,
          chainText,
          `${country}/${l.catalogItemId}/${seller.tenantId}/${por?.tenantId ?? '-'}`,
        );
        if (ledgerAll)
          event(
            'orders.place',
            orderReq,
            sellerP,
            'subscription.created',
            'subscription',
            l.subscriptionId as string,
            {
              id: l.subscriptionId,
              customerTenantId: c.tenantId,
              sellerTenantId: seller.tenantId,
              orderId,
              orderLineId: lineId,
              catalogItemId: l.catalogItemId,
              productId: l.productId,
              offerTitle: l.offerTitle,
              publisher: l.publisher,
              billing: l.billing,
              quantity: l.quantity,
              termDuration: l.termDuration,
              billingCycle: l.billingCycle,
              unitPriceMinor: l.unitPriceMinor,
              currency: l.currency,
              status: 'active',
              autoRenew,
              startAt: at,
              termStartAt: at,
              termEndAt,
              cancellationWindowEndsAt: windowEnd,
              partnerId: l.partnerIdOnRecord,
              partnerTenantId: l.partnerOfRecordTenantId,
              supportContactTenantId: null,
              salesChain: l.salesChain,
              suspendedAt: null,
              endedAt: null,
              createdAt: at,
              updatedAt: at,
            },
          );
      }
      if (ledgerAll)
        event('orders.place', orderReq, sellerP, 'order.placed', 'order', orderId, {
          id: orderId,
          customerTenantId: c.tenantId,
          sellerTenantId: seller.tenantId,
          requestedByTenantId: null,
          status: 'completed',
          currency,
          totalMinor: total,
          placedBy: { userId: seller.adminUserId, tenantId: seller.tenantId },
          failure: null,
          lines,
          createdAt: at,
          updatedAt: at,
        });
    };

    for (let g0 = 0; g0 < spec.customers; g0 += chunk) {
      await store.write(async (tx) => {
        const end = Math.min(spec.customers, g0 + chunk);
        for (let g = g0; g < end; g++) {
          customer(g);
          if ((g & 63) === 63) await loader.flushFull(tx);
        }
        await loader.flushAll(tx);
        progress('customers', end, spec.customers);
        return { commit: true, value: undefined };
      });
    }

    return {
      operator,
      spec,
      providers,
      resellers,
      directBill,
      customerTenantIds,
      customerAdminUserIds,
      rows: { ...loader.counts },
      offers: Object.fromEntries(
        Object.entries(offers).map(([c, list]) => [
          c,
          list.map(({ line: l }) => ({
            catalogItemId: l.catalogItemId,
            quantity: l.quantity,
            termDuration: l.termDuration,
            billingCycle: l.billingCycle,
          })),
        ]),
      ),
    };
  }
}
