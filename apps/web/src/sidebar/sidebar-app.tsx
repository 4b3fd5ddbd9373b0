import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Alert, Avatar, Button, Card, DatePicker, Descriptions, Empty, Input, List, Modal, Result, Select, Space, Spin, Statistic, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import dayjs from 'dayjs';
import { call } from '../api/client.ts';
import { setMessageApi } from '../api/feedback.ts';
import { sidebarApi } from './sidebar-api.ts';
import { customerText, employeeText, groupText } from '../components/names.tsx';
import { currentConversation, registerSdk, sdkFailure, sendChatMessage, signIn, type ChatMessage, type Conversation, type Settings } from './wecom-client.ts';

type CustomerView = Awaited<ReturnType<typeof loadCustomer>>;
type Reply = Awaited<ReturnType<typeof searchReplies>>[number];

const time = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : '—');
const loadCustomer = (externalUserid: string) => call(sidebarApi.GET('/scrm/sidebar/customer', { params: { query: { externalUserid } } }), { silent: true });
const searchReplies = (body: { keyword?: string; folderId?: number }) => call(sidebarApi.POST('/scrm/sidebar/reply/search', { body }));

function FeedbackBridge() {
  const { message } = App.useApp();
  useEffect(() => setMessageApi(message), [message]);
  return null;
}

/** The page: who is using it (OAuth2), the SDK registered, then the conversation's customer or group, and quick replies. */
export function SidebarApp() {
  const { t } = useTranslation();
  const [employee, setEmployee] = useState<{ userid: string; name: string }>();
  const [conversation, setConversation] = useState<Conversation>();
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    void (async () => {
      try {
        const settings = (await call(sidebarApi.GET('/scrm/sidebar/settings'), { silent: true })) as Settings;
        setEmployee(await signIn(settings));
        registerSdk(settings);
        setConversation(await currentConversation());
      } catch (error) {
        setFailure(error instanceof Error && !('errMsg' in error) ? error.message : t('sidebar.notInWecom', { reason: sdkFailure(error) }));
      }
    })();
  }, [t]);

  return (
    <App>
      <FeedbackBridge />
      <div style={{ maxWidth: 480, margin: '0 auto', padding: 12 }} data-testid="sidebar">
        <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 8 }}>
          <Typography.Text strong>{t('sidebar.title')}</Typography.Text>
          {employee && <Typography.Text type="secondary" data-testid="sidebar-employee">{employee.name}</Typography.Text>}
        </Space>
        {failure ? (
          <Alert type="error" title={failure} data-testid="sidebar-failure" />
        ) : !conversation ? (
          <Spin tip={employee ? t('sidebar.loading') : t('sidebar.signingIn')}><div style={{ height: 120 }} /></Spin>
        ) : conversation.kind === 'customer' ? (
          <CustomerPanel externalUserid={conversation.externalUserid} />
        ) : conversation.kind === 'group' ? (
          <GroupPanel chatId={conversation.chatId} />
        ) : (
          <Result status="info" title={t('sidebar.openInChat')} />
        )}
      </div>
    </App>
  );
}

