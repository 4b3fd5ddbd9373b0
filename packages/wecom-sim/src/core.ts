// What every handler and action shares: the state, the injectable clock, tokens, faults, the callback
// dispatcher, and the clock-driven work WeCom does by itself (settling customer transfers).
import { CallbackDispatcher, type CallbackTarget, type Delivery, type DeliveryOptions } from './delivery.ts';
import { renderEventXml, type SimEvent } from './events.ts';
import { FaultInjector, type FaultOptions } from './faults.ts';
import type { Transfer, TransferFailure } from './model.ts';
import { SeededRandom } from './random.ts';
import type { SimState } from './state.ts';
import { TokenStore } from './tokens.ts';

export interface TransferOptions {
  /** Seconds from a transfer request until WeCom settles it (WeCom: 24 h). */
  delaySeconds: number;
  /** Seeded share of transfers the customer refuses. */
  refusalRate: number;
  /** Decides a transfer's outcome when it settles; overrides refusalRate. */
  decide?: (transfer: Transfer) => 'accepted' | TransferFailure;
  /**
   * Send add_external_contact for the takeover member when a transfer completes, as WeCom does (the facts infer
   * it, §20.2/§24). On by default; off only to test a server against an older simulator's behaviour.
   */
  takeoverAddEvent: boolean;
}

export interface GroupMsgOptions {
  /** Seconds after add_msg_template during which get_groupmsg_task / send_result answer 41063 (default 0). */
  dispatchSeconds: number;
}

export interface MomentOptions {
  /** Seconds add_moment_task's job takes: status 1 at first, 2 while creating, 3 done (default 2). */
  jobSeconds: number;
}

export interface CoreOptions {
  state: SimState;
  /** Milliseconds since the epoch; injectable so tests control time. */
  now: () => number;
  callbackUrl?: string;
  tokenTtlSeconds: number;
  faults?: FaultOptions;
  delivery?: Partial<DeliveryOptions>;
  transfers?: Partial<TransferOptions>;
  welcomeCodeTtlSeconds: number;
  mediaTtlSeconds: number;
  groupMsgs?: Partial<GroupMsgOptions>;
  moments?: Partial<MomentOptions>;
}

export class SimulatorCore {
  state: SimState;
  readonly now: () => number;
  callbackUrl: string | undefined;
  readonly tokens: TokenStore;
  readonly faults: FaultInjector;
  readonly dispatcher: CallbackDispatcher;
  transferOptions: TransferOptions;
  groupMsgOptions: GroupMsgOptions;
  momentOptions: MomentOptions;
  readonly welcomeCodeTtlSeconds: number;
  readonly mediaTtlSeconds: number;
  readonly #transferRandom: SeededRandom;
  #scanned: { list: Transfer[] | undefined; length: number; nextDue: number } = { list: undefined, length: 0, nextDue: 0 };

