// 客户阶段 pieces other pages use: the stage endpoints, a stage picker (客户列表's filter) and the customer drawer's
// "移动阶段" (a relation's stage, the move and its history).
import { SwapOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Select, Space, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { employeeText } from '../../components/names.tsx';
import { api, call, type CallOptions } from '../../api/client.ts';
import type { BodyOf, ResponseOf } from '../../api/types.ts';
import { usePermission } from '../../auth/permission.tsx';

export type StageRecord = ResponseOf<'/scrm/admin/stage/list', 'get'>[number];
export type FunnelQuery = BodyOf<'/scrm/admin/stage/funnel', 'post'>;
export type FunnelResult = ResponseOf<'/scrm/admin/stage/funnel', 'post'>;
export type StageHistory = ResponseOf<'/scrm/admin/stage/history', 'get'>;

export const stageApi = {
  list: (options?: CallOptions) => call(api.GET('/scrm/admin/stage/list'), options),
  save: (body: BodyOf<'/scrm/admin/stage/save', 'post'>) => call(api.POST('/scrm/admin/stage/save', { body })),
  sort: (ids: number[]) => call(api.POST('/scrm/admin/stage/sort', { body: { ids } })),
  delete: (body: BodyOf<'/scrm/admin/stage/delete', 'post'>) => call(api.POST('/scrm/admin/stage/delete', { body })),
  move: (body: BodyOf<'/scrm/admin/stage/move', 'post'>) => call(api.POST('/scrm/admin/stage/move', { body })),
  history: (query: { externalUserid: string; userid: string }) => call(api.GET('/scrm/admin/stage/history', { params: { query } })),
  funnel: (body: FunnelQuery, options?: CallOptions) => call(api.POST('/scrm/admin/stage/funnel', { body }), options),
};

export const STAGE_COLORS: Record<StageRecord['kind'], string> = { normal: 'blue', won: 'green', lost: 'red' };

/** The pipeline (stage:list), or [] without the permission. */
export function useStages(enabled = true): StageRecord[] {
  const [stages, setStages] = useState<StageRecord[]>([]);
  useEffect(() => {
    if (enabled) stageApi.list({ silent: true }).then(setStages, () => setStages([]));
  }, [enabled]);
  return stages;
}

/** Picks stages by name (values: stage ids). */
export function StageSelect({ value, onChange, multiple, testId }: { value?: number | number[]; onChange?: (value: never) => void; multiple?: boolean; testId?: string }) {
  const stages = useStages(usePermission('stage:list'));
  return (
    <Select
      mode={multiple ? 'multiple' : undefined}
      value={value}
      onChange={onChange as never}
      allowClear
      showSearch={{ optionFilterProp: 'label' }}
      maxTagCount="responsive"
      style={{ width: '100%' }}
      options={stages.map((stage) => ({ value: stage.id, label: stage.name }))}
      data-testid={testId ?? 'stage-select'}
    />
  );
}

interface DrawerRelation {
  externalUserid: string;
  userid: string;
  customerName: string;
  employeeName: string | null;
  stageId?: number | null;
  stageName?: string | null;
}

/** A relation's stage in the customer drawer, with "移动阶段" (stage:move) and the stage history (stage:history). */
export function RelationStageAction({ relation, onMoved }: { relation: DrawerRelation; onMoved?: () => void }) {
  const { t } = useTranslation();
  const canMove = usePermission('stage:move');
  const canSeeHistory = usePermission('stage:history');
  const [stage, setStage] = useState({ id: relation.stageId ?? null, name: relation.stageName ?? null });
  const [open, setOpen] = useState(false);
  useEffect(() => setStage({ id: relation.stageId ?? null, name: relation.stageName ?? null }), [relation.stageId, relation.stageName]);
  const stageName = stage.name;
  if (!stageName && !canMove) return null;
  return (
    <Space size={4}>
      {stageName && <Tag color="geekblue" data-testid={`relation-stage-${relation.userid}`}>{stageName}</Tag>}
      {(canMove || canSeeHistory) && (
        <Button size="small" icon={<SwapOutlined />} onClick={() => setOpen(true)} data-testid={`relation-stage-move-${relation.userid}`}>
          {canMove ? t('stage.move') : t('stage.history')}
        </Button>
      )}
      {open && (
        <StageMoveModal
          relation={{ ...relation, stageId: stage.id }}
          canMove={canMove}
          canSeeHistory={canSeeHistory}
          onClose={() => setOpen(false)}
          onMoved={(moved) => {
            setStage(moved);
            setOpen(false);
            onMoved?.();
          }}
        />
      )}
    </Space>
  );
}

function StageMoveModal({ relation, canMove, canSeeHistory, onClose, onMoved }: {
  relation: DrawerRelation; canMove: boolean; canSeeHistory: boolean; onClose: () => void; onMoved: (stage: { id: number; name: string }) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ stageId: number; note?: string }>();
  const stages = useStages(canMove);
  const [history, setHistory] = useState<StageHistory | null>(null);
  const [saving, setSaving] = useState(false);
  const pair = { externalUserid: relation.externalUserid, userid: relation.userid };

  useEffect(() => {
    if (canSeeHistory) stageApi.history(pair).then(setHistory, () => setHistory(null));
    // One relation per modal.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [canSeeHistory, relation.externalUserid, relation.userid]);

  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await stageApi.move({ relations: [pair], stageId: values.stageId, note: values.note ?? '' });
      const name = stages.find((stage) => stage.id === values.stageId)?.name ?? '';
      message.success(t('stage.moved', { name }));
      onMoved({ id: values.stageId, name });
    } catch {
      // shown by the client
    } finally {
      setSaving(false);
    }
  };

  const actor = (value: string) => (value === 'wecom' ? t('stage.byWecom') : value);
  return (
    <Modal
      open
      title={t('stage.moveTitle', { customer: relation.customerName, employee: employeeText(t, relation.employeeName, relation.userid) })}
      onCancel={onClose}
      onOk={canMove ? () => void submit() : onClose}
      okText={canMove ? t('common.save') : t('common.ok')}
      confirmLoading={saving}
      destroyOnHidden
    >
      {canMove && (
        <Form form={form} layout="vertical" initialValues={{ stageId: relation.stageId ?? undefined }} data-testid="stage-move-form">
          <Form.Item name="stageId" label={t('stage.target')} rules={[{ required: true, message: t('stage.needTarget') }]}>
            <Select
              options={stages.map((stage) => ({ value: stage.id, label: stage.name }))}
              data-testid="stage-move-target"
            />
          </Form.Item>
          <Form.Item name="note" label={t('stage.note')} rules={[{ max: 200 }]}>
            <Input.TextArea rows={2} maxLength={200} showCount data-testid="stage-move-note" />
          </Form.Item>
        </Form>
      )}
      {canSeeHistory && (
        <>
          <Typography.Title level={5}>{t('stage.history')}</Typography.Title>
          {history && history.records.length === 0 && <Typography.Text type="secondary">{t('stage.historyEmpty')}</Typography.Text>}
          <Timeline
            data-testid="stage-history"
            items={(history?.records ?? []).map((record) => ({
              color: record.stageName === record.fromStageName ? 'gray' : 'blue',
              content: (
                <Space orientation="vertical" size={0}>
                  <span>
                    {record.fromStageName ? `${record.fromStageName} → ` : ''}
                    <b>{record.stageName}</b>
                    {record.note ? ` · ${record.note}` : ''}
                  </span>
                  <Typography.Text type="secondary">
                    {dayjs(record.movedAt).format('YYYY-MM-DD HH:mm')} · {t('stage.by')} {actor(record.actor)}
                  </Typography.Text>
                </Space>
              ),
            }))}
          />
        </>
      )}
    </Modal>
  );
}
