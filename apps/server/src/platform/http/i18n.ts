/** API messages: 简体中文 by default, English with `Accept-Language: en`. */
export type Locale = 'zh' | 'en';

export function localeOf(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return 'zh';
  // The first listed language wins; q-values are rarely used by API clients.
  return acceptLanguage.trim().toLowerCase().startsWith('en') ? 'en' : 'zh';
}

type Message = { zh: string; en: string };

// {name} placeholders are filled from the error's params.
const messages = {
  ok: { zh: '操作成功', en: 'OK' },
  badRequest: { zh: '请求参数不正确', en: 'Invalid request' },
  validation: { zh: '参数校验失败：{fields}', en: 'Validation failed: {fields}' },
  unauthorized: { zh: '未登录或登录已过期，请重新登录', en: 'Not signed in or the session has expired' },
  tokenRevoked: { zh: '登录状态已失效，请重新登录', en: 'This session is no longer valid; please sign in again' },
  accountDisabled: { zh: '账号已停用', en: 'The account is disabled' },
  forbidden: { zh: '没有权限：{permission}', en: 'Permission denied: {permission}' },
  // {grant} and {grantEn}: the menu (a page, or "page › button") whose grant is missing, in each language.
  permissionMissing: {
    zh: '缺少「{grant}」权限，请联系管理员授予',
    en: 'Missing the "{grantEn}" permission; ask an administrator to grant it',
  },
  mustChangePassword: { zh: '密码已被重置，请先修改密码', en: 'Your password was reset; change it first' },
  notFound: { zh: '{entity}不存在：{id}', en: '{entity} {id} not found' },
  conflict: { zh: '{detail}', en: '{detail}' },
  tooManyRequests: { zh: '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  loginThrottled: { zh: '登录失败次数过多，请 {seconds} 秒后再试', en: 'Too many failed sign-ins; try again in {seconds} s' },
  badCredentials: { zh: '用户名或密码错误', en: 'Wrong username or password' },
  payloadTooLarge: { zh: '请求内容过大（上限 {limit}）', en: 'Request body too large (limit {limit})' },
  unsupportedMediaType: { zh: '不支持的内容类型', en: 'Unsupported content type' },
  internal: { zh: '服务器内部错误，请稍后重试（请求号 {requestId}）', en: 'Internal server error (request {requestId})' },
  routeNotFound: { zh: '接口不存在：{method} {url}', en: 'No such endpoint: {method} {url}' },
  usernameTaken: { zh: '用户名已存在：{username}', en: 'Username already taken: {username}' },
  empNoTaken: { zh: '工号已存在：{empNo}', en: 'Employee number already taken: {empNo}' },
  roleKeyTaken: { zh: '角色标识已存在：{roleKey}', en: 'Role key already taken: {roleKey}' },
  cannotDeleteSelf: { zh: '不能删除当前登录用户', en: 'You cannot delete yourself' },
  cannotDisableSelf: { zh: '不能停用当前登录用户', en: 'You cannot disable yourself' },
  lastAdministrator: { zh: '至少需要保留一名可用的超级管理员', en: 'At least one active administrator must remain' },
  wrongOldPassword: { zh: '原密码不正确', en: 'The old password is wrong' },
  weakPassword: {
    zh: '密码至少 12 位，且须同时包含字母和数字',
    en: 'The password needs at least 12 characters with both letters and digits',
  },
  samePassword: { zh: '新密码不能与原密码相同', en: 'The new password must differ from the old one' },
  menuHasChildren: { zh: '存在子菜单，不允许删除', en: 'The menu has children; delete them first' },
  menuParentInvalid: { zh: '上级菜单不正确', en: 'Invalid parent menu' },
  roleInUse: { zh: '角色已分配给用户，不能删除：{name}', en: 'The role is assigned to users: {name}' },
  builtinRole: {
    zh: '内置管理员角色不能删除，也不能修改标识、状态或数据范围',
    en: 'The built-in administrator role cannot be deleted, re-keyed, disabled or narrowed',
  },
  deptIdsRequired: { zh: '自定义数据范围须至少选择一个部门', en: 'Custom data scope needs at least one department' },
  permsRequired: { zh: '按钮必须填写权限标识', en: 'A button needs a permission code' },
  permsTaken: { zh: '权限标识已存在：{perms}', en: 'Permission code already taken: {perms}' },
  deptInvalid: { zh: '部门不存在：{id}', en: 'Department {id} does not exist' },
  deptParentInvalid: { zh: '上级部门不正确', en: 'Invalid parent department' },
  deptNameTaken: { zh: '同级部门名称已存在：{name}', en: 'A sibling department is already named {name}' },
  deptRoot: { zh: '根部门不能删除', en: 'The root department cannot be deleted' },
  deptHasChildren: { zh: '部门存在下级部门，不能删除：{name}', en: 'The department has sub-departments: {name}' },
  deptHasUsers: { zh: '部门下还有用户，不能删除：{name}', en: 'The department still has users: {name}' },
  deptOutOfScope: { zh: '不能把用户放到数据权限以外的部门：{id}', en: 'Department {id} is outside your data scope' },
  administratorOnly: { zh: '只有超级管理员可以管理超级管理员及其角色', en: 'Only administrators can manage administrators and their role' },
  simulatorAdministratorOnly: { zh: '只有超级管理员可以操作演示模拟器', en: 'Only an administrator can use the demo simulator' },
  imageRequired: { zh: '只能上传 JPG、PNG、GIF 或 WEBP 图片', en: 'Only JPG, PNG, GIF or WEBP images are accepted' },
  qwUseridTaken: { zh: '该企微账号已绑定其他用户：{qwUserid}', en: 'WeCom user {qwUserid} is already bound to another user' },
  fileRequired: { zh: '请选择要上传的文件', en: 'Choose a file to upload' },
} satisfies Record<string, Message>;

export type MessageKey = keyof typeof messages;

/** Names of things, for "{entity} not found" style messages. */
const entities: Record<string, Message> = {
  user: { zh: '用户', en: 'User' },
  role: { zh: '角色', en: 'Role' },
  menu: { zh: '菜单', en: 'Menu' },
  dept: { zh: '部门', en: 'Department' },
  job: { zh: '任务', en: 'Job' },
  file: { zh: '文件', en: 'File' },
};

/**
 * Adds keys to one of the global tables. A key registered twice with other words is a start-up error: one module
 * would silently change what another's errors say (the tables are shared by every module).
 */
function register(table: Record<string, Message>, extra: Record<string, Message>, what: string): void {
  for (const [key, message] of Object.entries(extra)) {
    const existing = table[key];
    if (existing && (existing.zh !== message.zh || existing.en !== message.en)) {
      throw new Error(`${what} "${key}" is registered twice with different words ("${existing.zh}" and "${message.zh}"): give one of them another key`);
    }
    table[key] = message;
  }
}

export function registerEntityNames(names: Record<string, Message>): void {
  register(entities, names, 'entity name');
}

export function registerMessages(extra: Record<string, Message>): void {
  register(messages as Record<string, Message>, extra, 'message');
}

export function translate(key: string, locale: Locale, params: Record<string, unknown> = {}): string {
  const message = (messages as Record<string, Message>)[key] ?? { zh: key, en: key };
  return message[locale].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (name === 'entity' && typeof value === 'string') return entities[value]?.[locale] ?? value;
    return value === undefined ? `{${name}}` : String(value);
  });
}
