import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { ChannelRepository } from './channel.repository.ts';
import type { ChannelPageBody, ChannelRecord, ChannelSaveBody } from './acquisition.schemas.ts';

/** 获客渠道: plain configuration rows. */
export function createChannelService(deps: { channels: ChannelRepository }) {
  const { channels } = deps;

  async function get(id: number): Promise<ChannelRecord> {
    const found = await channels.find(id);
    if (!found) throw new NotFound('acqChannel', id);
    return found;
  }

  return {
    get: (_ctx: RequestContext, id: number) => get(id),
    list: (_ctx: RequestContext): Promise<ChannelRecord[]> => channels.list(),
    page: (_ctx: RequestContext, query: ChannelPageBody): Promise<Page<ChannelRecord>> => channels.page(query),
    async save(ctx: RequestContext, body: ChannelSaveBody): Promise<ChannelRecord> {
      const actor = actorOf(ctx);
      const values = { name: body.name, channelType: body.channelType ?? '', remark: body.remark ?? '', orderNum: body.orderNum ?? 0, status: body.status ?? 0, mtime: new Date(), muser: actor };
      if (body.id) {
        await get(body.id);
        await channels.update(body.id, values);
        return get(body.id);
      }
      return channels.insert({ ...values, cuser: actor });
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
