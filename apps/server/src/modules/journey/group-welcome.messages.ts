import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** 入群欢迎语's API messages (zh default, en). */
export const groupWelcomeMessages = {
  groupWelcomeEmpty: { zh: '请填写欢迎语文本或选择一个附件', en: 'Write a welcome text or choose an attachment' },
  groupWelcomeTextTooLong: {
    zh: '欢迎语文本超过企业微信的上限：{bytes} 字节，最多 {max} 字节（一个汉字 3 字节）',
    en: "The welcome text is over WeCom's limit: {bytes} bytes, at most {max} (a Chinese character is 3 bytes)",
  },
  groupWelcomeMediaUnknown: { zh: '素材不存在或已删除：{id}', en: 'Media not found or deleted: {id}' },
  groupWelcomeMediaKind: { zh: '「{title}」是文本素材，不能作为附件（可用：图片、链接、小程序、文件、视频）', en: '"{title}" is a text item and cannot be the attachment (image, link, mini-program, file or video)' },
  groupWelcomeTitleTooLong: {
    zh: '「{title}」的标题超过企业微信的上限：{bytes} 字节，最多 {max} 字节',
    en: 'The title of "{title}" is over WeCom\'s limit: {bytes} bytes, at most {max}',
  },
  groupWelcomeLinkDescTooLong: { zh: '链接「{title}」的描述超过企业微信的上限 512 字节', en: 'The description of link "{title}" is over WeCom\'s limit of 512 bytes' },
  groupWelcomeLimit: {
    zh: '企业微信的入群欢迎语素材库最多 {max} 个，已满：请先删除不再使用的欢迎语',
    en: "WeCom's library holds at most {max} group welcome messages and is full: delete ones no longer used first",
  },
  groupWelcomeNameTaken: { zh: '已有名为「{name}」的入群欢迎语', en: 'A group welcome message named "{name}" exists already' },
  groupWelcomeWecomNotConfigured: { zh: '未配置企业微信，无法保存入群欢迎语', en: 'WeCom is not configured: welcome messages cannot be saved' },
} as const;

registerMessages(groupWelcomeMessages);
registerEntityNames({ groupWelcome: { zh: '入群欢迎语', en: 'Group welcome message' } });
