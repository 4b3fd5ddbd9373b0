import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Card, Checkbox, DatePicker, Drawer, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Switch, Table, Tabs, Tag, TimePicker, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PermissionCode } from '@scrm/shared';
import { api, call } from '../../api/client.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { ContactName, EmployeeName, employeeText, groupLabel } from '../../components/names.tsx';
import { EmployeeSelect, TagSelect, useTagGroups, WecomDeptTreeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { sopApi, type SopKind, type SopRecord, type SopSaveBody, type SopStat, type SopTask, type SopTrigger } from './sop-api.ts';

const TRIGGERS: Record<SopKind, SopTrigger['type'][]> = { customer: ['added', 'tagged', 'stage', 'date', 'recurrence'], group: ['joined', 'created', 'date', 'recurrence'] };
const STATE_COLORS: Record<string, string> = { pending: 'processing', done: 'success', overdue: 'error' };
const perm = (kind: SopKind, what: 'list' | 'save' | 'delete' | 'task' | 'stat') => `sop:${kind}:${what}` as PermissionCode;

type Named = { id: number | string; name: string };

/** What the trigger and the editor name: channels, links and QR codes, stages, groups, tags, media (those the caller may read). */
function useSopNames(kind: SopKind) {
  const { t } = useTranslation();
  const canLinks = usePermission('cust:link:list');
  const canQr = usePermission('cust:qr:list');
  const canStages = usePermission('stage:list');
  const canGroups = usePermission('group:list');
  const { groups: tagGroups } = useTagGroups('corp', kind === 'customer');
  const [channels, setChannels] = useState<Named[]>([]);
  const [links, setLinks] = useState<Named[]>([]);
  const [stages, setStages] = useState<Named[]>([]);
  const [groups, setGroups] = useState<Named[]>([]);
  const [media, setMedia] = useState<Array<{ id: number; title: string; type: string }>>([]);
  useEffect(() => {
    const body = { pageNum: 1, pageSize: 500 };
    // Only what this kind's triggers name (a 群SOP role holds no channel or link permission).
    if (kind === 'customer') call(api.GET('/scrm/admin/cust/channel/list'), { silent: true }).then((list) => setChannels(list.map((channel) => ({ id: channel.id, name: channel.name }))), () => setChannels([]));
    const linkPages: Array<Promise<{ records: Array<{ id: number; linkName: string }> }>> = [];
    if (kind === 'customer' && canLinks) linkPages.push(call(api.POST('/scrm/admin/cust/get/link/page', { body }), { silent: true }));
    if (kind === 'customer' && canQr) linkPages.push(call(api.POST('/scrm/admin/cust/get/qr/page', { body }), { silent: true }));
    Promise.all(linkPages).then((pages) => setLinks(pages.flatMap((page) => page.records.map((link) => ({ id: link.id, name: link.linkName })))), () => setLinks([]));
    if (kind === 'customer' && canStages) call(api.GET('/scrm/admin/stage/list'), { silent: true }).then((list) => setStages(list.map((stage) => ({ id: stage.id, name: stage.name }))), () => setStages([]));
    if (kind === 'group' && canGroups) call(api.GET('/scrm/admin/group/list'), { silent: true }).then((list) => setGroups(list.map((group) => ({ id: group.chatId, name: groupLabel(t, group) }))), () => setGroups([]));
    call(api.POST('/scrm/admin/media/page', { body }), { silent: true }).then((page) => setMedia(page.records.map((item) => ({ id: item.id, title: item.title, type: item.type }))), () => setMedia([]));
  }, [kind, canLinks, canQr, canStages, canGroups, t]);
  const tags = useMemo(() => tagGroups.flatMap((group) => group.tags.map((tag) => ({ id: tag.id, name: tag.name }))), [tagGroups]);
  return { channels, links, stages, groups, tags, media };
}

type Names = ReturnType<typeof useSopNames>;

/** The trigger in words, with names. */
function triggerText(t: (key: string, values?: Record<string, unknown>) => string, trigger: SopRecord['trigger'], names: Names): string {
  const nameOf = (list: Named[], ids: Array<number | string>) => ids.map((id) => list.find((item) => item.id === id)?.name ?? String(id)).join('、');
  switch (trigger.type) {
    case 'added': return t('sop.summary_added', { names: [nameOf(names.channels, trigger.channelIds), nameOf(names.links, trigger.linkIds)].filter(Boolean).join('、') });
    case 'tagged': return t('sop.summary_tagged', { names: nameOf(names.tags, trigger.tagIds) });
    case 'stage': return t('sop.summary_stage', { names: nameOf(names.stages, trigger.stageIds) });
    case 'joined': return trigger.chatIds.length ? t('sop.summary_joined', { names: nameOf(names.groups, trigger.chatIds) }) : t('sop.summary_joinedAny');
    case 'created': return t('sop.summary_created');
    case 'date': return t('sop.summary_date', { at: dayjs(trigger.at).format('YYYY-MM-DD HH:mm') });
    case 'recurrence': {
      const days = trigger.every === 'weekly' ? (trigger.weekDays ?? []).map((day) => t(`sop.week_${day}`)).join('、') : trigger.every === 'monthly' ? `${trigger.monthDay}` : '';
      return t('sop.summary_recurrence', { every: `${t(`sop.every_${trigger.every}`)}${days ? ` ${days}` : ''}`, time: trigger.time });
    }
  }
}

function stepWhen(t: (key: string, values?: Record<string, unknown>) => string, when: SopRecord['steps'][number]['when']): string {
  return when.type === 'after' ? t('sop.after', { amount: when.amount, unit: t(`sop.unit_${when.unit}`) }) : t('sop.dayAt', { day: when.day, time: when.time });
}

/** 客户SOP / 群SOP: the rules, their tasks (in your data scope) and completion per SOP and per employee. */
export function SopPage({ kind }: { kind: SopKind }) {
  const { t } = useTranslation();
  const canTasks = usePermission(perm(kind, 'task'));
  const canStat = usePermission(perm(kind, 'stat'));
  const names = useSopNames(kind);
  const items = [
    { key: 'rules', label: t('sop.tabRules'), children: <SopRules kind={kind} names={names} /> },
    ...(canTasks ? [{ key: 'tasks', label: t('sop.tabTasks'), children: <SopTasks kind={kind} /> }] : []),
    ...(canStat ? [{ key: 'stat', label: t('sop.tabStat'), children: <SopStatView kind={kind} /> }] : []),
  ];
  return (
    <PageContainer>
      <Tabs items={items} destroyOnHidden />
    </PageContainer>
  );
}

export const CustomerSopPage = () => <SopPage kind="customer" />;
export const GroupSopPage = () => <SopPage kind="group" />;

function SopRules({ kind, names }: { kind: SopKind; names: Names }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const endpoints = sopApi(kind);
  const action = useRef<ActionType>(null);
  const canSave = usePermission(perm(kind, 'save'));
  const [editing, setEditing] = useState<SopRecord | 'new' | null>(null);
  const columns: ProColumns<SopRecord>[] = [
    { title: t('sop.name'), dataIndex: 'name', render: (_, row) => <span data-testid={`sop-name-${row.id}`}>{row.name}</span> },
    { title: t('sop.trigger'), search: false, render: (_, row) => triggerText(t, row.trigger, names) },
    { title: t('sop.employees'), search: false, render: (_, row) => (row.employees.length || row.departments.length ? [...row.employees.map((employee) => ({ id: employee.id, name: employeeText(t, employee.name, employee.id) })), ...row.departments].map((item) => <Tag key={String(item.id)}>{item.name}</Tag>) : t('sop.everyone')) },
    { title: t('sop.steps'), search: false, render: (_, row) => row.steps.map((step, index) => <div key={step.id}>{`${index + 1}. ${stepWhen(t, step.when)}${step.name ? ` · ${step.name}` : ''}`}</div>) },
    {
      title: t('sop.completion'), search: false,
      render: (_, row) => <span data-testid={`sop-completion-${row.id}`}>{`${row.tasks.done}/${row.tasks.total}`}{row.tasks.overdue ? <Tag color="error" style={{ marginLeft: 8 }}>{`${t('sop.overdue')} ${row.tasks.overdue}`}</Tag> : null}</span>,
    },
    {
      title: t('sop.enabled'), dataIndex: 'enabled', search: false,
      render: (_, row) => (
        <Switch checked={row.enabled} disabled={!canSave} data-testid={`sop-enabled-${row.id}`}
          onChange={async (enabled) => { await endpoints.enable(row.id, enabled); action.current?.reload(); }} />
      ),
    },
    {
      title: t('common.actions'), valueType: 'option',
      render: (_, row) => (
        <Space>
          <Permission code={perm(kind, 'save')}><a onClick={() => setEditing(row)} data-testid={`sop-edit-${row.id}`}>{t('sop.edit')}</a></Permission>
          <Permission code={perm(kind, 'delete')}>
            <Popconfirm title={t('common.confirmDelete')} onConfirm={async () => { await endpoints.remove([row.id]); message.success(t('sop.deleted')); action.current?.reload(); }}>
              <a>{t('common.delete')}</a>
            </Popconfirm>
          </Permission>
        </Space>
      ),
    },
  ];
  return (
    <>
      <ProTable<SopRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        request={pagedRequest(endpoints.page)}
        data-testid="sop-table"
        toolBarRender={() => [
          <Permission key="create" code={perm(kind, 'save')}>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="sop-create">{t('sop.create')}</Button>
          </Permission>,
        ]}
      />
      {editing && <SopEditor kind={kind} record={editing === 'new' ? null : editing} names={names} onClose={(saved) => { setEditing(null); if (saved) action.current?.reload(); }} />}
    </>
  );
}

interface FormValues {
  name: string;
  enabled: boolean;
  userIds: string[];
  deptIds: number[];
  triggerType: SopTrigger['type'];
  channelIds?: number[];
  linkIds?: number[];
  tagIds?: number[];
  stageIds?: number[];
  chatIds?: string[];
  at?: dayjs.Dayjs;
  every?: 'daily' | 'weekly' | 'monthly';
  weekDays?: number[];
  monthDay?: number;
  time?: dayjs.Dayjs;
  overdueMinutes?: number | null;
  steps: Array<{ id?: string; name?: string; whenType: 'after' | 'dayAt'; amount?: number; unit?: 'minute' | 'hour' | 'day'; day?: number; time?: dayjs.Dayjs; text?: string; mediaIds?: number[] }>;
}

function initialValues(kind: SopKind, record: SopRecord | null): FormValues {
  if (!record) {
    return { name: '', enabled: true, userIds: [], deptIds: [], triggerType: TRIGGERS[kind][0], every: 'daily', steps: [{ whenType: 'after', amount: 0, unit: 'minute', text: '', mediaIds: [] }] };
  }
  const trigger = record.trigger;
  return {
    name: record.name, enabled: record.enabled, userIds: record.userIds, deptIds: record.deptIds, triggerType: trigger.type, overdueMinutes: record.overdueMinutes,
    ...(trigger.type === 'added' ? { channelIds: trigger.channelIds, linkIds: trigger.linkIds } : {}),
    ...(trigger.type === 'tagged' ? { tagIds: trigger.tagIds } : {}),
    ...(trigger.type === 'stage' ? { stageIds: trigger.stageIds } : {}),
    ...(trigger.type === 'joined' ? { chatIds: trigger.chatIds } : {}),
    ...(trigger.type === 'date' ? { at: dayjs(trigger.at), tagIds: trigger.tagIds, chatIds: trigger.chatIds } : {}),
    ...(trigger.type === 'recurrence' ? { every: trigger.every, weekDays: trigger.weekDays, monthDay: trigger.monthDay, time: dayjs(trigger.time, 'HH:mm'), tagIds: trigger.tagIds, chatIds: trigger.chatIds } : {}),
    steps: record.steps.map((step) => ({
      id: step.id, name: step.name, whenType: step.when.type, text: step.text, mediaIds: step.mediaIds,
      ...(step.when.type === 'after' ? { amount: step.when.amount, unit: step.when.unit } : { day: step.when.day, time: dayjs(step.when.time, 'HH:mm') }),
    })),
  };
}

function bodyOf(values: FormValues, id?: number): SopSaveBody {
  const audience = { ...(values.tagIds?.length ? { tagIds: values.tagIds } : {}), ...(values.chatIds?.length ? { chatIds: values.chatIds } : {}) };
  const triggers: Record<SopTrigger['type'], () => SopTrigger> = {
    added: () => ({ type: 'added', channelIds: values.channelIds ?? [], linkIds: values.linkIds ?? [] }),
    tagged: () => ({ type: 'tagged', tagIds: values.tagIds ?? [] }),
    stage: () => ({ type: 'stage', stageIds: values.stageIds ?? [] }),
    joined: () => ({ type: 'joined', chatIds: values.chatIds ?? [] }),
    created: () => ({ type: 'created' }),
    date: () => ({ type: 'date', at: (values.at ?? dayjs()).toISOString(), ...audience }),
    recurrence: () => ({ type: 'recurrence', every: values.every ?? 'daily', weekDays: values.weekDays, monthDay: values.monthDay, time: (values.time ?? dayjs('09:00', 'HH:mm')).format('HH:mm'), ...audience }),
  };
  return {
    ...(id ? { id } : {}),
    name: values.name, enabled: values.enabled, userIds: values.userIds ?? [], deptIds: values.deptIds ?? [], trigger: triggers[values.triggerType](),
    overdueMinutes: values.overdueMinutes ?? null,
    steps: values.steps.map((step) => ({
      ...(step.id ? { id: step.id } : {}), name: step.name ?? '', text: step.text ?? '', mediaIds: step.mediaIds ?? [],
      when: step.whenType === 'after' ? { type: 'after', amount: step.amount ?? 0, unit: step.unit ?? 'minute' } : { type: 'dayAt', day: step.day ?? 1, time: (step.time ?? dayjs('09:00', 'HH:mm')).format('HH:mm') },
    })),
  };
}

function SopEditor({ kind, record, names, onClose }: { kind: SopKind; record: SopRecord | null; names: Names; onClose: (saved: boolean) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const triggerType = Form.useWatch('triggerType', form);
  const every = Form.useWatch('every', form);
  const options = (list: Named[]) => list.map((item) => ({ value: item.id, label: item.name }));
  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await sopApi(kind).save(bodyOf(values, record?.id));
      message.success(t('sop.saved'));
      onClose(true);
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };
  const groupSelect = (testId: string) => <Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={options(names.groups)} data-testid={testId} />;
  return (
    <Drawer open width={720} title={t(record ? 'sop.editTitle' : 'sop.createTitle', { kind: t(`sop.kind_${kind}`) })} onClose={() => onClose(false)}
      extra={<Button type="primary" loading={saving} onClick={save} data-testid="sop-save">{t('common.save')}</Button>}>
      <Form form={form} layout="vertical" initialValues={initialValues(kind, record)} data-testid="sop-form" name={`sop-form-${kind}`}>
        <Form.Item name="name" label={t('sop.name')} rules={[{ required: true, max: 64 }]}><Input data-testid="sop-form-name" /></Form.Item>
        <Form.Item name="enabled" label={t('sop.enabled')} valuePropName="checked"><Switch /></Form.Item>
        <Form.Item name="userIds" label={t('sop.userIds')} extra={t('sop.scopeHint')}><EmployeeSelect multiple testId="sop-form-employees" /></Form.Item>
        <Form.Item name="deptIds" label={t('sop.deptIds')}><WecomDeptTreeSelect /></Form.Item>
        <Form.Item name="triggerType" label={t('sop.triggerType')}>
          <Radio.Group options={TRIGGERS[kind].map((type) => ({ value: type, label: t(`sop.trigger_${type}`) }))} data-testid="sop-form-trigger" />
        </Form.Item>
        {triggerType === 'added' && (
          <>
            <Form.Item name="channelIds" label={t('sop.channels')}><Select mode="multiple" allowClear options={options(names.channels)} data-testid="sop-form-channels" /></Form.Item>
            <Form.Item name="linkIds" label={t('sop.links')}><Select mode="multiple" allowClear showSearch={{ optionFilterProp: 'label' }} options={options(names.links)} data-testid="sop-form-links" /></Form.Item>
          </>
        )}
        {triggerType === 'tagged' && <Form.Item name="tagIds" label={t('sop.tags')} rules={[{ required: true }]}><TagSelect type="corp" testId="sop-form-tags" /></Form.Item>}
        {triggerType === 'stage' && <Form.Item name="stageIds" label={t('sop.stages')} rules={[{ required: true }]}><Select mode="multiple" options={options(names.stages)} data-testid="sop-form-stages" /></Form.Item>}
        {triggerType === 'joined' && <Form.Item name="chatIds" label={t('sop.groups')} extra={t('sop.groupsAny')}>{groupSelect('sop-form-groups')}</Form.Item>}
        {triggerType === 'date' && <Form.Item name="at" label={t('sop.at')} rules={[{ required: true }]}><DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" /></Form.Item>}
        {triggerType === 'recurrence' && (
          <Space wrap align="start">
            <Form.Item name="every" label={t('sop.every')}><Radio.Group options={(['daily', 'weekly', 'monthly'] as const).map((value) => ({ value, label: t(`sop.every_${value}`) }))} /></Form.Item>
            {every === 'weekly' && <Form.Item name="weekDays" label={t('sop.weekDays')} rules={[{ required: true }]}><Checkbox.Group options={[1, 2, 3, 4, 5, 6, 7].map((day) => ({ value: day, label: t(`sop.week_${day}`) }))} /></Form.Item>}
            {every === 'monthly' && <Form.Item name="monthDay" label={t('sop.monthDay')} rules={[{ required: true }]}><InputNumber min={1} max={31} /></Form.Item>}
            <Form.Item name="time" label={t('sop.time')} rules={[{ required: true }]}><TimePicker format="HH:mm" /></Form.Item>
          </Space>
        )}
        {(triggerType === 'date' || triggerType === 'recurrence') && (kind === 'customer'
          ? <Form.Item name="tagIds" label={t('sop.audienceTags')} extra={t('sop.audienceTagsHint')}><TagSelect type="corp" /></Form.Item>
          : <Form.Item name="chatIds" label={t('sop.groups')} rules={[{ required: true }]}>{groupSelect('sop-form-audience-groups')}</Form.Item>)}
        <Form.Item name="overdueMinutes" label={t('sop.overdueMinutes')} extra={t('sop.overdueHint')}><InputNumber min={1} max={43200} /></Form.Item>
        <Form.List name="steps">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field, index) => (
                <Card key={field.key} size="small" style={{ marginBottom: 12 }} title={t('sop.step', { n: index + 1 })} data-testid={`sop-step-${index}`}
                  extra={fields.length > 1 ? <Button size="small" type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} /> : null}>
                  <Form.Item name={[field.name, 'name']} label={t('sop.stepName')}><Input maxLength={64} /></Form.Item>
                  <StepWhen name={field.name} />
                  <Form.Item name={[field.name, 'text']} label={t('sop.text')}><Input.TextArea rows={3} maxLength={4000} data-testid={`sop-step-text-${index}`} /></Form.Item>
                  <Form.Item name={[field.name, 'mediaIds']} label={t('sop.media')}>
                    <Select mode="multiple" allowClear maxCount={9} showSearch={{ optionFilterProp: 'label' }} options={names.media.map((item) => ({ value: item.id, label: `[${t(`media.type_${item.type}`)}] ${item.title}` }))} />
                  </Form.Item>
                </Card>
              ))}
              {fields.length < 20 && <Button icon={<PlusOutlined />} onClick={() => add({ whenType: 'after', amount: 1, unit: 'day', text: '', mediaIds: [] })}>{t('sop.addStep')}</Button>}
            </>
          )}
        </Form.List>
      </Form>
    </Drawer>
  );
}

