import { RedoOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Popconfirm, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, withDetail } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { EmployeeName } from '../../components/names.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type AppMessageQuery = BodyOf<'/scrm/admin/app-message/page', 'post'>;
type AppMessageRecord = ResponseOf<'/scrm/admin/app-message/page', 'post'>['records'][number];
const STATUSES = ['queued', 'sending', 'sent', 'merged', 'skipped', 'failed'] as const;
const STATUS_COLORS: Record<string, string> = { queued: 'default', sending: 'processing', sent: 'success', merged: 'cyan', skipped: 'warning', failed: 'error' };

/** 应用消息: what SCRM told employees through WeCom, and what became of it; failed or unsent ones resent. */
export function AppMessagePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const canResend = usePermission('qw:appmsg:retry');
  const { missing, guard } = useModuleAvailability();
  const [selected, setSelected] = useState<number[]>([]);
  if (missing) return <ComingSoonPage name={t('appMessage.title')} />;

  const resend = async (ids: number[]) => {
    const result = await call(api.POST('/scrm/admin/app-message/retry', { body: { ids } }));
    if (result.retried > 0) message.success(t('appMessage.resent', { count: result.retried }));
    if (result.refused.length > 0) {
      const reasons = [...new Set(result.refused.map((row) => row.reason))].join('；');
      message.warning(t('appMessage.refused', { count: result.refused.length, reasons }));
    }
    setSelected([]);
    action.current?.reload();
  };

  const columns: ProColumns<AppMessageRecord>[] = [
    {
      title: t('appMessage.recipient'),
      dataIndex: 'userid',
      formItemRender: () => <EmployeeSelect testId="app-message-employee" />,
      render: (_, row) => <EmployeeName name={row.employeeName} userid={row.userid} departed={row.employeeLeft} />,
    },
    { title: t('appMessage.messageTitle'), dataIndex: 'title', search: false, width: 140 },
    {
      title: t('appMessage.content'),
      dataIndex: 'content',
      search: false,
      render: (_, row) => <Typography.Paragraph ellipsis={{ rows: 2, expandable: true }} style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>{row.content}</Typography.Paragraph>,
    },
    { title: t('appMessage.keyword'), dataIndex: 'keyword', hideInTable: true },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      width: 110,
      valueEnum: Object.fromEntries(STATUSES.map((status) => [status, { text: t(`appMessage.status_${status}`) }])),
      render: (_, row) => <Tag color={STATUS_COLORS[row.status]} data-testid={`app-message-status-${row.id}`}>{t(`appMessage.status_${row.status}`)}</Tag>,
    },
    { title: t('appMessage.reason'), dataIndex: 'reason', search: false, render: (_, row) => (row.reason ? withDetail(row.reason, row.errorDetail) : '—') },
    { title: t('appMessage.attempts'), dataIndex: 'attempts', search: false, width: 90 },
    { title: t('appMessage.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false, width: 170 },
    { title: t('appMessage.sentAt'), dataIndex: 'sentAt', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('appMessage.createdAt'),
      dataIndex: 'createdRange',
      valueType: 'dateTimeRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ beginTime: new Date(value[0]).toISOString(), endTime: new Date(value[1]).toISOString() }) },
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 90,
      render: (_, row) =>
        row.retryable
          ? [
              <Permission key="resend" code="qw:appmsg:retry">
                <Popconfirm title={t('appMessage.confirmResend', { count: 1 })} onConfirm={() => resend([row.id]).catch(() => undefined)}>
                  <a data-testid={`app-message-resend-${row.id}`}>{t('appMessage.resend')}</a>
                </Popconfirm>
              </Permission>,
            ]
          : [],
    },
  ];

  return (
    <PageContainer title={t('appMessage.title')}>
      <Alert type="info" showIcon message={t('appMessage.hint')} style={{ marginBottom: 16 }} />
      <ProTable<AppMessageRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="app-message-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        rowSelection={canResend ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]), getCheckboxProps: (row) => ({ disabled: !row.retryable }) } : false}
        request={pagedRequest((body: AppMessageQuery) => guard(api.POST('/scrm/admin/app-message/page', { body })))}
        toolBarRender={() => [
          <Permission key="resend" code="qw:appmsg:retry">
            <Popconfirm title={t('appMessage.confirmResend', { count: selected.length })} disabled={selected.length === 0} onConfirm={() => resend(selected).catch(() => undefined)}>
              <Button icon={<RedoOutlined />} disabled={selected.length === 0} data-testid="app-message-resend-selected">
                {t('appMessage.resendSelected', { count: selected.length })}
              </Button>
            </Popconfirm>
          </Permission>,
        ]}
      />
    </PageContainer>
  );
}
