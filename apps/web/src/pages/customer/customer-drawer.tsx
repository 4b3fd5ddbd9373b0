import { CloudSyncOutlined, EditOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Drawer, Empty, Form, Modal, Space, Spin, Tabs, Typography } from 'antd';
import dayjs from 'dayjs';
import { CustomerNotes } from './customer-notes.tsx';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { CustomerDetail, RelationRecord, TagInfoRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { TagSelect } from '../../components/pickers.tsx';
import { ChannelName, EmployeeName, employeeText } from '../../components/names.tsx';
import { addWayText, CustomerName, RelationStatusTag, RelationTags, TagBriefs } from './customer-fields.tsx';
import { RelationStageAction } from '../ops/stage-parts.tsx';
import { CustomerTimeline } from './customer-timeline.tsx';

const time = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : '—');

/** A customer: its WeCom profile, every employee relation with its tags, and a timeline; tags editable. */
export function CustomerDrawer({ externalUserid, onClose, onChanged }: { externalUserid: string; onClose: () => void; onChanged?: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [tagInfo, setTagInfo] = useState<Record<number, TagInfoRecord>>({});
  const [refreshing, setRefreshing] = useState(false);
  const [editing, setEditing] = useState<RelationRecord | null>(null);

  const loadTags = useCallback(async (relations: RelationRecord[]) => {
    const entries = await Promise.all(
      relations.map((relation) =>
        call(api.GET('/scrm/admin/cust/tagInfo/get', { params: { query: { id: relation.id } } }), { silent: true }).then(
          (info) => [relation.id, info] as const,
          () => null,
        ),
      ),
    );
    setTagInfo(Object.fromEntries(entries.filter((entry) => entry !== null)));
  }, []);

  const show = useCallback(
    (loaded: CustomerDetail) => {
      setDetail(loaded);
      void loadTags(loaded.relations);
    },
    [loadTags],
  );

  useEffect(() => {
    call(api.GET('/scrm/admin/cust/info/getByExternalUserid', { params: { query: { externalUserid } } })).then(show, onClose);
  }, [externalUserid, show, onClose]);

  const refresh = async () => {
    setRefreshing(true);
    try {
      show(await call(api.GET('/scrm/admin/cust/info/realtime', { params: { query: { externalUserid } } })));
      message.success(t('customer.refreshed'));
      onChanged?.();
    } catch {
      // shown by the client
    } finally {
      setRefreshing(false);
    }
  };

  const genderText = (gender: number) => t(`customer.gender${gender}`);

  return (
    <Drawer
      open
      size={760}
      onClose={onClose}
      title={detail ? <CustomerName name={detail.name} avatar={detail.avatar} type={detail.type} corpName={detail.corpName} /> : t('common.loading')}
      extra={
        <Permission code="cust:info:realtime">
          <Button icon={<CloudSyncOutlined />} loading={refreshing} onClick={() => void refresh()} data-testid="customer-realtime">
            {t('customer.realtime')}
          </Button>
        </Permission>
      }
      data-testid="customer-drawer"
    >
      {!detail ? (
        <Spin />
      ) : (
        <Tabs
          items={[
            {
              key: 'profile',
              label: t('customer.profile'),
              children: (
                <Space orientation="vertical" size={16} style={{ width: '100%' }}>
                  <Descriptions column={2} size="small" bordered>
                    <Descriptions.Item label={t('names.customerId')} span={2}>
                      <Typography.Text copyable>{detail.externalUserid}</Typography.Text>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('customer.customerType')}>{t(`customer.type${detail.type}`)}</Descriptions.Item>
                    <Descriptions.Item label={t('customer.gender')}>{genderText(detail.gender)}</Descriptions.Item>
                    <Descriptions.Item label={t('customer.corpName')}>{detail.corpFullName || detail.corpName || '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('customer.position')}>{detail.position || '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wecom.syncedAt')}>{time(detail.syncedAt)}</Descriptions.Item>
                    <Descriptions.Item label={t('common.createdAt')}>{time(detail.ctime)}</Descriptions.Item>
                  </Descriptions>
                  <Typography.Title level={5}>{t('customer.relations', { count: detail.relations.length })}</Typography.Title>
                  {detail.relations.length === 0 && <Empty />}
                  {detail.relations.map((relation) => (
                    <Card
                      key={relation.id}
                      size="small"
                      title={
                        <Space>
                          <EmployeeName name={relation.employeeName} userid={relation.userid} />
                          <RelationStatusTag status={relation.status} transferTo={relation.transferTo ? employeeText(t, relation.transferToName, relation.transferTo) : null} />
                          <RelationStageAction relation={{ ...relation, customerName: detail.name }} onMoved={onChanged} />
                        </Space>
                      }
                      extra={
                        <Permission code="cust:tag:save">
                          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(relation)} data-testid={`customer-edit-tags-${relation.userid}`}>
                            {t('customer.editTags')}
                          </Button>
                        </Permission>
                      }
                      data-testid={`customer-relation-${relation.userid}`}
                    >
                      <Descriptions column={2} size="small">
                        <Descriptions.Item label={t('customer.remark')}>{relation.remark || '—'}</Descriptions.Item>
                        <Descriptions.Item label={t('customer.addTime')}>{time(relation.createtime)}</Descriptions.Item>
                        <Descriptions.Item label={t('customer.addWay')}>{addWayText(t, relation.addWay)}</Descriptions.Item>
                        <Descriptions.Item label={t('customer.state')}><ChannelName row={relation} /></Descriptions.Item>
                        {relation.remarkMobiles.length > 0 && <Descriptions.Item label={t('customer.mobiles')}>{relation.remarkMobiles.join(', ')}</Descriptions.Item>}
                        {relation.description && <Descriptions.Item label={t('customer.description')}>{relation.description}</Descriptions.Item>}
                        {relation.lostAt && <Descriptions.Item label={t('customer.lostAt')}>{time(relation.lostAt)}</Descriptions.Item>}
                        {relation.transferFailReason && <Descriptions.Item label={t('customer.transferFail')}>{relation.transferFailReason}</Descriptions.Item>}
                        <Descriptions.Item label={t('customer.corpTags')} span={2}>
                          {tagInfo[relation.id] ? <TagBriefs tags={tagInfo[relation.id].corpTags} color="blue" /> : <RelationTags relation={relation} />}
                        </Descriptions.Item>
                        <Descriptions.Item label={t('customer.selfTags')} span={2}>
                          {tagInfo[relation.id] ? <TagBriefs tags={tagInfo[relation.id].selfTags} color="purple" /> : '—'}
                        </Descriptions.Item>
                      </Descriptions>
                    </Card>
                  ))}
                  <CustomerNotes externalUserid={externalUserid} />
                </Space>
              ),
            },
            {
              key: 'timeline',
              label: t('customer.timeline'),
              children: <CustomerTimeline externalUserid={externalUserid} />,
            },
          ]}
        />
      )}
      {editing && detail && (
        <RelationTagModal
          relation={editing}
          info={tagInfo[editing.id]}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            void loadTags(detail.relations);
            onChanged?.();
          }}
        />
      )}
    </Drawer>
  );
}

