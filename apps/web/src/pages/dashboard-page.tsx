import { PageContainer, ProCard, StatisticCard } from '@ant-design/pro-components';
import { Button, Empty, Steps, Tag, Typography } from 'antd';
import { SyncOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import type { DailyStat, DeptNode, ResponseOf } from '../api/types.ts';
import { useSession } from '../auth/session.tsx';
import { Chart } from '../components/chart.tsx';
import { byChannelName } from '../components/names.tsx';
import { NetGrowthChart } from './customer/customer-stat-page.tsx';
import dayjs from 'dayjs';

type SyncStatus = ResponseOf<'/scrm/admin/dashboard/sync', 'get'>;
type SyncRun = NonNullable<SyncStatus['run']>;

interface BusinessFigures {
  customerTotal?: number;
  groupTotal?: number;
  customers?: number;
  lost?: number;
  netGrowth?: number;
  leads?: number;
  leadsToday?: number;
  week?: DailyStat[];
  channels?: { name: string; total: number; active: number }[];
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

/** Which permission each figure needs: a card the user may not read is not shown at all. */
const BUSINESS_FIGURES = [
  ['customerTotal', 'cust:info:list'],
  ['groupTotal', 'group:list'],
  ['customers', 'cust:info:stat'],
  ['lost', 'cust:info:stat'],
  ['netGrowth', 'cust:info:stat'],
  ['leads', 'clue:stat'],
] as const;
const SYSTEM_FIGURES = [
  ['users', 'sys:user:list'],
  ['roles', 'sys:role:list'],
  ['depts', 'sys:dept:list'],
] as const;

const STEP_STATUS = { waiting: 'wait', created: 'wait', active: 'process', retry: 'process', completed: 'finish', failed: 'error' } as const;

/**
 * The whole-corp sync with WeCom (the first sync on a corp, then nightly): each step in order with its count and,
 * when it failed, why in words. Followed every few seconds while it runs.
 */
/** Starting the whole sync takes the sync permission of each of its steps. */
const SYNC_PERMISSIONS = ['tag:corp:sync', 'qw:dept:sync', 'qw:emp:sync', 'cust:info:sync', 'group:sync'];

function WecomSyncCard({ run, initialDone, onStart }: { run: SyncRun | null; initialDone: boolean; onStart?: () => Promise<void> }) {
  const { t } = useTranslation();
  const [starting, setStarting] = useState(false);
  const running = run && run.state !== 'completed' && run.state !== 'failed';
  // Until a run completes, whatever started it is the first sync.
  const title = !initialDone || !run || run.reason === 'initial' ? t('dashboard.sync.initial') : t(`dashboard.sync.${run.reason}`);
  const start = onStart && !running && (
    <Button
      size="small"
      icon={<SyncOutlined />}
      loading={starting}
      data-testid="wecom-sync-start"
      onClick={() => {
        setStarting(true);
        void onStart().finally(() => setStarting(false));
      }}
    >
      {t('dashboard.sync.start')}
    </Button>
  );
  const stateTag = !run ? (
    <Tag>{t('dashboard.sync.notStarted')}</Tag>
  ) : (
    <Tag color={{ created: 'default', active: 'processing', retry: 'warning', completed: 'success', failed: 'error' }[run.state]} data-testid="wecom-sync-state">
      {t(`job.${run.state}`)}
    </Tag>
  );
  return (
    <ProCard
      colSpan={24}
      variant="outlined"
      data-testid="wecom-sync"
      title={
        <span>
          {title} {stateTag}
        </span>
      }
      extra={
        <span>
          {run?.finishedAt && !running ? (
            <Typography.Text type="secondary">{t('dashboard.sync.finishedAt', { time: dayjs(run.finishedAt).format('YYYY-MM-DD HH:mm') })}</Typography.Text>
          ) : running ? (
            <Typography.Text type="secondary">{t('dashboard.sync.runningHint')}</Typography.Text>
          ) : undefined}{' '}
          {start}
        </span>
      }
    >
      <Steps
        size="small"
        items={(run?.steps ?? []).map((step) => ({
          title: t(`dashboard.sync.step.${step.type}`),
          status: STEP_STATUS[step.state],
          description:
            step.state === 'failed' || step.state === 'retry' ? (
              <Typography.Text type="danger" data-testid={`wecom-sync-error-${step.type}`}>
                {step.error}
              </Typography.Text>
            ) : step.count !== null ? (
              <span data-testid={`wecom-sync-count-${step.type}`}>{t(`dashboard.sync.count.${step.type}`, { count: step.count })}</span>
            ) : step.progress !== null && (step.state === 'active' || step.state === 'created') ? (
              <span data-testid={`wecom-sync-progress-${step.type}`}>{t('dashboard.sync.progress', { count: step.progress })}</span>
            ) : undefined,
        }))}
      />
      {run?.state === 'failed' && run.error && (
        <Typography.Paragraph type="danger" style={{ marginTop: 12, marginBottom: 0 }} data-testid="wecom-sync-error">
          {t('dashboard.sync.failed', { error: run.error })}
          {run.errorDetail && <Typography.Text type="secondary"> ({run.errorDetail})</Typography.Text>}
        </Typography.Paragraph>
      )}
    </ProCard>
  );
}

/**
 * Real figures only, each from its endpoint, shown only to a user who may read it (totals of customers and
 * groups, today's new and lost customers, net growth, leads, top channels, system counts), and the progress of
 * the sync with WeCom.
 */
export function DashboardPage() {
  const { t } = useTranslation();
  const { hasPermission } = useSession();
  const [figures, setFigures] = useState<SystemFigures>({});
  const [business, setBusiness] = useState<BusinessFigures>({});
  const [sync, setSync] = useState<SyncStatus | null>(null);

  // The sync with WeCom: followed every 3 s while a run is under way.
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const loadSync = useCallback(async () => {
    clearTimeout(timer.current);
    const status = await call(api.GET('/scrm/admin/dashboard/sync'), { silent: true }).catch(() => null);
    if (!status) return;
    setSync(status);
    const running = status.run && status.run.state !== 'completed' && status.run.state !== 'failed';
    if (running) timer.current = setTimeout(() => void loadSync(), 3000);
  }, []);
  useEffect(() => {
    void loadSync();
    return () => clearTimeout(timer.current);
  }, [loadSync]);
  const startSync = async () => {
    await call(api.POST('/scrm/admin/dashboard/sync/start'));
    await loadSync();
  };

  useEffect(() => {
    const quiet = { silent: true };
    const tasks: Promise<void>[] = [];
    const next: BusinessFigures = {};
    const today = dayjs().format('YYYY-MM-DD');
    if (hasPermission('cust:info:list')) {
      tasks.push(call(api.POST('/scrm/admin/cust/info/page', { body: { pageNum: 1, pageSize: 1 } }), quiet).then((page) => void (next.customerTotal = page.total)));
    }
    if (hasPermission('group:list')) {
      tasks.push(call(api.POST('/scrm/admin/group/page', { body: { pageNum: 1, pageSize: 1 } }), quiet).then((page) => void (next.groupTotal = page.total)));
    }
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
          next.channels = byChannelName(t as never, stat.byChannel.filter((row) => row.state)).slice(0, 8);
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

  return (
    <PageContainer title={t('dashboard.title')}>
      <ProCard gutter={[16, 16]} wrap ghost>
        {sync?.configured && (sync.run || !sync.initialDone) && (
          <WecomSyncCard run={sync.run} initialDone={sync.initialDone} onStart={SYNC_PERMISSIONS.every((code) => hasPermission(code)) ? startSync : undefined} />
        )}
        {BUSINESS_FIGURES.filter(([, permission]) => hasPermission(permission)).map(([key]) => (
          <StatisticCard
            key={key}
            colSpan={{ xs: 24, sm: 12, xl: 8 }}
            variant="outlined"
            data-testid={`figure-${key}`}
            statistic={{
              title: t(`dashboard.${key}`),
              value: figure(business[key]),
              description: key === 'leads' && business.leadsToday !== undefined ? t('dashboard.leadsToday', { count: business.leadsToday }) : undefined,
            }}
          />
        ))}
        {SYSTEM_FIGURES.filter(([, permission]) => hasPermission(permission)).map(([key]) => (
          <StatisticCard
            key={key}
            colSpan={{ xs: 24, sm: 8 }}
            variant="outlined"
            statistic={{ title: t(`dashboard.${key}`), value: figure(figures[key]) }}
            data-testid={`figure-${key}`}
          />
        ))}
        {hasPermission('sys:user:list') && (
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
        )}
        {hasPermission('cust:emp:stat') && (
          <ProCard colSpan={{ xs: 24, lg: 12 }} title={t('dashboard.topChannels')} variant="outlined">
            {business.channels && business.channels.length > 0 ? (
              <Chart
                testId="chart-top-channels"
                option={{
                  tooltip: { trigger: 'axis' },
                  grid: { left: 110, right: 20, top: 10, bottom: 20 },
                  xAxis: { type: 'value', minInterval: 1 },
                  yAxis: { type: 'category', inverse: true, data: business.channels.map((row) => row.name) },
                  series: [{ type: 'bar', name: t('dashboard.customersByChannel'), data: business.channels.map((row) => row.total), itemStyle: { color: '#1677ff' } }],
                }}
              />
            ) : (
              <Empty description={t('dashboard.noDataYet')} />
            )}
          </ProCard>
        )}
        {business.week && (
          <ProCard colSpan={24} title={t('dashboard.weekGrowth')} variant="outlined">
            <NetGrowthChart days={business.week} testId="chart-week-growth" />
          </ProCard>
        )}
      </ProCard>
    </PageContainer>
  );
}
