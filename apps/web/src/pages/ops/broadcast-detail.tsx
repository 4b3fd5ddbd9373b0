import { BellOutlined, DownloadOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import { StatisticCard } from '@ant-design/pro-components';
import { Alert, App, Button, Descriptions, Drawer, Empty, Popconfirm, Progress, Select, Space, Spin, Table, Tabs, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchFile, saveBlob, withDetail } from '../../api/client.ts';
import { Permission } from '../../auth/permission.tsx';
import { Chart } from '../../components/chart.tsx';
import {
  STATUS_COLORS, broadcastApi, permOf, type BroadcastDetailRecord, type BroadcastKind, type BroadcastRecord, type BroadcastStat, type RecipientRecord, type SenderProgress,
} from './broadcast-api.ts';
import { SendersCell } from './broadcast-parts.tsx';
import { customerText, EmployeeName, employeeText, groupText } from '../../components/names.tsx';
import { toCorpClock } from '../../components/corp-time.ts';
import { useCorpTimeZone } from '../../auth/session.tsx';

const SENDER_STATE_COLORS: Record<string, string> = { sent: 'success', waiting: 'processing', expired: 'warning', cancelled: 'default', failed: 'error' };
/** Whom the broadcast is for, in words: the segment's tags, channels, links, time and gender by name; groups; visible tags. */
function audienceText(t: TFunction, record: BroadcastRecord): string {
  const names = record.audienceNames;
  const audience = record.audience;
  const join = (items: { name: string }[]) => items.map((item) => item.name).join('、');
  if (record.kind === 'group') {
    const groups = names.groups.map((group) => ({ name: groupText(t, group.name) }));
    const owners = names.owners.map((owner) => ({ name: employeeText(t, owner.name, owner.userid) }));
    const parts = [join(groups), owners.length ? `${t('broadcast.groupsOfOwners')}：${join(owners)}` : ''].filter(Boolean);
    return parts.join('；') || t('broadcast.audienceNone');
  }
  if (record.kind === 'moment') return names.corpTags.length ? join(names.corpTags) : t('broadcast.visibleTagsHint');
  const parts = [
    names.corpTags.length ? t('broadcast.segmentCorpTags', { match: t(audience.corpTagMatch === 'all' ? 'broadcast.matchAll' : 'broadcast.matchAny'), names: join(names.corpTags) }) : '',
    names.selfTags.length ? t('broadcast.segmentSelfTags', { names: join(names.selfTags) }) : '',
    names.excludeTags.length ? t('broadcast.segmentExclude', { names: join(names.excludeTags) }) : '',
    names.channels.length ? t('broadcast.segmentChannels', { names: join(names.channels) }) : '',
    names.links.length ? t('broadcast.segmentLinks', { names: join(names.links) }) : '',
    names.stages.length ? t('stage.segment', { names: join(names.stages) }) : '',
    audience.addTimeStart || audience.addTimeEnd ? t('broadcast.segmentAdded', { from: audience.addTimeStart?.slice(0, 10) ?? '…', to: audience.addTimeEnd?.slice(0, 10) ?? '…' }) : '',
    audience.gender !== undefined ? t('broadcast.segmentGender', { gender: t(`broadcast.gender${audience.gender}`) }) : '',
  ].filter(Boolean);
  return parts.length ? parts.join('；') : t('broadcast.audienceAllCustomers');
}

const RESULT_COLORS: Record<string, string> = {
  delivered: 'success', pending: 'default', planned: 'default', not_friend: 'warning', over_limit: 'warning', failed: 'error', unknown: 'error',
  cancelled: 'default', expired: 'default', excluded: 'default',
};
/** A recipient status and the statistics' count of it. */
const RESULT_COUNTS: [RecipientRecord['status'], keyof BroadcastStat][] = [
  ['delivered', 'delivered'], ['pending', 'pending'], ['not_friend', 'notFriend'], ['over_limit', 'overLimit'], ['failed', 'failed'],
  ['unknown', 'unknown'], ['expired', 'expired'], ['cancelled', 'cancelled'],
];

/**
 * A broadcast's details: what was sent, coverage, each employee's confirmation and completion, each recipient's
 * result (delivered / not a friend / over the limit / failed / unknown), by day, and the recipients' export.
 * Cancel and remind for holders of those buttons.
 */
export function BroadcastDetail({ kind, id, onClose, onChanged }: { kind: BroadcastKind; id: number; onClose: () => void; onChanged: () => void }) {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const { message } = App.useApp();
  const endpoints = broadcastApi(kind);
  const [record, setRecord] = useState<BroadcastDetailRecord | null>(null);
  const [stat, setStat] = useState<BroadcastStat | null>(null);
  const [version, setVersion] = useState(0);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    endpoints.get(id).then(setRecord, onClose);
    endpoints.stat(id).then(setStat, () => setStat(null));
    // A new version after an action or a refresh.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, kind, version]);
  // While the tasks are being handed to WeCom, the operator watches them arrive.
  const dispatching = record?.status === 'sending';
  useEffect(() => {
    if (!dispatching) return;
    const timer = setInterval(() => setVersion((value) => value + 1), 2000);
    return () => clearInterval(timer);
  }, [dispatching]);
  useEffect(() => {
    if (version > 0 && record && !dispatching) onChanged();
    // The list follows once the dispatch has ended.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dispatching]);

  const refresh = () => {
    setVersion((value) => value + 1);
    onChanged();
  };
  const cancel = async () => {
    await endpoints.cancel(id);
    message.success(t('broadcast.cancelled'));
    refresh();
  };
  const remind = async () => {
    const result = await endpoints.remind(id);
    message.success(t('broadcast.reminded', { count: result.reminded }));
    refresh();
  };
  const resend = async () => {
    await endpoints.send(id, { resendUnknown: true });
    refresh();
  };
  const exportRecipients = async () => {
    setExporting(true);
    try {
      const file = await fetchFile(endpoints.exportPath, { method: 'POST', body: { id } });
      saveBlob(file.blob, file.fileName);
    } finally {
      setExporting(false);
    }
  };

  // Dispatched tasks wait for the employees until tracking ends: they can still be reminded or cancelled.
  const awaiting = (record?.status === 'sending' || record?.status === 'sent') && !record.trackedAt;
  const live = awaiting || record?.status === 'scheduled';
  const unit = kind === 'group' ? t('broadcast.groupsTotal') : t('broadcast.recipients');
  const problems = record?.chunks.filter((chunk) => chunk.status === 'unknown' || chunk.status === 'failed') ?? [];

  return (
    <Drawer
      open
      size={1000}
      title={`${t(kind === 'moment' ? 'broadcast.detailTitle_moment' : 'broadcast.detailTitle')}${record ? ` · ${record.name}` : ''}`}
      onClose={onClose}
      destroyOnHidden
      data-testid="broadcast-detail"
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={refresh} data-testid="broadcast-refresh">
            {t('broadcast.refresh')}
          </Button>
          {awaiting && kind !== 'moment' && (
            <Permission code={permOf(kind, 'remind')}>
              <Popconfirm title={t('broadcast.remindHint')} onConfirm={() => remind().catch(() => undefined)}>
                <Button icon={<BellOutlined />} data-testid="broadcast-detail-remind">
                  {t('broadcast.remind')}
                </Button>
              </Popconfirm>
            </Permission>
          )}
          {awaiting && kind === 'moment' && (
            <Permission code={permOf(kind, 'remind')}>
              <Button icon={<BellOutlined />} onClick={() => void remind().catch(() => undefined)} data-testid="broadcast-detail-remind">
                {t('broadcast.remind')}
              </Button>
            </Permission>
          )}
          {live && (
            <Permission code={permOf(kind, 'cancel')}>
              <Popconfirm title={t('broadcast.cancelConfirm')} onConfirm={() => cancel().catch(() => undefined)}>
                <Button danger icon={<StopOutlined />} data-testid="broadcast-detail-cancel">
                  {t('broadcast.cancel')}
                </Button>
              </Popconfirm>
            </Permission>
          )}
          <Permission code={permOf(kind, 'export')}>
            <Button icon={<DownloadOutlined />} loading={exporting} disabled={!record || record.status === 'draft'} onClick={() => void exportRecipients().catch(() => undefined)} data-testid="broadcast-export">
              {t('broadcast.export')}
            </Button>
          </Permission>
        </Space>
      }
    >
      <Spin spinning={!record}>
        {record && (
          <>
            <Descriptions size="small" column={2} bordered style={{ marginBottom: 16 }}>
              <Descriptions.Item label={t('common.status')}>
                <Tag color={STATUS_COLORS[record.status]} data-testid="broadcast-detail-status">
                  {t(`broadcast.status_${record.status}`, { defaultValue: record.status })}
                </Tag>
                {record.failure && <Typography.Text type="danger">{withDetail(record.failure.message, record.failure.detail)}</Typography.Text>}
                {awaiting && record.status === 'sent' && <Typography.Text type="secondary">{t(kind === 'moment' ? 'broadcast.statusHint_sent_moment' : 'broadcast.statusHint_sent')}</Typography.Text>}
              </Descriptions.Item>
              <Descriptions.Item label={t('broadcast.schedule')}>
                {record.sentAt
                  ? `${t('broadcast.sentAt')} ${toCorpClock(record.sentAt, timeZone).format('YYYY-MM-DD HH:mm')}`
                  : record.scheduleAt
                    ? toCorpClock(record.scheduleAt, timeZone).format('YYYY-MM-DD HH:mm')
                    : t('broadcast.scheduleNow')}
              </Descriptions.Item>
              {(record.senderNames.length > 0 || record.deptNames.length > 0 || record.audienceNames.owners.length > 0) && (
                <Descriptions.Item label={t(kind === 'customer' ? 'broadcast.senders' : `broadcast.senders_${kind}`)} span={2}>
                  <SendersCell row={record} />
                </Descriptions.Item>
              )}
              <Descriptions.Item label={t(kind === 'group' ? 'broadcast.groups' : kind === 'moment' ? 'broadcast.sectionVisible' : 'broadcast.sectionAudience')} span={2}>
                <span data-testid="broadcast-detail-audience">{audienceText(t, record)}</span>
              </Descriptions.Item>
              {record.content.text && (
                <Descriptions.Item label={t('broadcast.text')} span={2}>
                  <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }} ellipsis={{ rows: 3, expandable: true }}>
                    {record.content.text}
                  </Typography.Paragraph>
                </Descriptions.Item>
              )}
            </Descriptions>
            {problems.map((chunk) => (
              <Alert
                key={chunk.seq}
                type={chunk.status === 'unknown' ? 'warning' : 'error'}
                showIcon
                style={{ marginBottom: 12 }}
                data-testid={`broadcast-chunk-${chunk.status}`}
                title={`${employeeText(t, chunk.senderName, chunk.userid)} · ${chunk.size} ${unit} · ${chunk.status === 'unknown' ? t('broadcast.result_unknown') : t('broadcast.failedChunk')}`}
                description={chunk.status === 'unknown' ? t('broadcast.unknownChunkHint') : withDetail(chunk.failure?.message ?? '', chunk.failure?.detail)}
                action={
                  chunk.status === 'unknown' ? (
                    <Permission code={permOf(kind, 'send')}>
                      <Popconfirm title={t('broadcast.resendUnknownConfirm')} onConfirm={() => resend().catch(() => undefined)}>
                        <Button size="small">{t('broadcast.resendUnknown')}</Button>
                      </Popconfirm>
                    </Permission>
                  ) : undefined
                }
              />
            ))}
          </>
        )}
        {stat && record && (stat.lastTrackAt || stat.trackedAt) && (
          <Typography.Paragraph type="secondary" data-testid="broadcast-tracked">
            {stat.trackedAt
              ? t('broadcast.trackedDone', { time: toCorpClock(stat.trackedAt, timeZone).format('YYYY-MM-DD HH:mm') })
              : t('broadcast.lastTrack', { time: toCorpClock(stat.lastTrackAt!, timeZone).format('YYYY-MM-DD HH:mm') })}
          </Typography.Paragraph>
        )}
        {stat && record && <StatView kind={kind} id={id} stat={stat} version={version} />}
      </Spin>
    </Drawer>
  );
}

