// Corp configuration an operator manages from SCRM: 入群欢迎语素材 (API-FACTS-OPERATIONS §19) and 管理聊天敏感词
// (§21). Both are corp-wide libraries of at most 100 entries; an app may change only what it created (templates:
// 41058; rules made in WeCom's admin console: refused too, the errcode is unverified so 48002 stands in).
// Where the doc is inconsistent (§26: rule_id type, semantics_list placement) input is accepted in both forms.
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { SimState } from '../state.ts';
import type { IssuedToken } from '../tokens.ts';
import { checkAttachment } from './media.ts';
import { optionalNumber, optionalNumberList, optionalObject, optionalString, optionalStringList, requireString, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

export const GROUP_WELCOME_LIMITS = { templates: 100, addTextBytes: 3_000, editTextBytes: 4_000 } as const;
export const INTERCEPT_LIMITS = { rules: 100, nameCharacters: 20, words: 300, wordCharacters: 32, rangeNodes: 1_000, ruleUsers: 10_000 } as const;

/** Who made an entry: an app (by its secret) or an administrator in WeCom's admin console. */
export type ConfigCreator = 'app' | 'contactSync' | 'admin';

/** WeCom keeps one attachment, by this priority (§19). */
const ATTACHMENT_PRIORITY = ['image', 'link', 'miniprogram', 'file', 'video'] as const;

export interface GroupWelcomeTemplate {
  template_id: string;
  text?: { content: string };
  /** The one attachment kept, as given (image: media_id or pic_url). */
  attachment?: Json & { msgtype: string };
  notify: 0 | 1;
  created_by: ConfigCreator;
  create_time: number;
}

export interface InterceptRuleRecord {
  rule_id: string;
  rule_name: string;
  word_list: string[];
  semantics_list: number[];
  intercept_type: 1 | 2;
  user_list: string[];
  department_list: number[];
  created_by: ConfigCreator;
  create_time: number;
}

const characters = (text: string) => Array.from(text).length;
const creatorOf = (token: IssuedToken | undefined): ConfigCreator => token?.kind ?? 'app';

// ---- 入群欢迎语素材 ------------------------------------------------------------------------------------

function checkTemplateContent(core: SimulatorCore, body: Json, maxTextBytes: number): Pick<GroupWelcomeTemplate, 'text' | 'attachment'> {
  const text = optionalObject(body, 'text');
  const content = text ? optionalString(text, 'content') : undefined;
  if (content !== undefined && Buffer.byteLength(content) > maxTextBytes) fail(45002, `text.content exceeds ${maxTextBytes} bytes`);
  let attachment: GroupWelcomeTemplate['attachment'];
  for (const msgtype of ATTACHMENT_PRIORITY) {
    const given = optionalObject(body, msgtype);
    if (!given) continue;
    // Lower-priority ones are ignored by WeCom, but each given one must still be well-formed.
    const checked = checkAttachment(core, { msgtype, [msgtype]: given });
    attachment ??= checked as GroupWelcomeTemplate['attachment'];
  }
  if (content === undefined && !attachment) fail(44004, 'text and attachments are both empty');
  return { ...(content !== undefined ? { text: { content } } : {}), ...(attachment ? { attachment } : {}) };
}

function requireTemplate(state: SimState, body: Json): GroupWelcomeTemplate {
  const id = requireString(body, 'template_id');
  // No errcode for an unknown template_id is documented (§19); WeCom's generic parameter error stands in.
  return state.groupWelcomeTemplates.get(id) ?? fail(40058, `invalid template_id: ${id}`);
}

function requireOwnTemplate(state: SimState, body: Json, token: IssuedToken | undefined): GroupWelcomeTemplate {
  const template = requireTemplate(state, body);
  if (template.created_by !== creatorOf(token)) fail(41058, 'no privilege to edit this group welcome template');
  return template;
}

/** Adds a template (an app through the API, or an administrator in the admin console). */
export function addGroupWelcomeTemplate(core: SimulatorCore, body: Json, createdBy: ConfigCreator): string {
  const { state } = core;
  const content = checkTemplateContent(core, body, GROUP_WELCOME_LIMITS.addTextBytes);
  if (state.groupWelcomeTemplates.size >= GROUP_WELCOME_LIMITS.templates) fail(41055, 'group welcome template count reached the limit');
  const notify = optionalNumber(body, 'notify');
  const template: GroupWelcomeTemplate = { template_id: state.newGroupWelcomeTemplateId(), ...content, notify: notify === 0 ? 0 : 1, created_by: createdBy, create_time: core.nowSeconds() };
  state.groupWelcomeTemplates.set(template.template_id, template);
  return template.template_id;
}

function templateView(template: GroupWelcomeTemplate): Json {
  const view: Json = {};
  if (template.text) view.text = template.text;
  const attachment = template.attachment;
  if (attachment) {
    const content = structuredClone(attachment[attachment.msgtype] as Json);
    // get answers an image by pic_url only (an uploaded media_id becomes a CDN url).
    if (attachment.msgtype === 'image') view.image = { pic_url: (content.pic_url as string | undefined) ?? `https://wework.qpic.cn/wwpic/${String(content.media_id).slice(0, 24)}/0` };
    else view[attachment.msgtype] = content;
  }
  return view;
}

// ---- 管理聊天敏感词 ------------------------------------------------------------------------------------

function checkRuleName(state: SimState, name: string, except?: string): string {
  if (characters(name) < 1 || characters(name) > INTERCEPT_LIMITS.nameCharacters) fail(40058, `rule_name must be 1~${INTERCEPT_LIMITS.nameCharacters} characters`);
  for (const rule of state.interceptRules.values()) if (rule.rule_name === name && rule.rule_id !== except) fail(41077, 'rule name is not unique');
  return name;
}

function checkWords(words: string[]): string[] {
  if (words.length > INTERCEPT_LIMITS.words) fail(41068, `word_list exceeds ${INTERCEPT_LIMITS.words}`);
  for (const word of words) if (characters(word) < 1 || characters(word) > INTERCEPT_LIMITS.wordCharacters) fail(41083, `word must be 1~${INTERCEPT_LIMITS.wordCharacters} characters: ${word}`);
  return [...new Set(words)];
}

function readSemantics(body: Json): number[] | undefined {
  const extra = optionalObject(body, 'extra_rule');
  const list = (extra ? optionalNumberList(extra, 'semantics_list') : undefined) ?? optionalNumberList(body, 'semantics_list');
  if (list?.some((value) => value < 1 || value > 3)) fail(41084, 'semantics_list items must be 1, 2 or 3');
  return list && [...new Set(list)];
}

function readInterceptType(body: Json, required: boolean): 1 | 2 | undefined {
  const type = optionalNumber(body, 'intercept_type');
  if (type === undefined) return required ? fail(40058, 'intercept_type missing') : undefined;
  if (type !== 1 && type !== 2) fail(40058, 'intercept_type must be 1 or 2');
  return type;
}

/** A range's members and departments: each list ≤1000, each in the app's visible range. */
function readRange(state: SimState, range: Json | undefined): { users: string[]; departments: number[] } {
  const users = range ? (optionalStringList(range, 'user_list') ?? []) : [];
  const departments = range ? (optionalNumberList(range, 'department_list') ?? []) : [];
  if (users.length > INTERCEPT_LIMITS.rangeNodes || departments.length > INTERCEPT_LIMITS.rangeNodes) fail(41076, 'applicable range exceeds the limit, use department ids');
  for (const userid of users) {
    const employee = state.activeEmployee(userid) ?? fail(60111, `userid not found: ${userid}`);
    if (!state.isEmployeeVisible(employee)) fail(60011, `no privilege to access user ${userid}`);
  }
  for (const id of departments) {
    if (!state.departments.has(id)) fail(60123, `invalid party id: ${id}`);
    if (!state.isDepartmentVisible(id)) fail(60011, `no privilege to access party ${id}`);
  }
  return { users: [...new Set(users)], departments: [...new Set(departments)] };
}

/** Adds a rule (an app through the API, or an administrator in the admin console). */
export function addInterceptRule(core: SimulatorCore, body: Json, createdBy: ConfigCreator): string {
  const { state } = core;
  const name = checkRuleName(state, requireString(body, 'rule_name'));
  const words = checkWords(optionalStringList(body, 'word_list') ?? []);
  const semantics = readSemantics(body) ?? [];
  if (words.length === 0 && semantics.length === 0) fail(41083, 'word_list is empty');
  const interceptType = readInterceptType(body, true) as 1 | 2;
  const range = readRange(state, optionalObject(body, 'applicable_range'));
  if (range.users.length === 0 && range.departments.length === 0) fail(40058, 'applicable_range user_list and department_list are both empty');
  if (state.interceptRules.size >= INTERCEPT_LIMITS.rules) fail(41069, 'intercept rule count exceeds the limit');
  const rule: InterceptRuleRecord = {
    rule_id: state.newInterceptRuleId(),
    rule_name: name,
    word_list: words,
    semantics_list: semantics,
    intercept_type: interceptType,
    user_list: range.users,
    department_list: range.departments,
    created_by: createdBy,
    create_time: core.nowSeconds(),
  };
  state.interceptRules.set(rule.rule_id, rule);
  return rule.rule_id;
}

function requireRule(state: SimState, body: Json): InterceptRuleRecord {
  const id = requireString(body, 'rule_id', 41070);
  return state.interceptRules.get(id) ?? (state.deletedInterceptRules.has(id) ? fail(41071, 'rule has been deleted') : fail(41070, `invalid intercept rule id: ${id}`));
}

function requireOwnRule(state: SimState, body: Json, token: IssuedToken | undefined): InterceptRuleRecord {
  const rule = requireRule(state, body);
  // "应用只可修改/删除本应用创建的规则"; the errcode is not documented.
  if (rule.created_by !== creatorOf(token)) fail(48002, 'api forbidden: the rule was not created by this app');
  return rule;
}

export const operationsConfigRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: 'externalcontact/group_welcome_template/add',
    handler: ({ core, body, token }) => ({ template_id: addGroupWelcomeTemplate(core, body, creatorOf(token)) }),
  },
  {
    method: 'POST',
    path: 'externalcontact/group_welcome_template/edit',
    handler: ({ core, body, token }) => {
      const template = requireOwnTemplate(core.state, body, token);
      const content = checkTemplateContent(core, body, GROUP_WELCOME_LIMITS.editTextBytes);
      delete template.text;
      delete template.attachment;
      Object.assign(template, content);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/group_welcome_template/get',
    handler: ({ core, body }) => templateView(requireTemplate(core.state, body)),
  },
  {
    method: 'POST',
    path: 'externalcontact/group_welcome_template/del',
    handler: ({ core, body, token }) => {
      core.state.groupWelcomeTemplates.delete(requireOwnTemplate(core.state, body, token).template_id);
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/add_intercept_rule',
    handler: ({ core, body, token }) => ({ rule_id: addInterceptRule(core, body, creatorOf(token)) }),
  },
  {
    method: 'GET',
    path: 'externalcontact/get_intercept_rule_list',
    handler: ({ core }) => ({
      rule_list: [...core.state.interceptRules.values()].map((rule) => ({ rule_id: rule.rule_id, rule_name: rule.rule_name, create_time: rule.create_time })),
    }),
  },
  {
    method: 'POST',
    path: 'externalcontact/get_intercept_rule',
    handler: ({ core, body }) => {
      const { state } = core;
      const rule = requireRule(state, body);
      return {
        rule: {
          rule_id: rule.rule_id,
          rule_name: rule.rule_name,
          word_list: rule.word_list,
          extra_rule: { semantics_list: rule.semantics_list },
          intercept_type: rule.intercept_type,
          // Only members and departments in the app's visible range are returned.
          applicable_range: {
            user_list: rule.user_list.filter((userid) => {
              const employee = state.activeEmployee(userid);
              return employee !== undefined && state.isEmployeeVisible(employee);
            }),
            department_list: rule.department_list.filter((id) => state.departments.has(id) && state.isDepartmentVisible(id)),
          },
          create_time: rule.create_time,
        },
      };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/update_intercept_rule',
    handler: ({ core, body, token }) => {
      const { state } = core;
      const rule = requireOwnRule(state, body, token);
      // Everything is checked before anything changes.
      const name = optionalString(body, 'rule_name');
      if (name !== undefined) checkRuleName(state, name, rule.rule_id);
      const words = optionalStringList(body, 'word_list');
      const checkedWords = words && words.length > 0 ? checkWords(words) : undefined;
      const semantics = readSemantics(body);
      const interceptType = readInterceptType(body, false);
      const add = readRange(state, optionalObject(body, 'add_applicable_range'));
      const removeRange = optionalObject(body, 'remove_applicable_range');
      const removeUsers = new Set(removeRange ? (optionalStringList(removeRange, 'user_list') ?? []) : []);
      const removeDepartments = new Set(removeRange ? (optionalNumberList(removeRange, 'department_list') ?? []) : []);
      const users = [...new Set([...rule.user_list.filter((userid) => !removeUsers.has(userid)), ...add.users])];
      const departments = [...new Set([...rule.department_list.filter((id) => !removeDepartments.has(id)), ...add.departments])];
      if (users.length > INTERCEPT_LIMITS.ruleUsers || departments.length > INTERCEPT_LIMITS.ruleUsers) fail(41076, 'applicable range exceeds the limit, use department ids');
      if (users.length === 0 && departments.length === 0) fail(40058, 'applicable_range would be empty');
      if ((checkedWords ?? rule.word_list).length === 0 && (semantics ?? rule.semantics_list).length === 0) fail(41083, 'word_list is empty');
      if (name !== undefined) rule.rule_name = name;
      if (checkedWords) rule.word_list = checkedWords;
      if (semantics) rule.semantics_list = semantics;
      if (interceptType) rule.intercept_type = interceptType;
      rule.user_list = users;
      rule.department_list = departments;
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/del_intercept_rule',
    handler: ({ core, body, token }) => {
      const rule = requireOwnRule(core.state, body, token);
      core.state.interceptRules.delete(rule.rule_id);
      core.state.deletedInterceptRules.add(rule.rule_id);
      return {};
    },
  },
];
