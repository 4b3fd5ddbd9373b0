// JS-SDK signatures for wx.config (corp jsapi_ticket) and wx.agentConfig (agent ticket), API-FACTS §12.
import { createHash, randomBytes } from 'node:crypto';

export interface JsSdkSignatureInput {
  ticket: string;
  nonceStr: string;
  timestamp: number | string;
  /** The page URL; anything from `#` on is dropped, nothing is encoded. */
  url: string;
}

/** sha1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` in that fixed order, raw values. */
export function signJsSdk(input: JsSdkSignatureInput): string {
  const url = input.url.split('#', 1)[0];
  const text = `jsapi_ticket=${input.ticket}&noncestr=${input.nonceStr}&timestamp=${input.timestamp}&url=${url}`;
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

export interface SignatureOptions {
  ticket: string;
  url: string;
  /** Defaults to 16 random letters and digits. */
  nonceStr?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
}

/** The fields wx.config needs besides jsApiList. */
export interface JsSdkConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** The fields wx.agentConfig needs besides jsApiList. */
export interface JsSdkAgentConfig {
  corpid: string;
  agentid: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

export function createConfigSignature(options: SignatureOptions & { corpId: string }): JsSdkConfig {
  const { timestamp, nonceStr, signature } = signWithDefaults(options);
  return { appId: options.corpId, timestamp, nonceStr, signature };
}

export function createAgentConfigSignature(options: SignatureOptions & { corpId: string; agentId: string | number }): JsSdkAgentConfig {
  const { timestamp, nonceStr, signature } = signWithDefaults(options);
  return { corpid: options.corpId, agentid: String(options.agentId), timestamp, nonceStr, signature };
}

function signWithDefaults(options: SignatureOptions): { timestamp: number; nonceStr: string; signature: string } {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const nonceStr = options.nonceStr ?? randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16);
  return { timestamp, nonceStr, signature: signJsSdk({ ticket: options.ticket, nonceStr, timestamp, url: options.url }) };
}
