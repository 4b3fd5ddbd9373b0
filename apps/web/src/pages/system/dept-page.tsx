import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Space, Tag, TreeSelect } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { DeptNode, DeptSaveBody } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, useEditor, OrderAndStatusFields, useRecordForm } from '../../components/crud.tsx';
import { withoutEmptyChildren } from '../../components/menu-tree.ts';
import { deptOptions } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';

export function DeptPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const [tree, setTree] = useState<DeptNode[]>([]);
  const editor = useEditor<{ id?: number; parentId?: number }>(() => action.current?.reload());

  const remove = async (dept: DeptNode) => {
    await call(api.POST('/scrm/admin/sys/dept/delete', { body: { ids: [dept.id] } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<DeptNode>[] = [
    { title: t('dept.name'), dataIndex: 'name' },
    { title: t('dept.leader'), dataIndex: 'leader', render: (_, dept) => dept.leader ?? '' },
    { title: t('dept.phone'), dataIndex: 'phone', render: (_, dept) => dept.phone ?? '' },
    { title: t('common.orderNum'), dataIndex: 'orderNum', width: 80 },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 100,
      render: (_, dept) => <Tag color={dept.status === 0 ? 'success' : 'default'}>{dept.status === 0 ? t('common.enabled') : t('common.disabled')}</Tag>,
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 200,
      render: (_, dept) => [
        <Permission key="child" code="sys:dept:save">
          <a onClick={() => editor.edit({ parentId: dept.id })}>{t('dept.addChild')}</a>
        </Permission>,
        <Permission key="edit" code="sys:dept:save">
          <a onClick={() => editor.edit({ id: dept.id })}>{t('common.edit')}</a>
        </Permission>,
        dept.parentId !== 0 && (
          <Permission key="delete" code="sys:dept:delete">
            <DeleteLink onConfirm={() => remove(dept)} />
          </Permission>
        ),
      ],
    },
  ];

  return (
    <PageContainer title={t('dept.title')}>
      <ProTable<DeptNode>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={false}
        pagination={false}
        expandable={{ defaultExpandAllRows: true }}
        data-testid="dept-table"
        request={async () => {
          try {
            const depts = await call(api.GET('/scrm/admin/sys/dept/tree'));
            setTree(depts);
            return { data: withoutEmptyChildren(depts), success: true };
          } catch {
            return { data: [], success: false };
          }
        }}
        toolBarRender={() => [
          <Permission key="create" code="sys:dept:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({ parentId: tree[0]?.id })}>
              {t('dept.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && (
        <DeptFormModal
          id={editor.editing.id}
          parentId={editor.editing.parentId}
          tree={tree}
          onClose={editor.close}
          onSaved={editor.saved}
        />
      )}
    </PageContainer>
  );
}

type DeptFormValues = Omit<DeptSaveBody, 'id'>;

function DeptFormModal({ id, parentId, tree, onClose, onSaved }: { id?: number; parentId?: number; tree: DeptNode[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [isRoot, setIsRoot] = useState(false);
  const { form, modalProps } = useRecordForm<DeptFormValues>({
    id,
    defaults: { parentId, orderNum: 0, status: 0 },
    load: async (deptId) => {
      const dept = await call(api.GET('/scrm/admin/sys/dept/get', { params: { query: { id: deptId } } }));
      setIsRoot(dept.parentId === 0);
      return { parentId: dept.parentId, name: dept.name, orderNum: dept.orderNum, leader: dept.leader ?? undefined, phone: dept.phone ?? undefined, status: dept.status };
    },
    // The root department has no parent field on the form; it keeps parentId 0.
    save: (values) => call(api.POST('/scrm/admin/sys/dept/save', { body: { ...values, parentId: values.parentId ?? 0, id } })),
    onSaved,
    onClose,
  });

  return (
    <Modal {...modalProps} title={id === undefined ? t('dept.create') : t('dept.edit')} width={520}>
      <Form form={form} layout="vertical" data-testid="dept-form">
        {!isRoot && (
          <Form.Item name="parentId" label={t('dept.parent')} rules={[{ required: true }]}>
            <TreeSelect treeData={deptOptions(tree)} treeDefaultExpandAll showSearch treeNodeFilterProp="title" />
          </Form.Item>
        )}
        <Form.Item name="name" label={t('dept.name')} rules={[{ required: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Space size={16} style={{ display: 'flex' }} align="start">
          <Form.Item name="leader" label={t('dept.leader')}>
            <Input style={{ width: 220 }} />
          </Form.Item>
          <Form.Item name="phone" label={t('dept.phone')} rules={[{ pattern: /^\+?[\d -]{3,32}$/ }]}>
            <Input style={{ width: 220 }} />
          </Form.Item>
        </Space>
        <OrderAndStatusFields />
      </Form>
    </Modal>
  );
}
