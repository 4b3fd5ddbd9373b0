import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateCorp } from './generator.ts';
import { SimState } from './state.ts';

function relationCount(state: SimState): number {
  let count = 0;
  for (const byUser of state.relationsByUser.values()) count += byUser.size;
  return count;
}

describe('demo corp generator', () => {
  it('is deterministic: the same seed gives a byte-identical snapshot', () => {
    const first = JSON.stringify(generateCorp({ seed: 42 }).toJSON());
    const second = JSON.stringify(generateCorp({ seed: 42 }).toJSON());
    assert.equal(first, second);
    assert.notEqual(JSON.stringify(generateCorp({ seed: 43 }).toJSON()), first);
  });

  it('honours the default sizes with realistic data', () => {
    const state = generateCorp({ seed: 'sizes' });
    assert.equal(state.departments.size, 8);
    assert.equal(state.employees.size, 30);
    assert.equal(state.customers.size, 1000);
    assert.equal(state.groupChats.size, 40);
    assert.equal(state.tagGroups.size, 3);
    assert.equal(state.departments.get(1)?.parentid, 0);
    const relations = relationCount(state);
    assert.ok(relations >= 1300 && relations <= 1700, `about 1.5 follow users per customer, got ${relations}`);
    for (const employee of state.employees.values()) {
      assert.match(employee.name, /^[\u4e00-\u9fa5]{2,4}$/);
      assert.match(employee.mobile, /^1[3-9]\d{9}$/);
      assert.match(employee.userid, /^[a-z]+\d*$/);
      for (const id of employee.department) assert.ok(state.departments.has(id));
    }
    for (const customer of state.customers.values()) {
      assert.match(customer.external_userid, customer.type === 1 ? /^wm/ : /^wo/);
      if (customer.type === 1) assert.ok(customer.unionid);
      else assert.ok(customer.corp_full_name?.endsWith('有限公司'));
    }
    for (const group of state.tagGroups.values()) assert.match(group.group_id, /^et/);
    for (const way of state.contactWays.values()) assert.match(way.config_id, /^[0-9a-f]{32}$/);
    for (const link of state.acquisitionLinks.values()) assert.equal(link.url, `https://work.weixin.qq.com/ca/${link.link_id}`);
    // Every member of a generated group is someone the corp knows.
    for (const chat of state.groupChats.values()) {
      for (const member of chat.member_list) {
        assert.ok(member.type === 1 ? state.employees.has(member.userid) : state.customers.has(member.userid));
      }
      assert.match(chat.member_version, /^[0-9a-f]{32}$/);
    }
  });

  it('generates a large corp (500 employees, 100,000 customers) in a few seconds', () => {
    // CPU time, not wall time: test files run in parallel on a shared machine.
    const started = process.cpuUsage();
    const state = generateCorp({ seed: 'large', sizes: { employees: 500, customers: 100_000, departments: 40, groups: 1000 } });
    const used = process.cpuUsage(started);
    const elapsed = (used.user + used.system) / 1000;
    assert.equal(state.customers.size, 100_000);
    assert.equal(state.employees.size, 500);
    assert.ok(relationCount(state) > 140_000, 'about 150,000 follow relations');
    assert.ok(elapsed < 6000, `took ${Math.round(elapsed)} ms of CPU`);
  });

  it('round-trips through toJSON/fromJSON without changing a byte, indexes rebuilt', () => {
    const original = generateCorp({ seed: 'snapshot' });
    const snapshot = original.toJSON();
    const restored = SimState.fromJSON(JSON.parse(JSON.stringify(snapshot)));
    assert.equal(JSON.stringify(restored.toJSON()), JSON.stringify(snapshot));
    const [userid, relations] = [...original.relationsByUser.entries()].find(([, byUser]) => byUser.size > 0)!;
    const [externalUserId] = relations.keys();
    assert.ok(restored.relation(userid, externalUserId));
    assert.ok(restored.relationsByCustomer.get(externalUserId)?.has(userid));
    // The id sequence continues where it left off instead of reissuing ids.
    assert.equal(restored.newChatId(), original.newChatId());
  });
});
