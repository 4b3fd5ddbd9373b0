/**
 * Every page under 首页, 获客管理, 客户管理 and 标签管理 works for a role granted exactly that page's menu and its
 * buttons, and a grant revoked while a page is open is named in words (support/menu-only.ts).
 */
import { describeMenuOnlyPages, MENU_ONLY_SPLIT } from './support/menu-only.ts';

describeMenuOnlyPages(MENU_ONLY_SPLIT[0], { revokedGrant: true });
