// 自动继承: when WeCom confirms an employee left (change_contact delete_user, or get_unassigned_list), their customers
// and groups are transferred by the corp's policy — to their leader, a named employee, or spread by an acquisition
// link's rules — through the lifecycle transfer service (resigned transfer, origin 'policy', one dedupe key per
// departure and takeover, so a departure seen twice transfers once). A departure the HR system announces first
// (Nexus) waits, visible, for WeCom's confirmation: a resigned transfer needs it. The plan is stored before any
// request; the preview computes the same plan without asking for anything.
import type { Background } from '../../platform/background.ts';
import type { Db, Tx } from '../../platform/db/database.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { viewerOf, type Viewer } from '../../platform/auth/data-scope.ts';
import { InvalidField, NotFound } from '../../platform/http/errors.ts';
import { translate, type Locale } from '../../platform/http/i18n.ts';
import type { Page } from '../../platform/http/schemas.ts';
import { failureText, readStoredFailure } from '../../platform/wecom-errors.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import { assertEligibleEmployees } from '../org/eligibility.ts';
import { ineligibleReason, type OrgRepository } from '../org/org.repository.ts';
import type { DepartureResult, InheritanceMode } from '../../db/schema/loss.ts';
import type { TransferRequestInput, TransferRequestResult, UnassignedOfEmployee } from './transfer.service.ts';
import { chooseTakeovers, departureDedupeKey, spreadSubjects, type LinkRuleFacts, type SkippedCandidate, type TakeoverChoice } from './inheritance-plan.ts';
import type { DepartureRow, InheritanceRepository, PolicyRow } from './inheritance-policy.repository.ts';
import type { AfterCommit } from './inheritance-after-commit.ts';
import type { DeparturePageQuery, DepartureRecord, PolicyRecord, PolicySaveBody, PreviewResult } from './inheritance-policy.schemas.ts';
import './inheritance-policy.messages.ts';
import './lifecycle.messages.ts';

/** A run that started this long ago and never finished was interrupted (crash): it is run again (same plan, same keys). */
const STALE_RUN_MS = 10 * 60_000;
/** WeCom's unassigned list may not show a departure at once: an empty list is asked again this many times, further apart each time. */
const EMPTY_RETRIES = 4;
const EMPTY_RETRY_MS = 60_000;
/** Departures found only in WeCom's unassigned list are handled by the policy when this recent. */
const UNASSIGNED_LOOKBACK_MS = 30 * 86_400_000;

export interface Subjects {
  customers: Array<{ externalUserid: string; name: string }>;
  groups: Array<{ chatId: string; name: string }>;
}

export interface InheritanceServiceDeps {
  db: Db;
  repository: InheritanceRepository;
  corpId: string;
  now: () => number;
  /** The lifecycle transfer service's unscoped part (H4): resigned transfers and the unassigned mirror. */
  transfers: () => {
    requestResigned(input: TransferRequestInput): Promise<TransferRequestResult>;
    listUnassigned(handoverUserid: string): Promise<UnassignedOfEmployee>;
  };
  org: Pick<OrgRepository, 'employeeStates'>;
  /** An acquisition link's (or channel QR code's) name and allocation rules; null when it does not exist. */
  linkRules: (getType: 'link' | 'qr', id: number) => Promise<LinkRuleFacts | null>;
  /** Those of these employees who own a live group WeCom lists as awaiting inheritance (the groups module's mirror). */
  groupOwnersAwaitingInheritance: (owners: string[]) => Promise<string[]>;
  /** An employee still in the corp: their customers and groups as the viewer sees them (the preview of a pending departure). */
  currentSubjects: (viewer: Viewer, userid: string) => Promise<Subjects>;
  audit: Pick<AuditLogRepository, 'record'>;
  afterCommit: AfterCommit;
  background: Background;
  log: (message: string, error?: unknown) => void;
}

const DEFAULT_POLICY: Omit<PolicyRow, 'id' | 'corpId' | 'ctime' | 'mtime' | 'cuser' | 'muser'> = {
  enabled: false, mode: 'leader', takeoverUserid: null, linkGetType: null, linkId: null, fallbackUserid: null, includeGroups: true, notifyTakeover: true,
};

const SKIP_MESSAGE: Record<SkippedCandidate['reason'], string> = {
  self: 'inheritanceSkipSelf',
  unknown: 'inheritanceSkipUnknown',
  left: 'inheritanceSkipLeft',
  disabled: 'inheritanceSkipDisabled',
  notActivated: 'inheritanceSkipNotActivated',
  noCustomerContact: 'inheritanceSkipNoCustomerContact',
};

