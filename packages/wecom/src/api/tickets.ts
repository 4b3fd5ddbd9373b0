import { createAgentConfigSignature, createConfigSignature, type JsSdkAgentConfig, type JsSdkConfig } from '../js-sdk.ts';
import type { WecomRequester } from '../requester.ts';
import { CachedCredential, type TokenCache } from '../token-cache.ts';
import type { TicketResponse } from '../types.ts';

export interface TicketsApiOptions {
  corpId: string;
  agentId?: string | number;
  cache: TokenCache;
  /** Prefix of the cache keys, unique per corp and secret. */
  cacheKeyPrefix: string;
}

/**
 * JS-SDK tickets (API-FACTS §12). WeCom allows 400 fetches an hour per corp and 100 per app, so tickets
 * are cached (shared through the token cache) and fetched once for concurrent callers.
 */
export class TicketsApi {
  readonly #options: TicketsApiOptions;
  readonly #jsapiTicket: CachedCredential;
  readonly #agentTicket: CachedCredential;

  constructor(requester: WecomRequester, options: TicketsApiOptions) {
    this.#options = options;
    const fetchTicket = (api: string, query?: Record<string, string>) => async () => {
      const response = await requester.request<TicketResponse>(api, { method: 'GET', query });
      return { value: response.ticket, expiresInSeconds: response.expires_in };
    };
    this.#jsapiTicket = new CachedCredential({
      cache: options.cache,
      key: `${options.cacheKeyPrefix}:jsapi_ticket`,
      fetch: fetchTicket('get_jsapi_ticket'),
    });
    this.#agentTicket = new CachedCredential({
      cache: options.cache,
      key: `${options.cacheKeyPrefix}:agent_ticket`,
      fetch: fetchTicket('ticket/get', { type: 'agent_config' }),
    });
  }

  /** The corp jsapi_ticket, for wx.config. */
  getJsapiTicket(): Promise<string> {
    return this.#jsapiTicket.get();
  }

  /** The app ticket (ticket/get?type=agent_config), for wx.agentConfig. */
  getAgentTicket(): Promise<string> {
    return this.#agentTicket.get();
  }

  /** Everything wx.config needs for `url` except jsApiList. */
  async getConfigSignature(url: string): Promise<JsSdkConfig> {
    return createConfigSignature({ corpId: this.#options.corpId, ticket: await this.getJsapiTicket(), url });
  }

  /** Everything wx.agentConfig needs for `url` except jsApiList; requires the client's agentId. */
  async getAgentConfigSignature(url: string): Promise<JsSdkAgentConfig> {
    const agentId = this.#options.agentId;
    if (agentId === undefined || agentId === '') throw new Error('agentId is required for wx.agentConfig signatures');
    return createAgentConfigSignature({ corpId: this.#options.corpId, agentId, ticket: await this.getAgentTicket(), url });
  }
}
