import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cellText, importBatches, isBlankRow, mapHeaders, normaliseHeader, normaliseMobile, parseGender, rowValues, validateRow } from './lead-import-rows.ts';
import { settleContacts, startOfLocalDay } from './leads.service.ts';

describe('import headers', () => {
  it('normalises marks, spaces and case', () => {
    assert.equal(normaliseHeader(' *手机号（必填） '), '手机号');
    assert.equal(normaliseHeader('姓名(required)'), '姓名');
    assert.equal(normaliseHeader('Email'), 'email');
    assert.equal(normaliseHeader('备 注：'), '备注');
  });

  it('maps Chinese headers in any order, aliases, and ignores extra columns', () => {
    // exceljs row values start at index 1
    const mapping = mapHeaders([undefined, '备注', '无关列', '手机号码', '*姓名', '微信', '邮箱', '手机']);
    assert.deepEqual([...mapping.fields], [[1, 'remark'], [3, 'phone'], [4, 'name'], [5, 'wechat'], [6, 'email']]);
    assert.deepEqual(mapping.missing, []);
  });

  it('reports missing required columns', () => {
    assert.deepEqual(mapHeaders([undefined, '姓名', '公司']).missing, ['phone']);
    assert.deepEqual(mapHeaders([]).missing, ['name', 'phone']);
  });
});

describe('cells', () => {
  it('reads what exceljs gives as text', () => {
    assert.equal(cellText(13800138000), '13800138000');
    assert.equal(cellText(1.5), '1.5');
    assert.equal(cellText('  a '), 'a');
    assert.equal(cellText({ richText: [{ text: '张' }, { text: '三 ' }] }), '张三');
    assert.equal(cellText({ text: 'x@y.cn', hyperlink: 'mailto:x@y.cn' }), 'x@y.cn');
    assert.equal(cellText({ formula: 'A1', result: 138 }), '138');
    assert.equal(cellText({ error: '#N/A' }), '');
    assert.equal(cellText(null), '');
    assert.equal(cellText(undefined), '');
    assert.equal(cellText(true), 'TRUE');
  });

  it('normalises mainland mobiles', () => {
    assert.equal(normaliseMobile('13800138000'), '13800138000');
    assert.equal(normaliseMobile('138 0013 8000'), '13800138000');
    assert.equal(normaliseMobile('138-0013-8000'), '13800138000');
    assert.equal(normaliseMobile('+8613800138000'), '13800138000');
    assert.equal(normaliseMobile('8613800138000'), '13800138000');
    assert.equal(normaliseMobile('12800138000'), null);
    assert.equal(normaliseMobile('1380013800'), null);
    assert.equal(normaliseMobile('138001380001'), null);
    assert.equal(normaliseMobile('abc'), null);
    assert.equal(normaliseMobile('02112345678'), null);
  });

  it('parses gender', () => {
    assert.equal(parseGender(''), 0);
    assert.equal(parseGender('男'), 1);
    assert.equal(parseGender('女'), 2);
    assert.equal(parseGender('Female'), 2);
    assert.equal(parseGender('未知'), 0);
    assert.equal(parseGender('x'), null);
  });
});

