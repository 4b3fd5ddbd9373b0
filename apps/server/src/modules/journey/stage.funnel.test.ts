// The funnel as a plain function: entries, conversion, time in stage, current counts and the breakdowns.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeFunnel, type FunnelInput, type FunnelRelation } from './stage.funnel.ts';

const STAGES: FunnelInput['stages'] = [
  { id: 1, name: '新客户', kind: 'normal' },
  { id: 2, name: '有意向', kind: 'normal' },
  { id: 3, name: '已报价', kind: 'normal' },
  { id: 4, name: '已成交', kind: 'won' },
  { id: 5, name: '流失', kind: 'lost' },
];
const START = new Date('2026-05-01T00:00:00Z');
const END = new Date('2026-05-02T00:00:00Z');
const at = (hours: number) => new Date(START.getTime() + hours * 3_600_000);

function relation(relationId: number, addedAtHours: number, moves: Array<[number, number]>, userid = 'alice', channelKey = ''): FunnelRelation {
  return { relationId, userid, channelKey, addedAt: at(addedAtHours), moves: moves.map(([hours, toStageId]) => ({ at: at(hours), toStageId })) };
}

function run(relations: FunnelRelation[], extra: Partial<FunnelInput> = {}) {
  return computeFunnel({
    stages: STAGES,
    relations,
    current: [],
    start: START,
    end: END,
    employeeNames: new Map([['alice', '爱丽丝'], ['bob', '鲍勃']]),
    channelNames: new Map([['', '无渠道'], ['7', '展会']]),
    ...extra,
  });
}

const byStage = (result: ReturnType<typeof run>) => Object.fromEntries(result.stages.map((stage) => [stage.stageName, stage]));

describe('stage funnel', () => {
  test('entries, conversion to the next step, time in stage of stays that ended in the period', () => {
    const result = run([
      relation(1, 1, [[3, 2], [7, 3], [10, 4]]), // all the way: 2 h in 新客户, 4 h in 有意向, 3 h in 已报价
      relation(2, 2, [[4, 2], [6, 5]]), // 2 h in 新客户, 2 h in 有意向, then lost
      relation(3, 5, []), // new, still there
      relation(4, 6, [[8, 2]]), // 2 h in 新客户
    ]);
    const stages = byStage(result);
    assert.deepEqual(result.stages.map((stage) => stage.entered), [4, 3, 1, 1, 1]);
    assert.equal(stages['新客户'].conversion, 0.75);
    assert.equal(stages['有意向'].conversion, 0.3333);
    assert.equal(stages['已报价'].conversion, 1);
    assert.equal(stages['已成交'].conversion, null, 'no next step after the last one');
    assert.equal(stages['流失'].conversion, null, 'the lost stage is outside the steps');
    assert.equal(stages['新客户'].averageHours, 2);
    assert.equal(stages['有意向'].averageHours, 3);
    assert.equal(stages['已报价'].averageHours, 3);
    assert.equal(stages['已成交'].averageHours, null, 'nobody left it');
    assert.equal(stages['流失'].kind, 'lost');
  });

  test('only what happened in the period counts; stays that began before it count when they end in it', () => {
    const result = run([
      relation(1, -48, [[-24, 2], [5, 3], [30, 4]]), // added and moved before; enters 已报价 in the period, 已成交 after it
      relation(2, 30, []), // added after the period
    ]);
    const stages = byStage(result);
    assert.deepEqual(result.stages.map((stage) => stage.entered), [0, 0, 1, 0, 0]);
    assert.equal(stages['有意向'].averageHours, 29, 'a stay from the day before, ended in the period');
    assert.equal(stages['已报价'].averageHours, null, 'its stay ends after the period');
    assert.equal(stages['新客户'].conversion, null, 'none entered');
  });

  test('a relation entering a stage twice counts once; a move to its own stage or back in time changes nothing', () => {
    const result = run([relation(1, 1, [[2, 2], [3, 1], [4, 2], [5, 2], [3.5, 3]])]);
    assert.deepEqual(result.stages.map((stage) => stage.entered), [1, 1, 0, 0, 0]);
    // Stays that ended: 新客户 1 h and 1 h, 有意向 1 h.
    assert.equal(byStage(result)['新客户'].averageHours, 1);
    assert.equal(byStage(result)['有意向'].averageHours, 1);
  });

  test('moves into a stage that no longer exists are followed but not reported', () => {
    const result = run([relation(1, 1, [[2, 99], [4, 3]])]);
    assert.deepEqual(result.stages.map((stage) => stage.entered), [1, 0, 1, 0, 0]);
    assert.equal(result.stages.length, 5);
  });

  test('current counts add up across employees and channels; breakdowns by name with win rates', () => {
    const result = run(
      [
        relation(1, 1, [[2, 2], [3, 4]], 'alice', '7'),
        relation(2, 1, [], 'alice', ''),
        relation(3, 2, [[3, 2]], 'bob', '7'),
      ],
      {
        current: [
          { stageId: 1, userid: 'alice', channelKey: '', count: 5 },
          { stageId: 4, userid: 'alice', channelKey: '7', count: 2 },
          { stageId: 2, userid: 'bob', channelKey: '7', count: 1 },
          { stageId: 5, userid: 'carol', channelKey: '', count: 3 },
        ],
      },
    );
    assert.deepEqual(result.stages.map((stage) => stage.current), [5, 1, 0, 2, 3]);
    const alice = result.byEmployee.find((row) => row.key === 'alice')!;
    assert.equal(alice.name, '爱丽丝');
    assert.deepEqual(alice.stages.map((stage) => stage.entered), [2, 1, 0, 1, 0]);
    assert.deepEqual(alice.stages.map((stage) => stage.current), [5, 0, 0, 2, 0]);
    assert.equal(alice.won, 1);
    assert.equal(alice.winRate, 0.5);
    const carol = result.byEmployee.find((row) => row.key === 'carol')!;
    assert.equal(carol.name, 'carol', 'an employee without a name shows their userid');
    assert.equal(carol.winRate, null, 'nobody entered');
    assert.deepEqual(result.byEmployee.map((row) => row.key), ['alice', 'bob', 'carol'], 'most entries first');
    const exhibition = result.byChannel.find((row) => row.key === '7')!;
    assert.equal(exhibition.name, '展会');
    assert.deepEqual(exhibition.stages.map((stage) => stage.entered), [2, 2, 0, 1, 0]);
    assert.equal(exhibition.winRate, 0.5);
    assert.equal(result.byChannel.find((row) => row.key === '')!.name, '无渠道');
  });

  test('no relations, or a pipeline without steps: zeros and nulls, never a division by zero', () => {
    const empty = run([]);
    assert.deepEqual(empty.stages.map((stage) => [stage.entered, stage.conversion, stage.averageHours, stage.current]), STAGES.map(() => [0, null, null, 0]));
    assert.deepEqual(empty.byEmployee, []);
    const lostOnly = computeFunnel({ stages: [STAGES[4]], relations: [relation(1, 1, [])], current: [], start: START, end: END, employeeNames: new Map(), channelNames: new Map() });
    assert.deepEqual(lostOnly.stages.map((stage) => stage.entered), [0]);
  });
});
