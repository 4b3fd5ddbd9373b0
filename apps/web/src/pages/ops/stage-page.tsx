import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, ProCard, StatisticCard } from '@ant-design/pro-components';
import { App, Button, DatePicker, Empty, Form, Input, Modal, Radio, Select, Space, Spin, Table, Tabs, Tag, Tooltip, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { Chart } from '../../components/chart.tsx';
import { ChannelSelect, EmployeeSelect } from '../../components/pickers.tsx';
import { STAGE_COLORS, stageApi, type FunnelResult, type StageRecord } from './stage-parts.tsx';
import { corpToday } from '../../components/corp-time.ts';
import { useCorpTimeZone } from '../../auth/session.tsx';

/** The corp's days are Asia/Shanghai days (the server's TZ_DEFAULT): today there, whatever the browser's zone. */
const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);

/** 客户运营 → 客户阶段: the pipeline (add, rename, reorder, delete with the in-use rule) and the funnel. */
export function StagePage() {
  const { t } = useTranslation();
  const canFunnel = usePermission('stage:funnel');
  const [stages, setStages] = useState<StageRecord[] | null>(null);
  const reload = useCallback(() => {
    stageApi.list().then(setStages, () => setStages([]));
  }, []);
  useEffect(reload, [reload]);

  return (
    <PageContainer title={t('stage.title')}>
      <PipelineCard stages={stages} reload={reload} />
      {canFunnel && stages && <FunnelCard key={stages.map((stage) => `${stage.id}:${stage.name}`).join()} />}
    </PageContainer>
  );
}

function PipelineCard({ stages, reload }: { stages: StageRecord[] | null; reload: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<StageRecord | 'new' | null>(null);
  const [deleting, setDeleting] = useState<StageRecord | null>(null);
  const steps = (stages ?? []).filter((stage) => stage.kind !== 'lost');

  const move = async (index: number, by: -1 | 1) => {
    const ids = steps.map((stage) => stage.id);
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    try {
      await stageApi.sort(ids);
      message.success(t('stage.sorted'));
    } finally {
      reload();
    }
  };

  return (
    <ProCard
      title={t('stage.pipeline')}
      variant="outlined"
      style={{ marginBottom: 16 }}
      extra={
        <Permission code="stage:save">
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="stage-add">
            {t('stage.add')}
          </Button>
        </Permission>
      }
    >
      <Table<StageRecord>
        rowKey="id"
        size="small"
        pagination={false}
        loading={!stages}
        dataSource={stages ?? []}
        data-testid="stage-table"
        onRow={(row) => ({ 'data-testid': `stage-row-${row.name}` }) as never}
        columns={[
          {
            title: t('stage.name'),
            dataIndex: 'name',
            render: (_, row) => (
              <Space>
                <Tag color={STAGE_COLORS[row.kind]}>{row.name}</Tag>
                {row.first && <Tooltip title={t('stage.firstHint')}><Typography.Text type="secondary">{t('stage.first')}</Typography.Text></Tooltip>}
                {row.kind === 'lost' && <Tooltip title={t('stage.lostHint')}><Typography.Text type="secondary">{t('stage.kind_lost')}</Typography.Text></Tooltip>}
              </Space>
            ),
          },
          { title: t('stage.kind'), dataIndex: 'kind', render: (_, row) => t(`stage.kind_${row.kind}`) },
          { title: t('stage.relations'), dataIndex: 'relations', render: (_, row) => <span data-testid={`stage-count-${row.name}`}>{row.relations}</span> },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, row) => {
              const index = steps.findIndex((stage) => stage.id === row.id);
              return (
                <Space size={4}>
                  <Permission code="stage:save">
                    {row.kind !== 'lost' && (
                      <>
                        <Button size="small" type="text" icon={<ArrowUpOutlined />} title={t('stage.up')} disabled={index <= 0} onClick={() => void move(index, -1)} data-testid={`stage-up-${row.name}`} />
                        <Button size="small" type="text" icon={<ArrowDownOutlined />} title={t('stage.down')} disabled={index >= steps.length - 1} onClick={() => void move(index, 1)} data-testid={`stage-down-${row.name}`} />
                      </>
                    )}
                    <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(row)} data-testid={`stage-edit-${row.name}`}>
                      {t('stage.rename')}
                    </Button>
                  </Permission>
                  <Permission code="stage:delete">
                    {row.kind !== 'lost' && (
                      <Button size="small" type="link" danger icon={<DeleteOutlined />} onClick={() => setDeleting(row)} data-testid={`stage-delete-${row.name}`}>
                        {t('common.delete')}
                      </Button>
                    )}
                  </Permission>
                </Space>
              );
            },
          },
        ]}
      />
      {editing && (
        <StageEditModal
          stage={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('stage.saved'));
            reload();
          }}
        />
      )}
      {deleting && stages && (
        <StageDeleteModal
          stage={deleting}
          stages={stages}
          onClose={() => setDeleting(null)}
          onDeleted={(moved) => {
            setDeleting(null);
            message.success(t('stage.deleted', { count: moved }));
            reload();
          }}
        />
      )}
    </ProCard>
  );
}

