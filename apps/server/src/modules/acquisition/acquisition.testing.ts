import assert from 'node:assert/strict';
import QRCode from 'qrcode';
import type { FastifyInstance } from 'fastify';
import { openRequestHeaders } from '../../platform/open-signature.ts';

export async function ok<T = any>(response: Promise<{ status: number; body: { date: T; msg: string } }>): Promise<T> {
  const result = await response;
  assert.equal(result.status, 200, `${result.status} ${result.body?.msg}`);
  return result.body.date;
}

/** A real PNG (a QR code), as an upload would carry. */
export const samplePng = () => QRCode.toBuffer('https://example.com/scrm', { type: 'png', width: 64 });

/** A multipart body: fields first, then an optional file in "file". */
export function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }) {
  const boundary = `----scrm${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`));
    chunks.push(file.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export async function upload(app: FastifyInstance, token: string, fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }) {
  const body = multipart(fields, file);
  const response = await app.inject({ method: 'POST', url: '/scrm/admin/media/upload', payload: body.payload, headers: { ...body.headers, token } });
  return { status: response.statusCode, body: response.json() };
}

/** A signed GET of the open API. */
export async function signedGet(app: FastifyInstance, credentials: { appKey: string; secret: string }, target: string, override: Record<string, string> = {}, options: { timestamp?: number; nonce?: string } = {}) {
  const headers = { ...openRequestHeaders(credentials, { method: 'GET', target, ...options }), ...override };
  const response = await app.inject({ method: 'GET', url: target, headers });
  return { status: response.statusCode, body: response.json(), headers };
}

/** The seed's example body of POST /admin/cust/get/link/save, verbatim. */
export const SEED_LINK_BODY = {
  addFriendCount: 0,
  allocationMethod: 'string',
  allocationRules: [
    {
      configLinkId: 'string',
      ctime: '2019-08-24T14:15:22Z',
      cuser: 'string',
      dailyLimit: 0,
      getType: 'string',
      id: 0,
      isDel: 0,
      linkUrl: 'string',
      mtime: '2019-08-24T14:15:22Z',
      muser: 'string',
      qrCode: 'string',
      roundLimit: 0,
      state: 'string',
      userId: 'string',
      weight: 0,
      workingHours: 'string',
    },
  ],
  channelId: 0,
  channelType: 'string',
  createTime: '2019-08-24T14:15:22Z',
  cstTags: ['string'],
  ctime: '2019-08-24T14:15:22Z',
  cuser: 'string',
  departmentList: ['string'],
  id: 0,
  isDel: 0,
  isSendWelcome: 0,
  linkId: 'string',
  linkName: 'string',
  mediaIds: [0],
  mtime: '2019-08-24T14:15:22Z',
  muser: 'string',
  openProfileCount: 0,
  priorityType: 0,
  priorityUseridList: ['string'],
  skipVerify: 'string',
  state: 'string',
  status: 0,
  url: 'string',
  userId: 'string',
  userJson: [{ name: 'string', position: 'string', userid: 'string' }],
  userList: ['string'],
  welcomeContent: 'string',
};
