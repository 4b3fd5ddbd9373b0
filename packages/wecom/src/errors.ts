// Errors thrown by the client. Messages carry the API path and WeCom's errcode/errmsg, never a secret or token.

/** WeCom answered with a non-zero errcode (after any retries the client makes). */
export class WecomApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    /** The API path, e.g. `externalcontact/get`. */
    readonly api: string,
  ) {
    super(`WeCom ${api} failed: errcode ${errcode}, ${errmsg}`);
    this.name = 'WecomApiError';
  }
}

export type WecomRequestFailure = 'timeout' | 'network' | 'http_status' | 'invalid_response';

/** The request did not produce a WeCom answer: timeout, network failure, non-2xx status or a body that is not JSON. */
export class WecomRequestError extends Error {
  constructor(
    readonly failure: WecomRequestFailure,
    readonly api: string,
    detail: string,
    readonly status?: number,
  ) {
    super(`WeCom ${api} request failed (${failure}): ${redactSecrets(detail)}`);
    this.name = 'WecomRequestError';
  }
}

/** Errcodes that mean the access token is missing, invalid or expired: refetch it once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001, 41001]);
/** System busy (-1) and data version conflict (6000): retry with backoff. */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([-1, 6000]);
/** Frequency (45009) and concurrency (45033) limits: wait, then retry. */
export const RATE_LIMIT_ERRCODES: ReadonlySet<number> = new Set([45009, 45033]);

const SECRET_PARAMETERS = /([?&](?:access_token|corpsecret|secret)=)[^&#\s"']*/gi;

/** Replaces access tokens and secrets in URLs (or any text containing query strings) with `***`. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PARAMETERS, '$1***');
}
