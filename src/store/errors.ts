/**
 * Driver errors become neutral reasons here; no other module sees `SQLITE_BUSY` or `40001`.
 */

export type DbFailureKind =
  | 'unique-violation'
  | 'serialization-failure'
  | 'busy'
  | 'foreign-key-violation'
  | 'other';

export interface DbFailure {
  readonly kind: DbFailureKind;
  /** Re-running the whole transaction may succeed. */
  readonly retryable: boolean;
}

/** Classifies an error thrown by better-sqlite3 or pg. */
export function classifyDbError(error: unknown): DbFailure {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  switch (code) {
    case '23505': // PostgreSQL unique_violation
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      // A concurrent command inserted the same key between our check and our write: re-running
      // the command sees the committed row and answers with the proper refusal.
      return { kind: 'unique-violation', retryable: true };
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return { kind: 'serialization-failure', retryable: true };
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_LOCKED':
      return { kind: 'busy', retryable: true };
    case '23503':
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return { kind: 'foreign-key-violation', retryable: false };
    default:
      return { kind: 'other', retryable: false };
  }
}
