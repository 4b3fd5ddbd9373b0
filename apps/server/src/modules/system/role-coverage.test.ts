import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callerCoversRole, deptSubtree, deptsCoveredByRole, uncoveredDepts, type DeptNode, type Granter } from './role-coverage.ts';
import { DATA_SCOPE, type DataScope } from '../../platform/auth/data-scope.ts';

// 1 root ─┬─ 2 sales ─┬─ 4 east
//         │           └─ 5 west ── 7 west-1
//         └─ 3 support ── 6 night
const depts: DeptNode[] = [
  { id: 1, ancestors: '0' },
  { id: 2, ancestors: '0,1' },
  { id: 3, ancestors: '0,1' },
  { id: 4, ancestors: '0,1,2' },
  { id: 5, ancestors: '0,1,2' },
  { id: 6, ancestors: '0,1,3' },
  { id: 7, ancestors: '0,1,2,5' },
];
const all: DataScope = { all: true };
const only = (...deptIds: number[]): DataScope => ({ all: false, deptIds });

describe('deptSubtree', () => {
  it('is the department and every descendant, nothing else', () => {
    assert.deepEqual(deptSubtree(1, depts), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(deptSubtree(2, depts), [2, 4, 5, 7]);
    assert.deepEqual(deptSubtree(5, depts), [5, 7]);
    assert.deepEqual(deptSubtree(7, depts), [7]);
    assert.deepEqual(deptSubtree(3, depts), [3, 6]);
  });
  it('does not take an id that is a prefix of another (2 is not 12)', () => {
    assert.deepEqual(deptSubtree(2, [...depts, { id: 12, ancestors: '0,1' }, { id: 13, ancestors: '0,1,12' }]), [2, 4, 5, 7]);
  });
  it('is empty for a department that is not live', () => {
    assert.deepEqual(deptSubtree(99, depts), []);
  });
});

describe('deptsCoveredByRole', () => {
  it('all: everything, wherever the holder is', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.all, deptIds: [] }, 4, depts), all);
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.all, deptIds: [] }, null, depts), all);
  });
  it('custom: exactly its departments (not their subtrees), deduplicated', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.custom, deptIds: [5, 3, 5] }, 4, depts), only(3, 5));
  });
  it('own department: the holder\'s department, nothing without one', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDept, deptIds: [6] }, 2, depts), only(2));
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDept, deptIds: [] }, null, depts), only());
  });
  it('own department and below: the holder\'s subtree, nothing without a department', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDeptAndBelow, deptIds: [] }, 2, depts), only(2, 4, 5, 7));
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDeptAndBelow, deptIds: [] }, null, depts), only());
  });
  it('self: no department', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: DATA_SCOPE.self, deptIds: [1] }, 1, depts), only());
  });
  it('an unknown scope number counts as everything (so only "all" covers it)', () => {
    assert.deepEqual(deptsCoveredByRole({ dataScope: 0, deptIds: [] }, 1, depts), all);
    assert.deepEqual(deptsCoveredByRole({ dataScope: 9, deptIds: [] }, 1, depts), all);
  });
});

describe('uncoveredDepts', () => {
  it('"all" covers everything, including "all"', () => {
    assert.deepEqual(uncoveredDepts(all, all), []);
    assert.deepEqual(uncoveredDepts(all, only(1, 2)), []);
  });
  it('"all" is covered only by "all", however many departments the outer scope lists', () => {
    assert.equal(uncoveredDepts(only(1, 2, 3, 4, 5, 6, 7), all), 'all');
    assert.equal(uncoveredDepts(only(), all), 'all');
  });
  it('lists the departments outside, sorted and once', () => {
    assert.deepEqual(uncoveredDepts(only(2, 4), only(4, 6, 3, 6)), [3, 6]);
    assert.deepEqual(uncoveredDepts(only(2, 4), only(4, 2)), []);
    assert.deepEqual(uncoveredDepts(only(), only()), []);
    assert.deepEqual(uncoveredDepts(only(), only(1)), [1]);
  });
});

