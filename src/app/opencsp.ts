/**
 * The application runtime: a store, a program and a clock, executing commands and queries.
 *
 * @example
 * const csp = await openOpenCsp({ database: ':memory:' });
 * const out = await csp.execute(onboardPartner, { principal: ANONYMOUS }, { ... });
 */
import { createHash, randomUUID } from 'node:crypto';
import { type IdSource, randomIds } from '../kernel/ids.ts';
import { type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { toInstant } from '../kernel/time.ts';
import { appendEvents, type LedgerRow } from '../ledger/store.ts';
import { defaultProgram } from '../program/load.ts';
import type { Program } from '../program/program.ts';
import { migrate } from '../store/migrations/index.ts';
import { openStore, type Store } from '../store/store.ts';
import type { Command, Query } from './command.ts';
import type { CommandContext, RequestInfo } from './context.ts';

export interface OpenCspOptions {
  /** Store URL (see `openStore`); default `:memory:`. Ignored when `store` is given. */
  readonly database?: string;
  readonly store?: Store;
  readonly program?: Program;
  readonly ids?: IdSource;
  /** The runtime clock; a request may still pass its own `now`. */
  readonly clock?: () => Date;
  /** Run migrations on open (default true). */
  readonly migrate?: boolean;
}

export interface ExecuteOptions {
  /** Evaluate the command fully, then roll back: the same decision, nothing written. */
  readonly dryRun?: boolean;
  /**
   * Exactly-once retries: the accepted outcome is stored under (scope, key) in the command's own
   * transaction; the same key with the same input returns it again without running the command,
   * with a different input it is refused (IDEMPOTENCY_KEY_REUSED).
   */
  readonly idempotencyKey?: { readonly scope: string; readonly key: string };
}

/** The `settings` key of a sandbox world's clock offset (milliseconds ahead of the runtime clock). */
export const CLOCK_OFFSET_SETTING = 'clock.offset-ms';

export class OpenCsp {
  private clockOffsetMs = 0;

  constructor(
    readonly store: Store,
    readonly program: Program,
    private readonly ids: IdSource,
    private readonly clock: () => Date,
  ) {}

  /** Runs a command in one transaction. Refused or dry-run commands write nothing. */
  async execute<I, O>(
    command: Command<I, O>,
    request: RequestInfo,
    input: unknown,
    options: ExecuteOptions = {},
  ): Promise<Outcome<O>> {
    const parsed = command.parse(input, this.program);
    if (!parsed.ok) return parsed;
    const base = this.base(request);
    const idem = options.idempotencyKey;
    const requestHash =
      idem &&
      createHash('sha256')
        .update(`${command.name}\n${JSON.stringify(input)}`)
        .digest('hex');
    return this.store.write(async (tx) => {
      if (idem && !options.dryRun) {
        const prior = await tx
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('scope', '=', idem.scope)
          .where('key', '=', idem.key)
          .executeTakeFirst();
        if (prior) {
          const value: Outcome<O> =
            prior.request_hash === requestHash
              ? { ok: true, value: JSON.parse(prior.response) as O }
              : refuse(
                  violation(
                    'IDEMPOTENCY_KEY_REUSED',
                    `Idempotency-Key ${idem.key} was used with a different request.`,
                    {
                      remedies: ['Use a new key for a new request.'],
                    },
                  ),
                );
          return { commit: false, value };
        }
      }
      // The command's events, in the order it records them; written in one go when it succeeds
      // (a refusal or a throw rolls the transaction back anyway).
      const events: LedgerRow[] = [];
      const ctx: CommandContext = {
        ...base,
        tx,
        ids: this.ids,
        nextValue: (name) => this.store.nextValue(tx, name),
        record: async (event) => {
          events.push({
            id: this.ids.orderedGuid(),
            occurred_at: toInstant(base.now),
            command: command.name,
            type: event.type,
            entity_type: event.entityType,
            entity_id: event.entityId,
            principal_kind: base.principal.kind,
            principal_user_id: base.principal.kind === 'user' ? base.principal.userId : null,
            principal_tenant_id: base.principal.kind === 'user' ? base.principal.tenantId : null,
            request_id: base.requestId,
            payload: JSON.stringify(event.payload),
          });
        },
      };
      const outcome = await command.run(ctx, parsed.value);
      if (outcome.ok) await appendEvents(tx, events);
      if (outcome.ok && idem && !options.dryRun) {
        await tx
          .insertInto('idempotency_keys')
          .values({
            scope: idem.scope,
            key: idem.key,
            command: command.name,
            request_hash: requestHash as string,
            response: JSON.stringify(outcome.value),
            created_at: toInstant(base.now),
          })
          .execute();
      }
      return { commit: outcome.ok && !options.dryRun, value: outcome };
    });
  }

  /** Runs a query on a consistent read snapshot. */
  async query<I, O>(query: Query<I, O>, request: RequestInfo, input: unknown): Promise<Outcome<O>> {
    const parsed = query.parse(input, this.program);
    if (!parsed.ok) return parsed;
    const base = this.base(request);
    return this.store.read((tx) => query.run({ ...base, tx }, parsed.value));
  }

  /** The runtime's time now: its clock plus the sandbox offset (see `subscriptions/clock.ts`). */
  now(): Date {
    return new Date(this.clock().getTime() + this.clockOffsetMs);
  }

  /** Applies a sandbox clock offset (after `clock.advance` committed). */
  setClockOffset(ms: number): void {
    this.clockOffsetMs = ms;
  }

  /** Loads the sandbox clock offset kept in the database, so a restarted server keeps its world's time. */
  async loadClockOffset(): Promise<number> {
    const row = await this.store.read((tx) =>
      tx.selectFrom('settings').select('value').where('key', '=', CLOCK_OFFSET_SETTING).executeTakeFirst(),
    );
    this.clockOffsetMs = row ? Number(row.value) : 0;
    return this.clockOffsetMs;
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private base(request: RequestInfo) {
    return {
      principal: request.principal,
      requestId: request.requestId ?? randomUUID(),
      now: request.now ?? this.now(),
      program: this.program,
    };
  }
}

/** Opens a store (migrating it unless told not to) and returns the runtime. */
export async function openOpenCsp(options: OpenCspOptions = {}): Promise<OpenCsp> {
  const store = options.store ?? openStore(options.database ?? ':memory:');
  if (options.migrate !== false) await migrate(store);
  const csp = new OpenCsp(
    store,
    options.program ?? defaultProgram(),
    options.ids ?? randomIds,
    options.clock ?? (() => new Date()),
  );
  if (options.migrate !== false) await csp.loadClockOffset();
  return csp;
}
