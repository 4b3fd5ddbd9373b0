import { z } from 'zod';

const EARLIEST_TIME = Date.UTC(1000, 0, 1);
const LATEST_TIME = Date.UTC(9999, 11, 31);

/**
 * Times travel as ISO-8601 strings with offset; in code they are Dates. Years 1000–9999 (UTC): outside them
 * PostgreSQL refuses the value (year 0000) or JavaScript writes a year it cannot read back (+010000).
 */
export const dateTime = z.codec(
  z.iso.datetime({ offset: true }).refine((text) => {
    const time = Date.parse(text);
    return time >= EARLIEST_TIME && time <= LATEST_TIME;
  }, 'a time between the years 1000 and 9999'),
  z.date(),
  {
    decode: (text) => new Date(text),
    encode: (date) => date.toISOString(),
  },
);

export const id = z.coerce.number().int().positive();
export const idQuery = z.object({ id });
export const idsBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(1000) });

/** `{ code, msg, date }` — the payload field is named `date`, as in the seed. */
export const envelope = <T extends z.ZodType>(payload: T) =>
  z.object({ code: z.string(), msg: z.string(), date: payload });

export const pageQuery = z.object({
  pageNum: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(10),
});
export type PageQuery = z.output<typeof pageQuery>;

export const page = <T extends z.ZodType>(record: T) =>
  z.object({ records: z.array(record), total: z.number().int(), pageNum: z.number().int(), pageSize: z.number().int() });

export interface Page<T> {
  records: T[];
  total: number;
  pageNum: number;
  pageSize: number;
}

/** Strings from forms: trimmed, and blank means absent. */
export const optionalText = (max = 255) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value), z.string().max(max).optional());

export const requiredText = (max = 255) => z.string().trim().min(1).max(max);

/** `/^1[3-9]\d{9}$/`: a mainland China mobile number. */
export const mobile = z.string().regex(/^1[3-9]\d{9}$/, 'invalid mobile number');
