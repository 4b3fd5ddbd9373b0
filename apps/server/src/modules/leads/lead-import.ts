// Excel import of leads, as a tracked job. The file is read streaming (exceljs WorkbookReader), so a
// 100,000-row file never sits in memory. Rows are settled in batches: each batch — its leads, their
// contacts and timeline entries, its report rows and the import's checkpoint — commits in one transaction,
// so a crash loses no row and a retry (pg-boss, or uploading the same file again) resumes after the last
// committed batch without applying any row twice (lead_import_row_uq backs this up).
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { MultipartFile } from '@fastify/multipart';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.ts';
import type { FileStore } from '../../platform/files.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { readUpload } from '../../platform/uploads.ts';
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

/** The header of a file: its first non-blank row. */
export async function readHeader(path: string): Promise<{ mapping: HeaderMapping; row: number } | null> {
  for await (const { number, cells } of sheetRows(path)) {
    if (cells.some((cell) => cell !== null && cell !== undefined && String(cell).trim() !== '')) return { mapping: mapHeaders(cells), row: number };
  }
  return null;
}

/** A settled row; a valid one keeps only its lead (batches stay small: they outlive many young-generation GCs). */
type Settled = { row: number } & ({ lead: ImportedLead } | { values: Record<ImportField, string>; errors: RowError[] });

