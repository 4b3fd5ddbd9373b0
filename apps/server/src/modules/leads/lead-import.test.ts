import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestClient } from '../../testing/test-app.ts';
import { createFileStore } from '../../platform/files.ts';
import { readXlsx } from '../customers/customers.testing.ts';
import { createLeadImportService, IMPORT_MAX_BYTES } from './lead-import.ts';
import { createTimelineService } from '../journey/timeline.service.ts';
import { createLeadImportRepository } from './lead-import.repository.ts';
import { addLead, employee, fails, ok } from './leads.testing.ts';
import { userWith } from '../system/test-fixtures.ts';

function multipart(file: { name: string; content: Buffer }, fields: Record<string, string> = {}) {
  const boundary = `----lead${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`,
    ),
    file.content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(t: TestApp, token: string, name: string, content: Buffer, fields: Record<string, string> = {}) {
  const { payload, headers } = multipart({ name, content }, fields);
  const response = await t.app.inject({ method: 'POST', url: '/scrm/admin/clue/import', payload, headers: { ...headers, token } });
  return { status: response.statusCode, body: response.json() };
}

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const phoneOf = (i: number) => `137${String(i).padStart(8, '0')}`;

describe('lead import', () => {
  let t: TestApp;
  let admin: TestClient & { token: string };
  let dir: string;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    dir = mkdtempSync(join(tmpdir(), 'lead-import-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the template, which imports', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/scrm/admin/clue/importTemplate', headers: { token: admin.token } });
    assert.equal(response.statusCode, 200);
    const rows = await readXlsx(response.rawPayload);
    assert.deepEqual(rows[0].slice(0, 3), ['*姓名', '*手机号', '微信号']);
    assert.equal(rows[1][1], '13800138000');
  });

  it('imports a messy file to exactly the expected leads and report; the same file again is recognised', async () => {
    const existing = await addLead(admin, { name: '已有', phone: '13900000009' });
    const content = await workbook([
      [],
      ['备注', '无关列', '手机号码', '*姓名', '微信', '性别', '邮箱', '来源'],
      ['r1', 'x', '13900000001', '甲', 'wx1', '男', 'A@B.cn', '展会'],
      [],
      [null, null, '139-0000-0002', '乙', null, '女', null, null],
      [null, null, '12345', '丙', null, null, null, null],
      [null, null, '13900000001', '丁', null, null, null, null],
      [null, 'only an extra column', null, null, null, null, null, null],
      [null, null, '13900000003', null, null, null, null, null],
      [null, null, '13900000009', '戊', null, null, null, null],
      [null, null, 13900000004, '己', null, '未知', 'bad-email', null],
      [null, null, 13900000005, '庚', null, null, null, null],
      [null, null, '+86 139 0000 0006', { richText: [{ text: '辛' }, { text: '二' }] }, null, null, null, null],
      ['', '', '', '', '', '', '', ''],
    ]);
    const started = await upload(t, admin.token, 'messy.xlsx', content);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.date.duplicateFile, false);
    const job = await t.jobs.waitFor(started.body.date.jobId);
    assert.equal(job.state, 'completed', job.error ?? '');
    const imported = await ok(admin.get('/scrm/admin/clue/import/get', { id: started.body.date.id }));
    assert.deepEqual(
      { status: imported.status, total: imported.totalRows, inserted: imported.insertedRows, invalid: imported.invalidRows },
      { status: 'completed', total: 9, inserted: 4, invalid: 5 },
    );
    const stored = await t.db.execute<{ name: string; primary_phone: string; import_row: number; gender: number; channel: string; remark: string }>(
      sql`SELECT name, primary_phone, import_row, gender, channel, remark FROM lead WHERE import_id = ${imported.id} ORDER BY import_row`,
    );
    assert.deepEqual(
      stored.rows.map((row) => [row.import_row, row.name, row.primary_phone, Number(row.gender), row.channel, row.remark]),
      [
        [3, '甲', '13900000001', 1, '展会', 'r1'],
        [5, '乙', '13900000002', 2, '', ''],
        [12, '庚', '13900000005', 0, '', ''],
        [13, '辛二', '13900000006', 0, '', ''],
      ],
    );
    const contacts = await t.db.execute<{ type: string; value: string }>(
      sql`SELECT c.type, c.value FROM lead_contact c JOIN lead l ON l.id = c.lead_id WHERE l.import_row = 3 AND l.import_id = ${imported.id} ORDER BY c.type`,
    );
    assert.deepEqual(contacts.rows.map((row) => `${row.type}:${row.value}`), ['email:a@b.cn', 'phone:13900000001', 'wechat:wx1']);

    const report = await t.app.inject({ method: 'GET', url: imported.reportUrl, headers: { token: admin.token } });
    assert.equal(report.statusCode, 200);
    const rows = await readXlsx(report.rawPayload);
    assert.deepEqual(rows[0].slice(0, 3), ['行号', '列', '原因']);
    assert.deepEqual(
      rows.slice(1).map((row) => row.slice(0, 3)),
      [
        ['6', '手机号', '手机号格式不正确（须为 11 位大陆手机号）'],
        ['7', '手机号', '与第 3 行手机号重复'],
        ['9', '姓名', '必填项为空'],
        ['10', '手机号', `手机号已存在（线索 ${existing.id}）`],
        ['11', '邮箱', '邮箱格式不正确'],
      ],
    );
    assert.equal(rows[2][4], '13900000001', 'the row values are in the report');
    const english = await t.app.inject({ method: 'GET', url: imported.reportUrl, headers: { token: admin.token, 'accept-language': 'en' } });
    assert.equal((await readXlsx(english.rawPayload))[2][2], 'Same phone as row 3');
    // Named after the uploaded file (RFC 5987 for the Chinese name, an ASCII fallback beside it).
    assert.equal(
      report.headers['content-disposition'],
      `attachment; filename="lead-import-report.xlsx"; filename*=UTF-8''${encodeURIComponent('messy-导入失败行.xlsx')}`,
    );
    assert.match(String(english.headers['content-disposition']), /filename\*=UTF-8''messy-invalid-rows\.xlsx$/);

    const again = await upload(t, admin.token, 'renamed.xlsx', content);
    assert.equal(again.status, 200);
    assert.equal(again.body.date.duplicateFile, true);
    assert.equal(again.body.date.id, imported.id);
    const count = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lead WHERE import_id IS NOT NULL`);
    assert.equal(Number(count.rows[0].n), 4);

    const timeline = await ok(admin.post('/scrm/admin/clue/detail/dynamics', { clueId: Number((await t.db.execute<{ id: number }>(sql`SELECT id FROM lead WHERE primary_phone = '13900000002'`)).rows[0].id) }));
    assert.deepEqual(timeline.records.map((e: any) => [e.type, e.data.row]), [['imported', 5]]);
  });

  it('refuses files without the required columns, and files that are not xlsx', async () => {
    const missing = await upload(t, admin.token, 'bad.xlsx', await workbook([['姓名', '公司'], ['张三', 'x']]));
    assert.equal(missing.status, 400);
    assert.match(missing.body.msg, /手机号/);
    const notXlsx = await upload(t, admin.token, 'bad.xlsx', Buffer.from('name,phone\n'));
    assert.equal(notXlsx.status, 400);
    // Over the limit: refused while streaming to disk, nothing left in the file store.
    const tooBig = Buffer.alloc(IMPORT_MAX_BYTES + 1024, 1);
    tooBig.writeUInt32BE(0x504b0304, 0);
    const stored = join(t.config.DATA_DIR, 'files', 'lead-import');
    const files = () => (existsSync(stored) ? readdirSync(stored).sort() : []);
    const before = files();
    const refused = await upload(t, admin.token, 'big.xlsx', tooBig);
    assert.equal(refused.status, 413);
    assert.deepEqual(files(), before);
    const noFile = await admin.post('/scrm/admin/clue/import', {});
    assert.equal(noFile.status, 400);
  });

  it('resumes a failed import after its last committed batch: no row lost, none applied twice', async () => {
    const path = join(dir, 'resume.xlsx');
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: false, useStyles: false });
    const sheet = book.addWorksheet('s');
    sheet.addRow(['姓名', '手机号']).commit();
    for (let i = 1; i <= 2500; i++) sheet.addRow([`R${i}`, phoneOf(200_000 + i)]).commit();
    sheet.commit();
    await book.commit();
    const owner = await addLead(admin, { name: 'x', phone: '13911111111' }); // unrelated lead, just to have ids in use
    assert.ok(owner.id);

    // Run the job body directly; it dies after its first batch committed.
    const files = createFileStore(t.config.DATA_DIR);
    const fileKey = await files.save('lead-import', readFileSync(path), 'xlsx');
    const inserted = await t.db.execute<{ id: number }>(
      sql`INSERT INTO lead_import (file_hash, file_name, file_key, cuser) VALUES (${'h'.repeat(64)}, 'resume.xlsx', ${fileKey}, 'admin') RETURNING id`,
    );
    const importId = Number(inserted.rows[0].id);
    const imports = createLeadImportRepository(t.db, createTimelineService());
    const service = createLeadImportService({ db: t.db, imports, files, jobs: t.jobs, now: () => t.clock.now, timeZone: 'Asia/Shanghai' });
    const dying = {
      jobId: 0,
      progress: async () => {
        throw new Error('worker died');
      },
      checkpoint: async () => null,
      saveCheckpoint: async () => {},
    };
    await assert.rejects(service.run({ importId }, dying as never), /worker died/);
    const failed = (await imports.system().find(importId))!;
    assert.equal(failed.status, 'failed');
    assert.equal(failed.checkpointRow, 1001);
    assert.equal(failed.insertedRows, 1000);

    const counted = { jobId: 0, progress: async () => {}, checkpoint: async () => null, saveCheckpoint: async () => {} };
    const result = await service.run({ importId }, counted as never);
    assert.deepEqual(result, { importId, inserted: 2500, invalid: 0, total: 2500 });
    const stored = await t.db.execute<{ n: number; rows: number }>(sql`SELECT count(*)::int AS n, count(DISTINCT import_row)::int AS rows FROM lead WHERE import_id = ${importId}`);
    assert.deepEqual([Number(stored.rows[0].n), Number(stored.rows[0].rows)], [2500, 2500]);
    const events = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM customer_event e JOIN lead l ON l.id = e.lead_id WHERE l.import_id = ${importId} AND e.type = 'lead'`);
    assert.equal(Number(events.rows[0].n), 2500);
  });

  it('imports a 100,000-row file (written with the streaming writer) exactly', { timeout: 300_000 }, async () => {
    const path = join(dir, 'big.xlsx');
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: false, useStyles: false });
    const sheet = book.addWorksheet('线索');
    sheet.addRow(['公司', '手机号', '姓名', '备注列之外']).commit();
    let valid = 0;
    let invalid = 0;
    const seen = new Set<string>();
    for (let i = 1; i <= 100_000; i++) {
      if (i % 1000 === 0) {
        sheet.addRow(['公司', `1${i}`, `坏${i}`, 'x']).commit(); // bad phone
        invalid++;
      } else {
        // Every 777th row repeats the phone of the row before (a duplicate when that one was stored).
        const phone = i % 777 === 0 ? phoneOf(i - 1) : phoneOf(i);
        sheet.addRow(['公司', phone, `客户${i}`, 'x']).commit();
        if (seen.has(phone)) invalid++;
        else {
          seen.add(phone);
          valid++;
        }
      }
    }
    sheet.commit();
    await book.commit();
    const started = Date.now();
    const response = await upload(t, admin.token, 'big.xlsx', readFileSync(path));
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const job = await t.jobs.waitFor(response.body.date.jobId, 280_000);
    assert.equal(job.state, 'completed', job.error ?? '');
    assert.equal(job.progress, 100_000);
    assert.equal(job.total, 100_000);
    const imported = await ok(admin.get('/scrm/admin/clue/import/get', { id: response.body.date.id }));
    assert.deepEqual({ total: imported.totalRows, inserted: imported.insertedRows, invalid: imported.invalidRows }, { total: 100_000, inserted: valid, invalid });
    const stored = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lead WHERE import_id = ${imported.id}`);
    assert.equal(Number(stored.rows[0].n), valid);
    const errors = await t.db.execute<{ reason: string; n: number }>(
      sql`SELECT reason, count(*)::int AS n FROM lead_import_error WHERE import_id = ${imported.id} GROUP BY reason ORDER BY reason`,
    );
    assert.deepEqual(
      errors.rows.map((row) => [row.reason, Number(row.n)]),
      [['leadImportBadMobile', 100], ['leadImportDuplicateInFile', invalid - 100]],
    );
    // Every Chinese name arrives whole (exceljs's reader alone splits characters at chunk boundaries).
    const garbled = await t.db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM lead WHERE import_id = ${imported.id} AND (name LIKE ${'%\uFFFD%'} OR name !~ '^客户[0-9]+$')`);
    assert.equal(Number(garbled.rows[0].n), 0);
    console.log(`# 100,000-row import through HTTP and the job: ${Date.now() - started} ms`);
    await fails(admin.get('/scrm/admin/clue/import/get', { id: 999999 }), 404);
  });
  it("gives the imported leads to a WeCom employee (ownerUserid, or the older ownerId of a user bound to one)", async () => {
    await employee(t.db, 'import_owner', '导入负责人');
    // Phones of their own (136…): the other tests here import 137… and 139….
    const rows = (first: number) => workbook([['*姓名', '*手机号'], ['导甲', `136${String(first).padStart(8, '0')}`], ['导乙', `136${String(first + 1).padStart(8, '0')}`]]);
    await fails(upload(t, admin.token, 'x.xlsx', await rows(9100), { ownerUserid: 'nobody_here' }), 400, /nobody_here/);
    const unbound = await userWith(t, admin, 'import_unbound', ['clue:list'], 5);
    await fails(upload(t, admin.token, 'x.xlsx', await rows(9100), { ownerId: String(unbound.id) }), 400, /未绑定企业微信成员/);
    const started = await upload(t, admin.token, 'owned.xlsx', await rows(9100), { ownerUserid: 'import_owner' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.date.ownerUserid, 'import_owner');
    assert.equal((await t.jobs.waitFor(started.body.date.jobId)).state, 'completed');
    const owned = (await ok(admin.post('/scrm/admin/clue/page', { ownerUserid: 'import_owner', pageSize: 50 }))).records;
    assert.deepEqual(owned.map((r: any) => [r.name, r.ownerName, r.status]).sort(), [['导乙', '导入负责人', 'assigned'], ['导甲', '导入负责人', 'assigned']]);
    // The older form: a console user bound to the employee.
    const bound = await userWith(t, admin, 'import_bound', ['clue:list'], 5);
    await t.db.execute(sql`UPDATE sys_user SET qw_userid = 'import_owner' WHERE id = ${bound.id}`);
    const older = await upload(t, admin.token, 'owned2.xlsx', await rows(9200), { ownerId: String(bound.id) });
    assert.equal(older.status, 200, JSON.stringify(older.body));
    assert.equal(older.body.date.ownerUserid, 'import_owner');
  });
});
