import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, InputNumber, Modal, Select, Switch, Tag, Tooltip } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, download, withDetail } from '../../api/client.ts';
import type { BodyOf, GroupRecord, JoinWayRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { DeleteLink, pagedRequest, useEditor, useModuleAvailability, useRecordForm } from '../../components/crud.tsx';
import { ChannelSelect, useChannels } from '../../components/pickers.tsx';
import { groupLabel } from '../../components/names.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { ProTable } from '../../components/table.tsx';

type JoinWayQuery = BodyOf<'/scrm/admin/group/join/page', 'post'>;
const STATUS_COLORS: Record<number, string> = { 0: 'default', 1: 'success', 2: 'error' };

/** 加群二维码: WeCom join ways (1–5 groups, auto-created rooms), with the QR as PNG. */
export function JoinWayPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const channels = useChannels();
  const editor = useEditor<{ id?: number }>(() => action.current?.reload());
  const { missing, guard } = useModuleAvailability();
  if (missing) return <ComingSoonPage name={t('joinWay.title')} />;

  const remove = async (ids: number[]) => {
    await call(api.POST('/scrm/admin/group/join/delete', { body: { ids } }));
    message.success(t('common.deleted'));
    action.current?.reload();
  };

  const columns: ProColumns<JoinWayRecord>[] = [
    { title: t('joinWay.name'), dataIndex: 'name' },
    { title: t('acqLink.channel'), dataIndex: 'channelId', render: (_, row) => channels.find((channel) => channel.id === row.channelId)?.name ?? '—', formItemRender: () => <ChannelSelect /> },
    { title: t('joinWay.groups'), dataIndex: 'chatIdList', search: false, render: (_, row) => row.chatIdList.length },
    { title: t('joinWay.autoCreate'), dataIndex: 'autoCreateRoom', search: false, render: (_, row) => (row.autoCreateRoom ? t('common.yes') : t('common.no')) },
    { title: t('names.stateParam'), dataIndex: 'state', search: false },
    {
      title: t('common.status'),
      dataIndex: 'status',
      search: false,
      render: (_, row) => (
        <Tooltip title={withDetail(row.statusReason ?? '', row.statusDetail)}>
          <Tag color={STATUS_COLORS[row.status]}>{t(`acqLink.status${row.status}`, { defaultValue: String(row.status) })}</Tag>
        </Tooltip>
      ),
    },
    { title: t('common.createdAt'), dataIndex: 'ctime', valueType: 'dateTime', search: false },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 200,
      render: (_, row) => [
        <Permission key="edit" code="group:join:save">
          <a onClick={() => editor.edit({ id: row.id })}>{t('common.edit')}</a>
        </Permission>,
        <Permission key="png" code="group:join:query">
          {row.qrCode ? (
            <a onClick={() => void download('/scrm/admin/group/join/png', { query: { id: row.id } }).catch(() => undefined)}>
              <DownloadOutlined /> PNG
            </a>
          ) : null}
        </Permission>,
        <Permission key="delete" code="group:join:delete">
          <DeleteLink onConfirm={() => remove([row.id])} />
        </Permission>,
      ],
    },
  ];

  return (
    <PageContainer title={t('joinWay.title')}>
      <ProTable<JoinWayRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: JoinWayQuery) => guard(api.POST('/scrm/admin/group/join/page', { body })))}
        toolBarRender={() => [
          <Permission key="create" code="group:join:save">
            <Button type="primary" icon={<PlusOutlined />} onClick={() => editor.edit({})} data-testid="join-way-create">
              {t('joinWay.create')}
            </Button>
          </Permission>,
        ]}
      />
      {editor.editing && <JoinWayModal id={editor.editing.id} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

interface JoinWayValues {
  name?: string;
  remark?: string;
  chatIdList: string[];
  autoCreateRoom: boolean;
  roomBaseName?: string;
  roomBaseId?: number;
  channelId?: number | null;
}

function JoinWayModal({ id, onClose, onSaved }: { id?: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [groups, setGroups] = useState<GroupRecord[]>([]);
  useEffect(() => {
    call(api.GET('/scrm/admin/group/list'), { silent: true }).then(setGroups, () => setGroups([]));
  }, []);
  const { form, modalProps } = useRecordForm<JoinWayValues>({
    id,
    defaults: { chatIdList: [], autoCreateRoom: true, roomBaseId: 1 },
    load: async (wayId) => {
      const way = await call(api.GET('/scrm/admin/group/join/get', { params: { query: { id: wayId } } }));
      return { name: way.name, remark: way.remark, chatIdList: way.chatIdList, autoCreateRoom: way.autoCreateRoom === 1, roomBaseName: way.roomBaseName ?? undefined, roomBaseId: way.roomBaseId ?? undefined, channelId: way.channelId };
    },
    save: (values) => call(api.POST('/scrm/admin/group/join/save', { body: { ...values, id, autoCreateRoom: values.autoCreateRoom ? 1 : 0 } })),
    onSaved,
    onClose,
  });
  const autoCreate = Form.useWatch('autoCreateRoom', form);
  return (
    <Modal {...modalProps} title={id ? t('joinWay.edit') : t('joinWay.create')} width={600}>
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('joinWay.name')} rules={[{ required: true, max: 64 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="chatIdList" label={t('joinWay.groups')} rules={[{ required: true, type: 'array', min: 1, max: 5, message: t('joinWay.groupsRule') }]}>
          <Select mode="multiple" maxCount={5} showSearch={{ optionFilterProp: 'label' }} options={groups.map((group) => ({ value: group.chatId, label: groupLabel(t, group) }))} />
        </Form.Item>
        <Form.Item name="autoCreateRoom" label={t('joinWay.autoCreate')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {autoCreate && (
          <Form.Item label={t('joinWay.roomBase')} style={{ marginBottom: 0 }}>
            <Form.Item name="roomBaseName" style={{ display: 'inline-block', width: 300, marginRight: 8 }} rules={[{ max: 40 }]}>
              <Input placeholder={t('joinWay.roomBaseName')} />
            </Form.Item>
            <Form.Item name="roomBaseId" style={{ display: 'inline-block', width: 120 }}>
              <InputNumber min={0} precision={0} placeholder="1" />
            </Form.Item>
          </Form.Item>
        )}
        <Form.Item name="channelId" label={t('acqLink.channel')}>
          <ChannelSelect />
        </Form.Item>
        <Form.Item name="remark" label={t('common.remark')} rules={[{ max: 30 }]}>
          <Input maxLength={30} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}
