/**
 * A due batch writes only what changed. SQLite (and PostgreSQL, for its HOT updates) rewrites the
 * entry of every index whose column an `UPDATE` assigns, even to the same value: a renewal that
 * assigned every column of `subscriptions` dirtied a random page of the partner index per
 * subscription, a quarter of the month close's writes on the medium world. Checked on the
 * statements the batch sends, and on what it leaves in the rows.
 */
import type {
  Compilable,
  CompiledQuery,
  KyselyPlugin,
  PluginTransformQueryArgs,
  RootOperationNode,
} from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { OpenCsp } from '../src/app/opencsp.ts';
import { seededIds } from '../src/kernel/ids.ts';
import { SYSTEM } from '../src/kernel/principal.ts';
import { addDays } from '../src/kernel/time.ts';
import type { Store } from '../src/store/store.ts';
import { processDue } from '../src/subscriptions/due.ts';
import type { Subscription } from '../src/subscriptions/model.ts';
import { getSubscription, subscriptionUpdates } from '../src/subscriptions/store.ts';
import { must } from '../src/world/builder.ts';
import { buildCommerceWorld, type CommerceWorld, orderDirectSeats } from './support/commerce.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';

/** A store whose write transactions report the SQL of every statement they run. */
function recordingStore(store: Store, statements: string[]): Store {
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  return {
    ...store,
    write: (body) =>
      store.write((tx, attempt) => {
        const recording = tx.withPlugin({
          ...plugin,
          transformQuery(args) {
            statements.push(tx.getExecutor().compileQuery(args.node, args.queryId).sql);
            return args.node;
          },
        });
        // Statements compiled by hand (`insert-many.ts`, `update-many.ts`) pass no plugin.
        const run = recording.executeQuery.bind(recording);
        recording.executeQuery = ((query: CompiledQuery | Compilable) => {
          if ('sql' in query) statements.push(query.sql);
          return run(query);
        }) as typeof recording.executeQuery;
        return body(recording, attempt);
      }),
  };
}

/** The columns an `UPDATE <table> SET a = …, b = …` assigns. */
function assigned(statements: readonly string[], table: string): string[][] {
  return statements
    .filter((s) => new RegExp(`^update (or fail )?"?${table}"? set`, 'i').test(s))
    .map((s) =>
      [...(s.match(/ set (.*?) from /is)?.[1] ?? '').matchAll(/"?(\w+)"? = /g)].map((m) => m[1] as string),
    );
}

describeEachDatabase('due batch writes', (db) => {
  let csp: OpenCsp;
  let w: CommerceWorld;
  beforeEach(async () => {
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
  });

  const order = (autoRenew: boolean) => orderDirectSeats(csp, w, { autoRenew });

  const row = (id: string) =>
    csp.store.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('renewals assign their term columns only; the rows hold the new terms, the rest unchanged', async () => {
    const a = await order(true);
    const b = await order(true);
    const before = [await row(a), await row(b)];
    const statements: string[] = [];
    const recording = new OpenCsp(recordingStore(csp.store, statements), csp.program, seededIds(3), () => T0);
    const later = addDays(T0, 40);
    const due = must(await recording.execute(processDue, { principal: SYSTEM, now: later }, {}));
    expect(due.renewed).toBe(2);
    expect(assigned(statements, 'subscriptions')).toEqual([
      ['term_start_at', 'term_end_at', 'cancellation_window_ends_at', 'updated_at', 'version'],
    ]);
    for (const [i, id] of [a, b].entries()) {
      const now = await row(id);
      const was = before[i];
      expect(now.term_start_at).toBe(was?.term_end_at);
      expect((now.term_end_at ?? '') > (was?.term_end_at ?? '')).toBe(true);
      expect(Number(now.version)).toBe(Number(was?.version) + 1);
      expect({
        ...now,
        term_start_at: '',
        term_end_at: '',
        cancellation_window_ends_at: '',
        updated_at: '',
        version: 0,
      }).toEqual({
        ...was,
        term_start_at: '',
        term_end_at: '',
        cancellation_window_ends_at: '',
        updated_at: '',
        version: 0,
      });
    }
    // The billing states: the renewal's cycle and prices; updated_at always.
    const billing = assigned(statements, 'subscription_billing');
    expect(billing).toHaveLength(1);
    expect(billing[0]).toContain('updated_at');
    expect(billing[0]).not.toContain('customer_country');
    // Renewed at the same prices: the term prices (a table of their own, migration 0018) are not rewritten.
    expect(assigned(statements, 'subscription_term_prices')).toEqual([]);
  });

  it('a batch mixing a renewal and an expiry assigns the union of what changed, right for both rows', async () => {
    const renewing = await order(true);
    const expiring = await order(false);
    const statements: string[] = [];
    const recording = new OpenCsp(recordingStore(csp.store, statements), csp.program, seededIds(4), () => T0);
    must(await recording.execute(processDue, { principal: SYSTEM, now: addDays(T0, 40) }, {}));
    const columns = assigned(statements, 'subscriptions')[0] ?? [];
    expect(columns).toEqual(expect.arrayContaining(['status', 'ended_at', 'term_end_at', 'updated_at']));
    expect(columns).not.toContain('partner_tenant_id');
    expect(columns).not.toContain('sales_chain');
    const [r, e] = [await row(renewing), await row(expiring)];
    expect(r.status).toBe('active');
    expect(r.ended_at).toBeNull();
    expect(e.status).toBe('expired');
    expect(e.ended_at).not.toBeNull();
  });

  it('the sales chain is written when it changed, and only then, whichever object holds it', async () => {
    const id = await order(true);
    const s = (await csp.store.read((tx) => getSubscription(tx, id))) as Subscription;
    const before = new Map([[id, s]]);
    const columns = (next: Subscription) => subscriptionUpdates([next], before).columns.map((c) => c.name);
    // The same object (a renewal keeps it), or an equal copy (read again): not written.
    expect(columns({ ...s, updatedAt: 'later' })).toEqual(['updated_at']);
    expect(columns({ ...s, salesChain: JSON.parse(JSON.stringify(s.salesChain)) })).toEqual([]);
    // A party renamed: written, as its text.
    const renamed = s.salesChain.map((p, i) => (i === 1 ? { ...p, name: `${p.name} (renamed)` } : p));
    const update = subscriptionUpdates([{ ...s, salesChain: renamed }], before);
    expect(update.columns.map((c) => c.name)).toEqual(['sales_chain']);
    expect(update.rows).toEqual([[id, JSON.stringify(renamed)]]);
  });
});
