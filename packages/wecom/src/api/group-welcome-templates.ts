import { ApiArea } from './api-area.ts';
import type { WecomResponse } from '../types.ts';

/**
 * The content of a group welcome template (入群欢迎语素材, API-FACTS-OPERATIONS §19): text (≤3000 bytes, `%NICKNAME%`
 * becomes the customer's nickname) and at most one more message. When several are given WeCom keeps one by
 * priority image > link > miniprogram > file > video.
 */
export interface GroupWelcomeContent {
  text?: { content: string };
  /** media_id wins over pic_url. */
  image?: { media_id?: string; pic_url?: string };
  /** title ≤128 bytes, desc ≤512 bytes. */
  link?: { title: string; picurl?: string; desc?: string; url: string };
  /** title ≤64 bytes. */
  miniprogram?: { title: string; pic_media_id: string; appid: string; page: string };
  file?: { media_id: string };
  video?: { media_id: string };
}

export interface AddGroupWelcomeTemplateRequest extends GroupWelcomeContent {
  /** Only for old multi-app third-party suites. */
  agentid?: number;
  /** Tell the members to apply it to their groups: 0 no, 1 yes (default 1). */
  notify?: 0 | 1;
}

export interface EditGroupWelcomeTemplateRequest extends GroupWelcomeContent {
  template_id: string;
  agentid?: number;
}

/** get answers the image by pic_url only. */
export interface GroupWelcomeTemplateResponse extends WecomResponse, GroupWelcomeContent {}

/**
 * 入群欢迎语素材: a corp library of at most 100 templates (41055 when full). Only templates created by the calling
 * app may be edited or deleted (41058). No API binds a template to a group: members apply it in the client.
 */
export class GroupWelcomeTemplatesApi extends ApiArea {
  add(request: AddGroupWelcomeTemplateRequest): Promise<WecomResponse & { template_id: string }> {
    return this.requester.request('externalcontact/group_welcome_template/add', { method: 'POST', body: request, mutating: true });
  }

  /** edit replaces the content (no notify). */
  edit(request: EditGroupWelcomeTemplateRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/group_welcome_template/edit', { method: 'POST', body: request, mutating: true });
  }

  get(templateId: string): Promise<GroupWelcomeTemplateResponse> {
    return this.requester.request('externalcontact/group_welcome_template/get', { method: 'POST', body: { template_id: templateId } });
  }

  del(request: { template_id: string; agentid?: number }): Promise<WecomResponse> {
    return this.requester.request('externalcontact/group_welcome_template/del', { method: 'POST', body: request, mutating: true });
  }
}
