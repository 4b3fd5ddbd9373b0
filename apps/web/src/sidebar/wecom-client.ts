// The page's side of WeCom (API-FACTS-OPERATIONS §23): OAuth2 to know the employee, then the official SDK —
// ww.register with the app's identity (agentConfig signed by the server), getContext, the current customer or group,
// sendChatMessage. Inside WeCom the client answers; in the demo a shim of its bridge does (served by the server).
import * as ww from '@wecom/jssdk';
import { call } from '../api/client.ts';
import { sidebarApi, sidebarToken } from './sidebar-api.ts';

export const JS_API_LIST = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage'];

export type Settings = { corpId: string; agentId: string | null; oauthAuthorizeUrl: string; demo: boolean };

/** The page URL without the OAuth2 answer (code, state): what the client signs against once we are signed in. */
function pageUrlWithoutCode(): string {
  const url = new URL(location.href);
  url.searchParams.delete('code');
  url.searchParams.delete('state');
  url.hash = '';
  return url.toString();
}

/**
 * Signs the employee in: a sidebar token already held, else the code WeCom's authorize page just returned, else off
 * to the authorize page (the browser leaves; the promise never settles). Returns the employee.
 */
export async function signIn(settings: Settings): Promise<{ userid: string; name: string }> {
  const code = new URL(location.href).searchParams.get('code');
  if (code) {
    const answer = await call(sidebarApi.POST('/scrm/sidebar/auth', { body: { code } }));
    sidebarToken.set(answer.token);
    history.replaceState(null, '', pageUrlWithoutCode());
    return answer.employee;
  }
  if (sidebarToken.get()) {
    const me = await sidebarApi.GET('/scrm/sidebar/me');
    if (me.data?.code === '200') return me.data.date;
    sidebarToken.clear();
  }
  const authorize = new URL(settings.oauthAuthorizeUrl);
  authorize.searchParams.set('appid', settings.corpId);
  authorize.searchParams.set('redirect_uri', pageUrlWithoutCode());
  authorize.searchParams.set('response_type', 'code');
  authorize.searchParams.set('scope', 'snsapi_base');
  authorize.searchParams.set('state', Math.random().toString(36).slice(2, 12).replace(/[^a-z0-9]/g, 'x'));
  if (settings.agentId) authorize.searchParams.set('agentid', settings.agentId);
  location.href = `${authorize.toString()}#wechat_redirect`;
  return new Promise(() => {});
}

/** ww.register: both signatures come from one server call per URL. */
export function registerSdk(settings: Settings): void {
  const signed = new Map<string, ReturnType<typeof fetchSignatures>>();
  const signaturesFor = (url: string) => {
    if (!signed.has(url)) signed.set(url, fetchSignatures(url));
    return signed.get(url)!;
  };
  ww.register({
    corpId: settings.corpId,
    agentId: settings.agentId ?? undefined,
    jsApiList: JS_API_LIST,
    getConfigSignature: async (url) => (await signaturesFor(url)).config,
    getAgentConfigSignature: async (url) => {
      const { agentConfig } = await signaturesFor(url);
      if (!agentConfig) throw new Error('WECOM_AGENT_ID is not configured');
      return agentConfig;
    },
  });
}

function fetchSignatures(url: string) {
  return call(sidebarApi.POST('/scrm/sidebar/js-signature', { body: { url } }), { silent: true });
}

export type Conversation = { kind: 'customer'; externalUserid: string } | { kind: 'group'; chatId: string } | { kind: 'none'; entry: string };

/** Where the page was opened: a single chat or contact profile (its customer), a group chat (its group), or elsewhere. */
export async function currentConversation(): Promise<Conversation> {
  const { entry } = await ww.getContext();
  if (entry === 'single_chat_tools' || entry === 'contact_profile' || entry === 'single_kf_tools') {
    const { userId } = await ww.getCurExternalContact();
    return { kind: 'customer', externalUserid: userId };
  }
  if (entry === 'group_chat_tools') {
    const { chatId } = await ww.getCurExternalChat();
    return { kind: 'group', chatId };
  }
  return { kind: 'none', entry: String(entry) };
}

export type ChatMessage = Parameters<typeof ww.sendChatMessage>[0];

/** The SDK's failure in words: its errMsg (e.g. `sendChatMessage:fail invalid imgUrl`). */
export function sdkFailure(error: unknown): string {
  if (error && typeof error === 'object' && 'errMsg' in error) return String((error as { errMsg: unknown }).errMsg);
  return error instanceof Error ? error.message : String(error);
}

export const sendChatMessage = (message: ChatMessage) => ww.sendChatMessage(message);
