// Customer stages: the pipeline (save, delete with the in-use rule, sort), moving relations between stages (history and
// a stage_moved timeline event in the same transaction), the callbacks' automatic moves, and the funnel.
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { relationScope, viewerOf } from '../../platform/auth/data-scope.ts';
import { BadRequest, NotFound } from '../../platform/http/errors.ts';
import { translate } from '../../platform/http/i18n.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import { statesOfSources } from '../acquisition/state-names.ts';
import type { TimelineService } from './timeline.service.ts';
import type { MovedRelation, MovingRelation, StageRepository, StageRow } from './stage.repository.ts';
import { computeFunnel, type FunnelRelation } from './stage.funnel.ts';
import type { FunnelQuery, FunnelResult, RelationPair, StageDeleteBody, StageMoveBody, StageRecord, StageSaveBody } from './stage.schemas.ts';
import './stage.messages.ts';

export interface StageServiceDeps {
  db: Db;
  stages: StageRepository;
  timeline: Pick<TimelineService, 'record'>;
  audit: Pick<AuditLogRepository, 'record'>;
  now: () => number;
  timeZone: string;
}

/** Who moved relations the callbacks moved: the customer, in WeCom. */
export const WECOM_ACTOR = 'wecom';
const TIMELINE_CHUNK = 1000;
const DAY = 86_400_000;

const firstStep = (stages: StageRow[]) => stages.find((stage) => stage.kind !== 'lost');

