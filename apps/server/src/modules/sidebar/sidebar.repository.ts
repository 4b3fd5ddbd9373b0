// Follow-up notes (scoped as customer relations are: by the relation's employee) and the quick-reply library
// (corp-wide configuration, like the media library it draws on).
import { sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { bindViewer, relationScope, type Viewer } from '../../platform/auth/data-scope.ts';
import { contains, paginate } from '../../platform/db/paging.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { NoteRecord, ReplyPageQuery, ReplyRecord, ReplySaveBody } from './sidebar.schemas.ts';

type Row = Record<string, unknown>;
const toDate = (value: unknown) => (value instanceof Date ? value : new Date(String(value)));

export function createSidebarRepository(db: Db) {
  const rows = async (query: SQL, tx: DbOrTx = db): Promise<Row[]> => (await tx.execute<Row>(query)).rows;

  const toNote = (viewer: Viewer) => (row: Row): NoteRecord => ({
    id: Number(row.id),
    externalUserid: row.external_userid as string,
    userid: row.userid as string,
    employeeName: (row.employee_name as string | null) ?? null,
    content: row.content as string,
    ctime: toDate(row.ctime),
    mine: row.userid === viewer.user.qwUserid,
  });

  const notes = {
    /** The notes on a customer's relations the viewer may see, newest first. */
    async notesOf(viewer: Viewer, externalUserid: string): Promise<NoteRecord[]> {
      const scope = relationScope(viewer, sql`n.userid`);
      return (
        await rows(sql`SELECT n.id, n.external_userid, n.userid, n.content, n.ctime, e.name AS employee_name
          FROM customer_note n LEFT JOIN qw_emp e ON e.userid = n.userid
          WHERE n.is_del = 0 AND n.external_userid = ${externalUserid} ${scope ? sql`AND ${scope}` : sql``}
          ORDER BY n.ctime DESC, n.id DESC LIMIT 200`)
      ).map(toNote(viewer));
    },
    /** A note on the viewer's own relation (the caller checked the relation is theirs). */
    async addNote(viewer: Viewer, externalUserid: string, content: string, actor: string, tx: DbOrTx = db): Promise<NoteRecord> {
      const [row] = await rows(sql`INSERT INTO customer_note (external_userid, userid, content, cuser, muser)
        VALUES (${externalUserid}, ${viewer.user.qwUserid}, ${content}, ${actor}, ${actor})
        RETURNING id, external_userid, userid, content, ctime, NULL AS employee_name`, tx);
      return toNote(viewer)(row);
    },
    /** Deletes one of the viewer's own notes; false when there is none such. */
    async deleteOwnNote(viewer: Viewer, id: number, actor: string): Promise<boolean> {
      const result = await db.execute(sql`UPDATE customer_note SET is_del = 1, mtime = now(), muser = ${actor}
        WHERE id = ${id} AND is_del = 0 AND userid = ${viewer.user.qwUserid ?? ''}`);
      return (result.rowCount ?? 0) > 0;
    },
  };

  const REPLY_SELECT = sql`SELECT q.id, q.folder_id, f.name AS folder_name, q.title, q.type, q.content, q.media_id, m.title AS media_title,
      q.sort, q.use_count, q.mtime
    FROM quick_reply q JOIN reply_folder f ON f.id = q.folder_id AND f.is_del = 0
    LEFT JOIN acq_media m ON m.id = q.media_id AND m.is_del = 0`;
  const toReply = (row: Row): ReplyRecord => ({
    id: Number(row.id),
    folderId: Number(row.folder_id),
    folderName: row.folder_name as string,
    title: row.title as string,
    type: row.type as ReplyRecord['type'],
    content: row.content as string,
    mediaId: row.media_id === null ? null : Number(row.media_id),
    mediaTitle: (row.media_title as string | null) ?? null,
    sort: Number(row.sort),
    useCount: Number(row.use_count),
    mtime: toDate(row.mtime),
  });
  const replyWhere = (filters: { folderId?: number; keyword?: string; type?: string }) => {
    const like = filters.keyword ? contains(filters.keyword) : undefined;
    return sql`WHERE q.is_del = 0
      ${filters.folderId ? sql`AND q.folder_id = ${filters.folderId}` : sql``}
      ${filters.type ? sql`AND q.type = ${filters.type}` : sql``}
      ${like ? sql`AND (q.title ILIKE ${like} OR q.content ILIKE ${like} OR m.title ILIKE ${like})` : sql``}`;
  };

  const replies = {
    async folders() {
      return (
        await rows(sql`SELECT f.id, f.name, f.sort, (SELECT count(*)::int FROM quick_reply q WHERE q.folder_id = f.id AND q.is_del = 0) AS reply_count
          FROM reply_folder f WHERE f.is_del = 0 ORDER BY f.sort, f.id`)
      ).map((row) => ({ id: Number(row.id), name: row.name as string, sort: Number(row.sort), replyCount: Number(row.reply_count) }));
    },
    async folderById(id: number) {
      return (await rows(sql`SELECT id, name FROM reply_folder WHERE id = ${id} AND is_del = 0`))[0] as { id: number; name: string } | undefined;
    },
    async saveFolder(values: { id?: number; name: string; sort?: number }, actor: string): Promise<number | undefined> {
      if (values.id) {
        const result = await rows(sql`UPDATE reply_folder SET name = ${values.name}, sort = COALESCE(${values.sort ?? null}::int, sort), mtime = now(), muser = ${actor}
          WHERE id = ${values.id} AND is_del = 0 RETURNING id`);
        return result[0] ? Number(result[0].id) : undefined;
      }
      const [row] = await rows(sql`INSERT INTO reply_folder (name, sort, cuser, muser) VALUES (${values.name}, ${values.sort ?? 0}, ${actor}, ${actor}) RETURNING id`);
      return Number(row.id);
    },
    /** Deletes folders and their replies in one transaction. */
    async deleteFolders(ids: number[], actor: string): Promise<number> {
      return db.transaction(async (tx) => {
        const list = sql.join(ids.map((id) => sql`${id}`), sql`, `);
        await tx.execute(sql`UPDATE quick_reply SET is_del = 1, mtime = now(), muser = ${actor} WHERE is_del = 0 AND folder_id IN (${list})`);
        const result = await tx.execute(sql`UPDATE reply_folder SET is_del = 1, mtime = now(), muser = ${actor} WHERE is_del = 0 AND id IN (${list})`);
        return result.rowCount ?? 0;
      });
    },
    async page(query: ReplyPageQuery): Promise<Page<ReplyRecord>> {
      const where = replyWhere(query);
      return paginate(
        query,
        async () => Number((await rows(sql`SELECT count(*)::int AS count FROM quick_reply q LEFT JOIN acq_media m ON m.id = q.media_id AND m.is_del = 0 ${where}`))[0].count),
        async (limit, offset) => (await rows(sql`${REPLY_SELECT} ${where} ORDER BY q.sort, q.id LIMIT ${limit} OFFSET ${offset}`)).map(toReply),
      );
    },
    /** The sidebar's search: the first 100 matches, the most used first within a folder's order. */
    async search(filters: { folderId?: number; keyword?: string }): Promise<ReplyRecord[]> {
      return (await rows(sql`${REPLY_SELECT} ${replyWhere(filters)} ORDER BY f.sort, f.id, q.sort, q.use_count DESC, q.id LIMIT 100`)).map(toReply);
    },
    async replyById(id: number): Promise<ReplyRecord | undefined> {
      const [row] = await rows(sql`${REPLY_SELECT} WHERE q.id = ${id} AND q.is_del = 0`);
      return row && toReply(row);
    },
    async saveReply(body: ReplySaveBody, actor: string): Promise<number | undefined> {
      const content = body.type === 'text' ? (body.content ?? '') : '';
      const mediaId = body.type === 'text' ? null : (body.mediaId ?? null);
      if (body.id) {
        const result = await rows(sql`UPDATE quick_reply SET folder_id = ${body.folderId}, title = ${body.title}, type = ${body.type}, content = ${content},
            media_id = ${mediaId}, sort = COALESCE(${body.sort ?? null}::int, sort), mtime = now(), muser = ${actor}
          WHERE id = ${body.id} AND is_del = 0 RETURNING id`);
        return result[0] ? Number(result[0].id) : undefined;
      }
      const [row] = await rows(sql`INSERT INTO quick_reply (folder_id, title, type, content, media_id, sort, cuser, muser)
        VALUES (${body.folderId}, ${body.title}, ${body.type}, ${content}, ${mediaId}, ${body.sort ?? 0}, ${actor}, ${actor}) RETURNING id`);
      return Number(row.id);
    },
    async deleteReplies(ids: number[], actor: string): Promise<number> {
      const result = await db.execute(sql`UPDATE quick_reply SET is_del = 1, mtime = now(), muser = ${actor}
        WHERE is_del = 0 AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`);
      return result.rowCount ?? 0;
    },
    async countUse(id: number): Promise<boolean> {
      const result = await db.execute(sql`UPDATE quick_reply SET use_count = use_count + 1 WHERE id = ${id} AND is_del = 0`);
      return (result.rowCount ?? 0) > 0;
    },
  };

  return {
    /** Notes made for the caller: every read and write applies their scope. */
    forViewer: (viewer: Viewer) => bindViewer(viewer, notes),
    replies,
  };
}

export type SidebarRepository = ReturnType<typeof createSidebarRepository>;
