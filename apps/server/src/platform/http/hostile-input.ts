import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { InvalidField } from './errors.ts';
import { localeOf, registerMessages, translate } from './i18n.ts';

export const hostileInputMessages = {
  invalidCharacters: {
    zh: '包含不允许的字符（NUL 或不成对的 UTF-16 代理项）',
    en: 'Contains characters that are not allowed (NUL or an unpaired UTF-16 surrogate)',
  },
  malformedMultipart: { zh: '上传内容格式不正确（multipart 请求体不完整或已损坏）', en: 'Malformed upload (the multipart body is incomplete or corrupt)' },
  requestHeadersTooLarge: { zh: '请求头或网址过长', en: 'Request headers or URL too long' },
  badHttpRequest: { zh: '无法解析的 HTTP 请求', en: 'Malformed HTTP request' },
  valueRejectedByDatabase: { zh: '请求中的某个值超出允许范围', en: 'A value in the request is out of range' },
  badUrl: { zh: '网址格式不正确', en: 'Malformed URL' },
  urlTooLong: { zh: '网址中的参数过长', en: 'A URL parameter is too long' },
  accessDenied: { zh: '拒绝访问', en: 'Access denied' },
};
registerMessages(hostileInputMessages);

/** The issue keyword the error handler renders with `invalidCharacters`. */
export const INVALID_CHARACTERS = 'invalid_characters';

/**
 * True when `text` holds something PostgreSQL refuses (NUL in text, jsonb) or that is not Unicode at all
 * (a lone UTF-16 surrogate: jsonb rejects its `\ud800` escape, text columns store mojibake).
 */
export function isUnsafeString(text: string): boolean {
  return UNSAFE.test(text);
}

// NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one (code units: no `u` flag).
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than this, a value is refused outright: no input of this API nests so far, and nothing unchecked passes. */
const MAX_DEPTH = 32;

