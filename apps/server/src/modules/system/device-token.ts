// Device tokens (OWASP "device cookies", Authentication Cheat Sheet): a browser that has signed in as a user
// keeps a long-lived signed token for that username and presents it at later sign-ins. Such a sign-in is not
// held up by the account's wait (which anyone can cause by sending wrong passwords for the username); it has
// its own progressive wait, keyed by the device, and a device that keeps failing is revoked
// (login-throttle.ts). The token is bound to the user's id, username and token version: a password change
// or reset invalidates it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../platform/db/database.ts';
import { storedSecret } from '../../platform/auth/stored-secret.ts';

/** How long a device token is valid after the sign-in that issued it. */
export const DEVICE_TOKEN_TTL_SECONDS = 180 * 24 * 3600;
/** Longest device token accepted in a sign-in body (the ones issued are about 150 characters). */
export const DEVICE_TOKEN_MAX_LENGTH = 512;

const VERSION = 'd1';
const SECRET_KEY = 'device_token_secret';

/** What a valid device token says. */
export interface DeviceClaims {
  /** The device's random id: the key of its own sign-in wait. */
  id: string;
  uid: number;
  username: string;
  /** The user's token version when issued. */
  tv: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/**
 * Issues and checks device tokens: `d1.<payload>.<HMAC-SHA256>` (base64url), with a secret of its own, generated
 * once and kept in the database (sys_config `device_token_secret`, like `jwt_secret`) so every replica agrees.
 */
export function createDeviceTokens(db: Db, now: () => number) {
  let secret: Promise<Buffer> | undefined;
  const key = () =>
    (secret ??= (async () => {
      return Buffer.from(await storedSecret(db, SECRET_KEY), 'utf8');
    })().catch((error: unknown) => {
      secret = undefined;
      throw error;
    }));
  const mac = async (text: string) => createHmac('sha256', await key()).update(text, 'utf8').digest();

  return {
    async issue(user: { id: number; username: string; tokenVersion: number }): Promise<{ token: string; expiresAt: Date }> {
      const exp = Math.floor(now() / 1000) + DEVICE_TOKEN_TTL_SECONDS;
      const claims: DeviceClaims = { id: randomBytes(16).toString('base64url'), uid: user.id, username: user.username, tv: user.tokenVersion, exp };
      const signed = `${VERSION}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
      return { token: `${signed}.${(await mac(signed)).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
    },

    /**
     * The claims of a genuine, unexpired device token issued for `username`, or null (malformed, forged,
     * expired, another user's). Whether it still matches the user (id, token version) and is not revoked is
     * the caller's to check.
     */
    async verify(token: string | undefined, username: string): Promise<DeviceClaims | null> {
      if (!token || token.length > DEVICE_TOKEN_MAX_LENGTH) return null;
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) return null;
      const expected = await mac(`${parts[0]}.${parts[1]}`);
      const given = Buffer.from(parts[2], 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      let claims: DeviceClaims;
      try {
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as DeviceClaims;
      } catch {
        return null;
      }
      if (typeof claims?.id !== 'string' || !/^[\w-]{16,64}$/.test(claims.id)) return null;
      if (typeof claims.uid !== 'number' || typeof claims.tv !== 'number' || typeof claims.exp !== 'number') return null;
      if (claims.username !== username || claims.exp * 1000 <= now()) return null;
      return claims;
    },
  };
}

export type DeviceTokens = ReturnType<typeof createDeviceTokens>;
