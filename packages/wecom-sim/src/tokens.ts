// access_token and JS-SDK ticket issuance. Tokens are ephemeral (not in the snapshot): after a restart
// old tokens answer 40014, and clients refetch, as they must when WeCom revokes tokens early.
import { randomBytes } from 'node:crypto';
import { fail } from './errors.ts';

export type SecretKind = 'app' | 'contactSync';

export interface IssuedToken {
  token: string;
  kind: SecretKind;
  expiresAtMs: number;
  /** Revoked early (fault injection or expireTokens()): answers 42001. */
  revoked: boolean;
  /** Calls made with this token. */
  calls: number;
}

/** Forget expired tokens after this long, then they answer 40014 instead of 42001. */
const EXPIRED_TOKEN_MEMORY_MS = 24 * 3600 * 1000;

export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #current = new Map<SecretKind, IssuedToken>();
  readonly #tickets = new Map<string, { ticket: string; expiresAtMs: number }>();
  readonly #ticketFetches: Array<{ kind: string; atMs: number }> = [];

  constructor(
    private readonly now: () => number,
    private readonly ttlSeconds: number,
  ) {}

  /** gettoken: the same token while it is valid (older doc), a new one after expiry or revocation. */
  issue(kind: SecretKind): { access_token: string; expires_in: number } {
    const nowMs = this.now();
    let current = this.#current.get(kind);
    if (!current || current.revoked || current.expiresAtMs <= nowMs) {
      current = { token: randomBytes(48).toString('base64url'), kind, expiresAtMs: nowMs + this.ttlSeconds * 1000, revoked: false, calls: 0 };
      this.#tokens.set(current.token, current);
      this.#current.set(kind, current);
      this.#forgetOld(nowMs);
    }
    return { access_token: current.token, expires_in: Math.max(1, Math.round((current.expiresAtMs - nowMs) / 1000)) };
  }

  /** Validates the query's access_token: 41001 missing, 40014 unknown, 42001 expired. */
  check(token: string | undefined): IssuedToken {
    if (!token) return fail(41001);
    const issued = this.#tokens.get(token);
    if (!issued) return fail(40014);
    if (issued.revoked || issued.expiresAtMs <= this.now()) return fail(42001);
    issued.calls++;
    return issued;
  }

  /** Early expiry, as WeCom may do "出于运营需要". */
  expireAll(): void {
    for (const issued of this.#tokens.values()) issued.revoked = true;
  }

  /** jsapi (corp) and agent_config tickets: cached 7200 s; ≤400/hour per corp, ≤100/hour per app. */
  ticket(kind: 'jsapi' | 'agent_config'): { ticket: string; expires_in: number } {
    const nowMs = this.now();
    while (this.#ticketFetches.length > 0 && this.#ticketFetches[0].atMs <= nowMs - 3600_000) this.#ticketFetches.shift();
    const forKind = this.#ticketFetches.filter((fetch) => fetch.kind === kind).length;
    if (this.#ticketFetches.length >= 400 || (kind === 'agent_config' && forKind >= 100)) fail(45009);
    this.#ticketFetches.push({ kind, atMs: nowMs });
    let cached = this.#tickets.get(kind);
    if (!cached || cached.expiresAtMs <= nowMs) {
      cached = { ticket: randomBytes(63).toString('base64url'), expiresAtMs: nowMs + 7200_000 };
      this.#tickets.set(kind, cached);
    }
    return { ticket: cached.ticket, expires_in: Math.max(1, Math.round((cached.expiresAtMs - nowMs) / 1000)) };
  }

  /** The ticket of a kind as the client checks a page's signature with it: the live one, or undefined. */
  liveTicket(kind: 'jsapi' | 'agent_config'): string | undefined {
    const cached = this.#tickets.get(kind);
    return cached && cached.expiresAtMs > this.now() ? cached.ticket : undefined;
  }

  #forgetOld(nowMs: number): void {
    for (const [token, issued] of this.#tokens) {
      if (issued.expiresAtMs < nowMs - EXPIRED_TOKEN_MEMORY_MS) this.#tokens.delete(token);
    }
  }
}
