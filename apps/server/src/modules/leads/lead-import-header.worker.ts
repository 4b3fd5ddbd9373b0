// Reads an import file's header in a worker thread (see readHeader in lead-import.ts): workerData is the
// file's path; posts { header } — the first non-blank row's mapping and number, or null — or { error }.
import { parentPort, workerData } from 'node:worker_threads';
import { sheetRows } from '../../platform/excel.ts';
import { mapHeaders } from './lead-import-rows.ts';

async function readHeader(path: string) {
  for await (const { number, cells } of sheetRows(path)) {
    if (cells.some((cell) => cell !== null && cell !== undefined && String(cell).trim() !== '')) return { mapping: mapHeaders(cells), row: number };
  }
  return null;
}

try {
  parentPort!.postMessage({ header: await readHeader(workerData as string) });
} catch (error) {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
