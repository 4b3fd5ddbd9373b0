import { InvalidField } from '../../platform/http/errors.ts';
import { ineligibleReason, type IneligibleReason, type OrgRepository } from './org.repository.ts';
import './org.messages.ts';

/** The message that says why an employee cannot take customers, and what to do (org.messages.ts). */
const MESSAGE_OF: Record<IneligibleReason, string> = {
  unknown: 'empIneligibleUnknown',
  left: 'empIneligibleLeft',
  disabled: 'empIneligibleDisabled',
  notActivated: 'empIneligibleNotActivated',
  noCustomerContact: 'empIneligibleNoCustomerContact',
};

/**
 * Refuses (400 on the pick's field) the first employee picked who cannot take customers — not in the mirror,
 * departed, disabled, not activated, or without 客户联系 — naming the employee and saying why, so an operator fixes it
 * before WeCom refuses it with its own text (84074 …). Pickers offer only eligible employees (listByName?eligible=true).
 */
export async function assertEligibleEmployees(org: Pick<OrgRepository, 'employeeStates'>, picks: Array<{ userid: string; field: string }>): Promise<void> {
  const states = await org.employeeStates([...new Set(picks.map((pick) => pick.userid))]);
  for (const { userid, field } of picks) {
    const state = states.get(userid);
    const reason = ineligibleReason(state);
    if (reason) throw new InvalidField(field, MESSAGE_OF[reason], { name: state?.name || userid, userid });
  }
}
