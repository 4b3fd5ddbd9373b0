import { registerMessages } from '../../platform/http/i18n.ts';

/** Loss alerts' API messages (zh default, en). */
export const lossMessages = {
  lossManagerUnknown: { zh: '企业微信成员不存在或已离职：{userid}', en: 'WeCom employee {userid} does not exist or has left' },
  lossManagerRequired: { zh: '开启「员工删除客户提醒」须至少选择一位接收提醒的管理者', en: 'Alerts about employees deleting customers need at least one manager to receive them' },
  lossStatRange: { zh: '统计区间须在 366 天以内，且开始日期不晚于结束日期', en: 'The period must start no later than it ends and span at most 366 days' },
};

registerMessages(lossMessages);
