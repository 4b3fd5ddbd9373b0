import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The module's API messages (简体中文 by default, English with `Accept-Language: en`). */
export const groupMessages = {
  groupWecomNotConfigured: { zh: '未配置企业微信，无法访问企业微信接口', en: 'WeCom is not configured' },
  groupChatIdRequired: { zh: '登记客户群须填写群ID（chatId）', en: 'Registering a group needs its chatId' },
  groupChatExists: { zh: '客户群已存在：{chatId}', en: 'Group {chatId} already exists' },
};

registerMessages(groupMessages);
registerEntityNames({
  groupChat: { zh: '客户群', en: 'Group' },
  groupMember: { zh: '群成员', en: 'Group member' },
});
