import { ApiArea } from './api-area.ts';
import { iterateCursorPages } from '../paging.ts';
import type {
  DepartmentGetResponse,
  DepartmentListResponse,
  DepartmentSimpleListResponse,
  UserGetResponse,
  UserListIdRequest,
  UserListIdResponse,
  UserListResponse,
  UserSimpleListResponse,
} from '../types.ts';

export interface UserListOptions {
  /** Older API versions recurse into sub-departments with fetch_child=1; the current one ignores it. */
  fetchChild?: boolean;
}

/** Departments and members (API-FACTS §2). */
export class ContactsApi extends ApiArea {
  /** department/list: the department `id` and all its descendants; the whole tree when omitted. */
  listDepartments(id?: number): Promise<DepartmentListResponse> {
    return this.requester.request('department/list', { method: 'GET', query: { id } });
  }

  /** department/simplelist: ids, parents and order only. */
  listDepartmentsSimple(id?: number): Promise<DepartmentSimpleListResponse> {
    return this.requester.request('department/simplelist', { method: 'GET', query: { id } });
  }

  getDepartment(id: number): Promise<DepartmentGetResponse> {
    return this.requester.request('department/get', { method: 'GET', query: { id } });
  }

  /** user/list: member details of a department. */
  listUsers(departmentId: number, options: UserListOptions = {}): Promise<UserListResponse> {
    return this.requester.request('user/list', { method: 'GET', query: userListQuery(departmentId, options) });
  }

  /** user/simplelist: userid, name and departments of a department's members. */
  listUsersSimple(departmentId: number, options: UserListOptions = {}): Promise<UserSimpleListResponse> {
    return this.requester.request('user/simplelist', { method: 'GET', query: userListQuery(departmentId, options) });
  }

  getUser(userid: string): Promise<UserGetResponse> {
    return this.requester.request('user/get', { method: 'GET', query: { userid } });
  }

  /** user/list_id: one row per (userid, department), cursor-paged. */
  listUserIds(request: UserListIdRequest = {}): Promise<UserListIdResponse> {
    return this.requester.request('user/list_id', { method: 'POST', body: request });
  }

  iterateUserIds(limit?: number): AsyncGenerator<UserListIdResponse, void, undefined> {
    return iterateCursorPages((cursor) => this.listUserIds({ cursor, limit }));
  }
}

function userListQuery(departmentId: number, options: UserListOptions): Record<string, number | undefined> {
  return { department_id: departmentId, fetch_child: options.fetchChild === undefined ? undefined : Number(options.fetchChild) };
}
