// The member export's columns (Chinese headers) and workbook stream (streamed, batch by batch).
import type { PassThrough } from 'node:stream';
import { streamWorkbook, type ExportColumn } from '../../platform/excel.ts';
import { stateLabel } from '../acquisition/state-names.ts';
import type { MemberRecord } from './groups.schemas.ts';

export const JOIN_SCENE_LABELS: Record<number, string> = { 1: '由群成员邀请入群', 2: '通过邀请链接入群', 3: '通过扫描群二维码入群' };
export const QUIT_SCENE_LABELS: Record<number, string> = { 0: '自己退群', 1: '被移出群聊' };
const TYPE_LABELS: Record<number, string> = { 1: '企业成员', 2: '外部联系人' };

/** The owner by name, 已离职 when they left (their userid only when WeCom never told us a name). */
const ownerText = (row: MemberRecord): string => `${row.ownerName ?? row.owner}${row.ownerDeparted ? '（已离职）' : ''}`;

export const MEMBER_EXPORT_COLUMNS: ExportColumn<MemberRecord>[] = [
  { header: '群名称', width: 24, value: (row) => row.groupName },
  { header: '群ID', width: 34, value: (row) => row.chatId },
  { header: '群主', width: 16, value: (row) => ownerText(row) },
  { header: '群主账号', width: 16, value: (row) => row.owner },
  { header: '成员名称', width: 18, value: (row) => row.name },
  { header: '群昵称', width: 18, value: (row) => row.groupNickname },
  { header: '成员ID', width: 34, value: (row) => row.userid },
  { header: '成员类型', width: 12, value: (row) => TYPE_LABELS[row.type] ?? String(row.type) },
  { header: 'UnionID', width: 30, value: (row) => row.unionid ?? '' },
  { header: '入群时间', width: 20, value: (row, formatTime) => formatTime(row.joinTime) },
  { header: '入群方式', width: 22, value: (row) => JOIN_SCENE_LABELS[row.joinScene] ?? String(row.joinScene) },
  { header: '邀请人', width: 16, value: (row) => (row.invitor ? (row.invitorName ?? row.invitor) : '') },
  { header: '渠道', width: 24, value: (row) => stateLabel(row.state, row) },
  { header: '渠道参数', width: 16, value: (row) => row.state },
  { header: '状态', width: 10, value: (row) => (row.quitTime ? '已退群' : '在群') },
  { header: '退群时间', width: 20, value: (row, formatTime) => (row.quitTime ? formatTime(row.quitTime) : '') },
  { header: '退群方式', width: 14, value: (row) => (row.quitScene === null ? '' : (QUIT_SCENE_LABELS[row.quitScene] ?? String(row.quitScene))) },
];

/** Starts writing the member workbook into the returned stream as `batches` yields rows. */
export const streamMemberWorkbook = (batches: AsyncIterable<MemberRecord[]>, options: { timeZone: string; onError?: (error: unknown) => void }): PassThrough =>
  streamWorkbook(batches, MEMBER_EXPORT_COLUMNS, { ...options, sheetName: '群成员' });
