// The simulator's own HTTP API under /sim: credentials, actions (POST JSON), deliveries, faults,
// callback configuration. Used by the demo console, other processes' tests, and people poking at it.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { SimActionError, type SimulatorActions } from './actions.ts';
import type { FaultOptions } from './faults.ts';
import type { WecomSimulator } from './simulator.ts';

/** Actions reachable as POST /sim/<kebab-case name> (and /sim/actions/<camelCase name>). */
export const ACTION_NAMES = [
  'scanContactWay',
  'openAcquisitionLink',
  'addCustomer',
  'customerDeletesEmployee',
  'employeeDeletesCustomer',
  'editCustomer',
  'customerStartsChat',
  'deleteAcquisitionLink',
  'distributeWelcomeElsewhere',
  'refuseTransfer',
  'createCorpTags',
  'editCorpTag',
  'deleteCorpTags',
  'shuffleCorpTags',
  'createGroupChat',
  'renameGroupChat',
  'changeGroupNotice',
  'changeGroupOwner',
  'dismissGroupChat',
  'joinGroupChat',
  'quitGroupChat',
  'scanJoinWay',
  'createEmployee',
  'updateEmployee',
  'moveEmployee',
  'deleteEmployee',
  'createDepartment',
  'updateDepartment',
  'deleteDepartment',
  'confirmGroupMsg',
  'employeeBroadcast',
  'setReceiveLimit',
  'confirmMoment',
  'employeePostMoment',
  'setEmployeeHistory',
  'adminAddInterceptRule',
  'adminAddGroupWelcomeTemplate',
] as const satisfies ReadonlyArray<keyof SimulatorActions>;

export type ActionName = (typeof ACTION_NAMES)[number];

export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = request.body;
  if (raw === undefined || raw === null) return {};
  if (Buffer.isBuffer(raw)) {
    if (raw.length === 0) return {};
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SimActionError('body must be a JSON object');
    return parsed as Record<string, unknown>;
  }
  return raw as Record<string, unknown>;
}

async function answer(reply: FastifyReply, run: () => unknown): Promise<unknown> {
  try {
    const result = await run();
    return result === undefined ? { ok: true } : result;
  } catch (error) {
    if (error instanceof SimActionError) return reply.code(error.statusCode).send({ error: error.message });
    if (error instanceof SyntaxError) return reply.code(400).send({ error: `invalid JSON: ${error.message}` });
    throw error;
  }
}

/** How a host mounts the simulator (the options of `app.register(sim.plugin, …)`). */
export interface SimRoutesOptions {
  /**
   * Runs before every /sim/* route, before the body is read (e.g. the host's sign-in check: throw to
   * refuse). /cgi-bin/* is not affected: it has WeCom's own access_token check.
   */
  simGuard?: onRequestAsyncHookHandler;
  /**
   * The host fixes where callbacks go (e.g. its own portal): POST /sim/callback is not mounted, so the
   * callback target cannot be pointed elsewhere over HTTP.
   */
  fixedCallbackUrl?: boolean;
  /**
   * The WeCom client's side: /connect/oauth2/authorize and /client/* (client.ts), unguarded as the client and
   * WeCom's open host are. Default on; a host exposed beyond this machine leaves it out.
   */
  clientRoutes?: boolean;
}

export async function registerSimRoutes(host: FastifyInstance, sim: WecomSimulator, options: SimRoutesOptions = {}): Promise<void> {
  // A scope of their own, so the guard covers exactly the /sim/* routes.
  await host.register(async (fastify) => {
    if (options.simGuard) fastify.addHook('onRequest', options.simGuard);
    registerRoutes(fastify, sim, options);
  });
}

