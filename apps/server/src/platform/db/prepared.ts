import { sql, type Placeholder } from 'drizzle-orm';

/** A drizzle query that can be prepared: built to SQL once, then run with placeholder values. */
interface Preparable<R> {
  prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> };
}

/**
 * Queries built once per shape and run with each request's values. On the hot pages drizzle's query building
 * took more of the server's CPU than anything else (bench/http-baseline --profile): a page's query has few
 * shapes (which filters are present, the caller's kind of scope), so each is built once, with `p(name)`
 * placeholders for its values. Unnamed at the driver: the PostgreSQL client names statements itself
 * (db/database.ts), and PGlite's one session is shared by every pooled client.
 */
export function preparedByShape<R>(build: (shape: string, p: (name: string) => Placeholder) => Preparable<R>, maxShapes = 256) {
  const prepared = new Map<string, { execute(values?: Record<string, unknown>): Promise<R> }>();
  return (shape: string, values: Record<string, unknown>): Promise<R> => {
    let query = prepared.get(shape);
    if (!query) {
      if (prepared.size >= maxShapes) prepared.delete(prepared.keys().next().value!);
      query = build(shape, (name) => sql.placeholder(name)).prepare(undefined as unknown as string);
      prepared.set(shape, query);
    }
    return query.execute(values);
  };
}
