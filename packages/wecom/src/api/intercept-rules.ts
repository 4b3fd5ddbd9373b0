import { ApiArea } from './api-area.ts';
import type { WecomResponse } from '../types.ts';

/** 1 手机号 / 2 邮箱地址 / 3 红包. */
export type InterceptSemantics = 1 | 2 | 3;
/** 1 警告并拦截发送 / 2 仅发警告. */
export type InterceptType = 1 | 2;

export interface InterceptRange {
  /** ≤1000. */
  user_list?: string[];
  /** ≤1000. */
  department_list?: number[];
}

export interface AddInterceptRuleRequest {
  /** 1~20 characters, unique in the corp (41077). */
  rule_name: string;
  /** ≤300 words of 1~32 characters each. */
  word_list: string[];
  /** add takes it at the top level (get/update use extra_rule). */
  semantics_list?: InterceptSemantics[];
  intercept_type: InterceptType;
  /** Members and departments in the app's visible range; not both empty. */
  applicable_range: InterceptRange;
}

export interface InterceptRuleSummary {
  rule_id: string;
  rule_name: string;
  create_time: number;
}

export interface InterceptRule {
  /** A number in the doc's sample, a string elsewhere (§26): read it with String(). */
  rule_id: string | number;
  rule_name: string;
  word_list: string[];
  extra_rule?: { semantics_list?: InterceptSemantics[] };
  intercept_type: InterceptType;
  applicable_range: InterceptRange;
  create_time?: number;
}

/** Only the fields given change; an empty word_list is ignored, an empty semantics_list clears the semantics. */
export interface UpdateInterceptRuleRequest {
  rule_id: string;
  rule_name?: string;
  word_list?: string[];
  extra_rule?: { semantics_list: InterceptSemantics[] };
  intercept_type?: InterceptType;
  add_applicable_range?: InterceptRange;
  remove_applicable_range?: InterceptRange;
}

/**
 * 管理聊天敏感词 (API-FACTS-OPERATIONS §21): at most 100 rules per corp; an app may update or delete only the rules it
 * created (the 客户联系 secret: all). No callback reports an interception.
 */
export class InterceptRulesApi extends ApiArea {
  add(request: AddInterceptRuleRequest): Promise<WecomResponse & { rule_id: string }> {
    return this.requester.request('externalcontact/add_intercept_rule', { method: 'POST', body: request, mutating: true });
  }

  /** A GET: every rule of the corp, names only. */
  list(): Promise<WecomResponse & { rule_list: InterceptRuleSummary[] }> {
    return this.requester.request('externalcontact/get_intercept_rule_list', { method: 'GET' });
  }

  /** The range lists only members and departments in the app's visible range. */
  get(ruleId: string): Promise<WecomResponse & { rule: InterceptRule }> {
    return this.requester.request('externalcontact/get_intercept_rule', { method: 'POST', body: { rule_id: ruleId } });
  }

  update(request: UpdateInterceptRuleRequest): Promise<WecomResponse> {
    return this.requester.request('externalcontact/update_intercept_rule', { method: 'POST', body: request, mutating: true });
  }

  del(ruleId: string): Promise<WecomResponse> {
    return this.requester.request('externalcontact/del_intercept_rule', { method: 'POST', body: { rule_id: ruleId }, mutating: true });
  }
}
