// Imports and their jobs by id (Trust issue, hole 4): an import, its report and its job answer only the uploader
// and callers whose data scope covers the uploader; sync jobs answer those holding the permission that starts
// them. Everyone else gets 404, as if it did not exist.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { department, fails, ok, scopedUser } from './leads.testing.ts';

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function upload(t: TestApp, token: string, content: Buffer) {
  const boundary = `----scope${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="leads.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await t.app.inject({ method: 'POST', url: '/scrm/admin/clue/import', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, token } });
  return { status: response.statusCode, body: response.json() };
}

const reportStatus = async (t: TestApp, token: string, id: number) =>
  (await t.app.inject({ method: 'GET', url: '/scrm/admin/clue/import/report', query: { id: String(id) }, headers: { token } })).statusCode;

describe('imports and jobs by id: the uploader and those whose scope covers them', () => {
  let t: TestApp;
  let admin: TestClient;
  type User = Awaited<ReturnType<typeof scopedUser>>;
  let alice: User; // self scope, sales A
  let amy: User; // her department (sales A)
  let bob: User; // self scope, sales B
  let ben: User; // his department (sales B)
  let aliceImport: { id: number; jobId: number };
  let bobImport: { id: number; jobId: number };

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    const salesA = await department(admin, 'Sales A');
    const salesB = await department(admin, 'Sales B');
    const perms = ['clue:list', 'clue:import'];
    alice = await scopedUser(t, admin, { username: 'alice_imp', perms, dataScope: 5, deptId: salesA });
    amy = await scopedUser(t, admin, { username: 'amy_imp', perms, dataScope: 3, deptId: salesA });
    bob = await scopedUser(t, admin, { username: 'bob_imp', perms, dataScope: 5, deptId: salesB });
    ben = await scopedUser(t, admin, { username: 'ben_imp', perms, dataScope: 3, deptId: salesB });

    const importOf = async (user: User, rows: unknown[][]) => {
      const started = await upload(t, user.token, await workbook([['姓名', '手机号'], ...rows]));
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal((await t.jobs.waitFor(started.body.date.jobId)).state, 'completed');
      return { id: started.body.date.id as number, jobId: started.body.date.jobId as number };
    };
    aliceImport = await importOf(alice, [['甲', '13500000001'], ['坏', '123']]);
    bobImport = await importOf(bob, [['乙', '13500000002'], ['坏', '456']]);
  });
  after(() => t.close());

  it('the uploader and a department-scope user of their department see the import, its report and its job', async () => {
    for (const user of [alice, amy]) {
      const record = await ok(user.get('/scrm/admin/clue/import/get', { id: aliceImport.id }));
      assert.deepEqual([record.insertedRows, record.invalidRows, record.cuser], [1, 1, 'alice_imp']);
      assert.equal(await reportStatus(t, user.token, aliceImport.id), 200);
      assert.equal((await ok(user.get('/scrm/admin/job/get', { id: aliceImport.jobId }))).state, 'completed');
    }
    for (const user of [bob, ben]) {
      assert.equal((await ok(user.get('/scrm/admin/clue/import/get', { id: bobImport.id }))).cuser, 'bob_imp');
      assert.equal(await reportStatus(t, user.token, bobImport.id), 200);
      await ok(user.get('/scrm/admin/job/get', { id: bobImport.jobId }));
    }
  });

  it("others' imports, reports and import jobs by id are 404, as if they did not exist", async () => {
    for (const [user, other] of [[alice, bobImport], [amy, bobImport], [bob, aliceImport], [ben, aliceImport]] as const) {
      await fails(user.get('/scrm/admin/clue/import/get', { id: other.id }), 404);
      assert.equal(await reportStatus(t, user.token, other.id), 404);
      await fails(user.get('/scrm/admin/job/get', { id: other.jobId }), 404);
    }
    // A self-scope user does not see a colleague's import either.
    const anna = await scopedUser(t, admin, { username: 'anna_imp', perms: ['clue:list', 'clue:import'], dataScope: 5, deptId: (await ok(admin.get('/scrm/admin/sys/user/get', { id: alice.id }))).deptId });
    await fails(anna.get('/scrm/admin/clue/import/get', { id: aliceImport.id }), 404);
    await fails(anna.get('/scrm/admin/job/get', { id: aliceImport.jobId }), 404);
    // The administrator sees every one.
    await ok(admin.get('/scrm/admin/clue/import/get', { id: bobImport.id }));
    await ok(admin.get('/scrm/admin/job/get', { id: aliceImport.jobId }));
  });

  it("uploading a file someone outside one's scope already imported is refused, not answered with their import", async () => {
    const content = await workbook([['姓名', '手机号'], ['丙', '13500000003']]);
    const first = await upload(t, alice.token, content);
    assert.equal(first.status, 200);
    await t.jobs.waitFor(first.body.date.jobId);
    const again = await upload(t, bob.token, content);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.date, null, 'nothing of the earlier import is returned');
    // Within the scope, the earlier import is recognised as before.
    const colleague = await upload(t, amy.token, content);
    assert.equal(colleague.status, 200);
    assert.deepEqual([colleague.body.date.id, colleague.body.date.duplicateFile], [first.body.date.id, true]);
  });

  it('a job is followed by those holding the permission that starts its kind, whoever started it', async () => {
    const sync = await t.jobs.start('customers.sync', {}, { actor: 'admin', exclusive: true });
    const syncer = await scopedUser(t, admin, { username: 'syncer', perms: ['cust:info:sync'], dataScope: 5, deptId: (await ok(admin.get('/scrm/admin/sys/user/get', { id: bob.id }))).deptId });
    assert.equal((await ok(syncer.get('/scrm/admin/job/get', { id: sync.id }))).type, 'customers.sync');
    // Holding another kind's permission, or none, is not enough.
    const tagger = await scopedUser(t, admin, { username: 'tagger', perms: ['tag:corp:sync'], dataScope: 1, deptId: (await ok(admin.get('/scrm/admin/sys/user/get', { id: bob.id }))).deptId });
    await fails(tagger.get('/scrm/admin/job/get', { id: sync.id }), 404);
    await fails(alice.get('/scrm/admin/job/get', { id: sync.id }), 404);
    // An import job: clue:import alone does not open a sync job, and all-data scope without clue:import does not open an import job.
    await fails(tagger.get('/scrm/admin/job/get', { id: aliceImport.jobId }), 404);
    await fails(syncer.get('/scrm/admin/job/get', { id: 999_999 }), 404);
  });
});
