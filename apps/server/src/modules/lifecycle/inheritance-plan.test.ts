// The policy's pure decisions: who takes over (documented order, eligibility, fallbacks) and how subjects are spread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTakeovers, departureDedupeKey, spreadSubjects, type PolicyChoice } from './inheritance-plan.ts';
import type { IneligibleReason } from '../org/org.repository.ts';

const states = (map: Record<string, IneligibleReason | null>) => (userid: string) => (userid in map ? map[userid] : 'unknown');
const leader = (fallback: string | null = null): PolicyChoice => ({ mode: 'leader', takeoverUserid: null, fallbackUserid: fallback });

test('leader mode: the direct leader first, then the main department leaders, then the fallback', () => {
  const leaders = { directLeaders: ['boss'], departmentLeaders: ['head1', 'head2'] };
  assert.deepEqual(chooseTakeovers({ departed: 'zhang', policy: leader('fb'), leaders, link: null, ineligible: states({ boss: null, head1: null, head2: null, fb: null }) }).takeovers, [
    { userid: 'boss', weight: 1, source: 'directLeader' },
  ]);
  const noBoss = chooseTakeovers({ departed: 'zhang', policy: leader('fb'), leaders, link: null, ineligible: states({ boss: 'left', head1: null, head2: 'noCustomerContact', fb: null }) });
  assert.deepEqual(noBoss.takeovers, [{ userid: 'head1', weight: 1, source: 'departmentLeader' }]);
  assert.deepEqual(noBoss.skipped, [
    { userid: 'boss', source: 'directLeader', reason: 'left' },
    { userid: 'head2', source: 'departmentLeader', reason: 'noCustomerContact' },
  ]);
  const fallback = chooseTakeovers({ departed: 'zhang', policy: leader('fb'), leaders, link: null, ineligible: states({ boss: 'left', head1: 'disabled', head2: 'notActivated', fb: null }) });
  assert.deepEqual(fallback.takeovers, [{ userid: 'fb', weight: 1, source: 'fallback' }]);
  assert.equal(fallback.manualReason, null);
});

test('the departed employee is never their own takeover (a leader of their own department)', () => {
  const choice = chooseTakeovers({ departed: 'zhang', policy: leader(), leaders: { directLeaders: [], departmentLeaders: ['zhang'] }, link: null, ineligible: states({ zhang: null }) });
  assert.deepEqual(choice.takeovers, []);
  assert.deepEqual(choice.skipped, [{ userid: 'zhang', source: 'departmentLeader', reason: 'self' }]);
  assert.equal(choice.manualReason, 'inheritanceNoEligibleTakeover');
});

test('nobody to ask: manual with the reason', () => {
  const none = chooseTakeovers({ departed: 'zhang', policy: leader(), leaders: { directLeaders: [], departmentLeaders: [] }, link: null, ineligible: states({}) });
  assert.equal(none.manualReason, 'inheritanceNoCandidate');
  const ineligibleFallback = chooseTakeovers({ departed: 'zhang', policy: leader('fb'), leaders: { directLeaders: [], departmentLeaders: [] }, link: null, ineligible: states({ fb: 'left' }) });
  assert.equal(ineligibleFallback.manualReason, 'inheritanceNoEligibleTakeover');
  const linkGone = chooseTakeovers({ departed: 'zhang', policy: { mode: 'link', takeoverUserid: null, fallbackUserid: null }, leaders: { directLeaders: [], departmentLeaders: [] }, link: null, ineligible: states({}) });
  assert.equal(linkGone.manualReason, 'inheritanceLinkMissing');
});

test('employee mode: the named employee, else the fallback', () => {
  const policy: PolicyChoice = { mode: 'employee', takeoverUserid: 'li', fallbackUserid: 'fb' };
  const none = { directLeaders: ['boss'], departmentLeaders: [] };
  assert.deepEqual(chooseTakeovers({ departed: 'zhang', policy, leaders: none, link: null, ineligible: states({ li: null, fb: null, boss: null }) }).takeovers.map((t) => t.userid), ['li']);
  assert.deepEqual(chooseTakeovers({ departed: 'zhang', policy, leaders: none, link: null, ineligible: states({ li: 'disabled', fb: null }) }).takeovers.map((t) => t.source), ['fallback']);
});

test('link mode: the eligible rules with their weights', () => {
  const policy: PolicyChoice = { mode: 'link', takeoverUserid: null, fallbackUserid: 'fb' };
  const link = { linkName: '展会', rules: [{ userid: 'a', weight: 2 }, { userid: 'b', weight: 1 }, { userid: 'c', weight: 5 }] };
  const choice = chooseTakeovers({ departed: 'zhang', policy, leaders: { directLeaders: [], departmentLeaders: [] }, link, ineligible: states({ a: null, b: null, c: 'left', fb: null }) });
  assert.deepEqual(choice.takeovers, [{ userid: 'a', weight: 2, source: 'link' }, { userid: 'b', weight: 1, source: 'link' }]);
  assert.deepEqual(choice.skipped, [{ userid: 'c', source: 'link', reason: 'left' }]);
});

test('spreading: one takeover gets everything; weights 2:1 share 2 in 3, evenly; deterministic', () => {
  const subjects = { externalUserids: Array.from({ length: 9 }, (_, i) => `wm${i}`), chatIds: ['wr1', 'wr2', 'wr3'] };
  assert.deepEqual(spreadSubjects([{ userid: 'boss', weight: 1 }], subjects), [{ takeoverUserid: 'boss', externalUserids: subjects.externalUserids, chatIds: subjects.chatIds }]);
  const plan = spreadSubjects([{ userid: 'a', weight: 2 }, { userid: 'b', weight: 1 }], subjects);
  assert.deepEqual(plan.map((entry) => [entry.takeoverUserid, entry.externalUserids.length, entry.chatIds.length]), [['a', 6, 2], ['b', 3, 1]]);
  assert.deepEqual(plan[1].externalUserids, ['wm1', 'wm4', 'wm7'], 'spread evenly (a a b … smooth), not in blocks');
  const shuffled = { externalUserids: [...subjects.externalUserids].reverse(), chatIds: [...subjects.chatIds].reverse() };
  assert.deepEqual(spreadSubjects([{ userid: 'a', weight: 2 }, { userid: 'b', weight: 1 }], shuffled), plan, 'the same subjects in any order give the same plan');
  assert.deepEqual(spreadSubjects([], subjects), []);
  // All weights zero: equal shares (the routing engine's rule).
  const zero = spreadSubjects([{ userid: 'a', weight: 0 }, { userid: 'b', weight: 0 }], { externalUserids: ['1', '2', '3', '4'], chatIds: [] });
  assert.deepEqual(zero.map((entry) => entry.externalUserids.length), [2, 2]);
});

test('dedupe keys: one per departure and takeover', () => {
  assert.equal(departureDedupeKey('zhang', 7, 'boss'), 'departure:zhang:7:boss');
  assert.notEqual(departureDedupeKey('zhang', 7, 'boss'), departureDedupeKey('zhang', 8, 'boss'));
});