export function createInheritanceService(deps: InheritanceServiceDeps) {
  const { repository } = deps;
  const system = repository.system();
  const at = () => new Date(deps.now());
  const running = new Map<number, Promise<void>>();

  const policyOf = async () => (await system.policy(deps.corpId)) ?? DEFAULT_POLICY;

  /** Who takes over under the policy (the directory and the link read now). */
  async function decide(userid: string, policy: typeof DEFAULT_POLICY): Promise<TakeoverChoice> {
    const leaders = policy.mode === 'leader' ? await system.leaderFacts(userid) : { directLeaders: [], departmentLeaders: [] };
    const link = policy.mode === 'link' && policy.linkGetType && policy.linkId ? await deps.linkRules(policy.linkGetType, policy.linkId) : null;
    const candidates = [...leaders.directLeaders, ...leaders.departmentLeaders, ...(link?.rules.map((rule) => rule.userid) ?? []), policy.takeoverUserid, policy.fallbackUserid].filter(
      (candidate): candidate is string => Boolean(candidate),
    );
    const states = await deps.org.employeeStates([...new Set(candidates)]);
    return chooseTakeovers({ departed: userid, policy, leaders, link, ineligible: (candidate) => ineligibleReason(states.get(candidate)) });
  }

  const skippedText = (skipped: Array<{ userid: string; reason: SkippedCandidate['reason'] }>, names: Map<string, string>, locale: Locale) =>
    skipped.map((entry) => `${names.get(entry.userid) || translate('lcUnknownEmployee', locale, { userid: entry.userid })}（${translate(SKIP_MESSAGE[entry.reason], locale)}）`).join(locale === 'en' ? ', ' : '、');

  function reasonText(row: Pick<DepartureRow, 'reason' | 'reasonParams'>, names: Map<string, string>, locale: Locale): string | null {
    if (!row.reason) return null;
    const params = { ...(row.reasonParams ?? {}) } as Record<string, unknown>;
    if (Array.isArray(params.skipped)) params.skipped = skippedText(params.skipped as SkippedCandidate[], names, locale);
    if (typeof params.error === 'string') params.reason = readStoredFailure(params.error, locale)?.message ?? params.error;
    return translate(row.reason, locale, params);
  }

  async function finishManual(id: number, reason: string, reasonParams: Record<string, unknown> | null, mode: InheritanceMode | null, userid: string) {
    const now = at();
    await deps.db.transaction(async (tx) => {
      await system.finish(tx, id, { status: 'manual', mode, reason, reasonParams, results: [] }, now);
      await deps.audit.record(tx, { actor: 'system', requestId: `departure:${id}`, now }, [
        { action: 'lifecycle.inheritance.manual', targetType: 'departure', targetId: id, after: { userid, reason, reasonParams } },
      ]);
    });
  }

  /** Runs the policy for one confirmed departure (nothing when another run has it). */
  async function runDeparture(id: number): Promise<void> {
    const now = at();
    const row = await system.claim(id, now, new Date(now.getTime() - STALE_RUN_MS));
    if (!row) return;
    const policy = await policyOf();
    if (!row.plan && !policy.enabled) return finishManual(id, 'inheritancePolicyOff', null, null, row.userid);
    let plan = row.plan;
    const mode = row.mode ?? policy.mode;
    if (!plan) {
      const unassigned = await deps.transfers().listUnassigned(row.userid);
      const subjects = {
        externalUserids: unassigned.customers.map((customer) => customer.externalUserid),
        chatIds: policy.includeGroups ? unassigned.groups.map((group) => group.chatId) : [],
      };
      if (!subjects.externalUserids.length && !subjects.chatIds.length) {
        // WeCom may list the departure's customers a little later: ask again, then give up saying so.
        if (row.attempts <= EMPTY_RETRIES) {
          const delay = EMPTY_RETRY_MS * 2 ** (row.attempts - 1);
          await system.requeue(id, new Date(now.getTime() + delay), now);
          // In this process too (the sweep covers a restart).
          deps.background.later(delay, `inheritance: departure ${id}`, () => runSoon(id));
          return;
        }
        const done = at();
        await deps.db.transaction((tx) => system.finish(tx, id, { status: 'transferred', mode, results: [], reason: 'inheritanceNothingToTransfer', reasonParams: null }, done));
        return;
      }
      const choice = await decide(row.userid, policy);
      if (!choice.takeovers.length) {
        return finishManual(id, choice.manualReason ?? 'inheritanceNoCandidate', { skipped: choice.skipped.map(({ userid, reason }) => ({ userid, reason })) }, mode, row.userid);
      }
      plan = spreadSubjects(choice.takeovers, subjects);
      // Remembered before any transfer is asked for: a run interrupted after this repeats the same requests (same keys).
      await system.savePlan(id, mode, plan, now);
    }
    const results: DepartureResult[] = [];
    for (const entry of plan) {
      try {
        const answer = await deps.transfers().requestResigned({
          handoverUserid: row.userid,
          takeoverUserid: entry.takeoverUserid,
          externalUserids: entry.externalUserids,
          chatIds: entry.chatIds,
          origin: 'policy',
          dedupeKey: departureDedupeKey(row.userid, row.id, entry.takeoverUserid),
          actor: 'system',
          notify: policy.notifyTakeover,
        });
        const refusedCustomers = answer.refused.filter((refusal) => refusal.externalUserid).length;
        const refusedGroups = answer.refused.filter((refusal) => refusal.chatId).length;
        results.push({
          takeoverUserid: entry.takeoverUserid,
          batchId: answer.batchId,
          customers: entry.externalUserids.length - refusedCustomers,
          groups: entry.chatIds.length - refusedGroups,
          refused: answer.refused,
        });
      } catch (error) {
        deps.log(`inheritance: the transfer request of departure ${id} to ${entry.takeoverUserid} failed`, error);
        results.push({ takeoverUserid: entry.takeoverUserid, batchId: null, customers: 0, groups: 0, refused: [], error: failureText(error) });
      }
    }
    const accepted = results.filter((result) => result.customers + result.groups > 0);
    const failed = results.find((result) => result.error);
    const finished = at();
    await deps.db.transaction(async (tx) => {
      await system.finish(
        tx,
        id,
        accepted.length
          ? { status: 'transferred', mode, results, reason: null, reasonParams: null }
          : failed
            ? { status: 'manual', mode, results, reason: 'inheritanceRequestFailed', reasonParams: { error: failed.error } }
            : { status: 'manual', mode, results, reason: 'inheritanceAllRefused', reasonParams: { reason: results.flatMap((result) => result.refused.map((refusal) => refusal.reason))[0] ?? '' } },
        finished,
      );
      await deps.audit.record(tx, { actor: 'system', requestId: `departure:${id}`, now: finished }, [
        { action: 'lifecycle.inheritance.run', targetType: 'departure', targetId: id, after: { userid: row.userid, mode, plan: plan.map((entry) => ({ takeoverUserid: entry.takeoverUserid, customers: entry.externalUserids.length, groups: entry.chatIds.length })), results } },
      ]);
    });
  }

  /** Runs a departure in this process, one run per departure at a time. */
  function runSoon(id: number): Promise<void> {
    const current = running.get(id);
    if (current) return current;
    const run = runDeparture(id)
      .catch((error) => deps.log(`inheritance: departure ${id} failed (the sweep retries it)`, error))
      .finally(() => running.delete(id));
    running.set(id, run);
    return run;
  }

  async function toRecords(locale: Locale, rows: DepartureRow[]): Promise<DepartureRecord[]> {
    const userids = rows.flatMap((row) => [
      row.userid,
      ...(row.results ?? []).map((result) => result.takeoverUserid),
      ...(row.plan ?? []).map((entry) => entry.takeoverUserid),
      ...(((row.reasonParams?.skipped as SkippedCandidate[] | undefined) ?? []).map((entry) => entry.userid)),
    ]);
    const names = await system.names(userids);
    return rows.map((row) => {
      const takeovers = row.results?.length
        ? row.results.map((result) => ({
            userid: result.takeoverUserid, name: names.get(result.takeoverUserid) || null, customers: result.customers, groups: result.groups,
            batchId: result.batchId, refused: result.refused, error: result.error ? (readStoredFailure(result.error, locale)?.message ?? result.error) : null,
          }))
        : (row.plan ?? []).map((entry) => ({
            userid: entry.takeoverUserid, name: names.get(entry.takeoverUserid) || null, customers: entry.externalUserids.length, groups: entry.chatIds.length,
            batchId: null, refused: [], error: null,
          }));
      return {
        id: row.id,
        userid: row.userid,
        name: names.get(row.userid) || row.employeeName || null,
        status: row.status,
        announcedBy: row.announcedBy,
        announcedAt: row.announcedAt,
        confirmedBy: row.confirmedBy,
        confirmedAt: row.confirmedAt,
        departedAt: row.departedAt,
        mode: row.mode,
        takeovers,
        customerCount: (row.plan ?? []).reduce((sum, entry) => sum + entry.externalUserids.length, 0),
        groupCount: (row.plan ?? []).reduce((sum, entry) => sum + entry.chatIds.length, 0),
        reason: reasonText(row, names, locale),
        finishedAt: row.finishedAt,
      };
    });
  }

  async function policyRecord(row: typeof DEFAULT_POLICY & { mtime?: Date | null; muser?: string | null }): Promise<PolicyRecord> {
    const names = await system.names([row.takeoverUserid, row.fallbackUserid].filter((userid): userid is string => Boolean(userid)));
    const link = row.linkGetType && row.linkId ? await deps.linkRules(row.linkGetType, row.linkId) : null;
    return {
      enabled: row.enabled,
      mode: row.mode,
      takeoverUserid: row.takeoverUserid,
      takeoverName: (row.takeoverUserid && names.get(row.takeoverUserid)) || null,
      linkGetType: row.linkGetType,
      linkId: row.linkId,
      linkName: row.linkId ? (link?.linkName ?? null) : null,
      fallbackUserid: row.fallbackUserid,
      fallbackName: (row.fallbackUserid && names.get(row.fallbackUserid)) || null,
      includeGroups: row.includeGroups,
      notifyTakeover: row.notifyTakeover,
      mtime: row.mtime ?? null,
      muser: row.muser ?? null,
    };
  }

  return {
    async getPolicy(_ctx: RequestContext): Promise<PolicyRecord> {
      return policyRecord(await policyOf());
    },

    async savePolicy(ctx: RequestContext, body: PolicySaveBody): Promise<PolicyRecord> {
      const takeoverUserid = body.mode === 'employee' ? (body.takeoverUserid ?? null) : null;
      if (body.mode === 'employee' && !takeoverUserid) throw new InvalidField('takeoverUserid', 'inheritanceTakeoverRequired');
      const linkId = body.mode === 'link' ? (body.linkId ?? null) : null;
      const linkGetType = body.mode === 'link' ? (body.linkGetType ?? 'link') : null;
      if (body.mode === 'link') {
        if (!linkId) throw new InvalidField('linkId', 'inheritanceLinkRequired');
        const link = await deps.linkRules(linkGetType!, linkId);
        if (!link) throw new InvalidField('linkId', 'inheritanceLinkNotFound', { id: linkId });
        if (!link.rules.length) throw new InvalidField('linkId', 'inheritanceLinkNoRules', { name: link.linkName });
      }
      const fallbackUserid = body.fallbackUserid ?? null;
      const picks = [
        ...(takeoverUserid ? [{ userid: takeoverUserid, field: 'takeoverUserid' }] : []),
        ...(fallbackUserid ? [{ userid: fallbackUserid, field: 'fallbackUserid' }] : []),
      ];
      await assertEligibleEmployees(deps.org, picks);
      const now = at();
      const actor = actorOf(ctx);
      const saved = await deps.db.transaction(async (tx) => {
        const before = await system.policy(deps.corpId, tx);
        const after = await system.savePolicy(tx, deps.corpId, {
          enabled: body.enabled, mode: body.mode, takeoverUserid, linkGetType, linkId, fallbackUserid, includeGroups: body.includeGroups, notifyTakeover: body.notifyTakeover,
          mtime: now, muser: actor, ...(before ? {} : { ctime: now, cuser: actor }),
        });
        await deps.audit.record(tx, { actor, requestId: ctx.requestId, now }, [
          { action: 'lifecycle.policy.save', targetType: 'inheritance_policy', targetId: after.id, before: before ?? null, after },
        ]);
        return after;
      });
      return policyRecord(saved);
    },

    /** The dry run: what the policy would do for this employee now, asking WeCom for nothing and storing nothing. */
    async preview(ctx: RequestContext, userid: string): Promise<PreviewResult> {
      const viewer = await viewerOf(ctx);
      const names = await system.names([userid]);
      if (!names.has(userid) || !(await repository.forViewer(viewer).employeeVisible(userid))) throw new NotFound('qwEmployee', userid);
      const policy = await policyOf();
      const departed = await system.hasLeft(userid);
      const subjects: Subjects = departed ? await deps.transfers().listUnassigned(userid) : await deps.currentSubjects(viewer, userid);
      const groups = policy.includeGroups ? subjects.groups : [];
      const choice = await decide(userid, policy);
      const plan = spreadSubjects(choice.takeovers, { externalUserids: subjects.customers.map((customer) => customer.externalUserid), chatIds: groups.map((group) => group.chatId) });
      const customerName = new Map(subjects.customers.map((customer) => [customer.externalUserid, customer.name]));
      const groupName = new Map(groups.map((group) => [group.chatId, group.name]));
      const allNames = await system.names([...choice.takeovers.map((takeover) => takeover.userid), ...choice.skipped.map((entry) => entry.userid)]);
      const nameOf = (candidate: string) => allNames.get(candidate) || null;
      const nothing = !subjects.customers.length && !groups.length;
      return {
        handover: { userid, name: names.get(userid) || null },
        departed,
        policyEnabled: policy.enabled,
        mode: policy.mode,
        takeovers: plan.map((entry) => ({
          userid: entry.takeoverUserid,
          name: nameOf(entry.takeoverUserid),
          source: choice.takeovers.find((takeover) => takeover.userid === entry.takeoverUserid)!.source,
          customers: entry.externalUserids.map((externalUserid) => ({ externalUserid, name: customerName.get(externalUserid) || '' })),
          groups: entry.chatIds.map((chatId) => ({ chatId, name: groupName.get(chatId) || '' })),
        })),
        skipped: choice.skipped.map((entry) => ({ userid: entry.userid, name: nameOf(entry.userid), source: entry.source, reason: translate(SKIP_MESSAGE[entry.reason], ctx.locale) })),
        customerCount: subjects.customers.length,
        groupCount: groups.length,
        manualReason: !policy.enabled
          ? translate('inheritancePolicyOff', ctx.locale)
          : choice.manualReason
            ? translate(choice.manualReason, ctx.locale, { skipped: skippedText(choice.skipped, allNames, ctx.locale) })
            : nothing
              ? translate('inheritanceNothingToTransfer', ctx.locale)
              : null,
      };
    },

    async departurePage(ctx: RequestContext, query: DeparturePageQuery): Promise<Page<DepartureRecord>> {
      const result = await repository.forViewer(await viewerOf(ctx)).page(query);
      return { ...result, records: await toRecords(ctx.locale, result.records) };
    },

    // ---- unscoped: callbacks, jobs, the Nexus hook --------------------------------------------------------------

    /** The HR system (Nexus) says these employees left: pending departures, shown at once, waiting for WeCom. */
    async announceDepartures(tx: Tx, userids: string[], source: 'nexus' | 'nexus-dept'): Promise<number[]> {
      return system.announce(tx, userids, source, at());
    },

    /** WeCom confirms these departures (in the caller's transaction): the policy runs for each after the commit. */
    async confirmDepartures(tx: Tx, departures: Array<{ userid: string; at: Date }>, source: 'delete_user' | 'unassigned'): Promise<number[]> {
      const ids = await system.confirm(tx, departures, source, at());
      for (const id of ids) await deps.afterCommit(tx, `inheritance-departure:${id}`, () => runSoon(id));
      return ids;
    },

    runDeparture: runSoon,

    /**
     * The sweep: departures that no callback brought — found in WeCom's unassigned list, or (an employee with groups and
     * no customers, whom that list does not show) employees the org mirror saw leave who own groups WeCom lists as
     * awaiting inheritance; recent ones only: an older backlog is for a manual transfer — then departures queued and
     * due, or interrupted.
     */
    async runDue(): Promise<number> {
      const since = new Date(deps.now() - UNASSIGNED_LOOKBACK_MS);
      const left = await system.recentlyLeft(since);
      const groupOwners = new Set(await deps.groupOwnersAwaitingInheritance(left.map((employee) => employee.userid)));
      const found = await system.unrecordedDepartures(since, left.filter((employee) => groupOwners.has(employee.userid)));
      if (found.length) {
        const queued = await deps.db.transaction(async (tx) => [
          ...(await system.confirm(tx, found.filter((departure) => departure.source === 'unassigned'), 'unassigned', at())),
          ...(await system.confirm(tx, found.filter((departure) => departure.source === 'groups'), 'groups', at())),
        ]);
        for (const id of queued) await runSoon(id);
      }
      const now = at();
      const ids = await system.due(now, new Date(now.getTime() - STALE_RUN_MS));
      for (const id of ids) await runSoon(id);
      return ids.length;
    },

    /** Waits for the runs under way in this process (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size) await Promise.all([...running.values()]);
    },
  };
}

export type InheritanceService = ReturnType<typeof createInheritanceService>;
