// Tag groups and tags. Corp tags: WeCom is the authority — every change is made in WeCom first, then the
// group is read back from WeCom and stored as WeCom has it (nothing local changes when WeCom refuses). SCRM
// tags: the same rules, stored only here. Changes to one group are serialised (in-process and across
// replicas), so two concurrent edits cannot leave WeCom and the copy apart.
import { WecomApiError, type CorpTagGroup, type ExternalTagEvent, type WecomClient } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { JobProgress, JobService } from '../../platform/jobs/job-service.ts';
import type { EventHandler } from '../portal/event-registry.ts';
import { createTagRepository, type StoredGroup, type TagRepository } from './tag.repository.ts';
import type { KeyedLock } from './keyed-lock.ts';
import { asWecomError, callWecom } from '../../platform/wecom-errors.ts';
import { TAG_NAME_MAX, type GroupedRecord, type SaveGroupBody, type TagRecord, type TagType, type UpdateGroupBody, type UpdateTagBody } from './tags.schemas.ts';

export const CORP_TAG_SYNC_JOB = 'tags.corp.sync';

/** WeCom's "invalid tag/group id": the id is gone. */
const INVALID_TAG_ID = 40068;
const WECOM_ACTOR = 'wecom';

/** What a change_external_tag event's fetch found: one group as WeCom has it (null: gone), read at `readAt`. */
export interface FetchedCorpGroup {
  wecomGroupId: string;
  group: CorpTagGroup | null;
  readAt: string;
}

const characters = (text: string) => Array.from(text).length;

function checkName(name: string, field: string): void {
  if (name.length === 0) throw new InvalidField(field, 'tagNameRequired');
  if (characters(name) > TAG_NAME_MAX) throw new InvalidField(field, 'tagNameTooLong', { max: TAG_NAME_MAX, name });
}

function checkUniqueNames(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new InvalidField('tags', 'tagNameDuplicate', { name });
    seen.add(name);
  }
}

/** A WeCom change in several calls: what to do, in order. */
type WecomStep = (client: WecomClient) => Promise<unknown>;

export interface TagServiceDeps {
  db: Db;
  tags: TagRepository;
  jobs: JobService;
  wecom: () => WecomClient;
  /** Serialises changes per group (and group creation per type). */
  lock: KeyedLock;
}

