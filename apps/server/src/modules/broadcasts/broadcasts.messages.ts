import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';
import type { Locale } from '../../platform/http/i18n.ts';

/** The module's API messages (简体中文 by default, English with `Accept-Language: en`). */
export const broadcastMessages = {
  broadcastTextTooLong: { zh: '文本超过企业微信的上限：{bytes} 字节，最多 {max} 字节（一个汉字 3 字节）', en: 'The text is over WeCom\'s limit: {bytes} bytes, at most {max} (a Chinese character is 3 bytes)' },
  broadcastContentEmpty: { zh: '请填写文本或选择至少一个附件', en: 'Write a text or choose at least one attachment' },
  broadcastMediaUnknown: { zh: '素材不存在或已删除：{ids}', en: 'Media not found or deleted: {ids}' },
  broadcastMediaKind: { zh: '「{title}」是{type}素材，不能作为群发附件（可用：图片、链接、小程序、视频、文件）', en: '"{title}" is a {type} item and cannot be an attachment (image, link, mini-program, video or file)' },
  broadcastMomentMedia: { zh: '朋友圈附件只能三选一：最多 9 张图片，或 1 个视频，或 1 个链接，不能混用', en: 'A moment takes one kind of attachment: up to 9 images, or 1 video, or 1 link, not a mix' },
  broadcastMomentMediaKind: { zh: '「{title}」不能发到朋友圈：朋友圈附件只能是图片、视频或链接', en: '"{title}" cannot go in a moment: a moment takes images, a video or a link' },
  broadcastMomentLinkCover: { zh: '链接「{title}」没有封面图片：发到朋友圈的链接须有封面，请在素材库中上传带封面图片（JPG、PNG）的链接', en: 'The link "{title}" has no cover image: a link in a moment needs one; upload the link with a cover image (JPG, PNG) in the media library' },
  broadcastMomentLinkTitle: { zh: '链接「{title}」的标题超过朋友圈的上限：{bytes} 字节，最多 {max} 字节（一个汉字 3 字节）', en: 'The title of the link "{title}" is over a moment\'s limit: {bytes} bytes, at most {max} (a Chinese character is 3 bytes)' },
  broadcastMomentTextTooLong: { zh: '朋友圈文本超过企业微信的上限：{chars} 字，最多 {max} 字', en: 'The moment\'s text is over WeCom\'s limit: {chars} characters, at most {max}' },
  broadcastSendersEmpty: { zh: '请选择发送成员或部门', en: 'Choose the employees or departments who send' },
  broadcastSenderOutOfScope: { zh: '成员不在你的数据权限范围内：{names}', en: 'Employees outside your data scope: {names}' },
  broadcastDeptUnknown: { zh: '部门不存在：{ids}', en: 'Departments not found: {ids}' },
  broadcastDeptNoEmployees: { zh: '所选部门中没有你可以使用的、已开通客户联系的在职成员', en: 'The departments chosen have no active employee with customer contact in your data scope' },
  broadcastTagUnknown: { zh: '标签不存在：{ids}', en: 'Tags not found: {ids}' },
  broadcastTagNotCorp: { zh: '须为企业标签：{names}', en: 'Must be corp tags: {names}' },
  broadcastTagNotSelf: { zh: '须为自建标签：{names}', en: 'Must be SCRM tags: {names}' },
  broadcastChannelUnknown: { zh: '渠道不存在：{ids}', en: 'Channels not found: {ids}' },
  broadcastLinkUnknown: { zh: '获客链接或活码不存在：{ids}', en: 'Acquisition links or QR codes not found: {ids}' },
  broadcastGroupUnknown: { zh: '客户群不存在、已解散或不在你的数据权限范围内：{ids}', en: 'Groups not found, dismissed or outside your data scope: {ids}' },
  broadcastGroupsEmpty: { zh: '请选择客户群或群主', en: 'Choose groups or group owners' },
  broadcastOwnersWithoutGroups: { zh: '所选群主名下没有可发送的客户群：{names}', en: 'The chosen owners have no customer groups to send to: {names}' },
  broadcastScheduleInPast: { zh: '定时发送的时间已过，请选择将来的时间', en: 'The scheduled time has passed: choose a time in the future' },
  broadcastEmptyAudience: { zh: '没有可发送的接收者（{notFriend} 位不是发送成员的好友，{receiveLimit} 位已达接收上限，{dnd} 位在免打扰名单中）', en: 'Nobody to send to ({notFriend} are no sender\'s friends, {receiveLimit} are at the receive limit, {dnd} are on the do-not-disturb list)' },
  broadcastNotDraft: { zh: '只能删除草稿：{names}', en: 'Only drafts can be deleted: {names}' },
  broadcastNotEditable: { zh: '「{name}」已发送，不能修改', en: '"{name}" was sent and can no longer be changed' },
  broadcastNotSendable: { zh: '「{name}」当前状态为{status}，没有可发送的内容', en: '"{name}" is {status}: there is nothing to send' },
  broadcastNotCancellable: { zh: '「{name}」当前状态为{status}，不能取消', en: '"{name}" is {status} and cannot be cancelled' },
  broadcastNotTracking: { zh: '「{name}」没有等待成员发送的任务', en: '"{name}" has no task awaiting its senders' },
  broadcastRemindLimit: { zh: '企业微信规定每个群发 24 小时内最多提醒 3 次；下次可在 {at} 之后提醒', en: 'WeCom allows 3 reminders per broadcast within 24 hours; you can remind again after {at}' },
  broadcastNobodyToRemind: { zh: '所有成员都已发送，无需提醒', en: 'Every sender has sent: nobody to remind' },
  broadcastWecomNotConfigured: { zh: '未配置企业微信，无法群发', en: 'WeCom is not configured: nothing can be sent' },
  broadcastCustomerUnknown: { zh: '客户不存在或不在你的数据权限范围内：{ids}', en: 'Customers not found or outside your data scope: {ids}' },
  broadcastAwaitTitle: { zh: '群发待发送', en: 'Broadcast awaiting you' },
  broadcastAwaitContent: { zh: '「{name}」等待你在企业微信「客户联系 → 群发助手」中确认发送（{count} 位接收者）', en: '"{name}" awaits your confirmation in WeCom 群发助手 ({count} recipients)' },
  broadcastMomentAwaitContent: { zh: '朋友圈「{name}」等待你在企业微信「客户朋友圈」中发表', en: 'Moment "{name}" awaits you in WeCom customer moments' },
  broadcastRemindTitle: { zh: '群发提醒', en: 'Broadcast reminder' },
  broadcastRemindContent: { zh: '「{name}」还没有发送，请在企业微信中确认发送', en: '"{name}" has not been sent yet: please confirm it in WeCom' },
  broadcastUnknownChunk: { zh: '调用企业微信时中断，不知道任务是否已创建：请在企业微信「群发助手」中查看；确认未创建后可选择重新发送', en: 'The call to WeCom was interrupted and it is not known whether the task was created: check WeCom 群发助手; send it again only after making sure it was not' },
} as const;

