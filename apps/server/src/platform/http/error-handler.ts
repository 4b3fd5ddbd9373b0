import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from './errors.ts';
import { localeOf, translate, type Locale } from './i18n.ts';
import { z } from 'zod';
import { INVALID_CHARACTERS, databaseValueErrorCode, isMalformedMultipart } from './hostile-input.ts';

const zodLocales = { zh: z.locales.zhCN(), en: z.locales.en() };

/** A schema issue in the caller's language; messages a schema set itself are kept as written. */
function localizeIssue(issue: { keyword: string; message?: string; params?: Record<string, unknown> }, path: string[], locale: Locale): string {
  if (issue.keyword === INVALID_CHARACTERS) return translate('invalidCharacters', locale);
  const raw = { ...issue.params, code: issue.keyword, path, message: issue.message } as never;
  const render = (l: Locale) => {
    const result = zodLocales[l].localeError(raw) as string | { message: string } | undefined;
    return typeof result === 'string' ? result : result?.message;
  };
  const englishDefault = render('en');
  if (issue.message && englishDefault !== undefined && issue.message !== englishDefault) return issue.message;
  return render(locale) ?? issue.message ?? 'invalid';
}

interface FieldError {
  field: string;
  message: string;
}

function send(reply: FastifyReply, status: number, msg: string, date: unknown = null) {
  // A refused body is not read any further: close the connection, or a keep-alive client would wait for the
  // server to drain what it still has to send (over a minute for a large upload).
  if (status === 413) reply.header('connection', 'close');
  return reply.code(status).type('application/json; charset=utf-8').send({ code: String(status), msg, date });
}

const plainMessages: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'accessDenied',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'tooManyRequests',
};

/** Every error becomes the envelope, in the caller's language; 5xx details stay in the log. */
export function registerErrorHandling(app: FastifyInstance, options: { bodyLimitText: string }): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const locale: Locale = localeOf(request.headers['accept-language']);
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      // A field may carry its own params (the rows of a bulk request, each refused for its own reason).
      const data = error.data as { fields?: { field: string; messageKey: string; params?: Record<string, unknown> }[] } | null;
      const translated = data?.fields
        ? { fields: data.fields.map((f) => ({ field: f.field, message: translate(f.messageKey, locale, { ...error.params, ...f.params }) })) }
        : error.data;
      return send(reply, error.status, error.render(locale), translated);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields: FieldError[] = error.validation.map((issue) => {
        const path = issue.instancePath.split('/').filter(Boolean);
        return {
          field: [error.validationContext, ...path].join('.'),
          message: localizeIssue(issue as never, path, locale),
        };
      });
      return send(reply, 400, translate('validation', locale, { fields: fields.map((f) => f.field).join(', ') }), { fields });
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
      return send(reply, 500, translate('internal', locale, { requestId: request.id }));
    }
    if (isMalformedMultipart(error, request.headers['content-type'])) return send(reply, 400, translate('malformedMultipart', locale));
    const sqlState = databaseValueErrorCode(error);
    if (sqlState) {
      request.log.warn({ err: error, sqlState }, 'a value reached the database unchecked: bound it in the schema');
      return send(reply, 400, translate('valueRejectedByDatabase', locale));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return send(reply, 500, translate('internal', locale, { requestId: request.id }));
    }
    if (status === 413) return send(reply, 413, translate('payloadTooLarge', locale, { limit: options.bodyLimitText }));
    const key = plainMessages[status];
    // Fastify's own 4xx messages (bad JSON, wrong content type) are technical but useful; keep them as detail.
    return send(reply, status, key ? `${translate(key, locale, {})}: ${error.message}` : error.message);
  });

  app.setNotFoundHandler((request, reply) => {
    const locale = localeOf(request.headers['accept-language']);
    return send(reply, 404, translate('routeNotFound', locale, { method: request.method, url: request.url.split('?')[0] }));
  });
}
