import createClient from 'openapi-fetch';
import type { paths } from './schema.js';
import { i18n, currentLanguage } from '../i18n/i18n.ts';
import { feedback } from './feedback.ts';

/** The typed client: paths, bodies and responses come from the server's OpenAPI document (schema.d.ts). */
export const api = createClient<paths>({ baseUrl: '' });

const TOKEN_KEY = 'scrm.token';
export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

api.use({
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set('token', token);
    // The server answers messages in the caller's language.
    request.headers.set('accept-language', currentLanguage() === 'en' ? 'en' : 'zh-CN');
    return request;
  },
});

export interface FieldError {
  field: string;
  message: string;
}

/** A failed request, carrying the server's envelope: `code` (the HTTP status), `msg`, and field errors. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onUnauthorized: (() => void) | undefined;
/** The session registers what a 401 does (sign out, back to the login page). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

interface Envelope<T> {
  code: string;
  msg: string;
  date: T;
}

export interface CallOptions {
  /** Do not show the error message (the caller shows it its own way). */
  silent?: boolean;
}

/**
 * Awaits a typed request and returns the envelope's `date`. Any failure shows the server's `msg` (or a
 * network message) and throws an ApiError; a 401 also ends the session.
 */
export async function call<T>(
  request: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>,
  options: CallOptions = {},
): Promise<T> {
  let result: Awaited<typeof request>;
  try {
    result = await request;
  } catch (cause) {
    const error = new ApiError(0, i18n.t('common.networkError'));
    if (!options.silent) feedback().error(error.message);
    throw Object.assign(error, { cause });
  }
  const { data, error: body, response } = result;
  if (response.ok && data && data.code === '200') return data.date;
  const envelope = (data ?? body) as Partial<Envelope<{ fields?: FieldError[] } | null>> | undefined;
  const message = typeof envelope?.msg === 'string' && envelope.msg ? envelope.msg : i18n.t('common.unknownError', { status: response.status });
  const error = new ApiError(response.status, message, envelope?.date?.fields ?? []);
  const isLogin = new URL(response.url, location.href).pathname === '/scrm/admin/login';
  if (response.status === 401 && !isLogin && onUnauthorized) {
    onUnauthorized();
  } else if (!options.silent) {
    feedback().error(message);
  }
  throw error;
}

/** Uploads one file as multipart field "file" (the server checks type and size again). */
export async function upload<T>(url: '/scrm/admin/sys/user/uploadAvatar', file: File): Promise<T> {
  const form = new FormData();
  form.append('file', file);
  return call(api.POST(url, { body: form as never, bodySerializer: (body: unknown) => body as FormData }) as never) as Promise<T>;
}