registerMessages(broadcastMessages);
registerEntityNames({
  broadcast: { zh: '群发', en: 'Broadcast' },
  dnd: { zh: '免打扰客户', en: 'Do-not-disturb entry' },
});

/** Words an operator reads for statuses and reasons (responses and the export). */
export const WORDS: Record<string, Record<Locale, string>> = {
  draft: { zh: '草稿', en: 'draft' },
  scheduled: { zh: '定时待发', en: 'scheduled' },
  sending: { zh: '发送中', en: 'sending' },
  sent: { zh: '已发送', en: 'sent' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  failed: { zh: '失败', en: 'failed' },
  planned: { zh: '待创建任务', en: 'task not created yet' },
  pending: { zh: '等待成员发送', en: 'awaiting the sender' },
  delivered: { zh: '已送达', en: 'delivered' },
  not_friend: { zh: '不是好友', en: 'not a friend' },
  over_limit: { zh: '已达接收上限', en: 'over the receive limit' },
  expired: { zh: '已过期（成员未发送）', en: 'expired (not sent by the sender)' },
  excluded: { zh: '未发送', en: 'left out' },
  unknown: { zh: '未知（请在企业微信中查看）', en: 'unknown (check in WeCom)' },
  receive_limit: { zh: '已达接收上限', en: 'at the receive limit' },
  dnd: { zh: '免打扰', en: 'do not disturb' },
  reason_not_friend: { zh: '不是任何发送成员的好友', en: 'not a friend of any sender' },
};

export const word = (key: string, locale: Locale): string => WORDS[key]?.[locale] ?? key;
