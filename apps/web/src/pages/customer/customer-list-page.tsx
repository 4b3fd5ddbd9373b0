import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Button, Space, Switch, Tooltip } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, download } from '../../api/client.ts';
import type { RelationFilters, RelationQuery, RelationRecord } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { pagedRequest, useModuleAvailability } from '../../components/crud.tsx';
import { JobButton } from '../../components/job-progress.tsx';
import { EmployeeSelect, TagFilterSelect, useTagGroups, WecomDeptTreeSelect } from '../../components/pickers.tsx';
import { ChannelName, EmployeeName, employeeText } from '../../components/names.tsx';
import { ComingSoonPage } from '../status-pages.tsx';
import { CustomerDrawer } from './customer-drawer.tsx';
import { BulkBar, BulkTagModal, selectionBody, type BulkSelection } from './customer-bulk.tsx';
import { addWayText, addWayValueEnum, CustomerName, RelationStatusTag, RelationTags, relationStatusValueEnum, TagBriefList } from './customer-fields.tsx';
import { ProTable } from '../../components/table.tsx';
import { StageSelect } from '../ops/stage-parts.tsx';

const AUTO_REFRESH_MS = 15_000;

/** Filters of the export: the page's filters without paging. */
function exportFilters(query: Partial<RelationQuery>): RelationFilters {
  const { pageNum: _pageNum, pageSize: _pageSize, ...filters } = query as RelationQuery;
  return filters;
}

/**
 * 客户列表: one row per customer and employee (a relation), paged by the server, with the shared filters;
 * a detail drawer, the WeCom sync with its progress, an optional live refresh and the xlsx export.
 */