  constructor(options: CoreOptions) {
    this.state = options.state;
    this.now = options.now;
    this.callbackUrl = options.callbackUrl;
    this.tokens = new TokenStore(options.now, options.tokenTtlSeconds);
    this.faults = new FaultInjector(options.state.seed, options.now, options.faults);
    this.dispatcher = new CallbackDispatcher(() => this.callbackTarget(), options.delivery);
    this.transferOptions = { delaySeconds: 86_400, refusalRate: 0, takeoverAddEvent: true, ...options.transfers };
    this.groupMsgOptions = { dispatchSeconds: 0, ...options.groupMsgs };
    this.momentOptions = { jobSeconds: 2, ...options.moments };
    this.welcomeCodeTtlSeconds = options.welcomeCodeTtlSeconds;
    this.mediaTtlSeconds = options.mediaTtlSeconds;
    this.#transferRandom = new SeededRandom(`${options.state.seed}:transfers`);
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  callbackTarget(): CallbackTarget {
    const { corp } = this.state;
    return { url: this.callbackUrl, token: corp.token, encodingAesKey: corp.encodingAesKey, corpId: corp.corpId, agentId: corp.agentId };
  }

  /** Sends the callback WeCom would send for a change made in the app or admin console. */
  emit(event: SimEvent): Delivery {
    const createTime = this.nowSeconds();
    return this.dispatcher.dispatch({
      event: event.kind,
      changeType: event.changeType,
      createTime,
      xml: renderEventXml(this.state.corp.corpId, createTime, event),
    });
  }

  /** Settles due transfers: the takeover happens (or the customer refuses) once takeover_time passes. */
  settle(): void {
    const now = this.nowSeconds();
    // Runs on every request: skip the scan while nothing new was requested and nothing is due yet.
    const { transfers } = this.state;
    if (transfers === this.#scanned.list && transfers.length === this.#scanned.length && now < this.#scanned.nextDue) return;
    let nextDue = Number.POSITIVE_INFINITY;
    for (const transfer of transfers) {
      if (transfer.status === 2 && transfer.takeover_time > now) nextDue = Math.min(nextDue, transfer.takeover_time);
      if (transfer.status !== 2 || transfer.takeover_time > now) continue;
      const outcome =
        transfer.plannedFailure ??
        this.transferOptions.decide?.(transfer) ??
        (this.transferOptions.refusalRate > 0 && this.#transferRandom.next() < this.transferOptions.refusalRate ? 'customer_refused' : 'accepted');
      if (outcome === 'accepted') this.#completeTransfer(transfer, now);
      else {
        transfer.status = outcome === 'customer_refused' ? 3 : 4;
        this.emit({
          kind: 'change_external_contact',
          changeType: 'transfer_fail',
          failReason: outcome,
          userId: transfer.takeover_userid,
          externalUserId: transfer.external_userid,
        });
      }
    }
    this.#scanned = { list: transfers, length: transfers.length, nextDue };
  }

  #completeTransfer(transfer: Transfer, now: number): void {
    const { state } = this;
    // "如果接替成员在转接前已成为客户好友，则不会触发添加企业客户事件"; nor when this customer once went from the
    // takeover member to someone else (§20.2). Otherwise the takeover member gets add_external_contact (inferred, §24).
    const alreadyFriend = !!state.relation(transfer.takeover_userid, transfer.external_userid);
    const cameBack = state.transfers.some(
      (earlier) => earlier !== transfer && earlier.status === 1 && earlier.handover_userid === transfer.takeover_userid && earlier.external_userid === transfer.external_userid,
    );
    transfer.status = 1;
    transfer.takeover_time = now;
    const previous = state.removeRelation(transfer.handover_userid, transfer.external_userid);
    if (!alreadyFriend) {
      state.addRelation({
        userid: transfer.takeover_userid,
        external_userid: transfer.external_userid,
        remark: previous?.remark ?? '',
        description: previous?.description ?? '',
        createtime: now,
        tag_ids: previous?.tag_ids.slice() ?? [],
        remark_corp_name: previous?.remark_corp_name ?? '',
        remark_mobiles: previous?.remark_mobiles.slice() ?? [],
        oper_userid: transfer.takeover_userid,
        add_way: 202,
        state: previous?.state ?? '',
        chatted: previous?.chatted ?? false,
      });
      if (!cameBack && this.transferOptions.takeoverAddEvent) {
        this.emit({ kind: 'change_external_contact', changeType: 'add_external_contact', userId: transfer.takeover_userid, externalUserId: transfer.external_userid });
      }
    }
    // 在职继承 removes the customer from the handover member: WeCom reports it with Source DELETE_BY_TRANSFER.
    // A resigned member is no longer in contacts: the facts show no event for their side.
    if (transfer.kind === 'onjob' && previous) {
      this.emit({
        kind: 'change_external_contact',
        changeType: 'del_external_contact',
        userId: transfer.handover_userid,
        externalUserId: transfer.external_userid,
        source: 'DELETE_BY_TRANSFER',
      });
    }
  }
}
