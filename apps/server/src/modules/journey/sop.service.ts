// 客户SOP / 群SOP: rules (who, trigger, steps) saved and checked here; their tasks (to-dos) read for the caller's data
// scope, and 我的待办 — the caller's own tasks, as the WeCom employee bound to their account. The evaluator
// (sop.evaluator.ts) makes the tasks.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import type { AppMessageService } from '../../platform/app-message.ts';
import { timeFormatter } from '../../platform/excel.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { BadRequest, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { OrgRepository } from '../org/org.repository.ts';
import type { MediaService } from '../acquisition/media.service.ts';
import { nextLocalMidnight } from '../../platform/local-time.ts';
import type { SopKind, SopStep, SopTrigger } from '../../db/schema/sop.ts';
import type { TimelineService } from './timeline.service.ts';
import type { SopRepository, SopRuleRow, SopTaskNamed, SopTaskRow } from './sop.repository.ts';
import { sopTaskMessage } from './sop.evaluator.ts';
import type { SopPageQuery, SopRecord, SopSaveBody, SopStatBody, SopStatResult, SopTaskOut, SopTaskPageQuery, TodoPageQuery } from './sop.schemas.ts';
import './sop.messages.ts';

const TRIGGERS_OF: Record<SopKind, ReadonlyArray<SopTrigger['type']>> = {
  customer: ['added', 'tagged', 'stage', 'date', 'recurrence'],
  group: ['joined', 'created', 'date', 'recurrence'],
};

export interface SopServiceDeps {
  db: Db;
  repo: SopRepository;
  org: Pick<OrgRepository, 'employeeStates' | 'existingDepartments' | 'deptNames'>;
  media: Pick<MediaService, 'brief'>;
  audit: Pick<AuditLogRepository, 'record'>;
  timeline: Pick<TimelineService, 'record'>;
  appMessages: Pick<AppMessageService, 'queue'>;
  now: () => number;
  timeZone: string;
  /** 我的待办 in the console, linked from the app messages. */
  todoUrl: string;
}

/** A customer's relation or a group changed hands (a settled transfer, told by the lifecycle module). */
export interface SopOwnerChange {
  subject: 'customer' | 'group';
  /** The customer's external_userid, or the group's chat_id. */
  target: string;
  from: string;
  to: string;
  /** Who caused it ('wecom', 'system', a username). */
  actor: string;
  /** What moved it, unique per change (e.g. `lifecycle_transfer_item:12`): keys its timeline entries and messages. */
  cause: string;
  at: Date;
}

const rate = (done: number, total: number) => (total ? Math.round((done / total) * 1000) / 1000 : 0);
const unique = <T>(values: T[]) => [...new Set(values)];

