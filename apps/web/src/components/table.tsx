// The console's ProTable: pro-components' own, with its search form named uniquely. antd gives a form field
// the id of its name (`name`, `status`…) unless the form is named, so a page's search box and the create or
// edit dialog over it had the same ids — the dialog's 渠道名称 label focused the search box behind it. Every
// page imports ProTable from here (a test in apps/web/tests/dom-ids.test.ts opens the dialogs and checks).
// An empty cell reads — as the pages' own renderers write it, not ProTable's '-' beside it (a lead never followed up).
import { ProTable as ProTableBase, type ParamsType, type ProTableProps } from '@ant-design/pro-components';
import { useId, useMemo } from 'react';

export function ProTable<DataType extends Record<string, any>, Params extends ParamsType = ParamsType, ValueType = 'text'>(
  props: ProTableProps<DataType, Params, ValueType>,
) {
  const name = `search${useId().replace(/[^A-Za-z0-9]/g, '')}`;
  // The same object while nothing changed: ProTable asks for its data again when `form` changes, so a fresh
  // object per render made every state change of the page (a row checked) a new request, and a page setting
  // state from its request looped.
  const form = useMemo(() => ({ name, ...props.form }), [name, props.form]);
  return <ProTableBase<DataType, Params, ValueType> columnEmptyText="—" {...props} form={form} />;
}
