import { z } from 'zod';
import { dateTime, requiredText } from '../../platform/http/schemas.ts';
import { optionalField, optionalPattern } from './form-fields.ts';

export const MENU_TYPES = ['M', 'C', 'F'] as const;

const menuFields = {
  id: z.number(),
  parentId: z.number().describe('0 for a top-level menu'),
  name: z.string(),
  nameEn: z.string().nullable(),
  menuType: z.enum(MENU_TYPES).describe('M directory, C menu (a page), F button (a permission)'),
  path: z.string().nullable(),
  icon: z.string().nullable(),
  perms: z.string().nullable().describe('permission code, e.g. sys:user:save'),
  extraPerms: z
    .array(z.string())
    .describe("further permission codes holding this menu grants: the reads its page or button calls in other modules (e.g. 客户列表 reads relations, cust:emp:list); set by the product's menu tree on every start, not by this API"),
  orderNum: z.number(),
  visible: z.boolean().describe('false: a route the navigation does not show'),
  status: z.number().describe('0 normal, 1 disabled (grants nothing, not shown)'),
};

export const menuRecord = z.object({
  ...menuFields,
  component: z.string().nullable(),
  ctime: dateTime,
  cuser: z.string().nullable(),
  mtime: dateTime,
  muser: z.string().nullable(),
});
export type MenuRecord = z.output<typeof menuRecord>;

export const menuRow = z.object(menuFields);
export type MenuRow = z.output<typeof menuRow>;

export interface MenuNode extends MenuRow {
  children: MenuNode[];
}
export const menuNode: z.ZodType<MenuNode> = z
  .object({
    ...menuFields,
    get children(): z.ZodArray<z.ZodType<MenuNode>> {
      return z.array(menuNode);
    },
  })
  .meta({ id: 'MenuNode' });

export const userMenuTree = z.object({
  menus: z
    .array(menuNode)
    .describe(
      'navigation: enabled directories (M) and pages (C) the caller was granted, each with its ancestors, ordered by orderNum; ' +
        'buttons (F) are never in it. Hidden pages (visible=false) are included so the console can still route to them.',
    ),
  permissions: z.array(z.string()).describe('every permission code the caller holds (pages and buttons), sorted; what the server enforces'),
  isAdmin: z.boolean().describe('administrators see every menu and hold every permission'),
});

export const menuSaveBody = z.object({
  id: z.number().int().positive().optional(),
  parentId: z.number().int().min(0).default(0).describe('0 for a top-level menu'),
  name: requiredText(64),
  nameEn: optionalField(64),
  menuType: z.enum(MENU_TYPES),
  path: optionalField(255),
  component: optionalField(255),
  icon: optionalField(64),
  perms: optionalPattern(100, /^[A-Za-z0-9_:.*-]+$/, 'letters, digits or _ : . * -').describe('unique when set; required for buttons (F)'),
  orderNum: z.number().int().min(0).max(1_000_000).default(0),
  visible: z.boolean().default(true),
  status: z.number().int().min(0).max(1).default(0),
});
export type MenuSaveBody = z.output<typeof menuSaveBody>;
