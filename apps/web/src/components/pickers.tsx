import { Select, TreeSelect } from 'antd';
import { useEffect, useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client.ts';
import type { ChannelRecord, DeptNode, ResponseOf, RoleRecord, TagGroup, TagType, UserRecord, WecomEmployee } from '../api/types.ts';

interface TreeOption {
  value: number;
  title: string;
  disabled?: boolean;
  children?: TreeOption[];
}

export function deptOptions(nodes: DeptNode[]): TreeOption[] {
  return nodes.map((node) => ({
    value: node.id,
    title: node.name,
    children: node.children && node.children.length > 0 ? deptOptions(node.children) : undefined,
  }));
}

/** The department tree (a pick-list every signed-in user may read). */
export function useDeptTree(): DeptNode[] {
  const [tree, setTree] = useState<DeptNode[]>([]);
  useEffect(() => {
    call(api.GET('/scrm/admin/sys/dept/tree'), { silent: true }).then(setTree, () => setTree([]));
  }, []);
  return tree;
}

type DeptPickerProps = { multiple?: boolean; value?: number | number[] | null; onChange?: (value: unknown) => void; placeholder?: string };

export function DeptTreeSelect({ multiple, value, onChange, placeholder }: DeptPickerProps) {
  const tree = useDeptTree();
  return (
    <TreeSelect
      treeData={deptOptions(tree)}
      value={value ?? undefined}
      onChange={onChange}
      allowClear
      showSearch
      treeNodeFilterProp="title"
      treeDefaultExpandAll
      multiple={multiple}
      treeCheckable={multiple}
      showCheckedStrategy={TreeSelect.SHOW_ALL}
      placeholder={placeholder}
      style={{ width: '100%' }}
      data-testid={multiple ? 'dept-multi-select' : 'dept-select'}
    />
  );
}

export function RoleSelect({ value, onChange }: { value?: number[]; onChange?: (value: number[]) => void }) {
  const [roles, setRoles] = useState<RoleRecord[]>([]);
  useEffect(() => {
    call(api.GET('/scrm/admin/sys/role/list'), { silent: true }).then(setRoles, () => setRoles([]));
  }, []);
  return (
    <Select
      mode="multiple"
      value={value}
      onChange={onChange}
      allowClear
      optionFilterProp="label"
      options={roles.map((role) => ({ value: role.id, label: role.name, disabled: role.status !== 0 }))}
      data-testid="role-select"
    />
  );
}

/**
 * WeCom employees still in the corp (qw/emp/listByName, at most 200 by name); values are WeCom userids. With
 * `eligible`, only those who can take customers (active, activated, with 客户联系) — what every picker of an
 * employee who will receive customers uses (links, QR codes, allocation, transfers, lead owners).
 */
export function useWecomEmployees(options: { eligible?: boolean } = {}): WecomEmployee[] {
  return useWecomEmployeeList(options).employees;
}

/** useWecomEmployees with `loaded`: what shows names waits for it, so an operator never sees a raw userid flash. */
export function useWecomEmployeeList(options: { eligible?: boolean } = {}): { employees: WecomEmployee[]; loaded: boolean } {
  const [list, setList] = useState<{ employees: WecomEmployee[]; loaded: boolean }>({ employees: [], loaded: false });
  const eligible = options.eligible ?? false;
  useEffect(() => {
    call(api.GET('/scrm/admin/qw/emp/listByName', { params: { query: { name: '', ...(eligible ? { eligible: 'true' } : {}) } } }), { silent: true }).then(
      (employees) => setList({ employees, loaded: true }),
      () => setList({ employees: [], loaded: true }),
    );
  }, [eligible]);
  return list;
}

/**
 * Picks WeCom employees (values: userids). `eligible`: only those who can take customers; use it wherever the
 * employee chosen will receive customers. Without it (filters, statistics), every member still in the corp.
 */
export function EmployeeSelect({
  value, onChange, multiple, placeholder, testId, style, eligible,
}: { value?: string | string[]; onChange?: (value: never) => void; multiple?: boolean; placeholder?: string; testId?: string; style?: CSSProperties; eligible?: boolean }) {
  const { t } = useTranslation();
  const employees = useWecomEmployees({ eligible });
  return (
    <Select
      mode={multiple ? 'multiple' : undefined}
      value={value}
      onChange={onChange as never}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      placeholder={placeholder ?? (eligible ? t('employeePicker.eligibleHint') : undefined)}
      maxTagCount="responsive"
      style={{ width: '100%', ...style }}
      options={employees.map((employee) => ({ value: employee.userid, label: `${employee.name} (${employee.userid})` }))}
      data-testid={testId ?? 'employee-select'}
    />
  );
}

export type BindableEmployee = ResponseOf<'/scrm/admin/sys/user/bindableEmployees', 'get'>[number];

/** What a member's WeCom status adds to their name in a picker: nothing when active. */
function employeeStatusNote(t: (key: string) => string, employee: Pick<BindableEmployee, 'status'>): string {
  return employee.status === 1 ? '' : ` · ${t(`wecom.status${employee.status}`)}`;
}

/**
 * WeCom employees a console user can be bound to (sys/user/bindableEmployees: in the corp, bound to nobody, within the
 * caller's scope), searched by name or userid on the server; `current` keeps a user's present binding selectable.
 */
export function BindableEmployeeSelect({
  value, onChange, multiple, current, testId, onLoaded,
}: {
  value?: string | string[] | null;
  onChange?: (value: never) => void;
  multiple?: boolean;
  current?: { userid: string; name: string | null } | null;
  testId?: string;
  /** Each answer of the server, e.g. to know the names of those picked. */
  onLoaded?: (employees: BindableEmployee[]) => void;
}) {
  const { t } = useTranslation();
  const [employees, setEmployees] = useState<BindableEmployee[]>([]);
  const [search, setSearch] = useState('');
  const [loading, setLoading] = useState(true);
  useEffect(() => {
    const timer = setTimeout(() => {
      setLoading(true);
      call(api.GET('/scrm/admin/sys/user/bindableEmployees', { params: { query: { name: search } } }), { silent: true })
        .then(
          (found) => {
            setEmployees(found);
            onLoaded?.(found);
          },
          () => setEmployees([]),
        )
        .finally(() => setLoading(false));
    }, 250);
    return () => clearTimeout(timer);
    // onLoaded is a notification; a new function each render must not fetch again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);
  const options = employees.map((employee) => ({
    value: employee.userid,
    label: `${employee.name}${employee.mainDepartmentName ? ` · ${employee.mainDepartmentName}` : ''}${employeeStatusNote(t, employee)}`,
  }));
  if (current && !options.some((option) => option.value === current.userid)) options.unshift({ value: current.userid, label: current.name ?? current.userid });
  return (
    <Select
      mode={multiple ? 'multiple' : undefined}
      value={value ?? undefined}
      onChange={(next) => (onChange as ((value: unknown) => void) | undefined)?.(next ?? null)}
      allowClear
      showSearch={{ filterOption: false, onSearch: setSearch }}
      loading={loading}
      notFoundContent={loading ? undefined : t('employeePicker.noBindable')}
      placeholder={t('employeePicker.bindPlaceholder')}
      maxTagCount="responsive"
      style={{ width: '100%' }}
      options={options}
      data-testid={testId ?? 'bindable-employee-select'}
    />
  );
}

/** Tag groups of a type with their tags (GET /admin/tag/{type}/grouped); `reload` after a change. */
export function useTagGroups(type: TagType, enabled = true): { groups: TagGroup[]; reload: () => void; loading: boolean } {
  const [groups, setGroups] = useState<TagGroup[]>([]);
  const [loading, setLoading] = useState(enabled);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    setLoading(true);
    const request = type === 'corp' ? api.GET('/scrm/admin/tag/corp/grouped') : api.GET('/scrm/admin/tag/self/grouped');
    call(request, { silent: true })
      .then(setGroups, () => setGroups([]))
      .finally(() => setLoading(false));
  }, [type, enabled, attempt]);
  return { groups, reload: () => setAttempt((value) => value + 1), loading };
}

/**
 * Tags of a type, grouped. Values are local tag ids, or (valueKey "wecomTagId") WeCom tag ids, as an
 * acquisition link's `cstTags` holds them.
 */
export function TagSelect({
  type, value, onChange, valueKey = 'id', placeholder, testId,
}: { type: TagType; value?: (number | string)[]; onChange?: (value: never) => void; valueKey?: 'id' | 'wecomTagId'; placeholder?: string; testId?: string }) {
  const { groups } = useTagGroups(type);
  return (
    <Select
      mode="multiple"
      value={value}
      onChange={onChange as never}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      placeholder={placeholder}
      style={{ width: '100%' }}
      options={groups.map((group) => ({
        label: group.groupName,
        title: group.groupName,
        options: group.tags
          .filter((tag) => valueKey === 'id' || tag.wecomTagId)
          .map((tag) => ({ value: valueKey === 'id' ? tag.id : tag.wecomTagId!, label: tag.name })),
      }))}
      data-testid={testId ?? `tag-select-${type}`}
    />
  );
}

/**
 * Corp and SCRM tags together, grouped by type and tag group; values are local tag ids (what the customer
 * filters' `tagIds` take).
 */
export function TagFilterSelect({ value, onChange, testId }: { value?: number[]; onChange?: (value: number[]) => void; testId?: string }) {
  const { t } = useTranslation();
  const corp = useTagGroups('corp');
  const self = useTagGroups('self');
  const groups = [
    ...corp.groups.map((group) => ({ group, type: t('customer.corpTags') })),
    ...self.groups.map((group) => ({ group, type: t('customer.selfTags') })),
  ].filter(({ group }) => group.tags.length > 0);
  return (
    <Select
      mode="multiple"
      value={value}
      onChange={onChange}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      maxTagCount="responsive"
      loading={corp.loading || self.loading}
      style={{ width: '100%' }}
      options={groups.map(({ group, type }) => ({
        label: `${type} · ${group.groupName}`,
        title: `${type} · ${group.groupName}`,
        options: group.tags.map((tag) => ({ value: tag.id, label: tag.name })),
      }))}
      data-testid={testId ?? 'tag-filter-select'}
    />
  );
}

/** Acquisition channels (GET /admin/cust/channel/list). */
export function useChannels(): ChannelRecord[] {
  const [channels, setChannels] = useState<ChannelRecord[]>([]);
  useEffect(() => {
    call(api.GET('/scrm/admin/cust/channel/list'), { silent: true }).then(setChannels, () => setChannels([]));
  }, []);
  return channels;
}

export function ChannelSelect({ value, onChange, testId }: { value?: number | null; onChange?: (value: number | null) => void; testId?: string }) {
  const channels = useChannels();
  return (
    <Select
      value={value ?? undefined}
      onChange={(next) => onChange?.(next ?? null)}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      style={{ width: '100%' }}
      options={channels.map((channel) => ({ value: channel.id, label: channel.name, disabled: channel.status !== 0 }))}
      data-testid={testId ?? 'channel-select'}
    />
  );
}

/** SCRM users (system accounts), e.g. lead owners; searched by name on the server. */
export function SystemUserSelect({ value, onChange, testId }: { value?: number | null; onChange?: (value: number | null) => void; testId?: string }) {
  const [users, setUsers] = useState<UserRecord[]>([]);
  const [search, setSearch] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => {
      call(api.POST('/scrm/admin/sys/user/page', { body: { pageNum: 1, pageSize: 50, ...(search ? { nickname: search } : {}), status: 0 } }), { silent: true }).then(
        (page) => setUsers(page.records),
        () => setUsers([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [search]);
  return (
    <Select
      value={value ?? undefined}
      onChange={(next) => onChange?.(next ?? null)}
      allowClear
      showSearch={{ filterOption: false, onSearch: setSearch }}
      style={{ width: '100%' }}
      options={users.map((user) => ({ value: user.id, label: `${user.nickname} (${user.username})` }))}
      data-testid={testId ?? 'system-user-select'}
    />
  );
}

interface WecomDeptOption {
  value: number;
  title: string;
  children?: WecomDeptOption[];
}

/** WeCom departments (the org mirror) as a tree; values are WeCom department ids. */
export function WecomDeptTreeSelect({ value, onChange }: { value?: number[]; onChange?: (value: number[]) => void }) {
  const [tree, setTree] = useState<WecomDeptOption[]>([]);
  useEffect(() => {
    call(api.POST('/scrm/admin/qw/dept/page', { body: { pageNum: 1, pageSize: 500 } }), { silent: true }).then(
      (page) => {
        const live = page.records.filter((dept) => !dept.isDel);
        const byParent = new Map<number, typeof live>();
        for (const dept of live) byParent.set(dept.parentId, [...(byParent.get(dept.parentId) ?? []), dept]);
        const known = new Set(live.map((dept) => dept.deptId));
        const build = (parentId: number): WecomDeptOption[] =>
          (byParent.get(parentId) ?? []).map((dept) => {
            const children = build(dept.deptId);
            return { value: dept.deptId, title: dept.name, children: children.length > 0 ? children : undefined };
          });
        // Roots: departments whose parent is not in the mirror.
        const roots = live.filter((dept) => !known.has(dept.parentId)).map((dept) => dept.parentId);
        setTree([...new Set(roots)].flatMap(build));
      },
      () => setTree([]),
    );
  }, []);
  return (
    <TreeSelect
      treeData={tree}
      value={value}
      onChange={onChange}
      multiple
      allowClear
      showSearch
      treeNodeFilterProp="title"
      treeDefaultExpandAll
      maxTagCount="responsive"
      style={{ width: '100%' }}
      data-testid="wecom-dept-select"
    />
  );
}
