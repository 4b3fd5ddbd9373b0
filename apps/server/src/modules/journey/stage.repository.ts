// Stages, each relation's stage and the moves. Relations are read through the data scope (relationScope over `r`) for
// callers, and by a named unscoped read (`system…`) for the callback handlers.
import { and, asc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { customerStage, relationStage, stageHistory, type StageKind } from '../../db/schema/stage.ts';
import type { DbOrTx } from '../../platform/db/database.ts';
import { whereOf } from '../../platform/db/paging.ts';
import { relationScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { FIRST_STAGE_ID, relationStageId } from './stage.filters.ts';
import type { RelationPair } from './stage.schemas.ts';

type Row = Record<string, unknown>;
export type StageRow = typeof customerStage.$inferSelect;

/** A relation about to move: its current stage (by id and name). */
export interface MovingRelation {
  relationId: number;
  externalUserid: string;
  userid: string;
  stageId: number;
  stageName: string;
}

export interface MovedRelation extends MovingRelation {
  historyId: number;
}

const list = (values: readonly (string | number)[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);
const pairsIn = (pairs: readonly RelationPair[]) => sql.join(pairs.map((pair) => sql`(${pair.externalUserid}, ${pair.userid})`), sql`, `);

async function rows(db: DbOrTx, query: SQL): Promise<Row[]> {
  return (await db.execute<Row>(query)).rows;
}

export function createStageRepository(db: DbOrTx) {
  return {
    /** The pipeline in order (the lost stage last). */
    async stages(tx: DbOrTx = db): Promise<StageRow[]> {
      return tx.select().from(customerStage).orderBy(sql`(${customerStage.kind} = 'lost')`, asc(customerStage.sort), asc(customerStage.id));
    },

    /** Stages by id, for names (an id missing from the map is no stage). */
    async stageNames(ids: number[]): Promise<Map<number, string>> {
      if (!ids.length) return new Map();
      const found = await db.select({ id: customerStage.id, name: customerStage.name }).from(customerStage).where(inArray(customerStage.id, ids));
      return new Map(found.map((row) => [row.id, row.name]));
    },

    /** Relations in each stage now, among those `scope` (a condition over r, or none) picks. */
    async relationCounts(scope: SQL | undefined, tx: DbOrTx = db): Promise<Map<number, number>> {
      const found = await rows(tx, sql`SELECT x.stage_id, count(*)::int AS n FROM (SELECT ${relationStageId()} AS stage_id FROM customer_relation r ${whereOf([scope])}) x GROUP BY x.stage_id`);
      return new Map(found.map((row) => [Number(row.stage_id), Number(row.n)]));
    },

    async insertStage(tx: DbOrTx, values: { name: string; kind: StageKind; actor: string }): Promise<StageRow> {
      // A new step goes at the end of the steps (before the lost stage, which is always listed last).
      const [row] = await tx
        .insert(customerStage)
        .values({
          name: values.name,
          kind: values.kind,
          sort: sql`(SELECT COALESCE(max(s.sort), 0) + 1 FROM customer_stage s WHERE s.kind <> 'lost')`,
          cuser: values.actor,
          muser: values.actor,
        })
        .returning();
      return row;
    },

    async updateStage(tx: DbOrTx, id: number, values: { name: string; kind: StageKind; actor: string }): Promise<StageRow | undefined> {
      const [row] = await tx.update(customerStage).set({ name: values.name, kind: values.kind, muser: values.actor, mtime: new Date() }).where(eq(customerStage.id, id)).returning();
      return row;
    },

    async nameTaken(tx: DbOrTx, name: string, exceptId?: number): Promise<boolean> {
      const found = await tx.select({ id: customerStage.id }).from(customerStage).where(and(eq(customerStage.name, name), exceptId ? ne(customerStage.id, exceptId) : undefined));
      return found.length > 0;
    },

    async setSort(tx: DbOrTx, ids: number[], actor: string): Promise<void> {
      for (const [index, id] of ids.entries()) await tx.update(customerStage).set({ sort: index + 1, muser: actor, mtime: new Date() }).where(eq(customerStage.id, id));
    },

    async deleteStage(tx: DbOrTx, id: number): Promise<void> {
      await tx.delete(customerStage).where(eq(customerStage.id, id));
    },

    /** Locks the pipeline for a change of its stages (saves, deletes and sorts never interleave). */
    async lockPipeline(tx: DbOrTx): Promise<void> {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('customer_stage'))`);
    },

    /**
     * Every relation of a pair the viewer sees, one per pair: the active one, else the latest that ended. With its
     * stage; a relation that never moved gets its row in the first stage here (locked, so concurrent moves queue).
     */
    async lockRelations(tx: DbOrTx, viewer: Viewer | 'system', pairs: readonly RelationPair[]): Promise<MovingRelation[]> {
      if (!pairs.length) return [];
      const scope = viewer === 'system' ? undefined : relationScope(viewer);
      const current = await rows(
        tx,
        sql`SELECT DISTINCT ON (r.external_userid, r.userid) r.id, r.external_userid, r.userid, r.createtime FROM customer_relation r
          ${whereOf([sql`(r.external_userid, r.userid) IN (${pairsIn(pairs)})`, scope])}
          ORDER BY r.external_userid, r.userid, (r.status = 'active') DESC, r.createtime DESC, r.id DESC`,
      );
      if (!current.length) return [];
      const ids = current.map((row) => Number(row.id));
      await tx.execute(sql`INSERT INTO relation_stage (relation_id, external_userid, userid, stage_id, entered_at)
        SELECT r.id, r.external_userid, r.userid, ${FIRST_STAGE_ID}, r.createtime FROM customer_relation r WHERE r.id IN (${list(ids)})
        ON CONFLICT (relation_id) DO NOTHING`);
      const locked = await rows(
        tx,
        sql`SELECT rs.relation_id, rs.external_userid, rs.userid, rs.stage_id, s.name AS stage_name FROM relation_stage rs
          JOIN customer_stage s ON s.id = rs.stage_id WHERE rs.relation_id IN (${list(ids)}) ORDER BY rs.relation_id FOR UPDATE OF rs`,
      );
      return locked.map((row) => ({
        relationId: Number(row.relation_id),
        externalUserid: row.external_userid as string,
        userid: row.userid as string,
        stageId: Number(row.stage_id),
        stageName: row.stage_name as string,
      }));
    },

    /** Moves relations to a stage: their stage row and a history row each. */
    async move(tx: DbOrTx, relations: MovingRelation[], target: { id: number; name: string }, move: { note: string; actor: string; at: Date }): Promise<MovedRelation[]> {
      if (!relations.length) return [];
      const ids = relations.map((relation) => relation.relationId);
      await tx.execute(sql`UPDATE relation_stage SET stage_id = ${target.id}, entered_at = ${move.at.toISOString()}::timestamptz, actor = ${move.actor}
        WHERE relation_id IN (${list(ids)})`);
      const inserted = await tx
        .insert(stageHistory)
        .values(
          relations.map((relation) => ({
            relationId: relation.relationId,
            externalUserid: relation.externalUserid,
            userid: relation.userid,
            fromStageId: relation.stageId,
            fromStageName: relation.stageName,
            toStageId: target.id,
            toStageName: target.name,
            note: move.note,
            actor: move.actor,
            movedAt: move.at,
          })),
        )
        .returning({ id: stageHistory.id, relationId: stageHistory.relationId });
      const historyOf = new Map(inserted.map((row) => [row.relationId, row.id]));
      return relations.map((relation) => ({ ...relation, historyId: historyOf.get(relation.relationId)! }));
    },

    /** Every relation in a stage (any status), locked; a first stage's relations that never moved get their row first. */
    async lockRelationsInStage(tx: DbOrTx, stageId: number, first: boolean): Promise<MovingRelation[]> {
      if (first) {
        await tx.execute(sql`INSERT INTO relation_stage (relation_id, external_userid, userid, stage_id, entered_at)
          SELECT r.id, r.external_userid, r.userid, ${stageId}, r.createtime FROM customer_relation r
          WHERE NOT EXISTS (SELECT 1 FROM relation_stage x WHERE x.relation_id = r.id)
          ON CONFLICT (relation_id) DO NOTHING`);
      }
      const found = await rows(
        tx,
        sql`SELECT rs.relation_id, rs.external_userid, rs.userid, rs.stage_id, s.name AS stage_name FROM relation_stage rs
          JOIN customer_stage s ON s.id = rs.stage_id WHERE rs.stage_id = ${stageId} ORDER BY rs.relation_id FOR UPDATE OF rs`,
      );
      return found.map((row) => ({
        relationId: Number(row.relation_id),
        externalUserid: row.external_userid as string,
        userid: row.userid as string,
        stageId: Number(row.stage_id),
        stageName: row.stage_name as string,
      }));
    },

    /** Relations (any status, every caller's) in a stage now. */
    async systemRelationCount(tx: DbOrTx, stageId: number): Promise<number> {
      const [row] = await rows(tx, sql`SELECT count(*)::int AS n FROM customer_relation r WHERE ${relationStageId()} = ${stageId}`);
      return Number(row.n);
    },

    /** Whether the viewer sees any relation of the pair. */
    async pairVisible(viewer: Viewer, pair: RelationPair): Promise<boolean> {
      const found = await rows(db, sql`SELECT 1 FROM customer_relation r ${whereOf([sql`r.external_userid = ${pair.externalUserid}`, sql`r.userid = ${pair.userid}`, relationScope(viewer)])} LIMIT 1`);
      return found.length > 0;
    },

    /** The stage of the pair's current relation (active, else the latest), with since when. */
    async currentOfPair(pair: RelationPair): Promise<{ stageId: number; stageName: string; since: Date | null } | null> {
      const [row] = await rows(
        db,
        sql`SELECT ${relationStageId()} AS stage_id, (SELECT rs.entered_at FROM relation_stage rs WHERE rs.relation_id = r.id) AS since
          FROM customer_relation r WHERE r.external_userid = ${pair.externalUserid} AND r.userid = ${pair.userid}
          ORDER BY (r.status = 'active') DESC, r.createtime DESC, r.id DESC LIMIT 1`,
      );
      if (!row || row.stage_id === null) return null;
      const [stage] = await db.select({ name: customerStage.name }).from(customerStage).where(eq(customerStage.id, Number(row.stage_id)));
      return { stageId: Number(row.stage_id), stageName: stage?.name ?? '', since: row.since ? new Date(row.since as string) : null };
    },

    /** Newest first in the order recorded: a move a WeCom event causes carries the event's whole second, so it can read
     * earlier than a console move made within that second. */
    async historyOfPair(pair: RelationPair) {
      return db
        .select()
        .from(stageHistory)
        .where(and(eq(stageHistory.externalUserid, pair.externalUserid), eq(stageHistory.userid, pair.userid)))
        .orderBy(sql`${stageHistory.id} DESC`);
    },

    /**
     * For the callback handlers (unscoped): the pair's relation the customer just ended (lost by the customer, no
     * active relation left), or undefined.
     */
    async systemEndedByCustomer(tx: DbOrTx, pair: RelationPair): Promise<number | undefined> {
      const [row] = await rows(
        tx,
        sql`SELECT r.id, r.status, r.lost_by FROM customer_relation r WHERE r.external_userid = ${pair.externalUserid} AND r.userid = ${pair.userid}
          ORDER BY (r.status = 'active') DESC, r.createtime DESC, r.id DESC LIMIT 1`,
      );
      return row && row.status === 'lost' && row.lost_by === 'customer' ? Number(row.id) : undefined;
    },

    /**
     * For the callback handlers (unscoped): the pair's active relation when it is a re-add — an earlier relation of the
     * pair has a stage row and this one has none yet — with the stage the earlier one ended in.
     */
    async systemReAdded(tx: DbOrTx, pair: RelationPair): Promise<{ relationId: number; createtime: Date; previous: { stageId: number; stageName: string } } | undefined> {
      const [row] = await rows(
        tx,
        sql`SELECT r.id, r.createtime, prev.stage_id, prev.stage_name FROM customer_relation r
          JOIN LATERAL (SELECT rs.stage_id, s.name AS stage_name FROM relation_stage rs JOIN customer_stage s ON s.id = rs.stage_id
            WHERE rs.external_userid = r.external_userid AND rs.userid = r.userid AND rs.relation_id <> r.id
            ORDER BY rs.relation_id DESC LIMIT 1) prev ON true
          WHERE r.external_userid = ${pair.externalUserid} AND r.userid = ${pair.userid} AND r.status = 'active'
            AND NOT EXISTS (SELECT 1 FROM relation_stage x WHERE x.relation_id = r.id)`,
      );
      return row && { relationId: Number(row.id), createtime: new Date(row.createtime as string), previous: { stageId: Number(row.stage_id), stageName: row.stage_name as string } };
    },

    /** Starts a relation in a stage with its first history row (from the stage its pair's earlier relation ended in). */
    async start(tx: DbOrTx, relation: MovingRelation & { previousStageId: number; previousStageName: string }, at: Date, actor: string): Promise<number> {
      await tx.insert(relationStage).values({ relationId: relation.relationId, externalUserid: relation.externalUserid, userid: relation.userid, stageId: relation.stageId, enteredAt: at, actor }).onConflictDoNothing();
      const [row] = await tx
        .insert(stageHistory)
        .values({
          relationId: relation.relationId,
          externalUserid: relation.externalUserid,
          userid: relation.userid,
          fromStageId: relation.previousStageId,
          fromStageName: relation.previousStageName,
          toStageId: relation.stageId,
          toStageName: relation.stageName,
          note: '',
          actor,
          movedAt: at,
        })
        .returning({ id: stageHistory.id });
      return row.id;
    },

    /** The funnel's relations in the viewer's scope and filters that started or moved in [start, end), with their moves up to end. */
    async funnelRelations(viewer: Viewer, filters: { userIds?: string[]; channelId?: number }, start: Date, end: Date) {
      const conditions = [
        relationScope(viewer),
        filters.userIds?.length ? sql`r.userid IN (${list(filters.userIds)})` : undefined,
        filters.channelId ? sql`r.channel_id = ${filters.channelId}` : undefined,
        sql`r.createtime < ${end.toISOString()}::timestamptz`,
        sql`(r.createtime >= ${start.toISOString()}::timestamptz OR EXISTS (SELECT 1 FROM stage_history h WHERE h.relation_id = r.id
          AND h.moved_at >= ${start.toISOString()}::timestamptz AND h.moved_at < ${end.toISOString()}::timestamptz))`,
      ];
      return rows(
        db,
        sql`WITH rel AS (SELECT r.id, r.userid, r.channel_id, r.createtime FROM customer_relation r ${whereOf(conditions)})
          SELECT rel.id, rel.userid, rel.channel_id, rel.createtime, h.moved_at, h.to_stage_id FROM rel
          LEFT JOIN stage_history h ON h.relation_id = rel.id AND h.moved_at < ${end.toISOString()}::timestamptz
          ORDER BY rel.id, h.moved_at, h.id`,
      );
    },

    /** Relations in each stage now by employee and channel: active ones, and every one in the lost stage. */
    async funnelCurrent(viewer: Viewer, filters: { userIds?: string[]; channelId?: number }) {
      const conditions = [
        relationScope(viewer),
        filters.userIds?.length ? sql`r.userid IN (${list(filters.userIds)})` : undefined,
        filters.channelId ? sql`r.channel_id = ${filters.channelId}` : undefined,
      ];
      return rows(
        db,
        sql`SELECT x.stage_id, x.userid, x.channel_id, count(*)::int AS n FROM (
            SELECT ${relationStageId()} AS stage_id, r.userid, r.channel_id, r.status FROM customer_relation r ${whereOf(conditions)}) x
          WHERE x.status = 'active' OR x.stage_id = (SELECT s.id FROM customer_stage s WHERE s.kind = 'lost')
          GROUP BY x.stage_id, x.userid, x.channel_id`,
      );
    },

    /** The period's bounds: from's first instant to the instant after to's last, in the corp's time zone. */
    async periodBounds(from: string, to: string, timeZone: string): Promise<{ start: Date; end: Date }> {
      const [row] = await rows(db, sql`SELECT ((${from}::date)::timestamp AT TIME ZONE ${timeZone}) AS start, ((${to}::date + 1)::timestamp AT TIME ZONE ${timeZone}) AS end`);
      return { start: new Date(row.start as string), end: new Date(row.end as string) };
    },

    async employeeNames(userids: string[]): Promise<Map<string, string>> {
      if (!userids.length) return new Map();
      const found = await rows(db, sql`SELECT q.userid, q.name FROM qw_emp q WHERE q.userid IN (${list(userids)})`);
      return new Map(found.map((row) => [row.userid as string, row.name as string]));
    },
  };
}

export type StageRepository = ReturnType<typeof createStageRepository>;
