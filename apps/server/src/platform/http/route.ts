import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PermissionCode } from '@scrm/shared';
import { envelope } from './schemas.ts';
import { translate } from './i18n.ts';
import type { RequestContext } from '../auth/context.ts';

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteRequest<B, Q> {
  ctx: RequestContext;
  body: Infer<B>;
  query: Infer<Q>;
  raw: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteDefinition<B extends Schema | undefined, Q extends Schema | undefined, R extends Schema> {
  method: 'GET' | 'POST';
  url: string;
  /** The seed's name of the endpoint, shown in the OpenAPI document. */
  summary: string;
  /**
   * A permission code, or 'login' for any signed-in user. Public endpoints do not use this helper:
   * they have their own authentication (callbacks, open API, Nexus).
   */
  permission: PermissionCode | 'login';
  body?: B;
  query?: Q;
  response: R;
  /** Allowed while the user must change a reset password (profile endpoints). */
  allowWhilePasswordExpired?: boolean;
  handler: (request: RouteRequest<B, Q>) => Promise<z.output<R>> | z.output<R>;
}

/** Registers an authenticated admin endpoint: schema, permission guard, envelope. */
export function route<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, R extends Schema = Schema>(
  app: FastifyInstance,
  definition: RouteDefinition<B, Q, R>,
): void {
  app.route({
    method: definition.method,
    url: definition.url,
    schema: {
      summary: definition.summary,
      tags: [tagOf(app.prefix)],
      security: [{ token: [] }],
      ...(definition.body ? { body: definition.body } : {}),
      ...(definition.query ? { querystring: definition.query } : {}),
      response: { 200: envelope(definition.response) },
    },
    // Authenticated by the onRequest hook of `authenticateFirst`, before the body is even parsed.
    config: { permission: definition.permission, allowWhilePasswordExpired: definition.allowWhilePasswordExpired ?? false },
    handler: async (request, reply) => {
      const date = await definition.handler({
        ctx: request.ctx,
        body: request.body as Infer<B>,
        query: request.query as Infer<Q>,
        raw: request,
        reply,
      });
      return { code: '200', msg: translate('ok', request.ctx.locale), date };
    },
  });
}

/**
 * Every route whose config names a permission (all of them through `route()`, and the file-answering admin
 * routes) is authenticated in onRequest: before the body is parsed or validated, so a caller without a valid
 * token learns nothing about the schema and gets 401 whatever it sends; the permission check follows at once
 * (403). Registered once on the root instance, so no route can forget it.
 */
export function authenticateFirst(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.permission) await app.authenticate(request);
  });
  const table: RouteTableEntry[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (options) => {
    const methods = (Array.isArray(options.method) ? options.method : [options.method]).filter((method) => method !== 'HEAD');
    const permission = options.config?.permission;
    const isPublic = methods.every((method) => PUBLIC_ADMIN_ROUTES.has(`${method} ${options.url}`));
    // An admin route names its permission ('login' for any signed-in user) or is listed as public: no route can
    // be left unauthenticated by forgetting to ask for it.
    if (options.url.startsWith('/scrm/admin/') && !permission && !isPublic) {
      throw new Error(`${methods.join(',')} ${options.url}: an admin route must name a permission (config.permission; 'login' for any signed-in user)`);
    }
    for (const method of methods) table.push({ method, url: options.url, permission: permission ?? null, public: isPublic });
  });
}

/** The admin routes anyone may call. Every other /scrm/admin route is authenticated. */
const PUBLIC_ADMIN_ROUTES = new Set(['POST /scrm/admin/login']);

/** One registered route, as the authentication hook sees it (tests generate their matrices from it). */
export interface RouteTableEntry {
  method: string;
  url: string;
  permission: string | null;
  public: boolean;
}

function tagOf(prefix: string): string {
  return prefix.replace(/^\/scrm\/?/, '') || 'root';
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after `authenticateFirst`, with its permission. */
    routeTable: RouteTableEntry[];
  }
  interface FastifyContextConfig {
    permission?: string;
    allowWhilePasswordExpired?: boolean;
  }
}

/**
 * A download's Content-Disposition: an ASCII `filename` for old clients and the real (often Chinese) name in
 * RFC 5987's `filename*`.
 */
export function attachment(asciiName: string, fileName: string, disposition: 'attachment' | 'inline' = 'attachment'): string {
  return `${disposition}; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
