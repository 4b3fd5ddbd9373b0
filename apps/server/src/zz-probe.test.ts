import { test } from 'node:test';
import { createTestApp } from './testing/test-app.ts';
test('probe', async () => {
  const t0 = Date.now();
  const app = await createTestApp();
  console.log('createTestApp ms', Date.now() - t0);
  await app.close();
});
