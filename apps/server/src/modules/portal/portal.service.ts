import { XMLValidator } from 'fast-xml-parser';
import { CallbackCryptoError, EventParseError, eventKey, parseCallbackEvent, type CallbackCrypto, type CallbackQuery, type WecomEvent } from '@scrm/wecom';
import type { Wecom } from '../../platform/wecom.ts';
import { AppError, BadRequest, Forbidden, NotFound } from '../../platform/http/errors.ts';
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

/** The callback pipeline (verify → decrypt → parse → store → wake the worker) and the event admin. */
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
    const event = parse(xml);
    const key = eventKey(event);
    const name = eventNameOf(event);
    const id = await deps.events.insert(
      {
        eventKey: key,
        corpId: deps.wecom.corpId,
        event: name,
        changeType: event.changeType,
        xml,
        payload: event,
        createTime: Number.isFinite(event.createTime) && event.createTime > 0 ? new Date(event.createTime * 1000) : null,
        source,
      },
      new Date(deps.now()),
    );
    if (id !== null) deps.onStored?.();
    return { id, duplicate: id === null, eventKey: key, event: name, changeType: event.changeType ?? null };
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

    page: (query: EventPageBody) => deps.events.page(query),

    async get(id: number): Promise<EventRow> {
      const row = await deps.events.get(id);
      if (!row) throw new NotFound('wxEvent', id);
      return row;
    },

    async replay(ids: number[]): Promise<{ replayed: number; ids: number[] }> {
      const replayed = await deps.events.replay([...new Set(ids)], new Date(deps.now()));
      if (replayed.length) deps.onStored?.();
      return { replayed: replayed.length, ids: replayed };
    },

    async jsConfig(url: string) {
      const { client, corpId, agentId } = deps.wecom;
      const [config, agentConfig] = await Promise.all([
        client.tickets.getConfigSignature(url),
        agentId ? client.tickets.getAgentConfigSignature(url) : Promise.resolve(null),
      ]).catch((error: unknown) => {
        if (error instanceof AppError) throw error;
        throw new AppError(502, 'wecomUnavailable', { detail: error instanceof Error ? error.message : String(error) });
      });
      return { corpId, agentId: agentId ?? null, config, agentConfig };
    },
  };
}

export type PortalService = ReturnType<typeof createPortalService>;
