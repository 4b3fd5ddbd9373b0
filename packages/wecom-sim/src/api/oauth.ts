// OAuth2 for pages opened inside WeCom (API-FACTS-OPERATIONS §23.8): auth/getuserinfo exchanges the code
// connect/oauth2/authorize gave the page (client.ts) for the member's userid. Codes are single use and live 5 minutes.
import { fail } from '../errors.ts';
import { requireString } from './input.ts';
import type { ApiRoute } from './router.ts';

export const OAUTH_CODE_TTL_SECONDS = 300;

export const oauthRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'auth/getuserinfo',
    handler: ({ core, query }) => {
      const code = requireString(query, 'code', 40029);
      const issued = core.state.oauthCodes.get(code) ?? fail(40029);
      if (issued.used) fail(42022);
      if (core.nowSeconds() - issued.issuedAt > OAUTH_CODE_TTL_SECONDS) fail(42003);
      issued.used = true;
      return { userid: issued.userid };
    },
  },
];
