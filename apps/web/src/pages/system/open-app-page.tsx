import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Form, Input, InputNumber, Modal, Popconfirm, Space, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, OpenAppRecord, OpenAppWithSecret } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, StatusRadio, statusValueEnum, useEditor, useModuleAvailability, useRecordForm } from '../../components/crud.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type OpenAppQuery = BodyOf<'/scrm/admin/open/app/page', 'post'>;
type OpenAppValues = { name: string; rateLimit?: number; status?: number; remark?: string };

/** 开放平台: API keys for third parties (lead collection, routing); a secret is shown only once. */
export function OpenAppPage() {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const action = useRef<ActionType>(null);
  const { missing, guard } = useModuleAvailability();

  const showSecret = (saved: OpenAppWithSecret) => {
    if (!saved.secret) return;
    modal.success({
      title: t('openApp.secretTitle'),
      width: 560,
      content: (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Alert type="warning" showIcon title={t('openApp.secretOnce')} />
          <Space>
            appKey: <Typography.Text code copyable>{saved.appKey}</Typography.Text>
          </Space>
          <Space>
            secret:
            <Typography.Text code copyable strong data-testid="open-app-secret">
              {saved.secret}
            </Typography.Text>
          </Space>
        </Space>
      ),
    });
  };
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  if (missing) return <ComingSoonPage name={t('openApp.title')} />;

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/open/app/delete', { body: { ids } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const rotate = async (app: OpenAppRecord) => {
    showSecret(await call(api.POST('/scrm/admin/open/app/rotate', { body: { id: app.id } })));
  };

  const columns: ProColumns<OpenAppRecord>[] = [
    { title: t('openApp.name'), dataIndex: 'name' },
    { title: 'appKey', dataIndex: 'appKey', search: false, render: (_, row) => <Typography.Text code copyable>{row.appKey}</Typography.Text> },
    { title: t('openApp.rateLimit'), dataIndex: 'rateLimit', search: false },
    { title: t('common.status'), dataIndex: 'status', search: false, valueType: 'select', valueEnum: statusValueEnum(t) },
    { title: t('openApp.lastUsed'), dataIndex: 'lastUsedAt', valueType: 'dateTime', search: false },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 200,
      render: (_, row) => [
        <Permission key="edit" code="open:app:save">
          <a onClick={() => editor.edit({ id: row.id })}>{t('common.edit')}</a>
        </Permission>,
        <Permission key="rotate" code="open:app:save">
          <Popconfirm title={t('openApp.confirmRotate')} onConfirm={() => rotate(row).catch(() => undefined)}>
            <a>{t('openApp.rotate')}</a>
          </Popconfirm>
        </Permission>,
        <Permission key="delete" code="open:app:delete">
          <DeleteLink onConfirm={() => remove([row.id])} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('openApp.title')}>
      <ProTable<OpenAppRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: OpenAppQuery) => guard(api.POST('/scrm/admin/open/app/page', { body })))}
        toolBarRender={() => [
          <Permission key="create" code="open:app:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({})} data-testid="open-app-create">
              {t('openApp.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && (
        <OpenAppModal
          id={editor.editing.id}
          onClose={editor.close}
          onSaved={(saved) => {
            editor.saved();
            showSecret(saved);
          }}
        />
      )}
    </PageContainer>
  );
}

function OpenAppModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: (saved: OpenAppWithSecret) => void }) {
  const { t } = useTranslation();
  const saved = useRef<OpenAppWithSecret | null>(null);
  const { form, modalProps } = useRecordForm<OpenAppValues>({
    id,
    defaults: { rateLimit: 600, status: 0 },
    load: async (appId) => {
      const app = await call(api.GET('/scrm/admin/open/app/get', { params: { query: { id: appId } } }));
      return { name: app.name, rateLimit: app.rateLimit, status: app.status, remark: app.remark };
    },
    save: async (values) => {
      saved.current = await call(api.POST('/scrm/admin/open/app/save', { body: { ...values, id } }));
    },
    onSaved: () => saved.current && onSaved(saved.current),
    onClose,
  });
  return (
    <Modal {...modalProps} title={id ? t('openApp.edit') : t('openApp.create')}>
      <Form form={form} layout="vertical" data-testid="open-app-form">
        <Form.Item name="name" label={t('openApp.name')} rules={[{ required: true, whitespace: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="rateLimit" label={t('openApp.rateLimit')} extra={t('openApp.rateLimitHint')}>
          <InputNumber min={1} max={100000} precision={0} />
        </Form.Item>
        <Form.Item name="status" label={t('common.status')}>
          <StatusRadio />
        </Form.Item>
        <Form.Item name="remark" label={t('common.remark')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
