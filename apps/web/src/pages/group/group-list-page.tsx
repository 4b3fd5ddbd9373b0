import { BarChartOutlined, DownloadOutlined } from '@ant-design/icons';
import { PageContainer, StatisticCard, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Button, DatePicker, Drawer, Form, Modal, Space, Table, Tag } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, download } from '../../api/client.ts';
import type { BodyOf, GroupMember, GroupMemberStat, GroupRecord, GroupStats } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { JobButton } from '../../components/job-progress.tsx';
import { ChannelName, EmployeeName } from '../../components/names.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type GroupQuery = BodyOf<'/scrm/admin/group/page', 'post'>;
type MemberQuery = BodyOf<'/scrm/admin/group/member/page', 'post'>;
const GROUP_STATUSES = [0, 1, 2, 3] as const;

export function groupColumns(t: (key: string, values?: Record<string, unknown>) => string, open?: (group: GroupRecord) => void): ProColumns<GroupRecord>[] {
  return [
    {
      title: t('group.name'),
      dataIndex: 'name',
      render: (_, group) => (open ? <a onClick={() => open(group)} data-testid={`group-open-${group.chatId}`}>{group.name || t('group.unnamed')}</a> : group.name || t('group.unnamed')),
    },
    { title: t('group.owner'), dataIndex: 'owners', render: (_, group) => <EmployeeName name={group.ownerName} userid={group.owner} departed={group.ownerDeparted} />, formItemRender: () => <EmployeeSelect multiple /> },
    { title: t('group.members'), dataIndex: 'memberCount', search: false, width: 90 },
    { title: t('group.customers'), dataIndex: 'customerCount', search: false, width: 90 },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(GROUP_STATUSES.map((status) => [status, { text: t(`group.status${status}`) }])),
      render: (_, group) => (group.dismissed ? <Tag>{t('group.dismissed')}</Tag> : <Tag color={group.status === 0 ? 'success' : 'warning'}>{t(`group.status${group.status}`)}</Tag>),
    },
    {
      title: t('group.dismissed'),
      dataIndex: 'dismissed',
      hideInTable: true,
      valueType: 'select',
      valueEnum: { false: { text: t('group.live') }, true: { text: t('group.dismissed') } },
      search: { transform: (value: string) => ({ dismissed: value === 'true' }) },
    },
    { title: t('group.createTime'), dataIndex: 'createTime', valueType: 'dateTime', search: false },
    {
      title: t('group.createTime'),
      dataIndex: 'createRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ createTimeStart: value[0], createTimeEnd: value[1] }) },
    },
    { title: 'chat_id', dataIndex: 'chatId', hideInTable: true },
    { title: t('wecom.syncedAt'), dataIndex: 'syncedAt', valueType: 'dateTime', search: false },
  ];
}

/** 客户群列表: groups paged by the server, sync with progress, figures, members and their export. */
export function GroupListPage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  const [open, setOpen] = useState<GroupRecord | null>(null);
  const [stats, setStats] = useState(false);
  if (missing) return <ComingSoonPage name={t('group.title')} />;

  const columns = [
    ...groupColumns(t, setOpen),
    {
      title: t('common.actions'),
      valueType: 'option' as const,
      width: 100,
      render: (_: unknown, group: GroupRecord) => [
        <Permission key="members" code="group:member:list">
          <a onClick={() => setOpen(group)}>{t('group.memberList')}</a>
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('group.title')}>
      <ProTable<GroupRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="group-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: GroupQuery) => guard(api.POST('/scrm/admin/group/page', { body })))}
        toolBarRender={() => [
          <Permission key="stats" code="group:stat">
            <Button icon={<BarChartOutlined />} onClick={() => setStats(true)} data-testid="group-stats">
              {t('group.stats')}
            </Button>
          </Permission>,
          <Permission key="sync" code="group:sync">
            <JobButton label={t('group.sync')} title={t('group.syncTitle')} start={() => guard(api.POST('/scrm/admin/group/sync'))} onFinished={() => action.current?.reload()} testId="group-sync" />
          </Permission>,
        ]}
      />
      {open && <GroupMembersDrawer group={open} onClose={() => setOpen(null)} />}
      {stats && <GroupStatsModal onClose={() => setStats(false)} />}
    </PageContainer>
  );
}

