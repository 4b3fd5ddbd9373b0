// Streaming xlsx export: rows are written with exceljs's streaming WorkbookWriter as they are read in
// batches, so memory stays flat whatever the row count. Generic over the row type (any module's export).
import { PassThrough, type Writable } from 'node:stream';
import { once } from 'node:events';
import ExcelJS from 'exceljs';

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

export const exportRowOf = <T>(columns: ExportColumn<T>[], row: T, formatTime: (date: Date) => string): string[] =>
  columns.map((column) => column.value(row, formatTime));

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
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output as Writable, useStyles: false, useSharedStrings: false });
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
