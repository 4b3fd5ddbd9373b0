import { PlusOutlined, SettingOutlined, StopOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Popconfirm, Tag, Tooltip, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withDetail } from '../../api/client.ts';
import { Permission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { ProTable } from '../../components/table.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { BROADCAST_STATUSES, STATUS_COLORS, broadcastApi, permOf, type BroadcastKind, type BroadcastProgress, type BroadcastRecord } from './broadcast-api.ts';
import { BroadcastDetail } from './broadcast-detail.tsx';
import { BroadcastEditor } from './broadcast-editor.tsx';
import { CoverageCell, SendersCell } from './broadcast-parts.tsx';
import { BroadcastSettingsModal, DndModal } from './broadcast-settings.tsx';
import { toCorpClock } from '../../components/corp-time.ts';
import { useCorpTimeZone } from '../../auth/session.tsx';
import { usePermission } from '../../auth/permission.tsx';

export function CustomerBroadcastPage() {
  return <BroadcastPage kind="customer" />;
}

export function GroupBroadcastPage() {
  return <BroadcastPage kind="group" />;
}

/**
 * 客户群发 / 客户群群发 / 朋友圈: the broadcasts of a kind, paged by the server; create and edit (content, senders,
 * audience, schedule), preview and send, cancel, remind, and the details (per employee, per recipient, by day).
 * 客户群发 also reaches the do-not-disturb list and the broadcast settings, for holders of those buttons.
 */
export function BroadcastPage({ kind }: { kind: BroadcastKind }) {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  const canQuery = usePermission(permOf(kind, 'query'));
  // The sent broadcasts' figures on this page, in one call after the page.
  const [progress, setProgress] = useState<Map<number, BroadcastProgress>>(new Map());
  const loadPage = async (body: Record<string, unknown>) => {
    const page = await guard(endpoints.pageRequest(body));
    const live = page.records.filter((row) => row.status !== 'draft' && row.status !== 'scheduled').map((row) => row.id);
    if (canQuery && live.length) {
      endpoints.progress(live, { silent: true }).then(
        (rows) => setProgress(new Map(rows.map((entry) => [entry.id, entry]))),
        () => setProgress(new Map()),
      );
    }
    return page;
  };
  const [editing, setEditing] = useState<{ id?: number; step?: 'preview' } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [dialog, setDialog] = useState<'dnd' | 'settings' | null>(null);
  const title = t(`broadcast.title_${kind}`);
  if (missing) return <ComingSoonPage name={title} />;
  const endpoints = broadcastApi(kind);
  const reload = () => action.current?.reload();

  const cancel = async (row: BroadcastRecord) => {
    await endpoints.cancel(row.id);
    message.success(t('broadcast.cancelled'));
    reload();
  };
  const remind = async (row: BroadcastRecord) => {
    const result = await endpoints.remind(row.id);
    message.success(t('broadcast.reminded', { count: result.reminded }));
    reload();
  };
  const remove = async (row: BroadcastRecord) => {
    await endpoints.remove([row.id]);
    message.success(t('common.deleted'));
    reload();
  };

  const columns: ProColumns<BroadcastRecord>[] = [
    {
      title: t('broadcast.name'),
      dataIndex: 'name',
      render: (_, row) => (
        <Permission code={permOf(kind, 'query')} fallback={row.name}>
          <a onClick={() => setOpen(row.id)} data-testid={`broadcast-open-${row.id}`}>
            {row.name}
          </a>
        </Permission>
      ),
    },
    { title: t('broadcast.kind'), dataIndex: 'kind', search: false, render: (_, row) => <Tag>{t(`broadcast.kind_${row.kind}`)}</Tag> },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(BROADCAST_STATUSES.map((status) => [status, { text: t(`broadcast.status_${status}`) }])),
      render: (_, row) => (
        <Tooltip title={row.failure ? withDetail(row.failure.message, row.failure.detail) : undefined}>
          <Tag color={STATUS_COLORS[row.status]} data-testid={`broadcast-status-${row.id}`}>
            {t(`broadcast.status_${row.status}`, { defaultValue: row.status })}
          </Tag>
        </Tooltip>
      ),
    },
    {
      title: t(kind === 'customer' ? 'broadcast.senders' : `broadcast.senders_${kind}`),
      dataIndex: 'senderNames',
      search: false,
      render: (_, row) => <SendersCell row={row} />,
    },
    {
      title: t('broadcast.schedule'),
      dataIndex: 'scheduleAt',
      search: false,
      render: (_, row) =>
        row.sentAt ? (
          <span>{t('broadcast.sentAt')} {toCorpClock(row.sentAt, timeZone).format('YYYY-MM-DD HH:mm')}</span>
        ) : row.scheduleAt ? (
          toCorpClock(row.scheduleAt, timeZone).format('YYYY-MM-DD HH:mm')
        ) : (
          <Typography.Text type="secondary">{t('broadcast.scheduleNow')}</Typography.Text>
        ),
    },
    { title: t('broadcast.coverage'), dataIndex: 'plannedCount', search: false, width: 220, render: (_, row) => <CoverageCell row={row} progress={progress.get(row.id)} /> },
    { title: t('broadcast.creator'), dataIndex: 'cuser', search: false, render: (_, row) => row.cuser ?? '—' },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 240,
      render: (_, row) => [
        <Permission key="detail" code={permOf(kind, 'query')}>
          <a onClick={() => setOpen(row.id)}>{t('broadcast.detail')}</a>
        </Permission>,
        (row.status === 'draft' || row.status === 'scheduled') && (
          <Permission key="edit" code={permOf(kind, 'save')}>
            <a onClick={() => setEditing({ id: row.id })} data-testid={`broadcast-edit-${row.id}`}>
              {t('common.edit')}
            </a>
          </Permission>
        ),
        row.status === 'draft' && (
          <Permission key="send" code={permOf(kind, 'send')}>
            <a onClick={() => setEditing({ id: row.id, step: 'preview' })} data-testid={`broadcast-send-${row.id}`}>
              {t('broadcast.send')}
            </a>
          </Permission>
        ),
        (row.status === 'sending' || row.status === 'sent') && !row.trackedAt && (
          <Permission key="remind" code={permOf(kind, 'remind')}>
            <Popconfirm title={t('broadcast.remindHint')} onConfirm={() => remind(row).catch(() => undefined)}>
              <a data-testid={`broadcast-remind-${row.id}`}>{t('broadcast.remind')}</a>
            </Popconfirm>
          </Permission>
        ),
        (row.status === 'scheduled' || ((row.status === 'sending' || row.status === 'sent') && !row.trackedAt)) && (
          <Permission key="cancel" code={permOf(kind, 'cancel')}>
            <Popconfirm title={t('broadcast.cancelConfirm')} onConfirm={() => cancel(row).catch(() => undefined)}>
              <Typography.Link type="danger" data-testid={`broadcast-cancel-${row.id}`}>
                {t('broadcast.cancel')}
              </Typography.Link>
            </Popconfirm>
          </Permission>
        ),
        row.status === 'draft' && (
          <Permission key="delete" code={permOf(kind, 'delete')}>
            <Popconfirm title={t('broadcast.deleteConfirm', { name: row.name })} onConfirm={() => remove(row).catch(() => undefined)}>
              <Typography.Link type="danger" data-testid={`broadcast-delete-${row.id}`}>
                {t('common.delete')}
              </Typography.Link>
            </Popconfirm>
          </Permission>
        ),
      ],
    },
  ];

  return (
    <PageContainer title={title}>
      <ProTable<BroadcastRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="broadcast-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest(loadPage)}
        toolBarRender={() => [
          kind === 'customer' && (
            <Permission key="dnd" code="broadcast:dnd:save">
              <Button icon={<StopOutlined />} onClick={() => setDialog('dnd')} data-testid="broadcast-dnd">
                {t('broadcast.dnd')}
              </Button>
            </Permission>
          ),
          kind === 'customer' && (
            <Permission key="settings" code="broadcast:settings:save">
              <Button icon={<SettingOutlined />} onClick={() => setDialog('settings')} data-testid="broadcast-settings">
                {t('broadcast.settings')}
              </Button>
            </Permission>
          ),
          <Permission key="create" code={permOf(kind, 'save')}>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="broadcast-create">
              {t(`broadcast.create_${kind}`)}
            </Button>
          </Permission>,
        ]}
      />
      {editing && (
        <BroadcastEditor
          kind={kind}
          id={editing.id}
          startAt={editing.step}
          onClose={() => {
            setEditing(null);
            reload();
          }}
          onSent={(id) => {
            setEditing(null);
            reload();
            setOpen(id);
          }}
        />
      )}
      {open !== null && <BroadcastDetail kind={kind} id={open} onClose={() => setOpen(null)} onChanged={reload} />}
      {dialog === 'dnd' && <DndModal onClose={() => setDialog(null)} />}
      {dialog === 'settings' && <BroadcastSettingsModal onClose={() => setDialog(null)} />}
    </PageContainer>
  );
}
