import {
  ApartmentOutlined, DeleteOutlined, EditOutlined, FlagOutlined, LogoutOutlined, NotificationOutlined, ProfileOutlined, ScheduleOutlined,
  SwapOutlined, TagsOutlined, TeamOutlined, UserAddOutlined, UserDeleteOutlined, UsergroupAddOutlined,
} from '@ant-design/icons';
import { Button, Empty, Select, Space, Spin, Timeline, Typography } from 'antd';
import type { TFunction } from 'i18next';
import dayjs from 'dayjs';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { addWayText } from './customer-fields.tsx';

type TimelineEvent = ResponseOf<'/scrm/admin/cust/timeline', 'post'>['records'][number];
type EventType = NonNullable<BodyOf<'/scrm/admin/cust/timeline', 'post'>['types']>[number];

const PAGE_SIZE = 20;
const TYPES: EventType[] = [
  'customer_added', 'customer_lost', 'customer_deleted', 'tags_changed', 'remark_changed', 'stage_moved', 'follow_up', 'broadcast_received',
  'sop_task', 'group_joined', 'group_quit', 'group_created', 'transferred', 'lead',
];

const ICONS: Record<EventType, { icon: ReactNode; color: string }> = {
  customer_added: { icon: <UserAddOutlined />, color: 'green' },
  customer_lost: { icon: <UserDeleteOutlined />, color: 'red' },
  customer_deleted: { icon: <DeleteOutlined />, color: 'red' },
  tags_changed: { icon: <TagsOutlined />, color: 'blue' },
  remark_changed: { icon: <EditOutlined />, color: 'blue' },
  stage_moved: { icon: <FlagOutlined />, color: 'purple' },
  follow_up: { icon: <ProfileOutlined />, color: 'gray' },
  broadcast_received: { icon: <NotificationOutlined />, color: 'cyan' },
  sop_task: { icon: <ScheduleOutlined />, color: 'orange' },
  group_joined: { icon: <UsergroupAddOutlined />, color: 'green' },
  group_quit: { icon: <LogoutOutlined />, color: 'gray' },
  group_created: { icon: <TeamOutlined />, color: 'green' },
  transferred: { icon: <SwapOutlined />, color: 'blue' },
  lead: { icon: <ApartmentOutlined />, color: 'gray' },
};

type Named = { name?: string; groupName?: string };
const tagNames = (tags: unknown) => ((tags as Named[] | undefined) ?? []).map((tag) => (tag.groupName ? `${tag.groupName}/${tag.name}` : tag.name)).join('、');

/** One event in words (names as the server recorded them). */
export function timelineText(t: TFunction, event: TimelineEvent): string[] {
  const data = event.data as Record<string, any>;
  const employee = event.employeeName ?? t('timeline.someone');
  switch (event.type) {
    case 'customer_added': {
      const source = [data.channelName, data.sourceName].filter(Boolean).join(' / ');
      return [t('timeline.customer_added', { employee, way: addWayText(t, Number(data.addWay ?? 0)) }), ...(source ? [t('timeline.via', { source })] : [])];
    }
    case 'customer_lost':
      return [t('timeline.customer_lost', { employee }) + (data.days !== undefined ? t('timeline.lostDays', { days: data.days }) : '')];
    case 'customer_deleted':
      return [t('timeline.customer_deleted', { employee })];
    case 'tags_changed':
      return [
        ...(data.added?.length ? [t('timeline.tagsAdded', { tags: tagNames(data.added) })] : []),
        ...(data.removed?.length ? [t('timeline.tagsRemoved', { tags: tagNames(data.removed) })] : []),
      ];
    case 'remark_changed':
      return [
        t('timeline.remark_changed', { employee }),
        ...(['remark', 'description'] as const).filter((field) => data[field] !== undefined).map((field) => t(`timeline.${field}`, { value: data[field] })),
        ...(data.mobiles !== undefined ? [t('timeline.mobiles', { value: (data.mobiles as string[]).join(', ') || '—' })] : []),
      ];
    case 'stage_moved':
      return [t('timeline.stage_moved', { employee, from: data.fromStageName ?? t('timeline.stageStart'), to: data.stageName }), ...(data.note ? [t('timeline.note', { note: data.note })] : [])];
    case 'follow_up':
      return [t('timeline.follow_up', { employee, content: data.content ?? '' })];
    case 'broadcast_received':
      return [t('timeline.broadcast_received', { employee, name: data.name ?? '' })];
    case 'sop_task':
      return [t('timeline.sop_task', { sop: data.sopName ?? '', state: t(`timeline.sop_${data.state}`, { defaultValue: data.state }) }), ...(data.stepName ? [data.stepName as string] : [])];
    case 'group_joined':
    case 'group_quit':
    case 'group_created':
      return [t(`timeline.${event.type}`, { employee, group: data.groupName || t('timeline.unnamedGroup') })];
    case 'transferred':
      return [
        t(data.status === 'done' ? 'timeline.transferred_done' : 'timeline.transferred_failed', {
          from: data.fromName ?? data.from, to: data.toName ?? data.to, kind: t(`timeline.kind_${data.kind}`, { defaultValue: data.kind }),
        }),
      ];
    case 'lead':
      return [t('timeline.lead', { what: t(`lead.event_${data.leadType}`, { defaultValue: data.leadType }) })];
    default:
      return [t(`timeline.type_${event.type}`, { defaultValue: event.type })];
  }
}