function CustomerPanel({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const [view, setView] = useState<CustomerView | null>();
  const reload = useCallback(() => loadCustomer(externalUserid).then(setView, () => setView(null)), [externalUserid]);
  useEffect(() => void reload(), [reload]);
  if (view === undefined) return <Spin />;
  if (view === null) return <Result status="warning" title={t('sidebar.notYours')} data-testid="sidebar-not-yours" />;
  const { customer, relation } = view;
  return (
    <Tabs
      items={[
        {
          key: 'customer',
          label: t('sidebar.tabCustomer'),
          children: (
            <Space orientation="vertical" style={{ width: '100%' }} size={12}>
              <Card size="small" data-testid="sidebar-customer">
                <Space>
                  <Avatar src={customer.avatar ?? undefined}>{customer.name.slice(0, 1)}</Avatar>
                  <div>
                    <Typography.Text strong data-testid="sidebar-customer-name">{customer.name}</Typography.Text>{' '}
                    <Tag color={customer.type === 1 ? 'green' : 'blue'}>{t(`sidebar.customerType${customer.type === 2 ? 2 : 1}`)}</Tag>
                    {relation.status !== 'active' && <Tag color="red">{t('sidebar.statusLost')}</Tag>}
                    <div><Typography.Text type="secondary">{[customer.corpFullName || customer.corpName, customer.position].filter(Boolean).join(' · ') || ' '}</Typography.Text></div>
                  </div>
                </Space>
                <Descriptions column={1} size="small" style={{ marginTop: 8 }}>
                  <Descriptions.Item label={t('sidebar.addedAt')}>{time(relation.addedAt)}</Descriptions.Item>
                  <Descriptions.Item label={t('sidebar.source')}>{[relation.sourceName, relation.channelName].filter(Boolean).join(' · ') || '—'}</Descriptions.Item>
                  <Descriptions.Item label={t('sidebar.remark')}>{relation.remark || '—'}</Descriptions.Item>
                  {relation.remarkMobiles.length > 0 && <Descriptions.Item label={t('sidebar.mobiles')}>{relation.remarkMobiles.join(', ')}</Descriptions.Item>}
                  {relation.description && <Descriptions.Item label={t('sidebar.description')}>{relation.description}</Descriptions.Item>}
                </Descriptions>
              </Card>
              <StageCard externalUserid={externalUserid} />
              <LeadCard externalUserid={externalUserid} />
              <TagCard view={view} onSaved={(tags) => setView({ ...view, ...tags })} />
              <NotesCard externalUserid={externalUserid} notes={view.notes} onChanged={() => void reload()} />
            </Space>
          ),
        },
        { key: 'replies', label: t('sidebar.tabReplies'), children: <ReplyPanel /> },
        { key: 'timeline', label: t('sidebar.tabTimeline'), children: <TimelinePanel externalUserid={externalUserid} /> },
        { key: 'todo', label: t('sidebar.tabTodo'), children: <TodoPanel /> },
      ]}
    />
  );
}

/** The lead linked to the customer: the employee's own, with its timeline; linked to one of their leads, or unlinked, here. */
function LeadCard({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const [view, setView] = useState<Awaited<ReturnType<typeof loadLead>>>();
  const [keyword, setKeyword] = useState('');
  const [matches, setMatches] = useState<Awaited<ReturnType<typeof searchLeads>>>();
  useEffect(() => void loadLead(externalUserid).then(setView, () => undefined), [externalUserid]);
  const unlinked = !!view && !view.lead && !view.linkedElsewhere;
  useEffect(() => {
    if (!unlinked) return;
    const timer = setTimeout(() => void searchLeads(keyword.trim() || undefined).then(setMatches), 200);
    return () => clearTimeout(timer);
  }, [unlinked, keyword]);
  if (!view) return null;
  const link = async (clueId: number) => {
    setView(await call(sidebarApi.POST('/scrm/sidebar/lead/link', { body: { externalUserid, clueId } })));
    void message.success(t('sidebar.leadLinked'));
  };
  const unlink = (lead: NonNullable<typeof view.lead>) =>
    modal.confirm({
      title: t('sidebar.leadUnlinkConfirm', { name: lead.name }),
      onOk: async () => {
        setView(await call(sidebarApi.POST('/scrm/sidebar/lead/unlink', { body: { externalUserid, clueId: lead.id } })));
        void message.success(t('sidebar.leadUnlinked'));
      },
    });
  const { lead } = view;
  return (
    <Card size="small" title={t('sidebar.lead')} data-testid="sidebar-lead"
      extra={lead && <Button size="small" type="link" danger onClick={() => unlink(lead)} data-testid="sidebar-lead-unlink">{t('sidebar.leadUnlink')}</Button>}>
      {lead ? (
        <>
          <Space>
            <Typography.Text strong data-testid="sidebar-lead-name">{lead.name}</Typography.Text>
            <Tag color="green" data-testid="sidebar-lead-status">{t(`lead.status_${lead.status}`)}</Tag>
          </Space>
          <Descriptions column={1} size="small" style={{ marginTop: 8 }}>
            <Descriptions.Item label={t('sidebar.leadOwner')}><span data-testid="sidebar-lead-owner">{lead.ownerName ?? '—'}</span></Descriptions.Item>
            <Descriptions.Item label={t('sidebar.leadNextFollow')}>{time(lead.nextFollowAt)}</Descriptions.Item>
            {lead.primaryPhone && <Descriptions.Item label={t('sidebar.leadPhone')}>{lead.primaryPhone}</Descriptions.Item>}
          </Descriptions>
          <List
            size="small"
            data-testid="sidebar-lead-timeline"
            dataSource={view.events}
            renderItem={(event) => (
              <List.Item>
                <List.Item.Meta
                  title={<Space size={4}><Tag>{t(`lead.event_${event.type}`, { defaultValue: event.type })}</Tag>{eventSummary(event.data)}</Space>}
                  description={time(event.occurredAt)}
                />
              </List.Item>
            )}
          />
        </>
      ) : view.linkedElsewhere ? (
        <Typography.Text type="secondary" data-testid="sidebar-lead-elsewhere">{t('sidebar.leadElsewhere')}</Typography.Text>
      ) : (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary" data-testid="sidebar-lead-none">{t('sidebar.leadNone')}</Typography.Text>
          <Input.Search allowClear placeholder={t('sidebar.leadSearch')} value={keyword} onChange={(event) => setKeyword(event.target.value)} data-testid="sidebar-lead-search" />
          <List
            size="small"
            locale={{ emptyText: t('sidebar.leadNoMatches') }}
            dataSource={matches ?? []}
            renderItem={(match) => (
              <List.Item data-testid={`sidebar-lead-match-${match.id}`} actions={[<Button key="link" size="small" type="primary" onClick={() => void link(match.id)} data-testid="sidebar-lead-link">{t('sidebar.leadLink')}</Button>]}>
                <List.Item.Meta title={match.name} description={[match.primaryPhone, match.company].filter(Boolean).join(' · ') || ' '} />
              </List.Item>
            )}
          />
        </Space>
      )}
    </Card>
  );
}

const loadLead = (externalUserid: string) => call(sidebarApi.GET('/scrm/sidebar/lead', { params: { query: { externalUserid } } }), { silent: true });
const searchLeads = (keyword: string | undefined) => call(sidebarApi.POST('/scrm/sidebar/lead/search', { body: { keyword } }));

/** The customer's stage on this employee's relation: moved here, recorded as in the console. */
function StageCard({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [stage, setStage] = useState<Awaited<ReturnType<typeof loadStage>>>();
  const [target, setTarget] = useState<number>();
  const reload = useCallback(() => loadStage(externalUserid).then(setStage, () => undefined), [externalUserid]);
  useEffect(() => void reload(), [reload]);
  if (!stage) return null;
  const move = async () => {
    await call(sidebarApi.POST('/scrm/sidebar/customer/stage', { body: { externalUserid, stageId: target!, note: '' } }));
    void message.success(t('sidebar.stageMoved'));
    setTarget(undefined);
    void reload();
  };
  return (
    <Card size="small" title={t('sidebar.stage')} data-testid="sidebar-stage">
      <Space wrap>
        <Tag color="geekblue" data-testid="sidebar-stage-current">{stage.current?.stageName ?? '—'}</Tag>
        <Select
          style={{ width: 140 }}
          placeholder={t('sidebar.moveTo')}
          value={target}
          onChange={setTarget}
          options={stage.stages.filter((option) => option.id !== stage.current?.stageId).map((option) => ({ value: option.id, label: option.name }))}
          data-testid="sidebar-stage-select"
        />
        <Button size="small" type="primary" disabled={!target} onClick={() => void move()} data-testid="sidebar-stage-move">{t('sidebar.move')}</Button>
      </Space>
    </Card>
  );
}

const loadStage = (externalUserid: string) => call(sidebarApi.GET('/scrm/sidebar/customer/stage', { params: { query: { externalUserid } } }), { silent: true });

/** The customer timeline as this employee sees it. */
function TimelinePanel({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const [events, setEvents] = useState<Awaited<ReturnType<typeof loadTimeline>>['records']>();
  useEffect(() => void loadTimeline(externalUserid).then((page) => setEvents(page.records)), [externalUserid]);
  if (!events) return <Spin />;
  return (
    <List
      size="small"
      data-testid="sidebar-timeline"
      locale={{ emptyText: t('sidebar.noEvents') }}
      dataSource={events}
      renderItem={(event) => (
        <List.Item>
          <List.Item.Meta title={<Space size={4}><Tag>{t(`sidebar.event_${event.type}`, { defaultValue: event.type })}</Tag>{eventSummary(event.data)}</Space>} description={`${time(event.occurredAt)}${event.employeeName ? ` · ${event.employeeName}` : ''}`} />
        </List.Item>
      )}
    />
  );
}

const loadTimeline = (externalUserid: string) => call(sidebarApi.GET('/scrm/sidebar/customer/timeline', { params: { query: { externalUserid, pageNum: 1, pageSize: 50 } } }));

/** What an event says in a few words, from the names its data carries. */
function eventSummary(data: Record<string, unknown>): string {
  const names = (list: unknown) => (Array.isArray(list) ? list.map((item) => (item as { name?: string }).name).filter(Boolean).join('、') : '');
  const parts = [
    typeof data.stageName === 'string' ? `→ ${data.stageName}` : '',
    names(data.added) ? `+${names(data.added)}` : '',
    names(data.removed) ? `−${names(data.removed)}` : '',
    typeof data.content === 'string' ? data.content : '',
    typeof data.groupName === 'string' ? data.groupName : '',
    typeof data.sourceName === 'string' ? data.sourceName : '',
    typeof data.name === 'string' ? data.name : '',
    typeof data.sopName === 'string' ? data.sopName : '',
    typeof data.customerName === 'string' ? data.customerName : '',
    typeof data.toOwnerName === 'string' ? `→ ${data.toOwnerName}` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** 我的待办: this employee's due lead follow-ups and SOP tasks, done here. */
function TodoPanel() {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={12}>
      <DueLeadsCard />
      <Card size="small" title={t('sidebar.sopTodos')}>
        <SopTodos />
      </Card>
    </Space>
  );
}

type DueLead = Awaited<ReturnType<typeof loadDueLeads>>['records'][number];

/** The employee's leads whose next follow-up is due (overdue marked): done by recording a follow-up, as in the console. */
function DueLeadsCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [leads, setLeads] = useState<DueLead[]>();
  const [following, setFollowing] = useState<DueLead>();
  const [content, setContent] = useState('');
  const [nextFollowAt, setNextFollowAt] = useState<dayjs.Dayjs | null>(null);
  const [saving, setSaving] = useState(false);
  const reload = useCallback(() => loadDueLeads().then((page) => setLeads(page.records)), []);
  useEffect(() => void reload(), [reload]);
  const open = (lead: DueLead) => {
    setFollowing(lead);
    setContent('');
    setNextFollowAt(null);
  };
  const save = async () => {
    if (!following) return;
    setSaving(true);
    try {
      await call(sidebarApi.POST('/scrm/sidebar/lead/followup', { body: { leadId: following.id, content, method: 'wechat', nextFollowAt: nextFollowAt?.toISOString() } }));
      setFollowing(undefined);
      void message.success(t('sidebar.leadFollowedUp'));
      void reload();
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card size="small" title={t('sidebar.dueLeads')} data-testid="sidebar-due-leads">
      {!leads ? <Spin /> : (
        <List
          size="small"
          locale={{ emptyText: t('sidebar.noDueLeads') }}
          dataSource={leads}
          renderItem={(lead) => (
            <List.Item data-testid={`sidebar-due-lead-${lead.id}`} actions={[<Button key="follow" size="small" type="primary" onClick={() => open(lead)} data-testid="sidebar-due-lead-follow">{t('sidebar.leadFollowUp')}</Button>]}>
              <List.Item.Meta
                title={<Space size={4} wrap><Typography.Text strong>{lead.name}</Typography.Text><Tag>{t(`lead.status_${lead.status}`)}</Tag>{lead.overdue && <Tag color="red">{t('sidebar.leadOverdue')}</Tag>}</Space>}
                description={
                  <>
                    <div><Typography.Text type={lead.overdue ? 'danger' : undefined}>{t('sidebar.leadDueAt')} {time(lead.nextFollowAt)}</Typography.Text></div>
                    <div>{t('sidebar.leadLastFollow')} {time(lead.lastFollowAt)}</div>
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
      <Modal
        open={!!following}
        title={following && t('sidebar.leadFollowUpTitle', { name: following.name })}
        onCancel={() => setFollowing(undefined)}
        onOk={() => void save()}
        okButtonProps={{ disabled: !content.trim(), 'data-testid': 'sidebar-due-lead-save' } as never}
        confirmLoading={saving}
        width={360}
      >
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Input.TextArea value={content} onChange={(event) => setContent(event.target.value)} placeholder={t('sidebar.leadFollowUpContent')} autoSize={{ minRows: 3, maxRows: 6 }} maxLength={2000} data-testid="sidebar-due-lead-content" />
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" value={nextFollowAt} onChange={setNextFollowAt} placeholder={t('sidebar.leadFollowUpNext')} style={{ width: '100%' }} inputReadOnly />
        </Space>
      </Modal>
    </Card>
  );
}

const loadDueLeads = () => call(sidebarApi.POST('/scrm/sidebar/lead/due', { body: { pageNum: 1, pageSize: 50 } }));

/** This employee's SOP tasks, marked done here. */
function SopTodos() {
  const { t } = useTranslation();
  const [view, setView] = useState<'today' | 'overdue' | 'done'>('today');
  const [page, setPage] = useState<Awaited<ReturnType<typeof loadTodos>>>();
  const reload = useCallback(() => loadTodos(view).then(setPage), [view]);
  useEffect(() => void reload(), [reload]);
  const done = async (id: number) => {
    await call(sidebarApi.POST('/scrm/sidebar/todo/done', { body: { ids: [id] } }));
    void reload();
  };
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="sidebar-todos">
      <Select
        value={view}
        onChange={setView}
        style={{ width: 160 }}
        options={(['today', 'overdue', 'done'] as const).map((value) => ({ value, label: `${t(`sidebar.todo_${value}`)}${page ? ` (${page.counts[value]})` : ''}` }))}
      />
      {!page ? <Spin /> : (
        <List
          size="small"
          locale={{ emptyText: t('sidebar.noTodos') }}
          dataSource={page.records}
          renderItem={(task) => (
            <List.Item actions={task.state !== 'done' ? [<Button key="done" size="small" onClick={() => void done(task.id)} data-testid="sidebar-todo-done">{t('sidebar.markDone')}</Button>] : []}>
              <List.Item.Meta
                title={`${task.ruleName} · ${task.stepName}`}
                // Whom it is for: the list holds every chat's to-dos, not only this chat's.
                description={[task.kind === 'customer' ? customerText(t, task.customerName) : groupText(t, task.groupName), time(task.dueAt)].join(' · ')}
              />
            </List.Item>
          )}
        />
      )}
    </Space>
  );
}

const loadTodos = (view: 'today' | 'overdue' | 'done') => call(sidebarApi.POST('/scrm/sidebar/todo/page', { body: { view, pageNum: 1, pageSize: 50 } }));

function TagCard({ view, onSaved }: { view: CustomerView; onSaved: (tags: Pick<CustomerView, 'corpTags' | 'selfTags'>) => void }) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [options, setOptions] = useState<Awaited<ReturnType<typeof loadOptions>>>();
  const [chosen, setChosen] = useState<{ corp: number[]; self: number[] }>({ corp: [], self: [] });
  const [saving, setSaving] = useState(false);
  const open = async () => {
    setChosen({ corp: view.corpTags.map((tag) => tag.id), self: view.selfTags.map((tag) => tag.id) });
    setEditing(true);
    setOptions(await loadOptions());
  };
  const save = async () => {
    setSaving(true);
    try {
      let result: Pick<CustomerView, 'corpTags' | 'selfTags'> = view;
      const same = (a: number[], b: number[]) => a.length === b.length && a.every((id) => b.includes(id));
      for (const type of ['corp', 'self'] as const) {
        const before = (type === 'corp' ? view.corpTags : view.selfTags).map((tag) => tag.id);
        if (same(before, chosen[type])) continue;
        result = await call(sidebarApi.POST('/scrm/sidebar/customer/tags', { body: { externalUserid: view.customer.externalUserid, tagType: type, tagIds: chosen[type] } }));
      }
      onSaved(result);
      setEditing(false);
    } finally {
      setSaving(false);
    }
  };
  const tagList = (tags: Array<{ id: number; name: string }>, color?: string) =>
    tags.length ? tags.map((tag) => <Tag key={tag.id} color={color}>{tag.name}</Tag>) : <Typography.Text type="secondary">{t('sidebar.noTags')}</Typography.Text>;
  return (
    <Card size="small" title={t('sidebar.corpTags')} extra={<Button size="small" type="link" onClick={() => void open()} data-testid="sidebar-edit-tags">{t('sidebar.editTags')}</Button>} data-testid="sidebar-tags">
      <div data-testid="sidebar-corp-tags">{tagList(view.corpTags, 'blue')}</div>
      <Typography.Text type="secondary" style={{ display: 'block', marginTop: 8 }}>{t('sidebar.selfTags')}</Typography.Text>
      <div data-testid="sidebar-self-tags">{tagList(view.selfTags, 'purple')}</div>
      <Modal open={editing} title={t('sidebar.editTags')} onCancel={() => setEditing(false)} onOk={() => void save()} confirmLoading={saving} okText={t('sidebar.saveTags')} width={360} data-testid="sidebar-tag-editor">
        {!options ? <Spin /> : (['corp', 'self'] as const).map((type) => (
          <div key={type}>
            <Typography.Title level={5}>{t(type === 'corp' ? 'sidebar.corpTags' : 'sidebar.selfTags')}</Typography.Title>
            {options[type].map((group) => (
              <div key={group.id} style={{ marginBottom: 8 }}>
                <Typography.Text type="secondary">{group.name}</Typography.Text>
                <div>
                  {group.tags.map((tag) => (
                    <Tag.CheckableTag
                      key={tag.id}
                      checked={chosen[type].includes(tag.id)}
                      onChange={(checked) => setChosen((now) => ({ ...now, [type]: checked ? [...now[type], tag.id] : now[type].filter((id) => id !== tag.id) }))}
                    >
                      {tag.name}
                    </Tag.CheckableTag>
                  ))}
                </div>
              </div>
            ))}
          </div>
        ))}
      </Modal>
    </Card>
  );
}

const loadOptions = () => call(sidebarApi.GET('/scrm/sidebar/tag/options'));

function NotesCard({ externalUserid, notes, onChanged }: { externalUserid: string; notes: CustomerView['notes']; onChanged: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [content, setContent] = useState('');
  const [saving, setSaving] = useState(false);
  const add = async () => {
    setSaving(true);
    try {
      await call(sidebarApi.POST('/scrm/sidebar/note/save', { body: { externalUserid, content } }));
      setContent('');
      void message.success(t('sidebar.noteAdded'));
      onChanged();
    } finally {
      setSaving(false);
    }
  };
  const remove = async (id: number) => {
    await call(sidebarApi.POST('/scrm/sidebar/note/delete', { body: { id } }));
    onChanged();
  };
  return (
    <Card size="small" title={t('sidebar.notes')} data-testid="sidebar-notes">
      <Input.TextArea value={content} onChange={(event) => setContent(event.target.value)} placeholder={t('sidebar.notePlaceholder')} autoSize={{ minRows: 2, maxRows: 5 }} maxLength={2000} data-testid="sidebar-note-input" />
      <Button type="primary" size="small" style={{ marginTop: 8 }} disabled={!content.trim()} loading={saving} onClick={() => void add()} data-testid="sidebar-note-add">{t('sidebar.addNote')}</Button>
      <List
        size="small"
        locale={{ emptyText: t('sidebar.noNotes') }}
        dataSource={notes}
        renderItem={(note) => (
          <List.Item actions={note.mine ? [<Button key="delete" type="link" size="small" danger onClick={() => void remove(note.id)}>{t('sidebar.deleteNote')}</Button>] : []}>
            <List.Item.Meta title={<Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{note.content}</Typography.Text>} description={`${employeeText(t, note.employeeName, note.userid)} · ${time(note.ctime)}`} />
          </List.Item>
        )}
      />
    </Card>
  );
}

function GroupPanel({ chatId }: { chatId: string }) {
  const { t } = useTranslation();
  const [group, setGroup] = useState<Awaited<ReturnType<typeof loadGroup>> | null>();
  useEffect(() => void loadGroup(chatId).then(setGroup, () => setGroup(null)), [chatId]);
  if (group === undefined) return <Spin />;
  if (group === null) return <Result status="warning" title={t('sidebar.groupNotYours')} data-testid="sidebar-not-yours" />;
  return (
    <Tabs
      items={[
        {
          key: 'group',
          label: t('sidebar.tabGroup'),
          children: (
            <Space orientation="vertical" style={{ width: '100%' }} size={12}>
              <Card size="small" data-testid="sidebar-group">
                <Typography.Text strong data-testid="sidebar-group-name">{group.name}</Typography.Text>
                <Descriptions column={1} size="small" style={{ marginTop: 8 }}>
                  <Descriptions.Item label={t('sidebar.owner')}>{group.ownerName ?? '—'}</Descriptions.Item>
                  <Descriptions.Item label={t('sidebar.createdAt')}>{time(group.createTime)}</Descriptions.Item>
                  {group.notice && <Descriptions.Item label={t('sidebar.notice')}>{group.notice}</Descriptions.Item>}
                </Descriptions>
                <Space size={16} wrap data-testid="sidebar-group-figures">
                  <Statistic title={t('sidebar.memberCount')} value={group.memberCount} />
                  <Statistic title={t('sidebar.customerCount')} value={group.customerCount} />
                  <Statistic title={t('sidebar.joinedToday')} value={group.joinedToday} />
                  <Statistic title={t('sidebar.quitToday')} value={group.quitToday} />
                </Space>
              </Card>
              <Card size="small" title={t('sidebar.members')}>
                <List
                  size="small"
                  dataSource={group.members}
                  renderItem={(member) => (
                    <List.Item>
                      <Space>
                        <Typography.Text>{member.name}</Typography.Text>
                        <Tag>{t(member.type === 1 ? 'sidebar.employee' : 'sidebar.customer')}</Tag>
                      </Space>
                      <Typography.Text type="secondary">{time(member.joinTime)}</Typography.Text>
                    </List.Item>
                  )}
                />
              </Card>
            </Space>
          ),
        },
        { key: 'replies', label: t('sidebar.tabReplies'), children: <ReplyPanel /> },
        { key: 'todo', label: t('sidebar.tabTodo'), children: <TodoPanel /> },
      ]}
    />
  );
}

const loadGroup = (chatId: string) => call(sidebarApi.GET('/scrm/sidebar/group', { params: { query: { chatId } } }), { silent: true });

/** 话术库: search, pick, send into the current conversation with sendChatMessage; a sent reply's use is counted. */
function ReplyPanel() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [folders, setFolders] = useState<Array<{ id: number; name: string }>>([]);
  const [folderId, setFolderId] = useState<number>();
  const [keyword, setKeyword] = useState('');
  const [replies, setReplies] = useState<Reply[]>();
  const [sending, setSending] = useState<number>();
  useEffect(() => void call(sidebarApi.GET('/scrm/sidebar/reply/folders')).then(setFolders), []);
  useEffect(() => {
    const timer = setTimeout(() => void searchReplies({ keyword: keyword.trim() || undefined, folderId }).then(setReplies), 200);
    return () => clearTimeout(timer);
  }, [keyword, folderId]);
  const send = async (reply: Reply) => {
    setSending(reply.id);
    try {
      const payload = await call(sidebarApi.POST('/scrm/sidebar/reply/message', { body: { id: reply.id } }));
      try {
        await sendChatMessage(payload as ChatMessage);
      } catch (error) {
        void message.error(t('sidebar.sendFailed', { reason: sdkFailure(error) }));
        return;
      }
      await call(sidebarApi.POST('/scrm/sidebar/reply/used', { body: { id: reply.id } }), { silent: true });
      setReplies((now) => now?.map((row) => (row.id === reply.id ? { ...row, useCount: row.useCount + 1 } : row)));
      void message.success(t('sidebar.sent'));
    } finally {
      setSending(undefined);
    }
  };
  const folderOptions = useMemo(() => [{ value: 0, label: t('sidebar.allFolders') }, ...folders.map((folder) => ({ value: folder.id, label: folder.name }))], [folders, t]);
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="sidebar-replies">
      <Space.Compact style={{ width: '100%' }}>
        <Select style={{ width: 130 }} value={folderId ?? 0} options={folderOptions} onChange={(value) => setFolderId(value || undefined)} data-testid="sidebar-reply-folder" />
        <Input.Search allowClear placeholder={t('sidebar.searchReplies')} value={keyword} onChange={(event) => setKeyword(event.target.value)} data-testid="sidebar-reply-search" />
      </Space.Compact>
      {!replies ? <Spin /> : replies.length === 0 ? <Empty description={t('sidebar.noReplies')} /> : (
        <List
          size="small"
          dataSource={replies}
          renderItem={(reply) => (
            <List.Item
              data-testid={`sidebar-reply-${reply.id}`}
              actions={[<Button key="send" type="primary" size="small" loading={sending === reply.id} onClick={() => void send(reply)} data-testid="sidebar-reply-send">{t('sidebar.send')}</Button>]}
            >
              <List.Item.Meta
                title={<Space size={4}><Tag>{t(`sidebar.type_${reply.type}`)}</Tag>{reply.title}</Space>}
                description={
                  <>
                    <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ marginBottom: 0 }}>{reply.type === 'text' ? reply.content : reply.mediaTitle}</Typography.Paragraph>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>{reply.folderName} · {t('sidebar.used', { count: reply.useCount })}</Typography.Text>
                  </>
                }
              />
            </List.Item>
          )}
        />
      )}
    </Space>
  );
}

