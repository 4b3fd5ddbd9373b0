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

// Customers
export type RelationRecord = ResponseOf<'/scrm/admin/cust/emp/page', 'post'>['records'][number];
export type RelationQuery = BodyOf<'/scrm/admin/cust/emp/page', 'post'>;
export type RelationFilters = BodyOf<'/scrm/admin/cust/emp/export', 'post'>;
export type CustomerDetail = ResponseOf<'/scrm/admin/cust/info/get', 'get'>;
export type DailyStat = ResponseOf<'/scrm/admin/cust/info/stat', 'post'>[number];
export type TotalsStat = ResponseOf<'/scrm/admin/cust/emp/stat', 'post'>;
export type ChannelGroup = ResponseOf<'/scrm/admin/cust/emp/pageByChannel', 'post'>['records'][number];
export type TagInfoRecord = ResponseOf<'/scrm/admin/cust/tagInfo/page', 'post'>['records'][number];
export type TagBrief = TagInfoRecord['corpTags'][number];
export type WecomEmployee = ResponseOf<'/scrm/admin/qw/emp/listByName', 'get'>[number];

// Tags
export type TagType = 'corp' | 'self';
export type TagGroup = ResponseOf<'/scrm/admin/tag/corp/grouped', 'get'>[number];
export type TagRecord = TagGroup['tags'][number];

// Groups
export type GroupRecord = ResponseOf<'/scrm/admin/group/page', 'post'>['records'][number];
export type GroupMember = ResponseOf<'/scrm/admin/group/member/page', 'post'>['records'][number];
export type GroupMemberStat = ResponseOf<'/scrm/admin/group/member/stat', 'get'>;
export type GroupStats = ResponseOf<'/scrm/admin/group/member/groupStats', 'post'>;

// Callback events
export type CallbackEvent = ResponseOf<'/scrm/admin/event/page', 'post'>['records'][number];

// Acquisition
export type ChannelRecord = ResponseOf<'/scrm/admin/cust/channel/page', 'post'>['records'][number];
export type LinkRecord = ResponseOf<'/scrm/admin/cust/get/link/get', 'get'>;
export type LinkSaveBody = BodyOf<'/scrm/admin/cust/get/link/save', 'post'>;
export type RuleRecord = LinkRecord['allocationRules'][number];
export type RouteAnswer = ResponseOf<'/scrm/admin/cust/get/link/preview', 'get'>;
export type MediaRecord = ResponseOf<'/scrm/admin/media/page', 'post'>['records'][number];
export type JoinWayRecord = ResponseOf<'/scrm/admin/group/join/get', 'get'>;
export type MiniLinkRecord = ResponseOf<'/scrm/admin/mini/link/get', 'get'>;
export type OpenAppRecord = ResponseOf<'/scrm/admin/open/app/page', 'post'>['records'][number];
export type OpenAppWithSecret = ResponseOf<'/scrm/admin/open/app/save', 'post'>;

// Leads
export type LeadRecord = ResponseOf<'/scrm/admin/clue/page', 'post'>['records'][number];
export type LeadQuery = BodyOf<'/scrm/admin/clue/page', 'post'>;
export type LeadDetail = ResponseOf<'/scrm/admin/clue/detail/get', 'get'>;
export type LeadEvent = ResponseOf<'/scrm/admin/clue/detail/dynamics', 'post'>['records'][number];
export type LeadStat = ResponseOf<'/scrm/admin/clue/stat', 'post'>;
export type LeadImport = ResponseOf<'/scrm/admin/clue/import', 'post'>;
