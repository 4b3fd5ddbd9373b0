import { DownloadOutlined, SettingOutlined } from '@ant-design/icons';
import { PageContainer, ProCard, StatisticCard, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Button, Empty, Space, Spin, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { download } from '../../api/client.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { Chart } from '../../components/chart.tsx';
import { pagedRequest } from '../../components/crud.tsx';
import { ChannelSelect, EmployeeSelect, WecomDeptTreeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { LossSettingsModal } from './loss-settings.tsx';
import { lossApi, type LossQuery, type LossRecord, type LossStat } from './loss-api.ts';
import { corpToday } from '../../components/corp-time.ts';
import { customerText, EmployeeName } from '../../components/names.tsx';
import { useCorpTimeZone } from '../../auth/session.tsx';

const KINDS = ['customer_deleted', 'employee_deleted'] as const;
const ALERT_COLORS: Record<string, string> = { sent: 'success', digest: 'processing', digested: 'success', off: 'default' };

/** The corp's days are Asia/Shanghai days (the server's TZ_DEFAULT): today there, whatever the browser's zone. */

/** Filters of the stat and export: the page's filters without paging. */
const filtersOf = ({ pageNum: _pageNum, pageSize: _pageSize, ...filters }: Partial<LossQuery>) => filters;

/** How long they were friends, in words: days, under a day, or unknown (SCRM never saw the relation begin). */
export function friendFor(t: (key: string, values?: Record<string, unknown>) => string, days: number | null): string {
  if (days === null) return t('loss.unknownDuration');
  return days < 1 ? t('loss.lessThanDay') : t('loss.days', { count: days });
}

/**
 * 流失提醒: customers lost — who deleted whom, when, how long they were friends, the relation's tags and channel —
 * with filters; the daily figures (loss:stat), the export (loss:export) and the alert settings (loss:settings).
 */
export function LossPage() {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const canStat = usePermission('loss:stat');
  const action = useRef<ActionType>(null);
  const lastQuery = useRef<Partial<LossQuery>>({});
  const [filters, setFilters] = useState<Partial<LossQuery>>({});
  const [stat, setStat] = useState<LossStat | null>(null);
  const [exporting, setExporting] = useState(false);
  const [settings, setSettings] = useState(false);

  const statKey = JSON.stringify(filters);
  useEffect(() => {
    if (!canStat) return;
    setStat(null);
    const { startTime, endTime, userIds, deptIds, channelId } = filters;
    const end = dayjs(endTime ?? corpToday(timeZone));
    const start = startTime ? dayjs(startTime) : end.subtract(29, 'day');
    const body = { startDate: start.format('YYYY-MM-DD'), endDate: end.format('YYYY-MM-DD'), userIds, deptIds, channelId };
    lossApi.stat(body, { silent: true }).then(
      setStat,
      () => setStat(null),
    );
    // The filters' value, not their object.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [canStat, statKey]);

  const exportLosses = async () => {
    setExporting(true);
    try {
      await download(lossApi.exportPath, { method: 'POST', body: filtersOf(lastQuery.current) });
    } catch {
      // shown by the client
    } finally {
      setExporting(false);
    }
  };

  const columns: ProColumns<LossRecord>[] = [
    {
      title: t('loss.customer'),
      dataIndex: 'name',
      formItemProps: { label: t('loss.keyword') },
      render: (_, row) => <span data-testid={`loss-customer-${row.id}`}>{customerText(t, row.customerName)}</span>,
    },
    {
      title: t('loss.employee'),
      dataIndex: 'userIds',
      render: (_, row) => <span data-testid={`loss-employee-${row.id}`}><EmployeeName name={row.employeeName} userid={row.userid} /></span>,
      formItemRender: () => <EmployeeSelect multiple testId="loss-filter-employees" />,
    },
    { title: t('loss.dept'), dataIndex: 'deptIds', render: (_, row) => (row.deptNames.length ? row.deptNames.join('、') : '—'), formItemRender: () => <WecomDeptTreeSelect /> },
    {
      title: t('loss.direction'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: Object.fromEntries(KINDS.map((kind) => [kind, { text: t(`loss.kind_${kind}`) }])),
      render: (_, row) => (
        <Tag color={row.kind === 'employee_deleted' ? 'orange' : 'red'} data-testid={`loss-kind-${row.kind}`}>
          {t(`loss.kind_${row.kind}`)}
        </Tag>
      ),
    },
    { title: t('loss.lostAt'), dataIndex: 'lostAt', valueType: 'dateTime', search: false },
    {
      title: t('loss.friendFor'),
      dataIndex: 'friendDays',
      search: false,
      render: (_, row) => (
        <Tooltip title={row.addedAt ? `${t('loss.addedAt')} ${dayjs(row.addedAt).format('YYYY-MM-DD HH:mm')}` : undefined}>
          <span data-testid={`loss-friend-${row.id}`}>{friendFor(t, row.friendDays)}</span>
        </Tooltip>
      ),
    },
    {
      title: t('loss.tags'),
      dataIndex: 'tags',
      search: false,
      render: (_, row) =>
        row.tags.length ? (
          <Space size={[0, 4]} wrap>
            {row.tags.map((tag) => (
              <Tag key={`${tag.groupName}/${tag.tagName}`} title={tag.groupName}>
                {tag.tagName}
              </Tag>
            ))}
          </Space>
        ) : (
          '—'
        ),
    },
    {
      title: t('loss.channel'),
      dataIndex: 'channelId',
      render: (_, row) =>
        row.channelName || row.sourceName ? (
          <Space size={4}>
            {row.channelName && <Tag>{row.channelName}</Tag>}
            {row.sourceName && <span>{row.sourceName}</span>}
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('names.noChannel')}</Typography.Text>
        ),
      formItemRender: () => <ChannelSelect testId="loss-filter-channel" />,
    },
    {
      title: t('loss.alerts'),
      dataIndex: 'alerts',
      search: false,
      render: (_, row) => (
        <Space orientation="vertical" size={0}>
          {row.kind === 'customer_deleted' && <AlertState who={t('loss.employeeAlertShort')} state={row.employeeAlert} />}
          {row.kind === 'employee_deleted' && <AlertState who={t('loss.managerAlertShort')} state={row.managerAlert} />}
        </Space>
      ),
    },
    {
      title: t('loss.range'),
      dataIndex: 'lostRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ startTime: value[0], endTime: value[1] }) },
    },
  ];

  return (
    <PageContainer
      title={t('loss.title')}
      extra={
        <Permission code="loss:settings">
          <Button icon={<SettingOutlined />} onClick={() => setSettings(true)} data-testid="loss-settings">
            {t('loss.settings')}
          </Button>
        </Permission>
      }
    >
      {canStat && <LossStatCard stat={stat} />}
      <ProTable<LossRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="loss-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest(async (body: LossQuery) => {
          lastQuery.current = body;
          const next = filtersOf(body);
          setFilters((previous) => (JSON.stringify(previous) === JSON.stringify(next) ? previous : next));
          return lossApi.page(body);
        })}
        toolBarRender={() => [
          <Permission key="export" code="loss:export">
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportLosses()} data-testid="loss-export">
              {t('loss.export')}
            </Button>
          </Permission>,
        ]}
      />
      {settings && <LossSettingsModal onClose={() => setSettings(false)} />}
    </PageContainer>
  );
}

