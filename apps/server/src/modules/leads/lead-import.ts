// Excel import of leads, as a tracked job. The file is read streaming (exceljs WorkbookReader), so a
// 100,000-row file never sits in memory. Rows are settled in batches: each batch — its leads, their
// contacts and timeline entries, its report rows and the import's checkpoint — commits in one transaction,
// so a crash loses no row and a retry (pg-boss, or uploading the same file again) resumes after the last
// committed batch without applying any row twice (lead_import_row_uq backs this up).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import ExcelJS from 'exceljs';
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
import { sheetRows, streamWorkbook, type ExportColumn } from '../../platform/excel.ts';
import {
  IMPORT_COLUMNS,
  headerOf,
  isBlankRow,
  mapHeaders,
  rowValues,
  validateRow,
  type HeaderMapping,
  type ImportField,
  type ImportedLead,
  type RowError,
} from './lead-import-rows.ts';

export const LEAD_IMPORT_JOB = 'leads.import';
/** Rows per transaction. */
const BATCH_ROWS = 1000;
/** Upload limit: a 100,000-row file with every column filled is about 8 MB. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

/**
 * The header of a file: its first non-blank row. Read in a worker thread: exceljs stopped after the first
 * rows leaves that chunk's objects alive for a while, V8 then allocates what the same code creates next
 * straight in the old generation (allocation-site pretenuring), and the import of the file that follows
 * in this thread would pile up ~200 MB of old garbage between full collections.
 */
export function readHeader(path: string): Promise<{ mapping: HeaderMapping; row: number } | null> {
  return new Promise((resolve, reject) => {
    // The worker loads TypeScript through tsx, as the server itself runs (a worker does not inherit its loader hooks).
    const script = new URL('./lead-import-header.worker.ts', import.meta.url).href;
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: path });
    let settled = false;
    worker.once('message', (message: { header: { mapping: HeaderMapping; row: number } | null } | { error: string }) => {
      settled = true;
      if ('error' in message) reject(new Error(message.error));
      else resolve(message.header);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`header reader exited (${code})`));
    });
  });
}

/**
 * A batch of settled rows, each kept as one JSON text: a batch holds a few hundred flat strings instead of
 * row objects whose strings are slices of the reader's chunks. Batches outlive the young generation (they
 * wait for the database), so whatever they hold is promoted and collected late; this keeps that small.
 */
interface Batch {
  /** Valid rows: {row, name, gender, company, position, address, remark, channel, phone, wechat, email, emailKey}. */
  leads: string[];
  /** One entry per error of an invalid row: {row, column, reason, detail, values}. */
  errors: string[];
  /** Invalid rows (a row may have several errors). */
  invalidRows: number;
  lastRow: number;
}

const emptyBatch = (): Batch => ({ leads: [], errors: [], invalidRows: 0, lastRow: 0 });
const batchSize = (batch: Batch) => batch.leads.length + batch.invalidRows;

const GENDER_TEXT = ['', '男', '女'] as const;

function addLead(batch: Batch, row: number, imported: ImportedLead): void {
  batch.leads.push(JSON.stringify({ row, ...imported, emailKey: imported.email.toLowerCase() }));
  batch.lastRow = row;
}

function addInvalid(batch: Batch, row: number, values: Record<ImportField, string>, errors: RowError[]): void {
  for (const error of errors) batch.errors.push(JSON.stringify({ row, column: error.column, reason: error.reason, detail: error.detail ?? '', values }));
  batch.invalidRows++;
  batch.lastRow = row;
}

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
  async function applyBatch(imported: ImportRow, batch: Batch, expectedCheckpoint: number, actor: string | null): Promise<number> {
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
      if (batch.leads.length) {
        // One statement: leads whose phone no live lead holds are stored with their contacts and an
        // 'imported' timeline entry; the others come back to be reported.
        const status = imported.ownerId ? 'assigned' : 'pool';
        const result = await tx.execute<{ result: { inserted: number; refused: Array<{ row: number; holder: number | null; lead: ImportedLead }> } }>(sql`
          WITH t AS (
            SELECT * FROM jsonb_to_recordset(${'[' + batch.leads.join(',') + ']'}::jsonb)
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
      let mapping: HeaderMapping | null = null;
      let checkpoint = imported.checkpointRow;
      // Phones of valid rows so far → their row: later rows with the same phone are duplicates.
      const seen = new Map<string, number>();
      let batch = emptyBatch();
      let total = 0;
      for await (const { number, cells } of sheetRows(path)) {
        if (!mapping) {
          if (cells.every((cell) => cell === null || cell === undefined || String(cell).trim() === '')) continue;
          mapping = mapHeaders(cells);
          if (mapping.missing.length) throw new Error(`missing columns: ${mapping.missing.map(headerOf).join(', ')}`);
          continue;
        }
        const values = rowValues(cells, mapping);
        if (isBlankRow(values)) continue;
        total++;
        const verdict = validateRow(values);
        const settle = number > checkpoint; // rows up to the checkpoint were settled by an earlier attempt
        if ('lead' in verdict) {
          const earlier = seen.get(verdict.lead.phone);
          if (earlier !== undefined) {
            if (settle) addInvalid(batch, number, values, [{ column: headerOf('phone'), reason: 'leadImportDuplicateInFile', detail: String(earlier) }]);
          } else {
            seen.set(verdict.lead.phone, number);
            if (settle) addLead(batch, number, verdict.lead);
          }
        } else if (settle) addInvalid(batch, number, values, verdict.errors);
        if (batchSize(batch) >= BATCH_ROWS) {
          checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
          batch = emptyBatch();
          await job.progress(total, undefined, `row ${checkpoint}`);
        }
      }
      if (batchSize(batch)) checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
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
  const workbook = new ExcelJS.Workbook();
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
