// Pure logic of the Excel import: which column is which (Chinese headers, any order, extra columns
// ignored), reading a cell as text, and validating one row. No I/O here; exhaustively unit-tested.

import { restoreNeutralised } from '../../platform/excel.ts';

export type ImportField = 'name' | 'phone' | 'wechat' | 'email' | 'company' | 'position' | 'gender' | 'channel' | 'address' | 'remark';

export interface ImportColumn {
  field: ImportField;
  /** The template's header. */
  header: string;
  required: boolean;
  max: number;
  /** Other headers accepted for this column (compared after normalising). */
  aliases: string[];
  /** The template's example value. */
  example: string;
}

/** The template's columns, in the template's order. */
export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  { field: 'name', header: '姓名', required: true, max: 64, aliases: ['客户姓名', '线索名称', '名称', '客户名称', 'name'], example: '张三' },
  { field: 'phone', header: '手机号', required: true, max: 32, aliases: ['手机', '手机号码', '电话', '联系电话', '联系方式', 'mobile', 'phone'], example: '13800138000' },
  { field: 'wechat', header: '微信号', required: false, max: 64, aliases: ['微信', 'wechat'], example: 'zhangsan_wx' },
  { field: 'email', header: '邮箱', required: false, max: 128, aliases: ['电子邮箱', '邮件', 'email'], example: 'zhangsan@example.com' },
  { field: 'company', header: '公司', required: false, max: 128, aliases: ['公司名称', '企业', '企业名称', '单位', 'company'], example: '示例科技有限公司' },
  { field: 'position', header: '职位', required: false, max: 64, aliases: ['职务', 'position'], example: '采购经理' },
  { field: 'gender', header: '性别', required: false, max: 8, aliases: ['gender'], example: '男' },
  { field: 'channel', header: '来源渠道', required: false, max: 64, aliases: ['渠道', '来源', 'channel'], example: '展会' },
  { field: 'address', header: '地址', required: false, max: 255, aliases: ['所在地', '联系地址', 'address'], example: '上海市浦东新区' },
  { field: 'remark', header: '备注', required: false, max: 500, aliases: ['说明', 'remark'], example: '' },
];

const columnOf = new Map(IMPORT_COLUMNS.map((column) => [column.field, column]));
export const headerOf = (field: ImportField): string => columnOf.get(field)!.header;

/** `* 手机号（必填）` → `手机号`: marks, spaces and case do not matter. */
export function normaliseHeader(text: string): string {
  return text
    .replace(/[（(]\s*(必填|选填|可选|required|optional)\s*[)）]/gi, '')
    .replace(/[*＊\s:：]/g, '')
    .toLowerCase();
}

const fieldByHeader = new Map<string, ImportField>();
for (const column of IMPORT_COLUMNS) {
  for (const header of [column.header, ...column.aliases]) fieldByHeader.set(normaliseHeader(header), column.field);
}

export interface HeaderMapping {
  /** Cell index (as the row's values are indexed) → field. The first column of a field wins. */
  fields: Map<number, ImportField>;
  /** Required fields without a column. */
  missing: ImportField[];
}

export function mapHeaders(cells: readonly unknown[]): HeaderMapping {
  const fields = new Map<number, ImportField>();
  const taken = new Set<ImportField>();
  cells.forEach((cell, index) => {
    const field = fieldByHeader.get(normaliseHeader(cellText(cell)));
    if (field && !taken.has(field)) {
      fields.set(index, field);
      taken.add(field);
    }
  });
  return { fields, missing: IMPORT_COLUMNS.filter((column) => column.required && !taken.has(column.field)).map((column) => column.field) };
}

