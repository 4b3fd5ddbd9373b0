import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { loadConfig } from '../../config.ts';

let plain: TestApp;
let withCors: TestApp;

before(async () => {
  plain = await createTestApp();
  withCors = await createTestApp({ env: { CORS_ORIGINS: 'https://crm.example.com, http://localhost:5173' } });
});
after(async () => {
  await plain?.close();
  await withCors?.close();
});

const preflight = (t: TestApp, origin: string) =>
  t.app.inject({ method: 'OPTIONS', url: '/scrm/admin/sys/user/page', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,token' } });

test('every answer carries the security headers: CSP for the console’s own assets, no framing, nosniff', async () => {
  for (const url of ['/scrm/health', '/scrm/admin/sys/user/current', '/', '/scrm/nowhere']) {
    const response = await plain.app.inject({ url });
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/, url);
    assert.match(csp, /script-src 'self'(;|$)/, `${url}: scripts only from this origin`);
    assert.match(csp, /frame-ancestors 'none'/, url);
    assert.match(csp, /object-src 'none'/, url);
    assert.match(csp, /img-src 'self' data: blob: http: https:(;|$)/, `${url}: images from anywhere (WeCom avatars are plain http), nothing else`);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'a console served over plain HTTP still loads');
    assert.equal(response.headers['x-content-type-options'], 'nosniff', url);
    assert.equal(response.headers['x-frame-options'], 'DENY', url);
  }
});

test('CORS: no origin is allowed by default (the console is same-origin); only configured origins when CORS_ORIGINS is set', async () => {
  const evil = await preflight(plain, 'https://evil.example');
  assert.equal(evil.headers['access-control-allow-origin'], undefined, 'an arbitrary origin is not reflected');
  const simple = await plain.app.inject({ url: '/scrm/health', headers: { origin: 'https://evil.example' } });
  assert.equal(simple.headers['access-control-allow-origin'], undefined);

  const allowed = await preflight(withCors, 'https://crm.example.com');
  assert.equal(allowed.statusCode, 204);
  assert.equal(allowed.headers['access-control-allow-origin'], 'https://crm.example.com');
  const alsoAllowed = await withCors.app.inject({ url: '/scrm/health', headers: { origin: 'http://localhost:5173' } });
  assert.equal(alsoAllowed.headers['access-control-allow-origin'], 'http://localhost:5173');
  const other = await preflight(withCors, 'https://evil.example');
  assert.equal(other.headers['access-control-allow-origin'], undefined);

  assert.throws(() => loadConfig({ CORS_ORIGINS: 'https://crm.example.com/path' }), /CORS_ORIGINS/);
  assert.deepEqual(loadConfig({}).CORS_ORIGINS, []);
});

test('Swagger UI and its document still load under the policy', async () => {
  const ui = await plain.app.inject({ url: '/scrm/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.body, /swagger-ui-bundle\.js/);
  assert.doesNotMatch(ui.body, /<script>(?!\s*<\/script>)/, 'no inline script the CSP would block');
  const initializer = await plain.app.inject({ url: '/scrm/docs/static/swagger-initializer.js' });
  assert.equal(initializer.statusCode, 200);
  const json = await plain.app.inject({ url: '/scrm/docs/json' });
  assert.equal(json.statusCode, 200);
  assert.ok(Object.keys(json.json().paths).length > 50);
});
