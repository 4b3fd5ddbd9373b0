import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The portal's API messages (简体中文 by default, English with `Accept-Language: en`). */
export const portalMessages = {
  callbackBadSignature: { zh: '回调签名校验失败', en: 'Callback signature mismatch' },
  callbackWrongCorp: { zh: '回调不属于本企业（receive id 与企业 ID 不一致）', en: 'The callback is for another corp (receive id mismatch)' },
  callbackUndecryptable: { zh: '回调消息无法解密：{reason}', en: 'The callback cannot be decrypted: {reason}' },
  callbackMalformed: { zh: '回调消息不是合法的 XML', en: 'The callback is not well-formed XML' },
  wecomUnavailable: { zh: '调用企业微信失败：{detail}', en: 'WeCom call failed: {detail}' },
};

registerMessages(portalMessages);
registerEntityNames({ wxEvent: { zh: '回调事件', en: 'Callback event' } });
