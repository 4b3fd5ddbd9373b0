import { UserOutlined } from '@ant-design/icons';
import { Avatar, Space, Tag, Typography } from 'antd';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { RelationRecord, TagBrief } from '../../api/types.ts';

/** WeCom's add_way values (来源), as the console names them. */
export const ADD_WAYS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 201, 202] as const;

export function addWayText(t: TFunction, addWay: number): string {
  return t(`customer.addWay${addWay}`, { defaultValue: t('customer.addWayOther', { value: addWay }) });
}

export function addWayValueEnum(t: TFunction) {
  return Object.fromEntries(ADD_WAYS.map((way) => [way, { text: addWayText(t, way) }]));
}

export const RELATION_STATUSES = ['active', 'lost', 'transferred'] as const;
const STATUS_COLORS: Record<string, string> = { active: 'success', lost: 'error', transferred: 'processing' };

export function relationStatusValueEnum(t: TFunction) {
  return Object.fromEntries(RELATION_STATUSES.map((status) => [status, { text: t(`customer.status_${status}`) }]));
}

/**
 * A relation's status; an active one with a transfer SCRM requested and WeCom has not settled yet shows it as
 * pending, naming the takeover employee (`transferTo`: their name, or 未知员工 with their account when the mirror lacks them).
 */
export function RelationStatusTag({ status, transferTo }: { status: string; transferTo?: string | null }) {
  const { t } = useTranslation();
  if (status === 'active' && transferTo) return <Tag color="processing">{t('customer.transferPending', { name: transferTo })}</Tag>;
  return <Tag color={STATUS_COLORS[status]}>{t(`customer.status_${status}`, { defaultValue: status })}</Tag>;
}

/** A customer's avatar, name and WeChat / WeCom marker. */
export function CustomerName({ name, avatar, type, corpName }: { name: string; avatar: string | null; type: number; corpName?: string | null }) {
  const { t } = useTranslation();
  return (
    <Space>
      <Avatar size="small" src={avatar || undefined} icon={<UserOutlined />} />
      <span>{name}</span>
      {type === 2 ? <Typography.Text type="warning">@{corpName || t('customer.type2')}</Typography.Text> : <Typography.Text type="success">@{t('customer.type1')}</Typography.Text>}
    </Space>
  );
}

/**
 * The WeCom tags a relation carries: its tag ids named through the corp tag mirror (`names`, WeCom tag id
 * → name), else the names WeCom reported with the relation.
 */
export function RelationTags({ relation, names }: { relation: Pick<RelationRecord, 'tags' | 'tagIds'>; names?: Map<string, string> }) {
  const named = names ? relation.tagIds.map((id) => names.get(id)).filter((name): name is string => Boolean(name)) : [];
  const shown = named.length > 0 ? named : (relation.tags ?? []).map((tag) => tag.tagName);
  if (shown.length > 0) {
    return (
      <Space size={[0, 4]} wrap>
        {shown.map((name) => (
          <Tag key={name}>{name}</Tag>
        ))}
      </Space>
    );
  }
  if (relation.tagIds.length > 0) return <Typography.Text type="secondary">{relation.tagIds.length}</Typography.Text>;
  return <>—</>;
}

export function TagBriefs({ tags, color }: { tags: TagBrief[]; color?: string }) {
  if (tags.length === 0) return <>—</>;
  return (
    <Space size={[0, 4]} wrap>
      {tags.map((tag) => (
        <Tag key={tag.id} color={color} title={tag.groupName}>
          {tag.name}
        </Tag>
      ))}
    </Space>
  );
}

/** Corp and SCRM tags of a page row (`tagList`): corp tags plain, SCRM tags blue; the group in the tooltip. */
export function TagBriefList({ tags }: { tags: (TagBrief & { type: 'corp' | 'self' })[] }) {
  return (
    <Space size={[0, 4]} wrap>
      {tags.map((tag) => (
        <Tag key={`${tag.type}-${tag.id}`} color={tag.type === 'self' ? 'blue' : undefined} title={tag.groupName} data-testid={`row-tag-${tag.id}`}>
          {tag.name}
        </Tag>
      ))}
    </Space>
  );
}
