import { Alert, App, Button, DatePicker, Descriptions, Divider, Drawer, Empty, Form, Input, Radio, Select, Space, Spin, Steps, Table, Typography } from 'antd';
import { StageSelect } from './stage-parts.tsx';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { GroupRecord, MediaRecord } from '../../api/types.ts';
import { usePermission } from '../../auth/permission.tsx';
import { corpToday, fromCorpClock, toCorpClock } from '../../components/corp-time.ts';
import { useCorpTimeZone } from '../../auth/session.tsx';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { EmployeeName } from '../../components/names.tsx';
import { ChannelSelect, EmployeeSelect, TagSelect, WecomDeptTreeSelect } from '../../components/pickers.tsx';
import {
  MAX_ATTACHMENTS, TEXT_MAX_BYTES, broadcastApi, permOf, utf8Bytes, type BroadcastAudience, type BroadcastDetailRecord, type BroadcastRecord, type BroadcastKind, type BroadcastSaveBody,
  type PreviewAnswer,
} from './broadcast-api.ts';

interface EditorValues {
  name: string;
  text?: string;
  mediaIds: number[];
  senderUserids: string[];
  senderDeptIds: number[];
  audienceMode: 'all' | 'segment' | 'chosen' | 'owners';
  corpTagIds?: number[];
  corpTagMatch?: 'any' | 'all';
  selfTagIds?: number[];
  excludeTagIds?: number[];
  channelId?: number | null;
  linkIds?: number[];
  stageIds?: number[];
  addedRange?: [Dayjs, Dayjs] | null;
  gender?: 0 | 1 | 2 | null;
  chatIds?: string[];
  visibleTagIds?: number[];
  scheduleMode: 'now' | 'at';
  scheduleAt?: Dayjs | null;
}

function toValues(kind: BroadcastKind, record: BroadcastDetailRecord, timeZone: string): EditorValues {
  const audience = record.audience;
  const base = {
    name: record.name,
    text: record.content.text,
    mediaIds: record.content.mediaIds,
    senderUserids: kind === 'group' && audience.ownerUserids?.length ? audience.ownerUserids : record.senders.userids,
    senderDeptIds: record.senders.deptIds,
    scheduleMode: record.scheduleAt ? ('at' as const) : ('now' as const),
    scheduleAt: record.scheduleAt ? toCorpClock(record.scheduleAt, timeZone) : null,
  };
  if (kind === 'customer') {
    const segment = Boolean(
      audience.corpTagIds?.length || audience.selfTagIds?.length || audience.excludeTagIds?.length || audience.channelIds?.length || audience.linkIds?.length || audience.stageIds?.length ||
        audience.addTimeStart || audience.addTimeEnd || audience.gender !== undefined,
    );
    return {
      ...base,
      audienceMode: segment ? 'segment' : 'all',
      corpTagIds: audience.corpTagIds ?? [],
      corpTagMatch: audience.corpTagMatch ?? 'any',
      selfTagIds: audience.selfTagIds ?? [],
      excludeTagIds: audience.excludeTagIds ?? [],
      channelId: audience.channelIds?.[0] ?? null,
      linkIds: audience.linkIds ?? [],
      stageIds: audience.stageIds ?? [],
      addedRange: audience.addTimeStart && audience.addTimeEnd ? [dayjs(audience.addTimeStart), dayjs(audience.addTimeEnd)] : null,
      gender: audience.gender ?? null,
    };
  }
  if (kind === 'group') return { ...base, audienceMode: audience.ownerUserids?.length ? 'owners' : 'chosen', chatIds: audience.chatIds ?? [] };
  return { ...base, audienceMode: 'all', visibleTagIds: audience.corpTagIds ?? [] };
}

