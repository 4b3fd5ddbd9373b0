// 入群欢迎语素材 (API-FACTS-OPERATIONS §19) and chat sensitive-word rules (§21) as the simulator serves them:
// round trips through the client, each documented limit and errcode, who may change what, the admin view.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WecomApiError, WecomClient } from '@scrm/wecom';
import { GROUP_WELCOME_LIMITS, INTERCEPT_LIMITS } from './api/operations-config.ts';
import { createWecomSimulator, type WecomSimulator } from './simulator.ts';
import { rawApi, tokenFor } from './test-support.ts';

async function rejectsWith(promise: Promise<unknown>, errcode: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof WecomApiError && error.errcode === errcode);
}

describe('simulator 入群欢迎语素材 and 敏感词拦截', () => {
  let sim: WecomSimulator;
  let client: WecomClient;
  let call: ReturnType<typeof rawApi>;
  let token: string;
  let syncToken: string;
  let alice: string;
  let department: number;

  before(async () => {
    sim = createWecomSimulator({ seed: 'operations-config', settleIntervalMs: 0, sizes: { employees: 5, customers: 20, groups: 2 } });
    const baseUrl = await sim.listen();
    const { corpId, secret } = sim.credentials();
    client = new WecomClient({ corpId, secret, baseUrl, retry: { maxRetries: 0 } });
    call = rawApi(baseUrl);
    token = await tokenFor(sim);
    syncToken = await tokenFor(sim, 'contactSync');
    department = sim.actions.createDepartment({ name: '敏感词测试部', parentid: 1 }).id;
    alice = sim.actions.createEmployee({ userid: 'oc_alice', name: '拦截甲', department: [department] }).userid;
  });
  after(() => sim.close());

  it('group welcome templates: add/get/edit/del, one attachment by priority, byte limits, 100 per corp, only the creator edits', async () => {
    const image = await client.media.upload('image', { filename: 'a.png', data: Buffer.from('\x89PNG\r\n\x1a\nxxxxxxxx'), contentType: 'image/png' });
    const added = await client.groupWelcomeTemplates.add({
      text: { content: '欢迎 %NICKNAME% 入群' },
      link: { title: '活动', url: 'https://example.com/a', desc: '说明' },
      image: { media_id: image.media_id },
      notify: 0,
    });
    assert.match(added.template_id, /^msg/);
    // The image wins over the link; get gives the image by pic_url only.
    const got = await client.groupWelcomeTemplates.get(added.template_id);
    assert.deepEqual(got.text, { content: '欢迎 %NICKNAME% 入群' });
    assert.ok(got.image?.pic_url && !got.image.media_id);
    assert.equal(got.link, undefined);
    assert.equal(sim.state.groupWelcomeTemplates.get(added.template_id)!.notify, 0);

    await client.groupWelcomeTemplates.edit({ template_id: added.template_id, text: { content: '新的欢迎语' }, link: { title: '链接', url: 'https://example.com/b' } });
    const edited = await client.groupWelcomeTemplates.get(added.template_id);
    assert.deepEqual([edited.text?.content, edited.link?.title, edited.image], ['新的欢迎语', '链接', undefined]);

    // Limits: text ≤3000 bytes on add (4000 on edit), link.title ≤128 bytes, miniprogram.title ≤64, empty content, unknown media.
    await rejectsWith(client.groupWelcomeTemplates.add({ text: { content: '字'.repeat(1001) } }), 45002);
    await client.groupWelcomeTemplates.edit({ template_id: added.template_id, text: { content: '字'.repeat(1300) } });
    await rejectsWith(client.groupWelcomeTemplates.edit({ template_id: added.template_id, text: { content: '字'.repeat(1334) } }), 45002);
    await rejectsWith(client.groupWelcomeTemplates.add({ link: { title: '标'.repeat(43), url: 'https://example.com' } }), 40058);
    await rejectsWith(client.groupWelcomeTemplates.add({ miniprogram: { title: '标'.repeat(22), pic_media_id: image.media_id, appid: 'wx1', page: '/p' } }), 40058);
    await rejectsWith(client.groupWelcomeTemplates.add({}), 44004);
    await rejectsWith(client.groupWelcomeTemplates.add({ video: { media_id: 'nope' } }), 40007);
    await rejectsWith(client.groupWelcomeTemplates.get('msg-unknown'), 40058);

    // Only the app that made a template edits or deletes it (41058): one made with the other secret, one by an admin.
    const other = await call('POST', 'externalcontact/group_welcome_template/add', { text: { content: '通讯录应用' } }, syncToken);
    assert.equal(other.body.errcode, 0);
    await rejectsWith(client.groupWelcomeTemplates.del({ template_id: other.body.template_id }), 41058);
    const byAdmin = sim.actions.adminAddGroupWelcomeTemplate({ text: { content: '管理员' } });
    await rejectsWith(client.groupWelcomeTemplates.edit({ template_id: byAdmin.template_id, text: { content: 'x' } }), 41058);

    // 100 per corp (41055); deleting one makes room.
    while (sim.state.groupWelcomeTemplates.size < GROUP_WELCOME_LIMITS.templates) await client.groupWelcomeTemplates.add({ text: { content: `模板${sim.state.groupWelcomeTemplates.size}` } });
    await rejectsWith(client.groupWelcomeTemplates.add({ text: { content: '第 101 个' } }), 41055);
    await client.groupWelcomeTemplates.del({ template_id: added.template_id });
    await rejectsWith(client.groupWelcomeTemplates.get(added.template_id), 40058);
    await client.groupWelcomeTemplates.add({ text: { content: '第 100 个' } });

    const view = (await (await fetch(`${sim.url}/sim/group-welcome-templates`)).json()) as { group_welcome_templates: Array<{ created_by: string }> };
    assert.equal(view.group_welcome_templates.length, 100);
    assert.deepEqual([...new Set(view.group_welcome_templates.map((template) => template.created_by))].sort(), ['admin', 'app', 'contactSync']);
  });

  it('intercept rules: add/list/get/update/del with their limits and errcodes; admin-made rules are listed but not changed', async () => {
    const rules = client.interceptRules;
    const { rule_id } = await rules.add({ rule_name: '手机号拦截', word_list: ['加微信', '私聊'], semantics_list: [1, 2], intercept_type: 1, applicable_range: { user_list: [alice], department_list: [department] } });
    const list = await rules.list();
    assert.deepEqual(list.rule_list.map((rule) => rule.rule_name), ['手机号拦截']);
    const { rule } = await rules.get(rule_id);
    assert.deepEqual(
      [rule.rule_name, rule.word_list, rule.extra_rule?.semantics_list, rule.intercept_type, rule.applicable_range],
      ['手机号拦截', ['加微信', '私聊'], [1, 2], 1, { user_list: [alice], department_list: [department] }],
    );

    // Update: only given fields change; an empty word_list is ignored, an empty semantics_list clears; ranges add and remove.
    await rules.update({ rule_id, rule_name: '联系方式', word_list: [], extra_rule: { semantics_list: [] }, intercept_type: 2, remove_applicable_range: { department_list: [department] } });
    const updated = (await rules.get(rule_id)).rule;
    assert.deepEqual(
      [updated.rule_name, updated.word_list, updated.extra_rule?.semantics_list, updated.intercept_type, updated.applicable_range],
      ['联系方式', ['加微信', '私聊'], [], 2, { user_list: [alice], department_list: [] }],
    );
    await rejectsWith(rules.update({ rule_id, remove_applicable_range: { user_list: [alice] } }), 40058);

    // Limits: name 1~20 characters and unique, ≤300 words of 1~32 characters, semantics 1..3, type 1|2, range ≤1000 and visible.
    const base = { word_list: ['词'], intercept_type: 1 as const, applicable_range: { user_list: [alice] } };
    await rejectsWith(rules.add({ ...base, rule_name: '名'.repeat(INTERCEPT_LIMITS.nameCharacters + 1) }), 40058);
    await rejectsWith(rules.add({ ...base, rule_name: '联系方式' }), 41077);
    await rejectsWith(rules.add({ ...base, rule_name: '多', word_list: Array.from({ length: 301 }, (_, index) => `词${index}`) }), 41068);
    await rejectsWith(rules.add({ ...base, rule_name: '长', word_list: ['字'.repeat(33)] }), 41083);
    await rejectsWith(rules.add({ ...base, rule_name: '空', word_list: [] }), 41083);
    await rejectsWith(rules.add({ ...base, rule_name: '语义', semantics_list: [4 as never] }), 41084);
    await rejectsWith(rules.add({ ...base, rule_name: '类型', intercept_type: 3 as never }), 40058);
    await rejectsWith(rules.add({ ...base, rule_name: '范围', applicable_range: {} }), 40058);
    await rejectsWith(rules.add({ ...base, rule_name: '人多', applicable_range: { user_list: Array.from({ length: 1001 }, (_, index) => `u${index}`) } }), 41076);
    await rejectsWith(rules.add({ ...base, rule_name: '无人', applicable_range: { user_list: ['nobody'] } }), 60111);
    await rejectsWith(rules.add({ ...base, rule_name: '无部门', applicable_range: { department_list: [987654] } }), 60123);
    // Both forms of semantics_list are accepted (§26).
    const extraForm = await call('POST', 'externalcontact/add_intercept_rule', { ...base, rule_name: '红包', extra_rule: { semantics_list: [3] } }, token);
    assert.deepEqual((await rules.get(extraForm.body.rule_id)).rule.extra_rule?.semantics_list, [3]);

    // A rule made in WeCom's admin console is listed; the app may not change or delete it.
    const admin = sim.actions.adminAddInterceptRule({ rule_name: '后台规则', word_list: ['返现'], intercept_type: 2, applicable_range: { department_list: [department] } });
    assert.ok((await rules.list()).rule_list.some((entry) => entry.rule_id === admin.rule_id));
    await rejectsWith(rules.del(admin.rule_id), 48002);

    // Deleted: 41071; unknown: 41070. 100 per corp: 41069.
    await rules.del(extraForm.body.rule_id);
    await rejectsWith(rules.get(extraForm.body.rule_id), 41071);
    await rejectsWith(rules.get('no-such-rule'), 41070);
    while (sim.state.interceptRules.size < INTERCEPT_LIMITS.rules) await rules.add({ ...base, rule_name: `规则${sim.state.interceptRules.size}` });
    await rejectsWith(rules.add({ ...base, rule_name: '第101条' }), 41069);

    const view = (await (await fetch(`${sim.url}/sim/intercept-rules`)).json()) as { intercept_rules: Array<{ rule_name: string; created_by: string }> };
    assert.equal(view.intercept_rules.length, 100);
    assert.equal(view.intercept_rules.find((entry) => entry.rule_name === '后台规则')?.created_by, 'admin');
  });
});
