// The one table of WeCom errors an operator can meet, and the one way a WeCom failure becomes an operator-facing
// error: what happened and what to do, in the caller's language, with the raw errcode and WeCom's errmsg as a
// details line (`date.detail`). Codes come from API-FACTS.md §1.3, errcodes.tsv and WeCom's global error-code page
// (90313) for the APIs SCRM calls (contacts, external contacts, contact ways, acquisition links, corp tags, group
// chats, transfers, welcome messages, media, app messages, 群发, moments). Unknown codes get a generic sentence
// with the code.
import { RATE_LIMIT_ERRCODES, TRANSIENT_ERRCODES, WecomApiError, WecomRequestError } from '@scrm/wecom';
import { AppError } from './http/errors.ts';
import { translate, type Locale } from './http/i18n.ts';

/** What the failing call knows about whom it concerned; fills {name} and {customer} in the table. */
export interface WecomErrorSubject {
  /** The employee's name (never the userid when the name is known). */
  name?: string;
  /** The customer's name. */
  customer?: string;
}

interface Sentence {
  zh: string;
  en: string;
}

/** Placeholders with what they become when the call does not know (en: capitalised at a sentence start). */
const FALLBACKS: Record<keyof WecomErrorSubject, Sentence> = {
  name: { zh: '该成员', en: 'the employee' },
  customer: { zh: '该客户', en: 'the customer' },
};

const VISIBLE_RANGE = { zh: '请在企业微信管理后台「应用管理 → 本应用 → 可见范围」中添加', en: 'add them in the WeCom admin console under App Management → this app → Visible Range' };
const SYNC_EMPLOYEES = { zh: '请在「企微组织架构」中同步成员后重试', en: 'sync employees (WeCom organization) and try again' };
const RETRY_LATER = { zh: '请稍后重试', en: 'try again later' };
const REPORT = { zh: '这是 SCRM 发出的请求有误，请把下方错误码提供给管理员', en: 'SCRM sent a request WeCom did not accept; give the code below to your administrator' };

const entry = (what: Sentence, todo: Sentence): Sentence => ({ zh: `${what.zh}：${todo.zh}`, en: `${what.en}: ${todo.en}` });

const TOKEN = entry(
  { zh: '企业微信访问凭证无效或已过期', en: "WeCom's access token is invalid or expired" },
  { zh: '系统会自动重新获取；若持续出现，请检查 WECOM_CORP_ID 与 WECOM_SECRET 设置', en: 'SCRM fetches a new one by itself; if this persists, check the WECOM_CORP_ID and WECOM_SECRET settings' },
);
const CONTACT_WAY_PARAMETER = entry({ zh: '企业微信不接受「联系我」活码的参数', en: 'WeCom refused the contact-way (QR code) parameters' }, REPORT);
const CONTACT_WAY_GONE = entry(
  { zh: '企业微信中找不到这个活码（可能已在企业微信中删除）', en: 'WeCom has no such contact way (it may have been deleted in WeCom)' },
  { zh: '请重新发布', en: 'publish it again' },
);
const GROUP_GONE = entry(
  { zh: '客户群在企业微信中不存在（可能已解散）', en: 'The customer group no longer exists in WeCom (it may have been dismissed)' },
  { zh: '请同步客户群', en: 'sync customer groups' },
);
const DEPARTMENT_GONE = entry(
  { zh: '部门在企业微信中不存在', en: 'The department does not exist in WeCom' },
  { zh: '请在「企微组织架构」中同步部门后重试', en: 'sync departments (WeCom organization) and try again' },
);
const RATE_LIMITED = entry(
  { zh: '调用企业微信过于频繁，已被企业微信限流', en: 'WeCom is rate-limiting SCRM (too many calls)' },
  { zh: '请稍后重试（限流通常在 1 分钟到 1 小时后解除）', en: 'try again later (the limit usually lifts after a minute to an hour)' },
);

