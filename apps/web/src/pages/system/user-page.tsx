import { PageContainer, ProTable, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Form, Input, Modal, Popconfirm, Space, Switch, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, UserRecord, UserSaveBody } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { useSession } from '../../auth/session.tsx';
import { crudToolbar, useEditor, DeleteLink, pagedRequest, StatusRadio, statusValueEnum, useRecordForm } from '../../components/crud.tsx';
import { strongPassword } from '../../components/form-errors.ts';
import { DeptTreeSelect, RoleSelect } from '../../components/pickers.tsx';

type Filters = { username?: string; nickname?: string; phone?: string; empNo?: string; status?: string; deptId?: number };

export function UserPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const action = useRef<ActionType>(null);
  const session = useSession();
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const [selected, setSelected] = useState<number[]>([]);
  const canChangeStatus = usePermission('sys:user:status');

  const reload = () => action.current?.reload();

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/sys/user/batchDelete', { body: { ids } }));
    message.success(t('common.deleted'));
    setSelected([]);
    reload();
  };

  const resetPassword = async (user: UserRecord) => {
    const result = await call(api.GET('/scrm/admin/sys/user/resetPassword', { params: { query: { id: user.id } } }));
    modal.success({
      title: t('user.resetDone'),
      width: 460,
      content: (
        <Space orientation="vertical">
          <Typography.Text type="secondary">{t('user.resetHint')}</Typography.Text>
          <Space>
            {t('user.oneTimePassword')}:
            <Typography.Text code copyable strong data-testid="one-time-password">
              {result.password}
            </Typography.Text>
          </Space>
        </Space>
      ),
    });
  };

  const changeStatus = async (user: UserRecord, enabled: boolean) => {
    await call(api.GET('/scrm/admin/sys/user/updateStatus', { params: { query: { id: user.id, status: enabled ? 0 : 1 } } }));
    message.success(t('user.statusChanged'));
    reload();
  };

  const columns: ProColumns<UserRecord>[] = [
    { title: t('user.username'), dataIndex: 'username', copyable: true },
    { title: t('user.nickname'), dataIndex: 'nickname' },
    { title: t('user.empNo'), dataIndex: 'empNo', render: (_, user) => user.empNo ?? '—' },
    {
      title: t('user.dept'),
      dataIndex: 'deptId',
      render: (_, user) => user.deptName ?? '—',
      formItemRender: () => <DeptTreeSelect />,
    },
    { title: t('user.phone'), dataIndex: 'phone', render: (_, user) => user.phone ?? '—' },
    {
      title: t('common.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: statusValueEnum(t),
      render: (_, user) => (
        <Switch
          size="small"
          checked={user.status === 0}
          disabled={!canChangeStatus || user.id === session.user?.id}
          checkedChildren={t('common.enabled')}
          unCheckedChildren={t('common.disabled')}
          onChange={(checked) => void changeStatus(user, checked).catch(() => undefined)}
          data-testid={`user-status-${user.username}`}
        />
      ),
    },
    { title: t('user.lastLoginAt'), dataIndex: 'lastLoginAt', valueType: 'dateTime', search: false },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 220,
      render: (_, user) => [
        <Permission key="edit" code="sys:user:save">
          <a onClick={() => editor.edit({ id: user.id })} data-testid={`user-edit-${user.username}`}>
            {t('common.edit')}
          </a>
        </Permission>,
        <Permission key="reset" code="sys:user:resetPwd">
          <Popconfirm title={t('user.confirmReset', { name: user.nickname })} onConfirm={() => resetPassword(user).catch(() => undefined)}>
            <a data-testid={`user-reset-${user.username}`}>{t('user.resetPassword')}</a>
          </Popconfirm>
        </Permission>,
        <Permission key="delete" code="sys:user:delete">
          <DeleteLink onConfirm={() => remove([user.id])} disabled={user.id === session.user?.id} testId={`user-delete-${user.username}`} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('user.title')}>
      <ProTable<UserRecord, Filters>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="user-table"
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 10, showSizeChanger: true }}
        rowSelection={session.hasPermission('sys:user:delete') ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]) } : false}
        request={pagedRequest((body: BodyOf<'/scrm/admin/sys/user/page', 'post'>) => call(api.POST('/scrm/admin/sys/user/page', { body })))}
        toolBarRender={() =>
          crudToolbar({
            t,
            selected,
            deletePermission: 'sys:user:delete',
            onDelete: remove,
            createPermission: 'sys:user:save',
            createLabel: t('user.create'),
            onCreate: () => editor.edit({}),
            createTestId: 'user-create',
          })
        }
      />
      {editor.editing && (
        <UserFormModal
          id={editor.editing.id}
          onClose={editor.close}
          onSaved={editor.saved}
        />
      )}
    </PageContainer>
  );
}

