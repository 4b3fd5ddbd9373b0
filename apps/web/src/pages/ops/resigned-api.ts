// The lifecycle module's endpoints (/scrm/admin/lifecycle/**) as the console calls them: 离职继承, 在职继承, the
// transfer records, the inheritance policy and the departures. Shapes from the server's OpenAPI (schema.d.ts).
import { api, call, type CallOptions } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';

export type UnassignedQuery = BodyOf<'/scrm/admin/lifecycle/unassigned/page', 'post'>;
export type UnassignedRecord = ResponseOf<'/scrm/admin/lifecycle/unassigned/page', 'post'>['records'][number];
export type UnassignedDetail = ResponseOf<'/scrm/admin/lifecycle/unassigned/get', 'get'>;
export type TransferResult = ResponseOf<'/scrm/admin/lifecycle/resigned/transfer', 'post'>;
export type TransferItem = TransferResult['items'][number];
export type TransferItemStatus = TransferItem['status'];
/** A customer's or group's latest transfer still open (sending, waiting or unknown). */
export type OpenTransfer = NonNullable<UnassignedDetail['customers'][number]['transfer']>;
export type TransferRecordQuery = BodyOf<'/scrm/admin/lifecycle/resigned/record/page', 'post'>;
export type TransferRecord = ResponseOf<'/scrm/admin/lifecycle/resigned/record/page', 'post'>['records'][number];
export type ResignedTransferBody = BodyOf<'/scrm/admin/lifecycle/resigned/transfer', 'post'>;
export type OnJobTransferBody = BodyOf<'/scrm/admin/lifecycle/onjob/transfer', 'post'>;
export type OnJobCandidateQuery = BodyOf<'/scrm/admin/lifecycle/onjob/candidates', 'post'>;
export type OnJobCandidate = ResponseOf<'/scrm/admin/lifecycle/onjob/candidates', 'post'>['records'][number];
export type OnJobGroup = ResponseOf<'/scrm/admin/lifecycle/onjob/groups', 'get'>[number];
export type RelationFilterBody = NonNullable<OnJobTransferBody['filters']>;

export type Policy = ResponseOf<'/scrm/admin/lifecycle/policy/get', 'get'>;
export type PolicySaveBody = BodyOf<'/scrm/admin/lifecycle/policy/save', 'post'>;
export type PolicyPreview = ResponseOf<'/scrm/admin/lifecycle/policy/preview', 'post'>;
export type DepartureQuery = BodyOf<'/scrm/admin/lifecycle/departure/page', 'post'>;
export type DepartureRecord = ResponseOf<'/scrm/admin/lifecycle/departure/page', 'post'>['records'][number];
export type DepartureStatus = DepartureRecord['status'];

export const lifecycleApi = {
  unassignedPage: (body: UnassignedQuery, options?: CallOptions) => call(api.POST('/scrm/admin/lifecycle/unassigned/page', { body }), options),
  unassignedGet: (userid: string) => call(api.GET('/scrm/admin/lifecycle/unassigned/get', { params: { query: { userid } } })),
  resignedTransfer: (body: ResignedTransferBody) => call(api.POST('/scrm/admin/lifecycle/resigned/transfer', { body })),
  onjobTransfer: (body: OnJobTransferBody) => call(api.POST('/scrm/admin/lifecycle/onjob/transfer', { body })),
  onjobCandidates: (body: OnJobCandidateQuery) => call(api.POST('/scrm/admin/lifecycle/onjob/candidates', { body })),
  onjobGroups: (handoverUserid: string) => call(api.GET('/scrm/admin/lifecycle/onjob/groups', { params: { query: { handoverUserid } } })),
  recordPage: (kind: 'resigned' | 'onjob', body: TransferRecordQuery) =>
    kind === 'resigned' ? call(api.POST('/scrm/admin/lifecycle/resigned/record/page', { body })) : call(api.POST('/scrm/admin/lifecycle/onjob/record/page', { body })),
  policyGet: () => call(api.GET('/scrm/admin/lifecycle/policy/get')),
  policySave: (body: PolicySaveBody) => call(api.POST('/scrm/admin/lifecycle/policy/save', { body })),
  policyPreview: (userid: string) => call(api.POST('/scrm/admin/lifecycle/policy/preview', { body: { userid } })),
  departurePage: (body: DepartureQuery) => call(api.POST('/scrm/admin/lifecycle/departure/page', { body })),
};