export function CustomerListPage() {
  const { t } = useTranslation();
  const action = useRef<ActionType>(null);
  const lastQuery = useRef<Partial<RelationQuery>>({});
  const { missing, guard } = useModuleAvailability();
  const [open, setOpen] = useState<string | null>(null);
  const [autoRefresh, setAutoRefresh] = useState(false);
  const [exporting, setExporting] = useState(false);
  // Bulk selection: rows picked on any page, or every row matching the filters.
  const [selection, setSelection] = useState<BulkSelection>({ kind: 'rows', ids: [] });
  const [pageInfo, setPageInfo] = useState<{ ids: number[]; total: number }>({ ids: [], total: 0 });
  const [bulkTagging, setBulkTagging] = useState(false);
  const [bulkExporting, setBulkExporting] = useState(false);
  const clearSelection = () => setSelection({ kind: 'rows', ids: [] });
  const corpTags = useTagGroups('corp');
  const tagNames = new Map(corpTags.groups.flatMap((group) => group.tags.filter((tag) => tag.wecomTagId).map((tag) => [tag.wecomTagId!, tag.name] as const)));

  useEffect(() => {
    if (!autoRefresh) return;
    const timer = setInterval(() => action.current?.reload(), AUTO_REFRESH_MS);
    return () => clearInterval(timer);
  }, [autoRefresh]);

  if (missing) return <ComingSoonPage name={t('customer.title')} />;

  const exportRelations = async () => {
    setExporting(true);
    try {
      await download('/scrm/admin/cust/emp/export', { method: 'POST', body: exportFilters(lastQuery.current) });
    } catch {
      // shown by the client
    } finally {
      setExporting(false);
    }
  };

  const exportSelection = async () => {
    setBulkExporting(true);
    try {
      await download('/scrm/admin/cust/emp/export', { method: 'POST', body: selection.kind === 'rows' ? { relationIds: selection.ids } : selectionBody(selection).filters });
    } catch {
      // shown by the client
    } finally {
      setBulkExporting(false);
    }
  };

  const columns: ProColumns<RelationRecord>[] = [
    {
      title: t('customer.name'),
      dataIndex: 'name',
      render: (_, row) => (
        <a onClick={() => setOpen(row.externalUserid)} data-testid={`customer-open-${row.externalUserid}`}>
          <CustomerName name={row.customerName} avatar={row.customerAvatar} type={row.customerType} corpName={row.customerCorpName} />
        </a>
      ),
    },
    { title: t('customer.remark'), dataIndex: 'remark', search: false, render: (_, row) => row.remark || '—' },
    {
      title: t('customer.employee'),
      dataIndex: 'userIds',
      render: (_, row) => <EmployeeName name={row.employeeName} userid={row.userid} />,
      formItemRender: () => <EmployeeSelect multiple testId="filter-employees" />,
    },
    { title: t('customer.dept'), dataIndex: 'deptIds', hideInTable: true, formItemRender: () => <WecomDeptTreeSelect /> },
    {
      title: t('customer.allTags'),
      dataIndex: 'tags',
      search: false,
      render: (_, row) => (row.tagList?.length ? <TagBriefList tags={row.tagList} /> : <RelationTags relation={row} names={tagNames} />),
    },
    {
      title: t('customer.tagFilter'),
      dataIndex: 'tagIds',
      hideInTable: true,
      formItemRender: () => <TagFilterSelect testId="filter-tags" />,
    },
    {
      title: t('customer.tagMatch'),
      dataIndex: 'tagMatch',
      hideInTable: true,
      valueType: 'radioButton',
      initialValue: 'any',
      valueEnum: { any: { text: t('customer.tagMatchAny') }, all: { text: t('customer.tagMatchAll') } },
      fieldProps: { 'data-testid': 'filter-tag-match', size: 'small' },
    },
    {
      title: t('customer.addWay'),
      dataIndex: 'addWay',
      valueType: 'select',
      valueEnum: addWayValueEnum(t),
      render: (_, row) => addWayText(t, row.addWay),
    },
    {
      title: t('customer.state'),
      dataIndex: 'state',
      render: (_, row) => (
        <span data-testid={`customer-channel-${row.id}`}>
          <ChannelName row={row} />
        </span>
      ),
    },
    {
      title: t('customer.status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: relationStatusValueEnum(t),
      render: (_, row) => <RelationStatusTag status={row.status} transferTo={row.transferTo ? employeeText(t, row.transferToName, row.transferTo) : null} />,
    },
    {
      title: t('stage.column'),
      dataIndex: 'stageIds',
      render: (_, row) => <span data-testid={`customer-stage-${row.id}`}>{row.stageName ?? '—'}</span>,
      formItemRender: () => <StageSelect multiple testId="filter-stages" />,
    },
    {
      title: t('customer.customerType'),
      dataIndex: 'customerType',
      valueType: 'select',
      hideInTable: true,
      valueEnum: { 1: { text: t('customer.type1') }, 2: { text: t('customer.type2') } },
    },
    { title: t('customer.addTime'), dataIndex: 'createtime', valueType: 'dateTime', search: false, sorter: false },
    {
      title: t('customer.addTime'),
      dataIndex: 'addTimeRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ addTimeStart: value[0], addTimeEnd: value[1] }) },
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 90,
      render: (_, row) => [
        <a key="detail" onClick={() => setOpen(row.externalUserid)}>
          {t('customer.detail')}
        </a>,
      ],
    },
  ];

  return (
    <PageContainer title={t('customer.title')}>
      <ProTable<RelationRecord>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="customer-table"
        search={{ labelWidth: 'auto', defaultCollapsed: false }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest(async (body: RelationQuery) => {
          // Other filters: "all matching" meant the old ones.
          if (JSON.stringify(exportFilters(body)) !== JSON.stringify(exportFilters(lastQuery.current)) && selection.kind === 'matching') clearSelection();
          lastQuery.current = body;
          const page = await guard(api.POST('/scrm/admin/cust/emp/page', { body }));
          const ids = page.records.map((row) => row.id);
          // Unchanged: keep the same state (no re-render, which would make the table ask again).
          setPageInfo((previous) => (previous.total === page.total && previous.ids.join() === ids.join() ? previous : { ids, total: page.total }));
          return page;
        })}
        rowSelection={{
          preserveSelectedRowKeys: true,
          // All matching: the page's rows show checked (and fixed) while the bar says how many are meant.
          selectedRowKeys: selection.kind === 'rows' ? selection.ids : pageInfo.ids,
          getCheckboxProps: () => ({ disabled: selection.kind === 'matching' }),
          onChange: (keys) => setSelection({ kind: 'rows', ids: keys as number[] }),
        }}
        tableAlertRender={() =>
          selection.kind === 'matching' || selection.ids.length > 0 ? (
            <BulkBar
              selection={selection}
              pageRows={pageInfo.ids.length}
              total={pageInfo.total}
              onSelectAll={() => setSelection({ kind: 'matching', filters: exportFilters(lastQuery.current), total: pageInfo.total })}
              onClear={clearSelection}
              onTag={() => setBulkTagging(true)}
              onExport={() => void exportSelection()}
              exporting={bulkExporting}
            />
          ) : (
            false
          )
        }
        tableAlertOptionRender={false}
        toolBarRender={() => [
          <Tooltip key="auto" title={t('customer.autoRefreshHint', { seconds: AUTO_REFRESH_MS / 1000 })}>
            <Space>
              <ReloadOutlined spin={autoRefresh} />
              <Switch size="small" checked={autoRefresh} onChange={setAutoRefresh} data-testid="customer-auto-refresh" />
              {t('customer.autoRefresh')}
            </Space>
          </Tooltip>,
          <Permission key="export" code="cust:emp:export">
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void exportRelations()} data-testid="customer-export">
              {t('customer.export')}
            </Button>
          </Permission>,
          <Permission key="sync" code="cust:info:sync">
            <JobButton
              label={t('customer.sync')}
              title={t('customer.syncTitle')}
              start={() => guard(api.POST('/scrm/admin/cust/info/sync'))}
              onFinished={() => action.current?.reload()}
              testId="customer-sync"
            />
          </Permission>,
        ]}
      />
      {bulkTagging && (
        <BulkTagModal
          selection={selection}
          onClose={() => setBulkTagging(false)}
          onDone={() => {
            setBulkTagging(false);
            clearSelection();
            action.current?.reload();
          }}
        />
      )}
      {open && <CustomerDrawer externalUserid={open} onClose={() => setOpen(null)} onChanged={() => action.current?.reload()} />}
    </PageContainer>
  );
}
