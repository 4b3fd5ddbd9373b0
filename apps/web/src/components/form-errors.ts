import type { FormInstance } from 'antd';
import { ApiError } from '../api/client.ts';

/**
 * Puts the server's field errors (`date.fields`, e.g. `body.username`) on the matching form fields.
 * Returns true when at least one field matched.
 */
export function applyFieldErrors(form: FormInstance, error: unknown): boolean {
  if (!(error instanceof ApiError) || error.fields.length === 0) return false;
  const known = new Set(Object.keys(form.getFieldsValue(true) ?? {}));
  const fields = error.fields
    .map((field) => ({ name: field.field.replace(/^(body|query)\./, '').split('.')[0], errors: [field.message] }))
    .filter((field) => known.has(field.name));
  if (fields.length > 0) form.setFields(fields);
  return fields.length > 0;
}

/** Client-side twin of the server's password rule (8–64 characters, a letter and a digit). */
export const strongPassword = /^(?=.*[A-Za-z])(?=.*\d).{12,64}$/;
