// Streaming xlsx, both ways: exports are written with exceljs's streaming WorkbookWriter as rows are read in
// batches, and uploads are read row by row with its WorkbookReader, so memory stays flat whatever the row
// count.
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type ExcelJS from 'exceljs';

/** exceljs, loaded on first use: it takes ~0.3 s and ~30 MB to load, which start-up need not pay. */
export const loadExcel = async (): Promise<typeof ExcelJS> => (await import('exceljs')).default;

export interface ExportColumn<T> {
  header: string;
  width: number;
  value: (row: T, formatTime: (date: Date) => string) => string;
}

/** `YYYY-MM-DD HH:mm:ss` in the given time zone. */
export function timeFormatter(timeZone: string): (date: Date) => string {
  const format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return (date) => format.format(date);
}

/**
 * Formula injection (OWASP "CSV injection"): a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return may be taken for a formula (or a DDE call) by a spreadsheet. Such a text is written with a single
 * quote in front, so it reads as text — unless it is arithmetic on literals only (digits, spaces, signs,
 * parentheses, `.`, `,`, `%`, or a number with an exponent), which can neither call nor reference anything:
 * phone numbers (`+86 138 0013 8000`) and plain numbers (`-3`, `+1.5e3`) stay as they are. Every xlsx the
 * product writes goes through this (`exportRowOf`); `restoreNeutralised` reads it back.
 */
export function neutraliseFormula(text: string): string {
  if (!FORMULA_START.test(text) || ARITHMETIC_ON_LITERALS.test(text) || PLAIN_NUMBER.test(text)) return text;
  return `'${text}`;
}

/**
 * The inverse, for imports of what the product exported: a quote `neutraliseFormula` added is removed; any
 * other text (a quote someone typed before an ordinary word included) is left alone.
 */
export function restoreNeutralised(text: string): string {
  return text.startsWith("'") && neutraliseFormula(text.slice(1)) === text ? text.slice(1) : text;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const ARITHMETIC_ON_LITERALS = /^[\d +\-().,%]*$/;
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** One export row's cells, as written: each column's text, formula-neutralised. */
export const exportRowOf = <T>(columns: ExportColumn<T>[], row: T, formatTime: (date: Date) => string): string[] =>
  columns.map((column) => neutraliseFormula(column.value(row, formatTime)));

/**
 * Starts writing the workbook into the returned stream; `batches` yields rows batch by batch. Reading the
 * next batch waits while the consumer is behind, so a slow download does not pile rows up in memory.
 */
export function streamWorkbook<T>(
  batches: AsyncIterable<T[]>,
  columns: ExportColumn<T>[],
  options: { timeZone: string; sheetName: string; onError?: (error: unknown) => void },
): PassThrough {
  const output = new PassThrough({ highWaterMark: 1024 * 1024 });
  const formatTime = timeFormatter(options.timeZone);
  (async () => {
    const workbook = new (await loadExcel()).stream.xlsx.WorkbookWriter({ stream: output as Writable, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet(options.sheetName);
    sheet.columns = columns.map((column, index) => ({ header: column.header, key: String(index), width: column.width }));
    for await (const batch of batches) {
      for (const row of batch) sheet.addRow(exportRowOf(columns, row, formatTime)).commit();
      if (output.writableNeedDrain) await once(output, 'drain');
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error) => {
    options.onError?.(error);
    output.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return output;
}

export interface SheetRow {
  /** The row number as Excel shows it. */
  number: number;
  /** exceljs row values: index 1 is column A. */
  cells: unknown[];
}

/** Decodes UTF-8 across chunk boundaries (a character split between two chunks stays whole). */
async function* decodeUtf8(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of chunks) yield typeof chunk === 'string' ? chunk : decoder.write(chunk);
  const rest = decoder.end();
  if (rest) yield rest;
}

/** What of exceljs's WorkbookReader internals the adjustments below touch. */
interface ReaderInternals {
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Generator<unknown>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  sharedStrings?: unknown[];
}

/** A copy of a string that does not keep alive the (much larger) chunk of text it was cut from. */
const detached = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/**
 * Two adjustments to exceljs's streaming reader.
 * - It decodes each zip chunk on its own, so a Chinese character split between two chunks comes out as
 *   "��" (exceljs issues #2063, #2084 — about 1 row in 25,000 of a Chinese sheet). Its sheet and
 *   shared-strings parsers are given whole characters here instead.
 * - The shared-strings table (every text of a file Excel wrote) is kept for the whole read, and each of its
 *   strings is a slice of the parser's chunk of XML: the table would keep the whole decoded XML alive
 *   (~2× its size). Entries are stored as detached plain text instead (rich text's runs joined: only the
 *   text is read).
 */
function adjustReader(reader: ExcelJS.stream.xlsx.WorkbookReader): void {
  const internals = reader as unknown as ReaderInternals;
  const parseWorksheet = internals._parseWorksheet.bind(reader);
  const parseSharedStrings = internals._parseSharedStrings.bind(reader);
  internals._parseWorksheet = (iterator, sheetNo) => parseWorksheet(decodeUtf8(iterator), sheetNo);
  internals._parseSharedStrings = (entry) => {
    entry.setEncoding('utf8');
    return parseSharedStrings(entry);
  };
  let table: unknown[] | undefined;
  Object.defineProperty(internals, 'sharedStrings', {
    get: () => table,
    set(value: unknown[]) {
      table = value;
      // exceljs fills the table with push(text) or push({ richText: [{ text, font }…] }).
      table.push = (...entries: unknown[]) => {
        for (const entry of entries) {
          const richText = (entry as { richText?: Array<{ text: string }> } | null)?.richText;
          Array.prototype.push.call(table, typeof entry === 'string' ? detached(entry) : richText ? detached(richText.map((run) => run.text).join('')) : entry);
        }
        return table!.length;
      };
    },
  });
}

/**
 * The first worksheet's rows, streamed. A path is opened here and closed when the caller stops early
 * (e.g. after the header row) instead of being left to exceljs's abandoned reader.
 */
export async function* sheetRows(input: string | Readable): AsyncGenerator<SheetRow> {
  const { stream } = await loadExcel();
  const source = typeof input === 'string' ? createReadStream(input) : input;
  const reader = new stream.xlsx.WorkbookReader(source as never, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  adjustReader(reader);
  try {
    for await (const worksheet of reader) {
      for await (const row of worksheet) yield { number: row.number, cells: row.values as unknown[] };
      return;
    }
  } finally {
    if (typeof input === 'string') source.destroy();
  }
}
