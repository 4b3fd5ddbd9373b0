// How the console shows what the server names: a channel state as its source and channel, an employee as
// their name (已离职 when they left). The raw state or userid is only ever a secondary detail.
import { Space, Tag, Tooltip, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

/** What the server answers beside a state (acquisition/state-names.ts). */
export interface StateNamed {
  state: string;
  sourceName: string | null;
  channelName: string | null;
}

/** A state as text (charts, titles): source and channel names, 未知渠道, or 无渠道 without a state. */
export function channelText(t: TFunction, row: StateNamed): string {
  if (!row.state) return t('names.noChannel');
  if (!row.sourceName) return t('names.unknownChannel');
  return row.channelName ? `${row.channelName} / ${row.sourceName}` : row.sourceName;
}

/** A state in a table cell: the names; an unknown state reads 未知渠道 with the raw state beside it. */
export function ChannelName({ row, empty = '—' }: { row: StateNamed; empty?: string }) {
  const { t } = useTranslation();
  if (!row.state) return <Typography.Text type="secondary">{empty}</Typography.Text>;
  if (!row.sourceName) {
    return (
      <Tooltip title={t('names.unknownChannelHint')}>
        <Space size={4} data-testid="channel-unknown">
          <span>{t('names.unknownChannel')}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            ({row.state})
          </Typography.Text>
        </Space>
      </Tooltip>
    );
  }
  return (
    <Space size={4} data-testid="channel-name">
      {row.channelName && <Tag>{row.channelName}</Tag>}
      <span>{row.sourceName}</span>
    </Space>
  );
}

/** An employee as text (titles, sentences): their name, else 未知员工 with the account beside it. */
export function employeeText(t: TFunction, name: string | null | undefined, userid: string): string {
  return name ?? t('names.unknownEmployeeOf', { userid });
}

/** A customer as text: their name, else 未知客户 (one SCRM has no name for). */
export function customerText(t: TFunction, name: string | null | undefined): string {
  return name || t('names.unknownCustomer');
}

/** A customer group as text: its name, else 未命名群 (WeCom's groups need no name, or SCRM has not synced it). */
export function groupText(t: TFunction, name: string | null | undefined): string {
  return name || t('names.unnamedGroup');
}

/** A group in a picker: its name, else 未命名群 with its owner, so that unnamed groups can be told apart. */
export function groupLabel(t: TFunction, group: { name: string; ownerName: string | null }): string {
  return group.name || t('names.unnamedGroupOf', { owner: group.ownerName ?? t('names.unknownEmployee') });
}

/** A customer or a group in a table cell: the name, else the words above, the WeCom id only in a tooltip. */
export function ContactName({ name, id, kind }: { name: string | null; id: string | null; kind: 'customer' | 'group' }) {
  const { t } = useTranslation();
  if (name) return <span>{name}</span>;
  return (
    <Tooltip title={id}>
      <Typography.Text type="secondary">{kind === 'customer' ? customerText(t, name) : groupText(t, name)}</Typography.Text>
    </Tooltip>
  );
}

/** An employee by name, tagged 已离职 when they left; their userid only when no name is known. */
export function EmployeeName({ name, userid, departed }: { name: string | null; userid: string; departed?: boolean }) {
  const { t } = useTranslation();
  return (
    <Space size={4}>
      {name ?? (
        <Tooltip title={userid}>
          <Typography.Text type="secondary">{t('names.unknownEmployee')}</Typography.Text>
        </Tooltip>
      )}
      {departed && <Tag data-testid="employee-departed">{t('names.departed')}</Tag>}
    </Space>
  );
}

/**
 * Rows by channel for a chart: one per name (states SCRM doesn't know are summed into one 未知渠道 bar, as are
 * the states of one source), largest first.
 */
export function byChannelName<T extends StateNamed & { total: number; active: number; lost?: number }>(
  t: TFunction,
  rows: T[],
): { name: string; total: number; active: number; lost: number }[] {
  const merged = new Map<string, { name: string; total: number; active: number; lost: number }>();
  for (const row of rows) {
    const name = channelText(t, row);
    const sum = merged.get(name) ?? { name, total: 0, active: 0, lost: 0 };
    sum.total += row.total;
    sum.active += row.active;
    sum.lost += row.lost ?? 0;
    merged.set(name, sum);
  }
  return [...merged.values()].sort((a, b) => b.total - a.total);
}
