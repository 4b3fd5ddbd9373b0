import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WecomApiError, type ExternalChatEvent, type GroupChat } from '@scrm/wecom';
import { applyExternalChatEvent, type GroupEventDeps } from './group-events.ts';
import { daysBetween, dayOf } from './group-days.ts';

const chat: GroupChat = { chat_id: 'wrChat', name: '群', owner: 'zhangsan', create_time: 1_700_000_000, member_list: [], member_version: 'v2' };

/** Fakes that record what the event did; `stored` is the stored group's version (null: not stored). */
function fakes(stored: { memberVersion: string; dismissed: boolean } | null, fetched: GroupChat | null = chat) {
  const calls: string[] = [];
  const deps: GroupEventDeps = {
    wecom: {
      groupChats: {
        get: async (chatId: string) => {
          calls.push(`get ${chatId}`);
          if (!fetched) throw new WecomApiError(86003, 'chatid not exist', 'externalcontact/groupchat/get');
          return { errcode: 0, errmsg: 'ok', group_chat: fetched };
        },
      } as never,
    },
    writes: {
      groupVersion: async () => stored,
      storeGroups: async (snapshots) => {
        calls.push(`store ${snapshots.map((snapshot) => snapshot.chat.chat_id).join()}`);
        return { quits: 0, skipped: 0 };
      },
      attributeQuits: async (chatId, userids, scene, at) => {
        calls.push(`attribute ${chatId} ${userids.join()} scene=${scene} at=${at.getTime() / 1000}`);
        return userids.length;
      },
      markDismissed: async (chatIds, at) => {
        calls.push(`dismiss ${chatIds.join()} at=${at.getTime() / 1000}`);
        return chatIds.length;
      },
    },
    now: () => 1_800_000_000_000,
  };
  return { deps, calls };
}

const event = (fields: Partial<ExternalChatEvent>): ExternalChatEvent =>
  ({ kind: 'change_external_chat', toUserName: 'corp', fromUserName: 'sys', createTime: 1_700_000_100, msgType: 'event', chatId: 'wrChat', changeType: 'update', ...fields }) as ExternalChatEvent;

test('dismiss marks the group dismissed at the event time, without a fetch', async () => {
  const { deps, calls } = fakes({ memberVersion: 'v1', dismissed: false });
  assert.equal(await applyExternalChatEvent(deps, event({ changeType: 'dismiss' })), 'dismissed');
  assert.deepEqual(calls, ['dismiss wrChat at=1700000100']);
});

test('create and every update detail fetch the group, unless a member event carries the stored version', async () => {
  const cases: Array<[Partial<ExternalChatEvent>, { memberVersion: string; dismissed: boolean } | null, string]> = [
    [{ changeType: 'create' }, null, 'fetched'],
    [{ changeType: 'create' }, { memberVersion: 'v2', dismissed: false }, 'fetched'],
    [{ updateDetail: 'add_member', curMemVer: 'v2' }, { memberVersion: 'v1', dismissed: false }, 'fetched'],
    [{ updateDetail: 'add_member', curMemVer: 'v2' }, { memberVersion: 'v2', dismissed: false }, 'up-to-date'],
    [{ updateDetail: 'add_member', curMemVer: 'v2' }, null, 'fetched'],
    [{ updateDetail: 'add_member', curMemVer: 'v2' }, { memberVersion: 'v2', dismissed: true }, 'fetched'],
    [{ updateDetail: 'add_member' }, { memberVersion: 'v2', dismissed: false }, 'fetched'],
    [{ updateDetail: 'change_name', curMemVer: 'v2' }, { memberVersion: 'v2', dismissed: false }, 'fetched'],
    [{ updateDetail: 'change_notice' }, { memberVersion: 'v2', dismissed: false }, 'fetched'],
    [{ updateDetail: 'change_owner', curMemVer: 'v2' }, { memberVersion: 'v2', dismissed: false }, 'fetched'],
  ];
  for (const [fields, stored, outcome] of cases) {
    const { deps, calls } = fakes(stored);
    assert.equal(await applyExternalChatEvent(deps, event(fields)), outcome, JSON.stringify(fields));
    assert.deepEqual(calls, outcome === 'fetched' ? ['get wrChat', 'store wrChat'] : [], JSON.stringify(fields));
  }
});

test('del_member attributes the quit scene and time to the members it names, also when no fetch is needed', async () => {
  const quit: Partial<ExternalChatEvent> = { updateDetail: 'del_member', quitScene: 1, memChangeList: ['wmA', 'wmB'], curMemVer: 'v2' };
  const upToDate = fakes({ memberVersion: 'v2', dismissed: false });
  assert.equal(await applyExternalChatEvent(upToDate.deps, event(quit)), 'up-to-date');
  assert.deepEqual(upToDate.calls, ['attribute wrChat wmA,wmB scene=1 at=1700000100']);
  const stale = fakes({ memberVersion: 'v1', dismissed: false });
  await applyExternalChatEvent(stale.deps, event({ ...quit, quitScene: undefined }));
  assert.deepEqual(stale.calls, ['get wrChat', 'store wrChat', 'attribute wrChat wmA,wmB scene=null at=1700000100']);
});

test('a group WeCom no longer knows is marked dismissed', async () => {
  const { deps, calls } = fakes({ memberVersion: 'v1', dismissed: false }, null);
  assert.equal(await applyExternalChatEvent(deps, event({ updateDetail: 'change_name' })), 'dismissed');
  assert.deepEqual(calls, ['get wrChat', 'dismiss wrChat at=1700000100']);
});

test('days in Asia/Shanghai', () => {
  assert.equal(dayOf(Date.parse('2026-01-01T15:59:59Z'), 'Asia/Shanghai'), '2026-01-01');
  assert.equal(dayOf(Date.parse('2026-01-01T16:00:00Z'), 'Asia/Shanghai'), '2026-01-02');
  assert.deepEqual(daysBetween('2025-12-30', '2026-01-02'), ['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
  assert.deepEqual(daysBetween('2024-02-28', '2024-03-01'), ['2024-02-28', '2024-02-29', '2024-03-01']);
  assert.deepEqual(daysBetween('2026-01-02', '2026-01-01'), []);
});
