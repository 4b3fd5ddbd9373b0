import { randomBytes } from 'node:crypto';
import { createTestApp, type TestApp, type TestResponse } from '../../testing/test-app.ts';
import { signNexusRequest, signNexusRequestLegacy } from './nexus-signature.ts';

export const NEXUS_TEST_KEY = 'nexus-test-app';
export const NEXUS_TEST_SECRET = 'nexus-test-secret-0123456789';

export interface SignOptions {
  /** Unix seconds; the test clock by default. */
  timestamp?: number | string;
  nonce?: string;
  secret?: string;
  key?: string;
  /** Sent as is (already serialised), to sign bytes that are not JSON.stringify's. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Replaces the computed signature. */
  signature?: string;
  /** Sign the legacy form (timestamp, nonce, body: no method, no path). */
  legacy?: boolean;
  /** The path signed, when not the one requested (`/scrm/nexus${path}`). */
  signedPath?: string;
}

export type NexusClient = <T = any>(path: string, body?: unknown, options?: SignOptions) => Promise<TestResponse<T>>;

/** A test app with Nexus configured, and a client that signs like Nexus does. */
export async function createNexusTestApp(env: Record<string, string> = {}): Promise<TestApp & { nexus: NexusClient }> {
  const t = await createTestApp({ env: { NEXUS_APP_KEY: NEXUS_TEST_KEY, NEXUS_SECRET: NEXUS_TEST_SECRET, ...env } });
  return Object.assign(t, { nexus: nexusClient(t) });
}

export function nexusClient(t: TestApp): NexusClient {
  return async (path, body, options = {}) => {
    const raw = options.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
    const timestamp = String(options.timestamp ?? Math.floor(t.clock.now / 1000));
    const nonce = options.nonce ?? randomBytes(12).toString('hex');
    const url = `/scrm/nexus${path}`;
    const secret = options.secret ?? NEXUS_TEST_SECRET;
    const signature =
      options.signature ??
      (options.legacy
        ? signNexusRequestLegacy(secret, timestamp, nonce, raw)
        : signNexusRequest(secret, { method: 'POST', target: options.signedPath ?? url, timestamp, nonce, rawBody: raw }));
    const response = await t.app.inject({
      method: 'POST',
      url,
      payload: raw,
      headers: {
        'content-type': 'application/json',
        'x-nexus-key': options.key ?? NEXUS_TEST_KEY,
        'x-nexus-timestamp': timestamp,
        'x-nexus-nonce': nonce,
        'x-nexus-signature': signature,
        ...options.headers,
      },
    });
    let parsed;
    try {
      parsed = response.json();
    } catch {
      parsed = { code: String(response.statusCode), msg: response.body, date: null };
    }
    return { status: response.statusCode, body: parsed, raw: response };
  };
}
