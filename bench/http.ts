/**
 * The HTTP workloads: the OpenCSP app (`buildApp`) and a bare Fastify route, each listening on
 * 127.0.0.1 in this process, loaded by `load-generator.ts` in a second process for a bounded time.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createApiKey } from '../src/api-keys/service.ts';
import type { OpenCsp } from '../src/app/opencsp.ts';
import { buildApp } from '../src/http/app.ts';
import { SYSTEM } from '../src/kernel/principal.ts';
import { must } from '../src/world/builder.ts';
import type { BulkPartner } from '../src/world/bulk.ts';
import type { LoadPlan } from './load-generator.ts';
import type { Figure } from './measure.ts';
import { explainInput, orderInput, type Tuples } from './workloads.ts';

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<Listening> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

/** The OpenCSP API without request logs and with the rate limit out of the way (it is per API key). */
export async function startApp(csp: OpenCsp): Promise<Listening> {
  return listen(await buildApp({ csp, logger: false, rateLimit: { max: 1e12, windowMs: 1000 } }));
}

/** The ceiling: a Fastify route that reads the same JSON body and answers a constant. */
export async function startBareRoute(): Promise<Listening> {
  const app = Fastify({ logger: false });
  app.post('/bare', async () => ({ allowed: true, violations: [] }));
  return listen(app);
}

export interface LoadOptions {
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Runs the load generator against `port` with `requests`; kills it if it overruns. */
export function runLoad(port: number, requests: LoadPlan['requests'], options: LoadOptions): Promise<Figure> {
  const plan: LoadPlan = { port, requests, ...options };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./load-generator.ts', import.meta.url).pathname],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stdin.end(JSON.stringify(plan));
  const guard = setTimeout(() => child.kill('SIGKILL'), options.warmupMs + options.durationMs + 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      try {
        const result = JSON.parse(out) as Figure & { firstError: string };
        if (result.errors > 0)
          console.error(`bench: http: ${result.errors} errors, first: ${result.firstError}`);
        const { firstError: _, ...figure } = result;
        resolve(figure);
      } catch {
        reject(new Error(`load generator exited with ${code}: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** API keys of the sellers' global admins, by tenant id. */
export async function sellerKeys(
  csp: OpenCsp,
  sellers: readonly BulkPartner[],
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const s of sellers) {
    if (keys.has(s.tenantId)) continue;
    const created = must(
      await csp.execute(createApiKey, { principal: SYSTEM }, { userId: s.adminUserId, name: 'bench' }),
    );
    keys.set(s.tenantId, created.token);
  }
  return keys;
}

/**
 * `count` explain requests (half in-chain, half random tuples) and `count` order requests
 * (in-chain), drawn from `sellers` only (each needs an API key).
 */
export async function httpRequests(
  csp: OpenCsp,
  tuples: Tuples,
  count: number,
): Promise<{ explain: LoadPlan['requests']; order: LoadPlan['requests']; bare: LoadPlan['requests'] }> {
  const explainTuples = Array.from({ length: count }, () => tuples.next());
  const orderTuples = Array.from({ length: count }, () => tuples.inChain());
  const keys = await sellerKeys(
    csp,
    [...explainTuples, ...orderTuples].map((t) => t.seller),
  );
  const post = (path: string, token: string | undefined, body: unknown) => ({
    method: 'POST' as const,
    path,
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  const explain = explainTuples.map((t) =>
    post('/v1/explain/order-line', keys.get(t.seller.tenantId), explainInput(t)),
  );
  return {
    explain,
    order: orderTuples.map((t) => post('/v1/orders', keys.get(t.seller.tenantId), orderInput(t))),
    bare: explain.map((r) => ({ ...r, path: '/bare' })),
  };
}
