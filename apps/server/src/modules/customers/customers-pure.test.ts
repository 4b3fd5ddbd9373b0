import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { customerRowOf, relationRowOfFollowInfo, relationRowOfFollowUser } from './wecom-mapping.ts';
import { ADD_WAY_LABELS, EXPORT_COLUMNS } from './relation-export.ts';
import { exportRowOf, timeFormatter } from '../../platform/excel.ts';
import type { RelationExportRow } from './customers.repository.ts';

describe('WeCom shapes to stored rows', () => {
  test('a customer: empty optional fields become null', () => {
    assert.deepEqual(
      customerRowOf({ external_userid: 'wmA', name: '李四', type: 2, gender: 1, avatar: '', corp_name: '腾讯', corp_full_name: '', position: 'Manager' }),
      { externalUserid: 'wmA', name: '李四', avatar: null, type: 2, gender: 1, unionid: null, corpName: '腾讯', corpFullName: null, position: 'Manager', externalProfile: null },
    );
  });

  test('get: tags come as objects, corp tag ids are kept; batch: tag ids only', () => {
    const follow = { userid: 'rocky', remark: '李部长', description: '对接采购事务', createtime: 1525779812, add_way: 1, oper_userid: 'rocky', state: 'expo' };
    const fromGet = relationRowOfFollowUser('wmA', {
      ...follow,
      tags: [
        { group_name: '等级', tag_name: 'VIP', tag_id: 'et1', type: 1 },
        { group_name: '', tag_name: '个人', type: 2 },
      ],
    });
    assert.deepEqual(fromGet.tagIds, ['et1']);
    assert.deepEqual(fromGet.tags, [
      { groupName: '等级', tagName: 'VIP', tagId: 'et1', type: 1 },
      { groupName: '', tagName: '个人', type: 2 },
    ]);
    assert.equal(fromGet.remarkCorpName, '');
    assert.deepEqual(fromGet.remarkMobiles, []);
    const fromBatch = relationRowOfFollowInfo('wmA', { ...follow, tag_id: ['et1', 'et2'], remark_mobiles: ['13800000001'] });
    assert.deepEqual(fromBatch.tagIds, ['et1', 'et2']);
    assert.equal(fromBatch.tags, null);
    assert.deepEqual(fromBatch.remarkMobiles, ['13800000001']);
    assert.equal(fromBatch.state, 'expo');
    assert.equal(relationRowOfFollowInfo('wmA', { ...follow, state: undefined, tag_id: [] }).state, '');
  });
});

describe('export rows', () => {
  const row: RelationExportRow = {
    id: 1, externalUserid: 'wmA', userid: 'rocky', employeeName: '罗琪', customerName: '李四', customerType: 2, customerGender: 2,
    customerCorpName: '腾讯', remark: '李部长', description: '', remarkCorpName: '腾讯科技', remarkMobiles: ['13800000001', '13000000002'],
    addWay: 16, state: 'expo', createtime: new Date('2026-03-01T16:30:00Z'), status: 'lost',
    sourceName: '春季展会码', sourceType: 'qr', channelName: '线下展会',
    tagList: [
      { id: 7, name: 'VIP', type: 'corp', groupId: 2, groupName: '等级', wecomTagId: 'et1' },
      { id: 9, name: '老客户', type: 'self', groupId: 3, groupName: '来源', wecomTagId: null },
    ],
    lostAt: new Date('2026-03-02T01:02:03Z'), lostBy: 'customer', transferTo: null, transferToName: null, stageId: 5, stageName: '流失',
  };

  test('Chinese headers and labels; times in the corp time zone', () => {
    const values = Object.fromEntries(EXPORT_COLUMNS.map((column, index) => [column.header, exportRowOf(EXPORT_COLUMNS, row, timeFormatter('Asia/Shanghai'))[index]]));
    assert.equal(values['客户类型'], '企业微信用户');
    assert.equal(values['性别'], '女');
    assert.equal(values['添加方式'], '通过获客链接添加');
    assert.equal(values['添加时间'], '2026-03-02 00:30:00');
    assert.equal(values['状态'], '已流失');
    const pending = { ...row, status: 'active' as const, transferTo: 'lisi', transferToName: '李四' };
    assert.equal(exportRowOf(EXPORT_COLUMNS, pending, String)[EXPORT_COLUMNS.findIndex((column) => column.header === '状态')], '转接中（→ 李四）');
    assert.equal(values['流失时间'], '2026-03-02 09:02:03');
    assert.equal(values['流失方式'], '客户删除员工');
    assert.equal(values['客户阶段'], '流失');
    assert.equal(values['备注手机号'], '13800000001,13000000002');
    assert.equal(values['标签'], '等级/VIP,来源/老客户', 'group/tag names, never WeCom tag ids');
  });

  test('渠道 is the channel and source by name; the raw state is its own column; an unknown state reads 未知渠道', () => {
    const values = (of: RelationExportRow) => Object.fromEntries(EXPORT_COLUMNS.map((column, index) => [column.header, exportRowOf(EXPORT_COLUMNS, of, String)[index]]));
    assert.equal(values(row)['渠道'], '线下展会 / 春季展会码');
    assert.equal(values(row)['渠道参数'], 'expo');
    assert.equal(values({ ...row, sourceName: null, sourceType: null, channelName: null })['渠道'], '未知渠道');
    assert.equal(values({ ...row, channelName: null })['渠道'], '春季展会码');
    assert.equal(values({ ...row, state: '', sourceName: null, sourceType: null, channelName: null })['渠道'], '');
  });

  test('every add way of API-FACTS §3.3 has a label; unknown ones print their number', () => {
    for (const way of [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 201, 202]) assert.ok(ADD_WAY_LABELS[way], String(way));
    const column = EXPORT_COLUMNS.find((candidate) => candidate.header === '添加方式')!;
    assert.equal(column.value({ ...row, addWay: 17 }, String), '17');
  });
});
