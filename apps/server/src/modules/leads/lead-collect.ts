// POST /scrm/open/clue/collect: third parties send leads and what those people did (registration, page
// visits…). Signed like every open endpoint (platform/open-signature.ts); idempotent on the caller's
// request id (per app key); a phone (else WeChat id, else email) we know adds to that lead's timeline
// instead of creating a duplicate.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Db, Tx } from '../../platform/db/database.ts';
import { envelope, dateTime, optionalText } from '../../platform/http/schemas.ts';
import { translate, localeOf } from '../../platform/http/i18n.ts';
import { BadRequest } from '../../platform/http/errors.ts';
import { OPEN_SIGNATURE_DOC, type OpenApiGuard, type OpenAppIdentity } from '../../platform/open-signature.ts';
import { isUniqueViolation } from '../system/unique-violation.ts';
import type { LeadContactType } from '../../db/schema/leads.ts';
import type { LeadRepository, NewLeadEvent } from './leads.repository.ts';
import { normaliseMobile } from './lead-import-rows.ts';

export const collectEvent = z.object({
  type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).describe('registration, page_visit, or your own snake_case type'),
  occurredAt: dateTime.optional().describe('default: when received'),
  title: optionalText(255),
  url: optionalText(2048),
  data: z.record(z.string(), z.unknown()).optional().describe('anything else to show on the timeline (≤ 8 KB as JSON)'),
});

export const collectBody = z.object({
  requestId: z.string().trim().min(1).max(128).describe('your id of this request: sending it again returns the first answer and changes nothing'),
  name: optionalText(64),
  phone: optionalText(32).describe('mainland mobile; the key for recognising a known lead'),
  wechat: optionalText(64),
  email: optionalText(128),
  gender: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  company: optionalText(128),
  position: optionalText(64),
  address: optionalText(255),
  remark: optionalText(500),
  channel: optionalText(64).describe('default: the app name'),
  events: z.array(collectEvent).max(100).default([]),
});
export type CollectBody = z.output<typeof collectBody>;

export const collectResult = z.object({
  clueId: z.number(),
  created: z.boolean().describe('true: a new lead; false: added to a known lead'),
  replayed: z.boolean().describe('true: this requestId was already applied; nothing changed'),
});

export function createLeadCollectService(deps: { db: Pick<Db, 'transaction'>; leads: LeadRepository; now: () => number }) {
  const { db, leads } = deps;

  async function findKnown(tx: Tx, contacts: Array<{ type: LeadContactType; value: string }>): Promise<number | undefined> {
    for (const contact of contacts) {
      const id = await leads.system().findByPrimaryContact(tx, contact);
      if (id !== undefined) return id;
    }
    return undefined;
  }

  async function apply(app: OpenAppIdentity, body: CollectBody) {
    const phone = body.phone ? normaliseMobile(body.phone) : null;
    if (body.phone && !phone) throw new BadRequest('leadBadMobile', { value: body.phone });
    const contacts: Array<{ type: LeadContactType; value: string }> = [
      ...(phone ? [{ type: 'phone' as const, value: phone }] : []),
      ...(body.wechat ? [{ type: 'wechat' as const, value: body.wechat }] : []),
      ...(body.email ? [{ type: 'email' as const, value: body.email.toLowerCase() }] : []),
    ];
    if (contacts.length === 0) throw new BadRequest('leadCollectInvalid');
    for (const event of body.events) {
      if (event.data && JSON.stringify(event.data).length > 8192) throw new BadRequest('payloadTooLarge', { limit: '8 KB' });
    }
    const now = new Date(deps.now());
    const actor = `open:${app.appKey}`;
    return db.transaction(async (tx) => {
      // One request id at a time, on every replica.
      const done = await leads.lockCollectRequest(tx, app.appKey, body.requestId);
      if (done) return { clueId: done.leadId, created: done.created, replayed: true };

      let leadId = await findKnown(tx, contacts);
      const created = leadId === undefined;
      const events: NewLeadEvent[] = [];
      const summary = { appKey: app.appKey, appName: app.name, requestId: body.requestId, name: body.name ?? null, channel: body.channel ?? app.name };
      if (leadId === undefined) {
        leadId = await leads.insert(tx, {
          name: body.name ?? phone ?? body.wechat ?? body.email ?? '',
          gender: body.gender ?? 0,
          company: body.company ?? '',
          position: body.position ?? '',
          address: body.address ?? '',
          remark: body.remark ?? '',
          source: 'collect',
          channel: body.channel ?? app.name,
          status: 'pool',
          primaryPhone: phone,
          ctime: now,
          cuser: actor,
          mtime: now,
          muser: actor,
        });
        await leads.insertContacts(tx, contacts.map((contact) => ({ leadId: leadId!, type: contact.type, value: contact.value, isPrimary: true, ctime: now, cuser: actor })));
        events.push({ leadId, type: 'created', occurredAt: now, actor, data: { source: 'collect' } });
      } else {
        // A known lead keeps its data; contacts it lacks are added as secondary ones.
        const existing = await leads.contactsOf([leadId], tx);
        const missing = contacts.filter((contact) => !existing.some((have) => have.type === contact.type && have.value === contact.value));
        const primaryTypes = new Set(existing.filter((have) => have.primary).map((have) => have.type));
        await leads.insertContacts(
          tx,
          missing.map((contact) => ({ leadId: leadId!, type: contact.type, value: contact.value, isPrimary: !primaryTypes.has(contact.type) && contact.type !== 'phone', ctime: now, cuser: actor })),
        );
        await leads.update(tx, [leadId], { mtime: now, muser: actor });
      }
      events.push({ leadId, type: 'collected', occurredAt: now, actor, data: { ...summary, created } });
      for (const event of body.events) {
        events.push({
          leadId,
          type: event.type,
          occurredAt: event.occurredAt ?? now,
          actor,
          data: { appName: app.name, title: event.title ?? null, url: event.url ?? null, ...(event.data ? { detail: event.data } : {}) },
        });
      }
      await leads.appendEvents(tx, events);
      await leads.recordCollectRequest(tx, { appKey: app.appKey, requestId: body.requestId, leadId, created, ctime: now });
      return { clueId: leadId, created, replayed: false };
    });
  }

  return {
    /** Applies a collection request; a concurrent first insert of the same phone is retried once (then found). */
    async collect(app: OpenAppIdentity, body: CollectBody) {
      try {
        return await apply(app, body);
      } catch (error) {
        if (isUniqueViolation(error)) return apply(app, body);
        throw error;
      }
    },
  };
}

export type LeadCollectService = ReturnType<typeof createLeadCollectService>;

/** /scrm/open/clue/* — signed third-party endpoints. */
export const leadOpenRoutes = (collect: LeadCollectService, guard: OpenApiGuard) => async (app: FastifyInstance) => {
  guard.protect(app);
  app.post('/collect', {
    schema: {
      summary: '第三方的线索采集接口 (idempotent on requestId; a known phone adds to that lead\'s timeline)',
      description: OPEN_SIGNATURE_DOC,
      tags: ['open'],
      body: collectBody,
      response: { 200: envelope(collectResult) },
    },
    handler: async (request) => {
      const date = await collect.collect(request.openApp!, request.body as CollectBody);
      return { code: '200', msg: translate('ok', localeOf(request.headers['accept-language'])), date };
    },
  });
};
