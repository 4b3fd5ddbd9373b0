// multipart/form-data for media uploads, written by hand so the part carries `filelength` as WeCom's
// documented example does (API-FACTS §9.1), with the form field name `media`.
import { randomBytes } from 'node:crypto';
import type { MediaFile } from './types.ts';

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  gif: 'image/gif',
  amr: 'voice/amr',
  mp4: 'video/mp4',
};

export interface MultipartBody {
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

export function encodeMediaMultipart(file: MediaFile, boundary = `----scrm${randomBytes(12).toString('hex')}`): MultipartBody {
  const filename = escapeHeaderValue(file.filename);
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="media"; filename="${filename}"; filelength=${file.data.byteLength}\r\n` +
    `Content-Type: ${file.contentType ?? contentTypeFor(file.filename)}\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([Buffer.from(head, 'utf8'), file.data, Buffer.from(tail, 'utf8')]),
  };
}

export function contentTypeFor(filename: string): string {
  const extension = filename.slice(filename.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? 'application/octet-stream';
}

/** Quotes and line breaks would end the header early; browsers percent-encode them the same way. */
function escapeHeaderValue(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
