import type { Db, Tx } from '../../platform/db/database.ts';
import { actorOf, type RequestContext } from '../../platform/auth/context.ts';
import { Conflict, Forbidden, InvalidField, NotFound } from '../../platform/http/errors.ts';
import './system.messages.ts';
import type { MenuRepository } from './menu.repository.ts';
import type { MenuRow, MenuSaveBody } from './menu.schemas.ts';
import { buildTree, lockTree, subtreeIds } from './tree.ts';

// Structural changes to the menu tree are serialized: no concurrent moves can make a cycle, no two saves
// can take the same permission code.
const MENU_TREE_LOCK = 727_101;

export function createMenuService(deps: { db: Db; menus: MenuRepository; now: () => number }) {
  const { db, menus } = deps;

  async function requireMenu(id: number, tx: Db | Tx = db) {
    const menu = await menus.findById(id, tx);
    if (!menu) throw new NotFound('menu', id);
    return menu;
  }

  return {
    tree: async () => buildTree(await menus.all()),
    get: (id: number) => requireMenu(id),

    /**
     * The caller's navigation: granted menus plus their ancestors, without buttons, without anything
     * disabled (a disabled directory hides its subtree), and the permission codes the server enforces.
     */
    async userTree(ctx: RequestContext) {
      const all = await menus.all();
      const byId = new Map(all.map((menu) => [menu.id, menu]));
      const shown = new Set<number>();
      const granted = ctx.user.isAdmin ? all.map((menu) => menu.id) : await menus.grantedTo(ctx.user.id);
      for (const id of granted) {
        for (let menu = byId.get(id); menu && !shown.has(menu.id); menu = byId.get(menu.parentId)) shown.add(menu.id);
      }
      const enabled = (menu: MenuRow | undefined): boolean =>
        !menu || (menu.status === 0 && (menu.parentId === 0 || enabled(byId.get(menu.parentId))));
      const navigation = all.filter((menu) => shown.has(menu.id) && menu.menuType !== 'F' && enabled(menu));
      const permissions = ctx.user.isAdmin
        ? all.filter((menu) => menu.status === 0).flatMap((menu) => [...(menu.perms ? [menu.perms] : []), ...menu.extraPerms])
        : [...ctx.user.permissions];
      return { menus: buildTree(navigation), permissions: [...new Set(permissions)].sort(), isAdmin: ctx.user.isAdmin };
    },

    async save(ctx: RequestContext, body: MenuSaveBody) {
      const actor = actorOf(ctx);
      const now = new Date(deps.now());
      const id = await db.transaction(async (tx) => {
        await lockTree(tx, MENU_TREE_LOCK);
        const existing = body.id === undefined ? undefined : await requireMenu(body.id, tx);
        // Permission codes are what routes check: only the super administrator sets or changes them, or
        // switches on and off a menu that carries one.
        if (!ctx.user.isAdmin) {
          const permsBefore = existing?.perms ?? null;
          const permsChanged = (body.perms ?? null) !== permsBefore;
          const statusChanged = existing !== undefined && existing.status !== body.status && permsBefore !== null;
          if (permsChanged || statusChanged) throw new Forbidden('menuPermsAdminOnly');
        }
        if (body.parentId !== 0) {
          const parent = await menus.findById(body.parentId, tx);
          if (!parent || parent.menuType === 'F') throw new InvalidField('parentId', 'menuParentInvalid');
          if (body.id !== undefined && subtreeIds(await menus.all(tx), body.id).has(body.parentId)) {
            throw new InvalidField('parentId', 'menuParentInvalid');
          }
        }
        if (body.menuType === 'F' && !body.perms) throw new InvalidField('perms', 'permsRequired');
        if (body.perms && (await menus.permsTaken(body.perms, body.id, tx))) throw new Conflict('permsTaken', { perms: body.perms });
        const fields = {
          parentId: body.parentId,
          name: body.name,
          nameEn: body.nameEn ?? null,
          menuType: body.menuType,
          path: body.path ?? null,
          component: body.component ?? null,
          icon: body.icon ?? null,
          perms: body.perms ?? null,
          orderNum: body.orderNum,
          visible: body.visible,
          status: body.status,
          muser: actor,
          mtime: now,
        };
        if (body.id === undefined) return menus.insert(tx, { ...fields, cuser: actor, ctime: now });
        await menus.update(tx, body.id, fields);
        return body.id;
      });
      return requireMenu(id);
    },

    async delete(id: number) {
      await db.transaction(async (tx) => {
        await lockTree(tx, MENU_TREE_LOCK);
        await requireMenu(id, tx);
        if (await menus.hasChildren(id, tx)) throw new Conflict('menuHasChildren');
        await menus.delete(tx, id);
      });
      return { id };
    },
  };
}

export type MenuService = ReturnType<typeof createMenuService>;
