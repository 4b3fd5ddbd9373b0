// Moments' content against the WeCom simulator (API-FACTS-OPERATIONS §18.1, §18.2): a link (title, url, a cover
// uploaded with media/upload_attachment) reaches WeCom and the posted moment carries it; images xor a video xor a
// link, refused in words on the field; the media library keeps each item's upload_attachment media_id and reuses it
// while WeCom keeps it (3 days), uploading again after, or when WeCom no longer takes it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WecomTestEnv } from '../../testing/wecom-test-env.ts';
import type { TestClient } from '../../testing/test-app.ts';
import { ok } from '../leads/leads.testing.ts';
import { samplePng, upload } from '../acquisition/acquisition.testing.ts';
import { createBroadcastTestEnv, getBroadcast, post, saveBroadcast, simMessages, waitDispatched } from './broadcasts.testing.ts';

const DAY = 86_400_000;
/** The start of an MP4 (its "ftyp" box), as the media library checks it. */
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(200, 1)]);

type SimMedia = { media_id: string; type: string; attachment_type?: number };

describe('moments: links, one kind of attachment, media uploaded with upload_attachment and reused', () => {
  let env: WecomTestEnv;
  let admin: TestClient & { token: string };
  let senders: string[];
  let png: Buffer;

  before(async () => {
    ({ env, admin, senders } = await createBroadcastTestEnv());
    png = await samplePng();
  });
  after(() => env.close());

  const media = async (fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }) => {
    const response = await upload(env.app, admin.token, { scope: '1', ...fields }, file);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.date as { id: number; fileName: string | null };
  };
  /** What the simulator says was uploaded for moments (media/upload_attachment, attachment_type 1), over HTTP. */
  const momentUploads = async (): Promise<SimMedia[]> => ((await (await fetch(`${env.sim.url}/sim/media?attachment_type=1`)).json()) as { media: SimMedia[] }).media;
  /** The moment WeCom holds for the text (over the simulator's HTTP view). */
  const simMoment = async (text: string) => {
    const { moments } = (await (await fetch(`${env.sim.url}/sim/moments`)).json()) as { moments: Array<{ jobid: string; moment_id: string; text?: { content: string }; attachments: any[] }> };
    const found = moments.filter((moment) => moment.text?.content === text);
    assert.equal(found.length, 1, `one moment "${text}" in WeCom`);
    return found[0];
  };
  const sendMoment = async (name: string, text: string, mediaIds: number[]) => {
    const saved = await saveBroadcast(admin, 'moment', { name, content: { text, mediaIds }, senders: { userids: senders.slice(0, 1) } });
    await ok(post(admin, 'moment', 'send', { id: saved.id }));
    const record = await waitDispatched(admin, 'moment', saved.id);
    assert.equal(record.status, 'sent', JSON.stringify(record.chunks));
    return saved.id as number;
  };

  it('a moment with a link: its title, url and cover (uploaded with upload_attachment) reach WeCom; the posted moment carries the link', async () => {
    const link = await media({ type: 'link', title: '双十二活动页', url: 'https://example.com/sale', desc: '老客户专享' }, { name: 'cover.png', content: png, type: 'image/png' });
    assert.ok(link.fileName, 'the cover is stored with the link');
    const before = (await momentUploads()).length;
    const text = '朋友圈：双十二活动';
    await sendMoment('链接朋友圈', text, [link.id]);

    const moment = await simMoment(text);
    assert.equal(moment.attachments.length, 1);
    const [attachment] = moment.attachments;
    assert.equal(attachment.msgtype, 'link');
    assert.equal(attachment.link.title, '双十二活动页');
    assert.equal(attachment.link.url, 'https://example.com/sale');
    // The cover is an image the simulator issued through media/upload_attachment for moments.
    const cover = (await momentUploads()).find((item) => item.media_id === attachment.link.media_id);
    assert.ok(cover, 'the cover media_id was issued by upload_attachment');
    assert.equal(cover.type, 'image');
    assert.equal((await momentUploads()).length, before + 1);

    // Published by the sender: WeCom's own record of the moment (get_moment_list) shows the link.
    env.sim.actions.confirmMoment({ moment_id: moment.moment_id, userid: senders[0] });
    const seconds = Math.floor(env.clock.now / 1000);
    const listed = await env.wecom.client.moments.getMomentList({ start_time: seconds - 600, end_time: seconds + 60, filter_type: 0 });
    const posted = listed.moment_list.find((entry) => entry.moment_id === moment.moment_id);
    assert.deepEqual(posted?.link, { title: '双十二活动页', url: 'https://example.com/sale' });
  });

  it('images xor a video xor a link (§18.2); a link needs its cover and a title of 64 bytes; 2000 characters: 400 on the field, nothing sent', async () => {
    const image = await media({ type: 'image', title: '图一' }, { name: 'a.png', content: png, type: 'image/png' });
    const video = await media({ type: 'video', title: '短片' }, { name: 'clip.mp4', content: MP4, type: 'video/mp4' });
    const link = await media({ type: 'link', title: '活动', url: 'https://example.com/a' }, { name: 'c.png', content: png, type: 'image/png' });
    const otherLink = await media({ type: 'link', title: '另一个', url: 'https://example.com/b' }, { name: 'd.png', content: png, type: 'image/png' });
    const noCover = await media({ type: 'link', title: '没有封面的链接', url: 'https://example.com/c' });
    const longTitle = await media({ type: 'link', title: '标'.repeat(22), url: 'https://example.com/d' }, { name: 'e.png', content: png, type: 'image/png' });
    const file = await media({ type: 'file', title: '报价单' }, { name: 'price.txt', content: Buffer.from('price list 2026') });
    // A link's cover is an image (JPG, PNG), checked by content.
    const badCover = await upload(env.app, admin.token, { scope: '1', type: 'link', title: '坏封面', url: 'https://example.com/e' }, { name: 'cover.png', content: Buffer.from('not an image at all') });
    assert.equal(badCover.status, 400, JSON.stringify(badCover.body));
    assert.match(badCover.body.msg, /JPG, PNG/);
    const momentsBefore = env.sim.state.moments.length;
    const refused = async (content: Record<string, unknown>, field: string, message: RegExp, headers?: Record<string, string>) => {
      const response = await admin.post('/scrm/admin/broadcast/moment/save', { name: '坏朋友圈', content, senders: { userids: senders.slice(0, 1) } }, headers);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      assert.deepEqual(response.body.date.fields.map((f: { field: string }) => f.field), [field]);
      assert.match(response.body.msg, message);
    };
    await refused({ text: 'x', mediaIds: [image.id, video.id] }, 'content.mediaIds', /只能三选一/);
    await refused({ text: 'x', mediaIds: [image.id, link.id] }, 'content.mediaIds', /只能三选一/);
    await refused({ text: 'x', mediaIds: [link.id, video.id] }, 'content.mediaIds', /只能三选一/);
    await refused({ text: 'x', mediaIds: [link.id, otherLink.id] }, 'content.mediaIds', /只能三选一/);
    await refused({ text: 'x', mediaIds: [video.id, video.id] }, 'content.mediaIds', /只能三选一/);
    await refused({ text: 'x', mediaIds: [image.id, video.id] }, 'content.mediaIds', /^A moment takes one kind of attachment/, { 'accept-language': 'en' });
    await refused({ text: 'x', mediaIds: [noCover.id] }, 'content.mediaIds', /链接「没有封面的链接」没有封面图片/);
    await refused({ text: 'x', mediaIds: [longTitle.id] }, 'content.mediaIds', /标题超过朋友圈的上限：66 字节，最多 64 字节/);
    await refused({ text: 'x', mediaIds: [file.id] }, 'content.mediaIds', /「报价单」不能发到朋友圈/);
    await refused({ text: 'a'.repeat(2001) }, 'content.text', /2001 字，最多 2000 字/);
    // Up to nine images are fine.
    const draft = await saveBroadcast(admin, 'moment', { name: '九张图', content: { text: '九张图', mediaIds: Array(9).fill(image.id) }, senders: { userids: senders.slice(0, 1) } });
    assert.equal(draft.status, 'draft', 'nine images are fine');
    assert.equal(env.sim.state.moments.length, momentsBefore, 'nothing reached WeCom');
  });

  it('moment media are uploaded with upload_attachment once and reused while WeCom keeps them (3 days); again after, or when WeCom refuses them', async () => {
    const image = await media({ type: 'image', title: '复用图' }, { name: 'reuse.png', content: png, type: 'image/png' });
    const uploadsBefore = (await momentUploads()).length;
    const imageIdOf = async (text: string) => {
      const [attachment] = (await simMoment(text)).attachments;
      assert.equal(attachment.msgtype, 'image');
      return attachment.image.media_id as string;
    };

    await sendMoment('复用一', '复用测试一', [image.id]);
    const first = await imageIdOf('复用测试一');
    const issued = (await momentUploads()).find((item) => item.media_id === first);
    assert.ok(issued, 'the moment carries a media_id the simulator issued through upload_attachment');
    assert.equal(issued.attachment_type, 1);
    assert.equal((await momentUploads()).length, uploadsBefore + 1);
    // The media library keeps it with the item.
    const listed = await ok(admin.get('/scrm/admin/media/listByType', { type: 'image' }));
    assert.equal(listed.find((item: { id: number }) => item.id === image.id).wecomAttachmentId, first);

    // A second moment within the 3 days: the same media_id, no upload.
    await sendMoment('复用二', '复用测试二', [image.id]);
    assert.equal(await imageIdOf('复用测试二'), first);
    assert.equal((await momentUploads()).length, uploadsBefore + 1, 'no second upload_attachment');

    // A customer broadcast takes media/upload's kind, never the moments' id.
    const saved = await saveBroadcast(admin, 'customer', { name: '图片群发', content: { text: '图片群发测试', mediaIds: [image.id] }, senders: { userids: senders.slice(0, 1) } });
    await ok(post(admin, 'customer', 'send', { id: saved.id }));
    await waitDispatched(admin, 'customer', saved.id);
    const [message] = simMessages(env, '图片群发测试');
    const templateImage = message.attachments[0] as { image: { media_id: string } };
    assert.notEqual(templateImage.image.media_id, first);
    assert.equal(env.sim.state.media.get(templateImage.image.media_id)?.attachment_type, undefined);

    try {
      // Three days later WeCom no longer keeps it: uploaded again.
      env.clock.now = env.clock.now + 3 * DAY + 60_000;
      await sendMoment('复用三', '复用测试三', [image.id]);
      const third = await imageIdOf('复用测试三');
      assert.notEqual(third, first);
      assert.equal((await momentUploads()).length, uploadsBefore + 2);

      // WeCom refuses a kept media_id (40007, no moment made): uploaded again and one moment made.
      env.sim.state.media.delete(third);
      const id = await sendMoment('复用四', '复用测试四', [image.id]);
      const fourth = await imageIdOf('复用测试四');
      assert.notEqual(fourth, third);
      assert.ok((await momentUploads()).some((item) => item.media_id === fourth));
      assert.equal((await getBroadcast(admin, 'moment', id)).chunkCounts.created, 1);
    } finally {
      env.clock.now = Date.now();
    }
  });
});
