// Console strings of 企微管理 → 应用消息 (spread into zh-cn.ts and en.ts).

export const zh = {
  appMessage: {
    title: '应用消息', recipient: '接收员工', messageTitle: '标题', content: '内容', reason: '原因', attempts: '尝试次数',
    sentAt: '发送时间', createdAt: '产生时间', keyword: '关键词', resend: '重发', resendSelected: '重发选中（{{count}}）',
    confirmResend: '确定重发 {{count}} 条消息吗？', resent: '已重新排队 {{count}} 条', refused: '{{count}} 条未重发：{{reasons}}',
    status_queued: '排队中', status_sending: '发送中', status_sent: '已发送', status_merged: '已合入摘要', status_skipped: '未发送', status_failed: '发送失败',
    hint: 'SCRM 通过企业微信应用消息通知员工（线索分配、跟进提醒、群发待发送、客户继承、流失提醒等）。发送失败或未发送的消息可以重发；结果未知的消息可能已送达，不会重发。',
  },
};

export const en: typeof zh = {
  appMessage: {
    title: 'App messages', recipient: 'Employee', messageTitle: 'Title', content: 'Content', reason: 'Reason', attempts: 'Attempts',
    sentAt: 'Sent at', createdAt: 'Created at', keyword: 'Keyword', resend: 'Resend', resendSelected: 'Resend selected ({{count}})',
    confirmResend: 'Resend {{count}} messages?', resent: '{{count}} queued again', refused: '{{count}} not resent: {{reasons}}',
    status_queued: 'Queued', status_sending: 'Sending', status_sent: 'Sent', status_merged: 'In a digest', status_skipped: 'Not sent', status_failed: 'Failed',
    hint: 'SCRM tells employees through WeCom app messages (lead assignments, follow-up reminders, broadcasts awaiting them, inheritance, loss alerts). Failed or unsent messages can be resent; one whose outcome is unknown may have arrived and is not resent.',
  },
};
