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
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { FileStore } from '../../platform/files.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { saveUpload } from '../../platform/uploads.ts';
import { BadRequest, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { translate, type Locale } from '../../platform/http/i18n.ts';
import { lead, leadImport, leadImportError } from '../../db/schema/leads.ts';
import { loadExcel, streamWorkbook, type ExportColumn } from '../../platform/excel.ts';
import { streamFromWorker } from '../../platform/worker.ts';
import { IMPORT_COLUMNS, headerOf, type HeaderMapping, type ImportBatch, type ImportedLead } from './lead-import-rows.ts';

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
  db: Db;
  files: FileStore;
  jobs: JobService;
  now: () => number;
  timeZone: string;
}

type ImportRow = typeof leadImport.$inferSelect;

export function createLeadImportService(deps: LeadImportDeps) {
  const { db } = deps;

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
    ownerId: row.ownerId,
    finishedAt: row.finishedAt,
    ctime: row.ctime,
    cuser: row.cuser,
    duplicateFile,
    reportUrl: `/scrm/admin/clue/import/report?id=${row.id}`,
  });

  async function load(id: number): Promise<ImportRow> {
    const [row] = await db.select().from(leadImport).where(eq(leadImport.id, id));
    if (!row) throw new NotFound('leadImport', id);
    return row;
  }

  /** Settles one batch in one transaction; returns the new checkpoint. */
  async function applyBatch(imported: ImportRow, batch: ImportBatch, expectedCheckpoint: number, actor: string | null): Promise<number> {
    const lastRow = batch.lastRow;
    const now = new Date(deps.now()).toISOString();
    await db.transaction(async (tx) => {
      // Only the attempt that knows the current checkpoint may move it: two workers never settle one batch.
      const claimed = await tx.execute(
        sql`UPDATE lead_import SET checkpoint_row = ${lastRow}, mtime = ${now}::timestamptz WHERE id = ${imported.id} AND checkpoint_row = ${expectedCheckpoint} RETURNING id`,
      );
      if (claimed.rows.length === 0) throw new Error(`lead import ${imported.id}: checkpoint moved by another attempt`);

      let inserted = 0;
      let refusedRows = 0;
      const errors = batch.errors;
      if (batch.leadCount) {
        // One statement: leads whose phone no live lead holds are stored with their contacts and an
        // 'imported' timeline entry; the others come back to be reported.
        const status = imported.ownerId ? 'assigned' : 'pool';
        const result = await tx.execute<{ result: { inserted: number; refused: Array<{ row: number; holder: number | null; lead: ImportedLead }> } }>(sql`
          WITH t AS (
            SELECT * FROM jsonb_to_recordset(${batch.leads}::jsonb)
              AS t("row" int, name text, gender smallint, company text, "position" text, address text, remark text, channel text,
                   phone text, wechat text, email text, "emailKey" text)
          ),
          holders AS (
            SELECT DISTINCT ON (t."row") t."row", l.id FROM t
            JOIN lead l ON l.primary_phone = t.phone AND l.merged_into_id IS NULL AND l.is_del = 0
            ORDER BY t."row", l.id
          ),
          ins AS (
            INSERT INTO lead (name, gender, company, position, address, remark, source, channel, status, owner_id, assigned_at,
                              primary_phone, import_id, import_row, ctime, cuser, mtime, muser)
            SELECT t.name, t.gender, t.company, t."position", t.address, t.remark, 'import', t.channel, ${status}, ${imported.ownerId},
                   ${imported.ownerId ? now : null}::timestamptz, t.phone, ${imported.id}, t."row", ${now}::timestamptz, ${actor}, ${now}::timestamptz, ${actor}
            FROM t WHERE NOT EXISTS (SELECT 1 FROM holders h WHERE h."row" = t."row")
            ORDER BY t."row"
            ON CONFLICT DO NOTHING
            RETURNING id, import_row
          ),
          contacts AS (
            INSERT INTO lead_contact (lead_id, type, value, is_primary, ctime, cuser)
            SELECT ins.id, c.type, c.value, true, ${now}::timestamptz, ${actor}
            FROM ins JOIN t ON t."row" = ins.import_row
            CROSS JOIN LATERAL (VALUES (1, 'phone', t.phone), (2, 'wechat', t.wechat), (3, 'email', t."emailKey")) AS c(n, type, value)
            WHERE c.value <> ''
            ORDER BY ins.id, c.n
            ON CONFLICT DO NOTHING
          ),
          events AS (
            INSERT INTO lead_event (lead_id, type, occurred_at, actor, data, ctime)
            SELECT ins.id, 'imported', ${now}::timestamptz, ${actor},
                   jsonb_build_object('importId', ${imported.id}::bigint, 'row', ins.import_row, 'fileName', ${imported.fileName}::text), ${now}::timestamptz
            FROM ins ORDER BY ins.id
          )
          SELECT jsonb_build_object(
            'inserted', (SELECT count(*) FROM ins),
            'refused', COALESCE((
              SELECT jsonb_agg(jsonb_build_object('row', t."row", 'holder', h.id, 'lead', to_jsonb(t) - 'row' - 'emailKey') ORDER BY t."row")
              FROM t LEFT JOIN holders h ON h."row" = t."row"
              WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.import_row = t."row")
            ), '[]'::jsonb)
          ) AS result`);
        const { inserted: count, refused } = result.rows[0].result;
        inserted = Number(count);
        refusedRows = refused.length;
        for (const { row, holder, lead: refusedLead } of refused) {
          // No holder: the unique index refused it — a lead stored meanwhile (collection API, another import) has the phone.
          let holderId = holder;
          if (holderId === null) {
            const [found] = await tx.select({ id: lead.id }).from(lead).where(and(eq(lead.primaryPhone, refusedLead.phone), sql`merged_into_id IS NULL AND is_del = 0`));
            holderId = found?.id ?? null;
          }
          const values = { ...refusedLead, gender: GENDER_TEXT[refusedLead.gender] };
          errors.push(JSON.stringify({ row, column: headerOf('phone'), reason: 'leadImportPhoneExists', detail: holderId === null ? '' : String(holderId), values }));
        }
      }

      if (errors.length) {
        await tx.execute(sql`
          INSERT INTO lead_import_error (import_id, row_number, column_name, reason, detail, row_values)
          SELECT ${imported.id}, e."row", e."column", e.reason, e.detail, e."values"
          FROM jsonb_to_recordset(${'[' + errors.join(',') + ']'}::jsonb) AS e("row" int, "column" text, reason text, detail text, "values" jsonb)
          ON CONFLICT DO NOTHING`);
      }
      await tx.execute(
        sql`UPDATE lead_import SET inserted_rows = inserted_rows + ${inserted}, invalid_rows = invalid_rows + ${batch.invalidRows + refusedRows} WHERE id = ${imported.id}`,
      );
    });
    return lastRow;
  }

  /** The job body: reads the file from the start, skips what earlier attempts settled, settles the rest. */
  async function run(input: { importId: number }, job: JobProgress) {
    let imported = await load(input.importId);
    if (imported.status === 'completed') return { importId: imported.id, inserted: imported.insertedRows, invalid: imported.invalidRows, total: imported.totalRows };
    await db.update(leadImport).set({ status: 'running', jobId: job.jobId, error: null }).where(eq(leadImport.id, imported.id));
    try {
      const path = deps.files.pathOf(imported.fileKey);
      let checkpoint = imported.checkpointRow;
      let total = 0;
      for await (const batch of readBatches(path, checkpoint)) {
        total = batch.total;
        if (batch.leadCount + batch.invalidRows === 0) continue;
        checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
        await job.progress(total, undefined, `row ${checkpoint}`);
      }
      await db
        .update(leadImport)
        .set({ status: 'completed', totalRows: total, finishedAt: new Date(deps.now()) })
        .where(eq(leadImport.id, imported.id));
      await job.progress(total, total);
      imported = await load(imported.id);
      return { importId: imported.id, inserted: imported.insertedRows, invalid: imported.invalidRows, total };
    } catch (error) {
      await db
        .update(leadImport)
        .set({ status: 'failed', error: error instanceof Error ? error.message : String(error) })
        .where(eq(leadImport.id, imported.id));
      throw error;
    }
  }

  return {
    run,
    get: async (id: number) => toRecord(await load(id)),

    /**
     * Stores the upload and starts its job. The same file (by content) again: the earlier import is
     * returned; if it had failed, its job is started again and resumes after its checkpoint.
     */
    async upload(ctx: RequestContext, file: MultipartFile | undefined, options: { ownerId?: number }) {
      if (!file) throw new BadRequest('fileRequired');
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
      const [earlier] = await db.select().from(leadImport).where(eq(leadImport.fileHash, fileHash));
      if (earlier) {
        await deps.files.remove(fileKey);
        if (earlier.status === 'failed') {
          const job = await deps.jobs.start(LEAD_IMPORT_JOB, { importId: earlier.id }, { actor });
          await db.update(leadImport).set({ status: 'queued', jobId: job.id, error: null, muser: actor, mtime: new Date(deps.now()) }).where(eq(leadImport.id, earlier.id));
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
      const inserted = await db
        .insert(leadImport)
        .values({ fileHash, fileName: (file.filename ?? '').slice(0, 255), fileKey, ownerId: options.ownerId ?? null, ctime: now, cuser: actor, mtime: now, muser: actor })
        .onConflictDoNothing()
        .returning();
      if (!inserted[0]) {
        // The same file uploaded at the same moment by someone else.
        await deps.files.remove(fileKey);
        const [winner] = await db.select().from(leadImport).where(eq(leadImport.fileHash, fileHash));
        return toRecord(winner, true);
      }
      const job = await deps.jobs.start(LEAD_IMPORT_JOB, { importId: inserted[0].id }, { actor });
      await db.update(leadImport).set({ jobId: job.id }).where(eq(leadImport.id, inserted[0].id));
      return toRecord(await load(inserted[0].id));
    },

    /** The invalid rows as xlsx (row number, column, reason, then the row's values), streamed. */
    async report(id: number, locale: Locale) {
      const imported = await load(id);
      type ErrorRow = typeof leadImportError.$inferSelect;
      const columns: ExportColumn<ErrorRow>[] = [
        { header: locale === 'en' ? 'Row' : '行号', width: 8, value: (row) => String(row.rowNumber) },
        { header: locale === 'en' ? 'Column' : '列', width: 12, value: (row) => row.columnName },
        { header: locale === 'en' ? 'Reason' : '原因', width: 40, value: (row) => translate(row.reason, locale, { detail: row.detail }) },
        ...IMPORT_COLUMNS.map((column) => ({ header: column.header, width: 16, value: (row: ErrorRow) => row.rowValues?.[column.field] ?? '' })),
      ];
      async function* batches() {
        let after: { rowNumber: number; id: number } | null = null;
        for (;;) {
          const rows: ErrorRow[] = await db
            .select()
            .from(leadImportError)
            .where(
              and(
                eq(leadImportError.importId, imported.id),
                after ? or(gt(leadImportError.rowNumber, after.rowNumber), and(eq(leadImportError.rowNumber, after.rowNumber), gt(leadImportError.id, after.id))) : undefined,
              ),
            )
            .orderBy(asc(leadImportError.rowNumber), asc(leadImportError.id))
            .limit(2000);
          if (rows.length === 0) return;
          yield rows;
          const last: ErrorRow = rows[rows.length - 1];
          after = { rowNumber: last.rowNumber, id: last.id };
        }
      }
      return {
        fileName: `lead-import-${imported.id}-report.xlsx`,
        stream: streamWorkbook(batches(), columns, { timeZone: deps.timeZone, sheetName: locale === 'en' ? 'Invalid rows' : '导入失败行' }),
      };
    },
  };
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
