// The demo's SCRM-side content: what an operator would have built in the first days, so every module shows
// something on a fresh demo. Runs once, on the demo's first start after the first WeCom sync, and only in
// demo mode (main.ts). Everything goes through the real endpoints with the administrator's token — the same
// checks, audit log entries and WeCom writes as for an operator — and customers arrive the way they do in
// production: the simulator's customers open the link / scan the QR code and WeCom's callbacks bring them in.
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { WecomSimulator } from '@scrm/wecom-sim';
import type { Db } from './platform/db/database.ts';
import type { TokenService } from './platform/auth/tokens.ts';
import { loadAuthUser } from './platform/auth/authenticate.ts';

/** sys_config key: claimed when the content is made (once, whatever the number of restarts or replicas). */
export const DEMO_CONTENT_KEY = 'demo.content';

export interface DemoContentDeps {
  app: FastifyInstance;
  db: Db;
  tokens: TokenService;
  sim: WecomSimulator;
  /** Waits until every callback the simulator sent was delivered and applied (default: `settleDemoEvents`). */
  settle?: () => Promise<void>;
  /** The administrator whose token makes the content. */
  adminUsername?: string;
  now?: () => number;
}

export interface DemoContentSummary {
  channels: number;
  customers: number;
  leads: number;
  users: number;
}

