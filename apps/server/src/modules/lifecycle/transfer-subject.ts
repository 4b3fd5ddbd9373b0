import type { WecomErrorSubject } from '../../platform/wecom-errors.ts';

/** Transfer errcodes about the handover employee (the rest concern the takeover employee or the customer). */
const HANDOVER_ERRCODES = new Set([84061, 40097, 40131]);

/**
 * Whom a transfer's errcode concerns, by name (never 该成员 when the org mirror knows the employee): the handover
 * employee for the codes about them, else the takeover employee; and the customer.
 */
export function transferSubject(errcode: number, transfer: { handoverUserid: string; takeoverUserid: string }, names: Map<string, string>, customer?: string): WecomErrorSubject {
  const userid = HANDOVER_ERRCODES.has(errcode) ? transfer.handoverUserid : transfer.takeoverUserid;
  return { name: names.get(userid) ?? userid, ...(customer ? { customer } : {}) };
}
