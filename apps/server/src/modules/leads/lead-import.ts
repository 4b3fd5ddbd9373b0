// Excel import of leads, as a tracked job. The file is read streaming (exceljs WorkbookReader) in a worker
// thread with a bounded heap, so a 100,000-row file never sits in memory. Rows are settled in batches: each
// batch — its leads, their contacts and timeline entries, its report rows and the import's checkpoint —
// commits in one transaction, so a crash loses no row and a retry (pg-boss, or uploading the same file
// again) resumes after the last committed batch without applying any row twice (lead_import_row_uq backs
// this up).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MultipartFile } from '@fastify/multipart';
import type { Db } from '../../platform/db/database.ts';
import type { FileStore } from '../../platform/files.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { saveUpload } from '../../platform/uploads.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { translate, type Locale } from '../../platform/http/i18n.ts';
import type { ImportErrorRow, ImportRow, LeadImportRepository } from './lead-import.repository.ts';
import { loadExcel, streamWorkbook, type ExportColumn } from '../../platform/excel.ts';
import { streamFromWorker } from '../../platform/worker.ts';
import { IMPORT_COLUMNS, headerOf, type HeaderMapping, type ImportBatch } from './lead-import-rows.ts';

export const LEAD_IMPORT_JOB = 'leads.import';
/** Rows per transaction. */
const BATCH_ROWS = 1000;
/** Upload limit: a 100,000-row file with every column filled is about 8 MB. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const READER = new URL('./lead-import-reader.worker.ts', import.meta.url);
/**
 * The reader's heap. Without a limit V8 lets a heap grow far past what is alive before collecting it:
 * reading a 100,000-row file in the server's own thread grew it by ~130 MB of garbage. What the reader
 * keeps is the duplicate check's phones and, for a file Excel wrote, its shared-strings table (~25 MB for
 * 100,000 rows); a file needing more fails its job with the worker's out-of-memory error.
 */
const READER_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 };

/** The header of a file — its first non-blank row — read in a worker thread, or null for an empty sheet. */
export async function readHeader(path: string): Promise<{ mapping: HeaderMapping; row: number } | null> {
  for await (const header of streamFromWorker<{ mapping: HeaderMapping; row: number }>(READER, { workerData: { path, header: true }, resourceLimits: READER_LIMITS })) {
    return header;
  }
  return null;
}

/** The file's batches to settle after `checkpoint` (importBatches), read in a worker thread. */
const readBatches = (path: string, checkpoint: number) =>
  streamFromWorker<ImportBatch>(READER, { workerData: { path, checkpoint, batchRows: BATCH_ROWS }, resourceLimits: READER_LIMITS });

const GENDER_TEXT = ['', '男', '女'] as const;

export interface LeadImportDeps {
  /** Transactions (a batch commits with its checkpoint). */
  db: Pick<Db, 'transaction'>;
  imports: LeadImportRepository;
  files: FileStore;
  jobs: Pick<JobService, 'start'>;
  now: () => number;
  timeZone: string;
}

