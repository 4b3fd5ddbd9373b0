/** 简体中文 (default). `en.ts` must have exactly the same keys. */
export const zhCN = {
  app: { title: 'SCRM', subtitle: '企业微信私域客户管理' },
  common: {
    ok: '确定', cancel: '取消', save: '保存', create: '新建', edit: '编辑', delete: '删除', search: '查询', reset: '重置',
    actions: '操作', status: '状态', enabled: '正常', disabled: '停用', yes: '是', no: '否', remark: '备注',
    createdAt: '创建时间', updatedAt: '更新时间', orderNum: '排序', confirmDelete: '确定删除吗？',
    confirmDeleteSelected: '确定删除选中的 {{count}} 项吗？', deleteSelected: '批量删除', selected: '已选 {{count}} 项',
    saved: '已保存', deleted: '已删除', copy: '复制', copied: '已复制', loading: '加载中…', noData: '暂无数据',
    networkError: '无法连接服务器，请检查网络', unknownError: '请求失败（HTTP {{status}}）', sessionExpired: '登录已失效，请重新登录',
    back: '返回首页', refresh: '刷新', expandAll: '全部展开', collapseAll: '全部折叠',
  },
  language: { label: '语言', zh: '简体中文', en: 'English' },
  login: {
    title: '登录', username: '用户名', password: '密码', submit: '登录', usernameRequired: '请输入用户名',
    passwordRequired: '请输入密码', welcome: '欢迎回来，{{name}}',
  },
  password: {
    forcedTitle: '请修改密码', forcedHint: '您的密码已被重置，请先设置新密码后再继续使用。', title: '修改密码',
    old: '当前密码', new: '新密码', confirm: '确认新密码', mismatch: '两次输入的密码不一致', tooShort: '8–64 位，须同时包含字母和数字',
    changed: '密码已修改', submit: '修改密码', logout: '退出登录',
  },
  layout: { profile: '个人中心', logout: '退出登录', menuFallback: '菜单服务暂不可用，已按权限显示默认菜单' },
  profile: {
    title: '个人中心', basic: '基本信息', avatar: '头像', uploadAvatar: '上传头像', avatarHint: '支持 JPG、PNG、GIF、WEBP，不超过 2 MB',
    avatarType: '只能上传 JPG、PNG、GIF 或 WEBP 图片', avatarSize: '头像不能超过 2 MB', avatarUpdated: '头像已更新',
    roles: '角色', dept: '部门', lastLogin: '上次登录', dataScope: '数据范围',
  },
  dashboard: {
    title: '首页', users: '系统用户', roles: '角色', depts: '部门', menus: '菜单', customers: '今日新增客户',
    lost: '今日流失客户', netGrowth: '净增长', leads: '线索', topChannels: '渠道排行', noDataYet: '暂无数据',
    pendingModule: '该模块上线后显示', userStatus: '账号状态', enabledUsers: '正常', disabledUsers: '停用',
  },
  comingSoon: { title: '此功能即将上线', description: '「{{name}}」的后台接口尚未发布，上线后这里会显示真实数据。' },
  notFound: { title: '页面不存在', description: '您访问的页面不存在，或您没有访问权限。' },
  job: {
    title: '任务进度', background: '后台运行', created: '排队中', active: '进行中', retry: '重试中', completed: '已完成', failed: '失败',
  },
  user: {
    title: '用户管理', username: '用户名', nickname: '昵称', password: '初始密码', phone: '手机号', email: '邮箱',
    empNo: '工号', dept: '部门', roles: '角色', lastLoginAt: '最后登录', qwUserid: '企微账号',
    create: '新建用户', edit: '编辑用户', usernameTaken: '用户名已被使用', resetPassword: '重置密码',
    confirmReset: '确定重置「{{name}}」的密码吗？', resetDone: '密码已重置',
    resetHint: '一次性密码仅显示这一次，请安全地告知用户。用户登录后必须修改密码。', oneTimePassword: '一次性密码',
    enable: '启用', disable: '停用', statusChanged: '状态已更新', phoneInvalid: '请输入正确的手机号',
    emailInvalid: '请输入正确的邮箱', usernameRule: '2–32 位字母、数字或 _ . @ -',
  },
  role: {
    title: '角色管理', name: '角色名称', roleKey: '权限字符', dataScope: '数据范围', create: '新建角色', edit: '编辑角色',
    grant: '分配权限', grantTitle: '分配菜单权限：{{name}}', deptIds: '自定义部门',
    scope1: '全部数据', scope2: '自定义部门', scope3: '本部门', scope4: '本部门及以下', scope5: '仅本人',
    deptRequired: '请至少选择一个部门',
  },
  menu: {
    title: '菜单管理', name: '菜单名称', nameEn: '英文名称', menuType: '类型', typeM: '目录', typeC: '菜单', typeF: '按钮',
    path: '路由地址', component: '组件', icon: '图标', perms: '权限标识', visible: '显示', parent: '上级菜单',
    root: '根目录', create: '新建菜单', addChild: '新增下级', edit: '编辑菜单',
  },
  dept: {
    title: '部门管理', name: '部门名称', leader: '负责人', phone: '联系电话', parent: '上级部门', create: '新建部门',
    addChild: '新增下级', edit: '编辑部门',
  },
  wecom: {
    deptTitle: '企微部门', empTitle: '企微员工', deptName: '部门名称', deptId: '企微部门 ID', parentId: '上级部门 ID', leaders: '部门负责人',
    removed: '已不在企微', syncedAt: '同步时间', sync: '从企微同步', syncDepts: '同步企微部门', syncEmployees: '同步企微员工',
    name: '姓名', position: '职务', departments: '所属部门', status1: '已激活', status2: '已禁用', status4: '未激活', status5: '已离职',
  },
  audit: {
    title: '操作日志', operator: '操作人', action: '操作', target: '对象', result: '结果', ip: 'IP', time: '时间',
    detail: '详情', success: '成功', failure: '失败', before: '修改前', after: '修改后', requestId: '请求号',
  },
};

type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
export type Messages = Widen<typeof zhCN>;