/** errcode → what happened and what to do. */
export const WECOM_ERRORS: Readonly<Record<number, Sentence>> = {
  [-1]: entry({ zh: '企业微信系统繁忙', en: 'WeCom is busy' }, RETRY_LATER),
  6000: entry({ zh: '企业微信中的数据正被同时修改', en: 'The data is being changed in WeCom at the same time' }, RETRY_LATER),
  40001: entry(
    { zh: '企业微信 Secret 不正确', en: 'The WeCom secret is wrong' },
    { zh: '请检查 WECOM_SECRET：应为「客户联系」或已加入客户联系「可调用应用」的自建应用的 Secret', en: 'check WECOM_SECRET: it must be the 客户联系 secret or that of a self-built app listed among its callable apps' },
  ),
  40003: entry({ zh: '{name}不在企业微信通讯录中（UserID 无效）', en: '{name} is not in the WeCom directory (invalid UserID)' }, SYNC_EMPLOYEES),
  40013: entry(
    { zh: '企业 ID 不正确', en: 'The corp ID is wrong' },
    { zh: '请检查 WECOM_CORP_ID（企业微信管理后台「我的企业」页面底部）', en: 'check WECOM_CORP_ID (WeCom admin console, My Company, at the bottom)' },
  ),
  40014: TOKEN,
  40050: GROUP_GONE,
  // OAuth2 of pages opened inside WeCom (the sidebar, API-FACTS-OPERATIONS §23.8).
  40029: entry({ zh: '企业微信身份验证码（code）无效', en: 'The WeCom sign-in code is not valid' }, { zh: '请关闭侧边栏后重新打开', en: 'close the sidebar and open it again' }),
  42003: entry({ zh: '企业微信身份验证码（code）已过期（5 分钟内有效）', en: 'The WeCom sign-in code has expired (it lasts 5 minutes)' }, { zh: '请关闭侧边栏后重新打开', en: 'close the sidebar and open it again' }),
  42022: entry({ zh: '企业微信身份验证码（code）已被使用过', en: 'The WeCom sign-in code was already used' }, { zh: '请关闭侧边栏后重新打开', en: 'close the sidebar and open it again' }),
  50001: entry({ zh: '页面地址的域名不是应用的可信域名', en: "The page's domain is not the app's trusted domain" }, { zh: '请在企业微信管理后台「网页授权及JS-SDK」中设置可信域名', en: 'set the trusted domain under 网页授权及JS-SDK in the WeCom admin console' }),
  40056: entry({ zh: '应用 AgentId 不正确', en: 'The app AgentId is wrong' }, { zh: '请检查 WECOM_AGENT_ID', en: 'check WECOM_AGENT_ID' }),
  40058: entry(
    { zh: '企业微信认为请求的参数不合法', en: 'WeCom found a request parameter invalid' },
    { zh: '请检查填写的内容（名称长度、成员、部门、标签等）后重试', en: 'check what was entered (name length, employees, departments, tags) and try again' },
  ),
  40068: entry(
    { zh: '标签在企业微信中不存在（可能已被删除）', en: 'The tag does not exist in WeCom (it may have been deleted)' },
    { zh: '请同步企业标签后重试', en: 'sync corp tags and try again' },
  ),
  40071: entry({ zh: '企业微信中已有同名的标签或标签组', en: 'WeCom already has a tag or tag group with this name' }, { zh: '请换一个名称', en: 'choose another name' }),
  40091: entry(
    { zh: 'Secret 与企业不匹配', en: 'The secret belongs to another corp' },
    { zh: '请确认 WECOM_SECRET 属于 WECOM_CORP_ID 对应的企业', en: 'make sure WECOM_SECRET belongs to the corp of WECOM_CORP_ID' },
  ),
  40096: entry(
    { zh: '{customer}在企业微信中不存在或不属于本企业（外部联系人 ID 无效）', en: '{customer} does not exist in WeCom or not for this corp (invalid external contact ID)' },
    { zh: '请同步客户后重试', en: 'sync customers and try again' },
  ),
  40097: entry({ zh: '{name}尚未离职', en: '{name} has not left the company' }, { zh: '在职成员的客户请用「在职继承」分配', en: 'assign the customers of employees still in post with on-the-job transfer' }),
  40098: entry(
    { zh: '{name}尚未完成企业微信实名认证', en: '{name} has not completed real-name verification in WeCom' },
    { zh: '请提醒其在企业微信中完成实名认证后重试', en: 'ask them to verify their identity in WeCom and try again' },
  ),
  40099: entry({ zh: '{name}的客户数量已达上限', en: '{name} has reached the maximum number of customers' }, { zh: '请换一位接替成员', en: 'choose another employee to take over' }),
  40100: entry(
    { zh: '{customer}已在转接流程中', en: '{customer} is already being transferred' },
    { zh: '请等待上一次转接完成（通常 24 小时）', en: 'wait until the previous transfer completes (usually 24 hours)' },
  ),
  40128: entry(
    { zh: '{customer}转接过于频繁（90 天内只能转接一次，同一客户最多转接两次）', en: '{customer} has been transferred too often (once per 90 days, at most twice)' },
    { zh: '请稍后再转接或选择其他客户', en: 'transfer later or choose other customers' },
  ),
  40129: entry({ zh: '{customer}正在转接中', en: '{customer} is being transferred' }, { zh: '请等待转接完成', en: 'wait until the transfer completes' }),
  40130: entry({ zh: '原跟进成员与接替成员是同一人', en: 'The handover and takeover employee are the same' }, { zh: '请选择另一位接替成员', en: 'choose another employee to take over' }),
  40131: entry(
    { zh: '{name}不是{customer}的跟进成员', en: '{name} does not follow {customer}' },
    { zh: '请从企业微信实时刷新该客户后重试', en: 'refresh the customer from WeCom and try again' },
  ),
  41001: TOKEN,
  41002: entry({ zh: '缺少企业 ID', en: 'The corp ID is missing' }, { zh: '请设置 WECOM_CORP_ID', en: 'set WECOM_CORP_ID' }),
  41004: entry({ zh: '缺少 Secret', en: 'The secret is missing' }, { zh: '请设置 WECOM_SECRET', en: 'set WECOM_SECRET' }),
  41006: entry({ zh: '缺少素材（media_id）', en: 'The media (media_id) is missing' }, { zh: '请重新上传素材后重试', en: 'upload the media again and try again' }),
  41009: entry({ zh: '缺少成员（UserID）', en: 'The employee (UserID) is missing' }, REPORT),
  41011: entry({ zh: '发送应用消息缺少应用 AgentId', en: 'An app message was sent without the app AgentId' }, { zh: '请设置 WECOM_AGENT_ID', en: 'set WECOM_AGENT_ID' }),
  41035: entry({ zh: '缺少客户（外部联系人 ID）', en: 'The customer (external contact ID) is missing' }, REPORT),
  41037: CONTACT_WAY_PARAMETER,
  41038: CONTACT_WAY_PARAMETER,
  41039: CONTACT_WAY_PARAMETER,
  41040: CONTACT_WAY_PARAMETER,
  41041: entry(
    { zh: '活码的使用成员超过企业微信上限（含部门展开后的人数，最多 100 人）', en: 'The QR code has more employees than WeCom allows (departments expanded; at most 100)' },
    { zh: '请减少成员或部门后重新发布', en: 'remove employees or departments and publish again' },
  ),
  41042: CONTACT_WAY_PARAMETER,
  41043: CONTACT_WAY_GONE,
  41044: CONTACT_WAY_GONE,
  41045: entry(
    { zh: '通过接口创建的「联系我」活码数量已达企业微信上限', en: 'The corp has reached the maximum number of contact ways created through the API' },
    { zh: '请删除不再使用的活码后重试', en: 'delete QR codes no longer used and try again' },
  ),
  41050: entry(
    { zh: '欢迎语发送码已失效（须在添加好友后 20 秒内使用）', en: 'The welcome code has expired (it must be used within 20 s of the add)' },
    { zh: '无需处理，这位客户不会收到自动欢迎语', en: 'nothing to do; this customer does not get the automatic welcome message' },
  ),
  41051: entry(
    { zh: '{customer}已经和成员开始聊天，企业微信不再发送欢迎语', en: '{customer} has already started chatting, so WeCom sends no welcome message' },
    { zh: '无需处理', en: 'nothing to do' },
  ),
  41053: entry(
    { zh: '{customer}尚未同意服务须知，不能发送欢迎语', en: '{customer} has not accepted the service terms, so no welcome message can be sent' },
    { zh: '无需处理', en: 'nothing to do' },
  ),
  41054: entry(
    { zh: '{name}尚未激活企业微信', en: '{name} has not activated WeCom yet' },
    { zh: '请提醒其登录企业微信完成激活后重试', en: 'ask them to sign in to WeCom to activate their account, then try again' },
  ),
  41056: entry({ zh: '客户 ID 的类型不正确', en: 'The customer ID is of the wrong type' }, REPORT),
  41096: entry(
    { zh: '另一个应用正在给{customer}发送欢迎语', en: 'Another app is sending {customer} a welcome message' },
    { zh: '无需处理', en: 'nothing to do' },
  ),
  42001: TOKEN,
  44001: entry({ zh: '上传的文件为空', en: 'The uploaded file is empty' }, { zh: '请选择有内容的文件', en: 'choose a file with content' }),
  44004: entry({ zh: '应用消息内容为空', en: 'The app message is empty' }, REPORT),
  45001: entry(
    { zh: '文件超过企业微信的大小上限（图片、语音 5 MB，视频 10 MB，文件 20 MB）', en: "The file exceeds WeCom's size limit (images and voice 5 MB, video 10 MB, files 20 MB)" },
    { zh: '请压缩或换一个文件', en: 'compress it or choose another file' },
  ),
  45002: entry({ zh: '消息内容超过企业微信的长度上限', en: "The message exceeds WeCom's length limit" }, { zh: '请缩短内容后重试', en: 'shorten it and try again' }),
  45009: RATE_LIMITED,
  45033: RATE_LIMITED,
  48001: entry(
    { zh: '应用未获授权调用这个企业微信接口', en: 'The app is not authorised to call this WeCom API' },
    { zh: '请在企业微信管理后台确认本应用已开通相应权限', en: 'check in the WeCom admin console that the app has this permission' },
  ),
  48002: entry(
    { zh: '当前应用没有调用这个企业微信接口的权限', en: 'The app may not call this WeCom API' },
    {
      zh: '请在企业微信管理后台「客户联系 → 客户 → API」中把本应用加入「可调用应用」，或改用「客户联系」的 Secret',
      en: 'in the WeCom admin console add the app to Customer Contact → Customers → API → callable apps, or use the 客户联系 secret',
    },
  ),
  48009: entry(
    { zh: '企业微信不允许通讯录同步助手的 Secret 从新的 IP 读取通讯录', en: 'WeCom no longer lets the contact-sync assistant secret read the directory from a new IP' },
    { zh: '请改用自建应用的 Secret，并在该应用的「企业可信IP」中添加本服务器的出口 IP', en: "use a self-built app's secret and add this server's outgoing IP to that app's trusted IPs" },
  ),
  50002: entry({ zh: '{name}不在应用的可见范围内', en: "{name} is outside the app's visible range" }, VISIBLE_RANGE),
  50003: entry({ zh: '应用已在企业微信中停用', en: 'The app is disabled in WeCom' }, { zh: '请在企业微信管理后台「应用管理」中启用', en: 'enable it in the WeCom admin console under App Management' }),
  60003: DEPARTMENT_GONE,
  60011: entry({ zh: '{name}或所选部门不在应用的可见范围内', en: "{name} or the chosen departments are outside the app's visible range" }, VISIBLE_RANGE),
  60020: entry(
    { zh: '本服务器的 IP 不在应用的「企业可信IP」中', en: "This server's IP is not among the app's trusted IPs" },
    { zh: '请在企业微信管理后台「应用管理 → 本应用 → 企业可信IP」中添加本服务器的出口 IP', en: "add this server's outgoing IP in the WeCom admin console under App Management → this app → Trusted IPs" },
  ),
  60111: entry({ zh: '{name}在企业微信中不存在（可能已被删除）', en: '{name} does not exist in WeCom (they may have been deleted)' }, SYNC_EMPLOYEES),
  60123: DEPARTMENT_GONE,
  81013: entry({ zh: '所选成员、部门或标签在企业微信中都无效或不在可见范围内', en: 'None of the chosen employees, departments or tags is valid or visible to the app' }, VISIBLE_RANGE),
  82001: entry({ zh: '应用消息没有接收人', en: 'The app message has no recipient' }, REPORT),
  84061: entry(
    { zh: '{customer}不是{name}的客户（可能已删除好友）', en: '{customer} is not a customer of {name} (the contact may have been deleted)' },
    { zh: '请从企业微信实时刷新该客户', en: 'refresh the customer from WeCom' },
  ),
  84074: entry(
    { zh: '{name}没有客户联系权限', en: '{name} has no customer-contact (客户联系) permission' },
    { zh: '请在企业微信管理后台「客户联系 → 权限配置」中添加', en: 'add it in the WeCom admin console under Customer Contact → Permissions' },
  ),
  84083: entry({ zh: '{name}不是客户联系的服务人员', en: '{name} is not a customer-contact service employee' }, { zh: '请在企业微信管理后台「客户联系 → 权限配置」中添加', en: 'add it in the WeCom admin console under Customer Contact → Permissions' }),
  86003: GROUP_GONE,
  90500: entry({ zh: '群主尚未离职', en: 'The group owner has not left the company' }, { zh: '在职群主的群请用「在职继承」分配', en: 'assign groups of owners still in post with on-the-job transfer' }),
  90501: entry({ zh: '这个群不是客户群', en: 'This is not a customer group' }, { zh: '只能分配客户群', en: 'only customer groups can be assigned' }),
  90502: entry({ zh: '群主已经离职', en: 'The group owner has left the company' }, { zh: '请用「离职继承」分配', en: 'assign it with resigned-employee transfer' }),
  // Inheritance (API-FACTS-OPERATIONS §20.3).
  40143: entry({ zh: '{name}已被封禁，无法进行客户继承', en: '{name} is banned and cannot take part in a transfer' }, { zh: '请换一位接替成员', en: 'choose another employee to take over' }),
  40205: entry(
    { zh: '{name}的微信授权已过期（成员须在最近一年内、离职成员须在离职前一年内登录过企业微信）', en: "{name}'s WeChat authorization has expired (an employee must have signed in to WeCom within the past year; a departed one within the year before leaving)" },
    { zh: '请让接替成员登录一次企业微信后重试；原跟进成员离职超过一年的客户已无法分配', en: 'have the takeover employee sign in to WeCom once and try again; customers of employees who left over a year ago can no longer be assigned' },
  ),
  90503: entry({ zh: '群已满且有 99 个微信成员，企业微信无法自动调整', en: 'The group is full with 99 WeChat members, so WeCom cannot adjust it' }, { zh: '请新群主在企业微信客户端中确认', en: 'the new owner must confirm it in the WeCom app' }),
  90504: entry({ zh: '群主没有变化', en: 'The group owner did not change' }, { zh: '请选择另一位新群主', en: 'choose another new owner' }),
  90507: entry({ zh: '离职成员的群正在继承中', en: 'The group of the departed employee is already being transferred' }, { zh: '请等待完成', en: 'wait until it completes' }),
  90508: entry({ zh: '离职成员的群已经继承过', en: 'The group of the departed employee was already transferred' }, { zh: '无需再分配', en: 'nothing more to do' }),
  90509: entry({ zh: '这个群不是企业微信客户群', en: 'This is not a WeCom customer group' }, { zh: '只能分配客户群', en: 'only customer groups can be assigned' }),
  90510: entry({ zh: '企业一年内没有活跃成员，无法继承', en: 'The company has had no active member for a year, so nothing can be transferred' }, { zh: '请联系企业微信管理员', en: 'contact your WeCom administrator' }),
  // 群发 (API-FACTS-OPERATIONS §17.7).
  40007: entry(
    { zh: '素材无效或已过期（上传的图片、视频、文件在企业微信中保留 3 天）', en: 'The media is invalid or has expired (WeCom keeps uploaded images, videos and files for 3 days)' },
    { zh: '请重新上传图片、视频或文件后重试', en: 'upload the image, video or file again and try again' },
  ),
  41046: entry({ zh: '缺少企业群发消息 ID（msgid）', en: 'The broadcast message ID (msgid) is missing' }, REPORT),
  41047: entry(
    { zh: '企业微信中找不到这条群发（群发消息 ID 无效）', en: 'WeCom has no such broadcast (invalid broadcast message ID)' },
    { zh: '请刷新群发列表；若仍出现，请把下方错误码提供给管理员', en: 'refresh the broadcast list; if this persists, give the code below to your administrator' },
  ),
  41048: entry(
    { zh: '没有可以发送的客户（所选成员没有符合条件的客户）', en: 'There is no customer to send to (the chosen employees have no customer matching the conditions)' },
    { zh: '请调整发送成员或筛选条件（标签、添加时间、性别等）后重试', en: 'change the sending employees or the conditions (tags, time added, gender) and try again' },
  ),
  41063: entry(
    { zh: '群发正在派发给成员（刚创建的群发需要片刻才能查询）', en: 'The broadcast is still being handed out to the employees (a new broadcast can be queried after a moment)' },
    { zh: '请稍后再查看发送情况', en: 'check its delivery again in a moment' },
  ),
  41064: entry(
    { zh: '附件数量超过企业微信上限（群发最多 9 个；朋友圈最多 9 张图片，或 1 个视频，或 1 个链接）', en: "There are more attachments than WeCom allows (a broadcast at most 9; a moment at most 9 images, or 1 video, or 1 link)" },
    { zh: '请减少附件后重试', en: 'remove some attachments and try again' },
  ),
  41065: entry(
    { zh: '附件类型无效（群发支持图片、链接、小程序、视频、文件）', en: 'An attachment is of an invalid type (a broadcast takes images, links, mini programs, videos and files)' },
    { zh: '请删除该附件后重新添加', en: 'remove the attachment and add it again' },
  ),
  41093: entry({ zh: '这条群发已取消', en: 'The broadcast has been cancelled' }, { zh: '无需处理，已取消的群发不能再发送或提醒', en: 'nothing to do; a cancelled broadcast can no longer be sent or reminded' }),
  41094: entry(
    { zh: '提醒过于频繁（每条群发 24 小时内最多提醒成员 3 次）', en: 'Reminders are too frequent (at most 3 reminders per broadcast within 24 hours)' },
    { zh: '请 24 小时后再提醒', en: 'remind them again after 24 hours' },
  ),
  86214: entry({ zh: '群发类型不合法（须为发给客户或发给客户群）', en: 'The broadcast type is invalid (it must be to customers or to customer groups)' }, REPORT),
  // Moments (API-FACTS-OPERATIONS §18.6).
  41059: entry({ zh: '缺少朋友圈 ID（moment_id）', en: 'The moment ID (moment_id) is missing' }, REPORT),
  41060: entry(
    { zh: '企业微信中找不到这条朋友圈（朋友圈 ID 无效）', en: 'WeCom has no such moment (invalid moment ID)' },
    { zh: '请刷新朋友圈列表；若仍出现，请把下方错误码提供给管理员', en: 'refresh the moment list; if this persists, give the code below to your administrator' },
  ),
  41061: entry({ zh: '这条朋友圈不是{name}发表的', en: 'This moment was not posted by {name}' }, { zh: '请刷新朋友圈详情后重试', en: 'refresh the moment details and try again' }),
  41062: entry(
    { zh: '{name}尚未发表这条企业朋友圈', en: '{name} has not posted this moment yet' },
    { zh: '无需处理，成员在企业微信中发表后才能查看其可见客户和发表情况，可提醒其发表', en: 'nothing to do; who can see it shows once they post it in WeCom (you may remind them)' },
  ),
  41067: entry({ zh: '朋友圈 ID 的类型不正确', en: 'The moment ID is of the wrong type' }, REPORT),
  41072: entry(
    { zh: '附件的上传用途不符（朋友圈的附件须按「朋友圈」用途上传）', en: 'An attachment was uploaded for another use (moment attachments must be uploaded for moments)' },
    { zh: '请重新上传附件；若仍出现，请把下方错误码提供给管理员', en: 'upload the attachment again; if this persists, give the code below to your administrator' },
  ),
  41078: entry(
    { zh: '正在创建中的朋友圈任务数量已达企业微信上限', en: 'WeCom is already creating as many moments as it allows at once' },
    { zh: '请等已提交的朋友圈创建完成后重试', en: 'wait until the moments already submitted are created and try again' },
  ),
  41079: entry({ zh: '朋友圈正在派发给成员', en: 'The moment is still being handed out to the employees' }, { zh: '请稍后再查看发表情况', en: 'check it again in a moment' }),
  41080: entry(
    { zh: '附件超过企业微信的大小上限（朋友圈图片、视频最大 10 MB）', en: "An attachment exceeds WeCom's size limit (moment images and videos at most 10 MB)" },
    { zh: '请压缩或换一个文件', en: 'compress it or choose another file' },
  ),
  41081: entry({ zh: '图片分辨率超过企业微信上限', en: "The image resolution exceeds WeCom's limit" }, { zh: '请缩小图片（建议不超过 1440×1080）后重新上传', en: 'scale the image down (1440×1080 or less is advised) and upload it again' }),
  41082: entry({ zh: '视频时长超过企业微信上限（朋友圈视频最长 30 秒）', en: "The video is longer than WeCom allows (moment videos at most 30 s)" }, { zh: '请剪短视频后重新上传', en: 'shorten the video and upload it again' }),
  41088: entry({ zh: '附件列表为空', en: 'The attachment list is empty' }, { zh: '请添加附件，或只发文字', en: 'add an attachment, or post text only' }),
  41089: entry({ zh: '朋友圈的文字和附件不能都为空', en: 'A moment needs text or attachments' }, { zh: '请填写文字或添加附件后重试', en: 'enter text or add an attachment and try again' }),
  41090: entry({ zh: '视频格式不支持（朋友圈只支持 MP4）', en: 'The video format is not supported (moments take MP4 only)' }, { zh: '请转换为 MP4 后重新上传', en: 'convert it to MP4 and upload it again' }),
  // 入群欢迎语素材 (API-FACTS-OPERATIONS §19).
  41055: entry(
    { zh: '企业微信的入群欢迎语素材库已满（每个企业最多 100 个，含其他应用和管理后台添加的）', en: "WeCom's group welcome library is full (at most 100 per corp, including those added by other apps or in the admin console)" },
    { zh: '请在 SCRM 或企业微信管理后台删除不再使用的入群欢迎语后重试', en: 'delete welcome messages no longer used, in SCRM or the WeCom admin console, and try again' },
  ),
  41058: entry(
    { zh: '这条入群欢迎语不是本应用创建的，企业微信不允许本应用修改或删除', en: 'This group welcome message was not created by this app, so WeCom does not let it be changed or deleted here' },
    { zh: '请在企业微信管理后台修改或删除', en: 'change or delete it in the WeCom admin console' },
  ),
  // Chat sensitive-word rules (API-FACTS-OPERATIONS §21).
  41068: entry({ zh: '敏感词数量超过企业微信的上限（每条规则最多 300 个）', en: "There are more sensitive words than WeCom allows (at most 300 per rule)" }, { zh: '请减少敏感词后重试', en: 'remove some words and try again' }),
  41069: entry(
    { zh: '敏感词拦截规则数量已达企业微信的上限（每个企业最多 100 条，含管理后台创建的）', en: "The corp has as many intercept rules as WeCom allows (100, including those made in the admin console)" },
    { zh: '请先删除不再使用的规则；管理后台创建的规则可先「从企业微信同步」查看', en: 'delete rules no longer needed first; sync from WeCom to see those made in the admin console' },
  ),
  41070: entry({ zh: '企业微信中找不到这条敏感词拦截规则', en: 'WeCom has no such intercept rule' }, { zh: '请「从企业微信同步」后重试', en: 'sync from WeCom and try again' }),
  41071: entry({ zh: '这条敏感词拦截规则已在企业微信中删除', en: 'This intercept rule was deleted in WeCom' }, { zh: '请「从企业微信同步」', en: 'sync from WeCom' }),
  41076: entry(
    { zh: '规则的适用范围超过企业微信的上限（成员、部门各最多 1000 个，规则最多包含 10000 人）', en: "The rule's range is larger than WeCom allows (1000 employees and 1000 departments; 10000 people per rule)" },
    { zh: '人数较多时请按部门选择', en: 'choose departments when there are many people' },
  ),
  41077: entry({ zh: '企业微信中已有同名的敏感词拦截规则', en: 'WeCom already has an intercept rule with this name' }, { zh: '请换一个名称，或「从企业微信同步」查看', en: 'choose another name, or sync from WeCom to see it' }),
  41083: entry({ zh: '敏感词不符合企业微信的要求（每个 1～32 个字）', en: "A sensitive word does not meet WeCom's rules (1 to 32 characters each)" }, { zh: '请修改敏感词后重试', en: 'correct the words and try again' }),
  41084: entry({ zh: '拦截语义不符合企业微信的要求（只能是手机号、邮箱地址、红包）', en: "The kinds to catch do not meet WeCom's rules (mobile numbers, email addresses, red packets only)" }, REPORT),
  301002: entry({ zh: 'WECOM_AGENT_ID 与 WECOM_SECRET 不属于同一个应用', en: 'WECOM_AGENT_ID and WECOM_SECRET belong to different apps' }, { zh: '请使用同一个自建应用的 AgentId 与 Secret', en: "use the AgentId and Secret of the same self-built app" }),
};

