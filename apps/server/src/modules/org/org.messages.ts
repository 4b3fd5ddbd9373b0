import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The organisation mirror's API messages. */
export const orgMessages = {
  qwDeptIdTaken: { zh: '企微部门ID已存在：{deptId}', en: 'WeCom department id already exists: {deptId}' },
  qwUseridExists: { zh: '企微员工账号已存在：{userid}', en: 'WeCom userid already exists: {userid}' },
  qwDeptIdRequired: { zh: '新增企微部门须填写企微部门ID', en: 'A new WeCom department needs its WeCom department id' },
  qwUseridRequired: { zh: '新增企微员工须填写企微账号', en: 'A new WeCom employee needs its userid' },
};

registerMessages(orgMessages);
registerEntityNames({
  qwDept: { zh: '企微部门', en: 'WeCom department' },
  qwEmp: { zh: '企微员工', en: 'WeCom employee' },
});
