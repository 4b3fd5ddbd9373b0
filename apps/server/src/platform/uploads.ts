import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import { AppError } from './http/errors.ts';

/** Reads an uploaded file into memory, refusing it (413, nothing stored) once it passes `maxBytes`. */
export async function readUpload(file: MultipartFile, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of file.file) {
    size += chunk.length;
    if (size > maxBytes) {
      file.file.resume();
      throw new AppError(413, 'payloadTooLarge', { limit: formatBytes(maxBytes) });
    }
    chunks.push(chunk);
  }
  if (file.file.truncated) throw new AppError(413, 'payloadTooLarge', { limit: formatBytes(maxBytes) });
  return Buffer.concat(chunks);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/**
 * Streams an uploaded file to `path` without holding it in memory, refusing it (413, the partial file
 * removed) once it passes `maxBytes`. Returns its size, SHA-256 (hex) and first bytes (for magic-number
 * checks).
 */
export async function saveUpload(file: MultipartFile, maxBytes: number, path: string): Promise<{ size: number; sha256: string; head: Buffer }> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(new AppError(413, 'payloadTooLarge', { limit: formatBytes(maxBytes) }));
      if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(file.file, meter, createWriteStream(path));
    if (file.file.truncated) throw new AppError(413, 'payloadTooLarge', { limit: formatBytes(maxBytes) });
  } catch (error) {
    file.file.resume();
    await rm(path, { force: true });
    throw error;
  }
  return { size, sha256: hash.digest('hex'), head };
}