function StatView({ kind, id, stat, version }: { kind: BroadcastKind; id: number; stat: BroadcastStat; version: number }) {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  return (
    <>
      <Space size={12} wrap style={{ marginBottom: 16 }} data-testid="broadcast-kpis">
        {kind !== 'moment' && <StatisticCard variant="outlined" statistic={{ title: t('broadcast.kpiRecipients'), value: stat.planned }} data-testid="kpi-planned" />}
        {kind !== 'moment' && <StatisticCard variant="outlined" statistic={{ title: t('broadcast.kpiDelivered'), value: stat.delivered }} data-testid="kpi-delivered" />}
        <StatisticCard variant="outlined" statistic={{ title: t('broadcast.kpiCoverage'), value: stat.coverage, suffix: '%' }} data-testid="kpi-coverage" />
        <StatisticCard variant="outlined" statistic={{ title: t(kind === 'moment' ? 'broadcast.kpiSenders_moment' : 'broadcast.kpiSenders'), value: stat.senders.sent, suffix: `/ ${stat.senders.total}` }} data-testid="kpi-confirmed" />
      </Space>
      <Tabs
        items={[
          {
            key: 'senders',
            label: t('broadcast.senderTab'),
            children: (
              <Table
                size="small"
                rowKey="userid"
                pagination={false}
                dataSource={stat.perSender}
                data-testid="broadcast-senders"
                columns={[
                  { title: t('broadcast.sender'), dataIndex: 'name', render: (_, row) => <span data-testid={`sender-name-${row.userid}`}><EmployeeName name={row.name} userid={row.userid} /></span> },
                  {
                    title: t('common.status'),
                    dataIndex: 'status',
                    render: (_, row) => (
                      <Tag color={SENDER_STATE_COLORS[row.status]} data-testid={`sender-state-${row.userid}`}>
                        {t(`broadcast.sender_${kind === 'moment' ? 'moment_' : ''}${row.status}`)}
                      </Tag>
                    ),
                  },
                  ...(kind === 'moment'
                    ? []
                    : [
                        { title: t('broadcast.planned'), dataIndex: 'planned', width: 90 },
                        { title: t('broadcast.delivered'), dataIndex: 'delivered', width: 90 },
                        {
                          title: t('broadcast.completion'),
                          dataIndex: 'completion',
                          width: 180,
                          render: (_: unknown, row: SenderProgress) => <Progress size="small" percent={row.completion} />,
                        },
                      ]),
                  { title: t(kind === 'moment' ? 'broadcast.confirmedAt_moment' : 'broadcast.confirmedAt'), dataIndex: 'sentAt', render: (_, row) => (row.sentAt ? toCorpClock(row.sentAt, timeZone).format('YYYY-MM-DD HH:mm') : '—') },
                ]}
              />
            ),
          },
          ...[{ key: 'recipients', label: t('broadcast.recipientTab'), children: <RecipientTable kind={kind} id={id} stat={stat} version={version} /> }],
          {
            key: 'days',
            label: t('broadcast.dayTab'),
            children:
              stat.byDay.length === 0 ? (
                <Empty description={t('broadcast.noDays')} />
              ) : (
                <Chart
                  testId="broadcast-by-day"
                  option={{
                    animation: false,
                    tooltip: { trigger: 'axis' },
                    grid: { left: 40, right: 16, top: 24, bottom: 24 },
                    xAxis: { type: 'category', data: stat.byDay.map((row) => row.day) },
                    yAxis: { type: 'value', minInterval: 1 },
                    series: [{ type: 'bar', name: t('broadcast.chartDelivered'), data: stat.byDay.map((row) => row.delivered) }],
                  }}
                />
              ),
          },
        ]}
      />
    </>
  );
}