function AlertState({ who, state }: { who: string; state: string }) {
  const { t } = useTranslation();
  return (
    <span>
      {who}：<Tag color={ALERT_COLORS[state]}>{t(`loss.alert_${state}`)}</Tag>
    </span>
  );
}

function LossStatCard({ stat }: { stat: LossStat | null }) {
  const { t } = useTranslation();
  if (!stat) return <Spin style={{ display: 'block', marginBottom: 16 }} />;
  const { days, totals } = stat;
  return (
    <ProCard gutter={[16, 16]} wrap ghost style={{ marginBottom: 16 }}>
      {(
        [
          ['total', totals.total],
          ['byCustomer', totals.customerDeleted],
          ['byEmployee', totals.employeeDeleted],
        ] as const
      ).map(([key, value]) => (
        <StatisticCard key={key} colSpan={{ xs: 24, sm: 8 }} variant="outlined" statistic={{ title: t(`loss.${key}`), value }} data-testid={`loss-stat-${key}`} />
      ))}
      <ProCard colSpan={24} variant="outlined" title={t('loss.chart')}>
        {days.length === 0 ? (
          <Empty />
        ) : (
          <Chart
            testId="loss-chart"
            height={260}
            option={{
              tooltip: { trigger: 'axis' },
              legend: { bottom: 0 },
              grid: { left: 40, right: 20, top: 20, bottom: 50 },
              xAxis: { type: 'category', data: days.map((day) => day.day.slice(5)) },
              yAxis: { type: 'value', minInterval: 1 },
              series: [
                { name: t('loss.byCustomer'), type: 'bar', stack: 'loss', data: days.map((day) => day.customerDeleted), itemStyle: { color: '#ff4d4f' } },
                { name: t('loss.byEmployee'), type: 'bar', stack: 'loss', data: days.map((day) => day.employeeDeleted), itemStyle: { color: '#fa8c16' } },
              ],
            }}
          />
        )}
      </ProCard>
    </ProCard>
  );
}
