// Live activity: keeps a demo corp moving. A few times an hour (on the simulator's clock) a customer is
// added, a relation is deleted, or a customer joins a group, each through the simulator's actions, so the
// host receives them as real callbacks. Driven by tick(): call it from a timer (start()) or by hand.
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
  kind: 'add' | 'delete' | 'join';
  userid: string;
  externalUserId: string;
  chatId?: string;
}

const KINDS = ['add', 'delete', 'join'] as const;
const WEIGHTS = [6, 2, 3];

export class LiveActivity {
  readonly #random: SeededRandom;
  readonly #intervalMs: number;
  #nextDue: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: () => SimState,
    private readonly actions: SimulatorActions,
    private readonly options: LiveActivityOptions,
  ) {
    this.#random = new SeededRandom(options.seed ?? `${state().seed}:live`);
    this.#intervalMs = options.perHour > 0 ? 3_600_000 / options.perHour : Number.POSITIVE_INFINITY;
    this.#nextDue = options.now() + this.#intervalMs;
  }

  /** Runs the actions due by now (at most one hour's worth: a clock that jumped ahead does not cause a burst). */
  tick(): LiveAction[] {
    const done: LiveAction[] = [];
    if (!Number.isFinite(this.#intervalMs)) return done;
    const now = this.options.now();
    const catchUp = Math.max(1, Math.ceil(this.options.perHour));
    while (this.#nextDue <= now) {
      this.#nextDue += this.#intervalMs;
      if (done.length >= catchUp) {
        this.#nextDue = now + this.#intervalMs;
        break;
      }
      const action = this.step();
      if (action) {
        done.push(action);
        this.options.onAction?.(action);
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
