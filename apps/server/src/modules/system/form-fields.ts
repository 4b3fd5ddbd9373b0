import { z } from 'zod';
import { optionalText } from '../../platform/http/schemas.ts';

/** `null` reads as absent, so a console can send back the record it fetched (whose empty fields are null). */
export const absentWhenNull = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === null ? undefined : value), schema);

/** Optional trimmed text; blank or null means absent. */
export const optionalField = (max = 255) => absentWhenNull(optionalText(max));

/** Optional text matching `pattern`; blank or null means absent. */
export const optionalPattern = (max: number, pattern: RegExp, message: string) =>
  absentWhenNull(optionalText(max).pipe(z.string().regex(pattern, message).optional()));
