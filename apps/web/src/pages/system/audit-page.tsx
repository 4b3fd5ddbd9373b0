import { PageContainer, type ProColumns } from '@ant-design/pro-components';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type AuditRecord = ResponseOf<'/scrm/admin/sys/audit/page', 'post'>['records'][number];
type AuditQuery = BodyOf<'/scrm/admin/sys/audit/page', 'post'>;

function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
  return <pre style={{ margin: 0, maxHeight: 240, overflow: 'auto', fontSize: 12 }}>{JSON.stringify(value, null, 2)}</pre>;
}

/** 操作日志: who changed what, newest first, with the record before and after. */
export function AuditPage() {
  const { t } = useTranslation();
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={t('audit.title')} />;

  // Read as a map: the actions' codes have dots, which a translation key would take for nesting.
  const actionNames = t('auditAction', { returnObjects: true }) as Record<string, string>;

  const columns: ProColumns<AuditRecord>[] = [
    {
      title: t('audit.time'),
      dataIndex: 'ctime',
      valueType: 'dateTimeRange',
      render: (_, record) => new Date(record.ctime).toLocaleString(),
      search: { transform: (value: [string, string]) => ({ beginTime: new Date(value[0]).toISOString(), endTime: new Date(value[1]).toISOString() }) },
      width: 190,
    },
    // Jobs act as 'system' and callbacks as 'wecom': names no user may take (user.repository.ts).
    { title: t('audit.operator'), dataIndex: 'actor', render: (_, record) => (record.actor === 'system' || record.actor === 'wecom' ? t(`audit.${record.actor}`) : record.actor) },
    // In words, the action's code under it (what the filter searches).
    {
      title: t('audit.action'),
      dataIndex: 'action',
      render: (_, record) => (
        <div data-testid={`audit-action-${record.id}`}>
          <div>{actionNames[record.action] ?? record.action}</div>
          <Typography.Text type="secondary" code style={{ fontSize: 12 }}>{record.action}</Typography.Text>
        </div>
      ),
    },
    { title: t('audit.target'), dataIndex: 'targetType', render: (_, record) => (record.targetType ? t(`auditTarget.${record.targetType}`, { defaultValue: record.targetType }) : '—') },
    { title: 'ID', dataIndex: 'targetId', render: (_, record) => record.targetId ?? '—' },
    { title: t('audit.requestId'), dataIndex: 'requestId', search: false, ellipsis: true, copyable: true },
  ];

  return (
    <PageContainer title={t('audit.title')}>
      <ProTable<AuditRecord>
        rowKey="id"
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        data-testid="audit-table"
        expandable={{
          expandedRowRender: (record) => (
            <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 16 }}>
              <div>
                <Typography.Text strong>{t('audit.before')}</Typography.Text>
                <Json value={record.before} />
              </div>
              <div>
                <Typography.Text strong>{t('audit.after')}</Typography.Text>
                <Json value={record.after} />
              </div>
            </div>
          ),
        }}
        request={pagedRequest((body: AuditQuery) => guard(api.POST('/scrm/admin/sys/audit/page', { body })))}
      />
    </PageContainer>
  );
}
