// SOP evaluation, run as a job (every minute, and on demand): what the customer timeline says happened starts SOPs
// (enrollments), dates and recurrences start them over their audiences, steps that came due make tasks (to-dos) for
// the responsible employee — told by a textcard app message — and tasks late by their time become overdue.
//
// Nothing twice, nothing lost: an enrollment is unique per (rule, subject, occurrence) and a task per (rule, step,
// subject, occurrence), so a re-read of the timeline, a retried run or two replicas make each once. The timeline is
// read from a cursor that stays below events younger than SETTLE_SECONDS (ids are not commit-ordered: an open
// transaction's event may yet appear below a newer id), so the recent window is read again each run. After downtime,
// steps that came due meanwhile are made once, late; a recurrence missed for several periods enrols its latest
// occurrence only.
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import type { AppMessageService, NewAppMessage } from '../../platform/app-message.ts';
import { timeFormatter } from '../../platform/excel.ts';
import type { SopRuleRow, SopRepository, SopTaskRow } from './sop.repository.ts';
import type { TimelineEventRecord, TimelineEventType, TimelineService } from './timeline.service.ts';
import { latestOccurrence, overdueAtOf, stepDueAt } from './sop.schedule.ts';
import type { sopEnrollment } from '../../db/schema/sop.ts';

/** Events younger than this (database time) are read again on the next run. */
const SETTLE_SECONDS = 300;
const EVENT_BATCH = 500;
const DUE_BATCH = 200;

const TRIGGER_EVENTS: TimelineEventType[] = ['customer_added', 'tags_changed', 'stage_moved', 'group_joined', 'group_created', 'customer_lost', 'customer_deleted'];

export interface SopEvaluatorDeps {
  db: Db;
  repo: SopRepository;
  timeline: Pick<TimelineService, 'systemAfter' | 'record'>;
  appMessages: Pick<AppMessageService, 'queue' | 'deliverSoon'>;
  now: () => number;
  timeZone: string;
  /** 我的待办 in the console, linked from the app messages. */
  todoUrl: string;
  /** WeCom userids of employees in these departments (sub-departments included). */
  employeesInDepartments: (deptIds: number[]) => Promise<string[]>;
  /** Active relations of these employees (all when absent), with one of the tags if given: a date/recurrence audience. */
  activeRelations: (filters: { userIds?: string[]; tagIds?: number[] }) => Promise<Array<{ externalUserid: string; userid: string }>>;
  /** Live groups (chat id and owner). */
  liveGroups: () => Promise<Array<{ chatId: string; owner: string }>>;
}

type EnrollmentInsert = typeof sopEnrollment.$inferInsert;

