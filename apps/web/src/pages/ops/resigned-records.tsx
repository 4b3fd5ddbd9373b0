// 分配记录 / 转接记录: every customer and group a transfer asked WeCom to move, with its status in words (waiting,
// done, failed with the reason the server gives, unknown after a crash), shared by 离职继承 and 在职继承.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { Alert, Space, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { pagedRequest } from '../../components/crud.tsx';
import { EmployeeName } from '../../components/names.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { lifecycleApi, type TransferRecord, type TransferRecordQuery, type TransferResult } from './resigned-api.ts';

const STATUSES = ['sending', 'waiting', 'done', 'failed', 'unknown'] as const;
const STATUS_COLORS: Record<string, string> = { sending: 'default', waiting: 'processing', done: 'success', failed: 'error', unknown: 'warning' };
const ORIGINS = ['manual', 'policy', 'leads'] as const;
/** While a row on screen is still open, the list asks again this often (the tracking job settles them). */
const POLL_MS = 3000;

export function TransferStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  const hint = status === 'waiting' ? t('lifecycle.waitingHint') : status === 'unknown' ? t('lifecycle.unknownHint') : null;
  const tag = (
    <Tag color={STATUS_COLORS[status]} data-testid={`transfer-status-${status}`}>
      {t(`lifecycle.status_${status}`, { defaultValue: status })}
    </Tag>
  );
  return hint ? <Tooltip title={hint}>{tag}</Tooltip> : tag;
}

/** The records of one kind of transfer (resigned or on-job), newest first; `version` changes after a new transfer. */
export function TransferRecordTable({ type, version, testId }: { type: 'resigned' | 'onjob'; version: number; testId: string }) {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const open = useRef(false);

  useEffect(() => {
    if (version > 0) action.current?.reload();
  }, [version]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (open.current) action.current?.reload();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const columns: ProColumns<TransferRecord>[] = [
    { title: t('lifecycle.requestedAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('lifecycle.item'),
      dataIndex: 'subject',
      valueType: 'select',
      valueEnum: { customer: { text: t('lifecycle.kind_customer') }, group: { text: t('lifecycle.kind_group') } },
      render: (_, row) => (
        <Space size={4} data-testid={`transfer-item-${row.id}`}>
          <Tag>{t(`lifecycle.kind_${row.subject}`)}</Tag>
          <span>{row.targetName || (row.subject === 'group' ? t('lifecycle.unnamedGroup') : t('lifecycle.unknownCustomer'))}</span>
        </Space>
      ),
    },
    {
      title: t('lifecycle.handover'),
      dataIndex: 'handoverUserid',
      render: (_, row) => <EmployeeName name={row.handoverName} userid={row.handoverUserid} departed={row.kind === 'resigned'} />,
      formItemRender: () => <EmployeeSelect testId="record-filter-handover" />,
    },
    {
      title: t('lifecycle.takeover'),
      dataIndex: 'takeoverUserid',
      render: (_, row) => <EmployeeName name={row.takeoverName} userid={row.takeoverUserid} />,
      formItemRender: () => <EmployeeSelect testId="record-filter-takeover" />,
    },
    {
      title: t('lifecycle.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(STATUSES.map((status) => [status, { text: t(`lifecycle.status_${status}`) }])),
      render: (_, row) => <TransferStatusTag status={row.status} />,
    },
    {
      title: t('lifecycle.reason'),
      dataIndex: 'reason',
      search: false,
      render: (_, row) =>
        row.reason ? (
          <Space orientation="vertical" size={0} data-testid="transfer-reason">
            <Typography.Text type={row.status === 'failed' ? 'danger' : row.status === 'unknown' ? 'warning' : undefined}>{row.reason}</Typography.Text>
            {row.detail && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {row.detail}
              </Typography.Text>
            )}
          </Space>
        ) : (
          '—'
        ),
    },
    { title: t('lifecycle.takeoverAt'), dataIndex: 'takeoverTime', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('lifecycle.origin'),
      dataIndex: 'origin',
      valueType: 'select',
      valueEnum: Object.fromEntries(ORIGINS.map((origin) => [origin, { text: t(`lifecycle.origin_${origin}`) }])),
      render: (_, row) => t(`lifecycle.origin_${row.origin}`, { defaultValue: row.origin }),
    },
  ];

  return (
    <ProTable<TransferRecord>
      rowKey="id"
      actionRef={action}
      columns={columns}
      data-testid={testId}
      search={{ labelWidth: 'auto' }}
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      request={pagedRequest(async (body: TransferRecordQuery) => {
        const page = await lifecycleApi.recordPage(type, body);
        open.current = page.records.some((row) => row.status === 'sending' || row.status === 'waiting');
        return page;
      })}
    />
  );
}

/** The customers and groups of a request that did not go: refused by SCRM's checks, or failed or unknown at WeCom. */
export function notSent(result: TransferResult): { key: string; name: string; reason: string; detail?: string | null }[] {
  return [
    ...result.refused.map((refusal, index) => ({ key: `refused-${index}`, name: refusal.name, reason: refusal.reason })),
    ...result.items
      .filter((item) => item.status === 'failed' || item.status === 'unknown')
      .map((item) => ({ key: `item-${item.id}`, name: item.targetName, reason: item.reason ?? '', detail: item.detail })),
  ];
}

/** What a transfer request answered: each customer or group that did not go, by name, with why. */
export function TransferRefusals({ result }: { result: TransferResult }): ReactNode {
  const { t } = useTranslation();
  const rows = notSent(result);
  if (rows.length === 0) return null;
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="transfer-refused"
      title={t('lifecycle.refusedTitle', { count: rows.length })}
      description={
        <Space orientation="vertical" size={2}>
          <span>{t('lifecycle.refusedHint')}</span>
          {rows.map((row) => (
            <span key={row.key}>
              <b>{row.name || t('lifecycle.unknownCustomer')}</b>：{row.reason}
              {row.detail && (
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {' '}
                  ({row.detail})
                </Typography.Text>
              )}
            </span>
          ))}
        </Space>
      }
    />
  );
}
