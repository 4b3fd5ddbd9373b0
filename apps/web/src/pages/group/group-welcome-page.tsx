import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, Button, Form, Input, Modal, Select, Space, Switch, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, MediaRecord, ResponseOf } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { crudToolbar, DeleteLink, pagedRequest, useEditor, useRecordForm } from '../../components/crud.tsx';
import { ProTable } from '../../components/table.tsx';
import { utf8Bytes } from '../ops/broadcast-api.ts';

type Template = ResponseOf<'/scrm/admin/group/welcome/page', 'post'>['records'][number];
type TemplateQuery = BodyOf<'/scrm/admin/group/welcome/page', 'post'>;
type TemplateValues = BodyOf<'/scrm/admin/group/welcome/save', 'post'>;

/** WeCom's limit on a new template's text (an edited one may have 4000). */
const TEXT_MAX_BYTES = 3000;
const ATTACHMENT_TYPES = ['image', 'link', 'miniprogram', 'file', 'video'];

/** 入群欢迎语: WeCom's 入群欢迎语素材 library; group owners pick one in the WeCom client (no API binds one to a group). */
export function GroupWelcomePage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const editor = useEditor<{ template?: Template }>(() => action.current?.reload());

  const columns: ProColumns<Template>[] = [
    { title: t('groupWelcome.keyword'), dataIndex: 'name', hideInTable: true },
    { title: t('groupWelcome.name'), dataIndex: 'name', search: false, width: 180 },
    { title: t('groupWelcome.text'), dataIndex: 'text', search: false, ellipsis: true },
    {
      title: t('groupWelcome.attachment'), dataIndex: 'attachmentTitle', search: false, width: 200,
      render: (_, row) => (row.attachmentType ? <Space size={4}><Tag>{row.attachmentTypeText}</Tag>{row.attachmentTitle}</Space> : t('groupWelcome.attachmentNone')),
    },
    { title: t('groupWelcome.notify'), dataIndex: 'notify', search: false, width: 100, render: (_, row) => (row.notify ? t('groupWelcome.notified') : t('groupWelcome.notNotified')) },
    { title: t('groupWelcome.muser'), dataIndex: 'muser', search: false, width: 110 },
    { title: t('groupWelcome.mtime'), dataIndex: 'mtime', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('common.actions'), valueType: 'option', width: 120,
      render: (_, row) => [
        <Permission key="edit" code="group:welcome:save"><a onClick={() => editor.edit({ template: row })}>{t('common.edit')}</a></Permission>,
        <Permission key="delete" code="group:welcome:delete">
          <DeleteLink onConfirm={async () => { await call(api.POST('/scrm/admin/group/welcome/delete', { body: { ids: [row.id] } })); action.current?.reload(); }} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('groupWelcome.title')}>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('groupWelcome.howTitle')} description={t('groupWelcome.how')} />
      <ProTable<Template>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: TemplateQuery) => call(api.POST('/scrm/admin/group/welcome/page', { body })))}
        toolBarRender={() => [
          crudToolbar({
            t, selected: [], deletePermission: 'group:welcome:delete', onDelete: async () => undefined,
            createPermission: 'group:welcome:save', createLabel: t('groupWelcome.create'), onCreate: () => editor.edit({}), createTestId: 'group-welcome-create',
          })[1],
        ]}
      />
      {editor.editing && <TemplateModal template={editor.editing.template} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

function TemplateModal({ template, onClose, onSaved }: { template?: Template; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<TemplateValues>({
    id: template?.id,
    defaults: { text: '', notify: true },
    load: async () => ({ name: template!.name, text: template!.text ?? '', mediaId: template!.mediaId ?? undefined }),
    save: (values) => call(api.POST('/scrm/admin/group/welcome/save', { body: { ...values, mediaId: values.mediaId ?? null, id: template?.id } })),
    onSaved,
    onClose,
  });
  const [media, setMedia] = useState<MediaRecord[]>([]);
  useEffect(() => {
    call(api.POST('/scrm/admin/media/page', { body: { pageNum: 1, pageSize: 500 } }), { silent: true }).then(
      (page) => setMedia(page.records.filter((item) => ATTACHMENT_TYPES.includes(item.type))),
      () => setMedia([]),
    );
  }, []);
  const text = Form.useWatch('text', form) ?? '';
  const bytes = utf8Bytes(text);
  const max = template ? 4000 : TEXT_MAX_BYTES;
  const insertNickname = () => form.setFieldValue('text', `${form.getFieldValue('text') ?? ''}%NICKNAME%`);

  return (
    <Modal {...modalProps} width={640} title={template ? t('groupWelcome.edit') : t('groupWelcome.create')}>
      <Form form={form} layout="vertical" data-testid="group-welcome-form">
        <Form.Item name="name" label={t('groupWelcome.name')} rules={[{ required: true, whitespace: true, max: 64 }]}><Input /></Form.Item>
        <Form.Item
          name="text"
          label={<Space>{t('groupWelcome.text')}<Button size="small" onClick={insertNickname}>{t('groupWelcome.insertNickname')}</Button></Space>}
          extra={<Space direction="vertical" size={0}><span>{t('groupWelcome.textHint')}</span><Typography.Text type={bytes > max ? 'danger' : 'secondary'}>{t('groupWelcome.bytes', { bytes, max })}</Typography.Text></Space>}
          rules={[{ validator: async (_, value: string) => { if (utf8Bytes(value ?? '') > max) throw new Error(t('groupWelcome.bytes', { bytes: utf8Bytes(value ?? ''), max })); } }]}
        >
          <Input.TextArea rows={5} />
        </Form.Item>
        <Form.Item name="mediaId" label={t('groupWelcome.media')} extra={t('groupWelcome.mediaHint')}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            options={media.map((item) => ({ value: item.id, label: `${t(`sidebar.type_${item.type}`)} · ${item.title}` }))}
            data-testid="group-welcome-media"
          />
        </Form.Item>
        {!template && (
          <Form.Item name="notify" label={t('groupWelcome.notify')} extra={t('groupWelcome.notifyHint')} valuePropName="checked"><Switch /></Form.Item>
        )}
      </Form>
    </Modal>
  );
}
