// 加群二维码: WeCom 「加入群聊」 join ways (API-FACTS §7.3): up to 5 group chats, optionally a new group
// created automatically (base name + starting number) when the last one is full, our state per way.
import type { WecomClient } from '@scrm/wecom';
import { InvalidField, NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JoinWayPageBody, JoinWayRecord, JoinWaySaveBody } from './acquisition.schemas.ts';
import { toJoinWayRecord as toRecord, type JoinWayRepository, type JoinWayRow } from './join-way.repository.ts';
import { newState } from './link.service.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import { asWecomError, failureText, readStoredFailure } from '../../platform/wecom-errors.ts';

/** A record as its reader reads it: why publishing failed in their language, the raw WeCom code as detail. */
function localized(record: JoinWayRecord, locale: Locale): JoinWayRecord {
  const reason = readStoredFailure(record.statusReason, locale);
  return { ...record, statusReason: reason?.message ?? null, statusDetail: reason?.detail ?? null };
}

export function createJoinWayService(deps: { joinWays: JoinWayRepository; wecom: () => WecomClient }) {
  const { joinWays } = deps;

  async function find(id: number): Promise<JoinWayRow> {
    const row = await joinWays.find(id);
    if (!row) throw new NotFound('acqJoinWay', id);
    return row;
  }

  return {
    get: async (ctx: RequestContext, id: number) => localized(toRecord(await find(id)), ctx.locale),

    page: async (ctx: RequestContext, query: JoinWayPageBody): Promise<Page<JoinWayRecord>> => {
      const result = await joinWays.page(query);
      return { ...result, records: result.records.map((record) => localized(record, ctx.locale)) };
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
      let row = existing ? await joinWays.update(existing.id, values) : await joinWays.insert({ ...values, state: newState('jw'), cuser: actor });
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
        update = { status: 2, statusReason: failureText(error) };
      }
      row = await joinWays.update(row.id, update);
      return localized(toRecord(row), ctx.locale);
    },

    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const rows = await joinWays.liveByIds(ids);
      for (const row of rows) {
        if (row.configId) {
          try {
            await deps.wecom().joinWays.delete(row.configId);
          } catch (error) {
            if (!(error instanceof Error && 'errcode' in error && (error as { errcode: number }).errcode === 40058)) {
              throw asWecomError(error);
            }
          }
        }
        await joinWays.update(row.id, { isDel: 1, configId: null, mtime: new Date(), muser: actorOf(ctx) });
      }
      return rows.length;
    },
  };
}

export type JoinWayService = ReturnType<typeof createJoinWayService>;
