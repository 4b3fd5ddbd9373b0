// Reads of the app-message log (应用消息) for the console, made for the caller: an operator sees the messages of the
// employees their data scope covers (the same rule as those employees' customers). Retry puts refused messages back
// in the queue; the service sends them (platform/app-message.ts).
import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from './db/database.ts';
import { and_, containsKeyword, countAll, paginate } from './db/paging.ts';
import { employeeScope, type Viewer } from './auth/data-scope.ts';
import type { PageQuery } from './http/schemas.ts';
import { appMessage, type AppMessageStatus } from '../db/schema/messages.ts';
import { qwEmp } from '../db/schema/wecom.ts';

export interface AppMessageFilters {
  userid?: string;
  status?: AppMessageStatus;
  keyword?: string;
  beginTime?: Date;
  endTime?: Date;
}

export type AppMessageRow = typeof appMessage.$inferSelect & { employeeName: string | null; employeeLeft: boolean };

export function createAppMessageRepository(db: Db) {
  const visible = (viewer: Viewer): SQL | undefined => employeeScope(viewer, sql`${appMessage.userid}`);
  return {
    forViewer(viewer: Viewer) {
      const scope = visible(viewer);
      return {
        async page(query: PageQuery & AppMessageFilters) {
          const where = and_([
            scope,
            query.userid ? eq(appMessage.userid, query.userid) : undefined,
            query.status ? eq(appMessage.status, query.status) : undefined,
            query.keyword ? sql`(${containsKeyword(sql`${appMessage.title}`, query.keyword)} OR ${containsKeyword(sql`${appMessage.content}`, query.keyword)})` : undefined,
            query.beginTime ? gte(appMessage.ctime, query.beginTime) : undefined,
            query.endTime ? lte(appMessage.ctime, query.endTime) : undefined,
          ]);
          return paginate(
            query,
            async () => (await db.select({ count: countAll }).from(appMessage).where(where))[0].count,
            async (limit, offset) =>
              (await db
                .select({ message: appMessage, employeeName: qwEmp.name, employeeStatus: qwEmp.status, employeeDeleted: qwEmp.isDel })
                .from(appMessage)
                .leftJoin(qwEmp, eq(qwEmp.userid, appMessage.userid))
                .where(where)
                .orderBy(desc(appMessage.id))
                .limit(limit)
                .offset(offset)).map(({ message, employeeName, employeeStatus, employeeDeleted }): AppMessageRow => ({
                ...message,
                employeeName,
                employeeLeft: employeeStatus === 5 || employeeDeleted === 1,
              })),
          );
        },

        /** The visible messages among `ids`, locked for the retry's transaction. */
        async findForUpdate(tx: DbOrTx, ids: number[]) {
          return tx
            .select()
            .from(appMessage)
            .where(and(inArray(appMessage.id, ids), scope ?? sql`true`))
            .for('update');
        },
      };
    },

    /** Back in the queue, as new: the service's delivery picks them up. */
    async requeue(tx: DbOrTx, ids: number[], now: Date) {
      if (ids.length === 0) return;
      await tx
        .update(appMessage)
        .set({ status: 'queued', reason: null, error: null, attempts: 0, firstAttemptAt: null, attemptedAt: null, notBefore: now })
        .where(inArray(appMessage.id, ids));
    },
  };
}

export type AppMessageRepository = ReturnType<typeof createAppMessageRepository>;
