import { PageContainer, ProCard, StatisticCard } from '@ant-design/pro-components';
import { DatePicker, Empty, Form, Spin } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { DailyStat, TotalsStat } from '../../api/types.ts';
import { usePermission } from '../../auth/permission.tsx';
import { Chart } from '../../components/chart.tsx';
import { useModuleAvailability } from '../../components/crud.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { byChannelName } from '../../components/names.tsx';
import { ComingSoonPage } from '../status-pages.tsx';

const DAY = 'YYYY-MM-DD';

/** Net growth (new, lost, net per day) and retention (relations alive at each day's end). */
export function NetGrowthChart({ days, testId }: { days: DailyStat[]; testId?: string }) {
  const { t } = useTranslation();
  if (days.length === 0) return <Empty />;
  return (
    <Chart
      testId={testId}
      height={300}
      option={{
        tooltip: { trigger: 'axis' },
        legend: { bottom: 0 },
        grid: { left: 40, right: 40, top: 20, bottom: 50 },
        xAxis: { type: 'category', data: days.map((day) => day.date.slice(5)) },
        yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', minInterval: 1, splitLine: { show: false } }],
        series: [
          { name: t('customerStat.new'), type: 'bar', stack: 'flow', data: days.map((day) => day.newCount), itemStyle: { color: '#52c41a' } },
          { name: t('customerStat.lost'), type: 'bar', stack: 'flow', data: days.map((day) => -day.lostCount), itemStyle: { color: '#ff4d4f' } },
          { name: t('customerStat.net'), type: 'line', data: days.map((day) => day.netCount), itemStyle: { color: '#1677ff' } },
          { name: t('customerStat.alive'), type: 'line', yAxisIndex: 1, smooth: true, data: days.map((day) => day.aliveCount), itemStyle: { color: '#722ed1' } },
        ],
      }}
    />
  );
}

/** 客户统计: per-day growth and retention over a range, and totals by employee and channel. */
export function CustomerStatPage() {
  const { t } = useTranslation();
  const canSeeTotals = usePermission('cust:emp:stat');
  const { missing, guard } = useModuleAvailability();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().subtract(29, 'day'), dayjs()]);
  const [userIds, setUserIds] = useState<string[]>([]);
  const [days, setDays] = useState<DailyStat[] | null>(null);
  const [totals, setTotals] = useState<TotalsStat | null>(null);

  useEffect(() => {
    setDays(null);
    const body = { startDate: range[0].format(DAY), endDate: range[1].format(DAY), ...(userIds.length > 0 ? { userIds } : {}) };
    guard(api.POST('/scrm/admin/cust/info/stat', { body })).then(setDays, () => setDays([]));
    if (canSeeTotals) {
      call(api.POST('/scrm/admin/cust/emp/stat', { body: { addTimeStart: body.startDate, addTimeEnd: body.endDate, ...(userIds.length > 0 ? { userIds } : {}) } })).then(setTotals, () => setTotals(null));
    }
    // guard is stable enough: it only reports availability.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [range, userIds, canSeeTotals]);

  if (missing) return <ComingSoonPage name={t('customerStat.title')} />;

  const sum = (key: 'newCount' | 'lostCount' | 'netCount') => (days ?? []).reduce((total, day) => total + day[key], 0);
  const last = days && days.length > 0 ? days[days.length - 1] : null;
  const retention = last && sum('newCount') + (days![0].aliveCount - days![0].netCount) > 0 ? last.aliveCount / (days![0].aliveCount - days![0].netCount + sum('newCount')) : null;

  return (
    <PageContainer title={t('customerStat.title')}>
      <Form layout="inline" style={{ marginBottom: 16 }}>
        <Form.Item label={t('customerStat.range')}>
          <DatePicker.RangePicker
            value={range}
            allowClear={false}
            disabledDate={(day) => day.isAfter(dayjs(), 'day')}
            onChange={(value) => value?.[0] && value[1] && setRange([value[0], value[1]])}
            data-testid="stat-range"
          />
        </Form.Item>
        <Form.Item label={t('customer.employee')} style={{ minWidth: 320 }}>
          <EmployeeSelect multiple value={userIds} onChange={(value: string[]) => setUserIds(value ?? [])} />
        </Form.Item>
      </Form>
      {days === null ? (
        <Spin />
      ) : (
        <ProCard gutter={[16, 16]} wrap ghost>
          {(
            [
              ['new', sum('newCount')],
              ['lost', sum('lostCount')],
              ['net', sum('netCount')],
              ['alive', last?.aliveCount ?? 0],
            ] as const
          ).map(([key, value]) => (
            <StatisticCard key={key} colSpan={{ xs: 24, sm: 12, xl: 6 }} variant="outlined" statistic={{ title: t(`customerStat.${key}`), value }} data-testid={`stat-${key}`} />
          ))}
          <ProCard colSpan={24} variant="outlined" title={t('customerStat.growthChart')} extra={retention !== null ? `${t('customerStat.retention')}: ${(retention * 100).toFixed(1)}%` : undefined}>
            <NetGrowthChart days={days} testId="chart-net-growth" />
          </ProCard>
          {totals && (
            <>
              <ProCard colSpan={{ xs: 24, lg: 12 }} variant="outlined" title={t('customerStat.byEmployee')}>
                <TotalsBar rows={totals.byEmployee.slice(0, 15).map((row) => ({ name: row.employeeName ?? t('names.unknownEmployee'), active: row.active, lost: row.lost }))} />
              </ProCard>
              <ProCard colSpan={{ xs: 24, lg: 12 }} variant="outlined" title={t('customerStat.byChannel')}>
                <TotalsBar rows={byChannelName(t as never, totals.byChannel).slice(0, 15)} />
              </ProCard>
            </>
          )}
        </ProCard>
      )}
    </PageContainer>
  );
}

function TotalsBar({ rows }: { rows: { name: string; active: number; lost: number }[] }) {
  const { t } = useTranslation();
  if (rows.length === 0) return <Empty />;
  return (
    <Chart
      height={Math.max(200, rows.length * 28 + 60)}
      option={{
        tooltip: { trigger: 'axis' },
        legend: { bottom: 0 },
        grid: { left: 120, right: 20, top: 10, bottom: 40 },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', inverse: true, data: rows.map((row) => row.name) },
        series: [
          { name: t('customer.status_active'), type: 'bar', stack: 'all', data: rows.map((row) => row.active), itemStyle: { color: '#52c41a' } },
          { name: t('customer.status_lost'), type: 'bar', stack: 'all', data: rows.map((row) => row.lost), itemStyle: { color: '#ff4d4f' } },
        ],
      }}
    />
  );
}
