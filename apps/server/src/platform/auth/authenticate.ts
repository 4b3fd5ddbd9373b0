import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/database.ts';
import { menuTree, type MenuSeed } from '@scrm/shared';
import { AppError, Forbidden, Unauthorized } from '../http/errors.ts';
import { localeOf } from '../http/i18n.ts';
import type { AuthRole, AuthUser, RequestContext } from './context.ts';
import { resolveDataScope, type DataScope } from './data-scope.ts';
import type { TokenClaims, TokenService } from './tokens.ts';
import { createTokenRevocations } from './token-revocation.ts';
import type { AuthNotifications, AuthState } from './auth-notifications.ts';

export const ADMIN_ROLE_KEY = 'admin';

/**
 * One round trip: the user with roles (and their custom departments) and granted permission codes — each
 * granted, enabled menu's own code and its extra codes (the reads its page needs from other modules).
 */
export async function loadAuthUser(db: DbOrTx, userId: number): Promise<(AuthUser & { isDel: number }) | null> {
  const result = await db.execute<Record<string, unknown>>(sql`
    SELECT u.id, u.username, u.nickname, u.emp_no, u.phone, u.dept_id, u.qw_userid, u.status, u.token_version,
           u.must_change_password, u.is_del,
           COALESCE((SELECT json_agg(json_build_object('id', r.id, 'roleKey', r.role_key, 'dataScope', r.data_scope,
                      'deptIds', COALESCE((SELECT json_agg(rd.dept_id) FROM sys_role_dept rd WHERE rd.role_id = r.id), '[]'::json)))
                     FROM sys_user_role ur JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0
                     WHERE ur.user_id = u.id), '[]'::json) AS roles,
           COALESCE((SELECT array_agg(DISTINCT code)
                     FROM sys_user_role ur JOIN sys_role r ON r.id = ur.role_id AND r.is_del = 0 AND r.status = 0
                     JOIN sys_role_menu rm ON rm.role_id = r.id
                     JOIN sys_menu m ON m.id = rm.menu_id AND m.status = 0
                     CROSS JOIN LATERAL unnest(array_append(m.extra_perms, m.perms)) AS code
                     WHERE ur.user_id = u.id AND code IS NOT NULL), '{}') AS perms
    FROM sys_user u WHERE u.id = ${userId}`);
  const row = result.rows[0];
  if (!row) return null;
  const roles = (row.roles as AuthRole[]).map((role) => ({ ...role, id: Number(role.id), deptIds: role.deptIds.map(Number) }));
  return {
    id: Number(row.id),
    username: row.username as string,
    nickname: row.nickname as string,
    empNo: row.emp_no as string | null,
    phone: row.phone as string | null,
    deptId: row.dept_id === null ? null : Number(row.dept_id),
    qwUserid: row.qw_userid as string | null,
    status: Number(row.status),
    tokenVersion: Number(row.token_version),
    mustChangePassword: row.must_change_password as boolean,
    isDel: Number(row.is_del),
    roles,
    isAdmin: roles.some((role) => role.roleKey === ADMIN_ROLE_KEY),
    permissions: new Set(row.perms as string[]),
  };
}

export function tokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.token;
  if (typeof header === 'string' && header) return header;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || undefined;
  return undefined;
}

type LoadedUser = NonNullable<Awaited<ReturnType<typeof loadAuthUser>>>;

/** The auth version and whether the token is signed out, in one round trip. */
async function readAuthState(pool: pg.Pool, jti: string): Promise<AuthState> {
  // Not a named prepared statement: PGlite's socket multiplexes every connection onto one session.
  const { rows } = await pool.query<{ value: string | null; revoked: boolean }>(
    `SELECT (SELECT value FROM sys_config WHERE key = 'auth_version') AS value,
            EXISTS (SELECT 1 FROM sys_revoked_token WHERE jti = $1) AS revoked`,
    [jti],
  );
  return { version: rows[0]?.value ?? '0', revoked: rows[0]?.revoked === true };
}

/**
 * Users with their roles and permissions, cached per process and revalidated on every request by one
 * primary-key read of `auth_version`, which database triggers bump on any change to users, roles, menus
 * or grants (migration 0002). So a disable, a password reset or a new grant is seen at once by every
 * replica, while the request path costs a trivial query instead of the permission joins. The same round
 * trip looks the token's `jti` up among signed-out tokens (a primary-key probe of sys_revoked_token), so a
 * logout holds at once on every replica at no extra query. On PostgreSQL both are pushed to the process instead
 * (auth-notifications.ts): `known` is then given and the request makes no query at all while the user is cached.
 */