const UNKNOWN = entry(
  { zh: '企业微信返回了错误（错误码 {errcode}）', en: 'WeCom answered with an error (code {errcode})' },
  { zh: '请稍后重试；若持续出现，请把下方详情提供给管理员', en: 'try again later; if it persists, give the details below to your administrator' },
);
const UNREACHABLE = entry({ zh: '暂时无法连接企业微信', en: 'WeCom cannot be reached right now' }, { zh: '请检查服务器网络后稍后重试', en: "check the server's network and try again later" });

/** The sentence for an errcode in `locale`, placeholders filled (what the call did not know reads "该成员" / "the employee"). */
export function describeWecomError(errcode: number, locale: Locale, subject: WecomErrorSubject = {}): string {
  const template = (WECOM_ERRORS[errcode] ?? UNKNOWN)[locale];
  const filled = template.replace(/\{(\w+)\}/g, (_, key: string) => {
    if (key === 'errcode') return String(errcode);
    const value = subject[key as keyof WecomErrorSubject];
    if (value) return value;
    const fallback = FALLBACKS[key as keyof WecomErrorSubject];
    return fallback ? fallback[locale] : `{${key}}`;
  });
  return locale === 'en' ? filled.charAt(0).toUpperCase() + filled.slice(1) : filled;
}