export function createLeadImportService(deps: LeadImportDeps) {
  const { db, imports } = deps;

  const toRecord = (row: ImportRow, duplicateFile = false) => ({
    id: row.id,
    fileName: row.fileName,
    jobId: row.jobId,
    status: row.status,
    totalRows: row.totalRows,
    checkpointRow: row.checkpointRow,
    insertedRows: row.insertedRows,
    invalidRows: row.invalidRows,
    error: row.error,
    ownerUserid: row.ownerUserid,
    finishedAt: row.finishedAt,
    ctime: row.ctime,
    cuser: row.cuser,
    duplicateFile,
    reportUrl: `/scrm/admin/clue/import/report?id=${row.id}`,
  });

  /** An import the job works on (any). */
  async function load(id: number): Promise<ImportRow> {
    const row = await imports.system().find(id);
    if (!row) throw new NotFound('leadImport', id);
    return row;
  }

  /** An import the caller may see: theirs, or one whose uploader their data scope covers; else 404. */
  async function loadFor(ctx: RequestContext, id: number): Promise<ImportRow> {
    const row = await imports.forViewer(await viewerOf(ctx)).find(id);
    if (!row) throw new NotFound('leadImport', id);
    return row;
  }

  /** Settles one batch in one transaction; returns the new checkpoint. */
  async function applyBatch(imported: ImportRow, batch: ImportBatch, expectedCheckpoint: number, actor: string | null): Promise<number> {
    const lastRow = batch.lastRow;
    const now = new Date(deps.now()).toISOString();
    await db.transaction(async (tx) => {
      // Only the attempt that knows the current checkpoint may move it: two workers never settle one batch.
      if (!(await imports.claimCheckpoint(tx, imported.id, expectedCheckpoint, lastRow, now))) {
        throw new Error(`lead import ${imported.id}: checkpoint moved by another attempt`);
      }
      let inserted = 0;
      let refusedRows = 0;
      const errors = batch.errors;
      if (batch.leadCount) {
        const { inserted: count, refused } = await imports.insertLeads(tx, imported, batch.leads, now, actor);
        inserted = count;
        refusedRows = refused.length;
        for (const { row, holder, lead: refusedLead } of refused) {
          // No holder: the unique index refused it — a lead stored meanwhile (collection API, another import) has the phone.
          const holderId = holder ?? (await imports.phoneHolder(tx, refusedLead.phone));
          const values = { ...refusedLead, gender: GENDER_TEXT[refusedLead.gender] };
          errors.push(JSON.stringify({ row, column: headerOf('phone'), reason: 'leadImportPhoneExists', detail: holderId === null ? '' : String(holderId), values }));
        }
      }
      await imports.insertErrors(tx, imported.id, errors);
      await imports.addCounts(tx, imported.id, inserted, batch.invalidRows + refusedRows);
    });
    return lastRow;
  }

  /** The job body: reads the file from the start, skips what earlier attempts settled, settles the rest. */
  async function run(input: { importId: number }, job: JobProgress) {
    let imported = await load(input.importId);
    if (imported.status === 'completed') return { importId: imported.id, inserted: imported.insertedRows, invalid: imported.invalidRows, total: imported.totalRows };
    await imports.update(imported.id, { status: 'running', jobId: job.jobId, error: null });
    try {
      const path = deps.files.pathOf(imported.fileKey);
      let checkpoint = imported.checkpointRow;
      let total = 0;
      for await (const batch of readBatches(path, checkpoint)) {
        total = batch.total;
        if (batch.leadCount + batch.invalidRows === 0) continue;
        checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
        await job.progress(total, undefined, { key: 'jobImportRow', params: { row: checkpoint } });
      }
      await imports.update(imported.id, { status: 'completed', totalRows: total, finishedAt: new Date(deps.now()) });
      await job.progress(total, total);
      imported = await load(imported.id);
      return { importId: imported.id, inserted: imported.insertedRows, invalid: imported.invalidRows, total };
    } catch (error) {
      await imports.update(imported.id, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  return {
    run,
    get: async (ctx: RequestContext, id: number) => toRecord(await loadFor(ctx, id)),

    /**
     * Stores the upload and starts its job. The same file (by content) again: the earlier import is
     * returned; if it had failed, its job is started again and resumes after its checkpoint. The same file
     * imported by someone outside the caller's scope: refused (that import stays theirs).
     */
    async upload(ctx: RequestContext, file: MultipartFile | undefined, options: { ownerUserid?: string }) {
      if (!file) throw new BadRequest('fileRequired');
      const viewer = await viewerOf(ctx);
      // Streamed to its place in the file store, hashed on the way; removed again when refused or already imported.
      const fileKey = `lead-import/${randomBytes(16).toString('hex')}.xlsx`;
      const path = deps.files.pathOf(fileKey);
      await mkdir(dirname(path), { recursive: true });
      const saved = await saveUpload(file, IMPORT_MAX_BYTES, path);
      // xlsx is a zip: PK\x03\x04.
      if (saved.size < 4 || saved.head.readUInt32BE(0) !== 0x504b0304) {
        await deps.files.remove(fileKey);
        throw new InvalidField('file', 'leadImportXlsx');
      }
      const fileHash = saved.sha256;
      const actor = actorOf(ctx);
      /** The earlier import of this file, when the caller may see it; refused when it is someone else's. */
      const earlierVisible = async () => {
        if (!(await imports.system().findByHash(fileHash))) return undefined;
        const visible = await imports.forViewer(viewer).findByHash(fileHash);
        if (!visible) throw new Conflict('leadImportFileTaken');
        return visible;
      };
      let earlier: ImportRow | undefined;
      try {
        earlier = await earlierVisible();
      } catch (error) {
        await deps.files.remove(fileKey);
        throw error;
      }
      if (earlier) {
        await deps.files.remove(fileKey);
        if (earlier.status === 'failed') {
          const job = await deps.jobs.start(LEAD_IMPORT_JOB, { importId: earlier.id }, { actor });
          await imports.update(earlier.id, { status: 'queued', jobId: job.id, error: null, muser: actor, mtime: new Date(deps.now()) });
        }
        return toRecord(await load(earlier.id), true);
      }
      let header: Awaited<ReturnType<typeof readHeader>>;
      try {
        header = await readHeader(deps.files.pathOf(fileKey));
      } catch {
        await deps.files.remove(fileKey);
        throw new InvalidField('file', 'leadImportUnreadable');
      }
      if (!header || header.mapping.missing.length) {
        await deps.files.remove(fileKey);
        const missing = header ? header.mapping.missing : IMPORT_COLUMNS.filter((c) => c.required).map((c) => c.field);
        throw new InvalidField('file', 'leadImportMissingColumns', { columns: missing.map(headerOf).join('、') });
      }
      const now = new Date(deps.now());
      const inserted = await imports.insert({ fileHash, fileName: (file.filename ?? '').slice(0, 255), fileKey, ownerUserid: options.ownerUserid ?? null, ctime: now, cuser: actor, mtime: now, muser: actor });
      if (!inserted) {
        // The same file uploaded at the same moment by someone else.
        await deps.files.remove(fileKey);
        const winner = await earlierVisible();
        if (!winner) throw new Conflict('leadImportFileTaken');
        return toRecord(winner, true);
      }
      const job = await deps.jobs.start(LEAD_IMPORT_JOB, { importId: inserted.id }, { actor });
      await imports.update(inserted.id, { jobId: job.id });
      return toRecord(await load(inserted.id));
    },

    /** The invalid rows as xlsx (row number, column, reason, then the row's values), streamed; for those who see the import. */
    async report(ctx: RequestContext, id: number) {
      const locale = ctx.locale;
      const imported = await loadFor(ctx, id);
      const columns: ExportColumn<ImportErrorRow>[] = [
        { header: locale === 'en' ? 'Row' : '行号', width: 8, value: (row) => String(row.rowNumber) },
        { header: locale === 'en' ? 'Column' : '列', width: 12, value: (row) => row.columnName },
        { header: locale === 'en' ? 'Reason' : '原因', width: 40, value: (row) => translate(row.reason, locale, { detail: row.detail }) },
        ...IMPORT_COLUMNS.map((column) => ({ header: column.header, width: 16, value: (row: ImportErrorRow) => row.rowValues?.[column.field] ?? '' })),
      ];
      async function* batches() {
        let after: { rowNumber: number; id: number } | null = null;
        for (;;) {
          const rows = await imports.errorsAfter(imported.id, after, 2000);
          if (rows.length === 0) return;
          yield rows;
          const last = rows[rows.length - 1];
          after = { rowNumber: last.rowNumber, id: last.id };
        }
      }
      return {
        fileName: reportFileName(imported.fileName, locale),
        stream: streamWorkbook(batches(), columns, { timeZone: deps.timeZone, sheetName: locale === 'en' ? 'Invalid rows' : '导入失败行' }),
      };
    },
  };
}

/** The error report is named after the uploaded file: 客户名单.xlsx → 客户名单-导入失败行.xlsx. */
export function reportFileName(uploaded: string, locale: Locale): string {
  const base = uploaded.replace(/\.[^.]*$/, '').replace(/[\\/\u0000-\u001f"]/g, '').trim() || (locale === 'en' ? 'leads' : '线索');
  return `${base}-${locale === 'en' ? 'invalid-rows' : '导入失败行'}.xlsx`;
}

/** The import template: the columns' headers (required ones marked) and one example row. */
export async function templateWorkbook(): Promise<Buffer> {
  const workbook = new (await loadExcel()).Workbook();
  const sheet = workbook.addWorksheet('线索导入');
  sheet.columns = IMPORT_COLUMNS.map((column) => ({ header: column.required ? `*${column.header}` : column.header, key: column.field, width: 18 }));
  sheet.addRow(Object.fromEntries(IMPORT_COLUMNS.map((column) => [column.field, column.example])));
  sheet.getRow(1).font = { bold: true };
  const notes = workbook.addWorksheet('说明');
  notes.addRows([
    ['带 * 的列必填；列的顺序不限，多余的列会被忽略，空行会被跳过。'],
    ['手机号须为 11 位中国大陆手机号；与文件中前面的行或已有线索重复的手机号不会导入，并列入失败报告。'],
    ['性别填写 男、女 或 未知。同一文件重复上传只导入一次。'],
  ]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export type LeadImportService = ReturnType<typeof createLeadImportService>;
