import type { ReservedSql } from 'postgres';
import type { Sql } from '../../db/connection.ts';
import { recordEngagement, undoEngagement } from '../../engagement/record-engagement.ts';
import type { Logger } from '../../logger.ts';
import { type CommitEvent, FirehoseSubscription } from './firehose.ts';
import { pdsDispatcher } from './guarded-dispatcher.ts';
import { type ServiceChannels, toEngagement } from './interactions.ts';

export interface EngagementStreamSettings {
  sql: Sql;
  log: Logger;
  /** SSRF_ALLOW_PRIVATE: whether a PDS may be on a private or loopback address. */
  allowPrivateAddresses: boolean;
  /** How often to look for PDSes to follow or to leave, and for channels added on them. */
  sweepMs?: number;
}

interface HeldStream {
  service: string;
  /** The connection holding this PDS's advisory lock; the lock goes when it closes. */
  lock: ReservedSql;
  /** That connection's server process: a different one means the connection (and the lock) was lost. */
  lockPid: number;
  channels: ServiceChannels;
  subscription: FirehoseSubscription;
  lastCursorWrite: number;
}

const CURSOR_WRITE_MS = 2_000;

/**
 * Live engagement for Bluesky: one event-stream subscription per distinct PDS of the connected
 * Bluesky channels. Any number of workers run this; a PostgreSQL advisory lock per PDS (held on a
 * reserved connection) makes exactly one of them subscribe, and when that worker dies its lock goes
 * with its connection and another takes over at its next sweep, from the stored cursor.
 *
 * The cursor is kept in channel_stream_cursors for every channel on that PDS (one stream serves
 * them all); a restart resumes from the highest. Replays are harmless: each event is recorded once.
 *
 * Trust: an event counts only when it is about a post of a channel on the PDS that sent it. A PDS is
 * a server its users chose; this way no PDS can add engagement to posts of accounts it does not host.
 */
