// Test helpers for the sidebar: an employee signs in as the page does in WeCom (OAuth2 through the simulator).
import assert from 'node:assert/strict';
import type { WecomSimulator } from '@scrm/wecom-sim';
import type { TestClient } from '../../testing/test-app.ts';

/** The code the simulator's connect/oauth2/authorize hands the page for `userid` (the client signed in as them). */
export async function oauthCode(sim: WecomSimulator, userid: string, pageUrl = 'http://127.0.0.1/sidebar/'): Promise<string> {
  const { corpId, agentId } = sim.credentials();
  const authorize = new URL(`${sim.url}/connect/oauth2/authorize`);
  for (const [name, value] of Object.entries({ appid: corpId, redirect_uri: pageUrl, response_type: 'code', scope: 'snsapi_base', state: 'sidebar', agentid: String(agentId), sim_member: userid })) {
    authorize.searchParams.set(name, value);
  }
  const response = await fetch(authorize, { redirect: 'manual' });
  assert.equal(response.status, 302);
  const code = new URL(response.headers.get('location')!).searchParams.get('code');
  assert.ok(code);
  return code;
}

/** Signs `userid` in to the sidebar: their sidebar token. */
export async function sidebarToken(anonymous: TestClient, sim: WecomSimulator, userid: string): Promise<string> {
  const response = await anonymous.post('/scrm/sidebar/auth', { code: await oauthCode(sim, userid) });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.date.token;
}
