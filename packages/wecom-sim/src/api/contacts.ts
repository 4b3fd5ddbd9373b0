// gettoken and contacts (API-FACTS §1.2, §2): departments and users, with the app's visible range
// enforced (60011) and user/list_id reserved to the contact-sync secret.
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { Department, Employee } from '../model.ts';
import { clampedLimit, optionalNumber, optionalString, pageByOffset, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

/** An active employee inside the visible range; unknown → `unknownCode` (60111 or 40003), outside → 60011. */
export function visibleEmployee(core: SimulatorCore, userid: string, unknownCode = 60111): Employee {
  const employee = core.state.activeEmployee(userid);
  if (!employee) return fail(unknownCode, `userid not found: ${userid}`);
  if (!core.state.isEmployeeVisible(employee)) return fail(60011);
  return employee;
}

export function employeeView(employee: Employee): Json {
  const { customerContact: _customerContact, resignedAt: _resignedAt, lastLoginAt: _lastLoginAt, ...view } = employee;
  return {
    ...view,
    extattr: { attrs: [] },
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=${employee.open_userid.slice(2, 18)}`,
    external_profile: { external_corp_name: '', external_attr: [] },
  };
}

function departmentView(department: Department): Json {
  return { ...department };
}

/** department/list and simplelist: `id` (optional) and all its descendants, or the visible tree. */
function listedDepartments(core: SimulatorCore, query: Record<string, string>): Department[] {
  const id = optionalNumber(query, 'id');
  const { state } = core;
  if (id !== undefined) {
    if (!state.departments.has(id)) fail(60123, `department not found: ${id}`);
    if (!state.isDepartmentVisible(id)) fail(60011);
    return state.departmentSubtree(id).map((child) => state.departments.get(child) as Department);
  }
  return [...state.departments.values()].filter((department) => state.isDepartmentVisible(department.id));
}

/** Members of one department (no descendants: the current doc dropped fetch_child; we honour it when sent). */
function departmentMembers(core: SimulatorCore, query: Record<string, string>): Employee[] {
  const departmentId = optionalNumber(query, 'department_id') ?? fail(40058, 'department_id missing');
  const { state } = core;
  if (!state.departments.has(departmentId)) fail(60123, `department not found: ${departmentId}`);
  if (!state.isDepartmentVisible(departmentId)) fail(60011);
  const wanted = new Set(query.fetch_child === '1' ? state.departmentSubtree(departmentId) : [departmentId]);
  const members: Employee[] = [];
  for (const employee of state.employees.values()) {
    if (employee.resignedAt === undefined && employee.department.some((id) => wanted.has(id))) members.push(employee);
  }
  return members;
}

export const contactRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: 'gettoken',
    public: true,
    handler: ({ core, query }) => {
      const { corp } = core.state;
      const corpId = optionalString(query, 'corpid') ?? fail(41002);
      const secret = optionalString(query, 'corpsecret') ?? fail(41004);
      if (corpId !== corp.corpId) fail(40013);
      if (secret === corp.secret) return core.tokens.issue('app');
      if (secret === corp.contactSyncSecret) return core.tokens.issue('contactSync');
      return fail(40001);
    },
  },
  {
    method: 'GET',
    path: 'department/list',
    handler: ({ core, query }) => ({ department: listedDepartments(core, query).map(departmentView) }),
  },
  {
    method: 'GET',
    path: 'department/simplelist',
    handler: ({ core, query }) => ({
      department_id: listedDepartments(core, query).map(({ id, parentid, order }) => ({ id, parentid, order })),
    }),
  },
  {
    method: 'GET',
    path: 'department/get',
    handler: ({ core, query }) => {
      const id = optionalNumber(query, 'id') ?? fail(40058, 'id missing');
      const department = core.state.departments.get(id) ?? fail(60123, `department not found: ${id}`);
      if (!core.state.isDepartmentVisible(id)) fail(60011);
      return { department: departmentView(department) };
    },
  },
  {
    method: 'GET',
    path: 'user/get',
    handler: ({ core, query }) => {
      const userid = optionalString(query, 'userid') ?? fail(41009);
      return employeeView(visibleEmployee(core, userid));
    },
  },
  {
    method: 'GET',
    path: 'user/list',
    handler: ({ core, query }) => ({ userlist: departmentMembers(core, query).map(employeeView) }),
  },
  {
    method: 'GET',
    path: 'user/simplelist',
    handler: ({ core, query }) => ({
      userlist: departmentMembers(core, query).map(({ userid, name, department, open_userid }) => ({ userid, name, department, open_userid })),
    }),
  },
  {
    method: 'POST',
    path: 'user/list_id',
    // "仅支持通过“通讯录同步secret”调用" — the app secret gets 48002.
    secrets: ['contactSync'],
    handler: ({ core, body }) => {
      const limit = optionalNumber(body, 'limit');
      if (limit !== undefined && (limit < 1 || limit > 10_000)) fail(40058, 'limit must be 1 ~ 10000');
      const rows: Array<{ userid: string; department: number }> = [];
      for (const employee of core.state.employees.values()) {
        if (employee.resignedAt !== undefined) continue;
        for (const department of employee.department) rows.push({ userid: employee.userid, department });
      }
      const cursor = optionalString(body, 'cursor');
      const { page, next_cursor } = pageByOffset(rows, 'list_id', cursor, clampedLimit(body, 10_000, 10_000));
      return { next_cursor, dept_user: page };
    },
  },
];