export function createTagService(deps: TagServiceDeps) {
  const { db, tags } = deps;

  async function requireGroup(type: TagType, id: number, repo: TagRepository = tags): Promise<StoredGroup> {
    const group = await repo.findGroup(id);
    if (!group || group.isDel || group.type !== type) throw new NotFound('tagGroup', id);
    return group;
  }

  async function grouped(type: TagType, id: number): Promise<GroupedRecord> {
    const { isDel: _isDel, ...group } = await requireGroup(type, id);
    return group;
  }

  // ---- the corp mirror ----------------------------------------------------------------------------

  /** One group as WeCom has it now (null when WeCom no longer has it). */
  async function readCorpGroup(client: WecomClient, wecomGroupId: string): Promise<CorpTagGroup | null> {
    try {
      const { tag_group } = await client.corpTags.list({ group_id: [wecomGroupId] });
      return tag_group.find((group) => group.group_id === wecomGroupId && !group.deleted) ?? null;
    } catch (error) {
      if (error instanceof WecomApiError && error.errcode === INVALID_TAG_ID) return null;
      throw error;
    }
  }

  /** Reads one group from WeCom and stores it as WeCom has it. */
  async function refreshCorpGroup(wecomGroupId: string, actor: string, database: Db): Promise<number | undefined> {
    const repo = createTagRepository(database);
    const readAt = await repo.databaseNow();
    const group = await readCorpGroup(deps.wecom(), wecomGroupId);
    await database.transaction((tx) => createTagRepository(tx).applyCorpGroup(tx, wecomGroupId, group, readAt, actor));
    return group ? repo.findTagGroupIdByWecomId(wecomGroupId) : undefined;
  }

  /**
   * Runs WeCom calls in order, then stores the group as WeCom has it. When a call fails after others
   * succeeded, the group is still read back (so the copy matches what WeCom did) before the error is returned.
   */
  async function changeInWecom(wecomGroupId: string, steps: WecomStep[], actor: string, database: Db): Promise<number | undefined> {
    const client = deps.wecom();
    const results: unknown[] = [];
    try {
      for (const step of steps) results.push(await step(client));
    } catch (error) {
      if (results.length > 0) await refreshCorpGroup(wecomGroupId, actor, database).catch(() => undefined);
      throw asWecomError(error);
    }
    return callWecom(() => refreshCorpGroup(wecomGroupId, actor, database));
  }

  // ---- validation shared by both types --------------------------------------------------------------

  /** The group's tags after an edit: existing ones changed by id, new ones appended, unlisted ones dropped (replace). */
  function plan(group: StoredGroup | undefined, listed: Array<{ id?: number; name: string; order?: number }>, replace: boolean) {
    const existing = new Map((group?.tags ?? []).map((tag) => [tag.id, tag]));
    const updates: Array<{ tag: TagRecord; name?: string; order?: number }> = [];
    const added: Array<{ name: string; order: number }> = [];
    const mentioned = new Set<number>();
    listed.forEach((entry, index) => {
      checkName(entry.name, `tags.${index}.name`);
      if (entry.id === undefined) {
        added.push({ name: entry.name, order: entry.order ?? 0 });
        return;
      }
      const tag = existing.get(entry.id);
      if (!tag) throw new InvalidField(`tags.${index}.id`, 'tagNotInGroup', { id: entry.id });
      mentioned.add(entry.id);
      const name = entry.name !== tag.name ? entry.name : undefined;
      const order = entry.order !== undefined && entry.order !== tag.order ? entry.order : undefined;
      if (name !== undefined || order !== undefined) updates.push({ tag, name, order });
    });
    const removed = replace ? [...existing.values()].filter((tag) => !mentioned.has(tag.id)) : [];
    const kept = [...existing.values()].filter((tag) => !removed.includes(tag));
    const renamed = new Map(updates.filter((update) => update.name !== undefined).map((update) => [update.tag.id, update.name!]));
    checkUniqueNames([...kept.map((tag) => renamed.get(tag.id) ?? tag.name), ...added.map((tag) => tag.name)]);
    return { updates, added, removed };
  }

  async function checkGroupName(repo: TagRepository, type: TagType, name: string, exceptId?: number) {
    checkName(name, 'groupName');
    if (await repo.groupNameTaken(type, name, exceptId)) throw new Conflict('tagGroupNameTaken', { name });
  }

  // ---- edits ---------------------------------------------------------------------------------------

  async function createGroup(ctx: RequestContext, type: TagType, body: SaveGroupBody): Promise<GroupedRecord> {
    if (body.tags.length === 0) throw new InvalidField('tags', 'tagGroupNeedsTag');
    const actor = actorOf(ctx);
    const order = body.order ?? 0;
    // Group names are unique per type: creations of one type go one at a time.
    const id = await deps.lock(`${type}:groups`, async (locked) => {
      const repo = createTagRepository(locked);
      await checkGroupName(repo, type, body.groupName);
      const { added } = plan(undefined, body.tags, false);
      if (type === 'self') {
        return locked.transaction(async (tx) => {
          const groupId = await repo.insertGroup(tx, { type, name: body.groupName, order, actor });
          await repo.insertTags(tx, groupId, type, added, actor);
          return groupId;
        });
      }
      const created = await callWecom(() => deps.wecom().corpTags.add({ group_name: body.groupName, order, tag: added }));
      return (await callWecom(() => refreshCorpGroup(created.tag_group.group_id, actor, locked)))!;
    });
    return grouped(type, id);
  }

  /** Renames/reorders a group and its tags, adds tags, and with `replace` deletes the tags not listed. */
  async function editGroup(ctx: RequestContext, type: TagType, body: UpdateGroupBody, replace: boolean): Promise<GroupedRecord> {
    const actor = actorOf(ctx);
    await requireGroup(type, body.id);
    await deps.lock(`${type}:group:${body.id}`, async (locked) => {
      const repo = createTagRepository(locked);
      const group = await requireGroup(type, body.id, repo); // as it is now, under the lock
      const name = body.groupName !== undefined && body.groupName !== group.groupName ? body.groupName : undefined;
      if (name !== undefined) await checkGroupName(repo, type, name, group.id);
      const order = body.order !== undefined && body.order !== group.order ? body.order : undefined;
      const { updates, added, removed } = plan(group, body.tags ?? [], replace && body.tags !== undefined);
      if (type === 'self') {
        await locked.transaction(async (tx) => {
          if (name !== undefined || order !== undefined) await repo.updateGroup(tx, group.id, { name, order, actor });
          for (const update of updates) await repo.updateTag(tx, update.tag.id, { name: update.name, order: update.order, actor });
          await repo.insertTags(tx, group.id, type, added, actor);
          if (removed.length) await repo.deleteTags(tx, removed.map((tag) => tag.id), actor);
        });
        return;
      }
      const wecomGroupId = group.wecomGroupId!;
      const steps: WecomStep[] = [];
      if (name !== undefined || order !== undefined) steps.push((client) => client.corpTags.edit({ id: wecomGroupId, name, order }));
      for (const update of updates) steps.push((client) => client.corpTags.edit({ id: update.tag.wecomTagId!, name: update.name, order: update.order }));
      // Added before any delete, so the group is never empty in WeCom (WeCom deletes an empty group).
      if (added.length) steps.push((client) => client.corpTags.add({ group_id: wecomGroupId, tag: added }));
      if (removed.length) steps.push((client) => client.corpTags.delete({ tag_id: removed.map((tag) => tag.wecomTagId!) }));
      if (steps.length) await changeInWecom(wecomGroupId, steps, actor, locked);
    });
    return grouped(type, body.id);
  }

  return {
    // ---- reads -------------------------------------------------------------------------------------

    list: (_ctx: RequestContext, type: TagType) => tags.listTags(type),

    async grouped(_ctx: RequestContext, type: TagType): Promise<GroupedRecord[]> {
      const [groups, all] = await Promise.all([tags.listGroups(type), tags.listTags(type)]);
      const byGroup = new Map<number, TagRecord[]>(groups.map((group) => [group.id, []]));
      for (const tag of all) byGroup.get(tag.groupId)?.push(tag);
      return groups.map((group) => ({ ...group, tags: byGroup.get(group.id) ?? [] }));
    },

    groupList: (_ctx: RequestContext, type: TagType) => tags.listGroups(type),

    async listByGroup(_ctx: RequestContext, type: TagType, groupId: number): Promise<TagRecord[]> {
      await requireGroup(type, groupId);
      return tags.listTags(type, groupId);
    },

    // ---- edits ---------------------------------------------------------------------------------------

    /** 新增标签组/修改标签组名称: without id a new group (≥ 1 tag); with id a rename/reorder that may add tags. */
    saveGroup(ctx: RequestContext, type: TagType, body: SaveGroupBody): Promise<GroupedRecord> {
      return body.id === undefined ? createGroup(ctx, type, body) : editGroup(ctx, type, { ...body, id: body.id }, false);
    },

    /** 修改标签组: name, order and (optionally) the whole tag list. */
    updateGroup: (ctx: RequestContext, type: TagType, body: UpdateGroupBody) => editGroup(ctx, type, body, true),

    async updateTag(ctx: RequestContext, type: TagType, body: UpdateTagBody): Promise<TagRecord> {
      const [found] = await tags.findTags([body.id]);
      if (!found || found.type !== type) throw new NotFound('tag', body.id);
      const group = await requireGroup(type, found.groupId);
      const listed = group.tags.map((tag) => (tag.id === body.id ? { id: tag.id, name: body.name ?? tag.name, order: body.order ?? tag.order } : { id: tag.id, name: tag.name }));
      await editGroup(ctx, type, { id: group.id, tags: listed }, false);
      const [saved] = await tags.findTags([body.id]);
      if (!saved) throw new NotFound('tag', body.id);
      return saved;
    },

    /** 删除标签: a group left without tags goes too (as in WeCom). */
    async deleteTags(ctx: RequestContext, type: TagType, ids: number[]): Promise<void> {
      const actor = actorOf(ctx);
      const found = await tags.findTags(ids);
      const missing = ids.filter((id) => !found.some((tag) => tag.id === id && tag.type === type));
      if (missing.length) throw new NotFound('tag', missing.join(','));
      const byGroup = new Map<number, TagRecord[]>();
      for (const tag of found) byGroup.set(tag.groupId, [...(byGroup.get(tag.groupId) ?? []), tag]);
      for (const [groupId, groupTags] of [...byGroup.entries()].sort(([a], [b]) => a - b)) {
        await deps.lock(`${type}:group:${groupId}`, async (locked) => {
          const repo = createTagRepository(locked);
          const group = await repo.findGroup(groupId);
          const live = groupTags.filter((tag) => group?.tags.some((current) => current.id === tag.id));
          if (!group || live.length === 0) return; // deleted meanwhile
          if (type === 'self') {
            await locked.transaction(async (tx) => {
              await repo.deleteTags(tx, live.map((tag) => tag.id), actor);
              await repo.deleteEmptyGroups(tx, [groupId], actor);
            });
            return;
          }
          await changeInWecom(group.wecomGroupId!, [(client) => client.corpTags.delete({ tag_id: live.map((tag) => tag.wecomTagId!) })], actor, locked);
        });
      }
    },

    /** 删除标签组: the groups and their tags, off every customer. */
    async deleteGroups(ctx: RequestContext, type: TagType, ids: number[]): Promise<void> {
      const actor = actorOf(ctx);
      for (const id of ids) await requireGroup(type, id);
      for (const id of [...ids].sort((a, b) => a - b)) {
        await deps.lock(`${type}:group:${id}`, async (locked) => {
          const repo = createTagRepository(locked);
          const group = await repo.findGroup(id);
          if (!group || group.isDel) return;
          if (type === 'self') {
            await locked.transaction((tx) => repo.deleteGroups(tx, [id], actor));
            return;
          }
          await changeInWecom(group.wecomGroupId!, [(client) => client.corpTags.delete({ group_id: [group.wecomGroupId!] })], actor, locked);
        });
      }
    },

    // ---- sync and callbacks (corp) ----------------------------------------------------------------------

    startCorpSync: (ctx: RequestContext) => deps.jobs.start(CORP_TAG_SYNC_JOB, {}, { actor: actorOf(ctx), exclusive: true }),

    /**
     * The job: every group WeCom lists is stored as listed; stored groups WeCom no longer lists are deleted
     * (unless a later read confirmed them); customers' corp tags are made to match their relations.
     */
    async syncCorpTags(job: JobProgress) {
      const readAt = await tags.databaseNow();
      const { tag_group: groups } = await deps.wecom().corpTags.list({});
      await job.progress(0, groups.length, { key: 'jobFetched' });
      let done = 0;
      for (const group of groups) {
        // A group changed here after `readAt` was read back later: applyCorpGroup keeps that newer copy.
        await db.transaction((tx) => createTagRepository(tx).applyCorpGroup(tx, group.group_id, group, readAt, WECOM_ACTOR));
        done++;
        if (done % 20 === 0) await job.progress(done, groups.length, { key: 'jobStoring' });
      }
      const deleted = await db.transaction((tx) =>
        createTagRepository(tx).deleteCorpGroupsNotListed(
          tx,
          groups.map((group) => group.group_id),
          readAt,
          WECOM_ACTOR,
        ),
      );
      const customerTags = await db.transaction((tx) => createTagRepository(tx).reconcileCorpCustomerTags(tx));
      await job.progress(groups.length, groups.length, { key: 'jobDone' });
      return { groups: groups.length, tags: groups.reduce((sum, group) => sum + group.tag.length, 0), deletedGroups: deleted, customerTags };
    },

    /**
     * change_external_tag (create, update, delete, shuffle; tag or tag_group): notify, then fetch — the
     * group the tag belongs to is read from WeCom and stored as WeCom has it.
     */
    eventHandler: {
      // Events about one tag claimed together share one read (it happens after all of them arrived).
      fetchKey: (event) => `${(event as ExternalTagEvent).tagType ?? ''}:${(event as ExternalTagEvent).id}`,
      fetch: async (event, ctx) => {
        const { id, tagType } = event as ExternalTagEvent;
        const client = ctx.wecom.client;
        const groupOfTag = async () => {
          try {
            return (await client.corpTags.list({ tag_id: [id] })).tag_group[0]?.group_id ?? null;
          } catch (error) {
            if (error instanceof WecomApiError && error.errcode === INVALID_TAG_ID) return null;
            throw error;
          }
        };
        let wecomGroupId: string | null;
        if (tagType === 'tag_group') wecomGroupId = id;
        else if (tagType === 'tag') wecomGroupId = (await groupOfTag()) ?? (await tags.storedWecomGroupOf(id));
        else wecomGroupId = (await tags.storedWecomGroupOf(id)) ?? ((await readCorpGroup(client, id)) ? id : await groupOfTag());
        if (!wecomGroupId) return null;
        const readAt = await tags.databaseNow();
        return { wecomGroupId, group: await readCorpGroup(client, wecomGroupId), readAt: readAt.toISOString() };
      },
      apply: async (_event, fetched, ctx) => {
        if (!fetched) return;
        await createTagRepository(ctx.tx).applyCorpGroup(ctx.tx, fetched.wecomGroupId, fetched.group, new Date(fetched.readAt), WECOM_ACTOR);
      },
    } satisfies EventHandler<FetchedCorpGroup | null>,
  };
}

export type TagService = ReturnType<typeof createTagService>;
