// The member export: an xlsx written row by row with exceljs's streaming WorkbookWriter while rows are read
// from the database in keyset batches, so memory stays flat whatever the row count.
import { PassThrough, type Writable } from 'node:stream';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { timeFormatter } from './group-days.ts';
import type { MemberRecord } from './groups.schemas.ts';

export const JOIN_SCENE_LABELS: Record<number, string> = { 1: '由群成员邀请入群', 2: '通过邀请链接入群', 3: '通过扫描群二维码入群' };
export const QUIT_SCENE_LABELS: Record<number, string> = { 0: '自己退群', 1: '被移出群聊' };
const TYPE_LABELS: Record<number, string> = { 1: '企业成员', 2: '外部联系人' };

type Format = (date: Date) => string;

export const MEMBER_EXPORT_COLUMNS: Array<{ header: string; width: number; value: (row: MemberRecord, formatTime: Format) => string }> = [
  { header: '群名称', width: 24, value: (row) => row.groupName },
  { header: '群ID', width: 34, value: (row) => row.chatId },
  { header: '群主', width: 16, value: (row) => row.owner },
  { header: '成员名称', width: 18, value: (row) => row.name },
  { header: '群昵称', width: 18, value: (row) => row.groupNickname },
  { header: '成员ID', width: 34, value: (row) => row.userid },
  { header: '成员类型', width: 12, value: (row) => TYPE_LABELS[row.type] ?? String(row.type) },
  { header: 'UnionID', width: 30, value: (row) => row.unionid ?? '' },
  { header: '入群时间', width: 20, value: (row, formatTime) => formatTime(row.joinTime) },
  { header: '入群方式', width: 22, value: (row) => JOIN_SCENE_LABELS[row.joinScene] ?? String(row.joinScene) },
  { header: '邀请人', width: 16, value: (row) => (row.invitor ? (row.invitorName ?? row.invitor) : '') },
  { header: '渠道', width: 16, value: (row) => row.state },
  { header: '状态', width: 10, value: (row) => (row.quitTime ? '已退群' : '在群') },
  { header: '退群时间', width: 20, value: (row, formatTime) => (row.quitTime ? formatTime(row.quitTime) : '') },
  { header: '退群方式', width: 14, value: (row) => (row.quitScene === null ? '' : (QUIT_SCENE_LABELS[row.quitScene] ?? String(row.quitScene))) },
];

export const memberExportRowOf = (row: MemberRecord, formatTime: Format): string[] => MEMBER_EXPORT_COLUMNS.map((column) => column.value(row, formatTime));

/**
 * Starts writing the workbook into the returned stream; `batches` yields rows batch by batch. Reading the
 * next batch waits while the consumer is behind, so a slow download does not pile rows up in memory.
 */
export function streamMemberWorkbook(batches: AsyncIterable<MemberRecord[]>, options: { timeZone: string; onError?: (error: unknown) => void }): PassThrough {
  const output = new PassThrough({ highWaterMark: 1024 * 1024 });
  const formatTime = timeFormatter(options.timeZone);
  (async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output as Writable, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet('群成员');
    sheet.columns = MEMBER_EXPORT_COLUMNS.map((column, index) => ({ header: column.header, key: String(index), width: column.width }));
    for await (const batch of batches) {
      for (const row of batch) sheet.addRow(memberExportRowOf(row, formatTime)).commit();
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