describe('row validation', () => {
  const mapping = mapHeaders([undefined, '姓名', '手机号', '邮箱', '性别', '公司']);
  const values = (cells: unknown[]) => rowValues([undefined, ...cells], mapping);

  it('accepts a good row', () => {
    const verdict = validateRow(values(['张三', '138 0013 8000', 'A@B.cn', '男', '公司']));
    assert.ok('lead' in verdict);
    assert.equal(verdict.lead.phone, '13800138000');
    assert.equal(verdict.lead.gender, 1);
    assert.equal(verdict.lead.company, '公司');
    assert.equal(verdict.lead.wechat, '');
  });

  it('lists every problem of a bad row, one per column', () => {
    const verdict = validateRow(values(['', '123', 'not-an-email', '?', '']));
    assert.ok('errors' in verdict);
    assert.deepEqual(
      verdict.errors.map((e) => [e.column, e.reason]),
      [['姓名', 'leadImportRequired'], ['手机号', 'leadImportBadMobile'], ['邮箱', 'leadImportBadEmail'], ['性别', 'leadImportBadGender']],
    );
  });

  it('flags a missing phone and too-long values', () => {
    const verdict = validateRow(values(['名'.repeat(65), '', '', '', '']));
    assert.ok('errors' in verdict);
    assert.deepEqual(verdict.errors.map((e) => [e.column, e.reason, e.detail]), [['姓名', 'leadImportTooLong', '64'], ['手机号', 'leadImportRequired', undefined]]);
  });

  it('reads back the quote the product added against formula injection (a fixed error report uploaded again), and only that quote', () => {
    const verdict = validateRow(values(["'=HYPERLINK(\"http://x\",\"y\")", '+86 138 0013 8000', 'a@b.cn', '男', "'@公司"]));
    assert.ok('lead' in verdict, JSON.stringify(verdict));
    assert.equal(verdict.lead.name, '=HYPERLINK("http://x","y")');
    assert.equal(verdict.lead.phone, '13800138000');
    assert.equal(verdict.lead.company, '@公司');
    // A quote someone typed before ordinary text, a number or a phone is theirs: kept.
    assert.equal(values(["'张三", '', '', '', "'-3"]).name, "'张三");
    assert.equal(values(["'张三", '', '', '', "'-3"]).company, "'-3");
    // A neutralised tab-led value reads as the trimmed text, as the tab-led value itself would have.
    assert.equal(values(["'\t张三", '', '', '', '']).name, '张三');
  });

  it('knows a blank row', () => {
    assert.equal(isBlankRow(values([null, '', undefined, ' ', ''])), true);
    assert.equal(isBlankRow(values([null, '', 'x', '', ''])), false);
  });
});

describe('contacts', () => {
  it('makes a single value of a type primary and normalises phones', () => {
    const contacts = settleContacts([
      { type: 'phone', value: '+86 138 0013 8000', primary: false },
      { type: 'email', value: 'A@B.CN', primary: false },
    ]);
    assert.deepEqual(contacts, [
      { type: 'phone', value: '13800138000', primary: true },
      { type: 'email', value: 'a@b.cn', primary: true },
    ]);
  });

  it('needs exactly one primary among several of a type', () => {
    assert.throws(() => settleContacts([{ type: 'phone', value: '13800138000', primary: false }, { type: 'phone', value: '13900139000', primary: false }]), /leadPrimaryPerType/);
    assert.throws(() => settleContacts([{ type: 'phone', value: '13800138000', primary: true }, { type: 'phone', value: '13900139000', primary: true }]), /leadPrimaryPerType/);
    assert.equal(settleContacts([{ type: 'phone', value: '13800138000', primary: true }, { type: 'phone', value: '13900139000', primary: false }]).length, 2);
  });

  it('refuses bad phones and duplicates', () => {
    assert.throws(() => settleContacts([{ type: 'phone', value: '123', primary: true }]), /leadBadMobile/);
    assert.throws(() => settleContacts([{ type: 'wechat', value: 'a', primary: true }, { type: 'wechat', value: 'a', primary: false }]), /leadContactDuplicate/);
  });
});

describe('local day', () => {
  it('starts at midnight Asia/Shanghai', () => {
    assert.equal(startOfLocalDay(new Date('2026-03-01T15:59:59Z'), 'Asia/Shanghai').toISOString(), '2026-02-28T16:00:00.000Z');
    assert.equal(startOfLocalDay(new Date('2026-03-01T16:00:00Z'), 'Asia/Shanghai').toISOString(), '2026-03-01T16:00:00.000Z');
    assert.equal(startOfLocalDay(new Date('2026-03-01T00:30:00.500Z'), 'UTC').toISOString(), '2026-03-01T00:00:00.000Z');
  });
});

