/**
 * Errors as `application/problem+json` (RFC 9457), in one place: refusals carry our stable `code`
 * and every violation; unknown errors become a generic 500 that leaks nothing.
 */
import type { FastifyReply } from 'fastify';
import type { Violation } from '../kernel/outcome.ts';
import { type Code, codeInfo } from '../rules/codes.ts';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: Code;
  readonly instance: string;
  readonly violations: readonly Violation[];
}

/** The problem document for a list of violations: status and title from the first one's code. */
export function problemOf(violations: readonly Violation[], requestId: string): Problem {
  const first = violations[0] as Violation;
  const info = codeInfo(first.code);
  return {
    type: `https://opencsp.dev/problems/${first.code.toLowerCase().replaceAll('_', '-')}`,
    title: info.title,
    status: info.status,
    detail: violations.map((v) => v.message).join(' '),
    code: first.code,
    instance: requestId,
    violations,
  };
}

export function sendProblem(reply: FastifyReply, violations: readonly Violation[]): FastifyReply {
  const p = problemOf(violations, String(reply.request.id));
  return reply.code(p.status).type('application/problem+json').send(p);
}
