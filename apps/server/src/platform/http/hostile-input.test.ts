import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { openApp, signedPost } from '../../modules/leads/leads.testing.ts';
import { databaseValueErrorCode } from './hostile-input.ts';

let t: TestApp;
let admin: Awaited<ReturnType<TestApp['login']>>;

before(async () => {
  t = await createTestApp();
  admin = await t.login();
});
after(() => t.close());

/** A multipart body for `fields` and one file, as a browser would send it; cut it to `keep` bytes to truncate. */
function multipart(file: { field: string; name: string; type: string; content: Buffer }, fields: Record<string, string> = {}) {
  const boundary = '----scrmtestboundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`));
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64, 1)]);

test('a NUL byte in any string is refused with 400 in the envelope, before PostgreSQL sees it (also unauthenticated sign-in)', async () => {
  const login = await t.anonymous.post('/scrm/admin/login', { username: 'ad\u0000min', password: 'x' });
  assert.equal(login.status, 400, login.raw.body);
  assert.equal(login.body.code, '400');
  assert.deepEqual(login.body.date.fields.map((f: { field: string }) => f.field), ['body.username']);
  assert.match(login.body.date.fields[0].message, /NUL|字符/);
  const en = await t.anonymous.post('/scrm/admin/login', { username: 'ad\u0000min', password: 'x' }, { 'accept-language': 'en' });
  assert.match(en.body.date.fields[0].message, /not allowed/);

  // A page filter, a query string and an object key.
  const page = await admin.post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 10, username: 'a\u0000' });
  assert.equal(page.status, 400);
  const query = await admin.get('/scrm/admin/sys/user/get', undefined, {});
  assert.equal(query.status, 400, 'id missing is already a 400');
  const nulQuery = await t.app.inject({ method: 'GET', url: '/scrm/admin/cust/get/link/get?id=1%00', headers: { token: admin.token } });
  assert.equal(nulQuery.statusCode, 400);
  assert.equal(nulQuery.json().code, '400');
  const key = await admin.post('/scrm/admin/sys/user/page', { pageNum: 1, ['x\u0000']: 1 });
  assert.equal(key.status, 400);
});

test('a lone UTF-16 surrogate is refused with 400 (the link page userId filter reaches jsonb)', async () => {
  const high = await admin.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10, userId: 'zhang\ud800' });
  assert.equal(high.status, 400, high.raw.body);
  assert.deepEqual(high.body.date.fields.map((f: { field: string }) => f.field), ['body.userId']);
  const low = await admin.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10, userId: '\udc00zhang' });
  assert.equal(low.status, 400);
  // A well-formed pair (an emoji) is ordinary text.
  const pair = await admin.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10, userId: 'zhang😀' });
  assert.equal(pair.status, 200, pair.raw.body);
});

test('a lone surrogate in /open/clue/collect event data (jsonb) is refused with 400 after the signature check, nothing stored', async () => {
  const credentials = await openApp(t.db, 'hostile');
  const count = async () => Number((await t.db.execute<{ n: number }>(sql`SELECT (SELECT count(*) FROM lead) + (SELECT count(*) FROM customer_event WHERE type = 'lead') AS n`)).rows[0].n);
  const before = await count();
  // The last: NUL hidden 70 levels down the open-ended event data.
  let deep: unknown = 'a\u0000';
  for (let level = 0; level < 70; level++) deep = { nested: deep };
  for (const data of [{ note: 'a\ud800b' }, { ['k\udc00']: 1 }, { note: 'nul\u0000' }, { deep }]) {
    const response = await signedPost(t.app, credentials, '/scrm/open/clue/collect', { requestId: `hostile-${Object.keys(data)[0]}`, phone: '13900000009', events: [{ type: 'page_visit', data }] }, t.clock.now);
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.code, '400');
  }
  assert.equal(await count(), before);
  // Unsigned, the same body is refused for its missing signature, not for its content.
  const unsigned = await t.anonymous.post('/scrm/open/clue/collect', { requestId: 'x', events: [{ type: 'a', data: { note: 'a\ud800' } }] });
  assert.equal(unsigned.status, 401);
});