function registerRoutes(fastify: FastifyInstance, sim: WecomSimulator, options: SimRoutesOptions): void {
  fastify.get('/sim/info', () => sim.credentials());

  fastify.get('/sim/summary', () => {
    const { state } = sim;
    let relations = 0;
    for (const byUser of state.relationsByUser.values()) relations += byUser.size;
    return {
      corpId: state.corp.corpId,
      corpName: state.corp.corpName,
      departments: state.departments.size,
      employees: [...state.employees.values()].filter((employee) => employee.resignedAt === undefined).length,
      customers: state.customers.size,
      relations,
      groupChats: [...state.groupChats.values()].filter((chat) => !chat.dismissed).length,
      tagGroups: state.tagGroups.size,
      contactWays: [...state.contactWays.values()].map((way) => ({ config_id: way.config_id, remark: way.remark, state: way.state, user: way.user })),
      acquisitionLinks: [...state.acquisitionLinks.values()].filter((link) => !link.deleted).map((link) => ({ link_id: link.link_id, link_name: link.link_name, url: link.url })),
      joinWays: [...state.joinWays.values()].map((way) => ({ config_id: way.config_id, remark: way.remark, state: way.state })),
    };
  });

  fastify.get('/sim/state', () => sim.toJSON());

  fastify.get('/sim/deliveries', (request) => {
    const query = request.query as { status?: string; limit?: string; since?: string };
    const since = Number(query.since ?? 0);
    let deliveries = sim.deliveries.filter((delivery) => delivery.id > since);
    if (query.status) deliveries = deliveries.filter((delivery) => delivery.status === query.status);
    const limit = Number(query.limit ?? 100);
    return { deliveries: deliveries.slice(-Math.max(1, limit)) };
  });

  fastify.post('/sim/deliveries/flush', async () => {
    await sim.flushDeliveries();
    return { ok: true };
  });

  fastify.get('/sim/faults', () => sim.faults.settings);

  fastify.post('/sim/faults', (request, reply) =>
    answer(reply, () => {
      const body = jsonBody(request) as FaultOptions & { reset?: boolean; expireTokens?: boolean };
      const { reset, expireTokens, ...settings } = body;
      if (reset) sim.faults.reset();
      if (expireTokens) sim.expireTokens();
      return sim.faults.set(settings);
    }),
  );

  // The conversation log: what members sent from the chat toolbar (sendChatMessage); ?userid=, ?external_userid=, ?chat_id=.
  fastify.get('/sim/chat-messages', (request) => {
    const query = request.query as { userid?: string; external_userid?: string; chat_id?: string; limit?: string };
    let messages = sim.state.chatMessages;
    if (query.userid) messages = messages.filter((message) => message.userid === query.userid);
    if (query.external_userid) messages = messages.filter((message) => message.external_userid === query.external_userid);
    if (query.chat_id) messages = messages.filter((message) => message.chat_id === query.chat_id);
    const limit = Math.max(1, Math.min(Number(query.limit) || 200, 5000));
    return { chat_messages: messages.slice(-limit) };
  });

  fastify.get('/sim/welcome-messages', () => ({ welcome_messages: sim.state.welcomeMessages }));

  // What each member received through message/send (newest last); ?userid= one member; dropped ones say why.
  fastify.get('/sim/app-messages', (request) => {
    const query = request.query as { userid?: string; limit?: string };
    let messages = sim.state.appMessages;
    if (query.userid) messages = messages.filter((message) => message.userid === query.userid);
    const limit = Math.max(1, Math.min(Number(query.limit) || 200, 5000));
    return { app_messages: messages.slice(-limit) };
  });

  // 群发 tasks as created (corp-made and employees' own), per sender and recipient; ?msgid=, ?userid= (a sender).
  fastify.get('/sim/group-messages', (request) => {
    const query = request.query as { msgid?: string; userid?: string; limit?: string };
    let messages = sim.state.groupMsgs;
    if (query.msgid) messages = messages.filter((message) => message.msgid === query.msgid);
    if (query.userid) messages = messages.filter((message) => message.tasks.some((task) => task.userid === query.userid));
    const limit = Math.max(1, Math.min(Number(query.limit) || 200, 5000));
    return { receive_limit: sim.state.receiveLimit, group_messages: messages.slice(-limit) };
  });

  // Moments (corp-made with their executors, and employees' own); ?moment_id=, ?jobid=, ?userid= (an executor).
  fastify.get('/sim/moments', (request) => {
    const query = request.query as { moment_id?: string; jobid?: string; userid?: string; limit?: string };
    let moments = sim.state.moments;
    if (query.moment_id) moments = moments.filter((moment) => moment.moment_id === query.moment_id);
    if (query.jobid) moments = moments.filter((moment) => moment.jobid === query.jobid);
    if (query.userid) moments = moments.filter((moment) => moment.tasks.some((task) => task.userid === query.userid));
    const limit = Math.max(1, Math.min(Number(query.limit) || 200, 5000));
    return { moments: moments.slice(-limit) };
  });

  // Media as uploaded: media/upload's, and media/upload_attachment's with their attachment_type (1 moments, 2 product
  // albums); ?attachment_type= (e.g. 1: the moments' uploads), ?type=image|video|file|voice.
  fastify.get('/sim/media', (request) => {
    const query = request.query as { attachment_type?: string; type?: string };
    let media = [...sim.state.media.values()];
    if (query.attachment_type) media = media.filter((item) => String(item.attachment_type ?? '') === query.attachment_type);
    if (query.type) media = media.filter((item) => item.type === query.type);
    return { media };
  });

  // 入群欢迎语素材 and chat sensitive-word rules as WeCom holds them, with who made each (an app's secret or 'admin').
  fastify.get('/sim/group-welcome-templates', () => ({ group_welcome_templates: [...sim.state.groupWelcomeTemplates.values()] }));
  fastify.get('/sim/intercept-rules', () => ({ intercept_rules: [...sim.state.interceptRules.values()] }));

  if (!options.fixedCallbackUrl) {
    fastify.post('/sim/callback', (request, reply) =>
      answer(reply, () => {
        const { url } = jsonBody(request) as { url?: string | null };
        if (url !== undefined && url !== null && typeof url !== 'string') throw new SimActionError('url must be a string');
        sim.setCallbackUrl(url ?? undefined);
        return { url: url ?? null };
      }),
    );
  }

  fastify.post('/sim/callback/verify', () => sim.verifyCallbackUrl());

  fastify.post('/sim/settle', () => {
    sim.settle();
    return { ok: true };
  });

  const runAction = (name: ActionName) => (request: FastifyRequest, reply: FastifyReply) =>
    answer(reply, () => {
      const action = sim.actions[name] as (input: unknown) => unknown;
      return action.call(sim.actions, jsonBody(request));
    });
  for (const name of ACTION_NAMES) {
    fastify.post(`/sim/${kebabCase(name)}`, runAction(name));
    fastify.post(`/sim/actions/${name}`, runAction(name));
  }
}
