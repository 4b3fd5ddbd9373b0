// Who is using the sidebar: a WeCom employee, identified by OAuth2 (API-FACTS-OPERATIONS §23.8), holding a short-lived
// sidebar token. The token is signed with a key of its own (not the console's JWT secret) and an audience of its own,
// so a console token never opens /scrm/sidebar/** and a sidebar token never opens /scrm/admin/** — by construction,
// not by a check someone could forget. Every sidebar request is served as a self-scope viewer bound to exactly that
// employee's WeCom userid: the same repositories and services as the console, which then reach only their
// customers (relations) and the groups they own.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { AuthUser, RequestContext } from '../../platform/auth/context.ts';
import type { DataScope } from '../../platform/auth/data-scope.ts';
import { tokenOf } from '../../platform/auth/authenticate.ts';
import { localeOf } from '../../platform/http/i18n.ts';
import { AppError } from '../../platform/http/errors.ts';
import { storedSecret } from '../../platform/auth/stored-secret.ts';

const AUDIENCE = 'scrm-sidebar';
/** A sidebar session: long enough for a working session in the chat, short enough that a leaked token soon dies. */
export const SIDEBAR_TOKEN_TTL_SECONDS = 2 * 3600;
const SELF_ONLY: DataScope = { all: false, deptIds: [] };

export interface SidebarEmployee {
  userid: string;
  name: string;
}

/** The key sidebar tokens are signed with: generated once and kept in the database, so every replica signs alike. */
async function sidebarKey(db: Db): Promise<Uint8Array> {
  return new TextEncoder().encode(await storedSecret(db, 'sidebar_jwt_secret'));
}

export function createSidebarTokens(db: Db, now: () => number) {
  let key: Promise<Uint8Array> | undefined;
  const keyOf = () => (key ??= sidebarKey(db).catch((error: unknown) => {
    key = undefined;
    throw error;
  }));
  return {
    /** Makes the key at start (a refused request must write nothing, so not on first use). */
    async ready(): Promise<void> {
      await keyOf();
    },
    async sign(userid: string): Promise<{ token: string; expiresAt: Date }> {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + SIDEBAR_TOKEN_TTL_SECONDS;
      const token = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setSubject(userid)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(await keyOf());
      return { token, expiresAt: new Date(exp * 1000) };
    },
    /** The employee's WeCom userid, or null for anything else (a console token, forged, expired). */
    async verify(token: string): Promise<string | null> {
      try {
        const { payload } = await jwtVerify(token, await keyOf(), { algorithms: ['HS256'], audience: AUDIENCE, currentDate: new Date(now()) });
        return typeof payload.sub === 'string' && payload.sub ? payload.sub : null;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return null;
        throw error;
      }
    },
  };
}

export type SidebarTokens = ReturnType<typeof createSidebarTokens>;

/**
 * The request context of a sidebar request: the employee as a self-scope viewer (no roles, no permissions, no admin),
 * recorded under their bound console user's username when they have one, else `wecom:<userid>`.
 */
export function sidebarContext(request: FastifyRequest, employee: SidebarEmployee & { username: string | null; userId: number | null }): RequestContext {
  const user: AuthUser = {
    id: employee.userId ?? 0,
    username: employee.username ?? `wecom:${employee.userid}`,
    nickname: employee.name,
    empNo: null,
    phone: null,
    deptId: null,
    qwUserid: employee.userid,
    status: 0,
    tokenVersion: 0,
    mustChangePassword: false,
    roles: [],
    isAdmin: false,
    permissions: new Set(),
  };
  return { user, locale: localeOf(request.headers['accept-language']), requestId: request.id, scope: async () => SELF_ONLY };
}

/**
 * Authenticates every route of the scope it is registered in with the sidebar token: a missing, console, forged or
 * expired token, or an employee who is no longer active in the org mirror, is 401.
 */
export function authenticateSidebar(app: FastifyInstance, deps: { db: Db; tokens: SidebarTokens }): void {
  app.addHook('onRequest', async (request) => {
    const userid = await deps.tokens.verify(tokenOf(request) ?? '');
    if (!userid) throw new AppError(401, 'sidebarSignInAgain');
    const { rows } = await deps.db.execute<{ name: string; user_id: number | null; username: string | null }>(sql`
      SELECT e.name,
             (SELECT u.id FROM sys_user u WHERE u.qw_userid = e.userid AND u.is_del = 0 ORDER BY u.id LIMIT 1) AS user_id,
             (SELECT u.username FROM sys_user u WHERE u.qw_userid = e.userid AND u.is_del = 0 ORDER BY u.id LIMIT 1) AS username
      FROM qw_emp e WHERE e.userid = ${userid} AND e.is_del = 0 AND e.left_at IS NULL AND e.status = 1 LIMIT 1`);
    const employee = rows[0];
    if (!employee) throw new AppError(401, 'sidebarEmployeeInactive');
    request.ctx = sidebarContext(request, { userid, name: employee.name, userId: employee.user_id === null ? null : Number(employee.user_id), username: employee.username });
  });
}
