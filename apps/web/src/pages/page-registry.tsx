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
  '/system/open-app': named(() => import('./system/open-app-page.tsx'), 'OpenAppPage'),
  '/wecom/event': named(() => import('./wecom/event-page.tsx'), 'EventPage'),
  '/wecom/app-message': named(() => import('./wecom/app-message-page.tsx'), 'AppMessagePage'),
  '/customer/list': named(() => import('./customer/customer-list-page.tsx'), 'CustomerListPage'),
  '/customer/relation': named(() => import('./customer/customer-channel-page.tsx'), 'CustomerChannelPage'),
  '/customer/stat': named(() => import('./customer/customer-stat-page.tsx'), 'CustomerStatPage'),
  '/customer/tag': named(() => import('./customer/customer-tag-page.tsx'), 'CustomerTagPage'),
  '/tag/corp': named(() => import('./tag/tag-group-page.tsx'), 'CorpTagPage'),
  '/tag/self': named(() => import('./tag/tag-group-page.tsx'), 'SelfTagPage'),
  '/group/list': named(() => import('./group/group-list-page.tsx'), 'GroupListPage'),
  '/group/chat': named(() => import('./group/group-chat-page.tsx'), 'GroupChatPage'),
  '/group/welcome': named(() => import('./group/group-welcome-page.tsx'), 'GroupWelcomePage'),
  '/acquisition/channel': named(() => import('./acquisition/channel-page.tsx'), 'ChannelPage'),
  '/acquisition/link': named(() => import('./acquisition/link-page.tsx'), 'AcquisitionLinkPage'),
  '/acquisition/qr': named(() => import('./acquisition/link-page.tsx'), 'AcquisitionQrPage'),
  '/acquisition/group-join': named(() => import('./acquisition/join-way-page.tsx'), 'JoinWayPage'),
  '/acquisition/mini-link': named(() => import('./acquisition/mini-link-page.tsx'), 'MiniLinkPage'),
  '/acquisition/media': named(() => import('./acquisition/media-page.tsx'), 'MediaPage'),
  '/clue/pool': named(() => import('./clue/lead-pool-page.tsx'), 'LeadPoolPage'),
  '/ops/broadcast': named(() => import('./ops/broadcast-page.tsx'), 'CustomerBroadcastPage'),
  '/ops/group-broadcast': named(() => import('./ops/broadcast-page.tsx'), 'GroupBroadcastPage'),
  '/ops/moment': named(() => import('./ops/moment-page.tsx'), 'MomentPage'),
  '/ops/resigned': named(() => import('./ops/resigned-page.tsx'), 'ResignedPage'),
  '/ops/sop': named(() => import('./ops/sop-page.tsx'), 'CustomerSopPage'),
  '/ops/group-sop': named(() => import('./ops/sop-page.tsx'), 'GroupSopPage'),
  '/ops/todo': named(() => import('./ops/todo-page.tsx'), 'TodoPage'),
  '/ops/onjob': named(() => import('./ops/onjob-page.tsx'), 'OnjobPage'),
  '/ops/loss': named(() => import('./ops/loss-page.tsx'), 'LossPage'),
  '/ops/stage': named(() => import('./ops/stage-page.tsx'), 'StagePage'),
  '/ops/intercept': named(() => import('./ops/intercept-page.tsx'), 'InterceptPage'),
  '/ops/reply': named(() => import('./ops/reply-page.tsx'), 'ReplyPage'),
};
