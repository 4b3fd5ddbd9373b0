// The stage funnel over a period, as a plain function of the relations' histories: who entered each stage, how many
// went on to the next, how long stays lasted, and the same by employee and by channel.
import type { FunnelResult, STAGE_KINDS } from './stage.schemas.ts';

export interface FunnelStage {
  id: number;
  name: string;
  kind: (typeof STAGE_KINDS)[number];
}

export interface FunnelRelation {
  relationId: number;
  userid: string;
  /** The relation's channel id as text, '' for none. */
  channelKey: string;
  /** When the relation started, in the first stage. */
  addedAt: Date;
  /** Its moves, oldest first (a move to the stage it is in changes nothing). */
  moves: Array<{ at: Date; toStageId: number }>;
}

/** How many relations are in a stage now, for one employee and channel. */
export interface FunnelCurrent {
  stageId: number;
  userid: string;
  channelKey: string;
  count: number;
}

export interface FunnelInput {
  /** The pipeline in order, the lost stage last; the first entry is where relations start. */
  stages: FunnelStage[];
  relations: FunnelRelation[];
  current: FunnelCurrent[];
  /** The period: start inclusive, end exclusive. */
  start: Date;
  end: Date;
  employeeNames: Map<string, string>;
  channelNames: Map<string, string>;
}

const HOUR = 3_600_000;

interface Tally {
  entered: Map<number, Set<number>>;
  current: Map<number, number>;
}

const newTally = (): Tally => ({ entered: new Map(), current: new Map() });

function enter(tally: Tally, stageId: number, relationId: number): void {
  let set = tally.entered.get(stageId);
  if (!set) tally.entered.set(stageId, (set = new Set()));
  set.add(relationId);
}

const tallyOf = (tallies: Map<string, Tally>, key: string): Tally => {
  let tally = tallies.get(key);
  if (!tally) tallies.set(key, (tally = newTally()));
  return tally;
};

const ratio = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/** Figures per stage, and per employee and channel, for the period. */
export function computeFunnel(input: FunnelInput): FunnelResult {
  const { stages, start, end } = input;
  const inPeriod = (at: Date) => at >= start && at < end;
  const known = new Set(stages.map((stage) => stage.id));
  const firstStageId = stages.find((stage) => stage.kind !== 'lost')?.id;
  const all = newTally();
  const byEmployee = new Map<string, Tally>();
  const byChannel = new Map<string, Tally>();
  const stayHours = new Map<number, { total: number; count: number }>();

  for (const relation of input.relations) {
    if (firstStageId === undefined) break;
    const tallies = [all, tallyOf(byEmployee, relation.userid), tallyOf(byChannel, relation.channelKey)];
    let stageId = firstStageId;
    let since = relation.addedAt;
    const entered = (at: Date) => {
      if (inPeriod(at) && known.has(stageId)) for (const tally of tallies) enter(tally, stageId, relation.relationId);
    };
    entered(since);
    for (const move of relation.moves) {
      if (move.toStageId === stageId || move.at < since) continue;
      if (inPeriod(move.at) && known.has(stageId)) {
        const stay = stayHours.get(stageId) ?? { total: 0, count: 0 };
        stay.total += (move.at.getTime() - since.getTime()) / HOUR;
        stay.count += 1;
        stayHours.set(stageId, stay);
      }
      stageId = move.toStageId;
      since = move.at;
      entered(since);
    }
  }
  for (const row of input.current) {
    for (const tally of [all, tallyOf(byEmployee, row.userid), tallyOf(byChannel, row.channelKey)]) {
      tally.current.set(row.stageId, (tally.current.get(row.stageId) ?? 0) + row.count);
    }
  }

  const enteredCount = (tally: Tally, stageId: number) => tally.entered.get(stageId)?.size ?? 0;
  const steps = stages.filter((stage) => stage.kind !== 'lost');
  const nextOf = new Map(steps.map((stage, index) => [stage.id, steps[index + 1]?.id]));
  const wonIds = stages.filter((stage) => stage.kind === 'won').map((stage) => stage.id);

  const breakdown = (tallies: Map<string, Tally>, names: Map<string, string>) =>
    [...tallies]
      .map(([key, tally]) => {
        const won = new Set(wonIds.flatMap((id) => [...(tally.entered.get(id) ?? [])])).size;
        return {
          key,
          name: names.get(key) ?? key,
          stages: stages.map((stage) => ({ stageId: stage.id, entered: enteredCount(tally, stage.id), current: tally.current.get(stage.id) ?? 0 })),
          won,
          winRate: firstStageId === undefined ? null : ratio(won, enteredCount(tally, firstStageId)),
        };
      })
      .filter((row) => row.stages.some((stage) => stage.entered > 0 || stage.current > 0))
      .sort((a, b) => b.stages[0].entered - a.stages[0].entered || b.won - a.won || a.name.localeCompare(b.name) || a.key.localeCompare(b.key));

  return {
    stages: stages.map((stage) => {
      const next = nextOf.get(stage.id);
      const stay = stayHours.get(stage.id);
      return {
        stageId: stage.id,
        stageName: stage.name,
        kind: stage.kind,
        entered: enteredCount(all, stage.id),
        conversion: next === undefined ? null : ratio(enteredCount(all, next), enteredCount(all, stage.id)),
        averageHours: stay ? Math.round((stay.total / stay.count) * 100) / 100 : null,
        current: all.current.get(stage.id) ?? 0,
      };
    }),
    byEmployee: breakdown(byEmployee, input.employeeNames),
    byChannel: breakdown(byChannel, input.channelNames),
  };
}
