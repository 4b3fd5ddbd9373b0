import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Db } from '../db/database.ts';
import { storedSecret } from './stored-secret.ts';

/** The claims of the seed's example token (all strings, as there), plus what RBAC needs. */
export interface TokenClaims {
  uid: string;
  emp_no: string;
  user_name: string;
  phone_num: string;
  account_status: string;
  dept_id: string;
  data_scope: string;
  /** The user's token version when issued; a password change or reset makes older tokens invalid. */
  tv: number;
  /** Set on tokens issued by single sign-on (Nexus): the pairing that must still be live. */
  sid?: string;
  /** The token's own id (given by `sign`): what a logout revokes (sys_revoked_token). */
  jti: string;
  exp: number;
  iat: number;
}

export interface TokenService {
  sign(claims: Omit<TokenClaims, 'exp' | 'iat' | 'jti'>, ttlSeconds?: number): Promise<{ token: string; expiresAt: Date }>;
  /** Null when the token is malformed, forged or expired, or has no `jti` (issued before logouts could revoke). */
  verify(token: string): Promise<TokenClaims | null>;
}

export function createTokenService(secret: string, defaultTtlSeconds: number, now: () => number = Date.now): TokenService {
  const key = new TextEncoder().encode(secret);
  // Verified tokens, so a token is checked cryptographically once per process, not once per request.
  const verified = new Map<string, TokenClaims>();
  return {
    async sign(claims, ttlSeconds = defaultTtlSeconds) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + ttlSeconds;
      const token = await new SignJWT({ ...claims, jti: randomUUID() })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verify(token) {
      const known = verified.get(token);
      if (known) {
        if (known.exp * 1000 > now()) return known;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(now()) });
        if (typeof payload.uid !== 'string' || typeof payload.tv !== 'number' || typeof payload.jti !== 'string') return null;
        if (verified.size >= 10_000) verified.delete(verified.keys().next().value!);
        verified.set(token, payload as unknown as TokenClaims);
        return payload as unknown as TokenClaims;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
        throw error;
      }
    },
  };
}

/** JWT_SECRET, or one generated once and kept in the database so every replica signs alike. */
export async function resolveJwtSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return storedSecret(db, 'jwt_secret');
}
