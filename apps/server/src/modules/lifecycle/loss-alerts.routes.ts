import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { attachment, route } from '../../platform/http/route.ts';
import { page } from '../../platform/http/schemas.ts';
import type { LossService } from './loss-alerts.service.ts';
import { lossExportQuery, lossPageQuery, lossRecordSchema, lossSettingsRecord, lossSettingsSaveBody, lossStatBody, lossStatResult } from './loss-alerts.schemas.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** 流失提醒: /scrm/admin/loss/* — losses of employees in the caller's data scope, daily figures, export, alert settings. */
export const lossRoutes = (service: LossService) => async (app: FastifyInstance) => {
  route(app, {
    method: 'POST', url: '/page', summary: '流失客户分页 (filters: employees, departments, kind, time, channel; names, never bare ids)',
    permission: 'loss:list', body: lossPageQuery, response: page(lossRecordSchema),
    handler: ({ ctx, body }) => service.page(ctx, body),
  });
  route(app, {
    method: 'POST', url: '/stat', summary: '流失统计 (losses per day and kind, Asia/Shanghai days, at most 366)',
    permission: 'loss:stat', body: lossStatBody, response: lossStatResult,
    handler: ({ ctx, body }) => service.stat(ctx, body),
  });
  // The export answers with a file, not the envelope.
  app.route({
    method: 'POST',
    url: '/export',
    schema: { summary: '导出流失客户 (xlsx; the page\'s filters; names)', tags: ['admin/loss'], security: [{ token: [] }], body: lossExportQuery, produces: [XLSX] },
    config: { permission: 'loss:export', allowWhilePasswordExpired: false },
    handler: async (request, reply) => {
      const stream = await service.exportLosses(request.ctx, request.body as z.output<typeof lossExportQuery>, (error) => request.log.error({ err: error }, 'loss export failed'));
      const fileName = `流失客户-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}.xlsx`;
      return reply.type(XLSX).header('content-disposition', attachment('losses.xlsx', fileName)).send(stream);
    },
  });
  route(app, {
    method: 'GET', url: '/settings/get', summary: '流失提醒设置 (alerts on/off, managers, daily digest)',
    permission: 'loss:settings', response: lossSettingsRecord,
    handler: ({ ctx }) => service.getSettings(ctx),
  });
  route(app, {
    method: 'POST', url: '/settings/save', summary: '保存流失提醒设置 (audited)',
    permission: 'loss:settings', body: lossSettingsSaveBody, response: lossSettingsRecord,
    handler: ({ ctx, body }) => service.saveSettings(ctx, body),
  });
};
