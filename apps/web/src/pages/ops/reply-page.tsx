import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Card, Col, Form, Input, InputNumber, List, Modal, Popconfirm, Row, Select, Space, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, useEditor, useRecordForm } from '../../components/crud.tsx';
import { ProTable } from '../../components/table.tsx';

type Folder = ResponseOf<'/scrm/admin/reply/folder/list', 'get'>[number];
type Reply = ResponseOf<'/scrm/admin/reply/page', 'post'>['records'][number];
type ReplyQuery = BodyOf<'/scrm/admin/reply/page', 'post'>;
type ReplyValues = BodyOf<'/scrm/admin/reply/save', 'post'>;
const REPLY_TYPES = ['text', 'image', 'link', 'miniprogram', 'video', 'file'] as const;

/** 话术库: folders of quick replies employees send from the WeCom sidebar (text, or an item of the media library). */
export function ReplyPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const [folders, setFolders] = useState<Folder[]>([]);
  const [folderId, setFolderId] = useState<number>();
  const [folderEditing, setFolderEditing] = useState<Partial<Folder> | null>(null);
  const editor = useEditor<{ reply?: Reply }>(() => {
    action.current?.reload();
    void loadFolders();
  });
  const loadFolders = useCallback(() => call(api.GET('/scrm/admin/reply/folder/list')).then(setFolders), []);
  useEffect(() => void loadFolders(), [loadFolders]);
  useEffect(() => {
    void action.current?.reload();
  }, [folderId]);

  const typeOptions = REPLY_TYPES.map((type) => ({ value: type, label: t(`sidebar.type_${type}`) }));
  const columns: ProColumns<Reply>[] = [
    { title: t('reply.title'), dataIndex: 'title', search: false },
    { title: t('reply.keyword'), dataIndex: 'keyword', hideInTable: true },
    { title: t('reply.type'), dataIndex: 'type', valueType: 'select', fieldProps: { options: typeOptions }, render: (_, row) => <Tag>{t(`sidebar.type_${row.type}`)}</Tag>, width: 100 },
    { title: t('reply.content'), dataIndex: 'content', search: false, ellipsis: true, render: (_, row) => (row.type === 'text' ? row.content : row.mediaTitle ?? '—') },
    { title: t('reply.folder'), dataIndex: 'folderName', search: false, width: 120 },
    { title: t('reply.useCount'), dataIndex: 'useCount', search: false, width: 90 },
    { title: t('reply.mtime'), dataIndex: 'mtime', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 120,
      render: (_, row) => [
        <Permission key="edit" code="reply:save">
          <a onClick={() => editor.edit({ reply: row })}>{t('common.edit')}</a>
        </Permission>,
        <Permission key="delete" code="reply:delete">
          <DeleteLink onConfirm={async () => { await call(api.POST('/scrm/admin/reply/delete', { body: { ids: [row.id] } })); action.current?.reload(); void loadFolders(); }} />
        </Permission>,
      ],
    },
  ];

  const deleteFolder = async (folder: Folder) => {
    await call(api.POST('/scrm/admin/reply/folder/delete', { body: { ids: [folder.id] } }));
    void message.success(t('reply.deleted'));
    if (folderId === folder.id) setFolderId(undefined);
    void loadFolders();
  };

  return (
    <PageContainer title={t('reply.pageTitle')}>
      <Row gutter={16}>
        <Col flex="240px">
          <Card
            size="small"
            title={t('reply.folders')}
            extra={<Permission code="reply:save"><Button size="small" type="link" icon={<PlusOutlined />} onClick={() => setFolderEditing({})} data-testid="reply-folder-create">{t('reply.newFolder')}</Button></Permission>}
          >
            <List
              size="small"
              dataSource={[{ id: 0, name: t('reply.allFolders'), sort: 0, replyCount: folders.reduce((sum, folder) => sum + folder.replyCount, 0) }, ...folders]}
              renderItem={(folder) => (
                <List.Item
                  style={{ cursor: 'pointer', background: (folderId ?? 0) === folder.id ? 'rgba(22,119,255,0.08)' : undefined, paddingInline: 8 }}
                  onClick={() => setFolderId(folder.id || undefined)}
                  actions={folder.id ? [
                    <Permission key="edit" code="reply:save"><a onClick={(event) => { event.stopPropagation(); setFolderEditing(folder); }}>{t('common.edit')}</a></Permission>,
                    <Permission key="delete" code="reply:delete">
                      <Popconfirm title={t('reply.deleteFolderConfirm', { name: folder.name, count: folder.replyCount })} onConfirm={() => deleteFolder(folder)}>
                        <a onClick={(event) => event.stopPropagation()}>{t('common.delete')}</a>
                      </Popconfirm>
                    </Permission>,
                  ] : []}
                >
                  <Space><Typography.Text>{folder.name}</Typography.Text><Typography.Text type="secondary">{folder.replyCount}</Typography.Text></Space>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col flex="auto">
          <ProTable<Reply>
            data-testid="reply-table"
            rowKey="id"
            actionRef={action}
            columns={columns}
            search={{ labelWidth: 'auto' }}
            pagination={{ defaultPageSize: 20, showSizeChanger: true }}
            request={pagedRequest((body: ReplyQuery) => call(api.POST('/scrm/admin/reply/page', { body: { ...body, folderId } })))}
            toolBarRender={() => [
              <Permission key="create" code="reply:save">
                <Button type="primary" icon={<PlusOutlined />} disabled={folders.length === 0} onClick={() => editor.edit({})} data-testid="reply-create">{t('reply.newReply')}</Button>
              </Permission>,
            ]}
          />
        </Col>
      </Row>
      {editor.editing && <ReplyModal reply={editor.editing.reply} folders={folders} folderId={folderId} onClose={editor.close} onSaved={editor.saved} />}
      {folderEditing && <FolderModal folder={folderEditing} onClose={() => setFolderEditing(null)} onSaved={() => { setFolderEditing(null); void loadFolders(); }} />}
    </PageContainer>
  );
}

function FolderModal({ folder, onClose, onSaved }: { folder: Partial<Folder>; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<{ name: string; sort?: number }>({
    id: folder.id,
    defaults: { sort: 0 },
    load: async () => ({ name: folder.name, sort: folder.sort }),
    save: (values) => call(api.POST('/scrm/admin/reply/folder/save', { body: { ...values, id: folder.id } })),
    onSaved,
    onClose,
  });
  return (
    <Modal {...modalProps} title={folder.id ? t('reply.editFolder') : t('reply.newFolder')}>
      <Form form={form} layout="vertical" data-testid="reply-folder-form">
        <Form.Item name="name" label={t('reply.folderName')} rules={[{ required: true, whitespace: true, max: 64 }]}><Input /></Form.Item>
        <Form.Item name="sort" label={t('reply.sort')}><InputNumber min={0} max={9999} /></Form.Item>
      </Form>
    </Modal>
  );
}

function ReplyModal({ reply, folders, folderId, onClose, onSaved }: { reply?: Reply; folders: Folder[]; folderId?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<ReplyValues>({
    id: reply?.id,
    defaults: { type: 'text', folderId: folderId ?? folders[0]?.id, sort: 0 },
    load: async () => ({ folderId: reply!.folderId, title: reply!.title, type: reply!.type, content: reply!.content, mediaId: reply!.mediaId ?? undefined, sort: reply!.sort }),
    save: (values) => call(api.POST('/scrm/admin/reply/save', { body: { ...values, id: reply?.id } })),
    onSaved,
    onClose,
  });
  const type = Form.useWatch('type', form) ?? 'text';
  const [media, setMedia] = useState<Array<{ id: number; title: string }>>([]);
  useEffect(() => {
    if (type === 'text') return;
    void call(api.GET('/scrm/admin/media/listByType', { params: { query: { type, scope: 1 } } }), { silent: true }).then((items) => setMedia(items.map((item) => ({ id: item.id, title: item.title }))));
  }, [type]);
  return (
    <Modal {...modalProps} title={reply ? t('reply.editReply') : t('reply.newReply')}>
      <Form form={form} layout="vertical" data-testid="reply-form">
        <Form.Item name="folderId" label={t('reply.folder')} rules={[{ required: true }]}>
          <Select options={folders.map((folder) => ({ value: folder.id, label: folder.name }))} />
        </Form.Item>
        <Form.Item name="title" label={t('reply.title')} rules={[{ required: true, whitespace: true, max: 64 }]}><Input /></Form.Item>
        <Form.Item name="type" label={t('reply.type')} rules={[{ required: true }]}>
          <Select options={REPLY_TYPES.map((value) => ({ value, label: t(`sidebar.type_${value}`) }))} />
        </Form.Item>
        {type === 'text' ? (
          <Form.Item name="content" label={t('reply.content')} rules={[{ required: true, whitespace: true, max: 4000 }]}><Input.TextArea rows={4} /></Form.Item>
        ) : (
          <Form.Item name="mediaId" label={t('reply.media')} extra={t('reply.mediaHint')} rules={[{ required: true }]}>
            <Select showSearch optionFilterProp="label" options={media.map((item) => ({ value: item.id, label: item.title }))} />
          </Form.Item>
        )}
        <Form.Item name="sort" label={t('reply.sort')}><InputNumber min={0} max={9999} /></Form.Item>
      </Form>
    </Modal>
  );
}
