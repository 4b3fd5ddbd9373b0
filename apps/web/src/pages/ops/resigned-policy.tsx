// 离职继承's automatic inheritance: the policy editor (mode: leader / named employee / an acquisition link's
// allocation rules; fallback employee; on or off) with a dry run (who would get what), and the departures the HR
// system or WeCom announced with what the policy did about each.
import { EyeOutlined } from '@ant-design/icons';
import { ProCard, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Checkbox, Empty, Form, Radio, Select, Space, Spin, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { customerText, EmployeeName, employeeText } from '../../components/names.tsx';
import { EmployeeSelect, useWecomEmployees } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { lifecycleApi, type DepartureQuery, type DepartureRecord, type Policy, type PolicyPreview, type PolicySaveBody, type UnassignedRecord } from './resigned-api.ts';

const MODES = ['leader', 'employee', 'link'] as const;

/** Acquisition links by name (only for holders of 继承策略保存, whose grant reads them). */
function LinkSelect({ value, onChange, disabled }: { value?: number | null; onChange?: (value: number | null) => void; disabled?: boolean }) {
  const canRead = usePermission('cust:link:list');
  const [links, setLinks] = useState<{ id: number; linkName: string }[]>([]);
  useEffect(() => {
    if (!canRead) return;
    call(api.POST('/scrm/admin/cust/get/link/page', { body: { pageNum: 1, pageSize: 200 } }), { silent: true }).then(
      (page) => setLinks(page.records),
      () => setLinks([]),
    );
  }, [canRead]);
  return (
    <Select
      value={value ?? undefined}
      onChange={(next) => onChange?.(next ?? null)}
      disabled={disabled}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      options={links.map((link) => ({ value: link.id, label: link.linkName }))}
      style={{ width: '100%' }}
      data-testid="policy-link"
    />
  );
}

/**
 * Who a dry run can be asked about: departed employees who still have something unassigned (已离职), and every
 * employee still in the corp (one the HR system announced is still there until WeCom confirms).
 */
function DepartedSelect({ value, onChange }: { value?: string; onChange?: (value: string | undefined) => void }) {
  const { t } = useTranslation();
  const [departed, setDeparted] = useState<UnassignedRecord[]>([]);
  const employees = useWecomEmployees();
  useEffect(() => {
    lifecycleApi.unassignedPage({ pageNum: 1, pageSize: 100 }, { silent: true }).then(
      (page) => setDeparted(page.records),
      () => setDeparted([]),
    );
  }, []);
  const gone = new Set(departed.map((row) => row.userid));
  return (
    <Select
      value={value}
      onChange={onChange}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      placeholder={t('lifecycle.previewPick')}
      style={{ width: 320 }}
      options={[
        ...departed.map((row) => ({ value: row.userid, label: `${row.name}（${t('names.departed')}）` })),
        ...employees.filter((employee) => !gone.has(employee.userid)).map((employee) => ({ value: employee.userid, label: employee.name })),
      ]}
      data-testid="preview-employee"
    />
  );
}

/** What the form edits: the policy's save body. */
const editable = (policy: Policy): PolicySaveBody => ({
  enabled: policy.enabled,
  mode: policy.mode,
  takeoverUserid: policy.takeoverUserid,
  linkGetType: policy.linkGetType ?? 'link',
  linkId: policy.linkId,
  fallbackUserid: policy.fallbackUserid,
  includeGroups: policy.includeGroups,
  notifyTakeover: policy.notifyTakeover,
});

export function PolicyEditor() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const canSave = usePermission('lifecycle:policy:save');
  const [form] = Form.useForm<PolicySaveBody>();
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [saving, setSaving] = useState(false);
  const [previewing, setPreviewing] = useState(false);
  const [previewFor, setPreviewFor] = useState<string | undefined>();
  const [preview, setPreview] = useState<PolicyPreview | null>(null);
  const mode = Form.useWatch('mode', form);
  const enabled = Form.useWatch('enabled', form);

  useEffect(() => {
    lifecycleApi.policyGet().then(setPolicy, () => undefined);
  }, []);
  useEffect(() => {
    if (policy) form.setFieldsValue(editable(policy));
  }, [policy, form]);

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const body: PolicySaveBody = {
        ...editable({ ...policy!, ...values } as Policy),
        takeoverUserid: values.mode === 'employee' ? values.takeoverUserid : null,
        linkId: values.mode === 'link' ? values.linkId : null,
        linkGetType: values.mode === 'link' ? 'link' : null,
      };
      await lifecycleApi.policySave(body);
      message.success(t('lifecycle.policySaved'));
      setPreview(null);
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };

  const runPreview = async () => {
    if (!previewFor) return;
    setPreviewing(true);
    try {
      setPreview(await lifecycleApi.policyPreview(previewFor));
    } catch {
      // shown by the client
    } finally {
      setPreviewing(false);
    }
  };

  if (!policy) return <Spin />;

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <ProCard variant="outlined" title={t('lifecycle.policyTitle')}>
        <Typography.Paragraph type="secondary">{t('lifecycle.policyHint')}</Typography.Paragraph>
        <Form form={form} name="inheritancePolicy" layout="vertical" disabled={!canSave} style={{ maxWidth: 680 }} data-testid="policy-form">
          <Form.Item name="enabled" label={t('lifecycle.enabled')} valuePropName="checked">
            <Switch data-testid="policy-enabled" />
          </Form.Item>
          <Form.Item name="mode" label={t('lifecycle.mode')} rules={[{ required: true }]}>
            <Radio.Group data-testid="policy-mode">
              <Space orientation="vertical">
                {MODES.map((key) => (
                  <Radio key={key} value={key} data-testid={`policy-mode-${key}`}>
                    {t(`lifecycle.mode_${key}`)}
                    {key !== 'employee' && (
                      <Typography.Text type="secondary" style={{ marginLeft: 8, fontSize: 12 }}>
                        {t(`lifecycle.mode_${key}Hint`)}
                      </Typography.Text>
                    )}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
          {mode === 'employee' && (
            <Form.Item name="takeoverUserid" label={t('lifecycle.namedEmployee')} rules={[{ required: true, message: t('lifecycle.needEmployee') }]}>
              <EmployeeSelect eligible testId="policy-employee" />
            </Form.Item>
          )}
          {mode === 'link' && (
            <Form.Item name="linkId" label={t('lifecycle.link')} rules={[{ required: true, message: t('lifecycle.needLink') }]}>
              {canSave ? <LinkSelect /> : <Typography.Text>{policy.linkName ?? '—'}</Typography.Text>}
            </Form.Item>
          )}
          <Form.Item
            name="fallbackUserid"
            label={t('lifecycle.fallback')}
            extra={t('lifecycle.fallbackHint')}
            rules={[{ required: Boolean(enabled) && mode !== 'employee', message: t('lifecycle.needFallback') }]}
          >
            <EmployeeSelect eligible testId="policy-fallback" />
          </Form.Item>
          <Space size="large">
            <Form.Item name="includeGroups" valuePropName="checked" noStyle>
              <Checkbox data-testid="policy-include-groups">{t('lifecycle.includeGroups')}</Checkbox>
            </Form.Item>
            <Form.Item name="notifyTakeover" valuePropName="checked" noStyle>
              <Checkbox data-testid="policy-notify">{t('lifecycle.notifyTakeover')}</Checkbox>
            </Form.Item>
          </Space>
          <div style={{ marginTop: 24 }}>
            <Permission code="lifecycle:policy:save">
              <Button type="primary" loading={saving} onClick={() => void save().catch(() => undefined)} data-testid="policy-save">
                {t('common.save')}
              </Button>
            </Permission>
          </div>
        </Form>
      </ProCard>
      <ProCard variant="outlined" title={t('lifecycle.previewTitle')} data-testid="policy-preview">
        <Space wrap style={{ marginBottom: 12 }}>
          <span>{t('lifecycle.previewFor')}</span>
          <DepartedSelect value={previewFor} onChange={setPreviewFor} />
          <Button icon={<EyeOutlined />} disabled={!previewFor} loading={previewing} onClick={() => void runPreview()} data-testid="policy-preview-run">
            {t('lifecycle.preview')}
          </Button>
        </Space>
        {canSave && <Typography.Paragraph type="secondary">{t('lifecycle.previewSaveFirst')}</Typography.Paragraph>}
        {preview && <PreviewResult preview={preview} />}
      </ProCard>
    </Space>
  );
}

function PreviewResult({ preview }: { preview: PolicyPreview }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="policy-preview-result">
      {!preview.policyEnabled && preview.takeovers.length > 0 && <Alert type="info" showIcon title={t('lifecycle.previewOff')} />}
      {!preview.departed && <Alert type="info" showIcon title={t('lifecycle.previewNotDeparted')} />}
      {preview.manualReason && <Alert type="warning" showIcon title={t('lifecycle.manualNeeded')} description={preview.manualReason} data-testid="policy-preview-manual" />}
      {preview.takeovers.length === 0 && !preview.manualReason && <Empty description={t('lifecycle.previewEmpty')} />}
      {preview.takeovers.length > 0 && (
        <Table
          size="small"
          rowKey="userid"
          pagination={false}
          dataSource={preview.takeovers}
          data-testid="policy-preview-table"
          columns={[
            {
              title: t('lifecycle.takeover'),
              dataIndex: 'name',
              render: (_, row) => (
                <Space>
                  <EmployeeName name={row.name} userid={row.userid} />
                  <Tag>{t(`lifecycle.source_${row.source}`)}</Tag>
                </Space>
              ),
            },
            { title: t('lifecycle.customers'), dataIndex: 'customers', render: (_, row) => <NameList names={row.customers.map((customer) => customerText(t, customer.name))} /> },
            { title: t('lifecycle.groups'), dataIndex: 'groups', render: (_, row) => <NameList names={row.groups.map((group) => group.name || t('lifecycle.unnamedGroup'))} /> },
          ]}
        />
      )}
      {preview.skipped.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('lifecycle.previewSkipped')}
          description={
            <Space orientation="vertical" size={2}>
              {preview.skipped.map((candidate) => (
                <span key={`${candidate.source}-${candidate.userid}`}>
                  {employeeText(t, candidate.name, candidate.userid)}（{t(`lifecycle.source_${candidate.source}`)}）：{candidate.reason}
                </span>
              ))}
            </Space>
          }
        />
      )}
    </Space>
  );
}

