// The lead export's columns (Chinese headers): names, never ids (the owner by name and 已离职, tags by group and name).
import type { ExportColumn } from '../../platform/excel.ts';
import type { LeadRecord } from './leads.schemas.ts';

export const LEAD_STATUS_LABELS: Record<string, string> = { pool: '公海', assigned: '已分配', converted: '已转化', invalid: '无效', merged: '已合并' };
export const LEAD_SOURCE_LABELS: Record<string, string> = { manual: '手动录入', import: 'Excel 导入', collect: '第三方采集' };
const GENDER_LABELS: Record<number, string> = { 0: '未知', 1: '男', 2: '女' };

const time = (value: Date | null, formatTime: (date: Date) => string) => (value ? formatTime(value) : '');

export const LEAD_EXPORT_COLUMNS: ExportColumn<LeadRecord>[] = [
  { header: '姓名', width: 16, value: (row) => row.name },
  { header: '手机号', width: 16, value: (row) => row.primaryPhone ?? '' },
  { header: '性别', width: 8, value: (row) => GENDER_LABELS[row.gender] ?? '未知' },
  { header: '公司', width: 24, value: (row) => row.company },
  { header: '职位', width: 14, value: (row) => row.position },
  { header: '状态', width: 10, value: (row) => LEAD_STATUS_LABELS[row.status] ?? row.status },
  { header: '负责人', width: 16, value: (row) => (row.ownerUserid ? `${row.ownerName ?? row.ownerUserid}${row.ownerLeft ? '（已离职）' : ''}` : '') },
  { header: '来源', width: 12, value: (row) => LEAD_SOURCE_LABELS[row.source] ?? row.source },
  { header: '渠道', width: 16, value: (row) => row.channel },
  { header: '标签', width: 30, value: (row) => row.tags.map((tag) => `${tag.groupName}/${tag.name}`).join('，') },
  { header: '下次跟进', width: 18, value: (row, formatTime) => time(row.nextFollowAt, formatTime) },
  { header: '最近跟进', width: 18, value: (row, formatTime) => time(row.lastFollowAt, formatTime) },
  { header: '分配时间', width: 18, value: (row, formatTime) => time(row.assignedAt, formatTime) },
  { header: '退回原因', width: 24, value: (row) => row.returnReason ?? '' },
  { header: '地址', width: 24, value: (row) => row.address },
  { header: '备注', width: 30, value: (row) => row.remark },
  { header: '创建时间', width: 18, value: (row, formatTime) => formatTime(row.ctime) },
];
