/**
 * Routes of the partnerships area.
 */
import type { FastifyInstance } from 'fastify';
import type { OpenCsp } from '../../app/opencsp.ts';

export function partnershipsRoutes(_app: FastifyInstance, _csp: OpenCsp): void {}
