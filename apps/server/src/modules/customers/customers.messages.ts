import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** The module's API messages (简体中文 by default, English with `Accept-Language: en`). */
export const customerMessages = {
  custWecomNotConfigured: { zh: '未配置企业微信，无法访问企业微信接口', en: 'WeCom is not configured' },
  customerFieldRequired: { zh: '新建客户须填写：{field}', en: 'Creating a customer needs {field}' },
  customerExists: { zh: '客户已存在：{externalUserid}', en: 'Customer {externalUserid} already exists' },
  relationNotActive: { zh: '客户关系已结束，不能修改：{id}', en: 'Relation {id} has ended and cannot be edited' },
  custBulkTooMany: {
    zh: '一次最多为 {max} 位客户打标签，当前筛选匹配 {total} 位：请缩小筛选范围后分批操作',
    en: 'At most {max} customers can be tagged at once and the filters match {total}: narrow the filters and tag them in parts',
  },
  custBulkNone: { zh: '没有可打标签的客户：所选客户关系已结束或不在您的数据权限内', en: 'No customers to tag: the selected relations have ended or are outside your data scope' },
};

registerMessages(customerMessages);
registerEntityNames({
  customer: { zh: '客户', en: 'Customer' },
  customerRelation: { zh: '客户员工关系', en: 'Customer relation' },
});
