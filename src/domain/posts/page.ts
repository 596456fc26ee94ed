/**
 * Keyset pagination: a page continues after the last row of the previous one, by its sort key (an
 * instant, kept to the microsecond as PostgreSQL stores it) and its id. Rows never repeat or go
 * missing when others are added meanwhile, and a deep page costs what the first one does.
 */
export interface PagePosition {
  /** The sort instant as ISO text with microseconds, e.g. "2026-11-01T13:00:00.000000Z". */
  key: string;
  id: string;
}

export interface PageRequest {
  after?: PagePosition | undefined;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null on the last page. */
  next: PagePosition | null;
}

/** Rows were fetched with `limit + 1`: the extra one only says there is more. */
export function toPage<Row extends { id: string; sort_key: string }, T>(
  rows: readonly Row[],
  limit: number,
  present: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(present),
    next: rows.length > limit && last ? { key: last.sort_key, id: last.id } : null,
  };
}

/** SQL that renders a timestamptz column as a `PagePosition.key`. */
export const SORT_KEY_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';
