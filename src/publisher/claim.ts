import type { PendingQuery, Row } from 'postgres';
import type { Sql } from '../db/connection.ts';

/** A target claimed for one publish attempt, with everything the attempt needs. */
export interface ClaimedTarget {
  id: string;
  postId: string;
  organizationId: string;
  channelId: string;
  attemptId: string;
  attempts: number;
  priorStatus: 'queued' | 'scheduled';
  dueAt: Date;
  needsVerification: boolean;
  firstAttemptAt: Date;
  publishedParts: string[];
  /** Per-channel network options from the composer (post_targets.options). */
  options: Record<string, unknown>;
  text: string;
  media: { mediaId: string; altText?: string }[];
  thread: { text: string; media?: { mediaId: string; altText?: string }[] }[];
  authorUserId: string | null;
  network: string;
  accountId: string;
  handle: string;
  serviceUrl: string | null;
  credentialsSealed: string | null;
}

/**
 * Claims up to `limit` due targets, at most one per channel (one publish in flight per channel),
 * skipping channels that are paused, disconnected, rate limited or already publishing. Channel
 * rows are locked with SKIP LOCKED, so any number of workers claim disjoint sets; the channel's
 * publish lease is re-checked on the locked row, so two workers never publish to one channel at once.
 *
 * Candidates come from the earliest due posts (a bounded scan of the due index: cheap at the top
 * of the hour). When that scan is all taken by channels that cannot publish now (a long backlog on
 * a rate-limited or busy channel), a second pass walks every channel's own queue instead, so such a
 * backlog can never starve the other channels.
 */
export async function claimDueTargets(sql: Sql, limit: number, leaseMs: number): Promise<ClaimedTarget[]> {
  if (limit <= 0) return [];
  const scan = limit * 8;
  const fromDueIndex = sql`
    select c.id, first.id as target_id, first.status as prior_status, first.due_at
    from (
      select distinct on (d.channel_id) d.channel_id, d.id, d.status, d.due_at
      from (
        select t.channel_id, t.id, t.status, t.due_at from post_targets t
        where t.status in ('queued', 'scheduled') and t.due_at <= now()
          and (t.next_attempt_at is null or t.next_attempt_at <= now())
        order by t.due_at
        limit ${scan}
      ) d
      order by d.channel_id, d.due_at, d.id
    ) first
    join channels c on c.id = first.channel_id`;
  const claimed = await claimWith(sql, fromDueIndex, limit, leaseMs);
  if (claimed.length > 0) return claimed;
  const [due] = await sql<{ n: number }[]>`
    select count(*)::int as n from (
      select 1 from post_targets t
      where t.status in ('queued', 'scheduled') and t.due_at <= now()
        and (t.next_attempt_at is null or t.next_attempt_at <= now())
      limit ${scan}) d`;
  if ((due?.n ?? 0) < scan) return claimed; // the scan saw every due post: nothing else is claimable
  const fromEveryQueue = sql`
    select c.id, first.id as target_id, first.status as prior_status, first.due_at
    from channels c
    cross join lateral (
      select t.id, t.status, t.due_at from post_targets t
      where t.channel_id = c.id and t.status in ('queued', 'scheduled') and t.due_at <= now()
        and (t.next_attempt_at is null or t.next_attempt_at <= now())
      order by t.due_at, t.id
      limit 1
    ) first`;
  return claimWith(sql, fromEveryQueue, limit, leaseMs);
}

