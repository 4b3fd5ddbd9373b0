import { Select, TreeSelect } from 'antd';
import { useEffect, useState } from 'react';
import { api, call } from '../api/client.ts';
import type { DeptNode, RoleRecord } from '../api/types.ts';

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
