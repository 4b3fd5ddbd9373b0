// Reading the customer timeline for a caller: every read applies the caller's data scope (events about relations
// of employees outside it are left out) and names what the operator reads (the employee, the console user).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { bindViewer, employeeScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { paginate, whereOf } from '../../platform/db/paging.ts';
import type { Page, PageQuery } from '../../platform/http/schemas.ts';
import type { TimelineEventType } from './timeline.service.ts';
import type { TimelineEventView } from './timeline.schemas.ts';

type Row = Record<string, unknown>;

/** Whose events: a customer's, a lead's, or both (OR); `userid` narrows to one employee's view (their relation's events and those of no relation). */
export interface TimelineFilter {
  externalUserid?: string;
  leadId?: number;
  /** One employee's view (the sidebar): events of this employee's relation, and the customer's events that belong to no relation. */
  userid?: string;
  types?: readonly TimelineEventType[];
  /** Only lead entries of these lead event types (the lead timeline's own filter). */
  leadTypes?: readonly string[];
  /** Leave these types out (e.g. a lead's own entries, when they are read by lead). */
  excludeTypes?: readonly TimelineEventType[];
}

/** Employee fields a lead entry may name (WeCom userids): who linked it, who handed over or took over, whose relation was tagged. */
const LEAD_EMPLOYEE_FIELDS = ['employeeUserid', 'handoverUserid', 'takeoverUserid', 'userid'] as const;

/**
 * What the viewer may see. Customer events: those of no relation (userid null) and those of relations of employees
 * in scope. Lead entries keep the lead timeline's rule: those naming no employee, and those naming at least one
 * employee in scope (a transfer between two employees outside it stays hidden).
 */
function eventScope(viewer: Viewer): SQL | undefined {
  const relation = employeeScope(viewer, sql`e.userid`);
  if (!relation) return undefined;
  const inScope = employeeScope(viewer, sql`n.userid`)!;
  const named = LEAD_EMPLOYEE_FIELDS.map((field) => sql`(e.data->>${field}::text)`);
  const leadEntry = sql`(COALESCE(${sql.join(named, sql`, `)}) IS NULL
    OR EXISTS (SELECT 1 FROM (VALUES ${sql.join(named.map((value) => sql`(${value})`), sql`, `)}) AS n(userid) WHERE n.userid IS NOT NULL AND ${inScope}))`;
  return sql`(CASE WHEN e.type = 'lead' THEN ${leadEntry} ELSE (e.userid IS NULL OR ${relation}) END)`;
}

const textArray = (values: readonly string[]) => sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;

function filterConditions(filter: TimelineFilter): Array<SQL | undefined> {
  const whose = [
    filter.externalUserid !== undefined ? sql`e.external_userid = ${filter.externalUserid}` : undefined,
    filter.leadId !== undefined ? sql`e.lead_id = ${filter.leadId}` : undefined,
  ].filter((part): part is SQL => part !== undefined);
  return [
    whose.length ? sql`(${sql.join(whose, sql` OR `)})` : sql`false`,
    filter.userid !== undefined ? sql`(e.userid = ${filter.userid} OR e.userid IS NULL)` : undefined,
    filter.types?.length ? sql`e.type = ANY(${textArray(filter.types)})` : undefined,
    filter.excludeTypes?.length ? sql`NOT (e.type = ANY(${textArray(filter.excludeTypes)}))` : undefined,
    filter.leadTypes?.length ? sql`e.type = 'lead' AND e.data->>'leadType' = ANY(${textArray(filter.leadTypes)})` : undefined,
  ];
}

function toView(row: Row): TimelineEventView {
  return {
    id: Number(row.id),
    type: row.type as TimelineEventType,
    occurredAt: new Date(row.occurred_at as string),
    externalUserid: (row.external_userid as string | null) ?? null,
    userid: (row.userid as string | null) ?? null,
    employeeName: (row.employee_name as string | null) ?? null,
    chatId: (row.chat_id as string | null) ?? null,
    leadId: row.lead_id === null || row.lead_id === undefined ? null : Number(row.lead_id),
    actor: (row.actor as string | null) ?? null,
    actorName: (row.actor_name as string | null) ?? null,
    data: (row.data as Record<string, unknown>) ?? {},
  };
}

export function createTimelineRepository(db: DbOrTx) {
  const scoped = {
    /** A page of events, newest first (occurredAt, then id: the order they were recorded in). */
    async page(viewer: Viewer, filter: TimelineFilter, query: PageQuery): Promise<Page<TimelineEventView>> {
      const where = whereOf([...filterConditions(filter), eventScope(viewer)]);
      return paginate(
        query,
        async () => Number((await db.execute<Row>(sql`SELECT count(*)::int AS n FROM customer_event e ${where}`)).rows[0].n),
        async (limit, offset) =>
          (
            await db.execute<Row>(sql`
              SELECT e.id, e.type, e.occurred_at, e.external_userid, e.userid, emp.name AS employee_name, e.chat_id, e.lead_id, e.actor,
                (SELECT COALESCE(NULLIF(u.nickname, ''), u.username) FROM sys_user u WHERE u.username = e.actor ORDER BY u.is_del, u.id DESC LIMIT 1) AS actor_name,
                e.data
              FROM customer_event e LEFT JOIN qw_emp emp ON emp.userid = e.userid
              ${where} ORDER BY e.occurred_at DESC, e.id DESC LIMIT ${limit} OFFSET ${offset}`)
          ).rows.map(toView),
      );
    },
  };
  return {
    /** Timeline reads made for one caller (their data scope on every query). */
    forViewer: (viewer: Viewer) => bindViewer(viewer, scoped),
  };
}

export type TimelineRepository = ReturnType<typeof createTimelineRepository>;
export type ViewerTimelineRepository = ReturnType<TimelineRepository['forViewer']>;
