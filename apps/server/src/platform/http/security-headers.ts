import type { FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';

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
  await app.register(helmet, {
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
  if (options.corsOrigins.length) {
    await app.register(cors, { origin: options.corsOrigins, credentials: false, maxAge: 600 });
  }
}