/** A few names and how many there are in all. */
function NameList({ names }: { names: string[] }) {
  if (names.length === 0) return <>0</>;
  const shown = names.slice(0, 5).join('、');
  return (
    <Tooltip title={names.length > 5 ? names.join('、') : undefined}>
      <span>
        <b>{names.length}</b>　{shown}
        {names.length > 5 ? '…' : ''}
      </span>
    </Tooltip>
  );
}

const DEPARTURE_COLORS: Record<DepartureRecord['status'], string> = { pending: 'default', queued: 'processing', running: 'processing', transferred: 'success', manual: 'warning' };

/** Departures announced by the HR system or confirmed by WeCom, and what the policy did about each. */
export function DepartureTable() {
  const { t } = useTranslation();
  const columns: ProColumns<DepartureRecord>[] = [
    {
      title: t('lifecycle.departure'),
      dataIndex: 'name',
      render: (_, row) => (
        <span data-testid={`departure-${row.userid}`}>
          <EmployeeName name={row.name} userid={row.userid} departed={row.confirmedAt !== null} />
        </span>
      ),
    },
    {
      title: t('lifecycle.departureStatus'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(Object.keys(DEPARTURE_COLORS).map((status) => [status, { text: t(`lifecycle.departure_${status}`) }])),
      render: (_, row) => (
        <Tag color={DEPARTURE_COLORS[row.status]} data-testid={`departure-status-${row.status}`}>
          {t(`lifecycle.departure_${row.status}`, { defaultValue: row.status })}
        </Tag>
      ),
    },
    {
      title: t('lifecycle.departureResult'),
      dataIndex: 'takeovers',
      search: false,
      render: (_, row) =>
        row.takeovers.length === 0 ? (
          '—'
        ) : (
          <Space orientation="vertical" size={0}>
            {row.takeovers.map((takeover) => (
              <span key={takeover.userid}>
                {t('lifecycle.takeoverItem', { name: employeeText(t, takeover.name, takeover.userid), customers: takeover.customers, groups: takeover.groups })}
                {takeover.refused.length > 0 && <Typography.Text type="warning">{t('lifecycle.refusedCount', { count: takeover.refused.length })}</Typography.Text>}
                {takeover.error && <Typography.Text type="danger"> {takeover.error}</Typography.Text>}
              </span>
            ))}
          </Space>
        ),
    },
    {
      title: t('lifecycle.departureReason'),
      dataIndex: 'reason',
      search: false,
      render: (_, row) => (row.reason ? <Typography.Text type={row.status === 'manual' ? 'warning' : undefined} data-testid="departure-reason">{row.reason}</Typography.Text> : '—'),
    },
    {
      title: t('lifecycle.announcedAt'),
      dataIndex: 'announcedAt',
      search: false,
      render: (_, row) => (row.announcedAt ? <When at={row.announcedAt} by={row.announcedBy ? t(`lifecycle.announcedBy_${row.announcedBy}`, { defaultValue: '' }) : ''} /> : '—'),
    },
    {
      title: t('lifecycle.confirmedAt'),
      dataIndex: 'confirmedAt',
      search: false,
      render: (_, row) => (row.confirmedAt ? <When at={row.confirmedAt} by={row.confirmedBy ? t(`lifecycle.confirmedBy_${row.confirmedBy}`, { defaultValue: '' }) : ''} /> : '—'),
    },
  ];
  return (
    <ProTable<DepartureRecord>
      rowKey="id"
      columns={columns}
      data-testid="departure-table"
      search={{ labelWidth: 'auto' }}
      pagination={{ defaultPageSize: 20 }}
      request={pagedRequest((body: DepartureQuery) => lifecycleApi.departurePage(body))}
    />
  );
}

function When({ at, by }: { at: string; by: string }) {
  return (
    <Space orientation="vertical" size={0}>
      <span>{dayjs(at).format('YYYY-MM-DD HH:mm')}</span>
      {by && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{by}</Typography.Text>}
    </Space>
  );
}
