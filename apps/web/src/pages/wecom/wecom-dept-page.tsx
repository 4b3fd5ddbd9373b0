import type { ProColumns } from '@ant-design/pro-components';
import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { MirrorTablePage } from './mirror-table-page.tsx';

type WecomDept = ResponseOf<'/scrm/admin/qw/dept/page', 'post'>['records'][number];
type WecomDeptQuery = BodyOf<'/scrm/admin/qw/dept/page', 'post'>;

/** 企微部门: the mirror of WeCom's departments, synced on demand with visible progress. */
export function WecomDeptPage() {
  const { t } = useTranslation();

  const columns: ProColumns<WecomDept>[] = [
    { title: t('wecom.deptName'), dataIndex: 'name' },
    { title: t('wecom.deptId'), dataIndex: 'deptId', search: false, width: 120 },
    { title: t('wecom.parentId'), dataIndex: 'parentId', search: false, width: 120 },
    { title: t('wecom.leaders'), dataIndex: 'leaders', search: false, render: (_, dept) => dept.leaders.map((leader) => <Tag key={leader}>{leader}</Tag>) },
    { title: t('common.orderNum'), dataIndex: 'orderNum', search: false, width: 100 },
    {
      title: t('common.status'),
      dataIndex: 'isDel',
      search: false,
      width: 120,
      render: (_, dept) => (dept.isDel ? <Tag>{t('wecom.removed')}</Tag> : <Tag color="success">{t('common.enabled')}</Tag>),
    },
    { title: t('wecom.syncedAt'), dataIndex: 'syncedAt', valueType: 'dateTime', search: false },
  ];

  return (
    <MirrorTablePage<WecomDept, WecomDeptQuery>
      title={t('wecom.deptTitle')}
      columns={columns}
      fetchPage={(guard, body) => guard(api.POST('/scrm/admin/qw/dept/page', { body }))}
      startSync={(guard) => guard(api.POST('/scrm/admin/qw/dept/sync'))}
      syncPermission="qw:dept:sync"
      syncTitle={t('wecom.syncDepts')}
      syncTestId="wecom-dept-sync"
    />
  );
}
