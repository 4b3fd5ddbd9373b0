import { translate, type Locale, type MessageKey } from './i18n.ts';

/** An error with an HTTP status and a translatable message; mapped to the envelope in one handler. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey: MessageKey | string,
    readonly params: Record<string, unknown> = {},
    readonly data: unknown = null,
  ) {
    super(`${messageKey} ${JSON.stringify(params)}`);
  }

  /** The message in `locale` (the envelope's msg). */
  render(locale: Locale): string {
    return translate(this.messageKey, locale, this.params);
  }
}

export class BadRequest extends AppError {
  constructor(messageKey: MessageKey | string = 'badRequest', params: Record<string, unknown> = {}, data: unknown = null) {
    super(400, messageKey, params, data);
  }
}

/** A single-field validation failure raised by a service (same shape as schema validation errors). */
export class InvalidField extends AppError {
  constructor(field: string, messageKey: MessageKey | string, params: Record<string, unknown> = {}) {
    super(400, messageKey, params, { fields: [{ field, messageKey }] });
  }
}

export class Unauthorized extends AppError {
  constructor(messageKey: MessageKey = 'unauthorized') {
    super(401, messageKey);
  }
}

export class Forbidden extends AppError {
  constructor(messageKey: MessageKey | string = 'forbidden', params: Record<string, unknown> = {}) {
    super(403, messageKey, params);
  }
}

export class NotFound extends AppError {
  constructor(entity: string, id: unknown) {
    super(404, 'notFound', { entity, id });
  }
}

export class Conflict extends AppError {
  constructor(messageKey: MessageKey | string, params: Record<string, unknown> = {}) {
    super(409, messageKey, params);
  }
}

export class TooManyRequests extends AppError {
  constructor(messageKey: MessageKey = 'tooManyRequests', params: Record<string, unknown> = {}) {
    super(429, messageKey, params);
  }
}
