import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Form, Input, Modal } from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, ChannelRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { OrderAndStatusFields, pagedRequest, statusValueEnum, useEditor, useModuleAvailability, useRecordForm } from '../../components/crud.tsx';
import { PlusOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type ChannelQuery = BodyOf<'/scrm/admin/cust/channel/page', 'post'>;
type ChannelValues = { name: string; channelType?: string; remark?: string; orderNum?: number; status?: number };

/** 获客渠道: the channels links, QR codes and leads are attributed to. */
export function ChannelPage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={t('channel.title')} />;

  const columns: ProColumns<ChannelRecord>[] = [
    { title: t('channel.name'), dataIndex: 'name' },
    { title: t('channel.type'), dataIndex: 'channelType', render: (_, row) => row.channelType || '—' },
    { title: t('common.orderNum'), dataIndex: 'orderNum', search: false, width: 80 },
    { title: t('common.status'), dataIndex: 'status', valueType: 'select', valueEnum: statusValueEnum(t) },
    { title: t('common.remark'), dataIndex: 'remark', search: false, ellipsis: true },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 90,
      render: (_, row) => [
        <Permission key="edit" code="cust:channel:save">
          <a onClick={() => editor.edit({ id: row.id })}>{t('common.edit')}</a>
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('channel.title')}>
      <ProTable<ChannelRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: ChannelQuery) => guard(api.POST('/scrm/admin/cust/channel/page', { body })))}
        toolBarRender={() => [
          <Permission key="create" code="cust:channel:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({})} data-testid="channel-create">
              {t('channel.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && <ChannelModal id={editor.editing.id} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

function ChannelModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<ChannelValues>({
    id,
    defaults: { status: 0, orderNum: 0 },
    load: async (channelId) => {
      const channel = await call(api.GET('/scrm/admin/cust/channel/get', { params: { query: { id: channelId } } }));
      return { name: channel.name, channelType: channel.channelType, remark: channel.remark, orderNum: channel.orderNum, status: channel.status };
    },
    save: (values) => call(api.POST('/scrm/admin/cust/channel/save', { body: { ...values, id } })),
    onSaved,
    onClose,
  });
  return (
    <Modal {...modalProps} title={id ? t('channel.edit') : t('channel.create')}>
      <Form form={form} layout="vertical" data-testid="channel-form">
        <Form.Item name="name" label={t('channel.name')} rules={[{ required: true, whitespace: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="channelType" label={t('channel.type')} rules={[{ max: 64 }]}>
          <Input />
        </Form.Item>
        <OrderAndStatusFields />
        <Form.Item name="remark" label={t('common.remark')}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
