import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, ApiError, call, deviceTokenStore, setUnauthorizedHandler, tokenStore } from '../api/client.ts';
import { feedback } from '../api/feedback.ts';
import type { CurrentUser } from '../api/types.ts';
import { i18n } from '../i18n/i18n.ts';

export interface Session {
  /** Signed in and the current user is loaded. */
  user: CurrentUser | null;
  /** Still finding out whether a stored token is valid. */
  loading: boolean;
  /** The stored session could not be checked (server unreachable or failing); `retry` tries again. */
  error: string | null;
  retry(): void;
  /** Granted permission codes; ["*"] for administrators. */
  permissions: string[];
  hasPermission(code: string | undefined): boolean;
  login(username: string, password: string): Promise<CurrentUser>;
  logout(): void;
  refresh(): Promise<CurrentUser | null>;
  /** After a password change the server issues a new token. */
  replaceToken(token: string): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The corp's time zone (the server's TZ_DEFAULT), for schedules and calendar days (components/corp-time.ts). */
export function useCorpTimeZone(): string {
  return useSession().user?.timeZone ?? 'Asia/Shanghai';
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const navigate = useNavigate();
  const [user, setUser] = useState<CurrentUser | null>(null);
  const [loading, setLoading] = useState(() => tokenStore.get() !== null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  const refresh = useCallback(async () => {
    if (!tokenStore.get()) {
      setUser(null);
      return null;
    }
    const current = await call(api.GET('/scrm/admin/sys/user/current'));
    setUser(current);
    return current;
  }, []);

  const logout = useCallback(() => {
    tokenStore.clear();
    setUser(null);
    navigate('/login', { replace: true });
  }, [navigate]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      if (tokenStore.get()) feedback().warning(i18n.t('common.sessionExpired'));
      tokenStore.clear();
      setUser(null);
      if (location.pathname !== '/login') navigate(`/login?redirect=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    });
  }, [navigate]);

  useEffect(() => {
    if (!tokenStore.get()) return;
    setLoading(true);
    setError(null);
    refresh()
      .catch((failure: unknown) => {
        // A 401 has already signed out; anything else keeps the token and offers a retry.
        if (failure instanceof ApiError && failure.status !== 401) setError(failure.message);
      })
      .finally(() => setLoading(false));
  }, [refresh, attempt]);

  const login = useCallback(
    async (username: string, password: string) => {
      const name = username.trim();
      const result = await call(api.POST('/scrm/admin/login', { body: { username: name, password, deviceToken: deviceTokenStore.get(name) } }));
      tokenStore.set(result.token);
      deviceTokenStore.set(name, result.deviceToken);
      const current = await refresh();
      return current!;
    },
    [refresh],
  );

  const replaceToken = useCallback(
    async (token: string) => {
      tokenStore.set(token);
      await refresh();
    },
    [refresh],
  );

  const value = useMemo<Session>(() => {
    const permissions = user?.permissions ?? [];
    return {
      user,
      loading,
      error,
      retry: () => setAttempt((value) => value + 1),
      permissions,
      hasPermission: (code) => !code || permissions.includes('*') || permissions.includes(code),
      login,
      logout,
      refresh,
      replaceToken,
    };
  }, [user, loading, error, login, logout, refresh, replaceToken]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
