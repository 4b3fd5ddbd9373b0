import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp } from './testing/test-app.ts';

test('the OpenAPI document is complete: every $ref resolves and every admin endpoint has a response schema', async (t) => {
  const app = await createTestApp();
  t.after(() => app.close());
  const response = await app.app.inject({ url: '/scrm/docs/json' });
  assert.equal(response.statusCode, 200);
  const doc = response.json();
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
  for (const ref of refs) assert.ok(doc.components.schemas[ref], `unresolved $ref ${ref}`);

  const adminOperations = Object.entries(doc.paths as Record<string, Record<string, { responses?: Record<string, unknown>; security?: unknown[] }>>)
    .filter(([path]) => path.startsWith('/scrm/admin/') && path !== '/scrm/admin/login')
    .flatMap(([path, operations]) => Object.entries(operations).map(([method, operation]) => ({ path, method, operation })));
  assert.ok(adminOperations.length > 20);
  for (const { path, method, operation } of adminOperations) {
    assert.ok(operation.responses?.['200'], `${method} ${path} has no response schema`);
    assert.ok(operation.security?.length, `${method} ${path} declares no authentication`);
  }
});

test('health answers while the database is reachable, with a request id header', async (t) => {
  const app = await createTestApp();
  t.after(() => app.close());
  const health = await app.app.inject({ url: '/scrm/health', headers: { 'x-request-id': 'trace-123' } });
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().date.database, 'up');
  assert.equal(health.headers['x-request-id'], 'trace-123');
  const generated = await app.app.inject({ url: '/scrm/health' });
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});
