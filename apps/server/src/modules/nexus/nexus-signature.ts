import { constantTimeEqual, hmacSha256Hex, SIGNED_MAX_SKEW_SECONDS, signRequest, stringToSign, verifySignature, type SignatureFailure, type SignedParts } from '../../platform/signed-request.ts';

/**
 * How Nexus signs a request (documented in README.md and the OpenAPI descriptions), the same scheme as the
 * open API's (platform/signed-request.ts verifies both):
 *
 *   x-nexus-key        the app key (NEXUS_APP_KEY)
 *   x-nexus-timestamp  unix time in seconds, within ±300 s of the server's clock
 *   x-nexus-nonce      8–64 characters [A-Za-z0-9_-], never reused within the window
 *   x-nexus-signature  lowercase hex HMAC-SHA256, keyed with NEXUS_SECRET, of the UTF-8 string
 *                      `${METHOD}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${rawBody}` (pathAndQuery: the request
 *                      target exactly as sent; rawBody: the request body bytes exactly as sent)
 *
 * The legacy form `${timestamp}\n${nonce}\n${rawBody}` (no method, no path: a signed body could be replayed
 * on another endpoint) is accepted only with NEXUS_LEGACY_SIGNATURE=accept, for HR systems integrated
 * before the change, during their transition.
 */
export const NEXUS_HEADERS = {
  key: 'x-nexus-key',
  timestamp: 'x-nexus-timestamp',
  nonce: 'x-nexus-nonce',
  signature: 'x-nexus-signature',
} as const;

/** Accepted clock difference between Nexus and SCRM, either direction. */
export const NEXUS_MAX_SKEW_SECONDS = SIGNED_MAX_SKEW_SECONDS;

/** The signature over method, request target, timestamp, nonce and body (the current form). */
export function signNexusRequest(secret: string, parts: SignedParts): string {
  return signRequest(secret, parts);
}

/** The legacy form, over timestamp, nonce and body only (accepted with NEXUS_LEGACY_SIGNATURE=accept). */
export function signNexusRequestLegacy(secret: string, timestamp: string, nonce: string, rawBody: string): string {
  return hmacSha256Hex(secret, legacyStringToSign(timestamp, nonce, rawBody));
}

const legacyStringToSign = (timestamp: string, nonce: string, rawBody: string) => `${timestamp}\n${nonce}\n${rawBody}`;

/** Why a signed request is refused; each has its own message. */
export type NexusSignatureFailure =
  | 'nexusMissingHeaders'
  | 'nexusUnknownKey'
  | 'nexusBadTimestamp'
  | 'nexusStaleRequest'
  | 'nexusBadNonce'
  | 'nexusBadSignature'
  | 'nexusLegacySignature';

const NEXUS_FAILURES: Record<SignatureFailure, NexusSignatureFailure> = {
  missingHeaders: 'nexusMissingHeaders',
  badTimestamp: 'nexusBadTimestamp',
  staleRequest: 'nexusStaleRequest',
  badNonce: 'nexusBadNonce',
  badSignature: 'nexusBadSignature',
};

export interface NexusSignedHeaders {
  key?: string;
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

export type NexusSignatureCheck =
  | { ok: true; timestamp: number; nonce: string; /** Signed in the legacy form (accepted by the setting). */ legacy: boolean }
  | { ok: false; failure: NexusSignatureFailure };

/** Everything except the nonce's freshness, which needs the nonce store. */
export function checkNexusSignature(
  credentials: { appKey: string; secret: string },
  headers: NexusSignedHeaders,
  request: { method: string; target: string; rawBody: string },
  nowMs: number,
  options: { acceptLegacy: boolean } = { acceptLegacy: false },
): NexusSignatureCheck {
  const { key, timestamp, nonce, signature } = headers;
  if (!key || !timestamp || !nonce || !signature) return { ok: false, failure: 'nexusMissingHeaders' };
  if (!constantTimeEqual(Buffer.from(key, 'utf8'), Buffer.from(credentials.appKey, 'utf8'))) return { ok: false, failure: 'nexusUnknownKey' };
  // Both forms are computed: a legacy signature refused by the setting is told so (the caller holds the
  // secret; the answer only spares its operator a search).
  const check = verifySignature(
    credentials.secret,
    headers,
    (time, once) => [stringToSign({ ...request, timestamp: time, nonce: once }), legacyStringToSign(time, once, request.rawBody)],
    nowMs,
  );
  if (!check.ok) return { ok: false, failure: NEXUS_FAILURES[check.failure] };
  const legacy = check.form === 1;
  if (legacy && !options.acceptLegacy) return { ok: false, failure: 'nexusLegacySignature' };
  return { ok: true, timestamp: check.timestamp, nonce: check.nonce, legacy };
}