async function claimWith(
  sql: Sql,
  candidates: PendingQuery<Row[]>,
  limit: number,
  leaseMs: number,
): Promise<ClaimedTarget[]> {
  const lease = `${Math.ceil(leaseMs)} milliseconds`;
  return sql<ClaimedTarget[]>`
    with due_channels as (
      ${candidates}
      where not c.paused and c.connection_state = 'connected'
        and (c.publish_blocked_until is null or c.publish_blocked_until <= now())
        and (c.publish_lease_until is null or c.publish_lease_until < now())
      order by first.due_at
      limit ${limit}
      for update of c skip locked
    ), picked as (
      select target_id as id, prior_status from due_channels
    ), claimed as (
      update post_targets t set
        status = 'publishing',
        attempt_id = gen_random_uuid(),
        lease_expires_at = now() + ${lease}::interval,
        attempts = t.attempts + 1,
        attempt_started_at = coalesce(t.attempt_started_at, now()),
        last_attempt_at = now(),
        updated_at = now()
      -- re-checked on the row itself: a target moved or deleted since the snapshot is left alone
      from picked where t.id = picked.id and t.status in ('queued', 'scheduled') and t.due_at <= now()
        and (t.next_attempt_at is null or t.next_attempt_at <= now())
      returning t.*, picked.prior_status
    ), leased as (
      -- data-modifying CTEs always run to completion, whether or not the query reads them
      update channels c set publish_lease_until = now() + ${lease}::interval
      from claimed where c.id = claimed.channel_id
    )
    select cl.id, cl.post_id as "postId", cl.organization_id as "organizationId", cl.channel_id as "channelId",
           cl.attempt_id as "attemptId", cl.attempts, cl.prior_status as "priorStatus", cl.due_at as "dueAt",
           cl.needs_verification as "needsVerification", cl.attempt_started_at as "firstAttemptAt",
           cl.published_parts as "publishedParts", cl.options,
           coalesce(cl.text_override, p.text) as text, coalesce(cl.media_override, p.media) as media,
           p.thread, p.author_user_id as "authorUserId",
           c.network, c.account_id as "accountId", c.handle, c.service_url as "serviceUrl",
           c.credentials_sealed as "credentialsSealed"
    from claimed cl
    join posts p on p.id = cl.post_id
    join channels c on c.id = cl.channel_id
    order by cl.due_at`;
}

/**
 * Right before sending: is the attempt still ours, the target still there, the channel still
 * unpaused and connected? A post deleted or paused a moment ago is not sent.
 */
export async function stillPublishable(
  sql: Sql,
  attempts: { id: string; attemptId: string }[],
): Promise<Set<string>> {
  if (attempts.length === 0) return new Set();
  const rows = await sql<{ id: string }[]>`
    select t.id from post_targets t
    join channels c on c.id = t.channel_id
    join unnest(${attempts.map((a) => a.id)}::uuid[], ${attempts.map((a) => a.attemptId)}::uuid[]) as a(id, attempt_id)
      on a.id = t.id and a.attempt_id = t.attempt_id
    where t.status = 'publishing' and not c.paused and c.connection_state = 'connected'`;
  return new Set(rows.map((r) => r.id));
}

/** Extends the leases of attempts in flight (the worker's heartbeat). */
export async function extendLeases(sql: Sql, attemptIds: string[], leaseMs: number): Promise<void> {
  if (attemptIds.length === 0) return;
  const lease = `${Math.ceil(leaseMs)} milliseconds`;
  await sql`
    with t as (
      update post_targets set lease_expires_at = now() + ${lease}::interval
      where attempt_id = any(${attemptIds}::uuid[]) and status = 'publishing'
      returning channel_id)
    update channels set publish_lease_until = now() + ${lease}::interval where id in (select channel_id from t)`;
}

/**
 * Recovers attempts whose worker died (its lease expired). The request may have reached the
 * network, so the target is marked for verification: it is retried only idempotently or after a
 * lookup proves the post absent (the publisher decides per network), never blindly.
 */
export async function recoverExpiredLeases(sql: Sql): Promise<number> {
  const rows = await sql`
    update post_targets set
      status = 'scheduled', attempt_id = null, lease_expires_at = null, needs_verification = true,
      next_attempt_at = null,
      last_error_code = 'worker_lost',
      last_error = 'The worker publishing this post stopped before it finished; Spool is checking and retrying safely.',
      updated_at = now()
    where status = 'publishing' and lease_expires_at < now()
    returning id`;
  return rows.length;
}

/** When the next target could become claimable (for the worker's timer). */
export async function nextWakeAt(sql: Sql): Promise<Date | null> {
  const [row] = await sql<{ at: Date | null }[]>`
    select least(
      (select min(due_at) from post_targets where status in ('queued', 'scheduled') and due_at > now()),
      (select min(next_attempt_at) from post_targets
        where status in ('queued', 'scheduled') and next_attempt_at > now()),
      (select min(publish_blocked_until) from channels where publish_blocked_until > now()),
      (select min(lease_expires_at) from post_targets where status = 'publishing')
    ) as at`;
  return row?.at ?? null;
}
