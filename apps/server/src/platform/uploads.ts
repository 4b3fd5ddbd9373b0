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
