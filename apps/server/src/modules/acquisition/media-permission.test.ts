// The media library's stored files are guarded by media:list like the list itself: a user whose roles lack
// it is refused with 403 in the envelope, before the media is even looked up (no existence leak).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { userWith } from '../system/test-fixtures.ts';
import { ok, samplePng, upload } from './acquisition.testing.ts';

describe('media files need media:list', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['login']>>;
  let png: Buffer;
  let imageId: number;
  let fileId: number;

  before(async () => {
    t = await createTestApp();
    admin = await t.login();
    png = await samplePng();
    const image = await upload(t.app, admin.token, { type: 'image', title: 'poster' }, { name: 'poster.png', content: png, type: 'image/png' });
    assert.equal(image.status, 200, JSON.stringify(image.body));
    imageId = image.body.date.id;
    const file = await upload(t.app, admin.token, { type: 'file', title: 'price list' }, { name: 'prices.txt', content: Buffer.from('prices: 1, 2, 3\n') });
    assert.equal(file.status, 200, JSON.stringify(file.body));
    fileId = file.body.date.id;
  });
  after(() => t?.close());

  const getFile = (token: string, id: number | string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: `/scrm/admin/media/file?id=${id}`, headers: { token, ...headers } });

  test('a role without media:list cannot preview or download a file, nor list the library; the envelope says why', async () => {
    // Other acquisition permissions, including the library's own upload and delete buttons, but not media:list.
    const uploader = await userWith(t, admin, 'media_uploader', ['media:upload', 'media:delete', 'cust:link:list', 'cust:link:query']);
    assert.equal((await uploader.post('/scrm/admin/cust/get/link/page', { pageNum: 1, pageSize: 10 })).status, 200, 'the user is signed in and holds its other permissions');

    for (const id of [imageId, fileId]) {
      const refused = await getFile(uploader.token, id, { 'accept-language': 'en' });
      assert.equal(refused.statusCode, 403);
      assert.match(String(refused.headers['content-type']), /^application\/json/, 'the envelope, not the file');
      assert.equal(refused.headers['content-disposition'], undefined);
      const body = refused.json();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'date', 'msg']);
      assert.equal(body.code, '403');
      assert.equal(body.msg, 'Missing the "Media library" permission; ask an administrator to grant it');
      assert.ok(!refused.rawPayload.includes(png.subarray(0, 16)) && !refused.body.includes('prices'), 'no byte of the file');
    }
    const chinese = await getFile(uploader.token, imageId);
    assert.equal(chinese.statusCode, 403);
    assert.equal(chinese.json().msg, '缺少「素材库」权限，请联系管理员授予');
    // Refused before the lookup: an unknown id answers the same, so existence does not leak.
    const unknown = await getFile(uploader.token, 999_999);
    assert.equal(unknown.statusCode, 403);
    assert.equal(unknown.json().code, '403');
    // The rest of the library's reads are behind the same permission.
    assert.equal((await uploader.post('/scrm/admin/media/page', { pageNum: 1, pageSize: 10 })).status, 403);
    assert.equal((await uploader.get('/scrm/admin/media/listByType', { type: 'image', scope: 1 })).status, 403);
  });

  test('granted media:list, the same kind of user gets the stored bytes', async () => {
    const viewer = await userWith(t, admin, 'media_viewer', ['media:list']);
    const image = await getFile(viewer.token, imageId);
    assert.equal(image.statusCode, 200);
    assert.equal(image.headers['content-type'], 'image/png');
    assert.ok(image.rawPayload.equals(png));
    const file = await getFile(viewer.token, fileId);
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers['content-disposition']), /^attachment; /);
    assert.equal(file.rawPayload.toString(), 'prices: 1, 2, 3\n');
    const listed = await ok(viewer.post('/scrm/admin/media/page', { pageNum: 1, pageSize: 10 }));
    assert.equal(listed.total, 2);
  });
});
