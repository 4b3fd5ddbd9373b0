import { PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Typography } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, MiniLinkRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, useEditor, useModuleAvailability, useRecordForm } from '../../components/crud.tsx';
import { ChannelSelect, useChannels } from '../../components/pickers.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type MiniLinkQuery = BodyOf<'/scrm/admin/mini/link/page', 'post'>;
type MiniLinkValues = { name: string; appid: string; page: string; query?: string; channelId?: number | null; channelType?: string; remark?: string };

/** 小程序链接: mini-program paths carrying our state, attributed to a channel. */
export function MiniLinkPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const channels = useChannels();
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={t('miniLink.title')} />;

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/mini/link/delete', { body: { ids } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<MiniLinkRecord>[] = [
    { title: t('miniLink.name'), dataIndex: 'name' },
    { title: 'appid', dataIndex: 'appid', search: false },
    { title: t('miniLink.path'), dataIndex: 'path', search: false, render: (_, row) => <Typography.Text copyable code>{row.path}</Typography.Text> },
    { title: t('acqLink.channel'), dataIndex: 'channelId', render: (_, row) => channels.find((channel) => channel.id === row.channelId)?.name ?? '—', formItemRender: () => <ChannelSelect /> },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 130,
      render: (_, row) => [
        <Permission key="edit" code="mini:link:save">
          <a onClick={() => editor.edit({ id: row.id })}>{t('common.edit')}</a>
        </Permission>,
        <Permission key="delete" code="mini:link:delete">
          <DeleteLink onConfirm={() => remove([row.id])} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('miniLink.title')}>
      <ProTable<MiniLinkRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: MiniLinkQuery) => guard(api.POST('/scrm/admin/mini/link/page', { body })))}
        toolBarRender={() => [
          <Permission key="create" code="mini:link:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({})}>
              {t('miniLink.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && <MiniLinkModal id={editor.editing.id} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

function MiniLinkModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<MiniLinkValues>({
    id,
    defaults: {},
    load: async (linkId) => {
      const link = await call(api.GET('/scrm/admin/mini/link/get', { params: { query: { id: linkId } } }));
      return { name: link.name, appid: link.appid, page: link.page, query: link.query, channelId: link.channelId, channelType: link.channelType, remark: link.remark };
    },
    save: (values) => call(api.POST('/scrm/admin/mini/link/save', { body: { ...values, id } })),
    onSaved,
    onClose,
  });
  return (
    <Modal {...modalProps} title={id ? t('miniLink.edit') : t('miniLink.create')}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('miniLink.name')} rules={[{ required: true, whitespace: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="appid" label="appid" rules={[{ required: true }, { pattern: /^wx[0-9a-zA-Z]{16}$/, message: t('miniLink.appidInvalid') }]}>
          <Input placeholder="wx0123456789abcdef" />
        </Form.Item>
        <Form.Item name="page" label={t('media.page')} rules={[{ required: true }, { pattern: /^[^?#\s]+$/, message: t('miniLink.pageInvalid') }]}>
          <Input placeholder="pages/index/index" />
        </Form.Item>
        <Form.Item name="query" label={t('miniLink.query')} rules={[{ max: 512 }]}>
          <Input placeholder="a=1&b=2" />
        </Form.Item>
        <Form.Item name="channelId" label={t('acqLink.channel')}>
          <ChannelSelect />
        </Form.Item>
        <Form.Item name="remark" label={t('common.remark')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
