import { DeleteOutlined, DownloadOutlined, ImportOutlined, MergeCellsOutlined, PlusOutlined, RollbackOutlined, TagsOutlined, UserAddOutlined, UserSwitchOutlined } from '@ant-design/icons';
import { PageContainer, StatisticCard, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Radio, Segmented, Select, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { employeeText } from '../../components/names.tsx';
import { api, call, download } from '../../api/client.ts';
import type { BodyOf, LeadQuery, LeadRecord, LeadStat, ResponseOf } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { useSession } from '../../auth/session.tsx';
import { ChannelSelect, EmployeeSelect, TagSelect } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { LeadDrawer } from './lead-drawer.tsx';
import { LeadImportWizard } from './lead-import.tsx';
import { ProTable } from '../../components/table.tsx';

export const LEAD_STATUSES = ['pool', 'assigned', 'converted', 'invalid', 'merged'] as const;
export const LEAD_SOURCES = ['manual', 'import', 'collect'] as const;
export const LEAD_STATUS_COLORS: Record<string, string> = { pool: 'default', assigned: 'processing', converted: 'success', invalid: 'error', merged: 'purple' };

/** The list's views: every lead in scope, the caller's own, 待跟进 (follow-up due by today), the pool. */
const VIEWS = { all: {}, mine: { mine: true }, due: { followUp: 'due' as const }, pool: { pool: true } } satisfies Record<string, Partial<LeadQuery>>;
type View = keyof typeof VIEWS;

/** Filters of the export: the page's filters (and view) without paging. */
const exportFilters = ({ pageNum: _pageNum, pageSize: _pageSize, ...filters }: Partial<LeadQuery>) => filters;

/**
 * 线索公海: leads paged by the server, owned by WeCom employees; views (all, mine, 待跟进, pool), figures, add,
 * import, export, and bulk actions on the selection (assign, claim, return to the pool, tag, merge, delete); a
 * detail drawer per lead.
 */
export function LeadPoolPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const action = useRef<ActionType>(null);
  const lastQuery = useRef<Partial<LeadQuery>>({});
  const { missing, guard } = useModuleAvailability();
  const { user } = useSession();
  const canAssign = usePermission('clue:assign');
  const canMerge = usePermission('clue:merge');
  const canClaim = usePermission('clue:claim');
  const canReturn = usePermission('clue:return');
  const canDelete = usePermission('clue:delete');
  const canTag = usePermission('clue:tag');
  const canSelect = canAssign || canMerge || canClaim || canReturn || canDelete || canTag;
  const canStat = usePermission('clue:stat');
  const [view, setView] = useState<View>('all');
  const [selected, setSelected] = useState<LeadRecord[]>([]);
  const [stat, setStat] = useState<LeadStat | null>(null);
  const [exporting, setExporting] = useState(false);
  const [dialog, setDialog] = useState<'add' | 'import' | 'assign' | 'merge' | 'return' | 'tag' | null>(null);
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

  const ids = selected.map((lead) => lead.id);
  const inPool = selected.length > 0 && selected.every((lead) => lead.ownerUserid === null);
  const owned = selected.length > 0 && selected.every((lead) => lead.ownerUserid !== null);

  const claim = async () => {
    const result = await call(api.POST('/scrm/admin/clue/claim', { body: { clueIds: ids } }));
    message.success(t('lead.claimed', { count: result.changed }));
    reload();
  };

  const remove = () =>
    modal.confirm({
      title: t('lead.delete', { count: ids.length }),
      content: t('lead.deleteConfirm', { count: ids.length }),
      okButtonProps: { danger: true, 'data-testid': 'lead-delete-confirm' } as never,
      onOk: async () => {
        const result = await call(api.POST('/scrm/admin/clue/delete', { body: { clueIds: ids } }));
        message.success(t('lead.deleted', { count: result.changed }));
        reload();
      },
    });

  const exportLeads = async () => {
    setExporting(true);
    try {
      await download('/scrm/admin/clue/export', { method: 'POST', body: exportFilters(lastQuery.current) });
    } finally {
      setExporting(false);
    }
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
    {
      title: t('lead.owner'),
      dataIndex: 'ownerUserid',
      render: (_, lead) =>
        lead.ownerUserid === null ? (
          <Tag>{t('lead.inPool')}</Tag>
        ) : (
          <span data-testid={`lead-owner-${lead.id}`}>
            {employeeText(t, lead.ownerName, lead.ownerUserid)}
            {lead.ownerLeft && <Tag style={{ marginLeft: 4 }}>{t('lead.ownerLeft')}</Tag>}
          </span>
        ),
      formItemRender: () => <EmployeeSelect testId="lead-owner-filter" />,
    },
    { title: t('lead.tags'), dataIndex: 'tagIds', render: (_, lead) => (lead.tags.length ? lead.tags.map((tag) => <Tag key={tag.id}>{tag.name}</Tag>) : '—'), formItemRender: () => <TagSelect type="self" /> },
    { title: t('lead.lastFollow'), dataIndex: 'lastFollowAt', valueType: 'dateTime', search: false },
    {
      title: t('lead.nextFollow'),
      dataIndex: 'nextFollowAt',
      search: false,
      render: (_, lead) =>
        lead.nextFollowAt ? (
          <Typography.Text type={lead.ownerUserid && dayjs(lead.nextFollowAt).isBefore(dayjs().endOf('day')) ? 'danger' : undefined}>
            {dayjs(lead.nextFollowAt).format('YYYY-MM-DD HH:mm')}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.createdAt'),
      dataIndex: 'createdRange',
      valueType: 'dateTimeRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ startTime: new Date(value[0]).toISOString(), endTime: new Date(value[1]).toISOString() }) },
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
      <Segmented<View>
        value={view}
        onChange={(value) => {
          setView(value);
          setSelected([]);
        }}
        options={(Object.keys(VIEWS) as View[]).map((key) => ({ value: key, label: <span data-testid={`lead-view-${key}`}>{t(`lead.view_${key}`)}</span> }))}
        style={{ display: 'flex', width: 'fit-content', marginBottom: 12 }}
      />
      <ProTable<LeadRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="lead-table"
        search={{ labelWidth: 'auto' }}
        params={VIEWS[view]}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        rowSelection={canSelect ? { selectedRowKeys: ids, onChange: (_keys, rows) => setSelected(rows) } : false}
        request={pagedRequest((body: LeadQuery) => {
          lastQuery.current = body;
          return guard(api.POST('/scrm/admin/clue/page', { body }));
        })}
        toolBarRender={() => [
          <Permission key="claim" code="clue:claim">
            <Button
              icon={<UserAddOutlined />}
              disabled={!inPool || !user?.qwUserid}
              title={user?.qwUserid ? undefined : t('lead.claimNeedsBinding')}
              onClick={() => void claim().catch(() => undefined)}
              data-testid="lead-claim"
            >
              {t('lead.claim', { count: selected.length })}
            </Button>
          </Permission>,
          <Permission key="return" code="clue:return">
            <Button icon={<RollbackOutlined />} disabled={!owned} onClick={() => setDialog('return')} data-testid="lead-return">
              {t('lead.returnPool', { count: selected.length })}
            </Button>
          </Permission>,
          <Permission key="tag" code="clue:tag">
            <Button icon={<TagsOutlined />} disabled={selected.length === 0} onClick={() => setDialog('tag')} data-testid="lead-tag">
              {t('lead.tagBatch', { count: selected.length })}
            </Button>
          </Permission>,
          <Permission key="delete" code="clue:delete">
            <Button danger icon={<DeleteOutlined />} disabled={selected.length === 0} onClick={remove} data-testid="lead-delete">
              {t('lead.delete', { count: selected.length })}
            </Button>
          </Permission>,
          <Permission key="export" code="clue:export">
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportLeads().catch(() => undefined)} data-testid="lead-export">
              {t('lead.export')}
            </Button>
          </Permission>,
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
          onDone={(result) => {
            setDialog(null);
            message.success(t('lead.assignedToName', { name: result.ownerName, count: result.assigned }));
            reload();
          }}
        />
      )}
      {dialog === 'return' && (
        <ReturnModal
          leads={selected}
          onClose={() => setDialog(null)}
          onDone={(count) => {
            setDialog(null);
            message.success(t('lead.returned', { count }));
            reload();
          }}
        />
      )}
      {dialog === 'tag' && (
        <TagLeadsModal
          leads={selected}
          onClose={() => setDialog(null)}
          onDone={(count) => {
            setDialog(null);
            message.success(t('lead.tagged', { count }));
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
          <Form.Item name="ownerUserid" label={t('lead.owner')} extra={t('lead.ownerHint')} style={{ width: 280 }}>
            <EmployeeSelect eligible testId="lead-add-owner" />
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

type AssignResult = ResponseOf<'/scrm/admin/clue/batchAssign', 'post'>;

/** Assigns the selection to a WeCom employee (the picker offers those who can take customers). */
function AssignModal({ leads, onClose, onDone }: { leads: LeadRecord[]; onClose: () => void; onDone: (result: AssignResult) => void }) {
  const { t } = useTranslation();
  const [userid, setUserid] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    if (!userid) return;
    setSaving(true);
    try {
      onDone(await call(api.POST('/scrm/admin/clue/batchAssign', { body: { clueIds: leads.map((lead) => lead.id), userid } })));
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.assign', { count: leads.length })} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ disabled: !userid, 'data-testid': 'lead-assign-ok' } as never} confirmLoading={saving}>
      <Form layout="vertical">
        <Form.Item label={t('lead.assignTo')} required>
          <EmployeeSelect eligible value={userid ?? undefined} onChange={((value: string | undefined) => setUserid(value ?? null)) as never} testId="lead-assign-user" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** 退回公海: the selection back to the pool, with a reason (required). */
function ReturnModal({ leads, onClose, onDone }: { leads: LeadRecord[]; onClose: () => void; onDone: (count: number) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ reason: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const { reason } = await form.validateFields();
    setSaving(true);
    try {
      onDone((await call(api.POST('/scrm/admin/clue/returnPool', { body: { clueIds: leads.map((lead) => lead.id), reason } }))).changed);
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.returnPool', { count: leads.length })} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical">
        <Form.Item name="reason" label={t('lead.returnReason')} rules={[{ required: true, whitespace: true, message: t('lead.returnReasonRequired') }, { max: 200 }]}>
          <Input.TextArea rows={3} maxLength={200} data-testid="lead-return-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Adds SCRM tags to the selection. */
function TagLeadsModal({ leads, onClose, onDone }: { leads: LeadRecord[]; onClose: () => void; onDone: (count: number) => void }) {
  const { t } = useTranslation();
  const [tagIds, setTagIds] = useState<number[]>([]);
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      onDone((await call(api.POST('/scrm/admin/clue/tag/batchAdd', { body: { clueIds: leads.map((lead) => lead.id), tagIds } }))).leads);
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.tagBatch', { count: leads.length })} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ disabled: tagIds.length === 0 }} confirmLoading={saving}>
      <TagSelect type="self" value={tagIds} onChange={setTagIds as never} testId="lead-tag-select" />
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
