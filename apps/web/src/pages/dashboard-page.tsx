import { PageContainer, ProCard, StatisticCard } from '@ant-design/pro-components';
import { Empty, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import type { DailyStat, DeptNode } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Chart } from '../components/chart.tsx';
import { NetGrowthChart } from './customer/customer-stat-page.tsx';
import dayjs from 'dayjs';

interface BusinessFigures {
  customers?: number;
  lost?: number;
  netGrowth?: number;
  leads?: number;
  leadsToday?: number;
  week?: DailyStat[];
  channels?: { state: string; total: number; active: number }[];
}

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
 * Real figures only, each from its endpoint when the user may read it (today's new and lost customers,
 * net growth, leads, top channels, system counts); a figure the user cannot read says "no data yet".
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const { hasPermission } = useSession();
  const [figures, setFigures] = useState<SystemFigures>({});
  const [business, setBusiness] = useState<BusinessFigures>({});

  useEffect(() => {
    const quiet = { silent: true };
    const tasks: Promise<void>[] = [];
    const next: BusinessFigures = {};
    const today = dayjs().format('YYYY-MM-DD');
    if (hasPermission('cust:info:stat')) {
      const body = { startDate: dayjs().subtract(6, 'day').format('YYYY-MM-DD'), endDate: today };
      tasks.push(
        call(api.POST('/scrm/admin/cust/info/stat', { body }), quiet).then((days) => {
          const last = days.find((day) => day.date === today) ?? days[days.length - 1];
          Object.assign(next, { week: days, customers: last?.newCount, lost: last?.lostCount, netGrowth: last?.netCount });
        }),
      );
    }
    if (hasPermission('clue:stat')) {
      tasks.push(call(api.POST('/scrm/admin/clue/stat', { body: {} }), quiet).then((stat) => void Object.assign(next, { leads: stat.total, leadsToday: stat.newToday })));
    }
    if (hasPermission('cust:emp:stat')) {
      tasks.push(
        call(api.POST('/scrm/admin/cust/emp/stat', { body: {} }), quiet).then((stat) => {
          next.channels = stat.byChannel.filter((row) => row.state).sort((a, b) => b.total - a.total).slice(0, 8);
        }),
      );
    }
    void Promise.allSettled(tasks).then(() => setBusiness({ ...next }));
  }, [hasPermission]);

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
            data-testid={`figure-${key}`}
            statistic={
              business[key] === undefined
                ? { title: t(`dashboard.${key}`), valueRender: () => pending, description: t('dashboard.pendingModule') }
                : {
                    title: t(`dashboard.${key}`),
                    value: business[key],
                    description: key === 'leads' && business.leadsToday !== undefined ? t('dashboard.leadsToday', { count: business.leadsToday }) : undefined,
                  }
            }
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
          {business.channels && business.channels.length > 0 ? (
            <Chart
              testId="chart-top-channels"
              option={{
                tooltip: { trigger: 'axis' },
                grid: { left: 110, right: 20, top: 10, bottom: 20 },
                xAxis: { type: 'value', minInterval: 1 },
                yAxis: { type: 'category', inverse: true, data: business.channels.map((row) => row.state) },
                series: [{ type: 'bar', name: t('dashboard.customersByChannel'), data: business.channels.map((row) => row.total), itemStyle: { color: '#1677ff' } }],
              }}
            />
          ) : (
            <Empty description={business.channels ? t('dashboard.noDataYet') : `${t('dashboard.noDataYet')} · ${t('dashboard.pendingModule')}`} />
          )}
        </ProCard>
        {business.week && (
          <ProCard colSpan={24} title={t('dashboard.weekGrowth')} variant="outlined">
            <NetGrowthChart days={business.week} testId="chart-week-growth" />
          </ProCard>
        )}
      </ProCard>
    </PageContainer>
  );
}
