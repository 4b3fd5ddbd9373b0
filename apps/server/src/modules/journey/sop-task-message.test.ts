// The SOP task's app message, a pure function: what the employee reads in WeCom names the customer or group in words,
// never by a WeCom id, for every kind of task, named or not, new or handed over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sopTaskMessage } from './sop.evaluator.ts';
import type { SopTaskRow } from './sop.repository.ts';

const base: SopTaskRow = {
  id: 7,
  ruleId: 3,
  kind: 'customer',
  enrollmentId: 11,
  stepId: 's1',
  subjectKey: 'c:wmCustomerId',
  occurrence: 'once',
  externalUserid: 'wmCustomerId',
  chatId: null,
  userid: 'seller',
  ruleName: '新客跟进',
  stepName: '首次问候',
  text: '发送欢迎语',
  mediaIds: [],
  dueAt: new Date('2026-12-01T01:00:00Z'),
  overdueAt: new Date('2026-12-01T09:00:00Z'),
  state: 'pending',
  doneAt: null,
  doneBy: null,
  ctime: new Date('2026-12-01T01:00:00Z'),
};
const formatTime = (date: Date) => date.toISOString().slice(0, 16).replace('T', ' ');
const firstLine = (customerName: string | null, groupName: string | null, kind: SopTaskRow['kind'] = 'customer') =>
  sopTaskMessage({ ...base, kind, chatId: kind === 'group' ? 'wrChatId' : null, customerName, groupName }, formatTime, '/ops/todo').content.split('\n')[0];

test('the task message names the customer or group, in words when SCRM has no name, never by id', () => {
  const cases: Array<[SopTaskRow['kind'], string | null, string | null, string]> = [
    ['customer', '张三', null, '客户：张三'],
    ['customer', null, null, '客户：未知客户'],
    ['customer', '', null, '客户：未知客户'],
    ['group', null, '门店一群', '客户群：门店一群'],
    ['group', null, null, '客户群：未命名群'],
    ['group', null, '', '客户群：未命名群'],
    ['group', '李四', '门店一群', '客户群：门店一群（新成员：李四）'],
    ['group', '李四', null, '客户群：未命名群（新成员：李四）'],
  ];
  for (const [kind, customerName, groupName, expected] of cases) {
    const line = firstLine(customerName, groupName, kind);
    assert.equal(line, expected, `${kind} ${customerName} ${groupName}`);
    assert.ok(!/wm|wr/.test(line), line);
  }
});

test('the task message: step and text, deadline (overdue said so), a handed-over task its own title, line and dedupe key', () => {
  const fresh = sopTaskMessage({ ...base, customerName: '张三', groupName: null }, formatTime, 'https://scrm.example/ops/todo');
  assert.deepEqual(fresh, {
    userid: 'seller',
    kind: 'sop.task',
    title: 'SOP待办：新客跟进',
    content: '客户：张三\n首次问候：发送欢迎语\n截止：2026-12-01 09:00',
    url: 'https://scrm.example/ops/todo',
    btntxt: '去处理',
    dedupeKey: 'sop-task:7',
  });
  const moved = sopTaskMessage({ ...base, state: 'overdue', stepName: '', customerName: '张三', groupName: null }, formatTime, '/ops/todo', { fromName: '王五', cause: 'transfer:9' });
  assert.equal(moved.title, 'SOP待办（转交）：新客跟进');
  assert.equal(moved.content, '客户：张三\n发送欢迎语\n截止：2026-12-01 09:00（已逾期）\n由王五转交给你（客户或群已转接）');
  assert.equal(moved.dedupeKey, 'sop-task:7:moved:transfer:9');
});
