import type { Sql } from '../../db/connection.ts';

export interface WindowState {
  hits: number;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetInSeconds: number;
  exceeded: boolean;
}

/**
 * A fixed-window counter in PostgreSQL, shared by every Spool process (an in-memory limiter would
 * multiply the limit by the number of processes). One statement per hit.
 */
export async function hitWindow(
  sql: Sql,
  key: string,
  limit: number,
  windowSeconds: number,
): Promise<WindowState> {
  const [row] = await sql<{ hits: number; reset_in: number }[]>`
    insert into rate_limit_windows as w (key, hits, window_ends_at)
    values (${key}, 1, now() + make_interval(secs => ${windowSeconds}))
    on conflict (key) do update set
      hits = case when w.window_ends_at <= now() then 1 else w.hits + 1 end,
      window_ends_at = case when w.window_ends_at <= now() then excluded.window_ends_at else w.window_ends_at end
    returning hits, ceil(extract(epoch from window_ends_at - now()))::int as reset_in`;
  const hits = row?.hits ?? 1;
  return {
    hits,
    limit,
    remaining: Math.max(0, limit - hits),
    resetInSeconds: Math.max(1, row?.reset_in ?? windowSeconds),
    exceeded: hits > limit,
  };
}

/** Reads a window without counting a hit. */
export async function peekWindow(sql: Sql, key: string, limit: number): Promise<WindowState | undefined> {
  const [row] = await sql<{ hits: number; reset_in: number }[]>`
    select hits, ceil(extract(epoch from window_ends_at - now()))::int as reset_in
    from rate_limit_windows where key = ${key} and window_ends_at > now()`;
  if (!row) return undefined;
  return {
    hits: row.hits,
    limit,
    remaining: Math.max(0, limit - row.hits),
    resetInSeconds: Math.max(1, row.reset_in),
    exceeded: row.hits >= limit,
  };
}

export async function clearWindow(sql: Sql, key: string): Promise<void> {
  await sql`delete from rate_limit_windows where key = ${key}`;
}
