/**
 * Prometheus metrics at `/metrics`: request rate and latency by route and status, and rule
 * refusals by code. One registry per app, so tests and several apps in one process do not mix.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Counts each violation of a refusal by its code. */
  refused(codes: readonly string[]): void;
}

export function registerMetrics(app: FastifyInstance): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'opencsp_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'opencsp_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'opencsp_rule_refusals_total',
    help: 'Refused requests by violation code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return {
    registry,
    refused: (codes) => {
      for (const code of codes) refusals.inc({ code });
    },
  };
}
