// 客户列表 bulk actions: the selected rows (kept across pages) or every row matching the filters — tag them
// (corp tags added/removed through WeCom, each row on its own; failures named by customer and employee in
// words) and export them.
import { Alert, App, Button, Form, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, withDetail } from '../../api/client.ts';
import type { BodyOf, RelationFilters, ResponseOf } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { TagSelect } from '../../components/pickers.tsx';

type BulkTagResult = ResponseOf<'/scrm/admin/cust/emp/batchTag', 'post'>;
type BulkTagBody = BodyOf<'/scrm/admin/cust/emp/batchTag', 'post'>;

/** What is selected: some rows by id, or every row matching `filters` (the page's filters when chosen). */
export type BulkSelection = { kind: 'rows'; ids: number[] } | { kind: 'matching'; filters: RelationFilters; total: number };

/** At most this many rows are tagged in one go (the server's limit: one mark_tag call in WeCom per row). */
export const BULK_TAG_MAX = 500;

export const selectionCount = (selection: BulkSelection) => (selection.kind === 'rows' ? selection.ids.length : selection.total);

/** The selection as the server takes it: relation ids, or the filters. */
export const selectionBody = (selection: BulkSelection): Pick<BulkTagBody, 'relationIds' | 'filters'> =>
  selection.kind === 'rows' ? { relationIds: selection.ids } : { filters: selection.filters };

/** The bar above the table while rows are selected: how many, "select all matching", and the bulk actions. */
export function BulkBar(props: {
  selection: BulkSelection;
  /** Rows on the current page and matching the filters. */
  pageRows: number;
  total: number;
  onSelectAll: () => void;
  onClear: () => void;
  onTag: () => void;
  onExport: () => void;
  exporting: boolean;
}) {
  const { t } = useTranslation();
  const { selection, total } = props;
  const count = selectionCount(selection);
  return (
    <Space size="middle" wrap data-testid="customer-bulk-bar">
      <span data-testid="customer-bulk-count">
        {selection.kind === 'matching' ? t('customer.bulkAllSelected', { count }) : t('customer.bulkSelected', { count })}
      </span>
      {selection.kind === 'rows' && total > count && count >= props.pageRows && (
        <a onClick={props.onSelectAll} data-testid="customer-bulk-select-all">
          {t('customer.bulkSelectAll', { total })}
        </a>
      )}
      <a onClick={props.onClear} data-testid="customer-bulk-clear">
        {t('customer.bulkClear')}
      </a>
      <Permission code="cust:tag:save">
        <Button size="small" type="primary" onClick={props.onTag} data-testid="customer-bulk-tag">
          {t('customer.bulkTag')}
        </Button>
      </Permission>
      <Permission code="cust:emp:export">
        <Button size="small" onClick={props.onExport} loading={props.exporting} data-testid="customer-bulk-export">
          {t('customer.bulkExport')}
        </Button>
      </Permission>
    </Space>
  );
}

/** Adds and removes corp tags on the selection; says what happened, naming each row WeCom refused. */
export function BulkTagModal({ selection, onClose, onDone }: { selection: BulkSelection; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ addTagIds: number[]; removeTagIds: number[] }>();
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<BulkTagResult | null>(null);
  const count = selectionCount(selection);
  const tooMany = count > BULK_TAG_MAX;

  const submit = async () => {
    const values = await form.validateFields();
    const addTagIds = values.addTagIds ?? [];
    const removeTagIds = values.removeTagIds ?? [];
    if (addTagIds.length === 0 && removeTagIds.length === 0) {
      form.setFields([{ name: 'addTagIds', errors: [t('customer.bulkNeedTags')] }]);
      return;
    }
    setSaving(true);
    try {
      const done = await call(api.POST('/scrm/admin/cust/emp/batchTag', { body: { ...selectionBody(selection), tagType: 'corp', addTagIds, removeTagIds } }));
      if (done.failed.length === 0) {
        message.success(t('customer.bulkDone', { count: done.succeeded }));
        onDone();
        return;
      }
      // Some rows were refused: the rest are done; the list stays open so the operator can read why.
      setResult(done);
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  if (result) {
    return (
      <Modal
        open
        title={t('customer.bulkPartial', { succeeded: result.succeeded, failed: result.failed.length })}
        onCancel={onDone}
        footer={<Button type="primary" onClick={onDone}>{t('common.ok')}</Button>}
        destroyOnHidden
      >
        <Space orientation="vertical" style={{ width: '100%' }} data-testid="customer-bulk-failures">
          {result.failed.map((failure) => (
            <Alert
              key={failure.relationId}
              type="warning"
              showIcon
              title={`${failure.customerName}${failure.employeeName ? `（${failure.employeeName}）` : ''}`}
              description={withDetail(failure.message, failure.detail)}
            />
          ))}
        </Space>
      </Modal>
    );
  }

  return (
    <Modal
      open
      title={t('customer.bulkTagTitle', { count })}
      onCancel={onClose}
      onOk={() => void submit()}
      okButtonProps={{ disabled: tooMany, 'data-testid': 'customer-bulk-tag-save' } as never}
      confirmLoading={saving}
      okText={t('common.save')}
      destroyOnHidden
    >
      {tooMany && <Alert type="warning" showIcon style={{ marginBottom: 16 }} title={t('customer.bulkTooMany', { max: BULK_TAG_MAX, count })} />}
      <Typography.Paragraph type="secondary">{t('customer.bulkTagHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" initialValues={{ addTagIds: [], removeTagIds: [] }}>
        <Form.Item name="addTagIds" label={t('customer.bulkAdd')}>
          <TagSelect type="corp" testId="customer-bulk-add" />
        </Form.Item>
        <Form.Item name="removeTagIds" label={t('customer.bulkRemove')}>
          <TagSelect type="corp" testId="customer-bulk-remove" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
