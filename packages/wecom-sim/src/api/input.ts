// Reading request parameters the way WeCom does: lenient about types it can coerce, strict about
// what is missing, and answering in errcodes. Cursors are opaque base64url tokens.
import { fail } from '../errors.ts';

export type Json = Record<string, unknown>;

export function optionalString(input: Json, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return fail(40058, `${name} must be a string`);
}

export function requireString(input: Json, name: string, errcode = 40058): string {
  return optionalString(input, name) ?? fail(errcode, `${name} missing`);
}

export function optionalNumber(input: Json, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) return fail(40058, `${name} must be a number`);
  return number;
}

export function requireNumber(input: Json, name: string): number {
  return optionalNumber(input, name) ?? fail(40058, `${name} missing`);
}

export function optionalBoolean(input: Json, name: string): boolean | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  return fail(40058, `${name} must be a boolean`);
}

export function optionalStringList(input: Json, name: string, max?: number): string[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return fail(40058, `${name} must be a list of strings`);
  if (max !== undefined && value.length > max) return fail(40058, `${name} exceeds max size ${max}`);
  return value as string[];
}

export function optionalNumberList(input: Json, name: string, max?: number): number[] | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return fail(40058, `${name} must be a list of numbers`);
  const numbers = value.map(Number);
  if (numbers.some((item) => !Number.isInteger(item))) return fail(40058, `${name} must be a list of numbers`);
  if (max !== undefined && numbers.length > max) return fail(40058, `${name} exceeds max size ${max}`);
  return numbers;
}

export function optionalObject(input: Json, name: string): Json | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return fail(40058, `${name} must be an object`);
  return value as Json;
}

/** limit: default when absent, clamped to max (WeCom clamps rather than rejects for most lists). */
export function clampedLimit(input: Json, fallback: number, max: number): number {
  const limit = optionalNumber(input, 'limit');
  if (limit === undefined || limit <= 0) return fallback;
  return Math.min(Math.floor(limit), max);
}

export function truncate(text: string, maxCharacters: number): string {
  return Array.from(text).slice(0, maxCharacters).join('');
}

/** Truncates to a byte budget without splitting a UTF-8 character (customer_channel ≤ 64 bytes). */
export function truncateBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let result = '';
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > maxBytes) break;
    result += character;
  }
  return result;
}

// ---- cursors ----------------------------------------------------------------------------------------

/** Cursors carry the paging position plus a kind so one API's cursor is refused by another. */
export function encodeCursor(kind: string, position: number[]): string {
  return Buffer.from(JSON.stringify([kind, ...position])).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | undefined): number[] | undefined {
  if (!cursor) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded[0] === kind && decoded.slice(1).every((item) => Number.isInteger(item) && item >= 0)) {
      return decoded.slice(1) as number[];
    }
  } catch {
    // fall through to the error below
  }
  return fail(40058, 'invalid cursor');
}

/** Offset paging over an array: returns the page and the next cursor ('' when done). */
export function pageByOffset<T>(items: readonly T[], kind: string, cursor: string | undefined, limit: number): { page: T[]; next_cursor: string } {
  const [offset = 0] = decodeCursor(kind, cursor) ?? [];
  const page = items.slice(offset, offset + limit);
  const next = offset + page.length;
  return { page, next_cursor: next < items.length ? encodeCursor(kind, [next]) : '' };
}
