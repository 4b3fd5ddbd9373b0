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
  40029: 'invalid code',
  40014: 'invalid access_token',
  40032: 'invalid user size',
  40056: 'invalid agentid',
  40058: 'invalid Request Parameter',
  40068: 'invalid tagid',
  40071: 'UserTag Name Already Exist',
  40096: 'invalid external userid',
  40097: 'handover user has not resigned',
  40098: 'user not verified',
  40099: 'external contact count reached the limit',
  40100: 'external contacts of this user are already being transferred',
  40128: 'customer transferred too often: at most twice in 90 days',
  40129: 'customer is being transferred',
  40130: 'takeover user is the handover user',
  40131: 'handover user does not follow this external contact',
  40205: 'user wechat ticket expired: log in to WeCom within a year',
  41001: 'access_token missing',
  42003: 'oauth_code expired',
  42022: 'code has been used',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41006: 'media_id missing',
  41009: 'missing userid',
  41037: 'missing contact way type',
  41040: 'invalid contact way scene',
  41011: 'missing agentid',
  41033: 'missing description',
  41046: 'missing msgid',
  41047: 'invalid msgid',
  41048: 'no customer to send to',
  41051: 'externaluser has started chatting',
  41055: 'group welcome template count reached the limit',
  41058: 'no privilege to edit this group welcome template',
  41068: 'sensitive word list exceeds the limit',
  41069: 'intercept rule count exceeds the limit',
  41070: 'invalid intercept rule id',
  41071: 'intercept rule has been deleted',
  41076: 'applicable range exceeds the limit',
  41077: 'rule name is not unique',
  41083: 'invalid sensitive word',
  41084: 'invalid intercept semantics',
  41059: 'missing moment_id',
  41060: 'invalid moment_id',
  41061: 'moment is not published by this userid',
  41062: 'moment not yet published by this userid',
  41063: 'group msg is being dispatched, try again later',
  41064: 'too many attachments',
  41065: 'invalid attachment type',
  41067: 'invalid moment_id type',
  41072: 'invalid attachment scene',
  41080: 'attachment size out of limit',
  41088: 'empty attachments',
  41089: 'moment text and attachments are both empty',
  41090: 'invalid video format',
  41093: 'group msg is cancelled',
  41094: 'group msg remind out of limit',
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
  86214: 'invalid chat_type',
  90500: 'the owner of this chat is not resigned',
  90501: 'chat is not external group chat',
  90502: 'the owner of this chat is resigned',
  90504: 'the new owner is already the owner',
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
