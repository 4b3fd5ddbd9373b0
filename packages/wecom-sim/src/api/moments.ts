// 客户朋友圈 (API-FACTS-OPERATIONS §18): add_moment_task is asynchronous — a jobid whose result
// (get_moment_task_result, a GET) goes 1 started → 2 creating → 3 done with the moment_id and the senders and
// tags WeCom could not use. Each executor then publishes the moment in the client (actions.confirmMoment);
// get_moment_task / get_moment_customer_list / get_moment_send_result reflect that. No callbacks (§24).
import { createHash } from 'node:crypto';
import type { SimulatorCore } from '../core.ts';
import { fail } from '../errors.ts';
import type { Moment, MomentTask } from '../model.ts';
import { requireMedia } from './customers.ts';
import { clampedLimit, optionalNumber, optionalNumberList, optionalObject, optionalString, optionalStringList, pageByOffset, type Json } from './input.ts';
import type { ApiRoute } from './router.ts';

const DAY = 86_400;
export const MOMENT_LIMITS = { senders: 100_000, images: 9, textBytes: 4_000, textCharacters: 2_000, linkTitleBytes: 64, perMinute: 10, jobValiditySeconds: DAY } as const;

/** text ≤ 2000 characters / 4000 bytes; 9 images, or 1 video, or 1 link — one kind — with upload_attachment media. */
export function checkMomentContent(core: SimulatorCore, body: Json): { text?: { content: string }; attachments: Json[] } {
  const text = optionalObject(body, 'text');
  const content = text ? optionalString(text, 'content') : undefined;
  const raw = body.attachments ?? [];
  if (!Array.isArray(raw)) return fail(40058, 'attachments must be a list');
  if (!content && raw.length === 0) return fail(41089);
  if (content && (Buffer.byteLength(content) > MOMENT_LIMITS.textBytes || Array.from(content).length > MOMENT_LIMITS.textCharacters)) fail(40058, 'invalid text size');
  const attachments = raw as Json[];
  const kinds = new Set(attachments.map((attachment) => (attachment && typeof attachment === 'object' ? attachment.msgtype : undefined)));
  if (kinds.size > 1 || [...kinds].some((kind) => kind !== 'image' && kind !== 'video' && kind !== 'link')) fail(40058, 'invalid attachments msgtype');
  const kind = [...kinds][0];
  if ((kind === 'image' && attachments.length > MOMENT_LIMITS.images) || (kind !== 'image' && attachments.length > 1)) fail(40058, 'invalid attachments size');
  for (const attachment of attachments) {
    const body = optionalObject(attachment, kind as string) ?? fail(40058, 'invalid msg');
    if (kind === 'link') {
      const url = optionalString(body, 'url') ?? fail(40058, 'invalid msg: link.url missing');
      if (Buffer.byteLength(optionalString(body, 'title') ?? '') > MOMENT_LIMITS.linkTitleBytes) fail(40058, 'link.title exceeds 64 bytes');
      if (!/^https?:\/\//.test(url)) fail(40058, 'link.url must be http(s)');
      // The link's cover is an uploaded image.
      const cover = requireMedia(core, optionalString(body, 'media_id') ?? fail(40058, 'invalid msg: link.media_id missing'), 'moment');
      if (cover.type !== 'image') fail(40007, 'link.media_id must be an image');
    } else {
      const item = requireMedia(core, optionalString(body, 'media_id') ?? fail(40058, 'invalid msg'), 'moment');
      if (item.type !== kind) fail(40007, `media_id is not a${kind === 'image' ? 'n image' : ' video'}`);
    }
  }
  return { ...(content ? { text: { content } } : {}), attachments: structuredClone(attachments) };
}

/** Who executes a new moment and which customers each is meant for (visible-range semantics of §18.2). */
function resolveRange(core: SimulatorCore, body: Json): Pick<Moment, 'tasks' | 'visible_type' | 'invalid_sender_list' | 'invalid_external_contact_list'> {
  const { state } = core;
  const range = optionalObject(body, 'visible_range') ?? {};
  const senders = optionalObject(range, 'sender_list') ?? {};
  const userList = optionalStringList(senders, 'user_list') ?? [];
  if (userList.length > MOMENT_LIMITS.senders) fail(40058, 'sender_list.user_list exceeds 100000');
  const departmentList = optionalNumberList(senders, 'department_list') ?? [];
  const contacts = optionalObject(range, 'external_contact_list') ?? {};
  const tagList = optionalStringList(contacts, 'tag_list') ?? [];
  const invalidTags = tagList.filter((id) => !state.tagIndex.has(id));
  const tags = new Set(tagList.filter((id) => state.tagIndex.has(id)));
  const eligible = (userid: string) => {
    const employee = state.activeEmployee(userid);
    return !!employee && employee.customerContact && state.isEmployeeVisible(employee);
  };
  const invalidUsers: string[] = [];
  const invalidDepartments: number[] = [];
  const executors = new Set<string>();
  if (userList.length > 0 || departmentList.length > 0) {
    for (const userid of userList) (eligible(userid) ? executors.add(userid) : invalidUsers.push(userid));
    for (const id of departmentList) {
      if (!state.departments.has(id) || !state.isDepartmentVisible(id)) invalidDepartments.push(id);
      else for (const employee of state.employeesInDepartments([id])) if (eligible(employee.userid)) executors.add(employee.userid);
    }
  } else if (tagList.length > 0) {
    // Only tags: pushed to the members following customers with those tags.
    for (const employee of state.employees.values()) {
      if (eligible(employee.userid) && state.relationList(employee.userid).some((relation) => relation.tag_ids.some((id) => tags.has(id)))) executors.add(employee.userid);
    }
  } else {
    for (const employee of state.employees.values()) if (eligible(employee.userid)) executors.add(employee.userid);
  }
  const tasks: MomentTask[] = [...executors].map((userid) => ({
    userid,
    publish_status: 0,
    customers: state
      .relationList(userid)
      .filter((relation) => tagList.length === 0 || relation.tag_ids.some((id) => tags.has(id)))
      .map((relation) => relation.external_userid),
  }));
  return {
    tasks,
    // "若指定external_contact_list列表，则该条朋友圈为部分可见；否则为公开".
    visible_type: tagList.length > 0 ? 0 : 1,
    invalid_sender_list: { user_list: invalidUsers, department_list: invalidDepartments },
    invalid_external_contact_list: { tag_list: invalidTags },
  };
}

/** An executor publishes: the moment becomes visible to those of its customers who are still friends. */
export function publishMoment(core: SimulatorCore, task: MomentTask): void {
  task.publish_status = 1;
  task.publish_time = core.nowSeconds();
  task.visible_to = task.customers.filter((externalUserId) => core.state.relation(task.userid, externalUserId));
}

/** Moments list media under ids of their own (`WWCISP_…`), not the uploaded media_id. */
function listedMediaId(mediaId: unknown): string {
  return `WWCISP_${createHash('sha1').update(String(mediaId)).digest('base64url').slice(0, 27)}`;
}

export function momentView(moment: Moment): Json {
  const view: Json = { moment_id: moment.moment_id };
  if (moment.creator) view.creator = moment.creator;
  view.create_time = moment.create_time;
  view.create_type = moment.create_type;
  view.visible_type = moment.visible_type;
  if (moment.text) view.text = moment.text;
  const images = moment.attachments.filter((attachment) => attachment.msgtype === 'image');
  if (images.length > 0) view.image = images.map((attachment) => ({ media_id: listedMediaId((attachment.image as Json).media_id) }));
  const video = moment.attachments.find((attachment) => attachment.msgtype === 'video');
  if (video) {
    const mediaId = (video.video as Json).media_id;
    view.video = { media_id: listedMediaId(mediaId), thumb_media_id: listedMediaId(`thumb:${String(mediaId)}`) };
  }
  const link = moment.attachments.find((attachment) => attachment.msgtype === 'link');
  if (link) view.link = { title: String((link.link as Json).title ?? ''), url: String((link.link as Json).url) };
  return view;
}

export function createMoment(core: SimulatorCore, body: Json): { jobid: string; moment: Moment } {
  const { state } = core;
  const now = core.nowSeconds();
  // "企业每分钟创建朋友圈的频率：10条/分钟".
  if (state.moments.filter((moment) => moment.create_type === 0 && moment.create_time > now - 60).length >= MOMENT_LIMITS.perMinute) fail(45009);
  const content = checkMomentContent(core, body);
  const moment: Moment = {
    jobid: state.newJobId(),
    moment_id: state.newMomentId(),
    create_type: 0,
    create_time: now,
    job_done_at: now + core.momentOptions.jobSeconds,
    ...content,
    ...resolveRange(core, body),
  };
  state.moments.push(moment);
  return { jobid: moment.jobid as string, moment };
}

/** A moment whose creation job has finished; 41059 / 41060 otherwise. */
function requireMoment(core: SimulatorCore, body: Json): Moment {
  const momentId = optionalString(body, 'moment_id') ?? fail(41059);
  const moment = core.state.moments.find((candidate) => candidate.moment_id === momentId);
  if (!moment || moment.job_done_at > core.nowSeconds()) return fail(41060, `invalid moment_id: ${momentId}`);
  return moment;
}

function requireExecutor(moment: Moment, body: Json): MomentTask {
  const userid = optionalString(body, 'userid') ?? fail(41009);
  return moment.tasks.find((task) => task.userid === userid) ?? fail(41061);
}

export const momentRoutes: ApiRoute[] = [
  { method: 'POST', path: 'externalcontact/add_moment_task', handler: ({ core, body }) => ({ jobid: createMoment(core, body).jobid }) },
  {
    method: 'GET',
    path: 'externalcontact/get_moment_task_result',
    handler: ({ core, query }) => {
      const jobid = optionalString(query, 'jobid') ?? fail(40058, 'jobid missing');
      const now = core.nowSeconds();
      const moment = core.state.moments.find((candidate) => candidate.jobid === jobid);
      // A jobid is valid for 24 hours.
      if (!moment || now > moment.create_time + MOMENT_LIMITS.jobValiditySeconds) return fail(40058, `invalid jobid: ${jobid}`);
      if (now < moment.job_done_at) return { status: now === moment.create_time ? 1 : 2, type: 'add_moment_task' };
      return {
        status: 3,
        type: 'add_moment_task',
        result: {
          errcode: 0,
          errmsg: 'ok',
          moment_id: moment.moment_id,
          invalid_sender_list: moment.invalid_sender_list,
          invalid_external_contact_list: moment.invalid_external_contact_list,
        },
      };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/cancel_moment_task',
    handler: ({ core, body }) => {
      const moment = requireMoment(core, body);
      if (moment.create_type !== 0) fail(41067);
      // Executors who haven't published can no longer; published moments stay.
      moment.cancelled_at ??= core.nowSeconds();
      return {};
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_moment_list',
    handler: ({ core, body }) => {
      const start = optionalNumber(body, 'start_time') ?? fail(40058, 'start_time missing');
      const end = optionalNumber(body, 'end_time') ?? fail(40058, 'end_time missing');
      if (end < start) fail(40058, 'end_time is before start_time');
      if (end - start > 30 * DAY) fail(40058, 'the time range exceeds 30 days');
      const creator = optionalString(body, 'creator');
      const filterType = optionalNumber(body, 'filter_type') ?? 2;
      if (![0, 1, 2].includes(filterType)) fail(40058, 'filter_type must be 0, 1 or 2');
      const now = core.nowSeconds();
      // (start, end) is an open interval; moments still being created are not listed yet.
      const found = core.state.moments.filter(
        (moment) =>
          moment.create_time > start &&
          moment.create_time < end &&
          moment.job_done_at <= now &&
          (filterType === 2 || moment.create_type === filterType) &&
          (creator === undefined || moment.creator === creator),
      );
      const { page, next_cursor } = pageByOffset(found, `moment_list:${start}:${end}`, optionalString(body, 'cursor'), clampedLimit(body, 20, 20));
      return { next_cursor, moment_list: page.map(momentView) };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_moment_task',
    handler: ({ core, body }) => {
      const moment = requireMoment(core, body);
      // Only corp-made moments have executors' tasks.
      if (moment.create_type !== 0) fail(41067);
      const { page, next_cursor } = pageByOffset(moment.tasks, `moment_task:${moment.moment_id}`, optionalString(body, 'cursor'), clampedLimit(body, 500, 1000));
      return { next_cursor, task_list: page.map((task) => ({ userid: task.userid, publish_status: task.publish_status })) };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_moment_customer_list',
    handler: ({ core, body }) => {
      const moment = requireMoment(core, body);
      const task = requireExecutor(moment, body);
      const { page, next_cursor } = pageByOffset(task.customers, `moment_customers:${moment.moment_id}:${task.userid}`, optionalString(body, 'cursor'), clampedLimit(body, 500, 1000));
      return { next_cursor, customer_list: page.map((externalUserId) => ({ userid: task.userid, external_userid: externalUserId })) };
    },
  },
  {
    method: 'POST',
    path: 'externalcontact/get_moment_send_result',
    handler: ({ core, body }) => {
      const moment = requireMoment(core, body);
      const task = requireExecutor(moment, body);
      if (task.publish_status !== 1) fail(41062);
      const { page, next_cursor } = pageByOffset(task.visible_to ?? [], `moment_sent:${moment.moment_id}:${task.userid}`, optionalString(body, 'cursor'), clampedLimit(body, 3000, 5000));
      return { next_cursor, customer_list: page.map((externalUserId) => ({ external_userid: externalUserId })) };
    },
  },
];
