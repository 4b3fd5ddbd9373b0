import { SwapOutlined } from '@ant-design/icons';
import { PageContainer, ProCard, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, DatePicker, Empty, Form, Input, Space, Table, Tabs, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Permission } from '../../auth/permission.tsx';
import { pagedRequest } from '../../components/crud.tsx';
import { employeeText } from '../../components/names.tsx';
import { EmployeeSelect, TagFilterSelect, useWecomEmployees } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { TakeoverModal } from './resigned-page.tsx';
import { TransferRecordTable, TransferStatusTag } from './resigned-records.tsx';
import { StageSelect } from './stage-parts.tsx';
import { lifecycleApi, type OnJobCandidate, type OnJobCandidateQuery, type OnJobGroup } from './resigned-api.ts';

const MESSAGE_MAX = 200;


interface CustomerFilters {
  name?: string;
  tagIds?: number[];
  stageIds?: number[];
  addTime?: [Dayjs, Dayjs] | null;
}

/**
 * 在职继承: an employee's customers picked by filter (name, tags, 客户阶段, add time) and/or their groups, handed to an
 * eligible employee with an optional 转接成功提示语; then the transfer records with each customer's status.
 */
export function OnjobPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'transfer' | 'records'>('transfer');
  const [version, setVersion] = useState(0);
  return (
    <PageContainer title={t('onjob.title')}>
      <Tabs
        activeKey={tab}
        onChange={(key) => setTab(key as never)}
        items={[
          {
            key: 'transfer',
            label: t('onjob.transferTab'),
            children: (
              <OnjobTransfer
                onTransferred={() => {
                  setVersion((value) => value + 1);
                  setTab('records');
                }}
              />
            ),
          },
          { key: 'records', label: <span data-testid="onjob-tab-records">{t('onjob.records')}</span>, children: <TransferRecordTable type="onjob" version={version} testId="onjob-records" /> },
        ]}
      />
    </PageContainer>
  );
}

/** At most this many customers go in one request (the server's limit). */
const TRANSFER_MAX = 1000;

type Selection = { kind: 'rows'; ids: string[] } | { kind: 'matching'; total: number };

