import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { TeamOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Space, Switch, Table, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, call } from '../../api/client.ts';
import type { BodyOf, ResponseOf, UserRecord, UserSaveBody } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { useSession } from '../../auth/session.tsx';
import { crudToolbar, useEditor, DeleteLink, pagedRequest, StatusRadio, statusValueEnum, useRecordForm } from '../../components/crud.tsx';
import { strongPassword } from '../../components/form-errors.ts';
import { BindableEmployeeSelect, DeptTreeSelect, RoleSelect, type BindableEmployee } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';

type Filters = { username?: string; nickname?: string; phone?: string; empNo?: string; status?: string; deptId?: number };

export function UserPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const action = useRef<ActionType>(null);
  const session = useSession();
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const [selected, setSelected] = useState<number[]>([]);
  const canChangeStatus = usePermission('sys:user:status');
  // Creating users from WeCom employees binds them and grants roles: the three permissions together.
  const canCreateFromWecom = usePermission('sys:user:save') && usePermission('sys:user:grant') && usePermission('sys:user:bind');
  const [bulkOpen, setBulkOpen] = useState(false);
  const [created, setCreated] = useState<CreatedUser[] | null>(null);

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
      title: t('user.qwEmployee'),
      dataIndex: 'qwUserid',
      search: false,
      render: (_, user) =>
        user.qwUserid ? (
          <span data-testid={`user-binding-${user.username}`}>{user.qwEmpName ?? <Typography.Text type="secondary">{t('user.employeeNotSynced', { userid: user.qwUserid })}</Typography.Text>}</span>
        ) : (
          <Typography.Text type="secondary" data-testid={`user-binding-${user.username}`}>{t('user.unbound')}</Typography.Text>
        ),
    },
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
        toolBarRender={() => [
          canCreateFromWecom && (
            <Button key="from-wecom" icon={<TeamOutlined />} onClick={() => setBulkOpen(true)} data-testid="user-create-from-wecom">
              {t('user.createFromWecom')}
            </Button>
          ),
          ...crudToolbar({
            t,
            selected,
            deletePermission: 'sys:user:delete',
            onDelete: remove,
            createPermission: 'sys:user:save',
            createLabel: t('user.create'),
            onCreate: () => editor.edit({}),
            createTestId: 'user-create',
          }),
        ]}
      />
      {bulkOpen && (
        <CreateFromWecomModal
          onClose={() => setBulkOpen(false)}
          onCreated={(users) => {
            setBulkOpen(false);
            setCreated(users);
            reload();
          }}
        />
      )}
      {created && <CreatedPasswordsModal users={created} onClose={() => setCreated(null)} />}
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
type UserFormValues = Omit<UserSaveBody, 'id'> & { roleIds?: number[]; status?: number; qwUserid?: string | null };

function UserFormModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const creating = id === undefined;
  const canGrant = usePermission('sys:user:grant');
  const canChangeStatus = usePermission('sys:user:status');
  const canBind = usePermission('sys:user:bind');
  const session = useSession();
  const self = id !== undefined && id === session.user?.id;
  // What was loaded, so only real changes of roles, status and binding are sent (each needs its own permission).
  const loaded = useRef<{ roleIds: number[]; status: number; qwUserid: string | null }>({ roleIds: [], status: 0, qwUserid: null });
  const [binding, setBinding] = useState<{ userid: string; name: string | null } | null>(null);
  const created = useRef<number | undefined>(undefined);
  const { form, modalProps } = useRecordForm<UserFormValues>({
    id,
    defaults: { status: 0, roleIds: [] },
    load: async (userId) => {
      const user = await call(api.GET('/scrm/admin/sys/user/get', { params: { query: { id: userId } } }));
      loaded.current = { roleIds: user.roleIds, status: user.status, qwUserid: user.qwUserid };
      setBinding(user.qwUserid ? { userid: user.qwUserid, name: user.qwEmpName } : null);
      return {
        username: user.username,
        nickname: user.nickname,
        empNo: user.empNo ?? undefined,
        phone: user.phone ?? undefined,
        email: user.email ?? undefined,
        deptId: user.deptId,
        status: user.status,
        roleIds: user.roleIds,
        qwUserid: user.qwUserid,
      };
    },
    save: async ({ roleIds = [], status = 0, qwUserid = null, password, ...profile }) => {
      // A new user saved before a refused grant is edited (not created again) when the form is sent again.
      const userId = id ?? created.current;
      const body = { ...profile, id: userId, deptId: profile.deptId ?? null, ...(userId === undefined ? { password } : {}) };
      const saved = await call(api.POST('/scrm/admin/sys/user/save', { body }));
      created.current = saved.id;
      const sameRoles = [...roleIds].sort().join() === [...loaded.current.roleIds].sort().join();
      if (canGrant && !self && !sameRoles) {
        await call(api.POST('/scrm/admin/sys/user/grantRoles', { body: { userId: saved.id, roleIds } }));
      }
      if (canBind && !self && (qwUserid ?? null) !== loaded.current.qwUserid) {
        await call(api.POST('/scrm/admin/sys/user/bindQwUserid', { body: { userId: saved.id, qwUserid: qwUserid ?? null } }));
        loaded.current.qwUserid = qwUserid ?? null;
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
        {canBind && !self && (
          <Form.Item name="qwUserid" label={t('user.qwEmployee')} extra={t('user.bindHint')}>
            <BindableEmployeeSelect current={binding} testId="user-bind-employee" />
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

type CreatedUser = ResponseOf<'/scrm/admin/sys/user/createFromWecom', 'post'>['users'][number];

/**
 * 从企微员工创建: pick employees, one role set and a system department; the server creates one user per employee,
 * bound to it, or none (each refused row is listed here with why).
 */
function CreateFromWecomModal({ onClose, onCreated }: { onClose: () => void; onCreated: (users: CreatedUser[]) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ qwUserids: string[]; roleIds: number[]; deptId?: number | null }>();
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<{ message: string; rows: string[] } | null>(null);
  const picked = Form.useWatch('qwUserids', form) ?? [];
  // Names of the employees the picker has shown, and the usernames edited here (default: the WeCom userid).
  const [names, setNames] = useState<Record<string, string>>({});
  const [usernames, setUsernames] = useState<Record<string, string>>({});
  const rememberNames = (employees: BindableEmployee[]) =>
    setNames((known) => ({ ...known, ...Object.fromEntries(employees.map((employee) => [employee.userid, employee.name])) }));

  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    setRefusal(null);
    try {
      const result = await call(
        api.POST('/scrm/admin/sys/user/createFromWecom', {
          body: {
            employees: values.qwUserids.map((qwUserid) => ({ qwUserid, ...(usernames[qwUserid]?.trim() ? { username: usernames[qwUserid].trim() } : {}) })),
            roleIds: values.roleIds ?? [],
            deptId: values.deptId ?? null,
          },
        }),
        { silent: true },
      );
      onCreated(result.users);
    } catch (error) {
      if (error instanceof ApiError) setRefusal({ message: error.message, rows: error.fields.map((field) => field.message) });
      else throw error;
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('user.createFromWecom')}
      width={600}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      confirmLoading={saving}
      okText={t('user.createUsers')}
      okButtonProps={{ 'data-testid': 'bulk-submit' } as never}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('user.createFromWecomHint')}</Typography.Paragraph>
      {refusal && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={refusal.message}
          description={refusal.rows.length > 0 && <ul style={{ margin: 0, paddingLeft: 18 }}>{refusal.rows.map((row) => <li key={row}>{row}</li>)}</ul>}
          data-testid="bulk-refusal"
        />
      )}
      <Form form={form} layout="vertical" data-testid="bulk-form">
        <Form.Item name="qwUserids" label={t('user.wecomEmployees')} rules={[{ required: true, message: t('user.pickEmployees') }]}>
          <BindableEmployeeSelect multiple testId="bulk-employees" onLoaded={rememberNames} />
        </Form.Item>
        {picked.length > 0 && (
          <Form.Item label={t('user.usernames')} extra={t('user.usernamesHint')}>
            <Table
              rowKey="userid"
              size="small"
              pagination={false}
              scroll={{ y: 240 }}
              dataSource={picked.map((userid) => ({ userid, name: names[userid] ?? userid }))}
              columns={[
                { title: t('user.nickname'), dataIndex: 'name' },
                {
                  title: t('user.username'),
                  dataIndex: 'userid',
                  render: (userid: string) => (
                    <Input
                      size="small"
                      value={usernames[userid] ?? userid}
                      onChange={(event) => setUsernames((current) => ({ ...current, [userid]: event.target.value }))}
                      data-testid={`bulk-username-${userid}`}
                    />
                  ),
                },
              ]}
              data-testid="bulk-rows"
            />
          </Form.Item>
        )}
        <Form.Item name="roleIds" label={t('user.roles')}>
          <RoleSelect />
        </Form.Item>
        <Form.Item name="deptId" label={t('user.dept')}>
          <DeptTreeSelect />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The one-time passwords of users just created: shown once, copyable one by one or all together. */
function CreatedPasswordsModal({ users, onClose }: { users: CreatedUser[]; onClose: () => void }) {
  const { t } = useTranslation();
  const all = users.map((user) => `${user.nickname}\t${user.username}\t${user.password}`).join('\n');
  return (
    <Modal
      open
      title={t('user.createdTitle', { count: users.length })}
      width={640}
      onCancel={onClose}
      footer={[
        <Typography.Text key="copy" copyable={{ text: all, tooltips: [t('user.copyAll'), t('common.copied')] }} style={{ marginRight: 16 }} data-testid="copy-all-passwords">
          {t('user.copyAll')}
        </Typography.Text>,
        <Button key="done" type="primary" onClick={onClose} data-testid="passwords-done">
          {t('user.passwordsNoted')}
        </Button>,
      ]}
      maskClosable={false}
    >
      <div data-testid="created-passwords">
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('user.createdHint')} />
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={users}
          columns={[
            { title: t('user.nickname'), dataIndex: 'nickname' },
            { title: t('user.username'), dataIndex: 'username' },
            {
              title: t('user.oneTimePassword'),
              dataIndex: 'password',
              render: (password: string, user) => (
                <Typography.Text code copyable strong data-testid={`created-password-${user.username}`}>
                  {password}
                </Typography.Text>
              ),
            },
          ]}
        />
      </div>
    </Modal>
  );
}
