import { WecomApiError, type ContactPartyEvent, type ContactUserEvent, type Department, type User, type WecomClient } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { withSessionLock } from '../../platform/wecom.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import { conflictOnUnique } from '../system/unique-violation.ts';
import type { EventHandler } from '../portal/event-registry.ts';
import { ineligibleReason, type OrgRepository, type QwEmpRow } from './org.repository.ts';
import type { QwDeptPageBody, QwDeptSaveBody, QwEmpPageBody, QwEmpSaveBody } from './org.schemas.ts';

export const DEPT_SYNC_JOB = 'org.dept.sync';
export const EMP_SYNC_JOB = 'org.emp.sync';

/** WeCom answers for "no such member / department" (the member left, the department was deleted). */
const USER_GONE = new Set([60111, 40003, 60123]);
const DEPT_GONE = new Set([60123, 60003]);
/** Outside the app's visible range: nothing we may know about it. */
const NO_PRIVILEGE = 60011;

const errcodeOf = (error: unknown) => (error instanceof WecomApiError ? error.errcode : undefined);

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]);
    }),
  );
  return results;
}

export function createOrgService(deps: { db: Db; org: OrgRepository; jobs: JobService; wecom: () => WecomClient; now: () => number }) {
  const { db, org } = deps;

  async function withDepartmentNames(rows: QwEmpRow[]) {
    const names = await org.deptNames([...new Set(rows.flatMap((row) => row.department))]);
    return rows.map((row) => ({ ...row, departmentNames: row.department.map((id) => names.get(id) ?? ''), eligible: ineligibleReason(row) === null }));
  }

  async function requireEmp(id: number) {
    const row = await org.findEmp(id);
    if (!row) throw new NotFound('qwEmp', id);
    return (await withDepartmentNames([row]))[0];
  }

  // ---- applying WeCom's state (sync jobs and events share these) -------------------------------

  /**
   * One sync of a kind at a time: a request while one is waiting or running gets that one. Starts are
   * serialised in this process (a promise chain) and across replicas (an advisory lock).
   */
  const starting = new Map<string, Promise<unknown>>();
  const startExclusive = (type: string, actor: string) => {
    const started = (starting.get(type) ?? Promise.resolve())
      .catch(() => {})
      .then(() => withSessionLock(db, `job-start:${type}`, () => deps.jobs.start(type, {}, { actor, exclusive: true })));
    starting.set(type, started);
    return started;
  };

  /** What WeCom says about a member or department now: found, gone (left / deleted), or hidden (outside the visible range). */
  type Fetched<T> = { kind: 'found'; value: T } | { kind: 'gone' } | { kind: 'hidden' };

  async function fetchState<T>(load: () => Promise<T>, gone: ReadonlySet<number>): Promise<Fetched<T>> {
    try {
      return { kind: 'found', value: await load() };
    } catch (error) {
      const errcode = errcodeOf(error);
      if (errcode !== undefined && gone.has(errcode)) return { kind: 'gone' };
      if (errcode === NO_PRIVILEGE) return { kind: 'hidden' };
      throw error;
    }
  }

  /**
   * Who has 客户联系 (get_follow_user_list), or null when the configured secret may not ask (no customer-contact
   * rights: 48002 / 60011): the members' 客户联系 then stays unknown rather than failing the employee sync.
   */
  async function followUserList(client: WecomClient): Promise<string[] | null> {
    try {
      return (await client.externalContact.getFollowUserList()).follow_user;
    } catch (error) {
      const errcode = errcodeOf(error);
      if (errcode === 48002 || errcode === NO_PRIVILEGE) return null;
      throw error;
    }
  }

  async function requireDept(id: number) {
    const row = await org.findDept(id);
    if (!row) throw new NotFound('qwDept', id);
    return row;
  }

  return {
    // ---- departments ------------------------------------------------------------------------

    deptPage: (_ctx: RequestContext, query: QwDeptPageBody) => org.deptPage(query),

    deptGet: (_ctx: RequestContext, id: number) => requireDept(id),

    /** Edits the mirror row (a later sync or event brings WeCom's values back). */
    async deptSave(ctx: RequestContext, body: QwDeptSaveBody) {
      const actor = actorOf(ctx);
      const now = new Date(deps.now());
      const fields = {
        name: body.name,
        nameEn: body.nameEn ?? null,
        parentId: body.parentId,
        orderNum: body.orderNum,
        ...(body.leaders ? { leaders: body.leaders } : {}),
        mtime: now,
        muser: actor,
      };
      const id = await conflictOnUnique(
        () =>
          db.transaction(async (tx) => {
            if (body.id === undefined) {
              if (body.deptId === undefined) throw new InvalidField('deptId', 'qwDeptIdRequired');
              return org.insertDept(tx, { ...fields, deptId: body.deptId, cuser: actor, ctime: now });
            }
            const existing = await org.findDept(body.id, tx);
            if (!existing) throw new NotFound('qwDept', body.id);
            await org.updateDept(tx, body.id, { ...fields, ...(body.deptId !== undefined ? { deptId: body.deptId } : {}) });
            return body.id;
          }),
        () => new Conflict('qwDeptIdTaken', { deptId: body.deptId }),
      );
      return requireDept(id);
    },

    startDeptSync: (ctx: RequestContext) => startExclusive(DEPT_SYNC_JOB, actorOf(ctx)),

    /** The job: department/list (the whole visible tree) → upsert; departments no longer listed flagged deleted. */
    async syncDepartments(job: JobProgress) {
      const { department } = await deps.wecom().contacts.listDepartments();
      await job.progress(0, department.length, { key: 'jobFetched' });
      const now = new Date(deps.now());
      const deleted = await db.transaction(async (tx) => {
        await org.upsertDepts(tx, department, now);
        return org.markDeptsDeletedExcept(
          tx,
          department.map((d) => d.id),
          now,
        );
      });
      await job.progress(department.length, department.length, { key: 'jobDone' });
      return { departments: department.length, deleted };
    },

    // ---- employees --------------------------------------------------------------------------

    empPage: async (_ctx: RequestContext, query: QwEmpPageBody) => {
      const deptIds = query.deptId === undefined ? undefined : query.includeSubDepts ? await org.deptSubtree(query.deptId) : [query.deptId];
      const result = await org.empPage(query, deptIds);
      return { ...result, records: await withDepartmentNames(result.records) };
    },

    empListByName: async (_ctx: RequestContext, name: string, eligible = false) => withDepartmentNames(await org.empsByName(name, { eligible })),

    empGet: (_ctx: RequestContext, id: number) => requireEmp(id),

    async empGetByUserid(_ctx: RequestContext, userid: string) {
      const row = await org.findEmpByUserid(userid);
      if (!row) throw new NotFound('qwEmp', userid);
      return (await withDepartmentNames([row]))[0];
    },

    async empSave(ctx: RequestContext, body: QwEmpSaveBody) {
      const actor = actorOf(ctx);
      const now = new Date(deps.now());
      const fields = {
        name: body.name,
        mobile: body.mobile ?? null,
        position: body.position ?? null,
        ...(body.department ? { department: body.department, mainDepartment: body.mainDepartment ?? body.department[0] ?? null } : {}),
        ...(body.mainDepartment !== undefined && !body.department ? { mainDepartment: body.mainDepartment } : {}),
        ...(body.gender !== undefined ? { gender: body.gender } : {}),
        email: body.email ?? null,
        alias: body.alias ?? null,
        telephone: body.telephone ?? null,
        ...(body.status !== undefined ? { status: body.status } : {}),
        mtime: now,
        muser: actor,
      };
      const id = await conflictOnUnique(
        () =>
          db.transaction(async (tx) => {
            if (body.id === undefined) {
              if (!body.userid) throw new InvalidField('userid', 'qwUseridRequired');
              return org.insertEmp(tx, { ...fields, userid: body.userid, cuser: actor, ctime: now });
            }
            const existing = await org.findEmp(body.id, tx);
            if (!existing) throw new NotFound('qwEmp', body.id);
            await org.updateEmp(tx, body.id, { ...fields, ...(body.userid ? { userid: body.userid } : {}) });
            return body.id;
          }),
        () => new Conflict('qwUseridExists', { userid: body.userid }),
      );
      return requireEmp(id);
    },

    startEmpSync: (ctx: RequestContext) => startExclusive(EMP_SYNC_JOB, actorOf(ctx)),

    /**
     * The job: every visible department's members (user/list, details) → upsert; members no longer listed
     * are marked left. Progress counts departments.
     */
    async syncEmployees(job: JobProgress) {
      const client = deps.wecom();
      const { department_id: departments } = await client.contacts.listDepartmentsSimple();
      await job.progress(0, departments.length, { key: 'jobFetchingMembers' });
      const users = new Map<string, User>();
      let done = 0;
      await mapLimit(departments, 4, async (department) => {
        const { userlist } = await client.contacts.listUsers(department.id);
        for (const user of userlist) users.set(user.userid, user);
        done++;
        if (done % 10 === 0 || done === departments.length) await job.progress(done, departments.length, { key: 'jobFetchingMembers' });
      });
      const followUsers = await followUserList(client);
      const now = new Date(deps.now());
      const all = [...users.values()];
      const left = await db.transaction(async (tx) => {
        await org.upsertEmps(tx, all, now);
        if (followUsers) await org.setCustomerContact(tx, followUsers, now);
        return org.markEmpsLeftExcept(
          tx,
          all.map((user) => user.userid),
          now,
        );
      });
      await job.progress(departments.length, departments.length, { key: 'jobDone' });
      return { departments: departments.length, employees: all.length, left };
    },

    // ---- change_contact events (notify, then fetch) -------------------------------------------

    /** change_contact create/update/delete_user: the member as WeCom has it now (delete_user too: a member re-created under the same userid is active again). */
    userEventHandler: {
      fetchKey: (event) => {
        const { userId, newUserId } = event as ContactUserEvent;
        return newUserId ?? userId;
      },
      fetch: (event, ctx) => {
        const { userId, newUserId } = event as ContactUserEvent;
        return fetchState(() => ctx.wecom.client.contacts.getUser(newUserId ?? userId), USER_GONE);
      },
      apply: async (event, state, ctx) => {
        const { changeType, userId, newUserId } = event as ContactUserEvent;
        const now = new Date(ctx.now());
        if (changeType === 'update_user' && newUserId && newUserId !== userId) await org.renameEmp(ctx.tx, userId, newUserId, now);
        if (state.kind === 'found') await org.upsertEmps(ctx.tx, [state.value], now);
        else if (state.kind === 'gone') await org.markEmpLeft(ctx.tx, newUserId ?? userId, now);
      },
    } satisfies EventHandler<Fetched<User>>,

    /** change_contact create/update/delete_party: the department as WeCom has it now (moves included). */
    partyEventHandler: {
      fetchKey: (event) => String((event as ContactPartyEvent).id),
      fetch: (event, ctx) => fetchState(async () => (await ctx.wecom.client.contacts.getDepartment((event as ContactPartyEvent).id)).department, DEPT_GONE),
      apply: async (event, state, ctx) => {
        const now = new Date(ctx.now());
        if (state.kind === 'found') await org.upsertDepts(ctx.tx, [state.value], now);
        else if (state.kind === 'gone') await org.markDeptDeleted(ctx.tx, (event as ContactPartyEvent).id, now);
      },
    } satisfies EventHandler<Fetched<Department>>,
  };
}

export type OrgService = ReturnType<typeof createOrgService>;
