// Acquisition links (获客链接) and channel QR codes (渠道活码): saving drafts, publishing to WeCom,
// deleting, and the records the API returns. Both kinds share the code; `getType` tells them apart.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../platform/db/database.ts';
import type { GetType } from '../../db/schema/index.ts';
import { Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import { asWecomError, failureText, readStoredFailure, wecomFailureOf, type WecomErrorSubject } from '../../platform/wecom-errors.ts';
import { parseWorkingHours, WorkingHoursError } from './routing/working-hours.ts';
import type { LinkPageBody, LinkRecord, LinkSaveBody, LinkStats, RuleRecord } from './acquisition.schemas.ts';
import { localTime } from '../../platform/local-time.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import { assertEligibleEmployees } from '../org/eligibility.ts';
import type { TagRepository } from '../tags/tag.repository.ts';
import type { LinkRepository, LinkRow, LinkWithRules, RuleRow } from './link.repository.ts';
import { type MainSpec, type WecomPublisher, withCustomerChannel } from './wecom-publisher.ts';

export const ALLOCATION_METHODS = ['weight', 'round', 'default'] as const;
/** WeCom: ≤500 users per acquisition link range, ≤100 per contact way. */
const MAX_RANGE: Record<GetType, number> = { link: 500, qr: 100 };
const ATTACHABLE_MEDIA = new Set(['image', 'link', 'miniprogram', 'video', 'file']);

export const newState = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const entityOf = (getType: GetType) => (getType === 'link' ? 'acqLink' : 'acqQr');

export interface LinkServiceDeps {
  /** Transactions; every query goes through the repository. */
  db: Pick<Db, 'transaction'>;
  links: LinkRepository;
  /** The org module's mirror: who can take customers, which departments exist. */
  org: Pick<OrgRepository, 'activeEmployees' | 'existingDepartments' | 'employeeStates'>;
  /** The tags module's corp tags. */
  tags: Pick<TagRepository, 'existingCorpTags'>;
  publisher: WecomPublisher;
  /** Called after a publish or a delete: caches and range upkeep follow. */
  changed: (getType: GetType, id: number) => void;
  now: () => number;
  /** The corp's time zone: statistics count local days, as daily limits do. */
  timeZone: string;
}

/** The local days from `days - 1` days before `today` up to `today` (YYYY-MM-DD). */
export function lastDays(today: string, days: number): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

export function toRuleRecord(row: RuleRow): RuleRecord {
  return {
    id: row.id,
    getType: row.getType,
    userId: row.userId,
    weight: row.weight,
    dailyLimit: row.dailyLimit,
    roundLimit: row.roundLimit,
    workingHours: row.workingHours,
    state: row.state,
    configLinkId: row.configLinkId,
    linkUrl: row.linkUrl,
    qrCode: row.qrCode,
    isDel: row.isDel,
    ctime: row.ctime,
    cuser: row.cuser,
    mtime: row.mtime,
    muser: row.muser,
  };
}

export function toLinkRecord(row: LinkWithRules, locale: Locale = 'zh'): LinkRecord {
  const reason = readStoredFailure(row.statusReason, locale);
  return {
    id: row.id,
    getType: row.getType,
    linkName: row.linkName,
    channelId: row.channelId,
    channelType: row.channelType,
    allocationMethod: row.allocationMethod,
    allocationRules: row.rules.map(toRuleRecord),
    userList: row.userList,
    departmentList: row.departmentList,
    userJson: row.userJson,
    priorityType: row.priorityType,
    priorityUseridList: row.priorityUseridList,
    skipVerify: row.skipVerify,
    cstTags: row.cstTags,
    isSendWelcome: row.isSendWelcome,
    welcomeContent: row.welcomeContent,
    mediaIds: row.mediaIds,
    qrType: row.qrType,
    state: row.state,
    status: row.status,
    statusReason: reason?.message ?? null,
    statusDetail: reason?.detail ?? null,
    linkId: row.linkId,
    url: row.url,
    qrCode: row.getType === 'qr' ? row.url : null,
    suspendedUsers: row.suspendedUsers,
    mainUserid: row.mainUserid,
    addFriendCount: row.addFriendCount,
    openProfileCount: row.openProfileCount,
    createTime: row.createTime,
    isDel: row.isDel,
    ctime: row.ctime,
    cuser: row.cuser,
    mtime: row.mtime,
    muser: row.muser,
  };
}

const skipVerifyOf = (value: string | boolean | null | undefined): string => (value === false || String(value).toLowerCase() === 'false' ? 'false' : 'true');
const unique = (values: string[]) => [...new Set(values.map((value) => value.trim()).filter(Boolean))];

/** The main object's range: userList, or the rules' employees when no range was given. */
export function mainRange(link: Pick<LinkRow, 'userList' | 'departmentList'>, rules: Array<Pick<RuleRow, 'userId'>>) {
  const departments = link.departmentList.map(Number).filter((id) => Number.isInteger(id) && id > 0);
  const users = link.userList.length || departments.length ? link.userList : unique(rules.map((rule) => rule.userId));
  return { users, departments };
}

export function createLinkService(deps: LinkServiceDeps) {
  const { db, links, publisher } = deps;

  async function get(getType: GetType, id: number, locale: Locale): Promise<LinkRecord> {
    const row = await links.find(getType, id);
    if (!row) throw new NotFound(entityOf(getType), id);
    return toLinkRecord(row, locale);
  }

  /**
   * Whom a WeCom failure of publishing concerned: the employee its errmsg names (WeCom names the userid for 84074 and
   * the like), or the only employee of the call; by name, as the org mirror has it (the userid only for one it no longer has).
   */
  async function subjectOf(error: unknown, userids: string[]): Promise<WecomErrorSubject | undefined> {
    const failure = wecomFailureOf(error);
    if (!failure || failure.errcode === null) return undefined;
    const words = failure.errmsg.split(/[^\w.@-]+/);
    const named = userids.find((userid) => words.includes(userid));
    const userid = named ?? (userids.length === 1 ? userids[0] : undefined);
    if (!userid) return undefined;
    const employee = (await deps.org.activeEmployees([userid])).get(userid);
    return { name: employee?.name || userid };
  }

  /** What publishing checks against what exists: employees, departments, tags, media, rules, hours. */
  async function checkPublishable(getType: GetType, body: LinkSaveBody): Promise<void> {
    const name = (body.linkName ?? '').trim();
    if (!name) throw new InvalidField('linkName', 'acqNameRequired');
    if ([...name].length > 30) throw new InvalidField('linkName', 'acqNameTooLong');
    const method = body.allocationMethod?.trim() || 'default';
    if (!(ALLOCATION_METHODS as readonly string[]).includes(method)) throw new InvalidField('allocationMethod', 'acqAllocationMethodInvalid', { value: method });
    const rules = body.allocationRules ?? [];
    if (method !== 'default' && rules.length === 0) throw new InvalidField('allocationRules', 'acqRulesRequired', { method });
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      const userId = rule.userId?.trim();
      if (!userId) throw new InvalidField(`allocationRules[${index}].userId`, 'acqRuleUserRequired', { index: index + 1 });
      if (seen.has(userId)) throw new InvalidField(`allocationRules[${index}].userId`, 'acqRuleUserDuplicated', { userId });
      seen.add(userId);
      try {
        parseWorkingHours(rule.workingHours);
      } catch (error) {
        if (error instanceof WorkingHoursError) throw new InvalidField(`allocationRules[${index}].workingHours`, 'acqWorkingHoursInvalid', { index: index + 1, detail: error.message });
        throw error;
      }
    });
    const userList = unique(body.userList ?? []);
    const departments = unique(body.departmentList ?? []);
    const badDepartments = departments.filter((dept) => !/^\d{1,10}$/.test(dept));
    const existingDepartments = await deps.org.existingDepartments(departments.filter((dept) => /^\d{1,10}$/.test(dept)).map(Number));
    const unknownDepartments = [...badDepartments, ...departments.filter((dept) => /^\d{1,10}$/.test(dept) && !existingDepartments.has(Number(dept)))];
    if (unknownDepartments.length) throw new InvalidField('departmentList', 'acqUnknownDepartments', { deptIds: unknownDepartments.join(', ') });
    const priorityUsers = unique(body.priorityUseridList ?? []);
    const everyone = unique([...userList, ...seen, ...(body.priorityType === 2 ? priorityUsers : [])]);
    // Everyone who would take customers can (in the corp, active, activated, with 客户联系): else a 400 naming them and why.
    await assertEligibleEmployees(deps.org, [
      ...userList.map((userid) => ({ userid, field: 'userList' })),
      ...rules.map((rule, index) => ({ userid: rule.userId!.trim(), field: `allocationRules[${index}].userId` })),
      ...(body.priorityType === 2 ? priorityUsers.map((userid) => ({ userid, field: 'priorityUseridList' })) : []),
    ]);
    const rangeUsers = userList.length || departments.length ? userList : [...seen];
    if (rangeUsers.length + departments.length === 0) throw new InvalidField('userList', 'acqRangeRequired');
    if (rangeUsers.length > MAX_RANGE[getType]) throw new InvalidField('userList', 'acqRangeTooLarge', { max: MAX_RANGE[getType] });
    if (getType === 'qr' && body.qrType === 1 && (rangeUsers.length !== 1 || departments.length > 0)) throw new InvalidField('qrType', 'acqSingleQrNeedsOneUser');
    if (getType === 'link' && body.priorityType === 2 && priorityUsers.length === 0) throw new InvalidField('priorityUseridList', 'acqPriorityUsersRequired');
    const tags = unique(body.cstTags ?? []);
    const existingTags = await deps.tags.existingCorpTags(tags);
    const unknownTags = tags.filter((tagId) => !existingTags.has(tagId));
    if (unknownTags.length) throw new InvalidField('cstTags', 'acqUnknownTags', { tagIds: unknownTags.join(', ') });
    const mediaIds = [...new Set(body.mediaIds ?? [])];
    if (mediaIds.length > 9) throw new InvalidField('mediaIds', 'acqTooManyMedia');
    const media = await links.media(mediaIds);
    const found = new Set(media.map((item) => item.id));
    const missing = mediaIds.filter((mediaId) => !found.has(mediaId));
    if (missing.length) throw new InvalidField('mediaIds', 'acqUnknownMedia', { ids: missing.join(', ') });
    const notAttachable = media.filter((item) => !ATTACHABLE_MEDIA.has(item.type)).map((item) => item.id);
    if (notAttachable.length) throw new InvalidField('mediaIds', 'acqMediaNotAttachable', { ids: notAttachable.join(', ') });
    if (body.isSendWelcome === 1) {
      const text = body.welcomeContent ?? '';
      if (!text.trim() && mediaIds.length === 0) throw new InvalidField('welcomeContent', 'acqWelcomeEmpty');
      if (Buffer.byteLength(text) > 4000) throw new InvalidField('welcomeContent', 'acqWelcomeTooLong');
    }
    if (body.channelId) {
      if (!(await links.channelExists(body.channelId))) throw new InvalidField('channelId', 'acqUnknownChannel', { id: body.channelId });
    }
  }

  /** Pushes a saved link and its rules to WeCom; records ids, URLs and status 1, or status 2 and why. */
  async function publish(getType: GetType, id: number, removedRules: RuleRow[], actor: string): Promise<void> {
    const link = (await links.find(getType, id))!;
    const range = mainRange(link, link.rules);
    const suspended = new Set(link.suspendedUsers);
    const activeUsers = range.users.filter((userid) => !suspended.has(userid));
    const qrType: 1 | 2 = link.qrType === 1 || (link.qrType === null && range.users.length === 1 && range.departments.length === 0) ? 1 : 2;
    // Republishing keeps the main range where range upkeep narrowed it (the held pick), while that still
    // makes sense; otherwise the whole range, and range upkeep narrows it again right after.
    const keepsPick = Boolean(link.mainUserid) && qrType === 2 && link.allocationMethod !== 'default' && link.rules.some((rule) => rule.userId === link.mainUserid);
    const spec: MainSpec = {
      name: link.linkName,
      state: link.state,
      users: keepsPick ? [link.mainUserid!] : qrType === 1 || !activeUsers.length ? range.users : activeUsers,
      departments: keepsPick ? [] : range.departments,
      skipVerify: link.skipVerify !== 'false',
      priorityType: link.priorityType,
      priorityUsers: link.priorityUseridList,
      qrType,
    };
    const ruleUpdates = new Map<number, { configLinkId: string; linkUrl: string | null; qrCode: string | null }>();
    let main: Awaited<ReturnType<WecomPublisher['upsert']>> | null = null;
    let failure: string | null = null;
    let callUsers: string[] = spec.users;
    try {
      main = await publisher.upsert(getType, spec, link.linkId ? { id: link.linkId, url: link.url, wecomUrl: link.wecomUrl } : null);
      for (const rule of link.rules) {
        const ruleSpec: MainSpec = { ...spec, name: `${link.linkName}-${rule.userId}`, state: rule.state, users: [rule.userId], departments: [], priorityType: null, qrType: 1 };
        callUsers = ruleSpec.users;
        const existingUrl = getType === 'link' ? rule.linkUrl : rule.qrCode;
        const published = await publisher.upsert(
          getType,
          ruleSpec,
          rule.configLinkId ? { id: rule.configLinkId, url: existingUrl, wecomUrl: getType === 'link' && rule.linkUrl ? bareUrl(rule.linkUrl) : null } : null,
        );
        ruleUpdates.set(rule.id, { configLinkId: published.id, linkUrl: getType === 'link' ? published.url : null, qrCode: getType === 'qr' ? published.url : null });
      }
      for (const rule of removedRules) if (rule.configLinkId) await publisher.remove(getType, rule.configLinkId);
    } catch (error) {
      failure = failureText(error, await subjectOf(error, callUsers));
    }
    // Whatever WeCom created is remembered, so publishing again updates instead of creating twice.
    await db.transaction(async (tx) => {
      await links.updateLink(tx, id, {
        status: failure ? 2 : 1,
        statusReason: failure,
        qrType: getType === 'qr' ? qrType : null,
        ...(main && !keepsPick ? { mainUserid: null } : {}),
        ...(main ? { linkId: main.id, url: main.url, wecomUrl: main.wecomUrl ?? null, ...(main.createTime && !link.createTime ? { createTime: main.createTime } : {}) } : {}),
        mtime: new Date(),
        muser: actor,
      });
      for (const [ruleId, values] of ruleUpdates) await links.updateRules(tx, [ruleId], values);
      if (!failure && removedRules.length) await links.updateRules(tx, removedRules.map((rule) => rule.id), { configLinkId: null });
    });
  }

  return {
    get: (ctx: RequestContext, getType: GetType, id: number) => get(getType, id, ctx.locale),

    /** Adds and route/hit visitors of one link / QR code per employee and per day, named from the employee mirror. */
    async stats(_ctx: RequestContext, getType: GetType, id: number, days: number): Promise<LinkStats> {
      const link = await links.find(getType, id);
      if (!link) throw new NotFound(entityOf(getType), id);
      const period = lastDays(localTime(new Date(deps.now()), deps.timeZone).day, days);
      const [from, to] = [period[0], period[period.length - 1]];
      const { adds, hits } = await links.stats(id, from, to);
      const userids = [...new Set([...link.rules.map((rule) => rule.userId), ...adds.map((row) => row.userid), ...hits.map((row) => row.userid)])];
      const states = await deps.org.employeeStates(userids);
      const nameOf = (userid: string) => states.get(userid)?.name || link.userJson.find((user) => user.userid === userid)?.name || null;
      const departed = (userid: string) => {
        const state = states.get(userid);
        return Boolean(state && (state.isDel || state.leftAt));
      };
      const sum = (rows: Array<{ n: number }>) => rows.reduce((total, row) => total + row.n, 0);
      const totalAdds = sum(adds);
      const employees = userids
        .map((userid) => {
          const added = sum(adds.filter((row) => row.userid === userid));
          return { userid, name: nameOf(userid), departed: departed(userid), adds: added, hits: sum(hits.filter((row) => row.userid === userid)), share: totalAdds ? added / totalAdds : 0 };
        })
        .sort((a, b) => b.adds - a.adds || b.hits - a.hits || (a.name ?? a.userid).localeCompare(b.name ?? b.userid, 'zh'));
      return {
        id: link.id,
        getType: link.getType,
        linkName: link.linkName,
        allocationMethod: link.allocationMethod,
        from,
        to,
        totals: { adds: totalAdds, hits: sum(hits), opens: getType === 'link' && link.statsSyncedAt ? link.openProfileCount : null, addFriendCount: link.addFriendCount },
        employees,
        days: period.map((day) => ({ day, adds: sum(adds.filter((row) => row.day === day)), hits: sum(hits.filter((row) => row.day === day)) })),
        byDay: adds.sort((a, b) => a.day.localeCompare(b.day) || a.userid.localeCompare(b.userid)).map((row) => ({ day: row.day, userid: row.userid, name: nameOf(row.userid), adds: row.n })),
      };
    },

    async page(ctx: RequestContext, getType: GetType, query: LinkPageBody): Promise<Page<LinkRecord>> {
      const result = await links.page(getType, query);
      return { ...result, records: result.records.map((row) => toLinkRecord(row, ctx.locale)) };
    },

    async save(ctx: RequestContext, getType: GetType, body: LinkSaveBody): Promise<LinkRecord> {
      const actor = actorOf(ctx);
      const existing = body.id ? await links.find(getType, body.id) : undefined;
      if (body.id && !existing) throw new NotFound(entityOf(getType), body.id);
      const publishing = (body.status ?? 0) >= 1;
      if (!publishing && existing?.status === 1) throw new Conflict('acqCannotUnpublish');
      if (publishing) await checkPublishable(getType, body);

      const userList = unique(body.userList ?? []);
      const known = await deps.org.activeEmployees(userList);
      const values = {
        linkName: (body.linkName ?? '').trim(),
        channelId: body.channelId || null,
        channelType: body.channelType ?? null,
        allocationMethod: body.allocationMethod?.trim() || 'default',
        userList,
        departmentList: unique(body.departmentList ?? []),
        userJson: userList.map((userid) => known.get(userid) ?? { userid, name: '', position: '' }),
        priorityType: body.priorityType ?? null,
        priorityUseridList: unique(body.priorityUseridList ?? []),
        skipVerify: skipVerifyOf(body.skipVerify),
        cstTags: unique(body.cstTags ?? []),
        isSendWelcome: body.isSendWelcome ?? 0,
        welcomeContent: body.welcomeContent ?? '',
        mediaIds: [...new Set(body.mediaIds ?? [])],
        qrType: getType === 'qr' ? (body.qrType ?? null) : null,
        mtime: new Date(),
        muser: actor,
      };

      const { id, removedRules } = await db.transaction(async (tx) => {
        let id: number;
        if (existing) {
          id = existing.id;
          await links.updateLink(tx, id, values);
        } else {
          id = await links.insertLink(tx, { ...values, getType, state: newState(getType === 'link' ? 'lk' : 'qr'), status: 0, cuser: actor });
        }
        // Rules: ones named by id are kept (with their WeCom sub-link and state), the others are new; rules
        // no longer listed are removed (and their WeCom sub-links deleted when publishing).
        const previous = existing?.rules ?? [];
        const keptIds = new Set<number>();
        const rules = body.allocationRules ?? [];
        for (const [index, rule] of rules.entries()) {
          const ruleValues = {
            orderNum: index,
            userId: rule.userId?.trim() ?? '',
            weight: rule.weight ?? 0,
            dailyLimit: rule.dailyLimit ?? 0,
            roundLimit: rule.roundLimit ?? 0,
            workingHours: rule.workingHours?.trim() ?? '',
            mtime: new Date(),
            muser: actor,
          };
          const kept = rule.id ? previous.find((candidate) => candidate.id === rule.id && !keptIds.has(candidate.id)) : undefined;
          // A kept rule whose employee changed gets a new sub-link: its old one served someone else.
          if (kept && kept.userId === ruleValues.userId) {
            keptIds.add(kept.id);
            await links.updateRules(tx, [kept.id], ruleValues);
          } else {
            await links.insertRule(tx, { ...ruleValues, acqLinkId: id, getType, state: newState(getType === 'link' ? 'lr' : 'qrr'), cuser: actor });
          }
        }
        const removedRules = previous.filter((rule) => !keptIds.has(rule.id));
        await links.updateRules(tx, removedRules.map((rule) => rule.id), { isDel: 1, mtime: new Date(), muser: actor });
        return { id, removedRules };
      });

      if (publishing) await publish(getType, id, removedRules, actor);
      deps.changed(getType, id);
      return get(getType, id, ctx.locale);
    },

    /** Deletes links / QR codes here and on WeCom (main and sub-links). A WeCom failure keeps the row. */
    async delete(ctx: RequestContext, getType: GetType, ids: number[]): Promise<number> {
      let deleted = 0;
      for (const id of ids) {
        const link = await links.find(getType, id);
        if (!link) continue;
        const allRules = await links.allRulesOf(id);
        try {
          for (const rule of allRules) if (rule.configLinkId) await publisher.remove(getType, rule.configLinkId);
          if (link.linkId) await publisher.remove(getType, link.linkId);
        } catch (error) {
          throw asWecomError(error);
        }
        await db.transaction((tx) => links.deleteLink(tx, id, actorOf(ctx)));
        deps.changed(getType, id);
        deleted++;
      }
      return deleted;
    },
  };
}

/** A rule's link URL without our customer_channel. */
function bareUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('customer_channel');
  return parsed.toString();
}

export { withCustomerChannel };
export type LinkService = ReturnType<typeof createLinkService>;