export class BlueskyEngagementStreams {
  private readonly held = new Map<string, HeldStream>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly settings: EngagementStreamSettings) {}

  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => {
      this.sweeping = this.sweeping.then(() => this.sweep());
    }, this.settings.sweepMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.sweeping;
    await Promise.all([...this.held.values()].map((stream) => this.release(stream)));
  }

  /** The PDSes this process follows, with whether each stream is connected (for tests and health). */
  following(): { service: string; connected: boolean; cursor: number | undefined }[] {
    return [...this.held.values()].map((s) => ({
      service: s.service,
      connected: s.subscription.connected,
      cursor: s.subscription.position,
    }));
  }

  private async sweep(): Promise<void> {
    if (this.stopped) return;
    const { sql, log } = this.settings;
    try {
      const rows = await sql<{ service_url: string }[]>`
        select distinct service_url from channels
        where network = 'bluesky' and connection_state = 'connected' and service_url is not null`;
      const wanted = new Set(rows.map((r) => r.service_url));
      for (const stream of [...this.held.values()]) {
        if (!wanted.has(stream.service) || !(await lockHeld(stream))) await this.release(stream);
        else stream.channels = await loadChannels(sql, stream.service);
      }
      for (const service of wanted) {
        if (!this.held.has(service) && !this.stopped) await this.tryFollow(service);
      }
    } catch (error) {
      log.error({ err: error }, 'could not update the Bluesky event-stream subscriptions');
    }
  }

  private async tryFollow(service: string): Promise<void> {
    const { sql, log } = this.settings;
    const lock = await sql.reserve();
    let locked = false;
    try {
      const [row] = await lock<{ locked: boolean; pid: number }[]>`
        select pg_try_advisory_lock(hashtextextended(${`spool:bluesky-event-stream:${service}`}, 0)) as locked,
               pg_backend_pid() as pid`;
      locked = row?.locked === true;
      if (!locked) return; // another worker follows this PDS
      const channels = await loadChannels(sql, service);
      const cursor = await storedCursor(sql, channels.channelIds);
      const stream: HeldStream = {
        service,
        lock,
        lockPid: row!.pid,
        channels,
        lastCursorWrite: 0,
        subscription: new FirehoseSubscription({
          service,
          cursor,
          dispatcher: pdsDispatcher(this.settings.allowPrivateAddresses),
          allowPrivateAddresses: this.settings.allowPrivateAddresses,
          wanted: (collection) => WANTED.has(collection),
          onBatch: (commits, lastSeq) => this.handle(stream, commits, lastSeq),
          log: log.child({ service }),
        }),
      };
      this.held.set(service, stream);
      stream.subscription.start();
    } finally {
      if (!locked) lock.release();
    }
  }

  private async handle(stream: HeldStream, commits: CommitEvent[], lastSeq: number): Promise<void> {
    const { sql } = this.settings;
    const { events, undos, subjects } = toEngagement(commits, stream.channels);
    let recorded = 0;
    if (subjects.length > 0) {
      const targets = await sql<{ id: string; channel_id: string; network_post_id: string }[]>`
        select id, channel_id, network_post_id from post_targets
        where channel_id = any(${stream.channels.channelIds}::uuid[]) and status = 'published'
          and network_post_id = any(${subjects}::text[])`;
      const bySubject = new Map<string, { id: string; channel_id: string }[]>();
      for (const target of targets)
        bySubject.set(target.network_post_id, [...(bySubject.get(target.network_post_id) ?? []), target]);
      const matched = events.flatMap((event) =>
        (bySubject.get(event.subject) ?? []).map((target) => ({
          channelId: target.channel_id,
          targetId: target.id,
          kind: event.kind,
          networkEventId: event.networkEventId,
          occurredAt: event.occurredAt,
          actorId: event.actorId,
        })),
      );
      recorded += await recordEngagement(sql, matched);
    }
    if (undos.length > 0) recorded += await undoEngagement(sql, stream.channels.channelIds, undos);
    if (recorded > 0 || Date.now() - stream.lastCursorWrite > CURSOR_WRITE_MS) {
      await saveCursor(sql, stream.channels.channelIds, lastSeq);
      stream.lastCursorWrite = Date.now();
    }
  }

  private async release(stream: HeldStream): Promise<void> {
    this.held.delete(stream.service);
    await stream.subscription.stop();
    const position = stream.subscription.position;
    if (position !== undefined) {
      await saveCursor(this.settings.sql, stream.channels.channelIds, position).catch(() => undefined);
    }
    await stream.lock`select pg_advisory_unlock_all()`.catch(() => undefined);
    stream.lock.release();
  }
}

const WANTED = new Set(['app.bsky.feed.like', 'app.bsky.feed.repost', 'app.bsky.feed.post']);

async function loadChannels(sql: Sql, service: string): Promise<ServiceChannels> {
  const rows = await sql<{ id: string; account_id: string }[]>`
    select id, account_id from channels where network = 'bluesky' and service_url = ${service}`;
  return { channelIds: rows.map((r) => r.id), dids: new Set(rows.map((r) => r.account_id)) };
}

async function storedCursor(sql: Sql, channelIds: string[]): Promise<number | undefined> {
  const [row] = await sql<{ cursor: string | null }[]>`
    select max(cursor::bigint)::text as cursor from channel_stream_cursors where channel_id = any(${channelIds}::uuid[])`;
  return row?.cursor ? Number(row.cursor) : undefined;
}

async function saveCursor(sql: Sql, channelIds: string[], seq: number): Promise<void> {
  if (channelIds.length === 0) return;
  await sql`
    insert into channel_stream_cursors (channel_id, cursor)
    select id, ${String(seq)} from channels where id = any(${channelIds}::uuid[])
    on conflict (channel_id) do update set cursor = excluded.cursor, updated_at = now()`;
}

/** A lost connection is reopened by the driver without the lock, so the server process is compared. */
async function lockHeld(stream: HeldStream): Promise<boolean> {
  try {
    const [row] = await stream.lock<{ pid: number }[]>`select pg_backend_pid() as pid`;
    return row?.pid === stream.lockPid;
  } catch {
    return false;
  }
}
