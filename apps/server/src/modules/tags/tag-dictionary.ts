// The tags' names, groups and order, held in this process for the hot pages (线索公海, 客户列表): a page's statement
// reads only its rows' tag ids and the dictionary's version, and the ids are named here. Joined to the tag tables and
// aggregated in the statement, the tag lists cost it more than the rest of the page (pgbench, 2 clients, 线索公海's
// page of 20: 8,800 statements/s with them, 14,200 with the ids).
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';
import { versionColumn, versionedCopy } from '../../platform/db/versioned-copy.ts';
import { briefOf } from './tag-filters.ts';
import type { TagBrief } from './tags.schemas.ts';

/** The dictionary's version as a statement's column (changed by every change to a tag or a tag group). */
export const TAG_VERSION: SQL = versionColumn('tag_version');

/** Tags by id as of one version. */
export interface TagNames {
  readonly version: string | null;
  /** The live tags among `ids` in display order (corp before SCRM tags, then by group and tag order); unknown ids left out. */
  listOf(ids: readonly number[] | null | undefined): TagBrief[];
}

interface Entry {
  brief: TagBrief;
  /** The tag's place in display order over every tag. */
  rank: number;
}

function namesOf(version: string | null, rows: Array<Record<string, unknown>>): TagNames {
  const live = rows
    .filter((row) => row.id !== null && Number(row.is_del) === 0)
    .map((row) => ({
      brief: briefOf(row),
      groupOrder: Number(row.group_order),
      order: Number(row.order_num),
    }));
  // The order the tag lists were aggregated in: type, group order (larger first), group, tag order (larger first), id.
  live.sort((a, b) =>
    a.brief.type !== b.brief.type ? (a.brief.type < b.brief.type ? -1 : 1)
    : b.groupOrder - a.groupOrder || a.brief.groupId - b.brief.groupId || b.order - a.order || a.brief.id - b.brief.id);
  const byId = new Map<number, Entry>(live.map((tag, rank) => [tag.brief.id, { brief: tag.brief, rank }]));
  return {
    version,
    listOf(ids) {
      if (!ids?.length) return [];
      const found: Entry[] = [];
      for (const id of ids) {
        const entry = byId.get(Number(id));
        if (entry) found.push(entry);
      }
      return found.sort((a, b) => a.rank - b.rank).map((entry) => entry.brief);
    },
  };
}

export interface TagDictionary {
  /** The dictionary as of `version` (a TAG_VERSION read with the ids to name; platform/db/versioned-copy.ts). */
  at(version: unknown): Promise<TagNames>;
  /**
   * Lists of tag ids (a page's rows' own), named: `listOf` of each, as of `version` (read with them; the dictionary is
   * not consulted where no list has an id, and then no version need have been read).
   */
  lists(idLists: ReadonlyArray<readonly number[] | null | undefined>, version: unknown): Promise<TagBrief[][]>;
}

export function createTagDictionary(db: DbOrTx): TagDictionary {
  const at = versionedCopy(async () => {
    // A row even when there are no tags.
    const result = await db.execute<Record<string, unknown>>(sql`SELECT v.version, t.id, t.name, t.type, t.group_id, t.wecom_tag_id,
        t.order_num, t.is_del, g.name AS group_name, g.order_num AS group_order
      FROM (SELECT ${TAG_VERSION} AS version) v LEFT JOIN (tag t JOIN tag_group g ON g.id = t.group_id) ON true`);
    return namesOf((result.rows[0]?.version as string | null) ?? null, result.rows);
  });
  return {
    at,
    async lists(idLists, version) {
      if (!idLists.some((ids) => ids?.length)) return idLists.map(() => []);
      const names = await at(version);
      return idLists.map((ids) => names.listOf(ids));
    },
  };
}
