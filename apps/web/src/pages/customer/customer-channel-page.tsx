import { PageContainer, type ProColumns } from '@ant-design/pro-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { ChannelGroup, RelationQuery } from '../../api/types.ts';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { useChannels } from '../../components/pickers.tsx';
import { ChannelName, channelText } from '../../components/names.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { CustomerListDrawer } from './customer-list-drawer.tsx';
import { relationStatusValueEnum } from './customer-fields.tsx';
import { ProTable } from '../../components/table.tsx';

/** 客户员工关系: relations grouped by the channel (state) they came through, with their customers. */
export function CustomerChannelPage() {
  const { t } = useTranslation();
  const channels = useChannels();
  const { missing, guard } = useModuleAvailability();
  const [opened, setOpened] = useState<ChannelGroup | null>(null);
  if (missing) return <ComingSoonPage name={t('customerChannel.title')} />;
  const channelName = (id: number | null) => (id === null ? null : channels.find((channel) => channel.id === id)?.name ?? null);

  const columns: ProColumns<ChannelGroup>[] = [
    {
      title: t('customer.state'),
      dataIndex: 'sourceName',
      search: false,
      render: (_, row) => <ChannelName row={row} empty={t('customerStat.noChannel')} />,
    },
    { title: t('names.stateParam'), dataIndex: 'state', render: (_, row) => row.state || '—' },
    { title: t('customerChannel.channel'), dataIndex: 'channelId', search: false, render: (_, row) => row.channelName ?? channelName(row.channelId) ?? '—' },
    { title: t('customer.employee'), dataIndex: 'userIds', hideInTable: true, formItemRender: () => <EmployeeSelect multiple /> },
    { title: t('customer.status'), dataIndex: 'status', hideInTable: true, valueType: 'select', valueEnum: relationStatusValueEnum(t) },
    {
      title: t('customer.addTime'),
      dataIndex: 'addTimeRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ addTimeStart: value[0], addTimeEnd: value[1] }) },
    },
    { title: t('customerChannel.total'), dataIndex: 'total', search: false },
    { title: t('customer.status_active'), dataIndex: 'active', search: false },
    { title: t('customer.status_lost'), dataIndex: 'lost', search: false },
    { title: t('customerChannel.firstAdded'), dataIndex: 'firstAddedAt', valueType: 'dateTime', search: false },
    { title: t('customerChannel.lastAdded'), dataIndex: 'lastAddedAt', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      render: (_, row) => [
        <a key="customers" onClick={() => setOpened(row)}>
          {t('customerChannel.customers')}
        </a>,
      ],
    },
  ];

  return (
    <PageContainer title={t('customerChannel.title')}>
      <ProTable<ChannelGroup>
        rowKey={(row) => row.state || '(none)'}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: RelationQuery) => guard(api.POST('/scrm/admin/cust/emp/pageByChannel', { body })))}
      />
      {opened && <CustomerListDrawer title={channelText(t, opened)} filters={{ state: opened.state || undefined }} onClose={() => setOpened(null)} />}
    </PageContainer>
  );
}
