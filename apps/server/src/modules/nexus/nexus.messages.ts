import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The module's API messages (简体中文 by default, English with `Accept-Language: en`). */
export const nexusMessages = {
  nexusNotConfigured: { zh: 'Nexus 对接未配置（需设置 NEXUS_APP_KEY 与 NEXUS_SECRET）', en: 'Nexus integration not configured (set NEXUS_APP_KEY and NEXUS_SECRET)' },
  nexusMissingHeaders: {
    zh: '缺少签名请求头：x-nexus-key、x-nexus-timestamp、x-nexus-nonce、x-nexus-signature',
    en: 'Missing signature headers: x-nexus-key, x-nexus-timestamp, x-nexus-nonce, x-nexus-signature',
  },
  nexusUnknownKey: { zh: 'x-nexus-key 不正确', en: 'Unknown app key in x-nexus-key' },
  nexusBadTimestamp: { zh: 'x-nexus-timestamp 格式不正确，应为 Unix 时间戳（秒）', en: 'x-nexus-timestamp must be a unix time in seconds' },
  nexusStaleRequest: {
    zh: '请求时间戳与服务器时间相差超过 5 分钟，请校准时钟后重新签名',
    en: 'The request timestamp is more than 5 minutes from server time; check the clock and sign again',
  },
  nexusBadNonce: { zh: 'x-nexus-nonce 格式不正确（8–64 位字母、数字、_ 或 -）', en: 'x-nexus-nonce must be 8–64 letters, digits, _ or -' },
  nexusBadSignature: { zh: '签名校验失败', en: 'Signature mismatch' },
  nexusLegacySignature: {
    zh: '签名使用了旧格式（未包含请求方法与路径）：请按新格式签名，过渡期可设置 NEXUS_LEGACY_SIGNATURE=accept',
    en: 'Signed in the legacy form (without method and path): sign the current form, or set NEXUS_LEGACY_SIGNATURE=accept during the transition',
  },
  nexusReplayedNonce: { zh: 'nonce 已被使用，疑似重放请求，已拒绝', en: 'Nonce already used: replayed request refused' },
  nexusInvalidJson: { zh: '请求体不是合法的 JSON', en: 'The request body is not valid JSON' },
  nexusParentNotFound: { zh: '上级部门尚未同步：{parentId}', en: 'Parent department {parentId} has not been pushed yet' },
  nexusDeptCycle: { zh: '不能把部门移动到它自己或它的下级部门之下', en: 'A department cannot move under itself or one of its descendants' },
  nexusDeptHasChildren: {
    zh: '部门存在下级部门，不允许删除（如需一并删除请传 cascade: true）',
    en: 'The department has sub-departments; pass cascade: true to delete them too',
  },
  nexusTokenPaired: { zh: '该 Nexus token 已与其他用户绑定', en: 'This Nexus token is already paired with another user' },
  nexusUserIdTaken: { zh: 'Nexus 用户 ID 已绑定其他用户：{nexusUserId}', en: 'Nexus user id {nexusUserId} is bound to another user' },
};

export type NexusMessageKey = keyof typeof nexusMessages;

registerMessages(nexusMessages);
registerEntityNames({
  nexusDept: { zh: 'Nexus 部门', en: 'Nexus department' },
  employee: { zh: '工号对应的用户', en: 'User with employee number' },
});