export function createStageService(deps: StageServiceDeps) {
  const { stages: repository } = deps;

  /** The stage_moved events of these moves, in the moves' transaction. */
  async function recordMoves(tx: DbOrTx, moved: MovedRelation[], target: { id: number; name: string }, move: { note: string; actor: string; at: Date }) {
    for (let index = 0; index < moved.length; index += TIMELINE_CHUNK) {
      await deps.timeline.record(
        tx,
        moved.slice(index, index + TIMELINE_CHUNK).map((relation) => ({
          type: 'stage_moved' as const,
          occurredAt: move.at,
          externalUserid: relation.externalUserid,
          userid: relation.userid,
          actor: move.actor,
          data: { fromStageId: relation.stageId, fromStageName: relation.stageName, stageId: target.id, stageName: target.name, note: move.note || undefined },
          dedupeKey: `stage-history:${relation.historyId}`,
        })),
      );
    }
  }

  /** Moves the relations not already there; the moved ones. */
  async function moveRelations(tx: DbOrTx, relations: MovingRelation[], target: { id: number; name: string }, move: { note: string; actor: string; at: Date }) {
    const moving = relations.filter((relation) => relation.stageId !== target.id);
    const moved = await repository.move(tx, moving, target, move);
    await recordMoves(tx, moved, target, move);
    return moved;
  }

  async function stageById(tx: DbOrTx, id: number): Promise<StageRow> {
    const stage = (await repository.stages(tx)).find((candidate) => candidate.id === id);
    if (!stage) throw new NotFound('stage', id);
    return stage;
  }

  return {
    async list(ctx: RequestContext): Promise<StageRecord[]> {
      const viewer = await viewerOf(ctx);
      const [stages, counts] = await Promise.all([repository.stages(), repository.relationCounts(relationScope(viewer))]);
      const first = firstStep(stages);
      return stages.map((stage) => ({ ...stage, first: stage.id === first?.id, relations: counts.get(stage.id) ?? 0 }));
    },

    async save(ctx: RequestContext, body: StageSaveBody): Promise<StageRecord> {
      const actor = actorOf(ctx);
      const saved = await deps.db.transaction(async (tx) => {
        await repository.lockPipeline(tx);
        if (await repository.nameTaken(tx, body.name, body.id)) throw new BadRequest('stageNameTaken', { name: body.name });
        if (body.id === undefined) return repository.insertStage(tx, { name: body.name, kind: body.kind ?? 'normal', actor });
        const before = await stageById(tx, body.id);
        // The lost stage keeps its kind (its name may change).
        if (before.kind === 'lost' && body.kind !== undefined) throw new BadRequest('stageLostKept', { name: before.name });
        return (await repository.updateStage(tx, body.id, { name: body.name, kind: body.kind ?? before.kind, actor }))!;
      });
      return (await this.list(ctx)).find((stage) => stage.id === saved.id)!;
    },

    /** Deletes a stage; one holding relations needs a stage to move them to (moved with history and timeline). Audited. */
    async delete(ctx: RequestContext, body: StageDeleteBody): Promise<{ moved: number }> {
      const actor = actorOf(ctx);
      const at = new Date(deps.now());
      return deps.db.transaction(async (tx) => {
        await repository.lockPipeline(tx);
        const stages = await repository.stages(tx);
        const stage = stages.find((candidate) => candidate.id === body.id);
        if (!stage) throw new NotFound('stage', body.id);
        if (stage.kind === 'lost') throw new BadRequest('stageLostKept', { name: stage.name });
        if (stages.filter((candidate) => candidate.kind !== 'lost').length <= 1) throw new BadRequest('stageLastStep');
        const count = await repository.systemRelationCount(tx, stage.id);
        let moved: MovedRelation[] = [];
        if (count > 0) {
          if (body.moveToStageId === undefined) throw new BadRequest('stageInUse', { name: stage.name, count });
          if (body.moveToStageId === stage.id) throw new BadRequest('stageMoveToSelf');
          const target = stages.find((candidate) => candidate.id === body.moveToStageId);
          if (!target) throw new NotFound('stage', body.moveToStageId);
          const relations = await repository.lockRelationsInStage(tx, stage.id, firstStep(stages)?.id === stage.id);
          moved = await moveRelations(tx, relations, target, { note: body.note ?? '', actor, at });
        }
        await repository.deleteStage(tx, stage.id);
        await deps.audit.record(tx, { actor, requestId: ctx.requestId, now: at }, [
          { action: 'stage.delete', targetType: 'customer_stage', targetId: stage.id, before: { name: stage.name, kind: stage.kind, relations: count }, after: { movedTo: body.moveToStageId ?? null, moved: moved.length } },
        ]);
        return { moved: moved.length };
      });
    },

    async sort(ctx: RequestContext, ids: number[]): Promise<StageRecord[]> {
      await deps.db.transaction(async (tx) => {
        await repository.lockPipeline(tx);
        const steps = (await repository.stages(tx)).filter((stage) => stage.kind !== 'lost');
        const wanted = new Set(ids);
        if (wanted.size !== ids.length || ids.length !== steps.length || steps.some((stage) => !wanted.has(stage.id))) throw new BadRequest('stageSortAll');
        await repository.setSort(tx, ids, actorOf(ctx));
      });
      return this.list(ctx);
    },

    /** Moves relations (in the caller's scope) to a stage, with history and a stage_moved timeline event each. Audited when many. */
    async move(ctx: RequestContext, body: StageMoveBody): Promise<{ moved: number; unchanged: number }> {
      const viewer = await viewerOf(ctx);
      const actor = actorOf(ctx);
      const at = new Date(deps.now());
      const pairs = [...new Map(body.relations.map((pair) => [`${pair.externalUserid}\u0000${pair.userid}`, pair])).values()];
      return deps.db.transaction(async (tx) => {
        const target = await stageById(tx, body.stageId);
        const relations = await repository.lockRelations(tx, viewer, pairs);
        if (relations.length < pairs.length) {
          const found = new Set(relations.map((relation) => `${relation.externalUserid}\u0000${relation.userid}`));
          const missing = pairs.filter((pair) => !found.has(`${pair.externalUserid}\u0000${pair.userid}`));
          if (pairs.length === 1) throw new NotFound('stageRelation', `${pairs[0].externalUserid} / ${pairs[0].userid}`);
          throw new NotFound('stageRelation', missing.slice(0, 5).map((pair) => `${pair.externalUserid} / ${pair.userid}`).join(', '));
        }
        const moved = await moveRelations(tx, relations, target, { note: body.note, actor, at });
        if (moved.length > 1) {
          await deps.audit.record(tx, { actor, requestId: ctx.requestId, now: at }, [
            { action: 'stage.move', targetType: 'customer_stage', targetId: target.id, after: { stageName: target.name, moved: moved.length, note: body.note } },
          ]);
        }
        return { moved: moved.length, unchanged: relations.length - moved.length };
      });
    },

    async history(ctx: RequestContext, pair: RelationPair) {
      const viewer = await viewerOf(ctx);
      if (!(await repository.pairVisible(viewer, pair))) throw new NotFound('stageRelation', `${pair.externalUserid} / ${pair.userid}`);
      const [current, records] = await Promise.all([repository.currentOfPair(pair), repository.historyOfPair(pair)]);
      return {
        current,
        records: records.map((row) => ({
          id: row.id,
          relationId: row.relationId,
          fromStageId: row.fromStageId,
          fromStageName: row.fromStageName,
          stageId: row.toStageId,
          stageName: row.toStageName,
          note: row.note,
          actor: row.actor,
          movedAt: row.movedAt,
        })),
      };
    },

    async funnel(ctx: RequestContext, query: FunnelQuery): Promise<FunnelResult> {
      const viewer = await viewerOf(ctx);
      const { start, end } = await repository.periodBounds(query.from, query.to, deps.timeZone);
      if (end <= start || end.getTime() - start.getTime() > 367 * DAY) throw new BadRequest('stagePeriod');
      const filters = { userIds: query.userIds, channelId: query.channelId };
      const [stages, relationRows, currentRows] = await Promise.all([repository.stages(), repository.funnelRelations(viewer, filters, start, end), repository.funnelCurrent(viewer, filters)]);
      const relations = new Map<number, FunnelRelation>();
      for (const row of relationRows) {
        const id = Number(row.id);
        let relation = relations.get(id);
        if (!relation) {
          relation = { relationId: id, userid: row.userid as string, channelKey: row.channel_id === null ? '' : String(row.channel_id), addedAt: new Date(row.createtime as string), moves: [] };
          relations.set(id, relation);
        }
        if (row.moved_at !== null) relation.moves.push({ at: new Date(row.moved_at as string), toStageId: Number(row.to_stage_id) });
      }
      const current = currentRows.map((row) => ({ stageId: Number(row.stage_id), userid: row.userid as string, channelKey: row.channel_id === null ? '' : String(row.channel_id), count: Number(row.n) }));
      const userids = new Set([...relations.values()].map((relation) => relation.userid).concat(current.map((row) => row.userid)));
      const channelIds = new Set([...relations.values()].map((relation) => relation.channelKey).concat(current.map((row) => row.channelKey)));
      channelIds.delete('');
      const [employeeNames, channels] = await Promise.all([
        repository.employeeNames([...userids]),
        statesOfSources(deps.db, { channelIds: [...channelIds].map(Number) }),
      ]);
      const channelNames = new Map<string, string>([...channels.channels].map(([id, name]) => [String(id), name]));
      channelNames.set('', translate('stageNoChannel', ctx.locale));
      return computeFunnel({
        stages: stages.map((stage) => ({ id: stage.id, name: stage.name, kind: stage.kind })),
        relations: [...relations.values()],
        current,
        start,
        end,
        employeeNames,
        channelNames,
      });
    },

    /**
     * The customer ended the relation (del_follow_user), in the event's transaction: it moves to the lost stage, by
     * `wecom`. Applying the event again changes nothing (the relation is already there).
     */
    async systemCustomerEnded(tx: DbOrTx, pair: RelationPair, at: Date): Promise<void> {
      const relationId = await repository.systemEndedByCustomer(tx, pair);
      if (relationId === undefined) return;
      const lost = (await repository.stages(tx)).find((stage) => stage.kind === 'lost');
      if (!lost) return;
      const relations = await repository.lockRelations(tx, 'system', [pair]);
      await moveRelations(tx, relations.filter((relation) => relation.relationId === relationId), lost, { note: '', actor: WECOM_ACTOR, at });
    },

    /**
     * The pair's relation came back (add_external_contact after an end), in the event's transaction: the new relation
     * starts at the first stage, shown in its history as a move from where the earlier one ended.
     */
    async systemReAdded(tx: DbOrTx, pair: RelationPair): Promise<void> {
      const reAdded = await repository.systemReAdded(tx, pair);
      if (!reAdded) return;
      const first = firstStep(await repository.stages(tx));
      if (!first) return;
      const relation = { relationId: reAdded.relationId, externalUserid: pair.externalUserid, userid: pair.userid, stageId: first.id, stageName: first.name };
      const historyId = await repository.start(tx, { ...relation, previousStageId: reAdded.previous.stageId, previousStageName: reAdded.previous.stageName }, reAdded.createtime, WECOM_ACTOR);
      await recordMoves(tx, [{ ...relation, stageId: reAdded.previous.stageId, stageName: reAdded.previous.stageName, historyId }], first, { note: '', actor: WECOM_ACTOR, at: reAdded.createtime });
    },
  };
}

export type StageService = ReturnType<typeof createStageService>;