export function createAuthUserLoader(db: Db, pool: pg.Pool, maxEntries = 10_000) {
  const cache = new Map<number, { version: string; user: LoadedUser }>();
  return async function load(userId: number, jti: string, known?: AuthState | null): Promise<{ user: LoadedUser | null; revoked: boolean }> {
    const { version, revoked } = known ?? (await readAuthState(pool, jti));
    const cached = cache.get(userId);
    if (cached && cached.version === version) return { user: cached.user, revoked };
    const user = await loadAuthUser(db, userId);
    if (!user) {
      cache.delete(userId);
      return { user: null, revoked };
    }
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(userId, { version, user });
    return { user, revoked };
  };
}

/**
 * Decorates `app.authenticate`, the preHandler of every admin route: verifies the token, reloads the user
 * (deleted, disabled or re-keyed users are refused even with an unexpired token), then checks the route's
 * permission.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: { db: Db; pool: pg.Pool; tokens: TokenService; isTokenRevoked?: (claims: TokenClaims) => Promise<boolean>; now?: () => number; notifications?: AuthNotifications },
): void {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  const loadUser = createAuthUserLoader(deps.db, deps.pool);
  const revocations = createTokenRevocations(deps.db, deps.now ?? Date.now);
  // Signs out the token a request was authenticated with (the logout endpoint).
  app.decorate('revokeToken', async (request: FastifyRequest) => {
    const claims = await deps.tokens.verify(tokenOf(request) ?? '');
    if (claims) await revocations.revoke(claims);
    return claims;
  });
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const token = tokenOf(request);
    if (!token) throw new Unauthorized();
    const claims = await deps.tokens.verify(token);
    if (!claims) throw new Unauthorized();
    const { user, revoked } = await loadUser(Number(claims.uid), claims.jti, deps.notifications?.current(claims.jti));
    if (revoked) throw new Unauthorized('tokenRevoked');
    if (!user || user.isDel !== 0) throw new Unauthorized('tokenRevoked');
    if (user.status !== 0) throw new Unauthorized('accountDisabled');
    if (user.tokenVersion !== claims.tv) throw new Unauthorized('tokenRevoked');
    if (deps.isTokenRevoked && (await deps.isTokenRevoked(claims))) throw new Unauthorized('tokenRevoked');
    const config = request.routeOptions.config;
    if (user.mustChangePassword && !config.allowWhilePasswordExpired) throw new Forbidden('mustChangePassword');
    const permission = config.permission;
    if (permission && permission !== 'login' && !user.isAdmin && !user.permissions.has(permission)) {
      throw await permissionMissing(deps.db, permission);
    }
    let scope: Promise<DataScope> | undefined;
    request.ctx = {
      user,
      locale: localeOf(request.headers['accept-language']),
      requestId: request.id,
      scope: () => (scope ??= resolveDataScope(deps.db, user)),
    };
  });
}

/**
 * The 403 of a missing permission, in words: the menu that grants it as the role editor shows it ("客户员工关系",
 * or "客户员工关系 › 关系查询" for a button), the raw code on the details line (`date.detail`) and in
 * `date.permission`. The installed menu's names first (an administrator may have renamed it), else the product's
 * menu tree, else the code.
 */
async function permissionMissing(db: DbOrTx, permission: string): Promise<AppError> {
  const { rows } = await db.execute<{ name: string; name_en: string | null; menu_type: string; parent_name: string | null; parent_name_en: string | null }>(sql`
    SELECT m.name, m.name_en, m.menu_type, p.name AS parent_name, p.name_en AS parent_name_en
    FROM sys_menu m LEFT JOIN sys_menu p ON p.id = m.parent_id
    WHERE m.perms = ${permission} ORDER BY m.id LIMIT 1`);
  const installed = rows[0];
  const names = installed
    ? installed.menu_type === 'F' && installed.parent_name
      ? { zh: `${installed.parent_name} › ${installed.name}`, en: `${installed.parent_name_en ?? installed.parent_name} › ${installed.name_en ?? installed.name}` }
      : { zh: installed.name, en: installed.name_en ?? installed.name }
    : seededGrantName(permission, menuTree) ?? { zh: permission, en: permission };
  return new AppError(403, 'permissionMissing', { grant: names.zh, grantEn: names.en, permission }, { permission, detail: permission });
}

function seededGrantName(permission: string, menus: readonly MenuSeed[], parent?: MenuSeed): { zh: string; en: string } | undefined {
  for (const menu of menus) {
    if (menu.perms === permission) {
      return menu.type === 'F' && parent
        ? { zh: `${parent.name} › ${menu.name}`, en: `${parent.nameEn} › ${menu.nameEn}` }
        : { zh: menu.name, en: menu.nameEn };
    }
    const found = seededGrantName(permission, menu.children ?? [], menu);
    if (found) return found;
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
    /** Revokes the request's token on every replica (logout); its claims, or null when it has none that verify. */
    revokeToken: (request: FastifyRequest) => Promise<TokenClaims | null>;
  }
  interface FastifyRequest {
    ctx: RequestContext;
  }
}
