import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

const named = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K): LazyExoticComponent<ComponentType> =>
  lazy(() => load().then((module) => ({ default: module[name] })));

/**
 * The console's pages by menu path. A menu entry whose path is not here shows "coming soon": its module
 * has not landed yet. Add a module's pages here as its backend lands.
 */
export const pageRegistry: Record<string, LazyExoticComponent<ComponentType>> = {
  '/dashboard': named(() => import('./dashboard-page.tsx'), 'DashboardPage'),
  '/system/user': named(() => import('./system/user-page.tsx'), 'UserPage'),
  '/system/role': named(() => import('./system/role-page.tsx'), 'RolePage'),
  '/system/menu': named(() => import('./system/menu-page.tsx'), 'MenuPage'),
  '/system/dept': named(() => import('./system/dept-page.tsx'), 'DeptPage'),
  '/wecom/dept': named(() => import('./wecom/wecom-dept-page.tsx'), 'WecomDeptPage'),
  '/wecom/emp': named(() => import('./wecom/wecom-emp-page.tsx'), 'WecomEmpPage'),
  '/system/audit': named(() => import('./system/audit-page.tsx'), 'AuditPage'),
};
