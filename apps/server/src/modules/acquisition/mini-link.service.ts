// 小程序推广链接: a mini-program page per channel, with our state in the query so the mini program can
// report where a visitor came from.
import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { MiniLinkPageBody, MiniLinkRecord, MiniLinkSaveBody } from './acquisition.schemas.ts';
import type { MiniLinkRepository } from './mini-link.repository.ts';
import { newState } from './link.service.ts';

export function createMiniLinkService(deps: { miniLinks: MiniLinkRepository }) {
  const { miniLinks } = deps;

  async function get(id: number): Promise<MiniLinkRecord> {
    const found = await miniLinks.find(id);
    if (!found) throw new NotFound('acqMiniLink', id);
    return found;
  }

  return {
    get: (_ctx: RequestContext, id: number) => get(id),
    page: (_ctx: RequestContext, query: MiniLinkPageBody): Promise<Page<MiniLinkRecord>> => miniLinks.page(query),
    async save(ctx: RequestContext, body: MiniLinkSaveBody): Promise<MiniLinkRecord> {
      const actor = actorOf(ctx);
      const values = {
        name: body.name,
        channelType: body.channelType ?? '',
        channelId: body.channelId || null,
        appid: body.appid,
        page: body.page,
        query: body.query?.trim().replace(/^\?/, '') ?? '',
        remark: body.remark ?? '',
        mtime: new Date(),
        muser: actor,
      };
      if (body.id) {
        await get(body.id);
        await miniLinks.update(body.id, values);
        return get(body.id);
      }
      return miniLinks.insert({ ...values, state: newState('mp'), cuser: actor });
    },
    delete: (ctx: RequestContext, ids: number[]): Promise<number> => miniLinks.softDelete(ids, actorOf(ctx)),
  };
}

export type MiniLinkService = ReturnType<typeof createMiniLinkService>;
