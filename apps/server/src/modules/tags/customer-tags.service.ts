// Tagging customers. Corp tags live on a customer–employee relation in WeCom: they are changed with mark_tag
// first, and stored here only when WeCom accepted. SCRM tags are stored here, on a relation or on the customer
// as a whole. Changes to one relation are serialised, so the copy ends as WeCom does.
import type { WecomClient } from '@scrm/wecom';
import type { Db, Tx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { AppError, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import type { CustomerTagRepository } from './customer-tag.repository.ts';
import type { TagRepository } from './tag.repository.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { tagsOfRelations, relationTagsKey } from './tag-filters.ts';
import { callWecom, errcodeOf, renderWecomFailure, WecomError } from '../../platform/wecom-errors.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import type { BatchMarkBody, CustomerTagPageQuery, MarkBody, SetTagsBody, TagBrief, TagInfoPageQuery, TagRecord, TagType } from './tags.schemas.ts';

export interface CustomerTagServiceDeps {
  db: Db;
  tags: TagRepository;
  customerTags: CustomerTagRepository;
  wecom: () => WecomClient;
  /** Serialises changes per relation. */
  lock: KeyedLock;
  /** The customer timeline: every change of a customer's tags is recorded there, in its transaction. */
  timeline: Pick<TimelineService, 'record'>;
  now: () => number;
}

interface Target {
  externalUserid: string;
  userid: string;
}

/** The tags on one relation (with the customer's whole-customer SCRM tags) or on one customer as a whole. */
export interface TargetTags {
  externalUserid: string;
  userId: string;
  corpTags: TagBrief[];
  selfTags: TagBrief[];
}

const BATCH_CONCURRENCY = 4;

export function createCustomerTagService(deps: CustomerTagServiceDeps) {
  const { db, tags, customerTags } = deps;
  /** The customer tag repository made for the caller. */
  const customerTagsFor = async (ctx: RequestContext) => customerTags.forViewer(await viewerOf(ctx));
  type ViewerCustomerTags = Awaited<ReturnType<typeof customerTagsFor>>;

  /** A change that happened, on the customer's timeline (tags by name: a tag renamed or deleted later stays readable). */
  async function recordTagsChanged(tx: Tx, target: Target, type: TagType, changed: { added: TagRecord[]; removed: TagRecord[] }, actor: string) {
    if (changed.added.length === 0 && changed.removed.length === 0) return;
    const brief = (tag: TagRecord) => ({ id: tag.id, name: tag.name, groupName: tag.groupName });
    await deps.timeline.record(tx, [
      {
        type: 'tags_changed',
        occurredAt: new Date(deps.now()),
        externalUserid: target.externalUserid,
        userid: target.userid || null,
        actor,
        data: { added: changed.added.map(brief), removed: changed.removed.map(brief), source: type === 'corp' ? 'corp' : 'scrm' },
      },
    ]);
  }

  /** The tags named in a change: known, live and of the change's type. */
  async function resolveTags(type: TagType, ids: number[], field: string): Promise<TagRecord[]> {
    if (ids.length === 0) return [];
    const found = await tags.findTags(ids);
    const unknown = ids.filter((id) => !found.some((tag) => tag.id === id));
    if (unknown.length) throw new InvalidField(field, 'tagsUnknown', { ids: unknown.join(',') });
    const otherType = found.filter((tag) => tag.type !== type);
    if (otherType.length) throw new InvalidField(field, 'tagTypeMismatch', { expected: type, ids: otherType.map((tag) => tag.id).join(',') });
    return found;
  }

  /** The target exists and is visible: an active relation, or (SCRM tags, userid '') a customer. */
  async function checkTarget(visible: ViewerCustomerTags, type: TagType, target: Target): Promise<void> {
    if (type === 'corp' && !target.userid) throw new InvalidField('userId', 'tagUseridRequired');
    if (target.userid) {
      if ((await visible.activeRelation(target.externalUserid, target.userid)) === undefined) {
        throw new AppError(404, 'tagRelationNotActive', { userId: target.userid, externalUserid: target.externalUserid });
      }
    } else if (!(await visible.customerVisible(target.externalUserid))) {
      throw new NotFound('customer', target.externalUserid);
    }
  }

  /** mark_tag in WeCom (WeCom tag ids); WeCom's error as thrown by the client. */
  async function markInWecom(target: Target, change: { add?: readonly string[]; remove?: readonly string[] }): Promise<void> {
    await deps.wecom().corpTags.mark({
      userid: target.userid,
      external_userid: target.externalUserid,
      ...(change.add?.length ? { add_tag: [...change.add] } : {}),
      ...(change.remove?.length ? { remove_tag: [...change.remove] } : {}),
    });
  }

  /**
   * The local copy of a mark_tag WeCom accepted, in the caller's transaction — WeCom sends no callback for
   * changes made through its API, so this is what makes the customer page, the tag filter, the counts and
   * the export show it at once: the relation's WeCom tag ids (customers module) and customer_tag. Applying
   * the same change twice leaves the same rows. Tags not known here yet go on the relation's WeCom tag ids
   * only; the tag sync puts them on customer_tag when they arrive.
   */
  async function recordCorpMark(tx: Tx, target: Target, change: { add?: readonly string[]; remove?: readonly string[] }, actor: string): Promise<void> {
    const add = change.add ?? [];
    const remove = change.remove ?? [];
    if (add.length === 0 && remove.length === 0) return;
    const known = await tags.findCorpTagsByWecomIds([...add, ...remove], tx);
    // The relation row first, then customer_tag: the order the customers module's writes take.
    if (!(await customerTags.markRelationColumns(tx, target, { add, remove, named: known }))) return;
    const changed = await customerTags.change(
      tx,
      target,
      'corp',
      known.filter((tag) => add.includes(tag.wecomTagId!) && !remove.includes(tag.wecomTagId!)),
      known.filter((tag) => remove.includes(tag.wecomTagId!)),
      actor,
    );
    await recordTagsChanged(tx, target, 'corp', changed, actor);
  }

  /**
   * Adds and removes tags on one target. `wanted` (instead of add/remove): the target ends with exactly these
   * tags of the type, worked out under the lock. Corp tags: mark_tag in WeCom, then the same change here.
   */
  async function change(actor: string, type: TagType, target: Target, edit: { add: TagRecord[]; remove: TagRecord[] } | { wanted: TagRecord[] }) {
    await deps.lock(relationTagsKey(target.externalUserid, target.userid), async (locked) => {
      let add: TagRecord[];
      let remove: TagRecord[];
      if ('wanted' in edit) {
        const current = await customerTags.tagIdsOn(target, type, locked);
        add = edit.wanted.filter((tag) => !current.includes(tag.id));
        const wantedIds = new Set(edit.wanted.map((tag) => tag.id));
        const removedIds = current.filter((id) => !wantedIds.has(id));
        remove = removedIds.length ? (await tags.findTags(removedIds, locked)).filter((tag) => tag.type === type) : [];
      } else {
        ({ add, remove } = edit);
      }
      if (add.length === 0 && remove.length === 0) return;
      if (type === 'corp') {
        const wecomChange = { add: add.map((tag) => tag.wecomTagId!), remove: remove.map((tag) => tag.wecomTagId!) };
        await callWecom(() => markInWecom(target, wecomChange));
        await locked.transaction((tx) => recordCorpMark(tx, target, wecomChange, actor));
        return;
      }
      await locked.transaction(async (tx) => recordTagsChanged(tx, target, type, await customerTags.change(tx, target, type, add, remove, actor), actor));
    });
  }

  async function tagsOf(target: Target): Promise<TargetTags> {
    const all = (await tagsOfRelations(db, [target])).get(relationTagsKey(target.externalUserid, target.userid)) ?? [];
    return {
      externalUserid: target.externalUserid,
      userId: target.userid,
      corpTags: all.filter((tag) => tag.type === 'corp'),
      selfTags: all.filter((tag) => tag.type === 'self'),
    };
  }

  function checkChange(body: { addTagIds: number[]; removeTagIds: number[] }) {
    if (body.addTagIds.length === 0 && body.removeTagIds.length === 0) throw new InvalidField('addTagIds', 'tagChangeEmpty');
    const both = body.addTagIds.filter((id) => body.removeTagIds.includes(id));
    if (both.length) throw new InvalidField('removeTagIds', 'tagAddRemoveOverlap', { ids: both.join(',') });
  }

  return {
    /**
     * For SCRM's own automatic tagging (an acquisition link's tags on a new customer): mark_tag in WeCom with
     * WeCom tag ids — then `recordCorpMark` in the transaction that stores the outcome. Throws WeCom's error.
     */
    markInWecom,
    recordCorpMark,

    /** 客户打标签: add/remove tags of one type on one relation (or, SCRM tags, one customer). */
    async mark(ctx: RequestContext, body: MarkBody): Promise<TargetTags> {
      checkChange(body);
      const add = await resolveTags(body.tagType, body.addTagIds, 'addTagIds');
      const remove = await resolveTags(body.tagType, body.removeTagIds, 'removeTagIds');
      const target = { externalUserid: body.externalUserid, userid: body.userId };
      await checkTarget(await customerTagsFor(ctx), body.tagType, target);
      await change(actorOf(ctx), body.tagType, target, { add, remove });
      return tagsOf(target);
    },

    /** The same change on many relations/customers; each one succeeds or fails on its own (WeCom calls cannot be undone). */
    async batchMark(ctx: RequestContext, body: BatchMarkBody) {
      checkChange(body);
      const add = await resolveTags(body.tagType, body.addTagIds, 'addTagIds');
      const remove = await resolveTags(body.tagType, body.removeTagIds, 'removeTagIds');
      const visible = await customerTagsFor(ctx);
      const actor = actorOf(ctx);
      const targets = [...new Map(body.targets.map((target) => [relationTagsKey(target.externalUserid, target.userId), target])).values()];
      const failed: Array<{ externalUserid: string; userId: string; message: string; detail: string | null; errcode: number | null }> = [];
      let succeeded = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(BATCH_CONCURRENCY, targets.length) }, async () => {
          for (let index = next++; index < targets.length; index = next++) {
            const { externalUserid, userId } = targets[index];
            try {
              await checkTarget(visible, body.tagType, { externalUserid, userid: userId });
              await change(actor, body.tagType, { externalUserid, userid: userId }, { add, remove });
              succeeded++;
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              failed.push({ externalUserid, userId, message: error.render(ctx.locale), detail: error instanceof WecomError ? renderWecomFailure(error.failure, ctx.locale).detail : null, errcode: errcodeOf(error) });
            }
          }
        }),
      );
      return { succeeded, failed };
    },

    /** 客户标签信息 save: the target ends with exactly these tags of the type. */
    async setTags(ctx: RequestContext, body: SetTagsBody): Promise<TargetTags> {
      const wanted = await resolveTags(body.tagType, body.tagIds, 'tagIds');
      const target = { externalUserid: body.externalUserid, userid: body.userId };
      await checkTarget(await customerTagsFor(ctx), body.tagType, target);
      await change(actorOf(ctx), body.tagType, target, { wanted });
      return tagsOf(target);
    },

    async page(ctx: RequestContext, query: CustomerTagPageQuery) {
      return (await customerTagsFor(ctx)).page(query);
    },

    async get(ctx: RequestContext, id: number) {
      const found = await (await customerTagsFor(ctx)).get(id);
      if (!found) throw new NotFound('customerTag', id);
      return found;
    },

    async tagInfoPage(ctx: RequestContext, query: TagInfoPageQuery) {
      return (await customerTagsFor(ctx)).tagInfoPage(query);
    },

    async tagInfoGet(ctx: RequestContext, id: number) {
      const found = await (await customerTagsFor(ctx)).tagInfoById(id);
      if (!found) throw new NotFound('relation', id);
      return found;
    },
  };
}

export type CustomerTagService = ReturnType<typeof createCustomerTagService>;