describe('import batches', () => {
  /** Rows numbered from 1 as a reader gives them; `null` is a blank row. */
  async function* rowsOf(rows: Array<unknown[] | null>) {
    for (const [index, cells] of rows.entries()) yield { number: index + 1, cells: cells === null ? [] : [undefined, ...cells] };
  }
  const phone = (i: number) => `1380000${String(i).padStart(4, '0')}`;
  /** The batches, with the lead JSON parsed and only the fields a test looks at. */
  async function batchesOf(rows: Array<unknown[] | null>, checkpoint: number, batchRows: number) {
    const out = [];
    for await (const batch of importBatches(rowsOf(rows), checkpoint, batchRows)) {
      const leads = (JSON.parse(batch.leads) as Array<{ row: number; name: string; phone: string; email: string; emailKey: string }>).map((lead) => [lead.row, lead.phone]);
      assert.equal(batch.leadCount, leads.length);
      const errors = batch.errors.map((text) => JSON.parse(text) as { row: number; reason: string; detail: string }).map((error) => [error.row, error.reason, error.detail]);
      out.push({ leads, errors, invalidRows: batch.invalidRows, lastRow: batch.lastRow, total: batch.total });
    }
    return out;
  }

  it('finds the header after blank rows, skips blank rows, reports duplicates of earlier rows and bad rows', async () => {
    const batches = await batchesOf(
      [null, ['', ' '], ['手机号', '姓名', '邮箱'], [phone(1), '甲', 'A@Example.COM'], null, [phone(2), '乙'], [phone(1), '丙'], ['123', '丁'], [phone(3), ''], [phone(4), '戊']],
      0,
      100,
    );
    assert.deepEqual(batches, [
      {
        leads: [
          [4, phone(1)],
          [6, phone(2)],
          [10, phone(4)],
        ],
        errors: [
          [7, 'leadImportDuplicateInFile', '4'],
          [8, 'leadImportBadMobile', ''],
          [9, 'leadImportRequired', ''],
        ],
        invalidRows: 3,
        lastRow: 10,
        total: 6,
      },
    ]);
  });

  it('cuts batches of batchRows settled rows, each carrying its last row and the total so far', async () => {
    const rows = [['姓名', '手机号'], ...Array.from({ length: 7 }, (_, i) => [`n${i + 2}`, i === 3 ? 'bad' : phone(i + 2)])];
    const batches = await batchesOf(rows, 0, 3);
    assert.deepEqual(
      batches.map((batch) => [batch.leads.map(([row]) => row), batch.errors.map(([row]) => row), batch.lastRow, batch.total]),
      [
        [[2, 3, 4], [], 4, 3],
        [[6, 7], [5], 7, 6],
        [[8], [], 8, 7],
      ],
    );
  });

  it('after a checkpoint, settles only later rows but still knows the earlier rows\' phones', async () => {
    const rows = [['姓名', '手机号'], ['a', phone(1)], ['b', 'bad'], ['c', phone(2)], ['d', phone(1)], ['e', phone(3)], ['f', phone(2)]];
    const batches = await batchesOf(rows, 4, 100);
    assert.deepEqual(batches, [
      {
        leads: [[6, phone(3)]],
        errors: [
          [5, 'leadImportDuplicateInFile', '2'],
          [7, 'leadImportDuplicateInFile', '4'],
        ],
        invalidRows: 2,
        lastRow: 7,
        total: 6,
      },
    ]);
    // Everything settled already: one empty batch that carries the total, and the checkpoint as its last row.
    assert.deepEqual(await batchesOf(rows, 7, 100), [{ leads: [], errors: [], invalidRows: 0, lastRow: 7, total: 6 }]);
  });

  it('refuses a header without the required columns, and yields nothing to settle for an empty sheet', async () => {
    await assert.rejects(batchesOf([['姓名', '公司'], ['a', 'b']], 0, 10), /missing columns: 手机号/);
    assert.deepEqual(await batchesOf([null, null], 0, 10), [{ leads: [], errors: [], invalidRows: 0, lastRow: 0, total: 0 }]);
  });

  it('keeps every lead field and a lower-cased email key', async () => {
    const { value } = await importBatches(rowsOf([['姓名', '手机号', '邮箱'], ['甲', '+86 138-0000-0001', 'A@Example.COM']]), 0, 10).next();
    assert.deepEqual(JSON.parse(value!.leads), [
      { row: 2, name: '甲', phone: phone(1), wechat: '', email: 'A@Example.COM', company: '', position: '', gender: 0, channel: '', address: '', remark: '', emailKey: 'a@example.com' },
    ]);
  });
});
