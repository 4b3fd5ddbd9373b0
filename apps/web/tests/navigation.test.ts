import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MenuNode } from '../src/api/types.ts';
import { leafIds, menuOptions, withAncestors, withoutEmptyChildren } from '../src/components/menu-tree.ts';
import { fromMenuNodes, fromSeed, pagesOf } from '../src/layout/navigation.ts';

const node = (id: number, parentId: number, menuType: 'M' | 'C' | 'F', path: string | null, children: MenuNode[] = [], extra: Partial<MenuNode> = {}): MenuNode => ({
  id, parentId, menuType, path, name: `菜单${id}`, nameEn: `Menu ${id}`, icon: null, perms: null, extraPerms: [], orderNum: id, visible: true, status: 0, children, ...extra,
});

const tree: MenuNode[] = [
  node(1, 0, 'C', '/dashboard'),
  node(2, 0, 'M', '/system', [
    node(3, 2, 'C', '/system/user', [node(4, 3, 'F', null, [], { perms: 'sys:user:save' }), node(5, 3, 'F', null, [], { perms: 'sys:user:delete' })]),
    node(6, 2, 'C', '/system/role', [], { status: 1 }),
    node(7, 2, 'C', '/system/hidden', [], { visible: false }),
  ]),
];

describe('navigation from the menu service', () => {
  it('keeps directories and pages, drops buttons and disabled menus, keeps hidden pages routable', () => {
    const items = fromMenuNodes(tree);
    assert.deepEqual(items.map((item) => item.path), ['/dashboard', '/system']);
    assert.deepEqual(items[1].children.map((item) => [item.path, item.visible]), [['/system/user', true], ['/system/hidden', false]]);
    assert.deepEqual(items[1].children[0].children, []);
    assert.deepEqual(pagesOf(items).map((page) => page.path), ['/dashboard', '/system/user', '/system/hidden']);
  });
});

describe('navigation from the seeded menus (menu service unavailable)', () => {
  it('shows a page only with its permission, and a directory only when a page under it shows', () => {
    const granted = new Set(['sys:user:list']);
    const items = fromSeed((code) => !code || granted.has(code));
    assert.deepEqual(items.map((item) => item.path), ['/dashboard', '/system']);
    assert.deepEqual(items[1].children.map((item) => item.path), ['/system/user']);
  });

  it('shows everything to an administrator', () => {
    const pages = pagesOf(fromSeed(() => true));
    assert.ok(pages.some((page) => page.path === '/acquisition/link'));
    assert.ok(pages.some((page) => page.path === '/system/audit'));
  });
});

describe('menu grant tree', () => {
  it('derives the checked leaves from stored grants and stores every ancestor of a checked node', () => {
    assert.deepEqual([...leafIds(tree)].sort((a, b) => a - b), [1, 4, 5, 6, 7]);
    assert.deepEqual(withAncestors(tree, [4]), [2, 3, 4]);
    assert.deepEqual(withAncestors(tree, [1, 5, 7]), [1, 2, 3, 5, 7]);
    assert.deepEqual(withAncestors(tree, []), []);
  });

  it('builds tree options, without buttons when asked', () => {
    const options = menuOptions(tree, (menu) => menu.nameEn ?? menu.name, { buttons: false });
    assert.equal(options[1].title, 'Menu 2');
    assert.equal(options[1].children?.[0].children, undefined);
    assert.equal(menuOptions(tree, (menu) => menu.name)[1].children?.[0].children?.length, 2);
  });

  it('drops empty children so tables show no expand icon on leaves', () => {
    const cleaned = withoutEmptyChildren(tree);
    assert.equal('children' in cleaned[0], false);
    assert.equal(cleaned[1].children?.length, 3);
  });
});
