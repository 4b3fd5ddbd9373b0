import { PlusOutlined } from '@ant-design/icons';
import type { PermissionCode } from '@scrm/shared';
import { App, Button, Form, InputNumber, Popconfirm, Radio, Space, Typography, type FormInstance, type ModalProps } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Permission } from '../auth/permission.tsx';
import { ApiError, call, withDetail } from '../api/client.ts';
import { feedback } from '../api/feedback.ts';
import { applyFieldErrors } from './form-errors.ts';

/** 0 normal / 1 disabled, as every system record has it. */
export function StatusRadio(props: { value?: number; onChange?: (value: number) => void }) {
  const { t } = useTranslation();
  return (
    <Radio.Group
      value={props.value}
      onChange={(event) => props.onChange?.(event.target.value as number)}
      options={[
        { value: 0, label: t('common.enabled') },
        { value: 1, label: t('common.disabled') },
      ]}
    />
  );
}

export function statusValueEnum(t: (key: string) => string) {
  return { 0: { text: t('common.enabled'), status: 'Success' }, 1: { text: t('common.disabled'), status: 'Default' } };
}

interface Page<T> {
  records: T[];
  total: number;
}

/**
 * A ProTable `request` paged by the server: ProTable's `current`/`pageSize` become `pageNum`/`pageSize`,
 * blank filters are dropped and a numeric `status` filter (a select's string) becomes a number.
 */
export function pagedRequest<T, B>(fetchPage: (body: B) => Promise<Page<T>>) {
  return async (params: Record<string, unknown> & { current?: number; pageSize?: number }) => {
    const { current, pageSize, ...filters } = params;
    const body: Record<string, unknown> = { pageNum: current ?? 1, pageSize: pageSize ?? 10 };
    for (const [key, value] of Object.entries(filters)) {
      if (value === undefined || value === null || value === '') continue;
      // Numeric statuses come from selects as strings; named ones (active, pool…) stay as they are.
      body[key] = key === 'status' && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    }
    try {
      const page = await fetchPage(body as B);
      return { data: page.records, total: page.total, success: true };
    } catch {
      return { data: [] as T[], total: 0, success: false };
    }
  };
}

/** The usual table toolbar: delete the selected rows, and create. */
export function crudToolbar(options: {
  selected: number[];
  deletePermission: PermissionCode;
  onDelete: (ids: number[]) => Promise<unknown>;
  createPermission: PermissionCode;
  createLabel: string;
  onCreate: () => void;
  createTestId?: string;
  t: (key: string, values?: Record<string, unknown>) => string;
}): ReactNode[] {
  const { selected, t } = options;
  return [
    selected.length > 0 && (
      <Permission key="batch" code={options.deletePermission}>
        <Popconfirm title={t('common.confirmDeleteSelected', { count: selected.length })} onConfirm={() => options.onDelete(selected).catch(() => undefined)}>
          <Button danger>{t('common.deleteSelected')}</Button>
        </Popconfirm>
      </Permission>
    ),
    <Permission key="create" code={options.createPermission}>
      <Button type="primary" icon={<PlusOutlined />} onClick={options.onCreate} data-testid={options.createTestId}>
        {options.createLabel}
      </Button>
    </Permission>,
  ];
}

/** A delete link behind a confirmation. */
export function DeleteLink({ onConfirm, disabled, testId }: { onConfirm: () => Promise<unknown>; disabled?: boolean; testId?: string }) {
  const { t } = useTranslation();
  return (
    <Popconfirm title={t('common.confirmDelete')} onConfirm={() => onConfirm().catch(() => undefined)} disabled={disabled}>
      <Typography.Link type="danger" disabled={disabled} data-testid={testId}>
        {t('common.delete')}
      </Typography.Link>
    </Popconfirm>
  );
}

/**
 * State of a create/edit modal: loads the record (when editing) into the form, validates, saves, and puts
 * the server's field errors on the fields. Returns the form and the props for antd's <Modal>.
 */
export function useRecordForm<V>(options: {
  id?: number;
  defaults: Partial<V>;
  load: (id: number) => Promise<Partial<V>>;
  save: (values: V) => Promise<unknown>;
  onSaved: () => void;
  onClose: () => void;
}): { form: FormInstance<V>; modalProps: ModalProps } {
  const { t } = useTranslation();
  const [form] = Form.useForm<V>();
  const [loading, setLoading] = useState(options.id !== undefined);
  const [saving, setSaving] = useState(false);
  const { id, onClose } = options;

  useEffect(() => {
    if (id === undefined) {
      form.setFieldsValue(options.defaults as never);
      return;
    }
    options
      .load(id)
      .then((values) => form.setFieldsValue(values as never))
      .catch(onClose)
      .finally(() => setLoading(false));
    // Load once per record.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, form]);

  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await options.save(values);
      options.onSaved();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };

  return {
    form,
    modalProps: {
      open: true,
      onCancel: onClose,
      onOk: () => void submit().catch(() => undefined),
      confirmLoading: saving,
      loading,
      okText: t('common.save'),
      destroyOnHidden: true,
    },
  };
}

/** Which record a page is creating or editing, and what happens once it is saved. */
export function useEditor<E>(reload: () => void) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [editing, setEditing] = useState<E | null>(null);
  return {
    editing,
    edit: (target: E) => setEditing(target),
    close: () => setEditing(null),
    saved: () => {
      setEditing(null);
      message.success(t('common.saved'));
      reload();
    },
  };
}

/** The `orderNum` and `status` fields most system forms end with (plus any extra field between them). */
export function OrderAndStatusFields({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Space size={24}>
      <Form.Item name="orderNum" label={t('common.orderNum')}>
        <InputNumber min={0} />
      </Form.Item>
      {children}
      <Form.Item name="status" label={t('common.status')}>
        <StatusRadio />
      </Form.Item>
    </Space>
  );
}

/**
 * For pages whose backend module may not be deployed yet: `guard(request)` is `call(request)`, except that
 * a 404 (the endpoint does not exist) sets `missing` — the page then says "coming soon" — instead of
 * showing an error. Other errors show the server's message as usual.
 */
export function useModuleAvailability() {
  const [missing, setMissing] = useState(false);
  const guard = async <T,>(request: Parameters<typeof call<T>>[0]): Promise<T> => {
    try {
      return await call(request, { silent: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setMissing(true);
      // 401 ends the session; a missing permission (403) was shown by `call`.
      else if (error instanceof ApiError && error.status !== 401 && !error.missingPermission) feedback().error(withDetail(error.message, error.detail));
      throw error;
    }
  };
  return { missing, guard };
}
