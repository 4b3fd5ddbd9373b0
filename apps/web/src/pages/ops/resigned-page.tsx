import { SwapOutlined } from '@ant-design/icons';
import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Drawer, Form, Modal, Space, Spin, Table, Tabs, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Permission, usePermission } from '../../auth/permission.tsx';
import { pagedRequest } from '../../components/crud.tsx';
import { EmployeeName, employeeText } from '../../components/names.tsx';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';
import { lifecycleApi, type TransferResult, type UnassignedDetail, type UnassignedQuery, type UnassignedRecord } from './resigned-api.ts';
import { DepartureTable, PolicyEditor } from './resigned-policy.tsx';
import { notSent, TransferRecordTable, TransferRefusals, TransferStatusTag } from './resigned-records.tsx';

type Tab = 'unassigned' | 'records' | 'policy' | 'departures';

/**
 * 离职继承: departed employees whose customers and groups await a takeover (by name, with counts and when they
 * left); one opened lists them to pick some or all and hand them to an eligible employee; the transfer records
 * with each customer's status; the automatic-inheritance policy with its dry run; and the departures the HR
 * system or WeCom announced, with what the policy did about each.
 */
export function ResignedPage() {
  const { t } = useTranslation();
  const canPolicy = usePermission('lifecycle:policy:query');
  const [tab, setTab] = useState<Tab>('unassigned');
  const [open, setOpen] = useState<UnassignedRecord | null>(null);
  const [version, setVersion] = useState(0);
  const action = useRef<ActionType>(null);

  const transferred = () => {
    setVersion((value) => value + 1);
    action.current?.reload();
  };

  const columns: ProColumns<UnassignedRecord>[] = [
    {
      title: t('lifecycle.departure'),
      dataIndex: 'name',
      render: (_, row) => (
        <span data-testid={`unassigned-employee-${row.userid}`}>
          <EmployeeName name={row.name} userid={row.userid} departed />
        </span>
      ),
    },
    { title: t('lifecycle.leftAt'), dataIndex: 'leftAt', valueType: 'dateTime', search: false },
    { title: t('lifecycle.customerCount'), dataIndex: 'customerCount', search: false, width: 120 },
    { title: t('lifecycle.groupCount'), dataIndex: 'groupCount', search: false, width: 120 },
    {
      title: t('lifecycle.waitingCount'),
      dataIndex: 'waitingCount',
      search: false,
      width: 120,
      render: (_, row) => (row.waitingCount > 0 ? <Tooltip title={t('lifecycle.waitingHint')}>{row.waitingCount}</Tooltip> : 0),
    },
    {
      title: t('common.actions'),
      valueType: 'option',
      width: 100,
      render: (_, row) => [
        <Permission key="detail" code="lifecycle:resigned:query">
          <a onClick={() => setOpen(row)} data-testid={`unassigned-open-${row.userid}`}>
            {t('lifecycle.detail')}
          </a>
        </Permission>,
      ],
    },
  ];

  const tabs = [
    {
      key: 'unassigned',
      label: t('lifecycle.tabUnassigned'),
      children: (
        <ProTable<UnassignedRecord>
          rowKey="userid"
          actionRef={action}
          columns={columns}
          data-testid="unassigned-table"
          search={{ labelWidth: 'auto' }}
          locale={{ emptyText: t('lifecycle.nobody') }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true }}
          request={pagedRequest((body: UnassignedQuery) => lifecycleApi.unassignedPage(body))}
        />
      ),
    },
    { key: 'records', label: <span data-testid="resigned-tab-records">{t('lifecycle.tabRecords')}</span>, children: <TransferRecordTable type="resigned" version={version} testId="resigned-records" /> },
    { key: 'departures', label: <span data-testid="resigned-tab-departures">{t('lifecycle.tabDepartures')}</span>, children: <DepartureTable /> },
    ...(canPolicy ? [{ key: 'policy', label: <span data-testid="resigned-tab-policy">{t('lifecycle.tabPolicy')}</span>, children: <PolicyEditor /> }] : []),
  ];

  return (
    <PageContainer title={t('lifecycle.resignedTitle', { defaultValue: '离职继承' })}>
      <Tabs activeKey={tab} onChange={(key) => setTab(key as Tab)} items={tabs} destroyOnHidden={false} />
      {open && (
        <UnassignedDrawer
          employee={open}
          onClose={() => setOpen(null)}
          onTransferred={() => {
            transferred();
          }}
          showRecords={() => {
            setOpen(null);
            setTab('records');
          }}
        />
      )}
    </PageContainer>
  );
}

