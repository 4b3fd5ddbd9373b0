import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The module's API messages and transfer reasons (简体中文 by default, English with `Accept-Language: en`). */
export const lifecycleMessages = {
  lcWecomNotConfigured: { zh: '未配置企业微信，无法分配客户', en: 'WeCom is not configured, so customers cannot be transferred' },
  lcSameEmployee: { zh: '接替成员不能是原跟进成员本人', en: 'The takeover employee cannot be the handover employee' },
  lcHandoverUnknown: { zh: '企微成员不存在：{userid}（请先同步企微组织架构）', en: 'No such WeCom employee: {userid} (sync the WeCom organization first)' },
  lcHandoverNotLeft: { zh: '{name}尚未离职：在职成员的客户和群请用「在职继承」分配', en: '{name} has not left: transfer the customers and groups of employees in post with on-the-job transfer' },
  lcHandoverLeft: { zh: '{name}已离职：请用「离职继承」分配', en: '{name} has left: transfer with resigned-employee transfer' },
  lcTooManyPicked: { zh: '筛选出 {total} 位客户，一次最多分配 {max} 位：请缩小筛选范围', en: 'The filters pick {total} customers; at most {max} can be transferred at once: narrow the filters' },
  lcNothingPicked: { zh: '请选择要分配的客户或群', en: 'Pick the customers or groups to transfer' },
  // Rules WeCom applies that SCRM knows before calling (API-FACTS-OPERATIONS §20.2).
  lcRuleNotCustomer: { zh: '{customer}不是{handover}的客户（或已不在其名下）', en: '{customer} is not a customer of {handover} (any more)' },
  lcRuleInFlight: { zh: '{customer}正在转接中（企业微信最长 24 小时内完成）：请等待结果后再分配', en: '{customer} is already being transferred (WeCom settles it within 24 hours): wait for the result' },
  lcRuleOnJobTwice: {
    zh: '{customer}在 90 天内已被在职转接 2 次，企业微信不允许再次转接：请在 {date} 之后再试',
    en: '{customer} was transferred on the job twice within 90 days, which WeCom does not allow again: try after {date}',
  },
  lcRuleProtected: {
    zh: '{customer}于 {date} 刚完成转接，90 天保护期内企业微信不允许再次分配：请在 {until} 之后再试',
    en: '{customer} was transferred on {date}; WeCom protects the new relation for 90 days: try after {until}',
  },
  lcRuleLeftOverAYear: { zh: '{handover}离职已超过一年，企业微信不再允许分配其客户和群', en: '{handover} left over a year ago; WeCom no longer allows transferring their customers and groups' },
  lcRuleGroupNotOwned: { zh: '群「{group}」的群主不是{handover}（或群已解散）', en: 'The group "{group}" is not owned by {handover} (or was dismissed)' },
  lcRuleGroupInFlight: { zh: '群「{group}」正在分配中，请等待结果', en: 'The group "{group}" is already being transferred: wait for the result' },
  lcRuleGroupOnJobTwice: {
    zh: '群「{group}」在 90 天内已被在职转接 2 次，企业微信不允许再次转接：请在 {date} 之后再试',
    en: 'The group "{group}" was transferred on the job twice within 90 days, which WeCom does not allow again: try after {date}',
  },
  lcRuleGroupDailyCap: {
    zh: '{handover}的群今天已分配 300 个（企业微信每天最多 300 个）：群「{group}」请明天再分配',
    en: "300 of {handover}'s groups were assigned today (WeCom's daily maximum): assign the group \"{group}\" tomorrow",
  },
  // What an item's status means.
  lcStatusSending: { zh: '正在提交给企业微信', en: 'Being sent to WeCom' },
  lcStatusWaiting: { zh: '企业微信已受理，等待接替（客户可在 {time} 前拒绝）', en: 'WeCom accepted it; waiting for the takeover (the customer may refuse until {time})' },
  lcStatusWaitingNoTime: { zh: '企业微信已受理，等待接替（最长 24 小时）', en: 'WeCom accepted it; waiting for the takeover (up to 24 hours)' },
  lcStatusDone: { zh: '已完成接替', en: 'Taken over' },
  lcStatusGroupDone: { zh: '已更换群主', en: 'The group has its new owner' },
  lcStatusUnknown: {
    zh: '没有收到企业微信的答复，不知道是否已受理：SCRM 不会自动重发；结果查询会在企业微信有记录时更新，也可在企业微信中核实后再决定',
    en: "WeCom's answer never came, so SCRM does not know whether it was accepted: SCRM will not send it again by itself; the result check updates it if WeCom has a record — or verify in WeCom before deciding",
  },
  lcFailCustomerRefused: { zh: '{customer}拒绝了转接', en: '{customer} refused the transfer' },
  lcFailLimitExceeded: { zh: '{takeover}的客户数已达上限，未能接替：请换一位接替成员', en: '{takeover} has reached the maximum number of customers: choose another takeover employee' },
  lcFailNoRecord: { zh: '企业微信没有这次转接的记录', en: 'WeCom has no record of this transfer' },
  // App message to the takeover employee.
  lcMessageTitle: { zh: '客户继承', en: 'Customer inheritance' },
  // An employee SCRM never synced (one who left before the first sync), in sentences: never the bare account.
  lcUnknownEmployee: { zh: '未知员工（{userid}）', en: 'Unknown employee ({userid})' },
  lcUnknownCustomer: { zh: '未知客户', en: 'Unknown customer' },
  lcMessageResigned: {
    zh: '离职成员{handover}的 {customers} 位客户和 {groups} 个群已分配给你。客户将在 24 小时内由你接替（客户可拒绝），群已转给你。',
    en: "{customers} customers and {groups} groups of {handover}, who left, were assigned to you. You take over the customers within 24 hours (they may refuse); the groups are yours now.",
  },
  lcMessageOnJob: {
    zh: '{handover}的 {customers} 位客户和 {groups} 个群已转接给你。客户将在 24 小时内由你接替（客户可拒绝），群已转给你。',
    en: "{customers} customers and {groups} groups of {handover} were transferred to you. You take over the customers within 24 hours (they may refuse); the groups are yours now.",
  },
};

registerMessages(lifecycleMessages);
registerEntityNames({ wecomEmployee: { zh: '企微成员', en: 'WeCom employee' }, transferBatch: { zh: '分配记录', en: 'transfer' } });
