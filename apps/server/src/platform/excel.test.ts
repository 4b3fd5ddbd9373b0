import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { sheetRows } from './excel.ts';

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
