import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The inheritance policy's API messages and the reasons a departure needs a manual transfer (zh default, en). */
export const inheritanceMessages = {
  inheritanceTakeoverRequired: { zh: '「指定员工」模式须选择接替员工', en: 'The named-employee mode needs a takeover employee' },
  inheritanceLinkRequired: { zh: '「按获客链接分配」模式须选择获客链接或渠道活码', en: 'The link mode needs an acquisition link or channel QR code' },
  inheritanceLinkNotFound: { zh: '获客链接或渠道活码不存在：{id}', en: 'Acquisition link or channel QR code {id} does not exist' },
  inheritanceLinkNoRules: { zh: '「{name}」没有分配规则（员工），不能按它分配', en: '{name} has no allocation rules (employees) to spread by' },
  inheritanceEmployeeOutOfScope: { zh: '员工不在你的数据权限内：{userid}', en: 'Employee {userid} is outside your data scope' },
  inheritanceEmployeeUnknown: { zh: '企业微信成员不存在：{userid}（请先同步企微组织架构）', en: 'WeCom employee {userid} does not exist (sync the WeCom organization first)' },
  // Why a departure is left for a manual transfer.
  inheritancePolicyOff: { zh: '自动继承未开启：请在「离职继承」手动分配', en: 'Automatic inheritance is off: transfer them by hand under Resigned inheritance' },
  inheritanceNoEligibleTakeover: {
    zh: '策略选出的接替员工都不能接待客户（{skipped}）：请设置可用的兜底员工，或手动分配',
    en: 'No employee the policy chose can take customers ({skipped}): name an eligible fallback employee, or transfer by hand',
  },
  inheritanceNoCandidate: {
    zh: '策略找不到接替员工（没有直属上级、部门负责人或兜底员工）：请设置兜底员工，或手动分配',
    en: 'The policy found no takeover employee (no direct leader, department leader or fallback): name a fallback employee, or transfer by hand',
  },
  inheritanceLinkMissing: { zh: '策略指定的获客链接已不存在：请修改继承策略，或手动分配', en: "The policy's acquisition link no longer exists: change the policy, or transfer by hand" },
  inheritanceNothingToTransfer: { zh: '该员工没有待分配的客户或客户群', en: 'The employee has no customers or groups awaiting inheritance' },
  inheritanceAllRefused: { zh: '所有客户和客户群都被拒绝：{reason}', en: 'Every customer and group was refused: {reason}' },
  inheritanceRequestFailed: { zh: '转接请求失败：{reason}', en: 'The transfer request failed: {reason}' },
  // Why a candidate was passed over.
  inheritanceSkipSelf: { zh: '离职员工本人', en: 'the departed employee' },
  inheritanceSkipUnknown: { zh: '不在企微通讯录中', en: 'not in the WeCom directory' },
  inheritanceSkipLeft: { zh: '已离职', en: 'has left' },
  inheritanceSkipDisabled: { zh: '已停用', en: 'disabled' },
  inheritanceSkipNotActivated: { zh: '未激活', en: 'not activated' },
  inheritanceSkipNoCustomerContact: { zh: '未开通客户联系', en: 'without 客户联系 (customer contact)' },
};

registerMessages(inheritanceMessages);
registerEntityNames({
  departure: { zh: '离职记录', en: 'Departure' },
  qwEmployee: { zh: '员工', en: 'Employee' },
});
