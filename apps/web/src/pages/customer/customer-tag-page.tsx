import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Form, Modal, Radio, Select, Space } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { EmployeeName } from '../../components/names.tsx';
import { api, call, withDetail } from '../../api/client.ts';
import type { BodyOf, TagInfoRecord, TagType } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { EmployeeSelect, TagSelect, useTagGroups } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { CustomerDrawer } from './customer-drawer.tsx';
import { CustomerName, RelationStatusTag, relationStatusValueEnum, TagBriefs } from './customer-fields.tsx';
import { ProTable } from '../../components/table.tsx';

type TagInfoQuery = BodyOf<'/scrm/admin/cust/tagInfo/page', 'post'>;

/** Corp and SCRM tags in one pick-list (local ids), for filtering. */
function AnyTagSelect({ value, onChange }: { value?: number[]; onChange?: (value: number[]) => void }) {
  const { t } = useTranslation();
  const corp = useTagGroups('corp');
  const self = useTagGroups('self');
  const groups = [...corp.groups.map((group) => ({ group, kind: t('tag.corpTitle') })), ...self.groups.map((group) => ({ group, kind: t('tag.selfTitle') }))];
  return (
    <Select
      mode="multiple"
      value={value}
      onChange={onChange}
      allowClear
      maxTagCount="responsive"
      showSearch={{ optionFilterProp: 'label' }}
      options={groups.map(({ group, kind }) => ({ label: `${kind} · ${group.groupName}`, title: group.groupName, options: group.tags.map((tag) => ({ value: tag.id, label: tag.name })) }))}
      data-testid="filter-tags"
    />
  );
}

/** 客户标签: customers (relations) with their corp and SCRM tags; filter by tags (any / all); tag in bulk. */
export function CustomerTagPage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const canTag = usePermission('cust:tag:save');
  const { missing, guard } = useModuleAvailability();
  const [selected, setSelected] = useState<TagInfoRecord[]>([]);
  const [tagging, setTagging] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  if (missing) return <ComingSoonPage name={t('customerTag.title')} />;

  const columns: ProColumns<TagInfoRecord>[] = [
    {
      title: t('customer.name'),
      dataIndex: 'customerName',
      render: (_, row) => (
        <a onClick={() => setOpen(row.externalUserid)}>
          <CustomerName name={row.customerName} avatar={row.customerAvatar} type={1} />
        </a>
      ),
    },
    { title: t('customer.employee'), dataIndex: 'userId', render: (_, row) => <EmployeeName name={row.employeeName} userid={row.userId} />, formItemRender: () => <EmployeeSelect /> },
    { title: t('customer.corpTags'), dataIndex: 'corpTags', search: false, render: (_, row) => <TagBriefs tags={row.corpTags} color="blue" /> },
    { title: t('customer.selfTags'), dataIndex: 'selfTags', search: false, render: (_, row) => <TagBriefs tags={row.selfTags} color="purple" /> },
    { title: t('customerTag.tags'), dataIndex: 'tagIds', hideInTable: true, formItemRender: () => <AnyTagSelect /> },
    {
      title: t('customerTag.match'),
      dataIndex: 'tagMatch',
      hideInTable: true,
      valueType: 'radio',
      initialValue: 'any',
      valueEnum: { any: { text: t('customerTag.matchAny') }, all: { text: t('customerTag.matchAll') } },
    },
    { title: t('customer.status'), dataIndex: 'status', valueType: 'select', valueEnum: relationStatusValueEnum(t), render: (_, row) => <RelationStatusTag status={row.status} /> },
  ];

  return (
    <PageContainer title={t('customerTag.title')}>
      <ProTable<TagInfoRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        rowSelection={canTag ? { selectedRowKeys: selected.map((row) => row.id), onChange: (_keys, rows) => setSelected(rows) } : false}
        request={pagedRequest((body: TagInfoQuery) => guard(api.POST('/scrm/admin/cust/tagInfo/page', { body })))}
        toolBarRender={() => [
          <Permission key="tag" code="cust:tag:save">
            <Button type="primary" disabled={selected.length === 0} onClick={() => setTagging(true)} data-testid="customer-batch-tag">
              {t('customerTag.batch', { count: selected.length })}
            </Button>
          </Permission>,
        ]}
      />
      {tagging && (
        <BatchTagModal
          targets={selected}
          onClose={() => setTagging(false)}
          onDone={() => {
            setTagging(false);
            setSelected([]);
            action.current?.reload();
          }}
        />
      )}
      {open && <CustomerDrawer externalUserid={open} onClose={() => setOpen(null)} onChanged={() => action.current?.reload()} />}
    </PageContainer>
  );
}

function BatchTagModal({ targets, onClose, onDone }: { targets: TagInfoRecord[]; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<{ tagType: TagType; addTagIds: number[]; removeTagIds: number[] }>();
  const tagType = Form.useWatch('tagType', form) ?? 'corp';
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const result = await call(
        api.POST('/scrm/admin/cust/tag/batchSave', {
          body: { tagType: values.tagType, addTagIds: values.addTagIds ?? [], removeTagIds: values.removeTagIds ?? [], targets: targets.map((row) => ({ externalUserid: row.externalUserid, userId: row.userId })) },
        }),
      );
      if (result.failed.length === 0) message.success(t('customerTag.batchDone', { count: result.succeeded }));
      else
        modal.warning({
          title: t('customerTag.batchPartial', { succeeded: result.succeeded, failed: result.failed.length }),
          // Each refused row named by customer and employee (never the raw external_userid), the raw code on a details line.
          content: (
            <Space orientation="vertical" style={{ width: '100%' }}>
              {result.failed.map((failure) => {
                const row = targets.find((target) => target.externalUserid === failure.externalUserid && target.userId === failure.userId);
                const who = row ? `${row.customerName}${row.employeeName ? `（${row.employeeName}）` : ''}` : t('customer.name');
                return <Alert key={`${failure.externalUserid}:${failure.userId}`} type="warning" title={who} description={withDetail(failure.message, failure.detail)} />;
              })}
            </Space>
          ),
        });
      onDone();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal open title={t('customerTag.batch', { count: targets.length })} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving} okText={t('common.save')} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ tagType: 'corp', addTagIds: [], removeTagIds: [] }}>
        <Form.Item name="tagType" label={t('customerTag.tagType')}>
          <Radio.Group options={[{ value: 'corp', label: t('tag.corpTitle') }, { value: 'self', label: t('tag.selfTitle') }]} onChange={() => form.setFieldsValue({ addTagIds: [], removeTagIds: [] })} />
        </Form.Item>
        <Form.Item name="addTagIds" label={t('customerTag.add')}>
          <TagSelect key={`add-${tagType}`} type={tagType} />
        </Form.Item>
        <Form.Item name="removeTagIds" label={t('customerTag.remove')}>
          <TagSelect key={`remove-${tagType}`} type={tagType} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