const GENDER_TEXT = ['', '男', '女'] as const;
/** A valid row's values for the report, when the database refuses it after all. */
const valuesOfLead = (lead: ImportedLead): Record<ImportField, string> => ({ ...lead, gender: GENDER_TEXT[lead.gender] });

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
  async function applyBatch(imported: ImportRow, batch: Settled[], expectedCheckpoint: number, actor: string | null): Promise<number> {
    const lastRow = batch[batch.length - 1].row;
    const now = new Date(deps.now());
    await db.transaction(async (tx) => {
      // Only the attempt that knows the current checkpoint may move it: two workers never settle one batch.
      const claimed = await tx.execute(
        sql`UPDATE lead_import SET checkpoint_row = ${lastRow}, mtime = ${now.toISOString()}::timestamptz WHERE id = ${imported.id} AND checkpoint_row = ${expectedCheckpoint} RETURNING id`,
      );
      if (claimed.rows.length === 0) throw new Error(`lead import ${imported.id}: checkpoint moved by another attempt`);

      const candidates = batch.filter((entry): entry is Settled & { lead: ImportedLead } => 'lead' in entry);
      const failures = batch.filter((entry): entry is Settled & { values: Record<ImportField, string>; errors: RowError[] } => 'errors' in entry).map((entry) => ({ row: entry.row, values: entry.values, errors: entry.errors }));

      const existing = new Map<string, number>();
      if (candidates.length) {
        const found = await tx.execute<{ id: number; primary_phone: string }>(
          sql`SELECT id, primary_phone FROM lead WHERE primary_phone = ANY(${sql.param(candidates.map((entry) => entry.lead.phone))}::text[]) AND merged_into_id IS NULL AND is_del = 0`,
        );
        for (const row of found.rows) existing.set(row.primary_phone, Number(row.id));
      }
      const fresh = candidates.filter((entry) => {
        const holder = existing.get(entry.lead.phone);
        if (holder === undefined) return true;
        failures.push({ row: entry.row, values: valuesOfLead(entry.lead), errors: [{ column: headerOf('phone'), reason: 'leadImportPhoneExists', detail: String(holder) }] });
        return false;
      });

      let inserted: Array<{ id: number; import_row: number }> = [];
      if (fresh.length) {
        const column = <T>(pick: (entry: ImportedLead) => T) => sql.param(fresh.map((entry) => pick(entry.lead)));
        const status = imported.ownerId ? 'assigned' : 'pool';
        const result = await tx.execute<{ id: number; import_row: number }>(sql`
          INSERT INTO lead (name, gender, company, position, address, remark, source, channel, status, owner_id, assigned_at,
                            primary_phone, import_id, import_row, ctime, cuser, mtime, muser)
          SELECT t.name, t.gender, t.company, t.position, t.address, t.remark, 'import', t.channel, ${status}, ${imported.ownerId},
                 ${imported.ownerId ? now.toISOString() : null}::timestamptz, t.phone, ${imported.id}, t.row,
                 ${now.toISOString()}::timestamptz, ${actor}, ${now.toISOString()}::timestamptz, ${actor}
          FROM unnest(${column((l) => l.name)}::text[], ${column((l) => l.gender)}::smallint[], ${column((l) => l.company)}::text[],
                      ${column((l) => l.position)}::text[], ${column((l) => l.address)}::text[], ${column((l) => l.remark)}::text[],
                      ${column((l) => l.channel)}::text[], ${column((l) => l.phone)}::text[], ${sql.param(fresh.map((entry) => entry.row))}::int[])
               AS t(name, gender, company, position, address, remark, channel, phone, row)
          ON CONFLICT DO NOTHING
          RETURNING id, import_row`);
        inserted = result.rows.map((row) => ({ id: Number(row.id), import_row: Number(row.import_row) }));
      }
      // A row the unique index refused: its phone was taken by a lead stored meanwhile (collection API, another import).
      const insertedRows = new Set(inserted.map((row) => row.import_row));
      for (const entry of fresh) {
        if (insertedRows.has(entry.row)) continue;
        const [holder] = await tx.select({ id: lead.id }).from(lead).where(and(eq(lead.primaryPhone, entry.lead.phone), sql`merged_into_id IS NULL AND is_del = 0`));
        failures.push({ row: entry.row, values: valuesOfLead(entry.lead), errors: [{ column: headerOf('phone'), reason: 'leadImportPhoneExists', detail: String(holder?.id ?? '') }] });
      }

      if (inserted.length) {
        const byRow = new Map(fresh.map((entry) => [entry.row, entry.lead]));
        const contactLead: number[] = [];
        const contactType: string[] = [];
        const contactValue: string[] = [];
        for (const { id, import_row } of inserted) {
          const imported = byRow.get(import_row)!;
          for (const [type, value] of [['phone', imported.phone], ['wechat', imported.wechat], ['email', imported.email.toLowerCase()]] as const) {
            if (!value) continue;
            contactLead.push(id);
            contactType.push(type);
            contactValue.push(value);
          }
        }
        await tx.execute(sql`
          INSERT INTO lead_contact (lead_id, type, value, is_primary, ctime, cuser)
          SELECT t.lead_id, t.type, t.value, true, ${now.toISOString()}::timestamptz, ${actor}
          FROM unnest(${sql.param(contactLead)}::bigint[], ${sql.param(contactType)}::text[], ${sql.param(contactValue)}::text[]) AS t(lead_id, type, value)
          ON CONFLICT DO NOTHING`);
        await tx.execute(sql`
          INSERT INTO lead_event (lead_id, type, occurred_at, actor, data, ctime)
          SELECT t.lead_id, 'imported', ${now.toISOString()}::timestamptz, ${actor},
                 jsonb_build_object('importId', ${imported.id}::bigint, 'row', t.row, 'fileName', ${imported.fileName}::text), ${now.toISOString()}::timestamptz
          FROM unnest(${sql.param(inserted.map((row) => row.id))}::bigint[], ${sql.param(inserted.map((row) => row.import_row))}::int[]) AS t(lead_id, row)`);
      }

      if (failures.length) {
        const errorRows = failures.flatMap((failure) => failure.errors.map((error) => ({ failure, error })));
        await tx.execute(sql`
          INSERT INTO lead_import_error (import_id, row_number, column_name, reason, detail, row_values)
          SELECT ${imported.id}, t.row, t.column_name, t.reason, t.detail, t.row_values
          FROM unnest(${sql.param(errorRows.map((e) => e.failure.row))}::int[], ${sql.param(errorRows.map((e) => e.error.column))}::text[],
                      ${sql.param(errorRows.map((e) => e.error.reason))}::text[], ${sql.param(errorRows.map((e) => e.error.detail ?? ''))}::text[],
                      ${sql.param(errorRows.map((e) => JSON.stringify(e.failure.values)))}::jsonb[])
               AS t(row, column_name, reason, detail, row_values)
          ON CONFLICT DO NOTHING`);
      }
      await tx.execute(
        sql`UPDATE lead_import SET inserted_rows = inserted_rows + ${inserted.length}, invalid_rows = invalid_rows + ${failures.length} WHERE id = ${imported.id}`,
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
      let batch: Settled[] = [];
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
        let settled: Settled;
        if ('lead' in verdict) {
          const earlier = seen.get(verdict.lead.phone);
          if (earlier !== undefined) settled = { row: number, values, errors: [{ column: headerOf('phone'), reason: 'leadImportDuplicateInFile', detail: String(earlier) }] };
          else {
            seen.set(verdict.lead.phone, number);
            settled = { row: number, lead: verdict.lead };
          }
        } else settled = { row: number, values, errors: verdict.errors };
        if (number <= checkpoint) continue; // settled by an earlier attempt
        batch.push(settled);
        if (batch.length >= BATCH_ROWS) {
          checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
          batch = [];
          await job.progress(total, undefined, `row ${checkpoint}`);
        }
      }
      if (batch.length) checkpoint = await applyBatch(imported, batch, checkpoint, imported.cuser);
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
      const content = await readUpload(file, IMPORT_MAX_BYTES);
      // xlsx is a zip: PK\x03\x04.
      if (content.length < 4 || content.readUInt32BE(0) !== 0x504b0304) throw new InvalidField('file', 'leadImportXlsx');
      const fileHash = createHash('sha256').update(content).digest('hex');
      const actor = actorOf(ctx);
      const [earlier] = await db.select().from(leadImport).where(eq(leadImport.fileHash, fileHash));
      if (earlier) {
        if (earlier.status === 'failed') {
          const job = await deps.jobs.start(LEAD_IMPORT_JOB, { importId: earlier.id }, { actor });
          await db.update(leadImport).set({ status: 'queued', jobId: job.id, error: null, muser: actor, mtime: new Date(deps.now()) }).where(eq(leadImport.id, earlier.id));
        }
        return toRecord(await load(earlier.id), true);
      }
      const fileKey = await deps.files.save('lead-import', content, 'xlsx');
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