/** The details line: the raw code and WeCom's errmsg, as WeCom sent them. */
export const wecomErrorDetail = (errcode: number, errmsg: string) => `errcode ${errcode}: ${errmsg}`;

function statusOf(errcode: number): number {
  if (errcode === 40071) return 409;
  if (TRANSIENT_ERRCODES.has(errcode) || RATE_LIMIT_ERRCODES.has(errcode)) return 503;
  return 400;
}

/** A failure of a WeCom call, as data: kept (stored) and rendered later in the reader's language. */
export interface WecomFailure {
  /** null: WeCom did not answer (timeout, network, bad response). */
  errcode: number | null;
  errmsg: string;
  api: string;
  subject?: WecomErrorSubject;
}

/** The failure of a WeCom call, or null when `error` is not one. */
export function wecomFailureOf(error: unknown, subject?: WecomErrorSubject): WecomFailure | null {
  if (error instanceof WecomError) return { ...error.failure, subject: subject ?? error.failure.subject };
  if (error instanceof WecomApiError) return { errcode: error.errcode, errmsg: error.errmsg, api: error.api, ...(subject ? { subject } : {}) };
  if (error instanceof WecomRequestError) return { errcode: null, errmsg: error.message, api: error.api };
  return null;
}

/** What an operator reads about a failure: the message in their language and the details line. */
export function renderWecomFailure(failure: WecomFailure, locale: Locale): { message: string; detail: string } {
  if (failure.errcode === null) return { message: UNREACHABLE[locale], detail: `${failure.api}: ${failure.errmsg}` };
  return { message: describeWecomError(failure.errcode, locale, failure.subject), detail: wecomErrorDetail(failure.errcode, failure.errmsg) };
}

