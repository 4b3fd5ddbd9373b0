/** Helpers for the customers module's tests: expected rows from the simulator's state, xlsx parsing, users. */
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import type { WecomSimulator } from '@scrm/wecom-sim';
import type { TestApp, TestClient } from '../../testing/test-app.ts';

export async function ok<T = any>(response: Promise<{ status: number; body: { date: T; msg: string } }>): Promise<T> {
  const { status, body } = await response;
  assert.equal(status, 200, `expected 200, got ${status}: ${body.msg} ${JSON.stringify(body)}`);
  return body.date;
}

/** The relations WeCom reports through get_follow_user_list + batch/get_by_user (employees with 客户联系, not resigned). */
export function simRelations(sim: WecomSimulator) {
  const { state } = sim;
  const relations = [];
  for (const employee of state.employees.values()) {
    if (!employee.customerContact || employee.resignedAt !== undefined || !state.isEmployeeVisible(employee)) continue;
    relations.push(...state.relationList(employee.userid));
  }
  return relations;
}

/** A stored relation as the API shows it, expected from the simulator's relation and customer. */
export function expectedRelation(sim: WecomSimulator, userid: string, externalUserid: string) {
  const relation = sim.state.relation(userid, externalUserid);
  const customer = sim.state.customers.get(externalUserid);
  assert.ok(relation && customer, `simulator has ${userid} ↔ ${externalUserid}`);
  return {
    externalUserid,
    userid,
    customerName: customer.name,
    customerAvatar: customer.avatar || null,
    customerType: customer.type,
    customerGender: customer.gender,
    customerCorpName: customer.corp_name || null,
    remark: relation.remark,
    description: relation.description,
    remarkCorpName: relation.remark_corp_name,
    remarkMobiles: relation.remark_mobiles,
    addWay: relation.add_way,
    state: relation.state,
    operUserid: relation.oper_userid,
    createtime: new Date(relation.createtime * 1000).toISOString(),
    tagIds: relation.tag_ids,
    status: 'active',
    lostAt: null,
    lostBy: null,
  };
}

export function expectedCustomer(sim: WecomSimulator, externalUserid: string) {
  const customer = sim.state.customers.get(externalUserid);
  assert.ok(customer);
  return {
    externalUserid,
    name: customer.name,
    avatar: customer.avatar || null,
    type: customer.type,
    gender: customer.gender,
    unionid: customer.unionid || null,
    corpName: customer.corp_name || null,
    corpFullName: customer.corp_full_name || null,
    position: customer.position || null,
  };
}

export const pick = <T extends object>(record: Record<string, unknown>, like: T): T =>
  Object.fromEntries(Object.keys(like).map((key) => [key, record[key]])) as T;

/** The rows of the first sheet, header row first. */
export async function readXlsx(body: Buffer): Promise<string[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as never);
  const sheet = workbook.worksheets[0];
  const rows: string[][] = [];
  sheet.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1).map((value) => (value === null || value === undefined ? '' : String(value))));
  });
  return rows;
}

/** A role with `perms` and `dataScope`, and a user holding it, bound to a WeCom userid; signed in. */
export async function scopedUser(
  t: TestApp,
  admin: TestClient,
  options: { username: string; perms: string[]; dataScope: number; qwUserid?: string; deptId?: number | null },
): Promise<TestClient & { token: string; id: number }> {
  const menus = await ok(admin.get('/scrm/admin/sys/menu/tree'));
  const ids: number[] = [];
  const walk = (nodes: any[]) => nodes.forEach((node) => (options.perms.includes(node.perms) && ids.push(node.id), walk(node.children ?? [])));
  walk(menus);
  assert.equal(ids.length, options.perms.length, `menus for ${options.perms.join(', ')}`);
  const role = await ok(admin.post('/scrm/admin/sys/role/save', { name: options.username, roleKey: `r_${options.username}`, dataScope: options.dataScope }));
  await ok(admin.post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: ids }));
  const password = 'Passw0rd1234';
  const user = await ok(
    admin.post('/scrm/admin/sys/user/save', { username: options.username, nickname: options.username, password, deptId: options.deptId ?? null }),
  );
  // Roles and the WeCom binding have their own endpoints (save edits profile fields only).
  await ok(admin.post('/scrm/admin/sys/user/grantRoles', { userId: user.id, roleIds: [role.id] }));
  if (options.qwUserid) await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: user.id, qwUserid: options.qwUserid }));
  return Object.assign(await t.login(options.username, password), { id: user.id as number });
}
