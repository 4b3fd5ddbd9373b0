import type { Locale } from '../http/i18n.ts';
import type { DataScope } from './data-scope.ts';

export interface AuthRole {
  id: number;
  roleKey: string;
  dataScope: number;
  deptIds: number[];
}

/** The signed-in user as every request sees it: loaded fresh, so a disable or reset takes effect at once. */
export interface AuthUser {
  id: number;
  username: string;
  nickname: string;
  empNo: string | null;
  phone: string | null;
  deptId: number | null;
  qwUserid: string | null;
  status: number;
  tokenVersion: number;
  mustChangePassword: boolean;
  roles: AuthRole[];
  /** Holds the administrator role: every permission, all data. */
  isAdmin: boolean;
  permissions: Set<string>;
}

export interface RequestContext {
  user: AuthUser;
  locale: Locale;
  requestId: string;
  /** The caller's data scope (resolved on first use, once per request). */
  scope(): Promise<DataScope>;
}

/** What services write into cuser/muser. */
export const actorOf = (ctx: Pick<RequestContext, 'user'>): string => ctx.user.username;