/**
 * A WeCom failure as an API error: the envelope's `msg` says what happened and what to do in the caller's language;
 * `date` carries `detail` (raw code and errmsg), `errcode`, `errmsg` and `api`. 503 when WeCom is busy or
 * rate-limiting, 502 when it did not answer, 409 for a name WeCom already has, 400 otherwise.
 */
export class WecomError extends AppError {
  constructor(readonly failure: WecomFailure) {
    super(
      failure.errcode === null ? 502 : statusOf(failure.errcode),
      failure.errcode === null ? 'wecomUnreachable' : 'wecomError',
      { errcode: failure.errcode, errmsg: failure.errmsg },
      { errcode: failure.errcode, errmsg: failure.errmsg, api: failure.api, detail: renderWecomFailure(failure, 'zh').detail },
    );
    // What a job that fails with it keeps as its error: read back in each reader's language by readStoredFailure.
    this.message = storeWecomFailure(failure);
  }

  get errcode(): number | null {
    return this.failure.errcode;
  }

  override render(locale: Locale): string {
    return renderWecomFailure(this.failure, locale).message;
  }
}

/** WeCom's errors as the operator-facing error (with what the call knows about whom it concerned); anything else as it is. */
export function asWecomError(error: unknown, subject?: WecomErrorSubject): unknown {
  const failure = wecomFailureOf(error, subject);
  return failure ? new WecomError(failure) : error;
}