/** The path of the first unsafe string (value or object key) in `value`, or of a value nested too deep; null if none. */
export function findUnsafeString(value: unknown, path: (string | number)[] = [], depth = 0): (string | number)[] | null {
  if (typeof value === 'string') return isUnsafeString(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return path;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnsafeString(value[index], [...path, index], depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (Buffer.isBuffer(value) || value instanceof Date) return null;
  for (const [key, item] of Object.entries(value)) {
    if (isUnsafeString(key)) return [...path, key];
    const found = findUnsafeString(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** Throws the 400 a schema would give when a multipart field or another hand-read value holds an unsafe string. */
export function refuseUnsafeString(field: string, value: unknown): void {
  const found = findUnsafeString(value);
  if (found) throw new InvalidField([field, ...found].join('.'), 'invalidCharacters');
}

/**
 * The zod validator compiler with one check in front: every string (and key) of every validated part —
 * body, query string, path parameters, headers — is refused when it holds NUL or a lone surrogate. It is
 * the app's only validator compiler, so no schema can forget the check; the answer is the usual 400 listing
 * the field.
 */
export const validatorCompilerRefusingUnsafeStrings: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  return (data: unknown) => {
    const found = findUnsafeString(data);
    if (found) {
      return {
        error: [
          {
            [Symbol.for('ZodFastifySchemaValidationError')]: true,
            keyword: INVALID_CHARACTERS,
            instancePath: `/${found.join('/')}`,
            schemaPath: `#/${found.join('/')}/${INVALID_CHARACTERS}`,
            message: hostileInputMessages.invalidCharacters.en,
            params: {},
          },
        ] as never,
      };
    }
    return validate(data);
  };
};

/**
 * A multipart body busboy could not parse (truncated, no boundary, broken part headers): busboy throws plain
 * errors, told apart by where they were made. They are the client's fault: 400.
 */
export function isMalformedMultipart(error: unknown, contentType: string | undefined): boolean {
  if (!(error instanceof Error) || 'statusCode' in error) return false;
  if (!contentType?.toLowerCase().startsWith('multipart/')) return false;
  return /[\\/]@fastify[\\/]busboy[\\/]/.test(error.stack ?? '') || /multipart|end of form|part header/i.test(error.message);
}

/**
 * Errors Node's HTTP parser raises before there is a request (a 100k-character URL, headers over 16 KB,
 * bytes that are not HTTP): answered in the envelope, then the connection is closed, as Node does.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, key] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'requestHeadersTooLarge'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'badHttpRequest'] : [400, 'badHttpRequest'];
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status];
  // No request, so no Accept-Language: the default language, with the English after it.
  const message = hostileInputMessages[key as 'badHttpRequest'];
  const body = Buffer.from(JSON.stringify({ code: String(status), msg: `${message.zh} (${message.en})`, date: null }));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    socket.write(body);
  }
  socket.destroy();
}

interface MultipartPartLike {
  type?: string;
  fieldname?: string;
  filename?: string;
  value?: unknown;
  file?: NodeJS.ReadableStream;
  fields?: Record<string, unknown>;
}

/** Refuses a multipart part whose field name, file name or value holds an unsafe string (the file's bytes are its own). */
function checkPart(part: MultipartPartLike): void {
  const field = `body.${typeof part.fieldname === 'string' && !isUnsafeString(part.fieldname) ? part.fieldname : '?'}`;
  const unsafe =
    (typeof part.fieldname === 'string' && isUnsafeString(part.fieldname)) ||
    (typeof part.filename === 'string' && isUnsafeString(part.filename)) ||
    (part.type === 'field' && findUnsafeString(part.value) !== null);
  if (!unsafe) return;
  // Let the rest of the upload flow, so the answer is not stuck behind an unread body.
  part.file?.resume();
  throw new InvalidField(field, 'invalidCharacters');
}

/**
 * Multipart fields are read by handlers, not by the validator: every request's `file()` and `parts()` are
 * wrapped so each field name, file name and field value passes the same check as JSON strings.
 */
export function refuseUnsafeMultipartText(app: import('fastify').FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    if (typeof request.isMultipart !== 'function' || !request.isMultipart()) return;
    const parts = request.parts;
    const file = request.file;
    request.parts = function (this: typeof request, options?: never) {
      const iterator = parts.call(this, options);
      return (async function* () {
        for await (const part of iterator) {
          checkPart(part as MultipartPartLike);
          yield part;
        }
      })() as never;
    } as typeof request.parts;
    request.file = async function (this: typeof request, options?: never) {
      const part = await file.call(this, options);
      if (part) {
        checkPart(part as MultipartPartLike);
        for (const value of Object.values(part.fields ?? {})) {
          for (const item of Array.isArray(value) ? value : [value]) {
            if (item !== part) checkPart(item as MultipartPartLike);
          }
        }
      }
      return part;
    } as typeof request.file;
  });
}

const UNSAFE_GLOBAL = new RegExp(UNSAFE.source, 'g');

/** `text` with NUL and lone surrogates replaced by U+FFFD, for data that must be kept although it is not clean. */
export function toStorableText(text: string): string {
  return text.replace(UNSAFE_GLOBAL, '\uFFFD');
}

/**
 * The SQLSTATE of a PostgreSQL error caused by a value rather than by the server: class 22 (data exception:
 * a number out of range for its column, text PostgreSQL cannot store) and 54000 (a value too large for an index).
 * A schema should have refused the value; if one did not, the caller still gets a 400, and the log says which
 * schema lacks a bound. Null for any other error.
 */
export function databaseValueErrorCode(error: unknown): string | null {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22[0-9A-Z]{3}|54000)$/.test(code)) return code;
  }
  return null;
}

/**
 * Errors Fastify's router raises before a route is chosen (a path with bad percent-encoding, a path parameter
 * over its length limit): answered in the envelope like every other error.
 */
export function frameworkErrors(error: import('fastify').FastifyError, request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply): void {
  const locale = localeOf(request.headers['accept-language']);
  const [status, key] = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? [414, 'urlTooLong'] : error.code === 'FST_ERR_BAD_URL' ? [400, 'badUrl'] : [500, 'internal'];
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  void reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ code: String(status), msg: translate(key, locale, { requestId: request.id }), date: null });
}