export function createSopService(deps: SopServiceDeps) {
  const { repo } = deps;
  const at = () => new Date(deps.now());
  const who = (ctx: RequestContext) => ({ actor: actorOf(ctx), requestId: ctx.requestId, now: at() });
  /** From when an enabled SOP starts: the whole second (WeCom's event times are in seconds). */
  const startOf = (now: Date) => new Date(Math.floor(now.getTime() / 1000) * 1000);

  /** Refuses what cannot run: a trigger of the other kind, an incomplete recurrence, unknown people, media or steps without content. */
  async function check(kind: SopKind, body: SopSaveBody): Promise<void> {
    const trigger = body.trigger;
    if (!TRIGGERS_OF[kind].includes(trigger.type)) throw new InvalidField('trigger.type', 'sopTriggerKind');
    if (trigger.type === 'added' && !trigger.channelIds.length && !trigger.linkIds.length) throw new InvalidField('trigger', 'sopTriggerSourceRequired');
    if (trigger.type === 'recurrence' && trigger.every === 'weekly' && !trigger.weekDays?.length) throw new InvalidField('trigger.weekDays', 'sopWeekDaysRequired');
    if (trigger.type === 'recurrence' && trigger.every === 'monthly' && !trigger.monthDay) throw new InvalidField('trigger.monthDay', 'sopMonthDayRequired');
    if (trigger.type === 'date' && trigger.at.getTime() <= deps.now()) throw new InvalidField('trigger.at', 'sopDatePast');
    if (kind === 'group' && (trigger.type === 'date' || trigger.type === 'recurrence') && !trigger.chatIds?.length) throw new InvalidField('trigger.chatIds', 'sopGroupsRequired');
    const employees = await deps.org.employeeStates(unique(body.userIds));
    const unknown = body.userIds.filter((userid) => !employees.has(userid));
    if (unknown.length) throw new InvalidField('userIds', 'sopEmployeeUnknown', { ids: unknown.join(', ') });
    const depts = await deps.org.existingDepartments(unique(body.deptIds));
    const missingDepts = body.deptIds.filter((id) => !depts.has(id));
    if (missingDepts.length) throw new InvalidField('deptIds', 'sopDeptUnknown', { ids: missingDepts.join(', ') });
    const mediaIds = unique(body.steps.flatMap((step) => step.mediaIds));
    const media = await deps.media.brief(mediaIds);
    const missingMedia = mediaIds.filter((id) => !media.has(id));
    if (missingMedia.length) throw new InvalidField('steps', 'sopMediaUnknown', { ids: missingMedia.join(', ') });
    body.steps.forEach((step, index) => {
      if (!step.text.trim() && !step.mediaIds.length) throw new InvalidField(`steps.${index}`, 'sopStepEmpty', { n: index + 1 });
    });
    const ids = body.steps.map((step) => step.id).filter(Boolean);
    if (new Set(ids).size !== ids.length) throw new InvalidField('steps', 'validation', { fields: 'steps.id' });
  }

  /** Stored form: steps with ids (new ones get one), the date as an ISO string. */
  function stored(body: SopSaveBody) {
    const trigger = (body.trigger.type === 'date' ? { ...body.trigger, at: body.trigger.at.toISOString() } : body.trigger) as SopTrigger;
    const steps: SopStep[] = body.steps.map((step) => ({ id: step.id ?? randomUUID().slice(0, 8), name: step.name, when: step.when, text: step.text, mediaIds: step.mediaIds }));
    return { name: body.name, userIds: body.userIds, deptIds: body.deptIds, trigger, steps, overdueMinutes: body.overdueMinutes ?? null };
  }

  async function toRecords(ctx: RequestContext, rows: SopRuleRow[]): Promise<SopRecord[]> {
    const viewer = await viewerOf(ctx);
    const [employees, depts, media, counts] = await Promise.all([
      deps.org.employeeStates(unique(rows.flatMap((row) => row.userIds))),
      deps.org.deptNames(unique(rows.flatMap((row) => row.deptIds))),
      deps.media.brief(unique(rows.flatMap((row) => row.steps.flatMap((step) => step.mediaIds)))),
      repo.forViewer(viewer).countsByRule(rows.map((row) => row.id)),
    ]);
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      name: row.name,
      enabled: row.enabled,
      userIds: row.userIds,
      deptIds: row.deptIds,
      employees: row.userIds.map((userid) => ({ id: userid, name: employees.get(userid)?.name ?? null })),
      departments: row.deptIds.map((id) => ({ id, name: depts.get(id) ?? String(id) })),
      trigger: (row.trigger.type === 'date' ? { ...row.trigger, at: new Date(row.trigger.at) } : row.trigger) as SopRecord['trigger'],
      steps: row.steps.map((step) => ({ ...step, media: step.mediaIds.map((id) => media.get(id)).filter((item) => item !== undefined) })),
      overdueMinutes: row.overdueMinutes,
      enabledAt: row.enabledAt,
      tasks: counts.get(row.id) ?? { total: 0, done: 0, pending: 0, overdue: 0 },
      ctime: row.ctime,
      cuser: row.cuser,
      mtime: row.mtime,
      muser: row.muser,
    }));
  }

  async function taskRecords(rows: SopTaskNamed[]): Promise<SopTaskOut[]> {
    const media = await deps.media.brief(unique(rows.flatMap((row) => row.mediaIds)));
    return rows.map((row) => ({
      id: row.id,
      ruleId: row.ruleId,
      kind: row.kind,
      ruleName: row.ruleName,
      stepName: row.stepName,
      userid: row.userid,
      employeeName: row.employeeName || null,
      externalUserid: row.externalUserid,
      customerName: row.externalUserid ? row.customerName || null : null,
      chatId: row.chatId,
      groupName: row.chatId ? row.groupName || null : null,
      text: row.text,
      media: row.mediaIds.map((id) => media.get(id)).filter((item) => item !== undefined),
      dueAt: row.dueAt,
      overdueAt: row.overdueAt,
      state: row.state,
      doneAt: row.doneAt,
      doneBy: row.doneBy,
    }));
  }

  /** Done tasks of customers go on their timelines (in the transaction that marked them). */
  const recordDone = (tx: Parameters<TimelineService['record']>[0], tasks: SopTaskRow[], actor: string, now: Date) =>
    deps.timeline.record(tx, tasks.filter((task) => task.kind === 'customer').map((task) => ({
      type: 'sop_task' as const, occurredAt: now, externalUserid: task.externalUserid, userid: task.userid, actor,
      data: { sopId: task.ruleId, sopName: task.ruleName, taskId: task.id, stepName: task.stepName, state: 'done' }, dedupeKey: `sop_task:${task.id}:done`,
    })));

  async function get(ctx: RequestContext, kind: SopKind, id: number): Promise<SopRecord> {
    const row = await repo.rules.get(id, kind);
    if (!row) throw new NotFound('sop', id);
    return (await toRecords(ctx, [row]))[0];
  }

  const formatTime = timeFormatter(deps.timeZone);

  return {
    /**
     * A customer or group went to another employee (in the caller's transaction): the open tasks (pending or overdue,
     * due and overdue times kept) and running SOPs of the old owner for it become the new owner's, so 我的待办 follows
     * the relation. Once: a settlement seen again finds nothing of `from` left. Returns the employees to tell after the
     * commit (appMessages.deliverSoon).
     *
     * The new owner is told of each moved task by the textcard a new task makes, marked as handed over: tasks exist
     * only once due and were announced then to the old owner, never to the new one, who would otherwise not know they
     * have them. The app-message service merges a burst over WeCom's per-member limit into a digest, so a large
     * transfer does not flood them.
     */
    async followOwner(tx: DbOrTx, change: SopOwnerChange): Promise<string[]> {
      if (change.from === change.to) return [];
      const subject = change.subject === 'customer' ? { kind: 'customer' as const, externalUserid: change.target } : { kind: 'group' as const, chatId: change.target };
      const moved = await repo.system.reassignOpen(tx, subject, change.from, change.to);
      if (!moved.length) return [];
      const named = await repo.system.namedTasks(tx, moved.map((task) => task.id));
      const names = await repo.system.employeeNames(tx, [change.from, change.to]);
      const fromName = names.get(change.from) || '原跟进人';
      await deps.timeline.record(tx, named.filter((task) => task.kind === 'customer').map((task) => ({
        type: 'sop_task' as const, occurredAt: change.at, externalUserid: task.externalUserid, userid: change.to, actor: change.actor,
        data: { sopId: task.ruleId, sopName: task.ruleName, taskId: task.id, stepName: task.stepName, state: 'moved', from: change.from, fromName, to: change.to, toName: names.get(change.to) ?? null },
        dedupeKey: `sop_task:${task.id}:moved:${change.cause}`,
      })));
      await deps.appMessages.queue(tx, named.map((task) => sopTaskMessage(task, formatTime, deps.todoUrl, { fromName, cause: change.cause })));
      await deps.audit.record(tx, { actor: change.actor, requestId: change.cause, now: change.at }, [{
        action: 'sop.task.reassign', targetType: change.subject === 'customer' ? 'customer' : 'group_chat', targetId: change.target,
        before: { userid: change.from }, after: { userid: change.to, taskIds: moved.map((task) => task.id) },
      }]);
      return [change.to];
    },

    async save(ctx: RequestContext, kind: SopKind, body: SopSaveBody): Promise<SopRecord> {
      await check(kind, body);
      // An SOP makes tasks for employees: its author reaches only those in their data scope (everyone or departments
      // take the all-data scope).
      const viewer = await viewerOf(ctx);
      if (!viewer.scope.all) {
        if (!body.userIds.length || body.deptIds.length) throw new InvalidField('userIds', 'sopEmployeesNeedScope');
        const inScope = await repo.forViewer(viewer).employeesInScope(unique(body.userIds));
        const outside = body.userIds.filter((userid) => !inScope.has(userid));
        if (outside.length) {
          const names = await deps.org.employeeStates(unique(outside));
          throw new InvalidField('userIds', 'sopEmployeeOutOfScope', { names: outside.map((userid) => names.get(userid)?.name ?? userid).join('、') });
        }
      }
      const now = at();
      const values = stored(body);
      const id = await deps.db.transaction(async (tx) => {
        if (!body.id) {
          const row = await repo.rules.insert(tx, { ...values, kind, enabled: body.enabled, enabledAt: body.enabled ? startOf(now) : null, ctime: now, cuser: actorOf(ctx), mtime: now, muser: actorOf(ctx) });
          await deps.audit.record(tx, who(ctx), [{ action: 'sop.create', targetType: 'sop', targetId: row.id, after: { kind, ...values } }]);
          return row.id;
        }
        const before = await repo.rules.get(body.id, kind, tx);
        if (!before) throw new NotFound('sop', body.id);
        // A step kept by id keeps its tasks; enabling again starts from now (what happened meanwhile is not replayed).
        const enabledAt = body.enabled ? (before.enabled ? before.enabledAt : startOf(now)) : before.enabledAt;
        await repo.rules.update(tx, body.id, kind, { ...values, enabled: body.enabled, enabledAt, mtime: now, muser: actorOf(ctx) });
        await repo.system.revisit(tx, body.id);
        await deps.audit.record(tx, who(ctx), [{ action: 'sop.update', targetType: 'sop', targetId: body.id, before: { name: before.name, trigger: before.trigger, steps: before.steps }, after: values }]);
        return body.id;
      });
      return get(ctx, kind, id);
    },

    async page(ctx: RequestContext, kind: SopKind, query: SopPageQuery): Promise<Page<SopRecord>> {
      const page = await repo.rules.page(kind, query);
      return { ...page, records: await toRecords(ctx, page.records) };
    },

    get,

    async delete(ctx: RequestContext, kind: SopKind, ids: number[]): Promise<number> {
      return deps.db.transaction(async (tx) => {
        const count = await repo.rules.delete(tx, kind, ids, actorOf(ctx), at());
        await deps.audit.record(tx, who(ctx), ids.map((id) => ({ action: 'sop.delete', targetType: 'sop', targetId: id })));
        return count;
      });
    },

    async enable(ctx: RequestContext, kind: SopKind, id: number, enabled: boolean): Promise<SopRecord> {
      await deps.db.transaction(async (tx) => {
        const before = await repo.rules.get(id, kind, tx);
        if (!before) throw new NotFound('sop', id);
        if (before.enabled === enabled) return;
        const now = at();
        await repo.rules.update(tx, id, kind, { enabled, enabledAt: enabled ? startOf(now) : before.enabledAt, mtime: now, muser: actorOf(ctx) });
        await deps.audit.record(tx, who(ctx), [{ action: enabled ? 'sop.enable' : 'sop.disable', targetType: 'sop', targetId: id }]);
      });
      return get(ctx, kind, id);
    },

    async tasks(ctx: RequestContext, kind: SopKind, query: SopTaskPageQuery): Promise<Page<SopTaskOut>> {
      const page = await repo.forViewer(await viewerOf(ctx)).pageTasks(kind, query);
      return { ...page, records: await taskRecords(page.records) };
    },

    /** Marks tasks in the caller's scope done; a task outside it (or unknown, or of the other kind) is 404 and nothing changes. */
    async tasksDone(ctx: RequestContext, kind: SopKind, ids: number[]): Promise<number> {
      const viewer = await viewerOf(ctx);
      return deps.db.transaction(async (tx) => {
        const now = at();
        const done = await repo.forViewer(viewer).markDone(kind, unique(ids), actorOf(ctx), now, tx);
        const alreadyDone = await repo.forViewer(viewer).doneIds(kind, unique(ids), tx);
        refuseMissing(ids, done, alreadyDone);
        await recordDone(tx, done, actorOf(ctx), now);
        return done.length;
      });
    },

    async stat(ctx: RequestContext, kind: SopKind, body: SopStatBody): Promise<SopStatResult> {
      const raw = await repo.forViewer(await viewerOf(ctx)).stat(kind, body);
      const completion = (row: Record<string, unknown>) => {
        const total = Number(row.total ?? 0);
        const done = Number(row.done ?? 0);
        return { total, done, pending: Number(row.pending ?? 0), overdue: Number(row.overdue ?? 0), rate: rate(done, total) };
      };
      return {
        totals: completion(raw.totals),
        bySop: raw.bySop.map((row) => ({ ruleId: Number(row.rule_id), name: String(row.name ?? ''), ...completion(row) })),
        byEmployee: raw.byEmployee.map((row) => ({ userid: String(row.userid), name: row.name ? String(row.name) : null, ...completion(row) })),
      };
    },

    /** 我的待办: the caller's own tasks (the WeCom employee bound to their account), by view. */
    async todo(ctx: RequestContext, query: TodoPageQuery): Promise<Page<SopTaskOut> & { counts: { today: number; overdue: number; done: number } }> {
      const userid = boundEmployee(ctx);
      const now = at();
      const end = nextLocalMidnight(now, deps.timeZone).toISOString();
      const views = {
        today: [sql`t.state = 'pending'`, sql`t.due_at < ${end}::timestamptz`],
        overdue: [sql`t.state = 'overdue'`],
        done: [sql`t.state = 'done'`, sql`t.done_at >= ${new Date(now.getTime() - 30 * 86_400_000).toISOString()}::timestamptz`],
        all: [sql`t.due_at <= ${now.toISOString()}::timestamptz`],
      };
      const own = repo.own(userid);
      const order = query.view === 'done' ? sql`t.done_at DESC, t.id DESC` : sql`t.due_at ASC, t.id ASC`;
      const [page, today_, overdue, done] = await Promise.all([
        own.page(views[query.view], query, order),
        own.page(views.today, { pageNum: 1, pageSize: 1 }),
        own.page(views.overdue, { pageNum: 1, pageSize: 1 }),
        own.page(views.done, { pageNum: 1, pageSize: 1 }),
      ]);
      return { ...page, records: await taskRecords(page.records), counts: { today: today_.total, overdue: overdue.total, done: done.total } };
    },

    /** Marks the caller's own tasks done; another employee's task (or an unknown one) is 404 and nothing changes. */
    async todoDone(ctx: RequestContext, ids: number[]): Promise<number> {
      const userid = boundEmployee(ctx);
      return deps.db.transaction(async (tx) => {
        const now = at();
        const done = await repo.own(userid).markDone(tx, unique(ids), actorOf(ctx), now);
        refuseMissing(ids, done, new Set((await repo.system.namedTasks(tx, unique(ids))).filter((task) => task.userid === userid && task.state === 'done').map((task) => task.id)));
        await recordDone(tx, done, actorOf(ctx), now);
        return done.length;
      });
    },
  };

  /** The WeCom employee the caller's account is bound to (绑定企业微信成员), or a 400 that says so. */
  function boundEmployee(ctx: RequestContext): string {
    if (!ctx.user.qwUserid) throw new BadRequest('sopTodoNotBound');
    return ctx.user.qwUserid;
  }

  /**
   * Ids not marked: already done ones that the caller may see are fine (marking twice is no error); any other is
   * unknown to the caller — 404, and the transaction (nothing marked) rolls back.
   */
  function refuseMissing(ids: number[], done: SopTaskRow[], alreadyDone: Set<number>): void {
    const marked = new Set(done.map((task) => task.id));
    const missing = unique(ids).find((id) => !marked.has(id) && !alreadyDone.has(id));
    if (missing !== undefined) throw new NotFound('sopTask', missing);
  }
}

export type SopService = ReturnType<typeof createSopService>;
