import { RATE_LIMIT_ERRCODES, TRANSIENT_ERRCODES, WecomApiError, WecomRequestError } from '@scrm/wecom';
import { AppError } from '../../platform/http/errors.ts';

/** WeCom's "name already exists" (tag or group). */
const NAME_EXISTS = 40071;

/**
 * WeCom refused a change: its errcode and errmsg go back to the caller in the envelope (`date` carries
 * both). 409 for a name WeCom already has, 503 when WeCom is busy or rate-limiting after the client's own
 * retries, 400 otherwise.
 */
export class WecomRejected extends AppError {
  constructor(readonly cause: WecomApiError) {
    const status = cause.errcode === NAME_EXISTS ? 409 : TRANSIENT_ERRCODES.has(cause.errcode) || RATE_LIMIT_ERRCODES.has(cause.errcode) ? 503 : 400;
    super(status, 'wecomRejected', { errcode: cause.errcode, errmsg: cause.errmsg }, { errcode: cause.errcode, errmsg: cause.errmsg, api: cause.api });
  }
}

/** WeCom did not answer (timeout, network, bad response). */
export class WecomUnreachable extends AppError {
  constructor(readonly cause: WecomRequestError) {
    super(502, 'wecomUnreachable', {}, { failure: cause.failure, api: cause.api });
  }
}

/** WeCom's errors as typed API errors; anything else as it is. */
export function asApiError(error: unknown): unknown {
  if (error instanceof WecomApiError) return new WecomRejected(error);
  if (error instanceof WecomRequestError) return new WecomUnreachable(error);
  return error;
}

/** Runs a WeCom call, turning its failure into an API error. */
export async function callWecom<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asApiError(error);
  }
}

export const errcodeOf = (error: unknown): number | null =>
  error instanceof WecomApiError ? error.errcode : error instanceof WecomRejected ? error.cause.errcode : null;
