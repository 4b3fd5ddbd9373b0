import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How Nexus signs a request (documented in README.md and the OpenAPI descriptions):
 *
 *   x-nexus-key        the app key (NEXUS_APP_KEY)
 *   x-nexus-timestamp  unix time in seconds, within ±300 s of the server's clock
 *   x-nexus-nonce      8–64 characters [A-Za-z0-9_-], never reused within the window
 *   x-nexus-signature  lowercase hex HMAC-SHA256, keyed with NEXUS_SECRET, of the UTF-8 string
 *                      `${timestamp}\n${nonce}\n${rawBody}` (rawBody: the request body bytes exactly as sent)
 */
export const NEXUS_HEADERS = {
  key: 'x-nexus-key',
  timestamp: 'x-nexus-timestamp',
  nonce: 'x-nexus-nonce',
  signature: 'x-nexus-signature',
} as const;

/** Accepted clock difference between Nexus and SCRM, either direction. */
export const NEXUS_MAX_SKEW_SECONDS = 300;

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{64}$/;

export function signNexusRequest(secret: string, timestamp: string, nonce: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${rawBody}`, 'utf8').digest('hex');
}

/** Why a signed request is refused; each has its own message. */
export type NexusSignatureFailure =
  | 'nexusMissingHeaders'
  | 'nexusUnknownKey'
  | 'nexusBadTimestamp'
  | 'nexusStaleRequest'
  | 'nexusBadNonce'
  | 'nexusBadSignature';

export interface NexusSignedHeaders {
  key?: string;
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

export type NexusSignatureCheck =
  | { ok: true; timestamp: number; nonce: string }
  | { ok: false; failure: NexusSignatureFailure };

/** Everything except the nonce's freshness, which needs the database (see the repository). */
export function checkNexusSignature(
  credentials: { appKey: string; secret: string },
  headers: NexusSignedHeaders,
  rawBody: string,
  nowMs: number,
): NexusSignatureCheck {
  const { key, timestamp, nonce, signature } = headers;
  if (!key || !timestamp || !nonce || !signature) return { ok: false, failure: 'nexusMissingHeaders' };
  if (!constantTimeEqual(Buffer.from(key, 'utf8'), Buffer.from(credentials.appKey, 'utf8'))) return { ok: false, failure: 'nexusUnknownKey' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, failure: 'nexusBadTimestamp' };
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > NEXUS_MAX_SKEW_SECONDS) return { ok: false, failure: 'nexusStaleRequest' };
  if (!NONCE_PATTERN.test(nonce)) return { ok: false, failure: 'nexusBadNonce' };
  if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, failure: 'nexusBadSignature' };
  const expected = Buffer.from(signNexusRequest(credentials.secret, timestamp, nonce, rawBody), 'hex');
  if (!constantTimeEqual(Buffer.from(signature, 'hex'), expected)) return { ok: false, failure: 'nexusBadSignature' };
  return { ok: true, timestamp: seconds, nonce };
}

/** Compares without leaking where the first difference is; lengths are compared first (not secret). */
function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
