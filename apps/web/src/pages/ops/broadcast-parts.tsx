import { Progress, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { usePermission } from '../../auth/permission.tsx';
import { broadcastApi, permOf, type BroadcastRecord, type BroadcastStat } from './broadcast-api.ts';

/** Who sends, by name (departments too); groups by their owners. */
export function SendersCell({ row }: { row: BroadcastRecord }) {
  const owners = row.audienceNames.owners;
  const names = row.senderNames.length > 0 ? row.senderNames : owners;
  return (
    <Space size={[0, 4]} wrap>
      {names.slice(0, 6).map((sender) => (
        <Tag key={sender.userid}>{sender.name}</Tag>
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
 * Coverage and the employees' confirmations of a sent broadcast (its statistics, for holders of the details
 * button); the planned count otherwise.
 */
export function CoverageCell({ row }: { row: BroadcastRecord }) {
  const { t } = useTranslation();
  const canQuery = usePermission(permOf(row.kind, 'query'));
  const [stat, setStat] = useState<BroadcastStat | null>(null);
  const live = row.status !== 'draft' && row.status !== 'scheduled';
  useEffect(() => {
    if (!canQuery || !live) return;
    broadcastApi(row.kind)
      .stat(row.id, { silent: true })
      .then(setStat, () => setStat(null));
  }, [canQuery, live, row.kind, row.id, row.lastTrackAt, row.status]);
  const unit = row.kind === 'group' ? 'broadcast.groupsCount' : 'broadcast.recipientsCount';
  if (!live) return row.plannedCount > 0 ? <Typography.Text type="secondary">{t(unit, { count: row.plannedCount })}</Typography.Text> : <>—</>;
  if (!stat) return <Typography.Text type="secondary">{t(unit, { count: row.plannedCount })}</Typography.Text>;
  return (
    <div data-testid={`broadcast-coverage-${row.id}`}>
      <Progress percent={stat.coverage} size="small" />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {row.kind === 'moment' ? '' : `${t('broadcast.deliveredOf', { delivered: stat.delivered, planned: stat.planned })} · `}
        {t(row.kind === 'moment' ? 'broadcast.publishedOf' : 'broadcast.confirmedOf', { confirmed: stat.senders.sent, total: stat.senders.total })}
      </Typography.Text>
    </div>
  );
}
