import { Progress, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { employeeText } from '../../components/names.tsx';
import type { BroadcastProgress, BroadcastRecord } from './broadcast-api.ts';

/** Who sends, by name (departments too); groups by their owners. */
export function SendersCell({ row }: { row: BroadcastRecord }) {
  const { t } = useTranslation();
  const owners = row.audienceNames.owners;
  const names = row.senderNames.length > 0 ? row.senderNames : owners;
  return (
    <Space size={[0, 4]} wrap>
      {names.slice(0, 6).map((sender) => (
        <Tag key={sender.userid}>{employeeText(t, sender.name, sender.userid)}</Tag>
      ))}
      {names.length > 6 && <Tag>+{names.length - 6}</Tag>}
      {row.deptNames.map((dept) => (
        <Tag key={`d${dept.deptId}`} color="blue">
          {dept.name}
        </Tag>
      ))}
    </Space>
  );
}

/**
 * Coverage and the employees' confirmations of a sent broadcast (its figures from the list's one progress call, for
 * holders of the details button); the planned count otherwise.
 */
export function CoverageCell({ row, progress }: { row: BroadcastRecord; progress?: BroadcastProgress }) {
  const { t } = useTranslation();
  const live = row.status !== 'draft' && row.status !== 'scheduled';
  const unit = row.kind === 'group' ? 'broadcast.groupsCount' : 'broadcast.recipientsCount';
  if (!live) return row.plannedCount > 0 ? <Typography.Text type="secondary">{t(unit, { count: row.plannedCount })}</Typography.Text> : <>—</>;
  if (!progress) return <Typography.Text type="secondary">{t(unit, { count: row.plannedCount })}</Typography.Text>;
  return (
    <div data-testid={`broadcast-coverage-${row.id}`}>
      <Progress percent={progress.coverage} size="small" />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {row.kind === 'moment' ? '' : `${t('broadcast.deliveredOf', { delivered: progress.delivered, planned: progress.planned })} · `}
        {t(row.kind === 'moment' ? 'broadcast.publishedOf' : 'broadcast.confirmedOf', { confirmed: progress.senders.sent, total: progress.senders.total })}
      </Typography.Text>
    </div>
  );
}
