import type { Sql, TransactionSql } from '../db/connection.ts';

/**
 * Records engagement that networks report (Bluesky's firehose, Mastodon's streaming API or its
 * polling fallback) into `engagement_events`, and keeps the per-target totals in `post_engagement`
 * in the same transaction. Every event carries the network's own id for it; (channel, that id) is
 * unique, so a replayed stream or an event seen by two subscribers is counted once.
 */
export type EngagementKind = 'like' | 'repost' | 'reply' | 'quote' | 'mention' | 'follow';

export interface EngagementEvent {
  channelId: string;
  /** The published target the event is about; null for events about the account (mentions, follows). */
  targetId: string | null;
  kind: EngagementKind;
  /** The network's id for the event (an AT URI, a Mastodon notification id): unique per channel. */
  networkEventId: string;
  occurredAt: Date;
  actorId?: string | null;
  actorHandle?: string | null;
}

/** An event that was taken back (an unlike, a deleted repost or reply), named by the network's id of the original. */
export interface EngagementUndo {
  networkEventId: string;
  occurredAt: Date;
}

/** Counted kinds and their column in `post_engagement`. */
const TOTAL_COLUMN = { like: 'likes', repost: 'reposts', reply: 'replies', quote: 'quotes' } as const;

/** The suffix of the event that cancels another (`<id>#undone`), so an undo is recorded once too. */
export const UNDO_SUFFIX = '#undone';

interface RecordedRow {
  target_id: string | null;
  organization_id: string;
  kind: EngagementKind;
  delta: number;
}

/**
 * Stores new events; events already recorded (same channel and network event id) are ignored.
 * The organization and network come from the channel row, so a caller cannot file an event under
 * another organization; a target that is not the channel's is dropped to null.
 * Returns how many events were new.
 */
export async function recordEngagement(sql: Sql, events: EngagementEvent[]): Promise<number> {
  const unique = [...new Map(events.map((e) => [`${e.channelId} ${e.networkEventId}`, e])).values()];
  if (unique.length === 0) return 0;
  const col = <T>(f: (e: EngagementEvent) => T) => unique.map(f);
  return sql.begin(async (tx) => {
    const rows = await tx<RecordedRow[]>`
      insert into engagement_events (organization_id, channel_id, target_id, network, kind, delta, actor_id,
                                     actor_handle, network_event_id, occurred_at)
      select c.organization_id, c.id, t.id, c.network, v.kind, 1, v.actor_id, v.actor_handle, v.network_event_id,
             v.occurred_at
      from unnest(${col((e) => e.channelId)}::uuid[], ${col((e) => e.targetId)}::uuid[], ${col((e) => e.kind)}::text[],
                  ${col((e) => e.actorId ?? null)}::text[], ${col((e) => e.actorHandle ?? null)}::text[],
                  ${col((e) => e.networkEventId)}::text[], ${col((e) => e.occurredAt.toISOString())}::timestamptz[])
             as v(channel_id, target_id, kind, actor_id, actor_handle, network_event_id, occurred_at)
      join channels c on c.id = v.channel_id
      left join post_targets t on t.id = v.target_id and t.channel_id = v.channel_id
      on conflict (channel_id, network_event_id) do nothing
      returning target_id, organization_id, kind, delta`;
    await addToTotals(tx, rows);
    return rows.length;
  });
}

/**
 * Records that events were taken back: each recorded original (looked up among `channelIds`, which
 * keeps the lookup on the unique index) gets one cancelling event with delta -1, and the totals go
 * down. Undoing an event that was never recorded, or twice, changes nothing. Returns how many were new.
 */
export async function undoEngagement(
  sql: Sql,
  channelIds: string[],
  given: EngagementUndo[],
): Promise<number> {
  const undos = [...new Map(given.map((u) => [u.networkEventId, u])).values()];
  if (undos.length === 0 || channelIds.length === 0) return 0;
  return sql.begin(async (tx) => {
    const rows = await tx<RecordedRow[]>`
      insert into engagement_events (organization_id, channel_id, target_id, network, kind, delta, actor_id,
                                     actor_handle, network_event_id, occurred_at)
      select e.organization_id, e.channel_id, e.target_id, e.network, e.kind, -1, e.actor_id, e.actor_handle,
             e.network_event_id || ${UNDO_SUFFIX}, v.occurred_at
      from unnest(${undos.map((u) => u.networkEventId)}::text[],
                  ${undos.map((u) => u.occurredAt.toISOString())}::timestamptz[]) as v(network_event_id, occurred_at)
      join engagement_events e
        on e.channel_id = any(${channelIds}::uuid[]) and e.network_event_id = v.network_event_id and e.delta = 1
      on conflict (channel_id, network_event_id) do nothing
      returning target_id, organization_id, kind, delta`;
    await addToTotals(tx, rows);
    return rows.length;
  });
}

async function addToTotals(tx: TransactionSql, rows: RecordedRow[]): Promise<void> {
  const totals = new Map<
    string,
    { organizationId: string; likes: number; reposts: number; replies: number; quotes: number }
  >();
  for (const row of rows) {
    if (!row.target_id || !(row.kind in TOTAL_COLUMN)) continue;
    const total = totals.get(row.target_id) ?? {
      organizationId: row.organization_id,
      likes: 0,
      reposts: 0,
      replies: 0,
      quotes: 0,
    };
    total[TOTAL_COLUMN[row.kind as keyof typeof TOTAL_COLUMN]] += row.delta;
    totals.set(row.target_id, total);
  }
  if (totals.size === 0) return;
  // Sorted by target so that concurrent writers lock the rows in one order and never deadlock.
  const entries = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const col = (f: (t: (typeof entries)[number]) => string | number) => entries.map(f);
  await tx`
    insert into post_engagement (target_id, organization_id)
    select * from unnest(${col(([id]) => id)}::uuid[], ${col(([, t]) => t.organizationId)}::uuid[])
    on conflict (target_id) do nothing`;
  await tx`
    update post_engagement p set
      likes = greatest(0, p.likes + v.likes),
      reposts = greatest(0, p.reposts + v.reposts),
      replies = greatest(0, p.replies + v.replies),
      quotes = greatest(0, p.quotes + v.quotes),
      updated_at = now()
    from unnest(${col(([id]) => id)}::uuid[], ${col(([, t]) => t.likes)}::int[], ${col(([, t]) => t.reposts)}::int[],
                ${col(([, t]) => t.replies)}::int[], ${col(([, t]) => t.quotes)}::int[])
         as v(target_id, likes, reposts, replies, quotes)
    where p.target_id = v.target_id`;
}