test('without a valid token an admin route answers 401 whatever the body: authentication runs before validation', async () => {
  const bad = await t.anonymous.post('/scrm/admin/sys/user/save', { username: 1, nonsense: [1, 2, 3] });
  assert.equal(bad.status, 401, bad.raw.body);
  assert.equal(bad.body.code, '401');
  assert.equal(bad.body.date, null, 'nothing about the schema is listed');
  const malformed = await t.app.inject({ method: 'POST', url: '/scrm/admin/sys/user/save', payload: '{"username":', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 401);
  const wrongType = await t.app.inject({ method: 'POST', url: '/scrm/admin/sys/user/save', payload: 'x', headers: { 'content-type': 'application/x-unknown' } });
  assert.equal(wrongType.statusCode, 401);
  const nul = await t.anonymous.post('/scrm/admin/sys/user/page', { username: '\u0000' });
  assert.equal(nul.status, 401);
  const forged = await t.anonymous.post('/scrm/admin/sys/user/save', { username: 1 }, { token: 'forged.token.value' });
  assert.equal(forged.status, 401);
});

test('a truncated multipart body is answered 400, not 500 (avatar, media, lead import)', async () => {
  const uploads: { url: string; file: { field: string; name: string; type: string; content: Buffer }; fields: Record<string, string> }[] = [
    { url: '/scrm/admin/sys/user/uploadAvatar', file: { field: 'file', name: 'a.png', type: 'image/png', content: PNG }, fields: {} },
    { url: '/scrm/admin/media/upload', file: { field: 'file', name: 'a.png', type: 'image/png', content: PNG }, fields: { type: 'image', scope: '1', title: 't' } },
    { url: '/scrm/admin/clue/import', file: { field: 'file', name: 'a.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: Buffer.alloc(400, 7) }, fields: {} },
  ];
  for (const upload of uploads) {
    const { payload, contentType } = multipart(upload.file, upload.fields);
    for (const cut of [payload.length - 20, payload.length - upload.file.content.length - 30]) {
      const response = await t.app.inject({ method: 'POST', url: upload.url, payload: payload.subarray(0, cut), headers: { token: admin.token, 'content-type': contentType } });
      assert.equal(response.statusCode, 400, `${upload.url} cut at ${cut}: ${response.body}`);
      assert.equal(response.json().code, '400');
    }
    const noBoundary = await t.app.inject({ method: 'POST', url: upload.url, payload: 'garbage', headers: { token: admin.token, 'content-type': 'multipart/form-data' } });
    assert.ok(noBoundary.statusCode >= 400 && noBoundary.statusCode < 500, `${upload.url} without boundary: ${noBoundary.statusCode} ${noBoundary.body}`);
    assert.equal(noBoundary.json().code, String(noBoundary.statusCode));
  }
  const { payload, contentType } = multipart({ field: 'file', name: 'a\u0000.png', type: 'image/png', content: PNG }, { type: 'image', scope: '1', title: 'ti\u0000tle' });
  const nulField = await t.app.inject({ method: 'POST', url: '/scrm/admin/media/upload', payload, headers: { token: admin.token, 'content-type': contentType } });
  assert.equal(nulField.statusCode, 400, nulField.body);
});

/** Sends raw bytes on a socket and resolves with what came back and when (ms), or the timeout. */
function rawExchange(port: number, request: Buffer | string, options: { timeoutMs: number; endAfterWrite?: boolean }) {
  return new Promise<{ data: string; closed: boolean; ms: number }>((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(request);
  });
}

test('over the network: a 413 upload is answered at once and the connection closed; a huge URL gets 431 in the envelope', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as AddressInfo;

  // An avatar of 5 MB announced, 3 MB sent; the limit is 2 MB. Keep-alive: the client waits for the answer.
  const boundary = 'b0undary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
  const announced = head.length + 5 * 1024 * 1024 + `\r\n--${boundary}--\r\n`.length;
  const request = Buffer.concat([
    Buffer.from(
      `POST /scrm/admin/sys/user/uploadAvatar HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\ntoken: ${admin.token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${announced}\r\n\r\n${head}`,
    ),
    PNG,
    Buffer.alloc(3 * 1024 * 1024, 1),
  ]);
  const upload = await rawExchange(port, request, { timeoutMs: 5000 });
  assert.match(upload.data, /^HTTP\/1\.1 413/, upload.data.slice(0, 200));
  assert.match(upload.data, /connection: close/i);
  assert.ok(upload.closed, `the server closes the connection (${upload.ms} ms)`);
  assert.ok(upload.ms < 4000, `answered at once, not after the client gives up (${upload.ms} ms)`);
  const body = JSON.parse(upload.data.slice(upload.data.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').split('\r\n')[0]);
  assert.equal(body.code, '413');

  // A JSON body over the 1 MB limit, announced by Content-Length.
  const json = await rawExchange(port, `POST /scrm/admin/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${3 * 1024 * 1024}\r\n\r\n{"username":"`, { timeoutMs: 5000 });
  assert.match(json.data, /^HTTP\/1\.1 413/);
  assert.ok(json.closed && json.ms < 4000, `closed at once (${json.ms} ms)`);

  // 100k characters of query string: Node refuses the request line; the answer is still the envelope.
  const long = await rawExchange(port, `GET /scrm/admin/sys/user/get?id=1&x=${'a'.repeat(100_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`, { timeoutMs: 5000 });
  assert.match(long.data, /^HTTP\/1\.1 431/, long.data.slice(0, 200));
  const longBody = JSON.parse(long.data.slice(long.data.indexOf('\r\n\r\n') + 4));
  assert.equal(longBody.code, '431');
  assert.equal(typeof longBody.msg, 'string');
  assert.ok('date' in longBody);

  // A request that is not HTTP at all.
  const garbage = await rawExchange(port, 'HELLO\r\n\r\n', { timeoutMs: 5000 });
  assert.match(garbage.data, /^HTTP\/1\.1 400/);
  assert.equal(JSON.parse(garbage.data.slice(garbage.data.indexOf('\r\n\r\n') + 4)).code, '400');
});

test('URLs the router refuses (bad percent-encoding) and static files refused by path are answered in the envelope', async () => {
  for (const url of ['/scrm/files/avatar/%ED%A0%80', '/scrm/admin/sys/user/%E0%A4%A', '/scrm/docs/static/%00', '/scrm/docs/static/..%2f..%2fpackage.json']) {
    const response = await t.app.inject({ url, headers: { 'accept-language': 'en' } });
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url}: ${response.statusCode}`);
    const body = response.json();
    assert.deepEqual(Object.keys(body), ['code', 'msg', 'date'], `${url}: ${response.body}`);
    assert.equal(body.code, String(response.statusCode));
    assert.doesNotMatch(body.msg, /\{\w+\}/, `${url}: no unfilled placeholder (${body.msg})`);
  }
});

test('a value PostgreSQL refuses (class 22, index row too large) is recognised through driver wrappers; other errors are not', () => {
  assert.equal(databaseValueErrorCode(Object.assign(new Error('Failed query'), { cause: Object.assign(new Error('out of range'), { code: '22003' }) })), '22003');
  assert.equal(databaseValueErrorCode({ code: '54000' }), '54000');
  assert.equal(databaseValueErrorCode({ code: '23505' }), null, 'a unique violation is not the caller’s value');
  assert.equal(databaseValueErrorCode(new Error('boom')), null);
});
