import type { ReservedSql } from 'postgres';
import type { Sql } from '../db/connection.ts';
import type { Logger } from '../logger.ts';
import { instanceDispatcher } from '../networks/mastodon/instance-address.ts';
import {
  compareNotificationIds,
  fetchNotificationsPage,
  type MastodonNotification,
  NOTIFICATIONS_PAGE_SIZE,
  NotificationsUnavailable,
  streamNotifications,
} from '../networks/mastodon/mastodon-notifications-api.ts';
import { type EngagementEvent, recordEngagement } from './record-engagement.ts';

/**
 * Live engagement from Mastodon: each connected Mastodon channel's notifications (favourites,
 * boosts, replies, mentions, follows) become engagement events. The streaming API is used where
 * the server has it; otherwise, and to catch up after every reconnect, notifications are polled
 * forward from a cursor kept in `channel_stream_cursors`, so a restart leaves no gap and a replay
 * counts nothing twice (events are unique per channel and notification id).
 *
 * Runs in every `start`/`worker` process; a PostgreSQL advisory lock per channel (held on one
 * reserved connection) makes exactly one process follow each channel. If that connection drops,
 * the locks are gone, so this process stops following everything and competes again.
 */

export interface MastodonNotificationDeps {
  sql: Sql;
  secretBox: { open(sealed: string, context: string): string };
  log: Logger;
  allowPrivateAddresses: boolean;
  /** How often the connected channels are listed again (new, reconnected, removed). */
  scanIntervalMs?: number;
  /** Poll interval for servers without streaming. */
  pollIntervalMs?: number;
  /** Wait before reconnecting a stream that ended. */
  reconnectDelayMs?: number;
  /** Time after which a server that lacked streaming (or the notifications API) is asked again. */
  streamProbeIntervalMs?: number;
  /** A stream without a byte (not even Mastodon's heartbeat) for this long is reconnected. */
  streamIdleTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * How many channels a scan starts following per second. A process starting with thousands of
   * Mastodon channels ramps up instead of opening every stream (and asking every server) at once,
   * which would compete with publishing and look like a flood to the servers.
   */
  followStartsPerSecond?: number;
}

/** Advisory-lock namespace of this follower (the second key is the channel). */
const LOCK_NAMESPACE = 0x4d_4e; // "MN"
const MAX_CATCH_UP_PAGES = 25;

interface FollowedChannel {
  id: string;
  stop: AbortController;
  done: Promise<void>;
}

interface ChannelAccess {
  id: string;
  base: string;
  accessToken: string;
}

export class MastodonNotificationFollower {
  private readonly followed = new Map<string, FollowedChannel>();
  private lockConnection: ReservedSql | undefined;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = true;
  /**
   * What a server lacks, by server (its base URL), until when: streaming, or the notifications API
   * itself (some Mastodon-compatible servers answer 404). Known per server, so one channel's answer
   * spares the other channels on that server the same request.
   */
  private readonly noStreamingUntil = new Map<string, number>();
  private readonly noNotificationsUntil = new Map<string, number>();

  constructor(private readonly deps: MastodonNotificationDeps) {}

  /** Resolves once the first channels are followed; the rest follow at `followStartsPerSecond`. */
  async start(): Promise<void> {
    this.stopped = false;
    let firstBatch!: () => void;
    const started = new Promise<void>((resolve) => {
      firstBatch = resolve;
    });
    void this.scan(firstBatch).finally(() => {
      firstBatch();
      this.schedule();
    });
    await started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
    await this.releaseAll();
  }

  /** The channels this process follows now (for tests and diagnostics). */
  followedChannelIds(): string[] {
    return [...this.followed.keys()];
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.scan().finally(() => this.schedule());
    }, this.deps.scanIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Starts following channels nobody follows, stops those no longer connected. */
  scan(onFirstBatch?: () => void): Promise<void> {
    this.scanning = this.scanOnce(onFirstBatch).catch((error) => {
      this.deps.log.warn({ err: error }, 'could not scan Mastodon channels for notifications');
    });
    return this.scanning;
  }

