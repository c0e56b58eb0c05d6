/**
 * Commands and queries, and the runner that executes them.
 *
 * A command is: validate the input (pure) → open one write transaction → load facts, decide
 * (pure rules), write the state change and its ledger events → commit. A refusal, a dry run or a
 * thrown error rolls everything back, so nothing is ever half-written.
 */
import type { Outcome } from '../kernel/outcome.ts';
import type { Program } from '../program/program.ts';
import type { CommandContext, QueryContext } from './context.ts';

export interface Command<I, O> {
  /** Stable name recorded in the ledger: `<area>.<verb>`, e.g. `enrollments.verify`. */
  readonly name: string;
  /** Parses untrusted input; refuses with every field problem. No I/O. */
  parse(input: unknown, program: Program): Outcome<I>;
  run(ctx: CommandContext, input: I): Promise<Outcome<O>>;
}

export interface Query<I, O> {
  readonly name: string;
  parse(input: unknown, program: Program): Outcome<I>;
  run(ctx: QueryContext, input: I): Promise<Outcome<O>>;
}

/** Declares a command (identity function that fixes the types). */
export function defineCommand<I, O>(command: Command<I, O>): Command<I, O> {
  return command;
}

export function defineQuery<I, O>(query: Query<I, O>): Query<I, O> {
  return query;
}
