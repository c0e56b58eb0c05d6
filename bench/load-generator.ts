/**
 * The HTTP load generator, run as a second process by `bench/http.ts` so it does not share an event
 * loop with the server. Reads its plan as JSON on stdin; `connections` keep-alive connections each
 * send the next request of the list as soon as the previous answer arrived (closed loop), for a
 * warm-up and then the measured duration; prints a `Figure` as JSON on stdout.
 */
import { Agent, request } from 'node:http';
import { figure, Latencies } from './measure.ts';

export interface LoadPlan {
  readonly port: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Requests sent in turn; a 2xx answer is a success. */
  readonly requests: readonly {
    readonly method: 'GET' | 'POST';
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  }[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const plan = JSON.parse(await readStdin()) as LoadPlan;
const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
let next = 0;

function send(): Promise<number> {
  const r = plan.requests[next++ % plan.requests.length];
  if (!r) throw new Error('empty plan');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: plan.port,
        method: r.method,
        path: r.path,
        agent,
        headers: { ...r.headers, ...(r.body && { 'content-length': Buffer.byteLength(r.body) }) },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

const lat = new Latencies();
let errors = 0;
let firstError = '';
async function run(until: number, record: boolean): Promise<void> {
  const connection = async () => {
    while (performance.now() < until) {
      const t = performance.now();
      let status = 0;
      try {
        status = await send();
      } catch (error) {
        firstError ||= (error as Error).message;
      }
      if (!record) continue;
      lat.push((performance.now() - t) * 1000);
      if (status < 200 || status >= 300) {
        errors++;
        firstError ||= `HTTP ${status}`;
      }
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, connection));
}

await run(performance.now() + plan.warmupMs, false);
const start = performance.now();
await run(start + plan.durationMs, true);
const result = figure(lat, (performance.now() - start) / 1000, plan.connections, errors);
process.stdout.write(`${JSON.stringify({ ...result, firstError })}\n`);
agent.destroy();
