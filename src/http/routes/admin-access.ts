/**
 * Routes of the admin-access area.
 */
import type { FastifyInstance } from 'fastify';
import type { OpenCsp } from '../../app/opencsp.ts';

export function adminAccessRoutes(_app: FastifyInstance, _csp: OpenCsp): void {}
