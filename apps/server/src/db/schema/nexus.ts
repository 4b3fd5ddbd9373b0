import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, ref, time } from './columns.ts';

/** A Nexus (HR system) department id ↔ the system department it created. */
export const nexusDeptMap = pgTable(
  'nexus_dept_map',
  {
    nexusDeptId: text().primaryKey(),
    deptId: ref().notNull(),
    ctime: time().notNull().defaultNow(),
    mtime: time().notNull().defaultNow(),
  },
  (t) => [uniqueIndex('nexus_dept_map_dept_uq').on(t.deptId)],
);

/** Users created or last updated by Nexus, with Nexus's own user id when it sends one. */
export const nexusUserMap = pgTable(
  'nexus_user_map',
  {
    userId: ref().primaryKey(),
    nexusUserId: text(),
    ctime: time().notNull().defaultNow(),
    mtime: time().notNull().defaultNow(),
  },
  (t) => [uniqueIndex('nexus_user_map_nexus_user_uq').on(t.nexusUserId)],
);

/** Nonces of signed Nexus requests, kept until their timestamp leaves the accepted window. */
export const nexusNonce = pgTable(
  'nexus_nonce',
  {
    nonce: text().primaryKey(),
    expiresAt: time().notNull(),
  },
  (t) => [index('nexus_nonce_expires_idx').on(t.expiresAt)],
);

/**
 * An SSO pairing: a Nexus token exchanged for an SCRM token. The SCRM token carries `sid` = id; it is
 * refused once the pairing expires (12 h) or either side logs out. Tokens are never stored, only a hash of
 * the Nexus token so a logout from Nexus finds its pairings.
 */
export const nexusSsoSession = pgTable(
  'nexus_sso_session',
  {
    id: text().primaryKey(),
    userId: ref().notNull(),
    nexusTokenHash: text().notNull(),
    ctime: time().notNull().defaultNow(),
    expiresAt: time().notNull(),
    revokedAt: time(),
    revokedBy: text(),
  },
  (t) => [index('nexus_sso_session_token_idx').on(t.nexusTokenHash), index('nexus_sso_session_expires_idx').on(t.expiresAt)],
);

/** Who changed what: one row per changed record, with its state before and after. */
export const sysAuditLog = pgTable(
  'sys_audit_log',
  {
    id: id(),
    /** The Nexus app key for pushes from Nexus; the username for changes made in SCRM. */
    actor: text().notNull(),
    /** e.g. nexus.dept.create, nexus.user.disable, nexus.sso.login */
    action: text().notNull(),
    targetType: text().notNull(),
    targetId: text(),
    before: jsonb(),
    after: jsonb(),
    requestId: text(),
    ctime: time().notNull().defaultNow(),
  },
  (t) => [
    index('sys_audit_log_ctime_idx').on(t.ctime),
    index('sys_audit_log_target_idx').on(t.targetType, t.targetId),
    index('sys_audit_log_action_idx').on(t.action),
  ],
);
