// Callback events are the SDK's typed events (@scrm/wecom), serialised with its buildEventXml into
// WeCom's self-built-app XML (API-FACTS §14); the simulator fills in the corp id and the time.
import { buildEventXml, type WecomEventInput } from '@scrm/wecom';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event as actions describe it: no envelope (ToUserName, FromUserName, CreateTime). */
export type SimEvent = DistributiveOmit<Exclude<WecomEventInput, { kind: 'unknown' }>, 'toUserName' | 'fromUserName' | 'createTime'>;

export function renderEventXml(corpId: string, createTime: number, event: SimEvent): string {
  return buildEventXml({ ...event, toUserName: corpId, createTime } as WecomEventInput);
}
