// Console strings of 客户动态 (the customer timeline in the customer drawer; spread into zh-cn.ts and en.ts).

export const zh = {
  timeline: {
    empty: '还没有动态', more: '加载更多', all: '全部', loaded: '已显示全部 {{total}} 条', by: '操作人：{{name}}', wecom: '企业微信', system: '系统', acquisition: '获客链接',
    type_customer_added: '添加客户', type_customer_lost: '客户删除员工', type_customer_deleted: '员工删除客户', type_tags_changed: '标签变更',
    type_remark_changed: '备注变更', type_stage_moved: '阶段变更', type_follow_up: '跟进', type_broadcast_received: '收到群发', type_sop_task: 'SOP 任务',
    type_group_joined: '加入客户群', type_group_quit: '退出客户群', type_group_created: '创建客户群', type_transferred: '客户转接', type_lead: '线索',
    customer_added: '{{employee}} 添加了客户（{{way}}）', via: '来源：{{source}}', customer_lost: '客户删除了 {{employee}}', lostDays: '（相识 {{days}} 天）',
    customer_deleted: '{{employee}} 删除了客户', tagsAdded: '打上标签：{{tags}}', tagsRemoved: '移除标签：{{tags}}',
    remark: '备注改为「{{value}}」', description: '描述改为「{{value}}」', mobiles: '手机号改为 {{value}}', remark_changed: '{{employee}} 修改了客户信息',
    stage_moved: '{{employee}} 的客户阶段：{{from}} → {{to}}', stageStart: '（无）', note: '备注：{{note}}', follow_up: '{{employee}} 跟进：{{content}}',
    broadcast_received: '收到 {{employee}} 发送的群发「{{name}}」', sop_task: 'SOP「{{sop}}」任务：{{state}}', sop_created: '已创建', sop_done: '已完成', sop_overdue: '已逾期', sop_moved: '随客户转交新跟进人',
    group_joined: '加入了客户群「{{group}}」', group_quit: '退出了客户群「{{group}}」', group_created: '{{employee}} 创建了客户群「{{group}}」',
    transferred_done: '从 {{from}} 转接给 {{to}}（{{kind}}）', transferred_failed: '从 {{from}} 转接给 {{to}} 未成功（{{kind}}）',
    kind_resigned: '离职继承', kind_onjob: '在职继承', lead: '线索动态：{{what}}', unnamedGroup: '未命名群', someone: '员工',
  },
};

export const en: typeof zh = {
  timeline: {
    empty: 'Nothing yet', more: 'Load more', all: 'All', loaded: 'All {{total}} shown', by: 'By {{name}}', wecom: 'WeCom', system: 'System', acquisition: 'Acquisition link',
    type_customer_added: 'Added', type_customer_lost: 'Customer deleted employee', type_customer_deleted: 'Employee deleted customer', type_tags_changed: 'Tags',
    type_remark_changed: 'Remark', type_stage_moved: 'Stage', type_follow_up: 'Follow-up', type_broadcast_received: 'Broadcast received', type_sop_task: 'SOP task',
    type_group_joined: 'Joined group', type_group_quit: 'Left group', type_group_created: 'Group created', type_transferred: 'Transfer', type_lead: 'Lead',
    customer_added: '{{employee}} added the customer ({{way}})', via: 'Source: {{source}}', customer_lost: 'The customer deleted {{employee}}', lostDays: ' (after {{days}} days)',
    customer_deleted: '{{employee}} deleted the customer', tagsAdded: 'Tagged: {{tags}}', tagsRemoved: 'Untagged: {{tags}}',
    remark: 'Remark set to "{{value}}"', description: 'Description set to "{{value}}"', mobiles: 'Mobiles set to {{value}}', remark_changed: '{{employee}} edited the customer',
    stage_moved: "{{employee}}'s stage: {{from}} → {{to}}", stageStart: '(none)', note: 'Note: {{note}}', follow_up: '{{employee}} followed up: {{content}}',
    broadcast_received: 'Received the broadcast "{{name}}" from {{employee}}', sop_task: 'SOP "{{sop}}" task: {{state}}', sop_created: 'created', sop_done: 'done', sop_overdue: 'overdue', sop_moved: 'handed to the new owner with the customer',
    group_joined: 'Joined the group "{{group}}"', group_quit: 'Left the group "{{group}}"', group_created: '{{employee}} created the group "{{group}}"',
    transferred_done: 'Transferred from {{from}} to {{to}} ({{kind}})', transferred_failed: 'Transfer from {{from}} to {{to}} did not happen ({{kind}})',
    kind_resigned: 'resigned employee', kind_onjob: 'on-the-job', lead: 'Lead: {{what}}', unnamedGroup: 'Unnamed group', someone: 'an employee',
  },
};
