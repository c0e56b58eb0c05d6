/**
 * The ledger: an append-only record of everything that happened, one event per state change,
 * written in the same transaction as the change. Later: webhooks and exports feed from it.
 */
import type { Instant } from '../kernel/time.ts';

/** The kinds of entity an event can be about. */
export type EntityType =
  | 'program'
  | 'organization'
  | 'affiliate-group'
  | 'tenant'
  | 'partner-location'
  | 'user'
  | 'enrollment'
  | 'agreement-acceptance'
  | (string & {});

/** What a command asks the ledger to record; the runner adds id, time, principal and command. */
export interface LedgerEventDraft {
  /** Past-tense event name, e.g. `enrollment.qualified`. */
  readonly type: string;
  readonly entityType: EntityType;
  readonly entityId: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface LedgerEvent extends LedgerEventDraft {
  /** Position in this database's ledger: strictly increasing in commit order of one writer. */
  readonly seq: number;
  readonly id: string;
  readonly occurredAt: Instant;
  /** The command that produced the event, e.g. `enrollments.verify`. */
  readonly command: string;
  readonly principal: {
    readonly kind: string;
    readonly userId: string | null;
    readonly tenantId: string | null;
  };
  readonly requestId: string;
}
