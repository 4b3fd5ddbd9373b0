// Console strings of 客户运营 → 客户SOP / 群SOP / 我的待办 (spread into zh-cn.ts and en.ts).

export const zh = {
  sop: {
    name: 'SOP 名称', enabled: '启用', trigger: '触发条件', employees: '适用员工', everyone: '全部员工', steps: '步骤', completion: '完成情况',
    create: '新建SOP', edit: '编辑', createTitle: '新建{{kind}}', editTitle: '编辑{{kind}}', saved: '已保存', deleted: '已删除',
    kind_customer: '客户SOP', kind_group: '群SOP',
    userIds: '适用员工', deptIds: '适用部门', scopeHint: '不选员工和部门：适用于全部员工（需要全部数据权限）',
    triggerType: '触发方式', trigger_added: '通过渠道/链接添加', trigger_tagged: '被打上标签', trigger_stage: '进入客户阶段',
    trigger_joined: '客户入群', trigger_created: '新建客户群', trigger_date: '指定时间', trigger_recurrence: '周期重复',
    channels: '获客渠道', links: '获客链接 / 渠道活码', tags: '标签', stages: '客户阶段', groups: '客户群', groupsAny: '不选：所选员工的所有群',
    audienceTags: '只针对带这些标签的客户', audienceTagsHint: '不选：适用员工的全部客户', at: '时间', every: '重复',
    every_daily: '每天', every_weekly: '每周', every_monthly: '每月', weekDays: '星期', monthDay: '每月几号', time: '时刻',
    week_1: '周一', week_2: '周二', week_3: '周三', week_4: '周四', week_5: '周五', week_6: '周六', week_7: '周日',
    step: '第 {{n}} 步', stepName: '步骤名称', when: '执行时间', when_after: '触发后', when_dayAt: '第 N 天的某时刻', day: '第几天',
    unit_minute: '分钟', unit_hour: '小时', unit_day: '天', text: '发送内容', media: '素材', addStep: '添加步骤',
    overdueMinutes: '逾期时间（分钟）', overdueHint: '不填：到期当天结束时算逾期',
    summary_added: '通过 {{names}} 添加', summary_tagged: '被打上 {{names}}', summary_stage: '进入阶段 {{names}}', summary_joined: '客户加入 {{names}}',
    summary_joinedAny: '客户加入所选员工的群', summary_created: '新建客户群', summary_date: '{{at}}', summary_recurrence: '{{every}} {{time}}',
    after: '触发后 {{amount}} {{unit}}', dayAt: '第 {{day}} 天 {{time}}',
    tabRules: 'SOP 列表', tabTasks: '任务', tabStat: '完成统计',
    task: '任务', employee: '员工', customer: '客户', group: '客户群', dueAt: '到期时间', state: '状态', doneAt: '完成时间',
    state_pending: '待完成', state_done: '已完成', state_overdue: '已逾期', markDone: '标记完成', marked: '已标记完成',
    total: '任务数', done: '已完成', pending: '待完成', overdue: '已逾期', rate: '完成率', bySop: '按 SOP', byEmployee: '按员工',
  },
  todo: {
    title: '我的待办', today: '今日待办', overdue: '已逾期', done: '已完成', empty: '没有待办', markDone: '完成', marked: '已完成',
    customer: '客户', group: '客户群', newMember: '新成员', due: '截止', content: '发送内容', media: '素材',
  },
};

export const en: typeof zh = {
  sop: {
    name: 'SOP name', enabled: 'Enabled', trigger: 'Trigger', employees: 'Employees', everyone: 'Everyone', steps: 'Steps', completion: 'Completion',
    create: 'New SOP', edit: 'Edit', createTitle: 'New {{kind}}', editTitle: 'Edit {{kind}}', saved: 'Saved', deleted: 'Deleted',
    kind_customer: 'customer SOP', kind_group: 'group SOP',
    userIds: 'Employees', deptIds: 'Departments', scopeHint: 'No employee or department: everyone (takes the all-data scope)',
    triggerType: 'Starts when', trigger_added: 'Added through channels/links', trigger_tagged: 'Tagged', trigger_stage: 'Entered a stage',
    trigger_joined: 'A customer joined a group', trigger_created: 'A group was created', trigger_date: 'At a time', trigger_recurrence: 'Recurring',
    channels: 'Channels', links: 'Links / QR codes', tags: 'Tags', stages: 'Stages', groups: 'Groups', groupsAny: 'None: every group of the employees',
    audienceTags: 'Only customers with these tags', audienceTagsHint: 'None: all customers of the employees', at: 'Time', every: 'Repeats',
    every_daily: 'Daily', every_weekly: 'Weekly', every_monthly: 'Monthly', weekDays: 'Days', monthDay: 'Day of month', time: 'At',
    week_1: 'Mon', week_2: 'Tue', week_3: 'Wed', week_4: 'Thu', week_5: 'Fri', week_6: 'Sat', week_7: 'Sun',
    step: 'Step {{n}}', stepName: 'Step name', when: 'When', when_after: 'After the trigger', when_dayAt: 'On day N at a time', day: 'Day',
    unit_minute: 'minutes', unit_hour: 'hours', unit_day: 'days', text: 'Content', media: 'Media', addStep: 'Add step',
    overdueMinutes: 'Overdue after (minutes)', overdueHint: 'Empty: at the end of the due day',
    summary_added: 'Added through {{names}}', summary_tagged: 'Tagged {{names}}', summary_stage: 'Entered {{names}}', summary_joined: 'A customer joined {{names}}',
    summary_joinedAny: "A customer joined one of the employees' groups", summary_created: 'A group was created', summary_date: '{{at}}', summary_recurrence: '{{every}} {{time}}',
    after: '{{amount}} {{unit}} after', dayAt: 'Day {{day}} {{time}}',
    tabRules: 'SOPs', tabTasks: 'Tasks', tabStat: 'Completion',
    task: 'Task', employee: 'Employee', customer: 'Customer', group: 'Group', dueAt: 'Due', state: 'State', doneAt: 'Done at',
    state_pending: 'Pending', state_done: 'Done', state_overdue: 'Overdue', markDone: 'Mark done', marked: 'Marked done',
    total: 'Tasks', done: 'Done', pending: 'Pending', overdue: 'Overdue', rate: 'Completion', bySop: 'By SOP', byEmployee: 'By employee',
  },
  todo: {
    title: 'My to-dos', today: 'Due today', overdue: 'Overdue', done: 'Done', empty: 'Nothing to do', markDone: 'Done', marked: 'Done',
    customer: 'Customer', group: 'Group', newMember: 'New member', due: 'Due', content: 'Content', media: 'Media',
  },
};
