// WeCom-style failures: HTTP 200, `{errcode, errmsg}` with the `, hint: [...]` suffix real errmsgs
// carry, and the `error-code` / `error-msg` headers (API-FACTS §1.1).

/** English errmsg texts as WeCom sends them (clients must key on errcode; these are for humans). */
const ERROR_TEXT: Record<number, string> = {
  [-1]: 'system busy',
  6000: 'data version conflict',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40004: 'invalid media type',
  40005: 'invalid type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40009: 'invalid image size',
  40011: 'invalid video size',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40032: 'invalid user size',
  40056: 'invalid agentid',
  40058: 'invalid Request Parameter',
  40068: 'invalid tagid',
  40071: 'UserTag Name Already Exist',
  40096: 'invalid external userid',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41006: 'media_id missing',
  41009: 'missing userid',
  41037: 'missing contact way type',
  41040: 'invalid contact way scene',
  41011: 'missing agentid',
  41033: 'missing description',
  41051: 'externaluser has started chatting',
  41096: 'welcome msg is being distributed',
  42001: 'access_token expired',
  44001: 'empty media data',
  44004: 'empty content',
  45001: 'media size out of limit',
  45002: 'content size out of limit',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  47001: 'data format error',
  48001: 'api unauthorized',
  48002: 'api forbidden',
  60003: 'department not found',
  60011: 'no privilege to access/modify contact/party/agent ',
  60111: 'userid not found',
  60123: 'invalid party id',
  81013: 'user & party & tag all invalid',
  82001: 'all touser & toparty & totag invalid',
  81017: 'too many users in visible range, owner_filter required',
  84061: 'not external contact',
  84074: 'no external contact privilege',
  86003: 'chatid not exist',
  90500: 'the owner of this chat is not resigned',
  90501: 'the owner of this chat is resigned',
  91040: 'invalid ticket type',
};

export class WecomFailure extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
    /** Extra fields WeCom returns next to the error (e.g. `external_userid: []` with 84061). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? ERROR_TEXT[errcode] ?? `error ${errcode}`);
    this.name = 'WecomFailure';
  }
}

export function fail(errcode: number, detail?: string, extra?: Record<string, unknown>): never {
  throw new WecomFailure(errcode, detail, extra);
}

let hintSequence = 0;

/** `<text>, hint: [<time>_<seq>_<hex>], from ip: <ip>, more info at …?e=<code>` like real responses. */
export function formatErrmsg(errcode: number, detail: string | undefined, nowSeconds: number, ip: string): string {
  const text = detail ?? ERROR_TEXT[errcode] ?? 'unknown error';
  hintSequence = (hintSequence + 1) % 1000;
  const hint = `${nowSeconds}_${hintSequence}_${Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0')}`;
  return `${text}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

/** Headers must be ASCII; errmsg texts here are, but guard anyway. */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