  private async scanOnce(onFirstBatch?: () => void): Promise<void> {
    if (this.stopped) return;
    const rows = await this.deps.sql<{ id: string }[]>`
      select id from channels
      where network = 'mastodon' and connection_state = 'connected' and credentials_sealed is not null
        and service_url is not null`;
    const wanted = new Set(rows.map((r) => r.id));
    // No Mastodon channels, no reserved connection.
    if (wanted.size === 0 && this.followed.size === 0 && !this.lockConnection) return;
    const lock = await this.lockSession();
    for (const [id, follow] of this.followed) {
      if (!wanted.has(id)) await this.unfollow(follow, lock);
    }
    const fresh = [...wanted].filter((id) => !this.followed.has(id));
    const perSecond = this.deps.followStartsPerSecond ?? 100;
    for (let from = 0; from < fresh.length && !this.stopped; from += perSecond) {
      if (from > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
      // One round trip for a whole batch of locks; channels another process holds come back false.
      const got = await lock<{ id: string; locked: boolean }[]>`
        select id, pg_try_advisory_lock(${LOCK_NAMESPACE}::int, hashtext(id::text)) as locked
        from unnest(${fresh.slice(from, from + perSecond)}::uuid[]) as id`;
      // Stopping meanwhile is fine: stop() waits for this scan, then aborts and unlocks everything.
      for (const row of got) if (row.locked) this.follow(row.id);
      onFirstBatch?.();
    }
  }

  /** The reserved connection holding this process's locks; a dead one releases everything first. */
  private async lockSession(): Promise<ReservedSql> {
    if (this.lockConnection) {
      try {
        await this.lockConnection`select 1`;
        return this.lockConnection;
      } catch {
        // The session (and with it every lock) is gone: another process may follow those channels now.
        for (const follow of this.followed.values()) follow.stop.abort();
        await Promise.all([...this.followed.values()].map((f) => f.done));
        this.followed.clear();
        this.lockConnection = undefined;
      }
    }
    this.lockConnection = await this.deps.sql.reserve();
    return this.lockConnection;
  }

  private follow(channelId: string): void {
    const stop = new AbortController();
    const done = this.followLoop(channelId, stop.signal).catch((error) => {
      this.deps.log.error({ err: error, channelId, network: 'mastodon' }, 'notification follower stopped');
    });
    this.followed.set(channelId, { id: channelId, stop, done });
  }

  private async unfollow(follow: FollowedChannel, lock: ReservedSql): Promise<void> {
    follow.stop.abort();
    await follow.done;
    this.followed.delete(follow.id);
    await lock`select pg_advisory_unlock(${LOCK_NAMESPACE}::int, hashtext(${follow.id}::text))`.catch(
      () => undefined,
    );
  }

  private async releaseAll(): Promise<void> {
    for (const follow of this.followed.values()) follow.stop.abort();
    await Promise.all([...this.followed.values()].map((f) => f.done));
    this.followed.clear();
    if (this.lockConnection) {
      await this.lockConnection`select pg_advisory_unlock_all()`.catch(() => undefined);
      this.lockConnection.release();
      this.lockConnection = undefined;
    }
  }

  private async followLoop(channelId: string, signal: AbortSignal): Promise<void> {
    const log = this.deps.log.child({ channelId, network: 'mastodon' });
    const dispatcher = instanceDispatcher(this.deps.allowPrivateAddresses);
    while (!signal.aborted) {
      const access = await this.channelAccess(channelId);
      if (!access) return; // disconnected meanwhile; the next scan releases the lock
      const streamable = (this.noStreamingUntil.get(access.base) ?? 0) <= Date.now();
      const pollable = (this.noNotificationsUntil.get(access.base) ?? 0) <= Date.now();
      if (!streamable && !pollable) {
        // Neither streaming nor the notifications API on this server: ask again when it is due.
        const until = Math.min(
          this.noStreamingUntil.get(access.base)!,
          this.noNotificationsUntil.get(access.base)!,
        );
        await sleep(Math.max(1_000, until - Date.now()), signal);
        continue;
      }
      let end: 'unsupported' | 'unauthorized' | 'ended' | 'polled' = 'polled';
      try {
        if (streamable) {
          end = await streamNotifications(
            access.base,
            access.accessToken,
            {
              onOpen: () => this.catchUp(access, signal),
              onNotification: (n) => this.record(access.id, [n]).then(() => undefined),
            },
            { dispatcher, idleTimeoutMs: this.deps.streamIdleTimeoutMs ?? 90_000, signal },
          );
        }
        if (end !== 'ended' && pollable) await this.catchUp(access, signal);
      } catch (error) {
        if (error instanceof NotificationsUnavailable && lacksNotificationsApi(error.status)) {
          this.noNotificationsUntil.set(access.base, Date.now() + this.probeIntervalMs());
        } else if (!signal.aborted) log.warn({ err: error }, 'could not read Mastodon notifications');
      }
      if (end === 'unsupported') this.noStreamingUntil.set(access.base, Date.now() + this.probeIntervalMs());
      const wait =
        end === 'ended' ? (this.deps.reconnectDelayMs ?? 5_000) : (this.deps.pollIntervalMs ?? 60_000);
      await sleep(wait, signal);
    }
  }

  private probeIntervalMs(): number {
    return this.deps.streamProbeIntervalMs ?? 30 * 60_000;
  }

  private async channelAccess(channelId: string): Promise<ChannelAccess | undefined> {
    const [row] = await this.deps.sql<{ service_url: string | null; credentials_sealed: string | null }[]>`
      select service_url, credentials_sealed from channels
      where id = ${channelId} and network = 'mastodon' and connection_state = 'connected'`;
    if (!row?.service_url || !row.credentials_sealed) return undefined;
    try {
      const credentials = JSON.parse(
        this.deps.secretBox.open(row.credentials_sealed, `channel:${channelId}`),
      ) as {
        accessToken?: unknown;
      };
      if (typeof credentials.accessToken !== 'string') return undefined;
      return {
        id: channelId,
        base: row.service_url.replace(/\/+$/, ''),
        accessToken: credentials.accessToken,
      };
    } catch {
      return undefined;
    }
  }

  /** Polls forward from the stored cursor until the server has nothing newer. */
  private async catchUp(access: ChannelAccess, signal: AbortSignal): Promise<void> {
    const dispatcher = instanceDispatcher(this.deps.allowPrivateAddresses);
    let cursor = await this.cursorOf(access.id);
    const firstRun = cursor === undefined;
    for (let page = 0; page < MAX_CATCH_UP_PAGES && !signal.aborted; page++) {
      const list = await fetchNotificationsPage(access.base, access.accessToken, cursor, {
        dispatcher,
        timeoutMs: this.deps.requestTimeoutMs ?? 30_000,
        signal,
      });
      const newest = await this.record(access.id, list);
      if (!newest) return;
      cursor = newest;
      // Without a cursor the first page is the newest one; older history is not imported.
      if (list.length < NOTIFICATIONS_PAGE_SIZE || firstRun) return;
    }
  }

  private async cursorOf(channelId: string): Promise<string | undefined> {
    const [row] = await this.deps.sql<{ cursor: string }[]>`
      select cursor from channel_stream_cursors where channel_id = ${channelId}`;
    return row?.cursor;
  }

  /** Records notifications as engagement and moves the cursor; returns the newest id seen. */
  private async record(
    channelId: string,
    notifications: MastodonNotification[],
  ): Promise<string | undefined> {
    if (notifications.length === 0) return undefined;
    const statusIds = new Set<string>();
    for (const n of notifications) {
      if (n.status?.id !== undefined) statusIds.add(String(n.status.id));
      if (n.status?.in_reply_to_id) statusIds.add(String(n.status.in_reply_to_id));
    }
    const targets = await this.targetsByStatusId(channelId, [...statusIds]);
    const events = notifications.flatMap((n) => eventFor(channelId, n, targets));
    await recordEngagement(this.deps.sql, events);
    const newest = notifications
      .map((n) => String(n.id))
      .sort(compareNotificationIds)
      .at(-1)!;
    await this.deps.sql`
      insert into channel_stream_cursors as c (channel_id, cursor) values (${channelId}, ${newest})
      on conflict (channel_id) do update set cursor = excluded.cursor, updated_at = now()
      where length(excluded.cursor) > length(c.cursor)
         or (length(excluded.cursor) = length(c.cursor) and excluded.cursor collate "C" > c.cursor collate "C")`;
    return newest;
  }

  private async targetsByStatusId(channelId: string, statusIds: string[]): Promise<Map<string, string>> {
    if (statusIds.length === 0) return new Map();
    const rows = await this.deps.sql<
      { id: string; network_post_id: string | null; published_parts: string[] }[]
    >`
      select id, network_post_id, published_parts from post_targets
      where channel_id = ${channelId} and status = 'published'
        and (network_post_id = any(${statusIds}::text[]) or published_parts && ${statusIds}::text[])`;
    const byStatus = new Map<string, string>();
    for (const row of rows) {
      for (const statusId of [row.network_post_id, ...row.published_parts]) {
        if (statusId) byStatus.set(statusId, row.id);
      }
    }
    return byStatus;
  }
}

/** favourite → like, reblog → repost, a mention replying to our post → reply, else mention; follow. */
function eventFor(
  channelId: string,
  n: MastodonNotification,
  targets: Map<string, string>,
): EngagementEvent[] {
  const base = {
    channelId,
    networkEventId: String(n.id),
    occurredAt: validDate(n.created_at),
    actorId: n.account?.id === undefined ? null : String(n.account.id),
    actorHandle: n.account?.acct ?? null,
  };
  const statusId = n.status?.id === undefined ? undefined : String(n.status.id);
  switch (n.type) {
    case 'favourite':
    case 'reblog': {
      // Likes of posts Spool did not publish are not Spool's to count.
      const targetId = statusId ? targets.get(statusId) : undefined;
      return targetId ? [{ ...base, targetId, kind: n.type === 'favourite' ? 'like' : 'repost' }] : [];
    }
    case 'mention': {
      const parent = n.status?.in_reply_to_id ? targets.get(String(n.status.in_reply_to_id)) : undefined;
      return [
        parent ? { ...base, targetId: parent, kind: 'reply' } : { ...base, targetId: null, kind: 'mention' },
      ];
    }
    case 'follow':
      return [{ ...base, targetId: null, kind: 'follow' }];
    default:
      return [];
  }
}

/** The server has no notifications API at all (not a passing failure, nor this account's). */
function lacksNotificationsApi(status: number | null): boolean {
  return status === 404 || status === 405 || status === 410 || status === 501;
}

function validDate(text: string): Date {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
