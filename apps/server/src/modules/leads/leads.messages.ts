import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The module's API and report messages (简体中文 by default, English with `Accept-Language: en`). */
export const leadMessages = {
  leadPhoneTaken: { zh: '手机号已属于线索 {leadId}：{phone}', en: 'Phone {phone} already belongs to lead {leadId}' },
  leadCustomerTaken: { zh: '该企微客户已关联线索 {leadId}', en: 'The WeCom customer is already linked to lead {leadId}' },
  leadAlreadyLinked: { zh: '线索已关联其他企微客户：{externalUserid}', en: 'The lead is already linked to customer {externalUserid}' },
  leadMerged: { zh: '线索已合并到线索 {targetId}，不能修改', en: 'The lead was merged into lead {targetId} and cannot be changed' },
  leadMergeSelf: { zh: '不能把线索合并到自身', en: 'A lead cannot be merged into itself' },
  leadMergeCustomers: { zh: '待合并的线索关联了不同的企微客户', en: 'The leads are linked to different WeCom customers' },
  leadPrimaryPerType: { zh: '每种联系方式须有且只有一个主联系方式：{type}', en: 'Each contact type needs exactly one primary: {type}' },
  leadContactDuplicate: { zh: '联系方式重复：{value}', en: 'Duplicate contact: {value}' },
  leadBadMobile: { zh: '手机号格式不正确：{value}', en: 'Not a mainland mobile number: {value}' },
  leadOwnerInvalid: { zh: '员工不存在或已停用：{id}', en: 'User {id} does not exist or is disabled' },
  leadOwnerUnbound: { zh: '用户「{name}」未绑定企业微信成员，不能负责线索：请先在「用户管理」中绑定', en: 'User {name} is bound to no WeCom employee and cannot own leads: bind one under Users first' },
  leadOwnerEmployeeInvalid: { zh: '企业微信成员不存在、已停用或已离职：{userid}（请先同步企微组织架构）', en: 'WeCom employee {userid} does not exist, is disabled or has left (sync the WeCom organization first)' },
  leadClaimNeedsBinding: { zh: '你的账号未绑定企业微信成员，不能领取线索：请联系管理员在「用户管理」中绑定', en: 'Your account is bound to no WeCom employee, so you cannot claim leads: ask an administrator to bind one under Users' },
  leadNotInPool: { zh: '线索已不在公海中（已被领取或分配）：{ids}', en: 'These leads are no longer in the pool (claimed or assigned): {ids}' },
  leadNotOwned: { zh: '线索不在任何人名下，无需退回：{ids}', en: 'These leads have no owner, nothing to return: {ids}' },
  leadTagInvalid: { zh: '自建标签不存在：{id}', en: 'SCRM tag {id} does not exist' },
  leadCorpTagInvalid: { zh: '企业标签不存在：{id}', en: 'Corp tag {id} does not exist' },
  leadTagTargetRequired: { zh: '请提供线索或企微客户', en: 'Give lead ids or external userids' },
  leadKeyRequired: { zh: '请提供线索id或企微客户id（二选一）', en: 'Give either clueId or externalUserid' },
  leadNoRelation: { zh: '该员工没有此客户：{userid}', en: 'Employee {userid} does not serve this customer' },
  leadWecomNotConfigured: { zh: '未配置企业微信，无法访问企业微信接口', en: 'WeCom is not configured' },
  leadTransferSameUser: { zh: '原跟进人和接替成员不能相同', en: 'Handover and takeover employees must differ' },
  leadImportXlsx: { zh: '请上传 xlsx 格式的 Excel 文件', en: 'Upload an .xlsx Excel file' },
  leadImportMissingColumns: { zh: '缺少必填列：{columns}', en: 'Required columns missing: {columns}' },
  leadImportFileTaken: { zh: '该文件已由其他用户导入', en: 'This file was already imported by another user' },
  leadImportUnreadable: { zh: '无法读取该 Excel 文件', en: 'The Excel file cannot be read' },
  leadImportRequired: { zh: '必填项为空', en: 'Required value missing' },
  leadImportTooLong: { zh: '内容过长（最多 {detail} 个字符）', en: 'Too long (at most {detail} characters)' },
  leadImportBadMobile: { zh: '手机号格式不正确（须为 11 位大陆手机号）', en: 'Not a mainland mobile number (11 digits)' },
  leadImportBadEmail: { zh: '邮箱格式不正确', en: 'Not an email address' },
  leadImportBadGender: { zh: '性别须为 男、女 或 未知', en: 'Gender must be 男, 女 or 未知' },
  leadImportDuplicateInFile: { zh: '与第 {detail} 行手机号重复', en: 'Same phone as row {detail}' },
  leadImportPhoneExists: { zh: '手机号已存在（线索 {detail}）', en: 'Phone already belongs to lead {detail}' },
  leadAssignedTitle: { zh: '线索分配提醒', en: 'Leads assigned' },
  leadFollowUpTitle: { zh: '线索跟进提醒', en: 'Lead follow-up due' },
  leadCollectInvalid: { zh: '请提供手机号、微信号或邮箱之一', en: 'Give a phone, a WeChat id or an email' },
};

registerMessages(leadMessages);
registerEntityNames({
  lead: { zh: '线索', en: 'Lead' },
  leadImport: { zh: '导入记录', en: 'Import' },
  customer: { zh: '客户', en: 'Customer' },
  acqLink: { zh: '获客链接', en: 'Acquisition link' },
});
