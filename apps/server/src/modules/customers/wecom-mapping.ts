// WeCom's external-contact shapes (API-FACTS §3.3, §3.4) to the rows we store. Pure functions.
import type { ExternalContact, FollowInfo, FollowUser } from '@scrm/wecom';

export interface CustomerRow {
  externalUserid: string;
  name: string;
  avatar: string | null;
  type: number;
  gender: number;
  unionid: string | null;
  corpName: string | null;
  corpFullName: string | null;
  position: string | null;
  externalProfile: unknown;
}

export interface RelationRow {
  externalUserid: string;
  userid: string;
  remark: string;
  description: string;
  remarkCorpName: string;
  remarkMobiles: string[];
  addWay: number;
  state: string;
  operUserid: string;
  /** Unix seconds, as WeCom sends it. */
  createtime: number;
  tagIds: string[];
  /** Known from externalcontact/get only; null from batch/get_by_user (ids only). */
  tags: Array<{ groupName: string; tagName: string; tagId?: string; type: number }> | null;
  wechatChannels: { nickname: string; source: number } | null;
}

const orNull = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);

export function customerRowOf(contact: ExternalContact): CustomerRow {
  return {
    externalUserid: contact.external_userid,
    name: contact.name ?? '',
    avatar: orNull(contact.avatar),
    type: contact.type ?? 1,
    gender: contact.gender ?? 0,
    unionid: orNull(contact.unionid),
    corpName: orNull(contact.corp_name),
    corpFullName: orNull(contact.corp_full_name),
    position: orNull(contact.position),
    externalProfile: contact.external_profile ?? null,
  };
}

function baseRelation(externalUserid: string, follow: FollowUser | FollowInfo): Omit<RelationRow, 'tagIds' | 'tags'> {
  return {
    externalUserid,
    userid: follow.userid,
    remark: follow.remark ?? '',
    description: follow.description ?? '',
    remarkCorpName: follow.remark_corp_name ?? '',
    remarkMobiles: follow.remark_mobiles ?? [],
    addWay: follow.add_way ?? 0,
    state: follow.state ?? '',
    operUserid: follow.oper_userid ?? '',
    createtime: Number(follow.createtime),
    wechatChannels: follow.wechat_channels ?? null,
  };
}

/** A follow_user entry of externalcontact/get: tags come as objects. */
export function relationRowOfFollowUser(externalUserid: string, follow: FollowUser): RelationRow {
  const tags = (follow.tags ?? []).map((tag) => ({
    groupName: tag.group_name,
    tagName: tag.tag_name,
    ...(tag.tag_id ? { tagId: tag.tag_id } : {}),
    type: tag.type,
  }));
  return {
    ...baseRelation(externalUserid, follow),
    tagIds: tags.filter((tag) => tag.type === 1 && tag.tagId).map((tag) => tag.tagId!),
    tags,
  };
}

/** A follow_info of batch/get_by_user: tag ids only. */
export function relationRowOfFollowInfo(externalUserid: string, follow: FollowInfo): RelationRow {
  return { ...baseRelation(externalUserid, follow), tagIds: follow.tag_id ?? [], tags: null };
}
