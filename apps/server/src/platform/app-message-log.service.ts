// The operator's view of the app messages SCRM sent to employees (应用消息): what was sent, to whom, and what
// became of it in words; and a retry for those WeCom refused or that could not be sent (no agent configured), so
// a message is either delivered or visibly failed and retryable. A message whose outcome is unknown is never
// retried from here: WeCom may have delivered it (platform/app-message.ts).
import type { Db } from './db/database.ts';
import { viewerOf } from './auth/data-scope.ts';
import { actorOf, type RequestContext } from './auth/context.ts';
import type { PageQuery } from './http/schemas.ts';
import { translate, type Locale } from './http/i18n.ts';
import { readStoredFailure } from './wecom-errors.ts';
import type { AppMessageFilters, AppMessageRepository, AppMessageRow } from './app-message.repository.ts';
import type { AppMessageService } from './app-message.ts';
import type { AuditLogRepository } from '../modules/nexus/audit-log.repository.ts';

/** Why a message was skipped or given up (app_message.reason), in words. */
const REASONS: Record<string, { zh: string; en: string }> = {
  no_agent_id: { zh: '未配置应用 AgentId（WECOM_AGENT_ID），消息未发送；配置后可重发', en: 'No app AgentId configured (WECOM_AGENT_ID): not sent; resend once it is set' },
  wecom_unconfigured: { zh: '未配置企业微信，消息未发送；配置后可重发', en: 'WeCom is not configured: not sent; resend once it is' },
  uncertain: {
    zh: '发送结果未知（超过企业微信 4 小时去重期限，未再重发以免重复），请在企业微信中向该员工确认',
    en: 'Outcome unknown (past WeCom’s 4-hour duplicate window, not repeated so it cannot arrive twice): check with the employee in WeCom',
  },
  refused: { zh: '企业微信拒绝了该消息，可修正后重发', en: 'WeCom refused the message: resend once fixed' },
  attempts: { zh: '多次重试仍未发送成功，可稍后重发', en: 'Not sent after repeated attempts: resend later' },
};

export function createAppMessageLogService(deps: { db: Db; repository: AppMessageRepository; appMessages: Pick<AppMessageService, 'deliverSoon'>; audit: AuditLogRepository; now: () => number }) {
  const present = (row: AppMessageRow, locale: Locale) => {
    const failure = readStoredFailure(row.error, locale);
    const reason = row.reason ? REASONS[row.reason] : undefined;
    return {
      id: row.id,
      userid: row.userid,
      employeeName: row.employeeName,
      employeeLeft: row.employeeLeft,
      kind: row.kind,
      title: row.title,
      content: row.content,
      status: row.status,
      reason: failure?.message ?? (reason ? reason[locale] : row.reason),
      errorDetail: failure?.detail ?? null,
      retryable: retryable(row),
      attempts: row.attempts,
      notBefore: row.notBefore,
      sentAt: row.sentAt,
      ctime: row.ctime,
    };
  };

  /** Refused by WeCom, or never sent for want of settings: sending it again cannot make it arrive twice. */
  const retryable = (row: Pick<AppMessageRow, 'status' | 'reason'>) =>
    (row.status === 'failed' && row.reason !== 'uncertain') || (row.status === 'skipped' && row.reason !== null);

  return {
    async page(ctx: RequestContext, query: PageQuery & AppMessageFilters) {
      const result = await deps.repository.forViewer(await viewerOf(ctx)).page(query);
      return { ...result, records: result.records.map((row) => present(row, ctx.locale)) };
    },

    async retry(ctx: RequestContext, ids: number[]) {
      const visible = deps.repository.forViewer(await viewerOf(ctx));
      const now = new Date(deps.now());
      const result = await deps.db.transaction(async (tx) => {
        const rows = await visible.findForUpdate(tx, ids);
        const found = new Map(rows.map((row) => [row.id, row]));
        const refused: Array<{ id: number; reason: string }> = [];
        const again: typeof rows = [];
        for (const id of ids) {
          const row = found.get(id);
          if (!row) refused.push({ id, reason: translate('appMessageNotFound', ctx.locale) });
          else if (!retryable(row)) refused.push({ id, reason: translate(row.reason === 'uncertain' ? 'appMessageUncertain' : 'appMessageNotRetryable', ctx.locale) });
          else again.push(row);
        }
        await deps.repository.requeue(tx, again.map((row) => row.id), now);
        await deps.audit.record(
          tx,
          { actor: actorOf(ctx), requestId: ctx.requestId, now },
          again.map((row) => ({ action: 'app-message.retry', targetType: 'app_message', targetId: row.id, before: { status: row.status, reason: row.reason }, after: { status: 'queued' } })),
        );
        return { retried: again.map((row) => row.id), userids: again.map((row) => row.userid), refused };
      });
      deps.appMessages.deliverSoon(result.userids);
      return { retried: result.retried.length, refused: result.refused };
    },
  };
}

export type AppMessageLogService = ReturnType<typeof createAppMessageLogService>;