/** One departed employee's unassigned customers and groups: pick some or all, then a takeover employee. */
function UnassignedDrawer({
  employee, onClose, onTransferred, showRecords,
}: { employee: UnassignedRecord; onClose: () => void; onTransferred: () => void; showRecords: () => void }) {
  const { t } = useTranslation();
  const [detail, setDetail] = useState<UnassignedDetail | null>(null);
  const [customers, setCustomers] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  const [transferring, setTransferring] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const name = employee.name;
  const canTransfer = usePermission('lifecycle:resigned:transfer');
  const selectableCustomers = (detail?.customers ?? []).filter((row) => row.transfer === null).map((row) => row.externalUserid);
  const selectableGroups = (detail?.groups ?? []).filter((row) => row.transfer === null).map((row) => row.chatId);

  useEffect(() => {
    lifecycleApi.unassignedGet(employee.userid).then(
      (found) => {
        setDetail(found);
        setCustomers([]);
        setGroups([]);
      },
      onClose,
    );
    // Once per employee (and after a transfer).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [employee.userid, attempt]);

  return (
    <Drawer
      open
      size={760}
      title={
        <Space>
          <EmployeeName name={employee.name} userid={employee.userid} departed />
          {employee.leftAt && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
              {t('lifecycle.leftAt')} {dayjs(employee.leftAt).format('YYYY-MM-DD HH:mm')}
            </Typography.Text>
          )}
        </Space>
      }
      onClose={onClose}
      data-testid="unassigned-drawer"
      extra={
        <Permission code="lifecycle:resigned:transfer">
          <Button
            type="primary"
            icon={<SwapOutlined />}
            disabled={customers.length + groups.length === 0}
            onClick={() => setTransferring(true)}
            data-testid="unassigned-transfer"
          >
            {t('lifecycle.transferSelected', { customers: customers.length, groups: groups.length })}
          </Button>
        </Permission>
      }
    >
      {!detail ? (
        <Spin />
      ) : (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Alert type="info" showIcon title={t('lifecycle.resignedRule')} />
          <div>
            <Space style={{ marginBottom: 8 }}>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('lifecycle.customers')}（{detail.customers.length}）
              </Typography.Title>
              {canTransfer && selectableCustomers.length > 0 && (
                <a onClick={() => setCustomers(selectableCustomers)} data-testid="unassigned-all-customers">
                  {t('lifecycle.selectAllCustomers', { count: selectableCustomers.length })}
                </a>
              )}
            </Space>
            <Table
              size="small"
              rowKey="externalUserid"
              data-testid="unassigned-customers"
              dataSource={detail.customers}
              pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
              rowSelection={
                canTransfer
                  ? {
                      selectedRowKeys: customers,
                      onChange: (keys) => setCustomers(keys as string[]),
                      preserveSelectedRowKeys: true,
                      // One already on its way cannot be asked again until WeCom settles it.
                      getCheckboxProps: (row) => ({ disabled: row.transfer !== null }),
                    }
                  : undefined
              }
              columns={[
                { title: t('lifecycle.customerName'), dataIndex: 'name', render: (_, row) => row.name || t('lifecycle.unknownCustomer') },
                { title: t('lifecycle.unassignedSince'), dataIndex: 'unassignedSince', render: (_, row) => (row.unassignedSince ? dayjs(row.unassignedSince).format('YYYY-MM-DD HH:mm') : '—') },
                { title: t('lifecycle.status'), dataIndex: 'transfer', render: (_, row) => <OpenTransfer transfer={row.transfer} /> },
              ]}
            />
          </div>
          <div>
            <Space style={{ marginBottom: 8 }}>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('lifecycle.groups')}（{detail.groups.length}）
              </Typography.Title>
              {canTransfer && selectableGroups.length > 0 && (
                <a onClick={() => setGroups(selectableGroups)} data-testid="unassigned-all-groups">
                  {t('lifecycle.selectAllGroups', { count: selectableGroups.length })}
                </a>
              )}
            </Space>
            <Table
              size="small"
              rowKey="chatId"
              data-testid="unassigned-groups"
              dataSource={detail.groups}
              pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
              rowSelection={
                canTransfer
                  ? {
                      selectedRowKeys: groups,
                      onChange: (keys) => setGroups(keys as string[]),
                      preserveSelectedRowKeys: true,
                      getCheckboxProps: (row) => ({ disabled: row.transfer !== null }),
                    }
                  : undefined
              }
              columns={[
                { title: t('lifecycle.groupName'), dataIndex: 'name', render: (_, row) => row.name || t('lifecycle.unnamedGroup') },
                { title: t('lifecycle.status'), dataIndex: 'transfer', render: (_, row) => <OpenTransfer transfer={row.transfer} /> },
              ]}
            />
          </div>
        </Space>
      )}
      {transferring && (
        <TakeoverModal
          title={t('lifecycle.transferTitle', { name })}
          customers={customers.length}
          groups={groups.length}
          submit={(takeoverUserid) =>
            lifecycleApi.resignedTransfer({
              handoverUserid: employee.userid,
              takeoverUserid,
              // Everything still unassigned: the server takes "all" (more than one request may name).
              ...(customers.length > 0 && customers.length === selectableCustomers.length ? { allCustomers: true, externalUserids: [] } : { externalUserids: customers }),
              ...(groups.length > 0 && groups.length === selectableGroups.length ? { allGroups: true, chatIds: [] } : { chatIds: groups }),
            })
          }
          onClose={() => setTransferring(false)}
          onDone={(result) => {
            setTransferring(false);
            onTransferred();
            if (notSent(result).length === 0) showRecords();
            else setAttempt((value) => value + 1);
          }}
        />
      )}
    </Drawer>
  );
}