/** A group's figures (members now, joined and quit today) and every membership, exportable. */
function GroupMembersDrawer({ group, onClose }: { group: GroupRecord; onClose: () => void }) {
  const { t } = useTranslation();
  const [stat, setStat] = useState<GroupMemberStat | null>(null);
  const lastQuery = useRef<Partial<MemberQuery>>({});
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    call(api.GET('/scrm/admin/group/member/stat', { params: { query: { chatId: group.chatId } } })).then(setStat, () => setStat(null));
  }, [group.chatId]);

  const exportMembers = async () => {
    setExporting(true);
    const { pageNum: _pageNum, pageSize: _pageSize, ...filters } = lastQuery.current as MemberQuery;
    try {
      await download('/scrm/admin/group/member/export', { method: 'POST', body: { ...filters, chatId: group.chatId } });
    } catch {
      // shown by the client
    } finally {
      setExporting(false);
    }
  };

  const columns: ProColumns<GroupMember>[] = [
    { title: t('group.memberName'), dataIndex: 'name', render: (_, member) => (member.groupNickname ? `${member.name} (${member.groupNickname})` : member.name) },
    {
      title: t('group.memberType'),
      dataIndex: 'type',
      valueType: 'select',
      valueEnum: { 1: { text: t('group.type1') }, 2: { text: t('group.type2') } },
      render: (_, member) => <Tag color={member.type === 2 ? 'green' : 'blue'}>{t(`group.type${member.type}`)}</Tag>,
    },
    { title: t('group.joinScene'), dataIndex: 'joinScene', valueType: 'select', valueEnum: Object.fromEntries([0, 1, 2, 3].map((scene) => [scene, { text: t(`group.scene${scene}`) }])) },
    { title: t('group.invitor'), dataIndex: 'invitorName', search: false, render: (_, member) => (member.invitor ? <EmployeeName name={member.invitorName} userid={member.invitor} /> : '—') },
    { title: t('customer.state'), dataIndex: 'state', render: (_, member) => <ChannelName row={member} /> },
    { title: t('group.joinTime'), dataIndex: 'joinTime', valueType: 'dateTime', search: false },
    {
      title: t('group.memberStatus'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: { in: { text: t('group.in') }, quit: { text: t('group.quit') } },
      render: (_, member) => (member.quitTime ? <Tag>{t('group.quitAt', { time: dayjs(member.quitTime).format('YYYY-MM-DD HH:mm') })}</Tag> : <Tag color="success">{t('group.in')}</Tag>),
    },
  ];

  return (
    <Drawer open size={960} onClose={onClose} title={group.name || t('group.unnamed')} data-testid="group-drawer">
      <Space size={16} wrap style={{ marginBottom: 16 }}>
        {(['memberCount', 'customerCount', 'joinedToday', 'quitToday'] as const).map((key) => (
          <StatisticCard key={key} variant="outlined" statistic={{ title: t(`group.${key}`), value: stat ? stat[key] : '—' }} data-testid={`group-stat-${key}`} />
        ))}
      </Space>
      <ProTable<GroupMember>
        rowKey="id"
        columns={columns}
        search={{ labelWidth: 'auto' }}
        options={false}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: MemberQuery) => {
          lastQuery.current = body;
          return call(api.POST('/scrm/admin/group/member/page', { body: { ...body, chatId: group.chatId } }));
        })}
        toolBarRender={() => [
          <Permission key="export" code="group:member:export">
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportMembers()} data-testid="group-member-export">
              {t('group.exportMembers')}
            </Button>
          </Permission>,
        ]}
      />
    </Drawer>
  );
}

/** Figures per owner over a date range (groups, new groups, members, joins, quits). */
function GroupStatsModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(6, 'day'), dayjs()]);
  const [owners, setOwners] = useState<string[]>([]);
  const [stats, setStats] = useState<GroupStats | null>(null);
  useEffect(() => {
    const body = { startDate: range[0].format('YYYY-MM-DD'), endDate: range[1].format('YYYY-MM-DD'), ...(owners.length > 0 ? { owners } : {}) };
    call(api.POST('/scrm/admin/group/member/groupStats', { body })).then(setStats, () => setStats(null));
  }, [range, owners]);
  const figures = ['groups', 'newGroups', 'members', 'newMembers', 'quits'] as const;
  return (
    <Modal open width={900} title={t('group.stats')} onCancel={onClose} footer={null}>
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label={t('customerStat.range')}>
          <DatePicker.RangePicker value={range} allowClear={false} onChange={(value) => value?.[0] && value[1] && setRange([value[0], value[1]])} />
        </Form.Item>
        <Form.Item label={t('group.owner')} style={{ minWidth: 280 }}>
          <EmployeeSelect multiple value={owners} onChange={(value: string[]) => setOwners(value ?? [])} />
        </Form.Item>
      </Form>
      <Space size={12} wrap style={{ marginBottom: 16 }}>
        {figures.map((key) => (
          <StatisticCard key={key} variant="outlined" statistic={{ title: t(`group.figure_${key}`), value: stats ? stats.total[key] : '—' }} />
        ))}
      </Space>
      <Table
        rowKey="owner"
        size="small"
        dataSource={stats?.owners ?? []}
        pagination={{ pageSize: 10 }}
        columns={[
          { title: t('group.owner'), dataIndex: 'owner', render: (_: unknown, row: GroupStats['owners'][number]) => <EmployeeName name={row.ownerName} userid={row.owner} departed={row.ownerDeparted} /> },
          ...figures.map((key) => ({ title: t(`group.figure_${key}`), dataIndex: key })),
        ]}
      />
    </Modal>
  );
}
