// Helpers shared by the simulator's tests: a raw /cgi-bin caller and a callback receiver (plain
// node:http) that verifies, decrypts and parses what the simulator sends, as the SCRM server would.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackCrypto, parseCallbackEvent, type WecomEvent } from '@scrm/wecom';
import type { WecomSimulator } from './simulator.ts';

export interface RawAnswer {
  status: number;
  errorCode: string | null;
  body: Record<string, any>;
}

/** Calls /cgi-bin without the SDK: `call('GET', 'user/get', { userid })` or `call('POST', path, body)`. */
export function rawApi(baseUrl: string) {
  return async function call(method: 'GET' | 'POST', path: string, input: Record<string, unknown> = {}, accessToken?: string): Promise<RawAnswer> {
    const query = new URLSearchParams();
    if (accessToken !== undefined) query.set('access_token', accessToken);
    if (method === 'GET') for (const [name, value] of Object.entries(input)) query.set(name, String(value));
    const response = await fetch(`${baseUrl}/cgi-bin/${path}?${query}`, {
      method,
      headers: method === 'POST' ? { 'content-type': 'application/json' } : undefined,
      body: method === 'POST' ? JSON.stringify(input) : undefined,
    });
    return { status: response.status, errorCode: response.headers.get('error-code'), body: (await response.json()) as Record<string, any> };
  };
}

export async function tokenFor(sim: WecomSimulator, kind: 'app' | 'contactSync' = 'app'): Promise<string> {
  const credentials = sim.credentials();
  const secret = kind === 'app' ? credentials.secret : credentials.contactSyncSecret;
  const answer = await rawApi(sim.url as string)('GET', 'gettoken', { corpid: credentials.corpId, corpsecret: secret });
  return answer.body.access_token as string;
}

/** What the receiver does with attempt number `attempt` (1-based) of any delivery. */
export type ReceiverBehaviour = 'success' | 'empty' | 'fail' | 'error500' | 'hang';

export interface CallbackReceiver {
  url: string;
  events: WecomEvent[];
  /** Every POST received, including failed ones. */
  requests: number;
  /** Requests whose signature or encryption did not check out. */
  rejected: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startCallbackReceiver(
  sim: WecomSimulator,
  behaviour: (requestNumber: number) => ReceiverBehaviour = () => 'success',
): Promise<CallbackReceiver> {
  const { token, encodingAesKey, corpId } = sim.credentials();
  const crypto = new CallbackCrypto({ token, encodingAesKey, receiveId: corpId });
  const receiver: CallbackReceiver = { url: '', events: [], requests: 0, rejected: 0, close: async () => {} };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    const query = Object.fromEntries(url.searchParams) as { msg_signature: string; timestamp: string; nonce: string; echostr?: string };
    if (request.method === 'GET' && query.echostr) {
      response.end(crypto.verifyUrl(query as typeof query & { echostr: string }));
      return;
    }
    const body = await readBody(request);
    const requestNumber = ++receiver.requests;
    let event: WecomEvent;
    try {
      event = parseCallbackEvent(crypto.openCallback(query, body));
    } catch {
      receiver.rejected++;
      response.statusCode = 400;
      response.end('bad callback');
      return;
    }
    const action = behaviour(requestNumber);
    if (action === 'hang') return; // never answers; the simulator times out
    if (action === 'error500') {
      response.statusCode = 500;
      response.end('oops');
      return;
    }
    if (action === 'fail') {
      response.end('not ok');
      return;
    }
    receiver.events.push(event);
    response.end(action === 'empty' ? '' : 'success');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