/** The profile (what `save` takes) plus roles and status, which have their own endpoints and permissions. */
type UserFormValues = Omit<UserSaveBody, 'id'> & { roleIds?: number[]; status?: number };

function UserFormModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const creating = id === undefined;
  const canGrant = usePermission('sys:user:grant');
  const canChangeStatus = usePermission('sys:user:status');
  const session = useSession();
  const self = id !== undefined && id === session.user?.id;
  // What was loaded, so only real changes of roles and status are sent (each needs its own permission).
  const loaded = useRef<{ roleIds: number[]; status: number }>({ roleIds: [], status: 0 });
  const created = useRef<number | undefined>(undefined);
  const { form, modalProps } = useRecordForm<UserFormValues>({
    id,
    defaults: { status: 0, roleIds: [] },
    load: async (userId) => {
      const user = await call(api.GET('/scrm/admin/sys/user/get', { params: { query: { id: userId } } }));
      loaded.current = { roleIds: user.roleIds, status: user.status };
      return {
        username: user.username,
        nickname: user.nickname,
        empNo: user.empNo ?? undefined,
        phone: user.phone ?? undefined,
        email: user.email ?? undefined,
        deptId: user.deptId,
        status: user.status,
        roleIds: user.roleIds,
      };
    },
    save: async ({ roleIds = [], status = 0, password, ...profile }) => {
      // A new user saved before a refused grant is edited (not created again) when the form is sent again.
      const userId = id ?? created.current;
      const body = { ...profile, id: userId, deptId: profile.deptId ?? null, ...(userId === undefined ? { password } : {}) };
      const saved = await call(api.POST('/scrm/admin/sys/user/save', { body }));
      created.current = saved.id;
      const sameRoles = [...roleIds].sort().join() === [...loaded.current.roleIds].sort().join();
      if (canGrant && !self && !sameRoles) {
        await call(api.POST('/scrm/admin/sys/user/grantRoles', { body: { userId: saved.id, roleIds } }));
      }
      if (canChangeStatus && !self && status !== loaded.current.status) {
        await call(api.GET('/scrm/admin/sys/user/updateStatus', { params: { query: { id: saved.id, status } } }));
      }
    },
    onSaved,
    onClose,
  });

  const usernameAvailable = async (_rule: unknown, value: string) => {
    if (!creating || !value || !/^[A-Za-z0-9_.@-]{2,32}$/.test(value)) return;
    const result = await call(api.POST('/scrm/admin/sys/user/checkUsername', { body: { username: value } }), { silent: true }).catch(() => null);
    if (result && !result.available) throw new Error(t('user.usernameTaken'));
  };

  return (
    <Modal {...modalProps} title={creating ? t('user.create') : t('user.edit')} width={560}>
      <Form form={form} layout="vertical" data-testid="user-form">
        <Form.Item
          name="username"
          label={t('user.username')}
          validateTrigger="onBlur"
          rules={[{ required: true }, { pattern: /^[A-Za-z0-9_.@-]{2,32}$/, message: t('user.usernameRule') }, { validator: usernameAvailable }]}
        >
          <Input disabled={!creating} autoComplete="off" />
        </Form.Item>
        <Form.Item name="nickname" label={t('user.nickname')} rules={[{ required: true, max: 64 }]}>
          <Input />
        </Form.Item>
        {creating && (
          <Form.Item name="password" label={t('user.password')} rules={[{ required: true }, { pattern: strongPassword, message: t('password.tooShort') }]} extra={t('password.tooShort')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Form.Item name="deptId" label={t('user.dept')}>
          <DeptTreeSelect />
        </Form.Item>
        {canGrant && !self && (
          <Form.Item name="roleIds" label={t('user.roles')}>
            <RoleSelect />
          </Form.Item>
        )}
        <Space size={16} style={{ display: 'flex' }} align="start">
          <Form.Item name="phone" label={t('user.phone')} rules={[{ pattern: /^1[3-9]\d{9}$/, message: t('user.phoneInvalid') }]}>
            <Input style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="email" label={t('user.email')} rules={[{ type: 'email', message: t('user.emailInvalid') }]}>
            <Input style={{ width: 240 }} />
          </Form.Item>
        </Space>
        <Space size={16} style={{ display: 'flex' }} align="start">
          <Form.Item name="empNo" label={t('user.empNo')}>
            <Input style={{ width: 240 }} />
          </Form.Item>
          {canChangeStatus && !self && (
            <Form.Item name="status" label={t('common.status')}>
              <StatusRadio />
            </Form.Item>
          )}
        </Space>
      </Form>
    </Modal>
  );
}
