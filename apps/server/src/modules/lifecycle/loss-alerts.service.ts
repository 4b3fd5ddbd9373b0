// 流失提醒: a customer lost is recorded when WeCom says a relation ended by a deletion — del_follow_user (the customer
// deleted the employee) or del_external_contact (the employee deleted the customer), never del_external_contact with
// Source=DELETE_BY_TRANSFER, which is a transfer (API-FACTS-OPERATIONS §24) — with what the relation was then (tags,
// channel, since when), in the event's transaction; alerts go out through the one app-message service, per event or
// in a daily digest, as the corp's settings say.
import type { WecomEvent } from '@scrm/wecom';
import type { Db, DbOrTx, Tx } from '../../platform/db/database.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import type { AppMessageService, NewAppMessage } from '../../platform/app-message.ts';
import { streamWorkbook, timeFormatter, type ExportColumn } from '../../platform/excel.ts';
import { BadRequest, InvalidField } from '../../platform/http/errors.ts';
import { translate, type Locale } from '../../platform/http/i18n.ts';
import './lifecycle.messages.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import { ineligibleReason, type OrgRepository } from '../org/org.repository.ts';
import { localTime } from '../../platform/local-time.ts';
import type { EventHandler } from '../portal/event-registry.ts';
import type { RelationRecord } from '../customers/customers.schemas.ts';
import { fetchCustomer } from '../customers/customer-events.ts';
import type { LossKind } from '../../db/schema/loss.ts';
import type { LossRepository, LossRow, LossSettingsRow } from './loss-alerts.repository.ts';
import type { LossFilters, LossPageQuery, LossRecordOut, LossSettingsSaveBody, LossStatBody } from './loss-alerts.schemas.ts';
import './loss-alerts.messages.ts';

const DAY_MS = 86_400_000;
const EXPORT_SLICE = 1000;

/** The relation as SCRM had it just before the deletion (read outside the event's transaction, before it is ended). */
export type RelationSnapshot =
  | { stillFollows: true }
  | ({ stillFollows: false; createtime: Date | null } & Pick<RelationRecord, 'userid' | 'customerName' | 'employeeName' | 'tags' | 'state' | 'channelId' | 'channelName' | 'sourceName' | 'status'>)
  | null;

export interface LossServiceDeps {
  db: Db;
  losses: LossRepository;
  corpId: string;
  timeZone: string;
  now: () => number;
  /** The customer's relations as the customers module has them (unscoped: a callback), newest first. */
  relationsOfCustomer: (externalUserid: string) => Promise<RelationRecord[]>;
  org: Pick<OrgRepository, 'employeeStates'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  audit: Pick<AuditLogRepository, 'record'>;
  /** Runs `then` once the transaction `tx` has ended (lifecycle's after-commit helper). */
  afterCommit: (tx: Tx, name: string, then: () => void | Promise<void>) => Promise<void>;
}

const DEFAULT_SETTINGS = { employeeAlert: true, managerAlert: false, managerUserids: [] as string[], digest: false, digestHour: 9 };

const KIND_WORDS: Record<LossKind, { zh: string; en: string }> = {
  customer_deleted: { zh: '客户删除员工', en: 'Customer deleted the employee' },
  employee_deleted: { zh: '员工删除客户', en: 'Employee deleted the customer' },
};

const friendDaysOf = (row: Pick<LossRow, 'addedAt' | 'lostAt'>) => (row.addedAt ? Math.max(0, Math.floor((row.lostAt.getTime() - row.addedAt.getTime()) / DAY_MS)) : null);
const tagText = (row: Pick<LossRow, 'tags'>) => row.tags.map((tag) => (tag.groupName ? `${tag.groupName}/${tag.tagName}` : tag.tagName)).join('、');