export function createSopEvaluator(deps: SopEvaluatorDeps) {
  const { repo } = deps;
  const formatTime = timeFormatter(deps.timeZone);

  /** Who each rule applies to: a set of userids, or null for everyone. Read before any transaction. */
  async function eligibility(rules: SopRuleRow[]): Promise<Map<number, Set<string> | null>> {
    const result = new Map<number, Set<string> | null>();
    for (const rule of rules) {
      if (!rule.userIds.length && !rule.deptIds.length) result.set(rule.id, null);
      else result.set(rule.id, new Set([...rule.userIds, ...(rule.deptIds.length ? await deps.employeesInDepartments(rule.deptIds) : [])]));
    }
    return result;
  }
  const allows = (eligible: Map<number, Set<string> | null>, rule: SopRuleRow, userid: string | null | undefined) => {
    if (!userid) return false;
    const set = eligible.get(rule.id);
    return set === null || (set?.has(userid) ?? false);
  };

  /** The enrollment an event makes for a rule, if it starts it. */
  function enrollmentOf(rule: SopRuleRow, event: TimelineEventRecord): EnrollmentInsert | null {
    if (!rule.enabledAt || event.occurredAt.getTime() < rule.enabledAt.getTime()) return null;
    const trigger = rule.trigger;
    const data = event.data as Record<string, unknown>;
    const base = { ruleId: rule.id, occurrence: `e${event.id}`, triggeredAt: event.occurredAt, nextDueAt: event.occurredAt };
    if (rule.kind === 'customer') {
      if (!event.externalUserid || !event.userid) return null;
      let hit = false;
      if (trigger.type === 'added' && event.type === 'customer_added') {
        hit = (!trigger.channelIds.length && !trigger.linkIds.length) || trigger.channelIds.includes(Number(data.channelId)) || trigger.linkIds.includes(Number(data.linkId));
      } else if (trigger.type === 'tagged' && event.type === 'tags_changed') {
        const added = Array.isArray(data.added) ? (data.added as Array<{ id?: unknown }>) : [];
        hit = added.some((tag) => trigger.tagIds.includes(Number(tag.id)));
      } else if (trigger.type === 'stage' && event.type === 'stage_moved') {
        hit = trigger.stageIds.includes(Number(data.stageId));
      }
      return hit ? { ...base, subjectKey: `${event.externalUserid}|${event.userid}`, externalUserid: event.externalUserid, userid: event.userid } : null;
    }
    const chatId = event.chatId ?? (typeof data.chatId === 'string' ? data.chatId : null);
    const owner = (typeof data.owner === 'string' && data.owner) || event.userid;
    if (!chatId || !owner) return null;
    if (trigger.type === 'joined' && event.type === 'group_joined' && event.externalUserid && (!trigger.chatIds.length || trigger.chatIds.includes(chatId))) {
      return { ...base, subjectKey: `${chatId}|${event.externalUserid}`, chatId, externalUserid: event.externalUserid, userid: owner };
    }
    if (trigger.type === 'created' && event.type === 'group_created') return { ...base, subjectKey: chatId, chatId, userid: owner };
    return null;
  }

  /** Reads the timeline from the cursor; enrols what starts an SOP and ends the SOPs of relations that ended. */
  async function readTimeline(rules: SopRuleRow[], eligible: Map<number, Set<string> | null>): Promise<number> {
    const eventRules = rules.filter((rule) => !['date', 'recurrence'].includes(rule.trigger.type));
    return deps.db.transaction(async (tx) => {
      const cursor = await repo.system.cursor(tx);
      let position = cursor;
      let enrolled = 0;
      for (;;) {
        const events = await deps.timeline.systemAfter(tx, position, { types: TRIGGER_EVENTS, limit: EVENT_BATCH });
        if (!events.length) break;
        let rows: EnrollmentInsert[] = [];
        for (const event of events) {
          if ((event.type === 'customer_lost' || event.type === 'customer_deleted') && event.externalUserid && event.userid) {
            // In order: what this batch enrolled before the relation ended ends with it.
            enrolled += await repo.system.enroll(tx, rows);
            rows = [];
            await repo.system.endCustomerEnrollments(tx, event.externalUserid, event.userid, event.occurredAt);
            continue;
          }
          for (const rule of eventRules) {
            const row = enrollmentOf(rule, event);
            if (row && allows(eligible, rule, row.userid)) rows.push(row);
          }
        }
        enrolled += await repo.system.enroll(tx, rows);
        position = events[events.length - 1].id;
        if (events.length < EVENT_BATCH) break;
      }
      if (position > cursor) await repo.system.advanceCursor(tx, cursor, position, SETTLE_SECONDS);
      return enrolled;
    });
  }

  /** Dates and recurrences: the latest occurrence not yet enrolled, over the rule's audience (once per occurrence). */
  async function enrolOccurrences(rules: SopRuleRow[], eligible: Map<number, Set<string> | null>, now: Date): Promise<number> {
    let enrolled = 0;
    for (const rule of rules) {
      const trigger = rule.trigger;
      if (trigger.type !== 'date' && trigger.type !== 'recurrence') continue;
      const occurrence = latestOccurrence(trigger, now, deps.timeZone);
      if (!occurrence || !rule.enabledAt || occurrence.getTime() < rule.enabledAt.getTime()) continue;
      if (rule.lastOccurrenceAt && occurrence.getTime() <= rule.lastOccurrenceAt.getTime()) continue;
      // The audience is read outside the transaction (the embedded database serves one at a time).
      const set = eligible.get(rule.id) ?? null;
      const base = { ruleId: rule.id, occurrence: occurrence.toISOString(), triggeredAt: occurrence, nextDueAt: occurrence };
      let rows: EnrollmentInsert[];
      if (rule.kind === 'customer') {
        const relations = set && set.size === 0 ? [] : await deps.activeRelations({ userIds: set ? [...set] : undefined, tagIds: trigger.tagIds?.length ? trigger.tagIds : undefined });
        rows = relations.map((relation) => ({ ...base, subjectKey: `${relation.externalUserid}|${relation.userid}`, externalUserid: relation.externalUserid, userid: relation.userid }));
      } else {
        const chosen = new Set(trigger.chatIds ?? []);
        const groups = (await deps.liveGroups()).filter((group) => chosen.has(group.chatId) && group.owner && (set === null || set.has(group.owner)));
        rows = groups.map((group) => ({ ...base, subjectKey: group.chatId, chatId: group.chatId, userid: group.owner }));
      }
      enrolled += await deps.db.transaction(async (tx) => ((await repo.system.claimOccurrence(tx, rule.id, occurrence)) ? repo.system.enroll(tx, rows) : 0));
    }
    return enrolled;
  }

  const messageOf = (task: SopTaskRow & { customerName: string | null; groupName: string | null }) => sopTaskMessage(task, formatTime, deps.todoUrl);

  /** Steps due by now become tasks (once each); returns the employees to tell. */
  async function makeDueTasks(now: Date): Promise<{ created: number; recipients: Set<string> }> {
    const recipients = new Set<string>();
    let created = 0;
    for (;;) {
      const batch = await deps.db.transaction(async (tx) => {
        const due = await repo.system.dueEnrollments(tx, now, DUE_BATCH);
        if (!due.length) return 0;
        const rules = new Map((await repo.system.rulesByIds(tx, [...new Set(due.map((row) => row.ruleId))])).map((rule) => [rule.id, rule]));
        const inserts: Parameters<SopRepository['system']['insertTasks']>[1] = [];
        for (const enrollment of due) {
          const rule = rules.get(enrollment.ruleId);
          if (!rule || !rule.enabled || rule.isDel) {
            await repo.system.setNextDue(tx, enrollment.id, null);
            continue;
          }
          const made = await repo.system.stepIdsWithTasks(tx, enrollment.id);
          let next: Date | null = null;
          for (const step of rule.steps) {
            if (made.has(step.id)) continue;
            const dueAt = stepDueAt(enrollment.triggeredAt, step.when, deps.timeZone);
            if (dueAt.getTime() > now.getTime()) {
              if (!next || dueAt < next) next = dueAt;
              continue;
            }
            inserts.push({
              ruleId: rule.id, kind: rule.kind, enrollmentId: enrollment.id, stepId: step.id, subjectKey: enrollment.subjectKey, occurrence: enrollment.occurrence,
              externalUserid: enrollment.externalUserid, chatId: enrollment.chatId, userid: enrollment.userid, ruleName: rule.name, stepName: step.name,
              text: step.text, mediaIds: step.mediaIds, dueAt, overdueAt: overdueAtOf(dueAt, rule.overdueMinutes, deps.timeZone), ctime: now,
            });
          }
          await repo.system.setNextDue(tx, enrollment.id, next);
        }
        const tasks = await repo.system.insertTasks(tx, inserts);
        await announce(tx, tasks, now);
        tasks.forEach((task) => recipients.add(task.userid));
        created += tasks.length;
        return due.length;
      });
      if (batch < DUE_BATCH) break;
    }
    return { created, recipients };
  }

  /** New tasks: on the customers' timelines and to their employees as app messages (same transaction). */
  async function announce(tx: DbOrTx, tasks: SopTaskRow[], now: Date): Promise<void> {
    if (!tasks.length) return;
    const named = await repo.system.namedTasks(tx, tasks.map((task) => task.id));
    await deps.timeline.record(tx, named.filter((task) => task.kind === 'customer').map((task) => ({
      type: 'sop_task' as const, occurredAt: now, externalUserid: task.externalUserid, userid: task.userid, actor: 'system',
      data: { sopId: task.ruleId, sopName: task.ruleName, taskId: task.id, stepName: task.stepName, state: 'created' }, dedupeKey: `sop_task:${task.id}:created`,
    })));
    await deps.appMessages.queue(tx, named.map(messageOf));
  }

  /** Pending tasks past their time become overdue (on the customer's timeline too). */
  async function markOverdue(now: Date): Promise<number> {
    return deps.db.transaction(async (tx) => {
      const late = await repo.system.markOverdue(tx, now);
      await deps.timeline.record(tx, late.filter((task) => task.kind === 'customer').map((task) => ({
        type: 'sop_task' as const, occurredAt: now, externalUserid: task.externalUserid, userid: task.userid, actor: 'system',
        data: { sopId: task.ruleId, sopName: task.ruleName, taskId: task.id, stepName: task.stepName, state: 'overdue' }, dedupeKey: `sop_task:${task.id}:overdue`,
      })));
      return late.length;
    });
  }

  return {
    /** One evaluation run (the job's body); idempotent, and safe on several replicas at once. */
    async evaluate(): Promise<{ enrolled: number; tasks: number; overdue: number }> {
      const rules = await repo.system.enabledRules();
      const eligible = await eligibility(rules);
      const fromEvents = await readTimeline(rules, eligible);
      const now = new Date(deps.now());
      const fromTime = await enrolOccurrences(rules, eligible, now);
      const { created, recipients } = await makeDueTasks(now);
      const overdue = await markOverdue(now);
      deps.appMessages.deliverSoon(recipients);
      return { enrolled: fromEvents + fromTime, tasks: created, overdue };
    },
  };
}

