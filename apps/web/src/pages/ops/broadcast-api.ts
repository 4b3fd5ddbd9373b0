// The broadcasts module's endpoints (/scrm/admin/broadcast/{customer|group|moment}/…, dnd, settings) for the
// console's three pages, and the permission codes of each kind (packages/shared/src/menus.ts, 客户运营).
import type { PermissionCode } from '@scrm/shared';
import { api, call, type CallOptions } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';

export type BroadcastKind = 'customer' | 'group' | 'moment';
export const BROADCAST_STATUSES = ['draft', 'scheduled', 'sending', 'sent', 'cancelled', 'failed'] as const;
export const STATUS_COLORS: Record<string, string> = {
  draft: 'default', scheduled: 'blue', sending: 'processing', sent: 'success', cancelled: 'default', failed: 'error', expired: 'warning',
};

/** WeCom's limits (API-FACTS-OPERATIONS §17.1, §18.2): text in UTF-8 bytes, attachments per message. */
export const TEXT_MAX_BYTES = 4000;
export const MAX_ATTACHMENTS = 9;

/** UTF-8 bytes of a text, as WeCom counts its limit. */
export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

type Perm = 'list' | 'query' | 'save' | 'delete' | 'send' | 'cancel' | 'remind' | 'export';
export function permOf(kind: BroadcastKind, action: Perm): PermissionCode {
  return `broadcast:${kind}:${action}` as PermissionCode;
}

/** The base path of a kind's endpoints. */
export const basePath = (kind: BroadcastKind) => `/scrm/admin/broadcast/${kind}` as const;

// ---- Shapes: the server's schemas (modules/broadcasts/broadcasts.schemas.ts); the three kinds answer alike ----

type C = '/scrm/admin/broadcast/customer';
export type BroadcastRecord = ResponseOf<`${C}/page`, 'post'>['records'][number];
export type BroadcastDetailRecord = ResponseOf<`${C}/get`, 'get'>;
export type ChunkRecord = BroadcastDetailRecord['chunks'][number];
export type BroadcastSaveBody = BodyOf<`${C}/save`, 'post'>;
export type BroadcastAudience = NonNullable<BroadcastSaveBody['audience']>;
export type PreviewAnswer = ResponseOf<`${C}/preview`, 'post'>;
export type Exclusion = PreviewAnswer['excludedSample'][number]['reason'];
export type BroadcastStat = ResponseOf<`${C}/stat`, 'post'>;
export type SenderProgress = BroadcastStat['perSender'][number];
export type BroadcastProgress = ResponseOf<`${C}/progress`, 'post'>[number];
export type RecipientRecord = ResponseOf<`${C}/recipients/page`, 'post'>['records'][number];
export type DndRecord = ResponseOf<'/scrm/admin/broadcast/dnd/page', 'post'>['records'][number];
export type BroadcastSettings = ResponseOf<'/scrm/admin/broadcast/settings/get', 'get'>;

interface Page<T> {
  records: T[];
  total: number;
}

// One client for the three kinds: the path is built from the kind, the shapes are the customer kind's (the same schemas).
const post = <T,>(path: string, body: unknown, options?: CallOptions) => call<T>(api.POST(path as never, { body } as never) as never, options);
const get = <T,>(path: string, query: Record<string, unknown>) => call<T>(api.GET(path as never, { params: { query } } as never) as never);

export function broadcastApi(kind: BroadcastKind) {
  const base = basePath(kind);
  return {
    /** For pagedRequest with useModuleAvailability's guard (a 404 means the module is not deployed). */
    pageRequest: (body: Record<string, unknown>) => api.POST(`${base}/page` as never, { body } as never) as never as Promise<{ data?: { code: string; msg: string; date: Page<BroadcastRecord> }; response: Response }>,
    get: (id: number) => get<BroadcastDetailRecord>(`${base}/get`, { id }),
    save: (body: BroadcastSaveBody) => post<BroadcastRecord>(`${base}/save`, body),
    remove: (ids: number[]) => post<unknown>(`${base}/delete`, { ids }),
    preview: (id: number) => post<PreviewAnswer>(`${base}/preview`, { id }),
    send: (id: number, options: { resendUnknown?: boolean } = {}) => post<BroadcastRecord>(`${base}/send`, { id, ...options }),
    cancel: (id: number) => post<BroadcastRecord>(`${base}/cancel`, { id }),
    remind: (id: number) => post<{ reminded: number; remindsLeft: number }>(`${base}/remind`, { id }),
    stat: (id: number, options?: CallOptions) => post<BroadcastStat>(`${base}/stat`, { id }, options),
    progress: (ids: number[], options?: CallOptions) => post<BroadcastProgress[]>(`${base}/progress`, { ids }, options),
    recipients: (body: Record<string, unknown>) => post<Page<RecipientRecord>>(`${base}/recipients/page`, body, { silent: true }),
    exportPath: `${base}/export`,
  };
}

export const dndApi = {
  page: (body: Record<string, unknown>) => post<Page<DndRecord>>('/scrm/admin/broadcast/dnd/page', body, { silent: true }),
  save: (body: { externalUserids: string[]; reason?: string }) => post<unknown>('/scrm/admin/broadcast/dnd/save', body),
  remove: (ids: number[]) => post<unknown>('/scrm/admin/broadcast/dnd/delete', { ids }),
};
export const settingsApi = {
  get: () => get<BroadcastSettings>('/scrm/admin/broadcast/settings/get', {}),
  save: (body: BroadcastSettings) => post<BroadcastSettings>('/scrm/admin/broadcast/settings/save', body),
};