export function createLossService(deps: LossServiceDeps) {
  const { losses } = deps;
  const at = () => new Date(deps.now());
  const formatTime = timeFormatter(deps.timeZone);

  async function settingsOf(tx?: DbOrTx) {
    const row = await losses.system().settings(deps.corpId, tx);
    return row ?? { ...DEFAULT_SETTINGS, lastDigestDay: null, mtime: null, muser: null };
  }

  // Names as employees read them in WeCom: never a WeCom id for a customer, an unsynced employee's account beside 未知员工.
  const customerOf = (row: { customerName: string }, locale: Locale = 'zh') => row.customerName || translate('lcUnknownCustomer', locale);
  const employeeOf = (row: { employeeName: string | null; userid: string }, locale: Locale = 'zh') => row.employeeName || translate('lcUnknownEmployee', locale, { userid: row.userid });

  /** One line about a loss, for messages (Chinese: what employees read in WeCom). */
  function lossLine(row: LossRow): string {
    const parts = [`客户「${customerOf(row)}」`, `员工「${employeeOf(row)}」`, formatTime(row.lostAt)];
    const days = friendDaysOf(row);
    if (days !== null) parts.push(`好友 ${days} 天`);
    if (row.tags.length) parts.push(`标签：${tagText(row)}`);
    if (row.channelName || row.sourceName) parts.push(`渠道：${[row.channelName, row.sourceName].filter(Boolean).join(' / ')}`);
    return parts.join('，');
  }

  function perEventMessages(row: LossRow, settings: { managerUserids: string[] }): NewAppMessage[] {
    const messages: NewAppMessage[] = [];
    if (row.employeeAlert === 'sent') {
      messages.push({
        userid: row.userid,
        kind: 'loss.customer-left',
        title: '客户流失提醒',
        content: `客户「${customerOf(row)}」已将你删除（${formatTime(row.lostAt)}）。${lossDetails(row)}`,
        dedupeKey: `loss:${row.id}:employee`,
      });
    }
    if (row.managerAlert === 'sent') {
      for (const manager of settings.managerUserids) {
        messages.push({
          userid: manager,
          kind: 'loss.employee-deleted',
          title: '员工删除客户提醒',
          content: `员工「${employeeOf(row)}」删除了客户「${customerOf(row)}」（${formatTime(row.lostAt)}）。${lossDetails(row)}`,
          dedupeKey: `loss:${row.id}:manager:${manager}`,
        });
      }
    }
    return messages;
  }

  function lossDetails(row: LossRow): string {
    const parts: string[] = [];
    const days = friendDaysOf(row);
    if (row.addedAt) parts.push(`添加于 ${formatTime(row.addedAt)}，好友 ${days} 天`);
    if (row.tags.length) parts.push(`标签：${tagText(row)}`);
    if (row.channelName || row.sourceName) parts.push(`渠道：${[row.channelName, row.sourceName].filter(Boolean).join(' / ')}`);
    return parts.join('；');
  }

  function toRecord(row: LossRow, deptNames: Map<number, string>): LossRecordOut {
    return {
      id: row.id,
      kind: row.kind,
      externalUserid: row.externalUserid,
      customerName: row.customerName,
      userid: row.userid,
      employeeName: row.employeeName || null,
      deptNames: row.deptIds.map((deptId) => deptNames.get(deptId)).filter((name): name is string => Boolean(name)),
      lostAt: row.lostAt,
      addedAt: row.addedAt,
      friendDays: friendDaysOf(row),
      tags: row.tags,
      channelName: row.channelName,
      sourceName: row.sourceName,
      employeeAlert: row.employeeAlert,
      managerAlert: row.managerAlert,
    };
  }

  async function namesFor(ctx: RequestContext, rows: LossRow[]): Promise<LossRecordOut[]> {
    void ctx;
    const deptNames = await losses.system().departmentNames(rows.flatMap((row) => row.deptIds));
    return rows.map((row) => toRecord(row, deptNames));
  }

  const eventHandler: EventHandler<RelationSnapshot> = {
    // Notify, then fetch: the relation as SCRM has it before the customers module ends it (same worker, same lock).
    async fetch(event, ctx) {
      if (event.kind !== 'change_external_contact' || isTransfer(event)) return null;
      // A relation WeCom still has (a late or replayed event, a re-add since) was not lost.
      const contact = await fetchCustomer(ctx.wecom.client, event.externalUserId);
      if (contact?.follow_user.some((follow) => follow.userid === event.userId)) return { stillFollows: true };
      const relations = await deps.relationsOfCustomer(event.externalUserId);
      const mine = relations.filter((relation) => relation.userid === event.userId);
      const relation = mine.find((candidate) => candidate.status === 'active') ?? mine[0];
      // A relation SCRM never stored (before a sync): the customer's name as WeCom gives it, if it still does.
      if (!relation && contact) {
        return {
          stillFollows: false, userid: event.userId, customerName: contact.external_contact.name, employeeName: null, createtime: null,
          tags: null, state: '', channelId: null, channelName: null, sourceName: null, status: 'lost',
        };
      }
      return relation
        ? {
            stillFollows: false,
            userid: relation.userid, customerName: relation.customerName, employeeName: relation.employeeName, createtime: relation.createtime,
            tags: relation.tags, state: relation.state, channelId: relation.channelId, channelName: relation.channelName, sourceName: relation.sourceName,
            status: relation.status,
          }
        : null;
    },
    async apply(event, relation, ctx) {
      if (event.kind !== 'change_external_contact' || isTransfer(event) || relation?.stillFollows) return;
      if (event.changeType !== 'del_follow_user' && event.changeType !== 'del_external_contact') return;
      // A relation that ended as a transfer earlier (its del_external_contact came first) is no loss either.
      if (relation?.status === 'transferred') return;
      const kind: LossKind = event.changeType === 'del_follow_user' ? 'customer_deleted' : 'employee_deleted';
      const settings = await settingsOf(ctx.tx);
      const mode = settings.digest ? 'digest' : 'sent';
      const employee = await losses.system().employee(ctx.tx, event.userId);
      const row = await losses.system().insert(ctx.tx, {
        kind,
        externalUserid: event.externalUserId,
        customerName: relation?.customerName ?? '',
        userid: event.userId,
        employeeName: employee?.name ?? relation?.employeeName ?? '',
        deptIds: employee?.deptIds ?? [],
        lostAt: new Date(event.createTime * 1000),
        addedAt: relation?.createtime ?? null,
        tags: (relation?.tags ?? []).map((tag) => ({ groupName: tag.groupName, tagName: tag.tagName })),
        state: relation?.state ?? '',
        channelId: relation?.channelId ?? null,
        channelName: relation?.channelName ?? null,
        sourceName: relation?.sourceName ?? null,
        eventId: ctx.eventId,
        employeeAlert: kind === 'customer_deleted' && settings.employeeAlert ? mode : 'off',
        managerAlert: kind === 'employee_deleted' && settings.managerAlert && settings.managerUserids.length ? mode : 'off',
        ctime: new Date(ctx.now()),
      });
      if (!row) return; // recorded already (a redelivered event)
      const messages = perEventMessages(row, settings);
      if (!messages.length) return;
      await deps.appMessages.queue(ctx.tx, messages);
      const recipients = messages.map((message) => message.userid);
      await deps.afterCommit(ctx.tx, `loss-alert:${row.id}`, () => deps.appMessages.deliverSoon(recipients));
    },
  };

  return {
    eventHandler,

    async page(ctx: RequestContext, query: LossPageQuery): Promise<Page<LossRecordOut>> {
      const result = await losses.forViewer(await viewerOf(ctx)).page(query);
      return { ...result, records: await namesFor(ctx, result.records) };
    },

    async stat(ctx: RequestContext, body: LossStatBody) {
      const span = (Date.parse(body.endDate) - Date.parse(body.startDate)) / DAY_MS;
      if (!(span >= 0 && span <= 366)) throw new BadRequest('lossStatRange');
      const counts = await losses.forViewer(await viewerOf(ctx)).perDay(body);
      const days: Array<{ day: string; customerDeleted: number; employeeDeleted: number; total: number }> = [];
      for (let time = Date.parse(body.startDate); time <= Date.parse(body.endDate); time += DAY_MS) {
        const day = new Date(time).toISOString().slice(0, 10);
        const of = (kind: LossKind) => counts.filter((row) => row.day === day && row.kind === kind).reduce((sum, row) => sum + row.n, 0);
        const customerDeleted = of('customer_deleted');
        const employeeDeleted = of('employee_deleted');
        days.push({ day, customerDeleted, employeeDeleted, total: customerDeleted + employeeDeleted });
      }
      const sum = (pick: (day: (typeof days)[number]) => number) => days.reduce((total, day) => total + pick(day), 0);
      return { days, totals: { customerDeleted: sum((day) => day.customerDeleted), employeeDeleted: sum((day) => day.employeeDeleted), total: sum((day) => day.total) } };
    },

    async exportLosses(ctx: RequestContext, filters: LossFilters, onError?: (error: unknown) => void) {
      const visible = losses.forViewer(await viewerOf(ctx));
      const locale = ctx.locale;
      const columns: ExportColumn<LossRecordOut>[] = [
        { header: locale === 'en' ? 'Lost at' : '流失时间', width: 20, value: (row, format) => format(row.lostAt) },
        { header: locale === 'en' ? 'Kind' : '流失类型', width: 14, value: (row) => KIND_WORDS[row.kind][locale] },
        { header: locale === 'en' ? 'Customer' : '客户', width: 20, value: (row) => customerOf(row, locale) },
        { header: locale === 'en' ? 'Employee' : '员工', width: 14, value: (row) => employeeOf(row, locale) },
        { header: locale === 'en' ? 'Departments' : '部门', width: 20, value: (row) => row.deptNames.join('、') },
        { header: locale === 'en' ? 'Added at' : '添加时间', width: 20, value: (row, format) => (row.addedAt ? format(row.addedAt) : '') },
        { header: locale === 'en' ? 'Days as friends' : '好友天数', width: 10, value: (row) => (row.friendDays === null ? '' : String(row.friendDays)) },
        { header: locale === 'en' ? 'Tags' : '标签', width: 30, value: (row) => tagText(row) },
        { header: locale === 'en' ? 'Channel' : '渠道', width: 16, value: (row) => row.channelName ?? '' },
        { header: locale === 'en' ? 'Link / QR code' : '来源', width: 16, value: (row) => row.sourceName ?? '' },
      ];
      async function* batches() {
        let before: number | null = null;
        for (;;) {
          const rows = await visible.batch(filters, before, EXPORT_SLICE);
          if (rows.length) yield await namesFor(ctx, rows);
          if (rows.length < EXPORT_SLICE) return;
          before = rows[rows.length - 1].id;
        }
      }
      return streamWorkbook(batches(), columns, { timeZone: deps.timeZone, sheetName: locale === 'en' ? 'Losses' : '流失客户', onError });
    },

    async getSettings(_ctx: RequestContext) {
      const settings = await settingsOf();
      const states = await deps.org.employeeStates(settings.managerUserids);
      return {
        employeeAlert: settings.employeeAlert,
        managerAlert: settings.managerAlert,
        managers: settings.managerUserids.map((userid) => ({ userid, name: states.get(userid)?.name || userid })),
        digest: settings.digest,
        digestHour: settings.digestHour,
        mtime: settings.mtime,
        muser: settings.muser,
      };
    },

    async saveSettings(ctx: RequestContext, body: LossSettingsSaveBody) {
      const managerUserids = [...new Set(body.managerUserids)];
      if (body.managerAlert && !managerUserids.length) throw new InvalidField('managerUserids', 'lossManagerRequired');
      const states = await deps.org.employeeStates(managerUserids);
      for (const userid of managerUserids) {
        const reason = ineligibleReason(states.get(userid));
        // Managers only read messages: departed or unknown members cannot, the rest can.
        if (reason === 'unknown' || reason === 'left') throw new InvalidField('managerUserids', 'lossManagerUnknown', { userid: states.get(userid)?.name || userid });
      }
      const now = at();
      const actor = actorOf(ctx);
      await deps.db.transaction(async (tx) => {
        const before = await losses.system().settings(deps.corpId, tx);
        const after = await losses.system().saveSettings(tx, deps.corpId, {
          employeeAlert: body.employeeAlert, managerAlert: body.managerAlert, managerUserids, digest: body.digest, digestHour: body.digestHour,
          muser: actor, mtime: now, ...(before ? {} : { cuser: actor, ctime: now }),
        });
        await deps.audit.record(tx, { actor, requestId: ctx.requestId, now }, [{ action: 'loss.settings.save', targetType: 'loss_settings', targetId: after.id, before: before ?? null, after }]);
      });
      return this.getSettings(ctx);
    },

    /**
     * The daily digest: once a local day at the configured hour (or at once when the digest was turned off while alerts
     * waited), one message per employee and per manager listing their losses since the last digest.
     */
    async runDigest(): Promise<{ messages: number }> {
      const settings = await settingsOf();
      const now = at();
      const local = localTime(now, deps.timeZone);
      if (settings.digest && Math.floor(local.minuteOfDay / 60) !== settings.digestHour) return { messages: 0 };
      const recipients = new Set<string>();
      const queued = await deps.db.transaction(async (tx) => {
        if (settings.digest && 'id' in settings && !(await losses.system().setLastDigestDay(tx, deps.corpId, local.day))) return 0;
        const rows = await losses.system().awaitingDigest(tx);
        const messages: NewAppMessage[] = [];
        const byEmployee = new Map<string, LossRow[]>();
        for (const row of rows.filter((candidate) => candidate.employeeAlert === 'digest')) byEmployee.set(row.userid, [...(byEmployee.get(row.userid) ?? []), row]);
        for (const [userid, own] of byEmployee) {
          messages.push({
            userid, kind: 'loss.digest', title: `客户流失日报（${own.length} 位客户删除了你）`,
            content: own.map((row, index) => `${index + 1}. ${lossLine(row)}`).join('\n'), dedupeKey: `loss-digest:${local.day}:${userid}:employee:${own[0].id}`,
          });
        }
        const managerRows = rows.filter((candidate) => candidate.managerAlert === 'digest');
        if (managerRows.length) {
          for (const manager of settings.managerUserids) {
            messages.push({
              userid: manager, kind: 'loss.digest', title: `员工删除客户日报（${managerRows.length} 位客户）`,
              content: managerRows.map((row, index) => `${index + 1}. ${lossLine(row)}`).join('\n'), dedupeKey: `loss-digest:${local.day}:${manager}:manager:${managerRows[0].id}`,
            });
          }
        }
        await deps.appMessages.queue(tx, messages);
        await losses.system().markAlerts(tx, [...byEmployee.values()].flat().map((row) => row.id), 'employeeAlert', 'digested');
        await losses.system().markAlerts(tx, managerRows.map((row) => row.id), 'managerAlert', 'digested');
        for (const message of messages) recipients.add(message.userid);
        return messages.length;
      });
      deps.appMessages.deliverSoon(recipients);
      return { messages: queued };
    },
  };
}

const isTransfer = (event: WecomEvent) => event.kind === 'change_external_contact' && event.changeType === 'del_external_contact' && event.source === 'DELETE_BY_TRANSFER';

export type LossService = ReturnType<typeof createLossService>;
export type { LossSettingsRow };
