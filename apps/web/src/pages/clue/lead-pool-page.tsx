import { ImportOutlined, MergeCellsOutlined, PlusOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { PageContainer, StatisticCard, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Radio, Select, Space, Tag } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, LeadQuery, LeadRecord, LeadStat } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { ChannelSelect, SystemUserSelect, TagSelect } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { LeadDrawer } from './lead-drawer.tsx';
import { LeadImportWizard } from './lead-import.tsx';
import { ProTable } from '../../components/table.tsx';

export const LEAD_STATUSES = ['pool', 'assigned', 'converted', 'invalid', 'merged'] as const;
export const LEAD_SOURCES = ['manual', 'import', 'collect'] as const;
export const LEAD_STATUS_COLORS: Record<string, string> = { pool: 'default', assigned: 'processing', converted: 'success', invalid: 'error', merged: 'purple' };

/** 线索公海: leads paged by the server, figures, add, import, assign, merge; a detail drawer per lead. */
export function LeadPoolPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  const canAssign = usePermission('clue:assign');
  const canMerge = usePermission('clue:merge');
  const canSelect = canAssign || canMerge;
  const canStat = usePermission('clue:stat');
  const [selected, setSelected] = useState<LeadRecord[]>([]);
  const [stat, setStat] = useState<LeadStat | null>(null);
  const [dialog, setDialog] = useState<'add' | 'import' | 'assign' | 'merge' | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [statVersion, setStatVersion] = useState(0);

  useEffect(() => {
    if (canStat) call(api.POST('/scrm/admin/clue/stat', { body: {} }), { silent: true }).then(setStat, () => setStat(null));
  }, [canStat, statVersion]);

  if (missing) return <ComingSoonPage name={t('lead.title')} />;

  const reload = () => {
    setSelected([]);
    action.current?.reload();
    setStatVersion((value) => value + 1);
  };

  const columns: ProColumns<LeadRecord>[] = [
    {
      title: t('lead.name'),
      dataIndex: 'name',
      render: (_, lead) => (
        <a onClick={() => setOpen(lead.id)} data-testid={`lead-open-${lead.id}`}>
          {lead.name}
        </a>
      ),
    },
    { title: t('lead.phone'), dataIndex: 'phone', render: (_, lead) => lead.primaryPhone ?? '—' },
    { title: t('lead.company'), dataIndex: 'company', search: false, render: (_, lead) => lead.company || '—' },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(LEAD_STATUSES.map((status) => [status, { text: t(`lead.status_${status}`) }])),
      render: (_, lead) => <Tag color={LEAD_STATUS_COLORS[lead.status]}>{t(`lead.status_${lead.status}`)}</Tag>,
    },
    {
      title: t('lead.source'),
      dataIndex: 'source',
      valueType: 'select',
      valueEnum: Object.fromEntries(LEAD_SOURCES.map((source) => [source, { text: t(`lead.source_${source}`) }])),
    },
    { title: t('lead.channel'), dataIndex: 'channel', render: (_, lead) => lead.channel || '—' },
    { title: t('lead.owner'), dataIndex: 'ownerId', render: (_, lead) => lead.ownerName ?? <Tag>{t('lead.inPool')}</Tag>, formItemRender: () => <SystemUserSelect /> },
    { title: t('lead.tags'), dataIndex: 'tagIds', render: (_, lead) => (lead.tags.length ? lead.tags.map((tag) => <Tag key={tag.id}>{tag.name}</Tag>) : '—'), formItemRender: () => <TagSelect type="self" /> },
    { title: t('lead.lastFollow'), dataIndex: 'lastFollowAt', valueType: 'dateTime', search: false },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.createdAt'),
      dataIndex: 'createdRange',
      valueType: 'dateTimeRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ startTime: new Date(value[0]).toISOString(), endTime: new Date(value[1]).toISOString() }) },
    },
    {
      title: t('lead.poolOnly'),
      dataIndex: 'pool',
      hideInTable: true,
      valueType: 'select',
      valueEnum: { true: { text: t('common.yes') } },
      search: { transform: (value: string) => ({ pool: value === 'true' }) },
    },
  ];

  return (
    <PageContainer title={t('lead.title')}>
      {stat && (
        <Space size={12} wrap style={{ marginBottom: 16 }} data-testid="lead-stat">
          <StatisticCard variant="outlined" statistic={{ title: t('lead.total'), value: stat.total }} />
          <StatisticCard variant="outlined" statistic={{ title: t('lead.newToday'), value: stat.newToday }} />
          {(['pool', 'assigned', 'converted', 'invalid'] as const).map((status) => (
            <StatisticCard key={status} variant="outlined" statistic={{ title: t(`lead.status_${status}`), value: stat.byStatus[status] }} />
          ))}
          <StatisticCard variant="outlined" statistic={{ title: t('lead.convertedShare'), value: (stat.convertedShare * 100).toFixed(1), suffix: '%' }} />
        </Space>
      )}
      <ProTable<LeadRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="lead-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        rowSelection={canSelect ? { selectedRowKeys: selected.map((lead) => lead.id), onChange: (_keys, rows) => setSelected(rows) } : false}
        request={pagedRequest((body: LeadQuery) => guard(api.POST('/scrm/admin/clue/page', { body })))}
        toolBarRender={() => [
          <Permission key="assign" code="clue:assign">
            <Button icon={<UserSwitchOutlined />} disabled={selected.length === 0} onClick={() => setDialog('assign')} data-testid="lead-assign">
              {t('lead.assign', { count: selected.length })}
            </Button>
          </Permission>,
          <Permission key="merge" code="clue:merge">
            <Button icon={<MergeCellsOutlined />} disabled={selected.length < 2} onClick={() => setDialog('merge')} data-testid="lead-merge">
              {t('lead.merge')}
            </Button>
          </Permission>,
          <Permission key="import" code="clue:import">
            <Button icon={<ImportOutlined />} onClick={() => setDialog('import')} data-testid="lead-import">
              {t('lead.import')}
            </Button>
          </Permission>,
          <Permission key="add" code="clue:add">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog('add')} data-testid="lead-add">
              {t('lead.add')}
            </Button>
          </Permission>,
        ]}
      />
      {dialog === 'import' && <LeadImportWizard onClose={() => setDialog(null)} onImported={reload} />}
      {dialog === 'add' && (
        <LeadAddModal
          onClose={() => setDialog(null)}
          onSaved={() => {
            setDialog(null);
            message.success(t('common.saved'));
            reload();
          }}
        />
      )}
      {dialog === 'assign' && (
        <AssignModal
          leads={selected}
          onClose={() => setDialog(null)}
          onDone={(assigned) => {
            setDialog(null);
            message.success(t('lead.assigned', { count: assigned }));
            reload();
          }}
        />
      )}
      {dialog === 'merge' && (
        <MergeModal
          leads={selected}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            message.success(t('lead.merged'));
            reload();
          }}
        />
      )}
      {open !== null && <LeadDrawer clueId={open} onClose={() => setOpen(null)} onChanged={reload} />}
    </PageContainer>
  );
}

