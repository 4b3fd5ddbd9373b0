import { ApiArea } from './api-area.ts';
import type {
  GroupChatStatisticByDayRequest,
  GroupChatStatisticByDayResponse,
  GroupChatStatisticRequest,
  GroupChatStatisticResponse,
  UserBehaviorDataRequest,
  UserBehaviorDataResponse,
} from '../types.ts';

/** Customer-contact statistics (API-FACTS §11); all POST. */
export class StatisticsApi extends ApiArea {
  /** get_user_behavior_data: daily figures for members or departments, at most 30 days, last 180 days. */
  getUserBehaviorData(request: UserBehaviorDataRequest): Promise<UserBehaviorDataResponse> {
    return this.requester.request('externalcontact/get_user_behavior_data', { method: 'POST', body: request });
  }

  /** groupchat/statistic: group figures aggregated by owner, offset-paged. */
  getGroupChatStatistic(request: GroupChatStatisticRequest): Promise<GroupChatStatisticResponse> {
    return this.requester.request('externalcontact/groupchat/statistic', { method: 'POST', body: request });
  }

  /** Every page of groupchat/statistic, following next_offset until it reaches total. */
  async *iterateGroupChatStatistic(
    request: Omit<GroupChatStatisticRequest, 'offset'>,
  ): AsyncGenerator<GroupChatStatisticResponse, void, undefined> {
    let offset = 0;
    for (;;) {
      const page = await this.getGroupChatStatistic({ ...request, offset });
      yield page;
      // A next_offset that does not move forward would loop forever.
      if (page.items.length === 0 || page.next_offset >= page.total || page.next_offset <= offset) return;
      offset = page.next_offset;
    }
  }

  /** groupchat/statistic_group_by_day: group figures per day for the given owners. */
  getGroupChatStatisticByDay(request: GroupChatStatisticByDayRequest): Promise<GroupChatStatisticByDayResponse> {
    return this.requester.request('externalcontact/groupchat/statistic_group_by_day', { method: 'POST', body: request });
  }
}
