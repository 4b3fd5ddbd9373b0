import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';

let env: WecomTestEnv;
let admin: Awaited<ReturnType<WecomTestEnv['login']>>;

before(async () => {
  env = await createWecomTestEnv({ eventWorker: { pollIntervalMs: 30, backoffBaseMs: 60_000, maxAttempts: 3, leaseMs: 30_000 } });
  admin = await env.login();
});
after(() => env?.close());

const contactXml = (corpId: string, externalUserId: string, createTime = 1_700_000_123) =>
  `<xml><ToUserName><![CDATA[${corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime>` +
  `<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[del_follow_user]]></ChangeType>` +
  `<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[${externalUserId}]]></ExternalUserID></xml>`;

async function postSigned(plaintext: string) {
  const { query, body } = env.wecom.crypto.sealCallback(plaintext);
  return env.app.inject({ method: 'POST', url: '/scrm/wx/portal', query: query as unknown as Record<string, string>, payload: body, headers: { 'content-type': 'text/xml' } });
}

test('a signed callback with a 300 KB ExternalUserID is kept as a dead letter under a bounded key and answered success; a redelivery is recognised', async () => {
  const huge = `wm${'x'.repeat(300_000)}`;
  const first = await postSigned(contactXml(env.wecom.corpId, huge));
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.body, 'success');
  const again = await postSigned(contactXml(env.wecom.corpId, huge));
  assert.equal(again.statusCode, 200);
  assert.equal(again.body, 'success');

  const rows = await env.db.execute<{ id: number; event_key: string; status: string; last_error: string | null; xml: string }>(
    sql`SELECT id, event_key, status, last_error, xml FROM wx_event WHERE event = 'change_external_contact' AND length(xml) > 300000`,
  );
  assert.equal(rows.rows.length, 1, 'stored once: the redelivery has the same bounded key');
  const row = rows.rows[0];
  assert.ok(row.event_key.length <= 1024, `bounded key (${row.event_key.length})`);
  assert.equal(row.status, 'dead', 'never applied, never retried');
  assert.match(row.last_error ?? '', /over-long/);
  assert.ok(row.xml.includes(huge), 'nothing is lost: the XML is kept whole');

  // An administrator sees it among the dead letters.
  const page = await admin.post('/scrm/admin/event/page', { pageNum: 1, pageSize: 10, status: 'dead' });
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.ok(page.body.date.records.some((record: { id: number; lastError: string | null }) => Number(record.id) === Number(row.id) && /over-long/.test(record.lastError ?? '')));

  // An ordinary event is still stored normally.
  const normal = await postSigned(contactXml(env.wecom.corpId, 'wm-normal', 1_700_000_124));
  assert.equal(normal.statusCode, 200);
  const normalRow = await env.db.execute<{ status: string }>(sql`SELECT status FROM wx_event WHERE xml LIKE '%wm-normal%'`);
  assert.notEqual(normalRow.rows[0].status, 'dead');
});

test('the test entry refuses NUL and lone surrogates with 400; a signed callback holding them is kept clean as a dead letter', async () => {
  const before = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wx_event`);
  const nul = await admin.post('/scrm/wx/portal/test', { xml: contactXml(env.wecom.corpId, 'wm\u0000nul') });
  assert.equal(nul.status, 400, JSON.stringify(nul.body));
  const surrogate = await admin.post('/scrm/wx/portal/test', { xml: contactXml(env.wecom.corpId, 'wm\ud800') });
  assert.equal(surrogate.status, 400);
  const raw = await env.app.inject({ method: 'POST', url: '/scrm/wx/portal/test', payload: contactXml(env.wecom.corpId, 'wm\u0000nul'), headers: { token: admin.token, 'content-type': 'text/xml' } });
  assert.equal(raw.statusCode, 400, raw.body);
  const after = await env.db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wx_event`);
  assert.equal(after.rows[0].count, before.rows[0].count, 'nothing stored');

  const signed = await postSigned(contactXml(env.wecom.corpId, 'wm\u0000signed'));
  assert.ok(signed.statusCode < 500, `${signed.statusCode} ${signed.body}`);
  if (signed.statusCode === 200) {
    const row = await env.db.execute<{ status: string; xml: string }>(sql`SELECT status, xml FROM wx_event WHERE xml LIKE '%signed%'`);
    assert.equal(row.rows[0].status, 'dead');
    assert.ok(!row.rows[0].xml.includes('\u0000'));
  }
});
