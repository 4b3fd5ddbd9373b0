// Which code applies which WeCom callback event. Modules register handlers at start-up
// (`deps.events.registerEventHandler(...)`); the event worker runs them.
import type { WecomEvent } from '@scrm/wecom';
import type { Tx } from '../../platform/db/database.ts';
import type { Wecom } from '../../platform/wecom.ts';
import type { EventWorker } from './event-worker.ts';

/** Event (the XML's Event / InfoType) and optionally ChangeType; arrays mean "any of". */
export interface EventMatcher {
  event: string | readonly string[];
  changeType?: string | readonly string[];
}

export interface EventFetchContext {
  /** The configured WeCom client: fetch the authoritative state here (notify, then fetch). */
  wecom: Wecom;
  /** The wx_event row id. */
  eventId: number;
  /** How many times this event has been claimed, this one included (1 on the first try). */
  attempt: number;
  now: () => number;
}

export interface EventHandlerContext extends EventFetchContext {
  /**
   * The transaction `apply` runs in. Every handler of the event applies in this one transaction, and the
   * event is marked done in it too: either all of it takes effect exactly once, or none of it (and the
   * event is retried). Use only `tx` here: no WeCom calls and no queries outside it (with the embedded
   * database, another connection's query waits for this transaction to end).
   */
  tx: Tx;
}

/**
 * Applies one kind of event, in two steps:
 * - `fetch` (optional, outside any transaction) — *notify, then fetch*: treat the event as "something
 *   about X changed" and read X from WeCom (`ctx.wecom.client…get(...)`). Never trust event order or the
 *   event's own fields beyond ids: a late, replayed or redelivered event must not undo a newer state.
 * - `apply` (in the event's transaction) — write what was fetched. Idempotent: applying the same event
 *   twice leaves the same state (upserts, not inserts).
 * Throw from either to fail: nothing is written, and the event is retried with backoff, then dead-lettered.
 * Errors that retrying cannot fix (e.g. WeCom 84061 "not external contact") should become a fetched value
 * ("gone"), not a throw.
 * Events about the same entity (see `entityOf`) are never fetched and applied at the same time, on any
 * replica (an advisory lock is held around both steps), so a later event fetches a later state.
 */
export interface EventHandler<T = unknown> {
  fetch?(event: WecomEvent, ctx: EventFetchContext): Promise<T>;
  /**
   * What `fetch` reads (e.g. the userid). Several events of one entity claimed together with the same key
   * share one fetch — made after all of them arrived, so it is the newest state for each.
   */
  fetchKey?(event: WecomEvent): string;
  apply(event: WecomEvent, fetched: T, ctx: EventHandlerContext): Promise<void>;
}

/**
 * The one-step form: runs inside the event's transaction and may call WeCom there (`ctx.wecom`). Simpler,
 * but it holds the transaction open during the WeCom call; prefer `{ fetch, apply }`. The worker makes
 * sure the access token is cached before the transaction starts.
 */
export type EventHandlerFunction = (event: WecomEvent, ctx: EventHandlerContext) => Promise<void>;

interface Registration {
  name: string;
  matcher: EventMatcher | ((event: WecomEvent) => boolean);
  handler: EventHandler<any>;
  inTransaction: boolean;
}

export interface EventRegistry {
  /**
   * Registers a handler; `name` shows in logs and errors. Handlers of one event run in registration order
   * (all fetches, then all applies in one transaction).
   */
  registerEventHandler<T>(
    matcher: EventMatcher | ((event: WecomEvent) => boolean),
    handler: EventHandler<T> | EventHandlerFunction,
    options?: { name?: string },
  ): void;
  /** Matching handlers, one-step functions turned into `{ apply }` (flagged `inTransaction`). */
  handlersFor(event: WecomEvent): Array<{ name: string; handler: EventHandler<unknown>; inTransaction: boolean }>;
  /** The worker applying events in this process (set by the portal module; tests and tools use it). */
  worker: EventWorker | undefined;
}

/** The wire name of an event: `Event` (or `InfoType`), also for events the SDK does not know. */
export const eventNameOf = (event: WecomEvent): string => (event.kind === 'unknown' ? event.event : event.kind);

const matches = (value: string | undefined, wanted: string | readonly string[] | undefined) =>
  wanted === undefined || (typeof wanted === 'string' ? value === wanted : value !== undefined && wanted.includes(value));

export function createEventRegistry(): EventRegistry {
  const registrations: Registration[] = [];
  return {
    worker: undefined,
    registerEventHandler(matcher, handler, options = {}) {
      const name = options.name ?? (typeof matcher === 'function' ? 'handler' : `${[matcher.event].flat().join('|')}:${[matcher.changeType ?? '*'].flat().join('|')}`);
      const inTransaction = typeof handler === 'function';
      const normalised: EventHandler<any> = typeof handler === 'function' ? { apply: (event, _fetched, ctx) => handler(event, ctx) } : handler;
      registrations.push({ name, matcher, handler: normalised, inTransaction });
    },
    handlersFor(event) {
      const name = eventNameOf(event);
      return registrations
        .filter(({ matcher }) => (typeof matcher === 'function' ? matcher(event) : matches(name, matcher.event) && matches(event.changeType, matcher.changeType)))
        .map(({ name: handlerName, handler, inTransaction }) => ({ name: handlerName, handler, inTransaction }));
    },
  };
}

/**
 * What an event is about, for serialising events of the same entity: the customer for external-contact
 * events, the chat, the tag, the member or the department.
 */
export function entityOf(event: WecomEvent): string {
  switch (event.kind) {
    case 'change_external_contact':
      return `customer:${event.externalUserId}`;
    case 'change_external_chat':
      return `chat:${event.chatId}`;
    case 'change_external_tag':
      return `tag:${event.id}`;
    case 'change_contact':
      if ('userId' in event) return `user:${event.userId}`;
      if (event.changeType === 'update_tag') return `contact-tag:${event.tagId}`;
      return `party:${event.id}`;
    case 'customer_acquisition':
      return `link:${event.linkId ?? ''}`;
    default:
      return `event:${event.event}:${event.changeType ?? ''}`;
  }
}
