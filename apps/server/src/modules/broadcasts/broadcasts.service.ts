// 群发 to customers and groups, and moments (API-FACTS-OPERATIONS §17, §18): saving and checking broadcasts,
// the preview that is what send sends, the dispatch (one WeCom task per sender and chunk, marked in flight before
// its call, its msgid kept after), tracking of the senders' confirmations and the recipients' results, reminders
// and cancellation, statistics and the recipients' export.
import type { Background } from '../../platform/background.ts';
import { sql } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import { WecomApiError, WecomRequestError, TRANSIENT_ERRCODES, RATE_LIMIT_ERRCODES, type WecomClient, type AddMsgTemplateRequest } from '@scrm/wecom';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { Conflict, InvalidField, NotFound, BadRequest } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf, type Viewer } from '../../platform/auth/data-scope.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import { translate } from '../../platform/http/i18n.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import { withSessionLock } from '../../platform/wecom.ts';
import { asWecomError, failureText, readStoredFailure, wecomFailureOf, type WecomErrorSubject } from '../../platform/wecom-errors.ts';
import { streamWorkbook, timeFormatter, type ExportColumn } from '../../platform/excel.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { StageRepository } from '../journey/stage.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import { assertEligibleEmployees } from '../org/eligibility.ts';
import type { TagRepository } from '../tags/tag.repository.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import { statesOfSources } from '../acquisition/state-names.ts';
import type { GroupRecord } from '../groups/groups.schemas.ts';
import type { BroadcastAudience, BroadcastKind, BroadcastStatus } from '../../db/schema/broadcasts.ts';
import { type BroadcastRepository, type BroadcastRow, type ChunkRow, type ReceiveWindow, type Segment, type SettingsRow } from './broadcasts.repository.ts';
import {
  ATTACHMENTS_MAX,
  MOMENT_LINK_TITLE_MAX_BYTES,
  MOMENT_TEXT_MAX_CHARS,
  TEXT_MAX_BYTES,
  type BroadcastDetail,
  type BroadcastPageQuery,
  type BroadcastRecord,
  type BroadcastSaveBody,
  type PreviewResult,
  type RecipientPageQuery,
  type SettingsRecord,
  type StatResult,
  type ProgressResult,
} from './broadcasts.schemas.ts';
import { broadcastMessages, word } from './broadcasts.messages.ts';

export const DISPATCH_JOB = 'broadcasts.dispatch';
export const TRACK_JOB = 'broadcasts.track';
/** Every two minutes: due schedules are dispatched and open broadcasts tracked. */
export const TRACK_DUE_QUEUE = 'broadcasts.track-due';
/** A scheduled broadcast's start (pg-boss startAfter). */
export const SCHEDULED_QUEUE = 'broadcasts.scheduled';

/** Attempts of a chunk WeCom refused with a transient error before it stays failed (the operator may send again). */
const MAX_ATTEMPTS = 3;
/** Tasks created at the same time by one dispatch (the pool has 10 connections; each task uses one at a time). */
export const DISPATCH_CONCURRENCY = 3;
const REMINDS_PER_DAY = 3;
const DAY_MS = 86_400_000;
const SETTINGS_DEFAULT = { receiveLimitPeriod: 'month' as const, receiveLimitCount: null, expireDays: 3, remindTime: '17:00' as string | null };

/** What the broadcasts use of the groups and customers modules (given by the composition root). */
export interface BroadcastNeighbours {
  groups: { forViewer(viewer: Viewer): { liveGroups(): Promise<GroupRecord[]> } };
  customers: { forViewer(viewer: Viewer): { customerVisible(externalUserid: string): Promise<boolean> } };
}

export interface BroadcastServiceDeps extends BroadcastNeighbours {
  db: Db;
  broadcasts: BroadcastRepository;
  now: () => number;
  timeZone: string;
  wecom: () => WecomClient | undefined;
  jobs: Pick<JobService, 'start' | 'boss'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliver'>;
  audit: Pick<AuditLogRepository, 'record'>;
  org: Pick<OrgRepository, 'employeeStates'>;
  tags: Pick<TagRepository, 'findTags'>;
  media: Pick<MediaService, 'brief' | 'attachments' | 'momentAttachments'>;
  /** 客户阶段 by id: a segment's stages are checked and named. */
  stages: Pick<StageRepository, 'stageNames'>;
  /** The customer timeline: each customer a customer broadcast reached, once WeCom reports it delivered. */
  timeline: Pick<TimelineService, 'record'>;
  background: Background;
}

// ---- time in the corp's time zone -----------------------------------------------------------------

/** The wall clock of `time` in `timeZone`. */
function wallClock(time: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' })
      .formatToParts(new Date(time))
      .map((part) => [part.type, part.value]),
  );
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second), weekday: String(parts.weekday) };
}

/** The instant of a wall-clock time in `timeZone`. */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const seen = wallClock(guess, timeZone);
  const offset = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute) - guess;
  return new Date(guess - offset);
}