function actorText(t: TFunction, event: TimelineEvent): string | null {
  if (!event.actor) return null;
  if (event.actor === 'wecom') return t('timeline.wecom');
  if (event.actor === 'system') return t('timeline.system');
  if (event.actor === 'acquisition') return t('timeline.acquisition');
  return event.actorName ?? event.actor;
}

/** 客户动态: every event about the customer, newest first, a page at a time; filter by kind. */
export function CustomerTimeline({ externalUserid }: { externalUserid: string }) {
  const { t } = useTranslation();
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [total, setTotal] = useState(0);
  const [pageNum, setPageNum] = useState(0);
  const [loading, setLoading] = useState(false);
  const [types, setTypes] = useState<EventType[]>([]);

  const load = useCallback(
    async (page: number, kinds: EventType[]) => {
      setLoading(true);
      try {
        const result = await call(api.POST('/scrm/admin/cust/timeline', { body: { externalUserid, pageNum: page, pageSize: PAGE_SIZE, ...(kinds.length ? { types: kinds } : {}) } }));
        setEvents((shown) => (page === 1 ? result.records : [...shown, ...result.records]));
        setTotal(result.total);
        setPageNum(page);
      } catch {
        // shown by the client
      } finally {
        setLoading(false);
      }
    },
    [externalUserid],
  );

  useEffect(() => {
    void load(1, types);
  }, [load, types]);

  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="customer-timeline">
      <Select
        mode="multiple"
        allowClear
        style={{ minWidth: 280 }}
        placeholder={t('timeline.all')}
        value={types}
        onChange={setTypes}
        options={TYPES.map((type) => ({ value: type, label: t(`timeline.type_${type}`) }))}
        data-testid="customer-timeline-types"
      />
      {pageNum === 0 && loading ? (
        <Spin />
      ) : events.length === 0 ? (
        <Empty description={t('timeline.empty')} />
      ) : (
        <Timeline
          items={events.map((event) => {
            const actor = actorText(t, event);
            return {
              key: event.id,
              color: ICONS[event.type]?.color ?? 'gray',
              icon: ICONS[event.type]?.icon,
              content: (
                <Space orientation="vertical" size={0} data-testid={`timeline-event-${event.type}`}>
                  {timelineText(t, event).map((line, index) => (
                    <span key={index}>{line}</span>
                  ))}
                  <Typography.Text type="secondary">
                    {dayjs(event.occurredAt).format('YYYY-MM-DD HH:mm')}
                    {actor ? ` · ${t('timeline.by', { name: actor })}` : ''}
                  </Typography.Text>
                </Space>
              ),
            };
          })}
        />
      )}
      {events.length < total ? (
        <Button loading={loading} onClick={() => void load(pageNum + 1, types)} data-testid="customer-timeline-more">
          {t('timeline.more')}
        </Button>
      ) : (
        events.length > 0 && <Typography.Text type="secondary">{t('timeline.loaded', { total })}</Typography.Text>
      )}
    </Space>
  );
}
