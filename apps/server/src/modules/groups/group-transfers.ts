// What the lifecycle module's group transfers (groupchat/transfer, groupchat/onjob_transfer) read and change of the
// groups mirror: the groups an owner has, and the new owner as soon as WeCom took the transfer (no callback
// comes for an API change; the next groups sync agrees).
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';

export interface OwnedGroup {
  chatId: string;
  name: string;
  owner: string;
  /** groupchat/list status: 0 normal, 1 owner resigned, 2 inheritance in progress, 3 inherited. */
  status: number;
}

const toOwnedGroup = (row: Record<string, unknown>): OwnedGroup => ({
  chatId: row.chat_id as string,
  name: (row.name as string | null) ?? '',
  owner: row.owner as string,
  status: Number(row.status),
});

export function createGroupTransfers(db: DbOrTx) {
  return {
    /** The live groups an employee owns (unscoped: the caller checked the scope by the owner). */
    async groupsOwnedBy(owner: string, tx: DbOrTx = db): Promise<OwnedGroup[]> {
      const result = await tx.execute(sql`SELECT chat_id, name, owner, status FROM group_chat WHERE owner = ${owner} AND NOT dismissed ORDER BY create_time DESC, id DESC`);
      return result.rows.map(toOwnedGroup);
    },

    /** Live groups by chat id. */
    async groupsByChatIds(chatIds: string[], tx: DbOrTx = db): Promise<OwnedGroup[]> {
      if (chatIds.length === 0) return [];
      const result = await tx.execute(sql`
        SELECT chat_id, name, owner, status FROM group_chat
        WHERE NOT dismissed AND chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(chatIds)])}::jsonb))`);
      return result.rows.map(toOwnedGroup);
    },

    /** How many live groups each of these employees owns. */
    async groupCounts(owners: string[], tx: DbOrTx = db): Promise<Map<string, number>> {
      if (owners.length === 0) return new Map();
      const result = await tx.execute<{ owner: string; count: number }>(sql`
        SELECT owner, count(*)::int AS count FROM group_chat
        WHERE NOT dismissed AND owner IN (SELECT jsonb_array_elements_text(${JSON.stringify(owners)}::jsonb)) GROUP BY owner`);
      return new Map(result.rows.map((row) => [row.owner, Number(row.count)]));
    },

    /** Those of these employees who own a live group WeCom lists as awaiting inheritance (groupchat/list status 1: its owner resigned). */
    async ownersAwaitingInheritance(owners: string[], tx: DbOrTx = db): Promise<string[]> {
      if (owners.length === 0) return [];
      const result = await tx.execute<{ owner: string }>(sql`
        SELECT DISTINCT owner FROM group_chat
        WHERE NOT dismissed AND status = 1 AND owner IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(owners)])}::jsonb))`);
      return result.rows.map((row) => row.owner);
    },

    /** WeCom took the transfer: the group shows its new owner at once (resigned: inherited, status 3). */
    async ownerChanged(tx: DbOrTx, chatIds: string[], newOwner: string, inherited: boolean): Promise<void> {
      if (chatIds.length === 0) return;
      await tx.execute(sql`
        UPDATE group_chat SET owner = ${newOwner}, status = ${inherited ? 3 : sql`status`}, mtime = now(), muser = 'wecom'
        WHERE chat_id IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(chatIds)])}::jsonb))`);
    },
  };
}

export type GroupTransfers = ReturnType<typeof createGroupTransfers>;
