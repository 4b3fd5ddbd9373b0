// How a link or QR code and its rules become WeCom objects: acquisition links (customer_acquisition
// create_link / update_link / delete_link, API-FACTS §6) or 「联系我」 contact ways (add_contact_way /
// update_contact_way / del_contact_way, §5). One multi-person main object with the link's range, and one
// single-person object per allocation rule, each with its own state (customer_channel for links).
import { WecomApiError, type CreateAcquisitionLinkRequest, type WecomClient } from '@scrm/wecom';
import type { GetType } from '../../db/schema/index.ts';

export interface MainSpec {
  name: string;
  state: string;
  users: string[];
  departments: number[];
  skipVerify: boolean;
  priorityType: number | null;
  priorityUsers: string[];
  /** QR codes: 1 single, 2 several. */
  qrType: 1 | 2;
}

export interface Published {
  /** link_id or config_id. */
  id: string;
  /** Links: the URL with customer_channel; QR codes: the QR image URL. */
  url: string;
  /** The bare link URL (links). */
  wecomUrl?: string;
  createTime?: Date;
}

/** errcodes meaning "that object is not there (any more)": deleting it again is done. */
const GONE = new Set([40058, 41040, 41041, 41042, 41043, 41044, 84001]);

/** Appends customer_channel (≤64 bytes, as WeCom truncates) to an acquisition link URL. */
export function withCustomerChannel(url: string, state: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('customer_channel', state);
  return parsed.toString();
}

const truncate = (text: string, max: number) => [...text].slice(0, max).join('');

export function createWecomPublisher(client: () => WecomClient) {
  const linkRequest = (spec: MainSpec): CreateAcquisitionLinkRequest => ({
    link_name: truncate(spec.name || spec.state, 30),
    range: { user_list: spec.users, department_list: spec.departments },
    skip_verify: spec.skipVerify,
    ...(spec.priorityType === 1 || spec.priorityType === 2
      ? { priority_option: { priority_type: spec.priorityType as 1 | 2, ...(spec.priorityType === 2 ? { priority_userid_list: spec.priorityUsers } : {}) } }
      : {}),
  });
  const contactWayFields = (spec: MainSpec) => ({
    remark: truncate(spec.name, 30),
    skip_verify: spec.skipVerify,
    state: spec.state,
    user: spec.users,
    ...(spec.qrType === 2 ? { party: spec.departments } : {}),
  });

  return {
    /** Creates the WeCom object, or updates it when `existingId` is set. */
    async upsert(getType: GetType, spec: MainSpec, existing: { id: string; url: string | null; wecomUrl: string | null } | null): Promise<Published> {
      if (getType === 'link') {
        if (existing) {
          await client().acquisition.updateLink({ link_id: existing.id, ...linkRequest(spec) });
          const wecomUrl = existing.wecomUrl ?? (await client().acquisition.getLink(existing.id)).link.url;
          return { id: existing.id, wecomUrl, url: withCustomerChannel(wecomUrl, spec.state) };
        }
        const created = await client().acquisition.createLink(linkRequest(spec));
        return {
          id: created.link.link_id,
          wecomUrl: created.link.url,
          url: withCustomerChannel(created.link.url, spec.state),
          createTime: new Date(created.link.create_time * 1000),
        };
      }
      if (existing) {
        await client().contactWays.update({ config_id: existing.id, ...contactWayFields(spec) });
        const url = existing.url ?? (await client().contactWays.get(existing.id)).contact_way.qr_code ?? '';
        return { id: existing.id, url };
      }
      const created = await client().contactWays.add({ type: spec.qrType, scene: 2, ...contactWayFields(spec) });
      return { id: created.config_id, url: created.qr_code ?? '', createTime: new Date() };
    },

    /** Only the range (users) of the main object: range upkeep. */
    async updateRange(getType: GetType, id: string, users: string[], departments: number[], qrType: 1 | 2): Promise<void> {
      if (getType === 'link') await client().acquisition.updateLink({ link_id: id, range: { user_list: users, department_list: departments } });
      else await client().contactWays.update({ config_id: id, user: users, ...(qrType === 2 ? { party: departments } : {}) });
    },

    /** Deletes the WeCom object; one that is already gone counts as deleted. */
    async remove(getType: GetType, id: string): Promise<void> {
      try {
        if (getType === 'link') await client().acquisition.deleteLink(id);
        else await client().contactWays.delete(id);
      } catch (error) {
        if (error instanceof WecomApiError && GONE.has(error.errcode)) return;
        throw error;
      }
    },
  };
}

export type WecomPublisher = ReturnType<typeof createWecomPublisher>;

/** A short reason for status 2. */
export function reasonOf(error: unknown): string {
  if (error instanceof WecomApiError) return `${error.errcode} ${error.errmsg}`.slice(0, 500);
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
