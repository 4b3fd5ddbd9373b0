import { registerMessages } from '../../platform/http/i18n.ts';

/** Messages of the accounts rules (grants, bindings, sign-in); 简体中文 by default, English with `Accept-Language: en`. */
export const systemMessages = {
  grantMenusNotHeld: {
    zh: '不能授予自己没有的菜单权限（菜单 {menus}）',
    en: 'You cannot grant menus you do not hold yourself (menus {menus})',
  },
  grantScopeWider: {
    zh: '不能授予超出自己数据权限的数据范围（部门 {depts}）',
    en: 'You cannot grant a data scope beyond your own (departments {depts})',
  },
  cannotGrantSelf: { zh: '不能修改自己的角色，请联系其他管理员', en: 'You cannot change your own roles; ask another administrator' },
  cannotBindSelf: { zh: '不能修改自己的企业微信绑定，请联系其他管理员', en: 'You cannot change your own WeCom binding; ask another administrator' },
  menuPermsAdminOnly: {
    zh: '只有超级管理员可以设置或修改菜单的权限标识（以及启停带权限标识的菜单）',
    en: 'Only the super administrator sets or changes menu permission codes (or enables/disables menus carrying one)',
  },
  deptRequiredInScope: {
    zh: '请选择一个在您数据权限内的部门',
    en: 'Choose a department inside your data scope',
  },
  resetWiderUser: {
    zh: '不能重置权限或数据范围超出您自己的用户的密码',
    en: 'You cannot reset the password of a user whose menus or data scope go beyond your own',
  },
  deptOutsideScope: {
    zh: '部门不在您的数据权限内，不能修改或移入：{id}',
    en: 'Department {id} is outside your data scope: you cannot change it or move departments into it',
  },
  bulkUsersNeedPermissions: {
    zh: '从企微员工批量创建用户还需要「分配角色」和「绑定企微账号」权限（缺少 {permissions}），请联系管理员授予',
    en: 'Creating users from WeCom employees also needs the "Grant roles" and "Bind WeCom user" permissions (missing {permissions}); ask an administrator',
  },
  bulkUsersRefused: {
    zh: '有 {count} 行无法创建，未创建任何用户：请按各行提示修改后重试',
    en: '{count} row(s) cannot be created, so no user was created: fix the rows as described and try again',
  },
  bulkEmployeeNotFound: {
    zh: '第 {row} 行：企微员工 {userid} 不存在或不在您的数据权限内',
    en: 'Row {row}: WeCom employee {userid} does not exist or is outside your data scope',
  },
  bulkEmployeeLeft: { zh: '第 {row} 行：{name}已离职', en: 'Row {row}: {name} has left the company' },
  bulkEmployeeRepeated: { zh: '第 {row} 行：{name}在本次请求中重复', en: 'Row {row}: {name} appears more than once' },
  bulkEmployeeBound: {
    zh: '第 {row} 行：{name}已绑定用户 {boundTo}',
    en: 'Row {row}: {name} is already bound to user {boundTo}',
  },
  bulkUsernameInvalid: {
    zh: '第 {row} 行：{name}的企微账号不能直接作为用户名，请填写用户名（2–32 位字母、数字或 _ . @ -）',
    en: "Row {row}: {name}'s WeCom userid cannot be a username; enter one (2–32 letters, digits or _ . @ -)",
  },
  bulkUsernameTaken: { zh: '第 {row} 行：用户名 {username} 已存在', en: 'Row {row}: username {username} is already taken' },
  bulkUsersRaced: {
    zh: '其中的员工或用户名刚被其他操作占用，未创建任何用户：请刷新后重试',
    en: 'An employee or username was just taken by another change; nothing was created: refresh and try again',
  },
  loginRateLimited: {
    zh: '登录请求过于频繁，请 {seconds} 秒后再试',
    en: 'Too many sign-in attempts from this address; try again in {seconds} s',
  },
} as const;

registerMessages(systemMessages);
