// Reads an import file in a worker thread (see readHeader and readBatches in lead-import.ts). workerData:
// { path, header: true } streams the header — the first non-blank row's mapping and number — or nothing;
// { path, checkpoint, batchRows } streams the file's batches to settle (importBatches).
import { workerData } from 'node:worker_threads';
import { sheetRows } from '../../platform/excel.ts';
import { streamToParent } from '../../platform/worker.ts';
import { cellText, importBatches, mapHeaders } from './lead-import-rows.ts';

type Input = { path: string; header: true } | { path: string; header?: false; checkpoint: number; batchRows: number };

async function* header(path: string) {
  for await (const { number, cells } of sheetRows(path)) {
    if (cells.some((cell) => cellText(cell) !== '')) {
      yield { mapping: mapHeaders(cells), row: number };
      return;
    }
  }
}

const input = workerData as Input;
void streamToParent<unknown>(input.header ? header(input.path) : importBatches(sheetRows(input.path), input.checkpoint, input.batchRows));
