import createClient from 'openapi-fetch';
import type { paths } from '../api/schema.js';
import { currentLanguage } from '../i18n/i18n.ts';

/** The sidebar's own client: the sidebar token (sessionStorage: it ends with the WeCom webview), never the console's. */
export const sidebarApi = createClient<paths>({ baseUrl: '' });

const TOKEN_KEY = 'scrm.sidebar.token';
export const sidebarToken = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

sidebarApi.use({
  onRequest({ request }) {
    const token = sidebarToken.get();
    if (token) request.headers.set('token', token);
    request.headers.set('accept-language', currentLanguage() === 'en' ? 'en' : 'zh-CN');
    return request;
  },
});
