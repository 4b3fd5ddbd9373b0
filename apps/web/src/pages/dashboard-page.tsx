import { PageContainer, ProCard, StatisticCard } from '@ant-design/pro-components';
import { Empty, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import type { DeptNode } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Chart } from '../components/chart.tsx';

interface SystemFigures {
  users?: number;
  enabledUsers?: number;
  disabledUsers?: number;
  roles?: number;
  depts?: number;
}

function countNodes(nodes: DeptNode[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children ?? []), 0);
}

/**
 * Real figures only: the system counts come from their endpoints (when the user may read them); the
 * customer, lead and channel figures say "no data yet" until their modules are available.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const { hasPermission } = useSession();
  const [figures, setFigures] = useState<SystemFigures>({});

  useEffect(() => {
    const quiet = { silent: true };
    const tasks: Promise<void>[] = [];
    const next: SystemFigures = {};
    if (hasPermission('sys:user:list')) {
      const total = (status?: number) =>
        call(api.POST('/scrm/admin/sys/user/page', { body: { pageNum: 1, pageSize: 1, ...(status === undefined ? {} : { status }) } }), quiet).then((page) => page.total);
      tasks.push(
        Promise.all([total(), total(0), total(1)]).then(([all, enabled, disabled]) => {
          Object.assign(next, { users: all, enabledUsers: enabled, disabledUsers: disabled });
        }),
      );
    }
    if (hasPermission('sys:role:list')) {
      tasks.push(call(api.POST('/scrm/admin/sys/role/page', { body: { pageNum: 1, pageSize: 1 } }), quiet).then((page) => void (next.roles = page.total)));
    }
    if (hasPermission('sys:dept:list')) {
      tasks.push(call(api.GET('/scrm/admin/sys/dept/tree'), quiet).then((tree) => void (next.depts = countNodes(tree))));
    }
    void Promise.allSettled(tasks).then(() => setFigures({ ...next }));
  }, [hasPermission]);

  const figure = (value: number | undefined) => (value === undefined ? '—' : value);
  const pending = <Typography.Text type="secondary">{t('dashboard.noDataYet')}</Typography.Text>;

  return (
    <PageContainer title={t('dashboard.title')}>
      <ProCard gutter={[16, 16]} wrap ghost>
        {(['customers', 'lost', 'netGrowth', 'leads'] as const).map((key) => (
          <StatisticCard
            key={key}
            colSpan={{ xs: 24, sm: 12, xl: 6 }}
            variant="outlined"
            statistic={{ title: t(`dashboard.${key}`), valueRender: () => pending, description: t('dashboard.pendingModule') }}
          />
        ))}
        {(['users', 'roles', 'depts'] as const).map((key) => (
          <StatisticCard
            key={key}
            colSpan={{ xs: 24, sm: 8 }}
            variant="outlined"
            statistic={{ title: t(`dashboard.${key}`), value: figure(figures[key]) }}
            data-testid={`figure-${key}`}
          />
        ))}
        <ProCard colSpan={{ xs: 24, lg: 12 }} title={t('dashboard.userStatus')} variant="outlined">
          {figures.users !== undefined && figures.users > 0 ? (
            <Chart
              testId="chart-user-status"
              option={{
                tooltip: { trigger: 'item' },
                legend: { bottom: 0 },
                series: [
                  {
                    type: 'pie',
                    radius: ['45%', '70%'],
                    label: { formatter: '{b}: {c}' },
                    data: [
                      { name: t('dashboard.enabledUsers'), value: figures.enabledUsers ?? 0 },
                      { name: t('dashboard.disabledUsers'), value: figures.disabledUsers ?? 0 },
                    ].filter((slice) => slice.value > 0),
                  },
                ],
              }}
            />
          ) : (
            <Empty description={t('dashboard.noDataYet')} />
          )}
        </ProCard>
        <ProCard colSpan={{ xs: 24, lg: 12 }} title={t('dashboard.topChannels')} variant="outlined">
          <Empty description={`${t('dashboard.noDataYet')} · ${t('dashboard.pendingModule')}`} />
        </ProCard>
      </ProCard>
    </PageContainer>
  );
}
