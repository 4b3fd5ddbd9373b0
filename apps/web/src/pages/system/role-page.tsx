import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Form, Input, Modal, Select, Tag, Tree, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, MenuNode, RoleRecord, RoleSaveBody } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { useSession } from '../../auth/session.tsx';
import { crudToolbar, useEditor, DeleteLink, pagedRequest, statusValueEnum, OrderAndStatusFields, useRecordForm } from '../../components/crud.tsx';
import { leafIds, menuOptions, withAncestors } from '../../components/menu-tree.ts';
import { localName } from '../../i18n/i18n.ts';
import { DeptTreeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';

const DATA_SCOPES = [1, 2, 3, 4, 5] as const;
type Filters = { name?: string; roleKey?: string; status?: string };

export function RolePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const session = useSession();
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const [granting, setGranting] = useState<RoleRecord | null>(null);
  const [selected, setSelected] = useState<number[]>([]);

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/sys/role/delete', { body: { ids } }));
    message.success(t('common.deleted'));
    setSelected([]);
    action.current?.reload();
  };

  const columns: ProColumns<RoleRecord>[] = [
    { title: t('role.name'), dataIndex: 'name' },
    { title: t('role.roleKey'), dataIndex: 'roleKey', render: (_, role) => <Typography.Text code>{role.roleKey}</Typography.Text> },
    {
      title: t('role.dataScope'),
      dataIndex: 'dataScope',
      search: false,
      render: (_, role) => <Tag color={role.dataScope === 1 ? 'blue' : undefined}>{t(`role.scope${role.dataScope}`)}</Tag>,
    },
    { title: t('common.orderNum'), dataIndex: 'orderNum', search: false, width: 80 },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: statusValueEnum(t),
    },
    { title: t('common.remark'), dataIndex: 'remark', search: false, ellipsis: true },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 200,
      render: (_, role) => [
        <Permission key="edit" code="sys:role:save">
          <a onClick={() => editor.edit({ id: role.id })} data-testid={`role-edit-${role.roleKey}`}>
            {t('common.edit')}
          </a>
        </Permission>,
        <Permission key="grant" code="sys:role:grant">
          <a onClick={() => setGranting(role)} data-testid={`role-grant-${role.roleKey}`}>
            {t('role.grant')}
          </a>
        </Permission>,
        <Permission key="delete" code="sys:role:delete">
          <DeleteLink onConfirm={() => remove([role.id])} testId={`role-delete-${role.roleKey}`} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('role.title')}>
      <ProTable<RoleRecord, Filters>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 10, showSizeChanger: true }}
        rowSelection={session.hasPermission('sys:role:delete') ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]) } : false}
        request={pagedRequest((body: BodyOf<'/scrm/admin/sys/role/page', 'post'>) => call(api.POST('/scrm/admin/sys/role/page', { body })))}
        toolBarRender={() =>
          crudToolbar({
            t,
            selected,
            deletePermission: 'sys:role:delete',
            onDelete: remove,
            createPermission: 'sys:role:save',
            createLabel: t('role.create'),
            onCreate: () => editor.edit({}),
            createTestId: 'role-create',
          })
        }
      />
      {editor.editing && (
        <RoleFormModal
          id={editor.editing.id}
          onClose={editor.close}
          onSaved={editor.saved}
        />
      )}
      {granting && (
        <RoleMenuGrantModal
          role={granting}
          onClose={() => setGranting(null)}
          onSaved={() => {
            setGranting(null);
            message.success(t('common.saved'));
          }}
        />
      )}
    </PageContainer>
  );
}

type RoleFormValues = Omit<RoleSaveBody, 'id'>;

function RoleFormModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<RoleFormValues>({
    id,
    defaults: { dataScope: 5, orderNum: 0, status: 0, deptIds: [] },
    load: async (roleId) => {
      const role = await call(api.GET('/scrm/admin/sys/role/get', { params: { query: { id: roleId } } }));
      return { name: role.name, roleKey: role.roleKey, dataScope: role.dataScope, deptIds: role.deptIds, orderNum: role.orderNum, status: role.status, remark: role.remark ?? undefined };
    },
    save: (values) => call(api.POST('/scrm/admin/sys/role/save', { body: { ...values, id, deptIds: values.dataScope === 2 ? values.deptIds : [] } })),
    onSaved,
    onClose,
  });
  const dataScope = Form.useWatch('dataScope', form);

  return (
    <Modal {...modalProps} title={id === undefined ? t('role.create') : t('role.edit')} width={560}>
      <Form form={form} layout="vertical" data-testid="role-form">
        <Form.Item name="name" label={t('role.name')} rules={[{ required: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="roleKey" label={t('role.roleKey')} extra={t('role.roleKeyHint')} rules={[{ pattern: /^[A-Za-z][A-Za-z0-9_:.-]{0,63}$/ }]}>
          <Input placeholder={t('role.roleKeyPlaceholder')} data-testid="role-key" />
        </Form.Item>
        <Form.Item name="dataScope" label={t('role.dataScope')} rules={[{ required: true }]}>
          <Select options={DATA_SCOPES.map((scope) => ({ value: scope, label: t(`role.scope${scope}`) }))} data-testid="role-data-scope" />
        </Form.Item>
        {dataScope === 2 && (
          <Form.Item name="deptIds" label={t('role.deptIds')} rules={[{ required: true, type: 'array', min: 1, message: t('role.deptRequired') }]}>
            <DeptTreeSelect multiple />
          </Form.Item>
        )}
        <OrderAndStatusFields />
        <Form.Item name="remark" label={t('common.remark')}>
          <Input.TextArea rows={2} maxLength={255} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Menu grants: a checkable tree of every menu, page and button; a granted child grants its ancestors. */
function RoleMenuGrantModal({ role, onClose, onSaved }: { role: RoleRecord; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [tree, setTree] = useState<MenuNode[]>([]);
  const [checked, setChecked] = useState<number[]>([]);
  const [loading, setLoading] = useState(true);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    Promise.all([call(api.GET('/scrm/admin/sys/menu/tree')), call(api.GET('/scrm/admin/sys/role/menuIds', { params: { query: { roleId: role.id } } }))])
      .then(([menus, grants]) => {
        setTree(menus);
        // Stored grants include parents; checking only the leaves lets the tree derive the parents' state.
        const leaves = leafIds(menus);
        setChecked(grants.filter((id) => leaves.has(id)));
      })
      .catch(onClose)
      .finally(() => setLoading(false));
  }, [role.id, onClose]);

  const submit = async () => {
    setSaving(true);
    try {
      await call(api.POST('/scrm/admin/sys/role/updateMenus', { body: { roleId: role.id, menuIds: withAncestors(tree, checked) } }));
      onSaved();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('role.grantTitle', { name: role.name })}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={saving}
      loading={loading}
      okText={t('common.save')}
      width={560}
    >
      <div style={{ maxHeight: 520, overflow: 'auto' }} data-testid="role-menu-tree">
        <Tree
          checkable
          defaultExpandAll
          treeData={menuOptions(tree, localName)}
          checkedKeys={checked}
          onCheck={(keys) => setChecked((Array.isArray(keys) ? keys : keys.checked) as number[])}
        />
      </div>
    </Modal>
  );
}
