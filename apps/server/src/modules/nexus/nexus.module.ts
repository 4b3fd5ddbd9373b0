import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import type { Db } from '../../platform/db/database.ts';
import type { UserRepository } from '../system/user.repository.ts';
import type { DeptRepository } from '../system/dept.repository.ts';
import { createAuditLogRepository } from './audit-log.repository.ts';
import { createNexusRepository } from './nexus.repository.ts';
import { createNexusService, createSsoRevocationCheck } from './nexus.service.ts';
import { nexusRoutes } from './nexus.routes.ts';
import { nexusAdminRoutes } from './nexus-admin.routes.ts';
import './nexus.messages.ts';

/**
 * 对接 Nexus: the company's HR/SSO system pushes departments and employees and signs users in
 * (`/scrm/nexus/*`, signed); the audit log and SSO logout for the console (`/scrm/admin/*`).
 * Registered with prefix `/scrm`. The system module's repositories come from the composition root.
 */
export const nexusModule = (
  deps: ModuleDeps,
  system: { users: UserRepository; depts: DeptRepository; departures?: Parameters<typeof createNexusService>[0]['departures'] },
) => async (app: FastifyInstance) => {
  const nexus = createNexusRepository(deps.db);
  const audit = createAuditLogRepository(deps.db);
  const service = createNexusService({
    db: deps.db,
    nexus,
    audit,
    depts: system.depts,
    users: system.users,
    tokens: deps.tokens,
    now: deps.now,
    departures: system.departures,
  });
  const { NEXUS_APP_KEY: appKey, NEXUS_SECRET: secret } = deps.config;
  const credentials = appKey && secret ? { appKey, secret } : null;
  const acceptLegacySignature = deps.config.NEXUS_LEGACY_SIGNATURE === 'accept';
  await app.register(nexusRoutes({ service, nonces: deps.nonces, credentials, acceptLegacySignature, now: deps.now }), { prefix: '/nexus' });
  await app.register(nexusAdminRoutes({ service, tokens: deps.tokens }), { prefix: '/admin' });
};

/** The default AppDeps.isTokenRevoked: SSO tokens die with their pairing. */
export const ssoRevocationCheck = (db: Db, now: () => number) => createSsoRevocationCheck(createNexusRepository(db), now);
