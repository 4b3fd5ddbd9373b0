import type { CursorPage } from './types.ts';

/** Yields pages of a cursor-paged API until WeCom returns an empty next_cursor. */
export async function* iterateCursorPages<Page extends CursorPage>(
  fetchPage: (cursor: string | undefined) => Promise<Page>,
  firstCursor?: string,
): AsyncGenerator<Page, void, undefined> {
  const seen = new Set<string>();
  let cursor = firstCursor;
  for (;;) {
    const page = await fetchPage(cursor);
    yield page;
    const next = page.next_cursor;
    if (!next) return;
    // A cursor that comes back again would loop forever; stop loudly instead.
    if (seen.has(next)) throw new Error(`cursor ${next} was returned twice`);
    seen.add(next);
    cursor = next;
  }
}