function StepWhen({ name }: { name: number }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance<FormValues>();
  const whenType = Form.useWatch(['steps', name, 'whenType'], form);
  return (
    <Space wrap align="start">
      <Form.Item name={[name, 'whenType']} label={t('sop.when')}>
        <Select style={{ width: 160 }} options={(['after', 'dayAt'] as const).map((value) => ({ value, label: t(`sop.when_${value}`) }))} />
      </Form.Item>
      {whenType === 'dayAt' ? (
        <>
          <Form.Item name={[name, 'day']} label={t('sop.day')} rules={[{ required: true }]}><InputNumber min={1} max={365} /></Form.Item>
          <Form.Item name={[name, 'time']} label={t('sop.time')} rules={[{ required: true }]}><TimePicker format="HH:mm" /></Form.Item>
        </>
      ) : (
        <>
          <Form.Item name={[name, 'amount']} label=" " rules={[{ required: true }]}><InputNumber min={0} max={100000} /></Form.Item>
          <Form.Item name={[name, 'unit']} label=" "><Select style={{ width: 100 }} options={(['minute', 'hour', 'day'] as const).map((value) => ({ value, label: t(`sop.unit_${value}`) }))} /></Form.Item>
        </>
      )}
    </Space>
  );
}

function SopTasks({ kind }: { kind: SopKind }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const endpoints = sopApi(kind);
  const action = useRef<ActionType>(null);
  const columns: ProColumns<SopTask>[] = [
    { title: t('sop.name'), dataIndex: 'ruleName', search: false, render: (_, row) => `${row.ruleName}${row.stepName ? ` · ${row.stepName}` : ''}` },
    { title: t('sop.employee'), dataIndex: 'employeeName', search: false, render: (_, row) => <EmployeeName name={row.employeeName} userid={row.userid} /> },
    {
      title: kind === 'customer' ? t('sop.customer') : t('sop.group'), search: false,
      render: (_, row) => (kind === 'customer' ? <ContactName kind="customer" name={row.customerName} id={row.externalUserid} /> : <ContactName kind="group" name={row.groupName} id={row.chatId} />),
    },
    { title: t('sop.text'), dataIndex: 'text', search: false, ellipsis: true },
    { title: t('sop.dueAt'), dataIndex: 'dueAt', valueType: 'dateTime', search: false },
    {
      title: t('sop.state'), dataIndex: 'state', valueType: 'select',
      valueEnum: { pending: { text: t('sop.state_pending') }, done: { text: t('sop.state_done') }, overdue: { text: t('sop.state_overdue') } },
      render: (_, row) => <Tag color={STATE_COLORS[row.state]}>{t(`sop.state_${row.state}`)}</Tag>,
    },
    {
      title: t('common.actions'), valueType: 'option',
      render: (_, row) => row.state !== 'done' && (
        <a onClick={async () => { await endpoints.done([row.id]); message.success(t('sop.marked')); action.current?.reload(); }}>{t('sop.markDone')}</a>
      ),
    },
  ];
  return <ProTable<SopTask> rowKey="id" actionRef={action} columns={columns} request={pagedRequest(endpoints.tasks)} data-testid="sop-task-table" />;
}