/** Runs a WeCom call, turning its failure into the operator-facing error. */
export async function callWecom<T>(call: () => Promise<T>, subject?: WecomErrorSubject): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asWecomError(error, subject);
  }
}

export const errcodeOf = (error: unknown): number | null =>
  error instanceof WecomApiError ? error.errcode : error instanceof WecomError ? error.failure.errcode : null;

// Stored failures (a link's statusReason, a job's error): kept as JSON so each reader gets their own language.
const STORED_PREFIX = '{"wecomFailure":';
const STORED_APP_ERROR_PREFIX = '{"appError":';

/** A failure to store in a text column; read back with `readStoredFailure`. */
export const storeWecomFailure = (failure: WecomFailure): string => JSON.stringify({ wecomFailure: failure });

/**
 * A stored failure reason rendered for `locale`: a stored WeCom failure becomes its message and details line; an older
 * "<errcode> <errmsg>" text is read as that code; any other text is kept as it is, with no details.
 */
export function readStoredFailure(stored: string | null, locale: Locale): { message: string; detail: string | null } | null {
  if (stored === null) return null;
  if (stored.startsWith(STORED_APP_ERROR_PREFIX)) {
    try {
      const { key, params } = (JSON.parse(stored) as { appError: { key: string; params: Record<string, unknown> } }).appError;
      return { message: translate(key, locale, params), detail: null };
    } catch {
      return { message: stored, detail: null };
    }
  }
  if (stored.startsWith(STORED_PREFIX)) {
    try {
      return renderWecomFailure((JSON.parse(stored) as { wecomFailure: WecomFailure }).wecomFailure, locale);
    } catch {
      return { message: stored, detail: null };
    }
  }
  // The messages of the client's own errors, as a failed job keeps them (platform/jobs stores `error.message`).
  const api = /^WeCom (\S+) failed: errcode (-?\d+), ([\s\S]*)$/.exec(stored);
  if (api) return renderWecomFailure({ errcode: Number(api[2]), errmsg: api[3], api: api[1] }, locale);
  const request = /^WeCom (\S+) request failed \(\w+\): /.exec(stored);
  if (request) return renderWecomFailure({ errcode: null, errmsg: stored, api: request[1] }, locale);
  const legacy = /^(-?\d+) ([\s\S]*)$/.exec(stored);
  if (legacy) return renderWecomFailure({ errcode: Number(legacy[1]), errmsg: legacy[2], api: '' }, locale);
  return { message: stored, detail: null };
}

/** A failure as text to store: WeCom failures as data, anything else as its message. */
export function failureText(error: unknown, subject?: WecomErrorSubject): string {
  const failure = wecomFailureOf(error, subject);
  if (failure) return storeWecomFailure(failure);
  // One of our own refusals: its message key and parameters, so each reader gets it in words in their language.
  if (error instanceof AppError) return JSON.stringify({ appError: { key: error.messageKey, params: error.params } });
  return error instanceof Error ? error.message : String(error);
}

/**
 * What an operator reads about a per-item errcode WeCom answered inside a successful call (transfer_customer's
 * per-customer errcode): null for 0, else the message and the details line.
 */
export function describeItemErrcode(errcode: number, locale: Locale, subject?: WecomErrorSubject): { message: string; detail: string } | null {
  if (errcode === 0) return null;
  return { message: describeWecomError(errcode, locale, subject), detail: `errcode ${errcode}` };
}
