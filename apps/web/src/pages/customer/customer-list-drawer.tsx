import { type ProColumns } from '@ant-design/pro-components';
import { Drawer } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmployeeName } from '../../components/names.tsx';
import { api, call } from '../../api/client.ts';
import type { RelationFilters, RelationQuery, RelationRecord } from '../../api/types.ts';
import { pagedRequest } from '../../components/crud.tsx';
import { CustomerDrawer } from './customer-drawer.tsx';
import { addWayText, CustomerName, RelationStatusTag } from './customer-fields.tsx';
import { ProTable } from '../../components/table.tsx';

/** The customers (relations) matching fixed filters, in a drawer, each opening the customer drawer. */
export function CustomerListDrawer({ title, filters, onClose }: { title: string; filters: Partial<RelationFilters>; onClose: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<string | null>(null);
  const columns: ProColumns<RelationRecord>[] = [
    {
      title: t('customer.name'),
      dataIndex: 'customerName',
      render: (_, row) => (
        <a onClick={() => setOpen(row.externalUserid)}>
          <CustomerName name={row.customerName} avatar={row.customerAvatar} type={row.customerType} corpName={row.customerCorpName} />
        </a>
      ),
    },
    { title: t('customer.employee'), dataIndex: 'employeeName', render: (_, row) => <EmployeeName name={row.employeeName} userid={row.userid} /> },
    { title: t('customer.addWay'), dataIndex: 'addWay', render: (_, row) => addWayText(t, row.addWay) },
    { title: t('customer.status'), dataIndex: 'status', render: (_, row) => <RelationStatusTag status={row.status} /> },
    { title: t('customer.addTime'), dataIndex: 'createtime', valueType: 'dateTime' },
  ];
  return (
    <Drawer open size={880} title={title} onClose={onClose}>
      <ProTable<RelationRecord>
        rowKey="id"
        search={false}
        options={false}
        columns={columns}
        pagination={{ defaultPageSize: 10 }}
        request={pagedRequest((body: RelationQuery) => call(api.POST('/scrm/admin/cust/emp/page', { body: { ...body, ...filters } })))}
      />
      {open && <CustomerDrawer externalUserid={open} onClose={() => setOpen(null)} />}
    </Drawer>
  );
}
