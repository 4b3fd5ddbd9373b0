// What a running job says it is doing, in the reader's language. A job reports a message key and its figures
// (`{ key: 'jobRelationsLost', params: { relations: 1316, lost: 0 } }`); sys_job keeps that, and each reader
// gets the sentence in theirs (GET /admin/job/get), as a failed job's error is (wecom-errors.ts). The sync
// dialog of a Chinese console used to read "1316 relations, 0 lost".
import { registerMessages, translate, type Locale } from '../http/i18n.ts';

export interface JobMessage {
  key: keyof typeof JOB_MESSAGES;
  params?: Record<string, string | number>;
}

export const JOB_MESSAGES = {
  jobFetched: { zh: '已从企业微信读取', en: 'Fetched from WeCom' },
  jobStoring: { zh: '正在保存', en: 'Storing' },
  jobDone: { zh: '已完成', en: 'Done' },
  jobFetchingMembers: { zh: '正在读取各部门成员', en: 'Fetching the members of each department' },
  jobEmployees: { zh: '共 {employees} 名可联系客户的员工', en: '{employees} employees with customer contact' },
  jobRelations: { zh: '已同步 {relations} 条客户关系', en: '{relations} relations synced' },
  jobRelationsLost: { zh: '已同步 {relations} 条客户关系，{lost} 条已流失', en: '{relations} relations synced, {lost} lost' },
  jobImportRow: { zh: '已读取到第 {row} 行', en: 'Read up to row {row}' },
  jobLeadsLinked: { zh: '已关联 {linked} 条线索', en: '{linked} leads linked' },
  jobGroupsListed: { zh: '共 {groups} 个客户群', en: '{groups} groups' },
  jobGroupsResumed: { zh: '继续上次同步：已同步 {done}/{total} 个客户群', en: 'Resumed: {done} of {total} groups synced before' },
  jobGroupsMembers: { zh: '{groups} 个客户群，{members} 名成员', en: '{groups} groups, {members} members' },
  jobGroupsDone: {
    zh: '{groups} 个客户群，{members} 名成员，{quits} 人次退群，{dismissed} 个群已解散',
    en: '{groups} groups, {members} members, {quits} quits, {dismissed} dismissed',
  },
  jobSyncStep: { zh: '正在同步：{step}', en: 'Syncing: {step}' },
  jobStepTags: { zh: '企业标签', en: 'corp tags' },
  jobStepDepts: { zh: '部门', en: 'departments' },
  jobStepEmployees: { zh: '员工', en: 'employees' },
  jobStepCustomers: { zh: '客户', en: 'customers' },
  jobStepGroups: { zh: '客户群', en: 'customer groups' },
} as const;
registerMessages(JOB_MESSAGES);

/** The words of a sync step (wecom.sync), by the job type it runs. */
const STEP_WORDS: Record<string, keyof typeof JOB_MESSAGES> = {
  'tags.corp.sync': 'jobStepTags',
  'org.dept.sync': 'jobStepDepts',
  'org.emp.sync': 'jobStepEmployees',
  'customers.sync': 'jobStepCustomers',
  'groups.sync': 'jobStepGroups',
};

/** "Syncing: <step>" for a wecom.sync step. */
export const syncStepMessage = (jobType: string): JobMessage => ({ key: 'jobSyncStep', params: { step: `@${STEP_WORDS[jobType] ?? jobType}` } });

export const storeJobMessage = (message: JobMessage): string => JSON.stringify({ jobMessage: message });

/** A stored message in `locale` (text stored before messages had keys is shown as it is). */
export function renderJobMessage(stored: string | null, locale: Locale): string | null {
  if (stored === null || !stored.startsWith('{"jobMessage"')) return stored;
  try {
    const { key, params = {} } = (JSON.parse(stored) as { jobMessage: JobMessage }).jobMessage;
    // A parameter naming another message ('@jobStepCustomers') is itself translated.
    const words = Object.fromEntries(
      Object.entries(params).map(([name, value]) => [name, typeof value === 'string' && value.startsWith('@') ? translate(value.slice(1), locale) : value]),
    );
    return translate(key, locale, words);
  } catch {
    return stored;
  }
}
