// Third-party apps of the open API: an app key and a secret (shown once, when created or rotated).
import { randomBytes } from 'node:crypto';
import { NotFound } from '../../platform/http/errors.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { OpenAppPageBody, OpenAppRecord, OpenAppSaveBody } from './acquisition.schemas.ts';
import type { OpenAppRepository } from './open-app.repository.ts';

const newSecret = () => randomBytes(32).toString('base64url');

export function createOpenAppService(deps: { apps: OpenAppRepository; changed: () => void }) {
  const { apps } = deps;

  async function find(id: number): Promise<OpenAppRecord> {
    const found = await apps.find(id);
    if (!found) throw new NotFound('openApp', id);
    return found;
  }

  return {
    get: (_ctx: RequestContext, id: number) => find(id),
    page: (_ctx: RequestContext, query: OpenAppPageBody): Promise<Page<OpenAppRecord>> => apps.page(query),
    /** New apps get a key and a secret (returned this once); updates never return the secret. */
    async save(ctx: RequestContext, body: OpenAppSaveBody): Promise<OpenAppRecord & { secret: string | null }> {
      const actor = actorOf(ctx);
      const values = { name: body.name, rateLimit: body.rateLimit ?? 600, status: body.status ?? 0, remark: body.remark ?? '', mtime: new Date(), muser: actor };
      if (body.id) {
        await find(body.id);
        const updated = await apps.update(body.id, values);
        deps.changed();
        return { ...updated, secret: null };
      }
      const secret = newSecret();
      const created = await apps.insert({ ...values, appKey: `ak_${randomBytes(10).toString('hex')}`, secret, cuser: actor });
      return { ...created, secret };
    },
    /** A new secret; the old one stops working (within the guard's few seconds of cache). */
    async rotate(ctx: RequestContext, id: number): Promise<OpenAppRecord & { secret: string }> {
      await find(id);
      const secret = newSecret();
      const updated = await apps.update(id, { secret, mtime: new Date(), muser: actorOf(ctx) });
      deps.changed();
      return { ...updated, secret };
    },
    async delete(ctx: RequestContext, ids: number[]): Promise<number> {
      const deleted = await apps.softDelete(ids, actorOf(ctx));
      deps.changed();
      return deleted;
    },
  };
}

export type OpenAppService = ReturnType<typeof createOpenAppService>;
