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
  loginRateLimited: {
    zh: '登录请求过于频繁，请 {seconds} 秒后再试',
    en: 'Too many sign-in attempts from this address; try again in {seconds} s',
  },
} as const;

registerMessages(systemMessages);
