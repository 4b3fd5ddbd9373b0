import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The browser-facing policy of every answer (API, console, Swagger UI):
 * - a Content-Security-Policy that allows the console's own assets and nothing else to run: scripts only
 *   from this origin, styles from this origin and inline (antd writes its CSS at run time), images from here,
 *   data:, blob: (media previews) and https: (WeCom avatars and pictures), media from here and blob:, no
 *   plugins, no framing (`frame-ancestors 'none'`, and X-Frame-Options DENY for older browsers); without
 *   `upgrade-insecure-requests`, so a console served over plain HTTP on a LAN still loads;
 * - `X-Content-Type-Options: nosniff` and helmet's other defaults;
 * - CORS only for the configured origins (`CORS_ORIGINS`); none by default: the console is same-origin, and
 *   server-to-server callers (open API, Nexus, WeCom) do not need it.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: { corsOrigins: string[] }): Promise<void> {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // WeCom hands out avatars as plain-http URLs (http://wx.qlogo.cn/…): customer and employee lists show them.
        imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  if (options.corsOrigins.length) {
    await app.register(cors, { origin: options.corsOrigins, credentials: false, maxAge: 600 });
  }
}

/**
 * The headers helmet sets, worked out once: they depend on nothing in the request (no CSP nonces), and
 * @fastify/helmet built helmet's middleware (parsing the whole policy) again on every request.
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => (failed = error));
  if (failed) throw failed;
  return headers;
}