/** Sets the corp (WeCom mark_tag) and SCRM tags of one relation. */
function RelationTagModal({ relation, info, onClose, onSaved }: { relation: RelationRecord; info?: TagInfoRecord; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ corp: number[]; self: number[] }>();
  const [saving, setSaving] = useState(false);
  const initial = { corp: info?.corpTags.map((tag) => tag.id) ?? [], self: info?.selfTags.filter((tag) => tag.type === 'self').map((tag) => tag.id) ?? [] };

  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const target = { externalUserid: relation.externalUserid, userId: relation.userid };
      const same = (a: number[], b: number[]) => a.length === b.length && a.every((id) => b.includes(id));
      if (!same(values.corp, initial.corp)) await call(api.POST('/scrm/admin/cust/tagInfo/save', { body: { ...target, tagType: 'corp', tagIds: values.corp } }));
      if (!same(values.self, initial.self)) await call(api.POST('/scrm/admin/cust/tagInfo/save', { body: { ...target, tagType: 'self', tagIds: values.self } }));
      onSaved();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal open title={t('customer.editTagsOf', { name: relation.customerName, employee: employeeText(t, relation.employeeName, relation.userid) })} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving} okText={t('common.save')} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initial} data-testid="relation-tag-form">
        <Form.Item name="corp" label={t('customer.corpTags')} extra={t('customer.corpTagsHint')}>
          <TagSelect type="corp" />
        </Form.Item>
        <Form.Item name="self" label={t('customer.selfTags')}>
          <TagSelect type="self" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
