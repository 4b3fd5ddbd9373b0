// createWecomSimulator(): a generated (or restored) corp, /cgi-bin/* and /sim/* as a Fastify plugin
// that can be mounted under any prefix, or served on its own port with listen().
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { SimulatorActions } from './actions.ts';
import { broadcastRoutes } from './api/broadcasts.ts';
import { channelRoutes } from './api/channels.ts';
import { contactRoutes } from './api/contacts.ts';
import { customerRoutes } from './api/customers.ts';
import { groupRoutes } from './api/groups.ts';
import { mediaRoutes } from './api/media.ts';
import { messageRoutes } from './api/messages.ts';
import { momentRoutes } from './api/moments.ts';
import { oauthRoutes } from './api/oauth.ts';
import { registerClientRoutes } from './client.ts';
import { operationsConfigRoutes } from './api/operations-config.ts';
import { registerApiRoutes, type ApiRoute } from './api/router.ts';
import { statisticRoutes } from './api/statistics.ts';
import { SimulatorCore, type GroupMsgOptions, type MomentOptions, type TransferOptions } from './core.ts';
import type { Delivery, DeliveryOptions } from './delivery.ts';
import type { FaultInjector, FaultOptions } from './faults.ts';
import { generateCorp, type CorpSizes } from './generator.ts';
import type { ReceiveLimitRule, SimulatorSnapshot } from './model.ts';
import { registerSimRoutes, type SimRoutesOptions } from './sim-routes.ts';
import { SimState } from './state.ts';

export const API_ROUTES: ApiRoute[] = [
  ...contactRoutes,
  ...customerRoutes,
  ...channelRoutes,
  ...groupRoutes,
  ...mediaRoutes,
  ...statisticRoutes,
  ...messageRoutes,
  ...broadcastRoutes,
  ...momentRoutes,
  ...operationsConfigRoutes,
  ...oauthRoutes,
];

export interface WecomSimulatorOptions {
  /** Seed of the demo corp and of every id the simulator issues (default 'scrm-demo'). */
  seed?: string | number;
  sizes?: Partial<CorpSizes>;
  /** Fixed credentials; derived from the seed when omitted. */
  corpId?: string;
  corpName?: string;
  secret?: string;
  contactSyncSecret?: string;
  agentId?: number;
  /** Where callbacks go, and the Token / EncodingAESKey they are signed and encrypted with. */
  callback?: { url?: string; token?: string; encodingAesKey?: string };
  /** Milliseconds since the epoch (default Date.now). */
  clock?: (() => number) | { now(): number };
  faults?: FaultOptions;
  delivery?: Partial<DeliveryOptions>;
  transfers?: Partial<TransferOptions>;
  /** 群发: how long a new task answers 41063 to get_groupmsg_task / send_result (default 0 s). */
  groupMsgs?: Partial<GroupMsgOptions>;
  /** Moments: how long add_moment_task's job runs (default 2 s). */
  moments?: Partial<MomentOptions>;
  /**
   * Mass messages one customer / group may receive (§17.2). Default: days of the month per month (the current
   * doc); `{ per: 'week' }` 7 a week, `{ per: 'day' }` 1 a day, `{ per: 'month', count: 4 }` the oldest rule.
   * Saved with the state; POST /sim/set-receive-limit changes it.
   */
  receiveLimit?: ReceiveLimitRule;
  tokenTtlSeconds?: number;
  welcomeCodeTtlSeconds?: number;
  mediaTtlSeconds?: number;
  /** Unix seconds the generated history ends at. */
  anchorTime?: number;
  /** Restore this saved state instead of generating a corp. */
  snapshot?: SimulatorSnapshot;
  /** How often due transfers are settled in the background (ms; 0 = only on requests and settle()). */
  settleIntervalMs?: number;
}

export interface SimulatorCredentials {
  corpId: string;
  corpName: string;
  agentId: number;
  secret: string;
  contactSyncSecret: string;
  token: string;
  encodingAesKey: string;
  callbackUrl: string | null;
  baseUrl: string | null;
}

