// message/send (API-FACTS-OPERATIONS §22): app messages to members. Per member at most 30 a minute and
// 1,000 an hour; the rest is dropped without an error, as WeCom does — the receipt keeps `dropped` so tests
// can see it. enable_duplicate_check delivers the same JSON once within duplicate_check_interval.
import { createHash } from 'node:crypto';
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { AppMessageReceipt } from '../model.ts';
import { optionalNumber, optionalObject, optionalString, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

export const APP_MESSAGE_LIMITS = { perMinute: 30, perHour: 1000 } as const;
/** Receipts kept (oldest go first). */
const KEPT_RECEIPTS = 20_000;
const CONTENT_BYTES = 2048;

const truncateBytes = (text: string, bytes: number): string => {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  return buffer.subarray(0, bytes).toString('utf8').replace(/\uFFFD$/, '');
};

function messageContent(body: Json, msgtype: string): { title?: string; content: string; url?: string } {
  const part = optionalObject(body, msgtype) ?? fail(40058, `${msgtype} missing`);
  switch (msgtype) {
    case 'text':
    case 'markdown': {
      const content = optionalString(part, 'content') ?? fail(44004);
      return { content: truncateBytes(content, CONTENT_BYTES) };
    }
    case 'textcard': {
      const title = optionalString(part, 'title') ?? fail(40058, 'title missing');
      const description = optionalString(part, 'description') ?? fail(41033);
      const url = optionalString(part, 'url') ?? fail(40058, 'url missing');
      if (!/^https?:\/\//.test(url)) fail(40058, 'url must be http(s)');
      return { title: [...title].slice(0, 128).join(''), content: [...description].slice(0, 512).join(''), url };
    }
    default:
      return fail(40008);
  }
}

/** Delivered receipts of a member since `since` (seconds). */
function deliveredSince(core: SimulatorCore, userid: string, since: number): number {
  let count = 0;
  const receipts = core.state.appMessages;
  for (let index = receipts.length - 1; index >= 0; index--) {
    const receipt = receipts[index];
    if (receipt.sent_at <= since) break;
    if (receipt.userid === userid && !receipt.dropped) count++;
  }
  return count;
}

export const messageRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'message/send',
    handler: ({ core, body }) => {
      const { state } = core;
      const agentid = optionalNumber(body, 'agentid') ?? fail(41011);
      if (agentid !== state.corp.agentId) fail(40056);
      const msgtype = optionalString(body, 'msgtype') ?? fail(40008);
      const touser = optionalString(body, 'touser') ?? '';
      if (!touser && !optionalString(body, 'toparty') && !optionalString(body, 'totag')) fail(82001);
      const message = messageContent(body, msgtype);
      const requested = touser === '@all' ? [...state.employees.values()].filter((e) => e.resignedAt === undefined).map((e) => e.userid) : touser.split('|').filter(Boolean);
      if (touser !== '@all' && requested.length > 1000) fail(40032);
      const valid: string[] = [];
      const invalid: string[] = [];
      for (const userid of requested) {
        const employee = state.activeEmployee(userid) ?? state.activeEmployee(userid.toLowerCase());
        if (employee && state.isEmployeeVisible(employee)) valid.push(employee.userid);
        else invalid.push(userid.toLowerCase());
      }
      if (valid.length === 0) fail(81013);
      const now = core.nowSeconds();
      const msgid = state.random.idChars(40);

      if (body.enable_duplicate_check === 1 || body.enable_duplicate_check === '1') {
        const interval = Math.min(optionalNumber(body, 'duplicate_check_interval') ?? 1800, 4 * 3600);
        const key = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        const earlier = state.appMessageDuplicates.get(key);
        if (earlier && now - earlier.sentAt < interval) return { invaliduser: invalid.join('|'), msgid: earlier.msgid };
        state.appMessageDuplicates.set(key, { sentAt: now, msgid });
      }

      for (const userid of valid) {
        const overLimit =
          deliveredSince(core, userid, now - 60) >= APP_MESSAGE_LIMITS.perMinute || deliveredSince(core, userid, now - 3600) >= APP_MESSAGE_LIMITS.perHour;
        const receipt: AppMessageReceipt = { msgid, userid, agentid, msgtype, ...message, sent_at: now };
        if (overLimit) receipt.dropped = 'rate_limit';
        state.appMessages.push(receipt);
      }
      if (state.appMessages.length > KEPT_RECEIPTS) state.appMessages.splice(0, state.appMessages.length - KEPT_RECEIPTS);
      return { invaliduser: invalid.join('|'), invalidparty: '', invalidtag: '', unlicenseduser: '', msgid };
    },
  },
];
