// The SOP endpoints (/scrm/admin/sop/**) as the console calls them. Shapes from the server's OpenAPI (schema.d.ts).
import { api, call, type CallOptions } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';

export type SopKind = 'customer' | 'group';
export type SopRecord = ResponseOf<'/scrm/admin/sop/customer/page', 'post'>['records'][number];
export type SopSaveBody = BodyOf<'/scrm/admin/sop/customer/save', 'post'>;
export type SopTrigger = SopSaveBody['trigger'];
export type SopTaskQuery = BodyOf<'/scrm/admin/sop/customer/tasks/page', 'post'>;
export type SopTask = ResponseOf<'/scrm/admin/sop/customer/tasks/page', 'post'>['records'][number];
export type SopStat = ResponseOf<'/scrm/admin/sop/customer/stat', 'post'>;
export type TodoQuery = BodyOf<'/scrm/admin/sop/todo/page', 'post'>;
export type TodoPage = ResponseOf<'/scrm/admin/sop/todo/page', 'post'>;

/** One kind's endpoints (the paths differ by kind only). */
export function sopApi(kind: SopKind) {
  return kind === 'customer'
    ? {
        page: (body: BodyOf<'/scrm/admin/sop/customer/page', 'post'>) => call(api.POST('/scrm/admin/sop/customer/page', { body })),
        save: (body: SopSaveBody) => call(api.POST('/scrm/admin/sop/customer/save', { body })),
        remove: (ids: number[]) => call(api.POST('/scrm/admin/sop/customer/delete', { body: { ids } })),
        enable: (id: number, enabled: boolean) => call(api.POST('/scrm/admin/sop/customer/enable', { body: { id, enabled } })),
        tasks: (body: SopTaskQuery) => call(api.POST('/scrm/admin/sop/customer/tasks/page', { body })),
        done: (ids: number[]) => call(api.POST('/scrm/admin/sop/customer/tasks/done', { body: { ids } })),
        stat: (body: BodyOf<'/scrm/admin/sop/customer/stat', 'post'>, options?: CallOptions) => call(api.POST('/scrm/admin/sop/customer/stat', { body }), options),
      }
    : {
        page: (body: BodyOf<'/scrm/admin/sop/group/page', 'post'>) => call(api.POST('/scrm/admin/sop/group/page', { body })),
        save: (body: SopSaveBody) => call(api.POST('/scrm/admin/sop/group/save', { body })),
        remove: (ids: number[]) => call(api.POST('/scrm/admin/sop/group/delete', { body: { ids } })),
        enable: (id: number, enabled: boolean) => call(api.POST('/scrm/admin/sop/group/enable', { body: { id, enabled } })),
        tasks: (body: SopTaskQuery) => call(api.POST('/scrm/admin/sop/group/tasks/page', { body })),
        done: (ids: number[]) => call(api.POST('/scrm/admin/sop/group/tasks/done', { body: { ids } })),
        stat: (body: BodyOf<'/scrm/admin/sop/group/stat', 'post'>, options?: CallOptions) => call(api.POST('/scrm/admin/sop/group/stat', { body }), options),
      };
}

export const todoApi = {
  page: (body: TodoQuery, options?: CallOptions) => call(api.POST('/scrm/admin/sop/todo/page', { body }), options),
  done: (ids: number[]) => call(api.POST('/scrm/admin/sop/todo/done', { body: { ids } })),
};
