/**
 * The menu tree seeded on first start: directories (M), pages (C) and buttons (F). `perms` is the permission
 * code an endpoint declares (each route names exactly one); roles grant menus, and through them permissions.
 *
 * The tree is the one place that says which permissions a page and its buttons need. A page or button that
 * calls another module's API lists that code in `extraPerms` (holding the menu grants it): only reads — list,
 * query, stat codes of pickers and summaries the page shows — never another menu's writes, so a permission
 * still grants exactly what its name says. The browser test `menu-permissions.test.ts` loads every page with a
 * role holding only that page's menu and its buttons and fails on any 403; `extraPerms` are refreshed on
 * every start (modules/system/seed.ts).
 */
export interface MenuSeed {
  name: string;
  nameEn: string;
  type: 'M' | 'C' | 'F';
  path?: string;
  icon?: string;
  perms?: string;
  /** Reads in other modules this page or button calls (other menus' own `perms`). */
  extraPerms?: readonly string[];
  children?: MenuSeed[];
}

const button = <P extends string>(name: string, nameEn: string, perms: P, extraPerms?: readonly string[]) => ({
  name,
  nameEn,
  type: 'F' as const,
  perms,
  ...(extraPerms ? { extraPerms } : {}),
});

export const menuTree = [
  { name: '首页', nameEn: 'Dashboard', type: 'C', path: '/dashboard', icon: 'DashboardOutlined' },
  {
    name: '获客管理', nameEn: 'Acquisition', type: 'M', path: '/acquisition', icon: 'RocketOutlined',
    children: [
      { name: '获客渠道', nameEn: 'Channels', type: 'C', path: '/acquisition/channel', perms: 'cust:channel:list', children: [
        button('渠道查询', 'View channel', 'cust:channel:query'),
        button('渠道保存', 'Save channel', 'cust:channel:save'),
      ] },
      { name: '获客链接', nameEn: 'Acquisition links', type: 'C', path: '/acquisition/link', perms: 'cust:link:list', extraPerms: ['cust:channel:list', 'qw:emp:list', 'tag:corp:list'], children: [
        button('链接查询', 'View link', 'cust:link:query'),
        button('链接保存', 'Save link', 'cust:link:save', ['media:list']),
        button('链接删除', 'Delete link', 'cust:link:delete'),
      ] },
      { name: '渠道活码', nameEn: 'Channel QR codes', type: 'C', path: '/acquisition/qr', perms: 'cust:qr:list', extraPerms: ['cust:channel:list', 'qw:emp:list', 'tag:corp:list'], children: [
        button('活码查询', 'View QR code', 'cust:qr:query'),
        button('活码保存', 'Save QR code', 'cust:qr:save', ['media:list']),
        button('活码删除', 'Delete QR code', 'cust:qr:delete'),
      ] },
      { name: '加群二维码', nameEn: 'Group join QR codes', type: 'C', path: '/acquisition/group-join', perms: 'group:join:list', extraPerms: ['cust:channel:list'], children: [
        button('加群码查询', 'View join QR', 'group:join:query'),
        button('加群码保存', 'Save join QR', 'group:join:save', ['group:list']),
        button('加群码删除', 'Delete join QR', 'group:join:delete'),
      ] },
      { name: '小程序链接', nameEn: 'Mini-program links', type: 'C', path: '/acquisition/mini-link', perms: 'mini:link:list', extraPerms: ['cust:channel:list'], children: [
        button('小程序链接查询', 'View mini link', 'mini:link:query'),
        button('小程序链接保存', 'Save mini link', 'mini:link:save'),
        button('小程序链接删除', 'Delete mini link', 'mini:link:delete'),
      ] },
      { name: '素材库', nameEn: 'Media library', type: 'C', path: '/acquisition/media', perms: 'media:list', children: [
        button('素材上传', 'Upload media', 'media:upload'),
        button('素材删除', 'Delete media', 'media:delete'),
      ] },
    ],
  },
  {
    name: '客户管理', nameEn: 'Customers', type: 'M', path: '/customer', icon: 'TeamOutlined',
    children: [
      { name: '客户列表', nameEn: 'Customers', type: 'C', path: '/customer/list', perms: 'cust:info:list', extraPerms: ['cust:emp:list', 'qw:emp:list', 'qw:dept:list', 'tag:corp:list', 'tag:self:list', 'cust:channel:list', 'stage:list'], children: [
        button('客户查询', 'View customer', 'cust:info:query', ['cust:tag:query']),
        button('客户保存', 'Save customer', 'cust:info:save'),
        button('客户同步', 'Sync customers', 'cust:info:sync'),
        button('实时查询', 'Live lookup', 'cust:info:realtime'),
      ] },
      { name: '客户员工关系', nameEn: 'Customer relations', type: 'C', path: '/customer/relation', perms: 'cust:emp:list', extraPerms: ['cust:channel:list', 'qw:emp:list'], children: [
        button('关系查询', 'View relation', 'cust:emp:query'),
        button('关系保存', 'Save relation', 'cust:emp:save'),
        button('关系导出', 'Export relations', 'cust:emp:export'),
      ] },
      { name: '客户统计', nameEn: 'Customer statistics', type: 'C', path: '/customer/stat', perms: 'cust:info:stat', extraPerms: ['qw:emp:list'], children: [
        button('客户统计明细', 'Customer totals', 'cust:emp:stat'),
      ] },
      { name: '客户标签', nameEn: 'Customer tagging', type: 'C', path: '/customer/tag', perms: 'cust:tag:list', extraPerms: ['qw:emp:list', 'tag:corp:list', 'tag:self:list'], children: [
        button('客户标签查询', 'View customer tags', 'cust:tag:query'),
        button('客户打标签', 'Tag customers', 'cust:tag:save'),
      ] },
    ],
  },
  {
    name: '标签管理', nameEn: 'Tags', type: 'M', path: '/tag', icon: 'TagsOutlined',
    children: [
      { name: '企业标签', nameEn: 'Corp tags', type: 'C', path: '/tag/corp', perms: 'tag:corp:list', children: [
        button('企业标签保存', 'Save corp tags', 'tag:corp:save'),
        button('企业标签删除', 'Delete corp tags', 'tag:corp:delete'),
        button('企业标签同步', 'Sync corp tags', 'tag:corp:sync'),
      ] },
      { name: '自建标签', nameEn: 'SCRM tags', type: 'C', path: '/tag/self', perms: 'tag:self:list', children: [
        button('自建标签保存', 'Save SCRM tags', 'tag:self:save'),
        button('自建标签删除', 'Delete SCRM tags', 'tag:self:delete'),
      ] },
    ],
  },
  {
    name: '客户群', nameEn: 'Customer groups', type: 'M', path: '/group', icon: 'CommentOutlined',
    children: [
      { name: '客户群列表', nameEn: 'Groups', type: 'C', path: '/group/list', perms: 'group:list', extraPerms: ['qw:emp:list'], children: [
        button('群详情', 'View group', 'group:query'),
        button('群同步', 'Sync groups', 'group:sync'),
        button('群成员', 'Group members', 'group:member:list'),
        button('群成员导出', 'Export members', 'group:member:export'),
        button('群统计', 'Group statistics', 'group:stat'),
      ] },
      { name: '企微聊天群', nameEn: 'WeCom chats', type: 'C', path: '/group/chat', perms: 'qw:chat:list', extraPerms: ['qw:emp:list'], children: [
        button('聊天群查询', 'View chat', 'qw:chat:query'),
        button('聊天群保存', 'Save chat', 'qw:chat:save'),
      ] },
      { name: '入群欢迎语', nameEn: 'Group welcome messages', type: 'C', path: '/group/welcome', perms: 'group:welcome:list', extraPerms: ['media:list'], children: [
        button('欢迎语查看', 'View welcome message', 'group:welcome:query'),
        button('欢迎语保存', 'Save welcome message', 'group:welcome:save'),
        button('欢迎语删除', 'Delete welcome message', 'group:welcome:delete'),
      ] },
    ],
  },
  {
    name: '客户运营', nameEn: 'Operations', type: 'M', path: '/ops', icon: 'NotificationOutlined',
    children: [
      { name: '客户群发', nameEn: 'Customer broadcasts', type: 'C', path: '/ops/broadcast', perms: 'broadcast:customer:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'tag:corp:list', 'tag:self:list', 'cust:channel:list', 'media:list', 'stage:list'], children: [
        button('群发详情', 'View broadcast', 'broadcast:customer:query'),
        button('群发保存', 'Save broadcast', 'broadcast:customer:save', ['cust:link:list', 'cust:qr:list']),
        button('群发删除', 'Delete broadcast', 'broadcast:customer:delete'),
        button('发送群发', 'Send broadcast', 'broadcast:customer:send'),
        button('取消群发', 'Cancel broadcast', 'broadcast:customer:cancel'),
        button('提醒发送', 'Remind senders', 'broadcast:customer:remind'),
        button('群发导出', 'Export recipients', 'broadcast:customer:export'),
        button('免打扰名单', 'Do-not-disturb list', 'broadcast:dnd:save', ['cust:info:list']),
        button('群发设置', 'Broadcast settings', 'broadcast:settings:save'),
      ] },
      { name: '客户群群发', nameEn: 'Group broadcasts', type: 'C', path: '/ops/group-broadcast', perms: 'broadcast:group:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'group:list', 'media:list'], children: [
        button('群群发详情', 'View group broadcast', 'broadcast:group:query'),
        button('群群发保存', 'Save group broadcast', 'broadcast:group:save'),
        button('群群发删除', 'Delete group broadcast', 'broadcast:group:delete'),
        button('发送群群发', 'Send group broadcast', 'broadcast:group:send'),
        button('取消群群发', 'Cancel group broadcast', 'broadcast:group:cancel'),
        button('提醒群主发送', 'Remind group owners', 'broadcast:group:remind'),
        button('群群发导出', 'Export group results', 'broadcast:group:export'),
      ] },
      { name: '朋友圈', nameEn: 'Moments', type: 'C', path: '/ops/moment', perms: 'broadcast:moment:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'tag:corp:list', 'media:list'], children: [
        button('朋友圈详情', 'View moment', 'broadcast:moment:query'),
        button('朋友圈保存', 'Save moment', 'broadcast:moment:save'),
        button('朋友圈删除', 'Delete moment', 'broadcast:moment:delete'),
        button('发表朋友圈', 'Publish moment', 'broadcast:moment:send'),
        button('取消朋友圈', 'Cancel moment', 'broadcast:moment:cancel'),
        button('提醒发表', 'Remind employees', 'broadcast:moment:remind'),
        button('朋友圈导出', 'Export moment results', 'broadcast:moment:export'),
      ] },
      { name: '敏感词拦截', nameEn: 'Sensitive-word interception', type: 'C', path: '/ops/intercept', perms: 'intercept:list', extraPerms: ['qw:emp:list', 'qw:dept:list'], children: [
        button('拦截规则查看', 'View intercept rule', 'intercept:query'),
        button('拦截规则保存', 'Save intercept rule', 'intercept:save'),
        button('拦截规则删除', 'Delete intercept rule', 'intercept:delete'),
        button('从企业微信同步', 'Sync from WeCom', 'intercept:sync'),
      ] },
      { name: '离职继承', nameEn: 'Resigned inheritance', type: 'C', path: '/ops/resigned', perms: 'lifecycle:resigned:list', extraPerms: ['qw:emp:list', 'qw:dept:list'], children: [
        button('待分配详情', 'View unassigned', 'lifecycle:resigned:query'),
        button('离职分配', 'Transfer to a takeover employee', 'lifecycle:resigned:transfer'),
        button('继承策略查看', 'View inheritance policy', 'lifecycle:policy:query'),
        button('继承策略保存', 'Save inheritance policy', 'lifecycle:policy:save', ['cust:link:list']),
      ] },
      { name: '在职继承', nameEn: 'On-job inheritance', type: 'C', path: '/ops/onjob', perms: 'lifecycle:onjob:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'tag:corp:list', 'tag:self:list', 'cust:channel:list', 'group:list', 'stage:list'], children: [
        button('在职转接', 'Transfer customers and groups', 'lifecycle:onjob:transfer'),
      ] },
      { name: '流失提醒', nameEn: 'Loss alerts', type: 'C', path: '/ops/loss', perms: 'loss:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'cust:channel:list'], children: [
        button('流失统计', 'Loss statistics', 'loss:stat'),
        button('流失导出', 'Export losses', 'loss:export'),
        button('提醒设置', 'Alert settings', 'loss:settings'),
      ] },
      { name: '客户SOP', nameEn: 'Customer SOP', type: 'C', path: '/ops/sop', perms: 'sop:customer:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'tag:corp:list', 'cust:channel:list', 'cust:link:list', 'cust:qr:list', 'media:list', 'stage:list'], children: [
        button('客户SOP保存', 'Save customer SOP', 'sop:customer:save'),
        button('客户SOP删除', 'Delete customer SOP', 'sop:customer:delete'),
        button('客户SOP任务', 'Customer SOP tasks', 'sop:customer:task'),
        button('客户SOP统计', 'Customer SOP completion', 'sop:customer:stat'),
      ] },
      { name: '群SOP', nameEn: 'Group SOP', type: 'C', path: '/ops/group-sop', perms: 'sop:group:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'group:list', 'media:list'], children: [
        button('群SOP保存', 'Save group SOP', 'sop:group:save'),
        button('群SOP删除', 'Delete group SOP', 'sop:group:delete'),
        button('群SOP任务', 'Group SOP tasks', 'sop:group:task'),
        button('群SOP统计', 'Group SOP completion', 'sop:group:stat'),
      ] },
      { name: '我的待办', nameEn: 'My to-dos', type: 'C', path: '/ops/todo', perms: 'sop:todo', extraPerms: ['media:list'] },
      { name: '话术库', nameEn: 'Quick replies', type: 'C', path: '/ops/reply', perms: 'reply:list', extraPerms: ['media:list'], children: [
        button('话术保存', 'Save replies and folders', 'reply:save'),
        button('话术删除', 'Delete replies and folders', 'reply:delete'),
      ] },
      { name: '客户阶段', nameEn: 'Customer stages', type: 'C', path: '/ops/stage', perms: 'stage:list', extraPerms: ['qw:emp:list', 'qw:dept:list', 'cust:channel:list'], children: [
        button('阶段保存', 'Save stages', 'stage:save'),
        button('阶段删除', 'Delete stages', 'stage:delete'),
        button('移动阶段', 'Move relations between stages', 'stage:move'),
        button('阶段记录', 'Stage history', 'stage:history'),
        button('阶段漏斗', 'Stage funnel', 'stage:funnel'),
      ] },
    ],
  },
  {
    name: '线索公海', nameEn: 'Leads pool', type: 'M', path: '/clue', icon: 'FunnelPlotOutlined',
    children: [
      { name: '线索列表', nameEn: 'Leads', type: 'C', path: '/clue/pool', perms: 'clue:list', extraPerms: ['tag:self:list', 'qw:emp:list'], children: [
        button('线索详情', 'View lead', 'clue:query'),
        button('新增线索', 'Add lead', 'clue:add', ['cust:channel:list']),
        button('修改线索', 'Edit lead', 'clue:update'),
        button('线索导入', 'Import leads', 'clue:import'),
        button('线索分配', 'Assign leads', 'clue:assign'),
        button('线索合并', 'Merge leads', 'clue:merge'),
        button('关联客户', 'Link customer', 'clue:link'),
        button('线索标签', 'Tag leads', 'clue:tag'),
        button('客户转移', 'Transfer customers', 'clue:transfer'),
        button('线索统计', 'Lead statistics', 'clue:stat'),
        button('领取线索', 'Claim leads', 'clue:claim'),
        button('退回公海', 'Return leads to the pool', 'clue:return'),
        button('线索导出', 'Export leads', 'clue:export'),
        button('删除线索', 'Delete leads', 'clue:delete'),
      ] },
    ],
  },
  {
    name: '企微管理', nameEn: 'WeCom', type: 'M', path: '/wecom', icon: 'WechatWorkOutlined',
    children: [
      { name: '企微部门', nameEn: 'WeCom departments', type: 'C', path: '/wecom/dept', perms: 'qw:dept:list', children: [
        button('企微部门查询', 'View department', 'qw:dept:query'),
        button('企微部门保存', 'Save department', 'qw:dept:save'),
        button('企微部门同步', 'Sync departments', 'qw:dept:sync'),
      ] },
      { name: '企微员工', nameEn: 'WeCom employees', type: 'C', path: '/wecom/emp', perms: 'qw:emp:list', children: [
        button('企微员工查询', 'View employee', 'qw:emp:query'),
        button('企微员工保存', 'Save employee', 'qw:emp:save'),
        button('企微员工同步', 'Sync employees', 'qw:emp:sync'),
      ] },
      { name: '应用消息', nameEn: 'App messages', type: 'C', path: '/wecom/app-message', perms: 'qw:appmsg:list', extraPerms: ['qw:emp:list'], children: [
        button('重发消息', 'Resend messages', 'qw:appmsg:retry'),
      ] },
      { name: '回调事件', nameEn: 'Callback events', type: 'C', path: '/wecom/event', perms: 'wx:event:list', children: [
        button('事件重放', 'Replay events', 'wx:event:replay'),
        button('回调测试', 'Test callback', 'wx:portal:test'),
      ] },
    ],
  },
  {
    name: '系统管理', nameEn: 'System', type: 'M', path: '/system', icon: 'SettingOutlined',
    children: [
      { name: '用户管理', nameEn: 'Users', type: 'C', path: '/system/user', perms: 'sys:user:list', children: [
        button('用户查询', 'View user', 'sys:user:query'),
        button('用户保存', 'Save user', 'sys:user:save'),
        button('用户删除', 'Delete users', 'sys:user:delete'),
        button('重置密码', 'Reset password', 'sys:user:resetPwd'),
        button('启用停用', 'Enable or disable', 'sys:user:status'),
        button('分配角色', 'Grant roles', 'sys:user:grant', ['sys:role:list']),
        button('绑定企微账号', 'Bind WeCom user', 'sys:user:bind'),
      ] },
      { name: '角色管理', nameEn: 'Roles', type: 'C', path: '/system/role', perms: 'sys:role:list', children: [
        button('角色查询', 'View role', 'sys:role:query'),
        button('角色保存', 'Save role', 'sys:role:save'),
        button('角色删除', 'Delete roles', 'sys:role:delete'),
        button('角色授权', 'Grant menus', 'sys:role:grant', ['sys:menu:list']),
      ] },
      { name: '菜单管理', nameEn: 'Menus', type: 'C', path: '/system/menu', perms: 'sys:menu:list', children: [
        button('菜单查询', 'View menu', 'sys:menu:query'),
        button('菜单保存', 'Save menu', 'sys:menu:save'),
        button('菜单删除', 'Delete menu', 'sys:menu:delete'),
      ] },
      { name: '部门管理', nameEn: 'Departments', type: 'C', path: '/system/dept', perms: 'sys:dept:list', children: [
        button('部门保存', 'Save department', 'sys:dept:save'),
        button('部门删除', 'Delete department', 'sys:dept:delete'),
      ] },
      { name: '开放平台', nameEn: 'Open API apps', type: 'C', path: '/system/open-app', perms: 'open:app:list', children: [
        button('应用保存', 'Save app', 'open:app:save'),
        button('应用删除', 'Delete app', 'open:app:delete'),
      ] },
      { name: '操作日志', nameEn: 'Audit log', type: 'C', path: '/system/audit', perms: 'sys:audit:list' },
    ],
  },
] as const satisfies readonly MenuSeed[];

type PermsOf<T> = T extends { perms: infer P extends string } ? P : never;
type ChildrenOf<T> = T extends { children: readonly (infer C)[] } ? C : never;
type AllMenus<T> = T | ChildrenOf<T> | ChildrenOf<ChildrenOf<T>>;

/** Every permission code an endpoint may declare. */
export type PermissionCode = PermsOf<AllMenus<(typeof menuTree)[number]>>;

export function allPermissionCodes(tree: readonly MenuSeed[] = menuTree): string[] {
  return tree.flatMap((menu) => [...(menu.perms ? [menu.perms] : []), ...allPermissionCodes(menu.children ?? [])]);
}
