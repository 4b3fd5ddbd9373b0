import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Radio, Space, Switch, Tag, Tooltip, TreeSelect, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { MenuNode, MenuSaveBody } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, useEditor, OrderAndStatusFields, useRecordForm } from '../../components/crud.tsx';
import { menuOptions, withoutEmptyChildren } from '../../components/menu-tree.ts';
import { localName } from '../../i18n/i18n.ts';
import { menuIcon, menuIcons } from '../../layout/menu-icons.tsx';
import { ProTable } from '../../components/table.tsx';

const TYPE_COLORS = { M: 'blue', C: 'green', F: 'default' } as const;

export function MenuPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const [tree, setTree] = useState<MenuNode[]>([]);
  const editor = useEditor<{ id?: number; parentId?: number }>(() => action.current?.reload());
  // Each permission code's menu, to name what a menu's extra codes grant.
  const grantNames = new Map(flattenMenus(tree).flatMap((menu) => (menu.perms ? [[menu.perms, localName(menu)] as const] : [])));

  const remove = async (menu: MenuNode) => {
    await call(api.GET('/scrm/admin/sys/menu/delete', { params: { query: { id: menu.id } } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<MenuNode>[] = [
    {
      title: t('menu.name'),
      dataIndex: 'name',
      render: (_, menu) => (
        <Space>
          {menuIcon(menu.icon)}
          {localName(menu)}
        </Space>
      ),
    },
    { title: t('menu.menuType'), dataIndex: 'menuType', width: 90, render: (_, menu) => <Tag color={TYPE_COLORS[menu.menuType]}>{t(`menu.type${menu.menuType}`)}</Tag> },
    { title: t('menu.path'), dataIndex: 'path', render: (_, menu) => menu.path ?? '' },
    {
      title: t('menu.perms'),
      dataIndex: 'perms',
      render: (_, menu) => (
        <Space orientation="vertical" size={0}>
          {menu.perms ? <Typography.Text code>{menu.perms}</Typography.Text> : null}
          {/* The reads in other modules this page or button needs, granted with it (from the product's menu tree). */}
          {menu.extraPerms.length > 0 && (
            <Tooltip title={menu.extraPerms.join(', ')}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`menu-extra-${menu.id}`}>
                {t('menu.alsoGrants', { names: menu.extraPerms.map((code) => grantNames.get(code) ?? code).join(t('menu.alsoGrantsSeparator')) })}
              </Typography.Text>
            </Tooltip>
          )}
        </Space>
      ),
    },
    { title: t('common.orderNum'), dataIndex: 'orderNum', width: 70 },
    { title: t('menu.visible'), dataIndex: 'visible', width: 70, render: (_, menu) => (menu.visible ? t('common.yes') : t('common.no')) },
    {
      title: t('common.status'),
      dataIndex: 'status',
      width: 90,
      render: (_, menu) => <Tag color={menu.status === 0 ? 'success' : 'default'}>{menu.status === 0 ? t('common.enabled') : t('common.disabled')}</Tag>,
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 200,
      render: (_, menu) => [
        menu.menuType !== 'F' && (
          <Permission key="child" code="sys:menu:save">
            <a onClick={() => editor.edit({ parentId: menu.id })}>{t('menu.addChild')}</a>
          </Permission>
        ),
        <Permission key="edit" code="sys:menu:save">
          <a onClick={() => editor.edit({ id: menu.id })}>{t('common.edit')}</a>
        </Permission>,
        <Permission key="delete" code="sys:menu:delete">
          <DeleteLink onConfirm={() => remove(menu)} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('menu.title')}>
      <ProTable<MenuNode>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={false}
        pagination={false}
        data-testid="menu-table"
        request={async () => {
          try {
            const menus = await call(api.GET('/scrm/admin/sys/menu/tree'));
            setTree(menus);
            return { data: withoutEmptyChildren(menus), success: true };
          } catch {
            return { data: [], success: false };
          }
        }}
        toolBarRender={() => [
          <Permission key="create" code="sys:menu:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({ parentId: 0 })}>
              {t('menu.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && (
        <MenuFormModal
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

type MenuFormValues = Omit<MenuSaveBody, 'id'>;

function MenuFormModal({ id, parentId, tree, onClose, onSaved }: { id?: number; parentId?: number; tree: MenuNode[]; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<MenuFormValues>({
    id,
    defaults: { parentId: parentId ?? 0, menuType: 'C', orderNum: 0, visible: true, status: 0 },
    load: async (menuId) => {
      const menu = await call(api.GET('/scrm/admin/sys/menu/get', { params: { query: { id: menuId } } }));
      return {
        parentId: menu.parentId,
        name: menu.name,
        nameEn: menu.nameEn ?? undefined,
        menuType: menu.menuType,
        path: menu.path ?? undefined,
        component: menu.component ?? undefined,
        icon: menu.icon ?? undefined,
        perms: menu.perms ?? undefined,
        orderNum: menu.orderNum,
        visible: menu.visible,
        status: menu.status,
      };
    },
    save: (values) => call(api.POST('/scrm/admin/sys/menu/save', { body: { ...values, id } })),
    onSaved,
    onClose,
  });
  const menuType = Form.useWatch('menuType', form);
  const icon = Form.useWatch('icon', form);

  return (
    <Modal {...modalProps} title={id === undefined ? t('menu.create') : t('menu.edit')} width={600}>
      <Form form={form} layout="vertical" data-testid="menu-form">
        <Form.Item name="parentId" label={t('menu.parent')}>
          <TreeSelect treeData={[{ value: 0, title: t('menu.root'), children: menuOptions(tree, localName, { buttons: false }) }]} treeDefaultExpandedKeys={[0]} showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="menuType" label={t('menu.menuType')}>
          <Radio.Group options={(['M', 'C', 'F'] as const).map((type) => ({ value: type, label: t(`menu.type${type}`) }))} optionType="button" />
        </Form.Item>
        <Space size={16} style={{ display: 'flex' }} align="start">
          <Form.Item name="name" label={t('menu.name')} rules={[{ required: true, max: 64 }]}>
            <Input style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="nameEn" label={t('menu.nameEn')} rules={[{ max: 64 }]}>
            <Input style={{ width: 260 }} />
          </Form.Item>
        </Space>
        {menuType !== 'F' && (
          <Space size={16} style={{ display: 'flex' }} align="start">
            <Form.Item name="path" label={t('menu.path')}>
              <Input style={{ width: 260 }} placeholder="/system/user" />
            </Form.Item>
            <Form.Item name="icon" label={t('menu.icon')}>
              <Input style={{ width: 260 }} list="menu-icon-names" prefix={icon ? menuIcon(icon) : undefined} placeholder="SettingOutlined" />
            </Form.Item>
            <datalist id="menu-icon-names">
              {Object.keys(menuIcons).map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
          </Space>
        )}
        <Form.Item name="perms" label={t('menu.perms')} rules={[{ required: menuType === 'F' }, { pattern: /^[A-Za-z0-9_:.*-]+$/ }]}>
          <Input placeholder="sys:user:save" />
        </Form.Item>
        <OrderAndStatusFields>
          <Form.Item name="visible" label={t('menu.visible')} valuePropName="checked">
            <Switch />
          </Form.Item>
        </OrderAndStatusFields>
      </Form>
    </Modal>
  );
}

const flattenMenus = (nodes: MenuNode[]): MenuNode[] => nodes.flatMap((node) => [node, ...flattenMenus(node.children ?? [])]);