/** The receive limit's window (§17.2) at `now`: this month (the days of the month), this week (7) or today (1), unless a count is set. */
export function receiveWindow(settings: Pick<SettingsRow, 'receiveLimitPeriod' | 'receiveLimitCount'>, now: number, timeZone: string): ReceiveWindow {
  const clock = wallClock(now, timeZone);
  if (settings.receiveLimitPeriod === 'day') return { period: 'day', since: zonedInstant(clock.year, clock.month, clock.day, 0, 0, timeZone), count: settings.receiveLimitCount ?? 1 };
  if (settings.receiveLimitPeriod === 'week') {
    const back = (['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(clock.weekday) + 7) % 7;
    const monday = new Date(Date.UTC(clock.year, clock.month - 1, clock.day - back));
    return { period: 'week', since: zonedInstant(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0, timeZone), count: settings.receiveLimitCount ?? 7 };
  }
  const daysInMonth = new Date(Date.UTC(clock.year, clock.month, 0)).getUTCDate();
  return { period: 'month', since: zonedInstant(clock.year, clock.month, 1, 0, 0, timeZone), count: settings.receiveLimitCount ?? daysInMonth };
}

/** The next time it is `hhmm` in `timeZone` after `after`. */
export function nextWallTime(hhmm: string, after: number, timeZone: string): Date {
  const [hour, minute] = hhmm.split(':').map(Number);
  const clock = wallClock(after, timeZone);
  const today = zonedInstant(clock.year, clock.month, clock.day, hour, minute, timeZone);
  if (today.getTime() > after) return today;
  const tomorrow = new Date(Date.UTC(clock.year, clock.month - 1, clock.day + 1));
  return zonedInstant(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), hour, minute, timeZone);
}

const unique = <T>(values: Iterable<T>) => [...new Set(values)];
/** A share in %, one decimal (stat's and the list's coverage and completion). */
const percentOf = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8');
const statusWord = (status: string) => ({ zh: word(status, 'zh'), en: word(status, 'en') });

/** A chunk's failure that is worth another attempt: WeCom busy or rate-limiting. */
const transient = (stored: string | null) => {
  const match = stored && /"errcode":(-?\d+)/.exec(stored);
  return !!match && (TRANSIENT_ERRCODES.has(Number(match[1])) || RATE_LIMIT_ERRCODES.has(Number(match[1])));
};

export function createBroadcastService(deps: BroadcastServiceDeps) {
  const { db, broadcasts } = deps;
  const store = broadcasts.system();
  const at = () => new Date(deps.now());
  const who = (ctx: RequestContext) => ({ actor: actorOf(ctx), requestId: ctx.requestId, now: at() });

  /** Whom a WeCom failure concerns, by name (the error table's placeholder; 该成员 for one SCRM never synced, not the account). */
  const subjectOf = async (userid: string): Promise<WecomErrorSubject> => {
    const name = (await store.employeeNames([userid])).get(userid);
    return name ? { name } : {};
  };

  /**
   * Delivers the app messages queued for these employees now, one employee after another in the background (the
   * sweep catches what this misses). Not deliverSoon: it starts every recipient at once, each holding a pooled
   * connection for its session lock while it needs another, and a broadcast has hundreds of senders.
   */
  const deliverInTurn = (userids: Iterable<string>) => {
    const queue = [...new Set(userids)];
    deps.background.run('app messages to senders', async () => {
      for (const userid of queue) await deps.appMessages.deliver(userid);
    });
  };

  const client = (): WecomClient => {
    const wecom = deps.wecom();
    if (!wecom) throw new BadRequest('broadcastWecomNotConfigured');
    return wecom;
  };

  async function settingsRow(): Promise<Pick<SettingsRow, 'receiveLimitPeriod' | 'receiveLimitCount' | 'expireDays' | 'remindTime'>> {
    return (await store.settings()) ?? SETTINGS_DEFAULT;
  }

  async function findOr404(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<{ row: BroadcastRow; viewer: Viewer }> {
    const viewer = await viewerOf(ctx);
    const row = await broadcasts.forViewer(viewer).find(kind, id);
    if (!row) throw new NotFound('broadcast', id);
    return { row, viewer };
  }

  // ---- checking what is saved and sent ------------------------------------------------------------

  /**
   * Refuses (400 naming the field) what WeCom would refuse or the caller may not use: text over WeCom's limit, more
   * than 9 or unknown media, media of a kind the broadcast cannot carry, senders outside the caller's scope or
   * without 客户联系, unknown tags, channels, links or groups, a schedule in the past. `complete` also asks for the
   * parts a send needs (content, senders, groups). Returns the senders (departments expanded) and the states.
   */
  async function check(viewer: Viewer, kind: BroadcastKind, body: Pick<BroadcastSaveBody, 'content' | 'senders' | 'audience' | 'scheduleAt'>, complete: boolean) {
    const { content, senders, audience } = body;
    const bytes = bytesOf(content.text);
    if (bytes > TEXT_MAX_BYTES) throw new InvalidField('content.text', 'broadcastTextTooLong', { bytes, max: TEXT_MAX_BYTES });
    if (content.mediaIds.length > ATTACHMENTS_MAX) throw new InvalidField('content.mediaIds', 'validation', { fields: 'content.mediaIds' });
    if (complete && !content.text.trim() && content.mediaIds.length === 0) throw new InvalidField('content', 'broadcastContentEmpty');
    const media = await deps.media.brief(unique(content.mediaIds));
    const missing = unique(content.mediaIds).filter((id) => !media.has(id));
    if (missing.length) throw new InvalidField('content.mediaIds', 'broadcastMediaUnknown', { ids: missing.join(', ') });
    if (kind === 'moment') {
      // §18.2: 2000 characters (and 4000 bytes); up to 9 images, or 1 video, or 1 link with its cover — one kind only.
      const chars = Array.from(content.text).length;
      if (chars > MOMENT_TEXT_MAX_CHARS) throw new InvalidField('content.text', 'broadcastMomentTextTooLong', { chars, max: MOMENT_TEXT_MAX_CHARS });
      const items = content.mediaIds.map((id) => media.get(id)!);
      const other = items.find((item) => item.type !== 'image' && item.type !== 'video' && item.type !== 'link');
      if (other) throw new InvalidField('content.mediaIds', 'broadcastMomentMediaKind', { title: other.title });
      const types = unique(items.map((item) => item.type));
      if (types.length > 1 || (types[0] !== 'image' && items.length > 1)) throw new InvalidField('content.mediaIds', 'broadcastMomentMedia');
      const link = items.find((item) => item.type === 'link');
      if (link && !link.hasFile) throw new InvalidField('content.mediaIds', 'broadcastMomentLinkCover', { title: link.title });
      if (link && bytesOf(link.title) > MOMENT_LINK_TITLE_MAX_BYTES) throw new InvalidField('content.mediaIds', 'broadcastMomentLinkTitle', { title: link.title, bytes: bytesOf(link.title), max: MOMENT_LINK_TITLE_MAX_BYTES });
    } else {
      const text = content.mediaIds.map((id) => media.get(id)!).find((item) => item.type === 'text');
      if (text) throw new InvalidField('content.mediaIds', 'broadcastMediaKind', { title: text.title, type: '文本' });
    }

    // Senders: explicit ones in scope and eligible (400 naming them); departments give their eligible employees in scope.
    const scoped = broadcasts.forViewer(viewer);
    let senderUserids: string[] = [];
    if (kind !== 'group') {
      const explicit = unique(senders.userids);
      const inScope = await scoped.employeesInScope(explicit);
      const outside = explicit.filter((userid) => !inScope.has(userid));
      if (outside.length) {
        const names = await store.employeeNames(outside);
        throw new InvalidField('senders.userids', 'broadcastSenderOutOfScope', { names: outside.map((userid) => names.get(userid) ?? userid).join('、') });
      }
      await assertEligibleEmployees(deps.org, explicit.map((userid) => ({ userid, field: 'senders.userids' })));
      const deptIds = unique(senders.deptIds);
      if (deptIds.length) {
        const known = await store.departmentNames(deptIds);
        const unknownDepts = deptIds.filter((deptId) => !known.has(deptId));
        if (unknownDepts.length) throw new InvalidField('senders.deptIds', 'broadcastDeptUnknown', { ids: unknownDepts.join(', ') });
      }
      const fromDepts = await scoped.employeesOfDepartments(deptIds);
      if (deptIds.length && complete && fromDepts.length === 0 && explicit.length === 0) throw new InvalidField('senders.deptIds', 'broadcastDeptNoEmployees');
      senderUserids = unique([...explicit, ...fromDepts]).sort();
      if (complete && senderUserids.length === 0) throw new InvalidField('senders', 'broadcastSendersEmpty');
    }

    // Tags by kind: corp tags (moments: with their WeCom id), SCRM tags, excluded tags of either kind.
    const tagIds = unique([...(audience.corpTagIds ?? []), ...(audience.selfTagIds ?? []), ...(audience.excludeTagIds ?? [])]);
    const tags = new Map((await deps.tags.findTags(tagIds)).map((tag) => [tag.id, tag]));
    for (const field of ['corpTagIds', 'selfTagIds', 'excludeTagIds'] as const) {
      const ids = audience[field] ?? [];
      const unknownTags = ids.filter((id) => !tags.has(id));
      if (unknownTags.length) throw new InvalidField(`audience.${field}`, 'broadcastTagUnknown', { ids: unknownTags.join(', ') });
      const wrongType = field === 'excludeTagIds' ? [] : ids.filter((id) => tags.get(id)!.type !== (field === 'corpTagIds' ? 'corp' : 'self') || (field === 'corpTagIds' && !tags.get(id)!.wecomTagId));
      if (wrongType.length) throw new InvalidField(`audience.${field}`, field === 'corpTagIds' ? 'broadcastTagNotCorp' : 'broadcastTagNotSelf', { names: wrongType.map((id) => tags.get(id)!.name).join('、') });
    }

    let states: string[] | null = null;
    if (audience.channelIds?.length || audience.linkIds?.length) {
      const sources = await statesOfSources(db, { channelIds: audience.channelIds, linkIds: audience.linkIds });
      const unknownChannels = (audience.channelIds ?? []).filter((id) => !sources.channels.has(id));
      if (unknownChannels.length) throw new InvalidField('audience.channelIds', 'broadcastChannelUnknown', { ids: unknownChannels.join(', ') });
      const unknownLinks = (audience.linkIds ?? []).filter((id) => !sources.links.has(id));
      if (unknownLinks.length) throw new InvalidField('audience.linkIds', 'broadcastLinkUnknown', { ids: unknownLinks.join(', ') });
      states = sources.states;
    }

    if (audience.stageIds?.length) {
      const stageNames = await deps.stages.stageNames(audience.stageIds);
      const unknownStages = audience.stageIds.filter((id) => !stageNames.has(id));
      if (unknownStages.length) throw new InvalidField('audience.stageIds', 'stageUnknown', { ids: unknownStages.join(', ') });
    }

    // Groups: chosen groups and the groups of chosen owners, all in the caller's scope; owners eligible.
    let groups: GroupRecord[] = [];
    if (kind === 'group') {
      const live = await deps.groups.forViewer(viewer).liveGroups();
      const byChat = new Map(live.map((group) => [group.chatId, group]));
      const unknownGroups = (audience.chatIds ?? []).filter((chatId) => !byChat.has(chatId));
      if (unknownGroups.length) throw new InvalidField('audience.chatIds', 'broadcastGroupUnknown', { ids: unknownGroups.join(', ') });
      const owners = unique(audience.ownerUserids ?? []);
      const ownersInScope = await scoped.employeesInScope(owners);
      const outside = owners.filter((userid) => !ownersInScope.has(userid));
      if (outside.length) {
        const names = await store.employeeNames(outside);
        throw new InvalidField('audience.ownerUserids', 'broadcastSenderOutOfScope', { names: outside.map((userid) => names.get(userid) ?? userid).join('、') });
      }
      await assertEligibleEmployees(deps.org, owners.map((userid) => ({ userid, field: 'audience.ownerUserids' })));
      const chosen = new Set(audience.chatIds ?? []);
      const ownerSet = new Set(owners);
      groups = live.filter((group) => chosen.has(group.chatId) || ownerSet.has(group.owner));
      if (complete && groups.length === 0) {
        // Owners chosen who own no live group in scope: say so, rather than asking to choose what was chosen.
        if (owners.length && !(audience.chatIds ?? []).length) {
          const names = await store.employeeNames(owners);
          throw new InvalidField('audience.ownerUserids', 'broadcastOwnersWithoutGroups', { names: owners.map((userid) => names.get(userid) ?? userid).join('、') });
        }
        throw new InvalidField('audience', 'broadcastGroupsEmpty');
      }
      await assertEligibleEmployees(deps.org, unique(groups.map((group) => group.owner)).map((userid) => ({ userid, field: 'audience.chatIds' })));
      senderUserids = unique(groups.map((group) => group.owner)).sort();
    }

    if (body.scheduleAt && body.scheduleAt.getTime() <= deps.now()) throw new InvalidField('scheduleAt', 'broadcastScheduleInPast');
    return { senders: senderUserids, states, groups, tags };
  }

  // ---- plans -------------------------------------------------------------------------------------

  /**
   * Employees' own mass messages (get_groupmsg_list_v2, 个人发表) of one chat type in the window, stored with the
   * customers (single) or groups (group) they reached: the receive limit counts them with ours (§17.2: 每位客户/每个
   * 客户群, whether the corp or the member created the message). A group's target is its chat_id, a customer's its
   * external_userid; WeCom's ids of the two never coincide.
   */
  async function refreshOwnSends(window: ReceiveWindow, chatType: 'single' | 'group'): Promise<void> {
    const wecom = deps.wecom();
    if (!wecom) return;
    const start = Math.floor(window.since.getTime() / 1000);
    const end = Math.floor(deps.now() / 1000);
    if (end <= start) return;
    const found: Array<{ msgid: string; target: string; sendTime: Date }> = [];
    for await (const page of wecom.broadcasts.iterateGroupMsgListV2({ chat_type: chatType, start_time: start, end_time: end, filter_type: 1, limit: 100 })) {
      for (const message of page.group_msg_list) {
        for await (const tasks of wecom.broadcasts.iterateGroupMsgTask(message.msgid, 1000)) {
          for (const task of tasks.task_list) {
            if (task.status === 0) continue;
            for await (const results of wecom.broadcasts.iterateGroupMsgSendResult(message.msgid, task.userid, 1000)) {
              for (const result of results.send_list) {
                const target = chatType === 'group' ? result.chat_id : result.external_userid;
                if (result.status === 1 && target) found.push({ msgid: message.msgid, target, sendTime: new Date((result.send_time ?? end) * 1000) });
              }
            }
          }
        }
      }
    }
    await store.storeOwnSends(found);
  }

  async function segmentOf(viewer: Viewer, row: BroadcastRow, checked: { senders: string[]; states: string[] | null }): Promise<Segment> {
    const window = receiveWindow(await settingsRow(), deps.now(), deps.timeZone);
    await refreshOwnSends(window, 'single');
    return { audience: row.audience, states: checked.states, senders: checked.senders, window };
  }

  /** Groups with their owner as sender; those at the receive limit left out. */
  async function groupPlan(groups: GroupRecord[], window: ReceiveWindow) {
    await refreshOwnSends(window, 'group');
    const received = await store.groupReceived(groups.map((group) => group.chatId), window.since);
    return groups.map((group) => ({
      target: group.chatId,
      name: group.name,
      userid: group.owner,
      reason: (received.get(group.chatId) ?? 0) >= window.count ? ('receive_limit' as const) : null,
    }));
  }

  const bodyOf = (row: BroadcastRow) => ({ content: row.content, senders: row.senders, audience: row.audience as BroadcastSaveBody['audience'], scheduleAt: null });

  async function preview(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<PreviewResult> {
    const { row, viewer } = await findOr404(ctx, kind, id);
    const checked = await check(viewer, kind, bodyOf(row), false);
    const window = receiveWindow(await settingsRow(), deps.now(), deps.timeZone);
    const names = await store.employeeNames(checked.senders);
    const excludedSample: PreviewResult['excludedSample'] = [];
    let perSender: Array<{ userid: string; count: number }> = [];
    const excluded = { notFriend: 0, receiveLimit: 0, dnd: 0 };
    let total = 0;
    let tasks = 0;
    let visibleTags: PreviewResult['visibleTags'] = [];
    if (kind === 'customer') {
      const planned = await broadcasts.forViewer(viewer).previewCustomers(await segmentOf(viewer, row, checked));
      perSender = planned.perSender;
      excluded.notFriend = planned.reasons.get('not_friend') ?? 0;
      excluded.receiveLimit = planned.reasons.get('receive_limit') ?? 0;
      excluded.dnd = planned.reasons.get('dnd') ?? 0;
      for (const entry of planned.sample) excludedSample.push({ name: entry.name, reason: entry.reason!, reasonText: word(entry.reason === 'not_friend' ? 'reason_not_friend' : entry.reason!, ctx.locale) });
      total = perSender.reduce((sum, entry) => sum + entry.count, 0);
      tasks = perSender.reduce((sum, entry) => sum + Math.ceil(entry.count / broadcasts.chunkSize.customer), 0);
    } else if (kind === 'group') {
      const plan = await groupPlan(checked.groups, window);
      const counts = new Map<string, number>();
      for (const entry of plan) {
        if (entry.reason) {
          excluded.receiveLimit += 1;
          if (excludedSample.length < 50) excludedSample.push({ name: entry.name, reason: entry.reason, reasonText: word(entry.reason, ctx.locale) });
        } else counts.set(entry.userid, (counts.get(entry.userid) ?? 0) + 1);
      }
      perSender = [...counts].map(([userid, count]) => ({ userid, count }));
      const ownerNames = await store.employeeNames([...counts.keys()]);
      for (const [userid, name] of ownerNames) names.set(userid, name);
      total = plan.length - excluded.receiveLimit;
      tasks = perSender.reduce((sum, entry) => sum + Math.ceil(entry.count / broadcasts.chunkSize.group), 0);
    } else {
      const corpTagIds = row.audience.corpTagIds ?? [];
      perSender = await store.momentAudience(checked.senders, corpTagIds);
      total = await store.momentAudienceTotal(checked.senders, corpTagIds);
      tasks = checked.senders.length ? 1 : 0;
      visibleTags = corpTagIds.map((tagId) => ({ id: tagId, name: checked.tags.get(tagId)?.name ?? '' }));
      const withCustomers = new Set(perSender.map((entry) => entry.userid));
      for (const userid of checked.senders) if (!withCustomers.has(userid)) perSender.push({ userid, count: 0 });
    }
    return {
      total,
      tasks,
      senders: perSender.map((entry) => ({ userid: entry.userid, name: names.get(entry.userid) ?? null, count: entry.count })).sort((a, b) => b.count - a.count || a.userid.localeCompare(b.userid)),
      excluded,
      excludedSample,
      receiveLimit: { period: window.period, count: window.count },
      visibleTags,
    };
  }

  /** Stores the plan (recipients, chunks, senders) of a broadcast in `tx`; the counts. Refuses an empty audience. */
  /**
   * What the plan needs that is read outside the send's transaction (a transaction here uses its own connection only:
   * the embedded database serves one transaction at a time, so a read on another connection inside one would wait forever).
   */
  async function preparePlan(viewer: Viewer, row: BroadcastRow, checked: Awaited<ReturnType<typeof check>>) {
    if (row.kind === 'customer') return { segment: await segmentOf(viewer, row, checked) };
    if (row.kind === 'group') return { groups: await groupPlan(checked.groups, receiveWindow(await settingsRow(), deps.now(), deps.timeZone)) };
    if (checked.senders.length === 0) throw new InvalidField('senders', 'broadcastSendersEmpty');
    const corpTagIds = row.audience.corpTagIds ?? [];
    return { momentTotal: await store.momentAudienceTotal(checked.senders, corpTagIds), momentSenders: await store.momentAudience(checked.senders, corpTagIds) };
  }

  async function storePlan(tx: DbOrTx, viewer: Viewer, row: BroadcastRow, checked: Awaited<ReturnType<typeof check>>, prepared: Awaited<ReturnType<typeof preparePlan>>): Promise<{ planned: number; excluded: number }> {
    if (row.kind === 'customer') {
      await broadcasts.forViewer(viewer).storeCustomerPlan(tx, row.id, prepared.segment!);
    } else if (row.kind === 'group') {
      const seqOf = new Map<string, number>();
      await store.insertRecipients(
        tx,
        row.id,
        prepared.groups!.map((entry) => {
          let seq: number | null = null;
          if (!entry.reason) {
            const index = seqOf.get(entry.userid) ?? 0;
            seqOf.set(entry.userid, index + 1);
            seq = Math.floor(index / broadcasts.chunkSize.group);
          }
          return { target: entry.target, name: entry.name, userid: entry.userid, chunkSeq: seq, status: entry.reason ? 'excluded' : 'planned', reason: entry.reason };
        }),
      );
    } else {
      // A moment is one WeCom task for all its senders; who sees it is WeCom's answer (tracked).
      const perSender = new Map(prepared.momentSenders!.map((entry) => [entry.userid, entry.count]));
      await store.insertChunk(tx, { broadcastId: row.id, userid: '', seq: 0, size: checked.senders.length });
      await store.insertSenders(tx, row.id, checked.senders.map((userid) => ({ userid, planned: perSender.get(userid) ?? 0 })));
      return { planned: prepared.momentTotal!, excluded: 0 };
    }
    const counts = await store.chunksFromRecipients(tx, row.id);
    if (counts.planned === 0) {
      const [reasons] = (
        await tx.execute<{ not_friend: number; receive_limit: number; dnd: number }>(sql`SELECT
          count(*) FILTER (WHERE reason = 'not_friend')::int AS not_friend, count(*) FILTER (WHERE reason = 'receive_limit')::int AS receive_limit,
          count(*) FILTER (WHERE reason = 'dnd')::int AS dnd FROM broadcast_recipient WHERE broadcast_id = ${row.id}`)
      ).rows;
      throw new InvalidField('audience', 'broadcastEmptyAudience', { notFriend: reasons.not_friend, receiveLimit: reasons.receive_limit, dnd: reasons.dnd });
    }
    return counts;
  }

  // ---- records -----------------------------------------------------------------------------------

  async function toRecords(rows: BroadcastRow[], locale: Locale): Promise<BroadcastRecord[]> {
    const userids = unique(rows.flatMap((row) => [...row.senders.userids, ...(row.audience.ownerUserids ?? [])]));
    const deptIds = unique(rows.flatMap((row) => row.senders.deptIds));
    const tagIds = unique(rows.flatMap((row) => [...(row.audience.corpTagIds ?? []), ...(row.audience.selfTagIds ?? []), ...(row.audience.excludeTagIds ?? [])]));
    const mediaIds = unique(rows.flatMap((row) => row.content.mediaIds));
    const [names, depts, tags, media] = await Promise.all([store.employeeNames(userids), store.departmentNames(deptIds), deps.tags.findTags(tagIds), deps.media.brief(mediaIds)]);
    const tagName = new Map(tags.map((tag) => [tag.id, tag.name]));
    const sources = await statesOfSources(db, { channelIds: unique(rows.flatMap((row) => row.audience.channelIds ?? [])), linkIds: unique(rows.flatMap((row) => row.audience.linkIds ?? [])) });
    const stageNames = await deps.stages.stageNames(unique(rows.flatMap((row) => row.audience.stageIds ?? [])));
    const chatIds = unique(rows.flatMap((row) => row.audience.chatIds ?? []));
    const groupNames = new Map<string, string>();
    if (chatIds.length) {
      const found = await db.execute<{ target: string; name: string }>(sql`SELECT DISTINCT ON (target) target, name FROM broadcast_recipient WHERE target = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(chatIds)}::jsonb))) AND name <> '' ORDER BY target`);
      for (const row of found.rows) groupNames.set(row.target, row.name);
    }
    const chunkCounts = new Map<number, Record<string, number>>();
    if (rows.length) {
      const found = await db.execute<{ broadcast_id: number; status: string; n: number }>(sql`SELECT broadcast_id, status, count(*)::int AS n FROM broadcast_chunk WHERE broadcast_id = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(rows.map((row) => row.id))}::jsonb)::bigint)) GROUP BY 1, 2`);
      for (const entry of found.rows) chunkCounts.set(Number(entry.broadcast_id), { ...chunkCounts.get(Number(entry.broadcast_id)), [entry.status]: Number(entry.n) });
    }
    const named = (ids: number[] | undefined, of: Map<number, string>) => (ids ?? []).map((id) => ({ id, name: of.get(id) ?? '' }));
    return rows.map((row) => {
      const counts = chunkCounts.get(row.id) ?? {};
      const recent = row.remindTimes.filter((time) => deps.now() - Date.parse(time) < DAY_MS).length;
      return {
        id: row.id,
        kind: row.kind,
        name: row.name,
        status: row.status,
        content: row.content,
        media: row.content.mediaIds.map((id) => media.get(id)).filter((item) => item !== undefined).map((item) => ({ id: item.id, type: item.type, title: item.title })),
        senders: row.senders,
        senderNames: row.senders.userids.map((userid) => ({ userid, name: names.get(userid) ?? null })),
        deptNames: row.senders.deptIds.map((deptId) => ({ deptId, name: depts.get(deptId) ?? String(deptId) })),
        audience: row.audience as BroadcastRecord['audience'],
        audienceNames: {
          corpTags: named(row.audience.corpTagIds, tagName),
          selfTags: named(row.audience.selfTagIds, tagName),
          excludeTags: named(row.audience.excludeTagIds, tagName),
          channels: named(row.audience.channelIds, sources.channels),
          links: named(row.audience.linkIds, sources.links),
          stages: named(row.audience.stageIds, stageNames),
          groups: (row.audience.chatIds ?? []).map((chatId) => ({ chatId, name: groupNames.get(chatId) ?? '' })),
          owners: (row.audience.ownerUserids ?? []).map((userid) => ({ userid, name: names.get(userid) ?? null })),
        },
        scheduleAt: row.scheduleAt,
        dispatchedAt: row.dispatchedAt,
        sentAt: row.sentAt,
        expireAt: row.expireAt,
        remindAt: row.remindAt,
        trackedAt: row.trackedAt,
        lastTrackAt: row.lastTrackAt,
        cancelledAt: row.cancelledAt,
        failure: readStoredFailure(row.failure, locale),
        plannedCount: row.plannedCount,
        excludedCount: row.excludedCount,
        remindsLeft: Math.max(0, REMINDS_PER_DAY - recent),
        chunkCounts: { pending: counts.pending ?? 0, inFlight: counts.in_flight ?? 0, created: counts.created ?? 0, failed: counts.failed ?? 0, unknown: counts.unknown ?? 0 },
        ctime: row.ctime,
        cuser: row.cuser,
        mtime: row.mtime,
        muser: row.muser,
      };
    });
  }

  async function recordOf(id: number, locale: Locale): Promise<BroadcastRecord> {
    const row = await store.find(id);
    if (!row) throw new NotFound('broadcast', id);
    return (await toRecords([row], locale))[0];
  }

  function chunkFailure(chunk: ChunkRow, locale: Locale) {
    if (chunk.status === 'unknown') return { message: translate('broadcastUnknownChunk', locale), detail: null };
    return readStoredFailure(chunk.failure, locale);
  }

  // ---- dispatch ----------------------------------------------------------------------------------

  /** Queues the app message telling a sender a broadcast awaits them (once per broadcast and sender). */
  async function tellSender(tx: DbOrTx, row: BroadcastRow, userid: string, count: number): Promise<void> {
    const content = row.kind === 'moment'
      ? translate('broadcastMomentAwaitContent', 'zh', { name: row.name })
      : translate('broadcastAwaitContent', 'zh', { name: row.name, count });
    await deps.appMessages.queue(tx, [{ userid, kind: 'broadcast', title: broadcastMessages.broadcastAwaitTitle.zh, content, dedupeKey: `broadcast:${row.id}:await:${userid}` }]);
  }

  /** Ends a dispatch: sent when any task was made (or may have been), failed when none; when the tracking ends and the reminder comes. */
  async function finishDispatch(id: number): Promise<void> {
    const chunks = await store.chunks(id);
    const settings = await settingsRow();
    await db.transaction(async (tx) => {
      const row = await store.lock(tx, id);
      if (!row || row.status !== 'sending') return;
      const made = chunks.filter((chunk) => chunk.status === 'created' || chunk.status === 'unknown');
      const now = deps.now();
      if (made.length === 0 && chunks.every((chunk) => chunk.status === 'failed')) {
        await store.update(tx, id, { status: 'failed', failure: chunks.find((chunk) => chunk.failure)?.failure ?? null, mtime: at() });
        await store.closeRecipients(tx, id, ['planned'], 'failed');
        await store.setSendersWhere(tx, id, ['waiting'], { status: 'failed' });
        return;
      }
      const sentAt = row.sentAt ?? at();
      await store.update(tx, id, {
        status: 'sent',
        sentAt,
        expireAt: row.expireAt ?? new Date(sentAt.getTime() + settings.expireDays * DAY_MS),
        remindAt: row.remindAt ?? (settings.remindTime ? nextWallTime(settings.remindTime, now, deps.timeZone) : null),
        mtime: at(),
      });
      // Senders none of whose tasks was made have nothing to confirm.
      for (const sender of await store.senders(id, tx)) {
        const own = chunks.filter((chunk) => chunk.userid === sender.userid);
        if (row.kind !== 'moment' && own.length && own.every((chunk) => chunk.status === 'failed') && sender.status === 'waiting') await store.setSender(tx, id, sender.userid, { status: 'failed' });
      }
    });
  }

  /** The content of add_msg_template (attachments' media_ids obtained now: video and file need media/upload's). */
  async function templateContent(row: BroadcastRow): Promise<Pick<AddMsgTemplateRequest, 'text' | 'attachments'>> {
    const attachments = await deps.media.attachments(row.content.mediaIds);
    return { ...(row.content.text.trim() ? { text: { content: row.content.text } } : {}), ...(attachments.length ? { attachments } : {}) };
  }

  /**
   * Creates the WeCom tasks of a broadcast being sent, chunk by chunk: each marked in flight (committed) before its
   * call, its msgid kept after. Chunks found in flight (the process died mid-call) become unknown and are not sent
   * again. A chunk WeCom refuses is kept failed with the reason and the others go on; refusals worth another try
   * (busy, rate limit) are tried again by the job's retry, up to MAX_ATTEMPTS.
   */
  async function dispatch(id: number, job?: JobProgress): Promise<void> {
    await withSessionLock(db, `broadcast-dispatch:${id}`, async () => {
      let row = await store.find(id);
      if (!row) return;
      if (row.status === 'scheduled' && row.scheduleAt && row.scheduleAt.getTime() <= deps.now() + 1000) {
        await store.update(db, id, { status: 'sending', dispatchedAt: at() });
        row = (await store.find(id))!;
      }
      if (row.status !== 'sending') return;
      await store.inFlightToUnknown(id);
      const wecom = client();
      if (row.kind === 'moment') await dispatchMoment(row, wecom);
      else {
        const content = await templateContent(row);
        const chunks = (await store.chunks(id)).filter((chunk) => chunk.status === 'pending');
        let done = 0;
        let next = 0;
        let stopped = false;
        let crash: unknown;
        // A few tasks at a time (each its own sender): the calls overlap with the writes around them. A crash stops
        // every worker from taking another chunk, as the process dying would.
        const worker = async () => {
          while (!stopped && next < chunks.length) {
            const chunk = chunks[next++];
            const current = await store.find(id);
            if (current?.status !== 'sending') {
              stopped = true; // cancelled meanwhile
              return;
            }
            try {
              await dispatchChunk(row, chunk, content, wecom);
            } catch (error) {
              stopped = true;
              crash ??= error;
              return;
            }
            done += 1;
            if (job && done % 20 === 0) await job.progress(done, chunks.length);
          }
        };
        await Promise.all(Array.from({ length: Math.min(DISPATCH_CONCURRENCY, chunks.length) }, worker));
        if (crash) throw crash;
        if (stopped) return;
      }
      const retry = (await store.chunks(id)).filter((chunk) => chunk.status === 'failed' && chunk.attempts < MAX_ATTEMPTS && transient(chunk.failure));
      if (retry.length) {
        await db.transaction(async (tx) => {
          for (const chunk of retry) {
            await store.setChunk(tx, chunk.id, { status: 'pending' });
            await store.setChunkRecipients(tx, id, chunk, ['failed'], 'planned');
          }
        });
        // pg-boss tries the job again later: the tasks made stay made, the rest is sent then.
        throw new Error(`broadcast ${id}: ${retry.length} WeCom task(s) refused for now (busy or rate-limited); trying again`);
      }
      await finishDispatch(id);
    });
    const senders = await store.senders(id);
    deliverInTurn(senders.map((sender) => sender.userid));
  }

  async function dispatchChunk(row: BroadcastRow, chunk: ChunkRow, content: Pick<AddMsgTemplateRequest, 'text' | 'attachments'>, wecom: WecomClient): Promise<void> {
    const targets = await store.chunkTargets(row.id, chunk.userid, chunk.seq);
    // Remembered before the call: a crash from here on leaves it in flight, shown as unknown, never sent twice.
    await store.setChunk(db, chunk.id, { status: 'in_flight', calledAt: at(), attempts: chunk.attempts + 1 });
    let answer;
    try {
      answer = await wecom.broadcasts.addMsgTemplate({
        chat_type: row.kind === 'group' ? 'group' : 'single',
        sender: chunk.userid,
        ...(row.kind === 'group' ? { chat_id_list: targets } : { external_userid: targets }),
        ...content,
      });
    } catch (error) {
      if (error instanceof WecomApiError) {
        // WeCom answered with a refusal: no task was made.
        const failure = failureText(error, await subjectOf(chunk.userid));
        await db.transaction(async (tx) => {
          await store.setChunk(tx, chunk.id, { status: 'failed', failure });
          await store.setChunkRecipients(tx, row.id, chunk, ['planned'], 'failed');
        });
        return;
      }
      if (error instanceof WecomRequestError) {
        // No answer: the task may or may not exist. Unknown, never re-sent without the operator.
        await db.transaction(async (tx) => {
          await store.setChunk(tx, chunk.id, { status: 'unknown', failure: failureText(error) });
          await store.setChunkRecipients(tx, row.id, chunk, ['planned'], 'unknown');
        });
        return;
      }
      throw error; // anything else is a crash: the chunk stays in flight
    }
    const refused = answer.fail_list ?? [];
    await db.transaction(async (tx) => {
      await store.setChunk(tx, chunk.id, { status: 'created', msgid: answer.msgid, createdAt: at(), failCount: refused.length, failure: null });
      await store.setChunkRecipients(tx, row.id, chunk, ['planned'], 'pending');
      if (refused.length) await store.setChunkRecipients(tx, row.id, chunk, ['pending'], 'failed', refused);
      await tellSender(tx, row, chunk.userid, targets.length - refused.length);
    });
  }

  /**
   * A moment: one add_moment_task for its senders and visible tags, then its job's result (moment_id, invalid senders).
   * Its media go by their media/upload_attachment ids, kept in the media library while valid; should WeCom refuse a kept
   * id (40007: no task was made), they are uploaded again and the call made once more.
   */
  async function dispatchMoment(row: BroadcastRow, wecom: WecomClient): Promise<void> {
    const [chunk] = (await store.chunks(row.id)).filter((entry) => entry.status === 'pending');
    if (chunk) {
      const senders = (await store.senders(row.id)).map((sender) => sender.userid);
      const tagIds = row.audience.corpTagIds ?? [];
      const wecomTags = (await deps.tags.findTags(tagIds)).map((tag) => tag.wecomTagId).filter((tag): tag is string => !!tag);
      const mediaIds = row.content.mediaIds;
      // Uploads before the chunk is in flight: a failed upload made no task (the job's retry tries it again).
      let attachments = await deps.media.momentAttachments(mediaIds);
      let answer: { jobid: string } | undefined;
      for (let round = 0; !answer; round++) {
        await store.setChunk(db, chunk.id, { status: 'in_flight', calledAt: at(), attempts: chunk.attempts + 1 });
        try {
          answer = await wecom.moments.addMomentTask({
            ...(row.content.text.trim() ? { text: { content: row.content.text } } : {}),
            ...(attachments.length ? { attachments } : {}),
            visible_range: { sender_list: { user_list: senders }, ...(wecomTags.length ? { external_contact_list: { tag_list: wecomTags } } : {}) },
          });
        } catch (error) {
          if (round === 0 && error instanceof WecomApiError && error.errcode === 40007 && mediaIds.length) {
            // WeCom no longer takes a kept media_id (no task was made): uploaded anew, called once more.
            await store.setChunk(db, chunk.id, { status: 'pending' });
            attachments = await deps.media.momentAttachments(mediaIds, { renew: true });
            continue;
          }
          const status = error instanceof WecomApiError ? 'failed' : error instanceof WecomRequestError ? 'unknown' : null;
          if (!status) throw error;
          await store.setChunk(db, chunk.id, { status, failure: failureText(error) });
          return;
        }
      }
      const made = answer!;
      await db.transaction(async (tx) => {
        await store.setChunk(tx, chunk.id, { status: 'created', jobid: made.jobid, createdAt: at(), failure: null });
        for (const userid of senders) await tellSender(tx, row, userid, 0);
      });
    }
    await momentJobResult(row.id, wecom, 20);
  }

  /** Reads add_moment_task's job result (a few tries): the moment's id, and senders WeCom found invalid. */
  async function momentJobResult(id: number, wecom: WecomClient, tries: number): Promise<void> {
    const [chunk] = (await store.chunks(id)).filter((entry) => entry.status === 'created' && entry.jobid && !entry.momentId);
    if (!chunk?.jobid) return;
    for (let attempt = 0; attempt < tries; attempt++) {
      const result = await wecom.moments.getMomentTaskResult(chunk.jobid);
      if (result.status === 3) {
        await db.transaction(async (tx) => {
          if (result.result && result.result.errcode !== 0) {
            await store.setChunk(tx, chunk.id, { status: 'failed', failure: failureText(new WecomApiError(result.result.errcode, result.result.errmsg, 'externalcontact/add_moment_task')) });
            await store.setSendersWhere(tx, id, ['waiting'], { status: 'failed' });
            return;
          }
          await store.setChunk(tx, chunk.id, { momentId: result.result?.moment_id ?? null });
          for (const userid of result.result?.invalid_sender_list?.user_list ?? []) await store.setSender(tx, id, userid, { status: 'failed' });
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  // ---- tracking ----------------------------------------------------------------------------------

  /**
   * Reads the senders' confirmations and the recipients' results from WeCom (get_groupmsg_task, get_groupmsg_send_result;
   * moments: get_moment_task, get_moment_send_result); after the expiry, what is still unconfirmed is expired. The
   * reminder at the set time goes to senders who have not confirmed.
   */
  async function track(id: number): Promise<void> {
    const remindedNow: string[] = [];
    await withSessionLock(db, `broadcast-track:${id}`, async () => {
      const row = await store.find(id);
      if (!row || row.status !== 'sent' || row.trackedAt) return;
      const wecom = client();
      const now = deps.now();
      if (row.kind === 'moment') await trackMoment(row, wecom);
      else {
        for (const chunk of await store.chunks(id)) {
          if (chunk.status !== 'created' || chunk.settled || chunk.cancelled || !chunk.msgid) continue;
          let sentAt: Date | null = null;
          for await (const page of wecom.broadcasts.iterateGroupMsgTask(chunk.msgid, 1000)) {
            const task = page.task_list.find((entry) => entry.userid === chunk.userid);
            if (task && task.status !== 0) sentAt = new Date((task.send_time ?? Math.floor(now / 1000)) * 1000);
          }
          if (!sentAt) continue;
          const results: Array<{ target: string; status: string; sendTime: Date | null }> = [];
          for await (const page of wecom.broadcasts.iterateGroupMsgSendResult(chunk.msgid, chunk.userid, 1000)) {
            for (const entry of page.send_list) {
              const target = entry.external_userid ?? entry.chat_id;
              if (!target || entry.status === 0) continue;
              const status = entry.status === 1 ? 'delivered' : entry.status === 2 ? 'not_friend' : 'over_limit';
              results.push({ target, status, sendTime: entry.status === 1 && entry.send_time ? new Date(entry.send_time * 1000) : null });
            }
          }
          await db.transaction(async (tx) => {
            await store.applyResults(tx, id, results);
            await store.setSender(tx, id, chunk.userid, { status: 'sent', sentAt });
            if (row.kind === 'customer') {
              await deps.timeline.record(
                tx,
                results
                  .filter((result) => result.status === 'delivered')
                  .map((result) => ({
                    type: 'broadcast_received' as const, occurredAt: result.sendTime ?? sentAt!, externalUserid: result.target, userid: chunk.userid, actor: 'wecom',
                    data: { broadcastId: id, name: row.name, kind: row.kind }, dedupeKey: `broadcast_received:${id}:${result.target}`,
                  })),
              );
            }
          });
          // Single sends list every recipient; group sends list only the groups sent (WeCom), the rest stay open until the expiry.
          if ((await store.openRecipientCount(id, chunk.userid, chunk.seq)) === 0) await store.setChunk(db, chunk.id, { settled: true });
        }
      }
      await db.transaction(async (tx) => {
        const expired = row.expireAt !== null && now >= row.expireAt.getTime();
        const chunks = await store.chunks(id, tx);
        const open = chunks.some((chunk) => chunk.status === 'created' && !chunk.settled && !chunk.cancelled);
        const senders = await store.senders(id, tx);
        const waiting = senders.some((sender) => sender.status === 'waiting');
        if (expired) {
          await store.setSendersWhere(tx, id, ['waiting'], { status: 'expired' });
          await store.closeRecipients(tx, id, ['pending'], 'expired');
        }
        await store.update(tx, id, { lastTrackAt: at(), ...(expired || (!open && !waiting) ? { trackedAt: at() } : {}) });
        if (!expired && row.remindAt && now >= row.remindAt.getTime()) {
          const late = senders.filter((sender) => sender.status === 'waiting' && !sender.remindedAt);
          await deps.appMessages.queue(
            tx,
            late.map((sender) => ({ userid: sender.userid, kind: 'broadcast', title: broadcastMessages.broadcastRemindTitle.zh, content: translate('broadcastRemindContent', 'zh', { name: row.name }), dedupeKey: `broadcast:${id}:remind:${sender.userid}` })),
          );
          for (const sender of late) await store.setSender(tx, id, sender.userid, { remindedAt: at() });
          remindedNow.push(...late.map((sender) => sender.userid));
        }
      });
    });
    deliverInTurn(remindedNow);
  }

  async function trackMoment(row: BroadcastRow, wecom: WecomClient): Promise<void> {
    await momentJobResult(row.id, wecom, 1);
    const [chunk] = (await store.chunks(row.id)).filter((entry) => entry.status === 'created' && entry.momentId && !entry.cancelled);
    if (!chunk?.momentId) return;
    const senders = new Map((await store.senders(row.id)).map((sender) => [sender.userid, sender]));
    for await (const page of wecom.moments.iterateMomentTask(chunk.momentId, 1000)) {
      for (const task of page.task_list) {
        const sender = senders.get(task.userid);
        if (!sender || task.publish_status !== 1 || sender.status === 'sent') continue;
        const viewers: string[] = [];
        for await (const result of wecom.moments.iterateMomentSendResult(chunk.momentId, task.userid, 5000)) viewers.push(...result.customer_list.map((entry) => entry.external_userid));
        await db.transaction(async (tx) => {
          await store.addMomentViewers(tx, row.id, task.userid, viewers, at());
          await store.setSender(tx, row.id, task.userid, { status: 'sent', sentAt: at() });
        });
      }
    }
    const waiting = (await store.senders(row.id)).some((sender) => sender.status === 'waiting');
    if (!waiting) await store.setChunk(db, chunk.id, { settled: true });
  }

  /** The cron's round: due schedules dispatched, open broadcasts tracked. */
  async function trackDue(): Promise<void> {
    for (const row of await store.withStatus(['scheduled'])) {
      if (row.scheduleAt && row.scheduleAt.getTime() <= deps.now()) await deps.jobs.start(DISPATCH_JOB, { broadcastId: row.id }, { actor: 'system' });
    }
    for (const row of await store.withStatus(['sent'])) {
      if (row.trackedAt) continue;
      try {
        await track(row.id);
      } catch (error) {
        await store.update(db, row.id, { lastTrackAt: at(), failure: failureText(error) });
      }
    }
  }

  // ---- stats and results -------------------------------------------------------------------------

  const visibleSenders = (viewer: Viewer) => broadcasts.sendersVisible(viewer, sql`br.userid`);

  async function stat(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<StatResult> {
    const { row, viewer } = await findOr404(ctx, kind, id);
    const counts = await store.recipientCounts(id, visibleSenders(viewer));
    const senders = await store.senders(id);
    const visible = await broadcasts.forViewer(viewer).employeesInScope(senders.map((sender) => sender.userid));
    const names = await store.employeeNames(senders.map((sender) => sender.userid));
    const total = (status: string) => counts.filter((entry) => entry.status === status).reduce((sum, entry) => sum + Number(entry.n), 0);
    const of = (userid: string, status: string) => Number(counts.find((entry) => entry.userid === userid && entry.status === status)?.n ?? 0);
    const delivered = total('delivered');
    const planned = kind === 'moment' ? row.plannedCount : counts.filter((entry) => entry.status !== 'excluded').reduce((sum, entry) => sum + Number(entry.n), 0);
    const shown = senders.filter((sender) => visible.has(sender.userid));
    return {
      planned,
      excluded: total('excluded'),
      delivered,
      pending: total('pending') + total('planned'),
      notFriend: total('not_friend'),
      overLimit: total('over_limit'),
      failed: total('failed'),
      expired: total('expired'),
      cancelled: total('cancelled'),
      unknown: total('unknown'),
      coverage: percentOf(delivered, planned),
      senders: {
        total: shown.length,
        sent: shown.filter((sender) => sender.status === 'sent').length,
        waiting: shown.filter((sender) => sender.status === 'waiting').length,
        expired: shown.filter((sender) => sender.status === 'expired').length,
        cancelled: shown.filter((sender) => sender.status === 'cancelled').length,
        failed: shown.filter((sender) => sender.status === 'failed').length,
      },
      perSender: shown.map((sender) => {
        const senderPlanned = kind === 'moment' ? sender.planned : counts.filter((entry) => entry.userid === sender.userid && entry.status !== 'excluded').reduce((sum, entry) => sum + Number(entry.n), 0);
        const senderDelivered = of(sender.userid, 'delivered');
        return {
          userid: sender.userid,
          name: names.get(sender.userid) ?? null,
          status: sender.status,
          sentAt: sender.sentAt,
          planned: senderPlanned,
          delivered: senderDelivered,
          notFriend: of(sender.userid, 'not_friend'),
          overLimit: of(sender.userid, 'over_limit'),
          failed: of(sender.userid, 'failed'),
          completion: percentOf(senderDelivered, senderPlanned),
        };
      }),
      byDay: (await store.deliveredByDay(id, visibleSenders(viewer))).map((entry) => ({ day: entry.day, delivered: Number(entry.n) })),
      trackedAt: row.trackedAt,
      lastTrackAt: row.lastTrackAt,
    };
  }

  /** What a list page shows of each sent broadcast: stat's coverage and confirmations, for a page in three queries. */
  async function progress(ctx: RequestContext, kind: BroadcastKind, ids: number[]): Promise<ProgressResult> {
    const viewer = await viewerOf(ctx);
    const scoped = broadcasts.forViewer(viewer);
    const found = await scoped.findMany(kind, unique(ids));
    if (!found.length) return [];
    const foundIds = found.map((row) => row.id);
    const totals = new Map((await store.recipientTotals(foundIds, visibleSenders(viewer))).map((entry) => [Number(entry.broadcast_id), entry]));
    const senders = await store.sendersOf(foundIds);
    const visible = await scoped.employeesInScope(unique(senders.map((sender) => sender.userid)));
    return found.map((row) => {
      const delivered = Number(totals.get(row.id)?.delivered ?? 0);
      const planned = kind === 'moment' ? row.plannedCount : Number(totals.get(row.id)?.planned ?? 0);
      const shown = senders.filter((sender) => sender.broadcastId === row.id && visible.has(sender.userid));
      return { id: row.id, planned, delivered, coverage: percentOf(delivered, planned), senders: { total: shown.length, sent: shown.filter((sender) => sender.status === 'sent').length } };
    });
  }

  const reasonText = (reason: string | null, locale: Locale) => (reason ? word(reason === 'not_friend' ? 'reason_not_friend' : reason, locale) : '');

  return {
    dispatch,
    track,
    trackDue,
    progress,

    async page(ctx: RequestContext, kind: BroadcastKind, query: BroadcastPageQuery): Promise<Page<BroadcastRecord>> {
      const found = await broadcasts.forViewer(await viewerOf(ctx)).page(kind, query);
      return { ...found, records: await toRecords(found.records, ctx.locale) };
    },

    async get(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<BroadcastDetail> {
      const { row } = await findOr404(ctx, kind, id);
      const [record] = await toRecords([row], ctx.locale);
      const chunks = await store.chunks(id);
      const names = await store.employeeNames(unique(chunks.map((chunk) => chunk.userid)));
      return {
        ...record,
        chunks: chunks.map((chunk) => ({
          seq: chunk.seq,
          userid: chunk.userid,
          senderName: names.get(chunk.userid) ?? null,
          status: chunk.status,
          size: chunk.size,
          failCount: chunk.failCount,
          attempts: chunk.attempts,
          failure: chunkFailure(chunk, ctx.locale),
          calledAt: chunk.calledAt,
          createdAt: chunk.createdAt,
        })),
      };
    },

    async save(ctx: RequestContext, kind: BroadcastKind, body: BroadcastSaveBody): Promise<BroadcastRecord> {
      const viewer = await viewerOf(ctx);
      await check(viewer, kind, body, false);
      const actor = actorOf(ctx);
      const values = { name: body.name, content: body.content, senders: body.senders, audience: body.audience as BroadcastAudience, scheduleAt: body.scheduleAt ?? null };
      if (body.id === undefined) {
        const row = await store.insert(db, { kind, ...values, creatorId: ctx.user.id, creatorDeptId: ctx.user.deptId, creatorQwUserid: ctx.user.qwUserid, cuser: actor, muser: actor });
        return recordOf(row.id, ctx.locale);
      }
      const { row } = await findOr404(ctx, kind, body.id);
      if (row.status !== 'draft') throw new Conflict('broadcastNotEditable', { name: row.name });
      await store.update(db, row.id, { ...values, muser: actor, mtime: at() });
      return recordOf(row.id, ctx.locale);
    },

    async remove(ctx: RequestContext, kind: BroadcastKind, ids: number[]): Promise<{ deleted: number }> {
      const viewer = await viewerOf(ctx);
      const rows: BroadcastRow[] = [];
      for (const id of unique(ids)) {
        const row = await broadcasts.forViewer(viewer).find(kind, id);
        if (!row) throw new NotFound('broadcast', id);
        rows.push(row);
      }
      const notDraft = rows.filter((row) => row.status !== 'draft');
      if (notDraft.length) throw new Conflict('broadcastNotDraft', { names: notDraft.map((row) => `「${row.name}」`).join('、') });
      const deleted = await db.transaction(async (tx) => {
        const done = await store.deleteDrafts(tx, rows.map((row) => row.id), actorOf(ctx), at());
        await deps.audit.record(tx, who(ctx), done.map((id) => ({ action: 'broadcast.delete', targetType: 'broadcast', targetId: id })));
        return done;
      });
      return { deleted: deleted.length };
    },

    preview,

    async send(ctx: RequestContext, kind: BroadcastKind, id: number, options: { resendUnknown: boolean }): Promise<BroadcastRecord> {
      const { row, viewer } = await findOr404(ctx, kind, id);
      if (row.status === 'draft') {
        client();
        const checked = await check(viewer, kind, { ...bodyOf(row), scheduleAt: row.scheduleAt }, true);
        const scheduled = row.scheduleAt !== null;
        // Read before the transaction (employees' own sends from WeCom among them): no WeCom call holds it open.
        const prepared = await preparePlan(viewer, row, checked);
        await db.transaction(async (tx) => {
          const locked = await store.lock(tx, id);
          if (locked?.status !== 'draft') throw new Conflict('broadcastNotSendable', { name: row.name, status: word(locked?.status ?? 'cancelled', ctx.locale) });
          const counts = await storePlan(tx, viewer, row, checked, prepared);
          await store.update(tx, id, {
            status: scheduled ? 'scheduled' : 'sending',
            dispatchedAt: scheduled ? null : at(),
            plannedCount: counts.planned,
            excludedCount: counts.excluded,
            muser: actorOf(ctx),
            mtime: at(),
          });
          await deps.audit.record(tx, who(ctx), [
            { action: scheduled ? 'broadcast.schedule' : 'broadcast.send', targetType: 'broadcast', targetId: id, after: { kind, name: row.name, planned: counts.planned, excluded: counts.excluded, scheduleAt: row.scheduleAt?.toISOString() ?? null } },
          ]);
        });
        if (scheduled) await deps.jobs.boss.send(SCHEDULED_QUEUE, { broadcastId: id }, { startAfter: row.scheduleAt!, singletonKey: `broadcast-${id}` });
        else await deps.jobs.start(DISPATCH_JOB, { broadcastId: id }, { actor: actorOf(ctx) });
        return recordOf(id, ctx.locale);
      }
      // Sent already: the operator chooses to send again the unknown tasks (after checking WeCom), and failed ones are tried again.
      if (row.status === 'sending' || row.status === 'sent' || row.status === 'failed') {
        client();
        const changed = await db.transaction(async (tx) => {
          await store.lock(tx, id);
          const again = (options.resendUnknown ? await store.unknownToPending(tx, id) : 0) + (await store.failedToPending(tx, id));
          if (again === 0) return 0;
          await store.update(tx, id, { status: 'sending', trackedAt: null, failure: null, muser: actorOf(ctx), mtime: at() });
          await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.resend', targetType: 'broadcast', targetId: id, after: { chunks: again, resendUnknown: options.resendUnknown } }]);
          return again;
        });
        if (changed === 0 && row.status !== 'sending') throw new Conflict('broadcastNotSendable', { name: row.name, status: word(row.status, ctx.locale) });
        await deps.jobs.start(DISPATCH_JOB, { broadcastId: id }, { actor: actorOf(ctx) });
        return recordOf(id, ctx.locale);
      }
      throw new Conflict('broadcastNotSendable', { name: row.name, status: word(row.status, ctx.locale) });
    },

    async cancel(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<BroadcastRecord> {
      const { row } = await findOr404(ctx, kind, id);
      if (!(['scheduled', 'sending', 'sent'] as BroadcastStatus[]).includes(row.status) || (row.status === 'sent' && row.trackedAt)) {
        throw new Conflict('broadcastNotCancellable', { name: row.name, status: word(row.status, ctx.locale) });
      }
      // What senders already sent is read once more (it stays delivered); then the dispatch is stopped (it checks the
      // status before each task) and the tasks made are stopped in WeCom.
      if (row.status === 'sent') await track(id).catch(() => {});
      await db.transaction(async (tx) => {
        await store.lock(tx, id);
        await store.update(tx, id, { status: 'cancelled', cancelledAt: at(), muser: actorOf(ctx), mtime: at() });
      });
      const failures: unknown[] = [];
      if (row.status !== 'scheduled') {
        const wecom = client();
        await withSessionLock(db, `broadcast-dispatch:${id}`, async () => {
          for (const chunk of await store.chunks(id)) {
            if (chunk.status !== 'created' || chunk.cancelled) continue;
            try {
              if (kind === 'moment') {
                if (chunk.momentId) await wecom.moments.cancelMomentTask({ moment_id: chunk.momentId });
              } else if (chunk.msgid) {
                await wecom.broadcasts.cancelGroupMsgSend({ msgid: chunk.msgid });
              }
              await store.setChunk(db, chunk.id, { cancelled: true });
            } catch (error) {
              if (!wecomFailureOf(error)) throw error;
              failures.push(asWecomError(error, await subjectOf(chunk.userid)));
            }
          }
        });
      }
      await db.transaction(async (tx) => {
        await store.setSendersWhere(tx, id, ['waiting'], { status: 'cancelled' });
        await store.closeRecipients(tx, id, ['planned', 'pending'], 'cancelled');
        await store.update(tx, id, { trackedAt: at() });
        await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.cancel', targetType: 'broadcast', targetId: id, before: { status: row.status }, after: { status: 'cancelled', wecomFailures: failures.length } }]);
      });
      if (failures.length) throw failures[0];
      return recordOf(id, ctx.locale);
    },

    async remind(ctx: RequestContext, kind: BroadcastKind, id: number): Promise<{ reminded: number; remindsLeft: number }> {
      const { row } = await findOr404(ctx, kind, id);
      if (row.status !== 'sent' || row.trackedAt) throw new Conflict('broadcastNotTracking', { name: row.name });
      const recent = row.remindTimes.filter((time) => deps.now() - Date.parse(time) < DAY_MS).sort();
      if (recent.length >= REMINDS_PER_DAY) {
        const next = new Date(Date.parse(recent[0]) + DAY_MS);
        throw new Conflict('broadcastRemindLimit', { at: timeFormatter(deps.timeZone)(next) });
      }
      const waiting = (await store.senders(id)).filter((sender) => sender.status === 'waiting');
      if (waiting.length === 0) throw new Conflict('broadcastNobodyToRemind');
      const wecom = client();
      const waitingSet = new Set(waiting.map((sender) => sender.userid));
      if (kind !== 'moment') {
        for (const chunk of await store.chunks(id)) {
          if (chunk.status !== 'created' || chunk.settled || chunk.cancelled || !chunk.msgid || !waitingSet.has(chunk.userid)) continue;
          try {
            await wecom.broadcasts.remindGroupMsgSend({ msgid: chunk.msgid });
          } catch (error) {
            throw asWecomError(error, await subjectOf(chunk.userid));
          }
        }
      }
      const times = [...row.remindTimes.filter((time) => deps.now() - Date.parse(time) < DAY_MS), at().toISOString()];
      await db.transaction(async (tx) => {
        await store.update(tx, id, { remindTimes: times });
        // Moments have no WeCom reminder: the app message is the reminder. Customer and group senders get it too.
        await deps.appMessages.queue(
          tx,
          waiting.map((sender) => ({ userid: sender.userid, kind: 'broadcast', title: broadcastMessages.broadcastRemindTitle.zh, content: translate('broadcastRemindContent', 'zh', { name: row.name }), dedupeKey: `broadcast:${id}:manual-remind:${times.length}:${times.at(-1)}:${sender.userid}` })),
        );
        await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.remind', targetType: 'broadcast', targetId: id, after: { senders: waiting.map((sender) => sender.userid) } }]);
      });
      deliverInTurn(waitingSet);
      return { reminded: waiting.length, remindsLeft: REMINDS_PER_DAY - times.length };
    },

    async recipients(ctx: RequestContext, kind: BroadcastKind, query: RecipientPageQuery) {
      const { viewer } = await findOr404(ctx, kind, query.id);
      const found = await store.recipientPage(query.id, query, visibleSenders(viewer));
      return {
        ...found,
        records: found.records.map((row) => ({
          key: row.target,
          name: row.name,
          userid: row.userid,
          senderName: row.sender_name,
          status: row.status as never,
          statusText: row.status === 'excluded' ? reasonText(row.reason, ctx.locale) : word(row.status, ctx.locale),
          reason: (row.reason ?? null) as never,
          sendTime: row.send_time ? new Date(row.send_time) : null,
        })),
      };
    },

    stat,

    async exportRecipients(ctx: RequestContext, kind: BroadcastKind, query: { id: number; status?: string }, onError: (error: unknown) => void): Promise<{ stream: Readable; fileName: string }> {
      const { row, viewer } = await findOr404(ctx, kind, query.id);
      const locale = ctx.locale;
      type Row = Awaited<ReturnType<typeof store.recipientBatch>>[number];
      const zh = locale === 'zh';
      const columns: ExportColumn<Row>[] = [
        { header: kind === 'group' ? (zh ? '客户群' : 'Group') : zh ? '客户' : 'Customer', width: 24, value: (r) => r.name },
        { header: zh ? '发送成员' : 'Sender', width: 16, value: (r) => r.sender_name ?? '' },
        { header: zh ? '状态' : 'Status', width: 20, value: (r) => (r.status === 'excluded' ? `${word('excluded', locale)}：${reasonText(r.reason, locale)}` : word(r.status, locale)) },
        { header: zh ? '送达时间' : 'Delivered at', width: 20, value: (r, formatTime) => (r.send_time ? formatTime(new Date(r.send_time)) : '') },
      ];
      const visible = visibleSenders(viewer);
      async function* batches() {
        let after: string | null = null;
        for (;;) {
          const batch = await store.recipientBatch(query.id, query.status, visible, after, 2000);
          if (batch.length === 0) return;
          yield batch;
          after = batch[batch.length - 1].target;
        }
      }
      const stream = streamWorkbook(batches(), columns, { sheetName: zh ? '接收者' : 'Recipients', timeZone: deps.timeZone, onError });
      return { stream, fileName: `${zh ? '群发接收者' : 'broadcast-recipients'}-${row.name}.xlsx` };
    },

    async dndPage(ctx: RequestContext, query: { pageNum: number; pageSize: number; name?: string }) {
      const viewer = await viewerOf(ctx);
      // An entry is seen by whoever sees the customer (a relation in their scope).
      const scope = broadcasts.sendersVisible(viewer, sql`r.userid`);
      const visible = scope ? sql`EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = d.external_userid AND ${scope})` : undefined;
      const found = await store.dndPage(query, visible);
      return { ...found, records: found.records.map((row) => ({ id: Number(row.id), externalUserid: row.external_userid, name: row.name, reason: row.reason, cuser: row.cuser, ctime: new Date(row.ctime) })) };
    },

    async dndSave(ctx: RequestContext, body: { externalUserids: string[]; reason?: string }): Promise<{ added: number }> {
      const viewer = await viewerOf(ctx);
      const ids = unique(body.externalUserids);
      const customers = deps.customers.forViewer(viewer);
      const unknown: string[] = [];
      for (const externalUserid of ids) if (!(await customers.customerVisible(externalUserid))) unknown.push(externalUserid);
      if (unknown.length) throw new InvalidField('externalUserids', 'broadcastCustomerUnknown', { ids: unknown.join(', ') });
      const names = await db.execute<{ external_userid: string; name: string }>(sql`SELECT external_userid, name FROM customer WHERE external_userid = ANY(ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))`);
      const nameOf = new Map(names.rows.map((row) => [row.external_userid, row.name]));
      return db.transaction(async (tx) => {
        const added = await store.dndAdd(tx, ids.map((externalUserid) => ({ externalUserid, name: nameOf.get(externalUserid) ?? '', reason: body.reason ?? '' })), actorOf(ctx));
        await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.dnd.add', targetType: 'customer', targetId: null, after: { externalUserids: ids, reason: body.reason ?? '' } }]);
        return { added };
      });
    },

    async dndDelete(ctx: RequestContext, ids: number[]): Promise<{ deleted: number }> {
      const viewer = await viewerOf(ctx);
      const scope = broadcasts.sendersVisible(viewer, sql`r.userid`);
      const visible = scope ? sql`EXISTS (SELECT 1 FROM customer_relation r WHERE r.external_userid = d.external_userid AND ${scope})` : undefined;
      return db.transaction(async (tx) => {
        const deleted = await store.dndDelete(tx, ids, visible);
        await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.dnd.remove', targetType: 'customer', targetId: null, after: { externalUserids: deleted.map((row) => row.external_userid) } }]);
        return { deleted: deleted.length };
      });
    },

    async settings(_ctx: RequestContext): Promise<SettingsRecord> {
      const row = await settingsRow();
      return { receiveLimitPeriod: row.receiveLimitPeriod, receiveLimitCount: row.receiveLimitCount, expireDays: row.expireDays, remindTime: row.remindTime };
    },

    async saveSettings(ctx: RequestContext, body: SettingsRecord): Promise<SettingsRecord> {
      const before = await settingsRow();
      await db.transaction(async (tx) => {
        await store.saveSettings(tx, { ...body, cuser: actorOf(ctx), muser: actorOf(ctx), mtime: at() });
        await deps.audit.record(tx, who(ctx), [{ action: 'broadcast.settings', targetType: 'broadcastSettings', targetId: 1, before, after: body }]);
      });
      return body;
    },

    /** Statuses in words (tests, console). */
    statusWord,
  };
}

export type BroadcastService = ReturnType<typeof createBroadcastService>;
