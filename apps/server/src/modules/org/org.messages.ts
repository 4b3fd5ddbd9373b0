import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The organisation mirror's API messages. */
export const orgMessages = {
  qwDeptIdTaken: { zh: '企微部门ID已存在：{deptId}', en: 'WeCom department id already exists: {deptId}' },
  qwUseridExists: { zh: '企微员工账号已存在：{userid}', en: 'WeCom userid already exists: {userid}' },
  qwDeptIdRequired: { zh: '新增企微部门须填写企微部门ID', en: 'A new WeCom department needs its WeCom department id' },
  qwUseridRequired: { zh: '新增企微员工须填写企微账号', en: 'A new WeCom employee needs its userid' },
  // Why an employee cannot take customers (eligibility.ts): who, why, and what to do.
  empIneligibleUnknown: {
    zh: '找不到企微员工 {userid}（不在企业微信通讯录中）：请在「企微组织架构」中同步成员后重新选择',
    en: 'No WeCom employee {userid} (not in the WeCom directory): sync employees (WeCom organization) and choose again',
  },
  empIneligibleLeft: { zh: '{name}已离职，不能接待客户：请改选其他员工', en: '{name} has left the company and cannot take customers: choose another employee' },
  empIneligibleDisabled: {
    zh: '{name}的企业微信账号已被停用，不能接待客户：请在企业微信管理后台启用该成员，或改选其他员工',
    en: "{name}'s WeCom account is disabled and cannot take customers: enable the member in the WeCom admin console, or choose another employee",
  },
  empIneligibleNotActivated: {
    zh: '{name}尚未激活企业微信，不能接待客户：请让其登录企业微信完成激活，或改选其他员工',
    en: '{name} has not activated WeCom yet and cannot take customers: ask them to sign in to WeCom, or choose another employee',
  },
  empIneligibleNoCustomerContact: {
    zh: '{name}没有客户联系权限：请在企业微信管理后台「客户联系 → 权限配置」中添加，再同步企微员工',
    en: '{name} has no customer-contact permission: add it in the WeCom admin console under Customer Contact → Permissions, then sync WeCom employees',
  },
};

registerMessages(orgMessages);
registerEntityNames({
  qwDept: { zh: '企微部门', en: 'WeCom department' },
  qwEmp: { zh: '企微员工', en: 'WeCom employee' },
});
