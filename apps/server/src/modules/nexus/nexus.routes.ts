import type { FastifyInstance } from 'fastify';
import { keepRawJsonBodies } from '../../platform/http/raw-body.ts';
import { z } from 'zod';
import { AppError, BadRequest } from '../../platform/http/errors.ts';
import { localeOf, translate } from '../../platform/http/i18n.ts';
import { envelope } from '../../platform/http/schemas.ts';
import { nonceExpiry, type NonceStore } from '../../platform/signed-request.ts';
import { checkNexusSignature, NEXUS_HEADERS } from './nexus-signature.ts';
import type { NexusCall, NexusService } from './nexus.service.ts';
import {
  batchUpdateDeptBody, batchUpdateDeptResult, deleteByEmpNoBody, deleteByEmpNoResult, deptDeleteBody, deptDeleteResult,
  deptRecord, deptSaveBody, ssoBody, ssoLogoutBody, ssoLogoutResult, ssoResult, userAddBody, userRecord, userUpdateBody,
} from './nexus.schemas.ts';

export const NEXUS_SIGNATURE_DOC = [
  'Server-to-server from Nexus; no `token`. Every request is signed with these headers:',
  '`x-nexus-key`: the app key (NEXUS_APP_KEY);',
  '`x-nexus-timestamp`: unix time in seconds, within ±300 s of the server clock;',
  '`x-nexus-nonce`: 8–64 characters [A-Za-z0-9_-], never reused within the window;',
  '`x-nexus-signature`: lowercase hex HMAC-SHA256 keyed with NEXUS_SECRET over the UTF-8 string',
  '`${METHOD}\\n${pathAndQuery}\\n${timestamp}\\n${nonce}\\n${rawBody}` — METHOD upper case (POST), pathAndQuery the request target',
  'exactly as sent (e.g. `/scrm/nexus/dept/save`), rawBody the body bytes exactly as sent; Content-Type: application/json.',
  'The legacy form `${timestamp}\\n${nonce}\\n${rawBody}` is accepted only while NEXUS_LEGACY_SIGNATURE=accept.',
  'Failures answer 401 with the reason in `msg`; 503 when NEXUS_APP_KEY / NEXUS_SECRET are not configured.',
].join(' ');

const signatureHeaders = z.looseObject({
  [NEXUS_HEADERS.key]: z.string().optional().describe('app key'),
  [NEXUS_HEADERS.timestamp]: z.string().optional().describe('unix seconds'),
  [NEXUS_HEADERS.nonce]: z.string().optional().describe('8–64 of [A-Za-z0-9_-], single use'),
  [NEXUS_HEADERS.signature]: z.string().optional().describe('hex HMAC-SHA256(NEXUS_SECRET, `${METHOD}\\n${pathAndQuery}\\n${timestamp}\\n${nonce}\\n${rawBody}`)'),
});


export interface NexusRouteDeps {
  service: NexusService;
  /** The nonce store shared with the open API (app.ts). */
  nonces: Pick<NonceStore, 'consume'>;
  credentials: { appKey: string; secret: string } | null;
  /** NEXUS_LEGACY_SIGNATURE=accept: the legacy form (no method, no path) is still accepted. */
  acceptLegacySignature: boolean;
  now: () => number;
}

/** `/scrm/nexus/*`: signed pushes from Nexus (HR sync) and single sign-on. */
export const nexusRoutes = (deps: NexusRouteDeps) => async (app: FastifyInstance) => {
  const bodyOf = keepRawJsonBodies(app);
  let legacyNoticed = false;

  app.addHook('preValidation', async (request) => {
    if (!deps.credentials) throw new AppError(503, 'nexusNotConfigured');
    const body = bodyOf(request);
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const check = checkNexusSignature(
      deps.credentials,
      {
        key: header(NEXUS_HEADERS.key),
        timestamp: header(NEXUS_HEADERS.timestamp),
        nonce: header(NEXUS_HEADERS.nonce),
        signature: header(NEXUS_HEADERS.signature),
      },
      { method: request.method, target: request.url, rawBody: body.raw },
      deps.now(),
      { acceptLegacy: deps.acceptLegacySignature },
    );
    if (!check.ok) throw new AppError(401, check.failure);
    // A nonce is remembered until its timestamp leaves the window; after that the timestamp alone refuses it.
    if (!(await deps.nonces.consume(`nexus:${deps.credentials.appKey}`, check.nonce, nonceExpiry(check.timestamp)))) throw new AppError(401, 'nexusReplayedNonce');
    if (check.legacy && !legacyNoticed) {
      legacyNoticed = true;
      request.log.warn('Nexus signed a request in the legacy form (no method, no path), accepted because NEXUS_LEGACY_SIGNATURE=accept: move Nexus to the current form, then remove the setting');
    }
    if (body.invalidJson) throw new BadRequest('nexusInvalidJson');
  });

  const signed = <B extends z.ZodType, R extends z.ZodType>(
    url: string,
    summary: string,
    body: B,
    response: R,
    handler: (call: NexusCall, body: z.output<B>) => Promise<z.output<R>>,
  ) =>
    app.post(url, {
      schema: { summary, description: NEXUS_SIGNATURE_DOC, tags: ['nexus'], headers: signatureHeaders, body, response: { 200: envelope(response) } },
      handler: async (request) => {
        const call = { actor: deps.credentials!.appKey, requestId: request.id };
        const date = await handler(call, request.body as z.output<B>);
        return { code: '200', msg: translate('ok', localeOf(request.headers['accept-language'])), date };
      },
    });

  const { service } = deps;
  signed('/dept/save', '新增或修改部门数据 (by Nexus dept id; a new parentId moves the subtree)', deptSaveBody, deptRecord, (call, body) =>
    service.saveDept(call, body),
  );
  signed('/dept/delete', '删除部门及部门下用户信息 (users disabled, not erased)', deptDeleteBody, deptDeleteResult, (call, body) =>
    service.deleteDept(call, body.deptId, body.cascade),
  );
  signed('/user/add', '同步用户信息,新增', userAddBody, userRecord, (call, body) => service.addUser(call, body));
  signed('/user/update', '修改用户信息 (by empNo)', userUpdateBody, userRecord, (call, body) => service.updateUser(call, body));
  signed('/user/batchUpdateDept', '批量修改员工部门信息', batchUpdateDeptBody, batchUpdateDeptResult, (call, body) =>
    service.batchUpdateDept(call, body.empNos, body.deptId),
  );
  signed('/user/deleteByEmpNo', '同步删除用户信息根据工号 (disabled, tokens revoked)', deleteByEmpNoBody, deleteByEmpNoResult, (call, body) =>
    service.deleteByEmpNos(call, body.empNos),
  );
  signed('/sso', '单点登录: Nexus token ↔ SCRM token, paired for 12 hours', ssoBody, ssoResult, (call, body) =>
    service.ssoLogin(call, body.nexusToken, body.empNo),
  );
  signed('/sso/logout', '单点登出 (from Nexus): ends the pairings of a Nexus token', ssoLogoutBody, ssoLogoutResult, (call, body) =>
    service.ssoLogoutByNexusToken(call, body.nexusToken),
  );
};
