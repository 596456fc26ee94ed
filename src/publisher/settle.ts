import type { Sql } from '../db/connection.ts';

/** The end of one attempt, as written to the database. */
export interface Settlement {
  targetId: string;
  attemptId: string;
  channelId: string;
  status: 'published' | 'queued' | 'scheduled' | 'failed' | 'unconfirmed';
  networkPostId?: string | null;
  networkPostUrl?: string | null;
  nextAttemptAt?: Date | null;
  errorCode?: string | null;
  error?: string | null;
  needsVerification?: boolean;
  /** -1 gives the attempt back (rate limits and pauses do not use up the retry budget). */
  attemptDelta?: 0 | -1;
  channelBlockedUntil?: Date | null;
  disconnectChannel?: string | null;
}

export interface SettledRow {
  id: string;
  status: Settlement['status'];
  lagMs: number;
}

/**
 * Writes many settlements in one statement. Each row is updated only if the attempt is still the
 * current one: a worker that lost its lease can never overwrite the outcome of its successor.
 */
export async function settleTargets(sql: Sql, items: Settlement[]): Promise<(SettledRow | undefined)[]> {
  if (items.length === 0) return [];
  // One JSON parameter rather than an array per column: serializing many text arrays (each element
  // escaped by the driver) cost more than the statement itself.
  const rowsJson = JSON.stringify(
    items.map((s) => ({
      id: s.targetId,
      attempt_id: s.attemptId,
      status: s.status,
      network_post_id: s.networkPostId ?? null,
      network_post_url: s.networkPostUrl ?? null,
      next_attempt_at: s.nextAttemptAt?.toISOString() ?? null,
      error_code: s.errorCode ?? null,
      error: s.error ?? null,
      needs_verification: s.needsVerification ?? false,
      attempt_delta: s.attemptDelta ?? 0,
      blocked_until: s.channelBlockedUntil?.toISOString() ?? null,
      disconnect: s.disconnectChannel ?? null,
    })),
  );
  const rows = await sql<SettledRow[]>`
    with v as (
      select * from json_to_recordset(${rowsJson}::text::json) as v(
        id uuid, attempt_id uuid, status text, network_post_id text, network_post_url text,
        next_attempt_at timestamptz, error_code text, error text, needs_verification boolean,
        attempt_delta int, blocked_until timestamptz, disconnect text)
    ), updated as (
      update post_targets t set
        status = v.status,
        published_at = case when v.status = 'published' then now() else t.published_at end,
        network_post_id = coalesce(v.network_post_id, t.network_post_id),
        network_post_url = coalesce(v.network_post_url, t.network_post_url),
        next_attempt_at = v.next_attempt_at,
        last_error_code = v.error_code,
        last_error = v.error,
        needs_verification = v.needs_verification,
        attempts = greatest(0, t.attempts + v.attempt_delta),
        attempt_started_at = case when v.status in ('published', 'failed', 'unconfirmed') or not v.needs_verification
                                  then null else t.attempt_started_at end,
        attempt_id = null,
        lease_expires_at = null,
        updated_at = now()
      from v where t.id = v.id and t.attempt_id = v.attempt_id and t.status = 'publishing'
      returning t.id, t.status, t.due_at, t.channel_id
    ), channel_updates as (
      -- only channels whose attempt we settled: a lost lease must not free a successor's channel
      update channels c set
        publish_lease_until = null,
        publish_blocked_until = coalesce(cv.blocked_until, c.publish_blocked_until),
        connection_state = case when cv.disconnect is not null then 'needs_reconnect' else c.connection_state end,
        connection_error = coalesce(cv.disconnect, c.connection_error),
        updated_at = case when cv.disconnect is not null then now() else c.updated_at end
      from v cv
      join updated u on u.id = cv.id
      where c.id = u.channel_id
    )
    select id, status, (extract(epoch from now() - due_at) * 1000)::float8 as "lagMs" from updated`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  return items.map((s) => byId.get(s.targetId));
}
