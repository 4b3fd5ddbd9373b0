/**
 * The load generator of bench/callbacks, run in its own process: POSTs every request of a JSON file
 * (`[{ path, body }]`) to `base` with `concurrency` keep-alive connections, in file order, and prints one
 * JSON line: count, seconds, per second, latency p50/p99/max (ms), and how many answers were not
 * `200 success`.
 * Usage: node --import tsx bench/callbacks/send.ts <base-url> <requests.json> <concurrency>
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [base, file, concurrencyText] = process.argv.slice(2);
const requests = JSON.parse(readFileSync(file, 'utf8')) as Array<{ path: string; body: string }>;
const concurrency = Number(concurrencyText) || 50;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const { hostname, port } = new URL(base);

function send(request: { path: string; body: string }): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const outgoing = http.request(
      { agent, hostname, port, method: 'POST', path: request.path, headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': Buffer.byteLength(request.body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ ok: response.statusCode === 200 && text === 'success', ms: performance.now() - started }));
      },
    );
    outgoing.on('error', () => resolve({ ok: false, ms: performance.now() - started }));
    outgoing.end(request.body);
  });
}

const latencies = new Float64Array(requests.length);
let failures = 0;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let index = next++; index < requests.length; index = next++) {
      const result = await send(requests[index]);
      latencies[index] = result.ms;
      if (!result.ok) failures++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const sorted = Array.from(latencies).sort((a, b) => a - b);
const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
agent.destroy();
console.log(
  JSON.stringify({ count: requests.length, seconds, perSecond: requests.length / seconds, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], failures }),
);
