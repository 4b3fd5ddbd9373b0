import { sql, type SQL } from 'drizzle-orm';

/**
 * The version of a copy some small tables kept in this process (migration 0040: the id of the last transaction that
 * changed the tables, set as it commits), as a statement's column: read with the ids the copy is to name, in the same
 * snapshot, and handed to the copy's `at`.
 */
export function versionColumn(key: string): SQL {
  if (!/^[a-z_]+$/.test(key)) throw new TypeError(`version key ${key}`);
  return sql.raw(`(SELECT value FROM sys_config WHERE key = '${key}')`);
}

/**
 * A copy of some tables held in this process, current by construction: `at(version)` gives the copy held when it is of
 * that version, else the tables as they are now, loaded once for every request waiting on them. `load` reads the
 * version (versionColumn) and the tables in one statement, so the two are of one snapshot.
 */
export function versionedCopy<T extends { readonly version: string | null }>(load: () => Promise<T>): (version: unknown) => Promise<T> {
  let current: T | undefined;
  let loading: Promise<T> | undefined;

  function reload(): Promise<T> {
    loading ??= load().then(
      (copy) => {
        loading = undefined;
        return (current = copy);
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  }

  return async (version) => {
    const wanted = (version as string | null | undefined) ?? null;
    if (current && current.version === wanted) return current;
    // A load already under way may have read the tables before this version was committed: then load once more. A
    // version still different after that is older than the tables now (read before a change), which are given.
    const copy = await reload();
    return copy.version === wanted ? copy : reload();
  };
}
