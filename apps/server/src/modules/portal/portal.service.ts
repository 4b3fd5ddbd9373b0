import type { RequestContext } from '../../platform/auth/context.ts';
import { asWecomError, readStoredFailure } from '../../platform/wecom-errors.ts';
import type { Locale } from '../../platform/http/i18n.ts';
import { createHash } from 'node:crypto';
import { XMLValidator } from 'fast-xml-parser';
import { CallbackCryptoError, EventParseError, eventKey, parseCallbackEvent, type CallbackCrypto, type CallbackQuery, type WecomEvent } from '@scrm/wecom';
import type { Wecom } from '../../platform/wecom.ts';
import { AppError, BadRequest, Forbidden, InvalidField, NotFound } from '../../platform/http/errors.ts';
import { isUnsafeString, toStorableText } from '../../platform/http/hostile-input.ts';
import { eventNameOf } from './event-registry.ts';
import type { EventRepository, EventRow } from './event.repository.ts';
import type { EventPageBody } from './portal.schemas.ts';

export interface StoredEvent {
  id: number | null;
  duplicate: boolean;
  eventKey: string;
  event: string;
  changeType: string | null;
}

/** `<Encrypt><![CDATA[…]]></Encrypt>` as WeCom sends it; anything else goes through the SDK's XML parser. */
const ENCRYPT_ELEMENT = /<Encrypt>\s*<!\[CDATA\[([A-Za-z0-9+/=]*)\]\]>\s*<\/Encrypt>/;

/** The SDK's openCallback, without parsing the envelope as XML in the usual case (the hot path). */
function openCallback(crypto: CallbackCrypto, query: CallbackQuery, body: string): string {
  const encrypted = ENCRYPT_ELEMENT.exec(body)?.[1];
  if (encrypted === undefined || body.indexOf('<Encrypt>') !== body.lastIndexOf('<Encrypt>')) return crypto.openCallback(query, body);
  if (!crypto.verify(query.msg_signature, query.timestamp, query.nonce, encrypted)) throw new CallbackCryptoError('bad_signature', 'signature mismatch');
  return crypto.decrypt(encrypted);
}

/** Keys and names longer than these do not fit the btree indexes (2,704 bytes a row) with room to spare. */
const MAX_EVENT_KEY_BYTES = 1024;
const MAX_EVENT_NAME_CHARS = 128;

/**
 * An event whose key or names cannot be indexed (a 300 KB ExternalUserID) or whose text PostgreSQL cannot store
 * (NUL, lone surrogates): kept with a bounded key (a hash of the whole key, so a redelivery is still recognised)
 * and clean text, as a dead letter — never applied, visible in the event list, replayable — and answered
 * `success`, so WeCom does not retry something that can never succeed.
 */
function boundedEvent(key: string, name: string, changeType: string | undefined, xml: string) {
  const reasons: string[] = [];
  if (Buffer.byteLength(key) > MAX_EVENT_KEY_BYTES || name.length > MAX_EVENT_NAME_CHARS || (changeType?.length ?? 0) > MAX_EVENT_NAME_CHARS) {
    reasons.push(`over-long ids or names (event key of ${Buffer.byteLength(key)} bytes): stored under a hashed key, not applied`);
  }
  if (isUnsafeString(xml)) reasons.push('NUL or unpaired surrogate characters (replaced by U+FFFD): not applied');
  if (!reasons.length) return null;
  const clean = (text: string, max: number) => toStorableText(text).slice(0, max);
  return {
    key: `oversized:${createHash('sha256').update(key).digest('hex')}`,
    name: clean(name, MAX_EVENT_NAME_CHARS),
    changeType: changeType === undefined ? undefined : clean(changeType, MAX_EVENT_NAME_CHARS),
    xml: toStorableText(xml),
    reason: reasons.join('; '),
  };
}

/** The callback pipeline (verify → decrypt → parse → store → wake the worker) and the event admin. */
/**
 * An event's last error as the operator reads it: a WeCom failure in words in `locale`, its raw code and errmsg as
 * `lastErrorDetail` (stored as data by the worker; older rows hold the client's message behind the error's name).
 */
function withReadableError<R extends Pick<EventRow, 'lastError'>>(row: R, locale: Locale): R & { lastErrorDetail: string | null } {
  const stored = row.lastError?.replace(/^Wecom(Api|Request)Error: (?=WeCom )/, '') ?? null;
  const readable = readStoredFailure(stored, locale);
  return { ...row, lastError: readable?.message ?? null, lastErrorDetail: readable?.detail ?? null };
}