type LeadAddValues = Omit<BodyOf<'/scrm/admin/clue/add', 'post'>, 'contacts'>;

function LeadAddModal({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<LeadAddValues>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await call(api.POST('/scrm/admin/clue/add', { body: values }));
      onSaved();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open width={620} title={t('lead.add')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} okText={t('common.save')} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ gender: 0 }} data-testid="lead-form">
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="name" label={t('lead.name')} rules={[{ required: true, whitespace: true, max: 64 }]} style={{ width: 280 }}>
            <Input />
          </Form.Item>
          <Form.Item name="gender" label={t('customer.gender')}>
            <Radio.Group options={[0, 1, 2].map((value) => ({ value, label: t(`customer.gender${value}`) }))} />
          </Form.Item>
        </Space>
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="phone" label={t('lead.phone')} rules={[{ pattern: /^1[3-9]\d{9}$/, message: t('user.phoneInvalid') }]} style={{ width: 280 }}>
            <Input />
          </Form.Item>
          <Form.Item name="wechat" label={t('lead.wechat')} style={{ width: 280 }}>
            <Input />
          </Form.Item>
        </Space>
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="company" label={t('lead.company')} style={{ width: 280 }}>
            <Input />
          </Form.Item>
          <Form.Item name="position" label={t('lead.position')} style={{ width: 280 }}>
            <Input />
          </Form.Item>
        </Space>
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="channelId" label={t('lead.channel')} style={{ width: 280 }}>
            <ChannelSelect />
          </Form.Item>
          <Form.Item name="ownerId" label={t('lead.owner')} extra={t('lead.ownerHint')} style={{ width: 280 }}>
            <SystemUserSelect />
          </Form.Item>
        </Space>
        <Form.Item name="tagIds" label={t('lead.tags')}>
          <TagSelect type="self" />
        </Form.Item>
        <Form.Item name="remark" label={t('common.remark')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function AssignModal({ leads, onClose, onDone }: { leads: LeadRecord[]; onClose: () => void; onDone: (assigned: number) => void }) {
  const { t } = useTranslation();
  const [userId, setUserId] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    if (!userId) return;
    setSaving(true);
    try {
      const result = await call(api.POST('/scrm/admin/clue/batchAssign', { body: { clueIds: leads.map((lead) => lead.id), userId } }));
      onDone(result.assigned);
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.assign', { count: leads.length })} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ disabled: !userId }} confirmLoading={saving}>
      <Form layout="vertical">
        <Form.Item label={t('lead.assignTo')} required>
          <SystemUserSelect value={userId} onChange={setUserId} testId="lead-assign-user" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MergeModal({ leads, onClose, onDone }: { leads: LeadRecord[]; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [targetId, setTargetId] = useState<number>(leads[0].id);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      await call(api.POST('/scrm/admin/clue/merge', { body: { targetId, sourceIds: leads.filter((lead) => lead.id !== targetId).map((lead) => lead.id) } }));
      onDone();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.merge')} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving}>
      <Form layout="vertical">
        <Form.Item label={t('lead.mergeTarget')} extra={t('lead.mergeHint', { count: leads.length - 1 })}>
          <Select
            value={targetId}
            onChange={setTargetId}
            options={leads.map((lead) => ({ value: lead.id, label: `${lead.name}${lead.primaryPhone ? ` · ${lead.primaryPhone}` : ''} (#${lead.id})` }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
