import { UserOutlined } from '@ant-design/icons';
import type { ProColumns } from '@ant-design/pro-components';
import { Avatar, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { MirrorTablePage } from './mirror-table-page.tsx';

type WecomEmployee = ResponseOf<'/scrm/admin/qw/emp/page', 'post'>['records'][number];
type WecomEmployeeQuery = BodyOf<'/scrm/admin/qw/emp/page', 'post'>;

const STATUS_COLORS: Record<number, string> = { 1: 'success', 2: 'default', 4: 'warning', 5: 'error' };

/** 企微员工: the mirror of WeCom's members, synced on demand with visible progress. */
export function WecomEmpPage() {
  const { t } = useTranslation();
  const statusText = (status: number) => t(`wecom.status${status}`, { defaultValue: String(status) });
  const columns: ProColumns<WecomEmployee>[] = [
    {
      title: t('wecom.name'),
      dataIndex: 'name',
      render: (_, employee) => (
        <Space>
          <Avatar size="small" src={employee.thumbAvatar || employee.avatar || undefined} icon={<UserOutlined />} />
          {employee.name}
        </Space>
      ),
    },
    { title: t('names.wecomUserid'), dataIndex: 'userid' },
    { title: t('user.phone'), dataIndex: 'mobile', render: (_, employee) => employee.mobile ?? '—' },
    { title: t('wecom.position'), dataIndex: 'position', search: false, render: (_, employee) => employee.position ?? '—' },
    {
      title: t('wecom.departments'),
      dataIndex: 'departmentNames',
      search: false,
      render: (_, employee) => employee.departmentNames.filter(Boolean).map((name) => <Tag key={name}>{name}</Tag>),
    },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries([1, 2, 4, 5].map((status) => [status, { text: statusText(status) }])),
      render: (_, employee) => <Tag color={STATUS_COLORS[employee.status]}>{statusText(employee.status)}</Tag>,
    },
    {
      // Whether the member can take customers: pickers of employees who receive customers offer only those who can.
      title: t('wecom.customerContact'),
      dataIndex: 'customerContact',
      search: false,
      render: (_, employee) =>
        employee.customerContact === null ? (
          <Tag>{t('wecom.contactUnknown')}</Tag>
        ) : (
          <Tag color={employee.customerContact ? 'success' : 'error'} data-testid={`emp-contact-${employee.userid}`}>
            {t(employee.customerContact ? 'wecom.contactYes' : 'wecom.contactNo')}
          </Tag>
        ),
    },
    { title: t('wecom.syncedAt'), dataIndex: 'syncedAt', valueType: 'dateTime', search: false },
  ];

  return (
    <MirrorTablePage<WecomEmployee, WecomEmployeeQuery>
      title={t('wecom.empTitle')}
      columns={columns}
      fetchPage={(guard, body) => guard(api.POST('/scrm/admin/qw/emp/page', { body }))}
      startSync={(guard) => guard(api.POST('/scrm/admin/qw/emp/sync'))}
      syncPermission="qw:emp:sync"
      syncTitle={t('wecom.syncEmployees')}
      syncTestId="wecom-emp-sync"
    />
  );
}