function StageEditModal({ stage, onClose, onSaved }: { stage: StageRecord | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ name: string; kind?: 'normal' | 'won' }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await stageApi.save({ id: stage?.id, name: values.name, kind: stage?.kind === 'lost' ? undefined : values.kind });
      onSaved();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={stage ? t('stage.rename') : t('stage.add')} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ name: stage?.name ?? '', kind: stage && stage.kind !== 'lost' ? stage.kind : 'normal' }} data-testid="stage-form">
        <Form.Item name="name" label={t('stage.name')} rules={[{ required: true, whitespace: true, max: 20 }]}>
          <Input maxLength={20} data-testid="stage-name" />
        </Form.Item>
        {stage?.kind !== 'lost' && (
          <Form.Item name="kind" label={t('stage.kind')}>
            <Radio.Group options={[{ value: 'normal', label: t('stage.kind_normal') }, { value: 'won', label: t('stage.kind_won') }]} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

function StageDeleteModal({ stage, stages, onClose, onDeleted }: { stage: StageRecord; stages: StageRecord[]; onClose: () => void; onDeleted: (moved: number) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ moveToStageId?: number; note?: string }>();
  const [saving, setSaving] = useState(false);
  const inUse = stage.relations > 0;
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      onDeleted((await stageApi.delete({ id: stage.id, moveToStageId: values.moveToStageId, note: values.note })).moved);
    } catch {
      // shown by the client (a stage in use elsewhere in the corp says how many relations it holds)
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('stage.deleteTitle', { name: stage.name })} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ danger: true }} okText={t('common.delete')} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" data-testid="stage-delete-form">
        <Typography.Paragraph>{inUse ? t('stage.deleteInUse', { count: stage.relations }) : t('stage.deleteEmpty')}</Typography.Paragraph>
        <Form.Item name="moveToStageId" label={t('stage.moveTo')} rules={[{ required: inUse }]}>
          <Select allowClear options={stages.filter((other) => other.id !== stage.id).map((other) => ({ value: other.id, label: other.name }))} data-testid="stage-delete-target" />
        </Form.Item>
        <Form.Item name="note" label={t('stage.note')} rules={[{ max: 200 }]}>
          <Input maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function FunnelCard() {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => {
    const today = dayjs(corpToday(timeZone));
    return [today.subtract(29, 'day'), today];
  });
  const [userIds, setUserIds] = useState<string[]>([]);
  const [channelId, setChannelId] = useState<number | null>(null);
  const [funnel, setFunnel] = useState<FunnelResult | null>(null);
  const [loading, setLoading] = useState(false);
  const query = JSON.stringify([range[0].format('YYYY-MM-DD'), range[1].format('YYYY-MM-DD'), userIds, channelId]);

  useEffect(() => {
    setLoading(true);
    stageApi
      .funnel({ from: range[0].format('YYYY-MM-DD'), to: range[1].format('YYYY-MM-DD'), userIds: userIds.length ? userIds : undefined, channelId: channelId ?? undefined })
      .then(setFunnel, () => setFunnel(null))
      .finally(() => setLoading(false));
    // The filters' value, not their objects.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query]);

  const duration = (hours: number | null) => (hours === null ? '—' : hours >= 48 ? t('stage.days', { value: (hours / 24).toFixed(1) }) : t('stage.hours', { value: hours.toFixed(1) }));
  const steps = funnel?.stages ?? [];
  const anything = steps.some((stage) => stage.entered > 0);
  const breakdownColumns = (by: string) => [
    { title: by, dataIndex: 'name', key: 'name' },
    ...steps.map((stage, index) => ({
      title: stage.stageName,
      key: `stage-${stage.stageId}`,
      render: (_: unknown, row: FunnelResult['byEmployee'][number]) => `${row.stages[index]?.entered ?? 0} / ${row.stages[index]?.current ?? 0}`,
    })),
    { title: t('stage.won'), dataIndex: 'won', key: 'won' },
    { title: t('stage.winRate'), key: 'winRate', render: (_: unknown, row: FunnelResult['byEmployee'][number]) => percent(row.winRate) },
  ];

  return (
    <ProCard
      title={t('stage.funnel')}
      variant="outlined"
      extra={
        <Space wrap>
          <DatePicker.RangePicker
            value={range}
            allowClear={false}
            onChange={(value) => value?.[0] && value[1] && setRange([value[0], value[1]])}
            disabledDate={(day) => day.isAfter(dayjs(corpToday(timeZone)))}
            data-testid="funnel-range"
          />
          <span style={{ width: 240, display: 'inline-block' }}>
            <EmployeeSelect multiple value={userIds} onChange={(value: string[]) => setUserIds(value ?? [])} placeholder={t('stage.employees')} testId="funnel-employees" />
          </span>
          <span style={{ width: 180, display: 'inline-block' }}>
            <ChannelSelect value={channelId} onChange={setChannelId} testId="funnel-channel" />
          </span>
        </Space>
      }
    >
      {!funnel ? (
        loading ? <Spin /> : <Empty />
      ) : (
        <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="funnel">
          <ProCard gutter={[16, 16]} wrap ghost>
            {steps.map((stage) => (
              <StatisticCard
                key={stage.stageId}
                colSpan={{ xs: 24, sm: 12, md: 8, lg: Math.max(4, Math.floor(24 / steps.length)) }}
                variant="outlined"
                data-testid={`funnel-stage-${stage.stageName}`}
                statistic={{
                  title: <Tooltip title={t('stage.enteredHint')}>{stage.stageName}</Tooltip>,
                  value: stage.entered,
                  description: (
                    <Space orientation="vertical" size={0}>
                      <StatisticCard.Statistic title={t('stage.conversion')} value={percent(stage.conversion)} layout="horizontal" />
                      <StatisticCard.Statistic title={t('stage.averageTime')} value={duration(stage.averageHours)} layout="horizontal" />
                      <StatisticCard.Statistic title={t('stage.current')} value={stage.current} layout="horizontal" />
                    </Space>
                  ),
                }}
              />
            ))}
          </ProCard>
          {anything ? (
            <Chart
              testId="funnel-chart"
              height={Math.max(200, steps.length * 44)}
              option={{
                tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
                legend: { bottom: 0 },
                grid: { left: 90, right: 40, top: 10, bottom: 40 },
                yAxis: { type: 'category', inverse: true, data: steps.map((stage) => stage.stageName) },
                xAxis: { type: 'value', minInterval: 1 },
                series: [
                  {
                    name: t('stage.entered'),
                    type: 'bar',
                    data: steps.map((stage) => ({ value: stage.entered, itemStyle: { color: stage.kind === 'lost' ? '#ff4d4f' : stage.kind === 'won' ? '#52c41a' : '#1677ff' } })),
                    label: { show: true, position: 'right', formatter: (item: { dataIndex: number; value: number }) => `${item.value}${steps[item.dataIndex].conversion === null ? '' : ` → ${percent(steps[item.dataIndex].conversion)}`}` },
                  },
                  { name: t('stage.current'), type: 'bar', data: steps.map((stage) => stage.current), itemStyle: { color: '#bfbfbf' } },
                ],
              }}
            />
          ) : (
            <Empty description={t('stage.noData')} />
          )}
          <Tabs
            items={[
              { key: 'employee', label: t('stage.byEmployee'), children: <Table rowKey="key" size="small" pagination={{ pageSize: 10 }} dataSource={funnel.byEmployee} columns={breakdownColumns(t('stage.employees'))} data-testid="funnel-by-employee" /> },
              { key: 'channel', label: t('stage.byChannel'), children: <Table rowKey="key" size="small" pagination={{ pageSize: 10 }} dataSource={funnel.byChannel} columns={breakdownColumns(t('stage.channel'))} data-testid="funnel-by-channel" /> },
            ]}
          />
          <Typography.Text type="secondary">{`${t('stage.entered')} / ${t('stage.current')}`}</Typography.Text>
        </Space>
      )}
    </ProCard>
  );
}
