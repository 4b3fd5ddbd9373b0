import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { sysUser, sysUserRole } from '../../db/schema/index.ts';
import { createTestApp, TEST_ADMIN_PASSWORD, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createRole, createUser, ok, PASSWORD, userWith } from './test-fixtures.ts';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 1), Buffer.from([0xff, 0xd9])]);

function multipart(filename: string, content: Buffer, contentType: string) {
  const boundary = '----scrmtest';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('users', () => {
  let t: TestApp;
  let admin: TestClient & { token: string };
  let adminId: number;
  let adminRoleId: number;
  let rootId: number;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    adminId = (await ok(admin.get('/scrm/admin/sys/user/current'))).id;
    adminRoleId = (await ok(admin.get('/scrm/admin/sys/role/list'))).find((r: any) => r.roleKey === 'admin').id;
    rootId = (await ok(admin.get('/scrm/admin/sys/dept/tree')))[0].id;
  });
  after(() => t.close());

  const rowOf = async (id: number) => (await t.db.select().from(sysUser).where(eq(sysUser.id, id)))[0];

  test('save creates and updates; get returns roles; page filters; checkUsername', async () => {
    const roleId = await createRole(t, admin, { roleKey: 'u_role', perms: ['sys:user:list'] });
    const created = await ok(
      admin.post('/scrm/admin/sys/user/save', {
        username: 'alice', nickname: 'Alice', password: PASSWORD, phone: '13800138000', email: 'a@example.com', empNo: 'E001', deptId: rootId,
      }),
    );
    assert.equal(created.deptName, (await ok(admin.get('/scrm/admin/sys/dept/get', { id: rootId }))).name);
    assert.deepEqual(created.roleIds, [], 'roles come from grantRoles');
    assert.equal(created.status, 0);
    assert.equal(created.cuser, 'admin');
    assert.ok(!('passwordHash' in created));
    await ok(admin.post('/scrm/admin/sys/user/grantRoles', { userId: created.id, roleIds: [roleId] }));
    const { id, username, email, empNo, deptId } = created;
    const updated = await ok(admin.post('/scrm/admin/sys/user/save', { id, username, email, empNo, deptId, nickname: 'Alice L', phone: null }));
    assert.equal(updated.nickname, 'Alice L');
    assert.equal(updated.phone, null);
    assert.equal(updated.empNo, 'E001');
    const fetched = await ok(admin.get('/scrm/admin/sys/user/get', { id: created.id }));
    assert.deepEqual(fetched.roles.map((r: any) => r.roleKey), ['u_role']);
    assert.equal((await admin.get('/scrm/admin/sys/user/get', { id: 999999 })).status, 404);

    assert.deepEqual((await ok(admin.post('/scrm/admin/sys/user/page', { nickname: 'alice l' }))).records.map((r: any) => r.username), ['alice']);
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/page', { empNo: 'E001' }))).total, 1);
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/page', { username: 'alice', status: 1 }))).total, 0);
    // The total rides on the page's rows; a page past the end has none, and still says how many there are.
    const everyone = await ok(admin.post('/scrm/admin/sys/user/page', { pageSize: 1 }));
    assert.ok(everyone.total >= 2);
    const pastTheEnd = await ok(admin.post('/scrm/admin/sys/user/page', { pageNum: everyone.total + 1, pageSize: 1 }));
    assert.deepEqual({ total: pastTheEnd.total, records: pastTheEnd.records }, { total: everyone.total, records: [] });
    assert.ok(!('pageTotal' in everyone.records[0]), 'the carried total is not a field of the record');
    assert.deepEqual(await ok(admin.post('/scrm/admin/sys/user/checkUsername', { username: 'alice' })), { username: 'alice', available: false });
    assert.deepEqual(await ok(admin.post('/scrm/admin/sys/user/checkUsername', { username: 'bob' })), { username: 'bob', available: true });

    const taken = await admin.post('/scrm/admin/sys/user/save', { username: 'alice', nickname: 'x', password: PASSWORD });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.msg, '用户名已存在：alice');
    // SCRM's own actors (jobs and callbacks in the audit log) are names no user may take, in any case, nor rename to.
    for (const username of ['system', 'WeCom']) {
      assert.deepEqual(await ok(admin.post('/scrm/admin/sys/user/checkUsername', { username })), { username, available: false });
      const reserved = await admin.post('/scrm/admin/sys/user/save', { username, nickname: 'x', password: PASSWORD });
      assert.equal(reserved.status, 409, username);
      assert.equal(reserved.body.msg, `用户名已存在：${username}`);
    }
    const alice = (await ok(admin.post('/scrm/admin/sys/user/page', { username: 'alice' }))).records[0];
    assert.equal((await admin.post('/scrm/admin/sys/user/save', { id: alice.id, username: 'system', nickname: alice.nickname })).status, 409);
    assert.equal((await t.db.select().from(sysUser).where(eq(sysUser.username, 'system'))).length, 0);
    const weak = await admin.post('/scrm/admin/sys/user/save', { username: 'weakling', nickname: 'x', password: 'short' });
    assert.equal(weak.status, 400);
    assert.deepEqual(weak.body.date.fields.map((f: any) => f.field), ['password']);
  });

  test('an invalid body is a 400 listing the fields, and no row changes', async () => {
    const id = await createUser(admin, { username: 'stable' });
    const before = await rowOf(id);
    const count = (await t.db.select().from(sysUser)).length;
    const response = await admin.post(
      '/scrm/admin/sys/user/save',
      { id, username: 'x y', nickname: '', phone: '123', email: 'nope' },
      { 'accept-language': 'en' },
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.code, '400');
    assert.deepEqual(response.body.date.fields.map((f: any) => f.field).sort(), ['body.email', 'body.nickname', 'body.phone', 'body.username']);
    assert.match(response.body.msg, /^Validation failed: /);
    // Roles, status and the binding are not profile fields: refused, nothing applied.
    for (const extra of [{ roleIds: [999999] }, { status: 1 }, { qwUserid: 'someone' }]) {
      const refused = await admin.post('/scrm/admin/sys/user/save', { id, username: 'stable2', nickname: 'changed', ...extra });
      assert.equal(refused.status, 400, JSON.stringify(extra));
    }
    assert.deepEqual(await rowOf(id), before);
    assert.equal((await t.db.select().from(sysUser)).length, count);
  });

  test('batchDelete refuses yourself and administrators unless you are one; deletes softly', async () => {
    const self = await admin.post('/scrm/admin/sys/user/batchDelete', { ids: [adminId] });
    assert.equal(self.status, 409);
    assert.equal(self.body.msg, '不能删除当前登录用户');
    const deleter = await userWith(t, admin, 'deleter', ['sys:user:delete', 'sys:user:list']);
    const lastAdmin = await deleter.post('/scrm/admin/sys/user/batchDelete', { ids: [adminId] });
    assert.equal(lastAdmin.status, 403);
    assert.equal((await rowOf(adminId)).isDel, 0);

    const victim = await createUser(admin, { username: 'victim' });
    assert.deepEqual(await ok(deleter.post('/scrm/admin/sys/user/batchDelete', { ids: [victim] })), { deleted: 1 });
    assert.equal((await rowOf(victim)).isDel, 1);
    assert.equal((await deleter.post('/scrm/admin/sys/user/batchDelete', { ids: [victim] })).status, 404);
    // Its username is free again.
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/checkUsername', { username: 'victim' }))).available, true);
  });

  test('the last administrator cannot lose the role or be disabled', async () => {
    const removeOwn = await admin.post('/scrm/admin/sys/user/grantRoles', { userId: adminId, roleIds: [] });
    assert.equal(removeOwn.status, 409);
    assert.equal(removeOwn.body.msg, '至少需要保留一名可用的超级管理员');
    assert.equal((await t.db.select().from(sysUserRole).where(eq(sysUserRole.userId, adminId))).length, 1, 'rolled back');
    assert.equal((await admin.get('/scrm/admin/sys/user/updateStatus', { id: adminId, status: 1 })).status, 409);

    // With a second administrator, one may step down.
    const second = await createUser(admin, { username: 'admin2', roleIds: [adminRoleId] });
    const admin2 = await t.login('admin2', PASSWORD);
    await ok(admin2.post('/scrm/admin/sys/user/grantRoles', { userId: second, roleIds: [] }));
    assert.equal((await admin2.post('/scrm/admin/sys/user/page', {})).status, 403, 'no longer an administrator');
  });

  test('grantRoles; only administrators grant the administrator role', async () => {
    const granter = await userWith(t, admin, 'granter', ['sys:user:grant', 'sys:user:list']);
    const target = await createUser(admin, { username: 'grantee' });
    const other = await createRole(t, admin, { roleKey: 'other' });
    const granted = await ok(granter.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [other, other] }));
    assert.deepEqual(granted.roleIds, [other]);
    const escalate = await granter.post('/scrm/admin/sys/user/grantRoles', { userId: granter.id, roleIds: [adminRoleId] });
    assert.equal(escalate.status, 403);
    assert.deepEqual((await t.db.select().from(sysUserRole).where(eq(sysUserRole.userId, granter.id))).map((r) => r.roleId), [granter.roleId]);
    assert.equal((await granter.post('/scrm/admin/sys/user/grantRoles', { userId: target, roleIds: [999999] })).status, 400);
  });

  test('resetPassword returns a one-time password, revokes tokens and forces a change', async () => {
    const id = await createUser(admin, { username: 'forgetful' });
    const old = await t.login('forgetful', PASSWORD);
    const resetResponse = admin.get('/scrm/admin/sys/user/resetPassword', { id });
    assert.equal((await resetResponse).raw.headers['cache-control'], 'no-store', 'the one-time password is never cached');
    const { password } = await ok(resetResponse);
    assert.match(password, /^[A-Za-z0-9]{12}$/);
    assert.equal((await old.get('/scrm/admin/sys/user/current')).status, 401, 'older tokens are invalid');
    assert.equal((await t.anonymous.post('/scrm/admin/login', { username: 'forgetful', password: PASSWORD })).status, 401);

    const login = await t.anonymous.post('/scrm/admin/login', { username: 'forgetful', password });
    assert.equal(login.body.date.mustChangePassword, true);
    const reset = t.client(login.body.date.token);
    const blocked = await reset.post('/scrm/admin/sys/user/updateAvatar', { avatar: 'https://example.com/a.png' });
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.msg, '密码已被重置，请先修改密码');
    assert.equal((await reset.get('/scrm/admin/sys/user/current')).status, 200);

    const changed = await ok(reset.post('/scrm/admin/sys/user/updatePassword', { oldPassword: password, newPassword: 'NewPassw0rd12' }));
    assert.equal((await reset.get('/scrm/admin/sys/user/current')).status, 401, 'the change revokes the token used for it');
    const fresh = t.client(changed.token);
    assert.equal((await fresh.post('/scrm/admin/sys/user/updateAvatar', { avatar: 'https://example.com/a.png' })).status, 200);
    assert.equal((await rowOf(id)).mustChangePassword, false);
  });

  test('updatePassword needs the old password and a strong, different new one', async () => {
    await createUser(admin, { username: 'changer' });
    const user = await t.login('changer', PASSWORD);
    const hash = (await t.db.select().from(sysUser).where(eq(sysUser.username, 'changer')))[0].passwordHash;
    for (const [body, field] of [
      [{ oldPassword: 'wrong', newPassword: 'Another1pass' }, 'oldPassword'],
      [{ oldPassword: PASSWORD, newPassword: 'lettersonly' }, 'newPassword'],
      [{ oldPassword: PASSWORD, newPassword: 'Ab1' }, 'newPassword'],
      [{ oldPassword: PASSWORD, newPassword: 'Abcdefgh123' }, 'newPassword'], // 11 characters: one short
      [{ oldPassword: PASSWORD, newPassword: PASSWORD }, 'newPassword'],
    ] as const) {
      const response = await user.post('/scrm/admin/sys/user/updatePassword', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(response.body.date.fields.map((f: any) => f.field), [field]);
    }
    assert.equal((await t.db.select().from(sysUser).where(eq(sysUser.username, 'changer')))[0].passwordHash, hash);
    await ok(user.post('/scrm/admin/sys/user/updatePassword', { oldPassword: PASSWORD, newPassword: 'Another1pass' }));
    assert.equal((await user.get('/scrm/admin/sys/user/current')).status, 401);
    assert.equal((await t.anonymous.post('/scrm/admin/login', { username: 'changer', password: 'Another1pass' })).status, 200);
  });

  test('current returns the user, roles and permissions', async () => {
    const me = await ok(admin.get('/scrm/admin/sys/user/current'));
    assert.equal(me.username, 'admin');
    assert.equal(me.isAdmin, true);
    assert.deepEqual(me.permissions, ['*']);
    assert.equal(me.dataScope, 1);
    const limited = await userWith(t, admin, 'limited', ['sys:user:list', 'sys:role:list'], 4);
    const mine = await ok(limited.get('/scrm/admin/sys/user/current'));
    assert.deepEqual(mine.permissions, ['sys:role:list', 'sys:user:list']);
    assert.equal(mine.dataScope, 4);
    assert.equal(mine.isAdmin, false);
  });

  test('updateStatus disables and enables; missing permissions are 403 with nothing changed', async () => {
    const id = await createUser(admin, { username: 'toggled' });
    assert.equal((await ok(admin.get('/scrm/admin/sys/user/updateStatus', { id, status: 1 }))).status, 1);
    assert.equal((await ok(admin.get('/scrm/admin/sys/user/updateStatus', { id, status: 0 }))).status, 0);
    assert.equal((await admin.get('/scrm/admin/sys/user/updateStatus', { id, status: 2 })).status, 400);

    const reader = await userWith(t, admin, 'reader', ['sys:user:list']);
    const before = await rowOf(id);
    const attempts = [
      reader.get('/scrm/admin/sys/user/updateStatus', { id, status: 1 }),
      reader.get('/scrm/admin/sys/user/resetPassword', { id }),
      reader.get('/scrm/admin/sys/user/get', { id }),
      reader.post('/scrm/admin/sys/user/save', { id, username: 'toggled', nickname: 'hacked' }),
      reader.post('/scrm/admin/sys/user/batchDelete', { ids: [id] }),
      reader.post('/scrm/admin/sys/user/grantRoles', { userId: id, roleIds: [] }),
      reader.post('/scrm/admin/sys/user/bindQwUserid', { userId: id, qwUserid: 'zhangsan' }),
      reader.post('/scrm/admin/sys/user/checkUsername', { username: 'x' }),
    ];
    for (const response of await Promise.all(attempts)) {
      assert.equal(response.status, 403);
      assert.equal(response.body.code, '403');
    }
    const en = await reader.get('/scrm/admin/sys/user/resetPassword', { id }, { 'accept-language': 'en' });
    assert.equal(en.body.msg, 'Missing the "Users › Reset password" permission; ask an administrator to grant it');
    assert.deepEqual(await rowOf(id), before);
  });

  test('bindQwUserid binds one WeCom account to one user', async () => {
    const first = await createUser(admin, { username: 'qw_first' });
    const second = await createUser(admin, { username: 'qw_second' });
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: first, qwUserid: 'ZhangSan' }))).qwUserid, 'ZhangSan');
    const conflict = await admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: second, qwUserid: 'ZhangSan' });
    assert.equal(conflict.status, 409);
    assert.equal((await rowOf(second)).qwUserid, null);
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: first, qwUserid: null }))).qwUserid, null);
    assert.equal((await admin.post('/scrm/admin/sys/user/bindQwUserid', { userId: 999999, qwUserid: 'x' })).status, 404);
  });

  test('uploadAvatar accepts real PNG and JPEG, refuses other content and files over 2 MB; the URL serves the bytes', async () => {
    const upload = (filename: string, content: Buffer, type: string) =>
      t.app.inject({ method: 'POST', url: '/scrm/admin/sys/user/uploadAvatar', headers: { token: admin.token, ...multipart(filename, content, type).headers }, payload: multipart(filename, content, type).payload });

    const png = await upload('me.png', PNG, 'image/png');
    assert.equal(png.statusCode, 200, png.body);
    const { url } = png.json().date;
    assert.match(url, /^\/scrm\/files\/avatar\/[0-9a-f]{32}\.png$/);
    const served = await t.app.inject({ method: 'GET', url });
    assert.equal(served.statusCode, 200);
    assert.equal(served.headers['content-type'], 'image/png');
    assert.deepEqual(served.rawPayload, PNG);
    assert.equal((await rowOf(adminId)).avatar, url);

    const jpeg = await upload('photo.jpeg', JPEG, 'image/jpeg');
    assert.equal(jpeg.statusCode, 200);
    assert.match(jpeg.json().date.url, /\.jpg$/);

    const text = await upload('evil.png', Buffer.from('<script>alert(1)</script>'), 'image/png');
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().msg, '只能上传 JPG、PNG、GIF 或 WEBP 图片');
    const big = await upload('big.png', Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]), 'image/png');
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, '413');
    assert.equal((await rowOf(adminId)).avatar, jpeg.json().date.url, 'refused uploads change nothing');
    const none = await t.app.inject({ method: 'POST', url: '/scrm/admin/sys/user/uploadAvatar', headers: { token: admin.token } });
    assert.equal(none.statusCode, 400);
    assert.equal((await t.app.inject({ method: 'GET', url: '/scrm/files/avatar/00000000000000000000000000000000.png' })).statusCode, 404);

    // updateAvatar takes our own file URLs or https URLs only.
    assert.equal((await admin.post('/scrm/admin/sys/user/updateAvatar', { avatar: 'javascript:alert(1)' })).status, 400);
    assert.equal((await ok(admin.post('/scrm/admin/sys/user/updateAvatar', { avatar: url }))).avatar, url);
  });

  test('the seeded administrator can still sign in with the seed password', async () => {
    assert.equal((await t.anonymous.post('/scrm/admin/login', { username: 'admin', password: TEST_ADMIN_PASSWORD })).status, 200);
  });
});