describe('callerCoversRole', () => {
  const caller = (menus: number[], scope: DataScope, superAdmin = false): Granter => ({ superAdmin, menuIds: new Set(menus), scope });

  it('the super administrator covers anything', () => {
    assert.deepEqual(callerCoversRole(caller([], only(), true), { menuIds: [1, 2, 3], covers: [all] }), { covered: true });
  });

  it('refuses menus the caller does not hold, listing them', () => {
    assert.deepEqual(callerCoversRole(caller([10, 11], all), { menuIds: [10, 12, 13, 12], covers: [] }), {
      covered: false, missingMenuIds: [12, 13], uncoveredDeptIds: [],
    });
    assert.deepEqual(callerCoversRole(caller([10, 11], all), { menuIds: [11, 10], covers: [] }), { covered: true });
    assert.deepEqual(callerCoversRole(caller([], only()), { menuIds: [], covers: [only()] }), { covered: true });
  });

  it('self scope covers granting self scope and nothing wider (the self-scope widening attack)', () => {
    const self = caller([10], only());
    assert.deepEqual(callerCoversRole(self, { menuIds: [10], covers: [only()] }), { covered: true });
    assert.deepEqual(callerCoversRole(self, { menuIds: [10], covers: [all] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: 'all' });
    assert.deepEqual(callerCoversRole(self, { menuIds: [10], covers: [only(4)] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: [4] });
  });

  it('compares departments, not scope numbers: a narrow "own department and below" does not cover a wide custom scope', () => {
    // The caller holds "own department and below" in west (5): sees 5 and 7.
    const west = caller([], only(...deptSubtree(5, depts)));
    const custom = deptsCoveredByRole({ dataScope: DATA_SCOPE.custom, deptIds: [2, 3, 4] }, null, depts);
    assert.deepEqual(callerCoversRole(west, { menuIds: [], covers: [custom] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: [2, 3, 4] });
    // …while a custom scope (2 = custom, a "wider" number than 1 = all only in name) inside the subtree is covered.
    const inside = deptsCoveredByRole({ dataScope: DATA_SCOPE.custom, deptIds: [7] }, null, depts);
    assert.deepEqual(callerCoversRole(west, { menuIds: [], covers: [inside] }), { covered: true });
    // And "own department" (3) for a holder in east is outside west, although 3 > 2 numerically.
    const eastOwn = deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDept, deptIds: [] }, 4, depts);
    assert.deepEqual(callerCoversRole(west, { menuIds: [], covers: [eastOwn] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: [4] });
  });

  it('a custom scope listing every department still does not cover "all"', () => {
    const everyDept = caller([], only(1, 2, 3, 4, 5, 6, 7));
    assert.deepEqual(callerCoversRole(everyDept, { menuIds: [], covers: [all] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: 'all' });
    assert.deepEqual(callerCoversRole(everyDept, { menuIds: [], covers: [only(1, 7)] }), { covered: true });
  });

  it('a non-administrator with scope "all" covers any scope but still not menus they lack', () => {
    const wide = caller([10], all);
    assert.deepEqual(callerCoversRole(wide, { menuIds: [10], covers: [all, only(3)] }), { covered: true });
    assert.deepEqual(callerCoversRole(wide, { menuIds: [10, 11], covers: [all] }), { covered: false, missingMenuIds: [11], uncoveredDeptIds: [] });
  });

  it('checks every holder\'s coverage and reports the union of what is outside', () => {
    const sales = caller([1], only(2, 4, 5, 7));
    const holderInEast = deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDeptAndBelow, deptIds: [] }, 4, depts);
    const holderInSupport = deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDeptAndBelow, deptIds: [] }, 3, depts);
    const holderInRoot = deptsCoveredByRole({ dataScope: DATA_SCOPE.ownDept, deptIds: [] }, 1, depts);
    assert.deepEqual(callerCoversRole(sales, { menuIds: [1], covers: [holderInEast] }), { covered: true });
    assert.deepEqual(callerCoversRole(sales, { menuIds: [1, 2], covers: [holderInEast, holderInSupport, holderInRoot] }), {
      covered: false, missingMenuIds: [2], uncoveredDeptIds: [1, 3, 6],
    });
    assert.deepEqual(callerCoversRole(sales, { menuIds: [], covers: [holderInEast, all] }), { covered: false, missingMenuIds: [], uncoveredDeptIds: 'all' });
  });
});
