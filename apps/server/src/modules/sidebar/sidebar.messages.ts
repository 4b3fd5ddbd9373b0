import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The sidebar's API messages (简体中文 by default, English with `Accept-Language: en`). */
registerMessages({
  sidebarSignInAgain: { zh: '侧边栏登录已失效，请关闭后重新打开侧边栏', en: 'The sidebar session has ended; close the sidebar and open it again' },
  sidebarEmployeeInactive: { zh: '你在企业微信中已不是在职成员，不能使用侧边栏', en: 'You are no longer an active member in WeCom and cannot use the sidebar' },
  sidebarNotAMember: { zh: '侧边栏只能由企业成员在企业微信中打开', en: 'The sidebar opens only for members of the corp, inside WeCom' },
  sidebarEmployeeUnknown: { zh: '企业微信成员 {userid} 还没有同步到 SCRM，或已离职；请管理员在「企微员工」中同步后重试', en: 'WeCom member {userid} is not synced to SCRM yet, or has left; ask an administrator to sync employees and try again' },
  sidebarWecomNotConfigured: { zh: '尚未配置企业微信（WECOM_CORP_ID 等），侧边栏无法确认员工身份', en: 'WeCom is not configured (WECOM_CORP_ID and the rest): the sidebar cannot tell who the employee is' },
  sidebarDemoOnly: { zh: '演示客户端只在本机的演示模式中可用', en: 'The demo client is available only in demo mode on this machine' },
  replyFolderUnknown: { zh: '话术分组不存在：{id}', en: 'Reply folder {id} not found' },
  replyMediaUnknown: { zh: '素材不存在或已删除：{id}', en: 'Media {id} not found or deleted' },
  replyMediaKind: { zh: '「{title}」是{type}素材，不是所选的话术类型（{expected}）', en: '"{title}" is a {type} item, not the reply type chosen ({expected})' },
  replyMediaGone: { zh: '话术「{title}」的素材已删除，请在话术库中更换', en: 'The media of reply "{title}" was deleted; change it in the reply library' },
});

registerEntityNames({
  customerNote: { zh: '跟进记录', en: 'Follow-up note' },
  quickReply: { zh: '话术', en: 'Quick reply' },
  replyFolder: { zh: '话术分组', en: 'Reply folder' },
});
