import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** SOP API messages (zh default, en). */
export const sopMessages = {
  sopTriggerKind: { zh: '此触发条件不适用于这类 SOP（客户SOP：添加、标签、阶段、日期、周期；群SOP：入群、建群、日期、周期）', en: 'This trigger does not fit this kind of SOP (customer SOP: added, tagged, stage, date, recurrence; group SOP: joined, created, date, recurrence)' },
  sopTriggerSourceRequired: { zh: '请选择至少一个获客渠道、获客链接或渠道活码', en: 'Choose at least one channel, acquisition link or channel QR code' },
  sopWeekDaysRequired: { zh: '每周重复须选择星期几', en: 'A weekly recurrence needs its days of the week' },
  sopMonthDayRequired: { zh: '每月重复须选择几号', en: 'A monthly recurrence needs its day of the month' },
  sopDatePast: { zh: '触发时间须晚于现在', en: 'The trigger time must be in the future' },
  sopGroupsRequired: { zh: '请选择客户群', en: 'Choose the groups' },
  sopEmployeeUnknown: { zh: '企业微信成员不存在：{ids}', en: 'WeCom employees not found: {ids}' },
  sopEmployeesNeedScope: { zh: '您的数据权限不是全部数据：请选择适用的员工（全员或按部门适用需要全部数据权限）', en: 'Your data scope is not all data: choose the employees it applies to (everyone or departments need the all-data scope)' },
  sopEmployeeOutOfScope: { zh: '以下员工不在您的数据权限内：{names}', en: 'These employees are outside your data scope: {names}' },
  sopDeptUnknown: { zh: '部门不存在：{ids}', en: 'Departments not found: {ids}' },
  sopMediaUnknown: { zh: '素材不存在或已删除：{ids}', en: 'Media not found or deleted: {ids}' },
  sopStepEmpty: { zh: '第 {n} 步须填写内容或选择素材', en: 'Step {n} needs a text or media' },
  sopTodoNotBound: { zh: '你的账号未绑定企业微信成员，没有待办（请管理员在「用户管理」中绑定）', en: 'Your account is not bound to a WeCom employee, so it has no to-dos (an administrator binds it under Users)' },
};

registerMessages(sopMessages);
registerEntityNames({ sop: { zh: 'SOP', en: 'SOP' }, sopTask: { zh: 'SOP待办', en: 'SOP task' } });
