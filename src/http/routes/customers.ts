/**
 * Routes of the customers area.
 */
import type { FastifyInstance } from 'fastify';
import type { OpenCsp } from '../../app/opencsp.ts';

export function customersRoutes(_app: FastifyInstance, _csp: OpenCsp): void {}
