import { ApiArea } from './api-area.ts';
import type {
  AddCorpTagRequest,
  AddCorpTagResponse,
  CorpTagListRequest,
  CorpTagListResponse,
  DeleteCorpTagRequest,
  EditCorpTagRequest,
  MarkTagRequest,
  WecomResponse,
} from '../types.ts';

/** Corp customer tags and tag groups (API-FACTS §4); all POST. Changes made here send no callback. */
export class CorpTagsApi extends ApiArea {
  /** get_corp_tag_list: every group, or only the given tags/groups (then `deleted` is reported). */
  list(request: CorpTagListRequest = {}): Promise<CorpTagListResponse> {
    return this.requester.request('externalcontact/get_corp_tag_list', { method: 'POST', body: request });
  }

  /** add_corp_tag: adds tags to group_id, or to group_name (created when it does not exist). */
  add(request: AddCorpTagRequest): Promise<AddCorpTagResponse> {
    return this.requester.request('externalcontact/add_corp_tag', { method: 'POST', body: request, mutating: true });
  }

  /** edit_corp_tag: renames or reorders a tag or a group. */
  edit(request: EditCorpTagRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/edit_corp_tag', { method: 'POST', body: request, mutating: true });
  }

  delete(request: DeleteCorpTagRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/del_corp_tag', { method: 'POST', body: request, mutating: true });
  }

  /** mark_tag: adds and removes corp tags on one follow relation. */
  mark(request: MarkTagRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/mark_tag', { method: 'POST', body: request, mutating: true });
  }
}
