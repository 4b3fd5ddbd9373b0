// 加群二维码: WeCom 「加入群聊」 join ways (API-FACTS §7.3): up to 5 group chats, optionally a new group
// created automatically (base name + starting number) when the last one is full, our state per way.
import { and, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { WecomClient } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { acqJoinWay } from '../../db/schema/index.ts';
import { AppError, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { and_, contains, countAll, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JoinWayPageBody, JoinWayRecord, JoinWaySaveBody } from './acquisition.schemas.ts';
import { newState } from './link.service.ts';
import { reasonOf } from './wecom-publisher.ts';

type JoinWayRow = typeof acqJoinWay.$inferSelect;

const toRecord = (row: JoinWayRow): JoinWayRecord => ({
  id: row.id,
  name: row.name,
  remark: row.remark,
  scene: row.scene,
  autoCreateRoom: row.autoCreateRoom,
  roomBaseName: row.roomBaseName,
  roomBaseId: row.roomBaseId,
  chatIdList: row.chatIdList,
  channelId: row.channelId,
  state: row.state,
  configId: row.configId,
  qrCode: row.qrCode,
  status: row.status,
  statusReason: row.statusReason,
  ctime: row.ctime,
  cuser: row.cuser,
  mtime: row.mtime,
  muser: row.muser,
});

export function createJoinWayService(deps: { db: Db; wecom: () => WecomClient }) {
  const { db } = deps;

  async function find(id: number): Promise<JoinWayRow> {
    const [row] = await db.select().from(acqJoinWay).where(and(eq(acqJoinWay.id, id), eq(acqJoinWay.isDel, 0)));
    if (!row) throw new NotFound('acqJoinWay', id);
    return row;
  }

  return {
    find,
    get: async (id: number) => toRecord(await find(id)),

    async page(query: JoinWayPageBody): Promise<Page<JoinWayRecord>> {
      const where = and_([
        sql`${acqJoinWay.isDel} = 0`,
        query.name ? sql`${ilike(acqJoinWay.name, contains(query.name))}` : undefined,
        query.channelId ? sql`${acqJoinWay.channelId} = ${query.channelId}` : undefined,
      ]) as SQL;
      return paginate(
        query,
        async () => (await db.select({ count: countAll }).from(acqJoinWay).where(where))[0].count,
        async (limit, offset) => (await db.select().from(acqJoinWay).where(where).orderBy(desc(acqJoinWay.id)).limit(limit).offset(offset)).map(toRecord),
      );
    },

    /** Saves and publishes: add_join_way (then get_join_way for the QR) or update_join_way (overwrites). */
    async save(ctx: RequestContext, body: JoinWaySaveBody): Promise<JoinWayRecord> {
      const actor = actorOf(ctx);
      const chatIds = [...new Set(body.chatIdList ?? [])];
      if (chatIds.length < 1 || chatIds.length > 5) throw new InvalidField('chatIdList', 'acqChatIdsInvalid');
      const autoCreateRoom = body.autoCreateRoom ?? 1;
      if (autoCreateRoom === 1 && (!body.roomBaseName?.trim() || body.roomBaseId === null || body.roomBaseId === undefined)) {
        throw new InvalidField('roomBaseName', 'acqRoomBaseNameRequired');
      }
      const existing = body.id ? await find(body.id) : undefined;
      const values = {
        name: body.name?.trim() ?? '',
        remark: body.remark?.trim() ?? '',
        scene: 2,
        autoCreateRoom,
        roomBaseName: autoCreateRoom === 1 ? body.roomBaseName!.trim() : null,
        roomBaseId: autoCreateRoom === 1 ? body.roomBaseId! : null,
        chatIdList: chatIds,
        channelId: body.channelId || null,
        mtime: new Date(),
        muser: actor,
      };
      let row: JoinWayRow;
      if (existing) {
        [row] = await db.update(acqJoinWay).set(values).where(eq(acqJoinWay.id, existing.id)).returning();
      } else {
        [row] = await db.insert(acqJoinWay).values({ ...values, state: newState('jw'), cuser: actor }).returning();
      }
      const settings = {
        scene: 2 as const,
        remark: row.remark || row.name.slice(0, 30),
        auto_create_room: row.autoCreateRoom as 0 | 1,
        ...(row.autoCreateRoom === 1 ? { room_base_name: row.roomBaseName!, room_base_id: row.roomBaseId! } : {}),
        chat_id_list: row.chatIdList,
        state: row.state,
      };
      let update: Partial<JoinWayRow>;
      try {
        let configId = row.configId;
        if (configId) await deps.wecom().joinWays.update({ config_id: configId, ...settings });
        else configId = (await deps.wecom().joinWays.add(settings)).config_id;
        const qrCode = (await deps.wecom().joinWays.get(configId)).join_way.qr_code ?? null;
        update = { configId, qrCode, status: 1, statusReason: null };
      } catch (error) {
        update = { status: 2, statusReason: reasonOf(error) };
      }
      [row] = await db.update(acqJoinWay).set(update).where(eq(acqJoinWay.id, row.id)).returning();
      return toRecord(row);
    },

    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const rows = await db.select().from(acqJoinWay).where(and(inArray(acqJoinWay.id, ids), eq(acqJoinWay.isDel, 0)));
      for (const row of rows) {
        if (row.configId) {
          try {
            await deps.wecom().joinWays.delete(row.configId);
          } catch (error) {
            if (!(error instanceof Error && 'errcode' in error && (error as { errcode: number }).errcode === 40058)) {
              throw new AppError(502, 'acqWecomFailed', { reason: reasonOf(error) });
            }
          }
        }
        await db.update(acqJoinWay).set({ isDel: 1, configId: null, mtime: new Date(), muser: actorOf(ctx) }).where(eq(acqJoinWay.id, row.id));
      }
      return rows.length;
    },
  };
}

export type JoinWayService = ReturnType<typeof createJoinWayService>;
