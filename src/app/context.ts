/**
 * The explicit context every service call takes first: who acts, when, under which request id,
 * in which transaction. No globals: `now` and the id source come in from outside, so the domain is
 * deterministic under test and a sandbox world can move its clock.
 */
import type { Kysely } from 'kysely';
import type { IdSource } from '../kernel/ids.ts';
import type { Principal } from '../kernel/principal.ts';
import type { LedgerEventDraft } from '../ledger/model.ts';
import type { Program } from '../program/program.ts';
import type { Database } from '../store/schema.ts';
import type { SequenceName } from '../store/store.ts';

/** What the caller (HTTP, CLI, tests) says about a request. */
export interface RequestInfo {
  readonly principal: Principal;
  /** Echoed from the caller's `MS-RequestId`-style header, or generated. */
  readonly requestId?: string;
  /** Overrides the runtime clock (tests, sandbox worlds). */
  readonly now?: Date;
}

/** The context of a query: a consistent read snapshot. */
export interface QueryContext {
  readonly principal: Principal;
  readonly requestId: string;
  readonly now: Date;
  readonly program: Program;
  readonly tx: Kysely<Database>;
}

/** The context of a command: a write transaction plus the ledger and id sources. */
export interface CommandContext extends QueryContext {
  readonly ids: IdSource;
  /** The next value of a named sequence (see `Store.nextValue`). */
  nextValue(name: SequenceName): Promise<number>;
  /** Appends an event to the ledger inside this transaction (in order, written when the command succeeds). */
  record(event: LedgerEventDraft): Promise<void>;
}