export function createPortalService(deps: {
  wecom: Pick<Wecom, 'crypto' | 'corpId' | 'client' | 'agentId'>;
  events: EventRepository;
  now: () => number;
  /** Called after a new event is stored. */
  onStored?: () => void;
}) {
  function cryptoError(error: unknown): never {
    if (error instanceof CallbackCryptoError) {
      if (error.code === 'bad_signature') throw new Forbidden('callbackBadSignature');
      if (error.code === 'bad_receive_id') throw new BadRequest('callbackWrongCorp');
      throw new BadRequest('callbackUndecryptable', { reason: error.code });
    }
    throw error;
  }

  function parse(xml: string): WecomEvent {
    if (XMLValidator.validate(xml) !== true) throw new BadRequest('callbackMalformed');
    try {
      return parseCallbackEvent(xml);
    } catch (error) {
      if (error instanceof EventParseError) throw new BadRequest('callbackMalformed');
      throw error;
    }
  }

  async function store(xml: string, source: 'callback' | 'test'): Promise<StoredEvent> {
    // An administrator's test event is input like any other; only WeCom's signed callbacks are kept whatever they hold.
    if (source === 'test' && isUnsafeString(xml)) throw new InvalidField('body', 'invalidCharacters');
    const event = parse(xml);
    let key = eventKey(event);
    let name = eventNameOf(event);
    let changeType = event.changeType;
    let payload: WecomEvent = event;
    const bounded = boundedEvent(key, name, changeType, xml);
    if (bounded) {
      ({ key, name, changeType, xml } = bounded);
      payload = JSON.parse(JSON.stringify(event), (_field, value: unknown) => (typeof value === 'string' ? toStorableText(value) : value)) as WecomEvent;
    }
    const id = await deps.events.insert(
      {
        eventKey: key,
        corpId: deps.wecom.corpId,
        event: name,
        changeType,
        xml,
        payload,
        createTime: Number.isFinite(event.createTime) && event.createTime > 0 ? new Date(event.createTime * 1000) : null,
        source,
        deadLetter: bounded?.reason,
      },
      new Date(deps.now()),
    );
    if (id !== null && !bounded) deps.onStored?.();
    return { id, duplicate: id === null, eventKey: key, event: name, changeType: changeType ?? null };
  }

  return {
    /** GET /wx/portal: the echostr plaintext, to be answered exactly. */
    verifyUrl(query: CallbackQuery & { echostr: string }): string {
      try {
        return deps.wecom.crypto.verifyUrl(query);
      } catch (error) {
        return cryptoError(error);
      }
    },

    /** POST /wx/portal: nothing is stored unless the signature, the corp id and the XML are all right. */
    async receive(query: CallbackQuery, body: string): Promise<StoredEvent> {
      let xml: string;
      try {
        xml = openCallback(deps.wecom.crypto, query, body);
      } catch (error) {
        return cryptoError(error);
      }
      return store(xml, 'callback');
    },

    /** POST /wx/portal/test: plaintext XML through the same pipeline. */
    receivePlaintext(xml: string): Promise<StoredEvent> {
      return store(xml, 'test');
    },

    async page(ctx: RequestContext, query: EventPageBody) {
      const result = await deps.events.page(query);
      return { ...result, records: result.records.map((row) => withReadableError(row, ctx.locale)) };
    },

    async get(ctx: RequestContext, id: number) {
      const row = await deps.events.get(id);
      if (!row) throw new NotFound('wxEvent', id);
      return withReadableError(row, ctx.locale);
    },

    async replay(_ctx: RequestContext, ids: number[]): Promise<{ replayed: number; ids: number[] }> {
      const replayed = await deps.events.replay([...new Set(ids)], new Date(deps.now()));
      if (replayed.length) deps.onStored?.();
      return { replayed: replayed.length, ids: replayed };
    },

    async jsConfig(_ctx: RequestContext, url: string) {
      const { client, corpId, agentId } = deps.wecom;
      const [config, agentConfig] = await Promise.all([
        client.tickets.getConfigSignature(url),
        agentId ? client.tickets.getAgentConfigSignature(url) : Promise.resolve(null),
      ]).catch((error: unknown) => {
        if (error instanceof AppError) throw error;
        const translated = asWecomError(error);
        if (translated !== error) throw translated;
        throw new AppError(502, 'wecomUnavailable', { detail: error instanceof Error ? error.message : String(error) });
      });
      return { corpId, agentId: agentId ?? null, config, agentConfig };
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
