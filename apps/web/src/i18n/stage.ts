// Console strings of 客户运营 → 客户阶段, and the stage parts of 客户列表 (spread into zh-cn.ts and en.ts).

export const zh = {
  stage: {
    title: '客户阶段', pipeline: '阶段设置', funnel: '阶段漏斗', name: '阶段名称', kind: '类型', kind_normal: '跟进阶段', kind_won: '已成交', kind_lost: '流失',
    first: '起始阶段', firstHint: '新客户（及尚未移动过的客户）都在这个阶段', lostHint: '客户删除员工后，关系会自动移到这里；此阶段不能删除',
    relations: '客户数', add: '新增阶段', rename: '编辑', saved: '阶段已保存', sorted: '顺序已保存', up: '上移', down: '下移',
    deleteTitle: '删除阶段「{{name}}」', deleteEmpty: '该阶段中没有客户，确定删除吗？', deleteInUse: '该阶段中还有 {{count}} 个客户关系，请选择要移入的阶段：',
    moveTo: '移入阶段', note: '备注', deleted: '已删除，移动了 {{count}} 个客户关系',
    period: '统计区间', employees: '员工', channel: '获客渠道', entered: '进入', conversion: '转化到下一阶段', averageTime: '平均停留', current: '当前',
    byEmployee: '按员工', byChannel: '按渠道', won: '成交', winRate: '成交率', noData: '所选区间内没有阶段变化',
    hours: '{{value}} 小时', days: '{{value}} 天', enteredHint: '区间内进入该阶段的客户关系数（起始阶段含新添加的）',
    // The customer drawer and 客户列表
    column: '客户阶段', move: '移动阶段', moveTitle: '移动 {{customer}}（{{employee}}）的阶段', moved: '已移到「{{name}}」', history: '阶段记录',
    segment: '客户阶段：{{names}}',
    historyEmpty: '还没有移动过', from: '从', by: '操作人', byWecom: '客户（企业微信）', target: '目标阶段', needTarget: '请选择目标阶段',
  },
};

export const en: typeof zh = {
  stage: {
    title: 'Customer stages', pipeline: 'Pipeline', funnel: 'Stage funnel', name: 'Stage', kind: 'Kind', kind_normal: 'Step', kind_won: 'Won', kind_lost: 'Lost',
    first: 'Start', firstHint: 'New customers (and those never moved) are in this stage', lostHint: 'Relations the customer ends move here by themselves; it cannot be deleted',
    relations: 'Customers', add: 'Add stage', rename: 'Edit', saved: 'Stage saved', sorted: 'Order saved', up: 'Move up', down: 'Move down',
    deleteTitle: 'Delete stage "{{name}}"', deleteEmpty: 'No customers are in this stage. Delete it?', deleteInUse: '{{count}} customer relations are in this stage. Move them to:',
    moveTo: 'Move to', note: 'Note', deleted: 'Deleted; {{count}} customer relations moved',
    period: 'Period', employees: 'Employees', channel: 'Channel', entered: 'Entered', conversion: 'To next stage', averageTime: 'Avg. time', current: 'Now',
    byEmployee: 'By employee', byChannel: 'By channel', won: 'Won', winRate: 'Win rate', noData: 'No stage changes in this period',
    hours: '{{value}} h', days: '{{value}} d', enteredHint: 'Customer relations that entered the stage in the period (the start stage includes new ones)',
    column: 'Stage', move: 'Move stage', moveTitle: 'Move the stage of {{customer}} ({{employee}})', moved: 'Moved to "{{name}}"', history: 'Stage history',
    segment: 'Stages: {{names}}',
    historyEmpty: 'Never moved', from: 'From', by: 'By', byWecom: 'The customer (WeCom)', target: 'Target stage', needTarget: 'Choose a target stage',
  },
};