function toBody(kind: BroadcastKind, id: number | undefined, values: EditorValues, timeZone: string): BroadcastSaveBody {
  const userids = values.senderUserids ?? [];
  const deptIds = values.senderDeptIds ?? [];
  let audience: BroadcastAudience = {};
  let senders = { userids, deptIds };
  if (kind === 'customer' && values.audienceMode === 'segment') {
    audience = {
      corpTagIds: values.corpTagIds ?? [],
      corpTagMatch: values.corpTagMatch ?? 'any',
      selfTagIds: values.selfTagIds ?? [],
      excludeTagIds: values.excludeTagIds ?? [],
      channelIds: values.channelId ? [values.channelId] : [],
      linkIds: values.linkIds ?? [],
      stageIds: values.stageIds ?? [],
      ...(values.addedRange?.[0] && values.addedRange[1]
        ? { addTimeStart: values.addedRange[0].format('YYYY-MM-DD'), addTimeEnd: values.addedRange[1].format('YYYY-MM-DD') }
        : {}),
      ...(values.gender === null || values.gender === undefined ? {} : { gender: values.gender }),
    };
  } else if (kind === 'group') {
    // Chosen groups are sent by their owners; otherwise every group of the chosen owners.
    // The server sends each group through its owner; senders are not taken for groups.
    audience = values.audienceMode === 'owners' ? { ownerUserids: userids } : { chatIds: values.chatIds ?? [] };
    senders = { userids: [], deptIds: [] };
  } else if (kind === 'moment') {
    audience = { corpTagIds: values.visibleTagIds ?? [] };
  }
  return {
    id,
    name: values.name.trim(),
    content: { text: values.text ?? '', mediaIds: values.mediaIds ?? [] },
    senders,
    audience,
    scheduleAt: values.scheduleMode === 'at' && values.scheduleAt ? fromCorpClock(values.scheduleAt, timeZone).toISOString() : null,
  };
}

/** Attachment types WeCom takes: messages any but text; moments images, a video or a link (§18.2). */
const ATTACHMENT_TYPES: Record<BroadcastKind, string[]> = {
  customer: ['image', 'link', 'miniprogram', 'video', 'file'],
  group: ['image', 'link', 'miniprogram', 'video', 'file'],
  moment: ['image', 'video', 'link'],
};

