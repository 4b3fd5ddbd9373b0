import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The body as received: a signature covers these exact bytes, not a re-serialisation. */
export interface ReceivedBody {
  raw: string;
  invalidJson: boolean;
}

/**
 * Scoped to the calling plugin: JSON bodies keep their raw text for signature checks. A JSON syntax error
 * is not reported by the parser but left for the caller to report once the request is known to be signed
 * (an unsigned request learns nothing about its body). Returns the lookup of each request's body.
 */
export function keepRawJsonBodies(app: FastifyInstance): (request: FastifyRequest) => ReceivedBody {
  const received = new WeakMap<FastifyRequest, ReceivedBody>();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const raw = body as string;
    parseJson(request, raw, (error, value) => {
      received.set(request, { raw, invalidJson: Boolean(error) });
      done(null, error ? undefined : value);
    });
  });
  return (request) => received.get(request) ?? { raw: '', invalidJson: false };
}