export interface WecomSimulator {
  readonly state: SimState;
  readonly actions: SimulatorActions;
  /**
   * Mount with `app.register(sim.plugin, { prefix: '/wecom-sim' })`: serves /cgi-bin/* and /sim/*. Options:
   * `simGuard` (a hook run before every /sim/* route), `fixedCallbackUrl` (no POST /sim/callback).
   */
  readonly plugin: FastifyPluginAsync<SimRoutesOptions>;
  /** Every callback emitted, with its delivery attempts. */
  readonly deliveries: Delivery[];
  readonly faults: FaultInjector;
  /** The base URL after listen(), e.g. http://127.0.0.1:4100 (the SDK's apiBase). */
  readonly url: string | undefined;
  credentials(): SimulatorCredentials;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  toJSON(): SimulatorSnapshot;
  /** Replaces the whole state (tokens stay valid; deliveries history is kept). */
  fromJSON(snapshot: SimulatorSnapshot): void;
  /** Resolves when every queued callback has been delivered or has run out of retries. */
  flushDeliveries(): Promise<void>;
  setCallbackUrl(url: string | undefined): void;
  verifyCallbackUrl(): Promise<{ ok: boolean; expected: string; response?: string; error?: string }>;
  /** Settles transfers whose takeover time has passed (emits their callbacks). */
  settle(): void;
  /** Revokes every access_token now (next calls answer 42001). */
  expireTokens(): void;
  /** Requests served by /cgi-bin routes since creation. */
  readonly requestCount: number;
}

export function createWecomSimulator(options: WecomSimulatorOptions = {}): WecomSimulator {
  const clock = options.clock;
  const now = typeof clock === 'function' ? clock : clock ? () => clock.now() : () => Date.now();
  const state = options.snapshot
    ? SimState.fromJSON(options.snapshot)
    : generateCorp({
        seed: options.seed,
        sizes: options.sizes,
        anchorTime: options.anchorTime,
        corpId: options.corpId,
        corpName: options.corpName,
        secret: options.secret,
        contactSyncSecret: options.contactSyncSecret,
        agentId: options.agentId,
        token: options.callback?.token,
        encodingAesKey: options.callback?.encodingAesKey,
      });
  const core = new SimulatorCore({
    state,
    now,
    callbackUrl: options.callback?.url,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 7200,
    faults: options.faults,
    delivery: options.delivery,
    transfers: options.transfers,
    groupMsgs: options.groupMsgs,
    moments: options.moments,
    welcomeCodeTtlSeconds: options.welcomeCodeTtlSeconds ?? 20,
    mediaTtlSeconds: options.mediaTtlSeconds ?? 3 * 86_400,
  });
  if (options.receiveLimit) state.receiveLimit = { ...options.receiveLimit };
  const actions = new SimulatorActions(() => core);
  let server: FastifyInstance | undefined;
  let baseUrl: string | undefined;
  let requestCount = 0;
  const settleTimer = (options.settleIntervalMs ?? 1000) > 0 ? setInterval(() => core.settle(), options.settleIntervalMs ?? 1000) : undefined;
  settleTimer?.unref();

  const sim: WecomSimulator = {
    get state() {
      return core.state;
    },
    actions,
    plugin: async (fastify, pluginOptions) => {
      fastify.addHook('onRequest', async (request) => {
        if (request.url.includes('/cgi-bin/')) requestCount++;
      });
      registerApiRoutes(fastify, () => core, API_ROUTES);
      // The client's side (OAuth2 authorize, the chat toolbar's JS-SDK checks): unless the host leaves it out.
      if (pluginOptions.clientRoutes !== false) registerClientRoutes(fastify, () => core);
      await registerSimRoutes(fastify, sim, { simGuard: pluginOptions.simGuard, fixedCallbackUrl: pluginOptions.fixedCallbackUrl });
    },
    get deliveries() {
      return core.dispatcher.records;
    },
    faults: core.faults,
    get url() {
      return baseUrl;
    },
    get requestCount() {
      return requestCount;
    },
    credentials: () => {
      const { corp } = core.state;
      return {
        corpId: corp.corpId,
        corpName: corp.corpName,
        agentId: corp.agentId,
        secret: corp.secret,
        contactSyncSecret: corp.contactSyncSecret,
        token: corp.token,
        encodingAesKey: corp.encodingAesKey,
        callbackUrl: core.callbackUrl ?? null,
        baseUrl: baseUrl ?? null,
      };
    },
    listen: async (port = 0, host = '127.0.0.1') => {
      if (server) throw new Error('the simulator is already listening');
      // Close drops keep-alive and in-flight connections (a test or a demo restart must not wait for them).
      server = Fastify({ logger: false, forceCloseConnections: true });
      await server.register(sim.plugin);
      await server.listen({ port, host });
      const address = server.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
      return baseUrl;
    },
    close: async () => {
      if (settleTimer) clearInterval(settleTimer);
      core.dispatcher.close();
      await server?.close();
      server = undefined;
    },
    toJSON: () => core.state.toJSON(),
    fromJSON: (snapshot) => {
      core.state = SimState.fromJSON(snapshot);
    },
    flushDeliveries: () => core.dispatcher.flush(),
    setCallbackUrl: (url) => {
      core.callbackUrl = url;
    },
    verifyCallbackUrl: () => core.dispatcher.verifyUrl(),
    settle: () => core.settle(),
    expireTokens: () => core.tokens.expireAll(),
  };
  return sim;
}
