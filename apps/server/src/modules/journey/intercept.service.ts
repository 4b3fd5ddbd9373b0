// 敏感词拦截 (API-FACTS-OPERATIONS §21): rules written to WeCom first, then mirrored at once in the same request; WeCom's
// limits are checked before the call so the operator reads the reason in words. sync reads WeCom's rule list to pick
// up rules an administrator made in WeCom's admin console: those are shown but not changed here, since WeCom lets an
// app change only the rules it created. WeCom sends no callback when a message is intercepted (§26).
import type { AddInterceptRuleRequest, InterceptRule, UpdateInterceptRuleRequest, WecomClient, InterceptSemantics, InterceptType } from '@scrm/wecom';
import type { Db } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import { asWecomError, callWecom, errcodeOf } from '../../platform/wecom-errors.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { InterceptRepository, InterceptRow, InterceptValues } from './intercept.repository.ts';
import { INTERCEPT_LIMITS, type InterceptPageQuery, type InterceptRecord, type InterceptSaveBody, type InterceptSyncResult } from './intercept.schemas.ts';
import './intercept.messages.ts';

export interface InterceptServiceDeps {
  db: Db;
  rules: InterceptRepository;
  audit: AuditLogRepository;
  wecom: () => WecomClient | undefined;
  now: () => number;
}

const WORDS: Record<string, Record<Locale, string>> = {
  semantics1: { zh: '手机号', en: 'mobile numbers' },
  semantics2: { zh: '邮箱地址', en: 'email addresses' },
  semantics3: { zh: '红包', en: 'red packets' },
  type1: { zh: '警告并拦截发送', en: 'warn and block' },
  type2: { zh: '仅发警告', en: 'warn only' },
  scrm: { zh: 'SCRM 创建', en: 'made in SCRM' },
  wecom: { zh: '企业微信管理后台创建', en: 'made in the WeCom admin console' },
};

const characters = (text: string) => Array.from(text).length;
const unique = <T>(values: T[]) => [...new Set(values)];
const minus = <T>(values: T[], other: T[]) => values.filter((value) => !other.includes(value));
/** WeCom's "rule is gone" answers: the rule was deleted (41071) or never existed (41070). */
const GONE = new Set([41070, 41071]);

