import { registerEntityNames, registerMessages } from '../../platform/http/i18n.ts';

/** Customer stages' API messages (zh default, en). */
export const stageMessages = {
  stageNameTaken: { zh: '已有同名阶段：{name}', en: 'A stage is already named {name}' },
  stageLostOnly: { zh: '「流失」阶段只有一个，不能新增或改成流失阶段', en: 'There is exactly one lost stage: no stage can become another one' },
  stageLostKept: { zh: '「{name}」是流失阶段，不能删除或改变类型（客户删除员工后关系会自动移到这里）', en: '"{name}" is the lost stage: it cannot be deleted or change kind (relations the customer ends move there by themselves)' },
  stageLastStep: { zh: '至少要保留一个流失以外的阶段', en: 'Keep at least one stage besides the lost stage' },
  stageInUse: { zh: '阶段「{name}」中还有 {count} 个客户关系，请选择要移入的阶段后再删除', en: 'Stage "{name}" still holds {count} customer relations: choose a stage to move them to, then delete it' },
  stageMoveToSelf: { zh: '要移入的阶段不能是被删除的阶段本身', en: 'The relations cannot move to the stage being deleted' },
  stageSortAll: { zh: '排序须包含流失以外的全部阶段，且每个阶段只出现一次', en: 'The order must list every stage except the lost one, each once' },
  stageRelationsNotFound: { zh: '找不到这些客户关系，或不在您的数据权限内：{pairs}', en: 'These customer relations do not exist or are outside your data scope: {pairs}' },
  stagePeriod: { zh: '统计区间须在 366 天以内，且开始日期不晚于结束日期', en: 'The period must start no later than it ends and span at most 366 days' },
  stageNoChannel: { zh: '无渠道', en: 'No channel' },
  stageUnknown: { zh: '客户阶段不存在（可能已被删除）：{ids}', en: 'No such customer stage (it may have been deleted): {ids}' },
};

registerMessages(stageMessages);
registerEntityNames({
  stage: { zh: '客户阶段', en: 'Customer stage' },
  stageRelation: { zh: '客户关系', en: 'Customer relation' },
});