/** A cell as exceljs reads it (string, number, rich text, hyperlink, formula result, date…) as trimmed text. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const cell = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; error?: string };
    if (Array.isArray(cell.richText)) return cell.richText.map((part) => part.text).join('').trim();
    if (cell.text !== undefined) return cellText(cell.text);
    if (cell.result !== undefined) return cellText(cell.result);
    if (cell.error !== undefined) return '';
  }
  return String(value).trim();
}

/** A mainland mobile from what people type: spaces, dashes and a +86 / 86 prefix are tolerated. */
export function normaliseMobile(text: string): string | null {
  let digits = text.replace(/[\s\-–—()（）]/g, '');
  if (/^\+?86\d{11}$/.test(digits)) digits = digits.replace(/^\+?86/, '');
  return /^1[3-9]\d{9}$/.test(digits) ? digits : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseGender(text: string): 0 | 1 | 2 | null {
  const value = text.trim().toLowerCase();
  if (value === '' || value === '未知' || value === '0') return 0;
  if (value === '男' || value === 'm' || value === 'male' || value === '1') return 1;
  if (value === '女' || value === 'f' || value === 'female' || value === '2') return 2;
  return null;
}

export interface ImportedLead {
  name: string;
  phone: string;
  wechat: string;
  email: string;
  company: string;
  position: string;
  gender: 0 | 1 | 2;
  channel: string;
  address: string;
  remark: string;
}

export interface RowError {
  /** The column's template header, or '' for the row as a whole. */
  column: string;
  /** A message key (leads.messages.ts). */
  reason: string;
  detail?: string;
}

/**
 * The row's cells by field (for the report and for validation); fields without a column are ''. A value the
 * product neutralised against formula injection when it exported it (an error report fixed and uploaded
 * again) reads as it was: `'=SUM(1)` → `=SUM(1)` (platform/excel.ts).
 */
export function rowValues(cells: readonly unknown[], mapping: HeaderMapping): Record<ImportField, string> {
  const values = Object.fromEntries(IMPORT_COLUMNS.map((column) => [column.field, ''])) as Record<ImportField, string>;
  for (const [index, field] of mapping.fields) values[field] = restoreNeutralised(cellText(cells[index])).trim();
  return values;
}

export const isBlankRow = (values: Record<ImportField, string>): boolean => Object.values(values).every((value) => value === '');

/** Validates one row's values: the lead to store, or every problem found (one per column). */
export function validateRow(values: Record<ImportField, string>): { lead: ImportedLead } | { errors: RowError[] } {
  const errors: RowError[] = [];
  for (const column of IMPORT_COLUMNS) {
    const value = values[column.field];
    if (column.required && value === '') errors.push({ column: column.header, reason: 'leadImportRequired' });
    else if (value.length > column.max) errors.push({ column: column.header, reason: 'leadImportTooLong', detail: String(column.max) });
  }
  const phone = values.phone === '' ? null : normaliseMobile(values.phone);
  if (values.phone !== '' && values.phone.length <= columnOf.get('phone')!.max && phone === null) {
    errors.push({ column: headerOf('phone'), reason: 'leadImportBadMobile' });
  }
  if (values.email !== '' && values.email.length <= columnOf.get('email')!.max && !EMAIL.test(values.email)) {
    errors.push({ column: headerOf('email'), reason: 'leadImportBadEmail' });
  }
  const gender = parseGender(values.gender);
  if (gender === null) errors.push({ column: headerOf('gender'), reason: 'leadImportBadGender' });
  if (errors.length > 0) return { errors };
  return {
    lead: {
      name: values.name,
      phone: phone!,
      wechat: values.wechat,
      email: values.email,
      company: values.company,
      position: values.position,
      gender: gender!,
      channel: values.channel,
      address: values.address,
      remark: values.remark,
    },
  };
}

/**
 * A batch of rows to settle as JSON text, not objects: it crosses from the reader's thread to the importing
 * one, waits there for the database and is a statement's parameter as it is.
 */
export interface ImportBatch {
  /** Valid rows as one JSON array text: [{row, name, gender, company, position, address, remark, channel, phone, wechat, email, emailKey}…]. */
  leads: string;
  leadCount: number;
  /** One entry per error of an invalid row: {row, column, reason, detail, values}. */
  errors: string[];
  /** Invalid rows (a row may have several errors). */
  invalidRows: number;
  /** The last row the batch settles: the import's checkpoint once it is committed. */
  lastRow: number;
  /** Non-blank rows read so far, this batch included. */
  total: number;
}

/** A row as the reader gives it: its number as Excel shows it, and its cells (index 1 is column A). */
export interface NumberedRow {
  number: number;
  cells: readonly unknown[];
}

/**
 * A file's rows as batches of at most `batchRows` rows to settle. Blank rows before the header and among
 * the data are skipped; the header's columns are mapped (an error if a required one is missing); a valid
 * row whose phone an earlier row had is a duplicate. Rows up to `checkpoint` were settled by an earlier
 * attempt: they are read (for the duplicate check and the total) but not settled again. The last batch
 * may be empty: it carries the total.
 */
export async function* importBatches(rows: AsyncIterable<NumberedRow>, checkpoint: number, batchRows: number): AsyncGenerator<ImportBatch> {
  let mapping: HeaderMapping | null = null;
  // Phones of valid rows so far → their row.
  const seen = new Map<string, number>();
  let total = 0;
  let leads: string[] = [];
  let batch = { errors: [] as string[], invalidRows: 0, lastRow: checkpoint };
  const invalid = (row: number, values: Record<ImportField, string>, errors: RowError[]) => {
    for (const error of errors) batch.errors.push(JSON.stringify({ row, column: error.column, reason: error.reason, detail: error.detail ?? '', values }));
    batch.invalidRows++;
    batch.lastRow = row;
  };
  for await (const { number, cells } of rows) {
    if (!mapping) {
      if (cells.every((cell) => cellText(cell) === '')) continue;
      mapping = mapHeaders(cells);
      if (mapping.missing.length) throw new Error(`missing columns: ${mapping.missing.map(headerOf).join(', ')}`);
      continue;
    }
    const values = rowValues(cells, mapping);
    if (isBlankRow(values)) continue;
    total++;
    const verdict = validateRow(values);
    const settle = number > checkpoint;
    if ('lead' in verdict) {
      const earlier = seen.get(verdict.lead.phone);
      if (earlier !== undefined) {
        if (settle) invalid(number, values, [{ column: headerOf('phone'), reason: 'leadImportDuplicateInFile', detail: String(earlier) }]);
      } else {
        seen.set(verdict.lead.phone, number);
        if (settle) {
          leads.push(JSON.stringify({ row: number, ...verdict.lead, emailKey: verdict.lead.email.toLowerCase() }));
          batch.lastRow = number;
        }
      }
    } else if (settle) invalid(number, values, verdict.errors);
    if (leads.length + batch.invalidRows >= batchRows) {
      yield { ...batch, leads: `[${leads.join(',')}]`, leadCount: leads.length, total };
      leads = [];
      batch = { errors: [], invalidRows: 0, lastRow: batch.lastRow };
    }
  }
  yield { ...batch, leads: `[${leads.join(',')}]`, leadCount: leads.length, total };
}
