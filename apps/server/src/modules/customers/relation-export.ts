// The relation export's columns (Chinese headers) and workbook stream.
import type { PassThrough } from 'node:stream';
import type { RelationRecord } from './customers.schemas.ts';
import type { RelationExportRow } from './customers.repository.ts';
import { streamWorkbook, type ExportColumn } from '../../platform/excel.ts';
import { stateLabel } from '../acquisition/state-names.ts';

/** WeCom's 来源定义 (API-FACTS §3.3). */
export const ADD_WAY_LABELS: Record<number, string> = {
  0: '未知来源',
  1: '扫描二维码',
  2: '搜索手机号',
  3: '名片分享',
  4: '群聊',
  5: '手机通讯录',
  6: '微信联系人',
  8: '安装第三方应用时自动添加的客服人员',
  9: '搜索邮箱',
  10: '视频号添加',
  11: '通过日程参与人添加',
  12: '通过会议参与人添加',
  13: '添加微信好友对应的企业微信',
  14: '通过智慧硬件专属客服添加',
  15: '通过上门服务客服添加',
  16: '通过获客链接添加',
  201: '内部成员共享',
  202: '管理员/负责人分配',
};

const STATUS_LABELS: Record<RelationRecord['status'], string> = { active: '正常', lost: '已流失', transferred: '已转接' };
const LOST_BY_LABELS: Record<string, string> = { customer: '客户删除员工', employee: '员工删除客户' };
const TYPE_LABELS: Record<number, string> = { 1: '微信用户', 2: '企业微信用户' };
const GENDER_LABELS: Record<number, string> = { 0: '未知', 1: '男', 2: '女' };

export const EXPORT_COLUMNS: ExportColumn<RelationExportRow>[] = [
  { header: '客户名称', width: 20, value: (row) => row.customerName },
  { header: '客户ID', width: 36, value: (row) => row.externalUserid },
  { header: '客户类型', width: 12, value: (row) => TYPE_LABELS[row.customerType] ?? String(row.customerType) },
  { header: '性别', width: 6, value: (row) => GENDER_LABELS[row.customerGender] ?? '' },
  { header: '客户企业', width: 20, value: (row) => row.customerCorpName ?? '' },
  { header: '跟进员工', width: 14, value: (row) => row.employeeName ?? '' },
  { header: '员工账号', width: 16, value: (row) => row.userid },
  { header: '备注', width: 20, value: (row) => row.remark },
  { header: '描述', width: 30, value: (row) => row.description },
  { header: '备注企业', width: 20, value: (row) => row.remarkCorpName },
  { header: '备注手机号', width: 24, value: (row) => row.remarkMobiles.join(',') },
  { header: '添加方式', width: 16, value: (row) => ADD_WAY_LABELS[row.addWay] ?? String(row.addWay) },
  { header: '渠道', width: 24, value: (row) => stateLabel(row.state, row) },
  { header: '渠道参数', width: 16, value: (row) => row.state },
  { header: '添加时间', width: 20, value: (row, formatTime) => formatTime(row.createtime) },
  // A transfer SCRM requested and WeCom has not settled yet shows as pending, with the takeover employee's name.
  { header: '客户阶段', width: 12, value: (row) => row.stageName ?? '' },
  { header: '状态', width: 8, value: (row) => (row.status === 'active' && row.transferTo ? `转接中（→ ${row.transferToName ?? row.transferTo}）` : STATUS_LABELS[row.status]) },
  { header: '流失时间', width: 20, value: (row, formatTime) => (row.lostAt ? formatTime(row.lostAt) : '') },
  { header: '流失方式', width: 14, value: (row) => (row.lostBy ? LOST_BY_LABELS[row.lostBy] : '') },
  // Group/tag names from the tags module (corp and SCRM tags); never WeCom's tag ids.
  { header: '标签', width: 30, value: (row) => (row.tagList ?? []).map((tag) => `${tag.groupName}/${tag.name}`).join(',') },
];

/** The relation rows, batch by batch, as an xlsx stream (sheet 客户列表). */
export function streamRelationWorkbook(batches: AsyncIterable<RelationExportRow[]>, options: { timeZone: string; onError?: (error: unknown) => void }): PassThrough {
  return streamWorkbook(batches, EXPORT_COLUMNS, { ...options, sheetName: '客户列表' });
}
