import type { MenuNode } from '../api/types.ts';

export interface MenuTreeOption {
  key: number;
  value: number;
  title: string;
  children?: MenuTreeOption[];
}

/** Menu nodes as Tree / TreeSelect data, titled by `label` (optionally without buttons). */
export function menuOptions(nodes: MenuNode[], label: (node: MenuNode) => string, options: { buttons?: boolean } = {}): MenuTreeOption[] {
  return nodes
    .filter((node) => options.buttons !== false || node.menuType !== 'F')
    .map((node) => {
      const children = menuOptions(node.children ?? [], label, options);
      return { key: node.id, value: node.id, title: label(node), children: children.length > 0 ? children : undefined };
    });
}

/** Ids of the nodes without children: what a checkable Tree needs to show stored grants correctly. */
export function leafIds(nodes: MenuNode[]): Set<number> {
  const leaves = new Set<number>();
  const walk = (list: MenuNode[]) => {
    for (const node of list) {
      if (!node.children || node.children.length === 0) leaves.add(node.id);
      else walk(node.children);
    }
  };
  walk(nodes);
  return leaves;
}

/** Drops empty `children` arrays so tables do not show expand icons on leaves. */
export function withoutEmptyChildren<T extends { children?: T[] }>(nodes: T[]): T[] {
  return nodes.map((node) => {
    const children = node.children && node.children.length > 0 ? withoutEmptyChildren(node.children) : undefined;
    const copy = { ...node };
    if (children) copy.children = children;
    else delete copy.children;
    return copy;
  });
}

/** The ids with every ancestor of each: a grant of a page or button implies its directories. */
export function withAncestors(nodes: MenuNode[], ids: Iterable<number>): number[] {
  const parentOf = new Map<number, number>();
  const walk = (list: MenuNode[], parent: number | null) => {
    for (const node of list) {
      if (parent !== null) parentOf.set(node.id, parent);
      walk(node.children ?? [], node.id);
    }
  };
  walk(nodes, null);
  const result = new Set<number>();
  for (const id of ids) {
    for (let current: number | undefined = id; current !== undefined && !result.has(current); current = parentOf.get(current)) result.add(current);
  }
  return [...result].sort((a, b) => a - b);
}
