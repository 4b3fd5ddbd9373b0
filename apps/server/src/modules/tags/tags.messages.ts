import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The tags module's API messages. */
export const tagMessages = {
  tagNameRequired: { zh: '标签名称不能为空', en: 'A tag name is required' },
  tagNameTooLong: { zh: '名称不能超过 {max} 个字符：{name}', en: 'Names are limited to {max} characters: {name}' },
  tagGroupNeedsTag: { zh: '新增标签组须至少包含一个标签', en: 'A new tag group needs at least one tag' },
  tagNameDuplicate: { zh: '同一标签组内标签名称不能重复：{name}', en: 'Tag names must be unique within a group: {name}' },
  tagGroupNameTaken: { zh: '标签组名称已存在：{name}', en: 'A tag group is already named {name}' },
  tagNotInGroup: { zh: '标签不属于该标签组：{id}', en: 'Tag {id} does not belong to this group' },
  tagTypeMismatch: { zh: '标签类型不符（{expected}）：{ids}', en: 'Not {expected} tags: {ids}' },
  tagsUnknown: { zh: '标签不存在或已删除：{ids}', en: 'Unknown or deleted tags: {ids}' },
  tagUseridRequired: { zh: '企业标签须指定员工（userId）', en: 'Corp tags need the employee (userId)' },
  tagChangeEmpty: { zh: '请选择要添加或移除的标签', en: 'Choose tags to add or remove' },
  tagAddRemoveOverlap: { zh: '同一标签不能同时添加和移除：{ids}', en: 'Tags both added and removed: {ids}' },
  tagRelationNotActive: {
    zh: '该员工与客户不是有效的好友关系：{userId} ↔ {externalUserid}',
    en: 'No active relation between {userId} and {externalUserid}',
  },
};

registerMessages(tagMessages);
registerEntityNames({
  tag: { zh: '标签', en: 'Tag' },
  tagGroup: { zh: '标签组', en: 'Tag group' },
  customerTag: { zh: '客户标签', en: 'Customer tag' },
  relation: { zh: '客户员工关系', en: 'Customer relation' },
});
