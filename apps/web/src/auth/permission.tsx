import type { ReactNode } from 'react';
import type { PermissionCode } from '@scrm/shared';
import { useSession } from './session.tsx';

/** Renders its children only when the signed-in user holds the permission (the server enforces it too). */
export function Permission({ code, children, fallback = null }: { code: PermissionCode; children: ReactNode; fallback?: ReactNode }) {
  const { hasPermission } = useSession();
  return <>{hasPermission(code) ? children : fallback}</>;
}

export function usePermission(code: PermissionCode): boolean {
  return useSession().hasPermission(code);
}