/** Waits until the simulator delivered its callbacks and the portal applied every stored event. */
export async function settleDemoEvents(db: Db, sim: WecomSimulator, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sim.flushDeliveries();
    const result = await db.execute<{ count: number }>(sql`SELECT count(*)::int AS count FROM wx_event WHERE status IN ('pending', 'processing')`);
    if (Number(result.rows[0].count) === 0) return;
    if (Date.now() > deadline) throw new Error('demo content: WeCom callbacks still unprocessed');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const CUSTOMER_NAMES = ['陈思远', '林晓雯', '王建国', '赵敏', '周子涵', '吴海涛', '郑雅琪', '孙浩然', '黄诗琪', '刘振宇', '何佳怡', '高明轩'];
const LEAD_NAMES = [
  '李娜', '张伟', '王芳', '刘洋', '陈静', '杨帆', '赵磊', '黄丽', '周杰', '吴敏',
  '徐强', '孙悦', '胡斌', '朱婷', '郭峰', '马琳', '罗成', '梁雪', '宋涛', '谢欣',
];
const COMPANIES = ['上海云启科技', '杭州新禾贸易', '深圳启明电子', '北京智远咨询', '广州恒信物流'];

/**
 * Makes the demo content unless it was made before (then answers null). The key is claimed first, so a
 * second replica or a restart never makes anything twice; a run that fails half-way stays half-made (logged
 * by the caller) rather than being repeated over what it made.
 */
export async function seedDemoContent(deps: DemoContentDeps): Promise<DemoContentSummary | null> {
  const { app, db } = deps;
  const settle = deps.settle ?? (() => settleDemoEvents(db, deps.sim));
  const now = deps.now ?? Date.now;
  const admins = await db.execute<{ id: number }>(sql`SELECT id FROM sys_user WHERE username = ${deps.adminUsername ?? 'admin'} AND is_del = 0 AND NOT must_change_password`);
  const adminId = admins.rows[0]?.id;
  // An administrator who must first change the password (an exposed demo) cannot act yet: try at a later start.
  if (adminId === undefined) return null;
  const made = await db.execute(sql`SELECT 1 FROM sys_config WHERE key = ${DEMO_CONTENT_KEY}`);
  if (made.rows.length > 0) return null;
  const user = await loadAuthUser(db, Number(adminId));
  if (!user) throw new Error('demo content: the administrator is gone');
  const { token } = await deps.tokens.sign(
    {
      uid: String(user.id), emp_no: user.empNo ?? '', user_name: user.username, phone_num: user.phone ?? '',
      account_status: String(user.status), dept_id: user.deptId === null ? '' : String(user.deptId), data_scope: '1', tv: user.tokenVersion,
    },
    3600,
  );
  const call = async <T = any>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> => {
    const response = await app.inject({ method, url, headers: { token }, ...(method === 'GET' ? { query: body as Record<string, string> } : { payload: body as object }) });
    const answer = response.json();
    if (response.statusCode !== 200) throw new Error(`demo content: ${method} ${url} answered ${response.statusCode} ${answer?.msg ?? ''}`);
    return answer.date as T;
  };
  const get = <T = any>(url: string, query?: Record<string, string>) => call<T>('GET', url, query);
  /** Waits for work done by jobs (a dispatch): checks every 200 ms, gives up after 60 s. */
  const until = async (done: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`demo content: gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const post = <T = any>(url: string, body: unknown) => call<T>('POST', url, body);

  // Employees who can take customers (客户联系 enabled, active), as the pickers offer them.
  const employees = (await get<Array<{ userid: string; name: string }>>('/scrm/admin/qw/emp/listByName', { eligible: 'true' })).map((e) => e.userid);
  if (employees.length < 2) throw new Error('demo content: the demo corp has fewer than two employees who can take customers');
  const [a, b, c = a, d = b] = employees;
  // Claimed once what it needs is there (a first sync stopped before the employees leaves it unclaimed: a later start
  // makes it), and before anything is made (two replicas starting together).
  const claimed = await db.execute(sql`INSERT INTO sys_config (key, value) VALUES (${DEMO_CONTENT_KEY}, 'started') ON CONFLICT (key) DO NOTHING RETURNING key`);
  if (claimed.rows.length === 0) return null;

  // 获客渠道.
  const channelOf = async (name: string, channelType: string, remark: string) => post<{ id: number; name: string }>('/scrm/admin/cust/channel/save', { name, channelType, remark, status: 0 });
  const fair = await channelOf('线下展会', 'offline', '展会现场扫码添加');
  const official = await channelOf('公众号', 'online', '公众号菜单与推文引流');
  await channelOf('老客转介绍', 'referral', '老客户推荐的新客户');

  // Corp tags (synced from WeCom) the link and the QR code put on every new customer.
  const corpTags = await get<Array<{ wecomTagId: string | null; groupId: number }>>('/scrm/admin/tag/corp/list');
  const tagIds = corpTags.map((tag) => tag.wecomTagId).filter((id): id is string => !!id);

  // A weighted acquisition link and a round-robin channel QR code, published to WeCom.
  const link = await post<{ id: number; status: number; statusReason: string | null; url: string; allocationRules: Array<{ linkUrl: string | null }> }>('/scrm/admin/cust/get/link/save', {
    linkName: '春季展会获客链接',
    channelId: fair.id,
    allocationMethod: 'weight',
    userList: [a, b, c],
    allocationRules: [...new Set([a, b, c])].map((userId, index) => ({ userId, weight: 3 - index })),
    cstTags: tagIds.slice(0, 1),
    isSendWelcome: 1,
    welcomeContent: '您好，感谢您在展会上关注我们！我是您的专属顾问，有任何问题随时联系我。',
    skipVerify: 'true',
    status: 1,
  });
  if (link.status !== 1) throw new Error(`demo content: the acquisition link was not published: ${link.statusReason}`);
  const qr = await post<{ id: number; status: number; statusReason: string | null; linkId: string }>('/scrm/admin/cust/get/qr/save', {
    linkName: '公众号关注活码',
    channelId: official.id,
    allocationMethod: 'round',
    userList: [b, d],
    allocationRules: [...new Set([b, d])].map((userId) => ({ userId, roundLimit: 1 })),
    cstTags: tagIds.slice(1, 2),
    isSendWelcome: 1,
    welcomeContent: '您好，欢迎关注！回复「资料」即可领取产品手册。',
    status: 1,
  });
  if (qr.status !== 1) throw new Error(`demo content: the channel QR code was not published: ${qr.statusReason}`);

  // 客户SOP on the link and the QR code (its tasks come as the customers below arrive, from the evaluation job), and a
  // 群SOP: a weekly morning post in the employees' groups.
  await post('/scrm/admin/sop/customer/save', {
    name: '展会新客跟进', trigger: { type: 'added', channelIds: [], linkIds: [link.id, qr.id] },
    steps: [
      { name: '打招呼', when: { type: 'after', amount: 0, unit: 'minute' }, text: '您好！感谢在展会上添加我，这是我们的新品手册，有问题随时找我。' },
      { name: '了解需求', when: { type: 'after', amount: 1, unit: 'day' }, text: '问问客户最关心的产品和预算，备注到客户资料里。' },
      { name: '邀约到店', when: { type: 'dayAt', day: 3, time: '10:00' }, text: '邀请客户本周末到店体验，可预约专属顾问。' },
    ],
  });
  const demoGroups = await get<Array<{ chatId: string }>>('/scrm/admin/group/list');
  if (demoGroups.length) {
    await post('/scrm/admin/sop/group/save', {
      name: '每周一早报', trigger: { type: 'recurrence', every: 'weekly', weekDays: [1], time: '09:00', chatIds: demoGroups.slice(0, 3).map((group) => group.chatId) },
      steps: [{ name: '发早报', when: { type: 'after', amount: 0, unit: 'minute' }, text: '本周新品和优惠速览，发到群里并 @ 所有人。' }],
    });
  }

  // A dozen customers arrive through them (WeCom's callbacks bring them in, with the channel and tags).
  // Seven through the link: the poster's main URL, then the employees' own sub-links in the order the weights
  // give (what /open/route/hit answers an H5 page); five scan the QR code. One at a time, as people do.
  const ruleUrls = link.allocationRules.map((rule) => rule.linkUrl).filter((url): url is string => !!url);
  const linkUrls = [link.url, ...[0, 1, 0, 2, 1, 0].map((index) => ruleUrls[index % ruleUrls.length] ?? link.url)];
  const arrived: Array<{ externalUserid: string; userid: string }> = [];
  for (const [index, name] of CUSTOMER_NAMES.entries()) {
    const customer = { name, type: 1 as const, gender: (index % 2 ? 2 : 1) as 1 | 2 };
    const added = index < 7 ? deps.sim.actions.openAcquisitionLink({ url: linkUrls[index], customer }) : deps.sim.actions.scanContactWay({ config_id: qr.linkId, customer });
    arrived.push({ externalUserid: added.external_userid, userid: added.userid });
    await settle();
  }

  // An SCRM tag group, on a few of them.
  const level = await post<{ tags: Array<{ id: number; name: string }> }>('/scrm/admin/tag/self/saveGroup', { groupName: '客户等级', tags: [{ name: 'VIP' }, { name: '普通' }] });
  const vip = level.tags.find((tag) => tag.name === 'VIP')!;
  const normal = level.tags.find((tag) => tag.name === '普通')!;
  for (const [index, customer] of arrived.slice(0, 6).entries()) {
    await post('/scrm/admin/cust/tagInfo/save', { externalUserid: customer.externalUserid, userId: '', tagType: 'self', tagIds: [index < 2 ? vip.id : normal.id] });
  }

  // Leads: some in the pool, some assigned, two due for a follow-up today, two returned with a reason, two converted.
  const leadIds: number[] = [];
  for (const [index, name] of LEAD_NAMES.entries()) {
    const channel = index % 3 === 0 ? official : fair;
    const lead = await post<{ id: number }>('/scrm/admin/clue/add', {
      name,
      gender: index % 2 ? 2 : 1,
      phone: `1380013${String(8000 + index).padStart(4, '0')}`,
      company: COMPANIES[index % COMPANIES.length],
      channel: channel.name,
      channelId: channel.id,
      remark: index % 4 === 0 ? '对年度套餐感兴趣' : undefined,
      ownerUserid: index < 8 ? undefined : index % 2 ? a : b,
      tagIds: index % 5 === 0 ? [vip.id] : undefined,
    });
    leadIds.push(lead.id);
  }
  const owned = leadIds.slice(8);
  for (const [index, clueId] of owned.slice(0, 2).entries()) {
    await post('/scrm/admin/clue/update', {
      clueId,
      followUp: { content: index ? '客户要求发送报价单，约定今天回电确认。' : '电话沟通了需求，今天安排演示。', method: 'phone', nextFollowAt: new Date(now()).toISOString() },
      nextFollowAt: new Date(now()).toISOString(),
    });
  }
  await post('/scrm/admin/clue/returnPool', { clueIds: [owned[2]], reason: '电话多次未接通' });
  await post('/scrm/admin/clue/returnPool', { clueIds: [owned[3]], reason: '客户暂无需求，明年再联系' });
  // Two became WeCom customers (linked: 已转化); one assigned turned out invalid.
  for (const [index, clueId] of owned.slice(4, 6).entries()) await post('/scrm/admin/clue/linkCustomer', { clueId, externalUserid: arrived[index].externalUserid });
  await post('/scrm/admin/clue/update', { clueId: owned[6], invalid: true, followUp: { content: '空号，无法联系。', method: 'phone' } });

  // A 销售 role (data scope 仅本人; 客户列表 and 线索列表 with their buttons) and two console users bound to employees.
  const role = await post<{ id: number }>('/scrm/admin/sys/role/save', { name: '销售', roleKey: 'sales', dataScope: 5, orderNum: 10, status: 0, remark: '一线销售：只看自己的客户和线索' });
  const tree = await get<MenuNode[]>('/scrm/admin/sys/menu/tree');
  await post('/scrm/admin/sys/role/updateMenus', { roleId: role.id, menuIds: menuIdsFor(tree, ['/customer/list', '/clue/pool', '/ops/todo']) });
  const bound = await post<{ users: unknown[] }>('/scrm/admin/sys/user/createFromWecom', { employees: [{ qwUserid: a }, { qwUserid: b }], roleIds: [role.id] });

  // 客户运营. 客户群发: the fair's customers get the new-product notice from the employees who added them; the first
  // sender has confirmed it in WeCom, the others not yet (what an operator watches on the first day). 客户群群发 to
  // one employee's groups, and a moment the employees publish.
  const notice = await post<{ id: number }>('/scrm/admin/broadcast/customer/save', {
    name: '春季新品上市通知',
    content: { text: '您好！春季新品已经上市，展会客户可享专属 9 折优惠。回复「新品」即可获取产品手册。' },
    senders: { userids: [...new Set([a, b, c])] },
    audience: { linkIds: [link.id] },
  });
  await post('/scrm/admin/broadcast/customer/send', { id: notice.id });
  await until(async () => {
    const detail = await get<{ chunkCounts: { pending: number; inFlight: number } }>('/scrm/admin/broadcast/customer/get', { id: String(notice.id) });
    return detail.chunkCounts.pending + detail.chunkCounts.inFlight === 0;
  }, 'the customer broadcast to be dispatched');
  for (const message of deps.sim.state.groupMsgs) {
    const first = message.tasks.find((task) => task.status === 0);
    if (message.create_type === 0 && first) deps.sim.actions.confirmGroupMsg({ msgid: message.msgid, userid: first.userid });
  }
  const owners = (await get<Array<{ owner: string; ownerDeparted: boolean }>>('/scrm/admin/group/list')).map((group) => group.owner).filter((owner) => employees.includes(owner));
  if (owners.length > 0) {
    const groupNotice = await post<{ id: number }>('/scrm/admin/broadcast/group/save', {
      name: '群公告：本周直播预告',
      content: { text: '各位群友好，本周四晚 8 点直播讲解春季新品，欢迎准时参加！' },
      senders: { userids: [owners[0]] },
      audience: { ownerUserids: [owners[0]] },
    });
    await post('/scrm/admin/broadcast/group/send', { id: groupNotice.id });
  }
  const moment = await post<{ id: number }>('/scrm/admin/broadcast/moment/save', {
    name: '新品发布朋友圈',
    content: { text: '春季新品正式发布 🎉 轻薄、续航更久，欢迎私信了解。' },
    senders: { userids: [a, b] },
  });
  await post('/scrm/admin/broadcast/moment/send', { id: moment.id });

  // 离职继承: automatic inheritance to the leader (else the first employee); an employee who has customers leaves
  // in WeCom and the policy hands their customers and groups over. 在职继承: one customer moves between colleagues.
  await post('/scrm/admin/lifecycle/policy/save', { enabled: true, mode: 'leader', fallbackUserid: a, includeGroups: true, notifyTakeover: true });
  const leaving = employees.find((userid) => ![a, b, c, d].includes(userid) && deps.sim.state.relationList(userid).length > 0);
  if (leaving) {
    deps.sim.actions.deleteEmployee({ userid: leaving });
    await settle();
  }
  const moved = arrived.find((customer) => customer.userid !== a);
  if (moved) {
    await post('/scrm/admin/lifecycle/onjob/transfer', {
      handoverUserid: moved.userid,
      takeoverUserid: a,
      externalUserids: [moved.externalUserid],
      transferSuccessMsg: '您好，您的专属顾问已更换，后续由我为您服务。',
    });
  }

  // 客户阶段: the fair's first customers along the pipeline, each move with a note on the relation's history (the
  // customer who deletes their adviser below moves to 流失 by itself).
  const stages = await get<Array<{ id: number; kind: string }>>('/scrm/admin/stage/list');
  const [, interested, quoted] = stages.filter((stage) => stage.kind === 'normal');
  const won = stages.find((stage) => stage.kind === 'won');
  const pairsOf = (customers: typeof arrived) => customers.map(({ externalUserid, userid }) => ({ externalUserid, userid }));
  if (interested && quoted && won) {
    await post('/scrm/admin/stage/move', { relations: pairsOf(arrived.slice(0, 6)), stageId: interested.id, note: '展会上咨询了产品和价格' });
    await post('/scrm/admin/stage/move', { relations: pairsOf(arrived.slice(0, 3)), stageId: quoted.id, note: '已发送报价单' });
    await post('/scrm/admin/stage/move', { relations: pairsOf(arrived.slice(0, 1)), stageId: won.id, note: '签约年度套餐' });
  }

  // 入群欢迎语 in WeCom's library for the group owners to pick; 敏感词拦截: a rule SCRM wrote for the advisers, and one
  // an administrator made in WeCom's admin console, brought in by sync.
  await post('/scrm/admin/group/welcome/save', { name: '新人入群欢迎', text: '欢迎 %NICKNAME% 加入！群里会第一时间分享新品和优惠，有问题随时 @ 群主。', notify: true });
  await post('/scrm/admin/intercept/save', { name: '禁止私下交易', words: ['私下转账', '加我微信', '返现'], semantics: [1, 3], interceptType: 1, userids: [...new Set([a, b, c])] });
  deps.sim.actions.adminAddInterceptRule({ rule_name: '辱骂与不文明用语', word_list: ['骗子', '垃圾'], intercept_type: 2, applicable_range: { user_list: [d] } });
  await post('/scrm/admin/intercept/sync', {});

  // 话术库: the quick replies advisers send from the WeCom sidebar, in folders.
  const opening = await post<{ id: number }>('/scrm/admin/reply/folder/save', { name: '开场白', sort: 1 });
  const offers = await post<{ id: number }>('/scrm/admin/reply/folder/save', { name: '产品与优惠', sort: 2 });
  await post('/scrm/admin/reply/save', { folderId: opening.id, title: '首次问候', type: 'text', content: '您好！我是您的专属顾问，很高兴为您服务，有任何问题随时找我～' });
  await post('/scrm/admin/reply/save', { folderId: opening.id, title: '展会回访', type: 'text', content: '感谢您在展会上的关注！资料已整理好，方便的话约个时间详细聊聊？' });
  await post('/scrm/admin/reply/save', { folderId: offers.id, title: '年度套餐', type: 'text', content: '年度套餐包含全年服务与专属顾问，本月签约享 9 折优惠。' });

  // 流失提醒: managers hear when an employee deletes a customer; one customer deleted their adviser, one adviser
  // deleted a customer.
  await post('/scrm/admin/loss/settings/save', { employeeAlert: true, managerAlert: true, managerUserids: [a], digest: false, digestHour: 18 });
  const [lostA, lostB] = arrived.slice(-2);
  deps.sim.actions.customerDeletesEmployee({ userid: lostA.userid, external_userid: lostA.externalUserid });
  deps.sim.actions.employeeDeletesCustomer({ userid: lostB.userid, external_userid: lostB.externalUserid });
  await settle();

  await db.execute(sql`UPDATE sys_config SET value = 'done', mtime = now() WHERE key = ${DEMO_CONTENT_KEY}`);
  const channels = await get<unknown[]>('/scrm/admin/cust/channel/list');
  return { channels: channels.length, customers: arrived.length, leads: leadIds.length, users: bound.users.length };
}

interface MenuNode {
  id: number;
  path: string | null;
  children?: MenuNode[];
}

/** The menus at `paths`, their ancestors (so the pages show in the navigation) and all their buttons. */
function menuIdsFor(tree: MenuNode[], paths: string[]): number[] {
  const ids = new Set<number>();
  const all = (node: MenuNode) => {
    ids.add(node.id);
    node.children?.forEach(all);
  };
  const walk = (nodes: MenuNode[], ancestors: number[]) => {
    for (const node of nodes) {
      if (node.path && paths.includes(node.path)) {
        ancestors.forEach((id) => ids.add(id));
        all(node);
      } else walk(node.children ?? [], [...ancestors, node.id]);
    }
  };
  walk(tree, []);
  if (ids.size === 0) throw new Error(`demo content: no menu at ${paths.join(', ')}`);
  return [...ids];
}
