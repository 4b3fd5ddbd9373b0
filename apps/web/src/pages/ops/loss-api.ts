// The loss alerts' endpoints (/scrm/admin/loss/**) as the console calls them. Shapes from the server's OpenAPI
// (schema.d.ts).
import { api, call, type CallOptions } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';

export type LossQuery = BodyOf<'/scrm/admin/loss/page', 'post'>;
export type LossRecord = ResponseOf<'/scrm/admin/loss/page', 'post'>['records'][number];
export type LossKind = LossRecord['kind'];
export type LossStatBody = BodyOf<'/scrm/admin/loss/stat', 'post'>;
export type LossStat = ResponseOf<'/scrm/admin/loss/stat', 'post'>;
export type LossSettings = ResponseOf<'/scrm/admin/loss/settings/get', 'get'>;
export type LossSettingsBody = BodyOf<'/scrm/admin/loss/settings/save', 'post'>;

export const lossApi = {
  page: (body: LossQuery) => call(api.POST('/scrm/admin/loss/page', { body })),
  stat: (body: LossStatBody, options?: CallOptions) => call(api.POST('/scrm/admin/loss/stat', { body }), options),
  exportPath: '/scrm/admin/loss/export',
  settingsGet: () => call(api.GET('/scrm/admin/loss/settings/get')),
  settingsSave: (body: LossSettingsBody) => call(api.POST('/scrm/admin/loss/settings/save', { body })),
};
