import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { PageContainer, ProCard } from '@ant-design/pro-components';
import { App, Button, Empty, Form, Input, InputNumber, Modal, Popconfirm, Space, Spin, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { TagGroup, TagType } from '../../api/types.ts';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { JobButton } from '../../components/job-progress.tsx';
import { useTagGroups } from '../../components/pickers.tsx';

/** WeCom's limit on tag and group names. */
const NAME_MAX = 30;

type GroupSave = { groupName: string; order?: number; tags: { id?: number; name: string; order?: number }[] };
type GroupUpdate = { id: number; groupName?: string; order?: number; tags?: { id?: number; name: string; order?: number }[] };

/** The same endpoints under /tag/corp and /tag/self. */
const endpoints = (type: TagType) => ({
  saveGroup: (body: GroupSave) => call(type === 'corp' ? api.POST('/scrm/admin/tag/corp/saveGroup', { body }) : api.POST('/scrm/admin/tag/self/saveGroup', { body })),
  updateGroup: (body: GroupUpdate) => call(type === 'corp' ? api.POST('/scrm/admin/tag/corp/updateGroup', { body }) : api.POST('/scrm/admin/tag/self/updateGroup', { body })),
  deleteGroup: async (ids: number[]) => {
    await call<null>((type === 'corp' ? api.POST('/scrm/admin/tag/corp/deleteGroup', { body: { ids } }) : api.POST('/scrm/admin/tag/self/deleteGroup', { body: { ids } })) as never);
  },
});

const PERMS = {
  corp: { save: 'tag:corp:save', delete: 'tag:corp:delete' },
  self: { save: 'tag:self:save', delete: 'tag:self:delete' },
} as const;

export function CorpTagPage() {
  return <TagGroupPage type="corp" />;
}

export function SelfTagPage() {
  return <TagGroupPage type="self" />;
}

/**
 * Tag groups of one kind: create a group with its tags, rename, reorder (larger order first, as WeCom),
 * delete; corp tags are made in WeCom first (its errors come back as they are) and synced with progress.
 */
function TagGroupPage({ type }: { type: TagType }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { groups, reload, loading } = useTagGroups(type);
  const [editing, setEditing] = useState<TagGroup | 'new' | null>(null);
  const [moving, setMoving] = useState(false);
  const canSave = usePermission(PERMS[type].save);
  const title = type === 'corp' ? t('tag.corpTitle') : t('tag.selfTitle');

  const removeGroup = async (group: TagGroup) => {
    await endpoints(type).deleteGroup([group.id]);
    message.success(t('common.deleted'));
    reload();
  };

  /** Moves a group one place: every group gets order = count − position, larger first. */
  const move = async (index: number, delta: -1 | 1) => {
    const order = [...groups];
    const [group] = order.splice(index, 1);
    order.splice(index + delta, 0, group);
    setMoving(true);
    try {
      for (const [position, item] of order.entries()) {
        const wanted = order.length - position;
        if (item.order !== wanted) await endpoints(type).updateGroup({ id: item.id, order: wanted });
      }
    } catch {
      // shown by the client
    } finally {
      setMoving(false);
      reload();
    }
  };

  return (
    <PageContainer
      title={title}
      extra={[
        type === 'corp' && (
          <Permission key="sync" code="tag:corp:sync">
            <JobButton label={t('tag.sync')} title={t('tag.syncTitle')} start={() => call(api.POST('/scrm/admin/tag/corp/sync'))} onFinished={reload} testId="tag-corp-sync" />
          </Permission>
        ),
        <Permission key="create" code={PERMS[type].save}>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="tag-group-create">
            {t('tag.createGroup')}
          </Button>
        </Permission>,
      ]}
    >
      {type === 'corp' && <Typography.Paragraph type="secondary">{t('tag.corpHint')}</Typography.Paragraph>}
      <Spin spinning={loading || moving}>
        {groups.length === 0 && !loading ? (
          <Empty description={t('tag.noGroups')} />
        ) : (
          <Space orientation="vertical" style={{ width: '100%' }} size={12} data-testid="tag-groups">
            {groups.map((group, index) => (
              <ProCard
                key={group.id}
                variant="outlined"
                title={
                  <Space>
                    <span data-testid={`tag-group-${group.groupName}`}>{group.groupName}</span>
                    <Typography.Text type="secondary">{t('tag.tagCount', { count: group.tags.length })}</Typography.Text>
                  </Space>
                }
                extra={
                  <Space>
                    {canSave && (
                      <>
                        <Tooltip title={t('tag.moveUp')}>
                          <Button size="small" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => void move(index, -1)} />
                        </Tooltip>
                        <Tooltip title={t('tag.moveDown')}>
                          <Button size="small" icon={<ArrowDownOutlined />} disabled={index === groups.length - 1} onClick={() => void move(index, 1)} />
                        </Tooltip>
                        <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(group)} data-testid={`tag-group-edit-${group.groupName}`}>
                          {t('common.edit')}
                        </Button>
                      </>
                    )}
                    <Permission code={PERMS[type].delete}>
                      <Popconfirm title={t('tag.confirmDeleteGroup', { name: group.groupName })} onConfirm={() => removeGroup(group).catch(() => undefined)}>
                        <Button size="small" danger icon={<DeleteOutlined />} data-testid={`tag-group-delete-${group.groupName}`} />
                      </Popconfirm>
                    </Permission>
                  </Space>
                }
              >
                <Space size={[4, 8]} wrap>
                  {group.tags.map((tag) => (
                    <Tag key={tag.id} color={type === 'corp' ? 'blue' : 'purple'}>
                      {tag.name}
                    </Tag>
                  ))}
                </Space>
              </ProCard>
            ))}
          </Space>
        )}
      </Spin>
      {editing && (
        <TagGroupModal
          type={type}
          group={editing === 'new' ? undefined : editing}
          nextOrder={groups.length + 1}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            reload();
          }}
        />
      )}
    </PageContainer>
  );
}

