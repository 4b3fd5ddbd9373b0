import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The acquisition module's API messages. */
export const acquisitionMessages = {
  acqNameRequired: { zh: '发布前须填写名称', en: 'A name is needed to publish' },
  acqNameTooLong: { zh: '名称最多 30 个字', en: 'The name is limited to 30 characters' },
  acqAllocationMethodInvalid: { zh: '分配方式须为 weight（权重）、round（轮询）或 default（企微分配）：{value}', en: 'allocationMethod must be weight, round or default: {value}' },
  acqRuleUserRequired: { zh: '第 {index} 条分配规则没有指定员工', en: 'Allocation rule {index} has no employee' },
  acqRuleUserDuplicated: { zh: '员工在分配规则中重复：{userId}', en: 'Employee appears in more than one rule: {userId}' },
  acqRulesRequired: { zh: '分配方式 {method} 需要至少一条分配规则', en: 'Allocation method {method} needs at least one rule' },
  acqWorkingHoursInvalid: { zh: '第 {index} 条分配规则的工作时间不正确（格式 HH:mm-HH:mm，多段用逗号分隔）：{detail}', en: 'Working hours of rule {index} are invalid (HH:mm-HH:mm, comma-separated): {detail}' },
  acqUnknownDepartments: { zh: '企微部门不存在：{deptIds}', en: 'Unknown WeCom departments: {deptIds}' },
  acqRangeRequired: { zh: '须至少选择一名员工或一个部门', en: 'Choose at least one employee or department' },
  acqRangeTooLarge: { zh: '使用成员最多 {max} 人', en: 'At most {max} employees' },
  acqSingleQrNeedsOneUser: { zh: '单人活码须且只能选择一名员工，且不能选择部门', en: 'A single-person QR code needs exactly one employee and no department' },
  acqPriorityUsersRequired: { zh: '优先分配类型 2 须指定优先分配的员工', en: 'Priority type 2 needs the priority employees' },
  acqUnknownMedia: { zh: '素材不存在或已删除：{ids}', en: 'Unknown or deleted media: {ids}' },
  acqMediaNotAttachable: { zh: '素材不能作为欢迎语附件（文本素材请写入欢迎语内容）：{ids}', en: 'These media cannot be welcome attachments (put text into welcomeContent): {ids}' },
  acqTooManyMedia: { zh: '欢迎语附件最多 9 个', en: 'At most 9 welcome attachments' },
  acqUnknownTags: { zh: '企业标签不存在或已删除：{tagIds}', en: 'Unknown or deleted corp tags: {tagIds}' },
  acqWelcomeEmpty: { zh: '发送欢迎语时，欢迎语内容和附件不能都为空', en: 'A welcome message needs text or attachments' },
  acqWelcomeTooLong: { zh: '欢迎语内容最多 4000 字节', en: 'The welcome text is limited to 4000 bytes' },
  acqUnknownChannel: { zh: '渠道不存在：{id}', en: 'Channel {id} does not exist' },
  acqCannotUnpublish: { zh: '已发布的不能改回草稿；如需停用请删除', en: 'A published one cannot become a draft again; delete it instead' },
  acqNotPublished: { zh: '{name} 未发布', en: '{name} is not published' },
  acqMediaInUse: { zh: '素材正被已发布的获客链接或活码使用，不能删除：{usedBy}', en: 'The media is used by published links or QR codes: {usedBy}' },
  acqMediaTypeInvalid: { zh: '素材类型须为 text、image、link、miniprogram、video 或 file：{type}', en: 'Media type must be text, image, link, miniprogram, video or file: {type}' },
  acqMediaFileRequired: { zh: '{type} 素材须上传文件', en: 'A {type} media needs a file' },
  acqMediaWrongFormat: { zh: '{type} 素材只支持 {formats} 格式', en: 'A {type} media must be {formats}' },
  acqMediaTooSmall: { zh: '文件须大于 5 个字节', en: 'The file must be larger than 5 bytes' },
  acqMediaFieldRequired: { zh: '{type} 素材须填写 {field}', en: 'A {type} media needs {field}' },
  acqChatIdsInvalid: { zh: '群聊须选择 1 到 5 个', en: 'Choose 1 to 5 group chats' },
  acqRoomBaseNameRequired: { zh: '自动建群须填写群名前缀和起始序号', en: 'Auto-created rooms need a base name and a starting number' },
  acqNoQrCode: { zh: '没有可下载的二维码（未发布或发布失败）', en: 'No QR code to download (not published, or publishing failed)' },
};

registerMessages(acquisitionMessages);
registerEntityNames({
  acqChannel: { zh: '渠道', en: 'Channel' },
  acqLink: { zh: '获客链接', en: 'Acquisition link' },
  acqQr: { zh: '获客二维码', en: 'Channel QR code' },
  acqRule: { zh: '分配规则', en: 'Allocation rule' },
  acqMedia: { zh: '素材', en: 'Media' },
  acqJoinWay: { zh: '加群二维码', en: 'Group join QR code' },
  acqMiniLink: { zh: '小程序链接', en: 'Mini-program link' },
  openApp: { zh: '开放平台应用', en: 'Open API app' },
});
