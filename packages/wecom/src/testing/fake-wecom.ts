// A scriptable stand-in for the WeCom HTTP API, for the client's own unit tests (not the simulator).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  api: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: Buffer;
  /** The JSON body, when there was one. */
  body: unknown;
}

/** What a handler answers: a JSON object, or a raw status/text, or `hang` (never answer). */
export type FakeAnswer = Record<string, unknown> | { status: number; text: string } | 'hang';

/** `undefined` means the default: a fresh token for gettoken, `{errcode: 0}` for anything else. */
export type FakeHandler = (call: RecordedCall) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;

export interface FakeWecom {
  baseUrl: string;
  calls: RecordedCall[];
  /** Calls other than gettoken. */
  apiCalls(): RecordedCall[];
  tokenCalls(): RecordedCall[];
  close(): Promise<void>;
}

/** By default gettoken answers with TOKEN-1, TOKEN-2, … in turn. */
export async function startFakeWecom(handler: FakeHandler): Promise<FakeWecom> {
  let tokensIssued = 0;
  const calls: RecordedCall[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://fake');
    let body: unknown;
    if (String(request.headers['content-type']).startsWith('application/json')) body = JSON.parse(rawBody.toString('utf8'));
    const call: RecordedCall = {
      method: request.method ?? 'GET',
      api: url.pathname.replace(/^.*?\/cgi-bin\//, ''),
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      rawBody,
      body,
    };
    calls.push(call);
    let answer = await handler(call);
    if (answer === 'hang') return;
    if (answer === undefined && call.api === 'gettoken') {
      tokensIssued++;
      answer = { errcode: 0, errmsg: 'ok', access_token: `TOKEN-${tokensIssued}`, expires_in: 7200 };
    }
    answer ??= ok;
    if ('status' in answer && typeof answer.status === 'number' && typeof answer.text === 'string') {
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    calls,
    apiCalls: () => calls.filter((call) => call.api !== 'gettoken'),
    tokenCalls: () => calls.filter((call) => call.api === 'gettoken'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const ok = { errcode: 0, errmsg: 'ok' };
