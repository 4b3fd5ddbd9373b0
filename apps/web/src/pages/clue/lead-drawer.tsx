import { DisconnectOutlined, LinkOutlined, SwapOutlined } from '@ant-design/icons';
import { App, Button, DatePicker, Descriptions, Drawer, Empty, Form, Input, List, Modal, Pagination, Select, Space, Spin, Tabs, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { employeeText } from '../../components/names.tsx';
import { api, call } from '../../api/client.ts';
import type { LeadDetail, LeadEvent } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { EmployeeSelect, TagSelect } from '../../components/pickers.tsx';
import { LEAD_STATUS_COLORS } from './lead-pool-page.tsx';

const FOLLOW_METHODS = ['phone', 'wechat', 'visit', 'email', 'other'] as const;
const time = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : '—');

/** A lead: base info, contacts, tags, follow-ups, its timeline and its WeCom customer (link, transfer). */
export function LeadDrawer({ clueId, onClose, onChanged }: { clueId: number; onClose: () => void; onChanged: () => void }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const [lead, setLead] = useState<LeadDetail | null>(null);
  const [dialog, setDialog] = useState<'link' | 'transfer' | null>(null);
  const [version, setVersion] = useState(0);

  const load = useCallback(() => {
    call(api.GET('/scrm/admin/clue/detail/get', { params: { query: { clueId } } })).then(setLead, onClose);
  }, [clueId, onClose]);
  useEffect(load, [load, version]);

  const changed = () => {
    setVersion((value) => value + 1);
    onChanged();
  };

  const unlink = () =>
    modal.confirm({
      title: t('lead.unlinkConfirm', { name: lead?.customer?.name ?? '' }),
      onOk: async () => {
        await call(api.POST('/scrm/admin/clue/unlinkCustomer', { body: { clueId } }));
        message.success(t('lead.unlinked'));
        changed();
      },
    });

  const setInvalid = async (invalid: boolean) => {
    await call(api.POST('/scrm/admin/clue/update', { body: { clueId, invalid } }));
    message.success(t('common.saved'));
    changed();
  };

  const saveNextFollow = async (nextFollowAt: string | null) => {
    await call(api.POST('/scrm/admin/clue/update', { body: { clueId, nextFollowAt } }));
    message.success(t('common.saved'));
    changed();
  };

  const saveTags = async (tagIds: number[]) => {
    await call(api.POST('/scrm/admin/clue/detail/updateSysTags', { body: { clueId, tagIds } }));
    message.success(t('common.saved'));
    changed();
  };

  return (
    <Drawer
      open
      size={820}
      onClose={onClose}
      title={
        lead ? (
          <Space>
            {lead.name}
            <Tag color={LEAD_STATUS_COLORS[lead.status]}>{t(`lead.status_${lead.status}`)}</Tag>
          </Space>
        ) : (
          t('common.loading')
        )
      }
      extra={
        lead && (
          <Space>
            <Permission code="clue:link">
              {lead.externalUserid ? (
                <Button icon={<DisconnectOutlined />} onClick={() => unlink()} data-testid="lead-unlink">
                  {t('lead.unlinkCustomer')}
                </Button>
              ) : (
                <Button icon={<LinkOutlined />} onClick={() => setDialog('link')} data-testid="lead-link">
                  {t('lead.linkCustomer')}
                </Button>
              )}
            </Permission>
            <Permission code="clue:transfer">
              <Button icon={<SwapOutlined />} disabled={!lead.customer} onClick={() => setDialog('transfer')} data-testid="lead-transfer">
                {t('lead.transfer')}
              </Button>
            </Permission>
            <Permission code="clue:update">
              <Button danger={lead.status !== 'invalid'} onClick={() => void setInvalid(lead.status !== 'invalid').catch(() => undefined)}>
                {lead.status === 'invalid' ? t('lead.restore') : t('lead.markInvalid')}
              </Button>
            </Permission>
          </Space>
        )
      }
      data-testid="lead-drawer"
    >
      {!lead ? (
        <Spin />
      ) : (
        <Tabs
          items={[
            {
              key: 'info',
              label: t('lead.info'),
              children: (
                <Space orientation="vertical" size={16} style={{ width: '100%' }}>
                  <Descriptions column={2} size="small" bordered>
                    <Descriptions.Item label={t('lead.phone')}>{lead.primaryPhone ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('customer.gender')}>{t(`customer.gender${lead.gender}`)}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.company')}>{lead.company || '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.position')}>{lead.position || '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.source')}>{t(`lead.source_${lead.source}`)}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.channel')}>{lead.channel || '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.owner')}>
                      <span data-testid="lead-drawer-owner">
                        {lead.ownerUserid === null ? t('lead.inPool') : employeeText(t, lead.ownerName, lead.ownerUserid)}
                        {lead.ownerLeft && <Tag style={{ marginLeft: 4 }}>{t('lead.ownerLeft')}</Tag>}
                      </span>
                      {lead.ownerUserid === null && lead.returnReason && (
                        <Typography.Text type="secondary" style={{ display: 'block' }}>
                          {t('lead.returnedWith', { reason: lead.returnReason })}
                        </Typography.Text>
                      )}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('lead.assignedAt')}>{time(lead.assignedAt)}</Descriptions.Item>
                    <Descriptions.Item label={t('lead.nextFollow')} span={2}>
                      <Permission code="clue:update" fallback={<>{time(lead.nextFollowAt)}</>}>
                        <Space>
                          <DatePicker
                            showTime={{ format: 'HH:mm' }}
                            format="YYYY-MM-DD HH:mm"
                            value={lead.nextFollowAt ? dayjs(lead.nextFollowAt) : null}
                            onChange={(value) => void saveNextFollow(value ? value.toISOString() : null).catch(() => undefined)}
                            data-testid="lead-next-follow"
                          />
                          <Typography.Text type="secondary">{t('lead.nextFollowHint')}</Typography.Text>
                        </Space>
                      </Permission>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('lead.address')} span={2}>
                      {lead.address || '—'}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.remark')} span={2}>
                      {lead.remark || '—'}
                    </Descriptions.Item>
                  </Descriptions>
                  <Typography.Title level={5}>{t('lead.contacts')}</Typography.Title>
                  {lead.contacts.length === 0 ? (
                    <Typography.Text type="secondary">—</Typography.Text>
                  ) : (
                    <Space wrap>
                      {lead.contacts.map((contact) => (
                        <Tag key={contact.id} color={contact.primary ? 'blue' : undefined}>
                          {t(`lead.contact_${contact.type}`)}: {contact.value}
                          {contact.primary ? ` · ${t('lead.primary')}` : ''}
                        </Tag>
                      ))}
                    </Space>
                  )}
                  <Typography.Title level={5}>{t('lead.tags')}</Typography.Title>
                  <Permission code="clue:tag" fallback={<Space wrap>{lead.tags.map((tag) => <Tag key={tag.id}>{tag.name}</Tag>)}</Space>}>
                    <TagSelect type="self" value={lead.tags.map((tag) => tag.id)} onChange={((tagIds: number[]) => void saveTags(tagIds).catch(() => undefined)) as never} testId="lead-tags" />
                  </Permission>
                  <Typography.Title level={5}>{t('lead.customer')}</Typography.Title>
                  {lead.customer ? (
                    <Descriptions column={1} size="small" bordered>
                      <Descriptions.Item label={t('customer.name')}>{lead.customer.name}</Descriptions.Item>
                      <Descriptions.Item label={t('names.customerId')}>{lead.customer.externalUserid}</Descriptions.Item>
                      <Descriptions.Item label={t('customer.employee')}>
                        {lead.customer.relations.map((relation) => (
                          <Tag key={relation.userid}>
                            {employeeText(t, relation.name, relation.userid)} · {t(`customer.status_${relation.status}`, { defaultValue: relation.status })}
                          </Tag>
                        ))}
                      </Descriptions.Item>
                    </Descriptions>
                  ) : (
                    <Typography.Text type="secondary">{t('lead.noCustomer')}</Typography.Text>
                  )}
                  {lead.transfers.length > 0 && (
                    <List
                      size="small"
                      header={t('lead.transfers')}
                      dataSource={lead.transfers}
                      renderItem={(transfer) => (
                        <List.Item data-testid={`lead-transfer-${transfer.status}`}>
                          {employeeText(t, transfer.handoverName, transfer.handoverUserid)} → {employeeText(t, transfer.takeoverName, transfer.takeoverUserid)} · <Tag>{t(`lead.transfer_${transfer.status}`, { defaultValue: transfer.status })}</Tag>
                          {transfer.errorMessage ?? transfer.failReason}
                        </List.Item>
                      )}
                    />
                  )}
                </Space>
              ),
            },
            { key: 'follow', label: t('lead.followUps', { count: lead.followUps.length }), children: <FollowUps lead={lead} onSaved={changed} /> },
            { key: 'timeline', label: t('lead.timeline'), children: <LeadTimeline clueId={clueId} version={version} /> },
          ]}
        />
      )}
      {dialog === 'link' && lead && (
        <LinkCustomerModal
          clueId={clueId}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            message.success(t('common.saved'));
            changed();
          }}
        />
      )}
      {dialog === 'transfer' && lead?.customer && (
        <TransferModal
          lead={lead}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            changed();
          }}
        />
      )}
    </Drawer>
  );
}

