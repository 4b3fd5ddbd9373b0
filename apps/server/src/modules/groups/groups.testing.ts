/** Helpers for the groups module's tests: expected rows from the simulator's state, days. */
import assert from 'node:assert/strict';
import type { WecomSimulator } from '@scrm/wecom-sim';

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A stored group as the API shows it, expected from the simulator's group. */
export function expectedGroup(sim: WecomSimulator, chatId: string) {
  const chat = sim.state.groupChats.get(chatId);
  assert.ok(chat, `simulator has group ${chatId}`);
  return {
    chatId,
    name: chat.name,
    owner: chat.owner,
    notice: chat.notice,
    adminList: chat.admin_list.map((admin) => admin.userid),
    status: chat.status,
    dismissed: chat.dismissed,
    createTime: iso(chat.create_time),
    memberVersion: chat.member_version,
    memberCount: chat.member_list.length,
    customerCount: chat.member_list.filter((member) => member.type === 2).length,
  };
}

/** The current members of a simulator group as the API shows them (sorted by userid). */
export function expectedMembers(sim: WecomSimulator, chatId: string) {
  const chat = sim.state.groupChats.get(chatId);
  assert.ok(chat);
  return chat.member_list
    .map((member) => ({
      chatId,
      userid: member.userid,
      type: member.type,
      unionid: member.unionid ?? null,
      name: member.name,
      groupNickname: member.group_nickname,
      joinTime: iso(member.join_time),
      joinScene: member.join_scene,
      invitor: member.invitor?.userid ?? null,
      state: member.state ?? '',
      quitTime: null,
      quitScene: null,
    }))
    .sort((a, b) => (a.userid < b.userid ? -1 : 1));
}

/** ms of a wall-clock time in Asia/Shanghai: `shanghai('2030-01-02', '10:05')`. */
export const shanghai = (day: string, time: string): number => Date.parse(`${day}T${time}:00+08:00`);

/** The day `offset` days after `day`. */
export const addDays = (day: string, offset: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
