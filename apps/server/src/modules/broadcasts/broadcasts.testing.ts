/** Helpers for the broadcasts module's tests. */
import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { createWecomTestEnv, type WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import type { AppDeps } from '../../app.ts';

import { ok } from '../leads/leads.testing.ts';

export { ok, fails } from '../leads/leads.testing.ts';

export type Kind = 'customer' | 'group' | 'moment';

const base = (kind: Kind) => `/scrm/admin/broadcast/${kind}`;

export const saveBroadcast = (client: TestClient, kind: Kind, body: Record<string, unknown>) => ok(client.post(`${base(kind)}/save`, body));
export const preview = (client: TestClient, kind: Kind, id: number) => ok(client.post(`${base(kind)}/preview`, { id }));
export const getBroadcast = (client: TestClient, kind: Kind, id: number) => ok(client.get(`${base(kind)}/get`, { id }));
export const stat = (client: TestClient, kind: Kind, id: number) => ok(client.post(`${base(kind)}/stat`, { id }));
export const recipients = (client: TestClient, kind: Kind, id: number, filters: Record<string, unknown> = {}) =>
  ok(client.post(`${base(kind)}/recipients/page`, { id, pageSize: 500, ...filters }));
export const post = (client: TestClient, kind: Kind, action: string, body: unknown) => client.post(`${base(kind)}/${action}`, body);

/** Waits until the broadcast leaves `sending`/`scheduled` (the dispatch job ran); its record. */
export async function waitDispatched(client: TestClient, kind: Kind, id: number, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await getBroadcast(client, kind, id);
    if (record.status !== 'sending' && record.status !== 'scheduled') return record;
    if (Date.now() > deadline) throw new Error(`broadcast ${id} still ${record.status}: ${JSON.stringify(record.chunks)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The simulator's 群发 messages whose text is `text` (what SCRM created in WeCom). */
export function simMessages(env: WecomTestEnv, text: string) {
  return [...env.sim.state.groupMsgIndex.values()].filter((message) => message.text?.content === text);
}

/** Employees (sim) with customer contact and at least `min` customers. */
export function employeesWithCustomers(env: WecomTestEnv, min = 2) {
  return [...env.sim.state.employees.values()].filter((e) => e.customerContact && e.resignedAt === undefined && env.sim.state.relationList(e.userid).length >= min);
}

/** A local corp tag id by its WeCom id. */
export async function localTagId(env: WecomTestEnv, wecomTagId: string): Promise<number> {
  const found = await env.db.execute<{ id: number }>(sql`SELECT id FROM tag WHERE wecom_tag_id = ${wecomTagId}`);
  assert.ok(found.rows[0], `corp tag ${wecomTagId} is mirrored`);
  return Number(found.rows[0].id);
}

export async function auditActions(env: WecomTestEnv, targetId: number): Promise<string[]> {
  const found = await env.db.execute<{ action: string }>(sql`SELECT action FROM sys_audit_log WHERE target_type = 'broadcast' AND target_id = ${String(targetId)} ORDER BY id`);
  return found.rows.map((row) => row.action);
}

/**
 * The simulated corp, synced; three senders sharing a corp tag among their customers; the plan the issue states.
 * `deps`: app dependencies for the test (e.g. smaller broadcast chunks).
 */
export async function createBroadcastTestEnv(options: { deps?: Partial<AppDeps> } = {}) {
  const env = await createWecomTestEnv({ sizes: { employees: 8, customers: 60, groups: 4 }, simulator: { moments: { jobSeconds: 0 } }, deps: options.deps });
  const admin = await env.login();
  await env.syncOrg();
  await env.runJob('tags.corp.sync');
  await env.runJob('customers.sync');
  await env.runJob('groups.sync');
  // The corp tag carried by relations of the most employees.
  const byTag = new Map<string, Set<string>>();
  for (const employee of employeesWithCustomers(env)) {
    for (const relation of env.sim.state.relationList(employee.userid)) for (const tag of relation.tag_ids) byTag.set(tag, new Set([...(byTag.get(tag) ?? []), employee.userid]));
  }
  const [wecomTag, users] = [...byTag].sort((a, b) => b[1].size - a[1].size)[0];
  assert.ok(users.size >= 3, 'a corp tag on customers of three employees');
  const tagId = await localTagId(env, wecomTag);
  const senders = [...users].sort().slice(0, 3);

  /** The plan as the issue states it, from the simulator: customers with the tag, each to the chosen sender with the newest relation. */
  function expectedPlan(tag: string, chosen: string[]) {
    const segment = new Set<string>();
    // SCRM knows the customers of employees with 客户联系 (get_follow_user_list), as WeCom does.
    for (const employee of env.sim.state.employees.values()) {
      if (!employee.customerContact || employee.resignedAt !== undefined) continue;
      for (const relation of env.sim.state.relationList(employee.userid)) if (relation.tag_ids.includes(tag)) segment.add(relation.external_userid);
    }
    const assigned = new Map<string, string>();
    const notFriend: string[] = [];
    for (const customer of segment) {
      const candidates = chosen.map((userid) => env.sim.state.relation(userid, customer)).filter((relation) => relation !== undefined);
      if (!candidates.length) notFriend.push(customer);
      else assigned.set(customer, candidates.sort((a, b) => b.createtime - a.createtime)[0].userid);
    }
    return { assigned, notFriend };
  }
  return { env, admin, senders, tagId, wecomTag, expectedPlan };
}

/** Recipients per sender of a plan. */
export const perSender = (assigned: Map<string, string>) => {
  const counts = new Map<string, number>();
  for (const userid of assigned.values()) counts.set(userid, (counts.get(userid) ?? 0) + 1);
  return counts;
};
