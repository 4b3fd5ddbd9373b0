// Live activity: keeps a demo corp moving. A few times an hour (on the simulator's clock) a customer is
// added, a relation is deleted, or a customer joins a group, each through the simulator's actions, so the
// host receives them as real callbacks. Now and then an employee also confirms a pending 群发 task or publishes
// a pending moment, as people do in the client (no callback: the host sees it by polling).
// Driven by tick(): call it from a timer (start()) or by hand.
import type { SimulatorActions } from './actions.ts';
import { SimActionError } from './actions.ts';
import { SeededRandom } from './random.ts';
import type { SimState } from './state.ts';

export interface LiveActivityOptions {
  /** Actions per hour of the simulator's clock (0: none). */
  perHour: number;
  /** Milliseconds since the epoch: the clock actions are due by (the simulator's). */
  now: () => number;
  /** Seed of which action comes next and on whom (default: the corp's seed). */
  seed?: string;
  /** Called after each action (e.g. to save the corp). */
  onAction?: (action: LiveAction) => void;
}

export interface LiveAction {
  kind: 'add' | 'delete' | 'join' | 'confirm';
  userid: string;
  /** Empty for 'confirm'. */
  externalUserId: string;
  chatId?: string;
  /** 'confirm': the 群发 msgid or the moment_id. */
  taskId?: string;
}

/** Share of due slots in which an employee also confirms one pending task. */
const CONFIRM_CHANCE = 0.5;

const KINDS = ['add', 'delete', 'join'] as const;
const WEIGHTS = [6, 2, 3];

export class LiveActivity {
  readonly #random: SeededRandom;
  /** Its own sequence, so confirmations do not change which customer actions come next. */
  readonly #confirmRandom: SeededRandom;
  readonly #intervalMs: number;
  #nextDue: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: () => SimState,
    private readonly actions: SimulatorActions,
    private readonly options: LiveActivityOptions,
  ) {
    this.#random = new SeededRandom(options.seed ?? `${state().seed}:live`);
    this.#confirmRandom = new SeededRandom(`${options.seed ?? `${state().seed}:live`}:confirm`);
    this.#intervalMs = options.perHour > 0 ? 3_600_000 / options.perHour : Number.POSITIVE_INFINITY;
    this.#nextDue = options.now() + this.#intervalMs;
  }

  /** Runs the actions due by now (at most one hour's worth: a clock that jumped ahead does not cause a burst). */
  tick(): LiveAction[] {
    const done: LiveAction[] = [];
    if (!Number.isFinite(this.#intervalMs)) return done;
    const now = this.options.now();
    const catchUp = Math.max(1, Math.ceil(this.options.perHour));
    let steps = 0;
    while (this.#nextDue <= now) {
      this.#nextDue += this.#intervalMs;
      if (steps >= catchUp) {
        this.#nextDue = now + this.#intervalMs;
        break;
      }
      const action = this.step();
      if (action) {
        steps++;
        done.push(action);
        this.options.onAction?.(action);
      }
      const confirmed = this.#confirmRandom.chance(CONFIRM_CHANCE) ? this.confirmPending() : undefined;
      if (confirmed) {
        done.push(confirmed);
        this.options.onAction?.(confirmed);
      }
    }
    return done;
  }

  /** One action now, whatever is due (undefined when none was possible, e.g. an empty corp). */
  step(): LiveAction | undefined {
    const kind = this.#random.weighted(KINDS, WEIGHTS);
    try {
      return (kind === 'delete' ? this.#delete() : kind === 'join' ? this.#join() : undefined) ?? this.#add();
    } catch (error) {
      if (error instanceof SimActionError) return undefined;
      throw error;
    }
  }

  /** An employee confirms one pending 群发 task or publishes one pending moment (undefined when none is pending). */
  confirmPending(): LiveAction | undefined {
    const state = this.state();
    const now = Math.floor(this.options.now() / 1000);
    const pending: Array<{ kind: 'msg' | 'moment'; id: string; userid: string }> = [];
    for (const msg of state.groupMsgs) {
      if (msg.cancelled_at !== undefined) continue;
      for (const task of msg.tasks) if (task.status === 0 && state.activeEmployee(task.userid)) pending.push({ kind: 'msg', id: msg.msgid, userid: task.userid });
    }
    for (const moment of state.moments) {
      if (moment.cancelled_at !== undefined || moment.job_done_at > now) continue;
      for (const task of moment.tasks) if (task.publish_status === 0 && state.activeEmployee(task.userid)) pending.push({ kind: 'moment', id: moment.moment_id, userid: task.userid });
    }
    if (pending.length === 0) return undefined;
    const chosen = this.#confirmRandom.pick(pending);
    try {
      if (chosen.kind === 'msg') this.actions.confirmGroupMsg({ msgid: chosen.id, userid: chosen.userid });
      else this.actions.confirmMoment({ moment_id: chosen.id, userid: chosen.userid });
    } catch (error) {
      if (error instanceof SimActionError) return undefined;
      throw error;
    }
    return { kind: 'confirm', userid: chosen.userid, externalUserId: '', taskId: chosen.id };
  }

  /** Ticks every `intervalMs` of real time (unref'd: it never keeps the process alive). */
  start(intervalMs = 60_000): void {
    if (this.#timer || !Number.isFinite(this.#intervalMs)) return;
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #employees() {
    return [...this.state().employees.values()].filter((employee) => employee.customerContact && employee.resignedAt === undefined && employee.status === 1);
  }

  #add(): LiveAction | undefined {
    const employees = this.#employees();
    if (employees.length === 0) return undefined;
    const userid = this.#random.pick(employees).userid;
    const result = this.actions.addCustomer({ userid, add_way: this.#random.pick([1, 2, 3]) });
    return { kind: 'add', userid, externalUserId: result.external_userid };
  }

  #delete(): LiveAction | undefined {
    const withCustomers = this.#employees().filter((employee) => this.state().relationList(employee.userid).length > 0);
    if (withCustomers.length === 0) return undefined;
    const userid = this.#random.pick(withCustomers).userid;
    const externalUserId = this.#random.pick(this.state().relationList(userid)).external_userid;
    // Customers delete employees about as often as the other way round.
    if (this.#random.chance(0.5)) this.actions.customerDeletesEmployee({ userid, external_userid: externalUserId });
    else this.actions.employeeDeletesCustomer({ userid, external_userid: externalUserId });
    return { kind: 'delete', userid, externalUserId };
  }

  #join(): LiveAction | undefined {
    const state = this.state();
    const chats = [...state.groupChats.values()].filter((chat) => !chat.dismissed && state.employees.get(chat.owner)?.resignedAt === undefined);
    if (chats.length === 0) return undefined;
    const chat = this.#random.pick(chats);
    const present = new Set(chat.member_list.map((member) => member.userid));
    const candidates = state.relationList(chat.owner).filter((relation) => !present.has(relation.external_userid));
    if (candidates.length === 0) return undefined;
    const externalUserId = this.#random.pick(candidates).external_userid;
    this.actions.joinGroupChat({ chat_id: chat.chat_id, members: [externalUserId], join_scene: this.#random.pick([1, 3] as const) });
    return { kind: 'join', userid: chat.owner, externalUserId, chatId: chat.chat_id };
  }
}