interface GroupFormValues {
  groupName: string;
  order?: number;
  tags: { id?: number; name: string }[];
}

/**
 * Create a group with its tags, or edit one: rename, reorder, and set its whole tag list (new tags
 * added, renamed ones renamed, removed ones deleted). Tags are ordered as listed, first on top.
 */
function TagGroupModal({ type, group, nextOrder, onClose, onSaved }: { type: TagType; group?: TagGroup; nextOrder: number; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<GroupFormValues>();
  const [saving, setSaving] = useState(false);
  const initial: GroupFormValues = group
    ? { groupName: group.groupName, order: group.order, tags: group.tags.map((tag) => ({ id: tag.id, name: tag.name })) }
    : { groupName: '', order: nextOrder, tags: [{ name: '' }] };

  const submit = async () => {
    const values = await form.validateFields();
    const tags = values.tags.map((tag, index) => ({ ...(tag.id ? { id: tag.id } : {}), name: tag.name.trim(), order: values.tags.length - index }));
    setSaving(true);
    try {
      if (group) await endpoints(type).updateGroup({ id: group.id, groupName: values.groupName.trim(), order: values.order, tags });
      else await endpoints(type).saveGroup({ groupName: values.groupName.trim(), order: values.order, tags });
      onSaved();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };

  const nameRules = [
    { required: true, whitespace: true, message: t('tag.nameRequired') },
    { max: NAME_MAX, message: t('tag.nameTooLong', { max: NAME_MAX }) },
  ];

  return (
    <Modal open title={group ? t('tag.editGroup') : t('tag.createGroup')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} okText={t('common.save')} destroyOnHidden width={560}>
      <Form form={form} layout="vertical" initialValues={initial} data-testid="tag-group-form">
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="groupName" label={t('tag.groupName')} rules={nameRules} style={{ width: 340 }}>
            <Input maxLength={NAME_MAX} showCount data-testid="tag-group-name" />
          </Form.Item>
          <Form.Item name="order" label={t('tag.order')} tooltip={t('tag.orderHint')}>
            <InputNumber min={0} precision={0} />
          </Form.Item>
        </Space>
        <Typography.Text strong>{t('tag.tags')}</Typography.Text>
        <Form.List
          name="tags"
          rules={[
            {
              validator: async (_rule, tags: unknown[]) => {
                if (!tags || tags.length === 0) throw new Error(t('tag.atLeastOne'));
              },
            },
          ]}
        >
          {(fields, { add, remove, move }, { errors }) => (
            <div style={{ marginTop: 8 }}>
              {fields.map((field, index) => (
                <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
                  <Form.Item name={[field.name, 'name']} rules={nameRules} style={{ width: 320, marginBottom: 8 }}>
                    <Input maxLength={NAME_MAX} placeholder={t('tag.tagName')} data-testid={`tag-name-${index}`} />
                  </Form.Item>
                  <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(index, index - 1)} />
                  <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={index === fields.length - 1} onClick={() => move(index, index + 1)} />
                  <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={fields.length === 1} onClick={() => remove(field.name)} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '' })} data-testid="tag-add">
                {t('tag.addTag')}
              </Button>
              <Form.ErrorList errors={errors} />
            </div>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