function FollowUps({ lead, onSaved }: { lead: LeadDetail; onSaved: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<{ content: string; method: (typeof FOLLOW_METHODS)[number] }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await call(api.POST('/scrm/admin/clue/update', { body: { clueId: lead.id, followUp: { content: values.content, method: values.method } } }));
      form.resetFields();
      onSaved();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Permission code="clue:update">
        <Form form={form} layout="vertical" initialValues={{ method: 'phone' }}>
          <Form.Item name="method" label={t('lead.followMethod')}>
            <Select style={{ width: 200 }} options={FOLLOW_METHODS.map((method) => ({ value: method, label: t(`lead.method_${method}`) }))} />
          </Form.Item>
          <Form.Item name="content" label={t('lead.followContent')} rules={[{ required: true, whitespace: true, max: 2000 }]}>
            <Input.TextArea rows={3} maxLength={2000} data-testid="lead-follow-content" />
          </Form.Item>
          <Button type="primary" loading={saving} onClick={() => void submit().catch(() => undefined)} data-testid="lead-follow-submit">
            {t('lead.addFollowUp')}
          </Button>
        </Form>
      </Permission>
      <List
        dataSource={lead.followUps}
        locale={{ emptyText: <Empty /> }}
        renderItem={(follow) => (
          <List.Item>
            <List.Item.Meta title={`${t(`lead.method_${follow.method}`, { defaultValue: follow.method })} · ${follow.cuser ?? ''}`} description={time(follow.ctime)} />
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', maxWidth: 480, margin: 0 }}>{follow.content}</Typography.Paragraph>
          </List.Item>
        )}
      />
    </Space>
  );
}

