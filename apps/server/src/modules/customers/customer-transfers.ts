// Transfers SCRM asks WeCom for (the lifecycle module's 在职继承 / 离职继承, which the leads module's 在职转接 goes through). WeCom takes them at once but settles
// them later (the customer has 24 h to refuse), and sends no callback for the request: so the handover
// employee's relation shows the transfer as pending (transfer_to) in the same operation, and the settlement —
// the transfer_result poll, or the transfer_fail / del_external_contact callbacks — ends it. Each write is
// idempotent: applying a settlement twice, or after the callback already ended the relation, changes nothing.
// mtime is left alone on a pending mark (the full sync tells seen relations from gone ones by it).
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/database.ts';

export interface TransferRequest {
  externalUserid: string;
  handoverUserid: string;
  takeoverUserid: string;
}

export interface TransferSettlement extends TransferRequest {
  outcome: 'completed' | 'failed';
  /** Why it failed (customer_refused, customer_limit_exceed, …). */
  reason?: string | null;
  /** When WeCom settled it (the takeover time), for a completed transfer. */
  at: Date;
}

/** A relation a transfer may move: the handover employee's active relation with the customer. */
export interface HandoverRelation {
  externalUserid: string;
  customerName: string;
  /** Set while the employee has left and the relation awaits 离职继承. */
  unassignedSince: Date | null;
  /** A pending transfer's takeover employee. */
  transferTo: string | null;
}

const toHandoverRelation = (row: Record<string, unknown>): HandoverRelation => ({
  externalUserid: row.external_userid as string,
  customerName: (row.customer_name as string | null) ?? '',
  unassignedSince: row.unassigned_since ? new Date(row.unassigned_since as string) : null,
  transferTo: (row.transfer_to as string | null) ?? null,
});

export function createCustomerTransfers(db: DbOrTx) {
  return {
    /**
     * The handover employee's active relations (unscoped: the caller checked the scope by the employee), among
     * `externalUserids` or all of them; with the customer's name.
     */
    async handoverRelations(handoverUserid: string, externalUserids: string[] | 'all', tx: DbOrTx = db): Promise<HandoverRelation[]> {
      if (externalUserids !== 'all' && externalUserids.length === 0) return [];
      const among = externalUserids === 'all' ? sql`` : sql`AND r.external_userid IN (SELECT jsonb_array_elements_text(${JSON.stringify(externalUserids)}::jsonb))`;
      const result = await tx.execute(sql`
        SELECT r.external_userid, c.name AS customer_name, r.unassigned_since, r.transfer_to
        FROM customer_relation r LEFT JOIN customer c ON c.external_userid = r.external_userid
        WHERE r.userid = ${handoverUserid} AND r.status = 'active' ${among}
        ORDER BY r.createtime DESC, r.id DESC`);
      return result.rows.map(toHandoverRelation);
    },

    /** Customers' names by external userid (empty string when SCRM has no name). */
    async customerNames(externalUserids: string[], tx: DbOrTx = db): Promise<Map<string, string>> {
      if (externalUserids.length === 0) return new Map();
      const result = await tx.execute<{ external_userid: string; name: string }>(sql`
        SELECT external_userid, name FROM customer WHERE external_userid IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(externalUserids)])}::jsonb))`);
      return new Map(result.rows.map((row) => [row.external_userid, row.name]));
    },

    /** How many active relations awaiting 离职继承 each departed employee has. */
    async unassignedCounts(userids: string[], tx: DbOrTx = db): Promise<Map<string, number>> {
      if (userids.length === 0) return new Map();
      const result = await tx.execute<{ userid: string; count: number }>(sql`
        SELECT userid, count(*)::int AS count FROM customer_relation
        WHERE status = 'active' AND unassigned_since IS NOT NULL AND userid IN (SELECT jsonb_array_elements_text(${JSON.stringify(userids)}::jsonb))
        GROUP BY userid`);
      return new Map(result.rows.map((row) => [row.userid, Number(row.count)]));
    },

    /** Transfers WeCom accepted: each handover relation shows the takeover employee as pending. */
    async requested(tx: DbOrTx, requests: TransferRequest[], at: Date): Promise<number> {
      if (requests.length === 0) return 0;
      const input = JSON.stringify(requests.map((request) => ({ external_userid: request.externalUserid, handover: request.handoverUserid, takeover: request.takeoverUserid })));
      const result = await tx.execute(sql`
        UPDATE customer_relation r SET transfer_to = x.takeover, transfer_requested_at = ${at.toISOString()}::timestamptz, transfer_fail_reason = NULL
        FROM jsonb_to_recordset(${input}::jsonb) AS x(external_userid text, handover text, takeover text)
        WHERE r.external_userid = x.external_userid AND r.userid = x.handover AND r.status = 'active'`);
      return result.rowCount ?? 0;
    },

    /**
     * A transfer settled: completed ends the handover relation as transferred (the takeover's relation comes
     * with the customer's next read from WeCom — the del_external_contact callback's); failed clears the
     * pending mark and keeps why.
     */
    async settled(tx: DbOrTx, settlement: TransferSettlement): Promise<void> {
      const relation = sql`external_userid = ${settlement.externalUserid} AND userid = ${settlement.handoverUserid} AND status = 'active'`;
      if (settlement.outcome === 'completed') {
        await tx.execute(sql`UPDATE customer_relation SET status = 'transferred', lost_at = GREATEST(${settlement.at.toISOString()}::timestamptz, createtime),
            lost_by = NULL, transfer_to = NULL, mtime = now(), muser = 'wecom'
          WHERE ${relation}`);
        // Ended already by the del_external_contact callback: its mark goes too.
        await tx.execute(sql`UPDATE customer_relation SET transfer_to = NULL
          WHERE external_userid = ${settlement.externalUserid} AND userid = ${settlement.handoverUserid} AND transfer_to = ${settlement.takeoverUserid}`);
        return;
      }
      await tx.execute(sql`UPDATE customer_relation SET transfer_to = NULL, transfer_fail_reason = ${settlement.reason ?? 'unknown'}
        WHERE ${relation} AND transfer_to = ${settlement.takeoverUserid}`);
    },
  };
}

export type CustomerTransfers = ReturnType<typeof createCustomerTransfers>;
