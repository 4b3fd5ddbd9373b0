import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extname, join } from 'node:path';

/** Where `npm run build -w @scrm/web` writes the console. */
export const defaultWebDistDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface WebConsoleOptions {
  /** Built console (Vite output); default apps/web/dist. Overridable with SCRM_WEB_DIST. */
  distDir?: string;
  /** Path prefixes that are never the console: unknown paths under them keep the 404 envelope. */
  reservedPrefixes?: string[];
}

/**
 * Serves the admin console at `/`: the built assets, and `index.html` for every other GET outside
 * `/scrm` so client-side routes (e.g. /system/user) survive a reload. Unknown paths under a reserved
 * prefix (`/scrm`, `/wecom-sim`) and missing asset files keep the API's 404 envelope. When the console is not built, `/` says how to build it.
 */
export const webConsole = (options: WebConsoleOptions = {}) => async (app: FastifyInstance) => {
  const root = options.distDir ?? process.env.SCRM_WEB_DIST ?? defaultWebDistDir;
  // The API, and the in-process WeCom simulator of demo mode.
  const reserved = options.reservedPrefixes ?? ['/scrm', '/wecom-sim'];
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    app.log.warn({ root }, 'web console is not built; run `npm run build -w @scrm/web`');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The SCRM console is not built. Run `npm run build -w @scrm/web` and restart. The API is at /scrm (docs: /scrm/docs).\n'),
    );
    return;
  }

  await app.register(fastifyStatic, {
    root,
    // One route per built file (no catch-all), so the SPA fallback below owns every other path.
    wildcard: false,
    index: false,
    setHeaders: (response, path) => {
      // Vite fingerprints everything under assets/; index.html must always be revalidated.
      response.setHeader('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0];
    if (reserved.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) || extname(path) !== '') return reply.callNotFound();
    return sendIndex(request, reply);
  });
};
