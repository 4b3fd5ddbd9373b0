import { and, desc, eq, gte, like, lte, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { countAll, paginate } from '../../platform/db/paging.ts';
import { sysAuditLog } from '../../db/schema/index.ts';
import type { AuditPageQuery } from './nexus.schemas.ts';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | number | null;
  before?: unknown;
  after?: unknown;
}

/** Who is acting, for audit rows: the Nexus app key, or an SCRM username. */
export interface AuditActor {
  actor: string;
  requestId: string;
  now: Date;
}

export function createAuditLogRepository(db: Db) {
  return {
    /** Writes the entries in the caller's transaction, so a change and its record commit together. */
    async record(tx: DbOrTx, who: AuditActor, entries: AuditEntry[]) {
      if (entries.length === 0) return;
      await tx.insert(sysAuditLog).values(
        entries.map((entry) => ({
          actor: who.actor,
          action: entry.action,
          targetType: entry.targetType,
          targetId: entry.targetId === null ? null : String(entry.targetId),
          before: entry.before ?? null,
          after: entry.after ?? null,
          requestId: who.requestId,
          ctime: who.now,
        })),
      );
    },

    async page(query: AuditPageQuery) {
      const action: SQL | undefined = query.action
        ? query.action.endsWith('.')
          ? like(sysAuditLog.action, `${query.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
          : eq(sysAuditLog.action, query.action)
        : undefined;
      const where = and(
        query.actor ? eq(sysAuditLog.actor, query.actor) : undefined,
        action,
        query.targetType ? eq(sysAuditLog.targetType, query.targetType) : undefined,
        query.targetId ? eq(sysAuditLog.targetId, query.targetId) : undefined,
        query.beginTime ? gte(sysAuditLog.ctime, query.beginTime) : undefined,
        query.endTime ? lte(sysAuditLog.ctime, query.endTime) : undefined,
      );
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(sysAuditLog).where(where))[0].count,
        (limit, offset) => db.select().from(sysAuditLog).where(where).orderBy(desc(sysAuditLog.ctime), desc(sysAuditLog.id)).limit(limit).offset(offset),
      );
    },
  };
}

export type AuditLogRepository = ReturnType<typeof createAuditLogRepository>;