/** Media library items as attachments (at most nine), only the types the kind takes. */
function AttachmentPicker({ id, kind, value, onChange, onMedia }: { id?: string; kind: BroadcastKind; value?: number[]; onChange?: (value: number[]) => void; onMedia?: (media: MediaRecord[]) => void }) {
  const { t } = useTranslation();
  const [media, setMedia] = useState<MediaRecord[]>([]);
  useEffect(() => {
    call(api.POST('/scrm/admin/media/page', { body: { pageNum: 1, pageSize: 500 } }), { silent: true }).then(
      (page) => {
        const usable = page.records.filter((item) => ATTACHMENT_TYPES[kind].includes(item.type));
        setMedia(usable);
        onMedia?.(usable);
      },
      () => setMedia([]),
    );
    // onMedia only tells the form which types were picked.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind]);
  return (
    <Select
      id={id}
      mode="multiple"
      value={value}
      onChange={onChange}
      maxCount={MAX_ATTACHMENTS}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      notFoundContent={<Empty description={t('broadcast.noMedia')} />}
      options={media.map((item) => ({ value: item.id, label: `[${t(`media.type_${item.type}`)}] ${item.title}` }))}
      data-testid="broadcast-media"
    />
  );
}

/** Acquisition links and channel QR codes by name (their customers carry the state SCRM made for them). */
function LinkSelect({ id, value, onChange }: { id?: string; value?: number[]; onChange?: (value: number[]) => void }) {
  const { t } = useTranslation();
  const canLinks = usePermission('cust:link:list');
  const canQr = usePermission('cust:qr:list');
  const [links, setLinks] = useState<{ id: number; linkName: string }[]>([]);
  const [qrs, setQrs] = useState<{ id: number; linkName: string }[]>([]);
  useEffect(() => {
    const body = { pageNum: 1, pageSize: 500 };
    if (canLinks) call(api.POST('/scrm/admin/cust/get/link/page', { body }), { silent: true }).then((page) => setLinks(page.records), () => setLinks([]));
    if (canQr) call(api.POST('/scrm/admin/cust/get/qr/page', { body }), { silent: true }).then((page) => setQrs(page.records), () => setQrs([]));
  }, [canLinks, canQr]);
  return (
    <Select
      id={id}
      mode="multiple"
      value={value}
      onChange={onChange}
      allowClear
      maxTagCount="responsive"
      showSearch={{ optionFilterProp: 'label' }}
      options={[
        { label: t('acqLink.title_link'), title: 'link', options: links.map((link) => ({ value: link.id, label: link.linkName })) },
        { label: t('acqLink.title_qr'), title: 'qr', options: qrs.map((link) => ({ value: link.id, label: link.linkName })) },
      ].filter((group) => group.options.length > 0)}
      data-testid="broadcast-links"
    />
  );
}

/** The text with WeCom's byte limit counted as the operator types. */
function TextWithBytes({ id, value, onChange, placeholder }: { id?: string; value?: string; onChange?: (value: string) => void; placeholder?: string }) {
  const { t } = useTranslation();
  const used = utf8Bytes(value ?? '');
  return (
    <div>
      <Input.TextArea id={id} rows={5} value={value} onChange={(event) => onChange?.(event.target.value)} placeholder={placeholder} data-testid="broadcast-text" />
      <Typography.Text type={used > TEXT_MAX_BYTES ? 'danger' : 'secondary'} style={{ fontSize: 12 }} data-testid="broadcast-text-bytes">
        {t('broadcast.textBytes', { used, max: TEXT_MAX_BYTES })}
      </Typography.Text>
    </div>
  );
}

/**
 * The broadcast editor: name, content (text within WeCom's limit, up to nine attachments), senders (eligible
 * employees or departments), audience (customers: all or a segment; groups: chosen groups or the owners' groups;
 * moments: visible to tagged customers), schedule. 下一步 saves it as a draft and previews what will be sent; 确认发送 sends.
 */
export function BroadcastEditor({
  kind, id, startAt, onClose, onSent,
}: { kind: BroadcastKind; id?: number; startAt?: 'preview'; onClose: () => void; onSent: (id: number) => void }) {
  const { t } = useTranslation();
  const { modal } = App.useApp();
  const timeZone = useCorpTimeZone();
  const endpoints = broadcastApi(kind);
  const canSend = usePermission(permOf(kind, 'send'));
  const [form] = Form.useForm<EditorValues>();
  const [recordId, setRecordId] = useState<number | undefined>(id);
  const [loading, setLoading] = useState(id !== undefined);
  const [busy, setBusy] = useState<'draft' | 'preview' | 'send' | null>(null);
  const [step, setStep] = useState(0);
  const [preview, setPreview] = useState<{ record: BroadcastRecord; answer: PreviewAnswer } | null>(null);
  const [media, setMedia] = useState<MediaRecord[]>([]);
  const [groups, setGroups] = useState<GroupRecord[]>([]);
  const audienceMode = Form.useWatch('audienceMode', form);
  const scheduleMode = Form.useWatch('scheduleMode', form);

  useEffect(() => {
    if (kind !== 'group') return;
    call(api.GET('/scrm/admin/group/list'), { silent: true }).then(setGroups, () => setGroups([]));
  }, [kind]);

  const showPreview = async (targetId: number, record?: BroadcastRecord) => {
    const [loaded, answer] = await Promise.all([record ? Promise.resolve(record) : endpoints.get(targetId), endpoints.preview(targetId)]);
    setPreview({ record: loaded, answer });
    setStep(1);
  };

  useEffect(() => {
    if (id === undefined) {
      form.setFieldsValue({
        mediaIds: [], senderUserids: [], senderDeptIds: [], audienceMode: kind === 'group' ? 'chosen' : 'all', corpTagMatch: 'any', scheduleMode: 'now', gender: null,
      });
      return;
    }
    endpoints
      .get(id)
      .then(async (record) => {
        form.setFieldsValue(toValues(kind, record, timeZone));
        // A preview the server refuses (e.g. nobody left to send to) is shown as its message; the form stays.
        if (startAt === 'preview') await showPreview(id, record).catch(() => undefined);
      }, onClose)
      .finally(() => setLoading(false));
    // Load once per record.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, kind]);

  const save = async (then: 'draft' | 'preview') => {
    const values = await form.validateFields();
    setBusy(then);
    try {
      const saved = await endpoints.save(toBody(kind, recordId, values, timeZone));
      setRecordId(saved.id);
      if (then === 'draft') onClose();
      else await showPreview(saved.id, saved);
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setBusy(null);
    }
  };

  const send = async () => {
    if (recordId === undefined) return;
    setBusy('send');
    try {
      await endpoints.send(recordId);
      onSent(recordId);
    } catch {
      // shown by the client (WeCom's errors in words)
    } finally {
      setBusy(null);
    }
  };

  /** Moments take one kind of attachment: ≤ 9 images, or one video, or one link (§18.2). */
  const momentAttachmentsRule = {
    validator: async (_: unknown, ids: number[] | undefined) => {
      if (kind !== 'moment' || !ids?.length) return;
      const types = new Set(ids.map((mediaId) => media.find((item) => item.id === mediaId)?.type));
      if (types.size > 1) throw new Error(t('broadcast.momentMixed'));
      if ((types.has('video') || types.has('link')) && ids.length > 1) throw new Error(t('broadcast.momentOneVideo'));
    },
  };
  const contentRule = ({ getFieldValue }: { getFieldValue: (name: string) => unknown }) => ({
    validator: async (_: unknown, text: string | undefined) => {
      if (!text?.trim() && !(getFieldValue('mediaIds') as number[] | undefined)?.length) throw new Error(t('broadcast.contentRequired'));
      if (utf8Bytes(text ?? '') > TEXT_MAX_BYTES) throw new Error(t('broadcast.textTooLong', { max: TEXT_MAX_BYTES }));
    },
  });
  const sendersRule = ({ getFieldValue }: { getFieldValue: (name: string) => unknown }) => ({
    validator: async (_: unknown, userids: string[] | undefined) => {
      if (kind === 'group' && getFieldValue('audienceMode') === 'chosen') return;
      if (!userids?.length && !(getFieldValue('senderDeptIds') as number[] | undefined)?.length) throw new Error(t('broadcast.sendersRequired'));
    },
  });
  const sendersLabel = t(kind === 'customer' ? 'broadcast.senders' : `broadcast.senders_${kind}`);
  const scheduled = preview?.record.scheduleAt ? dayjs(preview.record.scheduleAt) : null;

  return (
    <Drawer
      open
      size={900}
      title={recordId ? t(`broadcast.edit_${kind}`) : t(`broadcast.create_${kind}`)}
      onClose={onClose}
      destroyOnHidden
      footer={
        <Space style={{ float: 'right' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          {step === 0 ? (
            <>
              <Button loading={busy === 'draft'} disabled={busy !== null} onClick={() => void save('draft').catch(() => undefined)} data-testid="broadcast-save-draft">
                {t('broadcast.saveDraft')}
              </Button>
              <Button type="primary" loading={busy === 'preview'} disabled={busy !== null} onClick={() => void save('preview').catch(() => undefined)} data-testid="broadcast-to-preview">
                {t('broadcast.toPreview')}
              </Button>
            </>
          ) : (
            <>
              <Button disabled={busy !== null} onClick={() => setStep(0)} data-testid="broadcast-back">
                {t('common.edit')}
              </Button>
              {canSend && (
                <Button
                  type="primary"
                  loading={busy === 'send'}
                  disabled={busy !== null || !preview || preview.answer.total === 0}
                  onClick={() =>
                    modal.confirm({
                      title: t('broadcast.send'),
                      content: t(`broadcast.sendConfirm${kind === 'customer' ? '' : `_${kind}`}`, { name: preview?.record.name }),
                      okButtonProps: { 'data-testid': 'broadcast-send-confirm' } as never,
                      onOk: send,
                    })
                  }
                  data-testid="broadcast-send"
                >
                  {scheduled ? t('broadcast.sendScheduled') : t('broadcast.sendNow')}
                </Button>
              )}
            </>
          )}
        </Space>
      }
    >
      <Steps size="small" current={step} style={{ marginBottom: 24 }} items={[{ title: t('common.edit') }, { title: t('broadcast.preview') }]} />
      <Spin spinning={loading}>
        <Form form={form} layout="vertical" data-testid="broadcast-form" style={{ display: step === 0 ? undefined : 'none' }}>
          <Form.Item name="name" label={t('broadcast.name')} rules={[{ required: true, whitespace: true }, { max: 64 }]} style={{ maxWidth: 480 }}>
            <Input maxLength={64} showCount data-testid="broadcast-name" />
          </Form.Item>
          <Divider titlePlacement="start">{t('broadcast.sectionContent')}</Divider>
          <Form.Item name="text" label={t('broadcast.text')} dependencies={['mediaIds']} rules={[contentRule]}>
            <TextWithBytes placeholder={t('broadcast.textPlaceholder')} />
          </Form.Item>
          <Form.Item
            name="mediaIds"
            label={t('broadcast.attachments', { max: MAX_ATTACHMENTS })}
            extra={kind === 'moment' ? t('broadcast.momentAttachmentsHint') : undefined}
            rules={[{ type: 'array', max: MAX_ATTACHMENTS, message: t('broadcast.attachmentsMax', { max: MAX_ATTACHMENTS }) }, momentAttachmentsRule]}
          >
            <AttachmentPicker kind={kind} onMedia={setMedia} />
          </Form.Item>
          <Divider titlePlacement="start">{sendersLabel}</Divider>
          {kind === 'group' && (
            <Form.Item name="audienceMode" label={t('broadcast.groupsMode')}>
              <Radio.Group
                options={[
                  { value: 'chosen', label: t('broadcast.groupsChosen') },
                  { value: 'owners', label: t('broadcast.groupsOfOwners') },
                ]}
                data-testid="broadcast-groups-mode"
              />
            </Form.Item>
          )}
          {kind === 'group' && audienceMode !== 'owners' && (
            <Form.Item name="chatIds" label={t('broadcast.groups')} rules={[{ required: true, type: 'array', min: 1, message: t('broadcast.groupsRequired') }]}>
              <Select
                mode="multiple"
                showSearch={{ optionFilterProp: 'label' }}
                maxTagCount="responsive"
                options={groups.filter((group) => !group.dismissed).map((group) => ({ value: group.chatId, label: `${group.name || t('group.unnamed')}${group.ownerName ? ` · ${group.ownerName}` : ''}` }))}
                data-testid="broadcast-groups"
              />
            </Form.Item>
          )}
          {!(kind === 'group' && audienceMode !== 'owners') && (
            <Space align="start" style={{ display: 'flex' }} size={16}>
              <Form.Item
                name="senderUserids"
                label={kind === 'group' ? t('broadcast.senders_group') : t('broadcast.senderUsers')}
                extra={t('broadcast.senderHint')}
                dependencies={['senderDeptIds', 'audienceMode']}
                rules={[sendersRule]}
                style={{ width: 420 }}
              >
                <EmployeeSelect multiple eligible testId="broadcast-senders" />
              </Form.Item>
              {kind !== 'group' && (
                <Form.Item name="senderDeptIds" label={t('broadcast.senderDepts')} style={{ width: 380 }}>
                  <WecomDeptTreeSelect />
                </Form.Item>
              )}
            </Space>
          )}
          {kind === 'customer' && (
            <>
              <Divider titlePlacement="start">{t('broadcast.sectionAudience')}</Divider>
              <Form.Item name="audienceMode" label={t('broadcast.audience')}>
                <Radio.Group
                  options={[
                    { value: 'all', label: t('broadcast.audienceAll') },
                    { value: 'segment', label: t('broadcast.audienceSegment') },
                  ]}
                  data-testid="broadcast-audience-mode"
                />
              </Form.Item>
              {audienceMode === 'segment' && (
                <>
                  <Space align="start" style={{ display: 'flex' }} size={16}>
                    <Form.Item name="corpTagIds" label={t('broadcast.corpTags')} style={{ width: 520 }}>
                      <TagSelect type="corp" testId="broadcast-corp-tags" />
                    </Form.Item>
                    <Form.Item name="corpTagMatch" label={t('broadcast.corpTagsMatch')}>
                      <Radio.Group
                        options={[
                          { value: 'any', label: t('broadcast.matchAny') },
                          { value: 'all', label: t('broadcast.matchAll') },
                        ]}
                      />
                    </Form.Item>
                  </Space>
                  <Space align="start" style={{ display: 'flex' }} size={16}>
                    <Form.Item name="selfTagIds" label={t('broadcast.selfTags')} style={{ width: 400 }}>
                      <TagSelect type="self" testId="broadcast-self-tags" />
                    </Form.Item>
                    <Form.Item name="excludeTagIds" label={t('broadcast.excludeTags')} style={{ width: 400 }}>
                      <TagSelect type="corp" testId="broadcast-exclude-tags" />
                    </Form.Item>
                  </Space>
                  <Space align="start" style={{ display: 'flex' }} size={16}>
                    <Form.Item name="channelId" label={t('broadcast.channel')} style={{ width: 260 }}>
                      <ChannelSelect testId="broadcast-channel" />
                    </Form.Item>
                    <Form.Item name="linkIds" label={t('broadcast.link')} style={{ width: 300 }}>
                      <LinkSelect />
                    </Form.Item>
                  </Space>
                  <Form.Item name="stageIds" label={t('stage.column')} style={{ width: 400 }}>
                    <StageSelect multiple testId="broadcast-stages" />
                  </Form.Item>
                  <Space align="start" style={{ display: 'flex' }} size={16}>
                    <Form.Item name="addedRange" label={t('broadcast.addedRange')}>
                      <DatePicker.RangePicker />
                    </Form.Item>
                    <Form.Item name="gender" label={t('broadcast.gender')}>
                      <Radio.Group
                        options={[
                          { value: null, label: t('broadcast.genderAny') },
                          ...([1, 2, 0] as const).map((value) => ({ value, label: t(`broadcast.gender${value}`) })),
                        ]}
                      />
                    </Form.Item>
                  </Space>
                </>
              )}
            </>
          )}
          {kind === 'moment' && (
            <>
              <Divider titlePlacement="start">{t('broadcast.sectionVisible')}</Divider>
              <Form.Item name="visibleTagIds" label={t('broadcast.visibleTags')} extra={t('broadcast.visibleTagsHint')}>
                <TagSelect type="corp" testId="broadcast-visible-tags" />
              </Form.Item>
            </>
          )}
          <Divider titlePlacement="start">{t('broadcast.sectionSchedule')}</Divider>
          <Space align="start" size={16}>
            <Form.Item name="scheduleMode">
              <Radio.Group
                options={[
                  { value: 'now', label: t('broadcast.scheduleNow') },
                  { value: 'at', label: t('broadcast.scheduleAt') },
                ]}
                data-testid="broadcast-schedule-mode"
              />
            </Form.Item>
            {scheduleMode === 'at' && (
              <Form.Item
                name="scheduleAt"
                extra={t('broadcast.scheduleHint', { timeZone })}
                rules={[
                  { required: true, message: t('broadcast.scheduleAtRequired') },
                  { validator: async (_: unknown, value: Dayjs | null) => { if (value && fromCorpClock(value, timeZone).getTime() < Date.now()) throw new Error(t('broadcast.schedulePast')); } },
                ]}
              >
                <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" disabledDate={(day) => day.format('YYYY-MM-DD') < corpToday(timeZone)} data-testid="broadcast-schedule-at" />
              </Form.Item>
            )}
          </Space>
        </Form>
        {step === 1 && preview && <PreviewView kind={kind} record={preview.record} answer={preview.answer} />}
      </Spin>
    </Drawer>
  );
}

const EXCLUSION_KEYS = [
  ['notFriend', 'not_friend'],
  ['receiveLimit', 'receive_limit'],
  ['dnd', 'dnd'],
] as const;

/** What will be sent: per sender, and who is left out and why, in words. */
function PreviewView({ kind, record, answer }: { kind: BroadcastKind; record: BroadcastRecord; answer: PreviewAnswer }) {
  const { t } = useTranslation();
  const timeZone = useCorpTimeZone();
  const totalKey = kind === 'group' ? 'broadcast.previewTotalGroups' : kind === 'moment' ? 'broadcast.previewTotalMoment' : 'broadcast.previewTotal';
  const excluded = EXCLUSION_KEYS.map(([field, reason]) => ({
    reason,
    count: answer.excluded[field],
    names: answer.excludedSample.filter((row) => row.reason === reason).map((row) => row.name),
    text: answer.excludedSample.find((row) => row.reason === reason)?.reasonText ?? t(`broadcast.reason_${reason}`),
  })).filter((row) => row.count > 0);
  const excludedTotal = excluded.reduce((sum, row) => sum + row.count, 0);
  return (
    <div data-testid="broadcast-preview">
      <Alert
        type={answer.total === 0 ? 'warning' : 'info'}
        showIcon
        title={<span data-testid="broadcast-preview-total">{t(totalKey, { count: answer.total })}</span>}
        description={t(`broadcast.previewHint${kind === 'customer' ? '' : `_${kind}`}`)}
        style={{ marginBottom: 16 }}
      />
      <Descriptions size="small" column={2} bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('broadcast.name')}>{record.name}</Descriptions.Item>
        <Descriptions.Item label={t('broadcast.schedule')}>{record.scheduleAt ? toCorpClock(record.scheduleAt, timeZone).format('YYYY-MM-DD HH:mm') : t('broadcast.scheduleNow')}</Descriptions.Item>
        {record.content.text && (
          <Descriptions.Item label={t('broadcast.text')} span={2}>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }} ellipsis={{ rows: 4, expandable: true }}>
              {record.content.text}
            </Typography.Paragraph>
          </Descriptions.Item>
        )}
        {record.media.length > 0 && (
          <Descriptions.Item label={t('broadcast.attachments', { max: MAX_ATTACHMENTS })} span={2}>
            {record.media.map((item) => `[${t(`media.type_${item.type}`, { defaultValue: item.type })}] ${item.title}`).join('、')}
          </Descriptions.Item>
        )}
        {kind === 'moment' && (
          <Descriptions.Item label={t('broadcast.sectionVisible')} span={2}>
            {answer.visibleTags.length ? answer.visibleTags.map((tag) => tag.name).join('、') : t('broadcast.visibleTagsHint')}
          </Descriptions.Item>
        )}
        {kind === 'customer' && (
          <Descriptions.Item label={t('broadcast.receiveLimit')} span={2}>
            {t(`broadcast.period_${answer.receiveLimit.period}`)} · {answer.receiveLimit.count}
          </Descriptions.Item>
        )}
      </Descriptions>
      <Typography.Title level={5}>{t(`broadcast.perSender${kind === 'customer' ? '' : `_${kind}`}`)}</Typography.Title>
      <Table
        size="small"
        rowKey="userid"
        pagination={false}
        dataSource={answer.senders}
        data-testid="broadcast-preview-senders"
        columns={[
          { title: t('broadcast.sender'), dataIndex: 'name', render: (_, row) => <span data-testid={`preview-sender-${row.userid}`}><EmployeeName name={row.name} userid={row.userid} /></span> },
          {
            title: kind === 'group' ? t('broadcast.groupsTotal') : t('broadcast.recipients'),
            dataIndex: 'count',
            width: 160,
            render: (_, row) => <span data-testid={`preview-count-${row.userid}`}>{row.count}</span>,
          },
        ]}
      />
      {kind !== 'moment' && (
        <>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t(kind === 'group' ? 'broadcast.excluded_group' : 'broadcast.excluded')}
          </Typography.Title>
          {excluded.length === 0 ? (
            <Typography.Text type="secondary" data-testid="broadcast-preview-excluded-none">
              {t(kind === 'group' ? 'broadcast.excludedNone_group' : 'broadcast.excludedNone')}
            </Typography.Text>
          ) : (
            <>
              <Typography.Paragraph type="secondary">{t(kind === 'group' ? 'broadcast.excludedCount_group' : 'broadcast.excludedCount', { count: excludedTotal })}</Typography.Paragraph>
              <Table
                size="small"
                rowKey="reason"
                pagination={false}
                dataSource={excluded}
                data-testid="broadcast-preview-excluded"
                columns={[
                  { title: t('broadcast.reason'), dataIndex: 'text', render: (_, row) => <span data-testid={`excluded-${row.reason}`}>{row.text}</span> },
                  { title: t(kind === 'group' ? 'broadcast.groupsTotal' : 'broadcast.reasonCount'), dataIndex: 'count', width: 100, render: (_, row) => <span data-testid={`excluded-count-${row.reason}`}>{row.count}</span> },
                  { title: kind === 'group' ? t('broadcast.group') : t('broadcast.recipient'), dataIndex: 'names', render: (_, row) => (row.names.length ? `${row.names.join('、')}${row.names.length < row.count ? ' …' : ''}` : '—') },
                ]}
              />
            </>
          )}
        </>
      )}
    </div>
  );
}
