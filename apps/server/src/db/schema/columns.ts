import { bigint, integer, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** Integer primary key; ids travel as JSON numbers. */
export const id = () => bigint({ mode: 'number' }).primaryKey().generatedByDefaultAsIdentity();
export const ref = () => bigint({ mode: 'number' });
export const time = () => timestamp({ withTimezone: true, mode: 'date' });

/** Audit columns the server fills from the caller's token (API.md: ctime/cuser/mtime/muser). */
export const audit = {
  ctime: time().notNull().defaultNow(),
  cuser: text(),
  mtime: time().notNull().defaultNow(),
  muser: text(),
};

/** Soft delete flag, 0 live / 1 deleted. */
export const isDel = () => smallint().notNull().default(0);
export const version = () => integer().notNull().default(0);
