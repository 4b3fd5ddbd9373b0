// The lead imports' storage: lead_import (one per uploaded file), lead_import_error (the report's rows) and the
// one statement that settles a batch of imported rows.
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../platform/db/database.ts';
import { actorScope } from '../../platform/auth/actor-scope.ts';
import type { Viewer } from '../../platform/auth/data-scope.ts';
import { lead, leadImport, leadImportError } from '../../db/schema/leads.ts';
import type { ImportedLead } from './lead-import-rows.ts';
import type { TimelineService } from '../journey/timeline.service.ts';

export type ImportRow = typeof leadImport.$inferSelect;
export type ImportErrorRow = typeof leadImportError.$inferSelect;

/** Whose imports a viewer sees: their own uploads, and those of users their data scope covers. */
export const importScope = (viewer: Viewer) => actorScope(viewer, sql`${leadImport.cuser}`);

export function createLeadImportRepository(db: Db, timeline: Pick<TimelineService, 'insertEvents'>) {
  const find = async (id: number, viewer?: Viewer): Promise<ImportRow | undefined> =>
    (await db.select().from(leadImport).where(and(eq(leadImport.id, id), viewer ? importScope(viewer) : undefined)))[0];
  const findByHash = async (fileHash: string, viewer?: Viewer): Promise<ImportRow | undefined> =>
    (await db.select().from(leadImport).where(and(eq(leadImport.fileHash, fileHash), viewer ? importScope(viewer) : undefined)))[0];

  /** The report's rows after `after`, in row order. */
  const errorsAfter = (importId: number, after: { rowNumber: number; id: number } | null, limit: number): Promise<ImportErrorRow[]> =>
    db
      .select()
      .from(leadImportError)
      .where(
        and(
          eq(leadImportError.importId, importId),
          after ? or(gt(leadImportError.rowNumber, after.rowNumber), and(eq(leadImportError.rowNumber, after.rowNumber), gt(leadImportError.id, after.id))) : undefined,
        ),
      )
      .orderBy(asc(leadImportError.rowNumber), asc(leadImportError.id))
      .limit(limit);

  return {
    /** The caller's imports: by id and by file, and the report of one they see. */
    forViewer: (viewer: Viewer) => ({
      find: (id: number) => find(id, viewer),
      findByHash: (fileHash: string) => findByHash(fileHash, viewer),
    }),

    /** Any import (the import job; the upload's duplicate check before it knows whose the file is). */
    system: () => ({ find: (id: number) => find(id), findByHash: (fileHash: string) => findByHash(fileHash) }),

    errorsAfter,

    async insert(values: typeof leadImport.$inferInsert): Promise<ImportRow | undefined> {
      const [row] = await db.insert(leadImport).values(values).onConflictDoNothing().returning();
      return row;
    },

    async update(id: number, values: Partial<typeof leadImport.$inferInsert>): Promise<void> {
      await db.update(leadImport).set(values).where(eq(leadImport.id, id));
    },

    /** Moves the checkpoint from `expected` to `lastRow`; false when another attempt moved it first. */
    async claimCheckpoint(tx: DbOrTx, importId: number, expected: number, lastRow: number, now: string): Promise<boolean> {
      const claimed = await tx.execute(
        sql`UPDATE lead_import SET checkpoint_row = ${lastRow}, mtime = ${now}::timestamptz WHERE id = ${importId} AND checkpoint_row = ${expected} RETURNING id`,
      );
      return claimed.rows.length > 0;
    },

    /**
     * One statement: leads whose phone no live lead holds are stored with their contacts and an 'imported' timeline
     * entry; the others come back to be reported (with the lead holding the phone, when the check saw one).
     */
    async insertLeads(tx: DbOrTx, imported: ImportRow, leadsJson: string, now: string, actor: string | null) {
      const status = imported.ownerUserid ? 'assigned' : 'pool';
      const result = await tx.execute<{ result: { inserted: number; refused: Array<{ row: number; holder: number | null; lead: ImportedLead }> } }>(sql`
        WITH t AS (
          SELECT * FROM jsonb_to_recordset(${leadsJson}::jsonb)
            AS t("row" int, name text, gender smallint, company text, "position" text, address text, remark text, channel text,
                 phone text, wechat text, email text, "emailKey" text)
        ),
        holders AS (
          SELECT DISTINCT ON (t."row") t."row", l.id FROM t
          JOIN lead l ON l.primary_phone = t.phone AND l.merged_into_id IS NULL AND l.is_del = 0
          ORDER BY t."row", l.id
        ),
        ins AS (
          INSERT INTO lead (name, gender, company, position, address, remark, source, channel, status, owner_userid, assigned_at,
                            primary_phone, import_id, import_row, ctime, cuser, mtime, muser)
          SELECT t.name, t.gender, t.company, t."position", t.address, t.remark, 'import', t.channel, ${status}, ${imported.ownerUserid},
                 ${imported.ownerUserid ? now : null}::timestamptz, t.phone, ${imported.id}, t."row", ${now}::timestamptz, ${actor}, ${now}::timestamptz, ${actor}
          FROM t WHERE NOT EXISTS (SELECT 1 FROM holders h WHERE h."row" = t."row")
          ORDER BY t."row"
          ON CONFLICT DO NOTHING
          RETURNING id, import_row
        ),
        contacts AS (
          INSERT INTO lead_contact (lead_id, type, value, is_primary, ctime, cuser)
          SELECT ins.id, c.type, c.value, true, ${now}::timestamptz, ${actor}
          FROM ins JOIN t ON t."row" = ins.import_row
          CROSS JOIN LATERAL (VALUES (1, 'phone', t.phone), (2, 'wechat', t.wechat), (3, 'email', t."emailKey")) AS c(n, type, value)
          WHERE c.value <> ''
          ORDER BY ins.id, c.n
          ON CONFLICT DO NOTHING
        ),
        -- Each stored lead's 'imported' timeline entry.
        events AS (${timeline.insertEvents(sql`
          SELECT NULL, NULL, ins.id, NULL, 'lead', ${now}::timestamptz, ${actor},
                 jsonb_build_object('leadType', 'imported', 'importId', ${imported.id}::bigint, 'row', ins.import_row, 'fileName', ${imported.fileName}::text), NULL
          FROM ins ORDER BY ins.id`)}
        )
        SELECT jsonb_build_object(
          'inserted', (SELECT count(*) FROM ins),
          'refused', COALESCE((
            SELECT jsonb_agg(jsonb_build_object('row', t."row", 'holder', h.id, 'lead', to_jsonb(t) - 'row' - 'emailKey') ORDER BY t."row")
            FROM t LEFT JOIN holders h ON h."row" = t."row"
            WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.import_row = t."row")
          ), '[]'::jsonb)
        ) AS result`);
      const { inserted, refused } = result.rows[0].result;
      return { inserted: Number(inserted), refused };
    },

    /** The live lead whose primary phone this is (a lead stored meanwhile, which the unique index refused a row for). */
    async phoneHolder(tx: DbOrTx, phone: string): Promise<number | null> {
      const [found] = await tx.select({ id: lead.id }).from(lead).where(and(eq(lead.primaryPhone, phone), sql`merged_into_id IS NULL AND is_del = 0`));
      return found?.id ?? null;
    },

    /** Report rows (JSON objects: row, column, reason, detail, values); a row already reported is kept. */
    async insertErrors(tx: DbOrTx, importId: number, errors: string[]): Promise<void> {
      if (errors.length === 0) return;
      await tx.execute(sql`
        INSERT INTO lead_import_error (import_id, row_number, column_name, reason, detail, row_values)
        SELECT ${importId}, e."row", e."column", e.reason, e.detail, e."values"
        FROM jsonb_to_recordset(${'[' + errors.join(',') + ']'}::jsonb) AS e("row" int, "column" text, reason text, detail text, "values" jsonb)
        ON CONFLICT DO NOTHING`);
    },

    async addCounts(tx: DbOrTx, importId: number, inserted: number, invalid: number): Promise<void> {
      await tx.execute(sql`UPDATE lead_import SET inserted_rows = inserted_rows + ${inserted}, invalid_rows = invalid_rows + ${invalid} WHERE id = ${importId}`);
    },
  };
}

export type LeadImportRepository = ReturnType<typeof createLeadImportRepository>;
