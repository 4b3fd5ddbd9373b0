import { ApiArea } from './api-area.ts';
import type { WecomResponse } from '../types.ts';

/** auth/getuserinfo's answer: a member's `userid`, or for someone outside the corp `openid` (and `external_userid` for a customer). */
export interface OAuthUserInfo extends WecomResponse {
  userid?: string;
  user_ticket?: string;
  openid?: string;
  external_userid?: string;
}

/** OAuth2 for pages opened inside WeCom (API-FACTS-OPERATIONS §23.8). */
export class OAuthApi extends ApiArea {
  /** auth/getuserinfo: who opened the page, from the code connect/oauth2/authorize gave it (single use, 5 minutes: 40029, 42003, 42022). */
  getUserInfo(code: string): Promise<OAuthUserInfo> {
    return this.requester.request('auth/getuserinfo', { method: 'GET', query: { code } });
  }
}