/** A customer's or group's transfer still open: its status and who it is going to. */
function OpenTransfer({ transfer }: { transfer: UnassignedDetail['customers'][number]['transfer'] }) {
  const { t } = useTranslation();
  if (!transfer) return <Typography.Text type="secondary">{t('lifecycle.unassigned')}</Typography.Text>;
  return (
    <Space size={4}>
      <TransferStatusTag status={transfer.status} />
      <span>→ {employeeText(t, transfer.takeoverName, transfer.takeoverUserid)}</span>
    </Space>
  );
}

/**
 * Picks the takeover employee (eligible only) and submits; says how many went, and names each refused
 * customer or group with the server's reason before closing.
 */
export function TakeoverModal({
  title, customers, groups, submit, onClose, onDone, children, exclude,
}: {
  title: string;
  customers: number;
  groups: number;
  submit: (takeoverUserid: string) => Promise<TransferResult>;
  onClose: () => void;
  onDone: (result: TransferResult) => void;
  children?: React.ReactNode;
  exclude?: string;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [takeover, setTakeover] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<TransferResult | null>(null);

  const run = async () => {
    if (!takeover) return;
    setSaving(true);
    try {
      const answer = await submit(takeover);
      if (answer.counts.sent > 0) message.success(t('lifecycle.submitted', { count: answer.counts.sent }));
      if (notSent(answer).length === 0) onDone(answer);
      else setResult(answer);
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  if (result) {
    return (
      <Modal open title={title} onCancel={() => onDone(result)} footer={<Button type="primary" onClick={() => onDone(result)}>{t('common.ok')}</Button>} destroyOnHidden>
        <TransferRefusals result={result} />
      </Modal>
    );
  }

  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void run()}
      okText={t('lifecycle.transferConfirm')}
      okButtonProps={{ disabled: !takeover || takeover === exclude, 'data-testid': 'takeover-ok' } as never}
      confirmLoading={saving}
      destroyOnHidden
    >
      <Typography.Paragraph>{t('lifecycle.transferSummary', { customers, groups })}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item
          label={t('lifecycle.takeover')}
          required
          extra={t('lifecycle.takeoverHint')}
          validateStatus={takeover && takeover === exclude ? 'error' : undefined}
          help={takeover && takeover === exclude ? t('onjob.sameEmployee') : undefined}
        >
          <EmployeeSelect eligible value={takeover ?? undefined} onChange={((value: string | undefined) => setTakeover(value ?? null)) as never} testId="takeover-select" />
        </Form.Item>
        {children}
      </Form>
    </Modal>
  );
}
