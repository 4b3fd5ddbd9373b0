// change_external_contact callbacks (API-FACTS §14.1), applied by "notify, then fetch": the event says
// which customer changed; externalcontact/get says what is true now. Applying an event twice, or late, or
// out of order, leaves the same rows.
import { WecomApiError, type ExternalContactEvent, type ExternalContactGetResponse, type WecomClient } from '@scrm/wecom';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { customerRowOf, relationRowOfFollowUser } from './wecom-mapping.ts';

/** externalcontact/get errcodes meaning "no such customer (any more)": 40096 invalid id, 84061 no relation. */
const GONE_ERRCODES = new Set([40096, 84061]);

export interface CustomerEventDeps {
  writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations' | 'endRelation' | 'attributeLoss' | 'recordTransferFailure'>;
  now: () => number;
}

/** The customer as WeCom has it now, or null when WeCom no longer knows them. */
export async function fetchCustomer(wecom: Pick<WecomClient, 'externalContact'>, externalUserid: string): Promise<ExternalContactGetResponse | null> {
  try {
    return await wecom.externalContact.getWithAllFollowUsers(externalUserid);
  } catch (error) {
    if (error instanceof WecomApiError && GONE_ERRCODES.has(error.errcode)) return null;
    throw error;
  }
}

/** Stores a customer and every relation WeCom reported for them. */
export async function storeCustomer(deps: { writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations'>; now: () => number }, contact: ExternalContactGetResponse): Promise<void> {
  const externalUserid = contact.external_contact.external_userid;
  await deps.writes.upsertCustomers([customerRowOf(contact.external_contact)], new Date(deps.now()));
  await deps.writes.upsertRelations(contact.follow_user.map((follow) => relationRowOfFollowUser(externalUserid, follow)));
}

/**
 * Applies one change_external_contact event given what WeCom said about the customer afterwards
 * (`fetchCustomer`, called outside the transaction; null when WeCom no longer knows them).
 */
export async function applyExternalContactEvent(deps: CustomerEventDeps, event: ExternalContactEvent, contact: ExternalContactGetResponse | null): Promise<void> {
  const key = { externalUserid: event.externalUserId, userid: event.userId };
  const at = new Date(event.createTime * 1000);
  if (contact) await storeCustomer(deps, contact);
  // A relation WeCom still has (or has again, after a re-add) did not end, whatever the event said.
  const stillFollows = contact?.follow_user.some((follow) => follow.userid === event.userId) ?? false;

  switch (event.changeType) {
    case 'add_external_contact':
    case 'add_half_external_contact':
    case 'edit_external_contact':
      return;
    case 'del_external_contact':
      if (stillFollows) return;
      if (event.source === 'DELETE_BY_TRANSFER') {
        // An on-the-job transfer moved the customer to another employee: an end, not a loss.
        await deps.writes.endRelation(key, { status: 'transferred', lostBy: null, at });
        return;
      }
      if ((await deps.writes.endRelation(key, { status: 'lost', lostBy: 'employee', at })) === 0) await deps.writes.attributeLoss(key, 'employee', at);
      return;
    case 'del_follow_user':
      if (stillFollows) return;
      if ((await deps.writes.endRelation(key, { status: 'lost', lostBy: 'customer', at })) === 0) await deps.writes.attributeLoss(key, 'customer', at);
      return;
    case 'transfer_fail':
      // UserID is the takeover employee; the customer stays with whoever still follows them.
      await deps.writes.recordTransferFailure(event.externalUserId, event.userId, event.failReason ?? 'unknown');
      return;
  }
}