function OnjobTransfer({ onTransferred }: { onTransferred: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const employees = useWecomEmployees();
  const [handover, setHandover] = useState<string | null>(null);
  const [filters, setFilters] = useState<CustomerFilters>({});
  const [selection, setSelection] = useState<Selection>({ kind: 'rows', ids: [] });
  const [groups, setGroups] = useState<string[]>([]);
  const [groupRows, setGroupRows] = useState<OnJobGroup[] | null>(null);
  const [total, setTotal] = useState(0);
  const [transferring, setTransferring] = useState(false);
  const [transferMessage, setTransferMessage] = useState('');
  const [listVersion, setListVersion] = useState(0);
  const handoverName = employees.find((employee) => employee.userid === handover)?.name ?? t('names.unknownEmployee');
  const customerCount = selection.kind === 'rows' ? selection.ids.length : selection.total;

  /** The filters as the customer page takes them. */
  const relationFilters = useMemo(
    () => ({
      ...(filters.name?.trim() ? { name: filters.name.trim() } : {}),
      ...(filters.tagIds?.length ? { tagIds: filters.tagIds } : {}),
      ...(filters.stageIds?.length ? { stageIds: filters.stageIds } : {}),
      ...(filters.addTime ? { addTimeStart: filters.addTime[0].format('YYYY-MM-DD'), addTimeEnd: filters.addTime[1].format('YYYY-MM-DD') } : {}),
    }),
    [filters],
  );
  // The customer table asks again whenever these change (one object per change, not per render).
  const customerParams = useMemo(() => ({ handoverUserid: handover ?? '', ...relationFilters, version: listVersion }), [handover, relationFilters, listVersion]);

  useEffect(() => {
    setGroupRows(null);
    if (!handover) return;
    lifecycleApi.onjobGroups(handover).then(setGroupRows, () => setGroupRows([]));
  }, [handover, listVersion]);

  const pickHandover = (userid: string | null) => {
    setHandover(userid);
    setSelection({ kind: 'rows', ids: [] });
    setGroups([]);
  };

  const customerColumns: ProColumns<OnJobCandidate>[] = [
    { title: t('customer.name'), dataIndex: 'name', render: (_, row) => <span data-testid={`onjob-customer-${row.externalUserid}`}>{row.name}</span> },
    { title: t('customer.remark'), dataIndex: 'remark', render: (_, row) => row.remark || '—' },
    { title: t('stage.column'), dataIndex: 'stageName', render: (_, row) => <span data-testid={`onjob-stage-${row.externalUserid}`}>{row.stageName ?? '—'}</span> },
    { title: t('onjob.addTime'), dataIndex: 'createtime', valueType: 'dateTime' },
    {
      title: t('lifecycle.status'),
      dataIndex: 'transfer',
      render: (_, row) =>
        row.transfer ? (
          <Space size={4}>
            <TransferStatusTag status={row.transfer.status} />→ {employeeText(t, row.transfer.takeoverName, row.transfer.takeoverUserid)}
          </Space>
        ) : row.blockedReason ? (
          <Typography.Text type="warning" data-testid="onjob-blocked">
            {row.blockedReason}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
  ];

  const transferBody = (takeoverUserid: string) => ({
    handoverUserid: handover!,
    takeoverUserid,
    ...(selection.kind === 'rows' ? { externalUserids: selection.ids } : { filters: relationFilters }),
    chatIds: groups,
    ...(transferMessage.trim() ? { transferSuccessMsg: transferMessage.trim() } : {}),
  });

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <ProCard variant="outlined">
        <Form layout="inline">
          <Form.Item label={t('lifecycle.handover')} required style={{ minWidth: 360 }}>
            <EmployeeSelect
              value={handover ?? undefined}
              onChange={((value: string | undefined) => pickHandover(value ?? null)) as never}
              placeholder={t('onjob.pickHandover')}
              testId="onjob-handover"
            />
          </Form.Item>
        </Form>
      </ProCard>
      {!handover ? (
        <Empty description={t('onjob.handoverRequired')} />
      ) : (
        <>
          <ProCard
            variant="outlined"
            title={t('onjob.customerTable', { name: handoverName })}
            extra={
              <Space>
                <Typography.Text data-testid="onjob-selected-customers">
                  {selection.kind === 'matching' ? t('onjob.allMatching', { count: selection.total }) : t('onjob.selectedCustomers', { count: selection.ids.length })}
                </Typography.Text>
                {selection.kind === 'rows' && total > selection.ids.length && (
                  <a onClick={() => setSelection({ kind: 'matching', total })} data-testid="onjob-select-matching">
                    {t('onjob.selectAllMatching', { count: total })}
                  </a>
                )}
                {customerCount > 0 && <a onClick={() => setSelection({ kind: 'rows', ids: [] })}>{t('onjob.clear')}</a>}
              </Space>
            }
          >
            <Form
              name="onjobCustomerFilters"
              layout="inline"
              style={{ marginBottom: 12, rowGap: 8 }}
              onValuesChange={(_, all: CustomerFilters) => {
                setFilters({ ...all });
                // "All matching" meant the old filters.
                setSelection((previous) => (previous.kind === 'matching' ? { kind: 'rows', ids: [] } : previous));
              }}
            >
              <Form.Item name="name" label={t('customer.name')}>
                <Input allowClear style={{ width: 160 }} data-testid="onjob-filter-name" />
              </Form.Item>
              <Form.Item name="tagIds" label={t('onjob.tags')} style={{ minWidth: 320 }}>
                <TagFilterSelect testId="onjob-filter-tags" />
              </Form.Item>
              <Form.Item name="stageIds" label={t('stage.column')} style={{ minWidth: 240 }}>
                <StageSelect multiple testId="onjob-filter-stages" />
              </Form.Item>
              <Form.Item name="addTime" label={t('onjob.addTime')}>
                <DatePicker.RangePicker data-testid="onjob-filter-added" />
              </Form.Item>
            </Form>
            {selection.kind === 'matching' && selection.total > TRANSFER_MAX && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('onjob.tooManyAll', { max: TRANSFER_MAX })} />}
            <ProTable<OnJobCandidate>
              rowKey="externalUserid"
              columns={customerColumns}
              data-testid="onjob-customers"
              search={false}
              options={false}
              params={customerParams}
              pagination={{ defaultPageSize: 10, showSizeChanger: true }}
              rowSelection={{
                preserveSelectedRowKeys: true,
                selectedRowKeys: selection.kind === 'rows' ? selection.ids : [],
                onChange: (keys) => setSelection({ kind: 'rows', ids: keys as string[] }),
                // One on its way, or one WeCom would refuse now, cannot be picked.
                getCheckboxProps: (row) => ({ disabled: selection.kind === 'matching' || row.transfer !== null || row.blockedReason !== null }),
              }}
              tableAlertRender={false}
              request={pagedRequest(async ({ version: _version, ...body }: OnJobCandidateQuery & { version?: number }) => {
                const page = await lifecycleApi.onjobCandidates(body);
                setTotal(page.total);
                return page;
              })}
            />
          </ProCard>
          <ProCard
            variant="outlined"
            title={t('onjob.groupTable', { name: handoverName })}
            extra={<Typography.Text data-testid="onjob-selected-groups">{t('onjob.selectedGroups', { count: groups.length })}</Typography.Text>}
          >
            <Table
              size="small"
              rowKey="chatId"
              data-testid="onjob-groups"
              loading={groupRows === null}
              dataSource={groupRows ?? []}
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              rowSelection={{
                preserveSelectedRowKeys: true,
                selectedRowKeys: groups,
                onChange: (keys) => setGroups(keys as string[]),
                getCheckboxProps: (row) => ({ disabled: row.transfer !== null }),
              }}
              columns={[
                { title: t('lifecycle.groupName'), dataIndex: 'name', render: (_, group) => group.name || t('lifecycle.unnamedGroup') },
                {
                  title: t('lifecycle.status'),
                  dataIndex: 'transfer',
                  render: (_, group) =>
                    group.transfer ? (
                      <Space size={4}>
                        <TransferStatusTag status={group.transfer.status} />→ {employeeText(t, group.transfer.takeoverName, group.transfer.takeoverUserid)}
                      </Space>
                    ) : (
                      '—'
                    ),
                },
              ]}
            />
          </ProCard>
          <Permission code="lifecycle:onjob:transfer">
            <Button
              type="primary"
              size="large"
              icon={<SwapOutlined />}
              disabled={customerCount + groups.length === 0 || (selection.kind === 'matching' && selection.total > TRANSFER_MAX)}
              onClick={() => setTransferring(true)}
              data-testid="onjob-transfer"
            >
              {t('onjob.transfer', { customers: customerCount, groups: groups.length })}
            </Button>
          </Permission>
        </>
      )}
      {transferring && handover && (
        <TakeoverModal
          title={t('onjob.transferTitle')}
          customers={customerCount}
          groups={groups.length}
          exclude={handover}
          submit={(takeoverUserid) => lifecycleApi.onjobTransfer(transferBody(takeoverUserid))}
          onClose={() => setTransferring(false)}
          onDone={(result) => {
            setTransferring(false);
            setSelection({ kind: 'rows', ids: [] });
            setGroups([]);
            setTransferMessage('');
            setListVersion((value) => value + 1);
            if (result.counts.sent > 0) onTransferred();
            else message.warning(t('lifecycle.allRefused'));
          }}
        >
          <Typography.Paragraph type="secondary">{t('lifecycle.onjobRule')}</Typography.Paragraph>
          {customerCount > 0 && (
            <Form.Item label={t('onjob.message')} extra={t('onjob.messageHint')}>
              <Input.TextArea
                rows={3}
                value={transferMessage}
                onChange={(event) => setTransferMessage(event.target.value)}
                maxLength={MESSAGE_MAX}
                showCount
                data-testid="onjob-message"
              />
            </Form.Item>
          )}
        </TakeoverModal>
      )}
    </Space>
  );
}
