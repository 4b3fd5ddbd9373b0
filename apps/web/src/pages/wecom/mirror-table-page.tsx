import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import type { PermissionCode } from '@scrm/shared';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Job } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { JobButton } from '../../components/job-progress.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type Guard = ReturnType<typeof useModuleAvailability>['guard'];

/**
 * A mirror of WeCom data: a server-paged table and a "sync from WeCom" button that shows the sync job's
 * progress and reloads the table when it finishes. "Coming soon" while the module is not deployed.
 */
export function MirrorTablePage<T extends { id: number }, B>(props: {
  title: string;
  columns: ProColumns<T>[];
  fetchPage: (guard: Guard, body: B) => Promise<{ records: T[]; total: number }>;
  startSync: (guard: Guard) => Promise<Job>;
  syncPermission: PermissionCode;
  syncTitle: string;
  syncTestId: string;
}) {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={props.title} />;
  return (
    <PageContainer title={props.title}>
      <ProTable<T>
        rowKey="id"
        actionRef={action}
        columns={props.columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: B) => props.fetchPage(guard, body))}
        toolBarRender={() => [
          <Permission key="sync" code={props.syncPermission}>
            <JobButton
              label={t('wecom.sync')}
              title={props.syncTitle}
              start={() => props.startSync(guard)}
              onFinished={() => action.current?.reload()}
              testId={props.syncTestId}
            />
          </Permission>,
        ]}
      />
    </PageContainer>
  );
}