export type SopEvaluator = ReturnType<typeof createSopEvaluator>;

/**
 * The app message telling the employee about a task (a textcard to 我的待办): a new one, or — `handedOver` — one that
 * came to them with a customer or group from another employee (its own dedupe key: the cause of the move).
 */
export function sopTaskMessage(
  task: SopTaskRow & { customerName: string | null; groupName: string | null },
  formatTime: (date: Date) => string,
  todoUrl: string,
  handedOver?: { fromName: string; cause: string },
): NewAppMessage {
  const about = task.kind === 'customer' ? `客户：${task.customerName || '未知客户'}` : `客户群：${task.groupName || '未命名群'}${task.customerName ? `（新成员：${task.customerName}）` : ''}`;
  const lines = [
    about,
    `${task.stepName ? `${task.stepName}：` : ''}${task.text}`.trim(),
    `截止：${formatTime(task.overdueAt)}${task.state === 'overdue' ? '（已逾期）' : ''}`,
    handedOver ? `由${handedOver.fromName}转交给你（客户或群已转接）` : '',
  ].filter(Boolean);
  return {
    userid: task.userid,
    kind: 'sop.task',
    title: `SOP待办${handedOver ? '（转交）' : ''}：${task.ruleName}`,
    content: lines.join('\n'),
    url: todoUrl,
    btntxt: '去处理',
    dedupeKey: handedOver ? `sop-task:${task.id}:moved:${handedOver.cause}` : `sop-task:${task.id}`,
  };
}
