import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allPermissionCodes } from '@scrm/shared';
import { JOB_ACCESS } from './job-access.ts';
import { DEPT_SYNC_JOB, EMP_SYNC_JOB } from '../../modules/org/org.service.ts';
import { CUSTOMER_SYNC_JOB } from '../../modules/customers/customer-sync.ts';
import { GROUP_SYNC_JOB } from '../../modules/groups/group-sync.ts';
import { CORP_TAG_SYNC_JOB } from '../../modules/tags/tags.service.ts';
import { LEAD_IMPORT_JOB } from '../../modules/leads/lead-import.ts';
import { LINK_SYNCED_JOB, TRANSFER_RESULT_JOB } from '../../modules/leads/lead-wecom.ts';

test('every kind of tracked job has the permission that starts it, a real permission code', () => {
  const kinds = [DEPT_SYNC_JOB, EMP_SYNC_JOB, CUSTOMER_SYNC_JOB, GROUP_SYNC_JOB, CORP_TAG_SYNC_JOB, LEAD_IMPORT_JOB, TRANSFER_RESULT_JOB, LINK_SYNCED_JOB];
  assert.deepEqual(Object.keys(JOB_ACCESS).sort(), [...kinds].sort());
  const codes = new Set(allPermissionCodes());
  for (const [kind, access] of Object.entries(JOB_ACCESS)) assert.ok(codes.has(access.permission), `${kind}: ${access.permission}`);
});
