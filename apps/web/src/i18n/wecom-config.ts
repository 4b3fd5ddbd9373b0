// Console strings of 客户群 → 入群欢迎语 and 客户运营 → 敏感词拦截 (spread into zh-cn.ts and en.ts).

export const zh = {
  groupWelcome: {
    title: '入群欢迎语', create: '新建欢迎语', edit: '编辑欢迎语', name: '名称', text: '欢迎语', attachment: '附件', attachmentNone: '无',
    notify: '通知群主', notifyHint: '保存后由企业微信通知成员：可在客户群中使用这条欢迎语（仅新建时）', notified: '已通知', notNotified: '未通知',
    textHint: '客户入群时发送；可插入 %NICKNAME%，发送时替换为客户的昵称。最多 3000 字节（一个汉字 3 字节）', insertNickname: '插入客户昵称',
    bytes: '{{bytes}} / {{max}} 字节', media: '素材', mediaHint: '从素材库选择一个图片、链接、小程序、文件或视频，随欢迎语一起发送',
    mtime: '更新时间', muser: '更新人', keyword: '名称或内容',
    howTitle: '群主在企业微信中选用', how: '企业微信没有把欢迎语绑定到某个群的接口：这里保存的欢迎语写入企业微信的「入群欢迎语素材库」（每个企业最多 100 个），群主在企业微信客户端的客户群「群欢迎语」中选择使用。',
  },
  intercept: {
    title: '敏感词拦截', create: '新建规则', edit: '编辑规则', name: '规则名称', nameMax: '规则名称最多 20 个字', words: '敏感词', wordsHint: '输入后回车；最多 300 个，每个 1～32 个字',
    semantics: '同时拦截', semantics1: '手机号', semantics2: '邮箱地址', semantics3: '红包', type: '拦截方式', type1: '警告并拦截发送', type2: '仅发警告',
    users: '适用成员', depts: '适用部门', rangeHint: '成员与部门至少选一项，各最多 1000 个；人数较多时请按部门选择',
    origin: '来源', originScrm: 'SCRM 创建', originWecom: '企业微信后台创建', readOnly: '在企业微信管理后台创建的规则，只能在企业微信中修改或删除',
    sync: '从企业微信同步', synced: '已同步：新增 {{added}} 条，更新 {{updated}} 条，移除 {{removed}} 条（企业微信共 {{total}} 条）', keyword: '名称或敏感词',
    range: '适用范围', mtime: '更新时间', wordsCount: '{{count}} 个',
    how: '成员在企业微信中与客户聊天时，发送含敏感词或所选内容的消息会被警告或拦截；规则写入企业微信，每个企业最多 100 条。在企业微信管理后台创建的规则可点「从企业微信同步」查看。',
  },
};

export const en: typeof zh = {
  groupWelcome: {
    title: 'Group welcome messages', create: 'New welcome message', edit: 'Edit welcome message', name: 'Name', text: 'Welcome text', attachment: 'Attachment', attachmentNone: 'None',
    notify: 'Notify group owners', notifyHint: 'WeCom tells the employees they can use this message in their groups (new messages only)', notified: 'Notified', notNotified: 'Not notified',
    textHint: 'Sent when a customer joins; %NICKNAME% becomes the customer\'s nickname. At most 3000 bytes (a Chinese character is 3 bytes)', insertNickname: 'Insert nickname',
    bytes: '{{bytes}} / {{max}} bytes', media: 'Media', mediaHint: 'One image, link, mini program, file or video from the media library, sent with the text',
    mtime: 'Updated', muser: 'Updated by', keyword: 'Name or text',
    howTitle: 'Group owners choose it in WeCom', how: 'WeCom has no API that binds a welcome message to a group: messages saved here go to WeCom\'s group welcome library (at most 100 per corp), and group owners choose one under the group\'s welcome message in the WeCom app.',
  },
  intercept: {
    title: 'Sensitive-word interception', create: 'New rule', edit: 'Edit rule', name: 'Rule name', nameMax: 'At most 20 characters', words: 'Sensitive words', wordsHint: 'Press Enter after each; at most 300, 1 to 32 characters each',
    semantics: 'Also catch', semantics1: 'Mobile numbers', semantics2: 'Email addresses', semantics3: 'Red packets', type: 'Action', type1: 'Warn and block', type2: 'Warn only',
    users: 'Employees', depts: 'Departments', rangeHint: 'Choose employees or departments (at most 1000 of each); choose departments when there are many people',
    origin: 'Source', originScrm: 'Made in SCRM', originWecom: 'Made in the WeCom admin console', readOnly: 'Made in the WeCom admin console: change or delete it there',
    sync: 'Sync from WeCom', synced: 'Synced: {{added}} added, {{updated}} updated, {{removed}} removed ({{total}} in WeCom)', keyword: 'Name or word',
    range: 'Applies to', mtime: 'Updated', wordsCount: '{{count}} words',
    how: 'When employees chat with customers in WeCom, messages with these words or the chosen content are warned about or blocked; rules are written to WeCom, at most 100 per corp. Sync from WeCom to see rules made in its admin console.',
  },
};
