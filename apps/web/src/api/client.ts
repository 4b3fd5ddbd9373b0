import createClient from 'openapi-fetch';
import { createElement, type ReactNode } from 'react';
import type { paths } from './schema.js';
import { i18n, currentLanguage } from '../i18n/i18n.ts';
import { feedback, showMissingGrant } from './feedback.ts';

/** The typed client: paths, bodies and responses come from the server's OpenAPI document (schema.d.ts). */
export const api = createClient<paths>({ baseUrl: '' });

const TOKEN_KEY = 'scrm.token';
export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

/**
 * Device tokens (one per username this browser has signed in as): sent at the next sign-in of that username,
 * they keep it clear of the wait other people's wrong passwords put on the account.
 */
const DEVICE_KEY = 'scrm.device.';
export const deviceTokenStore = {
  get: (username: string): string | undefined => localStorage.getItem(DEVICE_KEY + username) ?? undefined,
  set: (username: string, token: string) => localStorage.setItem(DEVICE_KEY + username, token),
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
    /** WeCom errors: the raw errcode and errmsg (`date.detail`), shown as a details line under the message. */
    readonly detail: string | null = null,
    /** A 403 for a missing permission: its code (the message names the menu that grants it). */
    readonly missingPermission: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A message with its details line (the raw WeCom code and errmsg), as error toasts and alerts show it. */
export function withDetail(message: string, detail: string | null | undefined): ReactNode {
  if (!detail) return message;
  return createElement(
    'span',
    { 'data-testid': 'error-with-detail' },
    message,
    createElement('br'),
    createElement('small', { style: { opacity: 0.65 }, 'data-testid': 'error-detail' }, detail),
  );
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
 * network message) and throws an ApiError; a 401 also ends the session. A missing permission (403) is shown
 * even for a silent request (see showMissingGrant).
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
  const envelope = (data ?? body) as Partial<Envelope<{ fields?: FieldError[]; detail?: unknown; permission?: unknown } | null>> | undefined;
  const message = typeof envelope?.msg === 'string' && envelope.msg ? envelope.msg : i18n.t('common.unknownError', { status: response.status });
  const detail = typeof envelope?.date?.detail === 'string' ? envelope.date.detail : null;
  const missingPermission = response.status === 403 && typeof envelope?.date?.permission === 'string' ? envelope.date.permission : null;
  const error = new ApiError(response.status, message, envelope?.date?.fields ?? [], detail, missingPermission);
  const isLogin = new URL(response.url, location.href).pathname === '/scrm/admin/login';
  if (response.status === 401 && !isLogin && onUnauthorized) {
    onUnauthorized();
  } else if (missingPermission) {
    showMissingGrant(withDetail(message, detail), missingPermission);
  } else if (!options.silent) {
    feedback().error(withDetail(message, detail));
  }
  throw error;
}

type MultipartPath = '/scrm/admin/sys/user/uploadAvatar' | '/scrm/admin/media/upload' | '/scrm/admin/clue/import';

/**
 * Uploads one file (if any) as multipart field "file", after the text `fields` (the server reads fields first and
 * checks type and size again).
 */
export async function upload<T>(url: MultipartPath, file: File | null, fields: Record<string, string | number | undefined> = {}): Promise<T> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined && value !== '') form.append(name, String(value));
  if (file) form.append('file', file);
  return call(api.POST(url, { body: form as never, bodySerializer: (body: unknown) => body as FormData }) as never) as Promise<T>;
}

/** The file name of a Content-Disposition header (RFC 5987 `filename*` first). */
export function dispositionFileName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // fall through
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : fallback;
}

/**
 * Fetches a file the server answers with (xlsx exports, QR PNGs, reports) with the session token and
 * returns it; a failure carries the server's envelope `msg`, shown like any other request error.
 */
export async function fetchFile(
  path: string,
  options: { method?: 'GET' | 'POST'; query?: Record<string, string | number | undefined>; body?: unknown } = {},
): Promise<{ blob: Blob; fileName: string }> {
  const url = new URL(path, location.href);
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
  const headers = new Headers({ 'accept-language': currentLanguage() === 'en' ? 'en' : 'zh-CN' });
  const token = tokenStore.get();
  if (token) headers.set('token', token);
  if (options.body !== undefined) headers.set('content-type', 'application/json');
  const request = fetch(url, { method: options.method ?? 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  // Failures are envelopes: `call` shows their message (and handles a 401) the usual way.
  const response = await call(
    request.then(async (answer) => {
      if (answer.ok) return { data: { code: '200', msg: '', date: answer }, response: answer };
      const text = await answer.text();
      let error: unknown;
      try {
        error = JSON.parse(text);
      } catch {
        error = undefined;
      }
      return { error, response: answer };
    }),
  );
  const fallback = url.pathname.split('/').pop() ?? 'download';
  return { blob: await response.blob(), fileName: dispositionFileName(response.headers.get('content-disposition'), fallback) };
}

/** Saves a blob under a file name through the browser's download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileName;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** fetchFile, then the browser's download. */
export async function download(path: string, options: Parameters<typeof fetchFile>[1] = {}): Promise<void> {
  const { blob, fileName } = await fetchFile(path, options);
  saveBlob(blob, fileName);
}