function SopStatView({ kind }: { kind: SopKind }) {
  const { t } = useTranslation();
  const [stat, setStat] = useState<SopStat | null>(null);
  useEffect(() => {
    sopApi(kind).stat({}, { silent: true }).then(setStat, () => setStat(null));
  }, [kind]);
  if (!stat) return null;
  const figures = [
    { title: t('sop.total'), dataIndex: 'total' }, { title: t('sop.done'), dataIndex: 'done' }, { title: t('sop.pending'), dataIndex: 'pending' },
    { title: t('sop.overdue'), dataIndex: 'overdue' }, { title: t('sop.rate'), dataIndex: 'rate', render: (rate: number) => `${Math.round(rate * 1000) / 10}%` },
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="sop-stat">
      <Typography.Text>{`${t('sop.total')} ${stat.totals.total} · ${t('sop.done')} ${stat.totals.done} · ${t('sop.overdue')} ${stat.totals.overdue} · ${t('sop.rate')} ${Math.round(stat.totals.rate * 1000) / 10}%`}</Typography.Text>
      <Card size="small" title={t('sop.bySop')}><Table rowKey="ruleId" size="small" pagination={false} dataSource={stat.bySop} columns={[{ title: t('sop.name'), dataIndex: 'name' }, ...figures]} /></Card>
      <Card size="small" title={t('sop.byEmployee')}><Table rowKey="userid" size="small" pagination={false} dataSource={stat.byEmployee} columns={[{ title: t('sop.employee'), dataIndex: 'name', render: (name: string | null, row: SopStat['byEmployee'][number]) => <EmployeeName name={name} userid={row.userid} /> }, ...figures]} /></Card>
    </Space>
  );
}
