// The administrator at start-up (issue 14 hole 1): a demo reachable from other machines (HOST not a
// loopback address) never signs in with the well-known demo password, and its admin must change the
// password at first sign-in; the loopback demo keeps the documented admin / admin123.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { sysUser } from './db/schema/index.ts';
import { hashPassword } from './platform/auth/password.ts';
import { createTestApp, type TestApp } from './testing/test-app.ts';
import { DEMO_ADMIN_PASSWORD, seedAdministrator } from './start-admin.ts';

const EXPOSED_DEMO = { demoMode: true, HOST: '0.0.0.0', ADMIN_PASSWORD: undefined };
const LOOPBACK_DEMO = { demoMode: true, HOST: '127.0.0.1', ADMIN_PASSWORD: undefined };
const GENERATED = 'Generated-Pass-2026';
const NEW_PASSWORD = 'A-new-password-2026';

describe('the administrator at start-up', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => {
    await t.close();
  });

  /** A first start: no admin user yet. */
  const dropAdmin = async () => {
    await t.db.execute(sql`DELETE FROM sys_user_role WHERE user_id IN (SELECT id FROM sys_user WHERE username = 'admin')`);
    await t.db.execute(sql`DELETE FROM sys_user WHERE username = 'admin'`);
  };
  const signIn = (password: string) => t.anonymous.post('/scrm/admin/login', { username: 'admin', password });
  const userPage = (token: string) => t.client(token).post('/scrm/admin/sys/user/page', { pageNum: 1, pageSize: 10 });

  beforeEach(dropAdmin);

  test('a demo reachable from other machines: the new admin gets a generated password, to change at first sign-in', async () => {
    const admin = await seedAdministrator(t.db, EXPOSED_DEMO, () => GENERATED);
    assert.deepEqual(admin, { adminCreated: true, password: GENERATED, mustChangePassword: true, replacedWellKnown: false, exposedDemo: true });
    assert.equal((await signIn(DEMO_ADMIN_PASSWORD)).status, 401, 'the well-known demo password does not sign in');

    const signedIn = await signIn(GENERATED);
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.date.mustChangePassword, true);
    const token = signedIn.body.date.token as string;
    const refused = await userPage(token);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, '403');
    // The simulator's actions (and everything else) wait for the change as well; the change itself is allowed.
    const changed = await t.client(token).post('/scrm/admin/sys/user/updatePassword', { oldPassword: GENERATED, newPassword: NEW_PASSWORD });
    assert.equal(changed.status, 200, changed.body.msg);
    const again = await signIn(NEW_PASSWORD);
    assert.equal(again.body.date.mustChangePassword, false);
    assert.equal((await userPage(again.body.date.token)).status, 200);
  });

  test('ADMIN_PASSWORD given: used, and still to change at first sign-in when the demo is reachable from other machines', async () => {
    const admin = await seedAdministrator(t.db, { ...EXPOSED_DEMO, ADMIN_PASSWORD: 'Chosen-by-the-operator-1' }, () => GENERATED);
    assert.equal(admin.password, 'Chosen-by-the-operator-1');
    const signedIn = await signIn('Chosen-by-the-operator-1');
    assert.equal(signedIn.body.date.mustChangePassword, true);
    assert.equal((await userPage(signedIn.body.date.token)).status, 403);
  });

  test("a data directory first used by a loopback demo, then started reachable: admin123 is replaced, sessions revoked", async () => {
    await seedAdministrator(t.db, LOOPBACK_DEMO);
    const loopbackSession = (await signIn(DEMO_ADMIN_PASSWORD)).body.date.token as string;
    assert.equal((await userPage(loopbackSession)).status, 200);

    const admin = await seedAdministrator(t.db, EXPOSED_DEMO, () => GENERATED);
    assert.deepEqual(admin, { adminCreated: false, password: GENERATED, mustChangePassword: true, replacedWellKnown: true, exposedDemo: true });
    assert.equal((await signIn(DEMO_ADMIN_PASSWORD)).status, 401);
    assert.equal((await userPage(loopbackSession)).status, 401, 'the session signed in with the demo password is revoked');
    const signedIn = await signIn(GENERATED);
    assert.equal(signedIn.body.date.mustChangePassword, true);
  });

  test('an admin whose password is not the demo one is left alone', async () => {
    await seedAdministrator(t.db, LOOPBACK_DEMO);
    await t.db.update(sysUser).set({ passwordHash: await hashPassword(NEW_PASSWORD) }).where(eq(sysUser.username, 'admin'));
    const admin = await seedAdministrator(t.db, EXPOSED_DEMO, () => GENERATED);
    assert.deepEqual(admin, { adminCreated: false, mustChangePassword: false, replacedWellKnown: false, exposedDemo: true });
    const signedIn = await signIn(NEW_PASSWORD);
    assert.equal(signedIn.body.date.mustChangePassword, false);
    assert.equal((await userPage(signedIn.body.date.token)).status, 200);
  });

  test('the loopback demo keeps the documented admin / admin123', async () => {
    const admin = await seedAdministrator(t.db, LOOPBACK_DEMO);
    assert.deepEqual(admin, { adminCreated: true, password: DEMO_ADMIN_PASSWORD, mustChangePassword: false, replacedWellKnown: false, exposedDemo: false });
    const signedIn = await signIn(DEMO_ADMIN_PASSWORD);
    assert.equal(signedIn.body.date.mustChangePassword, false);
    assert.equal((await userPage(signedIn.body.date.token)).status, 200);
  });
});
