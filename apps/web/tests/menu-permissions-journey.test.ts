/**
 * The journey pages under 客户运营 (SOP, 我的待办, 话术库, stages) work for a role granted exactly that page's menu
 * and its buttons (support/menu-only.ts).
 */
import { describeMenuOnlyPages, MENU_ONLY_SPLIT } from './support/menu-only.ts';

describeMenuOnlyPages(MENU_ONLY_SPLIT[3]);
