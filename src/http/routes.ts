import type { FastifyInstance } from 'fastify';
import type { OpenCsp } from '../app/opencsp.ts';
import { adminAccessRoutes } from './routes/admin-access.ts';
import { billingRoutes } from './routes/billing.ts';
import { commerceRoutes } from './routes/commerce.ts';
import { customersRoutes } from './routes/customers.ts';
import { foundationRoutes } from './routes/foundation.ts';
import { partnershipsRoutes } from './routes/partnerships.ts';

/** Every `/v1` route, one plugin-like function per area. */
export function registerRoutes(app: FastifyInstance, csp: OpenCsp): void {
  foundationRoutes(app, csp);
  partnershipsRoutes(app, csp);
  customersRoutes(app, csp);
  adminAccessRoutes(app, csp);
  commerceRoutes(app, csp);
  billingRoutes(app, csp);
}
