import { PageContainer, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Checkbox, Form, Input, Modal, Radio, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { SyncOutlined } from '@ant-design/icons';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { Permission } from '../../auth/permission.tsx';
import { crudToolbar, DeleteLink, pagedRequest, useEditor, useRecordForm } from '../../components/crud.tsx';
import { employeeText } from '../../components/names.tsx';
import { EmployeeSelect, WecomDeptTreeSelect } from '../../components/pickers.tsx';
import { ProTable } from '../../components/table.tsx';

type Rule = ResponseOf<'/scrm/admin/intercept/page', 'post'>['records'][number];
type RuleQuery = BodyOf<'/scrm/admin/intercept/page', 'post'>;
type RuleValues = BodyOf<'/scrm/admin/intercept/save', 'post'>;

/** 敏感词拦截: WeCom's chat sensitive-word rules; those made in WeCom's admin console come in by sync, read-only. */
export function InterceptPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const editor = useEditor<{ rule?: Rule }>(() => action.current?.reload());
  const [syncing, setSyncing] = useState(false);

  const sync = async () => {
    setSyncing(true);
    try {
      const result = await call(api.POST('/scrm/admin/intercept/sync'));
      void message.success(t('intercept.synced', result));
      action.current?.reload();
    } finally {
      setSyncing(false);
    }
  };

  const columns: ProColumns<Rule>[] = [
    { title: t('intercept.keyword'), dataIndex: 'name', hideInTable: true },
    { title: t('intercept.name'), dataIndex: 'name', search: false, width: 160 },
    {
      title: t('intercept.words'), dataIndex: 'words', search: false,
      render: (_, row) => (
        <Space size={[4, 4]} wrap>
          {row.words.slice(0, 8).map((word) => <Tag key={word}>{word}</Tag>)}
          {row.words.length > 8 && <Typography.Text type="secondary">{t('intercept.wordsCount', { count: row.words.length })}</Typography.Text>}
          {row.semanticsText.map((kind) => <Tag key={kind} color="blue">{kind}</Tag>)}
        </Space>
      ),
    },
    { title: t('intercept.type'), dataIndex: 'interceptTypeText', search: false, width: 130 },
    {
      title: t('intercept.range'), dataIndex: 'users', search: false, width: 260,
      render: (_, row) => [...row.users.map((user) => employeeText(t, user.name, user.userid)), ...row.depts.map((dept) => dept.name)].join('、') || '—',
    },
    { title: t('intercept.origin'), dataIndex: 'originText', search: false, width: 150 },
    { title: t('intercept.mtime'), dataIndex: 'mtime', valueType: 'dateTime', search: false, width: 170 },
    {
      title: t('common.actions'), valueType: 'option', width: 120,
      render: (_, row) =>
        row.editable
          ? [
              <Permission key="edit" code="intercept:save"><a onClick={() => editor.edit({ rule: row })}>{t('common.edit')}</a></Permission>,
              <Permission key="delete" code="intercept:delete">
                <DeleteLink onConfirm={async () => { await call(api.POST('/scrm/admin/intercept/delete', { body: { ids: [row.id] } })); action.current?.reload(); }} />
              </Permission>,
            ]
          : [<Tooltip key="readonly" title={t('intercept.readOnly')}><Typography.Text type="secondary">{t('intercept.originWecom')}</Typography.Text></Tooltip>],
    },
  ];

  return (
    <PageContainer title={t('intercept.title')}>
      <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('intercept.how')} />
      <ProTable<Rule>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={{ labelWidth: 'auto' }}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        request={pagedRequest((body: RuleQuery) => call(api.POST('/scrm/admin/intercept/page', { body })))}
        toolBarRender={() => [
          <Permission key="sync" code="intercept:sync">
            <Button icon={<SyncOutlined />} loading={syncing} onClick={() => void sync().catch(() => undefined)} data-testid="intercept-sync">{t('intercept.sync')}</Button>
          </Permission>,
          crudToolbar({
            t, selected: [], deletePermission: 'intercept:delete', onDelete: async () => undefined,
            createPermission: 'intercept:save', createLabel: t('intercept.create'), onCreate: () => editor.edit({}), createTestId: 'intercept-create',
          })[1],
        ]}
      />
      {editor.editing && <RuleModal rule={editor.editing.rule} onClose={editor.close} onSaved={editor.saved} />}
    </PageContainer>
  );
}

function RuleModal({ rule, onClose, onSaved }: { rule?: Rule; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { form, modalProps } = useRecordForm<RuleValues>({
    id: rule?.id,
    defaults: { words: [], semantics: [], interceptType: 1, userids: [], deptIds: [] },
    load: async () => ({
      name: rule!.name, words: rule!.words, semantics: rule!.semantics as RuleValues['semantics'], interceptType: rule!.interceptType as RuleValues['interceptType'],
      userids: rule!.users.map((user) => user.userid), deptIds: rule!.depts.map((dept) => dept.deptId),
    }),
    save: (values) => call(api.POST('/scrm/admin/intercept/save', { body: { ...values, id: rule?.id } })),
    onSaved,
    onClose,
  });
  return (
    <Modal {...modalProps} width={640} title={rule ? t('intercept.edit') : t('intercept.create')}>
      <Form form={form} layout="vertical" data-testid="intercept-form">
        <Form.Item name="name" label={t('intercept.name')} rules={[{ required: true, whitespace: true }, { validator: async (_, value: string) => { if (Array.from(value ?? '').length > 20) throw new Error(t('intercept.nameMax')); } }]}>
          <Input />
        </Form.Item>
        <Form.Item name="words" label={t('intercept.words')} extra={t('intercept.wordsHint')}>
          <Select mode="tags" tokenSeparators={[',', '，', '\n']} open={false} data-testid="intercept-words" />
        </Form.Item>
        <Form.Item name="semantics" label={t('intercept.semantics')}>
          <Checkbox.Group options={[1, 2, 3].map((value) => ({ value, label: t(`intercept.semantics${value}`) }))} />
        </Form.Item>
        <Form.Item name="interceptType" label={t('intercept.type')} rules={[{ required: true }]}>
          <Radio.Group options={[1, 2].map((value) => ({ value, label: t(`intercept.type${value}`) }))} />
        </Form.Item>
        <Form.Item name="userids" label={t('intercept.users')} extra={t('intercept.rangeHint')}>
          <EmployeeSelect multiple testId="intercept-users" />
        </Form.Item>
        <Form.Item name="deptIds" label={t('intercept.depts')}>
          <WecomDeptTreeSelect />
        </Form.Item>
      </Form>
    </Modal>
  );
}
