// The WeCom client's side of a page in the chat toolbar (API-FACTS-OPERATIONS §23): the OAuth2 authorize page on
// WeCom's open host, and what the client checks and does for the page's JS-SDK calls — a registration's signature
// against the live ticket (§12), and sendChatMessage into the current conversation (§23.5), kept in the conversation
// log (state.chatMessages, GET /sim/chat-messages). A shim of the client's bridge (SCRM's demo sidebar, through its
// server) calls /client/*; they answer as the client would, `{ err_msg }`.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimulatorCore } from './core.ts';
import type { ChatMessage } from './model.ts';

/** The cookie naming the member the simulated client is signed in as (set by the bridge shim or the sign-in picker). */
export const CLIENT_MEMBER_COOKIE = 'wecom_sim_member';
const MEMBER_PATTERN = /^[\w.@-]{1,64}$/;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function jsonOf(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  try {
    const parsed: unknown = Buffer.isBuffer(raw) ? JSON.parse(raw.toString('utf8') || '{}') : (raw ?? {});
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

function errorPage(reply: FastifyReply, message: string) {
  return reply.code(200).type('text/html; charset=utf-8').send(`<!doctype html><meta charset="utf-8"><title>企业微信</title><p>${escapeHtml(message)}</p>`);
}

export function registerClientRoutes(fastify: FastifyInstance, core: () => SimulatorCore): void {
  // connect/oauth2/authorize: the member the client is signed in as gets a code on the page's redirect_uri.
  fastify.get('/connect/oauth2/authorize', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const { state } = core();
    if (query.appid !== state.corp.corpId) return errorPage(reply, 'invalid corpid (40013)');
    if (query.response_type !== 'code') return errorPage(reply, 'invalid response_type');
    if (query.agentid && query.agentid !== String(state.corp.agentId)) return errorPage(reply, 'invalid agentid (40056)');
    let redirect: URL;
    try {
      redirect = new URL(query.redirect_uri ?? '');
      if (!/^https?:$/.test(redirect.protocol)) throw new Error('scheme');
    } catch {
      return errorPage(reply, 'redirect_uri 参数错误 (50001)');
    }
    if (query.state !== undefined && !/^[a-zA-Z0-9]{0,128}$/.test(query.state)) return errorPage(reply, 'invalid state');
    const member = query.sim_member ?? cookieOf(request, CLIENT_MEMBER_COOKIE);
    const employee = member && MEMBER_PATTERN.test(member) ? state.activeEmployee(member) : undefined;
    if (!employee) {
      // No member signed in to the simulated client: pick one (what signing in to WeCom would be).
      const here = new URL(request.url, 'http://sim');
      const links = [...state.employees.values()]
        .filter((candidate) => candidate.resignedAt === undefined && state.isEmployeeVisible(candidate))
        .slice(0, 200)
        .map((candidate) => {
          here.searchParams.set('sim_member', candidate.userid);
          return `<li><a href="${escapeHtml(here.pathname + here.search)}">${escapeHtml(candidate.name)}</a></li>`;
        });
      return reply
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>企业微信 · 选择成员</title><h3>以哪位成员的身份登录企业微信？</h3><ul>${links.join('')}</ul>`);
    }
    const code = state.random.idChars(64);
    state.oauthCodes.set(code, { userid: employee.userid, issuedAt: core().nowSeconds(), used: false });
    redirect.searchParams.set('code', code);
    redirect.searchParams.set('state', query.state ?? '');
    return reply.header('set-cookie', `${CLIENT_MEMBER_COOKIE}=${encodeURIComponent(employee.userid)}; Path=/; SameSite=Lax`).redirect(redirect.toString(), 302);
  });

  /** The client checks a registration (config with the corp ticket, agentConfig with the app's) as WeCom's servers would. */
  fastify.post('/client/verify', async (request) => {
    const body = jsonOf(request);
    const kind = body.kind === 'agentConfig' ? 'agentConfig' : 'config';
    const { corp } = core().state;
    if (text(body.corpid) !== corp.corpId) return { err_msg: `${kind}:fail not allow to cross corp`, errcode: 92002 };
    if (kind === 'agentConfig' && text(body.agentid) !== String(corp.agentId)) return { err_msg: `${kind}:fail invalid agentid`, errcode: 40056 };
    const ticket = core().tokens.liveTicket(kind === 'agentConfig' ? 'agent_config' : 'jsapi');
    const url = text(body.url).split('#', 1)[0];
    const expected = ticket
      ? createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${text(body.nonceStr)}&timestamp=${text(body.timestamp)}&url=${url}`, 'utf8').digest('hex')
      : undefined;
    if (!expected || expected !== text(body.signature)) return { err_msg: `${kind}:fail invalid signature`, errcode: ticket ? 40093 : 42012 };
    return { err_msg: `${kind}:ok` };
  });

  /** sendChatMessage into the conversation the member has open (a customer, or a customer group). */
  fastify.post('/client/send-chat-message', async (request) => {
    const body = jsonOf(request);
    const { state } = core();
    const userid = text(body.userid);
    const externalUserid = text(body.external_userid);
    const chatId = text(body.chat_id);
    const fail = (reason: string) => ({ err_msg: `sendChatMessage:fail ${reason}` });
    if (!state.activeEmployee(userid)) return fail('no permission');
    if (externalUserid ? !state.relation(userid, externalUserid) : !chatId) return fail('without context of external contact');
    if (chatId) {
      const chat = state.groupChats.get(chatId);
      if (!chat || chat.dismissed || !chat.member_list.some((member) => member.userid === userid)) return fail('without context of external contact');
    }
    const message = (body.message && typeof body.message === 'object' ? body.message : {}) as Record<string, Record<string, unknown> | string | undefined>;
    const msgtype = text(message.msgtype) as ChatMessage['msgtype'];
    const part = (message[msgtype] ?? {}) as Record<string, unknown>;
    const record: ChatMessage = { msgid: state.random.idChars(32), userid, msgtype, sent_at: core().nowSeconds() };
    if (externalUserid) record.external_userid = externalUserid;
    else record.chat_id = chatId;
    switch (msgtype) {
      case 'text':
        if (!text(part.content)) return fail('invalid content');
        record.text = { content: text(part.content) };
        break;
      case 'image':
      case 'video':
      case 'file': {
        // Only media/upload's ids ("暂不支持公众平台的mediaid"), of the message's kind, within their 3 days.
        const media = state.media.get(text(part.mediaid));
        if (!media || media.type !== msgtype || media.attachment_type !== undefined || core().nowSeconds() - media.created_at > 3 * 86_400) return fail('invalid mediaid');
        record[msgtype] = { mediaid: media.media_id };
        break;
      }
      case 'news':
        if (!/^https?:\/\//.test(text(part.link))) return fail('invalid link');
        record.news = { link: text(part.link), title: text(part.title), desc: text(part.desc), imgUrl: text(part.imgUrl) };
        break;
      case 'miniprogram':
        if (!/^https?:\/\//.test(text(part.imgUrl))) return fail('invalid imgUrl');
        if (!text(part.appid) || !text(part.page).endsWith('.html')) return fail('invalid page');
        record.miniprogram = { appid: text(part.appid), title: text(part.title), imgUrl: text(part.imgUrl), page: text(part.page) };
        break;
      default:
        return fail('invalid msgtype');
    }
    state.chatMessages.push(record);
    if (state.chatMessages.length > 20_000) state.chatMessages.splice(0, state.chatMessages.length - 20_000);
    return { err_msg: 'sendChatMessage:ok' };
  });
}
