/**
 * The load generator for signed open API requests, run as a child process by run.ts (like bench/lib/load.ts
 * runs autocannon's CLI): every request carries a fresh nonce and its own HMAC signature, so none is
 * refused as a replay. Prints the same figures as load.ts as one JSON line.
 * Usage: node --import tsx bench/route-hit/signed-load.ts '{"url":…,"appKey":…,"secret":…,"connections":50,"seconds":10}'
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { openRequestHeaders } from '../../apps/server/src/platform/open-signature.ts';
import { summaryOf } from '../lib/load.ts';

const options = JSON.parse(process.argv[2]) as { url: string; appKey: string; secret: string; connections?: number; seconds?: number };
const url = new URL(options.url);
const target = `${url.pathname}${url.search}`;

const result = await autocannon({
  url: url.origin,
  connections: options.connections ?? 50,
  duration: options.seconds ?? 10,
  requests: [
    {
      method: 'GET',
      path: target,
      setupRequest: (request) => ({
        ...request,
        headers: openRequestHeaders({ appKey: options.appKey, secret: options.secret }, { method: 'GET', target, nonce: randomBytes(12).toString('hex') }),
      }),
    },
  ],
});
console.log(JSON.stringify(summaryOf(result)));
