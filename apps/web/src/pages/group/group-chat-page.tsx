import { PageContainer, type ActionType } from '@ant-design/pro-components';
import { Form, Input, Modal } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, GroupRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { crudToolbar, pagedRequest, useEditor, useModuleAvailability, useRecordForm } from '../../components/crud.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { groupColumns } from './group-list-page.tsx';
import { ProTable } from '../../components/table.tsx';

type ChatQuery = BodyOf<'/scrm/admin/qw/chat/page', 'post'>;

/** 企微聊天群: the WeCom group chats; register one by chat id (fetched from WeCom) or edit its remark. */
export function GroupChatPage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={t('groupChat.title')} />;

  const columns = [
    ...groupColumns(t),
    { title: t('common.remark'), dataIndex: 'remark', search: false, ellipsis: true },
    {
      title: t('common.actions'),
      valueType: 'option' as const,
      width: 90,
      render: (_: unknown, group: GroupRecord) => [
        <Permission key="edit" code="qw:chat:save">
          <a onClick={() => editor.edit({ id: group.id })}>{t('common.edit')}</a>
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('groupChat.title')}>
      <ProTable<GroupRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: ChatQuery) => guard(api.POST('/scrm/admin/qw/chat/page', { body })))}
        toolBarRender={() => [
          crudToolbar({
            t, selected: [], deletePermission: 'qw:chat:save', onDelete: async () => undefined,
            createPermission: 'qw:chat:save', createLabel: t('groupChat.register'), onCreate: () => editor.edit({}), createTestId: 'chat-register',
          })[1],
        ]}
      />
      {editor.editing && <ChatModal id={editor.editing.id} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

function ChatModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<{ chatId?: string; remark?: string }>({
    id,
    defaults: {},
    load: async (chat) => {
      const group = await call(api.GET('/scrm/admin/qw/chat/get', { params: { query: { id: chat } } }));
      return { chatId: group.chatId, remark: group.remark };
    },
    save: (values) => call(api.POST('/scrm/admin/qw/chat/save', { body: id ? { id, remark: values.remark ?? '' } : { chatId: values.chatId, remark: values.remark } })),
    onSaved,
    onClose,
  });
  return (
    <Modal {...modalProps} title={id ? t('groupChat.edit') : t('groupChat.register')}>
      <Form form={form} layout="vertical">
        <Form.Item name="chatId" label="chat_id" rules={[{ required: !id }]} extra={id ? undefined : t('groupChat.registerHint')}>
          <Input disabled={Boolean(id)} />
        </Form.Item>
        <Form.Item name="remark" label={t('common.remark')} rules={[{ max: 255 }]}>
          <Input.TextArea rows={2} maxLength={255} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