export function createInterceptService(deps: InterceptServiceDeps) {
  const { rules } = deps;
  const who = (ctx: RequestContext) => ({ actor: actorOf(ctx), requestId: ctx.requestId, now: new Date(deps.now()) });
  const client = (): WecomClient => deps.wecom() ?? (() => { throw new BadRequest('interceptWecomNotConfigured'); })();

  async function toRecords(rows: InterceptRow[], locale: Locale): Promise<InterceptRecord[]> {
    const [employees, departments] = await Promise.all([rules.employees(rows.flatMap((row) => row.userids)), rules.departments(rows.flatMap((row) => row.deptIds))]);
    return rows.map((row) => ({
      id: row.id,
      ruleId: row.ruleId,
      name: row.name,
      words: row.words,
      semantics: row.semantics,
      semanticsText: row.semantics.map((value) => WORDS[`semantics${value}`]?.[locale] ?? String(value)),
      interceptType: row.interceptType,
      interceptTypeText: WORDS[`type${row.interceptType}`]?.[locale] ?? String(row.interceptType),
      users: row.userids.map((userid) => ({ userid, name: employees.get(userid)?.name ?? null })),
      depts: row.deptIds.map((deptId) => ({ deptId, name: departments.get(deptId) ?? String(deptId) })),
      origin: row.origin,
      originText: WORDS[row.origin][locale],
      editable: row.origin === 'scrm',
      wecomCreatedAt: row.wecomCreatedAt,
      syncedAt: row.syncedAt,
      cuser: row.cuser,
      ctime: row.ctime,
      muser: row.muser,
      mtime: row.mtime,
    }));
  }

  const findOrThrow = async (id: number) => (await rules.find(id)) ?? (() => { throw new NotFound('interceptRule', id); })();
  const ownOrThrow = (row: InterceptRow) => {
    if (row.origin === 'wecom') throw new Conflict('interceptMadeInWecom', { name: row.name });
    return row;
  };

  /** WeCom's limits and the caller's scope, checked before anything is sent to WeCom. */
  async function check(ctx: RequestContext, body: InterceptSaveBody, existing: InterceptRow | undefined) {
    const name = body.name;
    if (characters(name) > INTERCEPT_LIMITS.nameCharacters) throw new InvalidField('name', 'interceptNameLength', { max: INTERCEPT_LIMITS.nameCharacters, length: characters(name) });
    const sameName = await rules.findByName(name);
    if (sameName && sameName.id !== existing?.id) throw new Conflict('interceptNameTaken', { name });

    const words = unique(body.words);
    if (words.length > INTERCEPT_LIMITS.words) throw new InvalidField('words', 'interceptWordsTooMany', { max: INTERCEPT_LIMITS.words, count: words.length });
    const badWords = words.filter((word) => characters(word) < 1 || characters(word) > INTERCEPT_LIMITS.wordCharacters);
    if (badWords.length) throw new InvalidField('words', 'interceptWordLength', { max: INTERCEPT_LIMITS.wordCharacters, words: badWords.slice(0, 5).map((word) => `「${word}」`).join('、') || '「」' });
    const semantics = unique(body.semantics).sort();
    if (!words.length && !semantics.length) throw new InvalidField('words', 'interceptNothingToCatch');
    // update_intercept_rule ignores an empty word_list, so words cannot be cleared there.
    if (existing && existing.words.length > 0 && words.length === 0) throw new InvalidField('words', 'interceptWordsCannotClear');

    const userids = unique(body.userids);
    const deptIds = unique(body.deptIds);
    if (!userids.length && !deptIds.length) throw new InvalidField('userids', 'interceptRangeEmpty');
    if (userids.length > INTERCEPT_LIMITS.rangeNodes || deptIds.length > INTERCEPT_LIMITS.rangeNodes) throw new InvalidField(userids.length > INTERCEPT_LIMITS.rangeNodes ? 'userids' : 'deptIds', 'interceptRangeTooLarge', { max: INTERCEPT_LIMITS.rangeNodes });

    const before = { userids: existing?.userids ?? [], deptIds: existing?.deptIds ?? [] };
    const addedUsers = minus(userids, before.userids);
    const removedUsers = minus(before.userids, userids);
    const addedDepts = minus(deptIds, before.deptIds);
    const removedDepts = minus(before.deptIds, deptIds);
    const employees = await rules.employees([...addedUsers, ...removedUsers]);
    const gone = addedUsers.filter((userid) => !employees.get(userid)?.active);
    if (gone.length) throw new InvalidField('userids', 'interceptEmployeeUnknown', { names: gone.map((userid) => employees.get(userid)?.name ?? userid).join('、') });
    // What the caller changes in the range must be theirs to change: employees in their data scope; departments only with all data.
    const viewer = await viewerOf(ctx);
    const changed = [...addedUsers, ...removedUsers];
    const inScope = await rules.forViewer(viewer).employeesInScope(changed);
    const outside = changed.filter((userid) => !inScope.has(userid));
    if (outside.length) throw new InvalidField('userids', 'interceptEmployeeOutOfScope', { names: outside.map((userid) => employees.get(userid)?.name ?? userid).join('、') });
    if ((addedDepts.length || removedDepts.length) && !viewer.scope.all) throw new InvalidField('deptIds', 'interceptDeptNeedsAllScope');
    const known = await rules.departments(addedDepts);
    const unknownDepts = addedDepts.filter((deptId) => !known.has(deptId));
    if (unknownDepts.length) throw new InvalidField('deptIds', 'interceptDeptUnknown', { ids: unknownDepts.join(', ') });
    return { name, words, semantics, userids, deptIds, addedUsers, removedUsers, addedDepts, removedDepts };
  }

  /**
   * add_intercept_rule, not repeated when its answer was lost (no errcode: WeCom may have made the rule): names are unique
   * in WeCom, so its list says whether it did, and the rule it made is taken as this one.
   */
  async function addRule(wecom: WecomClient, request: AddInterceptRuleRequest): Promise<{ rule_id: string }> {
    try {
      return await wecom.interceptRules.add(request);
    } catch (error) {
      if (errcodeOf(error) !== null) throw asWecomError(error);
      const made = (await callWecom(() => wecom.interceptRules.list())).rule_list?.find((rule) => rule.rule_name === request.rule_name);
      if (made) return { rule_id: String(made.rule_id) };
      throw asWecomError(error);
    }
  }

  /** A rule as WeCom returned it, as the columns SCRM keeps. */
  const valuesOf = (rule: InterceptRule): Pick<InterceptValues, 'name' | 'words' | 'semantics' | 'interceptType' | 'userids' | 'deptIds' | 'wecomCreatedAt'> => ({
    name: rule.rule_name,
    words: rule.word_list ?? [],
    // Accept both placements (§26: WxJava reads it top-level).
    semantics: rule.extra_rule?.semantics_list ?? (rule as { semantics_list?: number[] }).semantics_list ?? [],
    interceptType: rule.intercept_type,
    userids: rule.applicable_range?.user_list ?? [],
    deptIds: (rule.applicable_range?.department_list ?? []).map(Number),
    wecomCreatedAt: rule.create_time ? new Date(rule.create_time * 1000) : null,
  });

  return {
    async page(ctx: RequestContext, query: InterceptPageQuery): Promise<Page<InterceptRecord>> {
      const result = await rules.page(query);
      return { ...result, records: await toRecords(result.records, ctx.locale) };
    },

    async get(ctx: RequestContext, id: number): Promise<InterceptRecord> {
      return (await toRecords([await findOrThrow(id)], ctx.locale))[0];
    },

    async save(ctx: RequestContext, body: InterceptSaveBody): Promise<InterceptRecord> {
      const existing = body.id === undefined ? undefined : ownOrThrow(await findOrThrow(body.id));
      const checked = await check(ctx, body, existing);
      if (!existing && (await rules.count()) >= INTERCEPT_LIMITS.rules) throw new BadRequest('interceptLimit', { max: INTERCEPT_LIMITS.rules });
      const wecom = client();
      const now = new Date(deps.now());
      const values = {
        name: checked.name,
        words: checked.words,
        semantics: checked.semantics,
        interceptType: body.interceptType,
        userids: checked.userids,
        deptIds: checked.deptIds,
        muser: actorOf(ctx),
        mtime: now,
      };
      if (existing) {
        const request: UpdateInterceptRuleRequest = {
          rule_id: existing.ruleId,
          rule_name: checked.name,
          ...(checked.words.length ? { word_list: checked.words } : {}),
          extra_rule: { semantics_list: checked.semantics as InterceptSemantics[] },
          intercept_type: body.interceptType as InterceptType,
          ...(checked.addedUsers.length || checked.addedDepts.length ? { add_applicable_range: { user_list: checked.addedUsers, department_list: checked.addedDepts } } : {}),
          ...(checked.removedUsers.length || checked.removedDepts.length ? { remove_applicable_range: { user_list: checked.removedUsers, department_list: checked.removedDepts } } : {}),
        };
        await callWecom(() => wecom.interceptRules.update(request));
        const row = await deps.db.transaction(async (tx) => {
          const updated = await rules.update(tx, existing.id, values);
          await deps.audit.record(tx, who(ctx), [{ action: 'intercept.edit', targetType: 'interceptRule', targetId: existing.id, before: existing, after: updated }]);
          return updated;
        });
        return (await toRecords([row], ctx.locale))[0];
      }
      const added = await addRule(wecom, {
        rule_name: checked.name,
        word_list: checked.words,
        semantics_list: checked.semantics as InterceptSemantics[],
        intercept_type: body.interceptType as InterceptType,
        applicable_range: { user_list: checked.userids, department_list: checked.deptIds },
      });
      const row = await deps.db.transaction(async (tx) => {
        const inserted = await rules.insert(tx, { ...values, ruleId: added.rule_id, origin: 'scrm', wecomCreatedAt: now, syncedAt: now, cuser: actorOf(ctx) });
        await deps.audit.record(tx, who(ctx), [{ action: 'intercept.add', targetType: 'interceptRule', targetId: inserted.id, after: inserted }]);
        return inserted;
      });
      return (await toRecords([row], ctx.locale))[0];
    },

    /** Deletes each from WeCom, then SCRM's copy (a rule WeCom no longer has is just removed here). */
    async remove(ctx: RequestContext, ids: number[]): Promise<{ deleted: number }> {
      const rows = await rules.findMany(unique(ids));
      const missing = ids.find((id) => !rows.some((row) => row.id === id));
      if (missing !== undefined) throw new NotFound('interceptRule', missing);
      rows.forEach(ownOrThrow);
      const wecom = client();
      let deleted = 0;
      for (const row of rows) {
        try {
          await wecom.interceptRules.del(row.ruleId);
        } catch (error) {
          if (!GONE.has(errcodeOf(error) ?? 0)) await callWecom(() => Promise.reject(error));
        }
        await deps.db.transaction(async (tx) => {
          await rules.remove(tx, [row.id]);
          await deps.audit.record(tx, who(ctx), [{ action: 'intercept.delete', targetType: 'interceptRule', targetId: row.id, before: row }]);
        });
        deleted++;
      }
      return { deleted };
    },

    /** Reads every rule from WeCom: new ones (made in WeCom's admin console) are added, changed ones updated, gone ones removed. */
    async sync(ctx: RequestContext): Promise<InterceptSyncResult> {
      const wecom = client();
      const list = (await callWecom(() => wecom.interceptRules.list())).rule_list ?? [];
      const details: InterceptRule[] = [];
      for (const summary of list) {
        try {
          details.push({ ...(await wecom.interceptRules.get(String(summary.rule_id))).rule, create_time: summary.create_time });
        } catch (error) {
          // Deleted between the list and the get: it is simply not there any more.
          if (!GONE.has(errcodeOf(error) ?? 0)) await callWecom(() => Promise.reject(error));
        }
      }
      const now = new Date(deps.now());
      return deps.db.transaction(async (tx) => {
        const local = new Map((await rules.all(tx)).map((row) => [row.ruleId, row]));
        let added = 0;
        let updated = 0;
        for (const rule of details) {
          const ruleId = String(rule.rule_id);
          const values = valuesOf(rule);
          const row = local.get(ruleId);
          if (!row) {
            await rules.insert(tx, { ...values, ruleId, origin: 'wecom', syncedAt: now, cuser: 'wecom', muser: 'wecom', mtime: now });
            added++;
          } else {
            const changed = JSON.stringify([row.name, row.words, row.semantics, row.interceptType, row.userids, row.deptIds]) !== JSON.stringify([values.name, values.words, values.semantics, values.interceptType, values.userids, values.deptIds]);
            await rules.update(tx, row.id, { ...values, syncedAt: now, ...(changed ? { muser: 'wecom', mtime: now } : {}) });
            if (changed) updated++;
          }
        }
        const seen = new Set(details.map((rule) => String(rule.rule_id)));
        const gone = [...local.values()].filter((row) => !seen.has(row.ruleId));
        await rules.remove(tx, gone.map((row) => row.id));
        const result = { added, updated, removed: gone.length, total: details.length };
        await deps.audit.record(tx, who(ctx), [{ action: 'intercept.sync', targetType: 'interceptRule', targetId: null, after: result }]);
        return result;
      });
    },
  };
}

export type InterceptService = ReturnType<typeof createInterceptService>;
