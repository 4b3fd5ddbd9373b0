import { DeleteOutlined, DownloadOutlined, EyeOutlined, PlusOutlined, QrcodeOutlined } from '@ant-design/icons';
import { StatisticCard } from '@ant-design/pro-components';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import {
  Alert, App, Button, Card, Descriptions, Divider, Drawer, Empty, Form, Image, Input, InputNumber, Modal, Radio, Select, Space, Spin, Switch, Table, Tag, Tooltip, Typography,
} from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, fetchFile, saveBlob, withDetail } from '../../api/client.ts';
import type { BodyOf, LinkRecord, LinkSaveBody, MediaRecord, ResponseOf, RouteAnswer } from '../../api/types.ts';

type LinkStats = ResponseOf<'/scrm/admin/cust/get/link/stats', 'get'>;
import { Permission, usePermission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { ChannelSelect, EmployeeSelect, TagSelect, useChannels, useWecomEmployeeList, useWecomEmployees } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';
import { Chart } from '../../components/chart.tsx';
import { EmployeeName, employeeText } from '../../components/names.tsx';

export type GetType = 'link' | 'qr';
type LinkQuery = BodyOf<'/scrm/admin/cust/get/link/page', 'post'>;

const STATUS_COLORS: Record<number, string> = { 0: 'default', 1: 'success', 2: 'error' };
/** `HH:mm-HH:mm[,HH:mm-HH:mm…]`, empty for always. */
const WORKING_HOURS = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d(,([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d)*$/;
const MAX_MEDIA = 9;
const NAME_MAX = 30;

/** The same endpoints under /cust/get/link and /cust/get/qr. */
const endpoints = (getType: GetType) => ({
  page: (body: LinkQuery) => call(getType === 'link' ? api.POST('/scrm/admin/cust/get/link/page', { body }) : api.POST('/scrm/admin/cust/get/qr/page', { body }), { silent: true }),
  get: (id: number) =>
    call(getType === 'link' ? api.GET('/scrm/admin/cust/get/link/get', { params: { query: { id } } }) : api.GET('/scrm/admin/cust/get/qr/get', { params: { query: { id } } })),
  save: (body: LinkSaveBody) => call(getType === 'link' ? api.POST('/scrm/admin/cust/get/link/save', { body }) : api.POST('/scrm/admin/cust/get/qr/save', { body })),
  remove: (ids: number[]) => call(getType === 'link' ? api.POST('/scrm/admin/cust/get/link/delete', { body: { ids } }) : api.POST('/scrm/admin/cust/get/qr/delete', { body: { ids } })),
  preview: (id: number) =>
    call(getType === 'link' ? api.GET('/scrm/admin/cust/get/link/preview', { params: { query: { id } } }) : api.GET('/scrm/admin/cust/get/qr/preview', { params: { query: { id } } })),
  stats: (id: number, days: number) =>
    call(getType === 'link' ? api.GET('/scrm/admin/cust/get/link/stats', { params: { query: { id, days } } }) : api.GET('/scrm/admin/cust/get/qr/stats', { params: { query: { id, days } } })),
  png: (id: number, ruleId?: number) => fetchFile(`/scrm/admin/cust/get/${getType}/png`, { query: { id, ruleId } }),
});

const PERMS = {
  link: { save: 'cust:link:save', delete: 'cust:link:delete', query: 'cust:link:query' },
  qr: { save: 'cust:qr:save', delete: 'cust:qr:delete', query: 'cust:qr:query' },
} as const;

export function AcquisitionLinkPage() {
  return <LinkPage getType="link" />;
}

export function AcquisitionQrPage() {
  return <LinkPage getType="qr" />;
}

/**
 * 获客链接 / 渠道活码: links and 「联系我」 QR codes with allocation rules, tags and a welcome message;
 * publishing creates them on WeCom; QR preview and PNG download; who gets the next customer.
 */
function LinkPage({ getType }: { getType: GetType }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();
  const channels = useChannels();
  const [editing, setEditing] = useState<{ id?: number } | null>(null);
  const [qr, setQr] = useState<LinkRecord | null>(null);
  const [preview, setPreview] = useState<LinkRecord | null>(null);
  const [stats, setStats] = useState<LinkRecord | null>(null);
  const title = t(`acqLink.title_${getType}`);
  if (missing) return <ComingSoonPage name={title} />;

  const remove = async (ids: number[]) => {
    await endpoints(getType).remove(ids);
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<LinkRecord>[] = [
    { title: t('acqLink.name'), dataIndex: 'linkName', render: (_, row) => <span data-testid={`link-row-${row.linkName}`}>{row.linkName || '—'}</span> },
    { title: t('acqLink.channel'), dataIndex: 'channelId', render: (_, row) => channels.find((channel) => channel.id === row.channelId)?.name ?? '—', formItemRender: () => <ChannelSelect /> },
    {
      title: t('acqLink.employees'),
      dataIndex: 'userId',
      render: (_, row) => (
        <Space size={[0, 4]} wrap>
          {row.userJson.map((user) => (
            <Tag key={user.userid} color={row.suspendedUsers.includes(user.userid) ? 'warning' : undefined} title={row.suspendedUsers.includes(user.userid) ? t('acqLink.suspended') : undefined}>
              {user.name}
            </Tag>
          ))}
        </Space>
      ),
      formItemRender: () => <EmployeeSelect />,
    },
    { title: t('acqLink.rules'), dataIndex: 'allocationRules', search: false, render: (_, row) => row.allocationRules.filter((rule) => !rule.isDel).length },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: { 0: { text: t('acqLink.status0') }, 1: { text: t('acqLink.status1') }, 2: { text: t('acqLink.status2') } },
      render: (_, row) => (
        <Tooltip title={withDetail(row.statusReason ?? '', row.statusDetail)}>
          <Tag color={STATUS_COLORS[row.status]} data-testid={`link-status-${row.id}`}>
            {t(`acqLink.status${row.status}`)}
          </Tag>
        </Tooltip>
      ),
    },
    { title: t('acqLink.added'), dataIndex: 'addFriendCount', search: false, width: 100 },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 280,
      render: (_, row) => [
        <Permission key="edit" code={PERMS[getType].save}>
          <a onClick={() => setEditing({ id: row.id })} data-testid={`link-edit-${row.id}`}>
            {t('common.edit')}
          </a>
        </Permission>,
        <Permission key="qr" code={PERMS[getType].query}>
          <a onClick={() => setQr(row)} data-testid={`link-qr-${row.id}`}>
            {t('acqLink.qr')}
          </a>
        </Permission>,
        <Permission key="preview" code={PERMS[getType].query}>
          <a onClick={() => setPreview(row)} data-testid={`link-preview-${row.id}`}>
            {t('acqLink.whoIsNext')}
          </a>
        </Permission>,
        <Permission key="stats" code={PERMS[getType].query}>
          <a onClick={() => setStats(row)} data-testid={`link-stats-${row.id}`}>
            {t('acqLink.stats')}
          </a>
        </Permission>,
        <Permission key="delete" code={PERMS[getType].delete}>
          <DeleteLink onConfirm={() => remove([row.id])} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={title}>
      <ProTable<LinkRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="link-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: LinkQuery) => guard(getType === 'link' ? api.POST('/scrm/admin/cust/get/link/page', { body }) : api.POST('/scrm/admin/cust/get/qr/page', { body })))}
        toolBarRender={() => [
          <Permission key="create" code={PERMS[getType].save}>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="link-create">
              {t(`acqLink.create_${getType}`)}
            </Button>
          </Permission>,
        ]}
      />
      {editing && (
        <LinkEditor
          getType={getType}
          id={editing.id}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            if (saved.status === 2) message.error(withDetail(`${t('acqLink.publishFailed')}: ${saved.statusReason ?? ''}`, saved.statusDetail));
            else message.success(saved.status === 1 ? t('acqLink.published') : t('acqLink.draftSaved'));
            action.current?.reload();
          }}
        />
      )}
      {qr && <QrModal getType={getType} link={qr} onClose={() => setQr(null)} />}
      {preview && <PreviewModal getType={getType} link={preview} onClose={() => setPreview(null)} />}
      {stats && <StatsDrawer getType={getType} link={stats} onClose={() => setStats(null)} />}
    </PageContainer>
  );
}

interface RuleValues {
  id?: number;
  userId?: string;
  weight?: number;
  dailyLimit?: number;
  roundLimit?: number;
  workingHours?: string;
}

interface LinkValues {
  linkName: string;
  channelId?: number | null;
  userList: string[];
  allocationMethod: string;
  allocationRules: RuleValues[];
  cstTags: string[];
  skipVerify: boolean;
  priorityType?: number;
  qrType?: number;
  isSendWelcome: boolean;
  welcomeContent?: string;
  mediaIds: number[];
}

function toValues(link: LinkRecord): LinkValues {
  return {
    linkName: link.linkName,
    channelId: link.channelId,
    userList: link.userList,
    allocationMethod: link.allocationMethod || 'weight',
    allocationRules: link.allocationRules
      .filter((rule) => !rule.isDel)
      .map((rule) => ({ id: rule.id, userId: rule.userId, weight: rule.weight, dailyLimit: rule.dailyLimit, roundLimit: rule.roundLimit, workingHours: rule.workingHours })),
    cstTags: link.cstTags,
    skipVerify: link.skipVerify !== 'false',
    priorityType: link.priorityType ?? 0,
    qrType: link.qrType ?? undefined,
    isSendWelcome: link.isSendWelcome === 1,
    welcomeContent: link.welcomeContent,
    mediaIds: link.mediaIds,
  };
}

/** The link / QR editor: range, allocation rules, tags, welcome message with media (≤ 9); draft or publish. */
function LinkEditor({ getType, id, onClose, onSaved }: { getType: GetType; id?: number; onClose: () => void; onSaved: (saved: LinkRecord) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<LinkValues>();
  const [loading, setLoading] = useState(id !== undefined);
  const [saving, setSaving] = useState<number | null>(null);
  const [current, setCurrent] = useState<LinkRecord | null>(null);
  const sendWelcome = Form.useWatch('isSendWelcome', form);
  const method = Form.useWatch('allocationMethod', form);

  useEffect(() => {
    if (id === undefined) {
      form.setFieldsValue({ allocationMethod: 'weight', allocationRules: [], userList: [], cstTags: [], skipVerify: true, priorityType: 0, isSendWelcome: false, mediaIds: [] });
      return;
    }
    endpoints(getType)
      .get(id)
      .then((link) => {
        setCurrent(link);
        form.setFieldsValue(toValues(link));
      }, onClose)
      .finally(() => setLoading(false));
  }, [id, getType, form, onClose]);

  const save = async (status: 0 | 1) => {
    const values = await form.validateFields();
    setSaving(status);
    try {
      const rules = values.allocationRules ?? [];
      const body: LinkSaveBody = {
        id,
        status,
        linkName: values.linkName.trim(),
        channelId: values.channelId ?? null,
        // Every rule's employee belongs to the main range too.
        userList: [...new Set([...(values.userList ?? []), ...rules.map((rule) => rule.userId).filter((userId): userId is string => Boolean(userId))])],
        allocationMethod: values.allocationMethod,
        allocationRules: rules.map((rule) => ({
          id: rule.id,
          userId: rule.userId,
          weight: rule.weight ?? 1,
          dailyLimit: rule.dailyLimit ?? 0,
          roundLimit: rule.roundLimit ?? 0,
          workingHours: rule.workingHours?.trim() ?? '',
        })),
        cstTags: values.cstTags ?? [],
        skipVerify: values.skipVerify ? 'true' : 'false',
        ...(getType === 'link' ? { priorityType: values.priorityType ?? 0 } : { qrType: values.qrType ?? null }),
        isSendWelcome: values.isSendWelcome ? 1 : 0,
        welcomeContent: values.welcomeContent ?? '',
        mediaIds: values.mediaIds ?? [],
      };
      onSaved(await endpoints(getType).save(body));
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(null);
    }
  };

  return (
    <Drawer
      open
      size={860}
      title={id ? t(`acqLink.edit_${getType}`) : t(`acqLink.create_${getType}`)}
      onClose={onClose}
      destroyOnHidden
      footer={
        <Space style={{ float: 'right' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button loading={saving === 0} disabled={saving !== null} onClick={() => void save(0).catch(() => undefined)} data-testid="link-save-draft">
            {t('acqLink.saveDraft')}
          </Button>
          <Button type="primary" loading={saving === 1} disabled={saving !== null} onClick={() => void save(1).catch(() => undefined)} data-testid="link-publish">
            {t('acqLink.publish')}
          </Button>
        </Space>
      }
    >
      <Spin spinning={loading}>
        {current?.status === 2 && <Alert type="error" showIcon title={t('acqLink.publishFailed')} description={withDetail(current.statusReason ?? '', current.statusDetail)} style={{ marginBottom: 16 }} />}
        <Form form={form} layout="vertical" data-testid="link-form">
          <Space align="start" style={{ display: 'flex' }} size={16}>
            <Form.Item name="linkName" label={t('acqLink.name')} rules={[{ required: true, whitespace: true }, { max: NAME_MAX }]} style={{ width: 380 }}>
              <Input maxLength={NAME_MAX} showCount data-testid="link-name" />
            </Form.Item>
            <Form.Item name="channelId" label={t('acqLink.channel')} style={{ width: 300 }}>
              <ChannelSelect />
            </Form.Item>
          </Space>
          <Form.Item name="userList" label={t('acqLink.range')} extra={t('acqLink.rangeHint')}>
            <EmployeeSelect multiple eligible testId="link-users" />
          </Form.Item>
          <Divider titlePlacement="start">{t('acqLink.allocation')}</Divider>
          <Form.Item name="allocationMethod" label={t('acqLink.method')}>
            <Radio.Group
              options={[
                { value: 'weight', label: t('acqLink.method_weight') },
                { value: 'round', label: t('acqLink.method_round') },
                { value: 'default', label: t('acqLink.method_default') },
              ]}
            />
          </Form.Item>
          <Alert type="info" showIcon style={{ marginBottom: 16 }} data-testid="link-distribution" title={t(`acqLink.distribution_${method ?? 'weight'}`, { main: t(`acqLink.main_${getType}`) })} description={t('acqLink.distributionRules', { main: t(`acqLink.main_${getType}`), own: t(`acqLink.own_${getType}`) })} />
          {method !== 'default' && <RulesEditor />}
          <Divider titlePlacement="start">{t('acqLink.tagsAndWelcome')}</Divider>
          <Form.Item name="cstTags" label={t('acqLink.tags')} extra={t('acqLink.tagsHint')}>
            <TagSelect type="corp" valueKey="wecomTagId" testId="link-tags" />
          </Form.Item>
          <Space size={32}>
            <Form.Item name="skipVerify" label={t('acqLink.skipVerify')} valuePropName="checked">
              <Switch />
            </Form.Item>
            {getType === 'link' ? (
              <Form.Item name="priorityType" label={t('acqLink.priority')}>
                <Select style={{ width: 260 }} options={[0, 1, 2].map((value) => ({ value, label: t(`acqLink.priority${value}`) }))} />
              </Form.Item>
            ) : (
              <Form.Item name="qrType" label={t('acqLink.qrType')}>
                <Select allowClear style={{ width: 220 }} placeholder={t('acqLink.qrTypeAuto')} options={[1, 2].map((value) => ({ value, label: t(`acqLink.qrType${value}`) }))} />
              </Form.Item>
            )}
            <Form.Item name="isSendWelcome" label={t('acqLink.sendWelcome')} valuePropName="checked">
              <Switch data-testid="link-send-welcome" />
            </Form.Item>
          </Space>
          {sendWelcome && (
            <>
              <Form.Item name="welcomeContent" label={t('acqLink.welcome')} rules={[{ max: 4000 }]}>
                <Input.TextArea rows={4} showCount maxLength={4000} data-testid="link-welcome" />
              </Form.Item>
              <Form.Item name="mediaIds" label={t('acqLink.media', { max: MAX_MEDIA })} rules={[{ type: 'array', max: MAX_MEDIA, message: t('acqLink.mediaMax', { max: MAX_MEDIA }) }]}>
                <MediaPicker />
              </Form.Item>
            </>
          )}
        </Form>
        {current && current.allocationRules.some((rule) => !rule.isDel && (rule.linkUrl || rule.qrCode)) && (
          <Card size="small" title={t('acqLink.ruleLinks')}>
            {current.allocationRules
              .filter((rule) => !rule.isDel)
              .map((rule) => (
                <div key={rule.id}>
                  <Typography.Text strong>{rule.userId}</Typography.Text>: <Typography.Text copyable>{rule.linkUrl ?? rule.qrCode ?? '—'}</Typography.Text>
                </div>
              ))}
          </Card>
        )}
      </Spin>
    </Drawer>
  );
}

/** One row per employee: weight, daily limit, round limit and working hours. */
function RulesEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="allocationRules">
      {(fields, { add, remove }) => (
        <div data-testid="link-rules">
          {fields.length > 0 && (
            <Space style={{ display: 'flex', marginBottom: 4 }}>
              {[
                [t('acqLink.ruleEmployee'), 220],
                [t('acqLink.weight'), 100],
                [t('acqLink.dailyLimit'), 110],
                [t('acqLink.roundLimit'), 110],
                [t('acqLink.workingHours'), 200],
              ].map(([label, width]) => (
                <Typography.Text key={label} type="secondary" style={{ display: 'inline-block', width: width as number }}>
                  {label}
                </Typography.Text>
              ))}
            </Space>
          )}
          {fields.map((field, index) => (
            <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
              <Form.Item name={[field.name, 'userId']} rules={[{ required: true, message: t('acqLink.ruleEmployeeRequired') }]} style={{ width: 220, marginBottom: 8 }}>
                <EmployeeSelect eligible testId={`rule-user-${index}`} />
              </Form.Item>
              <Form.Item name={[field.name, 'weight']} style={{ width: 100, marginBottom: 8 }}>
                <InputNumber min={0} precision={0} style={{ width: '100%' }} data-testid={`rule-weight-${index}`} />
              </Form.Item>
              <Form.Item name={[field.name, 'dailyLimit']} style={{ width: 110, marginBottom: 8 }}>
                <InputNumber min={0} precision={0} style={{ width: '100%' }} placeholder={t('acqLink.noLimit')} data-testid={`rule-daily-${index}`} />
              </Form.Item>
              <Form.Item name={[field.name, 'roundLimit']} style={{ width: 110, marginBottom: 8 }}>
                <InputNumber min={0} precision={0} style={{ width: '100%' }} placeholder="1" data-testid={`rule-round-${index}`} />
              </Form.Item>
              <Form.Item
                name={[field.name, 'workingHours']}
                rules={[{ pattern: WORKING_HOURS, message: t('acqLink.workingHoursInvalid') }]}
                style={{ width: 200, marginBottom: 8 }}
              >
                <Input placeholder={t('acqLink.workingHoursPlaceholder')} data-testid={`rule-hours-${index}`} />
              </Form.Item>
              <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(field.name)} />
            </Space>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ weight: 1, dailyLimit: 0, roundLimit: 1, workingHours: '' })} data-testid="rule-add">
            {t('acqLink.addRule')}
          </Button>
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
            {t('acqLink.rulesHint')}
          </Typography.Paragraph>
        </div>
      )}
    </Form.List>
  );
}

/** Media library items for a welcome message (at most nine). */
export function MediaPicker({ value, onChange }: { value?: number[]; onChange?: (value: number[]) => void }) {
  const { t } = useTranslation();
  const [media, setMedia] = useState<MediaRecord[]>([]);
  useEffect(() => {
    call(api.POST('/scrm/admin/media/page', { body: { pageNum: 1, pageSize: 500 } }), { silent: true }).then(
      (page) => setMedia(page.records.filter((item) => item.type !== 'text')),
      () => setMedia([]),
    );
  }, []);
  return (
    <Select
      mode="multiple"
      value={value}
      onChange={onChange}
      maxCount={MAX_MEDIA}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      notFoundContent={<Empty description={t('acqLink.noMedia')} />}
      options={media.map((item) => ({ value: item.id, label: `[${t(`media.type_${item.type}`)}] ${item.title}` }))}
      data-testid="media-picker"
    />
  );
}

/** The QR code as the server draws it (PNG), for the main link / QR and each rule's own; downloadable. */
function QrModal({ getType, link, onClose }: { getType: GetType; link: LinkRecord; onClose: () => void }) {
  const { t } = useTranslation();
  const employees = useWecomEmployees();
  const [ruleId, setRuleId] = useState<number | undefined>(undefined);
  const [image, setImage] = useState<{ url: string; blob: Blob; fileName: string } | null>(null);
  const [failed, setFailed] = useState(false);
  const rules = link.allocationRules.filter((rule) => !rule.isDel && (rule.linkUrl || rule.qrCode));

  useEffect(() => {
    let url: string | null = null;
    setImage(null);
    setFailed(false);
    endpoints(getType)
      .png(link.id, ruleId)
      .then(
        ({ blob, fileName }) => {
          url = URL.createObjectURL(blob);
          setImage({ url, blob, fileName });
        },
        () => setFailed(true),
      );
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [getType, link.id, ruleId]);

  const nameOf = (userid: string) => employeeText(t, employees.find((employee) => employee.userid === userid)?.name, userid);
  const text = ruleId ? (getType === 'link' ? rules.find((rule) => rule.id === ruleId)?.linkUrl : rules.find((rule) => rule.id === ruleId)?.qrCode) : link.url;

  return (
    <Modal
      open
      title={`${t('acqLink.qr')} · ${link.linkName}`}
      onCancel={onClose}
      footer={[
        <Button key="close" onClick={onClose}>
          {t('common.cancel')}
        </Button>,
        <Button key="download" type="primary" icon={<DownloadOutlined />} disabled={!image} onClick={() => image && saveBlob(image.blob, image.fileName)} data-testid="qr-download">
          {t('acqLink.downloadPng')}
        </Button>,
      ]}
    >
      {rules.length > 0 && (
        <Select
          style={{ width: '100%', marginBottom: 16 }}
          value={ruleId ?? 0}
          onChange={(value) => setRuleId(value === 0 ? undefined : value)}
          options={[{ value: 0, label: t('acqLink.mainQr') }, ...rules.map((rule) => ({ value: rule.id, label: t('acqLink.ruleQr', { name: nameOf(rule.userId) }) }))]}
        />
      )}
      {/* Said once the employees are loaded, so it names them (never a userid first). */}
      {employees.length > 0 && (
        <Typography.Paragraph type="secondary" data-testid="qr-distribution">
          {ruleId
            ? t('acqLink.ruleQrGoesTo', { name: nameOf(rules.find((rule) => rule.id === ruleId)?.userId ?? '') })
            : link.allocationMethod !== 'default' && link.mainUserid
              ? t('acqLink.mainQrNow', { main: t(`acqLink.main_${getType}`), name: nameOf(link.mainUserid), method: t(`acqLink.method_${link.allocationMethod}`) })
              : t('acqLink.mainQrWecom', { main: t(`acqLink.main_${getType}`) })}
        </Typography.Paragraph>
      )}
      <div style={{ textAlign: 'center', minHeight: 240 }}>
        {image ? <Image src={image.url} width={240} preview={false} data-testid="qr-image" /> : failed ? <Empty description={t('acqLink.noQr')} /> : <Spin />}
      </div>
      {text && (
        <Typography.Paragraph copyable={{ text }} ellipsis={{ rows: 2 }} style={{ marginTop: 12 }}>
          <QrcodeOutlined /> {text}
        </Typography.Paragraph>
      )}
    </Modal>
  );
}

/** "Who gets the next customer": the routing engine's answer now, with a verdict for every rule. */
function PreviewModal({ getType, link, onClose }: { getType: GetType; link: LinkRecord; onClose: () => void }) {
  const { t } = useTranslation();
  const { employees, loaded } = useWecomEmployeeList();
  const canQuery = usePermission(PERMS[getType].query);
  const [answer, setAnswer] = useState<RouteAnswer | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (canQuery) endpoints(getType).preview(link.id).then(setAnswer, onClose);
  }, [getType, link.id, attempt, canQuery, onClose]);
  const nameOf = (userid: string | null) => (userid ? employeeText(t, employees.find((employee) => employee.userid === userid)?.name, userid) : '—');
  return (
    <Modal
      open
      width={680}
      title={
        <Space>
          <EyeOutlined />
          {t('acqLink.whoIsNext')} · {link.linkName}
        </Space>
      }
      onCancel={onClose}
      footer={[
        <Button key="again" onClick={() => setAttempt((value) => value + 1)}>
          {t('common.refresh')}
        </Button>,
        <Button key="ok" type="primary" onClick={onClose}>
          {t('common.ok')}
        </Button>,
      ]}
    >
      {!answer || !loaded ? (
        <Spin />
      ) : (
        <div data-testid="route-preview">
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('acqLink.outcome')}>
              <Tag color={answer.outcome === 'chosen' ? 'success' : 'warning'}>{t(`acqLink.outcome_${answer.outcome}`, { defaultValue: answer.outcome })}</Tag>
              {answer.fallback && <Tag>{t('acqLink.fallback')}</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label={t('acqLink.nextEmployee')}>
              <Typography.Text strong data-testid="route-next">
                {nameOf(answer.userId)}
              </Typography.Text>
            </Descriptions.Item>
            {answer.url && (
              <Descriptions.Item label="URL">
                <Typography.Text copyable ellipsis style={{ maxWidth: 460 }}>
                  {answer.url}
                </Typography.Text>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('acqLink.localDay')}>{answer.localDay}</Descriptions.Item>
          </Descriptions>
          <Table
            style={{ marginTop: 16 }}
            size="small"
            rowKey="ruleId"
            pagination={false}
            dataSource={answer.reasons}
            columns={[
              { title: t('acqLink.ruleEmployee'), dataIndex: 'userId', render: (userid: string) => nameOf(userid) },
              { title: t('acqLink.eligible'), dataIndex: 'eligible', render: (eligible: boolean) => (eligible ? <Tag color="success">{t('common.yes')}</Tag> : <Tag>{t('common.no')}</Tag>) },
              { title: t('acqLink.reason'), dataIndex: 'reason', render: (reason?: string) => (reason ? t(`acqLink.reason_${reason}`, { defaultValue: reason }) : '—') },
            ]}
          />
        </div>
      )}
    </Modal>
  );
}

const STAT_PERIODS = [7, 30, 90];

/** 统计: a link's / QR code's new customers and route/hit visitors per day and per employee (names, not ids). */
function StatsDrawer({ getType, link, onClose }: { getType: GetType; link: LinkRecord; onClose: () => void }) {
  const { t } = useTranslation();
  const [days, setDays] = useState(30);
  const [stats, setStats] = useState<LinkStats | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let live = true;
    setFailed(false);
    endpoints(getType)
      .stats(link.id, days)
      .then(
        (answer) => live && setStats(answer),
        () => live && setFailed(true),
      );
    return () => {
      live = false;
    };
  }, [getType, link.id, days]);

  const cards: Array<[string, number | null]> = stats
    ? [
        ['statAdds', stats.totals.adds],
        ['statHits', stats.totals.hits],
        ...(getType === 'link' ? ([['statOpens', stats.totals.opens]] as Array<[string, number | null]>) : []),
        ['statTotal', stats.totals.addFriendCount],
      ]
    : [];
  return (
    <Drawer open width={860} title={`${t('acqLink.stats')} · ${link.linkName}`} onClose={onClose} data-testid="link-stats">
      <Radio.Group
        optionType="button"
        value={days}
        onChange={(event) => setDays(event.target.value)}
        options={STAT_PERIODS.map((value) => ({ value, label: t('acqLink.lastDays', { days: value }) }))}
        style={{ marginBottom: 16 }}
        data-testid="link-stats-period"
      />
      {failed ? (
        <Empty />
      ) : !stats ? (
        <Spin />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t('acqLink.statPeriod', { from: stats.from, to: stats.to })}</Typography.Paragraph>
          <Space size={12} wrap style={{ marginBottom: 16 }}>
            {cards.map(([key, value]) => (
              <StatisticCard key={key} variant="outlined" statistic={{ title: t(`acqLink.${key}`), value: value ?? '—' }} data-testid={`link-stat-${key}`} />
            ))}
          </Space>
          <Chart
            testId="link-stats-chart"
            height={240}
            option={{
              animation: false,
              tooltip: { trigger: 'axis' },
              legend: { top: 0, data: [t('acqLink.statAdds'), t('acqLink.statHits')] },
              grid: { left: 40, right: 16, top: 40, bottom: 30 },
              xAxis: { type: 'category', data: stats.days.map((row) => row.day.slice(5)) },
              yAxis: { type: 'value', minInterval: 1 },
              series: [
                { name: t('acqLink.statAdds'), type: 'bar', data: stats.days.map((row) => row.adds) },
                { name: t('acqLink.statHits'), type: 'line', data: stats.days.map((row) => row.hits) },
              ],
            }}
          />
          <Divider titlePlacement="start">{t('acqLink.statByEmployee')}</Divider>
          <Table
            size="small"
            rowKey="userid"
            pagination={false}
            dataSource={stats.employees}
            data-testid="link-stats-employees"
            columns={[
              { title: t('acqLink.ruleEmployee'), dataIndex: 'name', render: (_, row) => <EmployeeName name={row.name} userid={row.userid} departed={row.departed} /> },
              { title: t('acqLink.statAdds'), dataIndex: 'adds', width: 120 },
              { title: t('acqLink.statShare'), dataIndex: 'share', width: 120, render: (_, row) => `${(row.share * 100).toFixed(1)}%` },
              { title: t('acqLink.statHits'), dataIndex: 'hits', width: 140 },
            ]}
          />
        </>
      )}
    </Drawer>
  );
}
