/**
 * Every page under 客户群, 线索公海, 企微管理 and 系统管理 works for a role granted exactly that page's menu and its
 * buttons (support/menu-only.ts).
 */
import { describeMenuOnlyPages, MENU_ONLY_SPLIT } from './support/menu-only.ts';

describeMenuOnlyPages(MENU_ONLY_SPLIT[1]);
