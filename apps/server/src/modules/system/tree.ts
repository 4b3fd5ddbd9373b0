import { sql } from 'drizzle-orm';
import type { Tx } from '../../platform/db/database.ts';

/** Nodes with `children`, built from flat rows already in display order. */
export type TreeNode<T> = T & { children: TreeNode<T>[] };

/**
 * Builds a forest from rows carrying `id` and `parentId`. A row whose parent is not among the rows becomes
 * a root, so a filtered set of rows still shows every row. Sibling order is the rows' order.
 */
export function buildTree<T extends { id: number; parentId: number }>(rows: readonly T[]): TreeNode<T>[] {
  const nodes = new Map<number, TreeNode<T>>(rows.map((row) => [row.id, { ...row, children: [] }]));
  const roots: TreeNode<T>[] = [];
  for (const row of rows) {
    const node = nodes.get(row.id)!;
    const parent = row.parentId !== row.id ? nodes.get(row.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Ids of `id` and everything below it, given every row's parent. */
export function subtreeIds(rows: readonly { id: number; parentId: number }[], id: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const row of rows) children.set(row.parentId, [...(children.get(row.parentId) ?? []), row.id]);
  const found = new Set<number>();
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    if (found.has(current)) continue;
    found.add(current);
    stack.push(...(children.get(current) ?? []));
  }
  return found;
}

/**
 * Serializes structural changes to one tree (moves, creations, deletions) for the rest of the transaction:
 * concurrent moves cannot form a cycle, and checks such as "no children" or "unique code" hold until commit.
 */
export const lockTree = (tx: Tx, key: number) => tx.execute(sql`SELECT pg_advisory_xact_lock(${key})`);
