import type { paths } from './schema.js';

type Json<R> = R extends { content: { 'application/json': infer J } } ? J : never;

/** The `date` of a path's 200 response. */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: infer R } }
  ? Json<R> extends { date: infer D } ? D : never
  : never;

/** The JSON body a path accepts. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type CurrentUser = ResponseOf<'/scrm/admin/sys/user/current', 'get'>;
export type UserRecord = ResponseOf<'/scrm/admin/sys/user/page', 'post'>['records'][number];
export type UserDetail = ResponseOf<'/scrm/admin/sys/user/get', 'get'>;
export type UserSaveBody = BodyOf<'/scrm/admin/sys/user/save', 'post'>;
export type RoleRecord = ResponseOf<'/scrm/admin/sys/role/page', 'post'>['records'][number];
export type RoleDetail = ResponseOf<'/scrm/admin/sys/role/get', 'get'>;
export type RoleSaveBody = BodyOf<'/scrm/admin/sys/role/save', 'post'>;
export type MenuNode = ResponseOf<'/scrm/admin/sys/menu/tree', 'get'>[number];
export type MenuSaveBody = BodyOf<'/scrm/admin/sys/menu/save', 'post'>;
export type UserMenuTree = ResponseOf<'/scrm/admin/sys/menu/userTree', 'get'>;
export type DeptNode = ResponseOf<'/scrm/admin/sys/dept/tree', 'get'>[number];
export type DeptSaveBody = BodyOf<'/scrm/admin/sys/dept/save', 'post'>;
export type Job = ResponseOf<'/scrm/admin/job/get', 'get'>;