/** Each recipient with their result, filterable by result; names only. */
function RecipientTable({ kind, id, stat, version }: { kind: BroadcastKind; id: number; stat: BroadcastStat; version: number }) {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const endpoints = broadcastApi(kind);
  const [page, setPage] = useState({ pageNum: 1, pageSize: 20 });
  const [result, setResult] = useState<string | undefined>(undefined);
  const [data, setData] = useState<{ records: RecipientRecord[]; total: number } | null>(null);
  const load = useCallback(() => {
    endpoints.recipients({ id, ...page, ...(result ? { status: result } : {}) }).then(setData, () => setData({ records: [], total: 0 }));
    // endpoints is derived from kind.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, kind, page, result]);
  useEffect(load, [load, version]);
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          allowClear
          placeholder={t('broadcast.result')}
          style={{ width: 220 }}
          value={result}
          onChange={(value) => {
            setResult(value);
            setPage((current) => ({ ...current, pageNum: 1 }));
          }}
          options={RESULT_COUNTS.filter(([, field]) => Number(stat[field]) > 0).map(([key, field]) => ({ value: key, label: `${t(`broadcast.result_${key}`, { defaultValue: key })} (${stat[field] as number})` }))}
          data-testid="broadcast-result-filter"
        />
      </Space>
      <Table
        size="small"
        rowKey="key"
        loading={!data}
        dataSource={data?.records ?? []}
        data-testid="broadcast-recipients"
        pagination={{
          current: page.pageNum,
          pageSize: page.pageSize,
          total: data?.total ?? 0,
          showSizeChanger: true,
          onChange: (pageNum, pageSize) => setPage({ pageNum, pageSize }),
        }}
        columns={[
          { title: kind === 'group' ? t('broadcast.group') : t('broadcast.recipient'), dataIndex: 'name', render: (_, row) => (kind === 'group' ? groupText(t, row.name) : customerText(t, row.name)) },
          // No sender (excluded as no sender's friend): a dash, not 未知员工.
          { title: t('broadcast.sender'), dataIndex: 'senderName', render: (_, row) => (row.userid ? <EmployeeName name={row.senderName} userid={row.userid} /> : '—') },
          {
            title: t('broadcast.result'),
            dataIndex: 'result',
            render: (_, row) => (
              <Tag color={RESULT_COLORS[row.status]} data-testid="recipient-result">
                {row.statusText}
              </Tag>
            ),
          },
          { title: t('broadcast.sentTime'), dataIndex: 'sendTime', render: (_, row) => (row.sendTime ? toCorpClock(row.sendTime, timeZone).format('YYYY-MM-DD HH:mm') : '—') },
        ]}
      />
    </>
  );
}
