// Registers /cgi-bin/* routes with WeCom's request pipeline: latency fault, access_token check,
// rate-limit and -1 faults, then the handler; every answer is HTTP 200 with errcode/errmsg, errors
// also set the `error-code` / `error-msg` headers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimulatorCore } from '../core.ts';
import { fail, formatErrmsg, headerSafe, WecomFailure } from '../errors.ts';
import type { IssuedToken, SecretKind } from '../tokens.ts';
import type { Json } from './input.ts';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ApiRequest {
  core: SimulatorCore;
  query: Record<string, string>;
  /** The JSON body ({} when empty). */
  body: Json;
  /** multipart/form-data parts, when the request was multipart. */
  parts?: MultipartPart[];
  token?: IssuedToken;
}

export interface ApiRoute {
  method: 'GET' | 'POST' | Array<'GET' | 'POST'>;
  /** Path under /cgi-bin/, e.g. `externalcontact/get`. */
  path: string;
  handler: (request: ApiRequest) => Json | Promise<Json>;
  /** gettoken takes no access_token. */
  public?: boolean;
  /** Secrets whose token may call this API (default: any). */
  secrets?: SecretKind[];
  /** errmsg on success ('ok'; media uploads answer ''). */
  okMessage?: string;
}

const INVALID_JSON = Symbol('invalid json');

export function registerApiRoutes(fastify: FastifyInstance, core: () => SimulatorCore, routes: ApiRoute[]): void {
  // One catch-all raw parser in this (encapsulated) context: WeCom reads JSON whatever the content type,
  // and media uploads are multipart. Parent parsers (e.g. a host app's multipart plugin) do not apply here.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 32 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  for (const route of routes) {
    fastify.route({
      method: route.method,
      url: `/cgi-bin/${route.path}`,
      handler: (request, reply) => handle(core(), route, request, reply),
    });
  }
  // Unknown APIs: a catch-all route rather than a not-found handler, which a host app may already own.
  fastify.all('/cgi-bin/*', (request, reply) => {
    void reply.code(404).send({ errcode: 48001, errmsg: formatErrmsg(48001, `api not found: ${request.url.split('?')[0]}`, core().nowSeconds(), request.ip) });
  });
}

async function handle(core: SimulatorCore, route: ApiRoute, request: FastifyRequest, reply: FastifyReply): Promise<Json> {
  const query = (request.query ?? {}) as Record<string, string>;
  try {
    await core.faults.delay(route.path);
    let token: IssuedToken | undefined;
    if (!route.public) {
      token = core.tokens.check(query.access_token);
      if (core.faults.tokenExpired(route.path, token.token)) {
        token.revoked = true;
        fail(42001);
      }
      if (route.secrets && !route.secrets.includes(token.kind)) fail(48002);
      const injected = core.faults.failure(route.path);
      if (injected !== undefined) fail(injected);
    }
    core.settle();
    const { body, parts } = readBody(request);
    if (body === INVALID_JSON) fail(47001, 'data format error, Warning: wrong json format.');
    const result = await route.handler({ core, query, body, parts, token });
    return { errcode: 0, errmsg: route.okMessage ?? 'ok', ...result };
  } catch (error) {
    if (!(error instanceof WecomFailure)) throw error;
    const errmsg = formatErrmsg(error.errcode, error.detail, core.nowSeconds(), request.ip);
    void reply.header('error-code', String(error.errcode)).header('error-msg', headerSafe(errmsg));
    return { errcode: error.errcode, errmsg, ...error.extra };
  }
}

function readBody(request: FastifyRequest): { body: Json | typeof INVALID_JSON; parts?: MultipartPart[] } {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { body: {} };
  const contentType = String(request.headers['content-type'] ?? '');
  const boundary = /multipart\/form-data;.*boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (boundary) return { body: {}, parts: parseMultipart(raw, boundary[1] ?? boundary[2]) };
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return { body: parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : INVALID_JSON };
  } catch {
    return { body: INVALID_JSON };
  }
}

/** A small multipart/form-data reader: enough for media uploads (one or a few parts). */
export function parseMultipart(raw: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let position = raw.indexOf(delimiter);
  while (position !== -1) {
    const start = position + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    const section = raw.subarray(start, next);
    const headerEnd = section.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = section.subarray(0, headerEnd).toString('utf8');
      let data = section.subarray(headerEnd + 4);
      if (data.subarray(data.length - 2).toString() === '\r\n') data = data.subarray(0, data.length - 2);
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
      const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim();
      parts.push({ name, filename, contentType, data });
    }
    position = next;
  }
  return parts;
}
