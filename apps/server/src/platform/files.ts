import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';

/** Files kept under DATA_DIR/files, addressed by an unguessable key such as `avatar/3f9c….png`. */
export interface FileStore {
  save(area: string, content: Buffer, extension: string): Promise<string>;
  open(key: string): Readable | null;
  remove(key: string): Promise<void>;
  pathOf(key: string): string;
}

const KEY_PATTERN = /^[a-z-]+\/[0-9a-f]{32}\.[a-z0-9]{1,8}$/;

export function createFileStore(dataDir: string): FileStore {
  const root = resolve(dataDir, 'files');
  const pathOf = (key: string) => {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid file key ${key}`);
    return join(root, key);
  };
  return {
    async save(area, content, extension) {
      const key = `${area}/${randomBytes(16).toString('hex')}.${extension}`;
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return key;
    },
    open(key) {
      if (!KEY_PATTERN.test(key)) return null;
      const path = pathOf(key);
      return existsSync(path) ? createReadStream(path) : null;
    },
    remove: (key) => rm(pathOf(key), { force: true }),
    pathOf,
  };
}

export type ImageType = { extension: 'png' | 'jpg' | 'gif' | 'webp'; mime: string };

/** The image type by content (magic bytes), never by the file name a client sent. */
export function detectImage(content: Buffer): ImageType | null {
  if (content.length >= 8 && content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { extension: 'png', mime: 'image/png' };
  }
  if (content.length >= 3 && content[0] === 0xff && content[1] === 0xd8 && content[2] === 0xff) return { extension: 'jpg', mime: 'image/jpeg' };
  if (content.length >= 6 && /^GIF8[79]a$/.test(content.subarray(0, 6).toString('latin1'))) return { extension: 'gif', mime: 'image/gif' };
  if (content.length >= 12 && content.subarray(0, 4).toString('latin1') === 'RIFF' && content.subarray(8, 12).toString('latin1') === 'WEBP') {
    return { extension: 'webp', mime: 'image/webp' };
  }
  return null;
}

export const mimeOfExtension: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  mp4: 'video/mp4', amr: 'audio/amr', pdf: 'application/pdf', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
