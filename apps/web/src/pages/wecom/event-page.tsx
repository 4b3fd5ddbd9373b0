import { RedoOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Descriptions, Drawer, Popconfirm, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, withDetail } from '../../api/client.ts';
import type { BodyOf, CallbackEvent } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type EventQuery = BodyOf<'/scrm/admin/event/page', 'post'>;
const STATUSES = ['pending', 'processing', 'done', 'failed', 'dead'] as const;
const STATUS_COLORS: Record<string, string> = { pending: 'default', processing: 'processing', done: 'success', failed: 'warning', dead: 'error' };

/** 回调事件: every stored WeCom callback with its processing state; dead letters and replay. */
export function EventPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const canReplay = usePermission('wx:event:replay');
  const { missing, guard } = useModuleAvailability();
  const [selected, setSelected] = useState<number[]>([]);
  const [open, setOpen] = useState<CallbackEvent | null>(null);
  if (missing) return <ComingSoonPage name={t('event.title')} />;

  const replay = async (ids: number[]) => {
    const result = await call(api.POST('/scrm/admin/event/replay', { body: { ids } }));
    message.success(t('event.replayed', { count: result.replayed }));
    setSelected([]);
    action.current?.reload();
  };

  const eventCode = (row: CallbackEvent) => (row.changeType ? `${row.event} / ${row.changeType}` : row.event);
  // A callback SCRM has no words for (a newer WeCom event) is named by its code.
  const eventKind = (row: CallbackEvent) => t(`eventKind.${row.changeType ? `${row.event}/${row.changeType}` : row.event}`, { defaultValue: eventCode(row) });

  const columns: ProColumns<CallbackEvent>[] = [
    { title: 'ID', dataIndex: 'id', search: false, width: 80 },
    // What happened, in words, with WeCom's own event and change type under it (what the filters search).
    {
      title: t('event.event'),
      dataIndex: 'event',
      render: (_, row) => (
        <div data-testid={`event-kind-${row.id}`}>
          <div>{eventKind(row)}</div>
          <Typography.Text type="secondary" code style={{ fontSize: 12 }}>{eventCode(row)}</Typography.Text>
        </div>
      ),
    },
    { title: t('event.changeType'), dataIndex: 'changeType', hideInTable: true },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(STATUSES.map((status) => [status, { text: t(`event.status_${status}`) }])),
      render: (_, row) => <Tag color={STATUS_COLORS[row.status]}>{t(`event.status_${row.status}`, { defaultValue: row.status })}</Tag>,
    },
    { title: t('event.outcome'), dataIndex: 'outcome', search: false, render: (_, row) => (row.outcome ? t(`event.outcome_${row.outcome}`, { defaultValue: row.outcome }) : '—') },
    { title: t('event.attempts'), dataIndex: 'attempts', search: false, width: 80 },
    { title: t('event.source'), dataIndex: 'source', valueType: 'select', valueEnum: { callback: { text: t('event.source_callback') }, test: { text: t('event.source_test') } } },
    { title: t('event.lastError'), dataIndex: 'lastError', search: false, render: (_, row) => (row.lastError ? withDetail(row.lastError, row.lastErrorDetail) : '—') },
    { title: t('event.receivedAt'), dataIndex: 'receivedAt', valueType: 'dateTime', search: false },
    {
      title: t('event.receivedAt'),
      dataIndex: 'receivedRange',
      valueType: 'dateTimeRange',
      hideInTable: true,
      search: {
        transform: (value: [string, string]) => ({ startTime: new Date(value[0]).toISOString(), endTime: new Date(value[1]).toISOString() }),
      },
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 130,
      render: (_, row) => [
        <a key="detail" onClick={() => setOpen(row)}>
          {t('event.detail')}
        </a>,
        <Permission key="replay" code="wx:event:replay">
          <Popconfirm title={t('event.confirmReplay', { count: 1 })} onConfirm={() => replay([row.id]).catch(() => undefined)}>
            <a data-testid={`event-replay-${row.id}`}>{t('event.replay')}</a>
          </Popconfirm>
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('event.title')}>
      <ProTable<CallbackEvent>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="event-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        rowSelection={canReplay ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]) } : false}
        request={pagedRequest((body: EventQuery) => guard(api.POST('/scrm/admin/event/page', { body })))}
        toolBarRender={() => [
          <Permission key="replay" code="wx:event:replay">
            <Popconfirm title={t('event.confirmReplay', { count: selected.length })} disabled={selected.length === 0} onConfirm={() => replay(selected).catch(() => undefined)}>
              <Button icon={<RedoOutlined />} disabled={selected.length === 0} data-testid="event-replay-selected">
                {t('event.replaySelected', { count: selected.length })}
              </Button>
            </Popconfirm>
          </Permission>,
        ]}
      />
      {open && (
        <Drawer open size={720} title={`${eventKind(open)} · ${eventCode(open)}`} onClose={() => setOpen(null)}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label="eventKey">{open.eventKey}</Descriptions.Item>
            <Descriptions.Item label={t('common.status')}>{t(`event.status_${open.status}`, { defaultValue: open.status })}</Descriptions.Item>
            <Descriptions.Item label={t('event.attempts')}>{open.attempts}</Descriptions.Item>
            <Descriptions.Item label={t('event.nextAttempt')}>{open.nextAttemptAt}</Descriptions.Item>
            <Descriptions.Item label={t('event.processedAt')}>{open.processedAt ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('event.lastError')}>{open.lastError ? withDetail(open.lastError, open.lastErrorDetail) : '—'}</Descriptions.Item>
            <Descriptions.Item label="XML">
              <Typography.Paragraph code copyable style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>
                {open.xml}
              </Typography.Paragraph>
            </Descriptions.Item>
          </Descriptions>
        </Drawer>
      )}
    </PageContainer>
  );
}
