import type { MediaFile, WecomResponse } from './types.ts';

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  method: 'GET' | 'POST';
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data in the field `media`. */
  file?: MediaFile;
  /** Changes state in WeCom: a timed-out attempt may have been applied, so it is not retried. */
  mutating?: boolean;
  /** Adds access_token to the query; only gettoken itself goes without. Default true. */
  authenticated?: boolean;
}

/** What the API areas need from the client: one authenticated, retried, rate-limited call. */
export interface WecomRequester {
  request<Response extends WecomResponse>(api: string, options: RequestOptions): Promise<Response>;
}
