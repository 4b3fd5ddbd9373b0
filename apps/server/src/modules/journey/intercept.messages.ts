import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** 敏感词拦截's API messages (zh default, en). */
export const interceptMessages = {
  interceptNameLength: { zh: '规则名称须为 1～{max} 个字（企业微信的限制），当前 {length} 个', en: 'The rule name must be 1 to {max} characters (WeCom\'s limit); it has {length}' },
  interceptNameTaken: { zh: '已有名为「{name}」的拦截规则（企业微信要求规则名称唯一）', en: 'An intercept rule named "{name}" exists already (WeCom requires unique names)' },
  interceptWordsTooMany: { zh: '敏感词最多 {max} 个（企业微信的限制），当前 {count} 个', en: 'At most {max} sensitive words (WeCom\'s limit); there are {count}' },
  interceptWordLength: { zh: '每个敏感词须为 1～{max} 个字（企业微信的限制）：{words}', en: 'Each sensitive word must be 1 to {max} characters (WeCom\'s limit): {words}' },
  interceptNothingToCatch: { zh: '请填写敏感词或选择至少一种拦截语义（手机号、邮箱地址、红包）', en: 'Enter sensitive words or choose at least one kind to catch (mobile numbers, email addresses, red packets)' },
  interceptRangeEmpty: { zh: '请选择适用的成员或部门', en: 'Choose the employees or departments the rule applies to' },
  interceptRangeTooLarge: { zh: '适用范围的成员和部门各最多 {max} 个（企业微信的限制）：人数较多时请按部门选择', en: 'At most {max} employees and {max} departments (WeCom\'s limit): choose departments when there are many people' },
  interceptEmployeeUnknown: { zh: '成员不存在或已离职：{names}', en: 'Employees not found or gone: {names}' },
  interceptEmployeeOutOfScope: { zh: '成员不在你的数据权限范围内：{names}', en: 'Employees outside your data scope: {names}' },
  interceptDeptUnknown: { zh: '部门不存在：{ids}', en: 'Departments not found: {ids}' },
  interceptDeptNeedsAllScope: { zh: '按部门设置适用范围需要「全部数据」权限；请改为选择你数据权限范围内的成员', en: 'Setting departments needs the all-data scope; choose employees in your data scope instead' },
  interceptLimit: { zh: '企业微信每个企业最多 {max} 条敏感词拦截规则，已满：请先删除不再使用的规则', en: 'WeCom allows at most {max} intercept rules per corp and they are used up: delete rules no longer needed first' },
  interceptMadeInWecom: {
    zh: '规则「{name}」是在企业微信管理后台创建的，企业微信只允许在管理后台修改或删除它',
    en: 'Rule "{name}" was made in the WeCom admin console; WeCom lets it be changed or deleted only there',
  },
  interceptWordsCannotClear: {
    zh: '企业微信不支持通过接口清空已有规则的敏感词：请至少保留一个敏感词，或删除该规则后重新创建',
    en: 'WeCom cannot clear the words of an existing rule through its API: keep at least one word, or delete the rule and create it again',
  },
  interceptWecomNotConfigured: { zh: '未配置企业微信，无法管理敏感词拦截规则', en: 'WeCom is not configured: intercept rules cannot be managed' },
} as const;

registerMessages(interceptMessages);
registerEntityNames({ interceptRule: { zh: '敏感词拦截规则', en: 'Intercept rule' } });
