import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Spin, Switch, Table, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { dndApi, settingsApi, type BroadcastSettings, type DndRecord } from './broadcast-api.ts';

/** Customers by name (the customer list, searched on the server); values are their WeCom ids, labels their names. */
function CustomerSearchSelect({ id, value, onChange }: { id?: string; value?: string[]; onChange?: (value: string[]) => void }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => {
      setLoading(true);
      call(api.POST('/scrm/admin/cust/info/page', { body: { pageNum: 1, pageSize: 50, ...(search ? { name: search } : {}) } }), { silent: true })
        .then(
          (page) => setOptions(page.records.map((customer) => ({ value: customer.externalUserid, label: customer.corpName ? `${customer.name} · ${customer.corpName}` : customer.name }))),
          () => setOptions([]),
        )
        .finally(() => setLoading(false));
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  return (
    <Select
      id={id}
      mode="multiple"
      value={value}
      onChange={onChange}
      loading={loading}
      showSearch={{ filterOption: false, onSearch: setSearch }}
      placeholder={t('broadcast.dndSearch')}
      options={options}
      style={{ width: '100%' }}
      data-testid="dnd-customers"
    />
  );
}

/** 免打扰名单: customers who asked not to be messaged; every broadcast leaves them out. */
export function DndModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [page, setPage] = useState({ pageNum: 1, pageSize: 10 });
  const [name, setName] = useState('');
  const [data, setData] = useState<{ records: DndRecord[]; total: number } | null>(null);
  const [adding, setAdding] = useState(false);
  const load = useCallback(() => {
    dndApi.page({ ...page, ...(name ? { name } : {}) }).then(setData, () => setData({ records: [], total: 0 }));
  }, [page, name]);
  useEffect(load, [load]);
  const remove = async (id: number) => {
    await dndApi.remove([id]);
    message.success(t('broadcast.dndRemoved'));
    load();
  };
  return (
    <Modal open width={760} title={t('broadcast.dndTitle')} onCancel={onClose} footer={null} destroyOnHidden>
      <Space style={{ marginBottom: 12, display: 'flex', justifyContent: 'space-between' }}>
        <Input.Search
          allowClear
          placeholder={t('broadcast.dndSearch')}
          onSearch={(value) => {
            setName(value.trim());
            setPage((current) => ({ ...current, pageNum: 1 }));
          }}
          style={{ width: 280 }}
        />
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="dnd-add">
          {t('broadcast.dndAdd')}
        </Button>
      </Space>
      <Table
        size="small"
        rowKey="id"
        loading={!data}
        dataSource={data?.records ?? []}
        data-testid="dnd-table"
        pagination={{ current: page.pageNum, pageSize: page.pageSize, total: data?.total ?? 0, onChange: (pageNum, pageSize) => setPage({ pageNum, pageSize }) }}
        columns={[
          { title: t('broadcast.dndCustomer'), dataIndex: 'name' },
          { title: t('broadcast.dndReason'), dataIndex: 'reason', render: (_, row) => row.reason || '—' },
          { title: t('broadcast.dndAddedAt'), dataIndex: 'ctime', render: (_, row) => dayjs(row.ctime).format('YYYY-MM-DD HH:mm') },
          {
            title: t('common.actions'),
            width: 90,
            render: (_, row) => (
              <Popconfirm title={t('common.confirmDelete')} onConfirm={() => remove(row.id).catch(() => undefined)}>
                <Typography.Link type="danger">{t('broadcast.dndRemove')}</Typography.Link>
              </Popconfirm>
            ),
          },
        ]}
      />
      {adding && (
        <DndAddModal
          onClose={() => setAdding(false)}
          onSaved={() => {
            setAdding(false);
            message.success(t('broadcast.dndAdded'));
            load();
          }}
        />
      )}
    </Modal>
  );
}

function DndAddModal({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ externalUserids: string[]; reason?: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await dndApi.save({ externalUserids: values.externalUserids, reason: values.reason?.trim() || undefined });
      onSaved();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('broadcast.dndAdd')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical">
        <Form.Item name="externalUserids" label={t('broadcast.dndPick')} rules={[{ required: true, type: 'array', min: 1 }]}>
          <CustomerSearchSelect />
        </Form.Item>
        <Form.Item name="reason" label={t('broadcast.dndReason')} rules={[{ max: 200 }]}>
          <Input maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface SettingsValues {
  receiveLimitPeriod: BroadcastSettings['receiveLimitPeriod'];
  receiveLimitCount: number | null;
  expireDays: number;
  remind: boolean;
  remindTime: Dayjs | null;
}

/** 群发设置: WeCom's receive limit as set in the corp, when unconfirmed tasks expire, when senders are reminded. */
export function BroadcastSettingsModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<SettingsValues>();
  const [loading, setLoading] = useState(true);
  const [saving, setSaving] = useState(false);
  const remind = Form.useWatch('remind', form);
  useEffect(() => {
    settingsApi
      .get()
      .then(
        (settings) =>
          form.setFieldsValue({
            receiveLimitPeriod: settings.receiveLimitPeriod,
            receiveLimitCount: settings.receiveLimitCount,
            expireDays: settings.expireDays,
            remind: settings.remindTime !== null,
            remindTime: settings.remindTime ? dayjs(settings.remindTime, 'HH:mm') : null,
          }),
        onClose,
      )
      .finally(() => setLoading(false));
  }, [form, onClose]);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await settingsApi.save({
        receiveLimitPeriod: values.receiveLimitPeriod,
        receiveLimitCount: values.receiveLimitCount ?? null,
        expireDays: values.expireDays,
        remindTime: values.remind && values.remindTime ? values.remindTime.format('HH:mm') : null,
      });
      message.success(t('broadcast.settingsSaved'));
      onClose();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open width={560} title={t('broadcast.settingsTitle')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} okText={t('common.save')} destroyOnHidden>
      <Spin spinning={loading}>
        <Form form={form} layout="vertical" data-testid="broadcast-settings-form">
          <Form.Item label={t('broadcast.receiveLimit')} extra={t('broadcast.receiveLimitHint')}>
            <Space>
              <Form.Item name="receiveLimitPeriod" noStyle>
                <Select style={{ width: 220 }} options={(['month', 'week', 'day'] as const).map((period) => ({ value: period, label: t(`broadcast.period_${period}`) }))} />
              </Form.Item>
              <Form.Item name="receiveLimitCount" noStyle>
                <InputNumber min={1} max={31} precision={0} placeholder={t('broadcast.receiveLimitCount')} />
              </Form.Item>
            </Space>
          </Form.Item>
          <Form.Item name="expireDays" label={t('broadcast.expiryDays')} rules={[{ required: true }]}>
            <InputNumber min={1} max={30} precision={0} addonAfter={t('broadcast.expiryDaysSuffix')} />
          </Form.Item>
          <Space align="start" size={16}>
            <Form.Item name="remind" label={t('broadcast.reminderTime')} valuePropName="checked">
              <Switch />
            </Form.Item>
            {remind && (
              <Form.Item name="remindTime" label=" " rules={[{ required: true }]}>
                <TimePicker format="HH:mm" minuteStep={5} />
              </Form.Item>
            )}
          </Space>
        </Form>
      </Spin>
    </Modal>
  );
}