/** The lead's timeline, paged by the server, newest first. */
function LeadTimeline({ clueId, version }: { clueId: number; version: number }) {
  const { t } = useTranslation();
  const [pageNum, setPageNum] = useState(1);
  const [page, setPage] = useState<{ records: LeadEvent[]; total: number } | null>(null);
  useEffect(() => {
    call(api.POST('/scrm/admin/clue/detail/dynamics', { body: { pageNum, pageSize: 20, clueId } })).then(setPage, () => setPage({ records: [], total: 0 }));
  }, [clueId, pageNum, version]);
  if (!page) return <Spin />;
  if (page.records.length === 0) return <Empty />;
  return (
    <>
      <Timeline
        data-testid="lead-timeline"
        items={page.records.map((event) => ({
          content: (
            <Space orientation="vertical" size={0}>
              <span>
                {t(`lead.event_${event.type}`, { defaultValue: event.type })}
                {typeof event.data.toOwnerName === 'string' ? ` ${t('lead.eventTo', { name: event.data.toOwnerName })}` : ''}
                {event.actor ? ` · ${event.actor}` : ''}
              </span>
              {typeof event.data.reason === 'string' && event.type === 'returned' && <Typography.Text>{t('lead.eventReason', { reason: event.data.reason })}</Typography.Text>}
              {event.type === 'imported' && typeof event.data.fileName === 'string' && (
                <Typography.Text>{t('lead.eventImportedFrom', { fileName: event.data.fileName, row: event.data.row })}</Typography.Text>
              )}
              <Typography.Text type="secondary">{time(event.occurredAt)}</Typography.Text>
            </Space>
          ),
        }))}
      />
      <Pagination size="small" current={pageNum} total={page.total} pageSize={20} onChange={setPageNum} />
    </>
  );
}

function LinkCustomerModal({ clueId, onClose, onDone }: { clueId: number; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const [externalUserid, setExternalUserid] = useState('');
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    setSaving(true);
    try {
      await call(api.POST('/scrm/admin/clue/linkCustomer', { body: { clueId, externalUserid: externalUserid.trim() } }));
      onDone();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.linkCustomer')} onCancel={onClose} onOk={() => void submit()} okButtonProps={{ disabled: !externalUserid.trim() }} confirmLoading={saving}>
      <Form layout="vertical">
        <Form.Item label={t('names.customerId')} required extra={t('lead.linkHint')}>
          <Input value={externalUserid} onChange={(event) => setExternalUserid(event.target.value)} data-testid="lead-link-external" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** WeCom in-service transfer of the lead's customer from one employee to another. */
function TransferModal({ lead, onClose, onDone }: { lead: LeadDetail; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const customer = lead.customer!;
  const active = customer.relations.filter((relation) => relation.status === 'active');
  const [form] = Form.useForm<{ handoverUserid: string; takeoverUserid: string; message?: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const result = await call(api.POST('/scrm/admin/clue/detail/transfer', { body: { externalUserids: [customer.externalUserid], ...values } }));
      const failed = result.transfers.filter((transfer) => transfer.status !== 'waiting' && transfer.status !== 'completed');
      if (failed.length > 0) message.warning(failed.map((transfer) => transfer.errorMessage ?? transfer.failReason ?? transfer.status).join('; '));
      else message.success(t('lead.transferRequested'));
      onDone();
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('lead.transfer')} onCancel={onClose} onOk={() => void submit().catch(() => undefined)} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ handoverUserid: active[0]?.userid }}>
        <Form.Item name="handoverUserid" label={t('lead.handover')} rules={[{ required: true }]}>
          <Select options={active.map((relation) => ({ value: relation.userid, label: employeeText(t, relation.name, relation.userid) }))} />
        </Form.Item>
        <Form.Item name="takeoverUserid" label={t('lead.takeover')} rules={[{ required: true }]}>
          <EmployeeSelect eligible testId="lead-transfer-takeover" />
        </Form.Item>
        <Form.Item name="message" label={t('lead.transferMessage')} rules={[{ max: 200 }]}>
          <Input.TextArea rows={2} maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
