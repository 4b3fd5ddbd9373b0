// Shared by the lifecycle module's tests: a simulated corp mirrored into SCRM, and waiting on what jobs settle.
import { createWecomTestEnv, type WecomTestEnv, type WecomTestEnvOptions } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';

/** A simulated corp with its org, customers and groups synced into SCRM, and the administrator signed in. */
export async function createSyncedCorp(options: WecomTestEnvOptions): Promise<{ env: WecomTestEnv; admin: TestClient }> {
  const env = await createWecomTestEnv(options);
  const admin = await env.login();
  await env.syncOrg();
  await env.runJob('customers.sync');
  await env.runJob('groups.sync');
  return { env, admin };
}
