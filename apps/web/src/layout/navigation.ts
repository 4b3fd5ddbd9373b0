import { menuTree, type MenuSeed } from '@scrm/shared';
import type { MenuNode } from '../api/types.ts';

/** One entry of the navigation, whichever source it came from. */
export interface NavigationItem {
  key: string;
  path: string;
  name: string;
  nameEn: string | null;
  icon: string | null;
  /** Page (C) or directory (M). */
  type: 'M' | 'C';
  visible: boolean;
  children: NavigationItem[];
}

/** From `/scrm/admin/sys/menu/userTree` (buttons are never in it; disabled menus are skipped). */
export function fromMenuNodes(nodes: MenuNode[]): NavigationItem[] {
  return nodes
    .filter((node) => node.menuType !== 'F' && node.status === 0)
    .map((node) => ({
      key: String(node.id),
      path: node.path ?? `/menu-${node.id}`,
      name: node.name,
      nameEn: node.nameEn,
      icon: node.icon,
      type: node.menuType === 'M' ? 'M' : 'C',
      visible: node.visible,
      children: fromMenuNodes(node.children ?? []),
    }));
}

/**
 * The seeded menus filtered by the caller's permissions: what the console shows when the menu service
 * cannot be reached. A page needs its permission; a directory shows when any page under it does.
 */
export function fromSeed(hasPermission: (code: string | undefined) => boolean, seeds: readonly MenuSeed[] = menuTree): NavigationItem[] {
  const items: NavigationItem[] = [];
  for (const seed of seeds) {
    if (seed.type === 'F') continue;
    if (seed.type === 'C') {
      if (!hasPermission(seed.perms)) continue;
      items.push(toItem(seed, []));
    } else {
      const children = fromSeed(hasPermission, seed.children ?? []);
      if (children.length > 0) items.push(toItem(seed, children));
    }
  }
  return items;
}

function toItem(seed: MenuSeed, children: NavigationItem[]): NavigationItem {
  return {
    key: seed.path ?? seed.name,
    path: seed.path ?? '/',
    name: seed.name,
    nameEn: seed.nameEn,
    icon: seed.icon ?? null,
    type: seed.type === 'M' ? 'M' : 'C',
    visible: true,
    children,
  };
}

/** Every page path of the navigation (hidden ones too), with its display names. */
export function pagesOf(items: NavigationItem[]): NavigationItem[] {
  return items.flatMap((item) => [...(item.type === 'C' ? [item] : []), ...pagesOf(item.children)]);
}
